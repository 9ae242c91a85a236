"""Benefits API (thin): the care-type catalogue and ``POST /api/v1/entitlements``."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from fastapi import APIRouter
from pydantic import BaseModel, Field

from osms.benefits import service
from osms.benefits.catalogue import CARE_TYPES, catalogue
from osms.benefits.rules import REASONS
from osms.core.http import CurrentPrincipal, DbSession
from osms.core.openapi import iin_schema
from osms.coverage.api import Message, StatusAnswer
from osms.rulebooks.api import rulebook_schema

router = APIRouter(prefix="/api/v1", tags=["benefits"])


class CareTypeAnswer(BaseModel):
    code: str = Field(description="Care type code: " + ", ".join(CARE_TYPES))
    name: Message
    nature: Literal["planned", "emergency"]


@router.get(
    "/care-types",
    response_model=list[CareTypeAnswer],
    summary="The care types of the benefit packages",
    description="Every care type: code, name in kk/ru/en, planned or emergency (docs/benefits.md). Public.",
)
def read_care_types() -> list[dict[str, Any]]:
    return catalogue()


class EntitlementRequest(BaseModel):
    iin: str = Field(
        description="The patient's 12-digit IIN", examples=["860101300017"], json_schema_extra=iin_schema()
    )
    care_type: str = Field(
        description="Care type code (GET /api/v1/care-types)",
        examples=["consult_diag"],
        json_schema_extra={"enum": list(CARE_TYPES)},
    )
    date: dt.date | None = Field(default=None, description="Day of the care, YYYY-MM-DD (default today)")
    icd10: str | None = Field(default=None, description="Diagnosis, a WHO ICD-10 code (e.g. A15.0)")
    emergency: bool = Field(default=False, description="The care is an emergency")
    referral: bool = Field(default=False, description="A referral from PHC or a specialist exists")
    rulebook: str | None = Field(
        default=None,
        description="Rulebook name (default: the setting OSMS_RULEBOOK)",
        json_schema_extra=rulebook_schema(),
    )


class Reason(BaseModel):
    code: str = Field(description="One of: " + ", ".join(REASONS))
    message: Message


class Diagnosis(BaseModel):
    code: str = Field(description="The ICD-10 code as understood (e.g. A15.0)")
    description: str = Field(description="WHO ICD-10 title (English)")
    title: Message = Field(
        description="The diagnosis for a reader: en the code and WHO's title; kk and ru the code with the words of "
        "the list it falls under, or the code alone (never English in a kk or ru text)"
    )
    socially_significant: Message | None = Field(
        description="The socially significant disease it falls under (kk/ru/en), if any"
    )
    dangerous: Message | None = Field(description="The disease dangerous to others it falls under (kk/ru/en), if any")


class EntitlementAnswer(BaseModel):
    iin: str
    covered_by: Literal["GOBMP", "OSMS", "none"] = Field(
        description="GOBMP: guaranteed free volume; OSMS: insurance package; none: not covered"
    )
    care_type: CareTypeAnswer
    date: dt.date
    emergency: bool
    referral: bool
    residency: str | None = Field(description="The registry's residency; null when the person is not in it")
    diagnosis: Diagnosis | None
    message: Message = Field(description="The answer in one line")
    reasons: list[Reason] = Field(description="Why, in the order of docs/benefits.md")
    rulebook: str
    rules: list[str] = Field(description="Ids of the rulebook entries applied (benefits.*)")
    provisional: bool = Field(
        default=False,
        description="True when the date is after the rulebook's confirmed horizon: the entries in force on the "
        "horizon were carried forward (docs/rulebooks.md)",
    )
    carried_forward: list[str] = Field(default=[], description="Ids of the entries carried forward")
    provisional_message: Message | None = Field(
        default=None, description="The sentence saying the answer is provisional, in kk/ru/en (null unless it is)"
    )
    insured: StatusAnswer = Field(description="The insured status answer, as GET /api/v1/persons/{iin}/status")


@router.post(
    "/entitlements",
    response_model=EntitlementAnswer,
    summary="Is this care free for the patient, and from which package?",
    description=(
        "Decides GOBMP / OSMS / none for a patient, care type, date, diagnosis (ICD-10), emergency and referral, "
        "in the order of docs/benefits.md: never-covered care types; emergency (never depends on status); diseases "
        "dangerous to others (everyone on the territory); GOBMP care types and socially significant diseases for "
        "eligible residents; OSMS care types for the insured (with a referral for planned care). Clinics, "
        "operators and auditors ask about anyone; citizens about themselves and their children or wards. Every "
        "lookup is audited (entitlement.read). Bad input (unknown care type or ICD-10 code, a date outside the "
        "rulebook) is a 422 problem with code unknown_care_type, unknown_icd10 or date_outside_rulebook."
    ),
    responses={
        401: {"description": "Not logged in"},
        403: {"description": "The role may not ask about this person"},
        404: {"description": "Unknown rulebook"},
        422: {"description": "Bad IIN, unknown care type, unknown ICD-10 code, or a date outside the rulebook"},
    },
)
def entitle(body: EntitlementRequest, session: DbSession, principal: CurrentPrincipal) -> EntitlementAnswer:
    answer = service.entitlement(
        session,
        principal,
        body.iin,
        body.care_type,
        body.date,
        body.icd10,
        emergency=body.emergency,
        referral=body.referral,
        rulebook=body.rulebook,
        channel="api",
        resource="/api/v1/entitlements",
    )
    return EntitlementAnswer.model_validate(answer)
