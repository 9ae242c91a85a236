"""What the benchmarks share: a fresh, empty database to measure in."""

from __future__ import annotations

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
