"""Payment registers of the synthetic country: ``osms synth --registers MONTHS`` (docs/synth.md).

The State Corporation sends one register a month: every payment whose money arrived (value
date) in that month. This module writes ``registers/register-YYYY-MM.csv`` for each of the
``months`` value months that end with the month before ``as_of``, derived from the country's
files (``persons.csv``, ``payers.csv``, ``employment.csv``, ``economic_status.csv``,
``categories.csv``):

* employees: ``employer_deduction`` and ``employee_contribution`` for every month a labour
  contract covers, paid in the next month by the 25th; nothing in a month the person is in a
  state-paid category (``contributions.rules.employee_charges``); civil-law contracts:
  ``civil_contract`` from the agent or employer; all amounts from the calculators (kz-law);
* individual entrepreneurs (``ie_contribution``) and self-payers (``self_payment``) with
  habits: regular, late, lapsing, prepaying, paying arrears;
* the state (or the region's local budget, when the rulebook says so): ``state_contribution``
  for every person-month in a state-paid category, in the first 5 working days;
* a few reversals of earlier payments, deliberately bad rows in some files (listed in
  ``registers/bad_rows.csv`` with their reason code) and one resent file (an exact copy).

Deterministic: one ``random.Random`` seeded from the seed (independent of the country's own
stream, so the country's files do not change), and everything in file order. Streaming: one
month at a time, written in blocks; the per-row amounts use the calculators' rate and cap of
the period (checked against ``compute`` when a period is first used) in integer tiyn.
"""

from __future__ import annotations

import csv
import shutil
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from random import Random
from typing import Final

from osms.contributions.rulebook import ContributionsTopic
from osms.contributions.rules import CalcError, Membership, compute, state_paid_hits
from osms.core.identity import make_bin, make_iin
from osms.core.money import format_money
from osms.core.periods import Month
from osms.core.progress import Reporter, Silent
from osms.core.workdays import is_working_day
from osms.registry.rulebook import CategoryRule
from osms.rulebooks.loader import Rulebook, RulebookError, load_rulebook

__all__ = [
    "BAD_REASONS",
    "BAD_ROWS_COLUMNS",
    "BAD_ROWS_FILE",
    "KINDS",
    "REGISTER_COLUMNS",
    "REGISTERS_DIR",
    "RULEBOOK",
    "RegistersResult",
    "read_bad_rows",
    "register_name",
    "value_months",
    "write_registers",
]

REGISTERS_DIR: Final = "registers"
BAD_ROWS_FILE: Final = "bad_rows.csv"
RULEBOOK: Final = "kz-law"
# The State Corporation's file: a fixed interface (osms.contributions.register_rules.COLUMNS).
REGISTER_COLUMNS: Final = ("reference", "payer_id", "payer_kind", "iin", "period", "kind", "amount", "value_date")
KINDS: Final = (
    "employer_deduction",
    "employee_contribution",
    "civil_contract",
    "ie_contribution",
    "self_payment",
    "state_contribution",
    "reversal",
)
BAD_ROWS_COLUMNS: Final = ("file", "line", "reference", "reason")
# Deliberately bad rows: reason code (the ingestion's code, osms.contributions.register_rules.REASONS)
# -> what the row is. Every bad file has at least one of each.
BAD_REASONS: Final[Mapping[str, str]] = {
    "bad_iin": "a copy of a payment with the IIN's check digit changed",
    "unknown_person": "a payment for a valid IIN that is not in persons.csv",
    "period_too_far_ahead": "an employer's (or the state's) payment for a period 2 months after the value month",
    "non_positive_amount": "a payment of 0.00 or of minus its amount",
    "unknown_payer": "a payment from a valid BIN that is not in payers.csv",
    "duplicate_reference": "an exact copy of an earlier row of the same file (same reference)",
    "unknown_original": "a reversal of a reference that was never paid",
    "bad_row_shape": "a payment with one field too few (no value_date) or one too many",
}

REVERSAL_SHARE: Final = 0.0005  # of good payments, reversed 1-3 months later
BAD_SHARE: Final = 0.003  # of the rows of a bad file
BAD_FILE_EVERY: Final = 3  # files 2, 5, 8, ... of the window have bad rows
EMPLOYER_LAST_DAY: Final = 25  # employers pay by the 25th of the next month (docs/calculators.md)
STATE_WORKING_DAYS: Final = 5  # the state pays in the first 5 working days (docs/calculators.md)
BLOCK: Final = 8192  # lines per write

# Habits (shares of individual entrepreneurs and of self-payers), drawn once per person.
IE_REGULAR, IE_IRREGULAR = 0, 1
SELF_REGULAR, SELF_LAPSER, SELF_PREPAYER, SELF_ARREARS = 0, 1, 2, 3
IE_HABITS: Final = ((IE_REGULAR, 0.8), (IE_IRREGULAR, 0.2))
SELF_HABITS: Final = ((SELF_REGULAR, 0.45), (SELF_LAPSER, 0.2), (SELF_PREPAYER, 0.15), (SELF_ARREARS, 0.2))
ARREARS_MONTHS: Final = 12  # a late payer pays at most this many months back (a habit, not a rule)


@dataclass
class RegistersResult:
    files: dict[str, int]  # register file name -> rows (good and bad, without the header)
    bad_rows: dict[str, int]  # reason -> rows
    reversals: int
    resent: str  # the name of the resent copy
    resent_of: str  # the file it copies
    first_month: str
    last_month: str
    seconds: float
    kinds: dict[str, int] = field(default_factory=dict)  # good rows by kind

    @property
    def rows(self) -> int:
        return sum(self.files.values())

    def as_manifest(self) -> dict[str, object]:
        return {
            "months": len(self.files),
            "first_month": self.first_month,
            "last_month": self.last_month,
            "columns": list(REGISTER_COLUMNS),
            "files": dict(self.files),
            "rows": self.rows,
            "kinds": dict(self.kinds),
            "reversals": self.reversals,
            "bad_rows": dict(self.bad_rows),
            "resent": {"file": self.resent, "copy_of": self.resent_of},
        }


def value_months(as_of: date, months: int) -> list[Month]:
    """The ``months`` value months that end with the month before ``as_of``, oldest first."""
    last = Month.of(as_of).index - 1
    return [Month.from_index(i) for i in range(last - months + 1, last + 1)]


def register_name(month: Month) -> str:
    return f"register-{month}.csv"


def _month_index(text: str) -> int:
    """'YYYY-MM-DD' (or 'YYYY-MM') -> Month.index."""
    return int(text[:4]) * 12 + int(text[5:7]) - 1


def _tiyn(text: str) -> int:
    whole, _, frac = text.partition(".")
    return int(whole) * 100 + (int(frac.ljust(2, "0")[:2]) if frac else 0)


def _money(tiyn: int) -> str:
    sign = "-" if tiyn < 0 else ""
    tiyn = abs(tiyn)
    return f"{sign}{tiyn // 100}.{tiyn % 100:02d}"


def _weighted(rng: Random, table: tuple[tuple[int, float], ...]) -> int:
    u = rng.random()
    for value, share in table:
        if u < share:
            return value
        u -= share
    return table[-1][0]


# ------------------------------------------------------------------------------------------
# Amounts: the calculators of osms.contributions.rules, once per (payer kind, period)


IncomeRule = tuple[int, int, int]  # rate numerator, rate denominator, cap in tiyn (-1: none)


class _Amounts:
    """Amount texts by payer kind and period, from ``contributions.rules.compute``.

    A flat kind (self-payer, IE, state) is computed once per period. For an income kind the
    period's rate and cap are taken from ``compute`` and applied in integer tiyn (the same
    formula: half-up to 0.01 after the cap), checked against ``compute`` for a few incomes when
    the period is first used. (Wages hardly repeat, so a cache per income would not pay: the
    integer formula is cheaper than a lookup and costs no memory.)
    """

    def __init__(self, rulebook: Rulebook) -> None:
        self.rb = rulebook
        self._flat: dict[tuple[str, int], str | None] = {}
        self._income: dict[tuple[str, int], IncomeRule | None] = {}

    def _compute(self, kind: str, period: int, income: Decimal | None) -> Decimal | None:
        try:
            result = compute(self.rb, kind, Month.from_index(period), income)
        except CalcError as exc:
            if exc.code in ("no_rule", "period_outside_rulebook", "unknown_payer_kind"):
                return None  # the kind did not exist (yet) or the rulebook does not reach the period
            raise
        return None if result.exempt else result.amount

    def flat(self, kind: str, period: int) -> str | None:
        key = (kind, period)
        if key not in self._flat:
            amount = self._compute(kind, period, None)
            self._flat[key] = None if amount is None or amount <= 0 else format_money(amount)
        return self._flat[key]

    def income_rule(self, kind: str, period: int) -> IncomeRule | None:
        """(rate numerator, rate denominator, cap in tiyn or -1) or None when nothing is due."""
        key = (kind, period)
        if key in self._income:
            return self._income[key]
        found: IncomeRule | None = None
        try:
            result = compute(self.rb, kind, Month.from_index(period), Decimal("100000.00"))
        except CalcError as exc:
            if exc.code not in ("no_rule", "period_outside_rulebook", "unknown_payer_kind"):
                raise
        else:
            if not result.exempt and result.rate > 0:
                num, den = result.rate.as_integer_ratio()
                cap = -1
                if result.cap is not None:
                    cap = int(result.cap * 100)
                    if Decimal(cap) != result.cap * 100:  # pragma: no cover - MW are whole tiyn
                        raise RuntimeError(f"cap {result.cap} of {kind} in {period} is not whole tiyn")
                found = (num, den, cap)
                probes = [1, 8_500_000, 30_000_000, 123_456_789, 10**11]
                if cap > 0:
                    probes += [cap - 1, cap, cap + 1]
                for tiyn in probes:  # the integer formula must give the calculators' amounts
                    expected = compute(self.rb, kind, Month.from_index(period), Decimal(tiyn) / 100).amount
                    if _income_amount(found, tiyn) != format_money(expected):  # pragma: no cover
                        raise RuntimeError(f"{kind} {period}: amount of {tiyn} tiyn differs from the calculator")
        self._income[key] = found
        return found


def _income_amount(rule: IncomeRule, tiyn: int) -> str:
    """``round_half_up(rate × min(income, cap))`` in tiyn, as text with 2 decimals."""
    num, den, cap = rule
    base = tiyn if cap < 0 or tiyn <= cap else cap
    t = (2 * base * num + den) // (2 * den)  # half-up to a whole tiyn (base >= 0)
    return f"{t // 100}.{t % 100:02d}"


# ------------------------------------------------------------------------------------------
# The country, read back from its files


# A spell of work: person, payer id, payer kind, civil-law contract (else labour contract),
# income in tiyn a month, first and last period (Month.index; a large number while open).
_Span = tuple[int, str, str, bool, int, int, int]


class _Country:
    """What the registers need of the country, per person index (persons.csv order)."""

    def __init__(self, out_dir: Path, base: int, top: int, rulebook: Rulebook) -> None:
        # Memory: a million people. Repeated texts (regions, statuses, payer ids and kinds) are
        # kept once (csv makes a new string per field), spells outside the window are dropped.
        self.base, self.top = base, top
        self.iins: list[str] = []
        self.index: dict[str, int] = {}
        self.region: list[str] = []
        texts: dict[str, str] = {}
        with (out_dir / "persons.csv").open(encoding="utf-8", newline="") as fh:
            reader = csv.reader(fh)
            header = next(reader)
            iin_col, region_col = header.index("iin"), header.index("region")
            for row in reader:
                self.index[row[iin_col]] = len(self.iins)
                self.iins.append(row[iin_col])
                self.region.append(texts.setdefault(row[region_col], row[region_col]))
        n = len(self.iins)
        self.status: list[str] = [""] * n
        with (out_dir / "economic_status.csv").open(encoding="utf-8", newline="") as fh:
            reader = csv.reader(fh)
            next(reader)
            for iin, status in reader:
                self.status[self.index[iin]] = texts.setdefault(status, status)
        self.payers: dict[str, tuple[str, str]] = {}  # payer id -> (the id, its kind), one object each
        self.state_id = ""
        self.local_ids: dict[str, str] = {}
        with (out_dir / "payers.csv").open(encoding="utf-8", newline="") as fh:
            for payer in csv.DictReader(fh):
                payer_id, kind = payer["payer_id"], texts.setdefault(payer["kind"], payer["kind"])
                self.payers[payer_id] = (payer_id, kind)
                if kind == "state":
                    self.state_id = payer_id
                elif kind == "local_budget":
                    self.local_ids[payer["region"]] = payer_id
        if not self.state_id:
            raise ValueError("payers.csv has no state payer")
        self.spans: list[_Span] = []
        self.last_end: dict[int, int] = {}  # IE or self-payer -> month (index) their latest job ended
        for_themselves = {"individual_entrepreneur", "self_payer"}
        open_span = 1 << 30
        months: dict[int, int] = {}
        with (out_dir / "employment.csv").open(encoding="utf-8", newline="") as fh:
            reader = csv.reader(fh)
            next(reader)
            for iin, payer_id, kind, income, start, end in reader:
                p = self.index[iin]
                first = _month_index(start)
                last = _month_index(end) if end else open_span
                if end and self.status[p] in for_themselves and last > self.last_end.get(p, -1):
                    self.last_end[p] = last
                if last < base or first > top:
                    continue
                pid, payer_kind = self.payers[payer_id]
                first = months.setdefault(first, first)
                last = months.setdefault(last, last)
                self.spans.append((p, pid, payer_kind, kind == "civil_contract", _tiyn(income), first, last))
        self.state_bits, self.local_bits = self._state_paid(out_dir, rulebook)

    def _state_paid(self, out_dir: Path, rulebook: Rulebook) -> tuple[list[int], list[int]]:
        """Per person, bit P - base set when the state (or a local budget) pays for period P.

        Exactly ``state_paid_hits``: a month counts when a category spell holds on a day of it on
        which the rulebook lists the code as state-paid. Months where a code's rule covers the
        whole month with one payer are done with bit masks; the rest ask ``state_paid_hits``.
        """
        base, top = self.base, self.top
        width = top - base + 1
        full: dict[str, tuple[int, int, int]] = {}  # code -> (state months, local months, partial months)

        def masks(code: str) -> tuple[int, int, int]:
            found = full.get(code)
            if found is None:
                try:
                    entries = [e for e in rulebook.series(f"categories.{code}") if isinstance(e, CategoryRule)]
                except RulebookError:
                    entries = []
                state = local = partial = 0
                for i in range(width):
                    month = Month.from_index(base + i)
                    first, last = month.first_day, month.last_day
                    whole = [e for e in entries if e.valid_from <= first and (e.valid_to is None or e.valid_to >= last)]
                    if whole:
                        if whole[0].payer == "local_budget":
                            local |= 1 << i
                        else:
                            state |= 1 << i
                    elif any(e.valid_from <= last and (e.valid_to is None or e.valid_to >= first) for e in entries):
                        partial |= 1 << i
                found = full[code] = (state, local, partial)
            return found

        n = len(self.iins)
        state_bits = [0] * n
        local_bits = [0] * n
        all_bits = (1 << width) - 1
        with (out_dir / "categories.csv").open(encoding="utf-8", newline="") as fh:
            reader = csv.reader(fh)
            next(reader)
            for iin, code, valid_from, valid_to, _ in reader:
                a = _month_index(valid_from)
                b = _month_index(valid_to) if valid_to else top
                if b < base or a > top:
                    continue
                if a < base:
                    a = base
                if b > top:
                    b = top
                span = all_bits >> (width - (b - a + 1)) << (a - base)
                state, local, partial = masks(code)
                p = self.index[iin]
                state_bits[p] |= span & state
                local_bits[p] |= span & local
                if span & partial:
                    membership = Membership(
                        code,
                        date.fromisoformat(valid_from),
                        date.fromisoformat(valid_to) if valid_to else None,
                    )
                    for i in range(width):
                        if span & partial & (1 << i):
                            for hit in state_paid_hits(rulebook, [membership], Month.from_index(base + i)):
                                if hit.payer == "local_budget":
                                    local_bits[p] |= 1 << i
                                else:
                                    state_bits[p] |= 1 << i
        return state_bits, local_bits


# ------------------------------------------------------------------------------------------
# Writing


ORG_PAYERS: Final = frozenset({"employer", "agent", "state", "local_budget"})
EMPLOYER_KINDS: Final = frozenset({"employer_deduction", "employee_contribution"})


class _Writer:
    """One register file: references, line numbers, reversals to remember, bad rows.

    The per-row path (``row``) only numbers and buffers the line. Everything else happens at
    "events", on precomputed reference numbers: writing a block, a row picked for a later
    reversal, a bad row due (in a bad file), or a row of an employer, agent or state to copy
    when bad rows are made.
    """

    def __init__(self, gen: _Registers, month: Month, path: Path, bad: bool) -> None:
        self.gen = gen
        self.month = month
        self.name = path.name
        self.fh = path.open("w", encoding="utf-8", newline="")
        self.fh.write(",".join(REGISTER_COLUMNS) + "\n")
        self.lines: list[str] = []
        self.prefix = f"P{gen.seed}-{month}-"
        self.refs = 0  # references issued: good rows and bad rows with a new reference
        self.extra = 0  # lines without a new reference: reversals, duplicate references
        self.kinds = dict.fromkeys(KINDS, 0)
        self.rng = gen.rng
        self.bad = bad
        self.bad_used: set[str] = set()
        self.reasons = list(BAD_REASONS)
        self.reason_at = gen.rng.randrange(len(self.reasons))
        self.next_flush = BLOCK
        self.next_reversal = gen.reversal_countdown
        self.next_bad = self._gap(BAD_SHARE) if bad else 1 << 62
        self.bad_due = 0  # bad rows waiting for a row of an employer, agent or state to copy
        self.template: tuple[str, ...] | None = None  # a good row of an employer, agent or state
        self.employer_template: tuple[str, ...] | None = None  # ... of an employer's deduction/contribution
        self.next_event = 1  # the first rows are events until the templates are found

    def _gap(self, share: float) -> int:
        return self.refs + 1 + int(self.rng.expovariate(share))

    @property
    def written(self) -> int:
        """Lines after the header."""
        return self.refs + self.extra

    def reference(self) -> str:
        self.refs += 1
        return f"{self.prefix}{self.refs:09d}"

    def row(self, payer_id: str, payer_kind: str, iin: str, period: str, kind: str, amount: str, vd: str) -> None:
        """A good row."""
        self.refs = n = self.refs + 1
        self.lines.append(f"{self.prefix}{n:09d},{payer_id},{payer_kind},{iin},{period},{kind},{amount},{vd}\n")
        self.kinds[kind] += 1
        if n >= self.next_event:
            self._event((f"{self.prefix}{n:09d}", payer_id, payer_kind, iin, period, kind, amount, vd))

    def _event(self, values: tuple[str, ...]) -> None:
        n = self.refs
        if n >= self.next_flush:
            self.fh.write("".join(self.lines))
            self.lines.clear()
            self.next_flush = n + BLOCK
        if n >= self.next_reversal:
            ref, payer_id, payer_kind, iin, period, _, amount, _ = values
            self.gen.remember_for_reversal(self.month.index, (ref, payer_id, payer_kind, iin, period, amount))
            self.next_reversal = n + 1 + int(self.rng.expovariate(REVERSAL_SHARE))
        if n >= self.next_bad:
            self.bad_due += 1
            self.next_bad = self._gap(BAD_SHARE)
        if values[2] in ORG_PAYERS:
            self.template = values
            if self.employer_template is None and values[5] in EMPLOYER_KINDS:
                self.employer_template = values
            while self.bad_due:
                self.bad_due -= 1
                self.bad_row()
        wanted = self.template is None or self.employer_template is None or self.bad_due
        self.next_event = self.refs + 1 if wanted else min(self.next_flush, self.next_reversal, self.next_bad)

    def reversal(self, original: tuple[str, str, str, str, str, str], vd: str) -> None:
        ref, payer_id, payer_kind, iin, period, amount = original
        self.lines.append(f"REV:{ref},{payer_id},{payer_kind},{iin},{period},reversal,{amount},{vd}\n")
        self.extra += 1
        self.kinds["reversal"] += 1

    def bad_row(self, reason: str | None = None) -> None:
        """A deliberately bad row (the next reason in turn), noted in bad_rows.csv."""
        org = self.template
        if org is None:
            return  # no row of an employer, agent or state in this file to copy
        employer = self.employer_template or org
        if reason is None:
            reason = self.reasons[self.reason_at % len(self.reasons)]
            self.reason_at += 1
        gen, rng = self.gen, self.rng
        _, payer_id, payer_kind, iin, period, kind, amount, vd = org
        if reason == "duplicate_reference":
            values = list(org)  # an exact copy of an earlier row: no new reference
            self.extra += 1
        else:
            values = [self.reference(), payer_id, payer_kind, iin, period, kind, amount, vd]
        if reason == "bad_iin":
            wrong = (int(iin[11]) + 1 + rng.randrange(9)) % 10
            values[3] = iin[:11] + str(wrong)
        elif reason == "unknown_person":
            values[3] = gen.unknown_iin()
        elif reason == "period_too_far_ahead":
            values = [values[0], *employer[1:]]
            values[4] = str(self.month + 2)
        elif reason == "non_positive_amount":
            values[6] = "0.00" if rng.random() < 0.5 else "-" + amount
        elif reason == "unknown_payer":
            values = [values[0], *employer[1:]]
            values[1] = gen.unknown_bin()
        elif reason == "unknown_original":
            values[0] = f"REV:P{gen.seed}-{self.month - 1}-U{self.refs:08d}"
            values[5] = "reversal"
        elif reason == "bad_row_shape":
            values = values[:-1] if rng.random() < 0.5 else [*values, values[-1]]
        self.lines.append(",".join(values) + "\n")
        self.bad_used.add(reason)
        gen.bad.append((self.name, self.written + 1, values[0], reason))
        gen.bad_counts[reason] = gen.bad_counts.get(reason, 0) + 1

    def close(self) -> int:
        while self.bad_due and self.template is not None:
            self.bad_due -= 1
            self.bad_row()
        if self.bad:
            for reason in BAD_REASONS:  # every reason at least once in a bad file
                if reason not in self.bad_used:
                    self.bad_row(reason)
        self.fh.write("".join(self.lines))
        self.lines.clear()
        self.fh.close()
        gen = self.gen
        gen.reversal_countdown = max(1, self.next_reversal - self.refs)
        for kind, count in self.kinds.items():
            gen.kinds[kind] = gen.kinds.get(kind, 0) + count
        gen.reversals += self.kinds["reversal"]
        return self.written


class _Registers:
    def __init__(
        self,
        out_dir: Path,
        seed: int,
        as_of: date,
        months: int,
        rulebook: Rulebook,
        ie_start: Mapping[str, date] | None,
    ) -> None:
        self.seed = seed
        self.ie_start = ie_start
        self.rb = rulebook
        self.months = value_months(as_of, months)
        self.first = self.months[0].index
        self.last = self.months[-1].index
        # Periods a payment of the window can be for: arrears back to first - 12, prepayment to last + 12.
        self.base = self.first - 1 - ARREARS_MONTHS
        self.top = self.last + 12
        self.rulebook_last = Month.of(rulebook.covers_to).index
        self.rng = Random(f"osms-synth-registers:{seed}")
        self.country = _Country(out_dir, self.base, self.top, rulebook)
        self.amounts = _Amounts(rulebook)
        self.kinds: dict[str, int] = {}
        self.bad: list[tuple[str, int, str, str]] = []
        self.bad_counts: dict[str, int] = {}
        self.reversals = 0
        self.pending: dict[int, list[tuple[str, str, str, str, str, str]]] = {}
        self.reversal_countdown = 1 + int(self.rng.expovariate(REVERSAL_SHARE))
        self._unknown_iins = 0
        self._unknown_bins = 0
        self._workdays: dict[int, list[str]] = {}
        c = self.country
        self.state_people = [p for p in range(len(c.iins)) if c.state_bits[p] or c.local_bits[p]]
        self._setup_people()

    # -- helpers
    def remember_for_reversal(self, month: int, original: tuple[str, str, str, str, str, str]) -> None:
        target = month + 1 + self.rng.randrange(3)
        if target <= self.last:
            self.pending.setdefault(target, []).append(original)

    def unknown_iin(self) -> str:
        """A valid IIN that is not in persons.csv (serials far above the generator's)."""
        while True:
            self._unknown_iins += 1
            k = self._unknown_iins
            born = date(1950, 1, 1) + timedelta(days=(k * 7919) % 20000)
            iin = make_iin(born, "F" if k % 2 else "M", 9999 - (k % 700))
            if iin is not None and iin not in self.country.index:
                return iin

    def unknown_bin(self) -> str:
        """A valid BIN that is not in payers.csv."""
        while True:
            self._unknown_bins += 1
            k = self._unknown_bins
            b = make_bin(date(2003 + k % 15, 1 + k % 12, 1), 4, 0, 99999 - k)
            if b is not None and b not in self.country.payers:
                return b

    def workdays(self, month: int) -> list[str]:
        days = self._workdays.get(month)
        if days is None:
            m = Month.from_index(month)
            d, end = m.first_day, m.last_day
            days = []
            while d <= end:
                if is_working_day(d):
                    days.append(d.isoformat())
                d += timedelta(days=1)
            self._workdays[month] = days
        return days

    def _day(self, month: int, lo: int, hi: int) -> str:
        m = Month.from_index(month)
        return f"{m}-{lo + self.rng.randrange(hi - lo + 1):02d}"

    def _state_paid(self, p: int, period: int) -> bool:
        bit = 1 << (period - self.base)
        return bool((self.country.state_bits[p] | self.country.local_bits[p]) & bit)

    # -- people who pay for themselves
    def _setup_people(self) -> None:
        c, rng = self.country, self.rng
        self.ies: list[tuple[int, int, int]] = []  # (person, habit, first period)
        self.selfs: list[tuple[int, int, int, int, int, int]] = []  # person, habit, first, same_month, lapse, len
        ie_start = self.ie_start
        for p, status in enumerate(c.status):
            if status == "individual_entrepreneur":
                start = ie_start.get(c.iins[p]) if ie_start is not None else None
                if start is not None:
                    first = start.year * 12 + start.month - 1
                elif p in c.last_end:
                    first = c.last_end[p] + 1  # after their last job
                else:
                    first = self.base
                self.ies.append((p, _weighted(rng, IE_HABITS), first))
            elif status == "self_payer":
                if p in c.last_end:
                    gap = 0 if rng.random() < 0.4 else 1 + rng.randrange(5)
                    first = c.last_end[p] + 1 + gap
                else:
                    first = self.base
                habit = _weighted(rng, SELF_HABITS)
                same_month = 1 if rng.random() < 0.5 else 0
                lapse = self.first - 3 + rng.randrange(max(1, self.last - self.first))
                self.selfs.append((p, habit, first, same_month, lapse, 4 + rng.randrange(5)))
        self.ie_paid = [(1 << max(0, self.first - 1 - self.base)) - 1] * len(self.ies)
        self.ie_skip_until = [0] * len(self.ies)
        self.ie_same_month = [1 if rng.random() < 0.3 else 0 for _ in self.ies]
        self.self_paid = [(1 << max(0, self.first - self.base)) - 1] * len(self.selfs)
        self.self_skip_until = [0] * len(self.selfs)

    # -- one month
    def write_month(self, month: Month, out: Path, bad: bool) -> int:
        c, rng = self.country, self.rng
        v = month.index
        period = v - 1
        ptext = str(Month.from_index(period))
        w = _Writer(self, month, out / register_name(month), bad)
        row = w.row
        iins = c.iins
        bit = 1 << (period - self.base)
        state_bits, local_bits = c.state_bits, c.local_bits

        # Employers and agents: for the previous month, by the 25th.
        work = [d for d in self.workdays(v) if int(d[8:]) <= EMPLOYER_LAST_DAY] or self.workdays(v)
        payday: dict[str, str] = {}
        none = (0, 1, -1)
        deduction = self.amounts.income_rule("employer-deduction", period) or none
        contribution = self.amounts.income_rule("employee-contribution", period) or none
        contract = self.amounts.income_rule("civil-contract", period) or none
        d_num, d_den, d_cap = deduction
        c_num, c_den, c_cap = contribution
        k_num, k_den, k_cap = contract
        d_cap = d_cap if d_cap >= 0 else 1 << 62
        c_cap = c_cap if c_cap >= 0 else 1 << 62
        k_cap = k_cap if k_cap >= 0 else 1 << 62
        randrange, nwork = rng.randrange, len(work)
        for p, payer_id, payer_kind, is_contract, income, first, last in c.spans:
            if first > period or last < period or (state_bits[p] | local_bits[p]) & bit:
                continue  # not working, or state-paid this month: nothing due (employee_charges)
            vd = payday.get(payer_id)
            if vd is None:
                vd = payday[payer_id] = work[randrange(nwork)]
            # The calculators' formula in tiyn: half-up of rate x min(income, cap) (see _Amounts).
            if is_contract:
                if k_num:
                    t = (2 * (income if income <= k_cap else k_cap) * k_num + k_den) // (2 * k_den)
                    row(payer_id, payer_kind, iins[p], ptext, "civil_contract", f"{t // 100}.{t % 100:02d}", vd)
                continue
            if d_num:
                t = (2 * (income if income <= d_cap else d_cap) * d_num + d_den) // (2 * d_den)
                row(payer_id, payer_kind, iins[p], ptext, "employer_deduction", f"{t // 100}.{t % 100:02d}", vd)
            if c_num:
                t = (2 * (income if income <= c_cap else c_cap) * c_num + c_den) // (2 * c_den)
                row(payer_id, payer_kind, iins[p], ptext, "employee_contribution", f"{t // 100}.{t % 100:02d}", vd)

        # Individual entrepreneurs, for themselves.
        self._ies(w, v)
        # Self-payers.
        self._selfs(w, v)

        # The state (or the local budget) for every state-paid person, in the first 5 working days.
        state_amount = self.amounts.flat("state", period)
        if state_amount is not None:
            first_days = self.workdays(v)[:STATE_WORKING_DAYS] or [f"{month}-01"]
            state_vd = first_days[rng.randrange(len(first_days))]
            local_vd = {r: first_days[rng.randrange(len(first_days))] for r in sorted(c.local_ids)}
            state_id, local_ids, region = c.state_id, c.local_ids, c.region
            for p in self.state_people:
                if state_bits[p] & bit:
                    row(state_id, "state", iins[p], ptext, "state_contribution", state_amount, state_vd)
                elif local_bits[p] & bit:
                    r = region[p]
                    row(local_ids[r], "local_budget", iins[p], ptext, "state_contribution", state_amount, local_vd[r])

        # Reversals of payments of the last 1-3 months.
        days = self.workdays(v) or [f"{month}-01"]
        for original in self.pending.pop(v, []):
            w.reversal(original, days[rng.randrange(len(days))])
        return w.close()

    def _ies(self, w: _Writer, v: int) -> None:
        c, rng, base = self.country, self.rng, self.base
        amounts = self.amounts
        iins = c.iins
        for k, (p, habit, first) in enumerate(self.ies):
            same = self.ie_same_month[k]
            due_last = v if same else v - 1
            if habit == IE_IRREGULAR:
                if v < self.ie_skip_until[k]:
                    continue
                if rng.random() < 0.25:  # misses 1-4 months, then pays them together
                    self.ie_skip_until[k] = v + 1 + rng.randrange(4)
                    continue
                periods = range(max(due_last - ARREARS_MONTHS + 1, first), due_last + 1)
            else:
                periods = range(max(due_last, first), due_last + 1)
            paid = self.ie_paid[k]
            iin = iins[p]
            vd = None
            for period in periods:
                bit = 1 << (period - base)
                if paid & bit or self._state_paid(p, period):
                    continue
                amount = amounts.flat("individual-entrepreneur", period)
                if amount is None:
                    continue
                if vd is None:
                    vd = self._day(v, 1, 28) if same else self._day(v, 1, EMPLOYER_LAST_DAY)
                w.row(iin, "individual_entrepreneur", iin, str(Month.from_index(period)), "ie_contribution", amount, vd)
                paid |= bit
            self.ie_paid[k] = paid

    def _selfs(self, w: _Writer, v: int) -> None:
        c, rng, base = self.country, self.rng, self.base
        amounts = self.amounts
        iins = c.iins
        for k, (p, habit, first, same, lapse, lapse_len) in enumerate(self.selfs):
            due_last = v if same or habit in (SELF_LAPSER, SELF_PREPAYER) else v - 1
            vd_text = self._day(v, 1, 28) if same or habit != SELF_REGULAR else self._day(v, 1, EMPLOYER_LAST_DAY)
            periods: range
            if habit == SELF_LAPSER:
                if lapse <= v < lapse + lapse_len:
                    continue  # lapsed
                periods = range(max(v, first), v + 1)  # the current month only, never the arrears
            elif habit == SELF_PREPAYER:
                day = date.fromisoformat(vd_text)
                ahead = self.rb.topic(ContributionsTopic).self_payer_prepay_months(day) if self.rb.covers(day) else 0
                if ahead:
                    if self.self_paid[k] & (1 << (v - base)):
                        continue  # still prepaid
                    top = min(v + 2 + rng.randrange(ahead - 1) if ahead > 1 else v + ahead, self.top)
                    periods = range(max(v, first), min(top, self.rulebook_last) + 1)
                else:
                    periods = range(max(v, first), v + 1)
            elif habit == SELF_ARREARS:
                if v < self.self_skip_until[k]:
                    continue
                if rng.random() < 0.15:  # stops for 2-5 months, then pays the arrears and the month
                    self.self_skip_until[k] = v + 2 + rng.randrange(4)
                    continue
                periods = range(max(v - ARREARS_MONTHS, first), v + 1)
            else:
                periods = range(max(due_last, first), due_last + 1)
            paid = self.self_paid[k]
            iin = iins[p]
            for period in periods:
                bit = 1 << (period - base)
                if paid & bit or self._state_paid(p, period):
                    continue
                amount = amounts.flat("self-payer", period)
                if amount is None:
                    continue
                w.row(iin, "self", iin, str(Month.from_index(period)), "self_payment", amount, vd_text)
                paid |= bit
            self.self_paid[k] = paid


def write_registers(
    out_dir: Path,
    *,
    seed: int,
    as_of: date,
    months: int,
    reporter: Reporter | None = None,
    ie_start: Mapping[str, date] | None = None,
    rulebook: str = RULEBOOK,
) -> RegistersResult:
    """Write ``out_dir/registers/`` for the country in ``out_dir`` (its CSV files must exist).

    ``ie_start`` (IIN -> first day as an individual entrepreneur) comes from the generator;
    without it an entrepreneur is taken to have started after their last job ended.
    """
    if months < 1:
        raise ValueError("months must be at least 1")
    started = time.perf_counter()
    rep = reporter or Silent()
    book = load_rulebook(rulebook)
    reg_dir = out_dir / REGISTERS_DIR
    reg_dir.mkdir(parents=True, exist_ok=True)
    for old in reg_dir.glob("register-*.csv"):  # a smaller window must not leave older files behind
        old.unlink()
    rep.phase("registers (read)", 1)
    gen = _Registers(out_dir, seed, as_of, months, book, ie_start)
    rep.advance(1)
    rep.phase("registers", months)
    files: dict[str, int] = {}
    window = gen.months
    bad_files = {i for i in range(len(window)) if i % BAD_FILE_EVERY == 1} or {0}
    for i, month in enumerate(window):
        files[register_name(month)] = gen.write_month(month, reg_dir, i in bad_files)
        rep.advance(1)
    clean = [i for i in range(len(window)) if i not in bad_files]
    resent_index = clean[-1] if clean else len(window) - 1
    source = register_name(window[resent_index])
    resent = source.removesuffix(".csv") + ".resent.csv"
    shutil.copyfile(reg_dir / source, reg_dir / resent)
    with (reg_dir / BAD_ROWS_FILE).open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(BAD_ROWS_COLUMNS)
        writer.writerows(gen.bad)
    return RegistersResult(
        files=files,
        bad_rows={reason: gen.bad_counts.get(reason, 0) for reason in BAD_REASONS},
        reversals=gen.reversals,
        resent=resent,
        resent_of=source,
        first_month=str(window[0]),
        last_month=str(window[-1]),
        seconds=round(time.perf_counter() - started, 3),
        kinds={kind: gen.kinds.get(kind, 0) for kind in KINDS},
    )


def read_bad_rows(reg_dir: Path) -> list[tuple[str, int, str, str]]:
    """``bad_rows.csv`` as (file, line, reference, reason) tuples."""
    with (reg_dir / BAD_ROWS_FILE).open(encoding="utf-8", newline="") as fh:
        reader = csv.reader(fh)
        next(reader)
        return [(f, int(line), ref, reason) for f, line, ref, reason in reader]
