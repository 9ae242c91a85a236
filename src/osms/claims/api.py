"""Claims API (thin; docs/claims.md, "Channels" and "What the citizen sees"): service reports
(``POST /api/v1/service-reports``), the services billed in a person's name
(``GET /api/v1/persons/{iin}/services``) and the complaint "I did not receive this"."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query
from pydantic import BaseModel, ConfigDict, Field

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
    at_home: bool = Field(description="Given at the patient's home (PAY п.67)")
    remote: bool = Field(description="Given remotely, a teleconsultation (PAY п.68)")
    preventive_child: bool = Field(
        description="A specialist's consultation in a child's preventive examination (PAY п.66)"
    )


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
        "the form and type of care, the service or clinical cost group by name, the diagnosis, whether it was "
        "given at home, remotely or in a child's preventive examination, and any complaint "
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


# --------------------------------------------------------------------------------------------
# "I did not receive this"


class ComplaintIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    note: str | None = Field(
        default=None, max_length=citizen.MAX_NOTE, description="What happened, in the person's words (optional)"
    )


class CaseOut(BaseModel):
    model_config = ConfigDict(extra="allow")

    id: int = Field(description="The monitoring case")
    kind: str = Field(description="unplanned")
    trigger: str = Field(description="complaint")
    record_ref: int | None
    provider_id: str
    month: str = Field(description="The record's reporting month, YYYY-MM")
    opened_on: str
    due_on: str | None
    status: str = Field(json_schema_extra={"enum": ["open", "closed"]})
    outcome: str | None
    complainant_iin: str | None
    note: str | None


@router.post(
    "/persons/{iin}/services/{record_ref}/complaint",
    response_model=CaseOut,
    status_code=201,
    summary='"I did not receive this": a complaint about a service billed in a person\'s name',
    description=(
        "The person (or their parent or guardian; an operator for a caller) says the service was not given. "
        "The complaint opens an unplanned monitoring case on the record, which the provider sees in its lists; "
        'a confirmed case becomes defect 5.1 (docs/claims.md, "What the citizen sees"). Filing again while '
        "the case is open answers the same case. `record_ref` is the record's key in "
        "GET /api/v1/persons/{iin}/services; a record of another person is not found (404)."
    ),
    responses={
        401: _problem("Not logged in"),
        403: _problem("Neither the person, their parent or guardian, nor an operator"),
        404: _problem("No such record in this person's name (`unknown_service_record`)"),
        422: _problem("The IIN fails a check (`bad_iin:...`) or the body is not valid"),
    },
)
def post_complaint(
    principal: CurrentPrincipal,
    session: DbSession,
    iin: IinPath,
    record_ref: Annotated[int, Path(ge=1, le=2**62, description="The record's key (`record_ref`)")],
    body: ComplaintIn | None = None,
) -> CaseOut:
    case = citizen.complain(
        session,
        principal,
        iin,
        record_ref,
        body.note if body is not None else None,
        channel="api",
        resource=f"/api/v1/persons/{iin.strip()[:12]}/services/{record_ref}/complaint",
    )
    return CaseOut.model_validate(case)
