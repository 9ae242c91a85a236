"""Procurement API (thin; docs/providers.md, "Procurement workflow"): the public list and page of a
procurement, its applications for the fund and for each provider, and a provider's signed
application."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path
from pydantic import BaseModel, Field

from osms.core.http import CurrentPrincipal, DbSession, optional_principal
from osms.core.security import Principal
from osms.providers import procurement
from osms.providers.vocabulary import CARE_TYPE_CODES

router = APIRouter(prefix="/api/v1", tags=["procurement"])

MONEY_PATTERN = r"^\d+\.\d{2}$"
ProcurementId = Annotated[
    str,
    Path(
        description="The procurement's id",
        examples=["PROC-2027-ALA"],
        json_schema_extra={"pattern": "^[A-Za-z0-9._-]{1,64}$"},
    ),
]
MaybePrincipal = Annotated[Principal | None, Depends(optional_principal)]


class PlanLine(BaseModel):
    care_type: str = Field(json_schema_extra={"enum": list(CARE_TYPE_CODES)})
    region: str = Field(examples=["KZ-ALA"])
    volume: int = Field(ge=0)
    unit: str = Field(description="What the volume counts: cases, bed-days, persons, ...")
    sum: str = Field(pattern=MONEY_PATTERN, description="Tenge")


class Reason(BaseModel):
    code: str
    message: dict[str, str] = Field(description="The sentence in kk, ru and en")


class Decision(BaseModel):
    application_id: str
    provider_id: str
    care_type: str
    decision: str = Field(json_schema_extra={"enum": ["admitted", "rejected"]})
    reasons: list[Reason]
    preference: list[str] = Field(description="accredited, experience_3y, own_is")
    rules: list[str] = Field(description="The rulebook entries applied")
    provisional: bool
    carried_forward: list[str]
    provisional_message: dict[str, str] | None


class Application(BaseModel):
    announcement_id: str
    application_id: str
    provider_id: str
    care_type: str
    region: str
    volume: int
    sum: str = Field(pattern=MONEY_PATTERN)
    submitted: str = Field(description="The day received, YYYY-MM-DD")
    channel: str = Field(description="file (an operator's import) or api (signed by the applicant)")
    signed_by: str | None = Field(description="The verified signer and certificate (signed applications)")
    corrections: int
    false_information: str | None = Field(description="The commission's finding of false information, if any")


class ApplicationWithDecision(Application):
    decision: Decision | None = Field(description="Stage 1 (null before it)")


class Placement(BaseModel):
    care_type: str
    region: str
    provider_id: str
    volume: int
    sum: str = Field(pattern=MONEY_PATTERN)
    preferred: bool


class Procurement(BaseModel):
    announcement_id: str
    year: int
    opens: str
    closes: str
    rulebook: str
    state: str = Field(json_schema_extra={"enum": ["announced", "admitted", "distributed", "published"]})
    published: bool
    plan: list[PlanLine]


class ProcurementPage(Procurement):
    results: list[Placement] | None = Field(
        description="The placements: for everyone once published; for operators and auditors once placed"
    )
    applications: list[ApplicationWithDecision] | None = Field(
        default=None, description="Operators and auditors only: every application with its decision"
    )


class SignedApplication(BaseModel):
    application: dict[str, Any] = Field(
        description=(
            "The application: announcement_id (this procurement), application_id, provider_id, care_type, region, "
            "volume (a whole number), sum (text, tenge with two decimals); other members are kept in the signed "
            "bytes. Its canonical JSON is what is signed."
        )
    )
    signature: str = Field(
        max_length=200_000, description="Detached CMS SignedData over the canonical JSON: base64, PEM or DER"
    )


@router.get(
    "/procurements",
    response_model=list[Procurement],
    summary="Procurements",
    description="Every procurement announced, latest first, with its window and plan. Open to anyone.",
)
def list_procurements(session: DbSession) -> list[dict[str, Any]]:
    return procurement.announcements(session)


@router.get(
    "/procurements/{procurement_id}",
    response_model=ProcurementPage,
    summary="A procurement",
    description=(
        "The announcement and plan, open to anyone, and the results once published. Fund operators and auditors "
        "see the placements as soon as they are made and every application with its decision."
    ),
    responses={404: {"description": "No such procurement (code unknown_procurement)"}},
)
def read_procurement(session: DbSession, principal: MaybePrincipal, procurement_id: ProcurementId) -> dict[str, Any]:
    return procurement.view(session, procurement_id, full=procurement.may_review(session, principal))


@router.get(
    "/procurements/{procurement_id}/applications",
    response_model=list[ApplicationWithDecision],
    summary="A procurement's applications",
    description=(
        "The applications with their stage-1 decisions (reasons in kk/ru/en, preference, rules). Fund operators and "
        "auditors see all; a provider's login (role clinic) its own."
    ),
    responses={
        401: {"description": "Not logged in"},
        403: {"description": "A role that may not see applications (the refusal is logged)"},
        404: {"description": "No such procurement (code unknown_procurement)"},
    },
)
def read_applications(
    session: DbSession, principal: CurrentPrincipal, procurement_id: ProcurementId
) -> list[dict[str, Any]]:
    return procurement.read_applications(session, principal, procurement_id, channel="api")


@router.post(
    "/procurements/{procurement_id}/applications",
    response_model=Application,
    status_code=201,
    summary="Apply, signed",
    description=(
        "A provider's login (role clinic) sends its application electronically signed by someone acting for the "
        "provider (docs/providers.md, 'Signed applications'). The signature is checked against the fund's trust "
        "store for the provider's BIN in the register at the moment received; a refusal is a 422 naming its code "
        "(malformed_signature, unsupported_algorithm, signature_mismatch, untrusted_certificate, "
        "certificate_revoked, certificate_expired, certificate_not_yet_valid, wrong_key_usage, "
        "signer_not_applicant, not_canonical_json). The application is submitted on the day received."
    ),
    responses={
        401: {"description": "Not logged in"},
        403: {"description": "Not the login of the provider applying (the refusal is logged)"},
        404: {"description": "No such procurement (unknown_procurement) or provider (unknown_provider)"},
        409: {"description": "Applications closed (applications_closed) or the id taken (duplicate_application)"},
        422: {"description": "A bad application or a refused signature, with its code"},
        503: {"description": "No trust store configured (trust_store_unavailable)"},
    },
)
def apply_signed(
    session: DbSession, principal: CurrentPrincipal, procurement_id: ProcurementId, body: SignedApplication
) -> dict[str, Any]:
    return procurement.apply_signed(
        session, principal, procurement_id, body.application, body.signature, at=datetime.now(UTC), channel="api"
    )
