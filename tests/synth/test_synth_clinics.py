"""Clinics, districts and attachment applications of the synthetic country (osms.synth.clinics)."""

from __future__ import annotations

import csv
import json
import shutil
from collections import Counter, defaultdict
from datetime import date, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from typer.testing import CliRunner

from osms.attachment import rules as attachment_rules
from osms.attachment.campaign import run_campaign
from osms.attachment.ingest import import_clinics, import_districts
from osms.attachment.models import Attachment
from osms.attachment.rulebook import AttachmentTopic
from osms.cli import app
from osms.core.db import unit_of_work
from osms.core.identity import check_bin
from osms.registry.service import import_file
from osms.rulebooks.loader import load_rulebook
from osms.synth import clinics as synth_clinics
from osms.synth.clinics import (
    APPLICATION_COLUMNS,
    CAMPAIGN_FILE,
    COLUMNS,
    INITIAL_FILE,
    NORMS,
    campaign_window,
    write_clinics,
)
from osms.synth.country import SynthConfig
from osms.synth.data import REGION_CODES
from osms.synth.generator import generate
from osms.synth.rules import add_years

runner = CliRunner()
PEOPLE, SEED, AS_OF = 3000, 11, date(2026, 1, 1)
Row = dict[str, str]


@pytest.fixture(scope="module")
def country(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("country")
    generate(SynthConfig(people=PEOPLE, seed=SEED, as_of=AS_OF), out)
    write_clinics(out, seed=SEED, as_of=AS_OF)
    return out


def _read(path: Path) -> list[Row]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def _age_minor(birth: str, on: str) -> bool:
    b, d = date.fromisoformat(birth), date.fromisoformat(on)
    return d.year - b.year - ((d.month, d.day) < (b.month, b.day)) < 18


class Files:
    def __init__(self, out: Path) -> None:
        self.out = out
        self.persons = {r["iin"]: r for r in _read(out / "persons.csv")}
        self.living = {iin: r for iin, r in self.persons.items() if not r["death_date"]}
        self.keepers: dict[str, set[str]] = defaultdict(set)
        for r in _read(out / "families.csv"):
            if r["relation"] in ("parent", "guardian"):
                self.keepers[r["iin"]].add(r["relative_iin"])
        self.clinics = {r["clinic_id"]: r for r in _read(out / "clinics.csv")}
        self.districts = {r["district_id"]: r for r in _read(out / "districts.csv")}
        self.initial = _read(out / INITIAL_FILE)
        self.campaign = _read(out / CAMPAIGN_FILE)
        self.manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def files(country: Path) -> Files:
    return Files(country)


def _check_invariants(f: Files, as_of: date) -> None:
    """What holds for any seed and size: partition, references, one first application each."""
    # Every region has at least two clinics; the service areas partition the region's address codes.
    by_region: dict[str, list[Row]] = defaultdict(list)
    for c in f.clinics.values():
        by_region[c["region"]].append(c)
    assert sorted(by_region) == sorted(REGION_CODES)
    assert all(len(cs) >= 2 for cs in by_region.values())
    codes: dict[str, set[str]] = defaultdict(set)
    for p in f.persons.values():
        codes[p["region"]].add(p["address_code"])
    for region, cs in by_region.items():
        areas = [c["service_area"].split(";") if c["service_area"] else [] for c in cs]
        flat = [a for area in areas for a in area]
        assert len(flat) == len(set(flat)), f"{region}: an address code is served twice"
        assert set(flat) == codes[region], f"{region}: the areas do not cover the region's codes"
    # Districts: of an existing clinic, unique ids, each clinic with adult and child doctors.
    specialties: dict[str, set[str]] = defaultdict(set)
    for d in f.districts.values():
        assert d["clinic_id"] in f.clinics
        assert d["district_id"].startswith(d["clinic_id"] + "-")
        specialties[d["clinic_id"]].add(d["specialty"])
        assert int(d["norm"]) >= 0
    for clinic_id in f.clinics:
        assert "pediatrician" in specialties[clinic_id]
        assert specialties[clinic_id] & {"therapist", "gp"}
    # One first application per living person, at the clinic serving their address.
    serving = {code: c["clinic_id"] for c in f.clinics.values() for code in c["service_area"].split(";") if code}
    assert sorted(r["iin"] for r in f.initial) == sorted(f.living)
    start = date.fromisoformat(f.manifest["clinics"]["campaign"]["start"])
    for r in f.initial:
        person = f.living[r["iin"]]
        assert r["reason"] == "first"
        assert r["clinic_id"] == serving[person["address_code"]]
        assert f.districts[r["district_id"]]["clinic_id"] == r["clinic_id"]
        assert person["birth_date"] <= r["date"] < as_of.isoformat()
        if r["date"] >= start.isoformat():  # late: a newborn, or someone of age applying at 18
            born = date.fromisoformat(person["birth_date"])
            came_of_age = date.fromordinal(add_years(born.toordinal(), 18))  # 29 February: 1 March
            assert r["date"] <= (born + timedelta(days=15)).isoformat() or (
                came_of_age.isoformat() <= r["date"] <= (came_of_age + timedelta(days=14)).isoformat()
            )
        if _age_minor(person["birth_date"], r["date"]):
            assert f.districts[r["district_id"]]["specialty"] == "pediatrician"
            assert not r["applicant_iin"] or r["applicant_iin"] in f.keepers[r["iin"]]
        else:
            assert f.districts[r["district_id"]]["specialty"] in ("therapist", "gp")
            assert r["applicant_iin"] == ""
        assert bool(r["contract_until"]) == (person["residency"] == "eaeu_migrant")
    # The campaign file refers to living people, known clinics and districts of that clinic.
    for r in f.campaign:
        assert r["iin"] in f.living
        assert r["clinic_id"] in f.clinics
        assert r["reason"] in attachment_rules.REASONS and r["reason"] != "first"
        if r["district_id"]:
            assert f.districts[r["district_id"]]["clinic_id"] == r["clinic_id"]
        if r["applicant_iin"]:
            assert r["applicant_iin"] in f.keepers[r["iin"]]
    ids = [r["application_id"] for r in f.initial + f.campaign]
    assert len(ids) == len(set(ids))


def test_files_parse_with_their_headers(country: Path, files: Files) -> None:
    for name, columns in COLUMNS.items():
        with (country / name).open(encoding="utf-8", newline="") as fh:
            rows = list(csv.reader(fh))
        assert tuple(rows[0]) == columns
        assert all(len(r) == len(columns) for r in rows[1:])
        assert files.manifest["clinics"]["files"][name]["rows"] == len(rows) - 1
    assert COLUMNS[INITIAL_FILE] == APPLICATION_COLUMNS == tuple(attachment_rules_columns())


def attachment_rules_columns() -> tuple[str, ...]:
    from osms.attachment.campaign import CAMPAIGN_COLUMNS

    return tuple(CAMPAIGN_COLUMNS)


def test_concrete_figures_of_the_reference_country(files: Files) -> None:
    m = files.manifest["clinics"]
    assert m["campaign"] == {"year": 2025, "start": "2025-09-01", "end": "2025-11-01"}
    assert m["files"]["clinics.csv"]["rows"] == 40  # 20 regions x 2 at 3,000 people
    assert m["files"]["districts.csv"]["rows"] == 120
    assert m["files"][INITIAL_FILE]["rows"] == len(files.living) == 2974
    assert m["files"][CAMPAIGN_FILE]["rows"] == 271
    assert m["full_clinics"] == 2 and m["tight_districts"] == 25
    assert m["initial_without_applicant"] == 2
    assert m["norms"] == NORMS == {"therapist": 2200, "gp": 1700, "pediatrician": 900}


def test_invariants_of_the_reference_country(files: Files) -> None:
    _check_invariants(files, AS_OF)


def test_same_seed_same_files_and_the_country_is_unchanged(country: Path, tmp_path: Path) -> None:
    again = tmp_path / "again"
    generate(SynthConfig(people=PEOPLE, seed=SEED, as_of=AS_OF), again)
    before = {p.name: p.read_bytes() for p in again.glob("*.csv")}
    write_clinics(again, seed=SEED, as_of=AS_OF)
    for name, content in before.items():
        assert (again / name).read_bytes() == content  # the country's files are not touched
    for name in COLUMNS:
        assert (again / name).read_bytes() == (country / name).read_bytes()
    other = tmp_path / "other"
    shutil.copytree(again, other)
    write_clinics(other, seed=SEED + 1, as_of=AS_OF)
    assert (other / CAMPAIGN_FILE).read_bytes() != (again / CAMPAIGN_FILE).read_bytes()


def test_bins_names_and_ids(files: Files) -> None:
    payers = {r["payer_id"] for r in _read(files.out / "payers.csv")}
    bins = [c["bin"] for c in files.clinics.values()]
    assert all(check_bin(b).valid for b in bins)
    assert len(set(bins)) == len(bins) and not set(bins) & payers
    names = [c["name"] for c in files.clinics.values()]
    assert len(set(names)) == len(names)
    assert all(("КГП" in n or "ГКП" in n or "ТОО" in n) and ", г. " in n for n in names)
    assert all(len(c) <= 32 for c in list(files.clinics) + list(files.districts))
    assert files.clinics["KZ-AST-C001"]["service_area"].startswith("KZ-AST-")


def test_capacities_and_norms_fit_the_population(files: Files) -> None:
    per_clinic: Counter[str] = Counter()
    per_district: Counter[str] = Counter()
    for r in files.initial:
        person = files.living[r["iin"]]
        minor = _age_minor(person["birth_date"], r["date"])
        if person["residency"] in synth_clinics.NOT_ATTACHED_RESIDENCY or (minor and not r["applicant_iin"]):
            continue  # refused by the rules: counts nowhere
        per_clinic[r["clinic_id"]] += 1
        per_district[r["district_id"]] += 1
    full = tight = 0
    for clinic_id, c in files.clinics.items():
        capacity = int(c["capacity"])
        assert capacity >= per_clinic[clinic_id]  # everyone fits at first
        if c["service_area"] and capacity <= per_clinic[clinic_id] * 1.002 + 1:
            full += 1
        if c["service_area"]:
            assert capacity <= per_clinic[clinic_id] * 1.35 + 3
    for district_id, d in files.districts.items():
        assert per_district[district_id] <= int(d["norm"]) <= max(NORMS.values())
        if per_district[district_id] and per_district[district_id] == int(d["norm"]):
            tight += 1
    assert full == files.manifest["clinics"]["full_clinics"] == 2
    assert tight >= 1
    region_people = Counter(p["region"] for p in files.living.values())
    region_capacity: Counter[str] = Counter()
    for c in files.clinics.values():
        region_capacity[c["region"]] += int(c["capacity"])
    assert all(region_capacity[r] >= n for r, n in region_people.items())


def test_children_are_applied_for_by_a_parent_or_guardian(files: Files) -> None:
    minors = [r for r in files.initial if _age_minor(files.living[r["iin"]]["birth_date"], r["date"])]
    with_applicant = [r for r in minors if r["applicant_iin"]]
    assert len(minors) - len(with_applicant) == files.manifest["clinics"]["initial_without_applicant"] == 2
    for r in with_applicant:
        assert r["applicant_iin"] in files.keepers[r["iin"]]
        assert r["applicant_iin"] in files.living
    for r in minors:
        if not r["applicant_iin"]:  # no living parent or guardian in the files
            assert not files.keepers[r["iin"]] & set(files.living)


def test_eaeu_migrants_carry_their_contract_term(files: Files) -> None:
    migrants = [r for r in files.initial if files.living[r["iin"]]["residency"] == "eaeu_migrant"]
    assert migrants
    assert all(r["contract_until"] >= AS_OF.isoformat() for r in migrants)


def test_the_campaign_file(files: Files) -> None:
    rows = files.campaign
    living = len(files.living)
    assert 0.05 * living <= len(rows) <= 0.12 * living
    assert [r["date"] for r in rows] == sorted(r["date"] for r in rows)
    assert all("2025-04-01" <= r["date"] <= "2025-12-31" for r in rows)
    reasons = Counter(r["reason"] for r in rows)
    assert set(reasons) == set(attachment_rules.REASONS) - {"first"}
    in_window = [r for r in rows if r["reason"] == "choice" and "2025-09-01" <= r["date"] <= "2025-11-01"]
    outside = [r for r in rows if r["reason"] == "choice" and not "2025-09-01" <= r["date"] <= "2025-11-01"]
    assert len(in_window) > len(outside) > 0
    # Repeated free choices: the same person twice outside the campaign within six months.
    by_person: dict[str, list[str]] = defaultdict(list)
    for r in outside:
        by_person[r["iin"]].append(r["date"])
    repeats = [d for d in by_person.values() if len(d) == 2]
    assert repeats and all((date.fromisoformat(b) - date.fromisoformat(a)).days <= 150 for a, b in repeats)
    # Choices into full clinics, naming a doctor at the norm, minors without an applicant.
    initial_at: Counter[str] = Counter(r["clinic_id"] for r in files.initial)
    full = {
        c for c, row in files.clinics.items() if row["service_area"] and int(row["capacity"]) < initial_at[c] * 1.01
    }
    assert any(r["clinic_id"] in full for r in rows)
    assert any(r["district_id"] for r in rows)
    minors = [r for r in rows if _age_minor(files.living[r["iin"]]["birth_date"], r["date"])]
    assert any(not r["applicant_iin"] for r in minors) and any(r["applicant_iin"] for r in minors)
    # Nobody changes before their first application.
    first = {r["iin"]: r["date"] for r in files.initial}
    assert all(first[r["iin"]] < r["date"] for r in rows)


@pytest.mark.parametrize(
    ("as_of", "expected"),
    [
        (date(2026, 1, 1), (2025, date(2025, 9, 1), date(2025, 11, 1))),
        (date(2026, 11, 1), (2026, date(2026, 9, 1), date(2026, 11, 1))),
        (date(2025, 9, 1), (2024, date(2024, 9, 15), date(2024, 11, 15))),  # the 2025 one starts that day
        (date(2025, 9, 2), (2025, date(2025, 9, 1), date(2025, 11, 1))),
        (date(2010, 6, 1), (2009, date(2009, 9, 15), date(2009, 11, 15))),  # before the rulebook: the seeds'
    ],
)
def test_campaign_window(as_of: date, expected: tuple[int, date, date]) -> None:
    assert campaign_window(as_of) == expected


def test_cli_writes_the_files_unless_told_not_to(tmp_path: Path) -> None:
    out = tmp_path / "with"
    result = runner.invoke(app, ["synth", "--people", "200", "--seed", "3", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert all((out / name).is_file() for name in COLUMNS)
    assert json.loads((out / "manifest.json").read_text(encoding="utf-8"))["clinics"]["campaign"]["year"] == 2025
    plain = tmp_path / "without"
    result = runner.invoke(app, ["synth", "--people", "200", "--seed", "3", "--out", str(plain), "--no-clinics"])
    assert result.exit_code == 0, result.output
    assert not any((plain / name).exists() for name in COLUMNS)
    assert "clinics" not in json.loads((plain / "manifest.json").read_text(encoding="utf-8"))
    for name in ("persons.csv", "families.csv", "payers.csv"):
        assert (plain / name).read_bytes() == (out / name).read_bytes()


def test_not_attached_residencies_agree_with_the_rules() -> None:
    book = load_rulebook(synth_clinics.RULEBOOK)
    on = book.confirmed_until
    assert book.topic(AttachmentTopic).not_attached_residency(on) == synth_clinics.NOT_ATTACHED_RESIDENCY


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    seed=st.integers(min_value=0, max_value=10_000),
    people=st.integers(min_value=40, max_value=600),
    as_of=st.sampled_from([date(2026, 1, 1), date(2025, 10, 15), date(2024, 3, 1), date(2026, 11, 1)]),
)
def test_any_country_keeps_the_invariants(
    tmp_path_factory: pytest.TempPathFactory, seed: int, people: int, as_of: date
) -> None:
    out = tmp_path_factory.mktemp("any")
    generate(SynthConfig(people=people, seed=seed, as_of=as_of), out)
    write_clinics(out, seed=seed, as_of=as_of)
    _check_invariants(Files(out), as_of)


def test_the_attachment_service_decides_both_files(country: Path, files: Files, engine: Engine, tmp_path: Path) -> None:
    """The files go through the real imports and campaign runner: everyone who may be attached is,
    and the campaign shows every kind of decision."""
    for kind in ("payers", "persons", "families", "categories"):
        assert import_file(engine, kind, country / f"{kind}.csv").rejected == 0
    assert import_clinics(engine, country / "clinics.csv").accepted == 40
    assert import_districts(engine, country / "districts.csv").accepted == 120
    initial = run_campaign(engine, country / INITIAL_FILE, results=tmp_path / "initial.csv", rulebook="kz-law")
    expected_refused = {"minor_needs_guardian", "not_eligible_residency"}
    refused_codes = {r["reason_codes"] for r in _read(tmp_path / "initial.csv") if r["decision"] == "refused"}
    assert refused_codes <= expected_refused
    assert initial["by_decision"] == {"accepted": 2951, "refused": 23}
    assert initial["by_reason"]["minor_needs_guardian"] == 2 and initial["by_reason"]["not_eligible_residency"] == 21
    with unit_of_work(engine) as session:
        attached = session.scalar(select(func.count(func.distinct(Attachment.iin))))
    assert attached == 2951
    campaign = run_campaign(engine, country / CAMPAIGN_FILE, results=tmp_path / "campaign.csv", rulebook="kz-law")
    assert set(campaign["by_decision"]) == {"accepted_no_home_visits", "offered_other_district", "refused"}
    for code in (
        "campaign_change_next_year",
        "immediate_ground",
        "free_change",
        "change_limit_reached",
        "clinic_full",
        "district_over_norm",
        "minor_needs_guardian",
        "outside_service_area",
    ):
        assert campaign["by_reason"].get(code, 0) > 0, code
    results = _read(tmp_path / "campaign.csv")
    next_year = [r for r in results if "campaign_change_next_year" in r["reason_codes"]]
    assert next_year and all(r["effective_from"] == "2026-01-01" for r in next_year)
