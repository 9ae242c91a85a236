"""Imports of clinics and districts (docs/attachment.md) through ``core/bulkload``: upsert by key,
rejections, all-or-nothing.

A clinic is an entry of the providers register: the clinic file writes its BIN, name, region and
``phc_capacity`` there through ``providers.service.save_phc_clinics`` and its service area into this
room's ``clinic_area``, in the import's one transaction.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Final

from sqlalchemy import Column, Integer, MetaData, String, Table, Text, delete, func, insert, literal, select, update
from sqlalchemy.engine import Connection, Engine

from osms.attachment import rules
from osms.attachment.models import ClinicArea, ClinicDistrict
from osms.core.bulkload import ImportResult, ImportSpec, Reference, run_import
from osms.core.errors import InvalidInput
from osms.core.i18n import N_
from osms.core.identity import check_bin
from osms.core.models import ImportRejection
from osms.core.rows import Rejection, Row
from osms.providers.service import PhcClinic, kinds_by_id, phc_clinics_by_id, save_phc_clinics

CLINIC_COLUMNS: Final = ("clinic_id", "bin", "name", "region", "capacity", "service_area")
DISTRICT_COLUMNS: Final = ("clinic_id", "district_id", "specialty", "doctor", "norm")
IMPORT_REASONS: Final = {
    "bad_row_shape": N_("the row does not have the columns of the header"),
    "missing_field": N_("a required field is empty"),
    "field_too_long": N_("a field is longer than allowed"),
    "bad_clinic_id": N_("clinic_id may hold only letters, digits, '-', '_' and '.'"),
    "bad_district_id": N_("district_id may hold only letters, digits, '-', '_' and '.'"),
    "bad_bin": N_("the clinic's BIN fails a check"),
    "bad_capacity": N_("capacity must be a whole number, 0 or more"),
    "bad_norm": N_("norm must be a whole number, 0 or more"),
    "bad_specialty": N_("specialty must be therapist, gp or pediatrician"),
    "bad_address_code": N_("an address code of the service area is longer than 32 characters"),
    "bad_encoding": N_("the line is not UTF-8 text"),
    "duplicate_key": N_("the same key appears earlier in the file"),
    "unknown_clinic": N_("the clinic is not in the clinic register (import clinics first)"),
    "not_phc": N_("the provider register holds this id as another kind of provider, not a PHC clinic"),
}
_ID = re.compile(r"^[A-Za-z0-9._-]{1,32}$")
_MAX = {"name": 300, "region": 16, "doctor": 200}


def _text(values: dict[str, str], name: str) -> str | Rejection:
    text = values[name].strip()
    if not text:
        return Rejection("missing_field", f"{name} is empty")
    if len(text) > _MAX.get(name, 32):
        return Rejection("field_too_long", f"{name} is longer than {_MAX.get(name, 32)} characters")
    return text


def _whole(text: str, name: str, code: str) -> int | Rejection:
    text = text.strip()
    if not text:
        return Rejection("missing_field", f"{name} is empty")
    if not (text.isascii() and text.isdigit()) or len(text) > 9:  # "²" and "٤" are isdigit()
        return Rejection(code, f"{name} {text!r} is not a whole number 0..999999999")
    return int(text)


def _ident(text: str, name: str, code: str) -> str | Rejection:
    text = text.strip()
    if not text:
        return Rejection("missing_field", f"{name} is empty")
    if not _ID.match(text):
        return Rejection(code, f"{name} {text!r}: only letters, digits, '-', '_' and '.', up to 32")
    return text


def parse_service_area(text: str) -> list[str]:
    """``A;B; C`` -> ``["A", "B", "C"]`` (blanks dropped, duplicates dropped, order kept)."""
    return list(dict.fromkeys(part.strip() for part in text.split(";") if part.strip()))


def check_clinic(values: dict[str, str]) -> Row | Rejection:
    """One row of clinics.csv -> (clinic_id, bin, name, region, capacity, service_area)."""
    clinic_id = _ident(values["clinic_id"], "clinic_id", "bad_clinic_id")
    if isinstance(clinic_id, Rejection):
        return clinic_id
    bin_check = check_bin(values["bin"])
    if not bin_check.valid:
        return Rejection("bad_bin", f"BIN {values['bin'].strip()!r}: " + "; ".join(e.message for e in bin_check.errors))
    name = _text(values, "name")
    if isinstance(name, Rejection):
        return name
    region = _text(values, "region")
    if isinstance(region, Rejection):
        return region
    capacity = _whole(values["capacity"], "capacity", "bad_capacity")
    if isinstance(capacity, Rejection):
        return capacity
    area = parse_service_area(values["service_area"])
    too_long = [a for a in area if len(a) > 32]
    if too_long:
        return Rejection("bad_address_code", f"address code {too_long[0][:40]!r} is longer than 32 characters")
    return (clinic_id, bin_check.number, name, region, capacity, ";".join(area))


def check_district(values: dict[str, str]) -> Row | Rejection:
    """One row of districts.csv -> (clinic_id, district_id, specialty, doctor, norm)."""
    clinic_id = _ident(values["clinic_id"], "clinic_id", "bad_clinic_id")
    if isinstance(clinic_id, Rejection):
        return clinic_id
    district_id = _ident(values["district_id"], "district_id", "bad_district_id")
    if isinstance(district_id, Rejection):
        return district_id
    specialty = values["specialty"].strip().lower()
    if specialty not in rules.SPECIALTIES:
        return Rejection("bad_specialty", f"specialty {specialty!r} is not one of {', '.join(rules.SPECIALTIES)}")
    doctor = _text(values, "doctor")
    if isinstance(doctor, Rejection):
        return doctor
    norm = _whole(values["norm"], "norm", "bad_norm")
    if isinstance(norm, Rejection):
        return norm
    return (clinic_id, district_id, specialty, doctor, norm)


#: The clinic file's checked columns (the stage's types): the register's part and the service area.
_CLINIC_FILE = Table(
    "clinic_file",
    MetaData(),
    Column("clinic_id", String(32)),
    Column("bin", String(12)),
    Column("name", String(300)),
    Column("region", String(16)),
    Column("capacity", Integer()),
    Column("service_area", Text()),
)


def write_clinics(conn: Connection, stage: Table, batch_id: int) -> tuple[int, int]:
    """The clinic file's writer (``ImportSpec.write``): rows naming a register entry of another kind
    are rejected ``not_phc``; the others go to the register (``providers.service``) and their service
    areas to ``clinic_area``. A row is unchanged when its entry, capacity and area are already as the
    file says."""
    rows = [
        (PhcClinic(r.clinic_id, r.bin, r.name, r.region, r.capacity), r.service_area)
        for r in conn.execute(
            select(stage.c.clinic_id, stage.c.bin, stage.c.name, stage.c.region, stage.c.capacity, stage.c.service_area)
        )
    ]
    kinds = kinds_by_id(conn, (c.provider_id for c, _ in rows))
    other = sorted(pid for pid, kind in kinds.items() if kind != "phc")
    if other:
        rejection: Table = ImportRejection.__table__  # type: ignore[assignment]
        refused = stage.c.clinic_id.in_(other)
        conn.execute(
            insert(rejection).from_select(
                ["batch_id", "line", "code", "message", "raw"],
                select(
                    literal(batch_id),
                    stage.c.line,
                    literal("not_phc"),
                    literal("the register holds it as another kind of provider: ") + stage.c.clinic_id,
                    stage.c.raw,
                ).where(refused),
            )
        )
        conn.execute(delete(stage).where(refused))
        rows = [(c, a) for c, a in rows if kinds.get(c.provider_id, "phc") == "phc"]
    before = phc_clinics_by_id(conn, (c.provider_id for c, _ in rows))
    area: Table = ClinicArea.__table__  # type: ignore[assignment]
    areas: dict[str, str] = {}
    ids = sorted(c.provider_id for c, _ in rows)
    for start in range(0, len(ids), 500):
        part = ids[start : start + 500]
        areas.update(
            {
                k: v
                for k, v in conn.execute(
                    select(area.c.clinic_id, area.c.service_area).where(area.c.clinic_id.in_(part))
                )
            }
        )
    unchanged = sum(1 for c, a in rows if before.get(c.provider_id) == c and areas.get(c.provider_id, "") == a)
    save_phc_clinics(conn, [c for c, _ in rows])
    new_areas = [{"clinic_id": c.provider_id, "service_area": a} for c, a in rows if c.provider_id not in areas]
    if new_areas:
        conn.execute(insert(area), new_areas)
    for c, a in rows:
        if c.provider_id in areas and areas[c.provider_id] != a:
            conn.execute(
                update(area).where(area.c.clinic_id == c.provider_id).values(service_area=a, updated_at=func.now())
            )
    return len(before), unchanged


SPECS: Final[dict[str, ImportSpec]] = {
    "clinics": ImportSpec(
        kind="clinics",
        columns=CLINIC_COLUMNS,
        check=check_clinic,
        table=_CLINIC_FILE,
        target_columns=CLINIC_COLUMNS,
        key=("clinic_id",),
        write=write_clinics,
    ),
    "districts": ImportSpec(
        kind="districts",
        columns=DISTRICT_COLUMNS,
        check=check_district,
        table=ClinicDistrict.__table__,  # type: ignore[arg-type]
        target_columns=DISTRICT_COLUMNS,
        key=("clinic_id", "district_id"),
        references=(Reference("clinic_id", "provider", "provider_id", "unknown_clinic", "not in the clinic register"),),
    ),
}


def _import(
    engine: Engine, kind: str, path: Path, rejects_file: Path | None, progress: Callable[[int], None] | None
) -> ImportResult:
    if not path.is_file():
        raise InvalidInput(f"no such file: {path}", code="no_file")
    return run_import(engine, SPECS[kind], path, rejects_file=rejects_file, progress=progress)


def import_clinics(
    engine: Engine,
    path: Path,
    *,
    rejects_file: Path | None = None,
    progress: Callable[[int], None] | None = None,
) -> ImportResult:
    """Import clinics.csv (``clinic_id,bin,name,region,capacity,service_area``; the service area is
    address codes separated by ``;``): upsert by clinic_id, idempotent, all-or-nothing."""
    return _import(engine, "clinics", Path(path), rejects_file, progress)


def import_districts(
    engine: Engine,
    path: Path,
    *,
    rejects_file: Path | None = None,
    progress: Callable[[int], None] | None = None,
) -> ImportResult:
    """Import districts.csv (``clinic_id,district_id,specialty,doctor,norm``): upsert by
    (clinic_id, district_id); rows of unknown clinics are rejected (``unknown_clinic``)."""
    return _import(engine, "districts", Path(path), rejects_file, progress)
