"""The per-capita page (docs/payments.md, "Per capita"; docs/pages.md).

``/per-capita?provider=&month=&rulebook=``: a provider's login sees its own; operators and
auditors any provider (a form to choose one). The table of the attached population by age band
and sex with the coefficients, the rate and its parts, the reductions and the amount, and the
population pyramid as an inline SVG built here (men left, women right, 11 bands, the youngest at
the bottom). When a rate or coefficient applied is synthetic or not yet verified, the page says so.

Thin: the figures are ``capitation.per_capita``'s.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from markupsafe import Markup, escape

from osms.core import audit
from osms.core.config import get_settings
from osms.core.http import DbSession
from osms.core.i18n import N_, gettext
from osms.core.periods import Month
from osms.core.security import Principal
from osms.payments.access import PER_CAPITA_READ
from osms.payments.capitation import BAND_NAMES, PerCapita, PerCapitaError, per_capita
from osms.payments.tariff import TariffError, open_rulebook
from osms.rulebooks.loader import available_rulebooks
from osms.web import pages as web
from osms.web.i18n import pick_language

router = APIRouter(include_in_schema=False)

NOT_STAFF = N_("This page is for providers and the fund's staff.")
OTHER_PROVIDER = N_("A provider sees only its own per capita.")
UNKNOWN_PROVIDER = N_("There is no provider with this code in the register.")
NOT_PHC = N_("This provider is not a primary health care provider: no one is attached to it.")
BAD_MONTH = N_("Write the month as YYYY-MM.")
NO_RATE = N_("The rulebook has no per-capita rate or sex-age coefficient for this provider and month.")

#: The reductions' names on the page.
REDUCTION_NAMES = {
    "uninsured": N_("Not insured in the month: paid at 90%"),
    "no_service_year": N_("No service in the calendar year: paid at 80%, settled in December"),
    "no_service_year_earlier": N_("No service in the year: the year's earlier months at 80%"),
    "excess_norm": N_("Attached above the district norm"),
}
STATUS_NAMES = {
    "applied": N_("applied"),
    "pending_december": N_("pending December: counted, not yet deducted"),
    "not_applied": N_("not applied: formula not obtained"),
}


def pyramid_svg(answer: PerCapita, lang: str) -> Markup:
    """The population pyramid: one bar per band and sex, men to the left, women to the right,
    the youngest band at the bottom; widths proportional to the largest band."""
    people = {(b.band, b.sex): b.people for b in answer.by_band}
    top = max(people.values(), default=0) or 1
    row, half, label_w, pad = 22, 200, 56, 4
    width = 2 * half + label_w
    height = row * len(BAND_NAMES) + 30
    men, women = gettext(lang, N_("Men")), gettext(lang, N_("Women"))
    title = gettext(lang, N_("Population pyramid"))
    parts = [
        f'<svg class="pyramid" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="img" aria-labelledby="pyramid-title">',
        f'<title id="pyramid-title">{escape(title)}</title>',
        f'<text x="{half // 2}" y="14" text-anchor="middle" class="pyramid-head">{escape(men)}</text>',
        f'<text x="{half + label_w + half // 2}" y="14" text-anchor="middle" class="pyramid-head">'
        f"{escape(women)}</text>",
    ]
    for i, band in enumerate(reversed(BAND_NAMES)):
        y = 22 + i * row
        m, f = people.get((band, "M"), 0), people.get((band, "F"), 0)
        wm, wf = round(half * m / top), round(half * f / top)
        parts.append(
            f'<rect class="bar-m" data-band="{band}" data-sex="M" data-people="{m}" x="{half - wm}" y="{y}" '
            f'width="{wm}" height="{row - pad}" fill="#3b6ea5"><title>{escape(men)} {band}: {m}</title></rect>'
        )
        parts.append(
            f'<text x="{half + label_w // 2}" y="{y + row // 2 + 2}" text-anchor="middle" class="pyramid-band">'
            f"{band}</text>"
        )
        parts.append(
            f'<rect class="bar-f" data-band="{band}" data-sex="F" data-people="{f}" x="{half + label_w}" y="{y}" '
            f'width="{wf}" height="{row - pad}" fill="#c0504d"><title>{escape(women)} {band}: {f}</title></rect>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))


def _asked(principal: Principal, provider: str) -> str:
    return provider.strip() or (principal.provider_id or "" if principal.role == "clinic" else "")


@router.get("/per-capita", response_class=HTMLResponse)
def per_capita_page(
    request: Request,
    session: DbSession,
    principal: web.PagePrincipal,
    provider: str = "",
    month: str = "",
    rulebook: str = "",
) -> Response:
    """A PHC provider's per capita of a month, with its population pyramid."""
    if principal is None:
        return web.login_redirect(request)
    lang = pick_language(request)
    asked = _asked(principal, provider)
    form = {
        "provider": asked,
        "month": month.strip() or str(Month.of(web.today())),
        "rulebook": rulebook.strip() or get_settings().rulebook,
    }
    common: dict[str, Any] = {"form": form, "rulebooks": available_rulebooks(), "own": principal.role == "clinic"}
    common["error"] = None
    if not asked:
        refused = web.role_refusal_page(request, principal, PER_CAPITA_READ, NOT_STAFF)
        if refused is not None:
            return refused
        return web.render(request, "per_capita.html", principal, answer=None, **common)
    text = OTHER_PROVIDER if principal.role == "clinic" else NOT_STAFF
    refused = web.refusal_page(request, session, principal, PER_CAPITA_READ, text, asked)
    if refused is not None:
        return refused
    try:
        book = open_rulebook(form["rulebook"])
        answer = per_capita(session, book, asked, form["month"], today=web.today())
    except TariffError as exc:
        common["error"] = exc.sentences()[lang]
        return web.render(request, "per_capita.html", principal, 422, answer=None, **common)
    except PerCapitaError as exc:
        if exc.code == "unknown_provider":
            return web.error_page(request, principal, 404, UNKNOWN_PROVIDER)
        message = {"not_phc": NOT_PHC, "bad_month": BAD_MONTH}.get(exc.code or "", NO_RATE)
        common["error"] = gettext(lang, message)
        return web.render(request, "per_capita.html", principal, 422, answer=None, **common)
    audit.record(
        session,
        principal,
        channel="web",
        action="payments.per_capita.read",
        resource=request.url.path,
        detail=f"{asked} {answer.month}",
    )
    data = answer.as_dict()
    rows: list[dict[str, Any]] = []
    bands = {(b.band, b.sex): b for b in answer.by_band}
    for band in BAND_NAMES:
        rows.append({"band": band, "M": bands.get((band, "M")), "F": bands.get((band, "F"))})
    return web.render(
        request,
        "per_capita.html",
        principal,
        headers=web.PRIVATE,
        answer=data,
        amounts=answer,
        rows=rows,
        pyramid=pyramid_svg(answer, lang),
        reductions=[
            {
                "code": r.code,
                "status": r.status,
                "people": r.people,
                "amount": r.amount,
                "name": gettext(lang, REDUCTION_NAMES[r.code]),
                "state": gettext(lang, STATUS_NAMES.get(r.status, r.status)),
            }
            for r in answer.reductions
        ],
        **common,
    )


def _shown(principal: Principal | None) -> bool:
    return principal is not None and principal.role in ("clinic", "operator", "auditor")


PAGES = web.PageSet(
    router=router,
    templates=Path(__file__).parent / "templates",
    menu=(web.MenuEntry(97, "/per-capita", N_("Per capita"), _shown),),
)
