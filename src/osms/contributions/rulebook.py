"""The contributions' rulebook topic: wages, rates, payment deadlines, and the payment registers'
parameters (docs/calculators.md, docs/payment-registers.md).

Series: ``wages.mw`` and ``wages.amw`` (by calendar year), ``rates.<payer kind>``,
``deadlines.<kind>``, and of ``status.yaml`` the keys ``scheme_start``, ``self_payer_prepay_months``
and ``register_ceiling``. Accessors: ``book.topic(ContributionsTopic).mw(year)``, ``.rate(kind,
on)``, ``.base_amount(kind, on, income)``, ``.deadline(kind, year, month)`` ...
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any, Literal, Self

from pydantic import field_validator, model_validator

from osms.rulebooks.entries import (
    Dec,
    Entry,
    Int,
    IntRow,
    NoRuleInForce,
    Row,
    RulebookError,
    Strict,
    non_empty,
)
from osms.rulebooks.show import ShowTables
from osms.rulebooks.topic import Loaded, Problems, SeriesSpec, Topic

__all__ = [
    "DEADLINE_KINDS",
    "PAYER_KINDS",
    "REGISTER_PAYMENT_KINDS",
    "BaseKind",
    "ContributionsTopic",
    "DeadlineRule",
    "RateAlternative",
    "RateRule",
    "RegisterCeilingRule",
    "WageEntry",
]

PAYER_KINDS: tuple[str, ...] = (
    "employer-deduction",
    "employee-contribution",
    "civil-contract",
    "individual-entrepreneur",
    "self-payer",
    "state",
    "self-employed-special",
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

# The deadlines every rulebook needs: the payroll's (employer) and the status's (a month nobody paid
# for is owed by the person as a self-payer).
_REQUIRED_DEADLINES = frozenset({"employer-deduction", "employer-statement", "self-payer"})

#: The kinds of payment of a payment register (docs/payment-registers.md).
REGISTER_PAYMENT_KINDS: tuple[str, ...] = (
    "employer_deduction",
    "employee_contribution",
    "civil_contract",
    "ie_contribution",
    "self_payment",
    "state_contribution",
)

BaseKind = Literal["income", "mw_multiple", "amw_two_years_earlier"]


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


class _WageRow(Row):
    value: Dec

    @field_validator("value")
    @classmethod
    def _positive(cls, value: Decimal) -> Decimal:
        if value <= 0:
            raise ValueError(f"a wage must be positive, got {value}")
        return value

    def to_entry(self, series: str, key: str) -> Entry:
        return WageEntry(**self.entry_fields(series), value=self.value)


class _RateAlternativeRow(Strict):
    rate: Dec
    source: str
    note: str | None = None

    @field_validator("source")
    @classmethod
    def _source(cls, value: str) -> str:
        return non_empty(value)


class _RateRow(Row):
    rate: Dec | None = None
    base: BaseKind | None = None
    multiplier: Dec | None = None
    cap: Dec | None = None
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
            **self.entry_fields(series),
            payer_kind=key,
            rate=Decimal(0) if self.exempt else (self.rate or Decimal(0)),
            base=self.base,
            multiplier=self.multiplier,
            cap=self.cap,
            exempt=self.exempt,
            alternatives=tuple(RateAlternative(rate=a.rate, source=a.source, note=a.note) for a in self.alternatives),
        )


class _RegisterCeilingRow(Row):
    months: Int
    mw: dict[str, Dec]
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
        return RegisterCeilingRule(
            **self.entry_fields(series), months=self.months, mw=dict(self.mw), mapping=self.mapping
        )


class _DeadlineRow(Row):
    months_after: Int
    day: Int

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if self.months_after < 0:
            raise ValueError(f"months_after must not be negative, got {self.months_after}")
        if not 1 <= self.day <= 28:
            raise ValueError(f"day must be 1..28 (a day every month has), got {self.day}")
        return self

    def to_entry(self, series: str, key: str) -> Entry:
        return DeadlineRule(**self.entry_fields(series), kind=key, months_after=self.months_after, day=self.day)


class ContributionsTopic(Topic):
    """``wages.yaml``, ``rates.yaml``, ``deadlines.yaml`` and the registers' keys of ``status.yaml``."""

    series = {
        "wages.mw": SeriesSpec(_WageRow, "continuous", True, spans_rulebook=True, year_aligned=True),
        "wages.amw": SeriesSpec(_WageRow, "continuous", True, year_aligned=True, needs_valid_to=True, carried=False),
        **{f"rates.{kind}": SeriesSpec(_RateRow, "continuous", missing="rate for {key}") for kind in PAYER_KINDS},
        **{
            f"deadlines.{kind}": SeriesSpec(
                _DeadlineRow,
                "continuous",
                kind in _REQUIRED_DEADLINES,
                spans_rulebook=kind in _REQUIRED_DEADLINES,
            )
            for kind in DEADLINE_KINDS
        },
        "status.self_payer_prepay_months": SeriesSpec(IntRow, "continuous", True, spans_rulebook=True),
        "status.scheme_start": SeriesSpec(Row, "single"),
        "status.register_ceiling": SeriesSpec(_RegisterCeilingRow, "continuous"),
    }

    @classmethod
    def check(cls, loaded: Loaded, problems: Problems) -> None:
        """Every year of a rate on base ``amw_two_years_earlier`` needs the AMW of year − 2."""
        amw_years = {
            year
            for entry in loaded.entries("wages.amw")
            for year in range(entry.valid_from.year, (entry.valid_to or entry.valid_from).year + 1)
        }
        for name, entries in loaded.series.items():
            if not name.startswith("rates."):
                continue
            for entry in entries:
                if not isinstance(entry, RateRule) or entry.base != "amw_two_years_earlier" or entry.exempt:
                    continue
                first = max(entry.valid_from, loaded.covers_from)
                last = min(entry.valid_to or loaded.covers_to, loaded.covers_to)
                years = range(first.year, last.year + 1) if first <= last else range(0)
                for year in years:
                    if year - 2 not in amw_years:
                        problems.add(
                            f"{loaded.where(entry)}: {entry.id}: needs the AMW of {year - 2} "
                            f"(two years before {year}), which {loaded.file('wages')} does not have"
                        )

    # -- wages -----------------------------------------------------------------------------

    def mw_entry(self, year_or_date: int | date) -> WageEntry:
        """Minimum monthly wage entry of a year, or in force on a date."""
        if isinstance(year_or_date, date):
            found = self.book.entry("wages.mw", year_or_date)
        else:
            found = self.book.year_entry("wages.mw", year_or_date, "MW")
        assert isinstance(found, WageEntry)
        return found

    def mw(self, year_or_date: int | date) -> Decimal:
        """Minimum monthly wage (MW) in tenge, for a year or a date."""
        return self.mw_entry(year_or_date).value

    def amw_entry(self, year: int) -> WageEntry:
        """Average monthly wage entry of a calendar year (the year the wage was earned)."""
        found = self.book.year_entry("wages.amw", year, "AMW")
        assert isinstance(found, WageEntry)
        return found

    def amw(self, year: int) -> Decimal:
        """Average monthly wage (AMW) of ``year`` in tenge (state contributions use year − 2)."""
        return self.amw_entry(year).value

    def state_base_year(self, on: date) -> int:
        """The year whose AMW is the base of an ``amw_two_years_earlier`` rate on ``on``: two years
        before ``on``'s year; after the horizon, two years before the horizon's (carried forward)."""
        return self.book.as_of(on).year - 2

    # -- rates -----------------------------------------------------------------------------

    def payer_kinds(self) -> list[str]:
        """Payer kinds this rulebook has rates for, in the canonical order."""
        return [kind for kind in PAYER_KINDS if self.book.series(f"rates.{kind}")]

    def rate(self, payer_kind: str, on: date) -> RateRule:
        """The rate rule for ``payer_kind`` in force on ``on``.

        An exempt period returns a rule with ``exempt=True`` and rate 0 (it is the rule
        applied). Raises ``NoRuleInForce`` ("no rate for individual-entrepreneur before
        2018-01-01 (rulebook kz-law)") when no entry applies.
        """
        if payer_kind not in PAYER_KINDS:
            raise RulebookError(f"unknown payer kind {payer_kind!r} (known: {', '.join(PAYER_KINDS)})")
        found = self.book.entry(f"rates.{payer_kind}", on)
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

    # -- deadlines (docs/calculators.md) -----------------------------------------------------------

    def deadline(self, kind: str, year: int, month: int) -> DeadlineRule:
        """The deadline rule of ``kind`` for the month ``year``-``month``: the entry in force on
        the month's first day, else the nearest entry (a month before the first entry takes the
        first, after the last the last), so that a status can date any month it reads. Raises
        ``NoRuleInForce`` when the rulebook has no deadline for ``kind``."""
        if kind not in DEADLINE_KINDS:
            raise RulebookError(f"unknown deadline kind {kind!r} (known: {', '.join(DEADLINE_KINDS)})")
        series = f"deadlines.{kind}"
        entries = self.book.series(series)
        if not entries:
            raise NoRuleInForce(f"no deadline for {kind} in this rulebook (rulebook {self.book.name})")
        day = date(year, month, 1)
        found = self.book.find(series, day) or (entries[0] if day < entries[0].valid_from else entries[-1])
        assert isinstance(found, DeadlineRule)
        return found

    # -- payment registers (docs/payment-registers.md) ---------------------------------------------

    def self_payer_prepay_months(self, on: date) -> int:
        """How many future months a self-payer may pay in advance on ``on`` (0: none)."""
        return self.book.parameter("status.self_payer_prepay_months", on)

    def scheme_start(self) -> date:
        """The first day contributions exist (``status.scheme_start``; else the rulebook's start)."""
        entries = self.book.series("status.scheme_start")
        return entries[0].valid_from if entries else self.book.covers_from

    def register_ceiling(self, kind: str, period_start: date) -> Decimal | None:
        """The largest amount (tenge) a payment-register row of ``kind`` may carry for the period
        starting on ``period_start``: ``mw[kind]`` × ``months`` × the MW of the period's year (past the
        last known year, the last MW). None when the rulebook sets no ceiling."""
        rule = self.book.latest("status.register_ceiling", period_start)
        mw = self.book.latest("wages.mw", period_start)
        if rule is None or mw is None:
            return None
        assert isinstance(rule, RegisterCeilingRule) and isinstance(mw, WageEntry)
        return (rule.mw[kind] * rule.months * mw.value).quantize(Decimal("0.01"))

    # -- osms rulebook show --------------------------------------------------------------------

    def show(self, on: date) -> dict[str, Any]:
        rates: dict[str, Any] = {}
        not_in_force: dict[str, str] = {}
        amw_for_state: dict[str, Any] | None = None
        for kind in self.payer_kinds():
            try:
                rule = self.rate(kind, on)
            except NoRuleInForce as exc:
                rates[kind] = None
                not_in_force[kind] = exc.message
                continue
            rates[kind] = rule.as_dict()
            if kind == "state" and rule.base == "amw_two_years_earlier" and not rule.exempt:
                year = self.state_base_year(on)
                amw_for_state = {"year": year} | self.amw_entry(year).as_dict()
        ceiling = self.book.find("status.register_ceiling", on)
        return {
            "mw": self.mw_entry(on).as_dict(),
            "amw_for_state": amw_for_state,
            "rates": rates,
            "rates_not_in_force": not_in_force,
            "status": {
                "self_payer_prepay_months": self.book.entry("status.self_payer_prepay_months", on).as_dict(),
                "register_ceiling": None if ceiling is None else ceiling.as_dict(),
            },
            "deadlines": {
                kind: self.deadline(kind, on.year, on.month).as_dict()
                for kind in DEADLINE_KINDS
                if self.book.series(f"deadlines.{kind}")
            },
        }

    def print_tables(self, on: date, data: Mapping[str, Any], out: ShowTables) -> None:
        wages = out.table("Wages (tenge)", "figure", "value", "entry", "verified")
        out.row(wages, "MW", data["mw"]["value"], data["mw"])
        amw = data["amw_for_state"]
        if amw is not None:
            out.row(wages, f"AMW {amw['year']} (base of the state's contribution)", amw["value"], amw)
        out.print(wages)

        rates = out.table("Rates by payer kind", "payer kind", "rule", "entry", "verified")
        for kind, rule in data["rates"].items():
            if rule is None:
                out.note(rates, kind, data["rates_not_in_force"][kind])
            else:
                out.row(rates, kind, self.rate(kind, on).describe(), rule)
        out.print(rates)

        deadlines = out.table("Payment deadlines (for the month of the date)", "payer kind", "due", "entry", "verified")
        for kind, rule in data["deadlines"].items():
            after = "the same month" if rule["months_after"] == 0 else f"{rule['months_after']} month(s) later"
            out.row(deadlines, kind, f"day {rule['day']}, {after}", rule)
        out.print(deadlines)

        status = data["status"]
        registers = out.table("Payments", "parameter", "value", "entry", "verified")
        prepay = status["self_payer_prepay_months"]
        prepay_text = f"up to {prepay['value']} months" if prepay["value"] else "none (month by month)"
        out.row(registers, "self-payer prepayment", prepay_text, prepay)
        ceiling = status["register_ceiling"]
        if ceiling is not None:
            most = ", ".join(f"{kind} {mw}" for kind, mw in ceiling["mw"].items())
            out.row(registers, "largest register row (MW)", f"{ceiling['months']} months x: {most}", ceiling)
        out.print(registers)
