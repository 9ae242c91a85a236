"""POST /api/v1/payrolls: who may compute which employer's payroll, JSON and CSV bodies, audit."""

from __future__ import annotations

from datetime import date

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from osms.core.models import AuditEntry
from osms.core.periods import Month
from osms.core.security import create_token, create_user
from tests.contributions.test_payroll import (
    EMPLOYER,
    OTHER_EMPLOYER,
    PENSIONER,
    RICH,
    UNKNOWN,
    WORKER,
    add_people,
)
from tests.coverage.helpers import Ledger

BODY = {
    "employer": EMPLOYER,
    "rows": [
        {"iin": WORKER, "period": "2024-03", "income": "300000"},
        {"iin": RICH, "period": "2024-03", "income": 1000000},
        {"iin": PENSIONER, "period": "2024-03", "income": "250000.00"},
        {"iin": UNKNOWN, "period": "2024-03", "income": "100"},
        {"iin": "12", "period": "2024-03", "income": "100"},
    ],
}


@pytest.fixture
def tokens(session) -> dict[str, str]:
    add_people(session)
    # WORKER, RICH and PENSIONER are the employer's employees: it paid for them last month
    # (docs/access.md); UNKNOWN is not in the registry and was never paid for.
    ledger = Ledger(session)
    for number in (WORKER, RICH, PENSIONER):
        ledger.pay(number, Month.of(date.today()) - 1, payer=EMPLOYER)
    ledger.refresh()
    users = {
        "employer": create_user(session, "boss", "pw", "employer", "ТОО Алатау", bin=EMPLOYER),
        "other": create_user(session, "other", "pw", "employer", "ТОО Басқа", bin=OTHER_EMPLOYER),
        "operator": create_user(session, "op", "pw", "operator", "Operator"),
        "citizen": create_user(session, "cit", "pw", "citizen", "Ерлан", iin=WORKER),
    }
    out = {name: create_token(session, user, "test") for name, user in users.items()}
    session.commit()
    return out


@pytest.fixture
def api(client: TestClient) -> TestClient:
    return client


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_employer_computes_own_payroll(api: TestClient, tokens: dict[str, str], session) -> None:
    answer = api.post("/api/v1/payrolls", json=BODY, headers=auth(tokens["employer"]))
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert (body["computed"], body["excluded"], body["rejected"]) == (3, 1, 1)
    lines = {x["iin"]: x for x in body["lines"]}
    assert lines[WORKER]["deduction"]["amount"] == "9000.00"
    assert lines[WORKER]["contribution"]["amount"] == "6000.00"
    assert lines[RICH]["deduction"]["amount"] == "25500.00"  # a JSON number is read exactly
    assert lines[RICH]["contribution"]["amount"] == "17000.00"
    # a stranger's row is computed at the standard rates: 3% and 2% of 100 tenge
    assert (lines[UNKNOWN]["deduction"]["amount"], lines[UNKNOWN]["contribution"]["amount"]) == ("3.00", "2.00")
    assert body["exclusions"][0]["iin"] == PENSIONER
    assert body["exclusions"][0]["categories"] is None  # the employer learns no category
    assert body["rejected_by_reason"] == {"bad_iin": 1}
    assert body["totals"]["total"] == "57505.00"  # 9,000 + 6,000 + 25,500 + 17,000 + 3 + 2
    assert body["deadlines"] == [{"period": "2024-03", "statement_due": "2024-04-15", "payment_due": "2024-04-25"}]
    assert body["rulebook"] == "kz-law"
    assert "rates.employer-deduction.2022-01-01" in body["rules"]
    audit = session.scalars(select(AuditEntry).where(AuditEntry.action == "payroll.compute")).all()
    assert {(e.actor, e.channel, e.subject_iin) for e in audit} == {("boss", "api", None), ("boss", "api", PENSIONER)}


def test_operator_may_compute_any_payroll(api: TestClient, tokens: dict[str, str]) -> None:
    rows = [dict(row, period="2016-06") for row in BODY["rows"]]  # before seeds-2016's start
    body = dict(BODY, rulebook="seeds-2016", rows=rows)
    answer = api.post("/api/v1/payrolls", json=body, headers=auth(tokens["operator"]))
    assert answer.status_code == 200
    lines = {x["iin"]: x for x in answer.json()["lines"]}
    assert answer.json()["rejected_by_reason"] == {"bad_iin": 1, "period_outside_rulebook": 4}
    assert lines == {}


@pytest.mark.parametrize("who", ["other", "citizen"])
def test_others_are_refused_and_audited(api: TestClient, tokens: dict[str, str], who: str, session) -> None:
    answer = api.post("/api/v1/payrolls", json=BODY, headers=auth(tokens[who]))
    assert answer.status_code == 403
    assert answer.headers["content-type"].startswith("application/problem+json")
    denied = session.scalars(select(AuditEntry).where(AuditEntry.action == "payroll.compute.denied")).all()
    assert [e.actor for e in denied] == [{"other": "other", "citizen": "cit"}[who]]


def test_login_required(api: TestClient, tokens: dict[str, str]) -> None:
    answer = api.post("/api/v1/payrolls", json=BODY)
    assert answer.status_code == 401 and answer.json()["code"] == "unauthenticated"


def test_csv_body(api: TestClient, tokens: dict[str, str]) -> None:
    text = f'iin,period,income\n{WORKER},2024-03,300000\n{RICH},2024-03,"1 000 000,00"\n'
    answer = api.post(
        "/api/v1/payrolls",
        params={"employer": EMPLOYER},
        content=text.encode(),
        headers=auth(tokens["employer"]) | {"Content-Type": "text/csv; charset=utf-8"},
    )
    assert answer.status_code == 200, answer.text
    lines = answer.json()["lines"]
    assert [(x["line"], x["total"]) for x in lines] == [(2, "15000.00"), (3, "42500.00")]


@pytest.mark.parametrize(
    ("kwargs", "status", "code"),
    [
        ({"json": {"employer": EMPLOYER, "rows": []}}, 422, "invalid_request"),
        ({"json": {"rows": BODY["rows"]}}, 422, "invalid_request"),
        ({"json": dict(BODY, employer="123")}, 422, "bad_bin"),
        ({"json": dict(BODY, rulebook="nope")}, 422, "unknown_rulebook"),
        ({"json": BODY, "params": {"employer": OTHER_EMPLOYER}}, 422, "conflicting_input"),
        ({"content": b"{not json", "headers": {"Content-Type": "application/json"}}, 422, "invalid_request"),
        ({"content": b"iin,period,income\n", "headers": {"Content-Type": "text/csv"}}, 422, "employer_required"),
        (
            {"content": b"a,b\n", "headers": {"Content-Type": "text/csv"}, "params": {"employer": EMPLOYER}},
            422,
            "bad_header",
        ),
        (
            {
                "content": b"iin,period,income\n",
                "headers": {"Content-Type": "text/csv"},
                "params": {"employer": EMPLOYER},
            },
            422,
            "empty_payroll",
        ),
        ({"content": b"<xml/>", "headers": {"Content-Type": "application/xml"}}, 415, "unsupported_media_type"),
    ],
)
def test_bad_requests(api: TestClient, tokens: dict[str, str], kwargs: dict, status: int, code: str) -> None:
    headers = auth(tokens["employer"]) | kwargs.pop("headers", {})
    answer = api.post("/api/v1/payrolls", headers=headers, **kwargs)
    assert answer.status_code == status, answer.text
    assert answer.json()["code"] == code


def test_too_many_rows(api: TestClient, tokens: dict[str, str]) -> None:
    rows = [{"iin": WORKER, "period": "2024-03", "income": "1"}] * 10_001
    answer = api.post("/api/v1/payrolls", json={"employer": EMPLOYER, "rows": rows}, headers=auth(tokens["operator"]))
    assert answer.status_code == 422 and "10000" in answer.json()["detail"]


def test_body_too_large(api: TestClient, tokens: dict[str, str]) -> None:
    answer = api.post(
        "/api/v1/payrolls",
        params={"employer": EMPLOYER},
        content=b"iin,period,income\n" + b"x" * (4 * 1024 * 1024 + 1),
        headers=auth(tokens["operator"]) | {"Content-Type": "text/csv"},
    )
    assert answer.status_code == 413 and answer.json()["code"] == "payroll_too_large"


def test_ten_thousand_rows(api: TestClient, tokens: dict[str, str]) -> None:
    rows = [{"iin": WORKER, "period": f"{2020 + n // 12 % 7}-{n % 12 + 1:02d}", "income": "100000"} for n in range(84)]
    rows += [{"iin": "1", "period": "2024-03", "income": "1"}] * (10_000 - len(rows))
    answer = api.post("/api/v1/payrolls", json={"employer": EMPLOYER, "rows": rows}, headers=auth(tokens["operator"]))
    assert answer.status_code == 200
    body = answer.json()
    assert body["computed"] == 84 and body["rejected"] == 10_000 - 84
    assert len(body["periods"]) == 84
