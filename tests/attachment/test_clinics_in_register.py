"""The attachment's clinics are entries of the providers register (docs/providers.md, "The
attachment's clinics"): the clinic file writes the register, the register's own file is seen by the
attachment, and a clinic file does not reclassify another kind of provider."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

from sqlalchemy import select

from osms.attachment import ingest, service
from osms.attachment.models import Clinic
from osms.providers import ingest as register
from osms.providers.models import Provider
from osms.providers.service import ProviderRecord, find_provider, get_provider
from tests.attachment.helpers import CLINIC_BIN, clinic_row, write_clinics
from tests.providers.helpers import BIN_1, provider_row, write

ON = date(2026, 6, 1)


def test_the_clinic_file_writes_register_entries(engine, session, tmp_path: Path) -> None:
    ingest.import_clinics(engine, write_clinics(tmp_path, [clinic_row("AST-8", 3000, "AST-001")]))
    assert get_provider(session, "AST-8") == ProviderRecord(
        provider_id="AST-8",
        bin=CLINIC_BIN,
        name="Емхана AST-8",
        ownership=None,  # the clinic file does not say; the register's file will
        region="KZ-AST",
        settlement=None,
        kind="phc",
        status="active",
        accredited_until=None,
        own_is=False,
        tax_arrears=Decimal("0.00"),
    )
    [entry] = service.clinics_in_region(session, "KZ-AST", ON)
    assert (entry["clinic_id"], entry["capacity"], entry["service_area"]) == ("AST-8", 3000, ["AST-001"])


def test_the_register_file_and_the_clinic_file_name_the_same_entry(engine, session, tmp_path: Path) -> None:
    ingest.import_clinics(engine, write_clinics(tmp_path, [clinic_row("ALM-1", 500, "ALA-001", region="KZ-ALA")]))
    # The register's file completes the entry: ownership, settlement, accreditation, a new name.
    result = register.import_file(engine, "providers", write(tmp_path, "providers", [provider_row("ALM-1")]))
    assert (result.inserted, result.updated) == (0, 1)
    session.expire_all()
    clinic = session.get(Clinic, "ALM-1")
    assert clinic is not None
    assert (clinic.name, clinic.bin, clinic.capacity, clinic.service_area) == ("Емхана №1", BIN_1, 500, "ALA-001")
    entry = get_provider(session, "ALM-1")
    assert (entry.ownership, entry.settlement, entry.accredited_until) == ("private", "Алматы", date(2027, 12, 31))
    # The clinic file again: its own columns change, the register's others stay.
    again = ingest.import_clinics(
        engine, write_clinics(tmp_path, [clinic_row("ALM-1", 600, "ALA-001", region="KZ-ALA")], "again.csv")
    )
    assert (again.inserted, again.updated, again.unchanged) == (0, 1, 0)
    session.expire_all()
    entry = get_provider(session, "ALM-1")
    assert (entry.name, entry.ownership, entry.settlement) == ("Емхана ALM-1", "private", "Алматы")
    assert session.get(Clinic, "ALM-1").capacity == 600


def test_a_phc_entry_of_the_register_alone_is_a_clinic_without_area_or_capacity(engine, session, tmp_path) -> None:
    register.import_file(engine, "providers", write(tmp_path, "providers", [provider_row("ALM-7")]))
    [entry] = service.clinics_in_region(session, "KZ-ALA", ON)
    assert (entry["clinic_id"], entry["name"], entry["capacity"], entry["free"], entry["service_area"]) == (
        "ALM-7",
        "Емхана №1",
        0,
        0,
        [],
    )
    register.import_file(engine, "resources", write(tmp_path, "resources", [["ALM-7", "phc_capacity", "2500"]]))
    session.expire_all()
    assert service.clinics_in_region(session, "KZ-ALA", ON)[0]["capacity"] == 2500


def test_a_clinic_file_does_not_reclassify_a_hospital(engine, session, tmp_path: Path) -> None:
    register.import_file(engine, "providers", write(tmp_path, "providers", [provider_row("ALM-H", kind="hospital")]))
    result = ingest.import_clinics(
        engine,
        write_clinics(tmp_path, [clinic_row("ALM-H", region="KZ-ALA"), clinic_row("ALM-2", region="KZ-ALA")]),
    )
    assert (result.accepted, result.inserted, result.rejected_by_reason) == (1, 1, {"not_phc": 1})
    assert session.scalar(select(Provider.kind).where(Provider.provider_id == "ALM-H")) == "hospital"
    assert session.get(Clinic, "ALM-H") is None
    assert find_provider(session, "ALM-2") is not None
