"""Migrations bound their waits on PostgreSQL, and indexes can be built without blocking writers
(docs/migrations.md)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from alembic.operations import Operations
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import Engine, make_url

from osms.core import migrate
from osms.core.config import get_settings
from osms.migrations.ops import create_index_concurrently
from tests.conftest import IS_PG, PG_URL


@pytest.fixture
def scratch_url() -> Iterator[str]:
    """An empty PostgreSQL database of its own (the test database's name + ``_migrations``)."""
    parsed = make_url(PG_URL)
    name = f"{parsed.database}_migrations"
    admin = create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    yield parsed.set(database=name).render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture
def seen_settings() -> Iterator[list[tuple[str, str]]]:
    """(lock_timeout, statement_timeout) of the connection, read as each migration records its
    revision: what the migration's statements ran under."""
    seen: list[tuple[str, str]] = []

    def after(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if "alembic_version" in statement and conn.dialect.name == "postgresql":
            with cursor.connection.cursor() as probe:
                probe.execute("SELECT current_setting('lock_timeout'), current_setting('statement_timeout')")
                seen.append(tuple(probe.fetchone()))

    event.listen(Engine, "after_cursor_execute", after)
    yield seen
    event.remove(Engine, "after_cursor_execute", after)


@pytest.mark.skipif(not IS_PG, reason="lock_timeout and statement_timeout are PostgreSQL's")
def test_migrations_run_under_the_lock_and_statement_timeouts(
    scratch_url: str, seen_settings: list[tuple[str, str]]
) -> None:
    migrate.upgrade(scratch_url)
    assert len(seen_settings) >= 9  # one per migration at least
    assert set(seen_settings) == {("5s", "15min")}


@pytest.mark.skipif(not IS_PG, reason="lock_timeout and statement_timeout are PostgreSQL's")
def test_migration_timeouts_are_settings(
    scratch_url: str, seen_settings: list[tuple[str, str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OSMS_MIGRATION_LOCK_TIMEOUT", "1.5")
    monkeypatch.setenv("OSMS_MIGRATION_STATEMENT_TIMEOUT", "120")
    get_settings.cache_clear()
    try:
        migrate.upgrade(scratch_url, "0001")
    finally:
        get_settings.cache_clear()
    assert set(seen_settings) == {("1500ms", "2min")}


def test_an_index_built_concurrently_is_valid(engine: Engine) -> None:
    statements: list[str] = []

    def before(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements.append(statement)

    with engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE scratch_index (id INTEGER PRIMARY KEY, code VARCHAR(8), at DATE)")
        conn.exec_driver_sql("INSERT INTO scratch_index (id, code, at) VALUES (1, 'a', '2026-01-01'), (2, NULL, NULL)")
    try:
        event.listen(engine, "before_cursor_execute", before)
        with engine.connect() as conn:
            context = MigrationContext.configure(conn)
            with context.begin_transaction(), Operations.context(context):
                create_index_concurrently("ix_scratch_index_code", "scratch_index", ["code"], where="code IS NOT NULL")
                create_index_concurrently("uq_scratch_index_at", "scratch_index", ["at", "id"], unique=True)
        event.remove(engine, "before_cursor_execute", before)
        with engine.connect() as conn:
            if IS_PG:
                assert any(s.startswith("CREATE INDEX CONCURRENTLY ix_scratch_index_code") for s in statements)
                valid = conn.exec_driver_sql(
                    "SELECT c.relname, i.indisvalid, i.indisunique FROM pg_index i "
                    "JOIN pg_class c ON c.oid = i.indexrelid "
                    "WHERE c.relname IN ('ix_scratch_index_code', 'uq_scratch_index_at') ORDER BY 1"
                ).all()
                assert [tuple(r) for r in valid] == [
                    ("ix_scratch_index_code", True, False),
                    ("uq_scratch_index_at", True, True),
                ]
                assert conn.exec_driver_sql("SHOW statement_timeout").scalar_one() == "0"  # as it was: restored
            else:
                indexes = conn.exec_driver_sql("PRAGMA index_list(scratch_index)").all()
                assert sorted((r[1], r[2], r[4]) for r in indexes) == [
                    ("ix_scratch_index_code", 0, 1),
                    ("uq_scratch_index_at", 1, 0),
                ]
    finally:
        with engine.begin() as conn:
            conn.exec_driver_sql("DROP TABLE scratch_index")
