"""The advances' channels: ``osms payments advance|advances`` and ``/api/v1/payment-advances``
(docs/payments.md, "Advances"). H1 had a contract in 2025 (not a first-time provider); its 2026
contract C-H1 buys 1,200,000.00 of consultations a year with a 30% advance: 360,000.00."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from osms.cli import app as osms_cli
from osms.core.clock import fund_today
from osms.core.config import get_settings
from osms.core.db import get_engine, session_factory
from osms.core.security import create_token, create_user
from osms.payments import advances
from osms.payments.run import run_month
from osms.rulebooks.loader import load_rulebook
from tests.payments.acts_world import World, logged, world
from tests.payments.run_world import add_provider, contract

__all__ = ["world"]


@pytest.fixture
def cli_db(db_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    monkeypatch.setenv("OSMS_DATABASE_URL", db_url)
    monkeypatch.setenv("OSMS_RULEBOOK", "kz-law")
    get_settings.cache_clear()
    get_engine.cache_clear()
    yield db_url
    get_engine(db_url).dispose()
    get_settings.cache_clear()
    get_engine.cache_clear()


@pytest.fixture
def land(engine: Engine) -> dict[str, Any]:
    with session_factory(engine)() as session:
        add_provider(session, "H1")
        add_provider(session, "H2")
        contract(session, "H1", [("consult_diag", "120000.00")], valid_from=date(2025, 1, 1),
                 valid_to=date(2025, 12, 31), contract_id="C-H1-2025")  # fmt: skip
        contract(session, "H1", [("consult_diag", "1200000.00")], advance_percent=30)
        contract(session, "H2", [("consult_diag", "1200000.00")], advance_percent=30)
        users = {
            "operator": create_user(session, "op", "pw", "operator", "Оператор"),
            "auditor": create_user(session, "aud", "pw", "auditor", "Аудитор"),
            "clinic": create_user(session, "h1", "pw", "clinic", "Аурухана", provider_id="H1"),
            "other": create_user(session, "h2", "pw", "clinic", "Басқа", provider_id="H2"),
        }
        tokens = {role: create_token(session, user, "t") for role, user in users.items()}
        session.commit()
    return {"tokens": tokens}


def _as(land: dict[str, Any], role: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {land['tokens'][role]}"}


def test_cli_advance_list_and_order(cli_db: str, land: dict[str, Any]) -> None:
    runner = CliRunner()
    base = ["payments", "advance", "--contract", "C-H1", "--year", "2026", "--today", "2026-01-05", "--json"]
    made = runner.invoke(osms_cli, [*base, "--kind", "signing"])
    assert made.exit_code == 0, made.output
    data = json.loads(made.output)
    assert {k: data[k] for k in ("kind", "percent", "base", "amount", "order_no", "decided_on", "outstanding")} == {
        "kind": "signing", "percent": 30, "base": "1200000.00", "amount": "360000.00",
        "order_no": "C-H1/2026/advance-signing", "decided_on": "2026-01-05", "outstanding": "360000.00",
    }  # fmt: skip
    again = runner.invoke(osms_cli, [*base, "--kind", "signing"])
    assert again.exit_code == 1 and json.loads(again.output)["error"]["code"] == "already_advanced"
    early = runner.invoke(osms_cli, [*base, "--kind", "december"])
    assert early.exit_code == 1 and json.loads(early.output)["error"]["code"] == "too_early"
    first = runner.invoke(osms_cli, [*base[:3], "C-H2", *base[4:], "--kind", "signing"])
    assert first.exit_code == 1 and json.loads(first.output)["error"]["code"] == "first_time_provider"
    listed = runner.invoke(osms_cli, ["payments", "advances", "--year", "2026", "--json"])
    assert listed.exit_code == 0, listed.output
    assert [json.loads(line)["order_no"] for line in listed.output.splitlines()] == ["C-H1/2026/advance-signing"]
    text = runner.invoke(osms_cli, ["payments", "advances"])
    assert "C-H1/2026/advance-signing: 30% of 1200000.00 = 360000.00" in text.output
    orders = runner.invoke(osms_cli, ["payments", "orders", "--due-by", "2026-01-31"])
    rows = list(csv.DictReader(io.StringIO(orders.stdout)))
    assert [(r["order_no"], r["amount"], r["due_date"]) for r in rows] == [
        ("C-H1/2026/advance-signing", "360000.00", "2026-01-05")
    ]
    # the world's providers have no IBAN in the register: the order is flagged, and said on stderr
    assert rows[0]["payee_iban"] == "" and rows[0]["problem"] == "no_iban"
    assert "1 of 1 payment orders have no payee account" in orders.stderr


def test_api_decide_and_read(client: TestClient, land: dict[str, Any]) -> None:
    body = {"contract_id": "C-H1", "kind": "signing", "year": 2026}
    assert client.post("/api/v1/payment-advances", json=body, headers=_as(land, "auditor")).status_code == 403
    assert client.post("/api/v1/payment-advances", json=body, headers=_as(land, "clinic")).status_code == 403
    made = client.post("/api/v1/payment-advances", json=body, headers=_as(land, "operator"))
    assert made.status_code == 201, made.text
    assert (made.json()["amount"], made.json()["decided_on"]) == ("360000.00", fund_today().isoformat())
    twice = client.post("/api/v1/payment-advances", json=body, headers=_as(land, "operator"))
    assert twice.status_code == 409 and twice.json()["code"] == "already_advanced"
    over = client.post(
        "/api/v1/payment-advances", json={**body, "contract_id": "C-H2", "percent": 30}, headers=_as(land, "operator")
    )
    assert over.status_code == 409 and over.json()["code"] == "first_time_provider"
    unknown = client.post(
        "/api/v1/payment-advances", json={**body, "contract_id": "C-NONE"}, headers=_as(land, "operator")
    )
    assert unknown.status_code == 404
    own = client.get("/api/v1/payment-advances", params={"provider": "H1"}, headers=_as(land, "clinic"))
    assert own.status_code == 200 and [a["order_no"] for a in own.json()] == ["C-H1/2026/advance-signing"]
    assert (
        client.get("/api/v1/payment-advances", params={"provider": "H1"}, headers=_as(land, "other")).status_code == 403
    )
    assert client.get("/api/v1/payment-advances", headers=_as(land, "clinic")).status_code == 403
    every = client.get("/api/v1/payment-advances", params={"year": 2026}, headers=_as(land, "auditor"))
    assert every.status_code == 200 and len(every.json()) == 1


def test_the_statement_says_which_advance_it_withholds(app: Any, world: World, session: Session) -> None:
    # the acts' world (tests/payments/acts_world.py): H1's March 2026 accrues 550,209.67 payable;
    # with a 2025 contract H1 may have the advance on signing: 30% of 13,200,000.00 (12,000,000.00
    # + 1,200,000.00) = 3,960,000.00; March withholds through its third part round(3,960,000 × 3 /
    # 11) = 1,080,000.00, capped by the month's 550,209.67: payable 0.00
    book = load_rulebook("kz-law")
    contract(session, "H1", [("consult_diag", "120000.00")], valid_from=date(2025, 1, 1),
             valid_to=date(2025, 12, 31), contract_id="C-H1-2025")  # fmt: skip
    paid = advances.decide(session, book, world.contract_id, "signing", 2026, decided_by="op", percent=30,
                           today=date(2026, 1, 5))  # fmt: skip
    assert paid.amount == Decimal("3960000.00")
    run = run_month(session, book, date(2026, 3, 1), contract_id=world.contract_id, today=date(2026, 4, 2))[0]
    assert (run.advance_withheld, run.payable) == (Decimal("550209.67"), Decimal("0.00"))
    session.commit()
    page = logged(app, "h1").get("/payments/statement", params={"month": "2026-03", "lang": "ru"})
    assert page.status_code == 200
    assert 'data-kind="signing"' in page.text and "аванс при заключении договора" in page.text
