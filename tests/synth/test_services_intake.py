"""A synthetic month of service reports through the operator's imports (registry, attachment,
providers register, ``osms contracts import``, ``osms services ingest``): every row accepted, every
planted fault found by its check, and no finding on a clean record but the other record of a
duplicate pair and the overloaded doctor's own visits."""

from __future__ import annotations

import csv
from collections import Counter
from datetime import date
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.engine import Engine

from osms.attachment.campaign import run_campaign
from osms.attachment.ingest import import_clinics, import_districts
from osms.claims.intake import ingest_file
from osms.claims.models import ServiceFinding, ServiceRecord
from osms.core.db import unit_of_work
from osms.providers.contracts_import import import_file as import_contracts
from osms.providers.ingest import import_file as import_register
from osms.registry.service import import_file as import_registry
from osms.rulebooks.loader import load_rulebook
from osms.synth.clinics import CAMPAIGN_FILE, INITIAL_FILE, write_clinics
from osms.synth.country import SynthConfig
from osms.synth.generator import generate
from osms.synth.providers import REGISTER_FILES, write_providers
from osms.synth.services import CONTRACTS_FILE, FAULTS, SERVICES_DIR, TRUTH_FILE, write_services

AS_OF = date(2026, 12, 1)


def _load(engine: Engine, out: Path) -> list[str]:
    for kind in ("payers", "persons", "families", "categories"):
        assert import_registry(engine, kind, out / f"{kind}.csv").rejected == 0, kind
    assert import_clinics(engine, out / "clinics.csv").rejected == 0
    assert import_districts(engine, out / "districts.csv").rejected == 0
    for name in (INITIAL_FILE, CAMPAIGN_FILE):
        run_campaign(engine, out / name, results=out / f"{name}.results.csv")
    for name in REGISTER_FILES:
        assert import_register(engine, name.removesuffix(".csv"), out / name).rejected == 0, name
    made = import_contracts(engine, load_rulebook("kz-law"), out / SERVICES_DIR / CONTRACTS_FILE, created_by="test")
    assert made.rejected == 0
    rejected: list[str] = []
    for path in sorted((out / SERVICES_DIR).glob("services-*.csv")):
        result = ingest_file(engine, path, created_by="test", today=AS_OF)
        rejected += [f"{path.name}: {code} {n}" for code, n in result.rejected_by_reason.items()]
    return rejected


def test_a_synthetic_month_through_the_intake_finds_every_planted_fault(engine: Engine, tmp_path: Path) -> None:
    out = tmp_path / "country"
    generate(SynthConfig(people=2500, seed=5, as_of=AS_OF), out)
    write_clinics(out, seed=5, as_of=AS_OF)
    write_providers(out, seed=5, as_of=AS_OF)
    write_services(out, seed=5, as_of=AS_OF, months=1)
    assert _load(engine, out) == []
    with (out / SERVICES_DIR / TRUTH_FILE).open(encoding="utf-8", newline="") as fh:
        truth = {(r["provider_id"], r["record_id"]): r for r in csv.DictReader(fh)}
    with unit_of_work(engine) as session:
        found: dict[tuple[str, str], set[str]] = {}
        pairs: set[tuple[str, str, str, date]] = set()
        for pid, rid, iin, service, day, code in session.execute(
            select(
                ServiceRecord.provider_id,
                ServiceRecord.record_id,
                ServiceRecord.iin,
                ServiceRecord.service_code,
                ServiceRecord.date_from,
                ServiceFinding.code,
            ).join(ServiceFinding, ServiceFinding.record_ref == ServiceRecord.id)
        ):
            found.setdefault((pid, rid), set()).add(code)
            if code == "duplicate":
                pairs.add((pid, iin, service or "", day))
    planted = Counter(r["fault"] for r in truth.values())
    assert set(planted) == set(FAULTS)
    for key, row in truth.items():
        finding = FAULTS[row["fault"]][0]
        if row["fault"] == "duplicate":
            assert (key[0], row["iin"], row["code"], date.fromisoformat(row["date_from"])) in pairs, row
        elif finding:
            assert finding in found.get(key, set()), row
        else:  # a phantom visit passes every check
            assert key not in found, row
    clean = Counter(code for key, codes in found.items() if key not in truth for code in codes)
    assert set(clean) <= {"duplicate", "doctor_overload"}, clean
    assert clean["duplicate"] <= planted["duplicate"]
