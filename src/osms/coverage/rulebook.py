"""The coverage room's rulebook topic: the status parameters (docs/status.md).

Series of ``status.yaml``: ``grace`` (months insured after the last covered month),
``arrears_cap_months``, ``insurance_starts`` (one open entry), ``transitional_insured`` (windows
treating everyone as insured), ``pregnancy_decision_working_days``, ``pregnancy_lookback_months``,
``window_history_months`` and ``window_future_months`` (the months a status check reads).
Accessors: ``book.topic(CoverageTopic).grace(on)``,
``.arrears_cap_months(on)``, ``.insurance_starts()``, ``.transitional_insured(on)``,
``.window_history_months(on)``, ``.window_future_months(on)``; and the register of
pregnant women's ``pregnancy_decision_working_days`` and ``pregnancy_lookback_months``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any, Self, TypeVar

from pydantic import model_validator

from osms.rulebooks.entries import Entry, Int, IntRow, ParameterEntry, Row
from osms.rulebooks.show import ShowTables
from osms.rulebooks.topic import Loaded, Problems, SeriesSpec, Topic

__all__ = ["CoverageTopic", "GraceRule", "history_needed"]

_E = TypeVar("_E", bound=Entry)

#: The months strip of a status (M - 11 .. M, ``Status.last_12``): a check reads back that far at the least.
_STRIP_MONTHS = 12


@dataclass(frozen=True, slots=True, kw_only=True)
class GraceRule(Entry):
    """Months a person stays insured after the last covered month (docs/status.md item 3)."""

    grace_months: int
    grace_months_extended: int | None = None
    extended_requires_covered_months: int | None = None

    def months_for(self, covered_months: int) -> int:
        """Grace for a person whose last ``covered_months`` months (up to P) were all covered."""
        if (
            self.grace_months_extended is not None
            and self.extended_requires_covered_months is not None
            and covered_months >= self.extended_requires_covered_months
        ):
            return self.grace_months_extended
        return self.grace_months

    @property
    def longest(self) -> int:
        """The longest grace this rule gives."""
        return self.grace_months if self.grace_months_extended is None else self.grace_months_extended


def history_needed(grace: GraceRule, arrears_cap_months: int) -> int:
    """How many months before the check month M a status check must read (docs/status.md, "The
    months a check reads") under ``grace`` and the arrears cap:

    - grace on D: the last insured covered month P lies at most ``grace.longest`` months before M,
      and the extended grace asks whether the ``extended_requires_covered_months`` months up to P
      were all covered, so the months back to M - longest - (requires - 1) are read;
    - whether P itself was insured (item 4: a self-payment after a lapse restores nothing while a
      month of the ``arrears_cap_months`` before it is uncovered): back to M - longest - cap;
    - item 4 for M, the arrears (item 5) and the months strip: back to M - cap and M - 11;
    - the transitional windows read only the month checked: no look-back.
    """
    run = 0 if grace.extended_requires_covered_months is None else grace.extended_requires_covered_months - 1
    return max(grace.longest + run, grace.longest + arrears_cap_months, _STRIP_MONTHS - 1)


class _GraceRow(Row):
    grace_months: Int
    grace_months_extended: Int | None = None
    extended_requires_covered_months: Int | None = None

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if self.grace_months < 0:
            raise ValueError(f"grace_months must not be negative, got {self.grace_months}")
        if (self.grace_months_extended is None) != (self.extended_requires_covered_months is None):
            raise ValueError("grace_months_extended and extended_requires_covered_months go together")
        if self.grace_months_extended is not None and self.grace_months_extended <= self.grace_months:
            raise ValueError("grace_months_extended must exceed grace_months")
        if self.extended_requires_covered_months is not None and self.extended_requires_covered_months < 1:
            raise ValueError("extended_requires_covered_months must be at least 1")
        return self

    def to_entry(self, series: str, key: str) -> Entry:
        return GraceRule(
            **self.entry_fields(series),
            grace_months=self.grace_months,
            grace_months_extended=self.grace_months_extended,
            extended_requires_covered_months=self.extended_requires_covered_months,
        )


class CoverageTopic(Topic):
    """The status keys of ``status.yaml``."""

    series = {
        "status.grace": SeriesSpec(_GraceRow, "continuous", True, spans_rulebook=True),
        "status.arrears_cap_months": SeriesSpec(IntRow, "continuous", True, spans_rulebook=True),
        "status.insurance_starts": SeriesSpec(Row, "single", True),
        "status.transitional_insured": SeriesSpec(Row, "windows", needs_valid_to=True),
        "status.pregnancy_decision_working_days": SeriesSpec(IntRow, "continuous", spans_rulebook=True),
        "status.pregnancy_lookback_months": SeriesSpec(IntRow, "continuous", spans_rulebook=True),
        "status.pregnancy_postnatal_days": SeriesSpec(IntRow, "continuous", spans_rulebook=True),
        "status.window_history_months": SeriesSpec(IntRow, "continuous", True, spans_rulebook=True),
        "status.window_future_months": SeriesSpec(IntRow, "continuous", True, spans_rulebook=True),
    }

    @classmethod
    def check(cls, loaded: Loaded, problems: Problems) -> None:
        """The months a status check reads cover what the rulebook's own rules need, over each
        window entry's period: back, :func:`history_needed` under every grace and arrears-cap entry
        in force then; ahead, the ``self_payer_prepay_months`` in force then (a prepaid month
        extends the covered run and so the insured-until date)."""
        graces = [e for e in loaded.entries("status.grace") if isinstance(e, GraceRule)]
        caps = _parameters(loaded, "status.arrears_cap_months")
        for window in _parameters(loaded, "status.window_history_months"):
            for grace in _overlapping(window, graces):
                for cap in _overlapping(window, caps):
                    need = history_needed(grace, cap.value)
                    if window.value < need:
                        problems.add(
                            f"{loaded.where(window)}: {window.id}: {window.value} months back are fewer than "
                            f"the {need} the status rules need ({grace.id}, {cap.id})"
                        )
        for window in _parameters(loaded, "status.window_future_months"):
            for prepay in _overlapping(window, _parameters(loaded, "status.self_payer_prepay_months")):
                if window.value < prepay.value:
                    problems.add(
                        f"{loaded.where(window)}: {window.id}: {window.value} months ahead are fewer than "
                        f"the {prepay.value} a self-payer may prepay ({prepay.id})"
                    )

    def grace(self, on: date) -> GraceRule:
        found = self.book.entry("status.grace", on)
        assert isinstance(found, GraceRule)
        return found

    def arrears_cap_months(self, on: date) -> int:
        return self.book.parameter("status.arrears_cap_months", on)

    def insurance_starts_entry(self) -> Entry:
        return self.book.series("status.insurance_starts")[0]

    def insurance_starts(self) -> date:
        """First day of the insurance package; before it status is "not applicable"."""
        return self.insurance_starts_entry().valid_from

    def transitional_insured(self, on: date) -> Entry | None:
        """The transitional window treating everyone as insured, if ``on`` falls in one."""
        return self.book.optional("status.transitional_insured", on)

    def pregnancy_decision_working_days(self, on: date) -> int:
        """Working days after her entry in the register of pregnant women from which a non-working
        pregnant woman's category starts (docs/status.md, "Non-working pregnant women")."""
        return self.book.parameter("status.pregnancy_decision_working_days", on)

    def pregnancy_lookback_months(self, on: date) -> int:
        """Months before the entry month in which an employer or agent payment refuses the category."""
        return self.book.parameter("status.pregnancy_lookback_months", on)

    def pregnancy_postnatal_days(self, on: date) -> int:
        """Days after the expected delivery on which a non-working pregnant woman's category ends
        (the postnatal part of maternity leave)."""
        return self.book.parameter("status.pregnancy_postnatal_days", on)

    def window_history_months(self, on: date) -> int:
        """Months before the check month a status check on ``on`` reads (its window's start)."""
        return self.book.parameter("status.window_history_months", on)

    def window_future_months(self, on: date) -> int:
        """Months after the check month a status check on ``on`` reads (prepaid months)."""
        return self.book.parameter("status.window_future_months", on)

    def show(self, on: date) -> dict[str, Any]:
        starts = self.insurance_starts_entry()
        transitional = self.transitional_insured(on)
        return {
            "status": {
                "insurance_starts": starts.as_dict(),
                "insurance_in_force": on >= starts.valid_from,
                "transitional_insured": None if transitional is None else transitional.as_dict(),
                "grace": self.grace(on).as_dict(),
                "arrears_cap_months": self.book.entry("status.arrears_cap_months", on).as_dict(),
                "pregnancy_decision_working_days": _optional(
                    self.book.find("status.pregnancy_decision_working_days", on)
                ),
                "pregnancy_lookback_months": _optional(self.book.find("status.pregnancy_lookback_months", on)),
                "pregnancy_postnatal_days": _optional(self.book.find("status.pregnancy_postnatal_days", on)),
                "window_history_months": self.book.entry("status.window_history_months", on).as_dict(),
                "window_future_months": self.book.entry("status.window_future_months", on).as_dict(),
            }
        }

    def print_tables(self, on: date, data: Mapping[str, Any], out: ShowTables) -> None:
        status = data["status"]
        grace = status["grace"]
        grace_text = f"{grace['grace_months']} months"
        if grace["grace_months_extended"] is not None:
            grace_text += (
                f" ({grace['grace_months_extended']} after {grace['extended_requires_covered_months']} covered months)"
            )
        starts = status["insurance_starts"]
        params = out.table("Status", "parameter", "value", "entry", "verified")
        in_force = "" if status["insurance_in_force"] else " (not yet: status not applicable)"
        out.row(params, "insurance package", f"from {starts['valid_from']}{in_force}", starts)
        if status["transitional_insured"] is not None:
            out.row(params, "transitional", "everyone is treated as insured", status["transitional_insured"])
        out.row(params, "grace", grace_text, grace)
        out.row(params, "arrears cap", f"{status['arrears_cap_months']['value']} months", status["arrears_cap_months"])
        back, ahead = status["window_history_months"], status["window_future_months"]
        out.row(params, "a check reads", f"{back['value']} months back", back)
        out.row(params, "a check reads", f"{ahead['value']} months ahead", ahead)
        days, months = status["pregnancy_decision_working_days"], status["pregnancy_lookback_months"]
        if days is not None:
            out.row(
                params, "pregnant, not working: category from", f"working day {days['value']} after the entry", days
            )
        if months is not None:
            out.row(params, "pregnant, not working: employer payments read", f"{months['value']} months back", months)
        postnatal = status["pregnancy_postnatal_days"]
        if postnatal is not None:
            out.row(
                params, "pregnant, not working: category to", f"{postnatal['value']} days after delivery", postnatal
            )
        out.print(params)


def _parameters(loaded: Loaded, series: str) -> list[ParameterEntry]:
    return [e for e in loaded.entries(series) if isinstance(e, ParameterEntry)]


def _overlapping(entry: Entry, others: list[_E]) -> list[_E]:
    """The entries of ``others`` in force on some day of ``entry``'s period."""
    end = entry.valid_to or date.max
    return [o for o in others if o.valid_from <= end and entry.valid_from <= (o.valid_to or date.max)]


def _optional(entry: Entry | None) -> dict[str, Any] | None:
    return None if entry is None else entry.as_dict()
