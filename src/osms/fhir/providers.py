"""FHIR R4 (4.0.1) views of the providers room (docs/providers.md, "Contracts"): ``Contract`` (a
contract of the fund with its care types, volumes and sums by month, indicators and additional
agreements) and ``Organization`` (a register entry), read by id or searched (``Contract?provider=``,
``Organization?identifier=<BIN>``).

Thin, built by hand like the eligibility resources: the same reads and access rules as the API
(``contract:read``, ``provider:read``; channel ``fhir``); every answer is ``application/fhir+json``,
errors are OperationOutcome resources.
"""

from __future__ import annotations

import re
import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request

from osms.core import authz
from osms.core.errors import OsmsError
from osms.core.fhir_outcome import FhirResponse, operation_outcome
from osms.core.http import DbSession
from osms.core.i18n import label
from osms.fhir.api import (
    CARE_TYPE_SYSTEM,
    FHIR_ERRORS,
    FUND,
    Credentials,
    _fhir_content,
    _invalid,
    _now,
    _principal,
)
from osms.providers import contracts, service
from osms.providers.access import PROVIDER_READ
from osms.providers.contracts import ContractView
from osms.providers.service import ProviderRecord

#: Identifier systems: a contract's id, a provider's id in the register, a BIN.
CONTRACT_SYSTEM = "http://osms.kz/fhir/sid/contract"
PROVIDER_SYSTEM = "http://osms.kz/fhir/sid/provider"
BIN_SYSTEM = "http://osms.kz/fhir/sid/bin"
#: Code systems: kinds of provider, grounds of a contract, terminations, parties' roles.
PROVIDER_KIND_SYSTEM = "http://osms.kz/fhir/CodeSystem/provider-kind"
GROUND_SYSTEM = "http://osms.kz/fhir/CodeSystem/contract-ground"
TERMINATION_SYSTEM = "http://osms.kz/fhir/CodeSystem/contract-termination"
PARTY_ROLE_SYSTEM = "http://osms.kz/fhir/CodeSystem/contract-party-role"
#: Extensions of a Contract.
GROUND_EXTENSION = "http://osms.kz/fhir/StructureDefinition/contract-ground"
PROCUREMENT_EXTENSION = "http://osms.kz/fhir/StructureDefinition/contract-procurement"
ADVANCE_EXTENSION = "http://osms.kz/fhir/StructureDefinition/contract-advance-percent"
TERMINATION_EXTENSION = "http://osms.kz/fhir/StructureDefinition/contract-termination"
INDICATOR_EXTENSION = "http://osms.kz/fhir/StructureDefinition/contract-indicator"
AMENDMENT_EXTENSION = "http://osms.kz/fhir/StructureDefinition/contract-amendment"
CURRENCY = "KZT"
#: FHIR's grammar of a resource id: an id outside it is carried by the identifier only.
FHIR_ID = re.compile(r"[A-Za-z0-9\-.]{1,64}", re.ASCII).fullmatch

router = APIRouter(prefix="/fhir", tags=["fhir"])


def _with_id(resource: dict[str, Any], value: str) -> dict[str, Any]:
    return {"resourceType": resource.pop("resourceType"), **({"id": value} if FHIR_ID(value) else {}), **resource}


def organization_resource(provider: ProviderRecord) -> dict[str, Any]:
    """A register entry as an R4 Organization: identifiers (register id, BIN), active, kind, name, address."""
    return _with_id(
        {
            "resourceType": "Organization",
            "identifier": [
                {"system": PROVIDER_SYSTEM, "value": provider.provider_id},
                {"system": BIN_SYSTEM, "value": provider.bin},
            ],
            "active": provider.status == "active",
            "type": [
                {
                    "coding": [
                        {
                            "system": PROVIDER_KIND_SYSTEM,
                            "code": provider.kind,
                            "display": label("en", "provider_kind", provider.kind),
                        }
                    ]
                }
            ],
            "name": provider.name,
            "address": [
                {"city": provider.settlement, "state": provider.region, "country": "KZ"}
                if provider.settlement
                else {"state": provider.region, "country": "KZ"}
            ],
        },
        provider.provider_id,
    )


def _care(care_type: str) -> dict[str, Any]:
    return {"coding": [{"system": CARE_TYPE_SYSTEM, "code": care_type}], "text": care_type}


def _status(view: ContractView) -> str:
    if view.termination is not None:
        return "terminated"
    return "amended" if view.amendments else "executed"


def contract_resource(view: ContractView) -> dict[str, Any]:
    """A contract as an R4 Contract: one ``term`` per care type, its months as the asset's valued
    items (quantity and net in KZT), the provider the offer's party, the fund the authority."""
    end = view.terminated_on or view.valid_to
    extension: list[dict[str, Any]] = [
        {
            "url": GROUND_EXTENSION,
            "valueCoding": {
                "system": GROUND_SYSTEM,
                "code": view.ground,
                "display": label("en", "contract_ground", view.ground),
            },
        },
        {"url": ADVANCE_EXTENSION, "valueDecimal": view.advance_percent},
    ]
    if view.procurement_id is not None:
        extension.append({"url": PROCUREMENT_EXTENSION, "valueString": view.procurement_id})
    if view.termination is not None:
        extension.append(
            {
                "url": TERMINATION_EXTENSION,
                "valueCoding": {
                    "system": TERMINATION_SYSTEM,
                    "code": view.termination,
                    "display": label("en", "contract_termination", view.termination),
                },
            }
        )
    extension += [
        {
            "url": INDICATOR_EXTENSION,
            "extension": [{"url": "code", "valueCode": code}, {"url": "target", "valueString": target}],
        }
        for code, target in view.indicators
    ]
    extension += [
        {
            "url": AMENDMENT_EXTENSION,
            "extension": [
                {"url": "number", "valueInteger": a.number},
                {"url": "date", "valueDate": a.signed_on.isoformat()},
                *([{"url": "note", "valueString": a.note}] if a.note else []),
            ],
        }
        for a in view.amendments
    ]
    provider = {"reference": f"Organization/{view.provider_id}", "display": view.provider_name}
    terms = []
    for total in view.totals():
        months = [m for m in view.months if m.care_type == total.care_type]
        terms.append(
            {
                "type": _care(total.care_type),
                "applies": {"start": view.valid_from.isoformat(), "end": end.isoformat()},
                "offer": {
                    "party": [
                        {
                            "reference": [provider],
                            "role": {"coding": [{"system": PARTY_ROLE_SYSTEM, "code": "provider"}]},
                        }
                    ],
                    "text": f"{total.care_type}: {total.volume} units for {total.sum:.2f} {CURRENCY}",
                },
                "asset": [
                    {
                        "type": [_care(total.care_type)],
                        "valuedItem": [
                            {
                                "entityCodeableConcept": _care(m.care_type),
                                "effectiveTime": m.month.isoformat(),
                                "quantity": {"value": m.volume},
                                "net": {"value": float(m.sum), "currency": CURRENCY},
                            }
                            for m in months
                        ],
                    }
                ],
            }
        )
    return _with_id(
        {
            "resourceType": "Contract",
            "extension": extension,
            "identifier": [{"system": CONTRACT_SYSTEM, "value": view.contract_id}],
            "status": _status(view),
            "issued": view.signed_on.isoformat(),
            "applies": {"start": view.valid_from.isoformat(), "end": end.isoformat()},
            "authority": [{"identifier": FUND["identifier"], "display": view.fund_party}],
            "site": [{"display": view.place_of_service}],
            "term": terms,
        },
        view.contract_id,
    )


def _bundle(request: Request, resources: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "resourceType": "Bundle",
        "id": str(uuid.uuid4()),
        "meta": {"lastUpdated": _now()},
        "type": "searchset",
        "total": len(resources),
        "link": [{"relation": "self", "url": str(request.url)}],
        **(
            {
                "entry": [
                    {"fullUrl": f"urn:uuid:{uuid.uuid4()}", "resource": r, "search": {"mode": "match"}}
                    for r in resources
                ]
            }
            if resources
            else {}
        ),
    }


@router.get(
    "/Contract/{contract_id:path}",
    response_class=FhirResponse,
    summary="FHIR R4: a contract of the fund with a provider",
    description="The contract as an R4 Contract. Same access as GET /api/v1/contracts/{id}.",
    responses={200: _fhir_content("Contract"), **FHIR_ERRORS},
)
def read_contract(request: Request, session: DbSession, credentials: Credentials, contract_id: str) -> FhirResponse:
    try:
        principal = _principal(request, session, credentials)
        view = contracts.read_contract(session, principal, contract_id, channel="fhir")
    except OsmsError as exc:
        return operation_outcome(exc.status, exc.code, exc.message)
    return FhirResponse(contract_resource(view))


@router.get(
    "/Contract",
    response_class=FhirResponse,
    summary="FHIR R4: a provider's contracts (searchset Bundle)",
    description="`provider` is the provider's id in the register. Same access as GET /api/v1/contracts.",
    responses={200: _fhir_content("Bundle (searchset)"), **FHIR_ERRORS},
)
def search_contracts(
    request: Request,
    session: DbSession,
    credentials: Credentials,
    provider: Annotated[str | None, Query(description="provider_id", max_length=32)] = None,
) -> FhirResponse:
    try:
        principal = _principal(request, session, credentials)
        if not provider:
            raise _invalid("search Contract by provider (the provider's id)", "missing_provider")
        page = contracts.read_contracts(
            session,
            principal,
            provider_id=provider,
            limit=contracts.MAX_LIMIT,
            channel="fhir",
            resource="/fhir/Contract",
        )
    except OsmsError as exc:
        return operation_outcome(exc.status, exc.code, exc.message)
    return FhirResponse(_bundle(request, [contract_resource(v) for v in page.items]))


def _read_provider(session: DbSession, principal: Any, provider_id: str, resource: str) -> ProviderRecord:
    authz.authorize(session, principal, PROVIDER_READ, provider_id, channel="fhir", resource=resource)
    return service.get_provider(session, provider_id)


@router.get(
    "/Organization/{provider_id}",
    response_class=FhirResponse,
    summary="FHIR R4: a provider of the register",
    description="The register entry as an R4 Organization. Same access as GET /api/v1/providers/{id}.",
    responses={200: _fhir_content("Organization"), **FHIR_ERRORS},
)
def read_organization(request: Request, session: DbSession, credentials: Credentials, provider_id: str) -> FhirResponse:
    try:
        principal = _principal(request, session, credentials)
        provider = _read_provider(session, principal, provider_id.strip(), f"/fhir/Organization/{provider_id[:32]}")
    except OsmsError as exc:
        return operation_outcome(exc.status, exc.code, exc.message)
    return FhirResponse(organization_resource(provider))


@router.get(
    "/Organization",
    response_class=FhirResponse,
    summary="FHIR R4: providers by BIN (searchset Bundle)",
    description=(
        f"`identifier` is the BIN, as `{BIN_SYSTEM}|<BIN>` or bare. Operators and auditors find any provider; a "
        "provider's login only its own (another's BIN gives an empty Bundle)."
    ),
    responses={200: _fhir_content("Bundle (searchset)"), **FHIR_ERRORS},
)
def search_organizations(
    request: Request,
    session: DbSession,
    credentials: Credentials,
    identifier: Annotated[str | None, Query(description="BIN, or system|BIN", max_length=80)] = None,
) -> FhirResponse:
    try:
        principal = _principal(request, session, credentials)
        authz.authorize_role(session, principal, PROVIDER_READ, channel="fhir", resource="/fhir/Organization")
        if not identifier:
            raise _invalid("search Organization by identifier (the BIN)", "missing_identifier")
        system, _, value = identifier.rpartition("|")
        found = [] if system not in ("", BIN_SYSTEM) else service.providers_by_bin(session, value.strip())
        visible = [p for p in found if authz.allows(session, principal, PROVIDER_READ, p.provider_id)]
    except OsmsError as exc:
        return operation_outcome(exc.status, exc.code, exc.message)
    return FhirResponse(_bundle(request, [organization_resource(p) for p in visible]))
