"""Migration 0011 moves the attachment's clinics into the providers register (docs/providers.md,
"The attachment's clinics"): every clinic becomes a ``phc`` entry with its capacity as
``phc_capacity`` and its service area in ``clinic_area``; districts and attachments keep pointing at
it; the downgrade gives the clinic table back. On a database of its own (SQLite file or a scratch
PostgreSQL database)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url

from osms.core import migrate
from tests.attachment.helpers import CLINIC_BIN, iin
from tests.conftest import IS_PG, PG_URL

PERSON = iin(date(1986, 1, 1), "M")


@pytest.fixture
def url(tmp_path: Path) -> Iterator[str]:
    if not IS_PG:
        yield f"sqlite:///{tmp_path / 'm0011.sqlite'}"
        return
    parsed = make_url(PG_URL)
    name = f"{parsed.database}_m0011"
    admin = create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    yield parsed.set(database=name).render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _rows(url: str, sql: str) -> list[tuple[object, ...]]:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return [tuple(r) for r in conn.execute(text(sql))]
    finally:
        engine.dispose()


def test_clinics_become_register_entries_and_come_back(url: str) -> None:
    migrate.upgrade(url, "0010")
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO clinic (clinic_id, bin, name, region, capacity, service_area) VALUES "
                "('AST-8', :bin, 'Емхана №8', 'KZ-AST', 3000, 'AST-001;AST-002'), "
                "('ALM-1', :bin, 'Емхана №1', 'KZ-ALA', 0, '')"
            ),
            {"bin": CLINIC_BIN},
        )
        conn.execute(
            text(
                "INSERT INTO clinic_district (clinic_id, district_id, specialty, doctor, norm) "
                "VALUES ('AST-8', 'T1', 'therapist', 'Иванова А.', 1700)"
            )
        )
        conn.execute(
            text(
                "INSERT INTO person (iin, last_name, first_name, birth_date, sex, residency) "
                "VALUES (:iin, 'Тестов', 'Тест', '1986-01-01', 'M', 'citizen')"
            ),
            {"iin": PERSON},
        )
        conn.execute(
            text(
                "INSERT INTO attachment (iin, clinic_id, district_id, valid_from, home_visits, kind) "
                "VALUES (:iin, 'AST-8', 'T1', '2024-01-01', true, 'first')"
            ),
            {"iin": PERSON},
        )
    engine.dispose()

    migrate.upgrade(url, "0011")
    assert _rows(
        url,
        "SELECT provider_id, bin, name, ownership, region, settlement, kind, status, own_is FROM provider "
        "ORDER BY provider_id",
    ) == [
        ("ALM-1", CLINIC_BIN, "Емхана №1", None, "KZ-ALA", None, "phc", "active", False),
        ("AST-8", CLINIC_BIN, "Емхана №8", None, "KZ-AST", None, "phc", "active", False),
    ]
    assert _rows(url, "SELECT provider_id, resource, quantity FROM provider_resource ORDER BY provider_id") == [
        ("ALM-1", "phc_capacity", 0),
        ("AST-8", "phc_capacity", 3000),
    ]
    assert _rows(url, "SELECT clinic_id, service_area FROM clinic_area ORDER BY clinic_id") == [
        ("ALM-1", ""),
        ("AST-8", "AST-001;AST-002"),
    ]
    assert _rows(url, "SELECT clinic_id, district_id FROM attachment") == [("AST-8", "T1")]
    engine = create_engine(url)
    try:
        names = inspect(engine).get_table_names()
        targets = {
            table: {fk["referred_table"] for fk in inspect(engine).get_foreign_keys(table)}
            for table in ("clinic_district", "attachment", "clinic_area")
        }
    finally:
        engine.dispose()
    assert "clinic" not in names
    assert targets == {
        "clinic_district": {"provider"},
        "attachment": {"provider", "person", "attachment_application"},
        "clinic_area": {"provider"},
    }

    migrate.downgrade(url, "0010")
    assert _rows(url, "SELECT clinic_id, bin, name, region, capacity, service_area FROM clinic ORDER BY clinic_id") == [
        ("ALM-1", CLINIC_BIN, "Емхана №1", "KZ-ALA", 0, ""),
        ("AST-8", CLINIC_BIN, "Емхана №8", "KZ-AST", 3000, "AST-001;AST-002"),
    ]
    assert _rows(url, "SELECT COUNT(*) FROM provider") == [(0,)]
    assert _rows(url, "SELECT clinic_id FROM attachment") == [("AST-8",)]


def test_a_clinic_already_in_the_register_keeps_its_entry(url: str) -> None:
    migrate.upgrade(url, "0010")
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO provider (provider_id, bin, name, ownership, region, settlement, kind, status, "
                "own_is, tax_arrears) VALUES ('AST-8', :bin, 'ГКП Емхана №8', 'state', 'KZ-AST', 'Астана', "
                "'phc', 'active', true, 0)"
            ),
            {"bin": CLINIC_BIN},
        )
        conn.execute(
            text(
                "INSERT INTO clinic (clinic_id, bin, name, region, capacity, service_area) "
                "VALUES ('AST-8', :bin, 'Емхана №8', 'KZ-AST', 3000, 'AST-001')"
            ),
            {"bin": CLINIC_BIN},
        )
    engine.dispose()
    migrate.upgrade(url, "0011")
    assert _rows(url, "SELECT provider_id, name, ownership, settlement FROM provider") == [
        ("AST-8", "ГКП Емхана №8", "state", "Астана")
    ]
    assert _rows(url, "SELECT quantity FROM provider_resource WHERE resource = 'phc_capacity'") == [(3000,)]
