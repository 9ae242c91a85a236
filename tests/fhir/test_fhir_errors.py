"""Every error answer on /fhir/... is a FHIR R4 OperationOutcome (application/fhir+json), whatever
raised it: the route's own checks, the login, an unknown path or method, the unit of work's commit
(tests/core/test_commit_before_answer.py). The stable code is the API's (``issue[0].details``).
Validated with the fhir.resources R4B model (OperationOutcome is the same in R4 and R4B)."""

from __future__ import annotations

import json
from datetime import date

import pytest
from fhir.resources.R4B.operationoutcome import OperationOutcome

from osms.fhir.api import IIN_SYSTEM
from tests.coverage.helpers import add_person, auth, iin, make_tokens

FHIR = "application/fhir+json"
CITIZEN = iin(date(1986, 1, 1), "M")
STRANGER = iin(date(1970, 2, 2), "F")


@pytest.fixture
def tokens(session) -> dict[str, str]:
    add_person(session, CITIZEN)
    add_person(session, STRANGER, birth=date(1970, 2, 2), sex="F")
    out = make_tokens(session, citizen_iin=CITIZEN)
    session.commit()
    return out


def outcome_of(answer, status: int, issue: str, code: str) -> OperationOutcome:
    """The answer is an OperationOutcome with this HTTP status, FHIR issue type and OSMS code."""
    assert answer.status_code == status, answer.text
    assert answer.headers["content-type"].startswith(FHIR)
    outcome = OperationOutcome.model_validate(answer.json())
    assert outcome.issue[0].severity == "error"
    assert outcome.issue[0].code == issue
    assert outcome.issue[0].details.coding[0].code == code
    return outcome


def eligibility(number: str) -> str:
    return json.dumps(
        {
            "resourceType": "CoverageEligibilityRequest",
            "status": "active",
            "purpose": ["validation"],
            "patient": {"identifier": {"system": IIN_SYSTEM, "value": number}},
            "servicedDate": "2024-09-15",
            "created": "2024-09-15",
            "insurer": {"display": "ФСМС"},
        }
    )


def test_401_403_422_are_operation_outcomes(client, tokens) -> None:
    search = "/fhir/Coverage"
    anonymous = client.get(search, params={"beneficiary:identifier": CITIZEN})
    outcome_of(anonymous, 401, "login", "unauthenticated")
    assert anonymous.headers["www-authenticate"] == "Bearer"
    revoked = client.get(search, params={"beneficiary:identifier": CITIZEN}, headers=auth("not-a-token"))
    outcome_of(revoked, 401, "login", "bad_token")
    # a citizen reads only their own (and their children's) status (docs/access.md)
    refused = client.get(search, params={"beneficiary:identifier": STRANGER}, headers=auth(tokens["citizen"]))
    outcome_of(refused, 403, "forbidden", "forbidden")
    refused_post = client.post(
        "/fhir/CoverageEligibilityRequest",
        content=eligibility(STRANGER),
        headers={"Content-Type": FHIR, **auth(tokens["citizen"])},
    )
    outcome_of(refused_post, 403, "forbidden", "forbidden")
    # 860101300018: the IIN's check digit is wrong (the last digit should differ)
    bad_iin = client.get(search, params={"beneficiary:identifier": "860101300018"}, headers=auth(tokens["clinic"]))
    outcome_of(bad_iin, 422, "invalid", "bad_iin:check_digit")


def test_an_unknown_fhir_path_or_method_is_an_operation_outcome(client, tokens) -> None:
    unknown = client.get("/fhir/Patient", headers=auth(tokens["clinic"]))
    outcome_of(unknown, 404, "not-found", "http_404")
    wrong_method = client.get("/fhir/CoverageEligibilityRequest", headers=auth(tokens["clinic"]))
    outcome_of(wrong_method, 405, "not-supported", "http_405")
    assert wrong_method.headers["allow"] == "POST"


def test_the_api_keeps_problem_json(client, tokens) -> None:
    answer = client.get("/api/v1/no-such-thing", headers=auth(tokens["clinic"]))
    assert answer.status_code == 404
    assert answer.headers["content-type"] == "application/problem+json"
    assert answer.json()["code"] == "http_404"
