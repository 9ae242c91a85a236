"""Service reports through the API (thin; docs/claims.md, "Channels"): ``POST /api/v1/service-reports``
with the records of the service-report file as JSON or CSV, taken by the same intake as the file."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from osms.claims import channels
from osms.claims.intake import COLUMNS
from osms.claims.vocabulary import CARE_FORMS, OUTCOMES, REJECT_CODES
from osms.core.config import get_settings
from osms.core.errors import OsmsError
from osms.core.http import CurrentPrincipal, DbSession

router = APIRouter(prefix="/api/v1", tags=["claims"])

Lang = Literal["kk", "ru", "en"]


def _problem(description: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {"application/problem+json": {"schema": {"type": "object"}}},
    }


# --------------------------------------------------------------------------------------------
# Service reports through the API


class ServiceRecordIn(BaseModel):
    """One service record: the file's columns as fields (docs/claims.md, "Service-report file")."""

    model_config = ConfigDict(extra="allow")

    record_id: str | None = Field(default=None, description="The provider's own id of the record", max_length=200)
    provider_id: str | None = Field(default=None, description="The provider's id in the register", max_length=200)
    iin: str | None = Field(default=None, description="The patient's IIN", max_length=200)
    care_form: str | None = Field(default=None, description="Form of care: " + ", ".join(CARE_FORMS), max_length=200)
    care_type: str | None = Field(default=None, description="Care type (GET /api/v1/care-types)", max_length=200)
    service_code: str | None = Field(default=None, description="Service code (visits, services, calls)", max_length=200)
    case_group: str | None = Field(default=None, description="Clinical cost group (hospital forms)", max_length=200)
    icd10: str | None = Field(default=None, description="Diagnosis, ICD-10", max_length=200)
    procedures: str | None = Field(default=None, description="ICD-9 codes separated by ';'", max_length=2000)
    date_from: str | None = Field(default=None, description="YYYY-MM-DD", max_length=200)
    date_to: str | None = Field(default=None, description="YYYY-MM-DD", max_length=200)
    outcome: str | None = Field(default=None, description="How it ended: " + ", ".join(OUTCOMES), max_length=200)
    referral: bool | str | None = Field(default=None, description="true or false (JSON or text)")
    emergency: bool | str | None = Field(default=None, description="true or false (JSON or text)")
    quantity: int | str | None = Field(default=None, description="A whole number from 1 (JSON or text)")
    doctor_iin: str | None = Field(default=None, description="The doctor's IIN (optional)", max_length=200)
    at_home: bool | str | None = Field(default=None, description="Outpatient only: given at home (PAY п.67)")
    remote: bool | str | None = Field(default=None, description="Outpatient only: given remotely (PAY п.68)")
    preventive_child: bool | str | None = Field(
        default=None, description="Outpatient only: a consultation in a child's preventive examination (PAY п.66)"
    )


class ServiceReportIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    records: list[ServiceRecordIn] = Field(
        description=f"At most {channels.MAX_RECORDS:,} records", max_length=channels.MAX_RECORDS
    )


class FindingOut(BaseModel):
    code: str = Field(description='The failed check (docs/claims.md, "Checks")')
    name: str
    defect_code: str | None = Field(description="Its code in the defect classifier (null: not a defect)")


class RecordOutcomeOut(BaseModel):
    line: int = Field(description="The record's position in the request, from 1")
    provider_id: str | None
    record_id: str | None
    status: str = Field(json_schema_extra={"enum": ["accepted", "unchanged", "corrected", "rejected"]})
    record_ref: int | None = Field(description="The register's key of the record (null: rejected)")
    reason: str | None = Field(description="Why it was rejected: " + ", ".join(REJECT_CODES))
    reason_text: str | None
    message: str | None
    findings: list[FindingOut]


class ServiceReportOut(BaseModel):
    model_config = ConfigDict(extra="allow")

    rows: int
    accepted: int
    rejected: int
    rejected_by_reason: dict[str, int]
    findings_by_code: dict[str, int]
    seconds: float
    batch_id: int
    unchanged: int
    corrected: int
    records: list[RecordOutcomeOut] = Field(description="One per record, in the request's order")


async def _report_body(request: Request) -> bytes:
    declared = request.headers.get("content-length")
    limit = channels.MAX_BODY_BYTES
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise OsmsError(f"the report is larger than {limit} bytes", code="report_too_large", status=413)
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise OsmsError(f"the report is larger than {limit} bytes", code="report_too_large", status=413)
    return bytes(body)


def _inline(schema: dict[str, Any]) -> dict[str, Any]:
    """A model's JSON schema with its ``$defs`` written in place (for a hand-written request body)."""
    defs = schema.pop("$defs", {})

    def resolve(node: Any) -> Any:
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and ref.startswith("#/$defs/"):
                return resolve(defs[ref.removeprefix("#/$defs/")])
            return {k: resolve(v) for k, v in node.items()}
        if isinstance(node, list):
            return [resolve(v) for v in node]
        return node

    result: dict[str, Any] = resolve(schema)
    return result


_REPORT_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {
                "schema": _inline(ServiceReportIn.model_json_schema()),
                "example": {
                    "records": [
                        {
                            "record_id": "V-2026-000123",
                            "provider_id": "ALM-1",
                            "iin": "860101300017",
                            "care_form": "phc",
                            "care_type": "phc",
                            "service_code": "A01.003.000",
                            "icd10": "J06.9",
                            "date_from": "2026-03-02",
                            "date_to": "2026-03-02",
                            "outcome": "completed",
                            "referral": False,
                            "emergency": False,
                            "quantity": 1,
                        }
                    ]
                },
            },
            "text/csv": {
                "schema": {"type": "string"},
                "example": ",".join(COLUMNS)
                + "\nV-2026-000123,ALM-1,860101300017,phc,phc,A01.003.000,,J06.9,,2026-03-02,2026-03-02,"
                "completed,false,false,1,\n",
            },
        },
    }
}


@router.post(
    "/service-reports",
    response_model=ServiceReportOut,
    summary="Report services: records of the service-report file, checked and taken into the register",
    description=(
        'The same records as the file of `osms services ingest` (docs/claims.md, "Channels"): JSON '
        "`{records: [{record_id, provider_id, iin, care_form, ...}]}` (booleans and the quantity may be JSON "
        "values) or `text/csv` in the file's format. Each record is accepted (a new record), unchanged (sent "
        "before), corrected (new content for the same record id, until its month is closed) or rejected with "
        "its reason; an accepted record carries the findings of the checks with their defect codes. All the "
        "records of a request are taken in one transaction, and the answer comes after it is committed.\n\n"
        "Operators send for any provider; a provider's login only its own records (a record of another provider "
        "is rejected `not_own_record`, the others are taken). At most "
        f"{channels.MAX_RECORDS:,} records and 4 MiB per request; larger files go through the command line."
    ),
    openapi_extra=_REPORT_BODY,
    responses={
        401: _problem("Not logged in"),
        403: _problem("Neither an operator nor a provider's login"),
        413: _problem("The body is larger than 4 MiB"),
        415: _problem("The body is neither JSON nor CSV"),
        422: _problem("The body is not a report (`invalid_request`, `bad_header`, `bad_encoding`)"),
    },
)
def post_service_report(
    principal: CurrentPrincipal,
    session: DbSession,
    request: Request,
    body: Annotated[bytes, Depends(_report_body)],
    lang: Annotated[Lang | None, Query(description="Language of the reasons and findings")] = None,
) -> ServiceReportOut:
    media = request.headers.get("content-type", "application/json").split(";")[0].strip().lower()
    if media == "application/json" or media.endswith("+json"):
        try:
            payload = ServiceReportIn.model_validate_json(body or b"null")
        except ValidationError as exc:
            errors = [{**e, "loc": ("body", *e["loc"])} for e in exc.errors(include_url=False, include_input=False)]
            raise RequestValidationError(errors) from None
        rows = [channels.row_of(r.model_dump(exclude_unset=True)) for r in payload.records]
    elif media in ("text/csv", "application/csv", "text/plain"):
        rows = channels.rows_of_csv(body)
    else:
        raise OsmsError(
            f"send the report as application/json or text/csv, not {media or 'no content type'}",
            code="unsupported_media_type",
            status=415,
        )
    sent = channels.send_rows(session, principal, rows, channel="api", resource="/api/v1/service-reports")
    language = lang or get_settings().language
    return ServiceReportOut.model_validate(
        {**sent.result.as_dict(), "records": [channels.outcome_dict(o, language) for o in sent.outcomes]}
    )
