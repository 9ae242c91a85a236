"""What every rulebook entry is: its dates, its source, its id; the row models topics build on.

An entry of a series (``<file>.<key>``) has ``valid_from`` (``YYYY-MM-DD`` or ``YYYY-MM``), an
optional ``valid_to`` (inclusive; ``YYYY-MM`` means the month's last day), a non-empty ``source``,
a ``verified`` flag and an optional ``note``; its id is ``<file>.<key>.<valid_from>``. A topic's
row model (a ``Row`` subclass) adds the topic's own fields and builds the topic's ``Entry``
(docs/rulebooks.md, "How a room declares a topic").

Pure: no database, no framework. Numbers are ``Decimal`` (never read through ``float``).
"""

from __future__ import annotations

import calendar
import dataclasses
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any, Self

from pydantic import BaseModel, BeforeValidator, ConfigDict, ValidationError, field_validator, model_validator
from pydantic_core import ErrorDetails

from osms.core.errors import OsmsError

__all__ = [
    "DateOutsideRulebook",
    "Dec",
    "Entry",
    "Int",
    "IntRow",
    "NoRuleInForce",
    "ParameterEntry",
    "Row",
    "RulebookError",
    "Strict",
    "UnknownRulebook",
    "non_empty",
    "parse_day",
    "plain",
    "unique_members",
    "validation_problems",
]


# --------------------------------------------------------------------------------------------
# Errors


class RulebookError(OsmsError):
    """A rulebook is unknown, malformed, or has no entry for what was asked.

    ``problems`` lists every problem found when a rulebook's files fail validation
    (the message joins them); for a lookup error it holds the one message.
    """

    status = 422
    code = "rulebook_error"

    def __init__(self, message: str, *, problems: Sequence[str] | None = None) -> None:
        super().__init__(message)
        self.problems: list[str] = list(problems) if problems is not None else [message]


class UnknownRulebook(RulebookError):
    status = 404
    code = "unknown_rulebook"


class DateOutsideRulebook(RulebookError):
    code = "date_outside_rulebook"


class NoRuleInForce(RulebookError):
    code = "no_rule_in_force"


# --------------------------------------------------------------------------------------------
# Loaded entries (immutable)


def plain(value: Any) -> Any:
    """JSON-friendly form: Decimal as its exact string, dates ISO, nested entries as dicts."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, tuple | list):
        return [plain(v) for v in value]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    return value


@dataclass(frozen=True, slots=True, kw_only=True)
class Entry:
    """One effective-dated entry of a series (``<file>.<key>``), as loaded."""

    id: str
    series: str
    valid_from: date
    valid_to: date | None
    source: str
    verified: bool
    note: str | None = None

    def applies_on(self, day: date) -> bool:
        return self.valid_from <= day and (self.valid_to is None or day <= self.valid_to)

    def as_dict(self) -> dict[str, Any]:
        """Every field, JSON-friendly (Decimal as an exact string, dates ISO)."""
        result: dict[str, Any] = plain(self)
        return result


@dataclass(frozen=True, slots=True, kw_only=True)
class ParameterEntry(Entry):
    """A whole-number parameter (e.g. a number of months or days)."""

    value: int


# --------------------------------------------------------------------------------------------
# Field readers (strict: a typo'd key is an error that names it)

_DAY_RE = re.compile(r"^(\d{4})-(\d{2})(?:-(\d{2}))?$")


def parse_day(value: object, *, end: bool) -> date:
    """``YYYY-MM-DD``, or ``YYYY-MM`` (first day; last day when ``end``)."""
    if isinstance(value, date):
        return value
    match = _DAY_RE.match(value.strip()) if isinstance(value, str) else None
    if match is None:
        raise ValueError(f"bad date {value!r}: expected YYYY-MM-DD or YYYY-MM")
    year, month = int(match.group(1)), int(match.group(2))
    try:
        if match.group(3) is not None:
            return date(year, month, int(match.group(3)))
        if not 1 <= month <= 12:
            raise ValueError
        return date(year, month, calendar.monthrange(year, month)[1] if end else 1)
    except ValueError:
        raise ValueError(f"bad date {value!r}: no such day") from None


def _to_decimal(value: object) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, str | int | Decimal):
        raise ValueError(f'bad decimal {value!r}: write it as a string, e.g. "0.02"')
    try:
        result = Decimal(value.strip()) if isinstance(value, str) else Decimal(value)
    except InvalidOperation:
        raise ValueError(f'bad decimal {value!r}: write it as a string, e.g. "0.02"') from None
    if not result.is_finite():
        raise ValueError(f"bad decimal {value!r}: must be a finite number")
    return result


def _to_int(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"bad whole number {value!r}")
    return value


#: A decimal field (written as a string in YAML, ``"0.02"``).
Dec = Annotated[Decimal, BeforeValidator(_to_decimal)]
#: A whole-number field (no bool, no float, no text).
Int = Annotated[int, BeforeValidator(_to_int)]


def non_empty(value: str) -> str:
    """``value`` stripped; refuses an empty source or name."""
    if not value.strip():
        raise ValueError("source must not be empty")
    return value.strip()


def unique_members(values: list[str], allowed: tuple[str, ...], what: str) -> list[str]:
    """``values`` if each is one of ``allowed`` and none is listed twice."""
    unknown = [v for v in values if v not in allowed]
    if unknown:
        raise ValueError(f"unknown {what} {', '.join(repr(u) for u in unknown)} (known: {', '.join(allowed)})")
    repeated = sorted({v for v in values if values.count(v) > 1})
    if repeated:
        raise ValueError(f"{what} listed twice: {', '.join(repeated)}")
    return values


class Strict(BaseModel):
    """A strict model: unknown keys are errors, values immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class Row(Strict):
    """The fields every entry has. A topic's row model subclasses it and overrides ``to_entry``."""

    valid_from: date
    valid_to: date | None = None
    source: str
    verified: bool = False
    note: str | None = None
    carry_forward: bool = True  # false: an entry ending on the horizon ends on purpose (not carried)

    @field_validator("valid_from", mode="before")
    @classmethod
    def _valid_from(cls, value: object) -> date:
        return parse_day(value, end=False)

    @field_validator("valid_to", mode="before")
    @classmethod
    def _valid_to(cls, value: object) -> date | None:
        return None if value is None else parse_day(value, end=True)

    @field_validator("source")
    @classmethod
    def _source(cls, value: str) -> str:
        return non_empty(value)

    @model_validator(mode="after")
    def _order(self) -> Self:
        if self.valid_to is not None and self.valid_to < self.valid_from:
            raise ValueError(f"valid_to {self.valid_to} is before valid_from {self.valid_from}")
        if not self.carry_forward and self.valid_to is None:
            raise ValueError("carry_forward: false needs a valid_to (the day the entry ends on purpose)")
        return self

    def entry_fields(self, series: str) -> dict[str, Any]:
        """The ``Entry`` fields of this row in ``series`` (its id, dates, source...)."""
        return {
            "id": f"{series}.{self.valid_from.isoformat()}",
            "series": series,
            "valid_from": self.valid_from,
            "valid_to": self.valid_to,
            "source": self.source,
            "verified": self.verified,
            "note": self.note,
        }

    def to_entry(self, series: str, key: str) -> Entry:
        """The loaded entry of ``series`` (``<file>.<key>``)."""
        return Entry(**self.entry_fields(series))


class IntRow(Row):
    """A whole-number parameter, not negative."""

    value: Int

    @field_validator("value")
    @classmethod
    def _not_negative(cls, value: int) -> int:
        if value < 0:
            raise ValueError(f"must not be negative, got {value}")
        return value

    def to_entry(self, series: str, key: str) -> Entry:
        return ParameterEntry(**self.entry_fields(series), value=self.value)


def _describe_error(error: ErrorDetails, allowed: Sequence[str]) -> str:
    loc = [str(part) for part in error["loc"]]
    where = ".".join(loc)
    if error["type"] == "extra_forbidden":
        hint = f" (allowed: {', '.join(allowed)})" if len(loc) == 1 else ""
        return f"unknown key {where!r}{hint}"
    if error["type"] == "missing":
        return f"required key {where!r} is missing"
    message = error["msg"].removeprefix("Value error, ")
    return f"{where}: {message}" if where else message


def validation_problems(exc: ValidationError, model: type[BaseModel]) -> list[str]:
    """One sentence per error of ``exc``, naming the key."""
    allowed = list(model.model_fields)
    return [_describe_error(error, allowed) for error in exc.errors()]
