"""The attachment room's rulebook topic: the campaign and the limits on choosing a clinic
(docs/attachment.md).

Series of ``attachment.yaml``: ``campaign`` (``MM-DD`` start and end, by calendar year),
``free_change_limit`` (free changes of clinic outside the campaign), ``free_choice_requires_insured``
and ``eaeu_contract_term`` (windows), ``not_attached_residency`` (residencies refused attachment) and
``age_groups`` (the lower bounds of the population export's age groups). The age below which a parent acts for a child
(``attachment.minor_age``) is the registry's (``osms.registry.rulebook``). Accessors:
``book.topic(AttachmentTopic).campaign(year)``, ``.free_change_limit(on)`` ...
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any, Self

from pydantic import field_validator, model_validator

from osms.registry.rules import RESIDENCY
from osms.rulebooks.book import LAST_ANSWERABLE
from osms.rulebooks.entries import (
    DateOutsideRulebook,
    Entry,
    Int,
    NoRuleInForce,
    Row,
    Strict,
    non_empty,
    unique_members,
)
from osms.rulebooks.show import ShowTables
from osms.rulebooks.topic import SeriesSpec, Topic

__all__ = [
    "AgeGroupsRule",
    "AttachmentTopic",
    "Campaign",
    "CampaignRule",
    "ChangeLimitAlternative",
    "ChangeLimitRule",
    "ResidencyListRule",
]

_MONTH_DAY_RE = re.compile(r"^(\d{2})-(\d{2})$")


def _month_day(value: str) -> tuple[int, int]:
    match = _MONTH_DAY_RE.match(value)
    if match is None:
        raise ValueError(f"bad day of year {value!r}: expected MM-DD")
    month, day = int(match.group(1)), int(match.group(2))
    try:
        date(2000, month, day)  # a leap year accepts every real MM-DD
    except ValueError:
        raise ValueError(f"bad day of year {value!r}: no such day") from None
    if (month, day) == (2, 29):
        raise ValueError("a campaign cannot start or end on 29 February")
    return month, day


@dataclass(frozen=True, slots=True, kw_only=True)
class CampaignRule(Entry):
    """The yearly attachment campaign's dates as ``MM-DD`` (docs/attachment.md)."""

    start: str
    end: str


@dataclass(frozen=True, slots=True, kw_only=True)
class ChangeLimitAlternative:
    changes: int
    per_months: int
    source: str
    note: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class ChangeLimitRule(Entry):
    """Free changes of clinic outside the campaign: ``changes`` per ``per_months`` months."""

    changes: int
    per_months: int
    alternatives: tuple[ChangeLimitAlternative, ...] = ()


@dataclass(frozen=True, slots=True)
class Campaign:
    """The attachment campaign of one year, with the entry it comes from."""

    year: int
    start: date
    end: date
    rule: CampaignRule

    def is_open(self, day: date) -> bool:
        return self.start <= day <= self.end

    def as_dict(self) -> dict[str, Any]:
        return {"year": self.year, "start": self.start.isoformat(), "end": self.end.isoformat()} | {
            k: v for k, v in self.rule.as_dict().items() if k not in ("start", "end")
        }


@dataclass(frozen=True, slots=True, kw_only=True)
class ResidencyListRule(Entry):
    """Residencies (the registry's codes) a rule names, e.g. those refused attachment."""

    residencies: tuple[str, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class AgeGroupsRule(Entry):
    """The age groups of the population export: each from its lower bound to the next one's."""

    lower_bounds: tuple[int, ...]

    def groups(self) -> tuple[str, ...]:
        """The groups' names: ``0``, ``1-4`` ... ``70+`` for the bounds 0, 1, 5 ... 70."""
        names = []
        for lower, upper in zip(self.lower_bounds, self.lower_bounds[1:], strict=False):
            names.append(str(lower) if upper - 1 == lower else f"{lower}-{upper - 1}")
        return (*names, f"{self.lower_bounds[-1]}+")

    def group(self, age: int) -> str:
        """The name of the group of a person aged ``age``."""
        names = self.groups()
        label = names[0]
        for lower, name in zip(self.lower_bounds, names, strict=True):
            if age >= lower:
                label = name
        return label


class _ResidencyListRow(Row):
    residencies: list[str]

    @field_validator("residencies")
    @classmethod
    def _known(cls, value: list[str]) -> list[str]:
        return unique_members(value, RESIDENCY, "residency")

    def to_entry(self, series: str, key: str) -> Entry:
        return ResidencyListRule(**self.entry_fields(series), residencies=tuple(self.residencies))


class _AgeGroupsRow(Row):
    lower_bounds: list[Int]

    @field_validator("lower_bounds")
    @classmethod
    def _increasing(cls, value: list[int]) -> list[int]:
        if not value or value[0] != 0:
            raise ValueError("the first age group must start at 0")
        if any(b <= a for a, b in zip(value, value[1:], strict=False)):
            raise ValueError(f"the lower bounds must increase, got {value}")
        return value

    def to_entry(self, series: str, key: str) -> Entry:
        return AgeGroupsRule(**self.entry_fields(series), lower_bounds=tuple(self.lower_bounds))


class _CampaignRow(Row):
    start: str
    end: str

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if _month_day(self.start) >= _month_day(self.end):
            raise ValueError(f"campaign start {self.start} must be before its end {self.end}")
        return self

    def to_entry(self, series: str, key: str) -> Entry:
        return CampaignRule(**self.entry_fields(series), start=self.start, end=self.end)


class _ChangeLimitAlternativeRow(Strict):
    changes: Int
    per_months: Int
    source: str
    note: str | None = None

    @field_validator("source")
    @classmethod
    def _source(cls, value: str) -> str:
        return non_empty(value)


class _ChangeLimitRow(Row):
    changes: Int
    per_months: Int
    alternatives: list[_ChangeLimitAlternativeRow] = []

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        for changes, per_months in [(self.changes, self.per_months)] + [
            (a.changes, a.per_months) for a in self.alternatives
        ]:
            if changes < 1 or per_months < 1:
                raise ValueError("changes and per_months must be at least 1")
        return self

    def to_entry(self, series: str, key: str) -> Entry:
        return ChangeLimitRule(
            **self.entry_fields(series),
            changes=self.changes,
            per_months=self.per_months,
            alternatives=tuple(
                ChangeLimitAlternative(changes=a.changes, per_months=a.per_months, source=a.source, note=a.note)
                for a in self.alternatives
            ),
        )


class AttachmentTopic(Topic):
    """The attachment keys of ``attachment.yaml``."""

    series = {
        "attachment.campaign": SeriesSpec(_CampaignRow, "continuous", True, spans_rulebook=True, year_aligned=True),
        "attachment.free_change_limit": SeriesSpec(_ChangeLimitRow, "continuous", True, spans_rulebook=True),
        "attachment.free_choice_requires_insured": SeriesSpec(Row, "windows"),
        "attachment.eaeu_contract_term": SeriesSpec(Row, "windows"),
        "attachment.not_attached_residency": SeriesSpec(_ResidencyListRow, "continuous", spans_rulebook=True),
        "attachment.age_groups": SeriesSpec(_AgeGroupsRow, "continuous", spans_rulebook=True),
    }

    def campaign(self, year: int) -> Campaign:
        """The attachment campaign of ``year`` (its dates and the entry they come from)."""
        book = self.book
        if not book.covers_from.year <= year <= LAST_ANSWERABLE.year:
            raise DateOutsideRulebook(
                f"year {year} is outside the rulebook {book.name} (from {book.covers_from.isoformat()})"
            )
        found = book.find("attachment.campaign", date(year, 1, 1))
        if found is None:
            raise NoRuleInForce(f"no attachment campaign for {year} (rulebook {book.name})")
        assert isinstance(found, CampaignRule)
        (sm, sd), (em, ed) = _month_day(found.start), _month_day(found.end)
        return Campaign(year=year, start=date(year, sm, sd), end=date(year, em, ed), rule=found)

    def free_change_limit(self, on: date) -> ChangeLimitRule:
        found = self.book.entry("attachment.free_change_limit", on)
        assert isinstance(found, ChangeLimitRule)
        return found

    def free_choice_requires_insured(self, on: date) -> Entry | None:
        """The rule limiting free choice of clinic to the insured and state-paid, if in force on ``on``."""
        return self.book.optional("attachment.free_choice_requires_insured", on)

    def eaeu_contract_term(self, on: date) -> Entry | None:
        """The rule attaching EAEU migrant workers for their contract's term, if in force on ``on``."""
        return self.book.optional("attachment.eaeu_contract_term", on)

    def not_attached_residency(self, on: date) -> tuple[str, ...]:
        """The residencies refused attachment on ``on`` (``not_eligible_residency``; none without a rule)."""
        found = self.book.optional("attachment.not_attached_residency", on)
        assert found is None or isinstance(found, ResidencyListRule)
        return () if found is None else found.residencies

    def age_groups(self, on: date) -> AgeGroupsRule:
        """The age groups of the population export on ``on``."""
        found = self.book.entry("attachment.age_groups", on)
        assert isinstance(found, AgeGroupsRule)
        return found

    def show(self, on: date) -> dict[str, Any]:
        free_choice = self.free_choice_requires_insured(on)
        eaeu = self.eaeu_contract_term(on)
        return {
            "campaign": self.campaign(on.year).as_dict(),
            "free_change_limit": self.free_change_limit(on).as_dict(),
            "free_choice_requires_insured": None if free_choice is None else free_choice.as_dict(),
            "eaeu_contract_term": None if eaeu is None else eaeu.as_dict(),
            "not_attached_residency": _optional(self.book.find("attachment.not_attached_residency", on)),
            "age_groups": _optional(self.book.find("attachment.age_groups", on)),
        }

    def print_tables(self, on: date, data: Mapping[str, Any], out: ShowTables) -> None:
        campaign = data["campaign"]
        limit = data["free_change_limit"]
        params = out.table("Attachment", "parameter", "value", "entry", "verified")
        out.row(
            params, f"attachment campaign {campaign['year']}", f"{campaign['start']} .. {campaign['end']}", campaign
        )
        out.row(params, "free changes of clinic", f"{limit['changes']} per {limit['per_months']} months", limit)
        out.row(params, "attached by a parent or guardian", f"under {data['minor_age']['value']}", data["minor_age"])
        if data["free_choice_requires_insured"] is not None:
            out.row(params, "free choice of clinic", "insured or state-paid only", data["free_choice_requires_insured"])
        if data["eaeu_contract_term"] is not None:
            out.row(params, "EAEU migrant workers", "attached for their contract's term", data["eaeu_contract_term"])
        refused = data["not_attached_residency"]
        if refused is not None:
            out.row(params, "not attached (residency)", ", ".join(refused["residencies"]), refused)
        groups = data["age_groups"]
        if groups is not None:
            names = self.age_groups(on).groups()
            out.row(params, "age groups of the export", ", ".join(names), groups)
        out.print(params)


def _optional(entry: Entry | None) -> dict[str, Any] | None:
    return None if entry is None else entry.as_dict()
