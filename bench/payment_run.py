"""Benchmark: the monthly payment run for every contract over N attached people and M accepted services.

A fresh migrated PostgreSQL database (``osms_bench_payment_run``, dropped and created), loaded raw
with ``COPY`` (set-based, no intake): N persons with valid IINs attached to N/2,000 PHC clinics of
one region, each clinic with a PHC contract and a consultative-care contract; M/10,000 hospitals
with emergency and planned inpatient contracts; M accepted service records of February 2026 (80%
specialist visits and diagnostics at the clinics, 20% hospital stays of the synthetic case groups,
a few with a shortened stay or a death). Then the real run (``osms.payments.run.run_month`` for
every contract, what ``osms payments run --month 2026-02`` calls, committed), and in the same run
the floor: one bare SQL aggregation of the same rows (attached people by provider, age band and
sex; services by contract and tariff code), no rules, nothing written. Prints a table, then one
JSON line last with the seconds and the ratio floor / run.

    uv run python bench/payment_run.py --people 1000000 --services 1000000
"""

from __future__ import annotations

import argparse
import json
import platform
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from common import fresh_database
from rich.console import Console
from rich.table import Table
from sqlalchemy.engine import Engine

from osms.core import migrate
from osms.core.db import make_engine, unit_of_work
from osms.core.identity import make_iin
from osms.payments.run import run_month
from osms.payments.tariff import open_rulebook

PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/osms_bench_payment_run"
MONTH = date(2026, 2, 1)
TODAY = date(2026, 3, 31)
CONSULT_CODES = ("SYN.CONS.CARDIO", "SYN.CONS.NEURO", "SYN.CONS.OPHT", "SYN.DIAG.US", "SYN.DIAG.ECG")
GROUPS = ("SYN.SU01", "SYN.SU02", "SYN.CA01", "SYN.NE01")
console = Console(stderr=True)


def persons(n: int) -> list[tuple[str, date, str]]:
    out: list[tuple[str, date, str]] = []
    i = 0
    while len(out) < n:
        birth = date(1940, 1, 1) + timedelta(days=(i * 7) % 30_000)
        sex = "MF"[i % 2]
        number = make_iin(birth, sex, (i // 30_000) % 9_000 + 1)  # type: ignore[arg-type]
        if number:
            out.append((number, birth, sex))
        i += 1
    return out


def load(engine: Engine, people: int, services: int, insured: float = 0.0, paid_months: int = 0) -> dict[str, int]:
    """Persons, providers, contracts, attachments and the month's service records, by ``COPY``;
    with ``insured`` > 0, that share of the people has ``paid_months`` months of employer
    deductions (coverage-summary rows, ``person_month``) up to the month before the run's, from
    one of 5,000 employers, each month paid on the 20th of the next."""
    folk = persons(people)
    clinics = [f"PHC{k:04d}" for k in range(max(2, people // 2_000))]
    hospitals = [f"HOS{k:03d}" for k in range(max(2, services // 10_000))]
    contracts: list[tuple[str, str, str]] = []  # contract_id, provider, care type
    for p in clinics:
        contracts += [(f"C-{p}", p, "phc"), (f"C-{p}", p, "consult_diag")]
    for p in hospitals:
        contracts += [(f"C-{p}", p, "inpatient_emergency"), (f"C-{p}", p, "inpatient_planned")]
    cols = (
        "provider_id, record_id, iin, care_form, care_type, service_code, case_group, icd10, procedures, "
        "date_from, date_to, outcome, referral, emergency, quantity, doctor_iin, month, version, digest, "
        "batch_id, received_at"
    )
    with engine.begin() as conn:
        batch = conn.exec_driver_sql(
            "INSERT INTO import_batch (kind, file_name, sha256, started_at, rows, accepted, rejected) "
            "VALUES ('bench', 'register', '0', CURRENT_TIMESTAMP, 0, 0, 0) RETURNING id"
        ).scalar_one()
        cur = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
        with cur.copy("COPY person (iin, last_name, first_name, birth_date, sex, residency) FROM STDIN") as cp:
            for n, b, s in folk:
                cp.write_row((n, "Тестов", "P", b, s, "citizen"))
        with cur.copy(
            "COPY provider (provider_id, bin, name, region, kind, status, own_is, tax_arrears) FROM STDIN"
        ) as cp:
            for k, p in enumerate(clinics + hospitals):
                kind = "phc" if p.startswith("PHC") else "hospital"
                cp.write_row((p, f"{k:012d}", f"Provider {p}", "KZ-ALA", kind, "active", False, 0))
        with cur.copy("COPY provider_resource (provider_id, resource, quantity) FROM STDIN") as cp:
            for p in clinics:
                cp.write_row((p, "phc_capacity", 10_000_000))
        with cur.copy(
            "COPY contract (contract_id, provider_id, fund_party, valid_from, valid_to, signed_on, ground, "
            "advance_percent, place_of_service, created_by) FROM STDIN"
        ) as cp:
            for cid, p in dict.fromkeys((c, p) for c, p, _ in contracts):
                cp.write_row(
                    (cid, p, "fund", "2026-01-01", "2026-12-31", "2025-12-20", "p19_reserve", 0, "Almaty", "bench")
                )
        with cur.copy("COPY contract_month (contract_id, care_type, month, volume, sum) FROM STDIN") as cp:
            for cid, _, care in contracts:
                for m in range(1, 13):
                    cp.write_row((cid, care, date(2026, m, 1), 1_000_000, 10_000_000_000))
        with cur.copy("COPY attachment (iin, clinic_id, valid_from, home_visits, kind) FROM STDIN") as cp:
            for k, (n, _, _) in enumerate(folk):
                cp.write_row((n, clinics[k % len(clinics)], "2020-01-01", False, "first"))
        if insured > 0 and paid_months > 0:
            last = MONTH.year * 12 + MONTH.month - 2  # the month before the run's, as an index
            share = round(insured * 100)
            with cur.copy(
                "COPY person_month (iin, period, amount, payments, kinds, payer_id, first_value_date) FROM STDIN"
            ) as cp:
                for k, (n, _, _) in enumerate(folk):
                    if k % 100 >= share:
                        continue
                    payer = f"{k % 5_000:012d}"
                    for index in range(last - paid_months + 1, last + 1):
                        paid = date(index // 12, index % 12 + 1, 20) + timedelta(days=31)
                        cp.write_row((n, index, "5000.00", 1, 1, payer, paid.replace(day=20)))
        with cur.copy(f"COPY service_record ({cols}) FROM STDIN") as cp:
            buf: list[str] = []
            for j in range(services):
                k = (j * 7919) % len(folk)
                number = folk[k][0]
                day = MONTH + timedelta(days=j % 20)
                d = day.isoformat()
                if j % 5:
                    clinic = clinics[k % len(clinics)]
                    code = CONSULT_CODES[j % len(CONSULT_CODES)]
                    row = [clinic, f"R{j}", number, "outpatient", "consult_diag", code, "\\N", "I10", "\\N", d, d,
                           "completed", "true", "false", "1"]  # fmt: skip
                else:
                    hospital = hospitals[k % len(hospitals)]
                    stay = 1 if j % 45 == 0 else 3 + j % 5
                    end = (day + timedelta(days=stay)).isoformat()
                    outcome = "died" if j % 95 == 0 else "discharged"
                    emergency = j % 2 == 0
                    row = [hospital, f"R{j}", number, "inpatient",
                           "inpatient_emergency" if emergency else "inpatient_planned", "\\N", GROUPS[j % len(GROUPS)],
                           "K35.8", "47.0", d, end, outcome, "false" if emergency else "true",
                           "true" if emergency else "false", "1"]  # fmt: skip
                row += ["\\N", MONTH.isoformat(), "1", "0" * 32, str(batch), "2026-03-01 00:00:00+00"]
                buf.append("\t".join(row) + "\n")
                if len(buf) >= 50_000:
                    cp.write("".join(buf))
                    buf.clear()
            cp.write("".join(buf))
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql("VACUUM ANALYZE")
    return {"clinics": len(clinics), "hospitals": len(hospitals), "contracts": len({c for c, _, _ in contracts})}


FLOOR = """
WITH pop AS (
  SELECT a.clinic_id AS key1,
         CASE WHEN age < 1 THEN '0' WHEN age < 5 THEN '1-4' WHEN age < 10 THEN '5-9' WHEN age < 15 THEN '10-14'
              WHEN age < 20 THEN '15-19' WHEN age < 30 THEN '20-29' WHEN age < 40 THEN '30-39'
              WHEN age < 50 THEN '40-49' WHEN age < 60 THEN '50-59' WHEN age < 70 THEN '60-69' ELSE '70+' END AS key2,
         p.sex AS key3
  FROM attachment a
  JOIN person p ON p.iin = a.iin
  CROSS JOIN LATERAL (SELECT date_part('year', age(DATE '2026-02-01', p.birth_date)) AS age) g
  WHERE a.valid_from <= DATE '2026-02-01' AND (a.valid_to IS NULL OR a.valid_to > DATE '2026-02-01')
)
SELECT 'people', key1, key2, key3, COUNT(*), NULL FROM pop GROUP BY key1, key2, key3
UNION ALL
SELECT 'services', cm.contract_id, r.care_type, COALESCE(r.service_code, r.case_group), COUNT(*), SUM(r.quantity)
FROM service_record r
JOIN contract c ON c.provider_id = r.provider_id
JOIN contract_month cm ON cm.contract_id = c.contract_id AND cm.care_type = r.care_type AND cm.month = r.month
WHERE r.month = DATE '2026-02-01'
GROUP BY cm.contract_id, r.care_type, COALESCE(r.service_code, r.case_group)
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--people", type=int, default=100_000, help="Attached people")
    parser.add_argument("--services", type=int, default=100_000, help="Accepted service records of the month")
    parser.add_argument("--rulebook", default="kz-law")
    parser.add_argument(
        "--insured", type=float, default=0.0, help="Share of the people with employer deductions (e.g. 0.8)"
    )
    parser.add_argument("--paid-months", type=int, default=24, help="Months each of them paid, to the month before")
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="osms-bench-payrun-"))
    out: dict[str, Any] = {
        "bench": "payment_run",
        "people": args.people,
        "services": args.services,
        "insured": args.insured,
        "paid_months": args.paid_months if args.insured > 0 else 0,
        "machine": f"{platform.machine()} {platform.processor() or ''} Python {platform.python_version()}".strip(),
    }
    url = fresh_database("postgresql", workdir, PG_URL)
    migrate.upgrade(url)
    engine = make_engine(url)
    t0 = time.perf_counter()
    shape = load(engine, args.people, args.services, args.insured, args.paid_months if args.insured > 0 else 0)
    out["setup_seconds"] = round(time.perf_counter() - t0, 2)
    out.update(shape)
    book = open_rulebook(args.rulebook)
    t0 = time.perf_counter()
    with unit_of_work(engine) as session:
        runs = run_month(session, book, MONTH, today=TODAY)
    run_seconds = time.perf_counter() - t0
    payable = sum(r.payable for r in runs)
    with engine.connect() as conn:
        t0 = time.perf_counter()
        floor_rows = len(conn.exec_driver_sql(FLOOR).fetchall())
        floor_seconds = time.perf_counter() - t0
    ratio = floor_seconds / run_seconds
    out.update(
        {
            "contracts_run": len(runs),
            "payable": str(payable),
            "run_seconds": round(run_seconds, 2),
            "floor_seconds": round(floor_seconds, 2),
            "floor_rows": floor_rows,
            "ratio_floor_to_run": round(ratio, 3),
        }
    )
    table = Table(title=f"payment run of {MONTH:%Y-%m}: {args.people:,} people, {args.services:,} services")
    for col in ("step", "seconds"):
        table.add_column(col, justify="left" if col == "step" else "right")
    table.add_row("setup (COPY, VACUUM ANALYZE)", f"{out['setup_seconds']:.2f}")
    table.add_row(f"run_month, {len(runs):,} contracts, {payable:,.2f} payable", f"{run_seconds:.2f}")
    table.add_row(f"floor: one SQL aggregation ({floor_rows:,} groups)", f"{floor_seconds:.2f}")
    table.add_row("ratio floor / run", f"{ratio:.3f}")
    console.print(table)
    engine.dispose()
    print(json.dumps(out))


if __name__ == "__main__":
    main()
