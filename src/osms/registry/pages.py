"""Registry pages: the registry card as a part of other rooms' pages.

The card (template ``_person_card.html``: the person, their categories, family and dependants) is
shown by the pages that compose it with the status and the payments (``osms.coverage.pages``:
``/me``, ``/persons/{iin}``); this room gives the templates its directory and the regions' names
(``region(code)``). It has no route of its own. See docs/pages.md.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter

from osms.registry.regions import region_name
from osms.web import pages as web
from osms.web.i18n import in_language

router = APIRouter(include_in_schema=False)


PAGES = web.PageSet(
    router=router,
    templates=Path(__file__).parent / "templates",
    template_globals={"region": in_language(region_name)},
)
