"""Insured status on a date (docs/status.md): the pure engine.

Input: the check date, the rulebook, the person's month facts (for each period with a credited
payment: the kinds still credited, the payer of the largest payment, the day the period first
became paid) and the person's state-paid category memberships. Output: a :class:`Status` that
explains itself (basis code, rules applied, arrears, a sentence in kk/ru/en).

No database, no framework. ``docs/status.md`` states every rule as implemented, with its legal sources
and the decisions taken where the law is silent; the comments below name the item of docs/status.md's
"Status on D" they apply.

Vocabulary:

- *paid(N)*: a month fact exists for N whose ``first_value_date`` is on or before the check date D
  (a month paid after D did not make anyone insured on D);
- *category(N)*: a membership that had begun on D (``valid_from <= D``) covers some day of N on
  which its code is state-paid in the rulebook;
- *covered(N)* = paid(N) or category(N);
- *applicable(N)*: N is on or after the month insurance starts (``status.insurance_starts``) and
  the person's birth month; other months are neither covered, uncovered nor owed;
- a month is *insured* (the month-by-month history the engine rebuilds from D's knowledge) when it
  is covered and not a blocked self-payment (item 4), or in grace, or transitional;
- a month's *deadline*: the rulebook's (``deadlines.<kind>``) for the payer expected to pay it (the
  kind of the latest covered month before it: an employer's month is due when the employer must pay;
  a month after a self-payment, a category or nothing is due as a self-payer's). An uncovered month
  is *in arrears* only once D is after its deadline; before, it is *due* (docs/calculators.md).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from decimal import Decimal
from functools import lru_cache
from typing import Any, Literal, NamedTuple, get_args

from osms.contributions.rulebook import ContributionsTopic, DeadlineRule
from osms.core.i18n import N_, format_sentence_day, tidy, translator
from osms.core.money import format_money, round_money
from osms.core.periods import Month
from osms.coverage.rulebook import CoverageTopic, GraceRule
from osms.registry.rulebook import CATEGORY_CODES, CategoryRule
from osms.rulebooks.horizon import NOT_PROVISIONAL, Horizon, horizon_of
from osms.rulebooks.loader import Entry, NoRuleInForce, ParameterEntry, Rulebook

__all__ = [
    "BASIS_CODES",
    "KIND_PRIORITY",
    "Basis",
    "MONTH_STATES",
    "Membership",
    "MonthFacts",
    "Status",
    "evaluate",
    "main_kind",
    "restores_at_once",
    "window",
]

# --------------------------------------------------------------------------------------------
# Vocabulary

#: Payment kinds (the ledger's names, ``osms.contributions.models.PAYMENT_KINDS``) in the order
#: the basis reports one when a month has several: an employer's before the person's own.
KIND_PRIORITY: tuple[str, ...] = (
    "employer_deduction",
    "employee_contribution",
    "civil_contract",
    "ie_contribution",
    "state_contribution",
    "self_payment",
)
SELF_PAYMENT = "self_payment"

#: Whose deadline (``deadlines.<kind>`` in the rulebook) a month follows when the latest covered
#: month before it was paid with this kind; any other (self-payment, state, a category, nothing):
#: the self-payer's.
KIND_DEADLINE: dict[str, str] = {
    "employer_deduction": "employer-deduction",
    "employee_contribution": "employee-contribution",
    "civil_contract": "civil-contract",
    "ie_contribution": "individual-entrepreneur",
}
SELF_PAYER_DEADLINE = "self-payer"

#: How a month of the last 12 stands on D (the months strip of the pages): ``paid``; ``state_paid``
#: (a state-paid category covers it); ``due`` (uncovered, its deadline not passed); ``unpaid``
#: (uncovered after its deadline); ``not_applicable`` (before insurance or birth).
MonthState = Literal["paid", "state_paid", "due", "unpaid", "not_applicable"]
MONTH_STATES: tuple[str, ...] = get_args(MonthState)

BasisCode = Literal[
    "state_paid_category",
    "paid",
    "grace",
    "transitional_2020",
    "not_applicable_before_insurance",
    "lapsed",
    "arrears_unpaid_after_lapse",
    "never_paid",
    "deceased",
    "not_born",
    "unknown_person",
]
BASIS_CODES: tuple[str, ...] = get_args(BasisCode)

_MAX_FORWARD = 1200  # a category's end is searched at most 100 years ahead
_ONE_DAY = timedelta(days=1)


@lru_cache(maxsize=4096)
def window(on: date, book: Rulebook) -> tuple[Month, Month]:
    """The months a status check on ``on`` reads, inclusive: from M - ``status.window_history_months``
    to M + ``status.window_future_months``, the figures of ``book`` in force on ``on`` (docs/status.md,
    "The months a check reads"; the rulebook's load refuses figures shorter than its rules need)."""
    month, topic = Month.of(on), book.topic(CoverageTopic)
    return month - topic.window_history_months(on), month + topic.window_future_months(on)


def restores_at_once(kinds: Iterable[str]) -> bool:
    """True if a month paid with these kinds restores status at once (docs/status.md item 4):
    any payment by an employer, withholding agent, IE for themselves or the state."""
    return any(kind != SELF_PAYMENT for kind in kinds)


_restores_cached = lru_cache(maxsize=128)(restores_at_once)  # month facts carry frozensets


def main_kind(kinds: Iterable[str]) -> str | None:
    """The kind the basis names for a month paid with ``kinds`` (see :data:`KIND_PRIORITY`)."""
    present = set(kinds)
    for kind in KIND_PRIORITY:
        if kind in present:
            return kind
    return min(present) if present else None


# --------------------------------------------------------------------------------------------
# Input


class MonthFacts(NamedTuple):
    """What is credited for one person and period (a ``person_month`` row). A named tuple: a
    batch builds hundreds of thousands of them."""

    period: Month
    kinds: frozenset[str]
    payer: str
    first_value_date: date


@dataclass(frozen=True, slots=True)
class Membership:
    """A state-paid category membership (a ``person_category`` row)."""

    code: str
    valid_from: date
    valid_to: date | None = None


# --------------------------------------------------------------------------------------------
# Output


@dataclass(frozen=True, slots=True)
class Basis:
    code: str
    payer: str | None = None  # payer id of the month, or "state" / "local_budget" for a category
    kind: str | None = None  # payment kind of the month (None for a category)
    category: str | None = None  # category code

    def as_dict(self) -> dict[str, Any]:
        return {"code": self.code, "payer": self.payer, "kind": self.kind, "category": self.category}


@dataclass(frozen=True, slots=True)
class Status:
    """The answer: insured or not, why, until when, what is owed, which rules said so."""

    iin: str
    on: date
    insured: bool
    basis: Basis
    insured_until: date | None
    months_paid_last_12: tuple[Month, ...]
    arrears: tuple[tuple[Month, Decimal], ...]  # each owed month (past its deadline) and its self-payer price
    rulebook: str
    rules: tuple[str, ...]
    message: Mapping[str, str]
    last_covered: Month | None = None  # P (grace, lapsed) or the covered run's last month L
    grace_months: int | None = None  # the grace that applied to last_covered
    grace_end: date | None = None  # last day of grace after last_covered
    covered_since: Month | None = None  # first month of the covered run (within the months read)
    category_to: date | None = None  # end of the category on D (basis state_paid_category)
    detail: Mapping[str, str] = field(default_factory=dict)  # extra facts for the sentence
    horizon: Horizon = NOT_PROVISIONAL  # provisional past the rulebook's confirmed horizon
    due: tuple[tuple[Month, date], ...] = ()  # months that will be owed unless paid by their deadline
    last_12: tuple[tuple[Month, str, date | None], ...] = ()  # M-11..M: state (MONTH_STATES), deadline

    @property
    def arrears_months(self) -> tuple[Month, ...]:
        return tuple(month for month, _ in self.arrears)

    @property
    def arrears_amount(self) -> Decimal:
        return round_money(sum((amount for _, amount in self.arrears), Decimal(0)))

    def as_dict(self) -> dict[str, Any]:
        """The JSON form every channel answers with (dates ISO, months YYYY-MM, money "0.00")."""
        return {
            "iin": self.iin,
            "on": self.on.isoformat(),
            "insured": self.insured,
            "basis": self.basis.as_dict(),
            "insured_until": self.insured_until.isoformat() if self.insured_until else None,
            "months_paid_last_12": [str(m) for m in self.months_paid_last_12],
            "arrears": {"months": [str(m) for m in self.arrears_months], "amount": format_money(self.arrears_amount)},
            "due": [{"month": str(m), "due_by": by.isoformat()} for m, by in self.due],
            "rulebook": self.rulebook,
            "rules": list(self.rules),
            "message": dict(self.message),
        } | self.horizon.as_dict()


# --------------------------------------------------------------------------------------------
# Rulebook lookups by month (cached: a batch asks the same months for thousands of persons)


@lru_cache(maxsize=4096)
def _month(index: int) -> Month:
    """``Month.from_index``, cached: a batch builds the same few hundred months again and again."""
    return Month.from_index(index)


@lru_cache(maxsize=4096)
def _last_day(index: int) -> date:
    return _month(index).last_day


def _first_day(index: int) -> date:
    return _month(index).first_day


@lru_cache(maxsize=4096)
def _grace_at(rulebook: Rulebook, index: int) -> GraceRule:
    """The grace rule in force on the first day of month ``index`` (the nearest one outside the
    rulebook's period, so that a forecast past its end keeps the last rule)."""
    day = _first_day(index)
    found = rulebook.find("status.grace", day)
    if found is None:
        entries = rulebook.series("status.grace")
        found = entries[0] if day < entries[0].valid_from else entries[-1]
    assert isinstance(found, GraceRule)
    return found


@lru_cache(maxsize=4096)
def _cap_at(rulebook: Rulebook, index: int) -> ParameterEntry:
    day = _first_day(index)
    found = rulebook.find("status.arrears_cap_months", day)
    if found is None:
        entries = rulebook.series("status.arrears_cap_months")
        found = entries[0] if day < entries[0].valid_from else entries[-1]
    assert isinstance(found, ParameterEntry)
    return found


@lru_cache(maxsize=4096)
def _transitional_at(rulebook: Rulebook, index: int) -> Entry | None:
    return rulebook.find("status.transitional_insured", _first_day(index))


@lru_cache(maxsize=4096)
def _self_payer_price(rulebook: Rulebook, index: int) -> tuple[Decimal, tuple[str, ...]] | None:
    """The self-payer contribution for month ``index`` and the entries it comes from (None if no
    self-payer rate is in force then: such a month cannot be owed)."""
    day = _first_day(index)
    if not rulebook.covers(day):
        return None
    try:
        rule = rulebook.topic(ContributionsTopic).rate("self-payer", day)
        base = rulebook.topic(ContributionsTopic).base_amount("self-payer", day)
    except NoRuleInForce:
        return None
    used = [rule.id]
    if rule.base == "mw_multiple":
        used.append(rulebook.topic(ContributionsTopic).mw_entry(day).id)
    elif rule.base == "amw_two_years_earlier":
        used.append(
            rulebook.topic(ContributionsTopic).amw_entry(rulebook.topic(ContributionsTopic).state_base_year(day)).id
        )
    return round_money(rule.rate * base), tuple(used)


@lru_cache(maxsize=4096)
def _deadline_at(rulebook: Rulebook, kind: str, index: int) -> tuple[date, str]:
    """The deadline of month ``index`` for ``kind`` and the id of the entry it comes from."""
    month = _month(index)
    rule: DeadlineRule = rulebook.topic(ContributionsTopic).deadline(kind, month.year, month.month)
    return rule.due(month.year, month.month), rule.id


@lru_cache(maxsize=256)
def _category_entries(rulebook: Rulebook, code: str) -> tuple[CategoryRule, ...]:
    return tuple(e for e in rulebook.series(f"categories.{code}") if isinstance(e, CategoryRule))


# --------------------------------------------------------------------------------------------
# The engine


@dataclass(frozen=True, slots=True)
class _Interval:
    """Where a membership and the rulebook agree the category is state-paid."""

    code: str
    start: date
    end: date | None
    rule: CategoryRule

    def covers_day(self, day: date) -> bool:
        return self.start <= day and (self.end is None or day <= self.end)

    def covers_month(self, index: int) -> bool:
        return self.start <= _last_day(index) and (self.end is None or self.end >= _first_day(index))


def _intervals(memberships: Iterable[Membership], rulebook: Rulebook, on: date) -> list[_Interval]:
    """Where each membership that had begun on D is state-paid per the rulebook. A state-paid
    span that begins after D counts only when it continues one that had begun (e.g. the payer
    changing from the state to the local budget), never when it starts later on its own."""
    result = []
    for m in memberships:
        if m.code not in CATEGORY_CODES or m.valid_from > on:
            continue  # unknown code; or a membership that had not begun on D
        previous: _Interval | None = None
        for rule in _category_entries(rulebook, m.code):
            start = max(m.valid_from, rule.valid_from)
            ends = [d for d in (m.valid_to, rulebook.carried_end(rule)) if d is not None]
            end = min(ends) if ends else None
            if end is not None and start > end:
                continue
            continues = previous is not None and previous.end is not None and start == previous.end + _ONE_DAY
            if start > on and not continues:
                continue
            previous = _Interval(m.code, start, end, rule)
            result.append(previous)
    return result


def _interval_order(iv: _Interval) -> tuple[int, date, int]:
    """Which of several categories on D the basis names: an open-ended one, else the one lasting
    longest, else the first in the order of the category table in docs/domain.md."""
    return (0 if iv.end is None else 1, date.max if iv.end is None else iv.end, CATEGORY_CODES.index(iv.code))


class _Person:
    """One evaluation: the facts within the window, indexed by month number."""

    def __init__(
        self,
        rulebook: Rulebook,
        on: date,
        months: Iterable[MonthFacts],
        memberships: Iterable[Membership],
        birth_date: date | None,
    ) -> None:
        self.rulebook = rulebook
        self.on = on
        self.m = Month.of(on).index
        oldest, newest = window(on, rulebook)
        self.lo, self.hi = oldest.index, newest.index
        self.paid: dict[int, MonthFacts] = {}
        for f in months:
            i = f.period.index
            if self.lo <= i <= self.hi and f.first_value_date <= on:
                self.paid[i] = f
        self.intervals = _intervals(memberships, rulebook, on)
        self.cat: dict[int, _Interval] = {}
        for iv in sorted(self.intervals, key=_interval_order):
            first = max(Month.of(iv.start).index, self.lo)
            last = self.hi if iv.end is None else min(Month.of(iv.end).index, self.hi)
            for i in range(first, last + 1):
                self.cat.setdefault(i, iv)
        self.start = Month.of(rulebook.topic(CoverageTopic).insurance_starts()).index
        self.birth = Month.of(birth_date).index if birth_date is not None else None
        self.first_applicable = self.start if self.birth is None else max(self.start, self.birth)
        # covered(i) and the length of the covered run ending at i, for every month read
        self.cov = [i in self.paid or i in self.cat for i in range(self.lo, self.hi + 1)]
        self.runs: list[int] = []
        run = 0
        for flag in self.cov:
            run = run + 1 if flag else 0
            self.runs.append(run)
        self.used: list[str] = []
        self.detail: dict[str, str] = {}
        self.unpaid_insured: list[int] = []
        self.last_insured: int | None = None
        self.due: list[tuple[Month, date]] = []
        self._deadline_kinds: list[str] | None = None

    def use(self, entry_id: str) -> None:
        if entry_id not in self.used:
            self.used.append(entry_id)

    def applicable(self, i: int) -> bool:
        return i >= self.first_applicable

    def covered(self, i: int) -> bool:
        if self.lo <= i <= self.hi:
            return self.cov[i - self.lo]
        return i > self.hi and any(iv.covers_month(i) for iv in self.intervals)

    def grace_rule(self, i: int) -> GraceRule:
        return self.rulebook.topic(CoverageTopic).grace(self.on) if i == self.m else _grace_at(self.rulebook, i)

    def run_back(self, last: int) -> int:
        """How many consecutive covered months end at ``last`` (within the months read)."""
        if last < self.lo:
            return 0
        if last <= self.hi:
            return self.runs[last - self.lo]
        n = 0
        while last > self.hi and self.covered(last):
            n += 1
            last -= 1
        return n + (self.runs[-1] if last == self.hi else 0)

    def grace_end(self, last: int) -> tuple[int, int]:
        """After covered month ``last``: the last month still in grace, and the grace applied to
        the month after ``last``. A month N is in grace when N - last <= the grace in force in N
        (extended when the run up to ``last`` is long enough)."""
        run = self.run_back(last)
        first_grace = self.grace_rule(last + 1).months_for(run)
        n = last + 1
        while True:
            rule = self.grace_rule(n)
            self.use(rule.id)
            if n - last > rule.months_for(run):
                return n - 1, first_grace
            n += 1

    def run_forward(self, first: int) -> int | None:
        """The last month of the unbroken covered run from ``first``; None if an open-ended
        state-paid category makes it endless."""
        i = first
        for _ in range(_MAX_FORWARD):
            if any(iv.end is None and iv.covers_month(i) for iv in self.intervals):
                return None
            if not self.covered(i):
                return i - 1
            i += 1
        return None

    def history(self) -> tuple[int | None, int | None, int | None]:
        """Rebuild the months before M, in order, as D knows them (docs/status.md items 2-4).

        Returns (latest insured covered month, latest applicable uncovered month, latest covered
        month), all before M, and records in ``self.unpaid_insured`` the uncovered months in
        which the person was insured by grace (their debt keeps accruing).
        """
        last_insured: int | None = None
        last_uncovered: int | None = None
        last_covered: int | None = None
        first_applicable, paid, cat = self.first_applicable, self.paid, self.cat
        for i in range(self.lo, self.m):
            facts = paid.get(i)
            if i in cat or facts is not None:
                last_covered = i
                if (
                    i in cat
                    or i < first_applicable
                    or (facts is not None and _restores_cached(facts.kinds))
                    or not self.blocked(i, last_insured, last_uncovered)
                ):
                    last_insured = i
            elif i >= first_applicable:
                if self.in_grace(i, last_insured):
                    self.unpaid_insured.append(i)
                last_uncovered = i
        return last_insured, last_uncovered, last_covered

    def in_grace(self, i: int, last_insured: int | None) -> bool:
        if last_insured is None:
            return False
        return i - last_insured <= self.grace_rule(i).months_for(self.run_back(last_insured))

    def transitional(self, i: int) -> bool:
        if i == self.m:
            return self.rulebook.find("status.transitional_insured", self.on) is not None
        return _transitional_at(self.rulebook, i) is not None

    def blocked(self, i: int, last_insured: int | None, last_uncovered: int | None) -> bool:
        """Item 4: a self-payment for month i after a lapse does not restore status while a month
        of the 12 before i is uncovered. "After a lapse" = without this payment the person would
        not be insured in i (no grace, not transitional)."""
        if self.transitional(i) or self.in_grace(i, last_insured):
            return False
        cap = (
            self.rulebook.topic(CoverageTopic).arrears_cap_months(self.on)
            if i == self.m
            else _cap_at(self.rulebook, i).value
        )
        return last_uncovered is not None and last_uncovered >= i - cap

    def deadline_kind(self, i: int) -> str:
        """Whose deadline month ``i`` (of the months read, up to M) follows: the kind of the latest
        covered month before it (see :data:`KIND_DEADLINE`), else the self-payer's."""
        if self._deadline_kinds is None:
            kinds, current = [], SELF_PAYER_DEADLINE
            for n in range(self.lo, self.m + 1):
                kinds.append(current)
                facts = self.paid.get(n)
                if facts is not None:
                    current = KIND_DEADLINE.get(main_kind(facts.kinds) or "", SELF_PAYER_DEADLINE)
                elif n in self.cat:
                    current = SELF_PAYER_DEADLINE
            self._deadline_kinds = kinds
        return self._deadline_kinds[i - self.lo] if self.lo <= i <= self.m else SELF_PAYER_DEADLINE

    def deadline(self, i: int) -> date:
        """The last day to pay for month ``i`` (recording the rule)."""
        day, entry_id = _deadline_at(self.rulebook, self.deadline_kind(i), i)
        self.use(entry_id)
        return day

    def month_states(self) -> tuple[tuple[Month, str, date | None], ...]:
        """M-11 .. M as D sees them (:data:`MONTH_STATES`), with the deadline of an uncovered month."""
        result: list[tuple[Month, str, date | None]] = []
        for i in range(self.m - 11, self.m + 1):
            if i in self.paid:
                result.append((_month(i), "paid", None))
            elif i in self.cat:
                result.append((_month(i), "state_paid", None))
            elif not self.applicable(i):
                result.append((_month(i), "not_applicable", None))
            else:
                day, _ = _deadline_at(self.rulebook, self.deadline_kind(i), i)
                result.append((_month(i), "unpaid" if self.on > day else "due", day))
        return tuple(result)

    def arrears(self, *, insured: bool) -> tuple[tuple[Month, Decimal], ...]:
        """Item 5, at the self-payer contribution in force for each month, within the 12-month cap,
        counting only the months whose deadline has passed on D (the others go to ``self.due``).

        Not insured: each uncovered month of the 12 before M, and M itself when uncovered (what a
        self-payer must pay to be insured again, item 4). Insured: the uncovered months in which
        the person was insured by grace, M included when it is one (the debt keeps accruing).
        """
        cap_entry = self.rulebook.entry("status.arrears_cap_months", self.on)
        assert isinstance(cap_entry, ParameterEntry)
        self.use(cap_entry.id)
        self.detail["cap"] = str(cap_entry.value)
        first = self.m - cap_entry.value
        if insured:
            months = [i for i in self.unpaid_insured if i >= first]
            if self.applicable(self.m) and not self.covered(self.m) and self.in_grace(self.m, self.last_insured):
                months.append(self.m)
        else:
            months = [i for i in range(first, self.m + 1) if self.applicable(i) and not self.covered(i)]
        owed = []
        for i in months:
            price = _self_payer_price(self.rulebook, i)
            if price is None:
                continue
            due_by = self.deadline(i)
            if self.on <= due_by:
                self.due.append((_month(i), due_by))
                continue
            amount, used = price
            for entry_id in used:
                self.use(entry_id)
            owed.append((_month(i), amount))
        return tuple(owed)

    def paid_last_12(self) -> tuple[Month, ...]:
        return tuple(_month(i) for i in range(self.m - 11, self.m + 1) if i in self.paid)

    def describe(self, i: int) -> Basis:
        """payer/kind/category of covered month i (for a grace or lapsed basis)."""
        facts = self.paid.get(i)
        if facts is not None:
            return Basis("", payer=facts.payer, kind=main_kind(facts.kinds))
        iv = self.cat.get(i)
        if iv is not None:
            return Basis("", payer=iv.rule.payer, category=iv.code)
        return Basis("")


def evaluate(
    *,
    iin: str,
    on: date,
    rulebook: Rulebook,
    months: Iterable[MonthFacts] = (),
    memberships: Iterable[Membership] = (),
    birth_date: date | None = None,
    death_date: date | None = None,
    known: bool = True,
    category_label: Callable[[str, str], str] | None = None,
    brief: bool = False,
) -> Status:
    """Insured status of one person on ``on`` (docs/status.md). ``known=False``: not in the registry.
    ``brief``: the decision only (insured, basis, until, arrears, rules), without the sentence, the
    last 12 months' states and the horizon: what a population's per-capita reduction needs, at a
    fraction of the cost; the decision is the same.

    Raises ``DateOutsideRulebook`` when ``on`` is outside the rulebook's period. Month facts
    outside :func:`window` are ignored, so the answer depends only on what a check reads.
    """
    rulebook.check_date(on)
    label = category_label or _code_label
    p = _Person(rulebook, on, months, memberships, birth_date)

    def done(
        code: str,
        insured: bool,
        *,
        basis: Basis | None = None,
        until: date | None = None,
        arrears: tuple[tuple[Month, Decimal], ...] = (),
        **extra: Any,
    ) -> Status:
        b = basis or Basis(code)
        extra["detail"] = {**p.detail, **extra.get("detail", {})}
        if brief:
            return Status(
                iin=iin, on=on, insured=insured, basis=Basis(code, b.payer, b.kind, b.category), insured_until=until,
                months_paid_last_12=(), arrears=arrears, rulebook=rulebook.name, rules=tuple(p.used), message={},
                **extra,
            )  # fmt: skip
        status = Status(
            iin=iin,
            on=on,
            insured=insured,
            basis=Basis(code, b.payer, b.kind, b.category),
            insured_until=until,
            months_paid_last_12=p.paid_last_12() if known else (),
            arrears=arrears,
            rulebook=rulebook.name,
            rules=tuple(p.used),
            message={},
            horizon=horizon_of(rulebook, on, p.used),
            due=tuple(p.due),
            last_12=p.month_states() if known else (),
            **extra,
        )
        return _with_message(status, label)

    # Before anything else: who, alive, born, and whether insurance exists yet.
    if not known:
        return done("unknown_person", False)
    if death_date is not None and death_date < on:
        return done("deceased", False, detail={"death_date": death_date.isoformat()})
    if birth_date is not None and birth_date > on:
        return done("not_born", False, detail={"birth_date": birth_date.isoformat()})
    starts = rulebook.topic(CoverageTopic).insurance_starts_entry()
    p.use(starts.id)
    if on < starts.valid_from:
        return done("not_applicable_before_insurance", False, detail={"starts": starts.valid_from.isoformat()})

    m = p.m
    transitional = rulebook.find("status.transitional_insured", on)

    def with_transition(until: date | None) -> date | None:
        if transitional is None or until is None or transitional.valid_to is None:
            return until
        return max(until, transitional.valid_to)

    # Item 1: a state-paid category on D. The state pays: no arrears.
    on_day = sorted((iv for iv in p.intervals if iv.covers_day(on)), key=_interval_order)
    if on_day:
        iv = on_day[0]
        p.use(iv.rule.id)
        last = p.run_forward(m)
        until = None
        extra: dict[str, Any] = {"category_to": iv.end}
        if last is not None:
            end, grace = p.grace_end(last)
            until = _last_day(end)
            extra |= {"last_covered": _month(last), "grace_months": grace}
        return done(
            "state_paid_category",
            True,
            basis=Basis("", payer=iv.rule.payer, category=iv.code),
            until=with_transition(until),
            **extra,
        )

    last_insured, last_uncovered, last_covered = p.history()
    p.last_insured = last_insured
    p.use(rulebook.topic(CoverageTopic).grace(on).id)
    facts = p.paid.get(m)
    since = _run_start(p, m if p.covered(m) else last_insured)

    # Item 2 (with item 4): M is paid.
    if facts is not None:
        if restores_at_once(facts.kinds) or not p.blocked(m, last_insured, last_uncovered):
            last = p.run_forward(m)
            until = None
            extra = {"covered_since": since}
            if last is not None:
                end, grace = p.grace_end(last)
                until = _last_day(end)
                extra |= {"last_covered": _month(last), "grace_months": grace}
            return done(
                "paid",
                True,
                basis=Basis("", payer=facts.payer, kind=main_kind(facts.kinds)),
                until=with_transition(until),
                arrears=p.arrears(insured=True),
                **extra,
            )
        if transitional is None:
            return done(
                "arrears_unpaid_after_lapse",
                False,
                basis=Basis("", payer=facts.payer, kind=main_kind(facts.kinds)),
                arrears=p.arrears(insured=False),
                last_covered=_month(m),
            )
    # Item 3: grace after the last covered month. A category that ended earlier in M still
    # covers M (the month counts), and grace runs from the end of that covered run.
    elif m in p.cat or p.in_grace(m, last_insured):
        last = p.run_forward(m) if m in p.cat else last_insured
        if last is None:  # cannot happen: an endless category covering M covers D (item 1)
            return done("state_paid_category", True, basis=p.describe(m))
        end, grace = p.grace_end(last)
        grace_end = _last_day(end)
        return done(
            "grace",
            True,
            basis=p.describe(last),
            until=with_transition(grace_end),
            arrears=p.arrears(insured=True),
            last_covered=_month(last),
            grace_months=grace,
            grace_end=grace_end,
            covered_since=since,
        )

    # Transitional kz-law window: everyone is insured.
    if transitional is not None:
        p.use(transitional.id)
        return done(
            "transitional_2020",
            True,
            until=transitional.valid_to,
            arrears=p.arrears(insured=True),
            detail={
                "from": transitional.valid_from.isoformat(),
                "to": transitional.valid_to.isoformat() if transitional.valid_to else "",
            },
        )

    # Item 5: not insured.
    if last_covered is None:
        return done("never_paid", False, arrears=p.arrears(insured=False), detail={"history": str(m - p.lo)})
    grace_end_day = None
    if last_insured is not None:
        end, _ = p.grace_end(last_insured)
        grace_end_day = _last_day(end)
    return done(
        "lapsed",
        False,
        basis=p.describe(last_covered),
        arrears=p.arrears(insured=False),
        last_covered=_month(last_covered),
        grace_end=grace_end_day,
    )


def _run_start(p: _Person, last: int | None) -> Month | None:
    if last is None or not p.covered(last):
        return None
    return _month(last - p.run_back(last) + 1)


# --------------------------------------------------------------------------------------------
# The sentence, in Kazakh, Russian and English (docs/glossary.md wording; the catalogs of osms.core.i18n)

Lang = Literal["kk", "ru", "en"]
LANGS: tuple[Lang, ...] = ("kk", "ru", "en")


def _code_label(lang: str, code: str) -> str:
    return code


def _day(lang: str, day: date | None) -> str:
    """A date inside a status sentence (``1 января 2025 г.``; ``osms.core.i18n.format_sentence_day``)."""
    return format_sentence_day(lang, day)


@lru_cache(maxsize=4096)
def _month_text(lang: str, month: Month | None) -> str:
    if month is None:
        return ""
    return str(month) if lang == "en" else f"{month.month:02d}.{month.year:04d}"


def _money(lang: str, amount: Decimal) -> str:
    text = f"{round_money(amount):,.2f}"
    if lang == "en":
        return text
    return text.replace(",", "\u00a0").replace(".", ",")


#: The payer of a state-paid category, as named inside a status sentence.
PAYER_WORDS: dict[str, str] = {
    "state": N_("the state"),
    "local_budget": N_("the local budget"),
}

#: A kind of payment, as named inside a status sentence.
KIND_WORDS: dict[str, str] = {
    "employer_deduction": N_("employer's deductions"),
    "employee_contribution": N_("employee's contributions withheld by the employer"),
    "civil_contract": N_("contributions withheld by an agent under a civil-law contract"),
    "ie_contribution": N_("an individual entrepreneur's contributions for themselves"),
    "state_contribution": N_("state contributions"),
    "self_payment": N_("a self-payment"),
}

# One sentence per basis code; %(placeholders)s are filled by _with_message.
TEMPLATES: dict[str, str] = {
    "state_paid_category": N_("Insured: state-paid category «%(category)s»; %(payer)s pays the contributions."),
    "paid": N_("Insured: contributions for %(month)s have been received (%(kind)s)."),
    "grace": N_("Insured: rights are kept for %(grace)s months after the last covered month, %(last)s (grace period)."),
    "transitional_2020": N_("Insured: from %(start)s to %(end)s everyone is treated as insured (transitional period)."),
    "not_applicable_before_insurance": N_("Not applicable: the insurance package exists from %(start)s."),
    "lapsed": N_(
        "Not insured: the last covered month was %(last)s%(grace_end)s. Only the guaranteed free package "
        "(GOBMP) is available."
    ),
    "arrears_unpaid_after_lapse": N_(
        "Not insured: a self-payment for %(month)s restores insurance only once the arrears of the previous "
        "%(cap)s months are paid. Only the guaranteed free package (GOBMP) is available."
    ),
    "never_paid": N_(
        "Not insured: no contributions were received in the last %(history)s months. Only the guaranteed free "
        "package (GOBMP) is available."
    ),
    "deceased": N_("Not insured: the person died on %(death)s."),
    "not_born": N_("Not insured: the person was born on %(birth)s, after this date."),
    "unknown_person": N_("No person with IIN %(iin)s is in the registry."),
}
UNTIL = N_("Insured until %(until)s.")  # after the sentence, with a space
GRACE_ENDED = N_("; the grace period ended on %(day)s")  # inside the lapsed sentence, after the last covered month
ARREARS = N_("Arrears: %(count)s months, %(amount)s tenge.")  # after the sentence, with a space


def _with_message(status: Status, category_label: Callable[[str, str], str]) -> Status:
    messages: dict[str, str] = {}
    code = status.basis.code
    detail = status.detail
    month = Month.of(status.on)
    owed = status.arrears_amount if status.arrears else None
    payer = status.basis.payer or ""
    kind = status.basis.kind or ""
    for lang in LANGS:
        words = translator(lang).gettext
        params = {
            "iin": status.iin,
            "category": category_label(lang, status.basis.category) if status.basis.category else "",
            "payer": words(PAYER_WORDS[payer]) if payer in PAYER_WORDS else payer,
            "kind": words(KIND_WORDS[kind]) if kind in KIND_WORDS else kind,
            "month": _month_text(lang, month),
            "last": _month_text(lang, status.last_covered),
            "grace": str(status.grace_months or ""),
            "grace_end": words(GRACE_ENDED) % {"day": _day(lang, status.grace_end)} if status.grace_end else "",
            "cap": detail.get("cap", ""),
            "history": detail.get("history", ""),
            "start": _day(lang, _parse(detail.get("starts") or detail.get("from"))),
            "end": _day(lang, _parse(detail.get("to"))),
            "death": _day(lang, _parse(detail.get("death_date"))),
            "birth": _day(lang, _parse(detail.get("birth_date"))),
        }
        text = words(TEMPLATES[code]) % params
        if status.insured and status.insured_until is not None:
            text += " " + words(UNTIL) % {"until": _day(lang, status.insured_until)}
        if status.arrears:
            amount = _money(lang, owed or Decimal(0))
            text += " " + words(ARREARS) % {"count": len(status.arrears), "amount": amount}
        messages[lang] = tidy(text)
    return _replace_message(status, messages)


def _parse(text: str | None) -> date | None:
    return date.fromisoformat(text) if text else None


def _replace_message(status: Status, messages: dict[str, str]) -> Status:
    return replace(status, message=messages)
