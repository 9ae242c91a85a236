"""Attachment API (thin): applications and decisions, who is attached where, clinics of a region,
a clinic's applications and population (docs/attachment.md)."""

from __future__ import annotations

import datetime as dt
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query
from pydantic import BaseModel, Field

from osms.attachment import applications, population, rules, service
from osms.attachment.access import ATTACHMENT_APPLY, CLINIC_APPLICATIONS_READ, CLINIC_POPULATION_READ
from osms.core import audit
from osms.core.authz import authorize, authorize_role
from osms.core.clock import fund_today
from osms.core.http import CurrentPrincipal, DbSession
from osms.core.openapi import IDENT_PATTERN, OFFSET_MAX, iin_list_schema, iin_schema
from osms.rulebooks.api import rulebook_schema

router = APIRouter(prefix="/api/v1", tags=["attachment"])

REASON_HELP = ", ".join(rules.REASONS)
CLINIC_ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"description": "Not logged in"},
    403: {"description": "Another clinic's data"},
    404: {"description": "Unknown clinic"},
    422: {"description": "Malformed request"},
}


class Message(BaseModel):
    kk: str
    ru: str
    en: str


class DecisionReason(BaseModel):
    code: str = Field(description="Machine-readable reason code (docs/attachment.md)", examples=["first_attachment"])
    message: Message


class ApplicationRequest(BaseModel):
    iin: str = Field(
        description="IIN of the person to attach", examples=["860101300017"], json_schema_extra=iin_schema()
    )
    clinic_id: str = Field(
        description="The chosen clinic", examples=["ALA-PHC-001"], json_schema_extra={"pattern": IDENT_PATTERN}
    )
    reason: str = Field(
        description=f"One of {REASON_HELP}; a `choice` inside the campaign takes effect on 1 January next year",
        examples=["move"],
        json_schema_extra={"enum": list(rules.REASONS)},
    )
    date: dt.date = Field(description="Day of the application")
    district_id: str | None = Field(
        default=None, description="The chosen doctor's district, if any", json_schema_extra={"pattern": IDENT_PATTERN}
    )
    applicant_iin: str | None = Field(
        default=None,
        description="Who applies: a parent or guardian for a child, an adult for a family member",
        json_schema_extra=iin_schema(),
    )
    contract_until: dt.date | None = Field(
        default=None, description="End of an EAEU labour migrant's employment contract (required for them)"
    )
    family: list[str] = Field(
        default_factory=list,
        description="Further family members attached in the same application (IINs)",
        json_schema_extra=iin_list_schema(),
    )
    rulebook: str | None = Field(
        default=None,
        description="Rulebook name (default: the setting OSMS_RULEBOOK)",
        json_schema_extra=rulebook_schema(),
    )


class DecisionAnswer(BaseModel):
    decision: str = Field(description=", ".join(rules.DECISIONS))
    effective_from: date | None = Field(description="First day served by the new clinic (null unless accepted)")
    previous_clinic: str | None = Field(description="The clinic serving the person on the application day")
    district: str | None = Field(description="The district attached to, or the district offered")
    reasons: list[DecisionReason]
    iin: str
    clinic: str
    on: date | None = Field(description="Day of the application")
    home_visits: bool | None = Field(description="False when the address is outside the clinic's service area")
    until: date | None = Field(description="Last day of the attachment when it has an end (EAEU contract)")
    kind: str | None = Field(description="first, ground, campaign_choice or free_choice")
    application_id: int | None
    rulebook: str
    provisional: bool = Field(
        default=False,
        description="True when `on` is after the rulebook's confirmed horizon: the attachment parameters in force "
        "on the horizon were carried forward (docs/rulebooks.md)",
    )
    carried_forward: list[str] = Field(default=[], description="Ids of the attachment parameters carried forward")
    provisional_message: Message | None = Field(
        default=None, description="The sentence saying the decision is provisional, in kk/ru/en (null unless it is)"
    )


class FamilyAnswer(BaseModel):
    decisions: list[DecisionAnswer]


class NextAttachment(BaseModel):
    clinic: str
    clinic_name: str | None
    district: str | None
    since: date
    until: date | None
    home_visits: bool
    kind: str


class AttachmentAnswer(BaseModel):
    iin: str
    on: date
    clinic: str | None = Field(description="null when not attached on that day")
    clinic_name: str | None
    district: str | None
    since: date | None
    until: date | None = Field(description="Last day at this clinic when known (a change is pending, a contract ends)")
    home_visits: bool | None
    kind: str | None
    next: NextAttachment | None = Field(description="A pending change, e.g. a campaign choice from 1 January")


@router.post(
    "/attachments",
    response_model=DecisionAnswer | FamilyAnswer,
    summary="Apply for attachment to a primary-care clinic",
    description=(
        "Decides the application at once (docs/attachment.md): accepted (effective date), accepted without home visits "
        "(address outside the clinic's service area), another district offered (the chosen one is over its norm), "
        "or refused (clinic full, change limit reached, not eligible, already attached there...), each reason with "
        "a code and a sentence in kk/ru/en. Grounds (move, job_or_study, release, military_service_end, "
        "reorganisation) take effect at once; a choice during the campaign on 1 January next year; a free choice "
        "outside it at once, within the rulebook's limit. With `family`, one decision per member "
        '(`{"decisions": [...]}`). Citizens apply for themselves, their children or wards and family members; '
        "a clinic for applications to itself; operators for anyone. Audited."
    ),
    responses={
        401: {"description": "Not logged in"},
        403: {"description": "The role may not apply for this person or to this clinic"},
        404: {"description": "Unknown person, clinic or rulebook"},
        422: {"description": "Bad IIN or reason, or the date is outside the rulebook"},
    },
)
def apply(body: ApplicationRequest, session: DbSession, principal: CurrentPrincipal) -> Any:
    authorize_role(session, principal, ATTACHMENT_APPLY, channel="api", resource="/api/v1/attachments")
    if body.family:
        decisions = applications.apply_family(
            session,
            applicant_iin=body.applicant_iin or (principal.iin if principal.role == "citizen" else None) or body.iin,
            iins=[body.iin, *body.family],
            clinic_id=body.clinic_id,
            reason=body.reason,
            on=body.date,
            district_id=body.district_id,
            contract_until=body.contract_until,
            rulebook=body.rulebook,
            channel="api",
            principal=principal,
        )
        return {"decisions": [d.as_dict() for d in decisions]}
    decision = applications.apply(
        session,
        iin=body.iin,
        clinic_id=body.clinic_id,
        reason=body.reason,
        on=body.date,
        district_id=body.district_id,
        applicant_iin=body.applicant_iin,
        contract_until=body.contract_until,
        rulebook=body.rulebook,
        channel="api",
        principal=principal,
    )
    return decision.as_dict()


@router.get(
    "/persons/{iin}/attachment",
    response_model=AttachmentAnswer,
    summary="The clinic a person is attached to on a day",
    description=(
        "The clinic, district, since when, until when and whether home visits are available on `on` (default "
        "today), and a pending change if any; every field null when not attached. Citizens see themselves and "
        "their children or wards; clinics their attached population and their applicants; operators and auditors "
        "anyone. Every lookup is audited."
    ),
    responses={
        401: {"description": "Not logged in"},
        403: {"description": "The role may not see this person's attachment"},
        422: {"description": "The IIN fails a check, or a malformed request"},
    },
)
def read_attachment(
    session: DbSession,
    principal: CurrentPrincipal,
    iin: str = Path(description="12-digit IIN", examples=["860101300017"], json_schema_extra=iin_schema()),
    on: Annotated[date | None, Query(description="Day, YYYY-MM-DD (default today)")] = None,
) -> Any:
    return service.read_attachment(
        session, principal, iin, on, channel="api", resource=f"/api/v1/persons/{iin.strip()}/attachment"
    )


class DistrictInfo(BaseModel):
    district_id: str
    specialty: str = Field(description="therapist, gp or pediatrician")
    doctor: str
    norm: int
    attached: int


class ClinicInfo(BaseModel):
    clinic_id: str
    bin: str
    name: str
    region: str
    capacity: int
    attached: int = Field(description="Attached on the day, pending attachments included")
    free: int
    service_area: list[str] = Field(description="Address codes with home visits")
    districts: list[DistrictInfo]


@router.get(
    "/clinics",
    response_model=list[ClinicInfo],
    summary="Clinics of a region with free places and districts",
    description="Any logged-in user: clinics are public information (no personal data).",
    responses={401: {"description": "Not logged in"}, 422: {"description": "Malformed request"}},
)
def clinics(
    session: DbSession,
    principal: CurrentPrincipal,
    region: Annotated[
        str, Query(description="Region code, e.g. KZ-ALA", json_schema_extra={"pattern": "^[A-Za-z0-9-]{1,16}$"})
    ],
    on: Annotated[date | None, Query(description="Day of the counts (default today)")] = None,
) -> Any:
    return service.clinics_in_region(session, region, on or fund_today())


@router.get(
    "/clinics/{clinic_id}/applications",
    summary="A clinic's recent applications and decisions",
    description="The clinic itself, operators and auditors. Audited.",
    responses=CLINIC_ERRORS,
)
def clinic_applications(
    session: DbSession,
    principal: CurrentPrincipal,
    clinic_id: Annotated[str, Path(description="The clinic", json_schema_extra={"pattern": IDENT_PATTERN})],
    limit: Annotated[int, Query(ge=1, le=1000, description="How many, newest first")] = 200,
) -> list[dict[str, Any]]:
    authorize(session, principal, CLINIC_APPLICATIONS_READ, channel="api", clinic=clinic_id)
    applications = service.clinic_applications(session, clinic_id, limit=limit)
    # one entry per person listed (the applicant, when another, is named in the row too)
    audit.record_many(
        session,
        principal,
        [a["iin"] for a in applications] + [a["applicant_iin"] for a in applications if a["applicant_iin"]],
        channel="api",
        action="attachment.applications.read",
        resource=f"clinic/{clinic_id}",
    )
    return applications


@router.get(
    "/clinics/{clinic_id}/population",
    summary="A clinic's attached population on a day",
    description="Counts by district and age group and one page of the list. The clinic itself, operators, auditors. "
    "Audited.",
    responses=CLINIC_ERRORS,
)
def clinic_population(
    session: DbSession,
    principal: CurrentPrincipal,
    clinic_id: Annotated[str, Path(description="The clinic", json_schema_extra={"pattern": IDENT_PATTERN})],
    on: Annotated[date | None, Query(description="Day (default today)")] = None,
    page: Annotated[int, Query(ge=1, le=OFFSET_MAX // 50, description="Page of the list, 50 per page")] = 1,
) -> dict[str, Any]:
    authorize(session, principal, CLINIC_POPULATION_READ, channel="api", clinic=clinic_id)
    day = on or fund_today()
    found = population.clinic_population(session, clinic_id, day, page=page)
    audit.record_many(
        session,
        principal,
        [p["iin"] for p in found["persons"]],
        channel="api",
        action="attachment.population.read",
        resource=f"clinic/{clinic_id}?on={day.isoformat()}&page={found['page']}",
    )
    return found
