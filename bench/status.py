"""Benchmark: insured-status checks over HTTP, and a bare indexed SQL lookup, in the same run.

Loads N people into a fresh database (persons, children's state-paid category, and up to 24
months of the coverage summary ``person_month`` written directly with COPY / executemany: the
bench measures the status check, not ingestion), serves ``osms.app:app`` with uvicorn, and drives
``GET /api/v1/persons/{iin}/status`` with ``wrk`` (16 connections by default, a clinic's API
token, a random IIN per request). In the same run, a bare indexed lookup of the same rows from
16 threads gives the database's own rate. Prints a table, then one JSON line last.

    uv run python bench/status.py --people 1000000 [--db postgresql|sqlite] [--seconds 20] [--workers 2]

Needs ``wrk`` (Debian package ``wrk``).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from datetime import date
from pathlib import Path

from common import fresh_database
from rich.console import Console
from rich.table import Table
from sqlalchemy import text

from osms.core import migrate
from osms.core.db import make_engine, session_factory
from osms.core.identity import make_iin
from osms.core.periods import Month
from osms.core.security import create_token, create_user

PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/osms_bench_status"
console = Console(stderr=True)
CHECK_ON = date(2025, 12, 15)

LUA = """
local iins = {}
for line in io.lines("%(iins)s") do iins[#iins + 1] = line end
math.randomseed(%(seed)d)
request = function()
  local iin = iins[math.random(#iins)]
  return wrk.format("GET", "/api/v1/persons/" .. iin .. "/status?on=%(on)s", {["Authorization"] = "Bearer %(token)s"})
end
"""


def people(n: int, rng: random.Random) -> list[tuple[str, date, str]]:
    out: list[tuple[str, date, str]] = []
    serials: dict[tuple[date, str], int] = {}
    start = date(1940, 1, 1).toordinal()
    span = date(2025, 1, 1).toordinal() - start
    while len(out) < n:
        birth = date.fromordinal(start + rng.randrange(span))
        sex = "M" if rng.random() < 0.49 else "F"
        serial = serials.get((birth, sex), 0)
        number = None
        while number is None:
            number = make_iin(birth, sex, serial)  # type: ignore[arg-type]
            serial += 1
        serials[(birth, sex)] = serial
        out.append((number, birth, sex))
    return out


def load(url: str, n: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    persons = people(n, rng)
    engine = make_engine(url)
    first = Month.of(CHECK_ON) - 23
    employer = "940140000385"
    person_rows, category_rows, month_rows = [], [], []
    for iin, birth, sex in persons:
        person_rows.append((iin, "Тестов", "Тест", None, birth, sex, "citizen", "KZ-ALA", None, None))
        if (CHECK_ON - birth).days < 18 * 365:
            category_rows.append((iin, "child", birth, None, "bench"))
            continue
        profile = rng.random()
        if profile < 0.15:
            continue  # never paid
        paid_until = 23 if profile < 0.75 else rng.randrange(0, 24)
        for i in range(paid_until + 1):
            if rng.random() < 0.05:
                continue
            month = first + i
            value = (month + 1).first_day.replace(day=20)
            month_rows.append((iin, month.index, 2_550_000, 2, 3, employer, value))
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            dbapi = conn.connection.driver_connection
            with dbapi.cursor() as cur:  # type: ignore[union-attr]
                for table, cols, rows in (
                    (
                        "person",
                        "iin, last_name, first_name, middle_name, birth_date, sex, residency, region, "
                        "address_code, death_date",
                        person_rows,
                    ),
                    ("person_category", "iin, category, valid_from, valid_to, source", category_rows),
                    (
                        "person_month",
                        "iin, period, amount, payments, kinds, payer_id, first_value_date",
                        [(r[0], r[1], r[2] / 100, *r[3:]) for r in month_rows],
                    ),
                ):
                    with cur.copy(f"COPY {table} ({cols}) FROM STDIN") as copy:
                        for row in rows:
                            copy.write_row(row)
            conn.exec_driver_sql("ANALYZE")
        else:
            conn.exec_driver_sql(
                "INSERT INTO person (iin, last_name, first_name, middle_name, birth_date, sex, residency, region, "
                "address_code, death_date) VALUES (?,?,?,?,?,?,?,?,?,?)",
                [(*r[:4], r[4].isoformat(), *r[5:]) for r in person_rows],
            )
            conn.exec_driver_sql(
                "INSERT INTO person_category (iin, category, valid_from, valid_to, source) VALUES (?,?,?,?,?)",
                [(r[0], r[1], r[2].isoformat(), r[3], r[4]) for r in category_rows],
            )
            conn.exec_driver_sql(
                "INSERT INTO person_month (iin, period, amount, payments, kinds, payer_id, first_value_date) "
                "VALUES (?,?,?,?,?,?,?)",
                [(*r[:6], r[6].isoformat()) for r in month_rows],
            )
    engine.dispose()
    return [p[0] for p in persons]


def bare_lookups(url: str, iins: list[str], seconds: float, threads: int) -> tuple[int, float]:
    """Indexed reads of the same rows a status check needs, from ``threads`` threads."""
    engine = make_engine(url, pool_size=threads, max_overflow=0) if url.startswith("postgresql") else make_engine(url)
    lo, hi = (Month.of(CHECK_ON) - 72).index, (Month.of(CHECK_ON) + 12).index
    done = [0] * threads
    stop = time.perf_counter() + seconds

    def work(slot: int) -> None:
        rng = random.Random(slot)
        with engine.connect() as conn:
            while time.perf_counter() < stop:
                iin = iins[rng.randrange(len(iins))]
                conn.execute(text("SELECT birth_date, death_date FROM person WHERE iin = :i"), {"i": iin}).all()
                conn.execute(
                    text("SELECT period, kinds FROM person_month WHERE iin = :i AND period BETWEEN :lo AND :hi"),
                    {"i": iin, "lo": lo, "hi": hi},
                ).all()
                done[slot] += 1

    started = time.perf_counter()
    pool = [threading.Thread(target=work, args=(i,)) for i in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    elapsed = time.perf_counter() - started
    engine.dispose()
    return sum(done), elapsed


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def parse_wrk(output: str) -> dict[str, float]:
    def ms(value: str) -> float:
        number, unit = re.match(r"([\d.]+)(\w+)", value).groups()  # type: ignore[union-attr]
        return float(number) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]

    out = {"rps": float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))}  # type: ignore[union-attr]
    for pct in ("50", "99"):
        out[f"p{pct}_ms"] = ms(re.search(rf"\s{pct}%\s+(\S+)", output).group(1))  # type: ignore[union-attr]
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    out["non_2xx"] = float(non2xx.group(1)) if non2xx else 0.0
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--people", type=int, default=100_000)
    parser.add_argument("--db", choices=["postgresql", "sqlite"], default="postgresql")
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    if not shutil.which("wrk"):
        sys.exit("wrk is not installed (apt-get install wrk)")
    workdir = Path(tempfile.mkdtemp(prefix="osms-status-"))
    url = fresh_database(args.db, workdir, PG_URL)
    migrate.upgrade(url)
    started = time.perf_counter()
    with console.status(f"loading {args.people:,} people"):
        iins = load(url, args.people, args.seed)
    load_seconds = time.perf_counter() - started
    engine = make_engine(url)
    with session_factory(engine)() as session:
        user = create_user(session, "bench-clinic", "pw", "clinic", "Bench clinic", provider_id="bench")
        token = create_token(session, user, "bench")
        session.commit()
    engine.dispose()
    iin_file = workdir / "iins.txt"
    iin_file.write_text("\n".join(iins) + "\n")
    script = workdir / "status.lua"
    script.write_text(LUA % {"iins": iin_file, "seed": args.seed, "on": CHECK_ON.isoformat(), "token": token})
    port = free_port()
    env = {**os.environ, "OSMS_DATABASE_URL": url}
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "osms.app:app",
            "--port",
            str(port),
            "--workers",
            str(args.workers),
            "--no-access-log",
            "--log-level",
            "warning",
        ],
        env=env,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(100):
            try:
                subprocess.run(
                    ["python3", "-c", f"import urllib.request; urllib.request.urlopen('{base}/health')"],
                    check=True,
                    capture_output=True,
                )
                break
            except subprocess.CalledProcessError:
                time.sleep(0.3)
        warm = subprocess.run(
            ["wrk", "-t2", f"-c{args.connections}", "-d3s", "-s", str(script), base], capture_output=True, text=True
        )
        if "Requests/sec" not in warm.stdout:
            sys.exit(f"wrk failed: {warm.stdout} {warm.stderr}")
        run = subprocess.run(
            ["wrk", "-t2", f"-c{args.connections}", f"-d{int(args.seconds)}s", "--latency", "-s", str(script), base],
            capture_output=True,
            text=True,
            check=True,
        )
        http = parse_wrk(run.stdout)
    finally:
        server.terminate()
        server.wait(timeout=30)
    count, elapsed = bare_lookups(url, iins, min(args.seconds, 10), args.connections)
    bare_rate = count / elapsed
    table = Table(title=f"status checks, {args.people:,} people on {args.db}")
    table.add_column("measure")
    table.add_column("value", justify="right")
    table.add_row("load (s)", f"{load_seconds:.1f}")
    table.add_row(
        f"HTTP status checks/s ({args.connections} connections, {args.workers} workers)", f"{http['rps']:,.0f}"
    )
    table.add_row("p50 latency (ms)", f"{http['p50_ms']:.2f}")
    table.add_row("p99 latency (ms)", f"{http['p99_ms']:.2f}")
    table.add_row("non-2xx answers", f"{http['non_2xx']:.0f}")
    table.add_row(f"bare indexed SQL lookups/s ({args.connections} threads)", f"{bare_rate:,.0f}")
    table.add_row("ratio HTTP / bare SQL", f"{http['rps'] / bare_rate:.2f}")
    console.print(table)
    print(
        json.dumps(
            {
                "bench": "status",
                "people": args.people,
                "db": args.db,
                "workers": args.workers,
                "connections": args.connections,
                "checks_per_s": round(http["rps"]),
                "p50_ms": http["p50_ms"],
                "p99_ms": http["p99_ms"],
                "non_2xx": int(http["non_2xx"]),
                "bare_sql_per_s": round(bare_rate),
                "ratio": round(http["rps"] / bare_rate, 3),
                "machine": f"{platform.machine()} {os.cpu_count()} cores, Python {platform.python_version()}",
            }
        )
    )


if __name__ == "__main__":
    main()
