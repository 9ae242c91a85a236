"""Alembic environment: the URL comes from the config set by ``osms.core.migrate``.

Each migration runs in a transaction of its own. On PostgreSQL every statement of a migration waits
at most ``OSMS_MIGRATION_LOCK_TIMEOUT`` for a lock and runs at most
``OSMS_MIGRATION_STATEMENT_TIMEOUT`` (docs/migrations.md).
"""

from __future__ import annotations

from alembic import context
from sqlalchemy.engine import Connection

from osms.core.config import get_settings
from osms.core.db import make_engine
from osms.schema import metadata

config = context.config
URL = config.get_main_option("sqlalchemy.url") or get_settings().database_url


def bound_waits(connection: Connection) -> None:
    """PostgreSQL: the migration's session gets its lock and statement timeouts (committed, so they
    hold for the whole session, autocommit blocks included)."""
    if connection.dialect.name != "postgresql":
        return
    settings = get_settings()
    for name, seconds in (
        ("lock_timeout", settings.migration_lock_timeout),
        ("statement_timeout", settings.migration_statement_timeout),
    ):
        connection.exec_driver_sql(f"SET {name} = {max(1, round(seconds * 1000))}")
    connection.commit()


def run_migrations_offline() -> None:
    context.configure(
        url=URL,
        target_metadata=metadata,
        literal_binds=True,
        render_as_batch=True,
        transaction_per_migration=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    engine = make_engine(URL)
    with engine.connect() as connection:
        bound_waits(connection)
        context.configure(
            connection=connection,
            target_metadata=metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
            transaction_per_migration=True,
        )
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
