"""A register upload killed with SIGKILL leaves no temporary copy of the file behind: the
server reads the upload where it received it (an unnamed temporary file past 1 MB), never a named
copy in the temporary directory."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
from sqlalchemy import text
from sqlalchemy.engine import Engine

from osms.contributions.service import _LOCK_KEY
from osms.core.db import session_factory
from osms.core.security import create_token, create_user
from tests.conftest import IS_PG
from tests.contributions.test_ingest import register, row, seed_registry


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def open_in(pid: int, directory: Path) -> list[str]:
    """The files under ``directory`` that process ``pid`` has open (deleted ones included)."""
    found = []
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = os.readlink(fd)
        except OSError:
            continue
        if target.startswith(str(directory)):
            found.append(target)
    return found


def waiting_for_the_load_lock(engine: Engine) -> bool:
    with engine.connect() as conn:
        return bool(
            conn.scalar(
                text(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                    "AND wait_event_type = 'Lock' AND wait_event = 'advisory'"
                )
            )
        )


def test_a_killed_upload_leaves_no_temporary_file(db_url, engine, tmp_path: Path) -> None:
    seed_registry(engine)
    with session_factory(engine)() as s:
        token = create_token(s, create_user(s, "op", "pw", "operator", "Operator"), "test")
        s.commit()
    # Over 1 MB, so that the server spools it to disk (the case that could leave a file behind).
    big = register(tmp_path, [row(f"R-{i:07d}") for i in range(20_000)])
    assert big.stat().st_size > 1 << 20
    spool = tmp_path / "spool"
    spool.mkdir()
    port = free_port()
    env = {
        **os.environ,
        "OSMS_DATABASE_URL": db_url,
        "TMPDIR": str(spool),
        "OSMS_LOAD_LOCK_TIMEOUT": "600",
        "OSMS_SQLITE_BUSY_TIMEOUT": "600",
        "OSMS_DB_STATEMENT_TIMEOUT": "600",
    }
    server = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "osms.app:app", "--port", str(port), "--log-level", "warning"], env=env
    )
    base = f"http://127.0.0.1:{port}"
    try:
        while True:
            assert server.poll() is None, "the server did not start"
            try:
                httpx.get(f"{base}/health", timeout=5)
                break
            except httpx.TransportError:
                time.sleep(0.2)
        with engine.connect() as other:
            # Another load is running (PostgreSQL: it holds the load lock; SQLite: the write lock),
            # so the upload waits in the middle of its load, its file received.
            if IS_PG:
                other.execute(text("SELECT pg_advisory_lock(:k)"), {"k": _LOCK_KEY})
            else:
                other.exec_driver_sql("BEGIN IMMEDIATE")

            def upload() -> None:
                try:
                    with big.open("rb") as fh:
                        httpx.post(
                            f"{base}/api/v1/payment-registers",
                            files={"file": ("register.csv", fh, "text/csv")},
                            headers={"Authorization": f"Bearer {token}"},
                            timeout=600,
                        )
                except httpx.TransportError:
                    pass  # the server was killed: no answer

            uploader = threading.Thread(target=upload)
            uploader.start()
            while not open_in(server.pid, spool):  # the server has received the upload
                assert server.poll() is None
                time.sleep(0.05)
            if IS_PG:
                while not waiting_for_the_load_lock(engine):
                    time.sleep(0.05)
            else:
                time.sleep(1.0)  # SQLite cannot say who waits; give the load time to reach the lock
            os.kill(server.pid, signal.SIGKILL)
            server.wait(30)
            uploader.join(30)
            if IS_PG:
                other.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": _LOCK_KEY})
            other.rollback()
    finally:
        if server.poll() is None:
            server.kill()
    left = [str(p.relative_to(spool)) for p in spool.rglob("*")]
    assert left == []
