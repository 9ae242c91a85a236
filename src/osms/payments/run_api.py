"""The monthly run's API (thin; docs/payments.md, "The monthly run"): run a month, a contract's run,
its protocol, the provider's objection, the fund's answer, the signature and manual adjustments."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query
from pydantic import BaseModel, Field

from osms.core.http import CurrentPrincipal, DbSession
from osms.payments import run_service

router = APIRouter(prefix="/api/v1", tags=["payments"])

CHANNEL = "api"
MONTH = r"^[12]\d{3}-(0[1-9]|1[0-2])$"
TEXT = r"\S"
MonthPath = Annotated[str, Path(pattern=MONTH, description="The month, YYYY-MM")]
ContractPath = Annotated[str, Path(min_length=1, max_length=64, description="The contract's id")]
ERRORS: dict[int | str, dict[str, Any]] = {
    403: {"description": "Not allowed"},
    404: {"description": "No such contract or no run of that month"},
    409: {
        "description": "The run's state refuses it (a code): run_signed, no_protocol, objection_late, "
        "objection_open, objection_window, not_objected"
    },
}


class Note(BaseModel):
    note: str = Field(min_length=1, max_length=4000, pattern=TEXT)


class Adjustment(BaseModel):
    amount: str = Field(
        pattern=r"^-?\d{1,13}(\.\d{1,2})?$", description="Tenge: above 0 a payment, below 0 a deduction"
    )
    reason: str = Field(min_length=1, max_length=4000, pattern=TEXT)


@router.post(
    "/payment-runs",
    summary="Run the month for every contract (or one)",
    description=(
        "Computes each contract's run of the month (a signed month is returned as signed). Each object: "
        "contract_id, provider_id, month, lines [{method, quantity, amount}], unpaid [{code, count, amount}], "
        "deductions [{code, count, amount}], advance_withheld, linear_scale_cut, payable, protocol_date, "
        "objection_until, payment_due. Operators."
    ),
    responses=ERRORS,
)
def run(
    session: DbSession,
    principal: CurrentPrincipal,
    month: Annotated[str, Query(pattern=MONTH)],
    contract_id: Annotated[str | None, Query(max_length=64)] = None,
) -> list[dict[str, Any]]:
    runs = run_service.compute(session, principal, month, channel=CHANNEL, contract_id=contract_id)
    return [r.as_dict() for r in runs]


@router.get(
    "/payment-runs/{contract_id}/{month}",
    summary="A contract's run of a month, with the details",
    description="Operators and auditors any; a provider's login its own.",
    responses=ERRORS,
)
def view(
    session: DbSession, principal: CurrentPrincipal, contract_id: ContractPath, month: MonthPath
) -> dict[str, Any]:
    return run_service.view(session, principal, contract_id, month, channel=CHANNEL).details()


@router.post(
    "/payment-runs/{contract_id}/{month}/protocol",
    summary="Issue the protocol (the provider may object within 3 working days)",
    responses=ERRORS,
)
def protocol(
    session: DbSession, principal: CurrentPrincipal, contract_id: ContractPath, month: MonthPath
) -> dict[str, Any]:
    return run_service.protocol(session, principal, contract_id, month, channel=CHANNEL).details()


@router.post(
    "/payment-runs/{contract_id}/{month}/objection",
    summary="The provider's objection to the protocol",
    description="The provider's own login; an operator records one received on paper.",
    responses=ERRORS,
)
def objection(
    session: DbSession, principal: CurrentPrincipal, contract_id: ContractPath, month: MonthPath, body: Note
) -> dict[str, Any]:
    return run_service.object_to(session, principal, contract_id, month, body.note, channel=CHANNEL).details()


@router.post(
    "/payment-runs/{contract_id}/{month}/answer", summary="The fund's answer to the objection", responses=ERRORS
)
def answer(
    session: DbSession, principal: CurrentPrincipal, contract_id: ContractPath, month: MonthPath, body: Note
) -> dict[str, Any]:
    return run_service.answer(session, principal, contract_id, month, body.note, channel=CHANNEL).details()


@router.post(
    "/payment-runs/{contract_id}/{month}/sign",
    summary="Sign the act: the month is frozen, payment due 10 calendar days later",
    responses=ERRORS,
)
def sign(
    session: DbSession, principal: CurrentPrincipal, contract_id: ContractPath, month: MonthPath
) -> dict[str, Any]:
    return run_service.sign(session, principal, contract_id, month, channel=CHANNEL).details()


@router.post(
    "/payment-runs/{contract_id}/{month}/adjustments",
    status_code=201,
    summary="A manual other payment or deduction with its reason (re-run the month to apply it)",
    responses=ERRORS,
)
def adjust(
    session: DbSession, principal: CurrentPrincipal, contract_id: ContractPath, month: MonthPath, body: Adjustment
) -> dict[str, Any]:
    return run_service.adjust(session, principal, contract_id, month, body.amount, body.reason, channel=CHANNEL)
