"""FHIR R4 POST /fhir/Claim (docs/claims.md, "FHIR Claim"): a Claim or a batch Bundle of Claims becomes
service records through the same intake as the file; the answers are ClaimResponses (a batch-response
Bundle for a Bundle), validated with the fhir.resources R4B models (Claim, ClaimResponse, Bundle and
OperationOutcome have the same elements used here in R4 and R4B)."""

from __future__ import annotations

import copy
import json
from typing import Any

from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.claim import Claim
from fhir.resources.R4B.claimresponse import ClaimResponse
from fhir.resources.R4B.operationoutcome import OperationOutcome
from sqlalchemy import select
from sqlalchemy.orm import Session

from osms.claims.models import ServiceRecord
from osms.fhir.api import EMERGENCY_EXTENSION, IIN_SYSTEM, REFERRAL_EXTENSION
from osms.fhir.claims import (
    CASE_GROUP_SYSTEM,
    CLAIM_EXAMPLE,
    DEFECT_SYSTEM,
    FINDING_SYSTEM,
    INTAKE_STATUS_EXTENSION,
    OUTCOME_EXTENSION,
    RECORD_REF_SYSTEM,
    RECORD_SYSTEM,
    REJECT_SYSTEM,
    claim_row,
)
from tests.claims.channels_world import ADULT, DOCTOR, WOMAN, bearer, world

FHIR = {"Content-Type": "application/fhir+json", "Accept-Language": "en"}


def visit(record_id: str, provider: str, patient: str, service: str = "A01.003.000", **dates: str) -> dict[str, Any]:
    """The documented example Claim with another id, provider, patient and service."""
    claim = copy.deepcopy(CLAIM_EXAMPLE)
    claim["identifier"][0]["value"] = record_id
    claim["provider"]["identifier"]["value"] = provider
    claim["patient"]["identifier"]["value"] = patient
    claim["careTeam"][0]["provider"]["identifier"]["value"] = DOCTOR
    claim["item"][0]["productOrService"]["coding"][0]["code"] = service
    claim["billablePeriod"] = {"start": dates.get("start", "2026-03-02"), "end": dates.get("end", "2026-03-02")}
    return claim


def post(client: Any, tokens: dict[str, str], role: str, resource: dict[str, Any]) -> Any:
    return client.post("/fhir/Claim", content=json.dumps(resource), headers=FHIR | bearer(tokens, role))


def test_the_documented_example_is_an_r4_claim_and_maps_to_a_row() -> None:
    Claim.model_validate(CLAIM_EXAMPLE)
    assert claim_row(CLAIM_EXAMPLE) == {
        "record_id": "V-2026-000123",
        "provider_id": "ALM-1",
        "iin": "860101300017",
        "care_form": "phc",
        "care_type": "phc",
        "service_code": "A01.003.000",
        "case_group": "",
        "icd10": "J06.9",
        "procedures": "",
        "date_from": "2026-03-02",
        "date_to": "2026-03-02",
        "outcome": "completed",
        "referral": "false",
        "emergency": "false",
        "quantity": "1",
        "doctor_iin": "750402400016",
    }


def test_one_claim_is_accepted_and_answered_with_a_complete_claim_response(client: Any, session: Session) -> None:
    tokens = world(session)
    claim = visit("V1", "PHC1", ADULT)
    Claim.model_validate(claim)
    answer = post(client, tokens, "operator", claim)
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("application/fhir+json")
    body = answer.json()
    ClaimResponse.model_validate(body)
    record = session.scalars(select(ServiceRecord)).one()
    assert (record.provider_id, record.record_id, record.iin, record.doctor_iin) == ("PHC1", "V1", ADULT, DOCTOR)
    assert (record.care_form, record.care_type, record.service_code, record.icd10) == (
        "phc",
        "phc",
        "A01.003.000",
        "J06.9",
    )
    assert body["outcome"] == "complete"
    assert body["extension"] == [{"url": INTAKE_STATUS_EXTENSION, "valueCode": "accepted"}]
    assert body["identifier"] == [{"system": RECORD_REF_SYSTEM, "value": str(record.id)}]
    assert body["request"] == {"type": "Claim", "identifier": {"system": RECORD_SYSTEM, "value": "V1"}}
    assert body["patient"] == {"identifier": {"system": IIN_SYSTEM, "value": ADULT}}
    assert body["item"] == [
        {
            "itemSequence": 1,
            "adjudication": [
                {
                    "category": {
                        "coding": [
                            {"system": "http://terminology.hl7.org/CodeSystem/adjudication", "code": "submitted"}
                        ]
                    },
                    "value": 1,
                }
            ],
        }
    ]
    assert "error" not in body and "processNote" not in body
    # the same Claim again: unchanged
    again = post(client, tokens, "operator", claim).json()
    assert again["extension"][0]["valueCode"] == "unchanged"
    assert again["outcome"] == "complete"


def test_a_finding_is_an_adjudication_with_its_defect_code_and_a_process_note(client: Any, session: Session) -> None:
    tokens = world(session)
    claim = visit("V2", "PHC1", ADULT, "SYN.SCR.CERVIX")
    body = post(client, tokens, "clinic", claim).json()
    ClaimResponse.model_validate(body)
    assert body["outcome"] == "complete"
    finding = body["item"][0]["adjudication"][1]
    assert finding == {
        "category": {
            "coding": [
                {
                    "system": FINDING_SYSTEM,
                    "code": "sex_mismatch",
                    "display": "The service or group is not given to persons of this sex",
                }
            ]
        },
        "reason": {"coding": [{"system": DEFECT_SYSTEM, "code": "5.1"}]},
    }
    assert body["processNote"] == [
        {"number": 1, "type": "display", "text": "The service or group is not given to persons of this sex (5.1)"}
    ]


def test_a_hospital_case_maps_group_procedures_period_referral_emergency_and_outcome(
    client: Any, session: Session
) -> None:
    tokens = world(session)
    claim = visit("S1", "HOSP1", WOMAN, start="2026-03-01", end="2026-03-05")
    claim["subType"]["coding"][0]["code"] = "inpatient"
    claim["item"][0]["category"]["coding"][0]["code"] = "inpatient_planned"
    claim["item"][0]["productOrService"] = {"coding": [{"system": CASE_GROUP_SYSTEM, "code": "SYN.SU01"}]}
    claim["diagnosis"][0]["diagnosisCodeableConcept"]["coding"][0]["code"] = "K35.8"
    claim["procedure"] = [
        {
            "sequence": 1,
            "procedureCodeableConcept": {"coding": [{"system": "http://hl7.org/fhir/sid/icd-9-cm", "code": "47.09"}]},
        }
    ]
    claim["referral"] = {"identifier": {"value": "REF-1"}}
    claim["extension"] = [
        {"url": OUTCOME_EXTENSION, "valueCode": "discharged"},
        {"url": EMERGENCY_EXTENSION, "valueBoolean": False},
    ]
    Claim.model_validate(claim)
    body = post(client, tokens, "operator", claim).json()
    assert body["outcome"] == "complete", body
    record = session.scalars(select(ServiceRecord)).one()
    assert (record.care_form, record.care_type, record.service_code, record.case_group) == (
        "inpatient",
        "inpatient_planned",
        None,
        "SYN.SU01",
    )
    assert (str(record.date_from), str(record.date_to), record.procedures, record.outcome) == (
        "2026-03-01",
        "2026-03-05",
        "47.09",
        "discharged",
    )
    assert (record.referral, record.emergency) == (True, False)  # Claim.referral present, no referral extension


def test_a_batch_bundle_is_answered_entry_by_entry(client: Any, session: Session) -> None:
    tokens = world(session)
    bad_iin = visit("V5", "PHC1", "123")
    not_own = visit("V6", "HOSP1", ADULT)
    referred = visit("V7", "PHC1", WOMAN)
    referred["extension"] = [e for e in referred["extension"] if e["url"] != REFERRAL_EXTENSION]
    referred["extension"].append({"url": REFERRAL_EXTENSION, "valueBoolean": True})
    bundle = {
        "resourceType": "Bundle",
        "type": "batch",
        "entry": [
            {"resource": visit("V4", "PHC1", WOMAN), "request": {"method": "POST", "url": "Claim"}},
            {"resource": bad_iin, "request": {"method": "POST", "url": "Claim"}},
            {"resource": {"resourceType": "Patient"}, "request": {"method": "POST", "url": "Patient"}},
            {"resource": not_own, "request": {"method": "POST", "url": "Claim"}},
            {"resource": referred, "request": {"method": "POST", "url": "Claim"}},
        ],
    }
    Bundle.model_validate(bundle)
    answer = post(client, tokens, "clinic", bundle)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    Bundle.model_validate(body)
    assert body["type"] == "batch-response"
    statuses = [e["response"]["status"] for e in body["entry"]]
    assert statuses == [
        "201 Created",
        "422 Unprocessable Entity",
        "400 Bad Request",
        "422 Unprocessable Entity",
        "201 Created",
    ]
    rejected = body["entry"][1]["resource"]
    ClaimResponse.model_validate(rejected)
    assert rejected["outcome"] == "error"
    assert rejected["error"][0]["code"]["coding"] == [
        {"system": REJECT_SYSTEM, "code": "bad_iin", "display": "The IIN is not a valid 12-digit number"}
    ]
    OperationOutcome.model_validate(body["entry"][1]["response"]["outcome"])
    assert body["entry"][3]["resource"]["error"][0]["code"]["coding"][0]["code"] == "not_own_record"
    assert "resource" not in body["entry"][2]
    records = dict(session.execute(select(ServiceRecord.record_id, ServiceRecord.referral)).all())
    assert records == {"V4": False, "V7": True}


def test_refusals_are_operation_outcomes(client: Any, session: Session) -> None:
    tokens = world(session)
    for role, resource, status, code in (
        ("citizen", visit("V1", "PHC1", ADULT), 403, None),
        ("operator", {"resourceType": "Bundle", "type": "transaction"}, 400, "not_a_batch"),
        ("operator", {"resourceType": "Patient"}, 400, "wrong_resource"),
    ):
        answer = post(client, tokens, role, resource)
        assert answer.status_code == status
        outcome = answer.json()
        OperationOutcome.model_validate(outcome)
        if code is not None:
            assert outcome["issue"][0]["details"]["coding"][0]["code"] == code
    not_json = client.post("/fhir/Claim", content=b"{", headers=FHIR | bearer(tokens, "operator"))
    assert (not_json.status_code, not_json.json()["issue"][0]["details"]["coding"][0]["code"]) == (400, "not_json")
    assert client.post("/fhir/Claim", content=b"{}", headers=FHIR).status_code == 401
    assert session.scalars(select(ServiceRecord.id)).all() == []
