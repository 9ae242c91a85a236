"""A population's insured status (``coverage.service.insured_among``, what per capita's 90%
reduction reads): the same decision as each person's own status check, on SQLite (every summary row
read, keyed as read) and on PostgreSQL (the months folded into a digest per person by the database,
one person's months read per distinct digest). People with the same facts share one evaluation;
people whose months differ only in the payer or a value date do not."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from osms.coverage import service
from osms.registry.models import Person
from osms.rulebooks.loader import load_rulebook
from tests.coverage.helpers import EMPLOYER, OTHER_EMPLOYER, Ledger, add_category, add_person, iin

DAY = date(2024, 9, 15)
KZ = load_rulebook("kz-law")


def test_a_population_is_decided_as_each_person_alone(session) -> None:
    worker = add_person(session, iin(date(1986, 1, 1), "M", 1))
    twin = add_person(session, iin(date(1986, 1, 1), "M", 3))  # the worker's facts exactly
    other_payer = add_person(session, iin(date(1986, 1, 1), "M", 5))
    late = add_person(session, iin(date(1986, 1, 1), "M", 7))
    lapsed = add_person(session, iin(date(1987, 3, 1), "F", 9), sex="F")
    child = add_person(session, iin(date(2015, 6, 1), "F", 11), birth=date(2015, 6, 1), sex="F")
    dead = add_person(session, iin(date(1950, 1, 1), "M", 13), birth=date(1950, 1, 1), death=date(2024, 8, 1))
    nobody = add_person(session, iin(date(1990, 1, 1), "F", 15), sex="F")
    year_before = add_person(session, iin(date(1986, 1, 1), "M", 17))  # the worker's months, a year earlier
    add_category(session, child, "child", date(2015, 6, 1), date(2033, 5, 31))
    ledger = Ledger(session)
    for number in (worker, twin):
        ledger.pay_range(number, "2024-01", "2024-08")
    ledger.pay_range(year_before, "2023-01", "2023-08")
    ledger.pay_range(other_payer, "2024-01", "2024-08", payer=OTHER_EMPLOYER)
    # August paid late, after its deadline: arrears instead of a covered month (not the same facts)
    ledger.pay_range(late, "2024-01", "2024-07")
    ledger.pay(late, "2024-08", value_date=date(2024, 9, 30))
    ledger.pay_range(lapsed, "2022-01", "2022-06", payer=EMPLOYER)
    ledger.pay_range(dead, "2024-01", "2024-07")
    ledger.refresh()
    session.flush()

    population = select(Person.iin)
    got = service.insured_among(session, population, DAY, KZ)

    one_by_one = {
        number for (number,) in session.execute(population) if service.status_of(session, number, DAY).insured
    }
    assert got == one_by_one
    # by hand (docs/status.md): paid through August → insured; the child's category → insured; the
    # 2022 payer and the months of 2023 lapsed long ago, the dead and the never-paid are not insured
    assert {worker, twin, other_payer, child} <= got
    assert not {lapsed, year_before, dead, nobody} & got
