"""Payment-register rules: the columns, the kinds, the reason codes and the check of one row.

Pure: no I/O, no database, no framework. The rulebook figure the checks need (how many months a
self-payer may pay ahead on a value date) is handed in as a function, so the law stays data.

A register (from the State Corporation) is a CSV file with the header ``COLUMNS`` (any order).
``RegisterChecker.check`` looks at one row on its own and returns the cleaned values or a
``Rejection``; what needs the database (the person and payer registries, the ledger, the other
rows of the file) is checked set-based by ``osms.contributions.service``. Every reason code of both
stages is in ``REASONS``; docs/payment-registers.md explains each one.

The per-row path is hot (a register has millions of rows): caches for the few distinct periods,
value dates and amounts of a file, and an unrolled IIN check that only falls back to
``osms.core.identity.check_iin`` (for its sentence) when a number fails.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import date
from decimal import Decimal
from operator import mul
from typing import Final

from osms.core.i18n import N_, translator
from osms.core.identity import check_iin
from osms.core.money import format_money
from osms.core.rows import Rejection

COLUMNS: Final = ("reference", "payer_id", "payer_kind", "iin", "period", "kind", "amount", "value_date")

REVERSAL: Final = "reversal"
REVERSAL_PREFIX: Final = "REV:"
# Kinds of a register row; the first six are PAYMENT_KINDS of osms.contributions.models.
KINDS: Final = (
    "employer_deduction",
    "employee_contribution",
    "civil_contract",
    "ie_contribution",
    "self_payment",
    "state_contribution",
    REVERSAL,
)
# payer_kind: a kind of the payer registry, or ``self`` (a person paying for themselves).
REGISTRY_PAYER_KINDS: Final = ("employer", "individual_entrepreneur", "agent", "state", "local_budget")
SELF: Final = "self"
PAYER_KINDS: Final = (*REGISTRY_PAYER_KINDS, SELF)

# Which payers may make which payment (a reversal is checked against its original instead).
# An individual entrepreneur may employ people, so it may pay deductions and contributions too.
ALLOWED_PAYERS: Final[Mapping[str, frozenset[str]]] = {
    "employer_deduction": frozenset({"employer", "individual_entrepreneur"}),
    "employee_contribution": frozenset({"employer", "individual_entrepreneur"}),
    "civil_contract": frozenset({"agent", "employer", "individual_entrepreneur"}),
    "ie_contribution": frozenset({"individual_entrepreneur"}),
    "self_payment": frozenset({SELF}),
    "state_contribution": frozenset({"state", "local_budget"}),
    REVERSAL: frozenset(PAYER_KINDS),
}
# Kinds whose payer is the person: payer_id must be the row's IIN.
PAYS_FOR_THEMSELVES: Final = frozenset({"ie_contribution", "self_payment"})

MAX_REFERENCE: Final = 80
MAX_AMOUNT_DIGITS: Final = 16  # NUMERIC(18, 2)
# What the ledger's types can hold: a (person, month) sums at most every ledger row (``payment.id``
# is a 32-bit integer, so fewer than 2**31 rows) into ``person_month.amount`` (NUMERIC(18, 2) on
# PostgreSQL: below 10**16 tenge; BIGINT tiyn on SQLite). A row above 10**18 // (2**31 - 1) tiyn
# (4,656,612.87 tenge) is refused whatever the rulebook's ceiling, so no accepted data overflows.
MAX_ROW_TIYN: Final = 10**18 // (2**31 - 1)

# Every reason a register row can end in, with the sentence shown in reports (in kk and ru from the
# catalogs of osms.core.i18n). ``already_credited`` is not a rejection: the row was credited by an
# earlier load and is counted, not reported.
REASONS: Final[Mapping[str, str]] = {
    "bad_row_shape": N_("the row does not have the columns of the header"),
    "bad_encoding": N_("the line is not UTF-8 text"),
    "bad_kind": N_("unknown kind of payment"),
    "bad_reference": N_("the payment reference is empty, too long, or misuses the REV: prefix"),
    "bad_payer_kind": N_("unknown payer kind"),
    "payer_mismatch": N_("the payer does not fit the payment (kind of payer, or not the person themselves)"),
    "bad_iin": N_("the IIN fails a check"),
    "bad_payer_id": N_("the payer's BIN/IIN is not 12 digits"),
    "bad_period": N_("the period is not a month YYYY-MM"),
    "bad_amount": N_("the amount is not a number with at most 2 decimals"),
    "non_positive_amount": N_("the amount is zero or negative"),
    "bad_date": N_("the value date is not a date YYYY-MM-DD"),
    "period_before_scheme": N_("the period is before the insurance scheme began"),
    "future_value_date": N_("the value date is in the future or before the insurance scheme began"),
    "implausible_amount": N_("the amount is above the largest plausible payment of its kind for the period"),
    "period_too_far_ahead": N_("the period is later than the value date allows"),
    "duplicate_reference": N_("the same reference appears earlier in the file"),
    "reference_conflict": N_("the reference was credited earlier with different values"),
    "unknown_person": N_("the IIN is not in the person registry"),
    "unknown_payer": N_("the payer is not in the payer registry"),
    "unknown_original": N_("a reversal of a payment that is not credited"),
    "already_reversed": N_("the payment has already been reversed"),
    "reversal_mismatch": N_("a reversal whose payer, IIN, period or amount differ from the original payment"),
}


def reason(code: str, language: str = "en") -> str:
    """The sentence for a reason code in ``kk`` or ``ru``, else English (the code itself when unknown)."""
    sentence = REASONS.get(code)
    if sentence is None:
        return code
    return translator(language).gettext(sentence) if language in ("kk", "ru") else sentence


# Cleaned row: reference, payer_id, payer_kind, iin, period (Month.index), kind, amount in tiyn,
# value date (ISO text), reference of the reversed payment (reversals only, else None).
Checked = tuple[str, str, str, str, int, str, int, str, str | None]

_CACHE_LIMIT = 1 << 16
_AMOUNT = re.compile(r"(\d{1,16})(?:\.(\d{1,2}))?", re.ASCII).fullmatch
# The documented forms: ASCII digits, optionally grouped by threes with a space or a no-break space,
# and at most 2 decimals after a point or a comma. A leading minus is recognised only to say
# "not positive" (a reversal gives its amount positive).
_AMOUNT_FORMS = re.compile(r"(-?)(\d+|\d{1,3}(?:[ \u00a0]\d{3})+)(?:[.,](\d{1,2}))?", re.ASCII).fullmatch
_DAYS = (0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)
_CENTURY = {"1": 1800, "2": 1800, "3": 1900, "4": 1900, "5": 2000, "6": 2000}
_WEIGHTS_1 = (1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11)
_WEIGHTS_2 = (3, 4, 5, 6, 7, 8, 9, 10, 11, 1, 2)
_DIGIT_SUM_OFFSET = 48 * 66  # ord("0") times the sum of either weight set


def _date_digits_ok(first7: str) -> bool:
    """IIN digits 1-7 (YYMMDD and the century digit) name a possible birth date (check_iin's rule)."""
    mm, dd = int(first7[2:4]), int(first7[4:6])
    if not (1 <= mm <= 12 and 1 <= dd <= _DAYS[mm]):
        return False
    if first7[6] == "0":  # some foreigners: no century, 29 February allowed
        return True
    century = _CENTURY.get(first7[6])
    if century is None:
        return False
    if mm == 2 and dd == 29:
        year = century + int(first7[0:2])
        return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)
    return True


_DATE_DIGITS: dict[str, bool] = {}  # memo of _date_digits_ok (at most 100*12*31*10 keys)


def iin_is_valid(number: str) -> bool:
    """True exactly when ``check_iin(number).valid`` (for a stripped ``number``), but fast."""
    if len(number) != 12 or not (number.isascii() and number.isdigit()):
        return False
    first7 = number[:7]
    ok = _DATE_DIGITS.get(first7)
    if ok is None:
        ok = _DATE_DIGITS[first7] = _date_digits_ok(first7)
    if not ok:
        return False
    d = number.encode()
    c: int = (sum(map(mul, _WEIGHTS_1, d)) - _DIGIT_SUM_OFFSET) % 11  # map stops after 11 digits
    if c == 10:
        c = (sum(map(mul, _WEIGHTS_2, d)) - _DIGIT_SUM_OFFSET) % 11
        if c == 10:
            return False
    return c == d[11] - 48


def _iin_rejection(text: str) -> Rejection:
    result = check_iin(text)
    return Rejection("bad_iin", f"IIN {text!r}: " + "; ".join(e.message for e in result.errors))


def parse_period(text: str) -> int | Rejection:
    """``YYYY-MM`` -> ``Month.index`` (year * 12 + month - 1)."""
    if len(text) == 7 and text[4] == "-" and text.isascii():
        year, month = text[:4], text[5:]
        if year.isdigit() and month.isdigit() and 1 <= int(month) <= 12 and int(year) >= 1:
            return int(year) * 12 + int(month) - 1
    return Rejection("bad_period", f"period {text!r} is not a month YYYY-MM")


def parse_amount(text: str) -> int | Rejection:
    """An amount in tenge, exactly as documented ("2445.90", "2445,9", "2 445.90") -> tiyn, > 0.

    ASCII digits only (no "1e3", no Arabic-Indic or full-width digits), at most 2 decimals (no
    "4250.120"), at most 16 digits before the point.
    """
    m = _AMOUNT(text)
    if m is not None:
        cents = m.group(2)
        tiyn = int(m.group(1)) * 100 + (int(cents.ljust(2, "0")) if cents else 0)
    else:
        m = _AMOUNT_FORMS(text)
        if m is None:
            return Rejection("bad_amount", f"amount {text!r} is not a number with at most 2 decimals")
        sign, whole, cents = m.groups()
        whole = whole.replace(" ", "").replace("\u00a0", "").lstrip("0") or "0"
        if len(whole) > MAX_AMOUNT_DIGITS:
            return Rejection("bad_amount", f"amount {text!r} has more than {MAX_AMOUNT_DIGITS} digits before the point")
        tiyn = int(whole) * 100 + (int(cents.ljust(2, "0")) if cents else 0)
        if sign:
            tiyn = -tiyn
    if tiyn <= 0:
        return Rejection("non_positive_amount", f"amount {text!r} is not positive")
    return tiyn


def parse_value_date(text: str) -> date | Rejection:
    if len(text) == 10 and text[4] == "-" and text[7] == "-":
        try:
            return date.fromisoformat(text)
        except ValueError:
            pass
    return Rejection("bad_date", f"value_date {text!r} is not a date YYYY-MM-DD")


class RegisterChecker:
    """Checks register rows one at a time (pure; the caches only remember answers).

    ``prepay_months(value_date)`` is how many months after the value date's month a self-payer may
    pay for (the rulebook's ``status.self_payer_prepay_months``). ``today`` is the fund's today (no
    value date after it); ``scheme_start`` the rulebook's ``status.scheme_start`` (no period or value
    date before it); ``ceiling(kind, month index)`` the largest amount in tiyn a row of that kind may
    carry for the period (the rulebook's ``status.register_ceiling``; None: only the ledger's bound
    ``MAX_ROW_TIYN``). Left out, the check they feed is not made.
    """

    def __init__(
        self,
        prepay_months: Callable[[date], int],
        *,
        today: date | None = None,
        scheme_start: date | None = None,
        ceiling: Callable[[str, int], int | None] | None = None,
    ) -> None:
        self.prepay_months = prepay_months
        self.today = today
        self.scheme_start = scheme_start
        self._first_month = scheme_start.year * 12 + scheme_start.month - 1 if scheme_start else 0
        self._ceiling_of = ceiling
        self._ceilings: dict[tuple[str, int], int] = {}
        self._periods: dict[str, int | Rejection] = {}
        self._amounts: dict[str, int | Rejection] = {}
        self._dates: dict[str, tuple[int, int] | Rejection] = {}
        self._last_iin = ""

    def _period(self, text: str) -> int | Rejection:
        found = self._periods.get(text)
        if found is None:
            if len(self._periods) > _CACHE_LIMIT:
                self._periods.clear()
            found = parse_period(text)
            if not isinstance(found, Rejection) and found < self._first_month:
                assert self.scheme_start is not None
                found = Rejection(
                    "period_before_scheme",
                    f"period {text} is before the insurance scheme began ({self.scheme_start.isoformat()[:7]})",
                )
            self._periods[text] = found
        return found

    def _amount(self, text: str) -> int | Rejection:
        found = self._amounts.get(text)
        if found is None:
            if len(self._amounts) > _CACHE_LIMIT:
                self._amounts.clear()
            found = self._amounts[text] = parse_amount(text)
        return found

    def _value_date(self, text: str) -> tuple[int, int] | Rejection:
        """(month index of the value date, months a self-payer may pay ahead on it)."""
        found = self._dates.get(text)
        if found is None:
            if len(self._dates) > _CACHE_LIMIT:
                self._dates.clear()
            day = parse_value_date(text)
            if isinstance(day, Rejection):
                found = day
            elif self.today is not None and day > self.today:
                found = Rejection("future_value_date", f"value_date {text} is after today ({self.today.isoformat()})")
            elif self.scheme_start is not None and day < self.scheme_start:
                found = Rejection(
                    "future_value_date",
                    f"value_date {text} is before the insurance scheme began ({self.scheme_start.isoformat()})",
                )
            else:
                found = (day.year * 12 + day.month - 1, self.prepay_months(day))
            self._dates[text] = found
        return found

    def ceiling(self, kind: str, month: int) -> int:
        """The largest amount in tiyn a row of ``kind`` may carry for the period ``month``."""
        key = (kind, month)
        found = self._ceilings.get(key)
        if found is None:
            rule = self._ceiling_of(kind, month) if self._ceiling_of is not None else None
            found = self._ceilings[key] = MAX_ROW_TIYN if rule is None else min(rule, MAX_ROW_TIYN)
        return found

    def check(
        self,
        reference: str,
        payer_id: str,
        payer_kind: str,
        iin: str,
        period: str,
        kind: str,
        amount: str,
        value_date: str,
    ) -> Checked | Rejection:
        """One row (fields already stripped) -> ``Checked`` or the first failing check's ``Rejection``.

        Order: kind, reference, payer kind, IIN, payer id, period (and its scheme start), amount,
        value date (not in the future, not before the scheme), period ahead, the amount's ceiling.
        """
        allowed = ALLOWED_PAYERS.get(kind)
        if allowed is None:
            return Rejection("bad_kind", f"kind {kind!r} is not one of {', '.join(KINDS)}")
        reverses: str | None = None
        if not reference or len(reference) > MAX_REFERENCE:
            return Rejection(
                "bad_reference", f"reference must be 1 to {MAX_REFERENCE} characters, got {len(reference)}"
            )
        if reference.startswith(REVERSAL_PREFIX):
            if kind != REVERSAL:
                return Rejection("bad_reference", f"reference {reference!r}: the REV: prefix is for reversals only")
            reverses = reference[len(REVERSAL_PREFIX) :]
            if not reverses or reverses.startswith(REVERSAL_PREFIX):
                return Rejection(
                    "bad_reference", f"reference {reference!r} must be REV:<reference of a payment, not a reversal>"
                )
        elif kind == REVERSAL:
            return Rejection(
                "bad_reference", f"a reversal's reference must be REV:<original reference>, got {reference!r}"
            )
        if payer_kind not in allowed:
            if payer_kind not in PAYER_KINDS:
                return Rejection("bad_payer_kind", f"payer_kind {payer_kind!r} is not one of {', '.join(PAYER_KINDS)}")
            return Rejection(
                "payer_mismatch", f"a {kind} is paid by {' or '.join(sorted(allowed))}, not by {payer_kind}"
            )
        if iin != self._last_iin:  # a person's rows often come together (deduction + contribution)
            if not iin_is_valid(iin):
                return _iin_rejection(iin)
            self._last_iin = iin
        if payer_id != iin:
            if kind in PAYS_FOR_THEMSELVES:
                if len(payer_id) != 12 or not (payer_id.isascii() and payer_id.isdigit()):
                    return Rejection("bad_payer_id", f"payer_id {payer_id!r} is not 12 digits")
                return Rejection(
                    "payer_mismatch", f"a {kind} must be paid by the person: payer_id {payer_id} is not {iin}"
                )
            if len(payer_id) != 12 or not (payer_id.isascii() and payer_id.isdigit()):
                return Rejection("bad_payer_id", f"payer_id {payer_id!r} is not 12 digits")
        month = self._periods.get(period) or self._period(period)
        if isinstance(month, Rejection):
            return month
        tiyn = self._amounts.get(amount) or self._amount(amount)
        if isinstance(tiyn, Rejection):
            return tiyn
        day = self._dates.get(value_date) or self._value_date(value_date)
        if isinstance(day, Rejection):
            return day
        if reverses is None:
            ahead = day[1] if kind == "self_payment" else 0
            if month > day[0] + ahead:
                allowed_text = f"{ahead} month(s) after the value date's month" if ahead else "the value date's month"
                return Rejection(
                    "period_too_far_ahead",
                    f"period {period} is later than {allowed_text} (value_date {value_date})",
                )
            limit = self._ceilings.get((kind, month)) or self.ceiling(kind, month)
            if tiyn > limit:
                return Rejection(
                    "implausible_amount",
                    f"amount {format_money(Decimal(tiyn) / 100)} is above {format_money(Decimal(limit) / 100)}, "
                    f"the largest plausible {kind} for {period}",
                )
        elif tiyn > MAX_ROW_TIYN:
            return Rejection(
                "implausible_amount",
                f"amount {format_money(Decimal(tiyn) / 100)} is above {format_money(Decimal(MAX_ROW_TIYN) / 100)}, "
                "the largest amount the ledger takes in one row",
            )
        return (reference, payer_id, payer_kind, iin, month, kind, tiyn, value_date, reverses)


def check_row(
    values: Mapping[str, str],
    prepay_months: Callable[[date], int],
    *,
    today: date | None = None,
    scheme_start: date | None = None,
    ceiling: Callable[[str, int], int | None] | None = None,
) -> Checked | Rejection:
    """Check one row given as ``{column: text}`` (convenience for tests and single rows)."""
    checker = RegisterChecker(prepay_months, today=today, scheme_start=scheme_start, ceiling=ceiling)
    return checker.check(*(values[c].strip() for c in COLUMNS))
