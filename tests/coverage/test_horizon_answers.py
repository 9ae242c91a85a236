"""Answers after the rulebook's confirmed horizon (docs/rulebooks.md): status (API, batch, hot path
on PostgreSQL, CLI, FHIR), the calculator (API, CLI), payroll, entitlement (API, CLI) and
/health. On the fixture rulebook ``horizon-test`` (tests/horizon_fixture.py, confirmed until
2026-12-31): 2027-01-15 is answered (200), ``provisional`` with the rules carried forward and the
sentence in kk/ru/en; once 2027 is confirmed as data, the same questions are not provisional."""

from __future__ import annotations

import json
from datetime import date

import pytest
from typer.testing import CliRunner

from osms.cli import app as cli_app
from osms.core.security import create_token, create_user
from tests.coverage.helpers import EMPLOYER, Ledger, add_category, add_person, auth, iin, make_tokens
from tests.horizon_fixture import NAME, FixtureRulebook, horizon_rulebook

__all__ = ["horizon_rulebook"]

CHILD = iin(date(2020, 3, 1), "F")
WORKER = iin(date(1990, 4, 4), "M")
DAY = "2027-01-15"
SENTENCES = {
    "kk": "2027 жылғы көрсеткіштер әлі расталмаған; 2026 жылғы көрсеткіштер қолданылды.",
    "ru": "Показатели 2027 года ещё не подтверждены; применены показатели 2026 года.",
    "en": "The 2027 figures are not yet confirmed; the 2026 figures were applied.",
}
runner = CliRunner()


@pytest.fixture
def tokens(session, horizon_rulebook: FixtureRulebook, db_url: str, monkeypatch: pytest.MonkeyPatch):
    add_person(session, CHILD, birth=date(2020, 3, 1), sex="F")
    add_person(session, WORKER, birth=date(1990, 4, 4))
    add_category(session, CHILD, "child", date(2020, 3, 1), date(2038, 2, 28))
    ledger = Ledger(session)
    ledger.pay_range(WORKER, "2026-01", "2026-11")  # paid by the 20th of the next month
    ledger.refresh()
    out = make_tokens(session, citizen_iin=CHILD)
    out["payroll"] = create_token(session, create_user(session, "boss", "pw", "employer", "ТОО", bin=EMPLOYER), "t")
    session.commit()
    monkeypatch.setenv("OSMS_DATABASE_URL", db_url)
    return out


def status(client, token: str, number: str, on: str = DAY) -> dict:
    r = client.get(f"/api/v1/persons/{number}/status", params={"on": on, "rulebook": NAME}, headers=auth(token))
    assert r.status_code == 200, r.text
    return r.json()


def test_status_after_the_horizon_is_provisional(client, tokens, horizon_rulebook: FixtureRulebook) -> None:
    for role in ("clinic", "operator", "citizen"):  # clinic and operator take the hot path on PostgreSQL
        body = status(client, tokens[role], CHILD)
        assert body["insured"] is True and body["basis"]["code"] == "state_paid_category"
        assert body["provisional"] is True
        assert "categories.child.2025-01-01" in body["carried_forward"]
        assert "status.grace.2025-01-01" in body["carried_forward"]
        assert set(body["carried_forward"]) <= set(body["rules"])
        assert body["provisional_message"] == SENTENCES
    # the worker: November 2026 paid, then 3 months' grace (fixture status.grace): insured until 28.02.2027
    worker = status(client, tokens["clinic"], WORKER)
    assert (worker["insured"], worker["basis"]["code"], worker["insured_until"]) == (True, "grace", "2027-02-28")
    assert worker["provisional"] is True and worker["provisional_message"]["ru"] == SENTENCES["ru"]
    # within the horizon nothing changes but the new field
    before = status(client, tokens["clinic"], CHILD, on="2026-12-31")
    assert (before["provisional"], before["carried_forward"], before["provisional_message"]) == (False, [], None)
    horizon_rulebook.confirm_2027()
    after = status(client, tokens["clinic"], CHILD)
    assert (after["provisional"], after["carried_forward"], after["provisional_message"]) == (False, [], None)
    assert after["insured"] is True


def test_batch_after_the_horizon_is_provisional(client, tokens) -> None:
    r = client.post(
        "/api/v1/status:batch",
        json={"iins": [CHILD, WORKER], "on": DAY, "rulebook": NAME},
        headers=auth(tokens["clinic"]),
    )
    assert r.status_code == 200, r.text
    answers = r.json()["results"]
    assert [a["provisional"] for a in answers] == [True, True]
    assert answers[0]["provisional_message"]["kk"] == SENTENCES["kk"]


def test_status_cli_and_fhir(client, tokens, horizon_rulebook: FixtureRulebook) -> None:
    result = runner.invoke(cli_app, ["status", CHILD, "--on", DAY, "--rulebook", NAME, "--json"])
    assert result.exit_code == 0, result.output
    body = json.loads(result.stdout)
    assert body["provisional"] is True and body["provisional_message"]["en"] == SENTENCES["en"]
    text = runner.invoke(cli_app, ["status", CHILD, "--on", DAY, "--rulebook", NAME, "--lang", "en"])
    assert text.exit_code == 0, text.output
    assert "not yet confirmed" in text.stdout and "carried forward" in text.stdout
    fhir = client.post(
        "/fhir/CoverageEligibilityRequest",
        params={"rulebook": NAME},
        json={
            "resourceType": "CoverageEligibilityRequest",
            "patient": {"identifier": {"system": "http://osms.kz/fhir/sid/iin", "value": CHILD}},
            "servicedDate": DAY,
        },
        headers=auth(tokens["clinic"]) | {"Accept-Language": "ru"},
    )
    assert fhir.status_code == 200, fhir.text
    answer = fhir.json()
    parts = answer["extension"][0]["extension"]
    assert {"url": "provisional", "valueBoolean": True} in parts
    assert {"url": "carriedForward", "valueString": "categories.child.2025-01-01"} in parts
    assert {"url": "provisionalMessage-kk", "valueString": SENTENCES["kk"]} in parts
    assert answer["disposition"].endswith(SENTENCES["ru"])


def test_calc_after_the_horizon(client, tokens, horizon_rulebook: FixtureRulebook) -> None:
    def calc(payer: str, period: str = "2027-01") -> dict:
        r = client.get("/api/v1/calc", params={"payer": payer, "period": period, "rulebook": NAME})
        assert r.status_code == 200, r.text
        return r.json()

    # self-payer: 5% of 1 MW; 2027 carries MW 2026 = 100,000 -> 5,000.00
    self_payer = calc("self-payer")
    assert self_payer["amount"] == "5000.00" and self_payer["provisional"] is True
    assert self_payer["carried_forward"] == ["rates.self-payer.2025-01-01", "wages.mw.2026-01-01"]
    assert self_payer["provisional_message"] == SENTENCES
    # the state: 2% of the AMW of two years before the horizon's year (2024: 400,000) -> 8,000.00
    state = calc("state")
    assert (state["amount"], state["amw"]["year"]) == ("8000.00", 2024)
    # December 2026 is within the horizon: the same figures, not provisional
    december = calc("self-payer", "2026-12")
    assert (december["amount"], december["provisional"], december["provisional_message"]) == ("5000.00", False, None)
    # a regime ending on the horizon on purpose is not carried: 422 no_rule
    r = client.get("/api/v1/calc", params={"payer": "individual-entrepreneur", "period": "2027-01", "rulebook": NAME})
    assert r.status_code == 422 and r.json()["code"] == "no_rule"
    cli = runner.invoke(cli_app, ["calc", "--payer", "self-payer", "--period", "2027-01", "--rulebook", NAME, "--json"])
    assert cli.exit_code == 0, cli.output
    assert json.loads(cli.stdout)["provisional"] is True
    horizon_rulebook.confirm_2027()
    # confirmed: MW 2027 = 120,000 -> 6,000.00; AMW 2025 = 500,000 -> 10,000.00
    confirmed = calc("self-payer")
    assert (confirmed["amount"], confirmed["provisional"], confirmed["carried_forward"]) == ("6000.00", False, [])
    assert calc("state")["amount"] == "10000.00"


def test_payroll_after_the_horizon(client, tokens, horizon_rulebook: FixtureRulebook) -> None:
    body = {"employer": EMPLOYER, "rulebook": NAME, "rows": [{"iin": WORKER, "period": "2027-01", "income": "300000"}]}
    r = client.post("/api/v1/payrolls", json=body, headers=auth(tokens["payroll"]))
    assert r.status_code == 200, r.text
    answer = r.json()
    line = answer["lines"][0]
    # 3% and 2% of 300,000 (under the cap of 10 MW = 1,000,000): 9,000.00 and 6,000.00
    assert (line["deduction"]["amount"], line["contribution"]["amount"]) == ("9000.00", "6000.00")
    assert answer["provisional"] is True and answer["periods"][0]["provisional"] is True
    assert answer["carried_forward"] == [
        "rates.employee-contribution.2025-01-01",
        "rates.employer-deduction.2025-01-01",
    ]
    assert answer["provisional_message"] == SENTENCES
    horizon_rulebook.confirm_2027()
    r = client.post("/api/v1/payrolls", json=body, headers=auth(tokens["payroll"]))
    assert (r.json()["provisional"], r.json()["periods"][0]["provisional"]) == (False, False)


def test_entitlement_after_the_horizon(client, tokens, horizon_rulebook: FixtureRulebook) -> None:
    body = {"iin": CHILD, "care_type": "consult_diag", "date": DAY, "rulebook": NAME}
    r = client.post("/api/v1/entitlements", json=body, headers=auth(tokens["clinic"]))
    assert r.status_code == 200, r.text
    answer = r.json()
    assert answer["covered_by"] == "OSMS"  # insured (a state-paid child) and consult_diag is in the OSMS list
    assert answer["provisional"] is True and "benefits.osms_care_types.2025-01-01" in answer["carried_forward"]
    assert answer["provisional_message"] == SENTENCES
    assert answer["insured"]["provisional"] is True
    cli = runner.invoke(
        cli_app, ["entitle", "--iin", CHILD, "--care-type", "consult_diag", "--date", DAY, "--rulebook", NAME, "--json"]
    )
    assert cli.exit_code == 0, cli.output
    assert json.loads(cli.stdout)["provisional"] is True
    horizon_rulebook.confirm_2027()
    r = client.post("/api/v1/entitlements", json=body, headers=auth(tokens["clinic"]))
    assert (r.json()["provisional"], r.json()["carried_forward"], r.json()["covered_by"]) == (False, [], "OSMS")


def test_health_reports_each_horizon(client, horizon_rulebook: FixtureRulebook) -> None:
    body = client.get("/health").json()
    assert body["status"] == "ok" and {"version", "database"} <= set(body)
    assert body["rulebooks"]["kz-law"]["confirmed_until"] == "2026-12-31"
    assert body["rulebooks"]["seeds-2016"]["confirmed_until"] == "2021-12-31"
    assert body["rulebooks"]["seeds-2016"]["provisional_today"] is (date.today() > date(2021, 12, 31))
    assert body["rulebooks"][NAME]["confirmed_until"] == "2026-12-31"
    horizon_rulebook.confirm_2027()
    assert client.get("/health").json()["rulebooks"][NAME]["confirmed_until"] == "2027-12-31"


def test_kz_law_answers_in_2027(client, tokens) -> None:
    """The reported failure: the default rulebook answered 422 date_outside_rulebook from 2027-01-01."""
    r = client.get(f"/api/v1/persons/{CHILD}/status", params={"on": DAY}, headers=auth(tokens["clinic"]))
    assert r.status_code == 200, r.text
    assert r.json()["provisional"] is True and r.json()["rulebook"] == "kz-law"
    r = client.get("/api/v1/calc", params={"payer": "self-payer", "period": "2027-01"})
    assert r.status_code == 200 and r.json()["provisional"] is True
