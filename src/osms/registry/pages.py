"""Registry pages: the registry card as a part of other rooms' pages.

The card (``_person_card.html``: the person, their categories, family and dependants) is shown by
the pages that compose it with the status and the payments (``osms.coverage.pages``: ``/me``,
``/persons/{iin}``); this module reads and audits it (``read_card``) and gives the templates the
regions' names (``region(code)``). See docs/pages.md.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import APIRouter
from sqlalchemy.orm import Session

from osms.core import audit
from osms.core.security import Principal
from osms.registry.regions import region_name
from osms.registry.service import get_person
from osms.web import pages as web
from osms.web.i18n import in_language

router = APIRouter(include_in_schema=False)


def read_card(session: Session, principal: Principal, iin: str, resource: str) -> dict[str, Any]:
    """Read a card the caller has been authorised for, and audit the read (channel ``web``)."""
    card = get_person(session, iin)
    audit.record(session, principal, channel="web", action="person.read", resource=resource, subject_iin=card["iin"])
    return card


PAGES = web.PageSet(
    router=router,
    templates=Path(__file__).parent / "templates",
    template_globals={"region": in_language(region_name)},
)
