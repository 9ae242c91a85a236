"""Nobody is told they owe what is not yet due, on every channel that answers a status: the API
(and, on PostgreSQL, the hot path that answers a clinic's repeated checks), FHIR and ``osms status``.

The person: an employer paid every month 2026-01 .. 2026-10, each credited on the 20th of the next
month. Deadlines (docs/calculators.md, kz-law ``deadlines.employer-deduction``): the 25th of the following
month. On 2026-12-04: insured in grace, no arrears; 2026-11 due by 2026-12-25, 2026-12 by 2027-01-25.
On 2026-12-26: 2026-11 is in arrears at the self-payer's 5% × 85,000 = 4,250.00.
"""

from __future__ import annotations

import json
from datetime import date

import pytest
import typer
from typer.testing import CliRunner

from osms.core.config import Settings
from osms.coverage import cli
from tests.conftest import IS_PG
from tests.coverage.helpers import Ledger, add_person, auth, iin, make_tokens

WORKER = iin(date(1991, 7, 7), "M")
IIN_SYSTEM = "http://osms.kz/fhir/sid/iin"
STATUS_EXTENSION = "http://osms.kz/fhir/StructureDefinition/insurance-status"
BEFORE = {"months": [], "amount": "0.00"}
DUE_BEFORE = [{"month": "2026-11", "due_by": "2026-12-25"}, {"month": "2026-12", "due_by": "2027-01-25"}]


@pytest.fixture
def tokens(session) -> dict[str, str]:
    add_person(session, WORKER, birth=date(1991, 7, 7))
    ledger = Ledger(session)
    ledger.pay_range(WORKER, "2026-01", "2026-10")
    ledger.refresh()
    out = make_tokens(session, citizen_iin=WORKER)
    session.commit()
    return out


def status(client, token: str, day: str) -> dict:
    r = client.get(f"/api/v1/persons/{WORKER}/status", params={"on": day}, headers=auth(token))
    assert r.status_code == 200, r.text
    return r.json()


def test_api_counts_only_past_due_months(client, tokens) -> None:
    early = status(client, tokens["operator"], "2026-12-04")
    assert (early["insured"], early["basis"]["code"]) == (True, "grace")
    assert early["arrears"] == BEFORE and early["due"] == DUE_BEFORE
    assert "Arrears" not in early["message"]["en"]
    late = status(client, tokens["operator"], "2026-12-26")
    assert late["arrears"] == {"months": ["2026-11"], "amount": "4250.00"}
    assert late["due"] == [{"month": "2026-12", "due_by": "2027-01-25"}]


def test_batch_counts_only_past_due_months(client, tokens) -> None:
    r = client.post(
        "/api/v1/status:batch", json={"iins": [WORKER], "on": "2026-12-04"}, headers=auth(tokens["operator"])
    )
    assert r.status_code == 200, r.text
    answer = r.json()["results"][0]
    assert answer["arrears"] == BEFORE and answer["due"] == DUE_BEFORE


@pytest.mark.skipif(not IS_PG, reason="the hot path serves PostgreSQL only")
def test_the_hot_path_gives_the_same_answer(app, client, tokens) -> None:
    assert app.state.status_hot_path is not None
    first = status(client, tokens["operator"], "2026-12-04")  # the token is looked up: the API route
    requests_before = app.state.status_hot_path.pool.get_stats().get("requests_num", 0)
    again = status(client, tokens["operator"], "2026-12-04")  # a known operator token: the hot path
    assert app.state.status_hot_path.pool.get_stats()["requests_num"] > requests_before
    assert again == first
    assert again["arrears"] == BEFORE and again["due"] == DUE_BEFORE
    late = status(client, tokens["operator"], "2026-12-26")
    assert late["arrears"] == {"months": ["2026-11"], "amount": "4250.00"}


def _fhir_parts(client, token: str, day: str) -> dict[str, list]:
    r = client.get(
        "/fhir/Coverage",
        params={"beneficiary:identifier": f"{IIN_SYSTEM}|{WORKER}", "date": day},
        headers=auth(token),
    )
    assert r.status_code == 200, r.text
    coverage = r.json()["entry"][0]["resource"]
    ext = next(e for e in coverage["extension"] if e["url"] == STATUS_EXTENSION)
    parts: dict[str, list] = {}
    for part in ext["extension"]:
        parts.setdefault(part["url"], []).append(next(v for k, v in part.items() if k.startswith("value")))
    return parts


def test_fhir_shows_only_past_due_months_as_arrears(client, tokens) -> None:
    # An operator: a clinic sees no arrears at all (docs/access.md).
    early = _fhir_parts(client, tokens["operator"], "2026-12-04")
    assert "arrearsMonth" not in early
    assert early.get("arrearsAmount", [{"value": 0.0, "currency": "KZT"}]) == [{"value": 0.0, "currency": "KZT"}]
    late = _fhir_parts(client, tokens["operator"], "2026-12-26")
    assert late["arrearsMonth"] == ["2026-11"]
    assert late["arrearsAmount"] == [{"value": 4250.0, "currency": "KZT"}]


def test_cli_json_and_panel(monkeypatch: pytest.MonkeyPatch, db_url: str, engine, tokens) -> None:
    monkeypatch.setattr(cli, "get_settings", lambda: Settings(database_url=db_url, language="en"))
    monkeypatch.setattr(cli, "get_engine", lambda url=None: engine)
    app = typer.Typer()
    app.command("status")(cli.status_command)
    app.command("other")(lambda: None)  # a group, so that "status" is a subcommand
    runner = CliRunner()
    result = runner.invoke(app, ["status", WORKER, "--on", "2026-12-04", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["arrears"] == BEFORE and data["due"] == DUE_BEFORE
    panel = runner.invoke(app, ["status", WORKER, "--on", "2026-12-04"])
    assert "not yet due" in panel.stdout and "2026-11 by 2026-12-25, 2026-12 by 2027-01-25" in panel.stdout
    assert "Arrears:" not in panel.stdout
