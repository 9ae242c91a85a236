"""Benchmark: crediting a payment register into a ledger that already holds as many rows.

For each database: a fresh migrated database (PostgreSQL: ``osms_bench_ingest``, dropped and
created), a synthetic registry (N/4 persons with valid IINs, N/200 employers, agents, the state, a
local budget, entrepreneurs), N payments already in the ledger for two earlier months (loaded raw,
then the coverage summary rebuilt), then an N-row register for later months with a realistic mix
(employer deductions and employee contributions, state, self-payers, entrepreneurs, civil contracts,
late payments for months already paid, reversals, and about 1.5% bad rows: unknown persons, wrong
check digits, repeated references, bad amounts) credited through the real ingestion
(``osms.contributions.service.ingest_register``). Then the same file again (nothing changes), and,
in the same run, a baseline: the same file loaded raw into a bare 8-column text table (PostgreSQL:
``COPY ... CSV``; SQLite: one ``executemany`` of the parsed rows). Prints a table, then one JSON
line last with rows/s and the ratio of ingestion to the raw load.

    uv run python bench/ingest.py --rows 1000000 [--db sqlite --db postgresql]
"""

from __future__ import annotations

import argparse
import json
import platform
import random
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from common import fresh_database, raw_load
from rich.console import Console
from rich.table import Table
from sqlalchemy.engine import Engine

from osms.contributions.service import ingest_register
from osms.contributions.summary import refresh_all
from osms.core import migrate
from osms.core.db import make_engine
from osms.core.identity import make_bin, make_iin

PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/osms_bench_ingest"
HEADER = "reference,payer_id,payer_kind,iin,period,kind,amount,value_date"
BASE_PERIOD = 2024 * 12  # 2024-01: the ledger holds 2024-01 and 2024-02; the register 2024-03, 2024-04
console = Console(stderr=True)


def month_text(index: int) -> str:
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


class Country:
    """Persons, payers and the ledger already there, all derived from indices (cheap to rebuild)."""

    def __init__(self, rows: int, seed: int) -> None:
        self.rng = random.Random(seed)
        n_persons = max(100, rows // 4)
        self.persons: list[str] = []
        start = date(1950, 1, 1)
        i = 0
        while len(self.persons) < n_persons:
            number = make_iin(start + timedelta(days=i % 25_000), "MF"[i % 2], (i // 25_000) % 10_000)
            if number:
                self.persons.append(number)
            i += 1
        # Valid IINs that are not in the registry (unknown persons).
        self.strangers = [
            n for k in range(200) if (n := make_iin(date(1930, 1, 1) + timedelta(days=k), "M", 9_999)) is not None
        ]
        self.employers = [
            b for k in range(max(10, rows // 200) + 20) if (b := make_bin(date(2005, 1, 1), 4, 0, k)) is not None
        ][: max(10, rows // 200)]
        self.agents = [b for k in range(40) if (b := make_bin(date(2010, 1, 1), 4, 0, k)) is not None][:20]
        self.state = make_bin(date(1998, 1, 1), 4, 0, 1) or ""
        self.local = make_bin(date(1999, 1, 1), 4, 0, 2) or ""
        self.entrepreneurs = self.persons[::20]  # every 20th person is an IE
        self.ledger_rows = rows

    def payers(self) -> list[tuple[str, str, str]]:
        out = [(e, "employer", f"ТОО Employer {k}") for k, e in enumerate(self.employers)]
        out += [(a, "agent", f"ТОО Agent {k}") for k, a in enumerate(self.agents)]
        out += [(self.state, "state", "Министерство финансов"), (self.local, "local_budget", "Акимат")]
        out += [(p, "individual_entrepreneur", f"ИП {k}") for k, p in enumerate(self.entrepreneurs)]
        return out

    def ledger_row(self, j: int) -> tuple[str, str, str, str, int, str, int, str]:
        """The j-th payment already in the ledger: (reference, payer, payer_kind, iin, period, kind, tiyn, date)."""
        p = len(self.persons)
        person = (j // 2) % p
        period = BASE_PERIOD + (j // (2 * p)) % 2
        kind = "employer_deduction" if j % 2 == 0 else "employee_contribution"
        tiyn = 255_000 if j % 2 == 0 else 170_000
        value = month_text(period + 1) + "-20"
        return (f"B{j:010d}", self.employers[person % len(self.employers)], "employer", self.persons[person],
                period, kind, tiyn, value)  # fmt: skip


def load_country(engine: Engine, country: Country) -> None:
    """Persons, payers and N ledger rows, loaded raw; then the coverage summary rebuilt."""
    pg = engine.dialect.name == "postgresql"
    payers = country.payers()
    ledger = (country.ledger_row(j) for j in range(country.ledger_rows))
    with engine.begin() as conn:
        batch = conn.exec_driver_sql(
            "INSERT INTO import_batch (kind, file_name, sha256, started_at, rows, accepted, rejected) "
            "VALUES ('bench', 'ledger', '0', CURRENT_TIMESTAMP, 0, 0, 0) RETURNING id"
        ).scalar_one()
        if pg:
            cur = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
            with cur.copy("COPY person (iin, last_name, first_name, residency) FROM STDIN") as cp:
                for k in range(0, len(country.persons), 50_000):
                    cp.write("".join(f"{n}\tТестов\tP\tcitizen\n" for n in country.persons[k : k + 50_000]))
            with cur.copy("COPY payer (payer_id, kind, name) FROM STDIN") as cp:
                cp.write("".join(f"{a}\t{b}\t{c}\n" for a, b, c in payers))
            columns = "reference, payer_id, payer_kind, iin, period, kind, amount, value_date, batch_id, line"
            with cur.copy(f"COPY payment ({columns}) FROM STDIN") as cp:
                buf = []
                for ref, payer, payer_kind, number, period, kind, tiyn, value in ledger:
                    buf.append(
                        f"{ref}\t{payer}\t{payer_kind}\t{number}\t{period}\t{kind}\t{tiyn / 100:.2f}\t{value}\t1\t0\n"
                    )
                    if len(buf) == 50_000:
                        cp.write("".join(buf))
                        buf.clear()
                cp.write("".join(buf))
        else:
            conn.exec_driver_sql(
                "INSERT INTO person (iin, last_name, first_name, residency) VALUES (?, 'Тестов', 'P', 'citizen')",
                [(n,) for n in country.persons],
            )
            conn.exec_driver_sql("INSERT INTO payer (payer_id, kind, name) VALUES (?, ?, ?)", payers)
            conn.exec_driver_sql(
                "INSERT INTO payment (reference, payer_id, payer_kind, iin, period, kind, amount, value_date, "
                "batch_id, line) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 0)",
                [(*r, batch) for r in ledger],
            )
        refresh_all(conn)
    if pg:
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM ANALYZE")


def write_register(path: Path, country: Country, rows: int) -> dict[str, int]:
    """An N-row register for 2024-03 and 2024-04; returns how many rows of each sort it holds."""
    rng = country.rng
    persons, employers = country.persons, country.employers
    mix: dict[str, int] = {}
    written = 0
    ref = 0
    buf: list[str] = []
    with path.open("w", encoding="utf-8", newline="") as fh:
        fh.write(HEADER + "\n")
        while written < rows:
            r = rng.random()
            person = rng.randrange(len(persons))
            number = persons[person]
            period = BASE_PERIOD + 2 + rng.randrange(2)
            p, v = month_text(period), month_text(period + 1) + "-20"
            ref += 1
            if r < 0.50:  # an employer's deduction and the employee's contribution
                e = employers[person % len(employers)]
                buf.append(f"E{ref:010d},{e},employer,{number},{p},employer_deduction,3150.00,{v}\n")
                buf.append(f"C{ref:010d},{e},employer,{number},{p},employee_contribution,2100.00,{v}\n")
                sort, n = "employer", 2
            elif r < 0.65:
                payer, kind = (country.state, "state") if r < 0.63 else (country.local, "local_budget")
                buf.append(f"S{ref:010d},{payer},{kind},{number},{p},state_contribution,7285.90,{p}-05\n")
                sort, n = "state", 1
            elif r < 0.75:  # self-payers, some paying a few months ahead
                paid = month_text(period - rng.randrange(4)) + "-10"
                buf.append(f"P{ref:010d},{number},self,{number},{p},self_payment,4250.00,{paid}\n")
                sort, n = "self", 1
            elif r < 0.80:
                ie = country.entrepreneurs[person % len(country.entrepreneurs)]
                buf.append(f"I{ref:010d},{ie},individual_entrepreneur,{ie},{p},ie_contribution,5950.00,{p}-25\n")
                sort, n = "entrepreneur", 1
            elif r < 0.83:
                agent = country.agents[person % len(country.agents)]
                buf.append(f"G{ref:010d},{agent},agent,{number},{p},civil_contract,1200.50,{v}\n")
                sort, n = "civil_contract", 1
            elif r < 0.975:  # late payments for a month already paid (touches existing summary rows)
                e = employers[person % len(employers)]
                old = month_text(BASE_PERIOD + rng.randrange(2))
                buf.append(f"L{ref:010d},{e},employer,{number},{old},employer_deduction,3150.00,{v}\n")
                sort, n = "late", 1
            elif r < 0.985:  # reversal of a payment already in the ledger
                j = rng.randrange(country.ledger_rows)
                o_ref, payer, payer_kind, o_iin, o_period, _, tiyn, _ = country.ledger_row(j)
                amount = f"{tiyn / 100:.2f}"
                buf.append(f"REV:{o_ref},{payer},{payer_kind},{o_iin},{month_text(o_period)},reversal,{amount},{v}\n")
                sort, n = "reversal", 1
            elif r < 0.99:
                stranger = country.strangers[ref % len(country.strangers)]
                buf.append(f"U{ref:010d},{stranger},self,{stranger},{p},self_payment,4250.00,{p}-10\n")
                sort, n = "bad: unknown person", 1
            elif r < 0.995:
                broken = number[:11] + str((int(number[11]) + 1) % 10)
                buf.append(f"K{ref:010d},{broken},self,{broken},{p},self_payment,4250.00,{p}-10\n")
                sort, n = "bad: check digit", 1
            elif r < 0.998:
                buf.append(
                    f"E{max(ref - 7, 1):010d},{employers[0]},employer,{number},{p},employer_deduction,1.00,{v}\n"
                )
                sort, n = "bad: repeated reference", 1
            else:
                buf.append(f"A{ref:010d},{number},self,{number},{p},self_payment,4250.0O,{p}-10\n")
                sort, n = "bad: amount", 1
            mix[sort] = mix.get(sort, 0) + n
            written += n
            if len(buf) >= 50_000:
                fh.write("".join(buf))
                buf.clear()
        fh.write("".join(buf))
    return mix


def baseline(url: str, register: Path) -> tuple[int, float]:
    """Rows/s of the same file loaded raw into a bare text table."""
    return raw_load(url, register, "bare_register", [(c, "text") for c in HEADER.split(",")])


def ledger_write(engine: Engine, batch_id: int) -> tuple[int, float]:
    """Rows/s of only writing rows like the ones just credited into the ledger table with its indexes
    (a copy of the batch under new references, rolled back): the floor any ingestion pays."""
    columns = "reference, batch_id, line, payer_id, payer_kind, iin, period, kind, amount, value_date, reverses"
    with engine.connect() as conn:
        tx = conn.begin()
        if engine.dialect.name == "postgresql":
            dbapi = conn.connection.driver_connection
            with dbapi.cursor() as cur:  # type: ignore[union-attr]
                data = bytearray()
                out_sql = (
                    f"COPY (SELECT reference || '#', batch_id, line, payer_id, payer_kind, iin, period, kind, amount, "
                    f"value_date, NULL FROM payment WHERE batch_id = {batch_id} ORDER BY id) TO STDOUT"
                )
                with cur.copy(out_sql) as cp:
                    for block in cp:
                        data += block
                started = time.perf_counter()
                with cur.copy(f"COPY payment ({columns}) FROM STDIN") as cp:
                    for k in range(0, len(data), 1 << 20):
                        cp.write(data[k : k + (1 << 20)])
            seconds = time.perf_counter() - started
        else:
            started = time.perf_counter()
            conn.exec_driver_sql(
                f"INSERT INTO payment ({columns}) SELECT reference || '#', batch_id, line, payer_id, payer_kind, iin, "
                f"period, kind, amount, value_date, NULL FROM payment WHERE batch_id = {batch_id} ORDER BY id"
            )
            seconds = time.perf_counter() - started
        rows = conn.exec_driver_sql(f"SELECT COUNT(*) FROM payment WHERE batch_id = {batch_id}").scalar_one() // 2
        tx.rollback()
    return rows, seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000, help="Rows in the register and already in the ledger")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--db", action="append", choices=["sqlite", "postgresql"])
    parser.add_argument("--no-resend", action="store_true", help="Skip sending the same file a second time")
    args = parser.parse_args()
    dbs = args.db or ["sqlite", "postgresql"]
    workdir = Path(tempfile.mkdtemp(prefix="osms-bench-ingest-"))
    out: dict[str, Any] = {
        "bench": "ingest",
        "rows": args.rows,
        "machine": f"{platform.machine()} {platform.processor() or ''} Python {platform.python_version()}".strip(),
    }
    started = time.perf_counter()
    country = Country(args.rows, args.seed)
    register = workdir / "register.csv"
    mix = write_register(register, country, args.rows)
    out["generate_seconds"] = round(time.perf_counter() - started, 2)
    out["mix"] = mix
    console.print(f"register: {register} ({register.stat().st_size / 1e6:.1f} MB) {mix}")
    table = Table(title=f"payment register of {args.rows:,} rows into a ledger of {args.rows:,}")
    for col in ("database", "step", "rows", "seconds", "rows/s"):
        table.add_column(col, justify="left" if col in ("database", "step") else "right")
    for db in dbs:
        url = fresh_database(db, workdir, PG_URL)
        migrate.upgrade(url)
        engine = make_engine(url)
        t0 = time.perf_counter()
        load_country(engine, country)
        setup = time.perf_counter() - t0
        table.add_row(db, "setup: registry + ledger + summary", f"{args.rows:,}", f"{setup:.2f}", "")
        figures: dict[str, Any] = {"setup_seconds": round(setup, 2)}
        result = ingest_register(engine, register)
        rate = result.rows / result.seconds
        figures["ingest"] = {
            "rows_per_s": round(rate),
            "phases": result.phases,
            **{k: v for k, v in result.as_dict().items() if k not in ("file", "rejects_file", "batch_id")},
        }
        table.add_row(db, "ingest", f"{result.rows:,}", f"{result.seconds:.2f}", f"{rate:,.0f}")
        console.print(f"{db} ingest: {result.as_dict()}\n  phases (s): {result.phases}")
        floor_rows, floor_seconds = ledger_write(engine, result.batch_id)
        floor_rate = floor_rows / floor_seconds
        figures["ledger_write_rows_per_s"] = round(floor_rate)
        table.add_row(
            db, "floor: only writing the credited rows", f"{floor_rows:,}", f"{floor_seconds:.2f}", f"{floor_rate:,.0f}"
        )
        if not args.no_resend:
            again = ingest_register(engine, register)
            figures["resend"] = {
                "rows_per_s": round(again.rows / again.seconds),
                "seconds": round(again.seconds, 2),
                "credited": again.credited,
                "already_credited": again.already_credited,
            }
            table.add_row(
                db, "same file again", f"{again.rows:,}", f"{again.seconds:.2f}", f"{again.rows / again.seconds:,.0f}"
            )
        engine.dispose()
        rows, seconds = baseline(url, register)
        base_rate = rows / seconds
        table.add_row(db, "baseline: raw load of the file", f"{rows:,}", f"{seconds:.2f}", f"{base_rate:,.0f}")
        figures["baseline_rows_per_s"] = round(base_rate)
        figures["ratio_to_baseline"] = round(rate / base_rate, 3)
        table.add_row(db, "ratio ingest / baseline", "", "", f"{rate / base_rate:.3f}")
        figures["ratio_to_ledger_write"] = round(rate / floor_rate, 3)
        table.add_row(db, "ratio ingest / floor", "", "", f"{rate / floor_rate:.3f}")
        out[db] = figures
    console.print(table)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
