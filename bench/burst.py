"""Benchmark: a burst of simultaneous attachment applications to one clinic, with /health polled
throughout (docs/decisions/0003-bounded-waits.md). Figures, never asserts: answers by status, latency (median, max),
/health's latency during the burst, and (PostgreSQL) how many backends wait for a lock, sampled
every 20 ms: the queue behind the clinic's row lock. Results in docs/performance.md.

Builds a fresh migrated database with one clinic (capacity below the burst) and N persons, serves
``osms.app:app`` with uvicorn in a subprocess (one worker, as ``osms demo`` does), then N threads
wait at a barrier and each POSTs one application (``/api/v1/attachments``, operator token) while
one thread polls ``/health``. Prints one JSON line.

    uv run python bench/burst.py [--n 60] [--capacity 25] [--reason first] [--date 2024-03-01] [--database-url URL]

``--reason choice --date 2026-03-01``: free choices under kz-law 2026, each of which needs the
person's insured status (docs/attachment.md), so each application reads more about its person.

The code measured is the ``osms`` package on the path (PYTHONPATH=... to measure another tree).
Without ``--database-url``: PostgreSQL ``osms_bench_burst`` on 127.0.0.1.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from datetime import date
from pathlib import Path

import httpx
from common import fresh_database

from osms.attachment.models import Clinic, ClinicDistrict
from osms.core import migrate
from osms.core.db import make_engine, session_factory
from osms.core.identity import make_bin, make_iin
from osms.core.security import create_token, create_user
from osms.registry.models import Person


def iins(n: int) -> list[str]:
    out: list[str] = []
    serial = 1
    while len(out) < n:
        number = make_iin(date(1980, 1, 1), "F", serial)
        serial += 1
        if number:
            out.append(number)
    return out


def setup(url: str, n: int, capacity: int) -> tuple[list[str], str]:
    migrate.upgrade(url)
    engine = make_engine(url)
    people = iins(n)
    with session_factory(engine)() as s:
        bin_ = next(b for k in range(1, 99) if (b := make_bin(date(2010, 5, 1), 4, 0, k)))
        s.add(Clinic(clinic_id="BUSY", bin=bin_, name="Busy", region="KZ-AST", capacity=capacity, service_area="AST-1"))
        s.add(ClinicDistrict(clinic_id="BUSY", district_id="T1", specialty="therapist", doctor="Dr", norm=10_000))
        for number in people:
            s.add(
                Person(
                    iin=number, last_name="A", first_name="B", birth_date=date(1980, 1, 1), sex="F",
                    residency="citizen", region="KZ-AST", address_code="AST-1",
                )
            )  # fmt: skip
        token = create_token(s, create_user(s, "op", "pw", "operator", "Operator"), "bench")
        s.commit()
    engine.dispose()
    return people, token


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=60)
    parser.add_argument("--capacity", type=int, default=25)
    parser.add_argument("--reason", default="first", help="the applications' reason")
    parser.add_argument("--date", default="2024-03-01", help="the applications' date")
    parser.add_argument("--database-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/osms_bench_burst")
    args = parser.parse_args()
    kind = "postgresql" if args.database_url.startswith("postgresql") else "sqlite"
    with tempfile.TemporaryDirectory() as tmp:
        url = fresh_database(kind, Path(tmp), args.database_url)
        people, token = setup(url, args.n, args.capacity)
        port = free_port()
        key = os.environ.get("OSMS_SECRET_KEY") or secrets.token_urlsafe(48)  # the app refuses to serve without one
        env = {**os.environ, "OSMS_DATABASE_URL": url, "OSMS_SECRET_KEY": key}
        server = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "osms.app:app", "--port", str(port), "--log-level", "warning"], env=env
        )
        base = f"http://127.0.0.1:{port}"
        try:
            while True:
                try:
                    httpx.get(f"{base}/health", timeout=5)
                    break
                except httpx.TransportError:
                    if server.poll() is not None:
                        raise SystemExit(f"the server stopped before answering (exit {server.returncode})") from None
                    time.sleep(0.2)
            answers: list[tuple[int, float]] = []
            health: list[tuple[int, float]] = []
            details: list[str] = []
            decisions: list[str] = []
            done = threading.Event()
            lock = threading.Lock()

            def apply(number: str) -> None:
                with httpx.Client(base_url=base, timeout=300) as client:
                    barrier.wait()
                    started = time.perf_counter()
                    detail = ""
                    try:
                        answer = client.post(
                            "/api/v1/attachments",
                            json={"iin": number, "clinic_id": "BUSY", "reason": args.reason, "date": args.date},
                            headers={"Authorization": f"Bearer {token}"},
                        )
                        status = answer.status_code
                        if status != 200:
                            detail = answer.json().get("detail", "")
                        else:
                            body = answer.json()
                            with lock:
                                decisions.append(" ".join([body["decision"], *(r["code"] for r in body["reasons"])]))
                    except httpx.TransportError:
                        status = 0
                    with lock:
                        answers.append((status, time.perf_counter() - started))
                        if detail:
                            details.append(detail)

            def poll() -> None:
                with httpx.Client(base_url=base, timeout=300) as client:
                    barrier.wait()
                    while not done.is_set():
                        started = time.perf_counter()
                        status = client.get("/health").status_code
                        health.append((status, time.perf_counter() - started))

            waiting: list[int] = []

            def sample_lock_waits() -> None:
                """Every 20 ms, how many of the server's backends wait for a lock (the clinic's row)."""
                probe = make_engine(url)
                with probe.connect() as conn:
                    barrier.wait()
                    while not done.is_set():
                        waiting.append(
                            int(
                                conn.exec_driver_sql(
                                    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                                    "AND wait_event_type = 'Lock'"
                                ).scalar_one()
                            )
                        )
                        conn.rollback()
                        time.sleep(0.02)
                probe.dispose()

            threads = [threading.Thread(target=apply, args=(p,)) for p in people]
            poller = threading.Thread(target=poll)
            helpers = [poller] + ([threading.Thread(target=sample_lock_waits)] if kind == "postgresql" else [])
            barrier = threading.Barrier(args.n + len(helpers))
            started = time.perf_counter()
            for t in [*threads, *helpers]:
                t.start()
            for t in threads:
                t.join()
            wall = time.perf_counter() - started
            done.set()
            for t in helpers:
                t.join()
        finally:
            server.terminate()
            server.wait(30)
    latencies = [s for _, s in answers]
    health_latencies = [s for _, s in health]
    print(
        json.dumps(
            {
                "n": args.n,
                "reason": args.reason,
                "date": args.date,
                "database": kind,
                "statuses": dict(sorted(Counter(str(c) for c, _ in answers).items())),
                "latency_median_s": round(statistics.median(latencies), 3),
                "latency_max_s": round(max(latencies), 3),
                "wall_s": round(wall, 3),
                "health_checks": len(health),
                "health_statuses": dict(Counter(str(c) for c, _ in health)),
                "health_max_s": round(max(health_latencies), 3) if health else None,
                "errors": dict(Counter(details)),
                "decisions": dict(Counter(decisions)),
                "lock_waiters_mean": round(statistics.mean(waiting), 2) if waiting else None,
                "lock_waiters_max": max(waiting) if waiting else None,
            }
        )
    )


if __name__ == "__main__":
    main()
