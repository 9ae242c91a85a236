"""Calendar months as a value type with arithmetic, and their database type.

A ``Month`` is stored as one integer, ``year * 12 + (month - 1)``, so that SQL can compare
months and count the months between two of them set-based.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Integer
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

_MONTH_RE = re.compile(r"^(\d{4})-(\d{2})$")


@dataclass(frozen=True, order=True, slots=True)
class Month:
    """A calendar month, e.g. ``Month(2024, 3)``; written ``2024-03``."""

    year: int
    month: int

    def __post_init__(self) -> None:
        if not 1 <= self.month <= 12:
            raise ValueError(f"month must be 1..12, got {self.month}")
        if not 1 <= self.year <= 9999:
            raise ValueError(f"year must be 1..9999, got {self.year}")

    @classmethod
    def parse(cls, text: str) -> Month:
        """Parse ``YYYY-MM``; raises ``ValueError`` with the reason otherwise."""
        m = _MONTH_RE.match(text.strip())
        if not m:
            raise ValueError(f"period must be YYYY-MM, got {text!r}")
        return cls(int(m.group(1)), int(m.group(2)))

    @classmethod
    def of(cls, day: date) -> Month:
        return cls(day.year, day.month)

    @classmethod
    def from_index(cls, index: int) -> Month:
        return cls(index // 12, index % 12 + 1)

    @property
    def index(self) -> int:
        """Months since year 0: ``year * 12 + month - 1``."""
        return self.year * 12 + self.month - 1

    @property
    def first_day(self) -> date:
        return date(self.year, self.month, 1)

    @property
    def last_day(self) -> date:
        return date(self.year, self.month, calendar.monthrange(self.year, self.month)[1])

    def __add__(self, months: int) -> Month:
        return Month.from_index(self.index + months)

    def __sub__(self, other: Month | int) -> Any:
        """``Month - int`` is a month; ``Month - Month`` is the number of months between them."""
        if isinstance(other, Month):
            return self.index - other.index
        return Month.from_index(self.index - other)

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"


def months_between(first: Month, last: Month) -> list[Month]:
    """Every month from ``first`` to ``last`` inclusive (empty if last < first)."""
    return [Month.from_index(i) for i in range(first.index, last.index + 1)]


class MonthType(TypeDecorator[Month]):
    """Stores a ``Month`` as its integer index on every database."""

    impl = Integer
    cache_ok = True

    def process_bind_param(self, value: Month | None, dialect: Dialect) -> int | None:
        return None if value is None else value.index

    def process_result_value(self, value: int | None, dialect: Dialect) -> Month | None:
        return None if value is None else Month.from_index(value)
