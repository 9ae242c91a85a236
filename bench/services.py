"""Benchmark: the intake of an N-row daily service report into a register already holding N records.

For each database: a fresh migrated database (PostgreSQL: ``osms_bench_services``, dropped and
created), a synthetic country (N/5 persons with valid IINs, 1% of them dead since 15 February 2026,
2% attached nowhere; N/2,000 PHC clinics with contracts for PHC and, for most, consultative care;
N/10,000 hospitals, a few ambulance stations; attachments), N service records already in the
register (January and February 2026, loaded raw), then an N-row report of March 2026 (PHC visits by
the person's clinic, specialist visits on a referral, hospital stays, ambulance calls, about 2% bad
rows) taken through the real intake (``osms.claims.intake.ingest_file``) with every check. Then, in
the same run, the floor: the accepted rows written again into ``service_record`` with all its
indexes and no checks (a copy under new record ids, ``COPY``, rolled back). Prints a table, then one
JSON line last with rows/s and the ratio of the intake to the floor.

    uv run python bench/services.py --rows 1000000 [--db postgresql --db sqlite]
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

from common import fresh_database
from rich.console import Console
from rich.table import Table
from sqlalchemy.engine import Engine

from osms.claims.intake import ingest_file
from osms.core import migrate
from osms.core.db import make_engine
from osms.core.identity import make_iin

PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/osms_bench_services"
HEADER = (
    "record_id,provider_id,iin,care_form,care_type,service_code,case_group,icd10,procedures,date_from,date_to,"
    "outcome,referral,emergency,quantity,doctor_iin"
)
TODAY = date(2026, 3, 31)
PHC_CODES = ("A01.003.000", "A01.005.000", "SYN.LAB.BLOOD", "SYN.DIAG.ECG")
CONSULT_CODES = ("SYN.CONS.CARDIO", "SYN.CONS.NEURO", "SYN.CONS.OPHT", "SYN.DIAG.US")
GROUPS = ("SYN.SU01", "SYN.SU02", "SYN.CA01", "SYN.NE01")
ICD = ("J06.9", "I10", "E11.9", "K29.7", "M54.5", "J20.9", "N39.0", "I20.8")
console = Console(stderr=True)


class Country:
    """Persons, providers, doctors and the register already there, derived from indices."""

    def __init__(self, rows: int, seed: int) -> None:
        self.rng = random.Random(seed)
        n_persons = max(200, rows // 5)
        self.persons: list[tuple[str, date, str]] = []
        i = 0
        while len(self.persons) < n_persons:
            birth = date(1940, 1, 1) + timedelta(days=(i * 7) % 30_000)
            sex = "MF"[i % 2]
            number = make_iin(birth, sex, (i // 30_000) % 9_000 + 1)  # type: ignore[arg-type]
            if number:
                self.persons.append((number, birth, sex))
            i += 1
        self.clinics = [f"PHC{k:04d}" for k in range(max(5, rows // 2_000))]
        self.hospitals = [f"HOS{k:03d}" for k in range(max(2, rows // 10_000))]
        self.stations = [f"AMB{k:02d}" for k in range(max(1, rows // 100_000))]
        self.doctors: dict[str, list[str]] = {}
        serial = 0
        for provider in self.clinics + self.hospitals + self.stations:
            docs: list[str] = []
            while len(docs) < 12:
                serial += 1
                number = make_iin(date(1970, 1, 1) + timedelta(days=serial % 7_000), "F", serial // 7_000 + 1)
                if number:
                    docs.append(number)
            self.doctors[provider] = docs

    def clinic_of(self, person: int) -> str:
        return self.clinics[person % len(self.clinics)]

    def record(self, j: int, day: date, prefix: str) -> str:
        """The j-th record: mostly PHC visits, then specialists, stays, calls (a CSV line)."""
        rng = self.rng
        person = rng.randrange(len(self.persons))
        number = self.persons[person][0]
        r = rng.random()
        d = day.isoformat()
        icd = ICD[j % len(ICD)]
        if r < 0.72:
            clinic = self.clinic_of(person)
            doctor = self.doctors[clinic][j % 12]
            code = PHC_CODES[j % len(PHC_CODES)]
            return f"{prefix}{j},{clinic},{number},phc,phc,{code},,{icd},,{d},{d},completed,false,false,1,{doctor}\n"
        if r < 0.87:
            clinic = self.clinic_of(person)
            doctor = self.doctors[clinic][j % 12]
            code = CONSULT_CODES[j % len(CONSULT_CODES)]
            return (
                f"{prefix}{j},{clinic},{number},outpatient,consult_diag,{code},,{icd},,{d},{d},completed,true,false,1,"
                f"{doctor}\n"
            )
        if r < 0.95:
            hospital = self.hospitals[person % len(self.hospitals)]
            end = (day + timedelta(days=rng.randrange(1, 8))).isoformat()
            group = GROUPS[j % len(GROUPS)]
            emergency = "true" if r < 0.92 else "false"
            care = "inpatient_emergency" if emergency == "true" else "inpatient_planned"
            return (
                f"{prefix}{j},{hospital},{number},inpatient,{care},,{group},K35.8,47.0,{d},{end},discharged,"
                f"{'false' if emergency == 'true' else 'true'},{emergency},1,{self.doctors[hospital][j % 12]}\n"
            )
        station = self.stations[person % len(self.stations)]
        return (
            f"{prefix}{j},{station},{number},ambulance,ambulance,SYN.AMB.CALL,,R07.4,,{d},{d},completed,false,true,1,\n"
        )


def load_country(engine: Engine, country: Country, rows: int) -> None:
    """Persons, providers, contracts, attachments, and N records in the register, loaded raw."""
    pg = engine.dialect.name == "postgresql"
    rng = random.Random(7)
    dead = {k for k in range(0, len(country.persons), 100)}
    with engine.begin() as conn:
        batch = conn.exec_driver_sql(
            "INSERT INTO import_batch (kind, file_name, sha256, started_at, rows, accepted, rejected) "
            "VALUES ('bench', 'register', '0', CURRENT_TIMESTAMP, 0, 0, 0) RETURNING id"
        ).scalar_one()
        persons = [
            (n, "Тестов", "P", b.isoformat(), s, "citizen", "2026-02-15" if k in dead else None)
            for k, (n, b, s) in enumerate(country.persons)
        ]
        providers = (
            [(p, "phc") for p in country.clinics]
            + [(p, "hospital") for p in country.hospitals]
            + [(p, "ambulance") for p in country.stations]
        )
        contracts: list[tuple[str, str]] = []
        for k, p in enumerate(country.clinics):
            contracts.append((p, "phc"))
            if k % 10:  # every tenth clinic has no contract for consultative care
                contracts.append((p, "consult_diag"))
        contracts += [(p, c) for p in country.hospitals for c in ("inpatient_emergency", "inpatient_planned")]
        contracts += [(p, "ambulance") for p in country.stations]
        attachments = [
            (n, country.clinic_of(k), "2020-01-01") for k, (n, _, _) in enumerate(country.persons) if k % 50 != 7
        ]
        months = ("2026-01-01", "2026-02-01", "2026-03-01", "2026-04-01")
        register: list[str] = []
        for j in range(rows):
            day = date(2026, 1, 5) + timedelta(days=j % 55)
            line = country.record(j, day, "OLD")
            f = line.rstrip("\n").split(",")
            month = f"{f[10][:7]}-01"
            register.append(
                "\t".join(
                    [
                        f[1],
                        f[0],
                        f[2],
                        f[3],
                        f[4],
                        f[5] or "\\N",
                        f[6] or "\\N",
                        f[7],
                        f[8] or "\\N",
                        f[9],
                        f[10],
                        f[11],
                        f[12],
                        f[13],
                        f[14],
                        f[15] or "\\N",
                        month,
                        "1",
                        "0" * 32,
                        str(batch),
                        "2026-03-01 00:00:00+00",
                    ]  # fmt: skip
                )
                + "\n"
            )
        record_cols = (
            "provider_id, record_id, iin, care_form, care_type, service_code, case_group, icd10, procedures, "
            "date_from, date_to, outcome, referral, emergency, quantity, doctor_iin, month, version, digest, "
            "batch_id, received_at"
        )
        if pg:
            cur = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
            with cur.copy(
                "COPY person (iin, last_name, first_name, birth_date, sex, residency, death_date) FROM STDIN"
            ) as cp:
                for row in persons:
                    cp.write_row(row)
            with cur.copy(
                "COPY provider (provider_id, bin, name, region, kind, status, own_is, tax_arrears) FROM STDIN"
            ) as cp:
                for k, (p, kind) in enumerate(providers):
                    cp.write_row((p, f"{k:012d}", f"Provider {p}", "KZ-ALA", kind, "active", False, 0))
            with cur.copy("COPY provider_resource (provider_id, resource, quantity) FROM STDIN") as cp:
                for p in country.clinics:
                    cp.write_row((p, "phc_capacity", 1_000_000))
            with cur.copy(
                "COPY contract (contract_id, provider_id, fund_party, valid_from, valid_to, signed_on, ground, "
                "advance_percent, place_of_service, created_by) FROM STDIN"
            ) as cp:
                for p in dict.fromkeys(p for p, _ in contracts):
                    cp.write_row((f"C-{p}", p, "fund", "2026-01-01", "2026-12-31", "2025-12-20", "p19_reserve", 0,
                                  "Almaty", "bench"))  # fmt: skip
            with cur.copy("COPY contract_month (contract_id, care_type, month, volume, sum) FROM STDIN") as cp:
                for p, care in contracts:
                    for m in months:
                        cp.write_row((f"C-{p}", care, m, 1000, 1_000_000))
            with cur.copy("COPY attachment (iin, clinic_id, valid_from, home_visits, kind) FROM STDIN") as cp:
                for n, clinic, since in attachments:
                    cp.write_row((n, clinic, since, False, "first"))
            with cur.copy(f"COPY service_record ({record_cols}) FROM STDIN") as cp:
                for k in range(0, len(register), 50_000):
                    cp.write("".join(register[k : k + 50_000]))
        else:
            conn.exec_driver_sql(
                "INSERT INTO person (iin, last_name, first_name, birth_date, sex, residency, death_date) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                persons,
            )
            conn.exec_driver_sql(
                "INSERT INTO provider (provider_id, bin, name, region, kind, status, own_is, tax_arrears) "
                "VALUES (?, ?, ?, 'KZ-ALA', ?, 'active', 0, 0)",
                [(p, f"{k:012d}", f"Provider {p}", kind) for k, (p, kind) in enumerate(providers)],
            )
            conn.exec_driver_sql(
                "INSERT INTO contract (contract_id, provider_id, fund_party, valid_from, valid_to, signed_on, ground, "
                "advance_percent, place_of_service, created_by) VALUES (?, ?, 'fund', '2026-01-01', '2026-12-31', "
                "'2025-12-20', 'p19_reserve', 0, 'Almaty', 'bench')",
                [(f"C-{p}", p) for p in dict.fromkeys(p for p, _ in contracts)],
            )
            conn.exec_driver_sql(
                "INSERT INTO contract_month (contract_id, care_type, month, volume, sum) "
                "VALUES (?, ?, ?, 1000, 1000000)",
                [(f"C-{p}", care, m) for p, care in contracts for m in months],
            )
            conn.exec_driver_sql(
                "INSERT INTO attachment (iin, clinic_id, valid_from, home_visits, kind) VALUES (?, ?, ?, 0, 'first')",
                attachments,
            )
            marks = ", ".join("?" for _ in record_cols.split(", "))
            conn.exec_driver_sql(
                f"INSERT INTO service_record ({record_cols}) VALUES ({marks})",
                [tuple(None if v == "\\N" else v for v in line.rstrip("\n").split("\t")) for line in register],
            )
        del rng
    if pg:
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM ANALYZE")


def write_report(path: Path, country: Country, rows: int) -> dict[str, int]:
    """An N-row report of March 2026 (1-20 March), with about 2% bad rows."""
    rng = country.rng
    mix: dict[str, int] = {}
    buf: list[str] = []
    with path.open("w", encoding="utf-8", newline="") as fh:
        fh.write(HEADER + "\n")
        for j in range(rows):
            day = date(2026, 3, 1) + timedelta(days=j % 20)
            line = country.record(j, day, "NEW")
            r = rng.random()
            sort = line.split(",")[3]
            if r < 0.005:
                f = line.split(",")
                f[2] = f[2][:11] + str((int(f[2][11]) + 1) % 10)
                line, sort = ",".join(f), "bad: check digit"
            elif r < 0.01:
                line, sort = line.replace(",2026-03-", ",2026-04-"), "bad: future"
            elif r < 0.015:
                f = line.split(",")
                f[5] = "X.UNKNOWN" if f[5] else ""
                f[6] = "" if f[5] else "X.UNKNOWN"
                line, sort = ",".join(f), "bad: unknown code"
            elif r < 0.02:
                line, sort = f"NEW{max(0, j - 3)}" + line[line.index(",") :], "bad: repeated record id"
            mix[sort] = mix.get(sort, 0) + 1
            buf.append(line)
            if len(buf) >= 50_000:
                fh.write("".join(buf))
                buf.clear()
        fh.write("".join(buf))
    return mix


def register_write(engine: Engine, batch_id: int) -> tuple[int, float]:
    """The floor: the batch's records written again into ``service_record`` with its indexes and
    no checks (new record ids, rolled back)."""
    columns = (
        "provider_id, record_id, iin, care_form, care_type, service_code, case_group, icd10, procedures, "
        "date_from, date_to, outcome, referral, emergency, quantity, doctor_iin, month, version, digest, "
        "batch_id, received_at"
    )
    select_cols = columns.replace("record_id", "record_id || '#'")
    with engine.connect() as conn:
        tx = conn.begin()
        if engine.dialect.name == "postgresql":
            dbapi = conn.connection.driver_connection
            with dbapi.cursor() as cur:  # type: ignore[union-attr]
                data = bytearray()
                with cur.copy(
                    f"COPY (SELECT {select_cols} FROM service_record WHERE batch_id = {batch_id} ORDER BY id) TO STDOUT"
                ) as cp:
                    for block in cp:
                        data += block
                started = time.perf_counter()
                with cur.copy(f"COPY service_record ({columns}) FROM STDIN") as cp:
                    for k in range(0, len(data), 1 << 20):
                        cp.write(data[k : k + (1 << 20)])
            seconds = time.perf_counter() - started
        else:
            started = time.perf_counter()
            conn.exec_driver_sql(
                f"INSERT INTO service_record ({columns}) SELECT {select_cols} FROM service_record "
                f"WHERE batch_id = {batch_id} ORDER BY id"
            )
            seconds = time.perf_counter() - started
        rows = conn.exec_driver_sql(f"SELECT COUNT(*) FROM service_record WHERE batch_id = {batch_id}").scalar_one()
        tx.rollback()
    return rows // 2, seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000, help="Rows in the report and already in the register")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--db", action="append", choices=["sqlite", "postgresql"])
    parser.add_argument("--no-resend", action="store_true", help="Skip sending the same file a second time")
    args = parser.parse_args()
    dbs = args.db or ["postgresql"]
    workdir = Path(tempfile.mkdtemp(prefix="osms-bench-services-"))
    out: dict[str, Any] = {
        "bench": "services",
        "rows": args.rows,
        "machine": f"{platform.machine()} {platform.processor() or ''} Python {platform.python_version()}".strip(),
    }
    started = time.perf_counter()
    country = Country(args.rows, args.seed)
    report = workdir / "report.csv"
    mix = write_report(report, country, args.rows)
    out["generate_seconds"] = round(time.perf_counter() - started, 2)
    out["mix"] = mix
    console.print(f"report: {report} ({report.stat().st_size / 1e6:.1f} MB) {mix}")
    table = Table(title=f"service report of {args.rows:,} rows into a register of {args.rows:,}")
    for col in ("database", "step", "rows", "seconds", "rows/s"):
        table.add_column(col, justify="left" if col in ("database", "step") else "right")
    for db in dbs:
        url = fresh_database(db, workdir, PG_URL)
        migrate.upgrade(url)
        engine = make_engine(url)
        country.rng.seed(args.seed + 1)
        t0 = time.perf_counter()
        load_country(engine, country, args.rows)
        setup = time.perf_counter() - t0
        table.add_row(db, "setup: persons, providers, register", f"{args.rows:,}", f"{setup:.2f}", "")
        figures: dict[str, Any] = {"setup_seconds": round(setup, 2)}
        result = ingest_file(engine, report, today=TODAY, rulebook="kz-law")
        rate = result.rows / result.seconds
        figures["intake"] = {"rows_per_s": round(rate), "phases": result.phases, **result.as_dict()}
        table.add_row(db, "intake with every check", f"{result.rows:,}", f"{result.seconds:.2f}", f"{rate:,.0f}")
        console.print(f"{db} intake: {result.as_dict()}\n  phases (s): {result.phases}")
        floor_rows, floor_seconds = register_write(engine, result.batch_id)
        floor_rate = floor_rows / floor_seconds
        figures["floor_rows_per_s"] = round(floor_rate)
        table.add_row(
            db, "floor: only writing the records", f"{floor_rows:,}", f"{floor_seconds:.2f}", f"{floor_rate:,.0f}"
        )
        figures["ratio_to_floor"] = round(rate / floor_rate, 3)
        table.add_row(db, "ratio intake / floor", "", "", f"{rate / floor_rate:.3f}")
        if not args.no_resend:
            again = ingest_file(engine, report, today=TODAY, rulebook="kz-law")
            figures["resend"] = {
                "rows_per_s": round(again.rows / again.seconds),
                "seconds": round(again.seconds, 2),
                "unchanged": again.unchanged,
                "accepted": again.accepted,
            }
            table.add_row(
                db, "same file again", f"{again.rows:,}", f"{again.seconds:.2f}", f"{again.rows / again.seconds:,.0f}"
            )
        engine.dispose()
        out[db] = figures
    console.print(table)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
