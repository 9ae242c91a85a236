"""Benchmark: deciding attachment applications with the campaign runner, on SQLite or PostgreSQL.

Builds a synthetic country of N people (``osms synth``, which also writes the clinics, districts and
application files: docs/synth.md), loads a fresh migrated database with the registry (payers,
persons, families: what the attachment rules read) and the clinics and districts, then times
``osms.attachment.campaign.run_campaign`` on the initial file: one ``first`` application per living
person, so N decisions (everyone's first attachment, children applied for by a parent or guardian,
EAEU migrants with their contract's end). Then, for the record, the campaign file (about 7% of N:
choices, moves, limits) on top. In the same run, two baselines for the same initial file: reading
and parsing it alone (Python ``csv``), and loading it raw into a bare 8-column table (PostgreSQL:
``COPY ... CSV``; SQLite: one ``executemany`` of the parsed rows); the figure is the ratio of
decisions/s to the raw load. Prints a table, then one JSON line last.

    uv run python bench/attach.py --people 100000 [--database-url URL] [--country DIR]

Without ``--database-url`` a SQLite file in a temporary directory; a PostgreSQL URL's database is
dropped and created (default name for PostgreSQL runs: ``osms_bench_attach``).
"""

from __future__ import annotations

import argparse
import csv
import json
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import fresh_database, raw_load
from rich.console import Console
from rich.table import Table
from sqlalchemy.engine import make_url

from osms.attachment.campaign import run_campaign
from osms.attachment.ingest import import_clinics, import_districts
from osms.core import migrate
from osms.core.db import make_engine
from osms.registry.service import import_file
from osms.synth.clinics import CAMPAIGN_FILE, INITIAL_FILE

PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/osms_bench_attach"
REGISTRY = ("payers", "persons", "families")
APPLICATION_COLUMNS = [
    ("application_id", "varchar(64)"),
    ("iin", "varchar(12)"),
    ("clinic_id", "varchar(32)"),
    ("reason", "varchar(24)"),
    ("date", "date"),
    ("district_id", "varchar(32)"),
    ("applicant_iin", "varchar(12)"),
    ("contract_until", "date"),
]
console = Console(stderr=True)


def parse_only(path: Path) -> tuple[int, float]:
    """Rows and seconds of reading and splitting the file with ``csv`` (no checks, no database)."""
    started = time.perf_counter()
    rows = 0
    with path.open(encoding="utf-8", newline="") as fh:
        reader = csv.reader(fh)
        next(reader)
        for _ in reader:
            rows += 1
    return rows, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--people", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--database-url", help="sqlite:///FILE or a PostgreSQL URL (its database is recreated)")
    parser.add_argument("--country", type=Path, help="Use an already generated country (with its clinic files)")
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="osms-bench-attach-"))
    url = args.database_url or f"sqlite:///{workdir / 'bench_attach.sqlite'}"
    if url.startswith("postgresql"):
        url = fresh_database("postgresql", workdir, url)
        database = "postgresql"
    else:
        Path(make_url(url).database or "").unlink(missing_ok=True)
        database = "sqlite"
    out: dict[str, object] = {
        "bench": "attach",
        "people": args.people,
        "database": database,
        "machine": f"{platform.machine()} {platform.processor() or ''} Python {platform.python_version()}".strip(),
    }
    country = args.country
    if country is None:
        country = workdir / "country"
        started = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "osms.cli", "synth", "--people", str(args.people), "--seed", str(args.seed)]
            + ["--out", str(country)],
            check=True,
        )
        out["synth_seconds"] = round(time.perf_counter() - started, 2)
    table = Table(title=f"attachment decisions, {args.people:,}-person country, {database}")
    for col in ("step", "rows", "seconds", "rows/s"):
        table.add_column(col, justify="left" if col == "step" else "right")

    migrate.upgrade(url)
    engine = make_engine(url)
    started = time.perf_counter()
    for kind in REGISTRY:
        result = import_file(engine, kind, country / f"{kind}.csv")
        table.add_row(f"import {kind}", f"{result.rows:,}", f"{result.seconds:.2f}", "")
    for kind, load in (("clinics", import_clinics), ("districts", import_districts)):
        result = load(engine, country / f"{kind}.csv")
        table.add_row(f"import {kind}", f"{result.rows:,}", f"{result.seconds:.2f}", "")
    out["import_seconds"] = round(time.perf_counter() - started, 2)

    initial = run_campaign(engine, country / INITIAL_FILE, results=workdir / "initial.results.csv")
    seconds = float(initial["seconds"])
    rate = initial["rows"] / seconds if seconds else 0.0
    table.add_row("run_campaign: initial file", f"{initial['rows']:,}", f"{seconds:.2f}", f"{rate:,.0f}")
    console.print(
        f"initial file: {initial['rows']:,} decisions in {seconds:.2f} s ({rate:,.0f}/s) {initial['by_decision']}"
    )
    campaign = run_campaign(engine, country / CAMPAIGN_FILE, results=workdir / "campaign.results.csv")
    c_seconds = float(campaign["seconds"])
    c_rate = campaign["rows"] / c_seconds if c_seconds else 0.0
    table.add_row("run_campaign: campaign file", f"{campaign['rows']:,}", f"{c_seconds:.2f}", f"{c_rate:,.0f}")
    console.print(f"campaign file: {campaign['rows']:,} decisions in {c_seconds:.2f} s {campaign['by_decision']}")
    engine.dispose()

    p_rows, p_seconds = parse_only(country / INITIAL_FILE)
    table.add_row("baseline: read and parse the file", f"{p_rows:,}", f"{p_seconds:.2f}", f"{p_rows / p_seconds:,.0f}")
    b_rows, b_seconds = raw_load(url, country / INITIAL_FILE, "bare_application", APPLICATION_COLUMNS)
    base_rate = b_rows / b_seconds
    table.add_row("baseline: raw load into a bare table", f"{b_rows:,}", f"{b_seconds:.2f}", f"{base_rate:,.0f}")
    console.print(table)
    out.update(
        {
            "applications": initial["rows"],
            "seconds": round(seconds, 2),
            "decisions_per_s": round(rate),
            "by_decision": initial["by_decision"],
            "baseline_raw_load_rows_per_s": round(base_rate),
            "ratio_to_raw_load": round(rate / base_rate, 4),
            "baseline_parse_rows_per_s": round(p_rows / p_seconds),
            "ratio_to_parse": round(rate / (p_rows / p_seconds), 4),
            "campaign": {
                "applications": campaign["rows"],
                "seconds": round(c_seconds, 2),
                "decisions_per_s": round(c_rate),
                "by_decision": campaign["by_decision"],
            },
        }
    )
    print(json.dumps(out))


if __name__ == "__main__":
    main()
