"""GET /api/v1/persons/{iin}/status, POST /api/v1/status:batch: who may see whom, answers, audit."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from osms.core.clock import fund_today
from osms.core.models import AuditEntry
from osms.core.periods import Month
from osms.rulebooks.loader import load_rulebook
from tests.coverage.helpers import EMPLOYER, Ledger, add_category, add_parent, add_person, auth, iin, make_tokens

PARENT = iin(date(1986, 1, 1), "M")
CHILD = iin(date(2015, 6, 1), "F")
WORKER = iin(date(1990, 4, 4), "F")
STRANGER = iin(date(1970, 2, 2), "F")


@pytest.fixture
def tokens(session) -> dict[str, str]:
    add_person(session, PARENT)
    add_person(session, CHILD, birth=date(2015, 6, 1), sex="F")
    add_person(session, WORKER, birth=date(1990, 4, 4), sex="F")
    add_person(session, STRANGER, birth=date(1970, 2, 2), sex="F")
    add_parent(session, CHILD, PARENT)
    add_category(session, CHILD, "child", date(2015, 6, 1), date(2033, 5, 31))
    ledger = Ledger(session)
    ledger.pay_range(PARENT, "2024-01", "2024-06")
    # WORKER is the employer's employee now (a payment for last month).
    last_month = Month.of(date.today()) - 1
    ledger.pay(WORKER, last_month, payer=EMPLOYER, value_date=date.today())
    ledger.refresh()
    out = make_tokens(session, citizen_iin=PARENT, employer_bin=EMPLOYER)
    session.commit()
    return out


def get_status(client, token: str | None, number: str, **params: str):
    return client.get(f"/api/v1/persons/{number}/status", params=params, headers=auth(token))


def test_answer_shape(client, tokens) -> None:
    r = get_status(client, tokens["operator"], PARENT, on="2024-09-15")
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("application/json")
    body = r.json()
    assert list(body) == [
        "iin",
        "on",
        "insured",
        "basis",
        "insured_until",
        "months_paid_last_12",
        "arrears",
        "due",
        "rulebook",
        "rules",
        "message",
        "provisional",
        "carried_forward",
        "provisional_message",
    ]
    assert (body["provisional"], body["carried_forward"], body["provisional_message"]) == (False, [], None)
    assert body["on"] == "2024-09-15" and body["insured_until"] == "2024-09-30"
    assert body["basis"] == {"code": "grace", "payer": EMPLOYER, "kind": "employer_deduction", "category": None}
    # Only 2024-07 is past its deadline (2024-08-25; deadlines.employer-deduction, docs/calculators.md):
    # 4,250.00; 2024-08 and 09 are due by the 25th of the following month.
    assert body["arrears"] == {"months": ["2024-07"], "amount": "4250.00"}
    assert body["due"] == [{"month": "2024-08", "due_by": "2024-09-25"}, {"month": "2024-09", "due_by": "2024-10-25"}]
    assert body["rulebook"] == "kz-law" and "status.grace.2017-07-01" in body["rules"]
    assert set(body["message"]) == {"kk", "ru", "en"}


def test_a_clinic_gets_the_same_shape_without_payer_and_amounts(client, tokens) -> None:
    """docs/access.md: a clinic gets insured, until when and the basis in a word; the payer, the
    months paid, the arrears and the sentence (which quotes them) are null."""
    body = get_status(client, tokens["clinic"], PARENT, on="2024-09-15").json()
    assert body["insured_until"] == "2024-09-30"
    assert body["basis"] == {"code": "grace", "payer": None, "kind": None, "category": None}
    assert (body["months_paid_last_12"], body["arrears"], body["message"]) == (None, None, None)


@pytest.mark.parametrize(
    ("role", "number", "expected"),
    [
        ("citizen", PARENT, 200),
        ("citizen", CHILD, 200),
        ("citizen", STRANGER, 403),
        ("employer", WORKER, 200),
        ("employer", PARENT, 403),
        ("clinic", STRANGER, 200),
        ("operator", CHILD, 200),
        ("auditor", WORKER, 200),
        (None, PARENT, 401),
    ],
)
def test_who_may_see_whom(client, tokens, session, role, number, expected) -> None:
    r = get_status(client, tokens.get(role) if role else None, number, on="2024-09-15")
    assert r.status_code == expected, r.text
    if expected != 200:
        assert r.headers["content-type"] == "application/problem+json"
        return
    entries = session.scalars(select(AuditEntry).where(AuditEntry.subject_iin == number)).all()
    assert [(e.action, e.role, e.channel) for e in entries] == [("status.read", role, "api")]
    assert entries[0].resource == f"/api/v1/persons/{number}/status"


def test_refusals_are_audited(client, tokens, session) -> None:
    assert get_status(client, tokens["employer"], STRANGER).status_code == 403
    entries = session.scalars(select(AuditEntry).where(AuditEntry.subject_iin == STRANGER)).all()
    assert [(e.action, e.role) for e in entries] == [("status.read.denied", "employer")]


def test_errors(client, tokens) -> None:
    bad = get_status(client, tokens["clinic"], "860101300018")
    assert bad.status_code == 422 and bad.json()["code"] == "bad_iin:check_digit"
    assert get_status(client, tokens["clinic"], PARENT, rulebook="nope").json()["code"] == "unknown_rulebook"
    outside = get_status(client, tokens["clinic"], PARENT, on="2017-06-30")
    assert (outside.status_code, outside.json()["code"]) == (422, "date_outside_rulebook")
    assert get_status(client, tokens["clinic"], PARENT, on="2024-13-01").status_code == 422
    assert get_status(client, "osms_wrong", PARENT).status_code == 401


def test_unknown_person_is_an_answer(client, tokens) -> None:
    nobody = iin(date(1999, 9, 9), "M")
    body = get_status(client, tokens["clinic"], nobody, on="2024-09-15").json()
    assert (body["insured"], body["basis"]["code"]) == (False, "unknown_person")


def test_seeds_rulebook(client, tokens) -> None:
    body = get_status(client, tokens["operator"], CHILD, on="2018-03-01", rulebook="seeds-2016").json()
    assert (body["rulebook"], body["basis"]["code"]) == ("seeds-2016", "state_paid_category")


def test_default_date_is_today(client, tokens) -> None:
    r = get_status(client, tokens["clinic"], CHILD)
    # "today" is the fund's day (Asia/Almaty), not the machine's: between 19:00 and 24:00 UTC they
    # differ. After the confirmed horizon the last entries are carried forward (docs/rulebooks.md)
    assert r.json()["on"] == fund_today().isoformat()
    assert r.json()["provisional"] is load_rulebook("kz-law").is_provisional(fund_today())


# --- batch ------------------------------------------------------------------------------------


def batch(client, token: str | None, iins: list[str], on: str | None = "2024-09-15"):
    body: dict[str, object] = {"iins": iins}
    if on:
        body["on"] = on
    return client.post("/api/v1/status:batch", json=body, headers=auth(token))


def test_batch_order_and_invalid_entries(client, tokens, session) -> None:
    sent = [CHILD, "12345", PARENT, "860101300018", CHILD, iin(date(1999, 9, 9), "M")]
    r = batch(client, tokens["clinic"], sent)
    assert r.status_code == 200, r.text
    body = r.json()
    assert (body["on"], body["count"]) == ("2024-09-15", len(sent))
    results = body["results"]
    assert [x["iin"] for x in results] == sent
    assert results[0]["basis"]["code"] == "state_paid_category"
    assert results[1]["error"]["code"] == "bad_iin:length"
    assert results[2]["basis"]["code"] == "grace"
    assert results[3] == {
        "iin": "860101300018",
        "error": {"code": "bad_iin:check_digit", "message": results[3]["error"]["message"]},
    }
    assert results[4] == results[0]
    assert results[5]["basis"]["code"] == "unknown_person"
    audited = session.scalars(select(AuditEntry.subject_iin).where(AuditEntry.action == "status.read")).all()
    assert sorted(audited) == sorted({CHILD, PARENT, sent[5]})


def test_batch_access_and_limits(client, tokens) -> None:
    assert batch(client, None, [CHILD]).status_code == 401
    assert batch(client, tokens["citizen"], [PARENT]).status_code == 403
    assert batch(client, tokens["employer"], [WORKER]).status_code == 403
    assert batch(client, tokens["auditor"], [WORKER]).status_code == 200
    too_many = batch(client, tokens["clinic"], [CHILD] * 10_001)
    assert (too_many.status_code, too_many.json()["code"]) == (413, "too_many_iins")
    assert batch(client, tokens["clinic"], []).json() == {"on": "2024-09-15", "count": 0, "results": []}
    assert client.post("/api/v1/status:batch", json={"iins": "x"}, headers=auth(tokens["clinic"])).status_code == 422
    assert batch(client, tokens["clinic"], [CHILD], on="2017-06-30").status_code == 422
    if load_rulebook("kz-law").covers(fund_today()):
        assert batch(client, tokens["clinic"], [CHILD], on=None).json()["on"] == fund_today().isoformat()
