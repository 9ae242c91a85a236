"""The providers room's rulebook topic: the procurement rules of stage 1 and stage 2
(docs/providers.md, "Procurement rules").

Series of ``procurement.yaml``:

- ``mrp``: the monthly calculation index (МРП) in tenge, one entry per calendar year;
- ``requirements``: the grounds of non-admission the rulebook applies (``codes``, closed list
  ``REQUIREMENT_CODES``);
- ``tax_arrears_tolerance``: arrears tolerated, in МРП of the year (``mrp``) or in tenge
  (``tenge``);
- ``phc_min_population``: the least population a PHC provider serves (``population``), for the
  care types ``care_types``, waived for the only PHC of its settlement when
  ``unless_only_in_settlement`` (windows: none in force, no minimum);
- ``preferences``: the preference codes (``codes``) and the years of continuous experience
  (``experience_years``);
- ``exclusion_lookback_years``: how far back a termination excludes;
- ``contract_max_years``: the longest term of a contract, in years (windows: none in force, no limit);
- ``correction``: how many corrections of a rejected application (``corrections``) within how
  many working days (``working_days``);
- ``application_window``: the last day of the year before the procurement year an announcement is
  published by (``announcement_by``, ``MM-DD``) and the months applications run (``months``);
  without ``months`` the announcement's own closing date ends the window;
- ``commission``: odd membership, the quorum (``quorum``, a fraction ``2/3``), simple majority,
  the chair's casting vote on a tie;
- ``stage2_criteria``: the stage-2 criteria with weights (windows; ``kz-law`` has none).

Accessors: ``book.topic(ProvidersTopic).mrp(year)``, ``.arrears_limit(on)``, ``.requirements(on)``...
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction
from typing import Any, Final, Self

from pydantic import field_validator, model_validator

from osms.rulebooks.entries import Dec, Entry, Int, IntRow, ParameterEntry, Row, Strict, unique_members
from osms.rulebooks.show import ShowTables
from osms.rulebooks.topic import Loaded, Problems, SeriesSpec, Topic

__all__ = [
    "PREFERENCE_CODES",
    "REQUIREMENT_CODES",
    "STAGE2_CRITERIA",
    "TERMINATION_KINDS",
    "ArrearsTolerance",
    "CommissionRule",
    "CorrectionRule",
    "Criterion",
    "CriteriaRule",
    "MrpEntry",
    "PhcMinimum",
    "PreferenceRule",
    "ProvidersTopic",
    "RequirementsRule",
    "WindowRule",
]

#: The grounds of non-admission a rulebook may list (each is a reason code of stage 1).
REQUIREMENT_CODES: Final = (
    "no_licence",
    "in_liquidation",
    "bankrupt",
    "activity_suspended",
    "tax_arrears",
    "founder_fund_employee",
    "founder_relative_of_fund_employee",
    "terminated_nonperformance_3y",
    "terminated_own_initiative_3y",
    "late_application",
    "phc_population_below_minimum",
    "no_capacity",
    "false_information",
)
#: The preference (priority) codes a rulebook may list.
PREFERENCE_CODES: Final = ("accredited", "experience_3y", "own_is")
#: The kinds of termination of a contract (``agreement`` excludes no one).
TERMINATION_KINDS: Final = ("nonperformance", "provider_initiative", "agreement")
#: The stage-2 criteria of the seeds (seed 004, "Business processes").
STAGE2_CRITERIA: Final = (
    "experience",
    "specialised_units_beds",
    "population_shifts",
    "mortality",
    "justified_complaints",
    "past_contract_performance",
    "attached_population",
)
#: What each requirement needs besides the register's facts: the series of its figure.
_NEEDS: Final[Mapping[str, str]] = {
    "tax_arrears": "procurement.tax_arrears_tolerance",
    "terminated_nonperformance_3y": "procurement.exclusion_lookback_years",
    "terminated_own_initiative_3y": "procurement.exclusion_lookback_years",
    "late_application": "procurement.application_window",
}
_MONTH_DAY_RE = re.compile(r"^(\d{2})-(\d{2})$")
_FRACTION_RE = re.compile(r"^(\d+)/(\d+)$")


# --------------------------------------------------------------------------------------------
# Entries


@dataclass(frozen=True, slots=True, kw_only=True)
class MrpEntry(Entry):
    """The monthly calculation index (МРП) of a year, in tenge."""

    value: Decimal


@dataclass(frozen=True, slots=True, kw_only=True)
class RequirementsRule(Entry):
    """The grounds of non-admission in force (reason codes of stage 1)."""

    codes: tuple[str, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class ArrearsTolerance(Entry):
    """Arrears tolerated: ``mrp`` МРП of the year, or ``tenge`` (exactly one is set)."""

    mrp: int | None = None
    tenge: Decimal | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class PhcMinimum(Entry):
    """The least population a provider of ``care_types`` must serve."""

    population: int
    care_types: tuple[str, ...]
    unless_only_in_settlement: bool


@dataclass(frozen=True, slots=True, kw_only=True)
class PreferenceRule(Entry):
    """The preference codes in force and the years of continuous experience ``experience_3y`` needs."""

    codes: tuple[str, ...]
    experience_years: int


@dataclass(frozen=True, slots=True, kw_only=True)
class CorrectionRule(Entry):
    """A rejected application may be corrected ``corrections`` times, each within ``working_days``."""

    corrections: int
    working_days: int


@dataclass(frozen=True, slots=True, kw_only=True)
class WindowRule(Entry):
    """When announcements are published and how long applications run."""

    announcement_by: str | None = None
    months: int | None = None

    def closes(self, opens: date, announced_closes: date) -> date:
        """The last day applications are accepted: ``months`` months from ``opens`` (the day before
        the same day ``months`` later), or the announcement's own closing day."""
        if self.months is None:
            return announced_closes
        index = opens.year * 12 + opens.month - 1 + self.months
        year, month = divmod(index, 12)
        try:
            return date(year, month + 1, opens.day) - timedelta(days=1)
        except ValueError:  # from 31 January: February has no 31st, the window ends with it
            return date(year, month + 1, calendar.monthrange(year, month + 1)[1])

    def announcement_deadline(self, procurement_year: int) -> date | None:
        """The last day to announce the procurement of ``procurement_year`` (in the year before)."""
        if self.announcement_by is None:
            return None
        month, day = _month_day(self.announcement_by)
        return date(procurement_year - 1, month, day)


@dataclass(frozen=True, slots=True, kw_only=True)
class CommissionRule(Entry):
    """How the commission decides (odd membership, quorum, majority, the chair's casting vote)."""

    odd_membership: bool
    quorum: str
    chair_decides_tie: bool

    @property
    def quorum_fraction(self) -> Fraction:
        return _fraction(self.quorum)

    def membership_ok(self, members: int) -> bool:
        """True if a commission of ``members`` may sit (at least one; odd when the rule says so)."""
        return members >= 1 and (not self.odd_membership or members % 2 == 1)

    def quorum_met(self, members: int, present: int) -> bool:
        """True if ``present`` of ``members`` make the quorum (at least the fraction of members)."""
        return 0 < present <= members and Fraction(present, members) >= self.quorum_fraction

    def carried(self, votes_for: int, votes_against: int, chair_for: bool | None) -> bool:
        """A simple majority of the votes cast; on a tie the chair's vote decides (``chair_for``),
        else the proposal fails."""
        if votes_for != votes_against:
            return votes_for > votes_against
        return bool(self.chair_decides_tie and chair_for)


@dataclass(frozen=True, slots=True, kw_only=True)
class Criterion:
    code: str
    weight: Decimal


@dataclass(frozen=True, slots=True, kw_only=True)
class CriteriaRule(Entry):
    """The stage-2 criteria and their weights."""

    criteria: tuple[Criterion, ...]


# --------------------------------------------------------------------------------------------
# Row models


def _month_day(value: str) -> tuple[int, int]:
    match = _MONTH_DAY_RE.match(value)
    if match is None:
        raise ValueError(f"bad day of year {value!r}: expected MM-DD")
    month, day = int(match.group(1)), int(match.group(2))
    try:
        date(2001, month, day)  # not a leap year: 29 February is refused
    except ValueError:
        raise ValueError(f"bad day of year {value!r}: no such day in every year") from None
    return month, day


def _fraction(value: str) -> Fraction:
    match = _FRACTION_RE.match(value.strip())
    if match is None or int(match.group(2)) == 0:
        raise ValueError(f"bad fraction {value!r}: expected e.g. 2/3")
    result = Fraction(int(match.group(1)), int(match.group(2)))
    if not 0 < result <= 1:
        raise ValueError(f"bad fraction {value!r}: must be above 0 and at most 1")
    return result


class _MrpRow(Row):
    value: Dec

    @field_validator("value")
    @classmethod
    def _positive(cls, value: Decimal) -> Decimal:
        if value <= 0:
            raise ValueError(f"the МРП must be positive, got {value}")
        return value

    def to_entry(self, series: str, key: str) -> Entry:
        return MrpEntry(**self.entry_fields(series), value=self.value)


class _RequirementsRow(Row):
    codes: list[str]

    @field_validator("codes")
    @classmethod
    def _known(cls, value: list[str]) -> list[str]:
        return unique_members(value, REQUIREMENT_CODES, "requirement")

    def to_entry(self, series: str, key: str) -> Entry:
        return RequirementsRule(**self.entry_fields(series), codes=tuple(self.codes))


class _ToleranceRow(Row):
    mrp: Int | None = None
    tenge: Dec | None = None

    @model_validator(mode="after")
    def _one(self) -> Self:
        if (self.mrp is None) == (self.tenge is None):
            raise ValueError("give exactly one of mrp and tenge")
        if (self.mrp is not None and self.mrp < 0) or (self.tenge is not None and self.tenge < 0):
            raise ValueError("the tolerance must not be negative")
        return self

    def to_entry(self, series: str, key: str) -> Entry:
        return ArrearsTolerance(**self.entry_fields(series), mrp=self.mrp, tenge=self.tenge)


class _PhcRow(Row):
    population: Int
    care_types: list[str]
    unless_only_in_settlement: bool

    @field_validator("population")
    @classmethod
    def _positive(cls, value: int) -> int:
        if value < 1:
            raise ValueError(f"population must be at least 1, got {value}")
        return value

    @field_validator("care_types")
    @classmethod
    def _some(cls, value: list[str]) -> list[str]:
        if not value or any(not v.strip() for v in value):
            raise ValueError("care_types must name at least one care type")
        return value

    def to_entry(self, series: str, key: str) -> Entry:
        return PhcMinimum(
            **self.entry_fields(series),
            population=self.population,
            care_types=tuple(self.care_types),
            unless_only_in_settlement=self.unless_only_in_settlement,
        )


class _PreferenceRow(Row):
    codes: list[str]
    experience_years: Int

    @field_validator("codes")
    @classmethod
    def _known(cls, value: list[str]) -> list[str]:
        return unique_members(value, PREFERENCE_CODES, "preference")

    @field_validator("experience_years")
    @classmethod
    def _positive(cls, value: int) -> int:
        if value < 1:
            raise ValueError(f"experience_years must be at least 1, got {value}")
        return value

    def to_entry(self, series: str, key: str) -> Entry:
        return PreferenceRule(
            **self.entry_fields(series), codes=tuple(self.codes), experience_years=self.experience_years
        )


class _CorrectionRow(Row):
    corrections: Int
    working_days: Int

    @model_validator(mode="after")
    def _positive(self) -> Self:
        if self.corrections < 0 or self.working_days < 1:
            raise ValueError("corrections must not be negative and working_days must be at least 1")
        return self

    def to_entry(self, series: str, key: str) -> Entry:
        return CorrectionRule(**self.entry_fields(series), corrections=self.corrections, working_days=self.working_days)


class _WindowRow(Row):
    announcement_by: str | None = None
    months: Int | None = None

    @field_validator("announcement_by")
    @classmethod
    def _day(cls, value: str | None) -> str | None:
        if value is not None:
            _month_day(value)
        return value

    @field_validator("months")
    @classmethod
    def _positive(cls, value: int | None) -> int | None:
        if value is not None and value < 1:
            raise ValueError(f"months must be at least 1, got {value}")
        return value

    def to_entry(self, series: str, key: str) -> Entry:
        return WindowRule(**self.entry_fields(series), announcement_by=self.announcement_by, months=self.months)


class _CommissionRow(Row):
    odd_membership: bool
    quorum: str
    chair_decides_tie: bool

    @field_validator("quorum")
    @classmethod
    def _quorum(cls, value: str) -> str:
        _fraction(value)
        return value

    def to_entry(self, series: str, key: str) -> Entry:
        return CommissionRule(
            **self.entry_fields(series),
            odd_membership=self.odd_membership,
            quorum=self.quorum,
            chair_decides_tie=self.chair_decides_tie,
        )


class _CriterionRow(Strict):
    code: str
    weight: Dec


class _CriteriaRow(Row):
    criteria: list[_CriterionRow]

    @field_validator("criteria")
    @classmethod
    def _known(cls, value: list[_CriterionRow]) -> list[_CriterionRow]:
        unique_members([c.code for c in value], STAGE2_CRITERIA, "criterion")
        if any(c.weight <= 0 for c in value):
            raise ValueError("every criterion's weight must be positive")
        return value

    def to_entry(self, series: str, key: str) -> Entry:
        return CriteriaRule(
            **self.entry_fields(series),
            criteria=tuple(Criterion(code=c.code, weight=c.weight) for c in self.criteria),
        )


# --------------------------------------------------------------------------------------------
# The topic


class ProvidersTopic(Topic):
    """The procurement keys of ``procurement.yaml``."""

    series = {
        "procurement.mrp": SeriesSpec(_MrpRow, "continuous", year_aligned=True, missing="МРП"),
        "procurement.requirements": SeriesSpec(_RequirementsRow, "continuous", missing="procurement requirements"),
        "procurement.tax_arrears_tolerance": SeriesSpec(_ToleranceRow, "continuous", missing="tax arrears tolerance"),
        "procurement.phc_min_population": SeriesSpec(_PhcRow, "windows"),
        "procurement.preferences": SeriesSpec(_PreferenceRow, "continuous", missing="procurement preferences"),
        "procurement.exclusion_lookback_years": SeriesSpec(IntRow, "continuous", missing="exclusion look-back"),
        "procurement.correction": SeriesSpec(_CorrectionRow, "continuous", missing="correction rule"),
        "procurement.application_window": SeriesSpec(_WindowRow, "continuous", missing="application window"),
        "procurement.commission": SeriesSpec(_CommissionRow, "continuous", missing="commission rule"),
        "procurement.stage2_criteria": SeriesSpec(_CriteriaRow, "windows"),
        "procurement.contract_max_years": SeriesSpec(IntRow, "windows"),
    }

    @classmethod
    def check(cls, loaded: Loaded, problems: Problems) -> None:
        """A requirement needing a figure has it when the requirement starts; a tolerance in МРП
        has the МРП of every year it is in force up to the horizon."""
        for entry in loaded.entries("procurement.requirements"):
            assert isinstance(entry, RequirementsRule)
            for code in entry.codes:
                needed = _NEEDS.get(code)
                if needed is not None and not any(e.applies_on(entry.valid_from) for e in loaded.entries(needed)):
                    problems.add(f"{loaded.where(entry)}: {entry.id}: {code} needs {needed} in force")
        mrp_years = {
            year
            for e in loaded.entries("procurement.mrp")
            for year in range(e.valid_from.year, (e.valid_to or loaded.covers_to).year + 1)
        }
        for entry in loaded.entries("procurement.tax_arrears_tolerance"):
            assert isinstance(entry, ArrearsTolerance)
            if entry.mrp is None:
                continue
            last = min(entry.valid_to or loaded.covers_to, loaded.covers_to)
            for year in range(entry.valid_from.year, last.year + 1):
                if year not in mrp_years:
                    problems.add(f"{loaded.where(entry)}: {entry.id}: needs the МРП of {year}")

    # -- accessors ---------------------------------------------------------------------------

    def mrp_entry(self, on: date) -> MrpEntry:
        """The МРП entry of the year of ``on``."""
        found = self.book.entry("procurement.mrp", on)
        assert isinstance(found, MrpEntry)
        return found

    def mrp(self, on: date) -> Decimal:
        return self.mrp_entry(on).value

    def requirements(self, on: date) -> RequirementsRule:
        found = self.book.entry("procurement.requirements", on)
        assert isinstance(found, RequirementsRule)
        return found

    def tax_arrears_tolerance(self, on: date) -> ArrearsTolerance:
        found = self.book.entry("procurement.tax_arrears_tolerance", on)
        assert isinstance(found, ArrearsTolerance)
        return found

    def arrears_limit(self, on: date) -> tuple[Decimal, tuple[str, ...]]:
        """The largest tax arrears tolerated on ``on`` in tenge, and the entries it comes from."""
        rule = self.tax_arrears_tolerance(on)
        if rule.mrp is None:
            assert rule.tenge is not None
            return rule.tenge, (rule.id,)
        mrp = self.mrp_entry(on)
        return rule.mrp * mrp.value, (rule.id, mrp.id)

    def phc_minimum(self, on: date) -> PhcMinimum | None:
        found = self.book.optional("procurement.phc_min_population", on)
        assert found is None or isinstance(found, PhcMinimum)
        return found

    def preferences(self, on: date) -> PreferenceRule:
        found = self.book.entry("procurement.preferences", on)
        assert isinstance(found, PreferenceRule)
        return found

    def exclusion_lookback(self, on: date) -> ParameterEntry:
        """The look-back of the termination exclusions: its ``value`` in years."""
        found = self.book.entry("procurement.exclusion_lookback_years", on)
        assert isinstance(found, ParameterEntry)
        return found

    def contract_max_years(self, on: date) -> ParameterEntry | None:
        """The longest term of a contract starting on ``on`` (its ``value`` in years); None: no limit."""
        found = self.book.optional("procurement.contract_max_years", on)
        assert found is None or isinstance(found, ParameterEntry)
        return found

    def correction(self, on: date) -> CorrectionRule:
        found = self.book.entry("procurement.correction", on)
        assert isinstance(found, CorrectionRule)
        return found

    def application_window(self, on: date) -> WindowRule:
        found = self.book.entry("procurement.application_window", on)
        assert isinstance(found, WindowRule)
        return found

    def commission(self, on: date) -> CommissionRule:
        found = self.book.entry("procurement.commission", on)
        assert isinstance(found, CommissionRule)
        return found

    def stage2_criteria(self, on: date) -> CriteriaRule | None:
        found = self.book.optional("procurement.stage2_criteria", on)
        assert found is None or isinstance(found, CriteriaRule)
        return found

    # -- osms rulebook show ------------------------------------------------------------------

    def show(self, on: date) -> dict[str, Any]:
        return {
            "procurement": {
                name.partition(".")[2]: None if (e := self.book.find(name, on)) is None else e.as_dict()
                for name in self.series
            }
        }

    def print_tables(self, on: date, data: Mapping[str, Any], out: ShowTables) -> None:
        rules = data["procurement"]
        table = out.table("Procurement", "rule", "value", "entry", "verified")
        if rules["requirements"] is None:
            out.note(table, "procurement rules", "none in force on this day")
            out.print(table)
            return
        for key, label, describe in _SHOWN:
            entry = rules[key]
            if entry is None:
                out.note(table, label, "none")
            else:
                out.row(table, label, describe(entry), entry)
        out.print(table)


def _tolerance_text(entry: Mapping[str, Any]) -> str:
    return f"{entry['mrp']} МРП" if entry["mrp"] is not None else f"{entry['tenge']} tenge"


def _window_text(entry: Mapping[str, Any]) -> str:
    by = f"announced by {entry['announcement_by']}; " if entry["announcement_by"] else ""
    months = f"{entry['months']} month(s) from opening" if entry["months"] else "the announcement's own dates"
    return by + months


def _commission_text(entry: Mapping[str, Any]) -> str:
    odd = "odd membership, " if entry["odd_membership"] else ""
    tie = ", the chair decides a tie" if entry["chair_decides_tie"] else ""
    return f"{odd}quorum {entry['quorum']}, simple majority{tie}"


_SHOWN = (
    ("mrp", "МРП (tenge)", lambda e: str(e["value"])),
    ("requirements", "grounds of non-admission", lambda e: ", ".join(e["codes"])),
    ("tax_arrears_tolerance", "tax arrears tolerated", _tolerance_text),
    (
        "phc_min_population",
        "PHC least population",
        lambda e: (
            f"{e['population']} ({', '.join(e['care_types'])})"
            + (", unless the only PHC in its settlement" if e["unless_only_in_settlement"] else "")
        ),
    ),
    ("preferences", "preference", lambda e: f"{', '.join(e['codes'])}; experience {e['experience_years']} years"),
    ("exclusion_lookback_years", "terminations exclude for", lambda e: f"{e['value']} years"),
    ("contract_max_years", "a contract runs at most", lambda e: f"{e['value']} years"),
    ("correction", "correction", lambda e: f"{e['corrections']} within {e['working_days']} working days"),
    ("application_window", "applications", _window_text),
    ("commission", "commission", _commission_text),
    (
        "stage2_criteria",
        "stage-2 criteria",
        lambda e: ", ".join(f"{c['code']} {c['weight']}" for c in e["criteria"]),
    ),
)
