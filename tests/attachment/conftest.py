"""A small country for attachment tests: clinics in Almaty and Astana with districts, and persons."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy.orm import Session

from osms.attachment.models import ClinicArea, ClinicDistrict
from osms.providers.models import Provider, ProviderResource
from tests.attachment.helpers import CLINIC_BIN, add_link, add_person, iin

ADULT = iin(date(1986, 1, 1), "M")
SPOUSE = iin(date(1988, 2, 2), "F")
CHILD = iin(date(2015, 6, 1), "F")
STRANGER = iin(date(1970, 3, 3), "M")


def add_clinic(
    session: Session,
    clinic_id: str,
    capacity: int = 100,
    area: str = "AST-001",
    region: str = "KZ-AST",
    *,
    name: str | None = None,
    bin: str = CLINIC_BIN,
) -> None:
    """A PHC clinic: its providers register entry with its ``phc_capacity``, and its service area."""
    session.add(
        Provider(
            provider_id=clinic_id,
            bin=bin,
            name=name or f"Емхана {clinic_id}",
            ownership=None,
            region=region,
            settlement=None,
            kind="phc",
            status="active",
            own_is=False,
            tax_arrears=0,
        )
    )
    session.flush()
    session.add(ProviderResource(provider_id=clinic_id, resource="phc_capacity", quantity=capacity))
    session.add(ClinicArea(clinic_id=clinic_id, service_area=area))
    session.flush()


def add_district(session: Session, clinic_id: str, district_id: str, specialty: str, norm: int) -> None:
    session.add(
        ClinicDistrict(clinic_id=clinic_id, district_id=district_id, specialty=specialty, doctor="Dr", norm=norm)
    )
    session.flush()


@pytest.fixture
def country(session: Session) -> Session:
    add_clinic(session, "ALM-1", region="KZ-ALA", area="ALA-001")
    add_clinic(session, "AST-8", area="AST-001;AST-002")
    add_clinic(session, "AST-9", area="AST-003")
    for clinic in ("ALM-1", "AST-8", "AST-9"):
        add_district(session, clinic, "T1", "therapist", 50)
        add_district(session, clinic, "P1", "pediatrician", 50)
    add_person(session, ADULT)
    add_person(session, SPOUSE, birth=date(1988, 2, 2), sex="F")
    add_person(session, CHILD, birth=date(2015, 6, 1), sex="F")
    add_person(session, STRANGER, birth=date(1970, 3, 3))
    add_link(session, CHILD, ADULT, "parent")
    add_link(session, SPOUSE, ADULT, "spouse")
    session.commit()
    return session
