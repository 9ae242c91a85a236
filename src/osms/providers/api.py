"""Providers API (thin): the register of health-care subjects, a provider's entry and its founders
(docs/providers.md, "Register")."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query
from pydantic import BaseModel, Field

from osms.core.http import CurrentPrincipal, DbSession
from osms.core.money import format_money
from osms.core.openapi import IDENT_PATTERN, IIN_PATTERN, OFFSET_MAX
from osms.providers import service
from osms.providers.service import FounderRecord, ProviderRecord
from osms.providers.vocabulary import CARE_TYPE_CODES, KINDS, OWNERSHIPS, STATUSES, TERMINATIONS
from osms.registry.regions import regions

router = APIRouter(prefix="/api/v1", tags=["providers"])

MONEY_PATTERN = r"^\d+\.\d{2}$"
ProviderId = Annotated[
    str,
    Path(
        description="The provider's id in the register",
        examples=["ALM-1"],
        json_schema_extra={"pattern": IDENT_PATTERN},
    ),
]


class Provider(BaseModel):
    provider_id: str = Field(examples=["ALM-1"])
    bin: str = Field(description="Business identification number (12 digits)", examples=["100540000018"])
    name: str
    ownership: str | None = Field(
        description=" or ".join(OWNERSHIPS) + "; null while not known", json_schema_extra={"enum": [*OWNERSHIPS, None]}
    )
    region: str = Field(description="Region code (KZ-ALA, ...)", examples=["KZ-ALA"])
    settlement: str | None = Field(description="City, town or village where it serves; null while not known")
    kind: str = Field(description=", ".join(KINDS), json_schema_extra={"enum": list(KINDS)})
    status: str = Field(description=", ".join(STATUSES), json_schema_extra={"enum": list(STATUSES)})
    accredited_until: date | None = Field(description="Last day of its accreditation (null: not accredited)")
    own_is: bool = Field(description="Has its own information system meeting the fund's requirements")
    tax_arrears: str = Field(
        pattern=MONEY_PATTERN, description="Tax and social arrears owed today, tenge", examples=["0.00"]
    )
    iban: str | None = Field(
        default=None,
        description="Its bank account, a Kazakh IBAN (20 characters, mod-97 checked); null: not in the register "
        "(its payment orders are flagged no_iban)",
        examples=["KZ86125KZT5004100100"],
    )
    bank_bic: str | None = Field(default=None, description="Its bank's BIC (SWIFT code); null: not known")


class Licence(BaseModel):
    care_type: str = Field(
        description="Care type code (GET /api/v1/care-types)", json_schema_extra={"enum": list(CARE_TYPE_CODES)}
    )
    licensed_from: date
    licensed_to: date | None = Field(description="Last day of the licence (null: without end)")
    experience_from: date | None = Field(
        description="Start of continuous experience of that care (null: none recorded)"
    )


class Resource(BaseModel):
    resource: str = Field(description="Beds by profile, staff, equipment, PHC capacity", examples=["beds:cardiology"])
    quantity: int = Field(ge=0)


class Contract(BaseModel):
    contract_id: str
    valid_from: date
    valid_to: date
    terminated_on: date | None = Field(description="The day it ended before its term (null: it did not)")
    termination: str | None = Field(
        description="How it ended early: " + ", ".join(TERMINATIONS), json_schema_extra={"enum": [*TERMINATIONS, None]}
    )


class Founder(BaseModel):
    iin: str = Field(description="The founder's, participant's or shareholder's IIN", pattern=IIN_PATTERN)
    decision_rights: bool = Field(description="Entitled to take decisions")


class ProviderEntry(Provider):
    licences: list[Licence]
    resources: list[Resource]
    contracts: list[Contract] = Field(description="Contracts with the fund, oldest first")
    founders: list[Founder] | None = Field(
        description="Founders, participants and shareholders: only for operators and auditors (null for others); "
        "every read is audited"
    )


class ProviderPage(BaseModel):
    items: list[Provider] = Field(description="By provider_id")
    total: int = Field(description="Entries matching the filters")
    limit: int
    offset: int
    next_offset: int | None = Field(description="The offset of the next page; null on the last one")


def _provider(record: ProviderRecord) -> dict[str, Any]:
    return {**record.as_dict(), "tax_arrears": format_money(record.tax_arrears)}


def _founder(record: FounderRecord) -> dict[str, Any]:
    return {"iin": record.iin, "decision_rights": record.decision_rights}


ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"description": "Not logged in"},
    403: {"description": "Another provider's entry, or a role that may not read the register (the refusal is logged)"},
    404: {"description": "No such provider in the register (code unknown_provider)"},
    422: {"description": "Malformed request"},
}


@router.get(
    "/providers",
    response_model=ProviderPage,
    summary="The register of providers",
    description=(
        "Health-care subjects of the register, by provider_id, filtered by region, kind and status; paged with "
        "`limit` (1..1000, default 100) and `offset`, `next_offset` naming the next page. Fund operators and "
        "auditors see every entry; a provider's login (role clinic) its own. Founders are not listed here."
    ),
    responses={k: v for k, v in ERRORS.items() if k != 404},
)
def list_providers(
    session: DbSession,
    principal: CurrentPrincipal,
    region: Annotated[str | None, Query(description="Region code", json_schema_extra={"enum": list(regions())})] = None,
    kind: Annotated[str | None, Query(description="Kind of provider", json_schema_extra={"enum": list(KINDS)})] = None,
    status: Annotated[
        str | None, Query(description="Status in the register", json_schema_extra={"enum": list(STATUSES)})
    ] = None,
    limit: Annotated[int, Query(ge=1, le=service.MAX_LIMIT, description="Entries per page")] = 100,
    offset: Annotated[int, Query(ge=0, le=OFFSET_MAX, description="Entries to skip")] = 0,
) -> dict[str, Any]:
    page = service.read_list(
        session,
        principal,
        region=region,
        kind=kind,
        status=status,
        limit=limit,
        offset=offset,
        channel="api",
        resource="/api/v1/providers",
    )
    return {**page.as_dict(), "items": [_provider(p) for p in page.items]}


@router.get(
    "/providers/{provider_id}",
    response_model=ProviderEntry,
    summary="A provider's register entry",
    description=(
        "The entry with its licences per care type, resources (beds, staff, PHC capacity) and contracts with the "
        "fund. Fund operators and auditors see any entry, with its founders (each founder's read is audited); a "
        "provider's login (role clinic) its own, without founders (`founders` null)."
    ),
    responses=ERRORS,
)
def read_provider(session: DbSession, principal: CurrentPrincipal, provider_id: ProviderId) -> dict[str, Any]:
    entry = service.read_entry(session, principal, provider_id, channel="api")
    return {
        **_provider(entry.provider),
        "licences": [x.as_dict() for x in entry.licences],
        "resources": [x.as_dict() for x in entry.resources],
        "contracts": [x.as_dict() for x in entry.contracts],
        "founders": None if entry.founders is None else [_founder(f) for f in entry.founders],
    }


@router.get(
    "/providers/{provider_id}/founders",
    response_model=list[Founder],
    summary="A provider's founders, participants and shareholders",
    description=(
        "The persons (IIN) who founded or hold a share of the provider, and whether they are entitled to take "
        "decisions. Fund operators and auditors only; each founder's read is audited."
    ),
    responses={**ERRORS, 403: {"description": "Not an operator or auditor (the refusal is logged)"}},
)
def read_founders(session: DbSession, principal: CurrentPrincipal, provider_id: ProviderId) -> list[dict[str, Any]]:
    return [_founder(f) for f in service.read_founders(session, principal, provider_id, channel="api")]
