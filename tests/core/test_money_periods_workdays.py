"""Money (half-up to 0.01), months with arithmetic, Kazakh working days."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from osms.core.money import format_money, parse_money, round_money
from osms.core.periods import Month, months_between
from osms.core.workdays import add_working_days, is_working_day, working_days_between


def test_round_half_up() -> None:
    # docs/calculators.md: IE 2018 = 5% x 2 x 28,284 = 2,828.40; 2,828.405 rounds up, 2,828.404 down.
    assert round_money(Decimal("0.05") * 2 * 28284) == Decimal("2828.40")
    assert round_money(Decimal("2828.405")) == Decimal("2828.41")
    assert round_money(Decimal("2828.404")) == Decimal("2828.40")
    assert round_money(Decimal("-0.005")) == Decimal("-0.01")
    assert format_money(Decimal("2445.9")) == "2445.90"


def test_parse_money() -> None:
    assert parse_money("2 445,90") == Decimal("2445.90")
    for bad in ("", "abc", "1.234", "NaN", "Infinity", "1E100"):
        with pytest.raises(ValueError):
            parse_money(bad)


@given(st.decimals(min_value=-(10**12), max_value=10**12, allow_nan=False, allow_infinity=False))
def test_rounding_is_within_half_a_tiyn(value: Decimal) -> None:
    rounded = round_money(value)
    assert abs(rounded - value) <= Decimal("0.005")
    assert rounded == rounded.quantize(Decimal("0.01"))


def test_month_arithmetic() -> None:
    m = Month.parse("2024-11")
    assert m + 3 == Month(2025, 2)
    assert m - 11 == Month(2023, 12)
    assert Month(2026, 1) - Month(2025, 10) == 3
    assert str(Month(2020, 1)) == "2020-01"
    assert Month(2024, 2).last_day == date(2024, 2, 29)
    assert Month.of(date(2025, 7, 31)) == Month(2025, 7)
    assert months_between(Month(2024, 11), Month(2025, 2)) == [
        Month(2024, 11),
        Month(2024, 12),
        Month(2025, 1),
        Month(2025, 2),
    ]
    for bad in ("2024-13", "2024-1", "24-01", "2024/01"):
        with pytest.raises(ValueError):
            Month.parse(bad)


@given(st.integers(12, 9998 * 12), st.integers(-1000, 1000))
def test_month_index_round_trip(index: int, shift: int) -> None:
    m = Month.from_index(index)
    assert Month.parse(str(m)) == m
    if 12 <= index + shift < 9999 * 12:
        assert (m + shift) - m == shift


def test_kazakh_public_holidays_are_not_working_days() -> None:
    # Nauryz (21-23 March), Independence Day (16 December), New Year (1-2 January).
    assert not is_working_day(date(2025, 3, 21))
    assert not is_working_day(date(2024, 12, 16))
    assert not is_working_day(date(2025, 1, 2))
    assert is_working_day(date(2025, 3, 26))  # an ordinary Wednesday
    assert not is_working_day(date(2025, 3, 29))  # Saturday


def test_three_working_days_across_nauryz() -> None:
    # docs/status.md: the pregnant-woman category is assigned within 3 working days of entry.
    # Entry Thu 2025-03-20; Nauryz 21-23 March, of which 22 and 23 fall on the weekend, so
    # Mon 24 and Tue 25 are observed holidays. Wed 26 is day 1, Thu 27 day 2, Fri 28 day 3.
    assert add_working_days(date(2025, 3, 20), 3) == date(2025, 3, 28)
    assert working_days_between(date(2025, 3, 20), date(2025, 3, 28)) == 3
