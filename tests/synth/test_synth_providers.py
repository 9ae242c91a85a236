"""``osms synth``'s providers register, plan and applications: the issue's columns, deterministic from
the seed, and useful: loaded through the operator's imports, stage 1 (order ҚР ДСМ-242/2020 п.23,
п.32, п.37-1) rejects each case provider for its own reason and admits every ordinary one."""

from __future__ import annotations

import csv
import json
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from osms.core.db import unit_of_work
from osms.providers import procurement
from osms.providers.bank import check_iban
from osms.providers.ingest import import_file as import_register
from osms.registry.service import import_file as import_registry
from osms.synth.clinics import write_clinics
from osms.synth.country import SynthConfig
from osms.synth.generator import generate
from osms.synth.providers import APPLICATIONS_FILE, CASES, COLUMNS, PLAN_FILE, REGISTER_FILES, write_providers

AS_OF = date(2026, 12, 1)
Row = dict[str, str]


def _country(out: Path, people: int = 3000, seed: int = 11) -> Path:
    generate(SynthConfig(people=people, seed=seed, as_of=AS_OF), out)
    write_clinics(out, seed=seed, as_of=AS_OF)
    write_providers(out, seed=seed, as_of=AS_OF)
    return out


@pytest.fixture(scope="module")
def country(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _country(tmp_path_factory.mktemp("providers"))


def _read(path: Path) -> tuple[list[str], list[Row]]:
    with path.open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        rows = list(reader)
        return list(reader.fieldnames or ()), rows


def test_the_files_have_the_issues_columns(country: Path) -> None:
    assert list(COLUMNS) == [*REGISTER_FILES, PLAN_FILE, APPLICATIONS_FILE]
    expected = {
        "providers.csv": "provider_id,bin,name,ownership,region,settlement,kind,status,accredited_until,own_is,"
        "tax_arrears,iban",
        "licences.csv": "provider_id,care_type,licensed_from,licensed_to,experience_from",
        "resources.csv": "provider_id,resource,quantity",
        "founders.csv": "provider_id,iin,decision_rights",
        "fund-employees.csv": "iin,valid_from,valid_to",
        "contract-history.csv": "contract_id,provider_id,valid_from,valid_to,terminated_on,termination",
        PLAN_FILE: "care_type,region,volume,unit,sum",
        APPLICATIONS_FILE: "application_id,provider_id,care_type,region,volume,sum,submitted",
    }
    for name, header in expected.items():
        assert _read(country / name)[0] == header.split(","), name
    manifest = json.loads((country / "manifest.json").read_text(encoding="utf-8"))["providers"]
    assert manifest["procurement"] == {
        "announcement_id": "GP-2027",
        "year": 2027,
        "opens": "2026-12-01",
        "closes": "2026-12-15",
        "admit_on": "2026-12-16",
    }
    assert set(manifest["cases"]) == set(CASES)


def test_every_provider_has_a_valid_iban_of_its_own(country: Path) -> None:
    # the account is <BIN>1 behind a bank code 100..999 from the id's CRC-32, checked mod 97
    _, providers = _read(country / "providers.csv")
    for row in providers:
        iban = row["iban"]
        assert check_iban(iban) == iban and iban[7:] == row["bin"] + "1", row["provider_id"]
        assert 100 <= int(iban[4:7]) <= 999
    assert len({row["iban"] for row in providers}) == len(providers)


def test_clinics_are_the_phc_providers_and_every_kind_is_there(country: Path) -> None:
    _, clinics = _read(country / "clinics.csv")
    _, providers = _read(country / "providers.csv")
    _, resources = _read(country / "resources.csv")
    phc = {p["provider_id"]: p for p in providers if p["kind"] == "phc"}
    assert set(phc) == {c["clinic_id"] for c in clinics}
    capacity = {r["provider_id"]: int(r["quantity"]) for r in resources if r["resource"] == "phc_capacity"}
    for c in clinics:
        assert (phc[c["clinic_id"]]["bin"], phc[c["clinic_id"]]["name"]) == (c["bin"], c["name"])
        assert capacity[c["clinic_id"]] == int(c["capacity"])
    assert {p["kind"] for p in providers} == {"phc", "polyclinic", "hospital", "ambulance", "rural"}
    assert len({p["bin"] for p in providers}) == len(providers)
    assert any(r["resource"].startswith("beds:") for r in resources)


def test_same_seed_same_files(country: Path, tmp_path: Path) -> None:
    again = _country(tmp_path / "again")
    for name in COLUMNS:
        assert (country / name).read_bytes() == (again / name).read_bytes(), name
    other = tmp_path / "other"
    generate(SynthConfig(people=3000, seed=11, as_of=AS_OF), other)
    write_clinics(other, seed=11, as_of=AS_OF)
    write_providers(other, seed=12, as_of=AS_OF)
    assert (other / "founders.csv").read_bytes() != (country / "founders.csv").read_bytes()


def test_stage_1_finds_each_case_and_admits_the_ordinary_providers(country: Path, engine: Engine) -> None:
    for kind in ("payers", "persons", "families"):
        assert import_registry(engine, kind, country / f"{kind}.csv").rejected == 0
    for name in REGISTER_FILES:
        result = import_register(engine, name.removesuffix(".csv"), country / name)
        assert result.rejected == 0, name
    info = json.loads((country / "manifest.json").read_text(encoding="utf-8"))["providers"]
    pid = info["procurement"]["announcement_id"]
    with unit_of_work(engine) as session:
        procurement.announce(
            session,
            pid,
            year=2027,
            opens=date(2026, 12, 1),
            closes=date(2026, 12, 15),
            plan=procurement.read_plan(country / PLAN_FILE),
            rulebook="kz-law",
        )
    assert procurement.apply_file(engine, pid, country / APPLICATIONS_FILE).rejected == 0
    with unit_of_work(engine) as session:
        answers = procurement.admit(session, pid, date(2026, 12, 16))
    cases = {provider: code for code, provider in info["cases"].items()}
    late = [a for a in answers if [r["code"] for r in a["reasons"]] == ["late_application"]]
    assert len(late) == 1 and late[0]["provider_id"] not in cases
    for a in answers:
        codes = [r["code"] for r in a["reasons"]]
        if a["provider_id"] in cases:  # each case provider: rejected for its reason, and only that one
            assert codes == [cases[a["provider_id"]]], a
        elif a is not late[0]:
            assert a["decision"] == "admitted", a
    seen = {r["code"] for a in answers for r in a["reasons"]}
    assert seen == {*CASES, "late_application"}
    preferences = {code for a in answers for code in a["preference"]}
    assert preferences == {"accredited", "experience_3y"}
