"""``osms synth``'s daily service reports: deterministic from the seed, every row in the file's
columns with codes of the rulebook's catalogues and WHO ICD-10 diagnoses, clean rows that reference
only the country's persons and contracted providers and pass the checks by construction, and the
planted faults at the rates of their constants."""

from __future__ import annotations

import csv
import hashlib
import json
from collections import Counter, defaultdict
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from tests.claims.world import COLUMNS as WORLD_COLUMNS

from osms.benefits.rulebook import icd10_code
from osms.claims.parse import FLAG_COLUMNS
from osms.claims.rulebook import ClaimsTopic
from osms.claims.vocabulary import CARE_FORMS, OUTCOMES
from osms.providers.contracts_import import import_file as import_contracts
from osms.providers.ingest import import_file as import_register
from osms.registry.service import import_file as import_registry
from osms.rulebooks.loader import load_rulebook
from osms.synth import services as synth_services
from osms.synth.clinics import write_clinics
from osms.synth.country import SynthConfig
from osms.synth.generator import generate
from osms.synth.providers import REGISTER_FILES, write_providers
from osms.synth.services import (
    COLUMNS,
    CONTRACTS_FILE,
    FAULTS,
    MIN_FAULTS_PER_MONTH,
    SERVICES_DIR,
    TRUTH_FILE,
    service_days,
    write_services,
)

AS_OF = date(2026, 12, 1)
Row = dict[str, str]


def _country(out: Path, people: int = 4000, seed: int = 7, months: int = 3) -> Path:
    generate(SynthConfig(people=people, seed=seed, as_of=AS_OF), out)
    write_clinics(out, seed=seed, as_of=AS_OF)
    write_providers(out, seed=seed, as_of=AS_OF)
    write_services(out, seed=seed, as_of=AS_OF, months=months)
    return out


@pytest.fixture(scope="module")
def country(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _country(tmp_path_factory.mktemp("services"))


def _read(path: Path) -> list[Row]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def _rows(country: Path) -> list[Row]:
    return [r for path in sorted((country / SERVICES_DIR).glob("services-*.csv")) for r in _read(path)]


def _truth(country: Path) -> dict[tuple[str, str], str]:
    return {(r["provider_id"], r["record_id"]): r["fault"] for r in _read(country / SERVICES_DIR / TRUTH_FILE)}


def _digest(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


def test_service_days_are_the_full_months_before_as_of() -> None:
    assert service_days(date(2026, 12, 1)) == (date(2026, 9, 1), date(2026, 11, 30))
    assert service_days(date(2026, 2, 15), 3) == (date(2025, 11, 1), date(2026, 1, 31))
    assert service_days(date(2026, 1, 1), 1) == (date(2025, 12, 1), date(2025, 12, 31))


def test_same_seed_same_bytes(tmp_path: Path) -> None:
    a = _country(tmp_path / "a", people=1500, seed=3, months=1)
    b = _country(tmp_path / "b", people=1500, seed=3, months=1)
    assert _digest(a / SERVICES_DIR) == _digest(b / SERVICES_DIR)
    c = tmp_path / "c"
    _country(c, people=1500, seed=4, months=1)
    assert _digest(a / SERVICES_DIR) != _digest(c / SERVICES_DIR)


def test_one_file_a_day_in_the_service_report_columns(country: Path) -> None:
    assert COLUMNS == WORLD_COLUMNS + FLAG_COLUMNS
    files = sorted((country / SERVICES_DIR).glob("services-*.csv"))
    assert [p.name for p in files[:1]] == ["services-2026-09-01.csv"]
    assert len(files) == 91
    book = load_rulebook("kz-law")
    topic = ClaimsTopic
    services = book.topic(topic).services(date(2026, 9, 1))
    groups = book.topic(topic).case_groups(date(2026, 9, 1))
    for path in files:
        with path.open(encoding="utf-8", newline="") as fh:
            reader = csv.reader(fh)
            assert tuple(next(reader)) == COLUMNS
            day = path.stem.removeprefix("services-")
            for fields in reader:
                assert len(fields) == len(COLUMNS)
                row = dict(zip(COLUMNS, fields, strict=True))
                assert row["care_form"] in CARE_FORMS and row["outcome"] in OUTCOMES
                assert row["date_from"] <= row["date_to"] == day
                assert row["referral"] in ("true", "false") and row["emergency"] in ("true", "false")
                assert icd10_code(row["icd10"]) == row["icd10"]
                assert len(row["iin"]) == 12 and len(row["doctor_iin"]) == 12
                if row["care_form"] in ("phc", "outpatient", "ambulance"):
                    entry = services[row["service_code"]]
                    assert not row["case_group"]
                else:
                    entry = groups[row["case_group"]]
                    assert not row["service_code"]
                assert row["care_form"] in entry.forms
    record_ids = Counter((r["provider_id"], r["record_id"]) for r in _rows(country))
    assert max(record_ids.values()) == 1


def _age(birth: date, on: date) -> int:
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


def test_clean_rows_reference_the_country_and_pass_the_checks(country: Path) -> None:
    """No clean row names an unknown person or provider, a care type without a contract, a dead
    person, a restricted code for the wrong sex or age, an unattached PHC visit, a duplicate, or a
    planned case without a referral; no doctor gives more than the rulebook's maximum a day."""
    truth = _truth(country)
    persons = {p["iin"]: p for p in _read(country / "persons.csv")}
    contracted = {(c["provider_id"], c["care_type"]) for c in _read(country / SERVICES_DIR / CONTRACTS_FILE)}
    providers = {p["provider_id"] for p in _read(country / "providers.csv")}
    assert {pid for pid, _ in contracted} <= providers
    attached = {a["iin"]: a["clinic_id"] for a in _read(country / "attach_initial.csv")}
    book = load_rulebook("kz-law").topic(ClaimsTopic)
    services, groups = book.services(date(2026, 9, 1)), book.case_groups(date(2026, 9, 1))
    limit = book.doctor_overload(date(2026, 9, 1))
    assert limit is not None
    keys: Counter[tuple[str, str, str, str]] = Counter()
    load: Counter[tuple[str, str]] = Counter()
    clean = 0
    died = 0
    for row in _rows(country):
        if (row["provider_id"], row["record_id"]) in truth:
            continue
        clean += 1
        person = persons[row["iin"]]
        assert (row["provider_id"], row["care_type"]) in contracted
        day = date.fromisoformat(row["date_from"])
        death = person["death_date"]
        assert not death or date.fromisoformat(death) >= date.fromisoformat(row["date_to"])
        if row["outcome"] == "died":
            died += 1
            assert death == row["date_to"]
        entry = services.get(row["service_code"]) or groups[row["case_group"]]
        age = _age(date.fromisoformat(person["birth_date"]), day)
        assert entry.sex in (None, person["sex"])
        assert (entry.age_min or 0) <= age <= (entry.age_max if entry.age_max is not None else 200)
        if row["care_form"] == "phc":
            assert attached[row["iin"]] == row["provider_id"]
        if row["care_form"] in ("inpatient", "day_hospital") and row["emergency"] == "false":
            assert row["referral"] == "true"
        if entry.referral:
            assert row["referral"] == "true"
        keys[(row["provider_id"], row["iin"], row["service_code"] or row["case_group"], row["date_from"])] += 1
        load[(row["doctor_iin"], row["date_from"])] += 1
    assert clean > 2000 and died > 0
    assert max(keys.values()) == 1
    overloaded = {k for k, n in load.items() if n > limit}
    assert not overloaded


def test_every_form_of_care_is_reported(country: Path) -> None:
    forms = Counter(r["care_form"] for r in _rows(country))
    assert set(forms) >= {"phc", "outpatient", "day_hospital", "inpatient", "admission", "ambulance"}
    assert forms["phc"] > forms["outpatient"] > forms["inpatient"] > 0


def test_faults_at_their_rates(country: Path) -> None:
    rows = _rows(country)
    truth = _truth(country)
    planted = Counter(truth.values())
    assert set(planted) == set(FAULTS)
    by_key = {(r["provider_id"], r["record_id"]): r for r in rows}
    assert set(truth) <= set(by_key)
    months = 3
    clean = [r for r in rows if (r["provider_id"], r["record_id"]) not in truth]
    visits = sum(1 for r in clean if r["care_form"] in ("phc", "outpatient"))
    phc = sum(1 for r in clean if r["care_form"] == "phc")
    outpatient = sum(1 for r in clean if r["care_form"] == "outpatient")
    screenings = sum(1 for r in clean if r["service_code"] in synth_services.SCREENINGS)

    def expected(rate: float, base: int) -> float:
        return max(MIN_FAULTS_PER_MONTH * months, rate * base)

    for fault, rate, base in (
        ("duplicate", synth_services.DUPLICATE_RATE, visits),
        ("unattached", synth_services.UNATTACHED_RATE, phc),
        ("uninsured", synth_services.UNINSURED_RATE, outpatient),
        ("phantom", synth_services.PHANTOM_RATE, visits),
        ("wrong_sex", synth_services.WRONG_SEX_RATE, screenings),
        ("after_death", synth_services.AFTER_DEATH_RATE, len(rows)),
    ):
        want = expected(rate, base)
        assert 0.6 * want <= planted[fault] <= 1.4 * want + 2, (fault, planted[fault], want)
    # Overloaded doctors: one doctor-day a month, each above the rulebook's maximum.
    book = load_rulebook("kz-law").topic(ClaimsTopic)
    limit = book.doctor_overload(date(2026, 9, 1)) or 0
    days: dict[tuple[str, str], int] = defaultdict(int)
    for key, fault in truth.items():
        if fault == "overload":
            row = by_key[key]
            days[(row["doctor_iin"], row["date_from"])] += 1
    assert len(days) == synth_services.OVERLOADED_DOCTOR_DAYS * months
    assert all(n > limit for n in days.values())


def test_fault_rows_are_what_they_say(country: Path) -> None:
    persons = {p["iin"]: p for p in _read(country / "persons.csv")}
    book = load_rulebook("kz-law").topic(ClaimsTopic)
    services = book.services(date(2026, 9, 1))
    attached = {a["iin"]: a["clinic_id"] for a in _read(country / "attach_initial.csv")}
    by_key = {(r["provider_id"], r["record_id"]): r for r in _rows(country)}
    for key, fault in _truth(country).items():
        row, person = by_key[key], persons[by_key[key]["iin"]]
        if fault == "after_death":
            assert person["death_date"] and person["death_date"] < row["date_from"]
        elif fault == "wrong_sex":
            assert services[row["service_code"]].sex not in (None, person["sex"])
        elif fault == "unattached":
            assert attached.get(row["iin"]) != row["provider_id"]
        elif fault == "uninsured":
            assert person["residency"] in ("foreigner_temporary", "asylum_seeker")
        elif fault in ("phantom", "overload"):
            assert attached.get(row["iin"]) == row["provider_id"]
            assert not person["death_date"] or person["death_date"] >= row["date_from"]


def test_the_contracts_load_through_the_operators_import(country: Path, engine: Engine) -> None:
    """contracts.csv is a file of ``osms contracts import``: every row accepted once the register
    holds the providers."""
    for kind in ("payers", "persons", "families"):
        assert import_registry(engine, kind, country / f"{kind}.csv").rejected == 0
    for name in REGISTER_FILES:
        assert import_register(engine, name.removesuffix(".csv"), country / name).rejected == 0, name
    path = country / SERVICES_DIR / CONTRACTS_FILE
    result = import_contracts(engine, load_rulebook("kz-law"), path, created_by="test")
    assert (result.rejected, result.accepted) == (0, len(_read(path)))


def test_osms_synth_writes_the_service_reports(tmp_path: Path) -> None:
    """``--services MONTHS`` (default 3) writes services/ and the manifest's entry; 0 writes none."""
    from typer.testing import CliRunner

    from osms.cli import app

    runner = CliRunner()
    out = tmp_path / "country"
    args = ["synth", "-n", "800", "--seed", "2", "--as-of", "2026-03-01", "--services", "1", "--out", str(out)]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    files = sorted(p.name for p in (out / SERVICES_DIR).glob("services-*.csv"))
    assert files[0] == "services-2026-02-01.csv" and len(files) == 28
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))["services"]
    assert manifest["first_day"] == "2026-02-01" and manifest["rows"] == sum(manifest["rows_by_month"].values())
    assert set(manifest["faults"]) == set(FAULTS)
    other = tmp_path / "none"
    result = runner.invoke(app, ["synth", "-n", "300", "--services", "0", "--out", str(other)])
    assert result.exit_code == 0, result.output
    assert not (other / SERVICES_DIR).exists()


def test_some_consultations_are_at_home_remote_or_in_a_childs_preventive_examination(country: Path) -> None:
    """Only outpatient consultations carry flags, never at home and remote together, preventive only
    for a child; the shares are near the named constants (4%, 8%, half of the children's)."""
    births = {p["iin"]: date.fromisoformat(p["birth_date"]) for p in _read(country / "persons.csv")}
    rows = _rows(country)
    consultations = [r for r in rows if r["care_form"] == "outpatient" and r["service_code"].startswith("SYN.CONS.")]
    flagged = [r for r in rows if r["at_home"] or r["remote"] or r["preventive_child"]]
    assert flagged and all(
        r["care_form"] == "outpatient" and r["service_code"].startswith("SYN.CONS.") for r in flagged
    )
    assert all(r[f] in ("", "true") for r in rows for f in FLAG_COLUMNS)
    assert not any(r["at_home"] and r["remote"] for r in rows)
    children = [r for r in consultations if _age(births[r["iin"]], date.fromisoformat(r["date_from"])) < 18]
    preventive = [r for r in flagged if r["preventive_child"]]
    assert all(_age(births[r["iin"]], date.fromisoformat(r["date_from"])) < 18 for r in preventive)
    home = sum(1 for r in consultations if r["at_home"]) / len(consultations)
    remote = sum(1 for r in consultations if r["remote"]) / len(consultations)
    assert 0.02 < home < 0.07 and 0.05 < remote < 0.12, (home, remote, len(consultations))
    assert 0.3 < len(preventive) / len(children) < 0.7, (len(preventive), len(children))
