"""Monitoring and appeals API (thin; docs/claims.md, "Monitoring and appeals"): a provider's
findings and defects, an expert's additional defect, the provider's objection, a reviewer's
decision, the deaths' review queue, unplanned cases, a citizen's complaint, the escalation report
and closing a reporting month."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Path, Query
from pydantic import BaseModel, ConfigDict, Field

from osms.claims import appeals, monitoring
from osms.core.http import CurrentPrincipal, DbSession
from osms.core.openapi import IDENT_PATTERN
from osms.registry.regions import regions

router = APIRouter(prefix="/api/v1", tags=["monitoring"])

CHANNEL = "api"
MONTH = r"^[12]\d{3}-(0[1-9]|1[0-2])$"
#: The largest key asked for: the largest integer JSON carries exactly (a 64-bit column holds more).
ID_MAX = 2**53 - 1
#: A note that says something (not only blanks).
TEXT = r"\S"


class _Open(BaseModel):
    model_config = ConfigDict(extra="allow")


class Appeal(BaseModel):
    status: str = Field(json_schema_extra={"enum": list(appeals.STATUSES)})
    decision: str | None = Field(
        description="The last reviewer's decision", json_schema_extra={"enum": [*appeals.DECISIONS, None]}
    )
    next_step: str | None = Field(
        description="The step awaited (null: final)", json_schema_extra={"enum": [*appeals.STEPS, None]}
    )
    actor: str | None = Field(description="Who acts next", json_schema_extra={"enum": [*appeals.ACTORS, None]})
    due_on: str | None = Field(description="The last working day for the awaited step")
    final: bool
    automatic: bool = Field(description="Confirmed because the provider's deadline passed in silence")
    overdue: bool = Field(description="A reviewer is past the due date")
    decided_on: str | None


class AppealStepOut(BaseModel):
    step: str = Field(json_schema_extra={"enum": list(appeals.STEPS)})
    on: str
    due_on: str | None = Field(description="The due date the step answered")
    actor: str
    region: str | None = Field(description="The reviewer's region (central: the central office)")
    decision: str | None
    note: str | None


class DefectOut(_Open):
    id: int
    provider_id: str
    month: str = Field(pattern=MONTH)
    code: str = Field(description="Code of the defect classifier", examples=["5.1"])
    origin: str = Field(json_schema_extra={"enum": ["potential", "additional", "general"]})
    status: str = Field(description="The appeal's state today", json_schema_extra={"enum": list(appeals.STATUSES)})
    found_on: str
    appeal: Appeal
    record: dict[str, Any] | None = Field(description="The service record (with the person's IIN)")
    steps: list[AppealStepOut] = []


class CaseOut(_Open):
    id: int
    kind: str = Field(json_schema_extra={"enum": ["death_review", "unplanned", "expertise"]})
    trigger: str
    record_ref: int | None
    provider_id: str
    month: str
    status: str = Field(json_schema_extra={"enum": ["open", "closed"]})
    outcome: str | None
    defect: DefectOut | None = Field(None, description="The defect 5.1 a confirmed complaint became")


class FindingsOut(BaseModel):
    provider_id: str
    month: str
    closed: bool = Field(description="The month is closed (no more corrections)")
    records: list[dict[str, Any]] = Field(description="Records with findings and defects, each with both lists")
    findings_by_code: dict[str, int]
    defects_by_status: dict[str, int]


class ProviderDefectsOut(BaseModel):
    provider_id: str
    month: str | None
    defects: list[DefectOut]
    cases: list[CaseOut] = Field(description="The provider's monitoring cases (complaints included)")


class NewDefect(BaseModel):
    code: str = Field(max_length=8, examples=["6.1"])
    note: str = Field(min_length=1, max_length=4000, pattern=TEXT, description="The expert's finding")
    evidence: str | None = Field(None, max_length=4000, description="What it rests on")
    case_id: int | None = Field(None, ge=1, le=ID_MAX, description="The monitoring case it belongs to")


class Objection(BaseModel):
    note: str = Field(min_length=1, max_length=4000, pattern=TEXT, description="The provider's reasons")


class Decision(BaseModel):
    decision: str = Field(json_schema_extra={"enum": list(appeals.DECISIONS)})
    region: str = Field(
        description="The reviewer's region code, or 'central' for the central office",
        json_schema_extra={"enum": [*regions(), appeals.CENTRAL_REGION]},
    )
    note: str | None = Field(None, max_length=4000)


class NewCase(BaseModel):
    provider_id: str = Field(max_length=32)
    trigger: str = Field(json_schema_extra={"enum": list(monitoring.TRIGGERS)})
    record_ref: int | None = Field(None, ge=1, le=ID_MAX, description="A record of the provider")
    complainant_iin: str | None = Field(None, description="Who complains (a complaint is never anonymous)")
    note: str | None = Field(None, max_length=4000)


class CaseClose(BaseModel):
    outcome: str = Field(json_schema_extra={"enum": list(monitoring.CASE_OUTCOMES)})
    note: str | None = Field(None, max_length=4000)


class Complaint(BaseModel):
    record_ref: int = Field(ge=1, le=ID_MAX, description="The service record the person did not receive")
    note: str | None = Field(None, max_length=4000)


READ_ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"description": "Not logged in"},
    403: {"description": "Another provider's data, or a role that may not read it (the refusal is logged)"},
    422: {"description": "Malformed request (bad_month, bad_status)"},
}
WRITE_ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"description": "Not logged in"},
    403: {"description": "A role or relation that may not do this (the refusal is logged)"},
    404: {"description": "No such defect, record or case (unknown_defect, unknown_record, unknown_case)"},
    409: {
        "description": (
            "The state refuses it, with a code: objection_late (confirmed automatically), appeal_final, out_of_order, "
            "same_region, same_reviewer, not_central, no_appeal, case_closed, month_not_over, month_closed, "
            "objection_window_open"
        )
    },
    422: {"description": "Malformed request (unknown_defect_code, missing_note, unknown_region, unknown_trigger, ...)"},
}
DefectId = Annotated[int, Path(description="The defect's id", ge=1, le=ID_MAX)]


@router.get(
    "/monitoring/findings",
    response_model=FindingsOut,
    summary="A provider's records with findings and defects in a month",
    description=(
        "The provider's service records of the reporting month with a finding of the checks or a defect, each with "
        "its findings and its defects (the appeal's state today), and counts by finding code and defect status. "
        "Operators and auditors any provider; a provider's login its own. Every person listed is audited."
    ),
    responses=READ_ERRORS,
)
def findings(
    session: DbSession,
    principal: CurrentPrincipal,
    provider: Annotated[str, Query(description="provider_id", max_length=32)],
    month: Annotated[str, Query(description="YYYY-MM", pattern=MONTH)],
) -> dict[str, Any]:
    return monitoring.record_findings(
        session, principal, provider, month, channel=CHANNEL, resource="/api/v1/monitoring/findings"
    )


@router.get(
    "/providers/{provider_id}/defects",
    response_model=ProviderDefectsOut,
    summary="A provider's defects with their appeals, and its monitoring cases",
    description=(
        "Every defect of the provider (of `month`, else all; `status` filters on the appeal's state today) with "
        "the appeal's clock (next step, who acts, due date in working days) and every step, and its monitoring "
        "cases: a citizen's complaint shows here. Operators and auditors any; a provider's login its own."
    ),
    responses=READ_ERRORS,
)
def provider_defects(
    session: DbSession,
    principal: CurrentPrincipal,
    provider_id: Annotated[
        str,
        Path(
            description="The provider's id in the register", max_length=32, json_schema_extra={"pattern": IDENT_PATTERN}
        ),
    ],
    month: Annotated[str | None, Query(description="YYYY-MM", pattern=MONTH)] = None,
    status: Annotated[str | None, Query(json_schema_extra={"enum": list(appeals.STATUSES)})] = None,
) -> dict[str, Any]:
    return monitoring.provider_defects(
        session,
        principal,
        provider_id,
        month,
        status=status,
        channel=CHANNEL,
        resource=f"/api/v1/providers/{provider_id}/defects",
    )


@router.get(
    "/monitoring/defects/{defect_id}",
    response_model=DefectOut,
    summary="A defect with its record and appeal",
    description=(
        "One defect: its record, its appeal's state today and every step. Operators and auditors any; a "
        "provider's login its own."
    ),
    responses={**READ_ERRORS, 404: {"description": "No such defect (unknown_defect)"}},
)
def defect(session: DbSession, principal: CurrentPrincipal, defect_id: DefectId) -> dict[str, Any]:
    return monitoring.defect_view(session, principal, defect_id, channel=CHANNEL)


@router.post(
    "/monitoring/records/{record_ref}/defects",
    response_model=DefectOut,
    status_code=201,
    summary="Record an expert's additional defect",
    description=(
        "An additional defect on a service record: a code of the defect classifier in force today, the expert's "
        "note and evidence. The provider is notified today and the appeal's clock starts. Operators (experts)."
    ),
    responses=WRITE_ERRORS,
)
def add_defect(
    session: DbSession,
    principal: CurrentPrincipal,
    record_ref: Annotated[int, Path(description="The record's id in the register", ge=1, le=ID_MAX)],
    body: NewDefect,
) -> dict[str, Any]:
    return monitoring.add_defect(
        session,
        principal,
        record_ref,
        body.code,
        note=body.note,
        evidence=body.evidence,
        case_id=body.case_id,
        channel=CHANNEL,
    )


@router.post(
    "/monitoring/defects/{defect_id}/objection",
    response_model=DefectOut,
    summary="Object to a defect",
    description=(
        "The provider's objection, first or second as the appeal awaits: within 5 working days of the notice "
        "(kz-law, MON п.26-27), the second within 3 of the first review. After the deadline it is refused "
        "(409 objection_late): the defect was confirmed automatically. A provider's login its own; an operator "
        "records one received on paper."
    ),
    responses=WRITE_ERRORS,
)
def object_to(session: DbSession, principal: CurrentPrincipal, defect_id: DefectId, body: Objection) -> dict[str, Any]:
    return monitoring.object_to(session, principal, defect_id, body.note, channel=CHANNEL)


@router.post(
    "/monitoring/defects/{defect_id}/decision",
    response_model=DefectOut,
    summary="A reviewer's decision on an objection",
    description=(
        "`upheld` (the defect stands) or `overturned` (the provider is right) on the step awaited: the first "
        "review by an employee of another region than the provider's, the second review outside the region by "
        "another reviewer, the central office (region `central`), final. Operators."
    ),
    responses=WRITE_ERRORS,
)
def decide(session: DbSession, principal: CurrentPrincipal, defect_id: DefectId, body: Decision) -> dict[str, Any]:
    return monitoring.decide(
        session, principal, defect_id, body.decision, region=body.region, note=body.note, channel=CHANNEL
    )


DEATHS_DESCRIPTION = (
    "Every record with outcome died in a round-the-clock or day hospital, and every infant death under 1 year "
    "(kz-law, MON п.40), with its death-review case (null until opened) and whether it is open or closed."
)
QUEUE_ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"description": "Not logged in"},
    403: {"description": "Not the fund's staff (logged)"},
    422: {"description": "A month outside the rulebook (date_outside_rulebook, no_rule_in_force), a bad filter"},
}


@router.get(
    "/monitoring/deaths",
    summary="The deaths to review",
    description=DEATHS_DESCRIPTION + " Operators and auditors.",
    responses=QUEUE_ERRORS,
)
def deaths(
    session: DbSession,
    principal: CurrentPrincipal,
    month: Annotated[str | None, Query(description="YYYY-MM (default all)", pattern=MONTH)] = None,
) -> dict[str, Any]:
    return monitoring.death_queue(session, principal, month=month, channel=CHANNEL)


@router.post(
    "/monitoring/deaths/cases",
    summary="Open the review cases of the deaths to review",
    description=DEATHS_DESCRIPTION + " Opens every missing death-review case in one insert and answers the queue. "
    "Operators.",
    responses=QUEUE_ERRORS,
)
def open_death_cases(
    session: DbSession,
    principal: CurrentPrincipal,
    month: Annotated[str | None, Query(description="YYYY-MM (default all)", pattern=MONTH)] = None,
) -> dict[str, Any]:
    return monitoring.death_queue(session, principal, month=month, open_cases=True, channel=CHANNEL)


@router.get(
    "/monitoring/reviews",
    summary="The appeals awaiting a reviewer",
    description=(
        "Defects whose appeal awaits a decision (a review in another region, a second review outside the region, "
        "the central office), soonest due first, with the due date in working days and whether it is overdue. "
        "With `region` (the reviewer's), only what that reviewer may decide. Operators and auditors."
    ),
    responses=QUEUE_ERRORS,
)
def reviews(
    session: DbSession,
    principal: CurrentPrincipal,
    region: Annotated[
        str | None,
        Query(description="The reviewer's region, or central", json_schema_extra={"enum": [*regions(), "central"]}),
    ] = None,
) -> dict[str, Any]:
    return monitoring.review_queue(session, principal, region=region, channel=CHANNEL)


@router.get(
    "/monitoring/cases",
    summary="Monitoring cases",
    description=(
        "The experts' cases: deaths' reviews, unplanned monitoring (with its trigger), expertise of sampled records; "
        "by kind, status (default open) and provider. Operators and auditors."
    ),
    responses=QUEUE_ERRORS,
)
def cases(
    session: DbSession,
    principal: CurrentPrincipal,
    kind: Annotated[str | None, Query(json_schema_extra={"enum": list(monitoring.CASE_KINDS)})] = None,
    status: Annotated[str, Query(json_schema_extra={"enum": ["open", "closed"]})] = "open",
    provider: Annotated[str | None, Query(description="provider_id", max_length=32)] = None,
) -> dict[str, Any]:
    return monitoring.list_cases(session, principal, kind=kind, status=status, provider_id=provider, channel=CHANNEL)


@router.post(
    "/monitoring/cases",
    response_model=CaseOut,
    status_code=201,
    summary="Open an unplanned monitoring case",
    description=(
        "An unplanned monitoring case on a trigger (complaint, risk, extra_volume, unconfirmed, breach, ministry; "
        "MON п.51) on a provider or one of its records; a complaint names who complains (п.52: never anonymous). "
        "Operators."
    ),
    responses=WRITE_ERRORS,
)
def open_case(session: DbSession, principal: CurrentPrincipal, body: NewCase) -> dict[str, Any]:
    return monitoring.open_case(
        session,
        principal,
        provider_id=body.provider_id,
        trigger=body.trigger,
        record_ref=body.record_ref,
        note=body.note,
        complainant_iin=body.complainant_iin,
        channel=CHANNEL,
    )


@router.post(
    "/monitoring/cases/{case_id}/close",
    response_model=CaseOut,
    summary="Close a monitoring case",
    description="Close a case with its outcome; a confirmed complaint on a record becomes defect 5.1. Operators.",
    responses=WRITE_ERRORS,
)
def close_case(
    session: DbSession,
    principal: CurrentPrincipal,
    case_id: Annotated[int, Path(description="The case's id", ge=1, le=ID_MAX)],
    body: CaseClose,
) -> dict[str, Any]:
    return monitoring.close_case(session, principal, case_id, body.outcome, note=body.note, channel=CHANNEL)


@router.post(
    "/monitoring/complaints",
    response_model=CaseOut,
    status_code=201,
    summary="I did not receive this",
    description=(
        "A citizen's complaint on a service billed in their name or their child's: opens an unplanned case on the "
        "record, shown to the provider. A citizen for themselves, their children and wards; an operator for a caller."
    ),
    responses=WRITE_ERRORS,
)
def complaint(session: DbSession, principal: CurrentPrincipal, body: Annotated[Complaint, Body()]) -> dict[str, Any]:
    return monitoring.file_complaint(session, principal, body.record_ref, body.note, channel=CHANNEL)


@router.get(
    "/monitoring/escalation",
    summary="Providers above the escalation thresholds",
    description=(
        "Per provider, the unconfirmed cases (defects 5.x not withdrawn) of the month and over its contract, against "
        "200 МРП a month and 800 МРП a contract (MON п.19-20). The amounts are what the payment runs deducted for "
        "each defect once a run of the month exists (`amounts` `given`; only the providers above a threshold are "
        "listed); before, `amounts` is `awaiting_payment_room` and the report gives counts. Operators and auditors."
    ),
    responses={
        401: {"description": "Not logged in"},
        403: {"description": "Not the fund's staff (logged)"},
        422: {"description": "A month outside the rulebook (date_outside_rulebook, no_rule_in_force)"},
    },
)
def escalation(
    session: DbSession,
    principal: CurrentPrincipal,
    month: Annotated[str, Query(description="YYYY-MM", pattern=MONTH)],
) -> dict[str, Any]:
    return monitoring.escalation(session, principal, month, channel=CHANNEL)


@router.post(
    "/monitoring/months/{month}/close",
    summary="Close a reporting month",
    description=(
        "Close the month: intake refuses corrections of its records (month_closed). Refused while the month is not "
        "over, when closed already, and while a defect of the month is inside its first objection window. Operators."
    ),
    responses=WRITE_ERRORS,
)
def close_month(
    session: DbSession,
    principal: CurrentPrincipal,
    month: Annotated[str, Path(description="YYYY-MM", pattern=MONTH)],
) -> dict[str, Any]:
    return monitoring.close_month(session, principal, month, channel=CHANNEL)
