"""Access holes, each reproduced: the public status box, the employer's
payroll naming strangers, and the one rule of who a parent or guardian may act for
(docs/access.md)."""

from __future__ import annotations

import re
from datetime import date

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from osms.core.security import create_token, create_user
from osms.registry.models import FamilyLink, Person, PersonCategory
from osms.registry.service import may_act_for
from osms.web import pages
from tests.coverage.helpers import EMPLOYER, OTHER_EMPLOYER, Ledger
from tests.registry.helpers import iin

TODAY = date(2026, 12, 4)
PASSWORD = "pw-access-42"
OPEN_ENDED = iin(date(1980, 5, 17), "F")  # disability with no end date: insured, no "until"
PAID = iin(date(1991, 8, 9), "M")  # paid by an employer: insured until a date
LAPSED = iin(date(1985, 1, 1), "M")  # last paid in 2024: not insured
UNKNOWN = iin(date(1999, 9, 9), "F")  # a valid IIN nobody holds in the registry
EMPLOYEE = iin(date(1990, 2, 2), "M")  # the employer's employee, in the category disability
STRANGER = iin(date(1970, 2, 2), "F")  # in the registry with disability; never paid for by the employer


def _person(session: Session, number: str, birth: date, sex: str = "M") -> None:
    session.add(Person(iin=number, last_name="Тест", first_name="Тест", birth_date=birth, sex=sex, residency="citizen"))
    session.flush()


@pytest.fixture
def people(session: Session, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    monkeypatch.setattr(pages, "today", lambda: TODAY)
    for number, birth, sex in (
        (OPEN_ENDED, date(1980, 5, 17), "F"),
        (PAID, date(1991, 8, 9), "M"),
        (LAPSED, date(1985, 1, 1), "M"),
        (EMPLOYEE, date(1990, 2, 2), "M"),
        (STRANGER, date(1970, 2, 2), "F"),
    ):
        _person(session, number, birth, sex)
    for number in (OPEN_ENDED, EMPLOYEE, STRANGER):
        session.add(PersonCategory(iin=number, category="disability", valid_from=date(2020, 1, 1), source="МТСЗН"))
    ledger = Ledger(session)
    ledger.pay_range(PAID, "2026-01", "2026-10", payer=OTHER_EMPLOYER)
    ledger.pay_range(LAPSED, "2024-01", "2024-03", payer=OTHER_EMPLOYER)
    ledger.pay_range(EMPLOYEE, "2026-06", "2026-10", payer=EMPLOYER)
    ledger.pay_range(STRANGER, "2026-06", "2026-10", payer=OTHER_EMPLOYER)
    ledger.refresh()
    employer = create_user(session, "employer", PASSWORD, "employer", "ТОО", bin=EMPLOYER)
    operator = create_user(session, "operator", PASSWORD, "operator", "Оператор")
    tokens = {"employer": create_token(session, employer, "t"), "operator": create_token(session, operator, "t")}
    session.commit()
    return tokens


# --- The anonymous status box ----------------------------------------------------------------


def _box(client: TestClient, number: str, lang: str = "en") -> str:
    """The answer of the public box (HTMX fragment), its visible text with whitespace folded."""
    answer = client.get("/check", params={"iin": number, "lang": lang}, headers={"HX-Request": "true"})
    assert answer.status_code == 200
    text = re.sub(r"<[^>]+>", " ", answer.text)
    return " ".join(text.split())


def test_the_box_answers_insured_on_the_day_for_every_basis(client: TestClient, people: dict[str, str]) -> None:
    """An open-ended state-paid category and an employer's payments get the same sentence: the box
    tells insured or not on the day, never an end date (a bare "insured" gave the category away)."""
    open_ended, paid = _box(client, OPEN_ENDED), _box(client, PAID)
    assert open_ended == paid
    assert "Insured on 4 Dec 2026" in open_ended
    for word in ("until", "no end date", "Insured until"):
        assert word not in open_ended


def test_the_box_says_the_same_of_a_lapsed_person_and_an_unknown_number(
    client: TestClient, people: dict[str, str]
) -> None:
    lapsed, unknown = _box(client, LAPSED), _box(client, UNKNOWN)
    assert lapsed == unknown.replace(UNKNOWN, LAPSED)
    assert "Not insured on 4 Dec 2026" in lapsed


@pytest.mark.parametrize("number", [OPEN_ENDED, PAID, LAPSED, UNKNOWN])
def test_the_box_decodes_nothing_from_the_iin(client: TestClient, people: dict[str, str], number: str) -> None:
    """The birth date and sex in the IIN's digits are the person's data: not printed to anyone."""
    century = 2000 if number[6] in "56" else 1900
    birth = date(century + int(number[:2]), int(number[2:4]), int(number[4:6]))
    for lang in ("en", "ru", "kk"):
        text = _box(client, number, lang)
        assert birth.strftime("%d.%m.%Y") not in text, lang
        assert f"{birth.day} {birth.strftime('%b')} {birth.year}" not in text, lang
    assert "Date of birth" not in text and "sex" not in text.lower()


# --- The employer's payroll ------------------------------------------------------------------


def _payroll(client: TestClient, token: str, *numbers: str) -> dict:
    rows = [{"iin": n, "period": "2026-11", "income": "300000.00"} for n in numbers]
    answer = client.post(
        "/api/v1/payrolls",
        json={"employer": EMPLOYER, "rows": rows},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert answer.status_code == 200, answer.text
    return answer.json()


def _without_identity(line: dict) -> dict:
    return {k: v for k, v in line.items() if k not in ("iin", "line")}


def test_a_payroll_tells_nothing_of_strangers(client: TestClient, people: dict[str, str]) -> None:
    """A stranger in the registry with a disability and a number nobody holds get the same line:
    computed at the standard rates (docs/calculators.md: 3% deduction, 2% contribution of 300,000.00),
    no category, no "unknown person"."""
    answer = _payroll(client, people["employer"], STRANGER, UNKNOWN)
    assert answer["rejections"] == [] and answer["exclusions"] == []
    stranger, unknown = answer["lines"]
    assert _without_identity(stranger) == _without_identity(unknown)
    assert (stranger["deduction"]["amount"], stranger["contribution"]["amount"]) == ("9000.00", "6000.00")
    assert "disability" not in str(answer)


def test_a_payroll_excludes_a_state_paid_employee_without_naming_the_category(
    client: TestClient, people: dict[str, str]
) -> None:
    """The employer paid for EMPLOYEE in 2026: an employee. The employer needs to know that no
    deduction is due for the month, not why: the exclusion carries no category."""
    answer = _payroll(client, people["employer"], EMPLOYEE)
    (excluded,) = answer["exclusions"]
    assert excluded["reason"] == "state_paid_category"
    assert excluded["categories"] is None
    assert "disability" not in str(answer)


def test_the_operator_sees_the_payrolls_categories(client: TestClient, people: dict[str, str]) -> None:
    """The fund's operator computes any employer's payroll from the registry, with the codes."""
    answer = _payroll(client, people["operator"], EMPLOYEE, STRANGER)
    assert [e["categories"][0]["code"] for e in answer["exclusions"]] == ["disability", "disability"]


def test_the_payroll_page_tells_nothing_of_strangers(client: TestClient, people: dict[str, str]) -> None:
    form = client.get("/login")
    csrf = re.search(r'name="csrf" value="([^"]+)"', form.text)
    assert csrf
    client.post("/login", data={"username": "employer", "password": PASSWORD, "csrf": csrf.group(1)})
    page = client.get("/employer/payroll", params={"lang": "en"})
    token = re.search(r'name="csrf" value="([^"]+)"', page.text)
    assert token
    rows = f"iin,period,income\n{STRANGER},2026-11,300000.00\n{UNKNOWN},2026-11,300000.00\n"
    answer = client.post("/employer/payroll?lang=en", data={"csrf": token.group(1), "rows": rows})
    assert answer.status_code == 200
    text = answer.text
    assert "disability" not in text.lower()
    assert "no person with this IIN" not in text and "unknown_person" not in text
    assert text.count("9,000.00") >= 2  # both lines computed at the standard rate


# --- Who a parent or guardian acts for: one rule ----------------------------------------------


def test_a_parent_acts_for_a_child_until_the_minor_age_and_a_guardian_for_a_ward(session: Session) -> None:
    """kz-law attachment.minor_age = 18: a child born 2008-12-05 is a minor on 2026-12-04 and an
    adult on 2026-12-05 (the 18th birthday); a ward stays a ward whatever the age."""
    parent, child, ward = iin(date(1980, 1, 1), "F"), iin(date(2008, 12, 5), "M"), iin(date(1960, 1, 1), "M")
    for number, birth in ((parent, date(1980, 1, 1)), (child, date(2008, 12, 5)), (ward, date(1960, 1, 1))):
        _person(session, number, birth)
    session.add(FamilyLink(iin=child, relative_iin=parent, relation="parent"))
    session.add(FamilyLink(iin=ward, relative_iin=parent, relation="guardian"))
    session.flush()
    assert may_act_for(session, parent, child, date(2026, 12, 4), 18)
    assert not may_act_for(session, parent, child, date(2026, 12, 5), 18)
    assert may_act_for(session, parent, ward, date(2026, 12, 5), 18)
    assert may_act_for(session, parent, parent, date(2026, 12, 5), 18)
    assert not may_act_for(session, child, parent, date(2026, 12, 4), 18)
