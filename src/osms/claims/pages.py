"""The citizen's services on ``/me`` (docs/claims.md, "What the citizen sees"): a section this room
adds to the personal cabinet (``osms.web.pages.Section``; the page is ``osms.coverage.pages``'s)
listing every service billed in the login's name and in the names of the children and wards it acts
for, each read audited (``citizen.services_of``)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from osms.claims import citizen
from osms.claims.access import COMPLAINT_FILE
from osms.core.errors import InvalidInput, NotFound
from osms.core.http import DbSession
from osms.core.i18n import N_
from osms.core.security import Principal
from osms.web import pages as web
from osms.web.i18n import pick_language

router = APIRouter(include_in_schema=False)

NOT_YOURS = N_("You may complain only about services billed in your name or in the name of your child or ward.")
EXPIRED = N_("The form has expired. Please try again.")
NO_RECORD = N_("This service record is not found in this person's name.")


def services_section(request: Request, session: Session, principal: Principal) -> dict[str, Any] | None:
    """A citizen's ``/me``: the services billed in their name and their children's."""
    if principal.role != "citizen" or not principal.iin:
        return None
    people = citizen.family_services(
        session, principal, channel="web", resource="/me", lang=pick_language(request), today=web.today()
    )
    filed = request.query_params.get("complaint", "")
    return {"billed": people, "complaint_filed": filed if filed.isdigit() else None}


@router.post("/me/services/{record_ref}/complaint")
def complaint(
    request: Request,
    session: DbSession,
    principal: web.PagePrincipal,
    record_ref: int,
    csrf: Annotated[str, Form()] = "",
    iin: Annotated[str, Form(max_length=32)] = "",
    note: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    """The button "I did not receive this" of a record on ``/me``: files the complaint (an unplanned
    monitoring case on the record) and returns to ``/me`` saying so."""
    if principal is None:
        return web.login_redirect(request)
    refused = web.refusal_page(request, session, principal, COMPLAINT_FILE, NOT_YOURS, iin.strip(), today=web.today())
    if refused is not None:
        return refused
    if not web.csrf_ok(request, csrf):
        return web.error_page(request, principal, 400, EXPIRED)
    try:
        case = citizen.complain(
            session,
            principal,
            iin,
            record_ref,
            note,
            channel="web",
            resource=f"/me/services/{record_ref}/complaint",
            today=web.today(),
        )
    except (NotFound, InvalidInput):
        return web.error_page(request, principal, 404, NO_RECORD)
    return RedirectResponse(f"/me?complaint={case['id']}#services", status_code=303)


PAGES = web.PageSet(
    router=router,
    templates=Path(__file__).parent / "templates",
    sections={"me": (web.Section("me_services.html", services_section),)},
)
