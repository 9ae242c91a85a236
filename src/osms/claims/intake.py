"""The intake of service reports into the register of service records (docs/claims.md, "Intake").

``ingest_file`` loads one CSV file in its own transaction; ``ingest_rows`` takes rows (mappings of
the file's columns) in the caller's session (the API, FHIR) and never commits. Both:

1. check every row on its own (``claims.parse.RowChecker``: shape, fields, IINs, dates, the
   catalogue in force on ``date_from``, ICD-10) and stage it, a chunk at a time, into a temporary
   table with its line and raw text, and with its reason code when refused (``core.bulkload.Stager``:
   PostgreSQL ``COPY``, SQLite ``executemany``);
2. set-based, in SQL: later duplicates of ``(provider_id, record_id)`` in the file
   (``duplicate_key``), providers and persons not in their registers, records already in the
   register (same digest: ``unchanged``; different: a correction), closed months (``month_closed``);
3. write the new records, keep the replaced content of corrected ones in ``service_record_version``
   (``version`` + 1), every refused row in ``import_rejection``;
4. run the checks (``claims.checks``) over the new and corrected records: findings, and the
   potential defects of the findings whose defect code has a money effect.

All of it in one transaction: a failure leaves the register as it was.
"""

from __future__ import annotations

import csv
import hashlib
import operator
import re
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import IO, Any

from sqlalchemy import Subquery, Table, column, func, select, table, text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import Session

from osms.claims import checks
from osms.claims.parse import ALL_COLUMNS, COLUMNS, FLAG_COLUMNS, Parsed, RowChecker
from osms.core.bulkload import ImportFileError, Stager, check_header, copy_text, open_batch, take_load_lock
from osms.core.bulkload import write_rejections as _write_rejections
from osms.core.clock import fund_today
from osms.core.config import get_settings
from osms.core.errors import InvalidInput
from osms.core.models import ImportBatch, ImportRejection
from osms.core.progress import Reporter, Silent
from osms.core.rows import Rejection
from osms.providers import queries as providers
from osms.registry import queries as registry
from osms.rulebooks.loader import Rulebook, load_rulebook

__all__ = ["ALL_COLUMNS", "COLUMNS", "FLAG_COLUMNS", "IntakeResult", "RowOutcome", "ingest_file", "ingest_rows"]

BATCH_KIND = "services"
CHUNK_ROWS = 20_000
BLOCK_BYTES = 1 << 20
STAGE = "stage_service"
TOUCHED = checks.TOUCHED
_LOCK_KEY = 7_301_013  # bulkload.take_load_lock: one service intake at a time
_SPECIAL = re.compile(r'["\\\t\r\x00]').search

#: The staging table: line, raw text, reason (code, message) and the parsed record's fields.
_STAGE_COLUMNS: tuple[tuple[str, str], ...] = (
    ("line", "INTEGER NOT NULL"),
    ("raw", "TEXT NOT NULL"),
    ("code", "VARCHAR(40)"),
    ("message", "TEXT"),
    ("record_id", "TEXT"),
    ("provider_id", "TEXT"),
    ("iin", "VARCHAR(12)"),
    ("care_form", "VARCHAR(16)"),
    ("care_type", "VARCHAR(24)"),
    ("service_code", "VARCHAR(32)"),
    ("case_group", "VARCHAR(32)"),
    ("icd10", "VARCHAR(8)"),
    ("procedures", "VARCHAR(200)"),
    ("date_from", "DATE"),
    ("date_to", "DATE"),
    ("outcome", "VARCHAR(16)"),
    ("referral", "BOOLEAN"),
    ("emergency", "BOOLEAN"),
    ("quantity", "INTEGER"),
    ("doctor_iin", "VARCHAR(12)"),
    ("at_home", "BOOLEAN"),
    ("remote", "BOOLEAN"),
    ("preventive_child", "BOOLEAN"),
    ("month", "DATE"),
    ("digest", "VARCHAR(32)"),
    ("cat_sex", "VARCHAR(1)"),
    ("born_by", "DATE"),
    ("born_after", "DATE"),
    ("needs_referral", "BOOLEAN"),
    ("readmit_from", "DATE"),
    ("status", "VARCHAR(12)"),  # 'new' when staged; SQL sets unchanged / corrected
)
#: Set in SQL after staging: the register's id and month of a record already there.
_STAGE_LATER = (("ref", "BIGINT"), ("old_month", "DATE"))
_STAGE_TABLE = table(STAGE, *(column(name) for name, _ in _STAGE_COLUMNS))
#: The record's own columns, as the register stores them.
RECORD_COLUMNS = (
    "iin",
    "care_form",
    "care_type",
    "service_code",
    "case_group",
    "icd10",
    "procedures",
    "date_from",
    "date_to",
    "outcome",
    "referral",
    "emergency",
    "quantity",
    "doctor_iin",
    "at_home",
    "remote",
    "preventive_child",
)


@dataclass
class RowOutcome:
    """What became of one row: ``status`` accepted (a new record), unchanged, corrected or rejected
    (with ``reason`` and ``message``); ``record_ref`` the register's id; the record's findings."""

    line: int
    provider_id: str | None
    record_id: str | None
    status: str
    reason: str | None = None
    message: str | None = None
    record_ref: int | None = None
    findings: list[tuple[str, str | None]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "line": self.line,
            "provider_id": self.provider_id,
            "record_id": self.record_id,
            "status": self.status,
            "reason": self.reason,
            "message": self.message,
            "record_ref": self.record_ref,
            "findings": [{"code": c, "defect_code": d} for c, d in self.findings],
        }


@dataclass
class IntakeResult:
    """What became of the rows of one file (or one call)."""

    source: str
    batch_id: int
    rows: int = 0
    accepted: int = 0
    unchanged: int = 0
    corrected: int = 0
    rejected: int = 0
    rejected_by_reason: dict[str, int] = field(default_factory=dict)
    findings_by_code: dict[str, int] = field(default_factory=dict)
    defects: int = 0  # potential defects written
    seconds: float = 0.0
    rejects_file: str | None = None
    outcomes: list[RowOutcome] = field(default_factory=list)  # ingest_rows only: one per row
    phases: dict[str, float] = field(default_factory=dict)  # seconds per step, for benchmarks

    def as_dict(self) -> dict[str, Any]:
        """The ``--json`` line."""
        return {
            "rows": self.rows,
            "accepted": self.accepted,
            "rejected": self.rejected,
            "rejected_by_reason": self.rejected_by_reason,
            "findings_by_code": self.findings_by_code,
            "seconds": round(self.seconds, 3),
            "batch_id": self.batch_id,
            "unchanged": self.unchanged,
            "corrected": self.corrected,
            "defects": self.defects,
        }


# --------------------------------------------------------------------------------------------
# Staging


class _Staging:
    """Turns checked rows into staging rows for the dialect (PostgreSQL: COPY text lines)."""

    def __init__(self, stager: Stager) -> None:
        self.stager = stager
        self.pg = stager.pg
        self.chunk: list[Any] = []
        self.true: str | int = "t" if self.pg else 1
        self.false: str | int = "f" if self.pg else 0

    def reject(self, line: int, raw: str, code: str, message: str, key: tuple[str, str] | None = None) -> None:
        provider_id, record_id = key if key is not None else (None, None)
        if self.pg:
            nulls = "\t\\N" * (len(_STAGE_COLUMNS) - 6)
            pid = "\\N" if provider_id is None else copy_text(provider_id)
            rid = "\\N" if record_id is None else copy_text(record_id)
            self.chunk.append(f"{line}\t{copy_text(raw)}\t{code}\t{copy_text(message)}\t{rid}\t{pid}{nulls}\n")
        else:
            self.chunk.append((line, raw, code, message, record_id, provider_id) + (None,) * (len(_STAGE_COLUMNS) - 6))

    def accept(self, line: int, raw: str, r: Parsed) -> None:
        t, f = self.true, self.false
        if self.pg:
            n = "\\N"
            self.chunk.append(
                f"{line}\t{copy_text(raw) if _SPECIAL(raw) else raw}\t{n}\t{n}\t{r.record_id}\t{r.provider_id}\t"
                f"{r.iin}\t{r.care_form}\t{r.care_type}\t{r.service_code or n}\t{r.case_group or n}\t{r.icd10}\t"
                f"{r.procedures or n}\t{r.date_from}\t{r.date_to}\t{r.outcome}\t{t if r.referral else f}\t"
                f"{t if r.emergency else f}\t{r.quantity}\t{r.doctor_iin or n}\t{t if r.at_home else f}\t"
                f"{t if r.remote else f}\t{t if r.preventive_child else f}\t{r.month}\t{r.digest}\t"
                f"{r.cat_sex or n}\t{r.born_by or n}\t{r.born_after or n}\t{t if r.needs_referral else f}\t"
                f"{r.readmit_from or n}\tnew\n"
            )
        else:
            iso = _iso
            self.chunk.append(
                (
                    line,
                    raw,
                    None,
                    None,
                    r.record_id,
                    r.provider_id,
                    r.iin,
                    r.care_form,
                    r.care_type,
                    r.service_code,
                    r.case_group,
                    r.icd10,
                    r.procedures,
                    r.date_from.isoformat(),
                    r.date_to.isoformat(),
                    r.outcome,
                    t if r.referral else f,
                    t if r.emergency else f,
                    r.quantity,
                    r.doctor_iin,
                    t if r.at_home else f,
                    t if r.remote else f,
                    t if r.preventive_child else f,
                    r.month.isoformat(),
                    r.digest,
                    r.cat_sex,
                    iso(r.born_by),
                    iso(r.born_after),
                    t if r.needs_referral else f,
                    iso(r.readmit_from),
                    "new",
                )
            )

    def take(self, line: int, raw: str, checked: Parsed | Rejection, fields: Sequence[str]) -> None:
        if type(checked) is Parsed:
            self.accept(line, raw, checked)
        else:
            assert isinstance(checked, Rejection)
            key = (fields[1].strip()[:64], fields[0].strip()[:64]) if len(fields) >= len(COLUMNS) else None
            self.reject(line, raw, checked.code, checked.message, key)
        if len(self.chunk) >= CHUNK_ROWS:
            self.flush()

    def flush(self) -> None:
        self.stager.write(self.chunk)
        self.chunk.clear()


def _iso(day: date | None) -> str | None:
    return None if day is None else day.isoformat()


def _create_stage(conn: Connection) -> None:
    pg = conn.dialect.name == "postgresql"
    for name in (STAGE, TOUCHED):
        conn.exec_driver_sql(f"DROP TABLE IF EXISTS {name}")
    cols = ", ".join(f"{name} {kind}" for name, kind in _STAGE_COLUMNS + _STAGE_LATER)
    conn.exec_driver_sql(f"CREATE TEMPORARY TABLE {STAGE} ({cols})" + (" ON COMMIT DROP" if pg else ""))


def _raw_line(fields: Sequence[str]) -> str:
    if any(("," in f or '"' in f or "\n" in f or "\r" in f) for f in fields):
        import io

        buf = io.StringIO()
        csv.writer(buf, lineterminator="").writerow(fields)
        return buf.getvalue()
    return ",".join(fields)


def _file_lines(fh: IO[bytes], reporter: Reporter, digest: Any) -> Iterator[tuple[int, str | None, bytes]]:
    """``(line number, text or None when not UTF-8, raw bytes)`` of each physical line."""
    pending = 0
    for number, data in enumerate(fh, start=1):
        digest.update(data)
        pending += len(data)
        if pending >= BLOCK_BYTES:
            reporter.advance(pending)
            pending = 0
        if number == 1:
            data = data.removeprefix(b"\xef\xbb\xbf")
        stripped = data.rstrip(b"\r\n")
        try:
            yield number, stripped.decode("utf-8"), stripped
        except UnicodeDecodeError:
            yield number, None, stripped
    if pending:
        reporter.advance(pending)


def _stage_file(
    fh: IO[bytes], label: str, checker: RowChecker, staging: _Staging, reporter: Reporter, digest: Any
) -> int:
    """Check and stage every row of the file; returns the number of rows (blank lines aside)."""
    check = checker.check
    reorder: Callable[[list[str]], Any] | None = None
    width = len(COLUMNS)
    flags_at: list[int | None] = []
    header: list[str] | None = None
    rows = 0
    for number, line, data in _file_lines(fh, reporter, digest):
        if header is None:
            if line is None:
                raise ImportFileError(f"{label}: the header is not UTF-8 text")
            try:
                header = [h.strip() for h in next(csv.reader([line]))] if line.strip() else []
            except csv.Error as exc:
                raise ImportFileError(f"{label}: the header is not valid CSV: {exc}") from None
            check_header(header, COLUMNS, label, optional=FLAG_COLUMNS)
            order = [header.index(c) for c in COLUMNS]
            width = len(header)
            if any(c in header for c in FLAG_COLUMNS):
                flags_at = [header.index(c) if c in header else None for c in FLAG_COLUMNS]
            if order != list(range(len(COLUMNS))):
                reorder = operator.itemgetter(*order)
            continue
        if line is None:
            rows += 1
            raw = data.decode("utf-8", "backslashreplace").replace("\x00", "\\0")
            staging.reject(number, raw, "bad_row_shape", "the line is not UTF-8 text")
            continue
        if not line.strip():
            continue
        rows += 1
        if '"' in line or "\x00" in line:
            if "\x00" in line:
                staging.reject(number, line.replace("\x00", "\\0"), "bad_row_shape", "the row contains a NUL character")
                continue
            try:
                fields = next(csv.reader([line], strict=True))
            except (csv.Error, StopIteration) as exc:
                staging.reject(number, line, "bad_row_shape", f"the row is not valid CSV: {exc}")
                continue
        else:
            fields = line.split(",")
        if len(fields) != width:
            staging.reject(number, line, "bad_row_shape", f"the row has {len(fields)} fields, the header has {width}")
            continue
        ordered = list(reorder(fields)) if reorder is not None else fields
        if flags_at:
            ordered = [*ordered[: len(COLUMNS)], *("" if i is None else fields[i] for i in flags_at)]
        staging.take(number, line, check(ordered), ordered)
    if header is None:
        raise ImportFileError(
            f"{label} is empty: expected the header {','.join(COLUMNS)} (optional: {','.join(FLAG_COLUMNS)})"
        )
    staging.flush()
    return rows


def _stage_rows(rows: Sequence[Mapping[str, str]], checker: RowChecker, staging: _Staging) -> int:
    for number, row in enumerate(rows, start=1):
        unknown = [k for k in row if k not in ALL_COLUMNS]
        values = [row.get(c) for c in (ALL_COLUMNS if any(c in row for c in FLAG_COLUMNS) else COLUMNS)]
        fields = ["" if v is None else str(v) for v in values]
        raw = _raw_line(fields).replace("\x00", "\\0")
        if unknown:
            staging.reject(number, raw, "bad_row_shape", f"unknown fields: {', '.join(sorted(unknown))[:200]}")
        elif any("\x00" in f for f in fields):
            staging.reject(number, raw, "bad_row_shape", "a field contains a NUL character")
        else:
            staging.take(number, raw, checker.check(fields), fields)
    staging.flush()
    return len(rows)


# --------------------------------------------------------------------------------------------
# Set-based: classify, write


def _derived(conn: Connection, surface: Subquery) -> str:
    return f"({surface.element.compile(dialect=conn.dialect)})"


def _classify(conn: Connection) -> None:
    """Refuse, set-based, the staged rows that may not enter the register; mark the rest new,
    unchanged or corrected."""
    s = STAGE
    open_ = f"{s}.code IS NULL"
    conn.exec_driver_sql(
        f"UPDATE {s} SET code = 'duplicate_key', "
        f"message = 'record ' || {s}.record_id || ' of ' || {s}.provider_id || ' is already on line ' "
        f"|| CAST(d.first_line AS TEXT) "
        f"FROM (SELECT provider_id, record_id, MIN(line) AS first_line FROM {s} WHERE code IS NULL "
        f"GROUP BY provider_id, record_id HAVING COUNT(*) > 1) d "
        f"WHERE d.provider_id = {s}.provider_id AND d.record_id = {s}.record_id AND {s}.line > d.first_line AND {open_}"
    )
    register = _derived(conn, providers.providers().subquery("providers"))
    conn.exec_driver_sql(
        f"UPDATE {s} SET code = 'unknown_provider', message = 'provider ' || provider_id || ' is not in the register' "
        f"WHERE code IS NULL AND NOT EXISTS (SELECT 1 FROM {register} p WHERE p.provider_id = {s}.provider_id)"
    )
    persons = _derived(conn, registry.persons().subquery("persons"))
    conn.exec_driver_sql(
        f"UPDATE {s} SET code = 'unknown_person', message = 'IIN ' || iin || ' is not in the person registry' "
        f"WHERE code IS NULL AND NOT EXISTS (SELECT 1 FROM {persons} p WHERE p.iin = {s}.iin)"
    )
    conn.exec_driver_sql(
        f"UPDATE {s} SET ref = r.id, old_month = r.month, "
        f"status = CASE WHEN r.digest = {s}.digest THEN 'unchanged' ELSE 'corrected' END "
        f"FROM service_record r WHERE r.provider_id = {s}.provider_id AND r.record_id = {s}.record_id AND {open_}"
    )
    conn.exec_driver_sql(
        f"UPDATE {s} SET code = 'month_closed', "
        f"message = CASE WHEN status = 'corrected' AND old_month IN (SELECT month FROM service_month_close) "
        f"THEN 'record ' || record_id || ': its month ' || SUBSTR(CAST(old_month AS TEXT), 1, 7) "
        f"|| ' is closed, it can no longer be corrected' "
        f"ELSE 'the month ' || SUBSTR(CAST(month AS TEXT), 1, 7) || ' is closed: no records can be added to it' END "
        f"WHERE code IS NULL AND status <> 'unchanged' AND (month IN (SELECT month FROM service_month_close) "
        f"OR old_month IN (SELECT month FROM service_month_close))"
    )


def _write(conn: Connection, batch_id: int, received_at: datetime) -> None:
    """Write the new records and the corrections (the replaced content into the history)."""
    s = STAGE
    cols = ", ".join(RECORD_COLUMNS)
    params = {"b": batch_id, "at": received_at}
    conn.execute(
        text(
            f"INSERT INTO service_record (provider_id, record_id, {cols}, month, version, digest, batch_id, "
            "received_at) "
            f"SELECT provider_id, record_id, {cols}, month, 1, digest, :b, :at FROM {s} "
            "WHERE code IS NULL AND status = 'new' ORDER BY line"
        ),
        params,
    )
    corrected = f"SELECT ref FROM {s} WHERE code IS NULL AND status = 'corrected'"
    if conn.exec_driver_sql(f"{corrected} LIMIT 1").first() is None:
        return
    conn.execute(
        text(
            f"INSERT INTO service_record_version (record_ref, version, {cols}, digest, batch_id, received_at, "
            "replaced_at) "
            f"SELECT id, version, {cols}, digest, batch_id, received_at, :at FROM service_record "
            f"WHERE id IN ({corrected})"
        ),
        {"at": received_at},
    )
    sets = ", ".join(f"{c} = x.{c}" for c in (*RECORD_COLUMNS, "month", "digest"))
    conn.execute(
        text(
            f"UPDATE service_record SET {sets}, version = service_record.version + 1, batch_id = :b, received_at = :at "
            f"FROM {s} x WHERE x.ref = service_record.id AND x.code IS NULL AND x.status = 'corrected'"
        ),
        params,
    )


def _touched(conn: Connection) -> None:
    """The new and corrected records with the persons' facts and the row checks' values: what
    the checks read (``claims.checks``)."""
    persons = _derived(conn, registry.persons().subquery("persons"))
    conn.exec_driver_sql(
        f"CREATE TEMPORARY TABLE {TOUCHED} AS SELECT r.id, r.provider_id, r.record_id, r.iin, r.care_form, "
        "r.care_type, r.service_code, r.case_group, COALESCE(r.service_code, r.case_group) AS item, r.icd10, "
        "r.date_from, r.date_to, r.outcome, r.referral, r.emergency, r.quantity, r.doctor_iin, r.month, "
        "s.status, s.cat_sex, s.born_by, s.born_after, s.needs_referral, s.readmit_from, "
        "p.sex, p.birth_date, p.death_date, p.residency "
        f"FROM {STAGE} s JOIN service_record r ON r.provider_id = s.provider_id AND r.record_id = s.record_id "
        f"JOIN {persons} p ON p.iin = r.iin WHERE s.code IS NULL AND s.status IN ('new', 'corrected')"
    )
    conn.exec_driver_sql(f"CREATE INDEX ix_{TOUCHED}_id ON {TOUCHED} (id)")
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql(f"ANALYZE {TOUCHED}")


# --------------------------------------------------------------------------------------------
# The two entry points


def _resolve(rulebook: Rulebook | str | None) -> Rulebook:
    if isinstance(rulebook, Rulebook):
        return rulebook
    return load_rulebook(rulebook or get_settings().rulebook)


def _run(
    conn: Connection,
    stage: Callable[[RowChecker, _Staging], int],
    *,
    source: str,
    created_by: str | None,
    only_provider: str | None,
    today: date | None,
    rulebook: Rulebook | str | None,
    reporter: Reporter,
    outcomes: bool,
    sha256: Callable[[], str] | None = None,
) -> IntakeResult:
    started = time.perf_counter()
    pg = conn.dialect.name == "postgresql"
    if pg:
        take_load_lock(conn, _LOCK_KEY)
        conn.exec_driver_sql("SET LOCAL work_mem = '128MB'")
        conn.exec_driver_sql("SET LOCAL jit = off")
    book = _resolve(rulebook)
    day = today or fund_today()
    checker = RowChecker(book, today=day, only_provider=only_provider)
    batch_id = open_batch(conn, BATCH_KIND, source, sha256="", created_by=created_by)
    result = IntakeResult(source=source, batch_id=batch_id)
    clock = _Clock(result.phases)
    _create_stage(conn)
    with Stager(conn, _STAGE_TABLE, queued=pg) as stager:
        result.rows = stage(checker, _Staging(stager))
    if pg:
        conn.exec_driver_sql(f"ANALYZE {STAGE}")
    else:
        conn.exec_driver_sql(f"CREATE INDEX ix_{STAGE}_key ON {STAGE} (provider_id, record_id)")
    clock("read, check, stage")
    reporter.phase("register", 3)
    _classify(conn)
    reporter.advance(1)
    clock("classify")
    _write(conn, batch_id, datetime.now(UTC))
    conn.execute(
        text(
            "INSERT INTO import_rejection (batch_id, line, code, message, raw) "
            f"SELECT :b, line, code, message, raw FROM {STAGE} WHERE code IS NOT NULL ORDER BY line"
        ),
        {"b": batch_id},
    )
    reporter.advance(1)
    clock("write")
    _touched(conn)
    clock("touched")
    check_phases, result.defects = checks.run_checks(
        conn, book, batch_id=batch_id, today=day, created_by=created_by or "intake", reporter=reporter
    )
    result.phases.update(check_phases)
    clock("checks")
    for status, n in conn.exec_driver_sql(
        f"SELECT status, COUNT(*) FROM {STAGE} WHERE code IS NULL GROUP BY status"
    ).all():
        if status == "new":
            result.accepted = int(n)
        elif status == "unchanged":
            result.unchanged = int(n)
        elif status == "corrected":
            result.corrected = int(n)
    rej: Table = ImportRejection.__table__  # type: ignore[assignment]
    result.rejected_by_reason = {
        str(code): int(n)
        for code, n in conn.execute(
            select(rej.c.code, func.count()).where(rej.c.batch_id == batch_id).group_by(rej.c.code).order_by(rej.c.code)
        )
    }
    result.rejected = sum(result.rejected_by_reason.values())
    result.findings_by_code = checks.counts(conn, batch_id)
    if outcomes:
        result.outcomes = _outcomes(conn)
    batch: Table = ImportBatch.__table__  # type: ignore[assignment]
    conn.execute(
        batch.update()
        .where(batch.c.id == batch_id)
        .values(
            sha256=sha256() if sha256 is not None else "",
            finished_at=datetime.now(UTC),
            rows=result.rows,
            accepted=result.accepted + result.corrected + result.unchanged,
            rejected=result.rejected,
        )
    )
    for name in (TOUCHED, STAGE):
        conn.exec_driver_sql(f"DROP TABLE IF EXISTS {name}")
    reporter.advance(1)
    clock("count")
    result.seconds = time.perf_counter() - started
    return result


def _outcomes(conn: Connection) -> list[RowOutcome]:
    rows = conn.exec_driver_sql(
        f"SELECT s.line, s.provider_id, s.record_id, s.status, s.code, s.message, COALESCE(s.ref, r.id) "
        f"FROM {STAGE} s LEFT JOIN service_record r ON s.code IS NULL AND r.provider_id = s.provider_id "
        "AND r.record_id = s.record_id ORDER BY s.line"
    ).all()
    refs = [int(r[6]) for r in rows if r[6] is not None]
    found: dict[int, list[tuple[str, str | None]]] = {}
    for start in range(0, len(refs), 500):
        chunk = refs[start : start + 500]
        for ref, code, defect in conn.execute(
            text(
                "SELECT record_ref, code, defect_code FROM service_finding WHERE record_ref IN "
                f"({', '.join(str(r) for r in chunk)}) ORDER BY record_ref, code"
            )
        ):
            found.setdefault(int(ref), []).append((code, defect))
    result = []
    for line, provider_id, record_id, status, code, message, ref in rows:
        if code is not None:
            result.append(RowOutcome(line, provider_id, record_id, "rejected", code, message))
        else:
            ref = int(ref)
            result.append(
                RowOutcome(
                    line,
                    provider_id,
                    record_id,
                    "accepted" if status == "new" else status,
                    record_ref=ref,
                    findings=found.get(ref, []),
                )
            )
    return result


def ingest_rows(
    session: Session,
    rows: Sequence[Mapping[str, str]],
    *,
    source: str,
    created_by: str | None,
    only_provider: str | None = None,
    today: date | None = None,
    rulebook: Rulebook | str | None = None,
) -> IntakeResult:
    """Take ``rows`` (mappings of the file's columns; line = position from 1) into the register in
    the caller's ``session`` (never commits); ``IntakeResult.outcomes`` says what became of each."""
    conn = session.connection()
    return _run(
        conn,
        lambda checker, staging: _stage_rows(rows, checker, staging),
        source=source,
        created_by=created_by,
        only_provider=only_provider,
        today=today,
        rulebook=rulebook,
        reporter=Silent(),
        outcomes=True,
    )


def ingest_file(
    engine: Engine,
    path: Path | IO[bytes],
    *,
    created_by: str | None = None,
    only_provider: str | None = None,
    today: date | None = None,
    reporter: Reporter | None = None,
    rulebook: Rulebook | str | None = None,
    rejects_file: Path | None = None,
    file_name: str | None = None,
) -> IntakeResult:
    """Load one service-report file (CSV, UTF-8, header) in one transaction: all or nothing.
    ``path``: the file, or an open binary stream (an upload). The outcome of each row is in the
    register and in ``import_rejection`` (``IntakeResult.outcomes`` stays empty)."""
    if isinstance(path, Path) and not path.is_file():
        raise InvalidInput(f"no such file: {path}", code="no_file")
    report = reporter or Silent()
    name = file_name or (str(path) if isinstance(path, Path) else "upload")
    digest = hashlib.sha256()
    size = path.stat().st_size if isinstance(path, Path) else 0

    def stage(checker: RowChecker, staging: _Staging) -> int:
        report.phase("read, check, stage", size)
        with path.open("rb") if isinstance(path, Path) else _nullcontext(path) as fh:
            return _stage_file(fh, Path(name).name, checker, staging, report, digest)

    with engine.begin() as conn:
        result = _run(
            conn,
            stage,
            source=name,
            created_by=created_by,
            only_provider=only_provider,
            today=today,
            rulebook=rulebook,
            reporter=report,
            outcomes=False,
            sha256=digest.hexdigest,
        )
        if rejects_file is not None and result.rejected:
            _write_rejections(conn, result.batch_id, rejects_file)
            result.rejects_file = str(rejects_file)
    return result


class _nullcontext:
    def __init__(self, fh: IO[bytes]) -> None:
        self.fh = fh

    def __enter__(self) -> IO[bytes]:
        return self.fh

    def __exit__(self, *_: object) -> None:
        return None


class _Clock:
    def __init__(self, phases: dict[str, float]) -> None:
        self.phases = phases
        self.last = time.perf_counter()

    def __call__(self, name: str) -> None:
        now = time.perf_counter()
        self.phases[name] = round(now - self.last, 3)
        self.last = now


def iter_rejections(conn: Connection, batch_id: int) -> Iterable[tuple[int, str, str, str]]:
    """The refused rows of one intake: ``line, code, message, raw`` by line."""
    t: Table = ImportRejection.__table__  # type: ignore[assignment]
    yield from conn.execute(
        select(t.c.line, t.c.code, t.c.message, t.c.raw).where(t.c.batch_id == batch_id).order_by(t.c.line)
    )
