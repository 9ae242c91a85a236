"""Registry imports: upsert by key, idempotent, every bad row rejected with a reason, all-or-nothing."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select, text

from osms.core import bulkload
from osms.core.bulkload import ImportFileError
from osms.core.models import ImportBatch, ImportRejection
from osms.registry.models import FamilyLink, Payer, Person, PersonCategory
from osms.registry.service import import_file
from tests.registry.helpers import PERSON_HEADER, bin_, iin, person_row, write_csv

FATHER = iin(date(1986, 1, 1), "M")
MOTHER = iin(date(1988, 3, 8), "F")
CHILD = iin(date(2015, 6, 1), "F")


def _count(engine, model) -> int:
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(model)).scalar_one()


def _persons(tmp_path: Path) -> Path:
    return write_csv(
        tmp_path / "persons.csv",
        PERSON_HEADER,
        [
            person_row(FATHER),
            person_row(MOTHER, "Ахметова", "Айгүл", "1988-03-08", "F"),
            person_row(CHILD, "Ахметова", "Аружан", "2015-06-01", "F"),
        ],
    )


def test_persons_import_then_same_file_again_changes_nothing(engine, tmp_path: Path) -> None:
    path = _persons(tmp_path)
    first = import_file(engine, "persons", path)
    assert (first.rows, first.accepted, first.inserted, first.rejected) == (3, 3, 3, 0)
    with engine.connect() as conn:
        row = conn.execute(select(Person).where(Person.iin == MOTHER)).one()
    assert (row.last_name, row.first_name, row.birth_date, row.sex) == ("Ахметова", "Айгүл", date(1988, 3, 8), "F")
    second = import_file(engine, "persons", path)
    assert (second.inserted, second.updated, second.unchanged) == (0, 0, 3)
    assert _count(engine, Person) == 3


def test_changed_row_updates_by_key(engine, tmp_path: Path) -> None:
    import_file(engine, "persons", _persons(tmp_path))
    moved = person_row(FATHER)
    moved[7], moved[8] = "KZ-AST", "KZ-AST-0042"
    result = import_file(engine, "persons", write_csv(tmp_path / "moved.csv", PERSON_HEADER, [moved]))
    assert (result.inserted, result.updated, result.unchanged) == (0, 1, 0)
    with engine.connect() as conn:
        region = conn.execute(select(Person.region).where(Person.iin == FATHER)).scalar_one()
    assert region == "KZ-AST"
    assert _count(engine, Person) == 3


def test_every_bad_person_row_is_rejected_with_its_reason(engine, tmp_path: Path) -> None:
    good = iin(date(1990, 5, 5), "M")
    rows = [
        person_row(good),  # line 2
        person_row("860101300012"),  # 3 check digit
        person_row(iin(date(1991, 1, 1)), last=""),  # 4 missing last name
        person_row(iin(date(1992, 1, 1)), birth="1992-02-30"),  # 5 impossible date
        person_row(iin(date(1993, 1, 1)), sex="X"),  # 6
        person_row(iin(date(1994, 1, 1)), residency="tourist"),  # 7
        person_row(good, first="Дубль"),  # 8 duplicate of line 2
        [iin(date(1995, 1, 1)), "Only", "three"],  # 9 wrong shape
        person_row(iin(date(1996, 1, 1)), birth="1996-01-01")[:9] + ["1990-01-01"],  # 10 death before birth
        person_row(iin(date(1997, 1, 1)), birth="2999-01-01"),  # 11 future
    ]
    path = write_csv(tmp_path / "bad.csv", PERSON_HEADER, rows)
    rejects = tmp_path / "bad.rejected.csv"
    result = import_file(engine, "persons", path, rejects_file=rejects)
    assert result.rows == 10 and result.accepted == 1 and result.rejected == 9
    assert result.rejected_by_reason == {
        "bad_date": 1,
        "bad_iin": 1,
        "bad_residency": 1,
        "bad_row_shape": 1,
        "bad_sex": 1,
        "death_before_birth": 1,
        "duplicate_key": 1,
        "future_date": 1,
        "missing_field": 1,
    }
    with rejects.open(encoding="utf-8") as fh:
        report = list(csv.DictReader(fh))
    assert [(r["line"], r["code"]) for r in report] == [
        ("3", "bad_iin"),
        ("4", "missing_field"),
        ("5", "bad_date"),
        ("6", "bad_sex"),
        ("7", "bad_residency"),
        ("8", "duplicate_key"),
        ("9", "bad_row_shape"),
        ("10", "death_before_birth"),
        ("11", "future_date"),
    ]
    assert report[0]["raw"].startswith("860101300012,Ахметов")
    assert "require 7" in report[0]["message"]
    assert report[5]["message"] == "the same iin as line 2"
    # Nothing is lost: the rejected rows are also kept in the database with their batch.
    assert _count(engine, ImportRejection) == 9
    with engine.connect() as conn:
        batch = conn.execute(select(ImportBatch)).one()
    assert (batch.rows, batch.accepted, batch.rejected) == (10, 1, 9)


def test_categories_families_payers(engine, tmp_path: Path) -> None:
    import_file(engine, "persons", _persons(tmp_path))
    stranger = iin(date(1970, 1, 1), "M")
    cats = write_csv(
        tmp_path / "categories.csv",
        "iin,category,valid_from,valid_to,source",
        [
            [CHILD, "child", "2015-06-01", "2033-05-31", "civil registry"],
            [MOTHER, "parent_child_under_3", "2015-06-01", "2018-05-31", "employment centre"],
            [MOTHER, "astronaut", "2015-06-01", "", "x"],
            [FATHER, "pensioner", "2020-01-01", "2019-01-01", "pension fund"],
            [FATHER, "disability", "2020-01-01", "", ""],
            [stranger, "pensioner", "2020-01-01", "", "pension fund"],
        ],
    )
    result = import_file(engine, "categories", cats)
    assert result.accepted == 2
    assert result.rejected_by_reason == {
        "bad_period": 1,
        "missing_source": 1,
        "unknown_category": 1,
        "unknown_person": 1,
    }
    fams = write_csv(
        tmp_path / "families.csv",
        "iin,relative_iin,relation",
        [
            [CHILD, FATHER, "parent"],
            [CHILD, MOTHER, "parent"],
            [FATHER, MOTHER, "spouse"],
            [MOTHER, FATHER, "spouse"],
            [CHILD, CHILD, "parent"],
            [CHILD, FATHER, "uncle"],
            [CHILD, stranger, "guardian"],
        ],
    )
    result = import_file(engine, "families", fams)
    assert result.accepted == 4
    assert result.rejected_by_reason == {"bad_relation": 1, "self_link": 1, "unknown_relative": 1}
    employer = bin_()
    payers = write_csv(
        tmp_path / "payers.csv",
        "payer_id,kind,name,region",
        [
            [employer, "employer", "ТОО Алатау", "KZ-ALA"],
            [FATHER, "individual_entrepreneur", "ИП Ахметов", "KZ-ALA"],
            [FATHER, "employer", "not a BIN", "KZ-ALA"],
            ["990140004654", "bank", "?", ""],
            [bin_(serial=500), "agent", "", "KZ-ALA"],
        ],
    )
    result = import_file(engine, "payers", payers)
    assert result.accepted == 2
    assert result.rejected_by_reason == {"bad_payer_id": 1, "bad_payer_kind": 1, "missing_field": 1}
    assert _count(engine, PersonCategory) == 2
    assert _count(engine, FamilyLink) == 4
    assert _count(engine, Payer) == 2


def test_wrong_header_writes_nothing(engine, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "p.csv", "iin,surname,first_name", [[FATHER, "A", "B"]])
    with pytest.raises(ImportFileError, match="missing: last_name.*unknown: surname"):
        import_file(engine, "persons", path)
    assert _count(engine, ImportBatch) == 0
    assert _count(engine, Person) == 0


def test_failed_import_leaves_the_database_as_it_was(engine, tmp_path: Path, monkeypatch) -> None:
    import_file(engine, "persons", _persons(tmp_path))
    rows = [person_row(iin(date(1960, 1, 1), "M", serial)) for serial in range(0, 400, 3)]
    rows = [r for r in rows if r[0]]
    path = write_csv(tmp_path / "big.csv", PERSON_HEADER, rows)
    monkeypatch.setattr(bulkload, "CHUNK_ROWS", 10)
    calls = {"n": 0}
    real_write = bulkload.Stager.write

    def crash_after_two_chunks(self, chunk):
        calls["n"] += 1
        if calls["n"] == 3:
            raise KeyboardInterrupt("operator pressed Ctrl-C")
        return real_write(self, chunk)

    monkeypatch.setattr(bulkload.Stager, "write", crash_after_two_chunks)
    with pytest.raises(KeyboardInterrupt):
        import_file(engine, "persons", path)
    assert _count(engine, Person) == 3
    assert _count(engine, ImportBatch) == 1
    monkeypatch.setattr(bulkload.Stager, "write", real_write)
    result = import_file(engine, "persons", path)
    assert result.inserted == len({r[0] for r in rows})
    assert _count(engine, Person) == 3 + result.inserted


def test_bom_and_crlf_and_quoted_fields(engine, tmp_path: Path) -> None:
    path = tmp_path / "excel.csv"
    row = f'{FATHER},"Ахметов, мл.",Нұрлан,,1986-01-01,M,citizen,KZ-ALA,,'
    path.write_bytes(("\ufeff" + PERSON_HEADER + "\r\n" + row + "\r\n").encode())
    result = import_file(engine, "persons", path)
    assert result.accepted == 1
    with engine.connect() as conn:
        assert conn.execute(text("SELECT last_name FROM person")).scalar_one() == "Ахметов, мл."


_field = st.one_of(st.just(""), st.text(alphabet='0123456789-MFabc," ', max_size=14))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    st.lists(
        st.one_of(
            st.tuples(st.dates(date(1920, 1, 1), date(2020, 12, 31)), st.sampled_from("MF"), st.integers(0, 50)),
            st.lists(_field, min_size=1, max_size=11),
        ),
        max_size=30,
    )
)
def test_nothing_is_lost(engine, tmp_path_factory, rows) -> None:
    """Whatever arrives, every row is either accepted or rejected with a reason; nothing crashes."""
    materialised = []
    for row in rows:
        if isinstance(row, tuple):
            birth, sex, serial = row
            materialised.append(person_row(iin(birth, sex, serial), birth=birth.isoformat(), sex=sex))
        else:
            materialised.append(row)
    path = write_csv(tmp_path_factory.mktemp("h") / "p.csv", PERSON_HEADER, materialised)
    before = _count(engine, ImportRejection)
    result = import_file(engine, "persons", path)
    non_blank = [r for r in materialised if not (len(r) == 1 and not r[0].strip())]
    assert result.rows == len(non_blank)
    assert result.accepted + result.rejected == result.rows
    assert _count(engine, ImportRejection) - before == result.rejected
