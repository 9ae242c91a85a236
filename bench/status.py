"""Benchmark: insured-status checks over HTTP, and a bare indexed SQL lookup, in the same run.

Loads N people into a fresh database (persons, children's state-paid category, and up to 24
months of the coverage summary ``person_month`` written directly with COPY / executemany: the
bench measures the status check, not ingestion; on PostgreSQL then ``VACUUM (ANALYZE)``, the state
of a database that has been running), serves ``osms.app:app`` with uvicorn, and drives
``GET /api/v1/persons/{iin}/status`` with ``wrk`` (after 10 s of warm-up load; 16 connections by default, a clinic's API
token, a random IIN per request), twice: with the PostgreSQL hot path (``coverage/hotpath.py``) and
with it switched off (``OSMS_STATUS_HOT_PATH=false``: the ORM path every role takes), which is the
baseline of the ratio. For each it prints the CPU time per check spent by the server's workers,
by PostgreSQL and by ``wrk`` (from /proc: all three share the machine's cores). In the same run, a
bare indexed lookup of the same rows from 16 threads gives the database's own rate. Prints a
table, then one JSON line last.

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
import resource
import secrets
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
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM (ANALYZE)")
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
    parser.add_argument(
        "--warmup", type=float, default=10, help="Seconds of load before measuring (caches filled, as in service)"
    )
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
    runs = {}
    for label, hot in (("orm", "false"), ("hot", "true")):
        if label == "hot" and args.db != "postgresql":
            continue
        with console.status(f"serving and loading: {label} path"):
            runs[label] = serve_and_load(url, script, args, {"OSMS_STATUS_HOT_PATH": hot})
    count, elapsed = bare_lookups(url, iins, min(args.seconds, 10), args.connections)
    bare_rate = count / elapsed
    best = runs.get("hot", runs["orm"])
    table = Table(title=f"status checks, {args.people:,} people on {args.db}, {args.workers} workers")
    table.add_column("measure")
    for label in runs:
        table.add_column(f"{label} path", justify="right")
    rows = [
        (f"HTTP status checks/s ({args.connections} connections)", "rps", "{:,.0f}"),
        ("p50 latency (ms)", "p50_ms", "{:.2f}"),
        ("p99 latency (ms)", "p99_ms", "{:.2f}"),
        ("non-2xx answers", "non_2xx", "{:.0f}"),
        ("CPU µs per check: server", "cpu_server_us", "{:,.0f}"),
        ("CPU µs per check: PostgreSQL / SQLite in server", "cpu_database_us", "{:,.0f}"),
        ("CPU µs per check: wrk", "cpu_load_us", "{:,.0f}"),
    ]
    for name, key, fmt in rows:
        table.add_row(name, *(fmt.format(run[key]) for run in runs.values()))
    table.add_row("load (s)", f"{load_seconds:.1f}", *([""] * (len(runs) - 1)))
    table.add_row(
        f"bare indexed SQL lookups/s ({args.connections} threads)", f"{bare_rate:,.0f}", *([""] * (len(runs) - 1))
    )
    console.print(table)
    print(
        json.dumps(
            {
                "bench": "status",
                "people": args.people,
                "db": args.db,
                "workers": args.workers,
                "connections": args.connections,
                "checks_per_s": round(best["rps"]),
                "p50_ms": best["p50_ms"],
                "p99_ms": best["p99_ms"],
                "non_2xx": int(best["non_2xx"]),
                "orm_path_checks_per_s": round(runs["orm"]["rps"]),
                "orm_path_p99_ms": runs["orm"]["p99_ms"],
                "ratio_to_orm_path": round(best["rps"] / runs["orm"]["rps"], 2),
                "cpu_us_per_check": {
                    "server": round(best["cpu_server_us"]),
                    "database": round(best["cpu_database_us"]),
                    "load": round(best["cpu_load_us"]),
                },
                "bare_sql_per_s": round(bare_rate),
                "ratio_to_bare_sql": round(best["rps"] / bare_rate, 3),
                "machine": f"{platform.machine()} {os.cpu_count()} cores, Python {platform.python_version()}",
            }
        )
    )


def cpu_seconds() -> dict[str, float]:
    """CPU seconds used so far by the server (uvicorn and its workers) and PostgreSQL (postmaster
    and backends, with the children it has reaped), from /proc; and by this process's finished
    children (wrk, once it has exited)."""
    tick = os.sysconf("SC_CLK_TCK")
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    out = {"server": 0.0, "database": 0.0, "load": children.ru_utime + children.ru_stime}
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            argv = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        joined = b" ".join(argv)
        if b"osms.app:app" in joined or b"multiprocessing" in joined:
            group = "server"
        elif b"postgres" in argv[0]:
            group = "database"
        else:
            continue
        out[group] += sum(int(v) for v in fields[11:15]) / tick  # utime, stime, cutime, cstime
    return out


def serve_and_load(url: str, script: Path, args: argparse.Namespace, env_extra: dict[str, str]) -> dict[str, float]:
    """Serve the app with ``env_extra``, warm up, then ``wrk`` for ``args.seconds``: its figures
    and the CPU time per check of the server, the database and wrk."""
    port = free_port()
    key = os.environ.get("OSMS_SECRET_KEY") or secrets.token_urlsafe(48)  # the app refuses to serve without one
    env = {**os.environ, "OSMS_DATABASE_URL": url, "OSMS_SECRET_KEY": key, **env_extra}
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
            ["wrk", "-t2", f"-c{args.connections}", f"-d{int(args.warmup)}s", "-s", str(script), base],
            capture_output=True,
            text=True,
        )
        if "Requests/sec" not in warm.stdout:
            sys.exit(f"wrk failed: {warm.stdout} {warm.stderr}")
        before, started = cpu_seconds(), time.perf_counter()
        run = subprocess.run(
            ["wrk", "-t2", f"-c{args.connections}", f"-d{int(args.seconds)}s", "--latency", "-s", str(script), base],
            capture_output=True,
            text=True,
            check=True,
        )
        after, elapsed = cpu_seconds(), time.perf_counter() - started
    finally:
        server.terminate()
        server.wait(timeout=30)
    http = parse_wrk(run.stdout)
    checks = http["rps"] * elapsed
    for group in ("server", "database", "load"):
        http[f"cpu_{group}_us"] = (after[group] - before[group]) / checks * 1e6
    return http


if __name__ == "__main__":
    main()
