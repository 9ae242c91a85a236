"""FHIR R4 (4.0.1) service reports: ``POST /fhir/Claim`` with one Claim (one service record) or a
Bundle of type ``batch`` of Claims, answered with a ClaimResponse per Claim (a ``batch-response``
Bundle for a Bundle). docs/claims.md, "FHIR Claim", holds the mapping and an example.

Thin: a Claim becomes a row of the service-report file (``claim_row``) and the rows go through the
same intake as the file and the API (``osms.claims.channels.send_rows``: the same access rule,
``service_report:send``, channel ``fhir``), in the request's unit of work; the answer is sent after
the commit. A rejected record is a ClaimResponse with ``outcome`` ``error`` and the reason in
``error``; an accepted one ``complete``, with each finding of the checks as an adjudication of the
item (category: the finding, reason: its defect code) and a ``processNote``.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request

from osms.claims import channels
from osms.claims.intake import RowOutcome
from osms.core.errors import OsmsError
from osms.core.fhir_outcome import FhirResponse, operation_outcome
from osms.core.http import DbSession
from osms.core.i18n import label
from osms.fhir.api import (
    CARE_TYPE_SYSTEM,
    EMERGENCY_EXTENSION,
    FHIR_ERRORS,
    FUND,
    ICD10_SYSTEMS,
    IIN_SYSTEM,
    REFERRAL_EXTENSION,
    Credentials,
    _fhir_content,
    _invalid,
    _language,
    _now,
    _principal,
)
from osms.fhir.providers import PROVIDER_SYSTEM

#: Identifier system of a service record's id (the provider's own ``record_id``).
RECORD_SYSTEM = "http://osms.kz/fhir/sid/service-record"
#: Identifier system of the register's key of an accepted record (``record_ref``).
RECORD_REF_SYSTEM = "http://osms.kz/fhir/sid/service-record-ref"
#: Code systems of ``item.productOrService``: a service code of the price list, a clinical cost group.
SERVICE_SYSTEM = "http://osms.kz/fhir/CodeSystem/service-code"
CASE_GROUP_SYSTEM = "http://osms.kz/fhir/CodeSystem/case-group"
#: Code system of ``Claim.subType``: the form of care (phc, outpatient, ..., ambulance).
CARE_FORM_SYSTEM = "http://osms.kz/fhir/CodeSystem/care-form"
#: Extension of a Claim (valueCode): how the case ended (completed, discharged, died, ...).
OUTCOME_EXTENSION = "http://osms.kz/fhir/StructureDefinition/service-outcome"
#: Extension of a ClaimResponse (valueCode): accepted, unchanged, corrected or rejected.
INTAKE_STATUS_EXTENSION = "http://osms.kz/fhir/StructureDefinition/service-record-status"
#: Procedures: ICD-9-CM.
ICD9_SYSTEMS = ("http://hl7.org/fhir/sid/icd-9-cm", "http://hl7.org/fhir/sid/icd-9")
#: Code systems of the answer: rejection reasons, findings of the checks, defect codes (MON annex 1).
REJECT_SYSTEM = "http://osms.kz/fhir/CodeSystem/service-reject"
FINDING_SYSTEM = "http://osms.kz/fhir/CodeSystem/service-finding"
DEFECT_SYSTEM = "http://osms.kz/fhir/CodeSystem/defect"
ADJUDICATION_SYSTEM = "http://terminology.hl7.org/CodeSystem/adjudication"
CLAIM_TYPE_SYSTEM = "http://terminology.hl7.org/CodeSystem/claim-type"
#: Code system of ``item.locationCodeableConcept``: where an outpatient service was given, ``home``
#: (PAY п.67) or ``remote`` (PAY п.68); HL7's example service places' ``12`` (Home) is read as home.
SERVICE_PLACE_SYSTEM = "http://osms.kz/fhir/CodeSystem/service-place"
HL7_SERVICE_PLACE_SYSTEM = "http://terminology.hl7.org/CodeSystem/ex-serviceplace"
#: Code system of ``item.modifier``: ``preventive-child``, a specialist's consultation inside a
#: child's preventive examination (PAY п.66).
SERVICE_MODIFIER_SYSTEM = "http://osms.kz/fhir/CodeSystem/service-modifier"
PREVENTIVE_CHILD = "preventive-child"
#: The most Claims one Bundle may carry.
MAX_CLAIMS = 1000

router = APIRouter(prefix="/fhir", tags=["fhir"])


async def _claim_body(request: Request) -> bytes:
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > channels.MAX_BODY_BYTES:
        raise OsmsError(f"the body is larger than {channels.MAX_BODY_BYTES} bytes", code="body_too_large", status=413)
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > channels.MAX_BODY_BYTES:
            raise OsmsError(
                f"the body is larger than {channels.MAX_BODY_BYTES} bytes", code="body_too_large", status=413
            )
    return bytes(body)


# --------------------------------------------------------------------------------------------
# A Claim as a row of the service-report file


def _codings(concept: object) -> list[dict[str, Any]]:
    if not isinstance(concept, dict):
        return []
    return [c for c in concept.get("coding") or [] if isinstance(c, dict)]


def _code_in(concept: object, systems: tuple[str | None, ...]) -> str | None:
    for coding in _codings(concept):
        if coding.get("system") in systems and isinstance(coding.get("code"), str):
            return str(coding["code"])
    return None


def _identifier_value(reference: object, systems: tuple[str | None, ...]) -> str | None:
    """The value of ``reference.identifier`` (a logical reference) in one of ``systems``."""
    if not isinstance(reference, dict):
        return None
    identifier = reference.get("identifier")
    if isinstance(identifier, dict) and identifier.get("system") in systems:
        value = identifier.get("value")
        return value if isinstance(value, str) else None
    return None


def _extension(resource: Mapping[str, Any], url: str) -> dict[str, Any] | None:
    for ext in resource.get("extension") or []:
        if isinstance(ext, dict) and ext.get("url") == url:
            return ext
    return None


def _flag(resource: Mapping[str, Any], url: str, default: str) -> str:
    ext = _extension(resource, url)
    if ext is None:
        return default
    value = ext.get("valueBoolean")
    return channels.text_of(value) if isinstance(value, bool) else "not a valueBoolean"


def _record_id(claim: Mapping[str, Any]) -> str | None:
    identifiers = [i for i in claim.get("identifier") or [] if isinstance(i, dict)]
    for identifier in identifiers:
        if identifier.get("system") == RECORD_SYSTEM and isinstance(identifier.get("value"), str):
            return str(identifier["value"])
    for identifier in identifiers:
        if isinstance(identifier.get("value"), str):
            return str(identifier["value"])
    return None


def _sequence(element: Mapping[str, Any]) -> int:
    value = element.get("sequence")
    return value if isinstance(value, int) else 0


def _flags(item: Mapping[str, Any]) -> dict[str, str]:
    """The optional flags of the item (docs/claims.md, "FHIR Claim"): ``at_home`` and ``remote``
    from ``locationCodeableConcept``, ``preventive_child`` from ``modifier``; only those given (a
    Claim without them is a row without the flags). A code of our systems we do not know is handed
    over as the flag's value, which the intake rejects ``bad_value``."""
    flags: dict[str, str] = {}
    for coding in _codings(item.get("locationCodeableConcept")):
        system, code = coding.get("system"), coding.get("code")
        if system == HL7_SERVICE_PLACE_SYSTEM and code == "12" or system == SERVICE_PLACE_SYSTEM and code == "home":
            flags["at_home"] = "true"
        elif system == SERVICE_PLACE_SYSTEM and code == "remote":
            flags["remote"] = "true"
        elif system == SERVICE_PLACE_SYSTEM:
            flags["at_home"] = f"service-place {code}"
    for modifier in item.get("modifier") or []:
        for coding in _codings(modifier):
            if coding.get("system") != SERVICE_MODIFIER_SYSTEM:
                continue
            code = coding.get("code")
            flags["preventive_child"] = "true" if code == PREVENTIVE_CHILD else f"service-modifier {code}"
    return flags


def claim_row(claim: Mapping[str, Any]) -> dict[str, str]:
    """A Claim as a row of the service-report file (docs/claims.md, "FHIR Claim"). An element that is
    missing leaves its column empty (the intake rejects the record ``missing_field``); a Claim with
    several items is one the intake cannot shape (``bad_row_shape``)."""
    items = [i for i in claim.get("item") or [] if isinstance(i, dict)]
    if len(items) > 1:
        return {"claim_has_several_items": str(len(items))}
    item = items[0] if items else {}
    period = claim.get("billablePeriod") if isinstance(claim.get("billablePeriod"), dict) else {}
    assert isinstance(period, dict)
    diagnoses = sorted(
        (d for d in claim.get("diagnosis") or [] if isinstance(d, dict)),
        key=_sequence,
    )
    procedures = sorted(
        (p for p in claim.get("procedure") or [] if isinstance(p, dict)),
        key=_sequence,
    )
    doctor = None
    for member in claim.get("careTeam") or []:
        if isinstance(member, dict):
            doctor = _identifier_value(member.get("provider"), (IIN_SYSTEM,))
            if doctor:
                break
    quantity = item.get("quantity")
    outcome = _extension(claim, OUTCOME_EXTENSION)
    referral_default = "true" if isinstance(claim.get("referral"), dict) else "false"
    return {
        "record_id": _record_id(claim) or "",
        "provider_id": _identifier_value(claim.get("provider"), (PROVIDER_SYSTEM, None)) or "",
        "iin": _identifier_value(claim.get("patient"), (IIN_SYSTEM, None)) or "",
        "care_form": _code_in(claim.get("subType"), (CARE_FORM_SYSTEM,)) or "",
        "care_type": _code_in(item.get("category"), (CARE_TYPE_SYSTEM,)) or "",
        "service_code": _code_in(item.get("productOrService"), (SERVICE_SYSTEM,)) or "",
        "case_group": _code_in(item.get("productOrService"), (CASE_GROUP_SYSTEM,)) or "",
        "icd10": next(
            (code for d in diagnoses if (code := _code_in(d.get("diagnosisCodeableConcept"), (*ICD10_SYSTEMS, None)))),
            "",
        ),
        "procedures": ";".join(
            code for p in procedures if (code := _code_in(p.get("procedureCodeableConcept"), (*ICD9_SYSTEMS, None)))
        ),
        "date_from": str(period.get("start") or "")[:10],
        "date_to": str(period.get("end") or period.get("start") or "")[:10],
        "outcome": str(outcome.get("valueCode") or "") if outcome is not None else "",
        "referral": _flag(claim, REFERRAL_EXTENSION, referral_default),
        "emergency": _flag(claim, EMERGENCY_EXTENSION, "false"),
        "quantity": channels.text_of(quantity.get("value")) if isinstance(quantity, dict) else "1",
        "doctor_iin": doctor or "",
        **_flags(item),
    }


# --------------------------------------------------------------------------------------------
# The answer


def claim_response(claim: Mapping[str, Any], outcome: RowOutcome, lang: str) -> dict[str, Any]:
    """The ClaimResponse to one Claim: ``complete`` with the findings (adjudications of the item,
    process notes), or ``error`` with the rejection's reason (``error``) and message (``disposition``)."""
    rejected = outcome.status == "rejected"
    claim_type = claim.get("type") if isinstance(claim.get("type"), dict) else None
    patient = _identifier_value(claim.get("patient"), (IIN_SYSTEM, None))
    provider = outcome.provider_id or _identifier_value(claim.get("provider"), (PROVIDER_SYSTEM, None))
    record_id = outcome.record_id or _record_id(claim)
    response: dict[str, Any] = {
        "resourceType": "ClaimResponse",
        "id": str(uuid.uuid4()),
        "extension": [{"url": INTAKE_STATUS_EXTENSION, "valueCode": outcome.status}],
        "status": "active",
        "type": claim_type or {"coding": [{"system": CLAIM_TYPE_SYSTEM, "code": "professional"}]},
        "use": "claim",
        "patient": {"identifier": {"system": IIN_SYSTEM, "value": patient}} if patient else {"display": "unknown"},
        "created": _now(),
        "insurer": FUND,
        "outcome": "error" if rejected else "complete",
    }
    if outcome.record_ref is not None:
        response["identifier"] = [{"system": RECORD_REF_SYSTEM, "value": str(outcome.record_ref)}]
    if provider:
        response["requestor"] = {"identifier": {"system": PROVIDER_SYSTEM, "value": provider}}
    if record_id:
        response["request"] = {"type": "Claim", "identifier": {"system": RECORD_SYSTEM, "value": record_id}}
    if rejected:
        reason = outcome.reason or "bad_row_shape"
        text = label(lang, "service_reject", reason)
        response["disposition"] = f"{text}: {outcome.message}" if outcome.message else text
        response["error"] = [
            {
                "code": {
                    "coding": [{"system": REJECT_SYSTEM, "code": reason, "display": text}],
                    "text": outcome.message or text,
                }
            }
        ]
        return response
    response["disposition"] = {
        "accepted": "accepted: a new record in the register",
        "unchanged": "unchanged: the same record was received before",
        "corrected": "corrected: the record replaces its earlier content (kept in its history)",
    }.get(outcome.status, outcome.status)
    quantity = claim_row(claim).get("quantity", "1")
    adjudication: list[dict[str, Any]] = [
        {
            "category": {"coding": [{"system": ADJUDICATION_SYSTEM, "code": "submitted"}]},
            "value": int(quantity) if quantity.isdigit() else 1,
        }
    ]
    notes = []
    for number, (code, defect) in enumerate(outcome.findings, start=1):
        name = label(lang, "service_finding", code)
        entry: dict[str, Any] = {"category": {"coding": [{"system": FINDING_SYSTEM, "code": code, "display": name}]}}
        if defect is not None:
            entry["reason"] = {"coding": [{"system": DEFECT_SYSTEM, "code": defect}]}
        adjudication.append(entry)
        notes.append(
            {"number": number, "type": "display", "text": f"{name}" + (f" ({defect})" if defect is not None else "")}
        )
    response["item"] = [{"itemSequence": 1, "adjudication": adjudication}]
    if notes:
        response["processNote"] = notes
    return response


def _entry_status(outcome: RowOutcome) -> str:
    return {"accepted": "201 Created", "corrected": "200 OK", "unchanged": "200 OK"}.get(
        outcome.status, "422 Unprocessable Entity"
    )


def _issue(code: str, text: str) -> dict[str, Any]:
    return {
        "resourceType": "OperationOutcome",
        "issue": [
            {
                "severity": "error",
                "code": "invalid",
                "details": {"coding": [{"system": "urn:osms:problem", "code": code}], "text": text},
                "diagnostics": text,
            }
        ],
    }


def _parse(body: bytes) -> dict[str, Any]:
    try:
        resource = json.loads(body or b"null")
    except (ValueError, UnicodeDecodeError):
        raise _invalid("the body is not JSON", "not_json") from None
    if not isinstance(resource, dict) or resource.get("resourceType") not in ("Claim", "Bundle"):
        raise _invalid("the body must be a Claim, or a Bundle of type batch of Claims", "wrong_resource")
    if resource["resourceType"] == "Bundle":
        if resource.get("type") != "batch":
            raise _invalid("a Bundle of Claims must be of type batch", "not_a_batch")
        if not isinstance(resource.get("entry") or [], list):
            raise _invalid("Bundle.entry must be a list", "bad_bundle")
        if len(resource.get("entry") or []) > MAX_CLAIMS:
            raise OsmsError(f"at most {MAX_CLAIMS} Claims per Bundle", code="too_many_claims", status=413)
    return resource


CLAIM_EXAMPLE: dict[str, Any] = {
    "resourceType": "Claim",
    "identifier": [{"system": RECORD_SYSTEM, "value": "V-2026-000123"}],
    "status": "active",
    "type": {"coding": [{"system": CLAIM_TYPE_SYSTEM, "code": "professional"}]},
    "subType": {"coding": [{"system": CARE_FORM_SYSTEM, "code": "phc"}]},
    "use": "claim",
    "patient": {"identifier": {"system": IIN_SYSTEM, "value": "860101300017"}},
    "billablePeriod": {"start": "2026-03-02", "end": "2026-03-02"},
    "created": "2026-03-02",
    "provider": {"identifier": {"system": PROVIDER_SYSTEM, "value": "ALM-1"}},
    "priority": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/processpriority", "code": "normal"}]},
    "extension": [
        {"url": OUTCOME_EXTENSION, "valueCode": "completed"},
        {"url": EMERGENCY_EXTENSION, "valueBoolean": False},
        {"url": REFERRAL_EXTENSION, "valueBoolean": False},
    ],
    "careTeam": [{"sequence": 1, "provider": {"identifier": {"system": IIN_SYSTEM, "value": "750402400016"}}}],
    "diagnosis": [
        {
            "sequence": 1,
            "diagnosisCodeableConcept": {"coding": [{"system": "http://hl7.org/fhir/sid/icd-10", "code": "J06.9"}]},
        }
    ],
    "insurance": [{"sequence": 1, "focal": True, "coverage": {"display": "OSMS"}}],
    "item": [
        {
            "sequence": 1,
            "category": {"coding": [{"system": CARE_TYPE_SYSTEM, "code": "phc"}]},
            "productOrService": {"coding": [{"system": SERVICE_SYSTEM, "code": "A01.003.000"}]},
            "quantity": {"value": 1},
        }
    ],
}


@router.post(
    "/Claim",
    response_class=FhirResponse,
    summary="FHIR R4: report services (a Claim, or a batch Bundle of Claims), answered with ClaimResponses",
    description=(
        'Each Claim is one service record of the service-report file (docs/claims.md, "FHIR Claim": '
        "`identifier` → record_id, `provider.identifier` → provider_id, `patient.identifier` → IIN, `subType` → "
        "form of care, `item.category` → care type, `item.productOrService` → service code or clinical cost "
        "group, `diagnosis` → ICD-10, `procedure` → ICD-9, `billablePeriod` → dates, extensions → outcome, "
        "referral, emergency, `careTeam.provider.identifier` → the doctor's IIN, `item.quantity`). The records "
        'go through the same intake and checks as the file (docs/claims.md, "Channels"). The answer: a '
        "ClaimResponse (`outcome` complete, or error with the reason in `error`; the findings of the checks as "
        "adjudications with their defect codes and as process notes), or for a Bundle of type batch a "
        "batch-response Bundle with one entry per Claim in order. Operators send for any provider; a "
        f"provider's login only its own records (others are rejected `not_own_record`). At most {MAX_CLAIMS} "
        "Claims per Bundle and 4 MiB per body."
    ),
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"application/fhir+json": {"schema": {"type": "object"}, "example": CLAIM_EXAMPLE}},
        }
    },
    responses={
        200: _fhir_content("ClaimResponse, or a batch-response Bundle of ClaimResponses"),
        **FHIR_ERRORS,
        403: _fhir_content("OperationOutcome: the role may not send service reports"),
        413: _fhir_content("OperationOutcome: the body is larger than 4 MiB or the Bundle holds too many Claims"),
    },
)
def post_claim(
    request: Request,
    session: DbSession,
    credentials: Credentials,
    body: Annotated[bytes, Depends(_claim_body)],
) -> FhirResponse:
    try:
        principal = _principal(request, session, credentials)
        lang = _language(request)
        resource = _parse(body)
        if resource["resourceType"] == "Claim":
            sent = channels.send_rows(session, principal, [claim_row(resource)], channel="fhir", resource="/fhir/Claim")
            return FhirResponse(claim_response(resource, sent.outcomes[0], lang))
        entries = [e for e in resource.get("entry") or []]
        claims: list[tuple[int, dict[str, Any]]] = []
        for position, entry in enumerate(entries):
            claim = entry.get("resource") if isinstance(entry, dict) else None
            if isinstance(claim, dict) and claim.get("resourceType") == "Claim":
                claims.append((position, claim))
        sent = channels.send_rows(
            session, principal, [claim_row(c) for _, c in claims], channel="fhir", resource="/fhir/Claim"
        )
    except OsmsError as exc:
        return operation_outcome(exc.status, exc.code, exc.message)
    answered: dict[int, dict[str, Any]] = {}
    for (position, claim), outcome in zip(claims, sent.outcomes, strict=True):
        answer: dict[str, Any] = {
            "resource": claim_response(claim, outcome, lang),
            "response": {"status": _entry_status(outcome)},
        }
        if outcome.status == "rejected":
            answer["response"]["outcome"] = _issue(outcome.reason or "bad_row_shape", outcome.message or "")
        answered[position] = answer
    bundle_entries = [
        answered.get(position)
        or {
            "response": {
                "status": "400 Bad Request",
                "outcome": _issue("wrong_resource", "a batch entry of this endpoint must hold a Claim"),
            }
        }
        for position in range(len(entries))
    ]
    bundle: dict[str, Any] = {
        "resourceType": "Bundle",
        "id": str(uuid.uuid4()),
        "type": "batch-response",
        "timestamp": _now(),
    }
    if bundle_entries:
        bundle["entry"] = bundle_entries
    return FhirResponse(bundle)
