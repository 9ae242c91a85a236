"""Persons for entitlement tests: a residency, paid months, a state-paid category."""

from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from osms.registry.models import Person
from tests.coverage.helpers import Ledger, add_category, add_parent, add_person, iin

DAY = date(2024, 5, 15)
CITIZEN_INSURED = iin(date(1986, 1, 1), "M")  # paid by an employer 2024-01..2024-05
CITIZEN_UNINSURED = iin(date(1970, 2, 2), "F")  # never paid
CHILD = iin(date(2015, 6, 1), "F")  # state-paid category child; CITIZEN_INSURED's daughter
MIGRANT = iin(date(1990, 4, 4), "M", serial=20)  # eaeu_migrant, paid
TOURIST = iin(date(1991, 7, 7), "F", serial=30)  # foreigner_temporary
UNKNOWN = iin(date(1980, 3, 3), "M", serial=40)  # not in the registry


def set_residency(session: Session, number: str, residency: str) -> None:
    person = session.get(Person, number)
    assert person is not None
    person.residency = residency
    session.flush()


def populate(session: Session) -> None:
    add_person(session, CITIZEN_INSURED)
    add_person(session, CITIZEN_UNINSURED, birth=date(1970, 2, 2), sex="F")
    add_person(session, CHILD, birth=date(2015, 6, 1), sex="F")
    add_person(session, MIGRANT, birth=date(1990, 4, 4))
    add_person(session, TOURIST, birth=date(1991, 7, 7), sex="F")
    set_residency(session, MIGRANT, "eaeu_migrant")
    set_residency(session, TOURIST, "foreigner_temporary")
    add_parent(session, CHILD, CITIZEN_INSURED)
    add_category(session, CHILD, "child", date(2015, 6, 1), date(2033, 5, 31))
    ledger = Ledger(session)
    ledger.pay_range(CITIZEN_INSURED, "2024-01", "2024-05")
    ledger.pay_range(MIGRANT, "2024-01", "2024-05")
    ledger.refresh()
