"""Measure: how long the load lock outlives a load killed with SIGKILL in the middle of a long
statement (docs/decisions/0003-bounded-waits.md). A child process takes the register load's lock
(``bulkload.take_load_lock``) on the engine every command uses, starts a 30 s statement, and is
killed; this process then polls until it gets the lock. Prints one JSON line. Results in
docs/performance.md.

    uv run python bench/killed_load.py [--database-url URL] [--check-interval SECONDS]

``--check-interval 0`` switches PostgreSQL's client check off (PostgreSQL's default).
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import textwrap
import time

from sqlalchemy import create_engine, text

from osms.contributions.service import _LOCK_KEY

CHILD = textwrap.dedent(
    """
    import sys
    from osms.core.bulkload import take_load_lock
    from osms.core.db import make_engine
    with make_engine(sys.argv[1]).begin() as conn:
        take_load_lock(conn, int(sys.argv[2]))
        conn.exec_driver_sql("SELECT pg_sleep(30)")
    """
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--check-interval", type=float, default=None)
    args = parser.parse_args()
    env = dict(os.environ)
    if args.check_interval is not None:
        # 0 is refused by the setting (it must be > 0): 1e-4 s rounds to PostgreSQL's "1 ms"; use a
        # day to stand for "off".
        env["OSMS_DB_CLIENT_CHECK_INTERVAL"] = str(args.check_interval or 86_400)
    engine = create_engine(args.database_url, isolation_level="AUTOCOMMIT")
    child = subprocess.Popen([sys.executable, "-c", CHILD, args.database_url, str(_LOCK_KEY)], env=env)
    with engine.connect() as conn:
        while not conn.scalar(
            text("SELECT count(*) FROM pg_stat_activity WHERE state = 'active' AND query LIKE 'SELECT pg_sleep(30)%'")
        ):
            time.sleep(0.05)
        time.sleep(1.0)  # well inside the statement
        os.kill(child.pid, signal.SIGKILL)
        child.wait()
        killed = time.perf_counter()
        while not conn.scalar(text("SELECT pg_try_advisory_lock(:k)"), {"k": _LOCK_KEY}):
            time.sleep(0.02)
        held = time.perf_counter() - killed
        conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": _LOCK_KEY})
    interval = env.get("OSMS_DB_CLIENT_CHECK_INTERVAL", "1.0 (default)")
    print(json.dumps({"check_interval_s": interval, "lock_held_after_kill_s": round(held, 2)}))


if __name__ == "__main__":
    main()
