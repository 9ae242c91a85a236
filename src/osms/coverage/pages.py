"""Coverage pages: the home page and the public status check, the personal cabinet, registry
cards with the insured status and payments, the clinics' batch status check and the employer's
page of employees and payments.

These pages compose the rooms below coverage: the registry's card (template ``_person_card.html``
of ``osms.registry``), the contributions' payments and employer's month
(``osms.contributions.service``, template ``_payments.html``) and the status. The
personal cabinet also shows the sections other rooms add to ``/me`` (``osms.web.pages.sections``:
who looked at your data, from the audit room). Every read of a person's data is authorised by the
registry or coverage service and written to the audit log with channel ``web`` (an anonymous
status check as the actor ``anonymous``, role ``public``). What each role sees: docs/pages.md.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from osms.contributions.access import EMPLOYER_READ
from osms.contributions.rules import CalcError, Deadlines, deadlines, open_rulebook
from osms.contributions.rules import compute as compute_charge
from osms.contributions.service import MonthPayments, employer_default_month, employer_month, payments_of
from osms.core import audit, i18n, throttle
from osms.core.authz import anyone, authorize
from osms.core.config import get_settings
from osms.core.errors import NotFound
from osms.core.http import DbSession
from osms.core.i18n import N_
from osms.core.identity import check_iin
from osms.core.periods import Month
from osms.core.security import Principal
from osms.coverage import rules as status_rules
from osms.coverage.access import FULL_STATUS_ROLES, STATUS_BATCH
from osms.coverage.service import read_status, read_statuses, record_reads, status_of, statuses
from osms.registry.access import PERSON_READ
from osms.registry.service import cared_for, get_person, minor_age_on
from osms.rulebooks.horizon import NOT_PROVISIONAL, Horizon, horizon_of
from osms.rulebooks.loader import RulebookError
from osms.web import pages as web
from osms.web.i18n import pick_language
from osms.web.pages import PRIVATE, PagePrincipal, csrf_ok, error_page, login_redirect, refusal_page, render

router = APIRouter(include_in_schema=False)

# Who an anonymous status check is recorded as (the audit log has no constraint on the role).
PUBLIC = Principal(user_id=0, username="anonymous", role="public", display_name="anonymous")
# Payments shown by default: this many months back from the current one (``?payments=all``: every one).
PAYMENT_MONTHS = 24
# The clinics' batch form takes at most this many IINs (the API takes 10,000).
BATCH_FORM_LIMIT = 1000
STATUS_UNAVAILABLE = N_(
    "The insurance status cannot be computed for this date: the rules in force on it are not loaded. "
    "Please try again later."
)


def today() -> date:
    """The day statuses are computed for (``osms.web.pages.today``, which tests replace)."""
    return web.today()


# --- Home and the public status check --------------------------------------------------------


@router.get("/", response_class=HTMLResponse)
def home(request: Request, principal: PagePrincipal) -> HTMLResponse:
    return render(request, "home.html", principal, iin="", result=None)


def public_status(session: Session, principal: Principal | None, iin: str) -> dict[str, Any]:
    """What the fund's public box says of a well-formed IIN today: insured on the day or not.

    Nothing else, and the same words for every basis: no end date (a bare "insured" without one
    gave away an open-ended state-paid category: disability, detention, military service,
    unemployment), no name, no reason, no payer, no arrears, nothing decoded from the IIN. A person
    not in the registry, a deceased person, a person not yet born are all simply "not insured", as
    on the fund's site, so that the box does not tell whether a number belongs to anyone. Audited
    as ``status.read`` by the logged-in user, else by the anonymous public actor. docs/access.md.
    """
    day = today()
    try:
        status = status_of(session, iin, day)
    except RulebookError:
        return {"on": day, "available": False, "insured": False}
    audit.record(
        session,
        principal or PUBLIC,
        channel="web",
        action="status.read",
        resource="/check",
        subject_iin=iin,
        detail=f"on={day.isoformat()} public check: insured or not only",
    )
    return {
        "on": day,
        "available": True,
        "insured": status.insured,
        "provisional": status.horizon.as_dict()["provisional_message"],
    }


@router.get("/check", response_class=HTMLResponse)
def check(request: Request, session: DbSession, principal: PagePrincipal, iin: str = "") -> HTMLResponse:
    """Is an IIN well-formed, and is its holder insured today? HTMX asks for the result alone;
    without JS the whole page comes. At most OSMS_PUBLIC_STATUS_RATE checks per client address
    (docs/security.md); past it, 429 with Retry-After and a polite word."""
    if iin.strip():
        wait = throttle.take(
            request.app.state.sessions, f"status:{throttle.client_address(request)}", request.app.state.status_rate
        )
        if wait:
            headers = {"Retry-After": str(wait), "Vary": "HX-Request"}
            fragment = "_check_result.html" if request.headers.get("HX-Request") == "true" else "check.html"
            return render(request, fragment, principal, 429, headers=headers, iin=iin, result=None, retry_after=wait)
    result = web.iin_check(request, iin)
    if result is not None and result["valid"]:
        result["status"] = public_status(session, principal, result["number"])
    # A status is a person's data: no proxy may keep it (and answer later without an audit entry).
    headers = {"Vary": "HX-Request"} | (PRIVATE if result is not None and result["status"] is not None else {})
    if request.headers.get("HX-Request") == "true":
        return render(request, "_check_result.html", principal, headers=headers, result=result)
    return render(request, "check.html", principal, headers=headers, iin=iin, result=result)


# --- Insured status and payments, as each role may see them ----------------------------------


def _payer_names(months: Iterable[MonthPayments] | None) -> dict[str, str | None]:
    return {p.payer_id: p.payer_name for m in months or () for p in m.payers}


def _self_payer_price(status: status_rules.Status) -> dict[str, Any] | None:
    """What a self-payer pays for the month of the status date (the "what to do" of an arrears)."""
    try:
        calc = compute_charge(open_rulebook(status.rulebook), "self-payer", Month.of(status.on))
    except (CalcError, RulebookError):
        return None
    if calc.exempt:
        return None
    rule = calc.rule
    return {
        "period": calc.period,
        "rate": calc.rate,
        "base": calc.base,
        "amount": calc.amount,
        "multiplier": rule.multiplier if rule.base == "mw_multiple" else None,
        "mw": calc.mw.value,
        "rule": rule.id,
    }


def status_view(
    status: status_rules.Status, lang: str, *, full: bool, payer_names: dict[str, str | None] | None = None
) -> dict[str, Any]:
    """A status for a template. ``full``: the reason sentence, the payer, the months paid and the
    arrears with what to do; otherwise (clinics) insured, until when and the reason in a word."""
    basis = status.basis
    view: dict[str, Any] = {
        "iin": status.iin,
        "on": status.on,
        "insured": status.insured,
        "until": status.insured_until if status.insured else None,
        "basis": basis.code,
        "category": basis.category,
        "category_to": status.category_to,
        "full": full,
        "provisional": status.horizon.as_dict()["provisional_message"],
    }
    if full:
        names = payer_names or {}
        view |= {
            "last_12": [{"month": m, "state": state, "due_by": due_by} for m, state, due_by in status.last_12],
            "due": list(status.due),
            "message": status.message.get(lang) or status.message.get("en", ""),
            "kind": basis.kind,
            "payer": basis.payer,
            "payer_name": names.get(basis.payer) if basis.payer else None,
            "months_paid": list(status.months_paid_last_12),
            "arrears": list(status.arrears),
            "arrears_total": status.arrears_amount,
            "self_payer": _self_payer_price(status) if status.arrears else None,
        }
    return view


def _status_sections(
    request: Request,
    session: Session,
    principal: Principal,
    iin: str,
    *,
    resource: str,
    full: bool,
    all_payments: bool,
) -> dict[str, Any]:
    """Status (and, for ``full`` viewers, the payments in the person's name) of a person the
    caller may read; each read audited (``status.read``, ``payments.read``)."""
    lang = pick_language(request)
    day = today()
    sections: dict[str, Any] = {
        "status": None,
        "status_error": None,
        "payments": None,
        "payments_since": None,
        "all_payments": all_payments,
    }
    try:
        status = read_status(session, principal, iin, day, channel="web", resource=resource)
    except RulebookError:
        sections["status_error"] = STATUS_UNAVAILABLE
        status = None
    months: list[MonthPayments] | None = None
    if full:
        since = None if all_payments else Month.of(day) - (PAYMENT_MONTHS - 1)
        months = payments_of(session, iin, since)
        audit.record(
            session,
            principal,
            channel="web",
            action="payments.read",
            resource=resource,
            subject_iin=iin,
            detail=f"since={since or 'all'} months={len(months)}",
        )
        sections["payments"] = months
        sections["payments_since"] = since
    if status is not None:
        sections["status"] = status_view(status, lang, full=full, payer_names=_payer_names(months))
    return sections


def _dependants(session: Session, principal: Principal, card: dict[str, Any], resource: str) -> list[dict[str, Any]]:
    """The statuses of the children under the minor age and the wards on a citizen's own card
    (``registry.service.cared_for``: not adult children), in one set-based read."""
    day = today()
    assert principal.iin is not None
    acts_for = cared_for(session, principal.iin, day, minor_age_on(day)) if card["dependants"] else set()
    people = [p for p in card["dependants"] if p["iin"] in acts_for]
    if not people:
        return []
    try:
        found = statuses(session, [p["iin"] for p in people], day)
    except RulebookError:
        found = []
    answers = {a["iin"]: a for a in found if "error" not in a}
    if answers:
        record_reads(
            session, principal, list(answers), channel="web", resource=resource, detail=f"on={day.isoformat()} family"
        )
    result = []
    for person in people:
        answer = answers.get(person["iin"])
        until = answer["insured_until"] if answer else None
        result.append(
            person
            | {
                "available": answer is not None,
                "insured": bool(answer and answer["insured"]),
                "until": date.fromisoformat(until) if until and answer and answer["insured"] else None,
                "basis": answer["basis"]["code"] if answer else None,
                "message": answer["message"] if answer else {},
            }
        )
    return result


# --- The personal cabinet and registry cards -------------------------------------------------


def _read_card(session: Session, principal: Principal, iin: str, resource: str) -> dict[str, Any]:
    """Read a card the caller has been authorised for, and audit the read (channel ``web``)."""
    card = get_person(session, iin)
    audit.record(session, principal, channel="web", action="person.read", resource=resource, subject_iin=card["iin"])
    return card


@router.get("/me", response_class=HTMLResponse)
def me(request: Request, session: DbSession, principal: PagePrincipal, payments: str = "") -> Response:
    """The personal cabinet. A citizen sees their status with its reason, arrears and what to do,
    the payments in their name, their children's statuses, their registry card, and who looked at
    their data (the organisation or role, never the staff member)."""
    if principal is None:
        return login_redirect(request)
    context: dict[str, Any] = {"card": None, "children": [], "status": None, "status_error": None, "payments": None}
    if principal.role == "citizen" and principal.iin:
        authorize(session, principal, PERSON_READ, principal.iin, channel="web")
        try:
            context["card"] = _read_card(session, principal, principal.iin, "/me")
        except NotFound:
            context["card"] = None
        if context["card"] is not None:
            context |= _status_sections(
                request, session, principal, principal.iin, resource="/me", full=True, all_payments=payments == "all"
            )
            context["children"] = _dependants(session, principal, context["card"], "/me")
    context |= web.sections("me", request, session, principal)
    return render(request, "me.html", principal, headers=PRIVATE, **context)


@router.get("/persons", response_class=HTMLResponse)
def persons(request: Request, session: DbSession, principal: PagePrincipal, iin: str = "") -> Response:
    if principal is None:
        return login_redirect(request)
    refused = refusal_page(
        request, session, principal, PERSON_READ, N_("Your role does not give access to registry cards.")
    )
    if refused is not None:
        return refused
    result = web.iin_check(request, iin)
    if result and result["valid"]:
        return RedirectResponse(f"/persons/{result['number']}", status_code=303)
    return render(request, "persons.html", principal, 422 if result else 200, iin=iin, result=result)


@router.get("/persons/{iin}", response_class=HTMLResponse)
def person(request: Request, session: DbSession, principal: PagePrincipal, iin: str, payments: str = "") -> Response:
    """A registry card with the status first (a clinic's question: is this patient insured today?)
    and, for the person, their parent, operators and auditors, the payments in their name."""
    if principal is None:
        return login_redirect(request)
    # a refusal is audited, then a 403 page
    authorize(session, principal, PERSON_READ, iin, channel="web", today=today())
    result = web.iin_check(request, iin)
    if result and not result["valid"]:
        return error_page(request, principal, 422, N_("This IIN fails a check."), reasons=result["reasons"])
    resource = f"/persons/{iin}"
    card = _read_card(session, principal, iin, resource)
    sections = _status_sections(
        request,
        session,
        principal,
        card["iin"],
        resource=resource,
        full=principal.role in FULL_STATUS_ROLES,
        all_payments=payments == "all",
    )
    return render(
        request,
        "person.html",
        principal,
        headers=PRIVATE,
        card=card,
        can_find_persons=principal.role in anyone(PERSON_READ),
        **sections,
    )


# --- Clinics: many statuses at once ----------------------------------------------------------


def _split_iins(text: str) -> list[str]:
    """One IIN a line (commas, semicolons, tabs and spaces also separate); blanks dropped."""
    return [part for part in re.split(r"[\s,;]+", text) if part]


@router.get("/statuses", response_class=HTMLResponse)
def batch_form(request: Request, session: DbSession, principal: PagePrincipal) -> Response:
    if principal is None:
        return login_redirect(request)
    refused = refusal_page(
        request, session, principal, STATUS_BATCH, N_("This page is for clinics and the fund's staff.")
    )
    if refused is not None:
        return refused
    return render(request, "statuses.html", principal, iins="", rows=None, counts=None, error=None)


@router.post("/statuses", response_class=HTMLResponse)
def batch(
    request: Request,
    session: DbSession,
    principal: PagePrincipal,
    iins: Annotated[str, Form()] = "",
    csrf: Annotated[str, Form()] = "",
) -> Response:
    """The statuses of up to 1,000 IINs today, in the order given (one audit entry per IIN)."""
    if principal is None:
        return login_redirect(request)
    refused = refusal_page(
        request, session, principal, STATUS_BATCH, N_("This page is for clinics and the fund's staff.")
    )
    if refused is not None:
        return refused

    def again(status_code: int, error: str) -> HTMLResponse:
        return render(request, "statuses.html", principal, status_code, iins=iins, rows=None, counts=None, error=error)

    if not csrf_ok(request, csrf):
        return again(400, N_("The form has expired. Please try again."))
    numbers = _split_iins(iins)
    if not numbers:
        return again(422, N_("Enter at least one IIN."))
    if len(numbers) > BATCH_FORM_LIMIT:
        return again(413, N_("At most 1,000 IINs at a time; split the list."))
    day = today()
    lang = pick_language(request)
    try:
        answers = read_statuses(session, principal, numbers, day, channel="web", resource="/statuses")
    except RulebookError:
        return again(422, STATUS_UNAVAILABLE)
    rows: list[dict[str, Any]] = []
    for raw, answer in zip(numbers, answers, strict=True):
        if "error" in answer:
            rows.append({"iin": raw, "valid": False, "reasons": i18n.iin_check_reasons(lang, check_iin(raw))})
            continue
        until = answer["insured_until"]
        rows.append(
            {
                "iin": answer["iin"],
                "valid": True,
                "insured": answer["insured"],
                "until": date.fromisoformat(until) if until and answer["insured"] else None,
                "basis": answer["basis"]["code"],
                "category": answer["basis"]["category"],
            }
        )
    counts = {
        "all": len(rows),
        "insured": sum(1 for r in rows if r["valid"] and r["insured"]),
        "not_insured": sum(1 for r in rows if r["valid"] and not r["insured"]),
        "invalid": sum(1 for r in rows if not r["valid"]),
    }
    provisional = next((a["provisional_message"] for a in answers if a.get("provisional")), None)
    return render(
        request,
        "statuses.html",
        principal,
        headers=PRIVATE,
        iins=iins,
        rows=rows,
        counts=counts,
        error=None,
        on=day,
        provisional=provisional,
    )


# --- Employers: their employees' statuses and sums -------------------------------------------


def _employer_only(request: Request, session: Session, principal: Principal, action: str) -> Response | None:
    return refusal_page(request, session, principal, action, N_("This page is for employers."), principal.bin)


def _employer_deadlines(month: Month) -> tuple[Deadlines | None, Horizon]:
    """The month's deadlines, and whether they rest on entries carried past the confirmed horizon."""
    try:
        book = open_rulebook(get_settings().rulebook)
        due = deadlines(book, month)
    except (CalcError, RulebookError):
        return None, NOT_PROVISIONAL
    return due, horizon_of(book, month.first_day, due.rules)


@router.get("/employer", response_class=HTMLResponse)
def employer(request: Request, session: DbSession, principal: PagePrincipal, period: str = "") -> Response:
    """Whom the employer paid for in a month (default: the latest month up to this one with payments
    by the employer, else last month), the deductions and withheld contributions by employee
    (``contributions.service.employer_month``), and each current employee's status today: insured
    or not."""
    if principal is None:
        return login_redirect(request)
    refused = _employer_only(request, session, principal, EMPLOYER_READ)
    if refused is not None:
        return refused
    assert principal.bin is not None
    day = today()
    shown = period.strip()
    try:
        month = Month.parse(shown) if shown else employer_default_month(session, principal.bin, day)
    except ValueError:
        return render(
            request,
            "employer.html",
            principal,
            422,
            headers=PRIVATE,
            period=shown,
            month=None,
            error=N_("The period must be a month written YYYY-MM, for example 2024-09."),
        )
    paid = employer_month(session, principal.bin, month, day)
    answers: dict[str, dict[str, Any]] = {}
    status_error = None
    if paid.current:
        try:
            answers = {a["iin"]: a for a in statuses(session, paid.current, day)}
        except RulebookError:
            status_error = STATUS_UNAVAILABLE
    resource = f"/employer?period={month}"
    record_reads(
        session, principal, sorted(answers), channel="web", resource=resource, detail=f"on={day.isoformat()} employer"
    )
    audit.record_many(
        session,
        principal,
        sorted(e.iin for e in paid.employees),
        channel="web",
        action="payments.read",
        resource=resource,
        detail=f"payments of {principal.bin}",
    )
    rows: list[dict[str, Any]] = [
        {
            "iin": e.iin,
            "name": e.name,
            "deduction": e.deduction,
            "contribution": e.contribution,
            "total": e.total,
            "reversed": e.reversed,
            # insured or not, never until when (docs/access.md: an open end gives a category away)
            "status": {"insured": answers[e.iin]["insured"]} if e.iin in answers else None,
        }
        for e in paid.employees
    ]
    totals = {
        "deduction": paid.deduction,
        "contribution": paid.contribution,
        "reversed": paid.reversed,
        "total": paid.total,
    }
    # The notice when the month's deadlines or today's statuses rest on entries carried forward
    # (docs/rulebooks.md); of the two, the sentence of the later day.
    due, due_horizon = _employer_deadlines(month)
    provisional = next((a["provisional_message"] for a in answers.values() if a.get("provisional")), None)
    if due_horizon.provisional and (provisional is None or month.first_day > day):
        provisional = due_horizon.as_dict()["provisional_message"]
    counts = {
        "employees": len(rows),
        "insured": sum(1 for r in rows if r["status"] and r["status"]["insured"]),
        "not_insured": sum(1 for r in rows if r["status"] and not r["status"]["insured"]),
        "no_status": sum(1 for r in rows if r["status"] is None),
    }
    return render(
        request,
        "employer.html",
        principal,
        headers=PRIVATE,
        period=str(month),
        month=month,
        previous=month - 1,
        following=month + 1,
        due=due,
        provisional=provisional,
        rows=rows,
        totals=totals,
        counts=counts,
        on=day,
        status_error=status_error,
        error=None,
    )


def _everyone(principal: Principal | None) -> bool:
    return True


def _logged_in(principal: Principal | None) -> bool:
    return principal is not None


def _finds_persons(principal: Principal | None) -> bool:
    return principal is not None and principal.role in anyone(PERSON_READ)


PAGES = web.PageSet(
    router=router,
    templates=Path(__file__).parent / "templates",
    menu=(
        web.MenuEntry(0, "/", N_("Home"), _everyone),
        web.MenuEntry(10, "/check", N_("Check insurance status"), _everyone),
        web.MenuEntry(20, "/me", N_("Personal cabinet"), _logged_in),
        web.MenuEntry(30, "/persons", N_("Find a person"), _finds_persons, prefix=True),
        web.MenuEntry(40, "/statuses", N_("Check many IINs"), _finds_persons),
    ),
)
