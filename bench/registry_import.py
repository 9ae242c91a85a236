"""Benchmark: the synthetic country's generation and its registry import, on SQLite and PostgreSQL.

For each database: a fresh migrated database, then ``payers``, ``persons``, ``families`` and
``categories`` through the real import (``osms.registry.service.import_file``), rows/s each; and,
in the same run, a baseline of the same persons file loaded raw into a bare table (PostgreSQL:
``COPY ... CSV``; SQLite: one ``executemany`` of the parsed rows), so the figure is a ratio to what
the database itself can do on this machine. Prints a table, then one JSON line last.

    uv run python bench/registry_import.py --people 1000000 [--db sqlite --db postgresql]
"""

from __future__ import annotations

import argparse
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

from osms.core import migrate
from osms.core.db import make_engine
from osms.registry.service import import_file

PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/osms_bench"
ORDER = ("payers", "persons", "families", "categories")
console = Console(stderr=True)


PERSON_COLUMNS = [
    ("iin", "varchar(12)"),
    ("last_name", "varchar(100)"),
    ("first_name", "varchar(100)"),
    ("middle_name", "varchar(100)"),
    ("birth_date", "date"),
    ("sex", "varchar(1)"),
    ("residency", "varchar(24)"),
    ("region", "varchar(16)"),
    ("address_code", "varchar(32)"),
    ("death_date", "date"),
]


def baseline(url: str, persons: Path) -> tuple[int, float]:
    """Rows/s of a raw load of the persons file into a bare table with the same columns."""
    return raw_load(url, persons, "bare_person", PERSON_COLUMNS)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--db", action="append", choices=["sqlite", "postgresql"])
    parser.add_argument("--country", type=Path, help="Use an already generated country instead of generating one")
    args = parser.parse_args()
    dbs = args.db or ["sqlite", "postgresql"]
    workdir = Path(tempfile.mkdtemp(prefix="osms-bench-"))
    out: dict[str, object] = {
        "bench": "registry_import",
        "people": args.people,
        "machine": f"{platform.machine()} {platform.processor() or ''} Python {platform.python_version()}".strip(),
    }
    country = args.country
    if country is None:
        country = workdir / "country"
        started = time.perf_counter()
        subprocess.run(
            [
                sys.executable,
                "-m",
                "osms.cli",
                "synth",
                "--people",
                str(args.people),
                "--seed",
                str(args.seed),
                "--out",
                str(country),
            ],
            check=True,
        )
        out["synth_seconds"] = round(time.perf_counter() - started, 2)
    table = Table(title=f"registry import of a {args.people:,}-person country")
    for col in ("database", "file", "rows", "seconds", "rows/s"):
        table.add_column(col, justify="right" if col not in ("database", "file") else "left")
    for db in dbs:
        url = fresh_database(db, workdir, PG_URL)
        migrate.upgrade(url)
        engine = make_engine(url)
        figures: dict[str, object] = {}
        for kind in ORDER:
            result = import_file(engine, kind, country / f"{kind}.csv")
            rate = result.rows / result.seconds if result.seconds else 0.0
            figures[kind] = {"rows": result.rows, "seconds": round(result.seconds, 2), "rows_per_s": round(rate)}
            table.add_row(db, kind, f"{result.rows:,}", f"{result.seconds:.2f}", f"{rate:,.0f}")
            console.print(f"{db} {kind}: {result.rows:,} rows in {result.seconds:.2f} s ({rate:,.0f} rows/s)")
        again = import_file(engine, "persons", country / "persons.csv")
        figures["persons_again"] = {"seconds": round(again.seconds, 2), "unchanged": again.unchanged}
        table.add_row(
            db,
            "persons (same file again)",
            f"{again.rows:,}",
            f"{again.seconds:.2f}",
            f"{again.rows / again.seconds:,.0f}",
        )
        engine.dispose()
        rows, seconds = baseline(url, country / "persons.csv")
        base_rate = rows / seconds
        table.add_row(db, "baseline: raw load of persons", f"{rows:,}", f"{seconds:.2f}", f"{base_rate:,.0f}")
        figures["baseline_rows_per_s"] = round(base_rate)
        figures["persons_ratio_to_baseline"] = round(
            figures["persons"]["rows_per_s"] / base_rate,
            3,  # type: ignore[index]
        )
        out[db] = figures
    console.print(table)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
