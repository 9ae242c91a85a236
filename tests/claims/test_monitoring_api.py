"""Monitoring and appeals through the API and the command line (docs/claims.md, "Monitoring and
appeals"): the same service, as a provider's login, an operator and a citizen."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.engine import Engine
from typer.testing import CliRunner

from osms.cli import app as osms_cli
from osms.core.clock import fund_today
from osms.core.config import get_settings
from osms.core.db import get_engine, session_factory
from osms.core.models import AuditEntry
from osms.core.security import create_token, create_user
from tests.claims import world
from tests.claims.monitor_world import potential, record


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
    """Providers P1 (Almaty) and P2, a person with a record of P1 this month and a potential defect
    found today, logins with tokens."""
    today = fund_today()
    person = world.iin(date(1980, 1, 1), "M")
    with session_factory(engine)() as session:
        world.add_provider(session, "P1", region="KZ-ALA")
        world.add_provider(session, "P2", region="KZ-AST")
        world.add_person(session, person, birth=date(1980, 1, 1), sex="M")
        rec = record(session, "P1", "r1", person, day=today.replace(day=1))
        defect = potential(session, rec, "dead_before_service", "5.1", today)
        assert defect is not None
        users = {
            "operator": create_user(session, "op", "pw", "operator", "Оператор"),
            "auditor": create_user(session, "aud", "pw", "auditor", "Аудитор"),
            "clinic": create_user(session, "p1", "pw", "clinic", "Емхана", provider_id="P1"),
            "other": create_user(session, "p2", "pw", "clinic", "Басқа", provider_id="P2"),
            "citizen": create_user(session, "cit", "pw", "citizen", "Азамат", iin=person),
        }
        tokens = {role: create_token(session, user, "t") for role, user in users.items()}
        found = {"record": rec.id, "defect": defect.id, "person": person, "month": today.isoformat()[:7]}
        session.commit()
    return found | {"tokens": tokens}


def _as(land: dict[str, Any], role: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {land['tokens'][role]}"}


def test_the_appeal_over_the_api(client: TestClient, land: dict[str, Any], engine: Engine) -> None:
    month = land["month"]
    found = client.get(
        "/api/v1/monitoring/findings", params={"provider": "P1", "month": month}, headers=_as(land, "clinic")
    )
    assert found.status_code == 200, found.text
    assert found.json()["records"][0]["findings"][0]["code"] == "dead_before_service"
    assert client.get("/api/v1/providers/P1/defects", headers=_as(land, "other")).status_code == 403
    defect = land["defect"]
    objected = client.post(
        f"/api/v1/monitoring/defects/{defect}/objection", json={"note": "the patient came"}, headers=_as(land, "clinic")
    )
    assert objected.status_code == 200, objected.text
    assert objected.json()["appeal"]["actor"] == "reviewer_other_region"
    same = client.post(
        f"/api/v1/monitoring/defects/{defect}/decision",
        json={"decision": "upheld", "region": "KZ-ALA"},
        headers=_as(land, "operator"),
    )
    assert (same.status_code, same.json()["code"]) == (409, "same_region")
    upheld = client.post(
        f"/api/v1/monitoring/defects/{defect}/decision",
        json={"decision": "upheld", "region": "KZ-AST", "note": "no trace of the visit"},
        headers=_as(land, "operator"),
    )
    assert upheld.status_code == 200 and upheld.json()["status"] == "reviewed"
    listed = client.get("/api/v1/providers/P1/defects", params={"month": month}, headers=_as(land, "clinic")).json()
    assert [s["step"] for s in listed["defects"][0]["steps"]] == ["objection", "review"]
    with session_factory(engine)() as session:
        readers = session.scalars(
            select(AuditEntry.subject_iin).where(AuditEntry.action == "monitoring.defects.read")
        ).all()
    assert land["person"] in readers


def test_a_citizen_complains_and_the_provider_sees_it(client: TestClient, land: dict[str, Any]) -> None:
    filed = client.post(
        "/api/v1/monitoring/complaints",
        json={"record_ref": land["record"], "note": "not me"},
        headers=_as(land, "citizen"),
    )
    assert filed.status_code == 201, filed.text
    case = filed.json()
    cases = client.get("/api/v1/providers/P1/defects", headers=_as(land, "clinic")).json()["cases"]
    assert [c["trigger"] for c in cases] == ["complaint"]
    closed = client.post(
        f"/api/v1/monitoring/cases/{case['id']}/close", json={"outcome": "confirmed"}, headers=_as(land, "operator")
    )
    assert closed.status_code == 200 and closed.json()["defect"]["code"] == "5.1"
    escalation = client.get(
        "/api/v1/monitoring/escalation", params={"month": land["month"]}, headers=_as(land, "auditor")
    )
    assert escalation.status_code == 200
    assert escalation.json()["providers"][0]["month_count"] == 2  # the potential 5.1 and the complaint's


def _cli(*args: str) -> tuple[int, dict[str, Any]]:
    result = CliRunner().invoke(osms_cli, ["monitoring", *args, "--json"])
    return result.exit_code, json.loads(result.output.strip().splitlines()[-1])


def test_the_command_line(cli_db: str, land: dict[str, Any]) -> None:
    code, answer = _cli("findings", "--provider", "P1", "--month", land["month"])
    assert code == 0 and answer["findings_by_code"] == {"dead_before_service": 1}
    code, answer = _cli("add-defect", "--record", "P1/r1", "--code", "6.1", "--note", "protocol not followed")
    assert code == 0 and answer["origin"] == "additional"
    code, answer = _cli("add-defect", "--record", "P1/r1", "--code", "42", "--note", "n")
    assert code == 1 and answer["error"]["code"] == "unknown_defect_code"
    code, answer = _cli("object", str(land["defect"]), "--note", "received on paper")
    assert code == 0 and answer["status"] == "objected"
    code, answer = _cli("decide", str(land["defect"]), "--decision", "overturned", "--region", "KZ-AST")
    assert code == 0 and answer["status"] == "withdrawn"
    code, answer = _cli("defect", str(land["defect"]))
    assert code == 0 and [s["decision"] for s in answer["steps"]] == [None, "overturned"]
    code, answer = _cli("queue")
    assert code == 0 and answer["items"] == []
    code, answer = _cli("open-case", "--provider", "P1", "--trigger", "complaint")
    assert code == 1 and answer["error"]["code"] == "anonymous_complaint"
    code, answer = _cli("escalation", "--month", land["month"])
    assert code == 0 and answer["amounts"] == "awaiting_payment_room"
    code, answer = _cli("close-month", land["month"])
    assert code == 1 and answer["error"]["code"] == "month_not_over"
    code, answer = _cli("defects", "--provider", "P1", "--status", "withdrawn")
    assert code == 0 and len(answer["defects"]) == 1


def test_the_command_lines_tables(cli_db: str, land: dict[str, Any]) -> None:
    runner = CliRunner()
    month = land["month"]
    for args in (
        ["findings", "--provider", "P1", "--month", month],
        ["defects", "--provider", "P1"],
        ["defect", str(land["defect"])],
        ["object", str(land["defect"]), "--note", "on paper"],
        ["decide", str(land["defect"]), "--decision", "upheld", "--region", "KZ-AST"],
        ["reviews", "--region", "KZ-AST"],
        ["queue", "--no-open"],
        ["cases"],
        ["open-case", "--provider", "P1", "--trigger", "risk", "--note", "spike"],
        ["close-case", "1", "--outcome", "not_confirmed"],
        ["escalation", "--month", month],
        ["sample", "--month", month],
    ):
        result = runner.invoke(osms_cli, ["monitoring", *args])
        assert result.exit_code == 0, (args, result.output)
    result = runner.invoke(osms_cli, ["monitoring", "close-month", month])
    assert result.exit_code == 1 and "month_not_over" in result.output
