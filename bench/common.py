"""What the benchmarks share: a fresh, empty database to measure in."""

from __future__ import annotations

import csv
import time
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url


def fresh_database(kind: str, workdir: Path, pg_url: str) -> str:
    """A new SQLite file in ``workdir``, or the PostgreSQL database of ``pg_url`` dropped and created."""
    if kind == "sqlite":
        return f"sqlite:///{workdir / (make_url(pg_url).database or 'bench')}.sqlite"
    parsed = make_url(pg_url)
    admin = create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"DROP DATABASE IF EXISTS {parsed.database} WITH (FORCE)"))
        conn.execute(text(f"CREATE DATABASE {parsed.database}"))
    admin.dispose()
    return pg_url


def raw_load(url: str, path: Path, table: str, columns: list[tuple[str, str]]) -> tuple[int, float]:
    """The baseline: rows and seconds of loading a CSV file (header row) raw into a bare table with
    ``columns`` (name, SQL type): PostgreSQL ``COPY ... CSV``; SQLite one ``executemany`` per
    50,000 parsed rows. Empty fields are NULL either way. The table is dropped afterwards."""
    from osms.core.db import make_engine

    engine = make_engine(url)
    names = ", ".join(name for name, _ in columns)
    with engine.begin() as conn:
        conn.exec_driver_sql(f"DROP TABLE IF EXISTS {table}")
        conn.exec_driver_sql(f"CREATE TABLE {table} ({', '.join(f'{n} {t}' for n, t in columns)})")
    started = time.perf_counter()
    rows = 0
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            dbapi = conn.connection.driver_connection
            sql = f"COPY {table} ({names}) FROM STDIN WITH (FORMAT csv, HEADER)"
            with dbapi.cursor() as cur, cur.copy(sql) as cp, path.open("rb") as fh:  # type: ignore[union-attr]
                for block in iter(lambda: fh.read(1 << 20), b""):
                    cp.write(block)
            rows = conn.exec_driver_sql(f"SELECT count(*) FROM {table}").scalar_one()
        else:
            sql = f"INSERT INTO {table} ({names}) VALUES ({', '.join('?' for _ in columns)})"
            with path.open(encoding="utf-8", newline="") as fh:
                reader = csv.reader(fh)
                next(reader)
                batch: list[tuple[str | None, ...]] = []
                for record in reader:
                    batch.append(tuple(v or None for v in record))
                    if len(batch) == 50_000:
                        conn.exec_driver_sql(sql, batch)
                        rows += len(batch)
                        batch.clear()
                if batch:
                    conn.exec_driver_sql(sql, batch)
                    rows += len(batch)
    seconds = time.perf_counter() - started
    with engine.begin() as conn:
        conn.exec_driver_sql(f"DROP TABLE {table}")
    engine.dispose()
    return rows, seconds
