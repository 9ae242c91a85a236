"""FHIR R4 eligibility (/fhir), validated with the fhir.resources R4B models (CoverageEligibility*,
Coverage, Bundle, OperationOutcome and CapabilityStatement are the same in R4 and R4B)."""

from __future__ import annotations

import json
from datetime import date

import pytest
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.capabilitystatement import CapabilityStatement
from fhir.resources.R4B.coverage import Coverage
from fhir.resources.R4B.coverageeligibilityrequest import CoverageEligibilityRequest
from fhir.resources.R4B.coverageeligibilityresponse import CoverageEligibilityResponse
from fhir.resources.R4B.operationoutcome import OperationOutcome
from sqlalchemy import select

from osms.core.models import AuditEntry
from osms.fhir.api import (
    BASIS_SYSTEM,
    CARE_TYPE_SYSTEM,
    EMERGENCY_EXTENSION,
    IIN_SYSTEM,
    PACKAGE_EXTENSION,
    REASON_EXTENSION,
    REFERRAL_EXTENSION,
    STATUS_EXTENSION,
)
from tests.coverage.helpers import Ledger, add_category, add_parent, add_person, auth, iin, make_tokens

PARENT = iin(date(1986, 1, 1), "M")
CHILD = iin(date(2015, 6, 1), "F")
STRANGER = iin(date(1970, 2, 2), "F")
FHIR = "application/fhir+json"


@pytest.fixture
def tokens(session) -> dict[str, str]:
    add_person(session, PARENT)
    add_person(session, CHILD, birth=date(2015, 6, 1), sex="F")
    add_person(session, STRANGER, birth=date(1970, 2, 2), sex="F")
    add_parent(session, CHILD, PARENT)
    add_category(session, CHILD, "child", date(2015, 6, 1), date(2033, 5, 31))
    ledger = Ledger(session)
    ledger.pay_range(PARENT, "2024-01", "2024-06")
    ledger.refresh()
    out = make_tokens(session, citizen_iin=PARENT)
    session.commit()
    return out


def request_by_identifier(number: str, day: str = "2024-09-15") -> dict:
    return {
        "resourceType": "CoverageEligibilityRequest",
        "id": "req-1",
        "status": "active",
        "purpose": ["validation"],
        "patient": {"identifier": {"system": IIN_SYSTEM, "value": number}},
        "servicedDate": day,
        "created": "2024-09-15T10:00:00+05:00",
        "insurer": {"display": "ФСМС"},
    }


def request_with_contained_patient(number: str, day: str = "2024-09-15") -> dict:
    return {
        "resourceType": "CoverageEligibilityRequest",
        "contained": [{"resourceType": "Patient", "id": "p", "identifier": [{"system": IIN_SYSTEM, "value": number}]}],
        "status": "active",
        "purpose": ["benefits", "validation"],
        "patient": {"reference": "#p"},
        "servicedDate": day,
        "created": "2024-09-15",
        "insurer": {"display": "ФСМС"},
    }


def post(client, token: str | None, resource: dict | str, **params: str):
    content = resource if isinstance(resource, str) else json.dumps(resource)
    headers = {"Content-Type": FHIR, **auth(token)}
    return client.post("/fhir/CoverageEligibilityRequest", content=content, headers=headers, params=params)


def extension(resource: dict) -> dict[str, list]:
    ext = next(e for e in resource["extension"] if e["url"] == STATUS_EXTENSION)
    parts: dict[str, list] = {}
    for part in ext["extension"]:
        value = next(v for k, v in part.items() if k.startswith("value"))
        parts.setdefault(part["url"], []).append(value)
    return parts


def test_our_requests_are_valid_fhir() -> None:
    CoverageEligibilityRequest.model_validate(request_by_identifier(PARENT))
    CoverageEligibilityRequest.model_validate(request_with_contained_patient(PARENT))


def test_eligibility_in_grace(client, tokens, session) -> None:
    r = post(client, tokens["operator"], request_by_identifier(PARENT))
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith(FHIR)
    body = r.json()
    parsed = CoverageEligibilityResponse.model_validate(body)  # a valid R4(B) resource
    assert parsed.outcome == "complete" and parsed.status == "active"
    assert parsed.insurance[0].inforce is True
    assert body["insurance"][0]["coverage"] == {"reference": "#coverage"}
    assert body["insurance"][0]["benefitPeriod"] == {"start": "2024-09-15", "end": "2024-09-30"}
    assert body["patient"]["identifier"] == {"system": IIN_SYSTEM, "value": PARENT}
    assert body["servicedDate"] == "2024-09-15"
    assert body["request"]["display"] == "CoverageEligibilityRequest req-1"
    coverage = Coverage.model_validate(body["contained"][0])
    assert coverage.status == "active" and coverage.id == "coverage"
    assert body["contained"][0]["period"] == {"start": "2024-01-01", "end": "2024-09-30"}
    assert body["contained"][0]["payor"][0]["identifier"]["value"] == "fsms"
    parts = extension(body)
    assert parts["basis"][0] == {
        "system": BASIS_SYSTEM,
        "code": "grace",
        "display": "Insured: grace period after the last covered month",
    }
    # Only past-due months (2024-07, due 2024-08-25) are arrears.
    assert parts["arrearsMonth"] == ["2024-07"]
    assert parts["arrearsAmount"] == [{"value": 4250.0, "currency": "KZT"}]
    assert parts["insuredUntil"] == ["2024-09-30"]
    assert "status.grace.2017-07-01" in parts["rule"]
    assert parts["message-en"][0].startswith("Insured: rights are kept")
    assert "error" not in body
    entries = session.scalars(select(AuditEntry).where(AuditEntry.subject_iin == PARENT)).all()
    assert [(e.action, e.channel, e.role) for e in entries] == [("status.read", "fhir", "operator")]


def test_a_clinic_gets_no_payer_arrears_or_sentence(client, tokens) -> None:
    """docs/access.md: insured, until when, the basis; not the payer, the months paid, the arrears
    nor the sentence quoting them (``disposition`` is left out)."""
    body = post(client, tokens["clinic"], request_by_identifier(PARENT)).json()
    CoverageEligibilityResponse.model_validate(body)
    parts = extension(body)
    assert parts["insuredUntil"] == ["2024-09-30"] and parts["basis"][0]["code"] == "grace"
    assert not {"payer", "kind", "monthPaid", "arrearsMonth", "arrearsAmount", "message-en"} & set(parts)
    assert "disposition" not in body


def test_disposition_follows_accept_language(client, tokens) -> None:
    headers = {"Content-Type": FHIR, "Accept-Language": "ru-RU,ru;q=0.9", **auth(tokens["citizen"])}
    body = client.post(
        "/fhir/CoverageEligibilityRequest", content=json.dumps(request_by_identifier(PARENT)), headers=headers
    ).json()
    assert body["disposition"].startswith("Застрахован")


def test_eligibility_not_insured_with_contained_patient(client, tokens) -> None:
    r = post(client, tokens["clinic"], request_with_contained_patient(PARENT, "2024-10-01"))
    assert r.status_code == 200, r.text
    body = r.json()
    parsed = CoverageEligibilityResponse.model_validate(body)
    assert parsed.insurance[0].inforce is False
    assert body["purpose"] == ["benefits", "validation"]
    assert "benefitPeriod" not in body["insurance"][0]
    assert body["contained"][0]["status"] == "cancelled"
    assert body["contained"][0]["period"] == {"end": "2024-09-30"}  # when the grace ended
    assert extension(body)["basis"][0]["code"] == "lapsed"


def test_state_paid_child_and_bare_identifier(client, tokens) -> None:
    resource = request_by_identifier(CHILD)
    resource["patient"] = {"identifier": {"value": CHILD}}  # no system: taken as an IIN
    body = post(client, tokens["citizen"], resource).json()  # a parent asks for the child
    CoverageEligibilityResponse.model_validate(body)
    parts = extension(body)
    assert (parts["basis"][0]["code"], parts["category"], parts["payer"]) == (
        "state_paid_category",
        ["child"],
        ["state"],
    )


def test_unknown_person_has_an_error_entry(client, tokens) -> None:
    body = post(client, tokens["clinic"], request_by_identifier(iin(date(1999, 9, 9), "M"))).json()
    parsed = CoverageEligibilityResponse.model_validate(body)
    assert parsed.insurance[0].inforce is False
    assert body["error"][0]["code"]["coding"][0]["code"] == "unknown_person"


@pytest.mark.parametrize(
    ("resource", "code"),
    [
        ("not json", "not_json"),
        ({"resourceType": "Patient"}, "wrong_resource"),
        ({"resourceType": "CoverageEligibilityRequest"}, "missing_patient"),
        ({"resourceType": "CoverageEligibilityRequest", "patient": {"reference": "Patient/1"}}, "no_iin"),
        ({"resourceType": "CoverageEligibilityRequest", "patient": {"reference": "#x"}}, "no_patient"),
        (
            {
                "resourceType": "CoverageEligibilityRequest",
                "patient": {"identifier": {"system": "urn:x", "value": "1"}},
            },
            "no_iin",
        ),
        (
            {
                "resourceType": "CoverageEligibilityRequest",
                "patient": {"identifier": {"value": PARENT}},
                "servicedDate": "2024-02-30",
            },
            "bad_date",
        ),
    ],
)
def test_bad_requests_get_an_operation_outcome(client, tokens, resource, code) -> None:
    r = post(client, tokens["clinic"], resource)
    assert r.status_code == 400
    assert r.headers["content-type"].startswith(FHIR)
    outcome = OperationOutcome.model_validate(r.json())
    assert outcome.issue[0].code == "invalid"
    assert r.json()["issue"][0]["details"]["coding"][0]["code"] == code


def test_access_rules_and_errors_as_operation_outcomes(client, tokens, session) -> None:
    unauthenticated = post(client, None, request_by_identifier(PARENT))
    assert unauthenticated.status_code == 401 and unauthenticated.headers["www-authenticate"] == "Bearer"
    assert OperationOutcome.model_validate(unauthenticated.json()).issue[0].code == "login"
    refused = post(client, tokens["citizen"], request_by_identifier(STRANGER))
    assert refused.status_code == 403
    assert OperationOutcome.model_validate(refused.json()).issue[0].code == "forbidden"
    denied = session.scalars(select(AuditEntry.action).where(AuditEntry.subject_iin == STRANGER)).all()
    assert denied == ["status.read.denied"]
    assert post(client, tokens["employer"], request_by_identifier(PARENT)).status_code == 403
    bad_iin = post(client, tokens["clinic"], request_by_identifier("860101300018"))
    assert (bad_iin.status_code, bad_iin.json()["issue"][0]["details"]["coding"][0]["code"]) == (
        422,
        "bad_iin:check_digit",
    )
    assert post(client, tokens["clinic"], request_by_identifier(PARENT, "2017-06-30")).status_code == 422
    assert post(client, tokens["clinic"], request_by_identifier(PARENT), rulebook="nope").status_code == 404
    # today, after seeds-2016's confirmed horizon (2021-12-31): answered, its last entries carried forward
    assert post(client, tokens["clinic"], request_by_identifier(PARENT), rulebook="seeds-2016").status_code == 200


# --- Coverage search --------------------------------------------------------------------------


def search(client, token: str | None, **params: str):
    return client.get("/fhir/Coverage", params=params, headers=auth(token))


def test_coverage_search_bundle(client, tokens, session) -> None:
    r = search(client, tokens["clinic"], **{"beneficiary:identifier": f"{IIN_SYSTEM}|{PARENT}", "date": "2024-06-28"})
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith(FHIR)
    bundle = Bundle.model_validate(r.json())
    assert bundle.type == "searchset" and bundle.total == 1
    coverage = r.json()["entry"][0]["resource"]
    Coverage.model_validate(coverage)
    assert r.json()["entry"][0]["search"] == {"mode": "match"}
    assert coverage["id"] == f"osms-{PARENT}"
    assert coverage["status"] == "active"
    assert coverage["beneficiary"]["identifier"] == {"system": IIN_SYSTEM, "value": PARENT}
    assert coverage["payor"][0]["display"].startswith("Social Health Insurance Fund")
    assert extension(coverage)["basis"][0]["code"] == "grace"  # 2024-06 is credited only on 2024-07-20
    lapsed = search(client, tokens["clinic"], **{"beneficiary:identifier": PARENT, "date": "2024-10-01"}).json()
    assert lapsed["entry"][0]["resource"]["status"] == "cancelled"
    audited = session.scalars(select(AuditEntry.channel).where(AuditEntry.subject_iin == PARENT)).all()
    assert audited == ["fhir", "fhir"]


def test_coverage_search_without_match(client, tokens) -> None:
    unknown = search(client, tokens["clinic"], **{"beneficiary:identifier": iin(date(1999, 9, 9), "M")})
    assert Bundle.model_validate(unknown.json()).total == 0
    other_system = search(client, tokens["clinic"], **{"beneficiary:identifier": f"urn:other|{PARENT}"})
    assert Bundle.model_validate(other_system.json()).total == 0


def test_coverage_search_errors(client, tokens) -> None:
    assert search(client, None, **{"beneficiary:identifier": PARENT}).status_code == 401
    assert search(client, tokens["citizen"], **{"beneficiary:identifier": STRANGER}).status_code == 403
    missing = search(client, tokens["clinic"])
    assert missing.status_code == 400
    OperationOutcome.model_validate(missing.json())
    assert search(client, tokens["clinic"], **{"beneficiary:identifier": "123"}).status_code == 422
    assert search(client, tokens["clinic"], **{"beneficiary:identifier": PARENT, "date": "soon"}).status_code == 400


def test_capability_statement(client) -> None:
    r = client.get("/fhir/metadata")
    assert r.headers["content-type"].startswith(FHIR)
    statement = CapabilityStatement.model_validate(r.json())
    assert statement.fhirVersion == "4.0.1"


# --- benefit items (docs/benefits.md) ----------------------------------------------------------------


def benefit_request(number: str, day: str, *items: dict) -> dict:
    resource = request_by_identifier(number, day)
    resource["purpose"] = ["benefits"]
    if items:
        resource["item"] = list(items)
    return resource


def care_item(code: str, *, icd10: str | None = None, emergency: bool = False, referral: bool = False) -> dict:
    item: dict = {"category": {"coding": [{"system": CARE_TYPE_SYSTEM, "code": code}]}}
    flags = [(EMERGENCY_EXTENSION, emergency), (REFERRAL_EXTENSION, referral)]
    item["extension"] = [{"url": url, "valueBoolean": value} for url, value in flags if value]
    if not item["extension"]:
        del item["extension"]
    if icd10:
        item["diagnosis"] = [
            {"diagnosisCodeableConcept": {"coding": [{"system": "http://hl7.org/fhir/sid/icd-10", "code": icd10}]}}
        ]
    return item


def test_benefit_requests_are_valid_fhir() -> None:
    CoverageEligibilityRequest.model_validate(
        benefit_request(
            PARENT, "2024-05-15", care_item("inpatient_planned", referral=True), care_item("phc", icd10="A15.0")
        )
    )


def test_requested_items_are_answered_with_their_package(client, tokens, session) -> None:
    resource = benefit_request(
        PARENT,
        "2024-05-15",
        care_item("inpatient_planned", referral=True),
        care_item("inpatient_planned"),
        care_item("cosmetology", emergency=True),
        care_item("consult_diag", icd10="A15.0"),
    )
    r = post(client, tokens["clinic"], resource)
    assert r.status_code == 200, r.text
    body = r.json()
    parsed = CoverageEligibilityResponse.model_validate(body)  # a valid R4(B) resource
    items = parsed.insurance[0].item
    assert [i.category.coding[0].code for i in items] == [
        "inpatient_planned",
        "inpatient_planned",
        "cosmetology",
        "consult_diag",
    ]
    assert [i.excluded for i in items] == [False, True, True, False]
    raw = body["insurance"][0]["item"]
    assert [i.get("benefit", [{}])[0].get("allowedString") for i in raw] == ["OSMS", None, None, "GOBMP"]
    packages = [next(e["valueCoding"]["code"] for e in i["extension"] if e["url"] == PACKAGE_EXTENSION) for i in raw]
    assert packages == ["OSMS", "none", "none", "GOBMP"]
    reasons = [[e["valueCoding"]["code"] for e in i["extension"] if e["url"] == REASON_EXTENSION] for i in raw]
    assert reasons == [["osms_covered"], ["referral_needed"], ["never_covered"], ["dangerous_disease"]]
    assert raw[0]["authorizationRequired"] is True and raw[3]["authorizationRequired"] is False
    assert raw[2]["description"].startswith("«Косметология» ешбір пакетке кірмейді")  # default language kk
    actions = [e.action for e in session.scalars(select(AuditEntry).where(AuditEntry.subject_iin == PARENT)).all()]
    assert actions == ["status.read", "entitlement.read"]


def test_purpose_benefits_without_items_answers_every_care_type(client, tokens) -> None:
    headers = {"Content-Type": FHIR, "Accept-Language": "kk", **auth(tokens["clinic"])}
    body = client.post(
        "/fhir/CoverageEligibilityRequest", content=json.dumps(benefit_request(STRANGER, "2024-05-15")), headers=headers
    ).json()
    parsed = CoverageEligibilityResponse.model_validate(body)
    items = {i.category.coding[0].code: i for i in parsed.insurance[0].item}
    assert len(items) == 21
    # an uninsured citizen: GOBMP care types free, the insurance package not
    assert items["phc"].excluded is False and items["ambulance"].excluded is False
    assert items["inpatient_planned"].excluded is True and items["abroad"].excluded is True
    assert items["phc"].name == "Медициналық-санитариялық алғашқы көмек (МСАК)"


def test_validation_purpose_alone_has_no_items(client, tokens) -> None:
    body = post(client, tokens["clinic"], request_by_identifier(PARENT)).json()
    assert "item" not in body["insurance"][0]


def test_employers_get_no_benefit_items(client, tokens) -> None:
    r = post(client, tokens["employer"], benefit_request(PARENT, "2024-05-15", care_item("phc")))
    if r.status_code == 200:  # the employer may see an employee's status, never the benefit items
        assert "item" not in r.json()["insurance"][0]
    else:
        assert r.status_code == 403


@pytest.mark.parametrize(
    ("item", "code"),
    [
        ({"category": {"coding": [{"system": CARE_TYPE_SYSTEM, "code": "massage"}]}}, "unknown_care_type"),
        ({"category": {"text": "a massage"}}, "no_care_type"),
        (care_item("phc", icd10="Q99.99"), "unknown_icd10"),
        (
            {
                "category": {"coding": [{"system": CARE_TYPE_SYSTEM, "code": "phc"}]},
                "extension": [{"url": EMERGENCY_EXTENSION, "valueString": "x"}],
            },
            "bad_extension",
        ),
    ],
)
def test_bad_items_get_an_operation_outcome(client, tokens, item: dict, code: str) -> None:
    r = post(client, tokens["clinic"], benefit_request(PARENT, "2024-05-15", item))
    assert r.status_code in (400, 422), r.text
    outcome = OperationOutcome.model_validate(r.json())
    assert outcome.issue[0].details.coding[0].code == code
