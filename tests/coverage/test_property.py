"""Issue item 5: over random payment histories (with reversals) and random check dates, the status the
service computes from person_month (built by the production summary code) equals the status the
pure engine computes from a from-scratch aggregation of the raw ledger rows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from itertools import count

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete

from osms.contributions.models import PAYMENT_KINDS, Payment, PersonMonth
from osms.core.periods import Month
from osms.coverage import rules, service
from osms.registry.models import Person, PersonCategory
from osms.rulebooks.loader import load_rulebook
from tests.coverage.helpers import Ledger, add_person, iin

PERSON = iin(date(1986, 1, 1), "F")
FIRST = Month(2019, 1)
PAYERS = ("100540000018", "120340000074", PERSON, "STATE")
CODES = ("child", "student", "unemployed_registered", "house_arrest", "pensioner")
_REFS = count(1)


@dataclass(frozen=True)
class Raw:
    """One ledger row as the property test sees it (``id`` = insertion order)."""

    id: int
    reference: str
    period: Month
    kind: str
    payer: str
    amount: Decimal
    value_date: date
    reverses: str | None = None


def months_from_payments(payments: list[Raw]) -> list[rules.MonthFacts]:
    """From scratch: what is still credited per period after reversals; kinds, the payer of the
    largest payment (ties: the first inserted), the first value date."""
    reversed_refs = {p.reverses for p in payments if p.reverses is not None}
    active = [p for p in payments if p.kind != "reversal" and p.reference not in reversed_refs]
    by_period: dict[Month, list[Raw]] = {}
    for p in active:
        by_period.setdefault(p.period, []).append(p)
    result = []
    for period, rows in by_period.items():
        largest = min(rows, key=lambda p: (-p.amount, p.id))
        result.append(
            rules.MonthFacts(period, frozenset(p.kind for p in rows), largest.payer, min(p.value_date for p in rows))
        )
    return result


def test_months_from_payments_by_hand() -> None:
    a = Raw(1, "A", Month(2024, 1), "employer_deduction", "E1", Decimal("100.00"), date(2024, 2, 20))
    b = Raw(2, "B", Month(2024, 1), "employee_contribution", "E2", Decimal("100.00"), date(2024, 2, 10))
    c = Raw(3, "C", Month(2024, 1), "self_payment", "P", Decimal("500.00"), date(2024, 1, 5))
    rev = Raw(4, "REV:C", Month(2024, 1), "reversal", "P", Decimal("-500.00"), date(2024, 3, 1), "C")
    assert months_from_payments([a, b, c, rev]) == [
        rules.MonthFacts(
            Month(2024, 1), frozenset({"employer_deduction", "employee_contribution"}), "E1", date(2024, 2, 10)
        )
    ]
    assert months_from_payments([a, b, c])[0].payer == "P"


payment = st.tuples(
    st.integers(0, 95),  # period: 2019-01 + n months
    st.sampled_from(sorted(PAYMENT_KINDS)),
    st.sampled_from(PAYERS),
    st.integers(-40, 400),  # value date: days after the period's first day
    st.sampled_from(["500.00", "1000.00", "4250.00"]),
    st.booleans() | st.just(False) | st.just(False),  # reversed later? (rarely)
    st.integers(0, 300),  # the reversal's value date: days after the payment's
)
run = st.tuples(
    st.sampled_from(range(96)),
    st.sampled_from(range(1, 40)),
    st.sampled_from(["employer_deduction", "self_payment", "self_payment", "ie_contribution"]),
    st.sampled_from([0, 2, 5, 15, 45]),  # value date: days after the period's first day
)
membership = st.tuples(
    st.sampled_from(CODES),
    st.integers(0, 3000),  # from: days after 2018-01-01
    st.none() | st.integers(0, 900),  # length in days
)
check_day = st.builds(
    lambda month, day: (FIRST + month).first_day + timedelta(day),
    st.sampled_from(range(5, 96)),  # mostly from 2020 on: before it kz-law says "not applicable"
    st.integers(0, 27),
)
rarely_dead = st.sampled_from(range(10)).flatmap(lambda n: check_day if n == 0 else st.none())


@settings(
    max_examples=80,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    database=None,
)
@given(
    scattered=st.lists(payment, max_size=25),
    runs=st.lists(run, max_size=4),
    memberships=st.sampled_from(range(3)).flatmap(
        lambda n: st.lists(membership, max_size=2, unique_by=lambda m: (m[0], m[1])) if n == 0 else st.just([])
    ),
    death=rarely_dead,
    checks=st.lists(check_day, min_size=1, max_size=5),
    data=st.data(),
)
def test_service_from_summary_equals_engine_from_raw_payments(
    session, scattered, runs, memberships, death, checks, data
) -> None:
    book = load_rulebook("kz-law")
    session.rollback()
    session.execute(delete(Payment))
    session.execute(delete(PersonMonth))
    session.execute(delete(PersonCategory))
    person = session.get(Person, PERSON)
    if person is None:
        add_person(session, PERSON, sex="F")
        person = session.get(Person, PERSON)
    assert person is not None
    person.death_date = death

    ledger = Ledger(session)
    raw: list[Raw] = []
    ids = count(1)

    def add(period: Month, kind: str, payer: str, value_date: date, amount: str) -> Raw:
        ref = f"P{next(_REFS)}"
        ledger.pay(PERSON, period, kind=kind, payer=payer, value_date=value_date, amount=amount, reference=ref)
        row = Raw(next(ids), ref, period, kind, payer, Decimal(amount), value_date)
        raw.append(row)
        return row

    for start, length, kind, lag in runs:  # runs of consecutive months, as employers and self-payers pay
        for k in range(length):
            period = FIRST + (start + k)
            add(
                period,
                kind,
                PAYERS[0] if kind == "employer_deduction" else PERSON,
                period.first_day + timedelta(lag),
                "1000.00",
            )
    reversals = []
    for offset, kind, payer, lag, amount, is_reversed, rev_lag in scattered:
        period = FIRST + offset
        row = add(period, kind, payer, period.first_day + timedelta(lag), amount)
        if is_reversed:
            reversals.append((row, row.value_date + timedelta(rev_lag)))
    session.flush()
    for row, when in reversals:
        ledger.reverse(row.reference, when)
        raw.append(
            Raw(next(ids), f"REV:{row.reference}", row.period, "reversal", row.payer, -row.amount, when, row.reference)
        )
    for code, start, length in memberships:
        valid_from = date(2018, 1, 1) + timedelta(start)
        valid_to = None if length is None else valid_from + timedelta(length)
        session.add(PersonCategory(iin=PERSON, category=code, valid_from=valid_from, valid_to=valid_to, source="t"))
    ledger.refresh()
    session.flush()

    for start, length, _kind, _lag in runs:  # and dates inside and just after the runs
        months_in = data.draw(st.integers(0, length + 8), label="months into the run")
        day = data.draw(st.integers(0, 27), label="day")
        if start + months_in <= 95:
            checks = [*checks, (FIRST + (start + months_in)).first_day + timedelta(day)]
    month_facts = months_from_payments(raw)
    member_facts = [
        rules.Membership(
            code, date(2018, 1, 1) + timedelta(start), None if n is None else date(2018, 1, 1) + timedelta(start + n)
        )
        for code, start, n in memberships
    ]
    for on in checks:
        from_service = service.status_of(session, PERSON, on).as_dict()
        from_raw = rules.evaluate(
            iin=PERSON,
            on=on,
            rulebook=book,
            months=month_facts,
            memberships=member_facts,
            birth_date=date(1986, 1, 1),
            death_date=death,
            category_label=service.category_label,
        ).as_dict()
        assert from_service == from_raw, on
        # the brief decision (a population's per-capita reduction) decides the same
        facts = {"iin": PERSON, "on": on, "rulebook": book, "months": month_facts, "memberships": member_facts,
                 "birth_date": date(1986, 1, 1), "death_date": death}  # fmt: skip
        full, brief = rules.evaluate(**facts), rules.evaluate(**facts, brief=True)
        decided = ("insured", "basis", "insured_until", "arrears", "rules", "last_covered", "covered_since")
        assert [getattr(brief, k) for k in decided] == [getattr(full, k) for k in decided], on
        event(from_raw["basis"]["code"])
    session.rollback()
