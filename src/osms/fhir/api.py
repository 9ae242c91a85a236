"""FHIR R4 (4.0.1) eligibility for clinics' systems: ``POST /fhir/CoverageEligibilityRequest`` and
``GET /fhir/Coverage?beneficiary:identifier=IIN``, answering with the OSMS insured status and, for
requested items (or every care type when the purpose is ``benefits``), the benefit package that
covers each (docs/benefits.md), as the benefits use case decides it (``osms.benefits.service``).

Thin: the resources are built from the same status answer as ``GET /api/v1/persons/{iin}/status``,
under the same access rules and audit (channel ``fhir``). Every answer, errors included, is
``application/fhir+json``; errors are OperationOutcome resources. See docs/status.md ("FHIR").
"""

from __future__ import annotations

import json
import uuid
from datetime import UTC, date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.security import HTTPAuthorizationCredentials
from sqlalchemy.orm import Session

from osms.benefits import service as benefits
from osms.benefits.catalogue import CARE_TYPES, care_type
from osms.benefits.service import Question
from osms.core.clock import fund_today
from osms.core.config import get_settings
from osms.core.errors import InvalidInput, OsmsError, Unauthorized
from osms.core.fhir_outcome import FHIR_JSON, FhirResponse, operation_outcome
from osms.core.http import DbSession, bearer, optional_principal
from osms.core.i18n import normalize
from osms.core.identity import check_iin
from osms.core.security import Principal
from osms.coverage import service
from osms.coverage.access import FULL_STATUS_ROLES
from osms.coverage.rules import Status
from osms.rulebooks.api import rulebook_schema

FHIR_VERSION = "4.0.1"

#: The canonical identifier system of an IIN in OSMS FHIR resources.
IIN_SYSTEM = "http://osms.kz/fhir/sid/iin"
#: Identifier system of organisations in OSMS FHIR resources (the fund is ``fsms``).
ORGANIZATION_SYSTEM = "http://osms.kz/fhir/sid/organization"
#: Code system of the status basis codes (docs/status.md).
BASIS_SYSTEM = "http://osms.kz/fhir/CodeSystem/insurance-status-basis"
#: The complex extension carrying the whole status answer.
STATUS_EXTENSION = "http://osms.kz/fhir/StructureDefinition/insurance-status"

FUND = {
    "identifier": {"system": ORGANIZATION_SYSTEM, "value": "fsms"},
    "display": "Social Health Insurance Fund (ӘМСҚ / ФСМС)",
}
COVERAGE_TYPE = {
    "coding": [
        {
            "system": "http://terminology.hl7.org/CodeSystem/v3-ActCode",
            "code": "PUBLICPOL",
            "display": "public healthcare",
        }
    ],
    "text": "OSMS: compulsory social health insurance (МӘМС / ОСМС)",
}
BASIS_DISPLAY = {
    "state_paid_category": "Insured: state-paid category",
    "paid": "Insured: contributions paid for the month",
    "grace": "Insured: grace period after the last covered month",
    "transitional_2020": "Insured: transitional period (everyone insured)",
    "not_applicable_before_insurance": "Not applicable: before the insurance package existed",
    "lapsed": "Not insured: lapsed after the grace period",
    "arrears_unpaid_after_lapse": "Not insured: self-payment after a lapse, arrears unpaid",
    "never_paid": "Not insured: no contributions",
    "deceased": "Not insured: deceased",
    "not_born": "Not insured: not born on that date",
    "unknown_person": "Unknown person",
}
#: Code system of the care types (``osms benefits care-types``, docs/benefits.md).
CARE_TYPE_SYSTEM = "http://osms.kz/fhir/CodeSystem/care-type"
#: Code system of the packages: GOBMP, OSMS, none.
PACKAGE_SYSTEM = "http://osms.kz/fhir/CodeSystem/benefit-package"
#: Extensions of a requested item (valueBoolean): the care is an emergency; a referral exists.
EMERGENCY_EXTENSION = "http://osms.kz/fhir/StructureDefinition/emergency"
REFERRAL_EXTENSION = "http://osms.kz/fhir/StructureDefinition/referral"
#: Extension of an answered item: the package (valueCoding) and each reason (valueCoding, text in display).
PACKAGE_EXTENSION = "http://osms.kz/fhir/StructureDefinition/benefit-package"
REASON_EXTENSION = "http://osms.kz/fhir/StructureDefinition/benefit-reason"
ICD10_SYSTEMS = ("http://hl7.org/fhir/sid/icd-10", "http://id.who.int/icd/release/10/2019")
BENEFIT_TYPE_SYSTEM = "http://terminology.hl7.org/CodeSystem/benefit-type"
PURPOSES = ("auth-requirements", "benefits", "discovery", "validation")

router = APIRouter(prefix="/fhir", tags=["fhir"])


def _fhir_content(description: str) -> dict[str, Any]:
    return {"description": description, "content": {FHIR_JSON: {"schema": {"type": "object"}}}}


FHIR_ERRORS: dict[int | str, dict[str, Any]] = {
    400: _fhir_content("OperationOutcome: the request is not one this server understands"),
    401: _fhir_content("OperationOutcome: not logged in"),
    403: _fhir_content("OperationOutcome: the role may not see this person's status"),
    404: _fhir_content("OperationOutcome: unknown rulebook"),
    422: _fhir_content("OperationOutcome: the IIN fails a check, or the date is outside the rulebook"),
    503: _fhir_content("OperationOutcome `overloaded`: the system is busy, nothing was done; retry after Retry-After"),
}


async def raw_body(request: Request) -> bytes:
    return await request.body()


Credentials = Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]


def _principal(request: Request, session: Session, credentials: HTTPAuthorizationCredentials | None) -> Principal:
    principal = optional_principal(request, session, credentials)
    if principal is None:
        raise Unauthorized("log in or send an API token (Authorization: Bearer ...)", code="unauthenticated")
    return principal


def _language(request: Request) -> str:
    header = request.headers.get("accept-language", "")
    for part in header.split(","):
        lang = normalize(part.split(";")[0])
        if lang:
            return lang
    return get_settings().language


# --------------------------------------------------------------------------------------------
# Reading the request


def _invalid(message: str, code: str = "invalid_fhir_request") -> InvalidInput:
    return InvalidInput(message, code=code, status=400)


def _iin_of_identifier(identifier: object) -> str | None:
    """The IIN of an Identifier with the canonical system (or with none), else None."""
    if not isinstance(identifier, dict):
        return None
    system = identifier.get("system")
    value = identifier.get("value")
    if system not in (None, IIN_SYSTEM) or not isinstance(value, str):
        return None
    return value


def patient_iin(resource: dict[str, Any]) -> str:
    """The IIN of the request's patient: ``patient.identifier`` (a logical reference) or a
    contained Patient referenced as ``#id`` whose identifier carries the IIN."""
    patient = resource.get("patient")
    if not isinstance(patient, dict):
        raise _invalid("CoverageEligibilityRequest.patient is required", "missing_patient")
    if "identifier" in patient:
        iin = _iin_of_identifier(patient["identifier"])
        if iin is None:
            raise _invalid(f"patient.identifier must have system {IIN_SYSTEM} (or none) and the IIN as value", "no_iin")
        return iin
    reference = patient.get("reference")
    if isinstance(reference, str) and reference.startswith("#"):
        for contained in resource.get("contained") or []:
            if (
                isinstance(contained, dict)
                and contained.get("resourceType") == "Patient"
                and contained.get("id") == reference[1:]
            ):
                identifiers = contained.get("identifier") or []
                found = [i for i in (_iin_of_identifier(x) for x in identifiers) if i is not None]
                canonical = [
                    x.get("value") for x in identifiers if isinstance(x, dict) and x.get("system") == IIN_SYSTEM
                ]
                if canonical and isinstance(canonical[0], str):
                    return canonical[0]
                if found:
                    return found[0]
                raise _invalid(f"the contained Patient has no identifier with system {IIN_SYSTEM}", "no_iin")
        raise _invalid(f"patient.reference {reference} names no contained Patient", "no_patient")
    raise _invalid(
        "identify the patient by patient.identifier (system "
        f"{IIN_SYSTEM}) or by a contained Patient (patient.reference '#id')",
        "no_iin",
    )


def _parse_day(value: object, what: str) -> date:
    if isinstance(value, str) and len(value) >= 10:
        try:
            return date.fromisoformat(value[:10])
        except ValueError:
            pass
    raise _invalid(f"{what} must be a date YYYY-MM-DD, got {value!r}", "bad_date")


def serviced_date(resource: dict[str, Any]) -> date | None:
    if "servicedDate" in resource:
        return _parse_day(resource["servicedDate"], "servicedDate")
    period = resource.get("servicedPeriod")
    if isinstance(period, dict) and "start" in period:
        return _parse_day(period["start"], "servicedPeriod.start")
    return None


def parse_request(body: bytes) -> dict[str, Any]:
    try:
        resource = json.loads(body or b"null")
    except (ValueError, UnicodeDecodeError):
        raise _invalid("the body is not JSON", "not_json") from None
    if not isinstance(resource, dict) or resource.get("resourceType") != "CoverageEligibilityRequest":
        raise _invalid("the body must be a CoverageEligibilityRequest resource (resourceType)", "wrong_resource")
    return resource


def _flag(item: dict[str, Any], url: str) -> bool:
    for ext in item.get("extension") or []:
        if isinstance(ext, dict) and ext.get("url") == url:
            value = ext.get("valueBoolean")
            if not isinstance(value, bool):
                raise _invalid(f"extension {url} needs a valueBoolean", "bad_extension")
            return value
    return False


def _care_type_of(item: dict[str, Any]) -> str:
    for field in ("productOrService", "category"):
        concept = item.get(field)
        if isinstance(concept, dict):
            for coding in concept.get("coding") or []:
                if isinstance(coding, dict) and coding.get("system") == CARE_TYPE_SYSTEM:
                    code = coding.get("code")
                    if isinstance(code, str):
                        return code
    raise _invalid(
        f"each item needs a category or productOrService coded in {CARE_TYPE_SYSTEM} (osms benefits care-types)",
        "no_care_type",
    )


def _diagnosis_of(item: dict[str, Any]) -> str | None:
    for diagnosis in item.get("diagnosis") or []:
        concept = diagnosis.get("diagnosisCodeableConcept") if isinstance(diagnosis, dict) else None
        if isinstance(concept, dict):
            for coding in concept.get("coding") or []:
                if isinstance(coding, dict) and coding.get("system") in (*ICD10_SYSTEMS, None):
                    code = coding.get("code")
                    if isinstance(code, str):
                        return code
    return None


def requested_items(resource: dict[str, Any]) -> list[Question]:
    """The benefit questions of a request: one per ``item`` (care type, ICD-10 diagnosis, emergency,
    referral). With no items and the purpose ``benefits``, one per care type of the catalogue."""
    items = resource.get("item")
    if isinstance(items, list) and items:
        questions = []
        for item in items:
            if not isinstance(item, dict):
                raise _invalid("item must be a list of objects", "bad_item")
            code = care_type(_care_type_of(item)).code
            questions.append(
                Question(code, _diagnosis_of(item), _flag(item, EMERGENCY_EXTENSION), _flag(item, REFERRAL_EXTENSION))
            )
        return questions
    if "benefits" in (resource.get("purpose") or []):
        return [Question(code) for code in CARE_TYPES]
    return []


def benefit_items(
    session: Session, principal: Principal, status: Status, questions: list[Question], lang: str
) -> list[dict[str, Any]]:
    """``insurance.item`` for each question, answered by the benefits use case
    (``benefits.service.entitlements_for_status``): the care type as category and
    productOrService, excluded when no package covers it, the package as benefit
    (``allowedString``) and extension, the reasons in ``description`` (``lang``) and as extensions,
    ``authorizationRequired`` for care needing a referral. Employers get none."""
    items = []
    for answer in benefits.entitlements_for_status(
        session, principal, status, questions, channel="fhir", resource="/fhir/CoverageEligibilityRequest"
    ):
        decision = answer.decision
        kind = decision.care_type
        coding = {"system": CARE_TYPE_SYSTEM, "code": kind.code, "display": kind.names()["en"]}
        package = {"system": PACKAGE_SYSTEM, "code": decision.covered_by}
        item: dict[str, Any] = {
            "extension": [{"url": PACKAGE_EXTENSION, "valueCoding": package}]
            + [
                {
                    "url": REASON_EXTENSION,
                    "valueCoding": {"system": PACKAGE_SYSTEM + "-reason", "code": r.code, "display": r.message(lang)},
                }
                for r in decision.reasons
            ],
            "category": {"coding": [coding], "text": kind.names()[lang]},
            "productOrService": {"coding": [coding]},
            "excluded": decision.covered_by == "none",
            "name": kind.names()[lang],
            "description": " ".join(r.message(lang) for r in decision.reasons),
            "authorizationRequired": answer.referral_required and decision.covered_by == "OSMS",
        }
        if decision.covered_by != "none":
            item["benefit"] = [
                {
                    "type": {"coding": [{"system": BENEFIT_TYPE_SYSTEM, "code": "benefit", "display": "Benefit"}]},
                    "allowedString": decision.covered_by,
                }
            ]
        items.append(item)
    return items


# --------------------------------------------------------------------------------------------
# Building the answer


def _money(value: str) -> float:
    return float(value)


def status_extension(status: Status, role: str) -> dict[str, Any]:
    """The status answer as ``role`` may see it (``service.visible_status``, docs/access.md) as
    one complex extension (url ``STATUS_EXTENSION``): a field the role may not see is left out."""
    answer = service.visible_status(role, status.as_dict())
    basis = answer["basis"]
    parts: list[dict[str, Any]] = []
    if basis is not None:
        coding = {"system": BASIS_SYSTEM, "code": basis["code"], "display": BASIS_DISPLAY[basis["code"]]}
        parts.append({"url": "basis", "valueCoding": coding})
    parts.append({"url": "insured", "valueBoolean": answer["insured"]})
    if answer["insured_until"]:
        parts.append({"url": "insuredUntil", "valueDate": answer["insured_until"]})
    for key, kind in (("payer", "valueString"), ("kind", "valueCode"), ("category", "valueCode")):
        if basis is not None and basis[key]:
            parts.append({"url": key, kind: basis[key]})
    parts += [{"url": "monthPaid", "valueString": m} for m in answer["months_paid_last_12"] or ()]
    if answer["arrears"] is not None:
        parts += [{"url": "arrearsMonth", "valueString": m} for m in answer["arrears"]["months"]]
        parts.append(
            {"url": "arrearsAmount", "valueMoney": {"value": _money(answer["arrears"]["amount"]), "currency": "KZT"}}
        )
    parts.append({"url": "rulebook", "valueString": answer["rulebook"]})
    parts += [{"url": "rule", "valueString": rule} for rule in answer["rules"] or ()]
    parts += [{"url": f"message-{lang}", "valueString": text} for lang, text in (answer["message"] or {}).items()]
    # Past the rulebook's confirmed horizon the answer rests on carried-forward entries (docs/rulebooks.md).
    parts.append({"url": "provisional", "valueBoolean": answer["provisional"]})
    parts += [{"url": "carriedForward", "valueString": rule} for rule in answer["carried_forward"]]
    parts += [
        {"url": f"provisionalMessage-{lang}", "valueString": text}
        for lang, text in (answer["provisional_message"] or {}).items()
    ]
    return {"url": STATUS_EXTENSION, "extension": parts}


def _shows_until(role: str) -> bool:
    """Employers learn insured or not, never until when (docs/access.md)."""
    return role != "employer"


def coverage_resource(status: Status, resource_id: str, role: str) -> dict[str, Any]:
    """The OSMS Coverage of the person on the status date: active or cancelled, its period, the
    fund as payor."""
    period: dict[str, str] = {}
    if _shows_until(role):
        if status.covered_since is not None and status.insured:
            period["start"] = status.covered_since.first_day.isoformat()
        if status.insured and status.insured_until is not None:
            period["end"] = status.insured_until.isoformat()
        elif not status.insured and status.grace_end is not None:
            period["end"] = status.grace_end.isoformat()
    coverage: dict[str, Any] = {
        "resourceType": "Coverage",
        "id": resource_id,
        "extension": [status_extension(status, role)],
        "status": "active" if status.insured else "cancelled",
        "type": COVERAGE_TYPE,
        "beneficiary": {"identifier": {"system": IIN_SYSTEM, "value": status.iin}},
        "payor": [FUND],
    }
    if period:
        coverage["period"] = period
    return coverage


def _request_reference(resource: dict[str, Any]) -> dict[str, Any]:
    identifiers = resource.get("identifier")
    if isinstance(identifiers, list) and identifiers and isinstance(identifiers[0], dict):
        return {"type": "CoverageEligibilityRequest", "identifier": identifiers[0]}
    rid = resource.get("id")
    text = f"CoverageEligibilityRequest {rid}" if isinstance(rid, str) else "CoverageEligibilityRequest as submitted"
    return {"type": "CoverageEligibilityRequest", "display": text}


def _now() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat()


def eligibility_response(
    status: Status,
    request_resource: dict[str, Any],
    lang: str,
    items: list[dict[str, Any]] | None = None,
    *,
    role: str,
) -> dict[str, Any]:
    purposes = [p for p in request_resource.get("purpose") or [] if p in PURPOSES] or ["validation"]
    insurance: dict[str, Any] = {"coverage": {"reference": "#coverage"}, "inforce": status.insured}
    if items:
        insurance["item"] = items
    if status.insured:
        insurance["benefitPeriod"] = {"start": status.on.isoformat()} | (
            {"end": status.insured_until.isoformat()} if status.insured_until and _shows_until(role) else {}
        )
    response: dict[str, Any] = {
        "resourceType": "CoverageEligibilityResponse",
        "id": str(uuid.uuid4()),
        "contained": [coverage_resource(status, "coverage", role)],
        "extension": [status_extension(status, role)],
        "status": "active",
        "purpose": purposes,
        "patient": {"identifier": {"system": IIN_SYSTEM, "value": status.iin}},
        "servicedDate": status.on.isoformat(),
        "created": _now(),
        "request": _request_reference(request_resource),
        "outcome": "complete",
        "insurer": FUND,
        "insurance": [insurance],
    }
    # The sentence quotes the arrears (docs/access.md); the provisional notice is for every role.
    sentences = (status.message[lang] if role in FULL_STATUS_ROLES else None, status.horizon.message(lang))
    if any(sentences):
        response["disposition"] = " ".join(filter(None, sentences))
    if status.basis.code == "unknown_person":
        response["error"] = [
            {
                "code": {
                    "coding": [
                        {"system": BASIS_SYSTEM, "code": "unknown_person", "display": BASIS_DISPLAY["unknown_person"]}
                    ],
                    "text": status.message[lang],
                }
            }
        ]
    return response


# --------------------------------------------------------------------------------------------
# Routes

ELIGIBILITY_BODY = {
    "requestBody": {
        "required": True,
        "description": (
            "A FHIR R4 CoverageEligibilityRequest. The patient is identified by the IIN: "
            f"`patient.identifier` with system `{IIN_SYSTEM}` (or none), or a contained Patient referenced as "
            "`#id` carrying that identifier. `servicedDate` (or `servicedPeriod.start`) is the status date; "
            "default today. Each `item` asks about one care type: `category` or `productOrService` coded in "
            f"`{CARE_TYPE_SYSTEM}`, an optional ICD-10 `diagnosis.diagnosisCodeableConcept` (system "
            f"`{ICD10_SYSTEMS[0]}`), and the extensions `{EMERGENCY_EXTENSION}` and `{REFERRAL_EXTENSION}` "
            "(valueBoolean). With no item and the purpose `benefits`, every care type is answered."
        ),
        "content": {
            media: {
                "schema": {
                    "type": "object",
                    "required": ["resourceType", "patient"],
                    "properties": {
                        "resourceType": {"type": "string", "enum": ["CoverageEligibilityRequest"]},
                        "patient": {"type": "object"},
                        "servicedDate": {"type": "string", "format": "date"},
                    },
                }
            }
            for media in (FHIR_JSON, "application/json")
        },
    }
}


@router.post(
    "/CoverageEligibilityRequest",
    response_class=FhirResponse,
    summary="FHIR R4: is the patient insured? (CoverageEligibilityResponse)",
    description=(
        "Answers a CoverageEligibilityRequest with a CoverageEligibilityResponse: outcome complete, "
        "`insurance[0].inforce`, the OSMS Coverage contained, the status basis code, sentence (kk/ru/en), arrears and "
        f"rules in the extension `{STATUS_EXTENSION}`. Same access rules and audit as the status API. For each "
        "requested item (or every care type, purpose `benefits`), `insurance[0].item` answers which package covers "
        "it (docs/benefits.md): `excluded`, `benefit[0].allowedString` GOBMP or OSMS, the reasons in `description` and "
        f"in the extension `{REASON_EXTENSION}`; employers get no items."
    ),
    responses={200: _fhir_content("CoverageEligibilityResponse"), **FHIR_ERRORS},
    openapi_extra=ELIGIBILITY_BODY,
)
def coverage_eligibility(
    request: Request,
    session: DbSession,
    credentials: Credentials,
    body: Annotated[bytes, Depends(raw_body)],
    rulebook: Annotated[
        str | None,
        Query(description="Rulebook name (default: the setting OSMS_RULEBOOK)", json_schema_extra=rulebook_schema()),
    ] = None,
) -> FhirResponse:
    try:
        principal = _principal(request, session, credentials)
        resource = parse_request(body)
        iin = patient_iin(resource)
        questions = requested_items(resource)
        status = service.read_status(
            session,
            principal,
            iin,
            serviced_date(resource),
            rulebook,
            channel="fhir",
            resource="/fhir/CoverageEligibilityRequest",
        )
        lang = _language(request)
        items = benefit_items(session, principal, status, questions, lang)
    except OsmsError as exc:
        return operation_outcome(exc.status, exc.code, exc.message)
    return FhirResponse(eligibility_response(status, resource, lang, items, role=principal.role))


@router.get(
    "/Coverage",
    response_class=FhirResponse,
    summary="FHIR R4: the OSMS Coverage of a beneficiary (searchset Bundle)",
    description=(
        f"`beneficiary:identifier` is the IIN, as `{IIN_SYSTEM}|<IIN>` or the bare IIN. The Bundle holds the "
        "person's OSMS Coverage on `date` (an OSMS parameter; default today): status active or cancelled, period, "
        "payor the fund. An unknown person gives an empty Bundle. Same access rules and audit as the status API."
    ),
    responses={200: _fhir_content("Bundle (searchset)"), **FHIR_ERRORS},
)
def coverage_search(
    request: Request,
    session: DbSession,
    credentials: Credentials,
    beneficiary: Annotated[
        str | None,
        Query(
            alias="beneficiary:identifier",
            description="IIN, or system|IIN",
            json_schema_extra={"pattern": "^([^|]*[|])?[0-9]{12}$"},
        ),
    ] = None,
    on: Annotated[
        str | None,
        Query(
            alias="date",
            description="Status date YYYY-MM-DD (default today)",
            json_schema_extra={"pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}$"},
        ),
    ] = None,
    rulebook: Annotated[
        str | None,
        Query(description="Rulebook name (default: the setting OSMS_RULEBOOK)", json_schema_extra=rulebook_schema()),
    ] = None,
) -> FhirResponse:
    try:
        principal = _principal(request, session, credentials)
        if not beneficiary:
            raise _invalid("search Coverage by beneficiary:identifier (the IIN)", "missing_beneficiary")
        system, _, value = beneficiary.rpartition("|")
        day = _parse_day(on, "date") if on else None
        bundle: dict[str, Any] = {
            "resourceType": "Bundle",
            "id": str(uuid.uuid4()),
            "meta": {"lastUpdated": _now()},
            "type": "searchset",
            "total": 0,
            "link": [{"relation": "self", "url": str(request.url)}],
            "entry": [],
        }
        if system not in ("", IIN_SYSTEM):
            bundle.pop("entry")
            return FhirResponse(bundle)
        if not check_iin(value).valid:
            service.checked_iin(value)  # raises, naming the failed checks
        status = service.read_status(
            session, principal, value, day, rulebook, channel="fhir", resource="/fhir/Coverage"
        )
    except OsmsError as exc:
        return operation_outcome(exc.status, exc.code, exc.message)
    if status.basis.code == "unknown_person":
        bundle.pop("entry")
        return FhirResponse(bundle)
    coverage = coverage_resource(status, f"osms-{status.iin}", principal.role)
    bundle["total"] = 1
    bundle["entry"] = [
        {"fullUrl": f"urn:uuid:{uuid.uuid4()}", "resource": coverage, "search": {"mode": "match"}},
    ]
    return FhirResponse(bundle)


@router.get(
    "/metadata",
    response_class=FhirResponse,
    summary="FHIR R4 CapabilityStatement of the OSMS eligibility endpoint",
    responses={200: _fhir_content("CapabilityStatement")},
)
def capability_statement() -> FhirResponse:
    return FhirResponse(
        {
            "resourceType": "CapabilityStatement",
            "status": "active",
            "date": fund_today().isoformat(),
            "publisher": FUND["display"],
            "kind": "instance",
            "software": {"name": "OSMS"},
            "implementation": {"description": "OSMS insured status (docs/status.md) as FHIR R4"},
            "fhirVersion": FHIR_VERSION,
            "format": ["json"],
            "rest": [
                {
                    "mode": "server",
                    "security": {"description": "Authorization: Bearer <token> (osms user token)"},
                    "resource": [
                        {
                            "type": "Coverage",
                            "interaction": [{"code": "search-type"}],
                            "searchParam": [
                                {
                                    "name": "beneficiary",
                                    "type": "reference",
                                    "documentation": f"beneficiary:identifier={IIN_SYSTEM}|<IIN>",
                                }
                            ],
                        },
                        {"type": "CoverageEligibilityRequest", "interaction": [{"code": "create"}]},
                        {
                            "type": "Claim",
                            "interaction": [{"code": "create"}],
                            "documentation": "one Claim, or a Bundle of type batch of Claims (docs/claims.md)",
                        },
                        {
                            "type": "Contract",
                            "interaction": [{"code": "read"}, {"code": "search-type"}],
                            "searchParam": [{"name": "provider", "type": "token", "documentation": "provider_id"}],
                        },
                        {
                            "type": "Organization",
                            "interaction": [{"code": "read"}, {"code": "search-type"}],
                            "searchParam": [{"name": "identifier", "type": "token", "documentation": "BIN"}],
                        },
                    ],
                }
            ],
        }
    )
