"""Claims API (thin; docs/claims.md, "Channels" and "What the citizen sees"): the services billed in
a person's name (``GET /api/v1/persons/{iin}/services``)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query
from pydantic import BaseModel, Field

from osms.claims import citizen
from osms.claims.vocabulary import CARE_FORMS, OUTCOMES
from osms.core.config import get_settings
from osms.core.http import CurrentPrincipal, DbSession
from osms.core.openapi import iin_schema

router = APIRouter(prefix="/api/v1", tags=["claims"])

Lang = Literal["kk", "ru", "en"]
IinPath = Annotated[str, Path(description="12-digit IIN", examples=["860101300017"], json_schema_extra=iin_schema())]


def _problem(description: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {"application/problem+json": {"schema": {"type": "object"}}},
    }


# --------------------------------------------------------------------------------------------
# What the citizen sees


class Coded(BaseModel):
    code: str
    name: str = Field(description="In the language asked for (`lang`)")


class ProviderRef(BaseModel):
    provider_id: str
    name: str | None


class Complaint(BaseModel):
    case_id: int = Field(description="The unplanned monitoring case the complaint opened")
    opened_on: str
    status: str = Field(json_schema_extra={"enum": ["open", "closed"]})
    outcome: str | None


class ServiceOut(BaseModel):
    record_ref: int = Field(description="The register's key of the record (for a complaint)")
    record_id: str = Field(description="The provider's own id of the record")
    iin: str
    provider: ProviderRef
    date_from: str
    date_to: str
    care_form: Coded = Field(description="Form of care: " + ", ".join(CARE_FORMS))
    care_type: Coded = Field(description="Care type (GET /api/v1/care-types)")
    service_code: str | None = Field(description="The price list's service code (visits, services, calls)")
    case_group: str | None = Field(description="The clinical cost group (hospital forms)")
    service_name: str | None = Field(description="The service's or group's name in the language asked for")
    icd10: str = Field(description="Diagnosis, ICD-10")
    procedures: list[str] = Field(description="Procedures, ICD-9")
    outcome: Coded = Field(description="How it ended: " + ", ".join(OUTCOMES))
    quantity: int
    complaint: Complaint | None = Field(description="The complaint filed about this record, if any")


class PersonServicesOut(BaseModel):
    iin: str
    name: str | None = Field(description="The person's name in the registry (null: not in the registry)")
    total: int = Field(description=f"Records in the person's name (the list shows at most {citizen.MAX_SERVICES})")
    services: list[ServiceOut] = Field(description="Newest first")


@router.get(
    "/persons/{iin}/services",
    response_model=PersonServicesOut,
    summary="The services billed to the fund in a person's name",
    description=(
        "Every service record providers reported for the person, newest first, with the provider, the dates, "
        "the form and type of care, the service or clinical cost group by name, the diagnosis and any complaint "
        'already filed (docs/claims.md, "What the citizen sees"). The person, a parent of a child under the '
        "minor age and a guardian of a ward may read it, and the fund's operators and auditors; a clinic may "
        "not. Every read is audited (`services.read`, the person as the subject)."
    ),
    responses={
        401: _problem("Not logged in"),
        403: _problem("Neither the person, their parent or guardian, nor the fund's staff"),
        422: _problem("The IIN fails a check (`bad_iin:...`)"),
    },
)
def get_services(
    principal: CurrentPrincipal,
    session: DbSession,
    iin: IinPath,
    lang: Annotated[Lang | None, Query(description="Language of the names (default: the server's)")] = None,
) -> PersonServicesOut:
    found = citizen.services_of(
        session,
        principal,
        iin,
        channel="api",
        resource=f"/api/v1/persons/{iin.strip()[:12]}/services",
        lang=lang or get_settings().language,
    )
    return PersonServicesOut.model_validate(found.as_dict())
