"""Audit API (thin): the auditor's search ``GET /api/v1/audit`` (JSON pages or CSV) and a
citizen's ``GET /api/v1/me/audit`` (who looked at my data). docs/audit.md."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field

from osms.audit import service
from osms.audit.access import AUDIT_SEARCH
from osms.core import audit
from osms.core.authz import authorize
from osms.core.clock import fund_today
from osms.core.http import CurrentPrincipal, DbSession
from osms.core.models import OUTCOMES
from osms.core.openapi import OFFSET_MAX, iin_schema

router = APIRouter(prefix="/api/v1", tags=["audit"])


class Entry(BaseModel):
    id: int
    at: str = Field(description="When, UTC, ISO 8601", examples=["2026-03-02T12:00:00Z"])
    actor: str = Field(description="The login (``anonymous`` for the public check; the username tried, for a login)")
    role: str = Field(description="citizen, employer, clinic, operator, auditor, or public (nobody logged in)")
    channel: str = Field(description="web, api, fhir or cli")
    action: str = Field(examples=["status.read", "person.read.denied", "login"])
    outcome: str = Field(description="ok, denied (refused), failed (a login that failed)")
    resource: str
    subject_iin: str | None = Field(description="Whose data; null when the entry names nobody")
    client: str | None = Field(description="The client's address as the server saw it")
    detail: str | None


class Page(BaseModel):
    entries: list[Entry] = Field(description="Newest first")
    limit: int
    offset: int
    next_offset: int | None = Field(description="The offset of the next page; null on the last one")


ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"description": "Not logged in"},
    403: {"description": "Not an auditor (the refusal is logged)"},
    422: {"description": "A filter is malformed (code bad_filter or invalid_request)"},
}


@router.get(
    "/audit",
    response_model=Page,
    summary="Search the audit log (auditors)",
    description=(
        "Entries newest first, filtered by any of: subject IIN, user (login), role, action, channel, outcome, period "
        "(`from`, `to`: a day YYYY-MM-DD, both included, or an instant). Paged with `limit` (1..1000, default 100) "
        "and `offset`; `next_offset` names the next page. `Accept: text/csv` or `format=csv` gives the same "
        f"entries as CSV (columns {', '.join(service.CSV_COLUMNS)}), up to {service.CSV_MAX:,} from `offset`. "
        "Auditors only; every search is itself logged (`audit.search`)."
    ),
    responses=ERRORS | {200: {"content": {"text/csv": {}}, "description": "A page of entries, or CSV"}},
)
def search(
    request: Request,
    session: DbSession,
    principal: CurrentPrincipal,
    subject: Annotated[str | None, Query(description="Subject IIN", json_schema_extra=iin_schema())] = None,
    user: Annotated[str | None, Query(max_length=64, description="Login")] = None,
    role: Annotated[str | None, Query(json_schema_extra={"enum": list(service.ENTRY_ROLES)})] = None,
    action: Annotated[str | None, Query(max_length=64, examples=["status.read"])] = None,
    channel: Annotated[str | None, Query(json_schema_extra={"enum": list(audit.CHANNELS)})] = None,
    outcome: Annotated[str | None, Query(json_schema_extra={"enum": list(OUTCOMES)})] = None,
    since: Annotated[
        str | None,
        Query(
            alias="from", description="From (included): YYYY-MM-DD or an instant", json_schema_extra={"format": "date"}
        ),
    ] = None,
    until: Annotated[
        str | None,
        Query(
            alias="to",
            description="To (included): YYYY-MM-DD or an instant",
            json_schema_extra={"format": "date"},
        ),
    ] = None,
    limit: Annotated[int | None, Query(ge=1, le=service.CSV_MAX, description="Entries per page")] = None,
    offset: Annotated[int, Query(ge=0, le=OFFSET_MAX)] = 0,
    format: Annotated[str | None, Query(pattern="^(json|csv)$", description="csv: a CSV file")] = None,
) -> Any:
    # Who may search is decided before the filters are read: a refused caller learns nothing of them.
    authorize(session, principal, AUDIT_SEARCH, channel="api", resource="/api/v1/audit")
    as_csv = format == "csv" or (format is None and "text/csv" in request.headers.get("accept", ""))
    if limit is not None and limit > service.MAX_LIMIT and not as_csv:
        raise service.bad(f"limit must be 1..{service.MAX_LIMIT:,} for JSON pages, got {limit}")
    filters = service.parse_filters(
        subject=subject, user=user, role=role, action=action, channel=channel, outcome=outcome, since=since, until=until
    )
    size = limit or (service.CSV_MAX if as_csv else service.DEFAULT_LIMIT)
    entries, next_offset = service.audited_search(
        session,
        principal,
        filters,
        limit=size,
        offset=offset,
        channel="api",
        resource="/api/v1/audit",
        form="csv" if as_csv else "json",
    )
    if as_csv:
        name = f"audit-{fund_today().isoformat()}.csv"
        return Response(
            service.csv_text(entries),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"},
        )
    return Page(
        entries=[Entry(**service.as_dict(e)) for e in entries], limit=size, offset=offset, next_offset=next_offset
    )


class Look(BaseModel):
    at: str = Field(description="When, UTC, ISO 8601")
    by: str = Field(description="clinic, employer, operator, auditor, family (a parent or guardian), public")
    organisation: str | None = Field(description="The clinic's or the employer's name; null for the others")
    channel: str = Field(description="web, api, fhir or cli")
    action: str = Field(description="What was read, e.g. status.read, person.read, payments.read")


class Looks(BaseModel):
    iin: str
    entries: list[Look] = Field(description="Newest first; never the staff member's login or name")
    limit: int
    offset: int
    next_offset: int | None


@router.get(
    "/me/audit",
    response_model=Looks,
    summary="Who looked at my data (citizens)",
    description=(
        "The reads of the caller's data by others, newest first: which organisation or role, when, through which "
        "channel. Staff members are never named. Citizens only; paged with `limit` (1..1000, default 50) and `offset`."
    ),
    responses={401: {"description": "Not logged in"}, 403: {"description": "Not a citizen login"}},
)
def my_audit(
    session: DbSession,
    principal: CurrentPrincipal,
    limit: Annotated[int, Query(ge=1, le=service.MAX_LIMIT)] = 50,
    offset: Annotated[int, Query(ge=0, le=OFFSET_MAX)] = 0,
) -> Looks:
    view = service.looked_at(session, principal, limit=limit, offset=offset, channel="api", resource="/api/v1/me/audit")
    return Looks.model_validate(view)
