"""The register of pregnant women (docs/status.md, seed 002): the category pregnant_nonworking from the
3rd working day after the entry on the Kazakh calendar, unless an employer or agent paid for her in
the 2 months before; the status follows."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from osms.core.errors import Forbidden, InvalidInput, NotFound
from osms.core.models import AuditEntry
from osms.core.security import Principal
from osms.coverage import service
from osms.coverage.models import PregnancyEntry
from osms.registry.models import PersonCategory
from tests.coverage.helpers import EMPLOYER, Ledger, add_person, auth, iin, make_tokens

AIGERIM = iin(date(1995, 4, 12), "F")
DANA = iin(date(1996, 7, 1), "F")
MAN = iin(date(1990, 1, 1), "M")
CLINIC = Principal(user_id=3, username="clinic1", role="clinic", display_name="Емхана", provider_id="c1")


@pytest.fixture
def women(session) -> None:
    add_person(session, AIGERIM, birth=date(1995, 4, 12), sex="F")
    add_person(session, DANA, birth=date(1996, 7, 1), sex="F")
    add_person(session, MAN)
    ledger = Ledger(session)
    ledger.pay(DANA, "2026-01", kind="employee_contribution", payer=EMPLOYER, value_date=date(2026, 2, 20))
    ledger.pay(AIGERIM, "2025-12", kind="self_payment", payer=AIGERIM, value_date=date(2026, 1, 5))
    ledger.refresh()
    session.commit()


def test_assigned_across_nauryz_2026(session, women) -> None:
    # Entered Friday 2026-03-20. Nauryz: 21-23 March (Sat-Mon), observed 24 and 25 March; working
    # days after the entry: Thu 26 (1), Fri 27 (2), Mon 30 (3) -> the category from 2026-03-30.
    answer = service.register_pregnancy(
        session, AIGERIM, date(2026, 3, 20), date(2026, 10, 1), principal=CLINIC, channel="api"
    )
    assert answer["decision"] == "assigned"
    assert answer["category_from"] == "2026-03-30"
    assert answer["category_to"] == "2026-11-26"  # expected delivery + 56 days
    assert answer["employer_periods"] == []  # a self-payment is not work with an employer
    assert "30.03.2026" in answer["message"]["ru"]
    session.commit()
    category = session.scalars(select(PersonCategory).where(PersonCategory.iin == AIGERIM)).one()
    assert (category.category, category.valid_from, category.valid_to) == (
        "pregnant_nonworking",
        date(2026, 3, 30),
        date(2026, 11, 26),
    )
    assert category.source == "register of pregnant women"
    entry = session.scalars(select(PregnancyEntry)).one()
    assert (entry.decision, entry.category_from, entry.entered_on) == ("assigned", date(2026, 3, 30), date(2026, 3, 20))
    # The status follows: not yet on 2026-03-27, insured by the state from 2026-03-30.
    assert service.status_of(session, AIGERIM, date(2026, 3, 27)).basis.code == "lapsed"
    on = service.status_of(session, AIGERIM, date(2026, 3, 30)).as_dict()
    assert on["basis"] == {
        "code": "state_paid_category",
        "payer": "state",
        "kind": None,
        "category": "pregnant_nonworking",
    }
    assert on["insured_until"] == "2027-02-28"  # category to 2026-11 + 3 months of grace
    audit = session.scalars(select(AuditEntry).where(AuditEntry.action == "pregnancy.register")).one()
    assert (audit.subject_iin, audit.role, audit.detail) == (AIGERIM, "clinic", "assigned")


def test_assigned_across_nauryz_2024(session, women) -> None:
    # Entered Wednesday 2024-03-20: 21-23 March Nauryz (Thu-Sat), 24 Sunday, 25 observed; working
    # days Tue 26 (1), Wed 27 (2), Thu 28 (3).
    answer = service.register_pregnancy(session, AIGERIM, date(2024, 3, 20), principal=CLINIC, channel="cli")
    assert (answer["category_from"], answer["category_to"]) == ("2024-03-28", None)


def test_refused_with_employer_payments_in_the_two_months_before(session, women) -> None:
    answer = service.register_pregnancy(session, DANA, date(2026, 3, 2), principal=CLINIC, channel="api")
    assert answer["decision"] == "refused_has_employer"
    assert answer["reason"] == "has employer payments: must pay arrears up to 12 months"
    assert answer["employer_periods"] == ["2026-01"]
    assert answer["category_from"] is None
    assert "12" in answer["message"]["kk"]
    session.commit()
    assert session.scalars(select(PersonCategory).where(PersonCategory.iin == DANA)).all() == []
    # Three months after the payment the window (entry month and the 2 before) is clear.
    later = service.register_pregnancy(session, DANA, date(2026, 4, 1), principal=CLINIC, channel="api")
    assert later["decision"] == "assigned"


def test_same_entry_twice_is_one_decision(session, women) -> None:
    first = service.register_pregnancy(session, AIGERIM, date(2026, 3, 20), principal=CLINIC, channel="api")
    again = service.register_pregnancy(session, AIGERIM, date(2026, 3, 20), principal=CLINIC, channel="api")
    assert again == first
    session.commit()
    assert len(session.scalars(select(PregnancyEntry)).all()) == 1


def test_not_eligible_and_bad_input(session, women) -> None:
    assert (
        service.register_pregnancy(session, MAN, date(2026, 3, 20), principal=CLINIC, channel="api")["decision"]
        == "refused_not_eligible"
    )
    with pytest.raises(NotFound):
        service.register_pregnancy(
            session, iin(date(1999, 9, 9), "F"), date(2026, 3, 20), principal=CLINIC, channel="a"
        )
    with pytest.raises(InvalidInput):
        service.register_pregnancy(session, AIGERIM, date(2026, 3, 20), date(2026, 1, 1), principal=CLINIC, channel="a")
    citizen = Principal(user_id=1, username="c", role="citizen", display_name="c", iin=AIGERIM)
    with pytest.raises(Forbidden):
        service.register_pregnancy(session, AIGERIM, date(2026, 3, 20), principal=citizen, channel="api")


def test_api(client, session, women) -> None:
    tokens = make_tokens(session, citizen_iin=AIGERIM)
    session.commit()
    body = {"iin": AIGERIM, "entered_on": "2026-03-20", "expected_delivery": "2026-10-01"}
    r = client.post("/api/v1/pregnancies", json=body, headers=auth(tokens["clinic"]))
    assert r.status_code == 201, r.text
    assert (r.json()["decision"], r.json()["category_from"], r.json()["category"]) == (
        "assigned",
        "2026-03-30",
        "pregnant_nonworking",
    )
    assert client.post("/api/v1/pregnancies", json=body, headers=auth(tokens["operator"])).status_code == 201
    for role in ("citizen", "employer", "auditor"):
        assert client.post("/api/v1/pregnancies", json=body, headers=auth(tokens[role])).status_code == 403
    assert client.post("/api/v1/pregnancies", json=body).status_code == 401
    assert client.post("/api/v1/pregnancies", json={"iin": AIGERIM}, headers=auth(tokens["clinic"])).status_code == 422
    refused = client.post(
        "/api/v1/pregnancies", json={"iin": DANA, "entered_on": "2026-03-02"}, headers=auth(tokens["clinic"])
    )
    assert (refused.status_code, refused.json()["decision"]) == (201, "refused_has_employer")


@pytest.mark.parametrize(
    "body",
    [
        # January of year 1: the 2 months before the entry are in year 0, which no calendar holds.
        {"iin": AIGERIM, "entered_on": "0001-01-15"},
        # The 3rd working day after 30 December 9999 and the delivery + 56 days are past year 9999.
        {"iin": AIGERIM, "entered_on": "9999-12-30"},
        {"iin": AIGERIM, "entered_on": "2026-03-20", "expected_delivery": "9999-12-31"},
    ],
)
def test_dates_the_rulebook_does_not_answer_for_are_a_422_not_a_500(client, session, women, body) -> None:
    # bench/schema_refusals.py once found 13 errors 500 here: every schema-valid date gets an
    # answer; an entry the rulebook (kz-law, from 2017-07-01) cannot decide is date_outside_rulebook.
    tokens = make_tokens(session, citizen_iin=AIGERIM)
    session.commit()
    answer = client.post("/api/v1/pregnancies", json=body, headers=auth(tokens["clinic"]))
    assert (answer.status_code, answer.json()["code"]) == (422, "date_outside_rulebook")
    assert session.scalars(select(PregnancyEntry)).all() == []
