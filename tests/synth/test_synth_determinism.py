"""Same people count and seed: byte-identical files; any seed: valid, unique IINs."""

from __future__ import annotations

import csv
import json
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from osms.core.identity import check_iin
from osms.synth.country import SynthConfig
from osms.synth.generator import generate
from osms.synth.rules import FILES


def test_same_seed_gives_byte_identical_files(tmp_path: Path) -> None:
    first, second = tmp_path / "a", tmp_path / "b"
    generate(SynthConfig(people=1500, seed=42), first)
    generate(SynthConfig(people=1500, seed=42), second)
    for name in FILES:
        assert (first / name).read_bytes() == (second / name).read_bytes(), name
    m1 = json.loads((first / "manifest.json").read_text(encoding="utf-8"))
    m2 = json.loads((second / "manifest.json").read_text(encoding="utf-8"))
    m1.pop("seconds")
    m2.pop("seconds")
    assert m1 == m2


def test_another_seed_gives_another_country(tmp_path: Path) -> None:
    generate(SynthConfig(people=300, seed=1), tmp_path / "a")
    generate(SynthConfig(people=300, seed=2), tmp_path / "b")
    assert (tmp_path / "a" / "persons.csv").read_bytes() != (tmp_path / "b" / "persons.csv").read_bytes()


def test_files_are_utf8_with_unix_newlines(tmp_path: Path) -> None:
    generate(SynthConfig(people=200, seed=5), tmp_path)
    raw = (tmp_path / "persons.csv").read_bytes()
    assert b"\r\n" not in raw and not raw.startswith(b"\xef\xbb\xbf")
    raw.decode("utf-8")


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(min_value=0, max_value=2**63), people=st.integers(min_value=1, max_value=400))
def test_any_seed_gives_valid_unique_iins(seed: int, people: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        generate(SynthConfig(people=people, seed=seed), out)
        with (out / "persons.csv").open(encoding="utf-8", newline="") as fh:
            persons = list(csv.DictReader(fh))
        assert len(persons) == people
        iins = {p["iin"] for p in persons}
        assert len(iins) == people
        for p in persons:
            check = check_iin(p["iin"])
            assert check.valid
            assert check.birth_date is not None and check.birth_date.isoformat() == p["birth_date"]
            assert check.sex == p["sex"]
        with (out / "families.csv").open(encoding="utf-8", newline="") as fh:
            for link in csv.DictReader(fh):
                assert link["iin"] in iins and link["relative_iin"] in iins
        with (out / "categories.csv").open(encoding="utf-8", newline="") as fh:
            for row in csv.DictReader(fh):
                assert row["iin"] in iins
        with (out / "employment.csv").open(encoding="utf-8", newline="") as fh:
            payer_ids = set()
            with (out / "payers.csv").open(encoding="utf-8", newline="") as ph:
                payer_ids = {p["payer_id"] for p in csv.DictReader(ph)}
            for row in csv.DictReader(fh):
                assert row["iin"] in iins and row["payer_id"] in payer_ids
