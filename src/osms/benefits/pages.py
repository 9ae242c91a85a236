"""Benefits pages: a clinic asks whether a patient's care is free, and from which package.

``GET /entitlement`` shows the form; ``POST /entitlement`` (CSRF) answers with the package, the
reasons in the page's language and a printable sheet for the patient. The form is posted, never
a query string, so that an IIN with a diagnosis stays out of addresses and logs. Clinics, operators
and auditors ask about anyone; a citizen about themselves and their children or wards (the same
rule as ``POST /api/v1/entitlements``); employers never. Every answer is audited (channel ``web``).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response

from osms.benefits import service
from osms.benefits.access import ENTITLEMENT_READ
from osms.benefits.catalogue import CARE_TYPES
from osms.core import i18n
from osms.core.clock import fund_now
from osms.core.errors import OsmsError
from osms.core.http import DbSession
from osms.core.i18n import N_
from osms.core.identity import check_iin
from osms.core.security import Principal
from osms.coverage.access import FULL_STATUS_ROLES
from osms.web import pages as web
from osms.web.i18n import pick_language
from osms.web.pages import PRIVATE, PagePrincipal, csrf_ok, login_redirect, render, role_refusal_page

router = APIRouter(include_in_schema=False)

FORM_ERRORS = {
    "unknown_care_type": N_("Choose a care type from the list."),
    "unknown_icd10": N_("The diagnosis is not a WHO ICD-10 code: write it like A15 or A15.0."),
    "date_outside_rulebook": N_("The rules for this date are not loaded: choose a date from 2017-07-01 on."),
    "expired": N_("The form has expired. Please try again."),
    "bad_date": N_("Enter the date as YYYY-MM-DD."),
}


def _day(text: str | None) -> date | None:
    return date.fromisoformat(text) if text else None


def _form(
    iin: str = "",
    care_type: str = "",
    on: str = "",
    icd10: str = "",
    emergency: bool = False,
    referral: bool = False,
) -> dict[str, Any]:
    return {
        "iin": iin,
        "care_type": care_type,
        "date": on or web.today().isoformat(),
        "icd10": icd10,
        "emergency": emergency,
        "referral": referral,
    }


def _page(
    request: Request,
    principal: Principal,
    status_code: int = 200,
    *,
    form: dict[str, Any],
    answer: dict[str, Any] | None = None,
    error: str | None = None,
    reasons: list[dict[str, str]] | None = None,
) -> HTMLResponse:
    return render(
        request,
        "entitlement.html",
        principal,
        status_code,
        headers=PRIVATE,
        form=form,
        care_types=list(CARE_TYPES.values()),
        answer=answer,
        error=error,
        iin_reasons=reasons,
        checked_at=fund_now().replace(microsecond=0),
        answer_day=date.fromisoformat(answer["date"]) if answer else None,
        insured_until=_day(answer["insured"]["insured_until"]) if answer else None,
        # clinics see whether and until when the patient is insured and why in a word, never amounts
        full_status=principal.role in FULL_STATUS_ROLES,
    )


def _allowed(request: Request, principal: Principal | None) -> Response | Principal:
    if principal is None:
        return login_redirect(request)
    text = N_("This page is for clinics and the fund's staff.")
    return role_refusal_page(request, principal, ENTITLEMENT_READ, text) or principal


@router.get("/entitlement", response_class=HTMLResponse)
def entitlement_form(request: Request, principal: PagePrincipal) -> Response:
    allowed = _allowed(request, principal)
    if not isinstance(allowed, Principal):
        return allowed
    return _page(request, allowed, form=_form())


@router.post("/entitlement", response_class=HTMLResponse)
def entitlement(
    request: Request,
    session: DbSession,
    principal: PagePrincipal,
    iin: Annotated[str, Form()] = "",
    care_type: Annotated[str, Form()] = "",
    on: Annotated[str, Form(alias="date")] = "",
    icd10: Annotated[str, Form()] = "",
    emergency: Annotated[bool, Form()] = False,
    referral: Annotated[bool, Form()] = False,
    csrf: Annotated[str, Form()] = "",
) -> Response:
    """The answer for one patient and care: the package, the reasons (kk/ru/en) and a printable sheet."""
    allowed = _allowed(request, principal)
    if not isinstance(allowed, Principal):
        return allowed
    form = _form(iin.strip(), care_type, on.strip(), icd10.strip(), emergency, referral)
    if not csrf_ok(request, csrf):
        return _page(request, allowed, 400, form=form, error=FORM_ERRORS["expired"])
    check = check_iin(iin)
    if not check.valid:
        lang = pick_language(request)
        reasons = i18n.iin_check_reasons(lang, check)
        return _page(request, allowed, 422, form=form, error=N_("This IIN fails a check."), reasons=reasons)
    try:
        day = date.fromisoformat(form["date"])
    except ValueError:
        return _page(request, allowed, 422, form=form, error=FORM_ERRORS["bad_date"])
    try:
        answer = service.entitlement(
            session,
            allowed,
            check.number,
            care_type,
            day,
            form["icd10"] or None,
            emergency=emergency,
            referral=referral,
            channel="web",
            resource="/entitlement",
        )
    except OsmsError as exc:
        if exc.code in FORM_ERRORS:
            return _page(request, allowed, 422, form=form, error=FORM_ERRORS[exc.code])
        raise
    return _page(request, allowed, form=form, answer=answer)


def _answers_entitlement(principal: Principal | None) -> bool:
    return principal is not None and principal.role in ("clinic", "operator")


PAGES = web.PageSet(
    router=router,
    templates=Path(__file__).parent / "templates",
    menu=(web.MenuEntry(70, "/entitlement", N_("Is it covered?"), _answers_entitlement, prefix=True),),
)
