"""Database engine, sessions and the declarative base shared by every room.

SQLite (embedded default) and PostgreSQL (production) behind one SQLAlchemy engine.
The schema is created only by Alembic migrations (``osms db upgrade``).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import Any

from psycopg_pool import PoolTimeout as AsyncPoolTimeout
from sqlalchemy import MetaData, create_engine, event
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker

from osms.core.config import get_settings

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


def _sqlite_pragmas(busy_ms: int) -> Callable[[Any, Any], None]:
    def pragmas(dbapi_conn: Any, _record: Any) -> None:
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute(f"PRAGMA busy_timeout={busy_ms}")
        cur.close()

    return pragmas


def _ms(seconds: float) -> int:
    return max(1, round(seconds * 1000))


def make_engine(url: str | None = None, *, serving: bool = False, **kwargs: Any) -> Engine:
    """An engine for ``url`` (default: ``OSMS_DATABASE_URL``). Creates the SQLite file's folder.

    Every wait is bounded (docs/decisions/0003-bounded-waits.md). ``serving``: the web process's
    engine, whose requests get the pool's size and timeout, and on PostgreSQL ``lock_timeout`` and
    ``statement_timeout``, from the settings; the others (commands, loads) wait for another writer
    up to ``OSMS_LOAD_LOCK_TIMEOUT``. On PostgreSQL every backend checks that its client is still
    there (``client_connection_check_interval``, TCP keepalives), so a killed process's locks go
    with it.
    """
    settings = get_settings()
    url = url or settings.database_url
    parsed = make_url(url)
    pooled = "poolclass" not in kwargs
    if serving and pooled:
        kwargs.setdefault("pool_size", settings.db_pool_size)
        kwargs.setdefault("max_overflow", settings.db_max_overflow)
        kwargs.setdefault("pool_timeout", settings.db_pool_timeout)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, **kwargs)
        busy = settings.sqlite_busy_timeout if serving else settings.load_lock_timeout
        event.listen(engine, "connect", _sqlite_pragmas(_ms(busy)))
        return engine
    options = [
        f"client_connection_check_interval={_ms(settings.db_client_check_interval)}",
        # A client whose host vanished (no FIN, no RST) is found after about 10 + 3 x 5 s.
        "tcp_keepalives_idle=10",
        "tcp_keepalives_interval=5",
        "tcp_keepalives_count=3",
    ]
    if serving:
        options += [
            f"lock_timeout={_ms(settings.db_lock_timeout)}",
            f"statement_timeout={_ms(settings.db_statement_timeout)}",
        ]
    connect_args = dict(kwargs.pop("connect_args", {}))
    connect_args.setdefault("options", " ".join(f"-c {o}" for o in options))
    # libpq's own keepalives: this side finds a vanished server instead of waiting forever.
    for key, value in (("keepalives", 1), ("keepalives_idle", 10), ("keepalives_interval", 5), ("keepalives_count", 3)):
        connect_args.setdefault(key, value)
    if serving:
        connect_args.setdefault("connect_timeout", max(2, math.ceil(settings.db_pool_timeout)))
    if pooled:
        kwargs.setdefault("pool_size", 10)
        kwargs.setdefault("max_overflow", 20)
        kwargs.setdefault("pool_pre_ping", True)
    return create_engine(url, connect_args=connect_args, **kwargs)


@lru_cache(maxsize=4)
def get_engine(url: str | None = None) -> Engine:
    return make_engine(url)


def session_factory(engine: Engine | None = None) -> sessionmaker[Session]:
    return sessionmaker(bind=engine or get_engine(), expire_on_commit=False)


@contextmanager
def unit_of_work(engine: Engine | None = None) -> Iterator[Session]:
    """One transaction: commit on success, roll back everything on any error."""
    session = session_factory(engine)()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


_OVERLOAD_SQLSTATES = {
    "55P03": "a lock is held by another request",  # lock_not_available (lock_timeout)
    "57014": "a statement ran too long",  # query_canceled (statement_timeout)
    "40P01": "two requests waited for each other",  # deadlock_detected
    "40001": "two requests changed the same data",  # serialization_failure
    "53300": "the database has no free connection",  # too_many_connections
}


def overload_reason(exc: BaseException) -> str | None:
    """Why ``exc`` means "busy, try again" (a bounded wait ran out), or None if it means something else."""
    if isinstance(exc, PoolTimeout | AsyncPoolTimeout):
        return "no database connection became free in time"
    orig = exc.orig if isinstance(exc, DBAPIError) else exc  # SQLAlchemy's wrapper, or psycopg's own
    state = getattr(orig, "sqlstate", None)
    if state in _OVERLOAD_SQLSTATES:
        return _OVERLOAD_SQLSTATES[state]
    if isinstance(exc, OperationalError) and any(
        m in str(orig) for m in ("database is locked", "database table is locked", "database is busy")
    ):
        return "another writer holds the database"
    return None
