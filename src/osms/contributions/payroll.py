"""The employer's payroll: deductions and withheld contributions per employee (docs/calculators.md).

``compute_payroll(session, employer_bin, rows, rulebook_name, principal=..., channel=...)``
checks every row, reads the employees' registry entries and state-paid category memberships
for the months concerned (set-based, a few queries per 500 employees), applies the calculators
of ``osms.contributions.rules``, and answers with

- ``lines``: per employee and month, the employer's deduction (ООСМС) and the employee's
  contribution (ВОСМС, withheld by the employer), caps applied, with the rule ids;
- ``exclusions``: employees in a state-paid category on some day of the month (no deduction,
  no contribution; docs/calculators.md [seed 001 Q25, Q52], docs/status.md), with the memberships;
- ``rejections``: rows that could not be computed, each with a reason code, kept in the answer;
- ``periods``: totals per month with the deadlines (the rulebook's ``deadlines.employer-statement``
  and ``deadlines.employer-deduction``: under kz-law the 15th and the 25th of the following month)
  and ``totals`` over the whole payroll.

Nothing is stored except audit entries: one for the payroll, and one per employee whose
category membership the answer discloses (the employer learns it from the exclusion).
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Final

import openpyxl
from sqlalchemy.orm import Session

from osms.contributions.access import PAYROLL_COMPUTE
from osms.contributions.rules import (
    CalcError,
    Calculation,
    CategoryHit,
    Deadlines,
    EmployeeCharges,
    Membership,
    deadlines,
    employee_charges,
    format_rate,
    open_rulebook,
    parse_income,
    parse_period,
)
from osms.contributions.service import employees_among
from osms.core import audit
from osms.core.authz import authorize
from osms.core.clock import fund_today
from osms.core.config import get_settings
from osms.core.errors import InvalidInput
from osms.core.i18n import N_
from osms.core.identity import check_bin, check_iin
from osms.core.money import format_money
from osms.core.periods import Month
from osms.core.security import Principal
from osms.registry.service import person_facts
from osms.rulebooks.horizon import NOT_PROVISIONAL, Horizon, horizon_of
from osms.rulebooks.loader import DateOutsideRulebook, Rulebook, load_rulebook

__all__ = [
    "CSV_COLUMNS",
    "MAX_API_ROWS",
    "REJECTION_REASONS",
    "PayrollResult",
    "PayrollRowIn",
    "parse_payroll_xlsx",
    "read_payroll_file",
    "XLSX_MEDIA_TYPE",
    "compute_payroll",
    "parse_payroll_csv",
    "statements_csv",
]

CSV_COLUMNS: Final = ("iin", "period", "income")
MAX_API_ROWS: Final = 10_000

# Every reason a payroll row is refused for (stable codes), with the sentence shown in reports.
REJECTION_REASONS: Final = {
    "bad_iin": N_("the IIN fails a check"),
    "bad_period": N_("the period is not a month YYYY-MM"),
    "bad_income": N_("the income is not an amount in tenge (0 or more, at most 2 decimals)"),
    "period_outside_rulebook": N_("the period is outside the rulebook's years"),
    "no_rule": N_("neither a deduction nor a contribution was due in the period"),
    "duplicate_row": N_("the same employee and month appear on more than one row: give one row with the month's total"),
    "unknown_person": N_("no person with this IIN in the registry"),
    "deceased": N_("the registry records the person's death before the period"),
}
EXCLUSION_REASON: Final = "state_paid_category"


@dataclass(frozen=True, slots=True)
class PayrollRowIn:
    """One incoming payroll row, as text (checked by ``compute_payroll``). ``line`` numbers rows
    in the caller's terms (the CSV line, or the JSON array index + 1)."""

    iin: str
    period: str
    income: str
    line: int | None = None


# --------------------------------------------------------------------------------------------
# The answer


def _charge(calc: Calculation | None, note: str | None = None) -> dict[str, Any]:
    if calc is None:
        return {
            "amount": "0.00",
            "base": "0.00",
            "rate": "0",
            "cap": None,
            "cap_applied": False,
            "rule_id": None,
            "note": note,
        }
    return {
        "amount": format_money(calc.amount),
        "base": format_money(calc.base),
        "rate": format_rate(calc.rate),
        "cap": None if calc.cap is None else format_money(calc.cap),
        "cap_applied": calc.cap_applied,
        "rule_id": calc.rule.id,
        "note": note,
    }


@dataclass(frozen=True, slots=True)
class PayrollLine:
    line: int
    iin: str
    charges: EmployeeCharges
    due: Deadlines

    def as_dict(self) -> dict[str, Any]:
        c = self.charges
        due = self.due
        return {
            "line": self.line,
            "iin": self.iin,
            "period": str(c.period),
            "income": format_money(c.income),
            "deduction": _charge(c.deduction, c.not_in_force_note("employer-deduction")),
            "contribution": _charge(c.contribution, c.not_in_force_note("employee-contribution")),
            "total": format_money(c.total),
            "statement_due": due.statement_due.isoformat(),
            "payment_due": due.payment_due.isoformat(),
        }


@dataclass(frozen=True, slots=True)
class PayrollExclusion:
    """An employee for whom nothing is due in the month. ``disclose``: the answer names the
    categories (operators); an employer learns only that the state pays (docs/access.md)."""

    line: int
    iin: str
    period: Month
    income: Decimal
    categories: tuple[CategoryHit, ...]
    disclose: bool = True

    @property
    def warnings(self) -> list[str]:
        if not self.disclose:
            return (
                [
                    "category_requires_not_working: the employee's state-paid category is for persons who do not "
                    f"work; if the employee worked the whole of {self.period}, the employee should ask the source "
                    "register to end the membership"
                ]
                if any(h.requires_not_working for h in self.categories)
                else []
            )
        return [
            f"category_requires_not_working: {h.code} is for persons who do not work; if the employee worked "
            f"the whole of {self.period}, ask the source register to end the membership"
            for h in self.categories
            if h.requires_not_working
        ]

    def as_dict(self) -> dict[str, Any]:
        codes = f" ({', '.join(sorted({h.code for h in self.categories}))})" if self.disclose else ""
        return {
            "line": self.line,
            "iin": self.iin,
            "period": str(self.period),
            "income": format_money(self.income),
            "reason": EXCLUSION_REASON,
            "message": (
                f"state-paid category in {self.period}{codes}: the state pays for this person; "
                "no employer deduction and no employee contribution are due (docs/calculators.md, docs/status.md)"
            ),
            "categories": [h.as_dict() for h in self.categories] if self.disclose else None,
            "warnings": self.warnings,
        }


@dataclass(frozen=True, slots=True)
class PayrollRejection:
    line: int
    iin: str
    period: str
    income: str
    reason: str
    message: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "line": self.line,
            "iin": self.iin,
            "period": self.period,
            "income": self.income,
            "reason": self.reason,
            "message": self.message,
        }


@dataclass(slots=True)
class _Sums:
    employees: int = 0
    excluded: int = 0
    income: Decimal = Decimal("0.00")
    deduction: Decimal = Decimal("0.00")
    contribution: Decimal = Decimal("0.00")
    rules: set[str] = field(default_factory=set)

    def add(self, charges: EmployeeCharges) -> None:
        self.employees += 1
        self.income += charges.income
        for calc in (charges.deduction, charges.contribution):
            if calc is not None:
                self.rules.add(calc.rule.id)
        if charges.deduction is not None:
            self.deduction += charges.deduction.amount
        if charges.contribution is not None:
            self.contribution += charges.contribution.amount

    def as_dict(self) -> dict[str, Any]:
        return {
            "employees": self.employees,
            "excluded": self.excluded,
            "income": format_money(self.income),
            "deduction": format_money(self.deduction),
            "contribution": format_money(self.contribution),
            "total": format_money(self.deduction + self.contribution),
        }


@dataclass(frozen=True, slots=True)
class PayrollResult:
    """The payroll's answer: also the statement the employer gives each employee (by the 15th)."""

    employer: str
    rulebook: str
    rows: int
    lines: tuple[PayrollLine, ...]
    exclusions: tuple[PayrollExclusion, ...]
    rejections: tuple[PayrollRejection, ...]
    horizon: Horizon = NOT_PROVISIONAL  # provisional when a period is after the confirmed horizon
    provisional_periods: frozenset[Month] = frozenset()

    def periods(self) -> list[Month]:
        return sorted({line.charges.period for line in self.lines} | {e.period for e in self.exclusions})

    def _sums(self) -> tuple[_Sums, dict[Month, _Sums]]:
        total = _Sums()
        by_period: dict[Month, _Sums] = defaultdict(_Sums)
        for line in self.lines:
            total.add(line.charges)
            by_period[line.charges.period].add(line.charges)
        for exclusion in self.exclusions:
            total.excluded += 1
            by_period[exclusion.period].excluded += 1
            if exclusion.disclose:  # a category's rule id names the category
                by_period[exclusion.period].rules.update(h.rule_id for h in exclusion.categories)
                total.rules.update(h.rule_id for h in exclusion.categories)
        return total, by_period

    def as_dict(self) -> dict[str, Any]:
        total, by_period = self._sums()
        periods = []
        for period in self.periods():
            due = deadlines(load_rulebook(self.rulebook), period)
            sums = by_period[period]
            periods.append(
                {"period": str(period)}
                | sums.as_dict()
                | {
                    "statement_due": due.statement_due.isoformat(),
                    "payment_due": due.payment_due.isoformat(),
                    "rules": sorted(sums.rules),
                    "provisional": period in self.provisional_periods,
                }
            )
        reasons = Counter(r.reason for r in self.rejections)
        return {
            "employer": self.employer,
            "rulebook": self.rulebook,
            "rows": self.rows,
            "computed": len(self.lines),
            "excluded": len(self.exclusions),
            "rejected": len(self.rejections),
            "rejected_by_reason": dict(sorted(reasons.items())),
            "totals": total.as_dict(),
            "periods": periods,
            "deadlines": [
                {"period": p["period"], "statement_due": p["statement_due"], "payment_due": p["payment_due"]}
                for p in periods
            ],
            "rules": sorted(total.rules),
            "lines": [line.as_dict() for line in self.lines],
            "exclusions": [e.as_dict() for e in self.exclusions],
            "rejections": [r.as_dict() for r in self.rejections],
        } | self.horizon.as_dict()

    def with_horizon(self, rulebook: Rulebook) -> PayrollResult:
        """The result marked provisional for its periods after the rulebook's confirmed horizon:
        the rules of those periods are carried forward; the sentence names the latest period."""
        _, by_period = self._sums()
        late = sorted(p for p in self.periods() if rulebook.is_provisional(p.first_day))
        if not late:
            return self
        carried = sorted({rule for p in late for rule in by_period[p].rules})
        horizon = horizon_of(rulebook, late[-1].first_day, carried)
        return replace(
            self, horizon=horizon, provisional_periods=frozenset(late) if horizon.provisional else frozenset()
        )


# --------------------------------------------------------------------------------------------
# Access and input


def check_employer(raw: str) -> str:
    """The employer's BIN (or an individual entrepreneur's IIN), checked; ``InvalidInput(bad_bin)``."""
    number = raw.strip()
    if check_bin(number).valid or check_iin(number).valid:
        return number
    reasons = "; ".join(e.message for e in check_bin(number).errors)
    raise InvalidInput(f"the employer must be a valid BIN (or an IE's IIN): {reasons}", code="bad_bin")


def parse_payroll_csv(text: str) -> list[PayrollRowIn]:
    """Rows of a payroll CSV (header ``iin,period,income``, any order, other columns ignored).

    A comma or a semicolon separates fields (Excel in the ru/kk locales writes semicolons);
    a UTF-8 byte-order mark is skipped. Raises ``InvalidInput(bad_header)``.
    """
    text = text.removeprefix("\ufeff")
    first = text.split("\n", 1)[0]
    delimiter = ";" if first.count(";") > first.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = next(reader, None)
    except csv.Error as exc:
        raise InvalidInput(f"the payroll header is not valid CSV: {exc}", code="bad_header") from None
    if header is None:
        raise InvalidInput("the payroll file is empty: expected the header iin,period,income", code="bad_header")
    names = [h.strip().lower() for h in header]
    missing = [c for c in CSV_COLUMNS if c not in names]
    if missing:
        raise InvalidInput(
            f"the payroll header lacks {', '.join(missing)}: expected columns iin,period,income; got {','.join(names)}",
            code="bad_header",
        )
    at = {c: names.index(c) for c in CSV_COLUMNS}
    rows: list[PayrollRowIn] = []
    try:
        for values in reader:
            if not values or all(not v.strip() for v in values):
                continue
            line = reader.line_num

            def get(column: str, values: list[str] = values) -> str:
                index = at[column]
                return values[index] if index < len(values) else ""

            rows.append(PayrollRowIn(iin=get("iin"), period=get("period"), income=get("income"), line=line))
    except csv.Error as exc:  # a NUL character, a field over the csv module's limit
        raise InvalidInput(f"the payroll is not valid CSV (line {reader.line_num}): {exc}", code="bad_file") from None
    return rows


# Files that are not a payroll, recognised by their first bytes (the answer names what was sent).
_NOT_A_PAYROLL: Final = (
    (b"%PDF", "a PDF document"),
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"\xd0\xcf\x11\xe0", "an old Excel or Word file (.xls, .doc): save it as .xlsx or CSV"),
    (b"PK\x03\x04", "a ZIP archive"),
    (b"PK\x05\x06", "a ZIP archive"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"Rar!", "a RAR archive"),
    (b"7z\xbc\xaf", "a 7-Zip archive"),
)
XLSX_MEDIA_TYPE: Final = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _is_xlsx(raw: bytes) -> bool:
    if not raw.startswith(b"PK\x03\x04"):
        return False
    try:
        with zipfile.ZipFile(io.BytesIO(raw)) as archive:
            return "xl/workbook.xml" in archive.namelist()
    except (zipfile.BadZipFile, OSError, ValueError):
        return False


def _cell_text(value: object) -> str:
    """A spreadsheet cell as the text a CSV would hold: a date as YYYY-MM (the period), a whole
    number without ".0", a fraction as Python prints it (the income check then applies)."""
    if value is None:
        return ""
    if isinstance(value, datetime | date):
        return f"{value.year:04d}-{value.month:02d}"
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e17:
        return str(int(value))
    return str(value).strip()


def _iin_cell(value: object) -> str:
    """An IIN typed into a spreadsheet as a number loses its leading zeros (born 2000-2009): a whole
    number of 11 or fewer digits is padded back to 12."""
    text = _cell_text(value)
    if isinstance(value, int | float) and not isinstance(value, bool) and text.isdigit() and len(text) < 12:
        return text.zfill(12)
    return text


def parse_payroll_xlsx(raw: bytes) -> list[PayrollRowIn]:
    """Rows of a payroll workbook (.xlsx): the first sheet, its first row the header
    ``iin,period,income`` (any order, other columns ignored), like the CSV. ``line`` is the sheet's
    row number. Raises ``InvalidInput(bad_file)`` for a workbook that cannot be read."""
    try:
        book = openpyxl.load_workbook(io.BytesIO(raw), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged workbook
        raise InvalidInput(f"the workbook cannot be read: {type(exc).__name__}", code="bad_file") from None
    try:
        if not book.worksheets:
            raise InvalidInput("the workbook has no sheet", code="bad_header")
        sheet = book.worksheets[0]
        table = sheet.iter_rows(values_only=True)
        header = next(table, None)
        names = [_cell_text(h).lower() for h in (header or ())]
        missing = [c for c in CSV_COLUMNS if c not in names]
        if missing:
            raise InvalidInput(
                f"the first row of the first sheet lacks {', '.join(missing)}: expected columns iin,period,income; "
                f"got {','.join(n for n in names if n)}",
                code="bad_header",
            )
        at = {c: names.index(c) for c in CSV_COLUMNS}
        rows: list[PayrollRowIn] = []
        for number, values in enumerate(table, start=2):
            if not values or all(v is None or not str(v).strip() for v in values):
                continue

            def get(column: str, values: tuple[object, ...] = values) -> object:
                index = at[column]
                return values[index] if index < len(values) else None

            rows.append(
                PayrollRowIn(
                    iin=_iin_cell(get("iin")),
                    period=_cell_text(get("period")),
                    income=_cell_text(get("income")),
                    line=number,
                )
            )
            if len(rows) > MAX_API_ROWS:  # stop reading: the caller refuses the payroll anyway
                break
        return rows
    finally:
        book.close()


def read_payroll_file(raw: bytes) -> list[PayrollRowIn]:
    """Rows of an uploaded payroll: an Excel workbook (.xlsx) or CSV text (UTF-8, or Windows-1251
    as spreadsheets save it in the ru/kk locales). Anything else (a PDF, an image, an archive, any
    binary) raises ``InvalidInput(not_a_payroll)``; a header without the columns ``bad_header``."""
    if _is_xlsx(raw):
        return parse_payroll_xlsx(raw)
    for magic, what in _NOT_A_PAYROLL:
        if raw.startswith(magic):
            raise InvalidInput(
                f"the file is {what}, not a payroll: send a CSV or XLSX file with the columns iin,period,income",
                code="not_a_payroll",
            )
    if b"\x00" in raw:
        raise InvalidInput(
            "the file is binary, not a payroll: send a CSV or XLSX file with the columns iin,period,income",
            code="not_a_payroll",
        )
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = raw.decode("cp1251")  # a spreadsheet saved as CSV in a Russian or Kazakh locale
        except UnicodeDecodeError:
            raise InvalidInput(
                "the file is neither UTF-8 nor Windows-1251 text: send a CSV or XLSX file", code="bad_encoding"
            ) from None
    return parse_payroll_csv(text)


# --------------------------------------------------------------------------------------------
# Registry reads (set-based)


@dataclass(frozen=True, slots=True)
class _PersonFacts:
    death_date: date | None
    memberships: tuple[Membership, ...]


def _load_registry(session: Session, iins: Sequence[str], first: date, last: date) -> dict[str, _PersonFacts]:
    """Each known IIN's death date and category memberships overlapping ``first..last``."""
    return {
        iin: _PersonFacts(facts.death_date, tuple(Membership(*m) for m in facts.categories))
        for iin, facts in person_facts(session, iins, first, last).items()
    }


# --------------------------------------------------------------------------------------------
# The use case


@dataclass(slots=True)
class _Checked:
    line: int
    iin: str
    period: Month
    income: Decimal


def _reject(row: PayrollRowIn, line: int, reason: str, message: str) -> PayrollRejection:
    return PayrollRejection(line, row.iin.strip(), row.period.strip(), row.income.strip(), reason, message)


def compute_payroll(
    session: Session,
    employer_bin: str,
    rows: Iterable[PayrollRowIn],
    rulebook_name: str | None = None,
    *,
    principal: Principal,
    channel: str,
    today: date | None = None,
) -> PayrollResult:
    """Compute a payroll for ``employer_bin`` under a rulebook (default: the setting).

    ``principal`` must be the employer bound to ``employer_bin`` or an operator (``Forbidden``
    otherwise, audited). For an employer, only its employees (``employees_among`` on ``today``)
    are looked up in the registry, and exclusions name no category (docs/access.md). Every row
    ends in exactly one of ``lines``, ``exclusions`` or ``rejections``. Audit entries (action
    ``payroll.compute``) are added to ``session``; the caller's unit of work commits them.
    Raises ``InvalidInput(bad_bin)`` for a bad employer number and ``CalcError(unknown_rulebook)``.
    """
    employer = check_employer(employer_bin)
    authorize(session, principal, PAYROLL_COMPUTE, employer, channel=channel)
    rulebook: Rulebook = open_rulebook(rulebook_name or get_settings().rulebook)

    incoming = list(rows)
    rejections: list[PayrollRejection] = []
    checked: list[_Checked] = []
    for index, row in enumerate(incoming, start=1):
        line = row.line if row.line is not None else index
        number = row.iin.strip()
        iin_check = check_iin(number)
        if not iin_check.valid:
            message = "; ".join(f"{e.code}: {e.message}" for e in iin_check.errors)
            rejections.append(_reject(row, line, "bad_iin", message))
            continue
        try:
            period = parse_period(row.period)
            income = parse_income(row.income)
            if income is None:
                raise CalcError("the income is empty: give the month's income (0 if none)", code="bad_income")
            rulebook.check_date(period.first_day)
        except CalcError as exc:
            rejections.append(_reject(row, line, exc.code, exc.message))
            continue
        except DateOutsideRulebook as exc:
            rejections.append(_reject(row, line, "period_outside_rulebook", exc.message))
            continue
        checked.append(_Checked(line, number, period, income))

    # One row per employee and month: caps apply to the month's total income.
    lines_of: dict[tuple[str, Month], list[int]] = defaultdict(list)
    for c in checked:
        lines_of[(c.iin, c.period)].append(c.line)
    unique: list[_Checked] = []
    for c in checked:
        key = (c.iin, c.period)
        if len(lines_of[key]) > 1:
            dup_lines = lines_of[key]
            rejections.append(
                PayrollRejection(
                    c.line,
                    c.iin,
                    str(c.period),
                    format_money(c.income),
                    "duplicate_row",
                    f"{c.iin} appears {len(dup_lines)} times for {c.period} (lines {', '.join(map(str, dup_lines))}): "
                    "give one row with the month's total income",
                )
            )
        else:
            unique.append(c)

    # Whom the registry is read for: an operator, everyone; an employer, its employees only (a
    # standing payment by it in the last 12 months, ``employees_among``): a stranger's line is
    # computed at the standard rates from the row alone, the same whether the IIN is in the
    # registry or not, so a payroll tells nothing of people the employer has not paid for.
    iins = sorted({c.iin for c in unique})
    disclose = principal.role != "employer"
    known = set(iins) if disclose else employees_among(session, employer, iins, today or fund_today())
    facts: dict[str, _PersonFacts] = {}
    if unique and known:
        first = min(c.period for c in unique).first_day
        last = max(c.period for c in unique).last_day
        facts = _load_registry(session, sorted(known), first, last)

    lines: list[PayrollLine] = []
    exclusions: list[PayrollExclusion] = []
    for c in unique:
        row_text = (c.iin, str(c.period), format_money(c.income))
        if c.iin not in known:
            try:
                lines.append(
                    PayrollLine(
                        c.line, c.iin, employee_charges(rulebook, c.period, c.income, ()), deadlines(rulebook, c.period)
                    )
                )
            except CalcError as exc:
                rejections.append(PayrollRejection(c.line, *row_text, exc.code, exc.message))
            continue
        person = facts.get(c.iin)
        if person is None:
            rejections.append(
                PayrollRejection(c.line, *row_text, "unknown_person", f"no person with IIN {c.iin} in the registry")
            )
            continue
        if person.death_date is not None and person.death_date < c.period.first_day:
            rejections.append(
                PayrollRejection(
                    c.line, *row_text, "deceased", f"the registry records the death of {c.iin} on {person.death_date}"
                )
            )
            continue
        try:
            charges = employee_charges(rulebook, c.period, c.income, person.memberships)
        except CalcError as exc:
            rejections.append(PayrollRejection(c.line, *row_text, exc.code, exc.message))
            continue
        if charges.excluded:
            exclusions.append(PayrollExclusion(c.line, c.iin, c.period, c.income, charges.excluded_by, disclose))
        else:
            lines.append(PayrollLine(c.line, c.iin, charges, deadlines(rulebook, c.period)))

    result = PayrollResult(
        employer=employer,
        rulebook=rulebook.name,
        rows=len(incoming),
        lines=tuple(sorted(lines, key=lambda x: x.line)),
        exclusions=tuple(sorted(exclusions, key=lambda x: x.line)),
        rejections=tuple(sorted(rejections, key=lambda x: x.line)),
    ).with_horizon(rulebook)
    _audit(session, principal, channel, result)
    return result


def _audit(session: Session, principal: Principal, channel: str, result: PayrollResult) -> None:
    periods = ",".join(str(p) for p in result.periods()) or "-"
    audit.record(
        session,
        principal,
        channel=channel,
        action="payroll.compute",
        resource=f"payroll/{result.employer}/{periods}",
        detail=(
            f"rulebook {result.rulebook}; rows {result.rows}; computed {len(result.lines)}; "
            f"excluded {len(result.exclusions)}; rejected {len(result.rejections)}"
        ),
    )
    # The answer tells the employer that these employees are in a state-paid category.
    for exclusion in result.exclusions:
        codes = ",".join(sorted({h.code for h in exclusion.categories}))
        audit.record(
            session,
            principal,
            channel=channel,
            action="payroll.compute",
            resource=f"payroll/{result.employer}/{exclusion.period}",
            subject_iin=exclusion.iin,
            detail=f"state-paid category disclosed to the payroll: {codes}",
        )


# --------------------------------------------------------------------------------------------
# The employees' statements as CSV

STATEMENT_COLUMNS: Final = (
    "line",
    "iin",
    "period",
    "income",
    "status",
    "deduction_rate",
    "deduction_base",
    "deduction",
    "contribution_rate",
    "contribution_base",
    "contribution",
    "total",
    "cap_applied",
    "reason",
    "statement_due",
    "payment_due",
    "deduction_rule",
    "contribution_rule",
)


def _cell(text: str) -> str:
    """Text as received, made inert for spreadsheets (no formula starts with = + - @)."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def statements_csv(result: PayrollResult) -> str:
    """Per employee: one line (computed, excluded or rejected, in input order), then a TOTAL line
    per period and a TOTAL line for the whole payroll."""
    data = result.as_dict()
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=STATEMENT_COLUMNS, lineterminator="\n")
    writer.writeheader()
    rows: list[tuple[int, dict[str, Any]]] = []
    for line in data["lines"]:
        d, c = line["deduction"], line["contribution"]
        rows.append(
            (
                line["line"],
                {
                    "line": line["line"],
                    "iin": line["iin"],
                    "period": line["period"],
                    "income": line["income"],
                    "status": "computed",
                    "deduction_rate": d["rate"],
                    "deduction_base": d["base"],
                    "deduction": d["amount"],
                    "contribution_rate": c["rate"],
                    "contribution_base": c["base"],
                    "contribution": c["amount"],
                    "total": line["total"],
                    "cap_applied": "yes" if d["cap_applied"] or c["cap_applied"] else "no",
                    "reason": "",
                    "statement_due": line["statement_due"],
                    "payment_due": line["payment_due"],
                    "deduction_rule": d["rule_id"] or "",
                    "contribution_rule": c["rule_id"] or "",
                },
            )
        )
    for exclusion in data["exclusions"]:
        due = deadlines(load_rulebook(result.rulebook), Month.parse(exclusion["period"]))
        rows.append(
            (
                exclusion["line"],
                {
                    "line": exclusion["line"],
                    "iin": exclusion["iin"],
                    "period": exclusion["period"],
                    "income": exclusion["income"],
                    "status": "excluded",
                    "deduction": "0.00",
                    "contribution": "0.00",
                    "total": "0.00",
                    "reason": EXCLUSION_REASON
                    + (": " + ",".join(h["code"] for h in exclusion["categories"]) if exclusion["categories"] else ""),
                    "statement_due": due.statement_due.isoformat(),
                    "payment_due": due.payment_due.isoformat(),
                },
            )
        )
    for rejection in data["rejections"]:
        rows.append(
            (
                rejection["line"],
                {
                    "line": rejection["line"],
                    "iin": _cell(rejection["iin"]),
                    "period": _cell(rejection["period"]),
                    "income": _cell(rejection["income"]),
                    "status": "rejected",
                    "reason": _cell(f"{rejection['reason']}: {rejection['message']}"),
                },
            )
        )
    for _, row in sorted(rows, key=lambda item: item[0]):
        writer.writerow(row)
    for period in data["periods"]:
        writer.writerow(
            {
                "iin": "TOTAL",
                "period": period["period"],
                "income": period["income"],
                "status": f"{period['employees']} computed, {period['excluded']} excluded",
                "deduction": period["deduction"],
                "contribution": period["contribution"],
                "total": period["total"],
                "statement_due": period["statement_due"],
                "payment_due": period["payment_due"],
            }
        )
    totals = data["totals"]
    writer.writerow(
        {
            "iin": "TOTAL",
            "period": "all",
            "income": totals["income"],
            "status": f"{totals['employees']} computed, {totals['excluded']} excluded, {data['rejected']} rejected",
            "deduction": totals["deduction"],
            "contribution": totals["contribution"],
            "total": totals["total"],
        }
    )
    return out.getvalue()
