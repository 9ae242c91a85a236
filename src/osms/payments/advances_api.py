"""The advances' API (thin; docs/payments.md, "Advances"): decide an advance (operators) and read
the advances recorded (operators and auditors any; a provider's login its own).
``osms.app.create_app`` includes ``router``."""

from __future__ import annotations

from typing import Annotated, Any, Final, Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from osms.core.config import get_settings
from osms.core.errors import InvalidInput
from osms.core.http import CurrentPrincipal, DbSession
from osms.payments import advances
from osms.payments.tariff import TariffError, open_rulebook

router = APIRouter(prefix="/api/v1", tags=["payments"])

CHANNEL: Final = "api"
ERRORS: dict[int | str, dict[str, Any]] = {
    403: {"description": "Not allowed"},
    404: {"description": "No such contract"},
    409: {
        "description": "Refused (a code): short_contract, first_time_provider, debt_to_fund, already_advanced, "
        "over_limit, no_advance_terms, no_plan, too_early, no_advance_rule"
    },
    422: {"description": "Bad input (a code): bad_kind, bad_year, bad_percent"},
}


class AdvanceBody(BaseModel):
    contract_id: str = Field(min_length=1, max_length=64)
    kind: Literal["signing", "december"] = Field(description="signing (on signing the contract) or december")
    year: int = Field(ge=2000, le=2100)
    percent: int | None = Field(
        default=None, ge=1, le=100, description="Per cent of the base (default: the contract's; December: the limit)"
    )


@router.post(
    "/payment-advances",
    status_code=201,
    summary="Decide and record an advance (PAY п.8-12)",
    description=(
        "On signing: at most 30% of the contract's sum of the year; December (on or after 1 December): at most 70% "
        "of December's planned sum. The answer: id, contract_id, provider_id, kind, year, percent, base, amount, "
        "rules, decided_on, decided_by, order_no, withheld, outstanding. Operators."
    ),
    responses=ERRORS,
)
def decide(session: DbSession, principal: CurrentPrincipal, body: AdvanceBody) -> dict[str, Any]:
    try:
        book = open_rulebook(get_settings().rulebook)
    except TariffError as exc:
        raise InvalidInput(exc.message) from None
    return advances.record(
        session, principal, book, body.contract_id, body.kind, body.year, channel=CHANNEL, percent=body.percent
    ).as_dict()


@router.get(
    "/payment-advances",
    summary="The advances recorded, with what the signed months withheld",
    description="Operators and auditors any (all, or `provider`'s); a provider's login names its own `provider`.",
    responses=ERRORS,
)
def listing(
    session: DbSession,
    principal: CurrentPrincipal,
    year: Annotated[int | None, Query(ge=2000, le=2100)] = None,
    provider: Annotated[str | None, Query(max_length=32)] = None,
) -> list[dict[str, Any]]:
    found = advances.list_advances(session, principal, channel=CHANNEL, year=year, provider_id=provider)
    return [v.as_dict() for v in found]
