"""The monitoring topic of the claims room: the appeal clock, the review of deaths, the escalation
thresholds and the sampling of cases for expertise (docs/claims.md, "Monitoring and appeals").

Series of ``monitoring.yaml`` (all ``windows`` and optional: a rulebook without one says the rule
does not apply, e.g. ``seeds-2016`` has no appeal clock):

- ``monitoring.appeal_clock`` and ``monitoring.death_clock``: working days for the provider's
  objection (``objection_days``), the first review by an employee of another region
  (``review_days``), the second objection (``second_objection_days``), the second review outside
  the region (``second_review_days``) and the central office's final decision (``central_days``);
  the death clock applies to defects found in the review of a death.
- ``monitoring.death_review``: the forms of care whose every death is reviewed (``forms``), the age
  below which every death is reviewed whatever the form (``infant_age_under``, whole years) and the
  share reviewed in per cent (``share``).
- ``monitoring.escalation``: the thresholds in МРП of the unconfirmed cases (defect codes starting
  with ``code_prefix``) in a calendar month (``month_mrp``) and over a contract (``contract_mrp``),
  and the working days to hand them to law enforcement (``handover_days``).
- ``monitoring.sampling``: the share of records, per form of care, an expert reviews (``shares``,
  per cent).

Accessors: ``book.topic(MonitoringTopic).appeal_clock(on)``, ``.death_clock(on)``,
``.death_review(on)``, ``.escalation(on)``, ``.sampling(on)`` (each None when not in force).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from pydantic import field_validator

from osms.claims.vocabulary import CARE_FORMS
from osms.rulebooks.entries import Dec, Entry, Int, Row, unique_members
from osms.rulebooks.show import ShowTables
from osms.rulebooks.topic import SeriesSpec, Topic

__all__ = ["AppealClock", "DeathReview", "Escalation", "MonitoringTopic", "Sampling"]

CLOCK_STEPS = ("objection_days", "review_days", "second_objection_days", "second_review_days", "central_days")


@dataclass(frozen=True, slots=True, kw_only=True)
class AppealClock(Entry):
    """Working days of each step of an appeal (MON п.26-38; deaths п.44-47)."""

    objection_days: int
    review_days: int
    second_objection_days: int
    second_review_days: int
    central_days: int


@dataclass(frozen=True, slots=True, kw_only=True)
class DeathReview(Entry):
    """Which deaths are all reviewed (MON п.40)."""

    forms: tuple[str, ...]
    infant_age_under: int
    share: Decimal


@dataclass(frozen=True, slots=True, kw_only=True)
class Escalation(Entry):
    """Thresholds above which unconfirmed cases go to law enforcement (MON п.19-20)."""

    code_prefix: str
    month_mrp: Decimal
    contract_mrp: Decimal
    handover_days: int


@dataclass(frozen=True, slots=True, kw_only=True)
class Sampling(Entry):
    """The share of records an expert reviews, per form of care (per cent)."""

    shares: Mapping[str, Decimal]


def _positive(value: int) -> int:
    if value < 1:
        raise ValueError(f"a number of working days is 1 or more, got {value}")
    return value


def _percent(value: Decimal) -> Decimal:
    if not Decimal(0) <= value <= Decimal(100):
        raise ValueError(f"a share is a per cent 0-100, got {value}")
    return value


class _ClockRow(Row):
    objection_days: Int
    review_days: Int
    second_objection_days: Int
    second_review_days: Int
    central_days: Int

    @field_validator(*CLOCK_STEPS)
    @classmethod
    def _days(cls, value: int) -> int:
        return _positive(value)

    def to_entry(self, series: str, key: str) -> Entry:
        return AppealClock(**self.entry_fields(series), **{step: getattr(self, step) for step in CLOCK_STEPS})


class _DeathReviewRow(Row):
    forms: list[str]
    infant_age_under: Int
    share: Dec

    @field_validator("forms")
    @classmethod
    def _forms(cls, value: list[str]) -> list[str]:
        return unique_members(value, CARE_FORMS, "form of care")

    @field_validator("share")
    @classmethod
    def _share(cls, value: Decimal) -> Decimal:
        return _percent(value)

    def to_entry(self, series: str, key: str) -> Entry:
        return DeathReview(
            **self.entry_fields(series),
            forms=tuple(self.forms),
            infant_age_under=self.infant_age_under,
            share=self.share,
        )


class _EscalationRow(Row):
    code_prefix: str
    month_mrp: Dec
    contract_mrp: Dec
    handover_days: Int

    @field_validator("month_mrp", "contract_mrp")
    @classmethod
    def _mrp(cls, value: Decimal) -> Decimal:
        if value <= 0:
            raise ValueError(f"a threshold in МРП is above 0, got {value}")
        return value

    def to_entry(self, series: str, key: str) -> Entry:
        return Escalation(
            **self.entry_fields(series),
            code_prefix=self.code_prefix,
            month_mrp=self.month_mrp,
            contract_mrp=self.contract_mrp,
            handover_days=_positive(self.handover_days),
        )


class _SamplingRow(Row):
    shares: dict[str, Dec]

    @field_validator("shares")
    @classmethod
    def _shares(cls, value: dict[str, Decimal]) -> dict[str, Decimal]:
        unique_members(list(value), CARE_FORMS, "form of care")
        return {form: _percent(share) for form, share in value.items()}

    def to_entry(self, series: str, key: str) -> Entry:
        return Sampling(**self.entry_fields(series), shares=dict(self.shares))


class MonitoringTopic(Topic):
    series = {
        "monitoring.appeal_clock": SeriesSpec(_ClockRow, "windows"),
        "monitoring.death_clock": SeriesSpec(_ClockRow, "windows"),
        "monitoring.death_review": SeriesSpec(_DeathReviewRow, "windows"),
        "monitoring.escalation": SeriesSpec(_EscalationRow, "windows"),
        "monitoring.sampling": SeriesSpec(_SamplingRow, "windows"),
    }

    def appeal_clock(self, on: date) -> AppealClock | None:
        """The appeal clock in force on ``on`` (None: the rulebook has no appeal)."""
        entry = self.book.find("monitoring.appeal_clock", on)
        return entry if isinstance(entry, AppealClock) else None

    def death_clock(self, on: date) -> AppealClock | None:
        """The clock of a defect found in a death's review (falls back to the appeal clock)."""
        entry = self.book.find("monitoring.death_clock", on)
        return entry if isinstance(entry, AppealClock) else self.appeal_clock(on)

    def death_review(self, on: date) -> DeathReview | None:
        entry = self.book.find("monitoring.death_review", on)
        return entry if isinstance(entry, DeathReview) else None

    def escalation(self, on: date) -> Escalation | None:
        entry = self.book.find("monitoring.escalation", on)
        return entry if isinstance(entry, Escalation) else None

    def sampling(self, on: date) -> Sampling | None:
        entry = self.book.find("monitoring.sampling", on)
        return entry if isinstance(entry, Sampling) else None

    def show(self, on: date) -> dict[str, Any]:
        return {
            "monitoring": {
                key: None if (e := self.book.find(f"monitoring.{key}", on)) is None else e.as_dict()
                for key in ("appeal_clock", "death_clock", "death_review", "escalation", "sampling")
            }
        }

    def print_tables(self, on: date, data: Mapping[str, Any], out: ShowTables) -> None:
        rules = data["monitoring"]
        table = out.table("Monitoring and appeals", "rule", "value", "entry", "verified")
        for key, label in (("appeal_clock", "appeal clock, working days"), ("death_clock", "deaths' appeal clock")):
            entry = rules[key]
            if entry is None:
                out.note(table, label, "not applicable")
            else:
                out.row(table, label, " / ".join(str(entry[step]) for step in CLOCK_STEPS), entry)
        review = rules["death_review"]
        if review is None:
            out.note(table, "deaths reviewed", "not applicable")
        else:
            value = f"{review['share']}% of {', '.join(review['forms'])}; under {review['infant_age_under']} y any"
            out.row(table, "deaths reviewed", value, review)
        escalation = rules["escalation"]
        if escalation is None:
            out.note(table, "escalation", "not applicable")
        else:
            value = f"{escalation['month_mrp']} МРП a month, {escalation['contract_mrp']} МРП a contract"
            out.row(table, "escalation", value, escalation)
        sampling = rules["sampling"]
        if sampling is None:
            out.note(table, "expertise sampling", "not applicable")
        else:
            shares = ", ".join(f"{form} {share}%" for form, share in sampling["shares"].items())
            out.row(table, "expertise sampling", shares, sampling)
        out.print(table)
