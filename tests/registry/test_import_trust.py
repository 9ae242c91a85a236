"""Every import, like the payment register: a line that is not UTF-8 or not CSV
is rejected alone with its line number and the others load; numbers and dates exactly as
documented (ASCII digits; no "²", "٤٢", week dates); nothing raises."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from sqlalchemy import select

from osms.attachment import ingest
from osms.attachment.models import Clinic
from osms.core.models import ImportRejection
from osms.registry.models import Person
from osms.registry.service import import_file
from tests.attachment.helpers import CLINIC_HEADER, clinic_row
from tests.registry.helpers import PERSON_HEADER, iin, person_row


def _rejections(engine, batch_id: int) -> list[tuple[int, str]]:
    with engine.connect() as conn:
        return [
            (r.line, r.code)
            for r in conn.execute(
                select(ImportRejection.line, ImportRejection.code)
                .where(ImportRejection.batch_id == batch_id)
                .order_by(ImportRejection.line)
            )
        ]


def _line(fields: list[str]) -> bytes:
    return ",".join(fields).encode()


PEOPLE = [iin(date(1980 + n, 1 + n, 1 + n), "M") for n in range(5)]


def test_persons_with_bad_lines(engine, tmp_path: Path) -> None:
    lines = [
        PERSON_HEADER.encode(),
        _line(person_row(PEOPLE[0])),  # 2
        "Müller,1".encode("latin-1"),  # 3: bad_encoding
        _line(person_row(PEOPLE[1])),  # 4
        b"\x00,\x00",  # 5: NUL (the csv module refuses the line)
        _line(person_row(PEOPLE[2], birth="1982-W01-1")),  # 6: a week date is not YYYY-MM-DD
        _line(person_row(PEOPLE[3], birth="\u0661\u0669\u0668\u0663-04-04")),  # 7: Arabic-Indic digits
        _line(person_row(PEOPLE[4], birth="1984-05-05")),  # 8
    ]
    path = tmp_path / "persons.csv"
    path.write_bytes(b"\n".join(lines) + b"\n")
    result = import_file(engine, "persons", path)
    assert (result.rows, result.accepted) == (7, 3)
    assert _rejections(engine, result.batch_id) == [
        (3, "bad_encoding"),
        (5, "bad_row_shape"),
        (6, "bad_date"),
        (7, "bad_date"),
    ]
    with engine.connect() as conn:
        assert sorted(conn.execute(select(Person.iin)).scalars()) == sorted([PEOPLE[0], PEOPLE[1], PEOPLE[4]])
        raws = conn.execute(select(ImportRejection.raw).order_by(ImportRejection.line)).scalars().all()
    assert raws[:2] == ["M\\xfcller,1", "\\0,\\0"]


def test_clinics_with_bad_numbers_and_bytes(engine, tmp_path: Path) -> None:
    lines = [
        CLINIC_HEADER.encode(),
        _line(clinic_row("C-1", 100)),  # 2
        _line(clinic_row("C-2", 100)[:4] + ["\u00b2", "AST-001"]),  # 3: "²".isdigit() but no number
        _line(clinic_row("C-3", 100)[:4] + ["\u0664\u0662", "AST-001"]),  # 4: Arabic-Indic 42
        _line(clinic_row("C-4", 100)[:4] + ["1e3", "AST-001"]),  # 5
        b"C-5,\xff\xfe",  # 6: bad_encoding
        _line(clinic_row("C-6", 250)),  # 7
    ]
    path = tmp_path / "clinics.csv"
    path.write_bytes(b"\r\n".join(lines) + b"\r\n")
    result = ingest.import_clinics(engine, path)
    assert _rejections(engine, result.batch_id) == [
        (3, "bad_capacity"),
        (4, "bad_capacity"),
        (5, "bad_capacity"),
        (6, "bad_encoding"),
    ]
    with engine.connect() as conn:
        assert sorted(conn.execute(select(Clinic.clinic_id, Clinic.capacity)).all()) == [("C-1", 100), ("C-6", 250)]
