"""Contribution and deduction calculators (docs/calculators.md): pure functions, no I/O, no framework.

Every figure comes from a rulebook (its topic ``osms.contributions.rulebook``); this module holds the formula:

    amount = round_half_up_to_0.01(rate × base)
    base   = min(income, cap × MW)         for an income base (no ``min`` when uncapped)
           = multiplier × MW               for ``mw_multiple`` (IE, self-payer)
           = AMW of the year two years earlier   for ``amw_two_years_earlier`` (state)

with MW the minimum monthly wage of the period's year, and the rule the one in force on the
first day of the period (rates change on the 1st of a month). Rounding is half-up to 0.01
tenge after the cap (docs/calculators.md).

Also here: the employer's deadlines for a period (docs/calculators.md) and the test of a payroll
employee against their state-paid category memberships (docs/calculators.md, docs/status.md), so that the
payroll use case (``osms.contributions.payroll``) only loads data and assembles answers.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal
from typing import Any, Final

from osms.contributions.rulebook import PAYER_KINDS, ContributionsTopic, RateRule, WageEntry
from osms.core.errors import OsmsError
from osms.core.money import CENT, format_money, parse_money, round_money
from osms.core.periods import Month
from osms.registry.rulebook import CategoryRule
from osms.rulebooks.horizon import NOT_PROVISIONAL, Horizon, horizon_of
from osms.rulebooks.loader import (
    DateOutsideRulebook,
    Entry,
    NoRuleInForce,
    Rulebook,
    RulebookError,
    UnknownRulebook,
    load_rulebook,
)

__all__ = [
    "CALC_PAYER_KINDS",
    "MAX_INCOME",
    "NON_WORKING_CATEGORIES",
    "CalcError",
    "Calculation",
    "CategoryHit",
    "Deadlines",
    "EmployeeCharges",
    "Membership",
    "calculate",
    "compute",
    "contribution_amount",
    "deadlines",
    "employee_charges",
    "format_rate",
    "open_rulebook",
    "parse_income",
    "parse_period",
    "state_paid_hits",
]

# The payer kinds a calculator answers for (docs/calculators.md; the rulebook says which it has).
CALC_PAYER_KINDS: Final[tuple[str, ...]] = PAYER_KINDS

# A sanity bound on one month's income, not a rule of law: 1 trillion tenge. It keeps every
# product exact within Decimal's default 28 digits and refuses typos such as "1e30".
MAX_INCOME: Final = Decimal("1000000000000.00")

# State-paid categories whose definition (docs/status.md) is "non-working ...": a person on a
# payroll who is in one of them is still excluded for the month (the register is the truth and
# the state pays for that month), but the exclusion carries a warning so that the employer can
# have a stale membership ended in the source register.
NON_WORKING_CATEGORIES: Final[frozenset[str]] = frozenset(
    {
        "pregnant_nonworking",
        "parent_child_under_3",
        "unemployed_registered",
        "social_assistance",
        "kandas_nonworking",
        "carer_disabled_child",
        "house_arrest",
    }
)


# --------------------------------------------------------------------------------------------
# Errors: one class, stable codes (422 in the API, exit code 2 on the command line)


class CalcError(OsmsError):
    """A calculation that cannot be made, with a stable ``code``:

    ``unknown_rulebook``, ``unknown_payer_kind``, ``bad_period``, ``period_outside_rulebook``,
    ``no_rule`` (the payer kind did not exist yet), ``exempt_period``, ``income_required``,
    ``bad_income``.
    """

    status = 422
    code = "calc_error"


def open_rulebook(name: str) -> Rulebook:
    """``load_rulebook`` with the calculator's error code (``unknown_rulebook``)."""
    try:
        return load_rulebook(name)
    except UnknownRulebook as exc:
        raise CalcError(exc.message, code="unknown_rulebook") from None


def parse_period(text: str) -> Month:
    """``YYYY-MM`` as a ``Month``; ``CalcError(bad_period)`` otherwise."""
    try:
        return Month.parse(text)
    except ValueError as exc:
        raise CalcError(str(exc), code="bad_period") from None


def parse_income(value: str | Decimal | int | None) -> Decimal | None:
    """An income in tenge: at most 2 decimals, 0 <= income <= ``MAX_INCOME``.

    Text may use a decimal comma and spaces ("1 234,50"). ``None`` or blank text is ``None``.
    Raises ``CalcError(bad_income)`` naming the problem.
    """
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, str | Decimal | int):
        raise CalcError(f"income must be an amount in tenge, got {value!r}", code="bad_income")
    shown = value.strip() if isinstance(value, str) else str(value)
    if isinstance(value, str):
        if not shown:
            return None
        try:
            amount = parse_money(shown)
        except ValueError:
            raise CalcError(
                f"income must be an amount in tenge with at most 2 decimals, e.g. 300000.00; got {shown!r}",
                code="bad_income",
            ) from None
        except ArithmeticError:  # too many digits to hold to the tiyn
            raise CalcError(
                f"income {shown!r} is above the sanity limit of {format_money(MAX_INCOME)} tenge a month",
                code="bad_income",
            ) from None
    else:
        amount = Decimal(value)
        if not amount.is_finite():
            raise CalcError(f"income must be a finite amount, got {shown!r}", code="bad_income")
    if amount < 0:
        raise CalcError(f"income must not be negative, got {shown}", code="bad_income")
    if amount > MAX_INCOME:
        raise CalcError(
            f"income {shown} is above the sanity limit of {format_money(MAX_INCOME)} tenge a month",
            code="bad_income",
        )
    if amount != amount.quantize(CENT):
        raise CalcError(f"income must have at most 2 decimals, got {shown}", code="bad_income")
    return amount.quantize(CENT) if amount != 0 else Decimal("0.00")


def format_rate(rate: Decimal) -> str:
    """A rate as its exact decimal text without trailing zeros: ``0.05``, ``0.015``, ``0``."""
    if rate == 0:
        return "0"
    return format(rate.normalize(), "f")


def contribution_amount(rate: Decimal, income: Decimal, cap: Decimal | None) -> Decimal:
    """The formula of docs/calculators.md for an income base: ``round_half_up(rate × min(income, cap))``."""
    base = income if cap is None or income <= cap else cap
    return round_money(rate * base)


# --------------------------------------------------------------------------------------------
# The calculation


@dataclass(frozen=True, slots=True, kw_only=True)
class Calculation:
    """What one payer kind owes for one month, and everything it was computed from."""

    rulebook: str
    payer_kind: str
    period: Month
    income: Decimal | None  # as given (None for a flat payer kind, or when not given)
    amount: Decimal  # rounded half-up to 0.01
    base: Decimal  # after the cap
    rate: Decimal
    cap: Decimal | None  # the cap on an income base in tenge (cap × MW), None when uncapped
    cap_applied: bool
    exempt: bool
    rule: RateRule
    mw: WageEntry  # MW of the period's year
    amw: WageEntry | None  # the AMW used (state kind): of the period's year − 2
    used: tuple[Entry, ...]  # every rulebook entry the amount depends on
    notes: tuple[str, ...] = ()
    horizon: Horizon = NOT_PROVISIONAL  # provisional past the rulebook's confirmed horizon

    @property
    def verified(self) -> bool:
        """True when every entry the amount depends on is marked verified in the rulebook."""
        return all(entry.verified for entry in self.used)

    def as_dict(self) -> dict[str, Any]:
        """The calculator's JSON answer: amounts as strings with two decimals, rate exact."""
        return {
            "amount": format_money(self.amount),
            "base": format_money(self.base),
            "rate": format_rate(self.rate),
            "cap_applied": self.cap_applied,
            "rulebook": self.rulebook,
            "rule": {
                "id": self.rule.id,
                "source": self.rule.source,
                "verified": self.rule.verified,
                "description": self.rule.describe(),
                "valid_from": self.rule.valid_from.isoformat(),
                "valid_to": None if self.rule.valid_to is None else self.rule.valid_to.isoformat(),
            },
            "payer": self.payer_kind,
            "period": str(self.period),
            "income": None if self.income is None else format_money(self.income),
            "cap": None if self.cap is None else format_money(self.cap),
            "mw": format_money(self.mw.value),
            "amw": None
            if self.amw is None
            else {"year": self.amw.valid_from.year, "value": format_money(self.amw.value), "id": self.amw.id},
            "exempt": self.exempt,
            "verified": self.verified,
            "entries": [entry.id for entry in self.used],
            "notes": list(self.notes),
        } | self.horizon.as_dict()


def _rule(rulebook: Rulebook, payer_kind: str, period: Month) -> RateRule:
    if payer_kind not in rulebook.topic(ContributionsTopic).payer_kinds():
        known = ", ".join(rulebook.topic(ContributionsTopic).payer_kinds())
        if payer_kind in PAYER_KINDS:
            message = f"the rulebook {rulebook.name} has no rates for {payer_kind} (its payer kinds: {known})"
        else:
            message = f"unknown payer kind {payer_kind!r} (rulebook {rulebook.name} knows: {known})"
        raise CalcError(message, code="unknown_payer_kind")
    try:
        return rulebook.topic(ContributionsTopic).rate(payer_kind, period.first_day)
    except DateOutsideRulebook:
        raise CalcError(
            f"the period {period} is outside the rulebook {rulebook.name} "
            f"({Month.of(rulebook.covers_from)}..{Month.of(rulebook.covers_to)})",
            code="period_outside_rulebook",
        ) from None
    except NoRuleInForce as exc:
        raise CalcError(f"{payer_kind} owes nothing for {period}: {exc.message}", code="no_rule") from None


def compute(rulebook: Rulebook, payer_kind: str, period: Month, income: Decimal | None = None) -> Calculation:
    """The amount ``payer_kind`` owes for ``period`` under ``rulebook`` (an exempt period gives 0).

    ``income`` is required for an income base and ignored, with a note, for a flat base.
    Raises ``CalcError`` (``unknown_payer_kind``, ``period_outside_rulebook``, ``no_rule``,
    ``income_required``, ``bad_income``). A period after the rulebook's confirmed horizon is
    computed with the entries carried forward, and says so (``horizon``).
    """
    result = _compute(rulebook, payer_kind, period, income)
    return replace(result, horizon=horizon_of(rulebook, period.first_day, (entry.id for entry in result.used)))


def _compute(rulebook: Rulebook, payer_kind: str, period: Month, income: Decimal | None) -> Calculation:
    rule = _rule(rulebook, payer_kind, period)
    on = period.first_day
    mw = rulebook.topic(ContributionsTopic).mw_entry(on)
    notes: list[str] = []
    if income is not None:
        income = parse_income(income)  # bad_income: negative, too large, or finer than a tiyn
    if rule.exempt:
        return Calculation(
            rulebook=rulebook.name,
            payer_kind=payer_kind,
            period=period,
            income=income,
            amount=Decimal("0.00"),
            base=Decimal("0.00"),
            rate=rule.rate,
            cap=None,
            cap_applied=False,
            exempt=True,
            rule=rule,
            mw=mw,
            amw=None,
            used=(rule,),
            notes=(f"{payer_kind} is exempt in {period} ({rule.id})",),
        )
    amw: WageEntry | None = None
    cap: Decimal | None = None
    cap_applied = False
    used: list[Entry] = [rule]
    given_income = income
    if rule.base == "income":
        if income is None:
            raise CalcError(
                f"{payer_kind} is {format_rate(rule.rate * 100)}% of income in {period}: give the income",
                code="income_required",
            )
        if rule.cap is not None:
            cap = rule.cap * mw.value
            cap_applied = income > cap
            used.append(mw)
        base = income if cap is None else min(income, cap)
    elif rule.base == "mw_multiple":
        assert rule.multiplier is not None
        base = rule.multiplier * mw.value
        used.append(mw)
        given_income = None
        if income is not None:
            notes.append(f"income ignored: the base of {payer_kind} is {rule.multiplier} MW, not income")
    elif rule.base == "amw_two_years_earlier":
        try:
            amw = rulebook.topic(ContributionsTopic).amw_entry(rulebook.topic(ContributionsTopic).state_base_year(on))
        except RulebookError as exc:
            raise CalcError(exc.message, code="no_rule") from None
        base = amw.value
        used.append(amw)
        given_income = None
        if income is not None:
            notes.append(f"income ignored: the base of {payer_kind} is the AMW of {amw.valid_from.year}")
    else:  # pragma: no cover - the loader admits no other base
        raise CalcError(f"rule {rule.id} has no base", code="no_rule")
    return Calculation(
        rulebook=rulebook.name,
        payer_kind=payer_kind,
        period=period,
        income=given_income,
        amount=round_money(rule.rate * base),
        base=base,
        rate=rule.rate,
        cap=cap,
        cap_applied=cap_applied,
        exempt=False,
        rule=rule,
        mw=mw,
        amw=amw,
        used=tuple(used),
        notes=tuple(notes),
    )


def calculate(rulebook: Rulebook, payer_kind: str, period: Month, income: Decimal | None = None) -> Calculation:
    """The public calculator: like ``compute``, but an exempt period is ``CalcError(exempt_period)``."""
    result = compute(rulebook, payer_kind, period, income)
    if result.exempt:
        rule = result.rule
        until = Month.of(rule.valid_to) if rule.valid_to is not None else "further notice"
        raise CalcError(
            f"{payer_kind} pays nothing for {period}: exempt from {Month.of(rule.valid_from)} to {until} "
            f"({rule.id}; {rule.source})",
            code="exempt_period",
        )
    return result


# --------------------------------------------------------------------------------------------
# Deadlines (docs/calculators.md)


@dataclass(frozen=True, slots=True)
class Deadlines:
    period: Month
    statement_due: date  # the employer tells each employee what was withheld and paid
    payment_due: date  # the employer pays the deductions and withheld contributions
    rules: tuple[str, ...] = ()  # the rulebook entries they come from


def deadlines(rulebook: Rulebook, period: Month) -> Deadlines:
    """The employer's deadlines for ``period``, from the rulebook (``deadlines.employer-statement``
    and ``deadlines.employer-deduction``: under kz-law the 15th and the 25th of the following month,
    docs/calculators.md [seed 001 Q19, Q23])."""
    statement = rulebook.topic(ContributionsTopic).deadline("employer-statement", period.year, period.month)
    payment = rulebook.topic(ContributionsTopic).deadline("employer-deduction", period.year, period.month)
    return Deadlines(
        period=period,
        statement_due=statement.due(period.year, period.month),
        payment_due=payment.due(period.year, period.month),
        rules=(statement.id, payment.id),
    )


# --------------------------------------------------------------------------------------------
# An employee on a payroll: state-paid categories (docs/calculators.md, docs/status.md), deduction, contribution


@dataclass(frozen=True, slots=True)
class Membership:
    """One ``person_category`` row: the person is in ``code`` from ``valid_from`` to ``valid_to``."""

    code: str
    valid_from: date
    valid_to: date | None


@dataclass(frozen=True, slots=True)
class CategoryHit:
    """A membership that makes the person state-paid on at least one day of the period."""

    code: str
    valid_from: date
    valid_to: date | None
    payer: str  # state | local_budget
    rule_id: str
    requires_not_working: bool

    def as_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "valid_from": self.valid_from.isoformat(),
            "valid_to": None if self.valid_to is None else self.valid_to.isoformat(),
            "payer": self.payer,
            "rule_id": self.rule_id,
            "requires_not_working": self.requires_not_working,
        }


def state_paid_hits(rulebook: Rulebook, memberships: Iterable[Membership], period: Month) -> list[CategoryHit]:
    """The memberships under which the person is state-paid on some day of ``period``.

    A day counts when the membership holds on it *and* the rulebook lists the code as
    state-paid on it (``categories.<code>`` in force). Codes unknown to the rulebook never count.
    """
    first, last = period.first_day, period.last_day
    hits: list[CategoryHit] = []
    for membership in memberships:
        start = max(first, membership.valid_from)
        end = last if membership.valid_to is None else min(last, membership.valid_to)
        if start > end:
            continue
        try:
            entries = rulebook.series(f"categories.{membership.code}")
        except RulebookError:
            continue  # not a category code of the rulebooks: never state-paid
        for entry in entries:
            entry_end = end if entry.valid_to is None else min(end, entry.valid_to)
            if max(start, entry.valid_from) <= entry_end and isinstance(entry, CategoryRule):
                hits.append(
                    CategoryHit(
                        code=membership.code,
                        valid_from=membership.valid_from,
                        valid_to=membership.valid_to,
                        payer=entry.payer,
                        rule_id=entry.id,
                        requires_not_working=membership.code in NON_WORKING_CATEGORIES,
                    )
                )
                break
    return sorted(hits, key=lambda h: (h.code, h.valid_from))


@dataclass(frozen=True, slots=True, kw_only=True)
class EmployeeCharges:
    """What an employer owes for one employee and month.

    ``deduction`` (employer's own, ООСМС) and ``contribution`` (the employee's, ВОСМС, withheld)
    are None when the payer kind is not in force in the period (``notes`` says so) or when the
    employee is excluded. ``excluded_by`` lists the state-paid memberships that exclude them.
    """

    period: Month
    income: Decimal
    deduction: Calculation | None
    contribution: Calculation | None
    excluded_by: tuple[CategoryHit, ...] = ()
    not_in_force: tuple[tuple[str, str], ...] = ()  # (payer kind, why it is not due in the period)
    notes: tuple[str, ...] = field(default_factory=tuple)

    def not_in_force_note(self, payer_kind: str) -> str | None:
        return dict(self.not_in_force).get(payer_kind)

    @property
    def excluded(self) -> bool:
        return bool(self.excluded_by)

    @property
    def total(self) -> Decimal:
        return sum(
            (c.amount for c in (self.deduction, self.contribution) if c is not None),
            start=Decimal("0.00"),
        )


EMPLOYER_KINDS: Final[tuple[str, str]] = ("employer-deduction", "employee-contribution")


def employee_charges(
    rulebook: Rulebook, period: Month, income: Decimal, memberships: Sequence[Membership] = ()
) -> EmployeeCharges:
    """Deduction and withheld contribution for one employee's month (docs/calculators.md).

    An employee in a state-paid category on any day of the period is excluded: no employer
    deduction [seed 001 Q25, Q52] and no employee contribution (docs/status.md: "the state pays;
    the person pays nothing"). Raises ``CalcError`` (``period_outside_rulebook``, or ``no_rule``
    when neither the deduction nor the contribution is in force in the period).
    """
    hits = state_paid_hits(rulebook, memberships, period)
    results: dict[str, Calculation | None] = {}
    missing: list[tuple[str, str]] = []
    for kind in EMPLOYER_KINDS:
        try:
            results[kind] = compute(rulebook, kind, period, income)
        except CalcError as exc:
            if exc.code not in ("no_rule", "unknown_payer_kind"):
                raise
            results[kind] = None
            missing.append((kind, exc.message))
    if all(result is None for result in results.values()):
        raise CalcError("; ".join(message for _, message in missing), code="no_rule")
    if hits:
        codes = ", ".join(sorted({h.code for h in hits}))
        return EmployeeCharges(
            period=period,
            income=income,
            deduction=None,
            contribution=None,
            excluded_by=tuple(hits),
            notes=(f"state-paid category in {period}: {codes}; no deduction and no contribution are due",),
        )
    return EmployeeCharges(
        period=period,
        income=income,
        deduction=results["employer-deduction"],
        contribution=results["employee-contribution"],
        not_in_force=tuple(missing),
        notes=tuple(message for _, message in missing),
    )
