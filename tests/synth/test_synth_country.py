"""The synthetic country's files: shape, identity, consistency, shares."""

from __future__ import annotations

import csv
import json
import re
from collections import Counter, defaultdict
from datetime import date, timedelta
from pathlib import Path

import pytest

from osms.core.identity import check_bin, check_iin
from osms.synth import data, names
from osms.synth.country import SynthConfig, local_budget_payer_ids, state_payer_id
from osms.synth.generator import generate
from osms.synth.rules import CATEGORY_CODES, STATUSES, age_on

AS_OF = date(2026, 1, 1)
HISTORY_FROM = date(2017, 7, 1)

# The columns are an interface other rooms import: spelled out here, not taken from the code.
EXPECTED_COLUMNS = {
    "persons.csv": "iin,last_name,first_name,middle_name,birth_date,sex,residency,region,address_code,death_date",
    "categories.csv": "iin,category,valid_from,valid_to,source",
    "families.csv": "iin,relative_iin,relation",
    "payers.csv": "payer_id,kind,name,region",
    "employment.csv": "iin,payer_id,kind,monthly_income,start,end",
    "economic_status.csv": "iin,status",
}
RESIDENCIES = {
    "citizen",
    "kandas",
    "refugee",
    "asylum_seeker",
    "foreigner_permit",
    "stateless_permit",
    "eaeu_migrant",
    "foreigner_temporary",
}


def read(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def d(text: str) -> date:
    return date.fromisoformat(text)


def plus_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return date(day.year + years, 3, 1)


class Country:
    def __init__(self, out: Path) -> None:
        self.out = out
        self.persons = read(out / "persons.csv")
        self.by_iin = {p["iin"]: p for p in self.persons}
        self.categories = read(out / "categories.csv")
        self.families = read(out / "families.csv")
        self.payers = read(out / "payers.csv")
        self.employment = read(out / "employment.csv")
        self.statuses = {r["iin"]: r["status"] for r in read(out / "economic_status.csv")}
        self.manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
        self.children: dict[str, list[str]] = defaultdict(list)
        for link in self.families:
            if link["relation"] == "parent":
                self.children[link["relative_iin"]].append(link["iin"])


@pytest.fixture(scope="module")
def country(tmp_path_factory: pytest.TempPathFactory) -> Country:
    out = tmp_path_factory.mktemp("synth5k")
    generate(SynthConfig(people=5000, seed=11, as_of=AS_OF, history_from=HISTORY_FROM), out)
    return Country(out)


@pytest.fixture(scope="module")
def big(tmp_path_factory: pytest.TempPathFactory) -> Country:
    out = tmp_path_factory.mktemp("synth20k")
    generate(SynthConfig(people=20_000, seed=2024), out)
    return Country(out)


def test_headers_are_the_interface(country: Country) -> None:
    for name, header in EXPECTED_COLUMNS.items():
        with (country.out / name).open(encoding="utf-8") as fh:
            assert fh.readline().rstrip("\n") == header, name


def test_manifest_counts_rows(country: Country) -> None:
    m = country.manifest
    assert m["seed"] == 11 and m["people"] == 5000 and m["as_of"] == "2026-01-01"
    assert m["version"] and isinstance(m["seconds"], float)
    for name in EXPECTED_COLUMNS:
        with (country.out / name).open(encoding="utf-8") as fh:
            lines = sum(1 for _ in fh) - 1
        assert m["files"][name]["rows"] == lines, name
        assert ",".join(m["files"][name]["columns"]) == EXPECTED_COLUMNS[name]


def test_every_iin_valid_unique_and_agrees_with_the_person(country: Country) -> None:
    assert len(country.persons) == 5000
    assert len(country.by_iin) == 5000
    for p in country.persons:
        check = check_iin(p["iin"])
        assert check.valid, (p["iin"], check.errors)
        assert check.birth_date == d(p["birth_date"])
        assert check.sex == p["sex"]


def test_person_fields(country: Country) -> None:
    region_codes = set(data.REGION_CODES)
    for p in country.persons:
        assert p["sex"] in ("M", "F")
        assert p["residency"] in RESIDENCIES
        assert p["region"] in region_codes
        assert re.fullmatch(re.escape(p["region"]) + r"-\d{4,}", p["address_code"])
        assert p["last_name"] and p["first_name"]
        assert d(p["birth_date"]) < AS_OF
        if p["death_date"]:
            assert d(p["birth_date"]) < d(p["death_date"]) < AS_OF
    deceased = sum(1 for p in country.persons if p["death_date"])
    assert 0 < deceased < 0.03 * len(country.persons)


def test_surnames_agree_with_sex(country: Country) -> None:
    male_forms = {m for g in names.GROUPS for m, _ in g.surnames}
    female_forms = {f for g in names.GROUPS for _, f in g.surnames}
    for p in country.persons:
        last, middle = p["last_name"], p["middle_name"]
        if p["sex"] == "F":
            assert last in female_forms, last
            assert not middle.endswith(("вич", "ұлы")), middle
        else:
            assert last in male_forms, last
            assert not middle.endswith(("вна", "чна", "қызы")), middle
    assert any(p["last_name"] == "Ахметова" for p in country.persons)
    assert any(p["middle_name"].endswith("қызы") for p in country.persons)
    assert any(p["middle_name"].endswith("овна") for p in country.persons)


def test_residency_and_region_shares(big: Country) -> None:
    n = len(big.persons)
    res = Counter(p["residency"] for p in big.persons)
    assert 0.93 < res["citizen"] / n < 0.97
    assert 0.01 < res["kandas"] / n < 0.03
    total = sum(r.population for r in data.REGIONS)
    regions = Counter(p["region"] for p in big.persons)
    for r in data.REGIONS:
        assert abs(regions[r.code] / n - r.population / total) < 0.012, r.code
    assert len(regions) == 20


def test_age_pyramid_within_tolerance(big: Country) -> None:
    alive = [p for p in big.persons if not p["death_date"]]
    n = len(alive)
    ages = [(age_on(d(p["birth_date"]), AS_OF), p["sex"]) for p in alive]
    total = sum(m + f for _, _, m, f in data.PYRAMID_2024)
    for lo, hi, men, women in data.PYRAMID_2024:
        got_m = sum(1 for a, s in ages if lo <= a <= hi and s == "M") / n
        got_f = sum(1 for a, s in ages if lo <= a <= hi and s == "F") / n
        assert abs(got_m - men / total) < 0.01, (lo, "M", got_m)
        assert abs(got_f - women / total) < 0.01, (lo, "F", got_f)
    under18 = sum(1 for a, _ in ages if a < 18) / n
    over65 = sum(1 for a, _ in ages if a >= 65) / n
    assert 0.29 < under18 < 0.35
    assert 0.07 < over65 < 0.10
    old_women = sum(1 for a, s in ages if a >= 65 and s == "F")
    assert old_women > 1.3 * sum(1 for a, s in ages if a >= 65 and s == "M")


def test_category_codes_sources_and_dates(country: Country) -> None:
    keys = set()
    for c in country.categories:
        assert c["category"] in CATEGORY_CODES
        assert c["source"].startswith("synth:")
        assert c["iin"] in country.by_iin
        f = d(c["valid_from"])
        assert f <= AS_OF
        if c["valid_to"]:
            t = d(c["valid_to"])
            assert f <= t and t >= HISTORY_FROM
        death = country.by_iin[c["iin"]]["death_date"]
        if death:
            assert f <= d(death) and c["valid_to"] and d(c["valid_to"]) <= d(death)
        key = (c["iin"], c["category"], c["valid_from"])
        assert key not in keys
        keys.add(key)


def test_categories_agree_with_age_and_family(country: Country) -> None:
    student_ends: dict[str, set[date]] = defaultdict(set)
    disabled = {c["iin"] for c in country.categories if c["category"] == "disability"}
    for c in country.categories:
        if c["category"] == "student":
            student_ends[c["iin"]].add(d(c["valid_to"]))
    for c in country.categories:
        p = country.by_iin[c["iin"]]
        born, code = d(p["birth_date"]), c["category"]
        f = d(c["valid_from"])
        t = d(c["valid_to"]) if c["valid_to"] else None
        age = age_on(born, f)
        if code == "child":
            assert f == born and age < 18
            assert t == plus_years(born, 18) - timedelta(days=1) or t == d(p["death_date"])
        elif code == "pensioner":
            assert age >= data.PENSION_AGE[p["sex"]]
            assert p["residency"] in data.PENSION_RESIDENCIES
        elif code == "student":
            assert 17 <= age <= 21
        elif code == "graduate_3_months":
            assert f - timedelta(days=1) in student_ends[c["iin"]]
            assert t is not None and (t - f).days <= 92
        elif code == "pregnant_nonworking":
            assert p["sex"] == "F" and 17 <= age <= 50
        elif code in ("parent_child_under_3", "parental_leave"):
            births = {d(country.by_iin[k]["birth_date"]) for k in country.children[c["iin"]]}
            assert f in births
            assert t is not None and t < plus_years(f, 3)
            if code == "parental_leave":
                assert p["sex"] == "F"
        elif code == "carer_disabled_child":
            kids = [k for k in country.children[c["iin"]] if k in disabled]
            assert kids and any(age_on(d(country.by_iin[k]["birth_date"]), f) < 18 for k in kids)
        elif code == "carer_group1_from_childhood":
            assert any(k in disabled for k in country.children[c["iin"]])
        elif code == "ww2_veteran":
            assert born <= date(1928, 12, 31)
        elif code == "mother_awarded":
            assert p["sex"] == "F" and age >= 18
        elif code == "kandas_nonworking":
            assert p["residency"] == "kandas" and age >= 18
        elif code == "house_arrest":
            assert f >= date(2022, 3, 28) and age >= 18
        elif code == "wellbeing_d_e":
            assert f >= date(2026, 1, 1)
        elif code != "disability":
            assert age >= 18, (code, age)


def test_categories_cover_the_rules_list(big: Country) -> None:
    seen = {c["category"] for c in big.categories}
    # ww2_veteran needs people born by 1928: rare in 20,000.
    assert set(CATEGORY_CODES) - seen <= {"ww2_veteran", "house_arrest", "carer_group1_from_childhood"}
    living = [p for p in big.persons if not p["death_date"]]
    current_disabled = {
        c["iin"]
        for c in big.categories
        if c["category"] == "disability" and (not c["valid_to"] or d(c["valid_to"]) >= AS_OF)
    }
    assert 0.03 < len(current_disabled) / len(living) < 0.05


def test_every_minor_has_a_child_category(country: Country) -> None:
    children = {c["iin"] for c in country.categories if c["category"] == "child"}
    for p in country.persons:
        if age_on(d(p["birth_date"]), AS_OF) < 18:
            assert p["iin"] in children


def test_family_links(country: Country) -> None:
    pairs = set()
    parents: dict[str, list[str]] = defaultdict(list)
    spouses: set[tuple[str, str]] = set()
    for link in country.families:
        me, other, rel = link["iin"], link["relative_iin"], link["relation"]
        assert rel in ("parent", "guardian", "spouse")
        assert me in country.by_iin and other in country.by_iin and me != other
        assert (me, other) not in pairs
        pairs.add((me, other))
        a, b = country.by_iin[me], country.by_iin[other]
        assert a["region"] == b["region"] and a["address_code"] == b["address_code"]
        if rel == "parent":
            parents[me].append(other)
            child_born, parent_born = d(a["birth_date"]), d(b["birth_date"])
            assert plus_years(parent_born, 18) <= child_born < plus_years(parent_born, 46)
        elif rel == "spouse":
            spouses.add((me, other))
            assert a["sex"] != b["sex"]
            assert age_on(d(a["birth_date"]), AS_OF) >= 18 and age_on(d(b["birth_date"]), AS_OF) >= 18
        else:
            assert age_on(d(b["birth_date"]), d(a["birth_date"])) >= 20
    for me, other in spouses:
        assert (other, me) in spouses
    for ps in parents.values():
        assert len(ps) <= 2
        if len(ps) == 2:
            assert {country.by_iin[x]["sex"] for x in ps} == {"M", "F"}
    minors = [p["iin"] for p in country.persons if age_on(d(p["birth_date"]), AS_OF) < 18]
    with_parent = sum(1 for m in minors if parents.get(m))
    assert with_parent / len(minors) > 0.95


def test_payers(country: Country) -> None:
    ids = [p["payer_id"] for p in country.payers]
    assert len(ids) == len(set(ids))
    kinds = Counter(p["kind"] for p in country.payers)
    assert set(kinds) <= {"employer", "individual_entrepreneur", "agent", "state", "local_budget"}
    assert kinds["state"] == 1 and kinds["local_budget"] == 20 and kinds["agent"] >= 20 and kinds["employer"] >= 20
    state = next(p for p in country.payers if p["kind"] == "state")
    assert state["payer_id"] == state_payer_id() and state["region"] == ""
    locals_ = {p["region"]: p["payer_id"] for p in country.payers if p["kind"] == "local_budget"}
    assert locals_ == local_budget_payer_ids()
    for p in country.payers:
        assert p["name"]
        if p["kind"] == "individual_entrepreneur":
            assert check_iin(p["payer_id"]).valid
            assert country.statuses[p["payer_id"]] == "individual_entrepreneur"
            assert p["region"] == country.by_iin[p["payer_id"]]["region"]
            assert p["name"].startswith("ИП ")
        else:
            assert check_bin(p["payer_id"]).valid, p
    ie_people = {i for i, s in country.statuses.items() if s == "individual_entrepreneur"}
    assert ie_people == {p["payer_id"] for p in country.payers if p["kind"] == "individual_entrepreneur"}
    names = [p["name"] for p in country.payers if p["kind"] in ("employer", "agent")]
    assert len(names) == len(set(names))


def test_employment(country: Country) -> None:
    payers = {p["payer_id"]: p for p in country.payers}
    current = []
    for e in country.employment:
        assert e["iin"] in country.by_iin
        payer = payers[e["payer_id"]]
        assert payer["kind"] in ("employer", "agent", "individual_entrepreneur")
        assert e["kind"] in ("employee", "civil_contract")
        if e["kind"] == "employee":
            assert payer["kind"] != "agent"
        assert re.fullmatch(r"\d+\.\d{2}", e["monthly_income"])
        income = float(e["monthly_income"])
        assert income >= 20_000
        person = country.by_iin[e["iin"]]
        start = d(e["start"])
        assert start >= plus_years(d(person["birth_date"]), 18)
        if e["end"]:
            assert start <= d(e["end"])
        if person["death_date"]:
            assert e["end"] and d(e["end"]) <= d(person["death_date"])
        if e["kind"] == "employee" and not e["end"]:
            assert income >= 85_000
            current.append(income)
    mean = sum(current) / len(current)
    assert 330_000 < mean < 480_000


def test_statuses(country: Country) -> None:
    assert set(country.statuses) == set(country.by_iin)
    assert set(country.statuses.values()) <= set(STATUSES)
    current_jobs = {e["iin"] for e in country.employment if e["kind"] == "employee" and not e["end"]}
    current_categories = defaultdict(set)
    for c in country.categories:
        if d(c["valid_from"]) <= AS_OF and (not c["valid_to"] or d(c["valid_to"]) >= AS_OF):
            current_categories[c["iin"]].add(c["category"])
    for iin, status in country.statuses.items():
        p = country.by_iin[iin]
        age = age_on(d(p["birth_date"]), AS_OF)
        if p["death_date"]:
            assert status == "deceased"
            continue
        assert status != "deceased"
        assert (status == "child") == (age < 18)
        if status == "employee":
            assert iin in current_jobs
        if status == "student":
            assert "student" in current_categories[iin]
        if status == "unemployed":
            assert "unemployed_registered" in current_categories[iin]
        if status in ("serviceman", "prisoner", "law_enforcement", "special_state_body"):
            assert status in current_categories[iin]
        if status == "pensioner":
            assert "pensioner" in current_categories[iin]
    shares = Counter(country.statuses.values())
    n = len(country.statuses)
    assert 0.28 < shares["employee"] / n < 0.42
    assert 0.03 < shares["individual_entrepreneur"] / n < 0.09
