"""FHIR R4 errors: every error answer on ``/fhir/...`` is an OperationOutcome
(``application/fhir+json``) with the HTTP status and the stable code the API's problem+json
carries (in ``issue[0].details.coding[0].code``, system ``urn:osms:problem``). The FHIR routes
use it for the errors they catch; ``core.http``'s exception handlers for every other error on a
FHIR path (a failed commit, an overload, an unknown path, a server error). See docs/status.md ("FHIR").
"""

from __future__ import annotations

from fastapi.responses import JSONResponse

FHIR_JSON = "application/fhir+json"
#: The FHIR issue type (http://hl7.org/fhir/issue-type) of each HTTP status; others are ``exception``.
ISSUE_CODES = {
    400: "invalid",
    401: "login",
    403: "forbidden",
    404: "not-found",
    405: "not-supported",
    409: "conflict",
    413: "too-costly",
    415: "not-supported",
    422: "invalid",
    429: "throttled",
    503: "transient",
}


class FhirResponse(JSONResponse):
    media_type = FHIR_JSON


def operation_outcome(status: int, code: str, text: str, headers: dict[str, str] | None = None) -> FhirResponse:
    body = {
        "resourceType": "OperationOutcome",
        "issue": [
            {
                "severity": "fatal" if status >= 500 else "error",
                "code": ISSUE_CODES.get(status, "exception"),
                "details": {"coding": [{"system": "urn:osms:problem", "code": code}], "text": text},
                "diagnostics": text,
            }
        ],
    }
    answer = FhirResponse(body, status_code=status, headers=headers)
    if status == 401:
        answer.headers["WWW-Authenticate"] = "Bearer"
    return answer
