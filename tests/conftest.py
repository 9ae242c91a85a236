"""Shared fixtures. The database under test is SQLite unless OSMS_DATABASE_URL names PostgreSQL;
CI runs the whole suite once each way. The schema always comes from the Alembic migrations."""

from __future__ import annotations

import os
import secrets
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine, make_url

from osms.core import migrate
from osms.core.db import make_engine, session_factory

pytest_plugins = ["tests.browser_fixtures"]

# The app refuses to serve without a proper session key (docs/security.md): the tests use a fresh
# random one, as a production installation would.
os.environ.setdefault("OSMS_SECRET_KEY", secrets.token_urlsafe(48))

PG_URL = os.environ.get("OSMS_DATABASE_URL", "")
IS_PG = PG_URL.startswith("postgresql")


def _ensure_pg_database(url: str) -> None:
    parsed = make_url(url)
    admin = create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        exists = conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :d"), {"d": parsed.database}).first()
        if not exists:
            conn.execute(text(f'CREATE DATABASE "{parsed.database}"'))
    admin.dispose()


@pytest.fixture(scope="session")
def migrated_template(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A database at the head migration: a template SQLite file, or the PostgreSQL test database."""
    if IS_PG:
        _ensure_pg_database(PG_URL)
        engine = create_engine(PG_URL)
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        engine.dispose()
        migrate.upgrade(PG_URL)
        return PG_URL
    path = tmp_path_factory.mktemp("template") / "template.sqlite"
    url = f"sqlite:///{path}"
    migrate.upgrade(url)
    return url


def _truncate_all(url: str) -> None:
    engine = create_engine(url)
    with engine.begin() as conn:
        tables = [
            r[0]
            for r in conn.execute(
                text("SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'alembic_version'")
            )
        ]
        if tables:
            conn.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
    engine.dispose()


@pytest.fixture
def db_url(migrated_template: str, tmp_path: Path) -> str:
    """A fresh, empty, migrated database for one test."""
    if IS_PG:
        _truncate_all(migrated_template)
        return migrated_template
    target = tmp_path / "osms.sqlite"
    shutil.copyfile(make_url(migrated_template).database or "", target)
    return f"sqlite:///{target}"


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    eng = make_engine(db_url)
    yield eng
    eng.dispose()


@pytest.fixture
def session(engine: Engine) -> Iterator[object]:
    s = session_factory(engine)()
    yield s
    s.rollback()
    s.close()


@pytest.fixture
def app(db_url: str) -> Iterator[object]:
    from osms.app import create_app

    application = create_app(db_url)
    yield application
    application.state.engine.dispose()


@pytest.fixture
def client(app: object) -> Iterator[object]:
    from fastapi.testclient import TestClient

    with TestClient(app) as c:  # type: ignore[arg-type]
        yield c
