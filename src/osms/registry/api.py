"""Registry API (thin): a person's registry card, read under the caller's role and audited."""

from __future__ import annotations

from datetime import date
from typing import Literal

from fastapi import APIRouter, Path
from pydantic import BaseModel, Field

from osms.core import audit
from osms.core.authz import authorize
from osms.core.http import CurrentPrincipal, DbSession
from osms.core.openapi import iin_schema
from osms.registry.access import PERSON_READ
from osms.registry.service import get_person

router = APIRouter(prefix="/api/v1", tags=["registry"])


class FamilyMember(BaseModel):
    iin: str
    relation: str = Field(description="What this relative is to the person (parent, guardian, spouse) or child/ward")
    name: str


class CategoryMembership(BaseModel):
    category: str = Field(description="State-paid category code (docs/status.md)")
    valid_from: date
    valid_to: date | None
    source: str = Field(description="The register the membership comes from")


class PersonCard(BaseModel):
    iin: str
    last_name: str
    first_name: str
    middle_name: str | None
    birth_date: date | None
    sex: Literal["M", "F"] | None
    residency: str
    region: str | None
    address_code: str | None
    death_date: date | None
    family: list[FamilyMember]
    dependants: list[FamilyMember]
    categories: list[CategoryMembership]


@router.get(
    "/persons/{iin}",
    response_model=PersonCard,
    summary="A person's registry card",
    description=(
        "Identity, residency, family links and state-paid category memberships. Citizens see themselves, "
        "their children under 18 (the rulebook's minor age) and their wards; clinics, fund operators and "
        "auditors see anyone; "
        "employers see no registry cards. Every read (and every refused attempt) is written to the audit log."
    ),
    responses={
        401: {"description": "Not logged in"},
        403: {"description": "The role may not read this person"},
        404: {"description": "No such person"},
        422: {"description": "The IIN fails a check"},
    },
)
def read_person(
    session: DbSession,
    principal: CurrentPrincipal,
    iin: str = Path(description="12-digit IIN", examples=["860101300017"], json_schema_extra=iin_schema()),
) -> PersonCard:
    authorize(session, principal, PERSON_READ, iin, channel="api")
    card = get_person(session, iin)
    audit.record(
        session, principal, channel="api", action="person.read", resource=f"/api/v1/persons/{iin}", subject_iin=iin
    )
    return PersonCard.model_validate(card)
