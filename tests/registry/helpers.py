"""Builders for registry test data: valid IINs and CSV files."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

from osms.core.identity import make_bin, make_iin


def iin(birth: date, sex: str = "M", serial: int = 1) -> str:
    """The first valid IIN for this birth date and sex at or after ``serial``."""
    while True:
        number = make_iin(birth, sex, serial)  # type: ignore[arg-type]
        if number:
            return number
        serial += 1


def bin_(registered: date = date(2010, 5, 1), serial: int = 1) -> str:
    while True:
        number = make_bin(registered, 4, 0, serial)
        if number:
            return number
        serial += 1


def write_csv(path: Path, header: list[str] | str, rows: list[list[str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(header.split(",") if isinstance(header, str) else header)
        w.writerows(rows)
    return path


PERSON_HEADER = "iin,last_name,first_name,middle_name,birth_date,sex,residency,region,address_code,death_date"


def person_row(
    number: str,
    last: str = "Ахметов",
    first: str = "Нұрлан",
    birth: str = "1986-01-01",
    sex: str = "M",
    residency: str = "citizen",
) -> list[str]:
    return [number, last, first, "", birth, sex, residency, "KZ-ALA", "KZ-ALA-0001", ""]
