"""The payments room's pages (docs/payments.md, "The tariff page"; docs/pages.md).

``/tariffs`` (anyone): a form (form of care, a case group or a service code, the day, the case's
outcome, bed-days and procedures, a service at home, remote or in a child's preventive
examination) and the answer of the tariff calculator (``osms.payments.tariff``): the price, what
it is made of, the rules applied. When a row applied is synthetic or not yet verified, the page
says so.

Thin: the price is the calculator's; this module reads the form and renders.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from osms.claims.rulebook import ClaimsTopic
from osms.claims.vocabulary import CARE_FORMS, CASE_GROUP_FORMS, OUTCOMES
from osms.core.config import get_settings
from osms.core.i18n import N_, gettext
from osms.core.security import Principal
from osms.payments.tariff import TariffError, open_rulebook, parse_day, price
from osms.rulebooks.loader import available_rulebooks
from osms.web import pages as web
from osms.web.i18n import pick_language

router = APIRouter(include_in_schema=False)

BAD_BED_DAYS = N_("The bed-days must be a whole number from 0 to 3650.")


def _flag(value: str) -> bool:
    return value.strip().lower() in ("1", "true", "on", "yes")


@router.get("/tariffs", response_class=HTMLResponse)
def tariffs_page(
    request: Request,
    principal: web.PagePrincipal,
    care_form: str = "",
    code: str = "",
    date: str = "",
    outcome: str = "",
    bed_days: str = "",
    procedures: str = "",
    at_home: str = "",
    remote: str = "",
    preventive_child: str = "",
    rulebook: str = "",
) -> Response:
    """The tariff calculator: the form, and the answer when a form of care and a code are given."""
    lang = pick_language(request)
    form: dict[str, Any] = {
        "care_form": care_form.strip(),
        "code": code.strip(),
        "date": date.strip() or web.today().isoformat(),
        "outcome": outcome.strip(),
        "bed_days": bed_days.strip(),
        "procedures": procedures.strip(),
        "at_home": _flag(at_home),
        "remote": _flag(remote),
        "preventive_child": _flag(preventive_child),
        "rulebook": rulebook.strip() or get_settings().rulebook,
    }
    answer: dict[str, Any] | None = None
    error: str | None = None
    status = 200
    book = None
    try:
        book = open_rulebook(form["rulebook"])
        on = parse_day(form["date"])
        if form["care_form"] and form["code"]:
            answer = _answer(book, form, on, lang)
    except TariffError as exc:
        error, status = exc.sentences()[lang], 422
    except ValueError:
        error, status = gettext(lang, BAD_BED_DAYS), 422
    return web.render(
        request,
        "tariffs.html",
        principal,
        status,
        form=form,
        answer=answer,
        error=error,
        care_forms=CARE_FORMS,
        outcomes=OUTCOMES,
        rulebooks=available_rulebooks(),
        codes=_codes(book, form["date"], lang),
    )


def _answer(book: Any, form: dict[str, Any], on: date, lang: str) -> dict[str, Any]:
    is_case = form["care_form"] in CASE_GROUP_FORMS
    result = price(
        book,
        form["care_form"],
        on,
        case_group=form["code"] if is_case else None,
        service_code=None if is_case else form["code"],
        outcome=form["outcome"] or None,
        bed_days=int(form["bed_days"]) if form["bed_days"] else None,
        procedures=form["procedures"].replace(";", ",").split(","),
        at_home=form["at_home"],
        remote=form["remote"],
        preventive_child=form["preventive_child"],
    )
    claims = book.topic(ClaimsTopic)
    catalogue = claims.case_groups(on) if is_case else claims.services(on)
    named = catalogue.get(form["code"])
    data = result.as_dict()
    return data | {
        "name": named.title(lang) if named is not None else "",
        "entries": [
            {"id": e.id, "source": e.source, "verified": e.verified, "synthetic": "synthetic" in e.source.lower()}
            for e in result.entries
        ],
        "price_amount": result.price,
        "base_amount": result.base,
    }


def _codes(book: Any, day: str, lang: str) -> list[dict[str, str]]:
    """The codes of the claims catalogues on the form's day, for the input's list."""
    if book is None:
        return []
    try:
        on = parse_day(day)
    except TariffError:
        return []
    if not book.covers(on):
        return []
    claims = book.topic(ClaimsTopic)
    found = [*claims.case_groups(on).values(), *claims.services(on).values()]
    return [{"code": c.code, "name": c.title(lang)} for c in sorted(found, key=lambda c: c.code)]


def _everyone(principal: Principal | None) -> bool:
    return True


PAGES = web.PageSet(
    router=router,
    templates=Path(__file__).parent / "templates",
    menu=(web.MenuEntry(98, "/tariffs", N_("Tariffs"), _everyone),),
)
