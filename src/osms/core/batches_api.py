"""Import batches over the API (thin): what became of an uploaded file, and which rows failed.

``GET /api/v1/import-batches/{id}``: the batch (file, counts by outcome and by reason, when, by
whom) with links; ``GET /api/v1/import-batches/{id}/rejections``: its rejected rows, paged JSON,
or CSV ``line,code,message,raw`` (``Accept: text/csv`` or ``?format=csv``). Fund operators and
auditors read every batch, any other login only the batches it loaded. Rejected rows carry the
file's raw text (IINs, amounts): every read, and every refusal, is audited (``import.read``).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query, Request, Response
from pydantic import BaseModel, Field
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from osms.core import audit, authz
from osms.core.errors import NotFound
from osms.core.http import CurrentPrincipal, DbSession
from osms.core.models import ImportBatch, ImportRejection
from osms.core.security import Principal

router = APIRouter(prefix="/api/v1", tags=["imports"])

LOADER = "loader"


@authz.relation(LOADER)
def is_loader(session: Session, principal: Principal, subject: str | None, context: Mapping[str, Any]) -> bool:
    """The batch (``context["loaded_by"]``) was loaded by this login."""
    return context.get("loaded_by") == principal.username


#: An import batch's summary and rejections: operators and auditors any; a login the batches it loaded.
IMPORT_READ = authz.declare(
    authz.Action(
        "import:read",
        anyone=("operator", "auditor"),
        relations={role: (LOADER,) for role in ("citizen", "employer", "clinic")},
        refusal="the role {role!r} may read only the batches it loaded; allowed: operator, auditor",
        detail="not the loader",
        person_subject=False,
    )
)
MAX_LIMIT = 10_000
BATCH_ID_MAX = 2**31 - 1  # import_batch.id is a 32-bit integer


def batch_url(batch_id: int) -> str:
    return f"/api/v1/import-batches/{batch_id}"


def rejections_url(batch_id: int) -> str:
    return f"/api/v1/import-batches/{batch_id}/rejections"


class BatchLinks(BaseModel):
    batch: str = Field(description="This batch", examples=["/api/v1/import-batches/7"])
    rejections: str = Field(
        description="Its rejected rows (paged JSON; CSV with `Accept: text/csv` or `?format=csv`)",
        examples=["/api/v1/import-batches/7/rejections"],
    )


def links_of(batch_id: int) -> BatchLinks:
    return BatchLinks(batch=batch_url(batch_id), rejections=rejections_url(batch_id))


class BatchOut(BaseModel):
    id: int
    kind: str = Field(
        description="what the batch loaded: payment_register, or the kind of a room's import (persons, "
        "categories, families, payers, clinics, districts, ...)",
        examples=["payment_register"],
    )
    file_name: str = Field(description="The file as named by whoever loaded it (`upload:<name>` for uploads)")
    sha256: str = Field(description="SHA-256 of the file's bytes")
    started_at: datetime
    finished_at: datetime | None
    created_by: str | None = Field(description="The login that loaded it; null: the command line on the server")
    rows: int = Field(description="Data rows in the file")
    accepted: int = Field(description="Rows taken (for a register: credited and already credited)")
    rejected: int
    rejected_by_reason: dict[str, int] = Field(description="Rejected rows per reason code")
    links: BatchLinks


class RejectionOut(BaseModel):
    line: int = Field(description="Line of the file (the header is line 1)")
    code: str = Field(description="Reason code (docs/payment-registers.md)")
    message: str
    raw: str = Field(description="The line as it was in the file (bytes that are not UTF-8 shown as \\xNN)")


class RejectionPage(BaseModel):
    batch_id: int
    total: int = Field(description="Rejected rows of the batch")
    limit: int
    offset: int
    items: list[RejectionOut] = Field(description="By line")
    next: str | None = Field(description="The next page, or null after the last")


def _load(session: Session, principal: Principal, batch_id: int, resource: str) -> ImportBatch:
    batch = session.get(ImportBatch, batch_id)
    if batch is None:
        raise NotFound(f"no import batch {batch_id}", code="unknown_batch")
    authz.authorize(session, principal, IMPORT_READ, channel="api", resource=resource, loaded_by=batch.created_by)
    audit.record(session, principal, channel="api", action="import.read", resource=resource)
    return batch


def _cell(text: str) -> str:
    """A cell a spreadsheet will not run as a formula (the file's raw text may start with ``=``)."""
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text


BatchId = Annotated[int, Path(ge=1, le=BATCH_ID_MAX, description="The batch id (`batch_id` of an upload's answer)")]


@router.get(
    "/import-batches/{batch_id}",
    response_model=BatchOut,
    summary="An import batch: the file, counts by outcome and reason, when and by whom",
    description="Fund operators and auditors: any batch; other logins: the batches they loaded. Audited.",
    responses={
        401: {"description": "Not logged in"},
        403: {"description": "Not an operator or auditor, nor the login that loaded the batch"},
        404: {"description": "No such batch (`unknown_batch`)"},
    },
)
def get_batch(session: DbSession, principal: CurrentPrincipal, batch_id: BatchId) -> BatchOut:
    batch = _load(session, principal, batch_id, batch_url(batch_id))
    t = ImportRejection.__table__
    by_reason = {
        str(code): int(n)
        for code, n in session.execute(
            select(t.c.code, func.count()).where(t.c.batch_id == batch_id).group_by(t.c.code).order_by(t.c.code)
        )
    }
    return BatchOut(
        id=batch.id,
        kind=batch.kind,
        file_name=batch.file_name,
        sha256=batch.sha256,
        started_at=batch.started_at,
        finished_at=batch.finished_at,
        created_by=batch.created_by,
        rows=batch.rows,
        accepted=batch.accepted,
        rejected=batch.rejected,
        rejected_by_reason=by_reason,
        links=links_of(batch.id),
    )


@router.get(
    "/import-batches/{batch_id}/rejections",
    response_model=RejectionPage,
    summary="The rejected rows of an import batch (paged JSON, or CSV)",
    description=(
        "By line: `line`, `code`, `message`, `raw`. JSON pages of `limit` rows from `offset` with a `next` "
        "link; CSV (`line,code,message,raw`, the rejection report of `osms payments ingest`) with "
        "`Accept: text/csv` or `?format=csv`, the same page. Who may read: as the batch. Audited."
    ),
    responses={
        200: {"content": {"text/csv": {"schema": {"type": "string"}, "example": "line,code,message,raw\n"}}},
        401: {"description": "Not logged in"},
        403: {"description": "Not an operator or auditor, nor the login that loaded the batch"},
        404: {"description": "No such batch (`unknown_batch`)"},
    },
)
def get_rejections(
    request: Request,
    session: DbSession,
    principal: CurrentPrincipal,
    batch_id: BatchId,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT, description="Rows per page")] = 1000,
    offset: Annotated[int, Query(ge=0, le=BATCH_ID_MAX, description="Rows to skip")] = 0,
    format: Annotated[  # noqa: A002 (the query parameter's name)
        Literal["json", "csv"] | None, Query(description="`csv` for CSV (as `Accept: text/csv`)")
    ] = None,
) -> RejectionPage | Response:
    _load(session, principal, batch_id, rejections_url(batch_id))
    t = ImportRejection.__table__
    total = int(session.scalar(select(func.count()).select_from(t).where(t.c.batch_id == batch_id)) or 0)
    rows = session.execute(
        select(t.c.line, t.c.code, t.c.message, t.c.raw)
        .where(t.c.batch_id == batch_id)
        .order_by(t.c.line, t.c.id)
        .limit(limit)
        .offset(offset)
    ).all()
    accept = request.headers.get("accept", "")
    if format == "csv" or (format is None and "text/csv" in accept and "application/json" not in accept):
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow(["line", "code", "message", "raw"])
        writer.writerows((r.line, r.code, _cell(r.message), _cell(r.raw)) for r in rows)
        return Response(
            out.getvalue(),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="batch-{batch_id}-rejections.csv"'},
        )
    following = offset + len(rows)
    return RejectionPage(
        batch_id=batch_id,
        total=total,
        limit=limit,
        offset=offset,
        items=[RejectionOut(line=r.line, code=r.code, message=r.message, raw=r.raw) for r in rows],
        next=f"{rejections_url(batch_id)}?limit={limit}&offset={following}" if following < total else None,
    )
