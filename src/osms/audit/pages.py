"""The auditor's page ``/audit`` (thin): the audit log searched with the API's filters, paged,
with a link to the same entries as CSV. Auditors only; every search is logged (docs/audit.md).
A citizen's own view (who looked at my data) is a section this room adds to ``/me``
(``osms.web.pages.Section``; the page is ``osms.coverage.pages``'s)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from osms.audit import service
from osms.audit.access import AUDIT_SEARCH
from osms.core import audit
from osms.core.errors import InvalidInput
from osms.core.http import DbSession
from osms.core.i18n import N_
from osms.core.models import OUTCOMES
from osms.core.security import Principal
from osms.web import pages as web

router = APIRouter(include_in_schema=False)

#: Entries per page on ``/audit``.
PAGE_SIZE = 50
NOT_AUDITOR = N_("This page is for auditors.")
BAD_FILTER = N_("A filter is not valid: check the IIN, the dates and the choices.")
FIELDS = ("subject", "user", "role", "action", "channel", "outcome", "from", "to")


@router.get("/audit", response_class=HTMLResponse)
def audit_page(
    request: Request,
    session: DbSession,
    principal: web.PagePrincipal,
    subject: str = "",
    user: str = "",
    role: str = "",
    action: str = "",
    channel: str = "",
    outcome: str = "",
    since: Annotated[str, Query(alias="from")] = "",
    until: Annotated[str, Query(alias="to")] = "",
    limit: Annotated[int, Query(ge=1, le=service.MAX_LIMIT)] = PAGE_SIZE,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> Response:
    """Search form, one page of entries newest first, older/newer links and the CSV link."""
    if principal is None:
        return web.login_redirect(request)
    refused = web.refusal_page(request, session, principal, AUDIT_SEARCH, NOT_AUDITOR)
    if refused is not None:
        return refused
    values = dict(zip(FIELDS, (subject, user, role, action, channel, outcome, since, until), strict=True))
    given = {k: v.strip() for k, v in values.items() if v.strip()}
    context: dict[str, Any] = {
        "values": values,
        "roles": service.ENTRY_ROLES,
        "channels": audit.CHANNELS,
        "outcomes": OUTCOMES,
        "entries": None,
        "error": None,
    }
    try:
        filters = service.parse_filters(
            subject=subject,
            user=user,
            role=role,
            action=action,
            channel=channel,
            outcome=outcome,
            since=since,
            until=until,
        )
    except InvalidInput:
        return web.render(request, "audit.html", principal, 422, headers=web.PRIVATE, **context | {"error": BAD_FILTER})
    entries, next_offset = service.audited_search(
        session, principal, filters, limit=limit, offset=offset, channel="web", resource="/audit", form="page"
    )

    def link(path: str, **extra: Any) -> str:
        return f"{path}?{urlencode(given | {k: str(v) for k, v in extra.items()})}"

    context |= {
        "entries": [service.as_dict(e) for e in entries],
        "offset": offset,
        "older": link("/audit", limit=limit, offset=next_offset) if next_offset is not None else None,
        "newer": link("/audit", limit=limit, offset=max(offset - limit, 0)) if offset > 0 else None,
        "csv_url": link("/api/v1/audit", format="csv"),
    }
    return web.render(request, "audit.html", principal, headers=web.PRIVATE, **context)


def looked_at_section(request: Request, session: Session, principal: Principal) -> dict[str, Any] | None:
    """A citizen's ``/me``: who looked at their data (docs/audit.md)."""
    if principal.role != "citizen" or not principal.iin:
        return None
    return {"looked_at": service.looked_at(session, principal, channel="web", resource="/me")}


def _auditor(principal: Principal | None) -> bool:
    return principal is not None and principal.role == "auditor"


PAGES = web.PageSet(
    router=router,
    templates=Path(__file__).parent / "templates",
    menu=(web.MenuEntry(80, "/audit", N_("Audit log"), _auditor),),
    sections={"me": (web.Section("_looked_at.html", looked_at_section),)},
)
