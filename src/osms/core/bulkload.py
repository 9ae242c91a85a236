"""Loading a CSV file into a table: streamed, checked row by row, then set-based.

The shared mechanism behind every bulk import of the rooms:

1. The header must name exactly the expected columns (any order), else nothing is written; an
   optional column (``ImportSpec.optional``) may be left out, and then what is stored in it is
   kept as it is (a new row gets null).
2. Rows are read in chunks; each is checked by a pure function that returns the cleaned values
   or a ``Rejection`` (reason code + sentence). Good rows go to a temporary staging table
   (``Stager``: PostgreSQL ``COPY``; SQLite one prepared ``executemany`` per chunk); bad rows go to
   ``import_rejection`` with their line and raw text. Memory holds one chunk, never the file.
3. In SQL, set-based: later duplicates of a key are rejected (``duplicate_key``), rows whose
   references do not exist are rejected, and the rest is upserted by key. Rows identical to
   what is stored are left alone, so sending the same file twice changes nothing.
4. All of it is one transaction: a failure or a kill leaves the database as it was.
"""

from __future__ import annotations

import csv
import hashlib
import io
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack, suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from psycopg.copy import QueuedLibpqWriter
from sqlalchemy import Column, Integer, MetaData, Table, Text, func, insert, select, text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import OperationalError
from sqlalchemy.sql.expression import TableClause

from osms.core.config import get_settings
from osms.core.errors import InvalidInput, Overloaded
from osms.core.models import ImportBatch, ImportRejection
from osms.core.rows import Rejection, Row

CHUNK_ROWS = 20_000


CheckFn = Callable[[dict[str, str]], "Row | Rejection"]
#: A room's own writer of the checked rows (``ImportSpec.write``): given the connection, the stage
#: table (``line, raw`` and the target columns; duplicates and unknown references already rejected)
#: and the batch id, it may reject more rows (adding them to ``import_rejection`` and deleting them
#: from the stage), writes the rest and returns ``(existing, unchanged)`` among them.
WriteFn = Callable[[Connection, Table, int], tuple[int, int]]


@dataclass(frozen=True)
class Reference:
    """Rows whose ``column`` is not found in ``table.ref_column`` are rejected with ``code``."""

    column: str
    table: str
    ref_column: str
    code: str
    message: str


@dataclass(frozen=True)
class ImportSpec:
    kind: str
    columns: tuple[str, ...]
    check: CheckFn
    table: Table
    target_columns: tuple[str, ...]
    key: tuple[str, ...]
    references: tuple[Reference, ...] = ()
    write: WriteFn | None = None  # None: upsert ``target_columns`` into ``table`` by ``key``
    #: columns of ``columns`` a file may leave out: its rows are checked with them empty, and an
    #: upsert neither compares nor overwrites them (a file without them changes nothing there)
    optional: tuple[str, ...] = ()


@dataclass
class ImportResult:
    kind: str
    file: str
    batch_id: int
    rows: int = 0
    accepted: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    rejected_by_reason: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    rejects_file: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "file": self.file,
            "batch_id": self.batch_id,
            "rows": self.rows,
            "accepted": self.accepted,
            "inserted": self.inserted,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "rejected": self.rejected,
            "rejected_by_reason": self.rejected_by_reason,
            "seconds": round(self.seconds, 3),
            "rejects_file": self.rejects_file,
        }


class ImportFileError(InvalidInput):
    """The file as a whole cannot be read (header, encoding): nothing is written."""

    code = "bad_file"


def check_header(header: Sequence[str], columns: Sequence[str], file_label: str, optional: Sequence[str] = ()) -> None:
    """The header must name ``columns``, each once, in any order; a column of ``optional`` (listed in
    ``columns`` or not) may be present or left out; else the file is refused."""
    missing = [c for c in columns if c not in header and c not in optional]
    unknown = [h for h in header if h not in columns and h not in optional]
    if missing or unknown or len(set(header)) != len(header):
        raise ImportFileError(
            f"{file_label}: the header must be {','.join(c for c in columns if c not in optional)}"
            + (f" (optional: {','.join(optional)})" if optional else "")
            + (f"; missing: {','.join(missing)}" if missing else "")
            + (f"; unknown: {','.join(unknown)}" if unknown else "")
        )


def take_load_lock(conn: Connection, key: int) -> None:
    """One load of a kind at a time (PostgreSQL: the transaction-level advisory lock ``key``,
    released at commit, at rollback, or when the backend ends; SQLite serialises writers itself).

    The wait for a running load is bounded by ``OSMS_LOAD_LOCK_TIMEOUT``: past it the load fails,
    changing nothing, with 503 ``load_in_progress``. Once it holds the lock, the load's statements
    may take as long as they need (``statement_timeout`` 0; its other lock waits keep the same
    bound). Its backend checks every ``OSMS_DB_CLIENT_CHECK_INTERVAL`` that the loading process is
    still there (``make_engine``): a load killed with SIGKILL in the middle of a long statement
    releases the lock within about that interval, instead of when the statement ends
    (docs/decisions/0003-bounded-waits.md).
    """
    if conn.dialect.name != "postgresql":
        return
    settings = get_settings()
    conn.exec_driver_sql("SET LOCAL statement_timeout = 0")
    conn.exec_driver_sql(f"SET LOCAL lock_timeout = {max(1, round(settings.load_lock_timeout * 1000))}")
    try:
        conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({int(key)})")
    except OperationalError as exc:
        if getattr(exc.orig, "sqlstate", None) != "55P03":  # lock_not_available
            raise
        raise Overloaded(
            f"another load has held the load lock for over {settings.load_lock_timeout:g} s; try again when it ends",
            code="load_in_progress",
            retry_after=settings.retry_after,
        ) from None


def _raw_line(fields: list[str]) -> str:
    if any(("," in f or '"' in f or "\n" in f or "\r" in f) for f in fields):
        buf = io.StringIO()
        csv.writer(buf, lineterminator="").writerow(fields)
        return buf.getvalue()
    return ",".join(fields)


class BadLine:
    """A physical line that is not UTF-8: its bytes shown with escapes, and where decoding failed."""

    __slots__ = ("message", "raw")

    def __init__(self, data: bytes) -> None:
        try:
            data.decode("utf-8")
            position = -1
        except UnicodeDecodeError as exc:
            position = exc.start
        self.raw = data.decode("utf-8", "backslashreplace").replace("\x00", "\\0")
        self.message = f"the line is not UTF-8 text (byte {position + 1} of the line)"


class _ByteCounter:
    """Iterates decoded lines of a binary file, counting bytes for a progress bar.

    A line that is not UTF-8 is kept aside in ``bad`` (physical line number -> ``BadLine``) and
    read as a blank line, so the other lines load; a header that is not UTF-8 refuses the file.
    """

    def __init__(self, fh: IO[bytes], progress: Callable[[int], None] | None) -> None:
        self.fh = fh
        self.progress = progress
        self._pending = 0
        self.bad: dict[int, BadLine] = {}
        self.last = ""  # the last line read (for a row the csv module cannot parse)

    def __iter__(self) -> Iterator[str]:
        first = True
        for number, line in enumerate(self.fh, start=1):
            self._pending += len(line)
            if self._pending > 1 << 20 and self.progress:
                self.progress(self._pending)
                self._pending = 0
            if first:
                first = False
                if line.startswith(b"\xef\xbb\xbf"):
                    line = line[3:]
            try:
                self.last = line.decode("utf-8")
                yield self.last
            except UnicodeDecodeError as exc:
                if number == 1:
                    raise ImportFileError(f"the header is not UTF-8 text: {exc}") from exc
                self.bad[number] = BadLine(line.rstrip(b"\r\n"))
                yield "\n"
        if self.progress and self._pending:
            self.progress(self._pending)


def _stage_table(spec: ImportSpec, name: str) -> Table:
    cols: list[Column[Any]] = [
        Column("line", Integer(), nullable=False),
        Column("raw", Text(), nullable=False),
    ]
    for c in spec.target_columns:
        cols.append(Column(c, spec.table.c[c].type))
    return Table(name, MetaData(), *cols, prefixes=["TEMPORARY"])


def copy_text(value: str) -> str:
    """``value`` escaped for one field of PostgreSQL's ``COPY`` text format."""
    return value.replace("\\", "\\\\").replace("\t", "\\t").replace("\r", "\\r").replace("\n", "\\n")


class Stager:
    """Appends rows to one table in bulk: the one way the rooms' loaders stage rows (imports,
    registers, bulk decisions).

    PostgreSQL: one ``COPY table (columns) FROM STDIN`` stream, opened by the first write and
    ended by ``close`` (or the end of a ``with`` block); with ``queued=True`` a background thread
    sends it (psycopg's ``QueuedLibpqWriter``), so the server parses while Python reads on. Nothing
    else can run on the connection while the stream is open. SQLite: one prepared ``executemany``
    per write.

    ``columns`` (default: all of ``table``'s) name the tuples' fields. A ``Table`` with types has
    its values converted by the columns' bind processors, as SQLAlchemy's own inserts would; a
    ``sqlalchemy.table()`` without types takes them as given.
    """

    def __init__(
        self, conn: Connection, table: TableClause, columns: Sequence[str] | None = None, *, queued: bool = False
    ) -> None:
        self.conn = conn
        self.pg = conn.dialect.name == "postgresql"
        self.queued = queued
        self.columns = list(columns) if columns is not None else [c.name for c in table.columns]
        processors = [table.c[name].type._cached_bind_processor(conn.dialect) for name in self.columns]
        self.processors = processors if any(p is not None for p in processors) else None
        names = ", ".join(self.columns)
        self.insert_sql = f"INSERT INTO {table.name} ({names}) VALUES ({', '.join('?' for _ in self.columns)})"
        self.copy_sql = f"COPY {table.name} ({names}) FROM STDIN"
        self._stack: ExitStack | None = None
        self._copy: Any = None

    def _convert(self, row: Sequence[Any]) -> Row:
        assert self.processors is not None
        return tuple(p(v) if p is not None and v is not None else v for p, v in zip(self.processors, row, strict=True))

    def write(self, rows: Sequence[Any]) -> None:
        """Append ``rows``: tuples in ``columns`` order or, on PostgreSQL, lines already in COPY's
        text format (fields escaped with ``copy_text``, ``\\N`` for NULL, each line ending in a newline)."""
        if not rows:
            return
        if type(rows[0]) is str:
            self._open().write("".join(rows))
            return
        if self.processors is not None:
            rows = [self._convert(r) for r in rows]
        if not self.pg:
            self.conn.exec_driver_sql(self.insert_sql, list(rows))
            return
        copy = self._open()
        for r in rows:
            copy.write_row(r)

    def _open(self) -> Any:
        if self._copy is None:
            stack = ExitStack()
            cur = stack.enter_context(self.conn.connection.driver_connection.cursor())  # type: ignore[union-attr]
            writer = QueuedLibpqWriter(cur) if self.queued else None
            self._copy = stack.enter_context(cur.copy(self.copy_sql, writer=writer))
            self._stack = stack
        return self._copy

    def close(self) -> None:
        """End the COPY (waits until the server has every row)."""
        if self._stack is not None:
            stack, self._stack, self._copy = self._stack, None, None
            stack.close()

    def abort(self) -> None:
        """Leave the COPY after a failure (the transaction is rolled back anyway)."""
        if self._stack is not None:
            stack, self._stack, self._copy = self._stack, None, None
            with suppress(Exception):  # the original error is what matters
                stack.__exit__(RuntimeError, RuntimeError("staging aborted"), None)

    def __enter__(self) -> Stager:
        return self

    def __exit__(self, kind: type[BaseException] | None, *_: object) -> None:
        if kind is None:
            self.close()
        else:
            self.abort()


def stage_rows(conn: Connection, table: TableClause, rows: Sequence[Any], columns: Sequence[str] | None = None) -> None:
    """Append ``rows`` to ``table`` in one go (a ``Stager`` for one write)."""
    with Stager(conn, table, columns) as stager:
        stager.write(rows)


def open_batch(conn: Connection, kind: str, file_name: str, *, sha256: str, created_by: str | None = None) -> int:
    """A new ``import_batch`` row for a load starting now (its counts 0 until it ends); its id."""
    batch_table: Table = ImportBatch.__table__  # type: ignore[assignment]
    return int(
        conn.execute(
            insert(batch_table)
            .values(
                kind=kind,
                file_name=file_name[-500:],
                created_by=created_by,
                sha256=sha256,
                started_at=datetime.now(UTC),
                rows=0,
                accepted=0,
                rejected=0,
            )
            .returning(batch_table.c.id)
        ).scalar_one()
    )


def _same(dialect: str, a: str, b: str) -> str:
    return f"{a} IS NOT DISTINCT FROM {b}" if dialect == "postgresql" else f"{a} IS {b}"


def _upsert(conn: Connection, spec: ImportSpec, stage: Table, d: str, kept: Sequence[str] = ()) -> tuple[int, int, int]:
    """Upsert the stage into ``spec.table`` by key: ``(accepted, existing, unchanged)``; the columns
    ``kept`` (optional ones the file left out) are written for new rows only."""
    target = spec.table.name
    cols = spec.target_columns
    compared = [c for c in cols if c not in spec.key and c not in kept]
    key_cols = ", ".join(spec.key)
    on_key = " AND ".join(f"x.{k} = s.{k}" for k in spec.key)
    identical = " AND ".join([on_key, *(_same(d, f"x.{c}", f"s.{c}") for c in compared)])
    accepted = conn.exec_driver_sql(f"SELECT COUNT(*) FROM {stage.name}").scalar_one()
    existing = conn.exec_driver_sql(
        f"SELECT COUNT(*) FROM {stage.name} s WHERE EXISTS (SELECT 1 FROM {target} x WHERE {on_key})"
    ).scalar_one()
    unchanged = conn.exec_driver_sql(
        f"SELECT COUNT(*) FROM {stage.name} s WHERE EXISTS (SELECT 1 FROM {target} x WHERE {identical})"
    ).scalar_one()
    updates = [f"{c} = excluded.{c}" for c in compared]
    if "updated_at" in spec.table.c:
        updates.append("updated_at = CURRENT_TIMESTAMP")
    col_list = ", ".join(cols)
    conn.exec_driver_sql(
        f"INSERT INTO {target} ({col_list}) SELECT {', '.join('s.' + c for c in cols)} FROM {stage.name} s "
        f"WHERE NOT EXISTS (SELECT 1 FROM {target} x WHERE {identical}) ORDER BY s.line "
        f"ON CONFLICT ({key_cols}) DO " + ("UPDATE SET " + ", ".join(updates) if updates else "NOTHING")
    )
    return accepted, existing, unchanged


def run_import(
    engine: Engine,
    spec: ImportSpec,
    path: Path,
    *,
    rejects_file: Path | None = None,
    progress: Callable[[int], None] | None = None,
) -> ImportResult:
    """Import ``path`` per ``spec`` in one transaction and return what became of every row."""
    started = time.perf_counter()
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    rej_table: Table = ImportRejection.__table__  # type: ignore[assignment]
    batch_table: Table = ImportBatch.__table__  # type: ignore[assignment]
    stage = _stage_table(spec, f"stage_{spec.kind}")
    d = engine.dialect.name
    with engine.begin() as conn:
        batch_id = open_batch(conn, spec.kind, str(path), sha256=digest.hexdigest())
        result = ImportResult(kind=spec.kind, file=str(path), batch_id=batch_id)
        stage.create(conn)
        good: list[Row] = []
        bad: list[dict[str, Any]] = []

        def flush() -> None:
            stage_rows(conn, stage, good)
            if bad:
                conn.execute(insert(rej_table), bad)
            good.clear()
            bad.clear()

        with path.open("rb") as fh:
            lines = _ByteCounter(fh, progress)
            reader = csv.reader(lines)
            try:
                header = next(reader)
            except StopIteration:
                raise ImportFileError(f"{path.name} is empty: expected the header {','.join(spec.columns)}") from None
            header = [h.strip() for h in header]
            check_header(header, spec.columns, path.name, spec.optional)
            width = len(header)
            absent = {c: "" for c in spec.optional if c not in header}
            line = 1
            while True:
                try:
                    fields = next(reader)
                except StopIteration:
                    break
                except csv.Error as exc:  # a NUL character, a field over the csv module's limit
                    line += 1
                    result.rows += 1
                    bad.append(
                        {
                            "batch_id": batch_id,
                            "line": line,
                            "code": "bad_row_shape",
                            "message": f"the row is not valid CSV: {exc}",
                            "raw": lines.last.rstrip("\r\n").replace("\x00", "\\0"),
                        }
                    )
                    continue
                line += 1
                if not fields or (len(fields) == 1 and not fields[0].strip()):
                    continue
                result.rows += 1
                if any("\x00" in f for f in fields):  # PostgreSQL text cannot hold it
                    bad.append(
                        {
                            "batch_id": batch_id,
                            "line": line,
                            "code": "bad_row_shape",
                            "message": "the row contains a NUL character",
                            "raw": _raw_line(fields).replace("\x00", "\\0"),
                        }
                    )
                elif len(fields) != width:
                    bad.append(
                        {
                            "batch_id": batch_id,
                            "line": line,
                            "code": "bad_row_shape",
                            "message": f"the row has {len(fields)} fields, the header has {width}",
                            "raw": _raw_line(fields),
                        }
                    )
                else:
                    checked = spec.check({**absent, **dict(zip(header, fields, strict=True))})
                    if isinstance(checked, tuple):
                        good.append((line, _raw_line(fields), *checked))
                    else:
                        bad.append(
                            {
                                "batch_id": batch_id,
                                "line": line,
                                "code": checked.code,
                                "message": checked.message,
                                "raw": _raw_line(fields),
                            }
                        )
                if len(good) + len(bad) >= CHUNK_ROWS:
                    flush()
            for number, undecodable in sorted(lines.bad.items()):
                result.rows += 1
                bad.append(
                    {
                        "batch_id": batch_id,
                        "line": number,
                        "code": "bad_encoding",
                        "message": undecodable.message,
                        "raw": undecodable.raw,
                    }
                )
            flush()

        key_cols = ", ".join(spec.key)
        conn.exec_driver_sql(f"CREATE INDEX ix_{stage.name}_key ON {stage.name} ({key_cols}, line)")
        if d == "postgresql":
            conn.exec_driver_sql(f"ANALYZE {stage.name}")
        # Later duplicates of a key inside the file.
        key_match = " AND ".join(f"t.{k} = s.{k}" for k in spec.key)
        conn.execute(
            text(
                f"INSERT INTO import_rejection (batch_id, line, code, message, raw) "
                f"SELECT :b, s.line, 'duplicate_key', "
                f"'the same {key_cols} as line ' || CAST((SELECT MIN(t.line) FROM {stage.name} t "
                f"WHERE {key_match}) AS TEXT), s.raw "
                f"FROM {stage.name} s WHERE EXISTS (SELECT 1 FROM {stage.name} t WHERE {key_match} "
                f"AND t.line < s.line)"
            ),
            {"b": batch_id},
        )
        conn.exec_driver_sql(
            f"DELETE FROM {stage.name} WHERE line IN (SELECT s.line FROM {stage.name} s WHERE EXISTS "
            f"(SELECT 1 FROM {stage.name} t WHERE {key_match} AND t.line < s.line))"
        )
        # References that do not exist.
        for ref in spec.references:
            missing_ref = f"NOT EXISTS (SELECT 1 FROM {ref.table} r WHERE r.{ref.ref_column} = s.{ref.column})"
            conn.execute(
                text(
                    f"INSERT INTO import_rejection (batch_id, line, code, message, raw) "
                    f"SELECT :b, s.line, :code, :msg || s.{ref.column}, s.raw FROM {stage.name} s "
                    f"WHERE {missing_ref}"
                ),
                {"b": batch_id, "code": ref.code, "msg": ref.message + ": "},
            )
            conn.exec_driver_sql(
                f"DELETE FROM {stage.name} WHERE line IN (SELECT s.line FROM {stage.name} s WHERE {missing_ref})"
            )

        if spec.write is not None:
            existing, unchanged = spec.write(conn, stage, batch_id)
            accepted = conn.exec_driver_sql(f"SELECT COUNT(*) FROM {stage.name}").scalar_one()
        else:
            accepted, existing, unchanged = _upsert(conn, spec, stage, d, kept=tuple(absent))
        stage.drop(conn)

        by_reason: dict[str, int] = dict(
            conn.execute(
                select(rej_table.c.code, func.count())
                .where(rej_table.c.batch_id == batch_id)
                .group_by(rej_table.c.code)
                .order_by(rej_table.c.code)
            ).all()
        )
        result.accepted = accepted
        result.unchanged = unchanged
        result.updated = existing - unchanged
        result.inserted = accepted - existing
        result.rejected_by_reason = {k: int(v) for k, v in by_reason.items()}
        result.rejected = sum(result.rejected_by_reason.values())
        conn.execute(
            batch_table.update()
            .where(batch_table.c.id == batch_id)
            .values(
                finished_at=datetime.now(UTC),
                rows=result.rows,
                accepted=result.accepted,
                rejected=result.rejected,
            )
        )
        if rejects_file is not None and result.rejected:
            write_rejections(conn, batch_id, rejects_file)
            result.rejects_file = str(rejects_file)
    result.seconds = time.perf_counter() - started
    return result


def write_rejections(conn: Connection, batch_id: int, out: Path) -> None:
    """The rejection report: ``line,code,message,raw`` ordered by line."""
    t: Table = ImportRejection.__table__  # type: ignore[assignment]
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["line", "code", "message", "raw"])
        for row in conn.execute(
            select(t.c.line, t.c.code, t.c.message, t.c.raw).where(t.c.batch_id == batch_id).order_by(t.c.line)
        ):
            w.writerow(row)
