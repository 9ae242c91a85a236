"""Contracts API (thin): the fund's contracts with providers and the published list of contracted
providers (docs/providers.md, "Contracts")."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query
from pydantic import BaseModel, Field

from osms.core.clock import fund_today
from osms.core.http import CurrentPrincipal, DbSession
from osms.core.openapi import OFFSET_MAX
from osms.providers import contracts
from osms.providers.vocabulary import CARE_TYPE_CODES, CONTRACT_GROUNDS, TERMINATIONS
from osms.registry.regions import regions

router = APIRouter(prefix="/api/v1", tags=["contracts"])

MONEY_PATTERN = r"^\d+\.\d{2}$"
STATUSES = ("not_started", "in_force", "expired", "terminated")


class CareTotal(BaseModel):
    care_type: str = Field(json_schema_extra={"enum": list(CARE_TYPE_CODES)})
    volume: int = Field(ge=0, description="Units over the term")
    sum: str = Field(pattern=MONEY_PATTERN, description="Tenge over the term", examples=["1000000.00"])


class Month(BaseModel):
    care_type: str = Field(json_schema_extra={"enum": list(CARE_TYPE_CODES)})
    month: str = Field(pattern=r"^\d{4}-\d{2}$", examples=["2027-01"])
    volume: int = Field(ge=0)
    sum: str = Field(pattern=MONEY_PATTERN)


class Indicator(BaseModel):
    indicator: str = Field(examples=["hospital_mortality"])
    target: str = Field(examples=["≤ 1.2 %"])


class Amendment(BaseModel):
    number: int = Field(ge=1, description="1, 2, ... per contract")
    signed_on: date
    note: str | None
    valid_to: dict[str, Any] | None = Field(None, description="The term's end before and after")
    months: list[dict[str, Any]] | None = Field(None, description="Each changed month: before and after")
    indicators: list[dict[str, Any]] | None = Field(None, description="Each changed indicator: before and after")


class ContractSummary(BaseModel):
    contract_id: str = Field(examples=["PROC-2027-ALM/ALM-1"])
    provider_id: str
    provider_name: str
    region: str
    valid_from: date
    valid_to: date
    signed_on: date
    ground: str = Field(
        description="procurement (see procurement_id) or a ground of placement without selection",
        json_schema_extra={"enum": list(CONTRACT_GROUNDS)},
    )
    procurement_id: str | None
    status: str = Field(description="On the fund's today", json_schema_extra={"enum": list(STATUSES)})
    terminated_on: date | None
    termination: str | None = Field(json_schema_extra={"enum": [*TERMINATIONS, None]})
    care_types: list[CareTotal]


class ContractDetail(ContractSummary):
    fund_party: str
    ground_note: str | None
    advance_percent: int = Field(ge=0, le=100, description="Advance, per cent of a month's sum")
    place_of_service: str
    termination_note: str | None
    indicators: list[Indicator]
    months: list[Month] = Field(description="Volume and sum by care type and month")
    amendments: list[Amendment] = Field(description="Additional agreements, in order")


class ContractPage(BaseModel):
    items: list[ContractSummary]
    total: int
    limit: int
    offset: int
    next_offset: int | None


class ContractedProvider(BaseModel):
    region: str
    care_type: str
    provider_id: str
    name: str
    settlement: str | None = Field(description="The settlement, when the register knows it")


ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"description": "Not logged in"},
    403: {"description": "Another provider's contract, or a role that may not read contracts (the refusal is logged)"},
    404: {"description": "No such contract (code unknown_contract)"},
    422: {"description": "Malformed request (e.g. unknown_care_type)"},
}


@router.get(
    "/contracts",
    response_model=ContractPage,
    summary="The fund's contracts with providers",
    description=(
        "Contracts by id, with each care type's volume and sum over the term; filtered by provider and care type, "
        "paged with `limit` and `offset`. Fund operators and auditors see every contract; a provider's login "
        "(role clinic) its own."
    ),
    responses={k: v for k, v in ERRORS.items() if k != 404},
)
def list_contracts(
    session: DbSession,
    principal: CurrentPrincipal,
    provider: Annotated[str | None, Query(description="provider_id", max_length=32)] = None,
    care_type: Annotated[
        str | None, Query(description="Care type", json_schema_extra={"enum": list(CARE_TYPE_CODES)})
    ] = None,
    limit: Annotated[int, Query(ge=1, le=contracts.MAX_LIMIT, description="Contracts per page")] = 100,
    offset: Annotated[int, Query(ge=0, le=OFFSET_MAX, description="Contracts to skip")] = 0,
) -> dict[str, Any]:
    page = contracts.read_contracts(
        session,
        principal,
        provider_id=provider,
        care_type=care_type,
        limit=limit,
        offset=offset,
        channel="api",
        resource="/api/v1/contracts",
    )
    return page.as_dict(fund_today())


@router.get(
    "/contracts/{contract_id:path}",
    response_model=ContractDetail,
    summary="A contract with its months and additional agreements",
    description=(
        "The contract: parties, term, ground, advance terms, place of service, indicators, volume and sum by care "
        "type and month, and every additional agreement with what it changed (before and after). Fund operators "
        "and auditors any; a provider's login its own (an unknown id is refused to it like another's)."
    ),
    responses=ERRORS,
)
def read_contract(
    session: DbSession,
    principal: CurrentPrincipal,
    contract_id: Annotated[str, Path(description="The contract's id (may hold '/')", max_length=64)],
) -> dict[str, Any]:
    return contracts.read_contract(session, principal, contract_id, channel="api").as_dict(fund_today())


@router.get(
    "/contracted-providers",
    response_model=list[ContractedProvider],
    summary="The published list of contracted providers",
    description=(
        "Providers with a contract in force on the day (default the fund's today) for a care type, by region, "
        "care type and provider. Public: the fund publishes whom it has contracted."
    ),
    responses={422: {"description": "Unknown region or care type"}},
)
def contracted_providers(
    session: DbSession,
    region: Annotated[str | None, Query(description="Region code", json_schema_extra={"enum": list(regions())})] = None,
    care_type: Annotated[
        str | None, Query(description="Care type", json_schema_extra={"enum": list(CARE_TYPE_CODES)})
    ] = None,
    on: Annotated[date | None, Query(description="The day (default today)")] = None,
) -> list[dict[str, str | None]]:
    found = contracts.contracted_providers(session, on or fund_today(), region=region, care_type=care_type)
    return [p.as_dict() for p in found]
