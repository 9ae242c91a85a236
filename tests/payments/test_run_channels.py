"""The monthly run's channels: ``osms payments run|protocol|object|answer|sign|adjust`` and
``/api/v1/payment-runs`` (docs/payments.md, "The monthly run")."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from typer.testing import CliRunner

from osms.cli import app as osms_cli
from osms.core.config import get_settings
from osms.core.db import get_engine, session_factory
from osms.core.security import create_token, create_user
from tests.payments.run_world import add_person, add_provider, contract, iin, record


@pytest.fixture
def cli_db(db_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    monkeypatch.setenv("OSMS_DATABASE_URL", db_url)
    get_settings.cache_clear()
    get_engine.cache_clear()
    yield db_url
    get_engine(db_url).dispose()
    get_settings.cache_clear()
    get_engine.cache_clear()


@pytest.fixture
def land(engine: Engine) -> dict[str, Any]:
    """H1 with a contract for consultations and one visit in March 2026 (2,889.51); logins."""
    with session_factory(engine)() as session:
        add_provider(session, "H1")
        add_provider(session, "H2")
        contract(session, "H1", [("consult_diag", "1200000.00")])
        person = add_person(session, iin(date(1980, 1, 1), "M"), birth=date(1980, 1, 1), sex="M")
        record(session, "H1", "v1", person, care_form="outpatient", care_type="consult_diag",
               service_code="A01.003.000")  # fmt: skip
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


def test_cli_run_protocol_sign(cli_db: str, land: dict[str, Any]) -> None:
    runner = CliRunner()
    result = runner.invoke(osms_cli, ["payments", "run", "--month", "2026-03", "--json", "--today", "2026-04-02"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output.strip().splitlines()[0])
    assert data == {
        "contract_id": "C-H1",
        "provider_id": "H1",
        "month": "2026-03",
        "lines": [{"method": "per_service", "quantity": 1, "amount": "2889.51"}],
        "unpaid": [],
        "deductions": [],
        "advance_withheld": "0.00",
        "linear_scale_cut": "0.00",
        "payable": "2889.51",
        "protocol_date": None,
        "objection_until": None,
        "payment_due": None,
    }
    base = ["--month", "2026-03", "--contract", "C-H1", "--json"]
    adjusted = runner.invoke(osms_cli, ["payments", "adjust", *base, "--amount", "-89.51", "--reason", "late report"])
    assert adjusted.exit_code == 0, adjusted.output
    rerun = runner.invoke(osms_cli, ["payments", "run", *base, "--today", "2026-04-02"])
    assert json.loads(rerun.output)["payable"] == "2800.00"
    issued = runner.invoke(osms_cli, ["payments", "protocol", *base, "--today", "2026-04-02"])
    assert json.loads(issued.output)["objection_until"] == "2026-04-07"
    early = runner.invoke(osms_cli, ["payments", "sign", *base, "--today", "2026-04-03"])
    assert early.exit_code == 1 and json.loads(early.output)["error"]["code"] == "objection_window"
    signed = runner.invoke(osms_cli, ["payments", "sign", *base, "--today", "2026-04-08"])
    assert json.loads(signed.output)["payment_due"] == "2026-04-18"
    text = runner.invoke(osms_cli, ["payments", "run", "--month", "2026-03"])
    assert "payable" in text.output and "2800.00" in text.output


def test_api_run_and_read(client: TestClient, land: dict[str, Any]) -> None:
    ran = client.post("/api/v1/payment-runs", params={"month": "2026-03"}, headers=_as(land, "operator"))
    assert ran.status_code == 200, ran.text
    assert [r["payable"] for r in ran.json()] == ["2889.51"]
    assert (
        client.post("/api/v1/payment-runs", params={"month": "2026-03"}, headers=_as(land, "auditor")).status_code
        == 403
    )
    own = client.get("/api/v1/payment-runs/C-H1/2026-03", headers=_as(land, "clinic"))
    assert own.status_code == 200 and own.json()["gross"] == "2889.51"
    assert own.json()["line_details"][0]["care_type"] == "consult_diag"
    assert client.get("/api/v1/payment-runs/C-H1/2026-03", headers=_as(land, "other")).status_code == 403
    assert client.get("/api/v1/payment-runs/C-H1/2026-03", headers=_as(land, "auditor")).status_code == 200
    assert client.get("/api/v1/payment-runs/C-H1/2026-04", headers=_as(land, "auditor")).status_code == 404
    issued = client.post("/api/v1/payment-runs/C-H1/2026-03/protocol", headers=_as(land, "operator"))
    assert issued.status_code == 200 and issued.json()["status"] == "protocol"
    objected = client.post(
        "/api/v1/payment-runs/C-H1/2026-03/objection", json={"note": "v1 counted once"}, headers=_as(land, "clinic")
    )
    assert objected.status_code == 200 and objected.json()["status"] == "objected"
    refused = client.post("/api/v1/payment-runs/C-H1/2026-03/sign", headers=_as(land, "operator"))
    assert refused.status_code == 409 and refused.json()["code"] == "objection_open"
    added = client.post(
        "/api/v1/payment-runs/C-H1/2026-03/adjustments",
        json={"amount": "100.00", "reason": "transport"},
        headers=_as(land, "operator"),
    )
    assert added.status_code == 201 and added.json()["amount"] == "100.00"
