"""Coverage API (thin): insured status of a person or of many, and the register of pregnant women."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from osms.core.clock import fund_today
from osms.core.http import CurrentPrincipal, DbSession
from osms.core.openapi import iin_list_schema, iin_schema
from osms.coverage import service
from osms.coverage.rules import BASIS_CODES
from osms.rulebooks.api import rulebook_schema

router = APIRouter(prefix="/api/v1", tags=["coverage"])

ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"description": "Not logged in"},
    403: {"description": "The role may not see this person's status"},
    404: {"description": "Unknown rulebook"},
    422: {"description": "The IIN fails a check, or the date is outside the rulebook"},
}


class StatusBasis(BaseModel):
    code: str = Field(description="Why: " + ", ".join(BASIS_CODES) + " (docs/status.md)")
    payer: str | None = Field(
        description="Payer of the month (BIN/IIN of the largest payment), or state / local_budget for a category"
    )
    kind: str | None = Field(description="Payment kind of the month, e.g. employer_deduction, self_payment")
    category: str | None = Field(description="State-paid category code (docs/status.md)")


class Arrears(BaseModel):
    months: list[str] = Field(description="Owed months (their payment deadline has passed), YYYY-MM")
    amount: str = Field(
        description="Total at the self-payer rate of each month, tenge, two decimals", examples=["0.00"]
    )


class DueMonth(BaseModel):
    month: str = Field(description="A month that will be owed unless paid by its deadline, YYYY-MM")
    due_by: date = Field(description="Its payment deadline (rulebook deadlines.<payer kind>, docs/status.md)")


class Message(BaseModel):
    kk: str
    ru: str
    en: str


class StatusAnswer(BaseModel):
    """The whole answer goes to the person (or their parent or guardian), operators and auditors;
    the fields another role may not see are null for it (docs/access.md)."""

    iin: str
    on: date
    insured: bool
    basis: StatusBasis | None = Field(description="null for employers; payer and kind null for clinics")
    insured_until: date | None = Field(
        description="Last day insured if nothing changes; null while open-ended, and always null for employers"
    )
    months_paid_last_12: list[str] | None = Field(
        description="Months M-11..M with a credited payment, YYYY-MM; null for clinics and employers"
    )
    arrears: Arrears | None = Field(description="null for clinics and employers")
    due: list[DueMonth] | None = Field(
        description="Unpaid months whose deadline has not passed: not arrears yet; null for clinics and employers"
    )
    rulebook: str
    rules: list[str] | None = Field(description="Ids of the rulebook entries applied; null for employers")
    message: Message | None = Field(description="null for clinics and employers (it quotes the arrears)")
    provisional: bool = Field(
        default=False,
        description="True when `on` is after the rulebook's confirmed horizon: the entries in force on the horizon "
        "were carried forward (docs/rulebooks.md)",
    )
    carried_forward: list[str] = Field(default=[], description="Ids of the entries carried forward")
    provisional_message: Message | None = Field(
        default=None, description="The sentence saying the answer is provisional, in kk/ru/en (null unless it is)"
    )


@router.get(
    "/persons/{iin}/status",
    response_model=StatusAnswer,
    summary="A person's insured status on a date",
    description=(
        "Insured or not on `on` (default today), why (basis code), until when, the months paid in the last 12, "
        "arrears (months past their payment deadline) at the self-payer rate, the months not yet due with their "
        "deadline, the rulebook entries applied, and a sentence in kk/ru/en (docs/status.md). "
        "Citizens see themselves, their children under 18 (the rulebook's minor age) and their wards; clinics, "
        "operators and auditors anyone; employers their own employees (a payment by them in the last 12 months). "
        "Clinics get insured, until when and the basis in a word; employers only insured or not (docs/access.md). "
        "Every lookup is audited."
        " On PostgreSQL, clinics', operators' and auditors' checks with a token already seen by the serving process "
        "are answered by the hot path (docs/performance.md), with the same answer, errors and audit entry."
    ),
    responses=ERRORS,
)
def read_status(
    session: DbSession,
    principal: CurrentPrincipal,
    iin: str = Path(description="12-digit IIN", examples=["860101300017"], json_schema_extra=iin_schema()),
    on: Annotated[date | None, Query(description="Date of the status, YYYY-MM-DD (default today)")] = None,
    rulebook: Annotated[
        str | None,
        Query(description="Rulebook name (default: the setting OSMS_RULEBOOK)", json_schema_extra=rulebook_schema()),
    ] = None,
) -> StatusAnswer:
    status = service.read_status(
        session, principal, iin, on, rulebook, channel="api", resource=f"/api/v1/persons/{iin.strip()}/status"
    )
    return StatusAnswer.model_validate(service.visible_status(principal.role, status.as_dict()))


class BatchRequest(BaseModel):
    iins: list[str] = Field(
        description=f"Up to {service.BATCH_LIMIT:,} IINs", json_schema_extra=iin_list_schema(service.BATCH_LIMIT)
    )
    on: date | None = Field(default=None, description="Date of the statuses (default today)")
    rulebook: str | None = Field(
        default=None,
        description="Rulebook name (default: the setting OSMS_RULEBOOK)",
        json_schema_extra=rulebook_schema(),
    )


class ItemError(BaseModel):
    code: str = Field(examples=["bad_iin:check_digit"])
    message: str


class BatchItemError(BaseModel):
    iin: str = Field(description="The IIN as sent")
    error: ItemError


class BatchAnswer(BaseModel):
    on: date
    count: int
    results: list[StatusAnswer | BatchItemError] = Field(description="One per IIN sent, in the same order")


@router.post(
    "/status:batch",
    response_model=BatchAnswer,
    summary="Insured status of many persons (clinics)",
    description=(
        f"Up to {service.BATCH_LIMIT:,} IINs in one request; the answers come in the order sent. An invalid IIN is "
        "answered with an error entry, not a failure. For clinics, operators and auditors. Every IIN looked up is "
        "audited."
    ),
    responses={
        401: {"description": "Not logged in"},
        403: {"description": "The role may not check statuses in bulk"},
        404: {"description": "Unknown rulebook"},
        413: {"description": f"More than {service.BATCH_LIMIT:,} IINs"},
        422: {"description": "Malformed request, or the date is outside the rulebook"},
    },
)
def read_statuses(body: BatchRequest, session: DbSession, principal: CurrentPrincipal) -> JSONResponse:
    day = body.on or fund_today()
    results = service.read_statuses(
        session, principal, body.iins, day, body.rulebook, channel="api", resource="/api/v1/status:batch"
    )
    return JSONResponse({"on": day.isoformat(), "count": len(results), "results": results})


class PregnancyRequest(BaseModel):
    iin: str = Field(description="The woman's IIN", json_schema_extra=iin_schema())
    entered_on: date = Field(description="Day the obstetrician entered her in the register of pregnant women")
    expected_delivery: date | None = Field(default=None, description="Expected day of delivery, if known")


class PregnancyDecision(BaseModel):
    id: int
    iin: str
    entered_on: date
    expected_delivery: date | None
    decision: str = Field(description="assigned | refused_has_employer | refused_not_eligible")
    category: str | None = Field(description="pregnant_nonworking when assigned")
    category_from: date | None = Field(description="Third working day after the entry (Kazakh calendar)")
    category_to: date | None = Field(description="Expected delivery + 56 days; null when open")
    reason: str | None
    employer_periods: list[str] = Field(
        description="Months (entry month and the 2 before) paid by an employer or agent"
    )
    message: Message


@router.post(
    "/pregnancies",
    response_model=PregnancyDecision,
    status_code=201,
    summary="Enter a pregnant woman in the register (non-working pregnant woman category)",
    description=(
        "Decides at once (docs/status.md): with no employer or agent payment for the entry month and the 2 months "
        "before, the category pregnant_nonworking is assigned from the 3rd working day after the entry; otherwise "
        "refused (she must pay arrears for up to 12 months). Clinics and operators. The same IIN and day sent again "
        "returns the first decision."
    ),
    responses={
        401: {"description": "Not logged in"},
        403: {"description": "Only clinics and operators enter the register"},
        404: {"description": "No such person"},
        422: {"description": "The IIN fails a check, the dates are inconsistent, or outside the rulebook"},
    },
)
def register_pregnancy(body: PregnancyRequest, session: DbSession, principal: CurrentPrincipal) -> PregnancyDecision:
    answer = service.register_pregnancy(
        session, body.iin, body.entered_on, body.expected_delivery, principal=principal, channel="api"
    )
    return PregnancyDecision.model_validate(answer)
