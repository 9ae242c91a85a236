"""Operations for migrations to use beside Alembic's own (docs/migrations.md)."""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


def create_index_concurrently(
    name: str,
    table: str,
    columns: Sequence[str],
    *,
    unique: bool = False,
    where: str | None = None,
    using: str | None = None,
) -> None:
    """An index on a table that may already be large and in use.

    PostgreSQL: ``CREATE INDEX CONCURRENTLY`` outside the migration's transaction (Alembic's
    autocommit block: the migrations before it are committed first), so writers are not blocked
    while it builds. The build has no statement timeout (it blocks nobody, and on a big table it
    takes as long as it takes); the migration's lock timeout still bounds its waits. An invalid
    index of the same name left by an interrupted build is dropped first. ``where``: a partial
    index's predicate; ``using``: the access method (e.g. ``brin``).

    SQLite: a plain ``CREATE INDEX`` in the migration's transaction (``using`` does not apply).
    """
    context = op.get_context()
    if context.dialect.name != "postgresql":
        op.create_index(name, table, list(columns), unique=unique, sqlite_where=sa.text(where) if where else None)
        return
    with context.autocommit_block():
        bind = op.get_bind()
        invalid = bind.execute(
            sa.text("SELECT NOT indisvalid FROM pg_index WHERE indexrelid = to_regclass(:name)"), {"name": name}
        ).scalar()
        if invalid:
            op.execute(f"DROP INDEX CONCURRENTLY {name}")
        previous = bind.exec_driver_sql("SHOW statement_timeout").scalar_one()
        op.execute("SET statement_timeout = 0")
        try:
            op.create_index(
                name,
                table,
                list(columns),
                unique=unique,
                postgresql_concurrently=True,
                postgresql_where=sa.text(where) if where else None,
                postgresql_using=using,
            )
        finally:
            op.execute(f"SET statement_timeout = '{previous}'")
