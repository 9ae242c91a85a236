"""`osms attach import clinics|districts`: upsert by key, idempotent, rejections with reason codes,
all-or-nothing (the registry import's guarantees, core/bulkload)."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from sqlalchemy import select

from osms.attachment import ingest
from osms.attachment.models import Clinic, ClinicDistrict
from osms.core.bulkload import ImportFileError
from osms.core.models import ImportRejection
from tests.attachment.helpers import CLINIC_BIN, clinic_row, write_clinics, write_csv, write_districts


def test_clinics_import_upsert_and_idempotent(engine, session, tmp_path: Path) -> None:
    path = write_clinics(
        tmp_path,
        [clinic_row("AST-8", 3000, "AST-001; AST-002;;AST-001"), clinic_row("AST-9", 10, "")],
    )
    result = ingest.import_clinics(engine, path)
    assert (result.rows, result.accepted, result.inserted, result.rejected) == (2, 2, 2, 0)
    clinic = session.get(Clinic, "AST-8")
    assert (clinic.bin, clinic.capacity, clinic.service_area) == (CLINIC_BIN, 3000, "AST-001;AST-002")
    again = ingest.import_clinics(engine, path)
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, 2)
    changed = write_clinics(tmp_path, [clinic_row("AST-8", 3500, "AST-001")], "changed.csv")
    result = ingest.import_clinics(engine, changed)
    assert (result.inserted, result.updated) == (0, 1)
    session.expire_all()
    assert session.get(Clinic, "AST-8").capacity == 3500


def test_bad_clinic_rows_are_rejected_with_codes(engine, session, tmp_path: Path) -> None:
    path = write_clinics(
        tmp_path,
        [
            clinic_row("AST-8"),
            ["AST 9", CLINIC_BIN, "x", "KZ-AST", "10", ""],
            ["AST-10", "123456789012", "x", "KZ-AST", "10", ""],
            ["AST-11", CLINIC_BIN, "x", "KZ-AST", "-1", ""],
            ["AST-12", CLINIC_BIN, "", "KZ-AST", "10", ""],
            clinic_row("AST-8", 5),
        ],
    )
    rejects = tmp_path / "rejects.csv"
    result = ingest.import_clinics(engine, path, rejects_file=rejects)
    assert result.accepted == 1
    assert result.rejected_by_reason == {
        "bad_bin": 1,
        "bad_capacity": 1,
        "bad_clinic_id": 1,
        "duplicate_key": 1,
        "missing_field": 1,
    }
    with rejects.open() as fh:
        lines = [(r["line"], r["code"]) for r in csv.DictReader(fh)]
    assert lines == [
        ("3", "bad_clinic_id"),
        ("4", "bad_bin"),
        ("5", "bad_capacity"),
        ("6", "missing_field"),
        ("7", "duplicate_key"),
    ]
    assert session.scalar(select(Clinic.capacity)) == 100  # the first AST-8 row wins


def test_districts_need_a_known_clinic_and_a_specialty(engine, session, tmp_path: Path) -> None:
    ingest.import_clinics(engine, write_clinics(tmp_path, [clinic_row("AST-8")]))
    path = write_districts(
        tmp_path,
        [
            ["AST-8", "T1", "therapist", "Иванова А.", "1700"],
            ["AST-8", "P1", "Pediatrician", "Серікова Б.", "900"],
            ["AST-8", "G1", "surgeon", "X", "10"],
            ["AST-8", "G2", "gp", "X", "many"],
            ["NOPE", "T1", "therapist", "X", "10"],
        ],
    )
    result = ingest.import_districts(engine, path)
    assert result.accepted == 2
    assert result.rejected_by_reason == {"bad_norm": 1, "bad_specialty": 1, "unknown_clinic": 1}
    rows = session.execute(select(ClinicDistrict.district_id, ClinicDistrict.specialty, ClinicDistrict.norm)).all()
    assert sorted(rows) == [("P1", "pediatrician", 900), ("T1", "therapist", 1700)]
    assert session.scalar(select(ImportRejection.message).where(ImportRejection.code == "unknown_clinic")) == (
        "not in the clinic register: NOPE"
    )


def test_a_bad_header_writes_nothing(engine, session, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "bad.csv", "clinic_id,bin,name", [["AST-8", CLINIC_BIN, "x"]])
    with pytest.raises(ImportFileError) as err:
        ingest.import_clinics(engine, path)
    assert err.value.code == "bad_file"
    assert session.scalar(select(Clinic.clinic_id)) is None
