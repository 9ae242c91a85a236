"""Working days on the Kazakh calendar (public holidays from the ``holidays`` package)."""

from __future__ import annotations

from datetime import date, timedelta
from functools import lru_cache

import holidays


@lru_cache(maxsize=64)
def _kz_holidays(year: int) -> holidays.HolidayBase:
    return holidays.country_holidays("KZ", years=year)


def is_holiday(day: date) -> bool:
    return day in _kz_holidays(day.year)


def is_working_day(day: date) -> bool:
    """Monday to Friday and not a public holiday (observed days included)."""
    return day.weekday() < 5 and not is_holiday(day)


def add_working_days(start: date, days: int) -> date:
    """The date ``days`` working days after ``start`` (``start`` itself not counted).

    Used for deadlines such as "within 3 working days of entry" (docs/status.md).
    """
    if days < 0:
        raise ValueError("days must be >= 0")
    current = start
    remaining = days
    while remaining:
        current += timedelta(days=1)
        if is_working_day(current):
            remaining -= 1
    return current


def working_days_between(start: date, end: date) -> int:
    """Working days in (start, end]: how many working days after ``start`` ``end`` is."""
    if end <= start:
        return 0
    count = 0
    current = start
    while current < end:
        current += timedelta(days=1)
        if is_working_day(current):
            count += 1
    return count
