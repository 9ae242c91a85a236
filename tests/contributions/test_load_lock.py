"""The load lock: a load killed with SIGKILL in the middle of a long statement
releases it promptly, so the next load runs; a load waiting for a running one gives up after
OSMS_LOAD_LOCK_TIMEOUT with 503 ``load_in_progress`` instead of waiting for ever."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine

from osms.contributions.service import _LOCK_KEY, ingest_register
from osms.core.config import get_settings
from osms.core.errors import Overloaded
from tests.conftest import IS_PG
from tests.contributions.test_ingest import register, row, seed_registry

pytestmark = pytest.mark.skipif(
    not IS_PG,
    reason="the load lock is PostgreSQL's advisory lock; on SQLite a killed process's file locks go with it",
)


@pytest.fixture
def settings_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[..., None]]:
    def apply(**values: str) -> None:
        for name, value in values.items():
            monkeypatch.setenv(f"OSMS_{name.upper()}", value)
        get_settings.cache_clear()

    yield apply
    monkeypatch.undo()
    get_settings.cache_clear()


# A load in the middle of a long statement: the real load lock on the engine every command uses,
# then a statement that runs for ten minutes (as a big register's set-based steps do).
BUSY_LOAD = textwrap.dedent(
    """
    import sys
    from osms.core.bulkload import take_load_lock
    from osms.core.db import make_engine
    with make_engine(sys.argv[1]).begin() as conn:
        take_load_lock(conn, int(sys.argv[2]))
        conn.exec_driver_sql("SELECT pg_sleep(600)")
    """
)


def backends_sleeping(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(
            conn.scalar(
                text(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                    "AND state = 'active' AND query LIKE 'SELECT pg_sleep(600)%'"
                )
            )
        )


def test_a_load_killed_mid_statement_releases_the_lock_for_the_next(
    db_url, engine, tmp_path: Path, settings_env
) -> None:
    seed_registry(engine)
    settings_env(load_lock_timeout="30", db_client_check_interval="0.5")
    killed = subprocess.Popen([sys.executable, "-c", BUSY_LOAD, db_url, str(_LOCK_KEY)], env=dict(os.environ))
    try:
        while backends_sleeping(engine) == 0:  # the killed load holds the lock, busy in a statement
            assert killed.poll() is None, "the load stopped by itself"
            time.sleep(0.1)
        os.kill(killed.pid, signal.SIGKILL)
        killed.wait(30)
        # The next load waits at most OSMS_LOAD_LOCK_TIMEOUT for the lock: it gets it and credits its rows
        # (before: the orphaned backend kept the lock until its statement ended, here ten minutes).
        result = ingest_register(engine, register(tmp_path, [row("R-1"), row("R-2")]))
    finally:
        if killed.poll() is None:
            killed.kill()
    assert (result.credited, result.rejected) == (2, 0)
    assert backends_sleeping(engine) == 0


def test_a_load_waits_for_a_running_load_only_so_long(engine, tmp_path: Path, settings_env) -> None:
    seed_registry(engine)
    settings_env(load_lock_timeout="0.5", retry_after="7")
    with engine.connect() as running:
        running.execute(text("SELECT pg_advisory_lock(:k)"), {"k": _LOCK_KEY})
        try:
            with pytest.raises(Overloaded) as refused:
                ingest_register(engine, register(tmp_path, [row("R-1")]))
        finally:
            running.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": _LOCK_KEY})
    assert (refused.value.status, refused.value.code, refused.value.retry_after) == (503, "load_in_progress", 7)
    # nothing was written; the same file loads once the other load has ended
    assert ingest_register(engine, register(tmp_path, [row("R-1")])).credited == 1
