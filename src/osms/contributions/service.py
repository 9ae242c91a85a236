"""Contributions use cases: payment registers into the ledger, and reading the ledger.

``ingest_register`` loads one register file (docs/payment-registers.md):

1. The header must name exactly ``register_rules.COLUMNS`` (any order), else nothing is written.
2. The file is read in 1 MiB blocks; each physical line is one row (a field never spans lines).
   ``RegisterChecker`` checks each row on its own; every row is staged, a chunk at a time, into a
   temporary table with its line and raw text, and with its code and sentence when refused
   (``core.bulkload.Stager``; PostgreSQL: one ``COPY`` stream fed by a background thread, so the
   server parses while Python checks; SQLite: one ``executemany`` per chunk). Memory holds a chunk
   (and, on PostgreSQL, at most psycopg's bounded send queue), never the file.
3. Set-based, in SQL, in this order: later duplicates of a reference in the file; references
   already in the ledger (identical: counted ``already_credited``; different: rejected); persons
   and payers missing from the registries or of the wrong kind; reversals without a credited
   original, already reversed, or not matching their original. The rest is credited in one
   ``INSERT ... SELECT``, the refused rows go to ``import_rejection`` in another, and the coverage
   summary of every touched (IIN, period) is recomputed.
4. All of it is one transaction (serialised between loaders on PostgreSQL by an advisory lock):
   a failure or a kill leaves the ledger as it was, and the next run does the whole file.
"""

from __future__ import annotations

import csv
import hashlib
import operator
import re
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import nullcontext
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import IO, Any

from sqlalchemy import Select, Subquery, Table, column, exists, func, literal_column, select, table, text
from sqlalchemy.dialects.postgresql import aggregate_order_by
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import Session, aliased

from osms.contributions import queries, summary
from osms.contributions import register_rules as rr
from osms.contributions.models import REVERSAL, Payment, PersonMonth
from osms.contributions.rulebook import ContributionsTopic
from osms.core.bulkload import (
    BadLine,
    ImportFileError,
    Stager,
    check_header,
    copy_text,
    open_batch,
    take_load_lock,
    write_rejections,
)
from osms.core.clock import fund_today
from osms.core.config import get_settings
from osms.core.errors import InvalidInput, NotFound
from osms.core.identity import check_iin
from osms.core.models import ImportBatch, ImportRejection
from osms.core.money import CENT, format_money
from osms.core.periods import Month
from osms.core.rows import Rejection
from osms.registry import queries as registry
from osms.rulebooks.loader import ParameterEntry, RulebookError, load_rulebook

BATCH_KIND = "payment_register"
CHUNK_ROWS = 20_000
BLOCK_BYTES = 1 << 20
STAGE = "stage_payment"
_LOCK_KEY = 7_301_001  # bulkload.take_load_lock: one register load at a time
_SPECIAL = re.compile(r'["\\\t\r\x00 ]').search

# The registry's published surfaces (registry.queries) that ingestion and the ledger's reads join.
_person = registry.persons().subquery("persons")
_payer = registry.payers().subquery("payers")


def _derived(conn: Connection, surface: Subquery) -> str:
    """``surface`` as SQL of ``conn``'s dialect, in parentheses: a derived table for the
    statements written as text."""
    return f"({surface.element.compile(dialect=conn.dialect)})"


@dataclass
class IngestResult:
    """What became of every row of one register file."""

    file: str
    batch_id: int
    rows: int = 0
    credited: int = 0  # ledger rows added: payments + reversals
    payments: int = 0
    reversals: int = 0
    already_credited: int = 0
    rejected: int = 0
    rejected_by_reason: dict[str, int] = field(default_factory=dict)
    amount_paid: Decimal = Decimal("0.00")
    amount_reversed: Decimal = Decimal("0.00")
    person_months: int = 0  # coverage-summary (IIN, period) pairs recomputed
    seconds: float = 0.0
    rejects_file: str | None = None
    phases: dict[str, float] = field(default_factory=dict)  # seconds per step, for benchmarks

    @property
    def amount(self) -> Decimal:
        """Net amount credited by this load: payments minus reversals."""
        return self.amount_paid - self.amount_reversed

    def as_dict(self) -> dict[str, Any]:
        return {
            "rows": self.rows,
            "credited": self.credited,
            "rejected": self.rejected,
            "rejected_by_reason": self.rejected_by_reason,
            "amount": format_money(self.amount),
            "seconds": round(self.seconds, 3),
            "already_credited": self.already_credited,
            "payments": self.payments,
            "reversals": self.reversals,
            "amount_paid": format_money(self.amount_paid),
            "amount_reversed": format_money(self.amount_reversed),
            "person_months": self.person_months,
            "batch_id": self.batch_id,
            "file": self.file,
            "rejects_file": self.rejects_file,
        }


def prepay_months_from_rulebook(rulebook_name: str | None = None) -> Callable[[date], int]:
    """``status.self_payer_prepay_months`` of the rulebook in force on a value date.

    Outside the rulebook's period the entry in force on that day is used if one is open-ended
    (a later value date keeps the last rule), else 0 (no prepayment before the law allowed it).
    """
    rulebook = load_rulebook(rulebook_name or get_settings().rulebook)

    def months(day: date) -> int:
        try:
            return rulebook.topic(ContributionsTopic).self_payer_prepay_months(day)
        except RulebookError:
            entry = rulebook.find("status.self_payer_prepay_months", day)
            return entry.value if isinstance(entry, ParameterEntry) else 0

    return months


def register_checker(
    rulebook_name: str | None = None,
    *,
    prepay_months: Callable[[date], int] | None = None,
    today: date | None = None,
) -> rr.RegisterChecker:
    """The row checker with the rulebook's figures: prepayment months, the scheme's start, the
    ceiling of each kind of payment per period (``status.register_ceiling``), and the fund's today."""
    rulebook = load_rulebook(rulebook_name or get_settings().rulebook)

    def ceiling(kind: str, month: int) -> int | None:
        tenge = rulebook.topic(ContributionsTopic).register_ceiling(kind, Month.from_index(month).first_day)
        return None if tenge is None else int(tenge * 100)

    return rr.RegisterChecker(
        prepay_months or prepay_months_from_rulebook(rulebook.name),
        today=today or fund_today(),
        scheme_start=rulebook.topic(ContributionsTopic).scheme_start(),
        ceiling=ceiling,
    )


def _decode_lines(data: bytes) -> list[Any]:
    """Physical lines of ``data`` (complete lines, no final newline): str, or ``BadLine`` for a
    line that is not UTF-8 (the good lines around it are kept)."""
    try:
        text_ = data.decode("utf-8")
    except UnicodeDecodeError:
        lines: list[Any] = []
        for raw in data.split(b"\n"):
            try:
                lines.append(raw.decode("utf-8").removesuffix("\r"))
            except UnicodeDecodeError:
                lines.append(BadLine(raw.removesuffix(b"\r")))
        return lines
    if "\r" in text_:
        text_ = text_.replace("\r\n", "\n")
    return text_.split("\n")


def _lines(fh: IO[bytes], progress: Callable[[int], None] | None, digest: Any) -> Iterator[list[Any]]:
    """The file's physical lines (BOM and CR LF handled), one block's worth at a time: each a str,
    or a ``BadLine`` when it is not UTF-8 (decoded line by line, so one bad byte costs one line)."""
    carry = b""
    first = True
    for block in iter(lambda: fh.read(BLOCK_BYTES), b""):
        digest.update(block)
        data = carry + block
        if first:
            first = False
            data = data.removeprefix(b"\xef\xbb\xbf")
        cut = data.rfind(b"\n")
        if cut < 0:
            carry = data
        else:
            carry = data[cut + 1 :]
            yield _decode_lines(data[: cut - 1] if data[cut - 1 : cut] == b"\r" else data[:cut])
        if progress:
            progress(len(block))
    if first:
        return
    carry = carry.removesuffix(b"\r")
    if carry:
        yield _decode_lines(carry)


_STAGE_COLUMNS = (
    "line, raw, reference, payer_id, payer_kind, iin, period, kind, tiyn, value_date, reverses, code, message"
)
#: The staging table as ``_stage_file`` writes it (values as staged: no type conversion).
_STAGE_TABLE = table(STAGE, *(column(name) for name in _STAGE_COLUMNS.split(", ")))


def _create_stage(conn: Connection) -> None:
    pg = conn.dialect.name == "postgresql"
    conn.exec_driver_sql(f"DROP TABLE IF EXISTS {STAGE}")
    conn.exec_driver_sql(
        f"CREATE TEMPORARY TABLE {STAGE} (line INTEGER NOT NULL, raw TEXT NOT NULL, reference VARCHAR(80), "
        "payer_id VARCHAR(12), payer_kind VARCHAR(24), iin VARCHAR(12), period INTEGER, kind VARCHAR(24), "
        "tiyn BIGINT, value_date DATE, reverses VARCHAR(80), code VARCHAR(40), message TEXT)"
        + (" ON COMMIT DROP" if pg else "")
    )


class _Sql:
    """The few expressions that differ between PostgreSQL (NUMERIC tenge) and SQLite (integer tiyn)."""

    def __init__(self, dialect: str) -> None:
        self.pg = dialect == "postgresql"

    def amount_of(self, tiyn: str) -> str:
        """Staged tiyn -> the ledger's amount column."""
        return f"(CAST({tiyn} AS NUMERIC(20, 2)) / 100)" if self.pg else tiyn

    def tiyn_of(self, amount: str) -> str:
        """Ledger amount -> tiyn."""
        return f"CAST({amount} * 100 AS BIGINT)" if self.pg else amount

    def money_text(self, tiyn: str) -> str:
        if self.pg:
            return f"CAST(CAST(CAST({tiyn} AS NUMERIC(20, 2)) / 100 AS NUMERIC(18, 2)) AS TEXT)"
        return f"printf('%.2f', {tiyn} / 100.0)"


def _classify(conn: Connection, *, reversals: bool = True) -> None:
    """Give every staged row that may not be credited its ``code`` and ``message``, set-based."""
    q = _Sql(conn.dialect.name)
    s = STAGE
    open_ = f"{s}.code IS NULL"
    # 1. A reference seen on an earlier line of the file (among rows that passed the row checks).
    conn.exec_driver_sql(
        f"UPDATE {s} SET code = 'duplicate_reference', "
        f"message = 'the reference ' || {s}.reference || ' is already on line ' || CAST(d.first_line AS TEXT) "
        f"FROM (SELECT reference, MIN(line) AS first_line FROM {s} WHERE code IS NULL GROUP BY reference "
        f"HAVING COUNT(*) > 1) d WHERE d.reference = {s}.reference AND {s}.line > d.first_line AND {open_}"
    )
    # 2. References already in the ledger: the same payment again, or a conflicting reuse.
    same = (
        f"x.payer_id = {s}.payer_id AND x.payer_kind = {s}.payer_kind AND x.iin = {s}.iin "
        f"AND x.period = {s}.period AND x.kind = {s}.kind "
        f"AND {q.tiyn_of('x.amount')} = CASE WHEN {s}.kind = 'reversal' THEN -{s}.tiyn ELSE {s}.tiyn END "
        f"AND x.value_date = {s}.value_date"
    )
    where = "'(batch ' || CAST(x.batch_id AS TEXT) || ', line ' || CAST(x.line AS TEXT) || ')'"
    conn.exec_driver_sql(
        f"UPDATE {s} SET "
        f"code = CASE WHEN {same} THEN 'already_credited' WHEN {s}.kind = 'reversal' THEN 'already_reversed' "
        f"ELSE 'reference_conflict' END, "
        f"message = CASE WHEN {same} THEN 'credited earlier ' || {where} "
        f"WHEN {s}.kind = 'reversal' THEN 'payment ' || {s}.reverses || ' was already reversed by ' || x.reference "
        f"|| ' ' || {where} || ' with different values' "
        f"ELSE 'the reference ' || x.reference || ' was credited earlier ' || {where} || ' with different values' END "
        f"FROM payment x WHERE x.reference = {s}.reference AND {open_}"
    )
    # 3. The person and the payer must be in the registries (a reversal is checked against its original).
    persons, payers = _derived(conn, _person), _derived(conn, _payer)
    conn.exec_driver_sql(
        f"UPDATE {s} SET code = 'unknown_person', message = 'IIN ' || iin || ' is not in the person registry' "
        f"WHERE code IS NULL AND kind <> 'reversal' AND NOT EXISTS (SELECT 1 FROM {persons} p WHERE p.iin = {s}.iin)"
    )
    conn.exec_driver_sql(
        f"UPDATE {s} SET code = 'unknown_payer', "
        f"message = payer_kind || ' ' || payer_id || ' is not in the payer registry' "
        f"WHERE code IS NULL AND kind <> 'reversal' AND payer_kind <> 'self' "
        f"AND NOT EXISTS (SELECT 1 FROM {payers} r WHERE r.payer_id = {s}.payer_id)"
    )
    conn.exec_driver_sql(
        f"UPDATE {s} SET code = 'payer_mismatch', "
        f"message = 'payer ' || r.payer_id || ' is registered as ' || r.kind || ', not ' || {s}.payer_kind "
        f"FROM {payers} r WHERE r.payer_id = {s}.payer_id AND {open_} AND {s}.kind <> 'reversal' "
        f"AND {s}.payer_kind <> 'self' AND r.kind <> {s}.payer_kind"
    )
    if not reversals:
        return
    # 4. Reversals: the original must be credited (earlier, or anywhere in this file), not yet
    #    reversed, and the reversal must repeat its payer, IIN, period and amount. The originals
    #    credited from this file are first copied out (few rows) so no step hashes the whole stage.
    originals = "stage_original"
    conn.exec_driver_sql(f"DROP TABLE IF EXISTS {originals}")
    conn.exec_driver_sql(
        f"CREATE TEMPORARY TABLE {originals} AS SELECT reference, payer_id, payer_kind, iin, period, tiyn "
        f"FROM {s} WHERE code IS NULL AND kind <> 'reversal' "
        f"AND reference IN (SELECT reverses FROM {s} WHERE code IS NULL AND kind = 'reversal')"
    )
    conn.exec_driver_sql(
        f"UPDATE {s} SET code = 'unknown_original', "
        f"message = 'no credited payment with reference ' || reverses || ' to reverse' "
        f"WHERE code IS NULL AND kind = 'reversal' "
        f"AND NOT EXISTS (SELECT 1 FROM payment o WHERE o.reference = {s}.reverses AND o.kind <> 'reversal') "
        f"AND NOT EXISTS (SELECT 1 FROM {originals} o WHERE o.reference = {s}.reverses)"
    )
    conn.exec_driver_sql(
        f"UPDATE {s} SET code = 'already_reversed', "
        f"message = 'payment ' || {s}.reverses || ' was already reversed by ' || r.reference "
        f"FROM payment r WHERE r.reverses = {s}.reverses AND {open_} AND {s}.kind = 'reversal'"
    )
    for original, amount in (("payment", q.tiyn_of("o.amount")), (originals, "o.tiyn")):
        differs = (
            f"CASE WHEN o.iin <> {s}.iin THEN 'IIN ' || {s}.iin || ' (original: ' || o.iin || ')' "
            f"WHEN o.period <> {s}.period THEN 'the period' "
            f"WHEN {amount} <> {s}.tiyn THEN 'amount ' || {q.money_text(s + '.tiyn')} "
            f"|| ' (original: ' || {q.money_text(amount)} || ')' "
            f"WHEN o.payer_id <> {s}.payer_id THEN 'payer ' || {s}.payer_id || ' (original: ' || o.payer_id || ')' "
            f"ELSE 'payer kind ' || {s}.payer_kind || ' (original: ' || o.payer_kind || ')' END"
        )
        not_reversal = " AND o.kind <> 'reversal'" if original == "payment" else ""
        conn.exec_driver_sql(
            f"UPDATE {s} SET code = 'reversal_mismatch', "
            f"message = 'the reversal of ' || o.reference || ' does not match it: ' || {differs} "
            f"FROM {original} o WHERE o.reference = {s}.reverses{not_reversal} "
            f"AND {open_} AND {s}.kind = 'reversal' AND (o.iin <> {s}.iin OR o.period <> {s}.period "
            f"OR {amount} <> {s}.tiyn OR o.payer_id <> {s}.payer_id OR o.payer_kind <> {s}.payer_kind)"
        )
    conn.exec_driver_sql(f"DROP TABLE {originals}")


def ingest_register(
    engine: Engine,
    path: Path | IO[bytes],
    *,
    rejects_file: Path | None = None,
    progress: Callable[[int], None] | None = None,
    file_name: str | None = None,
    prepay_months: Callable[[date], int] | None = None,
    today: date | None = None,
    created_by: str | None = None,
) -> IngestResult:
    """Load one payment register into the ledger (idempotent by reference, all-or-nothing).
    ``path``: the file, or an open binary stream of it (an upload, read where it was received)."""
    if isinstance(path, Path) and not path.is_file():
        raise InvalidInput(f"no such file: {path}", code="no_file")
    started = time.perf_counter()
    digest = hashlib.sha256()
    name = file_name or (str(path) if isinstance(path, Path) else "upload")
    checker = register_checker(prepay_months=prepay_months, today=today)
    rej_table: Table = ImportRejection.__table__  # type: ignore[assignment]
    batch_table: Table = ImportBatch.__table__  # type: ignore[assignment]
    with engine.begin() as conn:
        pg = conn.dialect.name == "postgresql"
        if pg:
            take_load_lock(conn, _LOCK_KEY)
            conn.exec_driver_sql("SET LOCAL work_mem = '128MB'")
            conn.exec_driver_sql("SET LOCAL jit = off")
        batch_id = open_batch(conn, BATCH_KIND, name, sha256="", created_by=created_by)  # sha256 set once read
        result = IngestResult(file=name, batch_id=batch_id)
        clock = _Clock(result.phases)
        _create_stage(conn)
        with (
            Stager(conn, _STAGE_TABLE, queued=True) as stager,
            path.open("rb") if isinstance(path, Path) else nullcontext(path) as fh,
        ):
            result.rows, reversals = _stage_file(fh, Path(name).name, checker, stager, progress, digest)
        if pg:
            conn.exec_driver_sql(f"ANALYZE {STAGE}")
        else:
            conn.exec_driver_sql(f"CREATE INDEX ix_{STAGE}_reference ON {STAGE} (reference)")
        clock("read, check, stage")
        _classify(conn, reversals=reversals > 0)
        clock("classify")
        q = _Sql(conn.dialect.name)
        signed = "CASE WHEN kind = 'reversal' THEN -tiyn ELSE tiyn END"  # a reversal is negative in the ledger
        conn.exec_driver_sql(
            "INSERT INTO payment (reference, batch_id, line, payer_id, payer_kind, iin, period, kind, amount, "
            f"value_date, reverses) SELECT reference, {int(batch_id)}, line, payer_id, payer_kind, iin, period, kind, "
            f"{q.amount_of(signed)}, value_date, reverses "
            f"FROM {STAGE} WHERE code IS NULL ORDER BY line"
        )
        clock("credit")
        conn.execute(
            text(
                "INSERT INTO import_rejection (batch_id, line, code, message, raw) "
                f"SELECT :b, line, code, message, raw FROM {STAGE} "
                "WHERE code IS NOT NULL AND code <> 'already_credited' ORDER BY line"
            ),
            {"b": batch_id},
        )
        clock("rejections")
        result.person_months = summary.refresh_staged(conn, STAGE, q.amount_of)
        clock("summary")
        is_rev = "CASE WHEN kind = 'reversal' THEN 1 ELSE 0 END"
        for code, is_reversal, count, tiyn in conn.exec_driver_sql(
            f"SELECT code, {is_rev}, COUNT(*), SUM(tiyn) FROM {STAGE} "
            f"WHERE code IS NULL OR code = 'already_credited' GROUP BY code, {is_rev}"
        ):
            if code is not None:
                result.already_credited += int(count)
            elif is_reversal:
                result.reversals = int(count)
                result.amount_reversed = (Decimal(int(tiyn)) / 100).quantize(CENT)
            else:
                result.payments = int(count)
                result.amount_paid = (Decimal(int(tiyn)) / 100).quantize(CENT)
        result.credited = result.payments + result.reversals
        result.rejected_by_reason = {
            str(code): int(n)
            for code, n in conn.execute(
                select(rej_table.c.code, func.count())
                .where(rej_table.c.batch_id == batch_id)
                .group_by(rej_table.c.code)
                .order_by(rej_table.c.code)
            )
        }
        result.rejected = sum(result.rejected_by_reason.values())
        if not pg:
            conn.exec_driver_sql(f"DROP TABLE {STAGE}")
        conn.execute(
            batch_table.update()
            .where(batch_table.c.id == batch_id)
            .values(
                sha256=digest.hexdigest(),
                finished_at=datetime.now(UTC),
                rows=result.rows,
                accepted=result.credited + result.already_credited,
                rejected=result.rejected,
            )
        )
        if rejects_file is not None and result.rejected:
            write_rejections(conn, batch_id, rejects_file)
            result.rejects_file = str(rejects_file)
        clock("count, report")
    clock("commit")
    result.seconds = time.perf_counter() - started
    return result


class _Clock:
    def __init__(self, phases: dict[str, float]) -> None:
        self.phases = phases
        self.last = time.perf_counter()

    def __call__(self, name: str) -> None:
        now = time.perf_counter()
        self.phases[name] = round(now - self.last, 3)
        self.last = now


def _stage_file(
    fh: IO[bytes],
    file_label: str,
    checker: rr.RegisterChecker,
    stager: Stager,
    progress: Callable[[int], None] | None,
    digest: Any,
) -> tuple[int, int]:
    """Stream the file into the staging table: every row checked, the refused ones with their code.

    Returns (rows, reversal rows that passed the row checks).
    """
    pg = stager.pg
    check = checker.check
    special = _SPECIAL
    width = len(rr.COLUMNS)
    chunk: list[Any] = []
    reorder: Callable[[list[str]], Any] | None = None
    header: list[str] | None = None
    line_no = 0
    rows = 0
    reversals = 0

    def reject(line: int, code: str, message: str, raw: str) -> None:
        if pg:
            nulls = "\t\\N" * 9
            chunk.append(f"{line}\t{copy_text(raw)}{nulls}\t{code}\t{copy_text(message)}\n")
        else:
            chunk.append((line, raw, None, None, None, None, None, None, None, None, None, code, message))

    for lines in _lines(fh, progress, digest):
        for line in lines:
            line_no += 1
            if type(line) is not str:
                if header is None:
                    raise ImportFileError(f"{file_label}: the header is not UTF-8 text")
                rows += 1
                reject(line_no, "bad_encoding", line.message, line.raw)
                continue
            if header is None:
                try:
                    header = [h.strip() for h in next(csv.reader([line]))] if line.strip() else []
                except csv.Error as exc:
                    raise ImportFileError(f"{file_label}: the header is not valid CSV: {exc}") from None
                check_header(header, rr.COLUMNS, file_label)
                order = [header.index(c) for c in rr.COLUMNS]
                if order != list(range(width)):
                    reorder = operator.itemgetter(*order)
                continue
            plain = special(line) is None
            if plain:
                if not line:
                    continue
                fields = line.split(",")
            else:
                if not line.strip():
                    continue
                if "\x00" in line:
                    rows += 1
                    reject(line_no, "bad_row_shape", "the row contains a NUL character", line.replace("\x00", "\\0"))
                    continue
                try:
                    fields = [f.strip() for f in next(csv.reader([line], strict=True))]
                except csv.Error as exc:
                    rows += 1
                    reject(line_no, "bad_row_shape", f"the row is not valid CSV: {exc}", line)
                    continue
            rows += 1
            if len(fields) != width:
                reject(line_no, "bad_row_shape", f"the row has {len(fields)} fields, the header has {width}", line)
            else:
                checked = check(*(reorder(fields) if reorder is not None else fields))
                if type(checked) is tuple:
                    ref, payer_id, payer_kind, iin, period, kind, tiyn, value_date, reverses = checked
                    if reverses is not None:
                        reversals += 1
                    if not pg:
                        chunk.append((line_no, line, *checked, None, None))
                    elif plain:
                        rev = "\\N" if reverses is None else reverses
                        chunk.append(
                            f"{line_no}\t{line}\t{ref}\t{payer_id}\t{payer_kind}\t{iin}\t{period}\t{kind}\t"
                            f"{tiyn}\t{value_date}\t{rev}\t\\N\t\\N\n"
                        )
                    else:
                        rev = "\\N" if reverses is None else copy_text(reverses)
                        chunk.append(
                            f"{line_no}\t{copy_text(line)}\t{copy_text(ref)}\t{payer_id}\t{payer_kind}\t{iin}\t"
                            f"{period}\t{kind}\t{tiyn}\t{value_date}\t{rev}\t\\N\t\\N\n"
                        )
                else:
                    assert isinstance(checked, Rejection)
                    reject(line_no, checked.code, checked.message, line)
            if len(chunk) >= CHUNK_ROWS:
                stager.write(chunk)
                chunk.clear()
    if header is None:
        raise ImportFileError(f"{file_label} is empty: expected the header {','.join(rr.COLUMNS)}")
    stager.write(chunk)
    return rows, reversals


# --------------------------------------------------------------------------------------------
# Reading the ledger


@dataclass(frozen=True)
class LedgerLine:
    """One ledger row: a payment (maybe reversed later) or a reversal."""

    reference: str
    kind: str
    amount: Decimal
    value_date: date
    reverses: str | None  # a reversal: the reference it cancels
    reversed_by: str | None  # a payment: the reversal that cancelled it, if any

    @property
    def active(self) -> bool:
        """Counts towards the month: a payment not reversed."""
        return self.kind != rr.REVERSAL and self.reversed_by is None


@dataclass(frozen=True)
class PayerPayments:
    payer_id: str
    payer_name: str | None  # from the payer registry; None for a person paying for themselves
    payer_kind: str
    amount: Decimal  # credited and not reversed
    lines: list[LedgerLine]


@dataclass(frozen=True)
class MonthPayments:
    period: Month
    amount: Decimal  # credited and not reversed (equals the coverage summary's amount)
    payers: list[PayerPayments]


def _check_person(session: Session, raw_iin: str) -> str:
    check = check_iin(raw_iin)
    if not check.valid:
        raise InvalidInput(
            "; ".join(e.message for e in check.errors), code="bad_iin:" + ",".join(e.code for e in check.errors)
        )
    if session.execute(select(_person.c.iin).where(_person.c.iin == check.number)).first() is None:
        raise NotFound(f"no person with IIN {check.number} in the registry", code="unknown_person")
    return check.number


def payments_of(session: Session, iin: str, since: Month | None = None) -> list[MonthPayments]:
    """Every ledger row for a person, grouped by month (newest first) and payer.

    Raises ``InvalidInput`` for an IIN that fails a check and ``NotFound`` for one not in the registry.
    """
    number = _check_person(session, iin)
    rev = aliased(Payment)
    query = (
        select(
            Payment.period,
            Payment.payer_id,
            _payer.c.name,
            Payment.payer_kind,
            Payment.kind,
            Payment.amount,
            Payment.value_date,
            Payment.reference,
            Payment.reverses,
            rev.reference,
        )
        .outerjoin(_payer, _payer.c.payer_id == Payment.payer_id)
        .outerjoin(rev, rev.reverses == Payment.reference)
        .where(Payment.iin == number)
        .order_by(Payment.period.desc(), Payment.payer_id, Payment.value_date, Payment.reference)
    )
    if since is not None:
        query = query.where(Payment.period >= since)
    months: list[MonthPayments] = []
    for (
        period,
        payer_id,
        payer_name,
        payer_kind,
        kind,
        amount,
        value_date,
        reference,
        reverses,
        reversed_by,
    ) in session.execute(query):
        line = LedgerLine(reference, kind, amount, value_date, reverses, reversed_by)
        if not months or months[-1].period != period:
            months.append(MonthPayments(period, Decimal("0.00"), []))
        month = months[-1]
        if not month.payers or month.payers[-1].payer_id != payer_id:
            month.payers.append(PayerPayments(payer_id, payer_name, payer_kind, Decimal("0.00"), []))
        month.payers[-1].lines.append(line)
    return [
        MonthPayments(
            m.period,
            sum((ln.amount for p in m.payers for ln in p.lines if ln.active), Decimal("0.00")),
            [
                PayerPayments(
                    p.payer_id,
                    p.payer_name,
                    p.payer_kind,
                    sum((ln.amount for ln in p.lines if ln.active), Decimal("0.00")),
                    p.lines,
                )
                for p in m.payers
            ],
        )
        for m in months
    ]


@dataclass(frozen=True)
class EmployeePayment:
    iin: str
    name: str | None
    kind: str
    amount: Decimal
    value_date: date
    reference: str
    reverses: str | None
    reversed_by: str | None


def employer_payments(session: Session, payer_id: str, period: Month) -> list[EmployeePayment]:
    """What a payer (employer, agent, IE, state body) paid for a period, person by person."""
    rev = aliased(Payment)
    rows = session.execute(
        select(
            Payment.iin,
            _person.c.last_name,
            _person.c.first_name,
            Payment.kind,
            Payment.amount,
            Payment.value_date,
            Payment.reference,
            Payment.reverses,
            rev.reference,
        )
        .outerjoin(_person, _person.c.iin == Payment.iin)
        .outerjoin(rev, rev.reverses == Payment.reference)
        .where(Payment.payer_id == payer_id.strip(), Payment.period == period)
        .order_by(Payment.iin, Payment.kind, Payment.value_date, Payment.reference)
    )
    return [
        EmployeePayment(
            iin,
            f"{last} {first}" if last is not None else None,
            kind,
            amount,
            value_date,
            reference,
            reverses,
            reversed_by,
        )
        for iin, last, first, kind, amount, value_date, reference, reverses, reversed_by in rows
    ]


def latest_paid_period(session: Session, payer_id: str, up_to: Month) -> Month | None:
    """The latest period up to ``up_to`` for which a payer has a payment in the ledger (reversals
    aside), or None: the month an employer's page opens on."""
    found = session.scalar(
        select(func.max(Payment.period)).where(
            Payment.payer_id == payer_id.strip(), Payment.period <= up_to, Payment.kind != REVERSAL
        )
    )
    return found if found is None or isinstance(found, Month) else Month.from_index(int(found))


def batch_rejections(session: Session, batch_id: int) -> list[dict[str, Any]]:
    """The rejected rows of one load, by line."""
    t = ImportRejection.__table__
    return [
        dict(r._mapping)
        for r in session.execute(
            select(t.c.line, t.c.code, t.c.message, t.c.raw).where(t.c.batch_id == batch_id).order_by(t.c.line)
        )
    ]


__all__ = [
    "EmployeePayment",
    "IngestResult",
    "LedgerLine",
    "MonthPayments",
    "PayerPayments",
    "batch_rejections",
    "employer_payments",
    "ingest_register",
    "payments_of",
    "prepay_months_from_rulebook",
]


# --------------------------------------------------------------------------------------------
# Reads of the ledger and the summary for other rooms (coverage)

SUMMARY_CHUNK = 500  # IINs per IN (...) list


def summary_months(
    session: Session, iins: list[str] | Select[Any], first: Month, last: Month
) -> Iterator[tuple[str, int, int, str, date]]:
    """The coverage-summary rows of ``iins`` for ``first..last``: (iin, month index, kinds bits,
    payer of the largest payment, first value date); a few queries, never one per IIN. ``iins`` is
    a list (read by chunks of ``SUMMARY_CHUNK``) or a one-column SELECT of IINs (one statement)."""
    in_window = (PersonMonth.period >= first, PersonMonth.period <= last)
    if isinstance(iins, Select):
        # The month as its index: callers cache Month objects.
        yield from session.execute(queries.summary_months().where(PersonMonth.iin.in_(iins), *in_window))
        return
    for start in range(0, len(iins), SUMMARY_CHUNK):
        chunk = iins[start : start + SUMMARY_CHUNK]
        yield from session.execute(queries.summary_months().where(PersonMonth.iin.in_(chunk), *in_window))


def summary_signatures(session: Session, iins: Select[Any], first: Month, last: Month) -> Iterator[tuple[str, str]]:
    """PostgreSQL only: for each IIN of a population (a one-column SELECT) with coverage-summary
    rows in ``first..last``, one digest of exactly those rows (md5 of their text in period order):
    two people with the same digest have the same months as ``summary_months`` reads them. One row
    per person instead of one per month: a population's insured status reads the months of one
    person per distinct digest only."""
    rows = (
        queries.summary_months()
        .where(PersonMonth.iin.in_(iins), PersonMonth.period >= first, PersonMonth.period <= last)
        .subquery("sm")
    )
    text_of = func.concat_ws(":", rows.c.period, rows.c.kinds, rows.c.payer_id, rows.c.first_value_date)
    digest = func.md5(func.string_agg(text_of, aggregate_order_by(literal_column("','"), rows.c.period)))
    yield from session.execute(select(rows.c.iin, digest).group_by(rows.c.iin))


def paid_for(session: Session, payer_id: str, iins: Sequence[str], first: Month, last: Month) -> set[str]:
    """Which of ``iins`` ``payer_id`` has a payment for, for a period in ``first..last``, that still
    stands (credited and not reversed); one query per 500 IINs."""
    reversal = aliased(Payment)
    found: set[str] = set()
    unique = sorted(set(iins))
    for start in range(0, len(unique), 500):
        chunk = unique[start : start + 500]
        found.update(
            session.scalars(
                select(Payment.iin)
                .distinct()
                .where(
                    Payment.iin.in_(chunk),
                    Payment.payer_id == payer_id,
                    Payment.period >= first,
                    Payment.period <= last,
                    Payment.kind != REVERSAL,
                    ~exists().where(reversal.reverses == Payment.reference),
                )
            )
        )
    return found


#: An employer's employee (docs/access.md): a person it has a standing payment for, for a period
#: from this many months before the current month to the current month.
EMPLOYEE_MONTHS = 12


def employees_among(session: Session, employer: str, iins: Sequence[str], today: date) -> set[str]:
    """Which of ``iins`` are ``employer``'s employees on ``today``: a credited, unreversed payment
    by it for a period from ``EMPLOYEE_MONTHS`` before the current month to the current month.
    The one rule behind an employer's status reads and its payroll (docs/access.md)."""
    month = Month.of(today)
    return paid_for(session, employer, iins, month - EMPLOYEE_MONTHS, month)


@dataclass(frozen=True, slots=True)
class EmployeeMonth:
    """What an employer paid for one person in a month: credited deductions, credited contributions
    (withheld, civil-contract or other kinds), and the sum of its payments reversed since."""

    iin: str
    name: str | None
    deduction: Decimal
    contribution: Decimal
    reversed: Decimal
    current: bool  # an employee today (``employees_among``): the employer may see their status

    @property
    def total(self) -> Decimal:
        return self.deduction + self.contribution


@dataclass(frozen=True, slots=True)
class EmployerMonth:
    """An employer's month, person by person (by name, then IIN), with the totals."""

    payer_id: str
    period: Month
    employees: tuple[EmployeeMonth, ...]
    deduction: Decimal
    contribution: Decimal
    reversed: Decimal

    @property
    def total(self) -> Decimal:
        return self.deduction + self.contribution

    @property
    def current(self) -> list[str]:
        """The IINs of the current employees, sorted."""
        return sorted(e.iin for e in self.employees if e.current)


def employer_default_month(session: Session, payer_id: str, day: date) -> Month:
    """The month an employer's page opens on: the latest with its payments up to ``day``'s month
    (an employer pays a month by the 25th of the next, so on 4 December last month usually has
    none yet), else last month."""
    return latest_paid_period(session, payer_id, Month.of(day)) or Month.of(day) - 1


def employer_month(session: Session, payer_id: str, period: Month, day: date) -> EmployerMonth:
    """Whom ``payer_id`` paid for in ``period`` and how much, and which of them are its employees
    on ``day`` (the 12-month rule of ``employees_among``, read set-based)."""
    zero = Decimal("0.00")
    grouped: dict[str, list[EmployeePayment]] = {}
    for line in employer_payments(session, payer_id, period):
        grouped.setdefault(line.iin, []).append(line)
    current = employees_among(session, payer_id, sorted(grouped), day) if grouped else set()
    employees = []
    for iin, lines in grouped.items():
        credited = [x for x in lines if x.kind != REVERSAL and x.reversed_by is None]
        employees.append(
            EmployeeMonth(
                iin=iin,
                name=lines[0].name,
                deduction=sum((x.amount for x in credited if x.kind == "employer_deduction"), zero),
                contribution=sum((x.amount for x in credited if x.kind != "employer_deduction"), zero),
                reversed=sum((x.amount for x in lines if x.kind != REVERSAL and x.reversed_by), zero),
                current=iin in current,
            )
        )
    employees.sort(key=lambda e: (e.name or "", e.iin))
    return EmployerMonth(
        payer_id=payer_id,
        period=period,
        employees=tuple(employees),
        deduction=sum((e.deduction for e in employees), zero),
        contribution=sum((e.contribution for e in employees), zero),
        reversed=sum((e.reversed for e in employees), zero),
    )
