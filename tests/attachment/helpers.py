"""Builders for attachment tests: clinics and districts (rows and CSV files), persons, family links."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from sqlalchemy.orm import Session

from osms.attachment import rules
from osms.registry.models import FamilyLink, Person
from tests.registry.helpers import bin_, iin, write_csv

CLINIC_HEADER = "clinic_id,bin,name,region,capacity,service_area"
DISTRICT_HEADER = "clinic_id,district_id,specialty,doctor,norm"
CAMPAIGN_HEADER = "application_id,iin,clinic_id,reason,date,district_id,applicant_iin,contract_until"

CLINIC_BIN = bin_(date(2010, 5, 1), 1)
OTHER_BIN = bin_(date(2011, 2, 1), 3)


def clinic_row(
    clinic_id: str, capacity: int = 100, area: str = "AST-001;AST-002", region: str = "KZ-AST", name: str = ""
) -> list[str]:
    return [clinic_id, CLINIC_BIN, name or f"Емхана {clinic_id}", region, str(capacity), area]


def write_clinics(tmp: Path, rows: list[list[str]], name: str = "clinics.csv") -> Path:
    return write_csv(tmp / name, CLINIC_HEADER, rows)


def write_districts(tmp: Path, rows: list[list[str]], name: str = "districts.csv") -> Path:
    return write_csv(tmp / name, DISTRICT_HEADER, rows)


def add_person(
    session: Session,
    number: str,
    *,
    birth: date = date(1986, 1, 1),
    sex: str = "M",
    residency: str = "citizen",
    address: str | None = "AST-001",
    region: str = "KZ-AST",
    death: date | None = None,
) -> str:
    session.add(
        Person(
            iin=number,
            last_name="Ахметов",
            first_name="Нұрлан",
            birth_date=birth,
            sex=sex,
            residency=residency,
            region=region,
            address_code=address,
            death_date=death,
        )
    )
    session.flush()
    return number


def add_link(session: Session, person: str, relative: str, relation: str = "parent") -> None:
    session.add(FamilyLink(iin=person, relative_iin=relative, relation=relation))
    session.flush()


def clinic_facts(
    clinic_id: str = "Z",
    *,
    capacity: int = 100,
    attached: int = 0,
    area: tuple[str, ...] = ("AST-001",),
    districts: tuple[rules.DistrictFacts, ...] = (),
) -> rules.ClinicFacts:
    return rules.ClinicFacts(clinic_id, capacity, attached, frozenset(area), districts)


def adult(number: str = "860101300017", **kwargs: object) -> rules.PersonFacts:
    values: dict[str, object] = {
        "birth_date": date(1986, 1, 1),
        "death_date": None,
        "residency": "citizen",
        "address_code": "AST-001",
    }
    values.update(kwargs)
    return rules.PersonFacts(number, **values)  # type: ignore[arg-type]


__all__ = ["iin", "write_csv", "bin_"]
