"""The citizen's services on ``/me`` (docs/claims.md, "What the citizen sees"): a section this room
adds to the personal cabinet (``osms.web.pages.Section``; the page is ``osms.coverage.pages``'s)
listing every service billed in the login's name and in the names of the children and wards it acts
for, each read audited (``citizen.services_of``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request
from sqlalchemy.orm import Session

from osms.claims import citizen
from osms.core.security import Principal
from osms.web import pages as web
from osms.web.i18n import pick_language

router = APIRouter(include_in_schema=False)


def services_section(request: Request, session: Session, principal: Principal) -> dict[str, Any] | None:
    """A citizen's ``/me``: the services billed in their name and their children's."""
    if principal.role != "citizen" or not principal.iin:
        return None
    people = citizen.family_services(
        session, principal, channel="web", resource="/me", lang=pick_language(request), today=web.today()
    )
    filed = request.query_params.get("complaint", "")
    return {"billed": people, "complaint_filed": filed if filed.isdigit() else None}


PAGES = web.PageSet(
    router=router,
    templates=Path(__file__).parent / "templates",
    sections={"me": (web.Section("me_services.html", services_section),)},
)
