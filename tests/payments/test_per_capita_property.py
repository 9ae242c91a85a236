"""Properties of per capita (docs/payments.md, "Per capita"): the month's amount is the sum over
the attached people of each one's share (the rate × 1, 0.9 not insured, 0.8 no service in the
year; in December less the year's earlier months' difference down to 80%), within the rounding of
each reduction to the tiyn, and never negative."""

from __future__ import annotations

import itertools
from datetime import date
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.orm import Session

from osms.payments.capitation import per_capita
from tests.payments.percapita_world import clinic, fixture_rulebook, person, served

SERIALS = itertools.count(1, 50)
PROVIDERS = itertools.count(1)
PEOPLE = st.lists(
    st.tuples(st.sampled_from(["M", "F"]), st.integers(0, 95), st.booleans(), st.booleans()), min_size=0, max_size=6
)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(people=PEOPLE, december=st.booleans())
def test_amount_is_the_sum_of_the_shares(
    session: Session, tmp_path: Path, people: list[tuple[str, int, bool, bool]], december: bool
) -> None:
    pid = clinic(session, f"PHC{next(PROVIDERS)}")
    rows = []
    for sex, age, insured, had_service in people:
        birth = date(2025 - age, 6, 15) if age else date(2025, 1, 10)
        number = person(session, birth, sex, next(SERIALS), clinic=pid, insured=insured)
        if had_service:
            served(session, number, date(2025, 5, 10), pid)
        rows.append((insured, had_service))
    session.commit()
    folder = tmp_path / pid
    folder.mkdir()
    book = fixture_rulebook(folder)
    month = "2025-12" if december else "2025-11"
    answer = per_capita(session, book, pid, month, today=date(2026, 1, 5))
    rate = Fraction(answer.rate)
    total = Fraction(0)
    for insured, had_service in rows:
        paid = Fraction(1) if insured else Fraction(9, 10)
        if december and not had_service:
            # December at 80%; October and November (the rule's months before December) down to 80% too
            total += rate * Fraction(8, 10) - 2 * rate * (paid - Fraction(8, 10))
        else:
            total += rate * paid
    expected = max(total, Fraction(0))
    assert answer.amount >= 0
    assert abs(Fraction(answer.amount) - expected) <= Fraction(15, 1000)
    assert answer.attached == len(rows)
    assert answer.gross == answer.rate * len(rows)
    if not december:
        pending = answer.reduction("no_service_year")
        assert pending is not None and pending.amount == Decimal("0.00")
        assert pending.people == sum(1 for _, s in rows if not s)
