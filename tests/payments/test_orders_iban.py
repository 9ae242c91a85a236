"""The payee's account in the payment-order file (docs/payments.md, "The act and the payment orders";
PAY п.26: payment to the provider's bank account): ``payee_iban`` from the providers' register, a
provider without one flagged ``problem`` = ``no_iban`` and counted by ``osms payments orders`` and
``GET /api/v1/payment-orders``; the run page counts the month's orders without one.

The world is tests/payments/acts_world.py: H1's act of March 2026 is payable 550,209.67, signed on
Tuesday 7 April, due 10 calendar days later, Friday 17 April. H2 (a 2025 contract, so not a
first-time provider) has a 2026 contract of 1,200,000.00 with an advance on signing of 30%:
360,000.00, decided and due on 5 January 2026. Together 550,209.67 + 360,000.00 = 910,209.67.
IBANs hand-checked in tests/providers/test_bank.py.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterator
from datetime import date
from html import unescape
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from osms.cli import app as osms_cli
from osms.core.config import get_settings
from osms.core.db import get_engine
from osms.payments import advances, protocol
from osms.providers.models import Provider
from osms.rulebooks.loader import load_rulebook
from tests.payments.acts_world import World, build, logged
from tests.payments.run_world import contract

IBAN_H1 = "KZ86125KZT5004100100"
IBAN_H2 = "KZ057220000000001234"
DUE = "2026-04-17"


@pytest.fixture
def world(session: Session, db_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[World]:
    built = build(session)
    book = load_rulebook("kz-law")
    protocol.protocol(session, book, built.contract_id, "2026-03", today=date(2026, 4, 1))
    protocol.sign(session, book, built.contract_id, "2026-03", signed_by="op", today=date(2026, 4, 7))
    contract(session, "H2", [("consult_diag", "120000.00")], valid_from=date(2025, 1, 1),
             valid_to=date(2025, 12, 31), contract_id="C-H2-2025")  # fmt: skip
    contract(session, "H2", [("consult_diag", "1200000.00")], advance_percent=30)
    advances.decide(session, book, "C-H2", "signing", 2026, decided_by="op", percent=30, today=date(2026, 1, 5))
    _set_iban(session, "H1", IBAN_H1)
    monkeypatch.setenv("OSMS_DATABASE_URL", db_url)
    get_settings.cache_clear()
    get_engine.cache_clear()
    yield built
    get_engine(db_url).dispose()
    get_settings.cache_clear()
    get_engine.cache_clear()


def _set_iban(session: Session, provider_id: str, iban: str | None) -> None:
    session.execute(update(Provider).where(Provider.provider_id == provider_id).values(iban=iban))
    session.commit()


def _rows(text: str) -> list[tuple[str, str, str, str, str]]:
    return [
        (r["order_no"], r["payee_id"], r["payee_iban"], r["amount"], r["problem"])
        for r in csv.DictReader(io.StringIO(text))
    ]


def test_the_orders_name_the_registers_account_and_flag_the_one_missing(
    world: World, session: Session, tmp_path: Path
) -> None:
    runner = CliRunner()
    shown = runner.invoke(osms_cli, ["payments", "orders", "--due-by", DUE])
    assert shown.exit_code == 0, shown.output
    assert _rows(shown.stdout) == [
        ("C-H2/2026/advance-signing", "H2", "", "360000.00", "no_iban"),
        (f"{world.contract_id}/2026-03", "H1", IBAN_H1, "550209.67", ""),
    ]
    assert shown.stdout.splitlines()[0].endswith(",due_date,problem")
    assert "1 of 2 payment orders have no payee account (problem no_iban" in shown.stderr

    out = tmp_path / "orders.csv"
    written = runner.invoke(osms_cli, ["payments", "orders", "--due-by", DUE, "--out", str(out), "--json"])
    assert written.exit_code == 0, written.output
    assert json.loads(written.stdout) == {"orders": 2, "amount": "910209.67", "out": str(out), "no_iban": 1}
    assert out.read_text(encoding="utf-8") == shown.stdout
    said = runner.invoke(osms_cli, ["payments", "orders", "--due-by", DUE, "--out", str(out)])
    assert said.stdout.splitlines() == [
        f"2 payment orders, 910209.67 tenge, due by {DUE}: {out}",
        "1 of 2 payment orders have no payee account (problem no_iban: the register has no IBAN for the "
        "provider; the bank refuses them)",
    ]

    # the register completes H2's account: the advance's order names it, nothing is flagged
    _set_iban(session, "H2", IBAN_H2)
    complete = runner.invoke(osms_cli, ["payments", "orders", "--due-by", DUE, "--out", str(out), "--json"])
    assert json.loads(complete.stdout)["no_iban"] == 0
    assert _rows(out.read_text(encoding="utf-8"))[0] == ("C-H2/2026/advance-signing", "H2", IBAN_H2, "360000.00", "")


def test_the_api_and_the_page_count_the_orders_without_an_account(app: object, world: World) -> None:
    with TestClient(app) as api:  # type: ignore[arg-type]
        got = api.get(
            "/api/v1/payment-orders",
            params={"due_by": DUE},
            headers={"Authorization": f"Bearer {world.tokens['op']}"},
        )
    assert got.status_code == 200 and got.headers["X-Orders-Without-Iban"] == "1"
    assert [(r[0], r[2], r[4]) for r in _rows(got.text)] == [
        ("C-H2/2026/advance-signing", "", "no_iban"),
        (f"{world.contract_id}/2026-03", IBAN_H1, ""),
    ]
    page = logged(app, "op").get("/payments/orders.csv", params={"due_by": DUE})
    assert page.status_code == 200 and page.headers["X-Orders-Without-Iban"] == "1" and page.text == got.text


#: The run page's notice per language: H1's one order of March 2026 without an account.
NO_ACCOUNT = {
    "en": "Payment orders of the month without a bank account (IBAN): 1 of 1.",
    "ru": "Платёжные поручения месяца без банковского счёта (IBAN): 1 из 1.",
    "kk": "Айдың банк шоты (IBAN) жоқ төлем тапсырмалары: 1 ішінен 1.",
}


def _notice(page: str) -> str:
    found = re.search(r'<div class="notice notice-error orders-without-iban"[^>]*>(.*?)</div>', page, re.S)
    return unescape(" ".join(found.group(1).split())) if found else ""


def test_the_run_page_counts_the_months_orders_without_an_account(app: object, world: World, session: Session) -> None:
    op = logged(app, "op")
    # H1's act of March is the month's only order (H2's advance is January's) and H1 has an IBAN
    page = op.get("/payments/runs", params={"month": "2026-03", "lang": "en"}).text
    assert _notice(page) == ""
    assert "Every payment order of the month names a bank account (1)." in page
    _set_iban(session, "H1", None)
    for lang, words in NO_ACCOUNT.items():
        page = op.get("/payments/runs", params={"month": "2026-03", "lang": lang}).text
        assert 'data-count="1"' in page
        notice = _notice(page)
        assert words in notice and "Емхана H1" in notice, (lang, notice)
        # the notice stands before the download form, so the operator reads it first
        assert page.index("orders-without-iban") < page.index('action="/payments/orders.csv"')
    assert "The bank refuses an order without the payee's account" in _notice(
        op.get("/payments/runs", params={"month": "2026-03", "lang": "en"}).text
    )
    # another month has no orders: nothing is said
    quiet = op.get("/payments/runs", params={"month": "2026-02", "lang": "en"}).text
    assert "orders-without-iban" not in quiet and "orders-iban-ok" not in quiet
