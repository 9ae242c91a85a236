"""Web pages (thin): home and the public status check, login/logout, the personal cabinet,
registry cards with insured status and payments, the employer's page and payroll, the clinics'
batch status check.

Every page is rendered in the language ``i18n.pick_language`` chooses. Every page with a person's
data is authorised by ``osms.core.authz.authorize`` under its room's action (``refusal_page``)
and every read written to the audit log with channel ``web`` (an anonymous status check as the
actor ``anonymous``, role ``public``). Errors on pages are pages too (``install_error_pages``);
``/api/...`` keeps problem+json. What each role sees is in ``docs/pages.md``.
"""

from __future__ import annotations

import inspect
import re
import secrets
from collections.abc import Iterable, Sequence
from datetime import date
from decimal import Decimal
from typing import Annotated, Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Depends, FastAPI, File, Form, Request, UploadFile
from fastapi import HTTPException as FastAPIHTTPException
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from sqlalchemy.orm import Session
from starlette.exceptions import HTTPException as StarletteHTTPException

from osms.audit import service as audit_view
from osms.contributions.access import EMPLOYER_READ, PAYROLL_PAGE
from osms.contributions.payroll import MAX_API_ROWS, PayrollResult, compute_payroll, read_payroll_file
from osms.contributions.rules import CalcError, Calculation, Deadlines, deadlines, open_rulebook
from osms.contributions.rules import compute as compute_charge
from osms.contributions.service import (
    EmployeePayment,
    MonthPayments,
    employer_payments,
    latest_paid_period,
    payments_of,
)
from osms.core import audit, throttle
from osms.core.authz import anyone, authorize, authorize_role
from osms.core.clock import fund_today
from osms.core.config import LANGUAGES, get_settings
from osms.core.errors import Forbidden, InvalidInput, NotFound, OsmsError, Overloaded
from osms.core.http import DbSession, csrf_matches, log_refusal, optional_principal
from osms.core.identity import check_iin
from osms.core.periods import Month, months_between
from osms.core.security import (
    Principal,
    authenticate,
    end_web_session,
    principal_for_web_session,
    start_web_session,
)
from osms.coverage import rules as status_rules
from osms.coverage.access import FULL_STATUS_ROLES, STATUS_BATCH
from osms.coverage.service import read_status, read_statuses, record_reads, status_of, statuses
from osms.registry.access import PERSON_READ
from osms.registry.service import cared_for, get_person, minor_age_on
from osms.rulebooks.horizon import NOT_PROVISIONAL, Horizon, horizon_of
from osms.rulebooks.loader import RulebookError
from osms.web import i18n
from osms.web.i18n import N_

router = APIRouter(include_in_schema=False)
i18n.load_all()
templates = Jinja2Templates(env=i18n.environment())

PagePrincipal = Annotated[Principal | None, Depends(optional_principal)]
# Pages with a person's data are never stored by the browser or a proxy.
PRIVATE = {"Cache-Control": "no-store"}
# Paths that are not pages: their errors stay application/problem+json.
MACHINE_PREFIXES = ("/api", "/fhir", "/health", "/openapi.json", "/docs", "/redoc")
# Who an anonymous status check is recorded as (the audit log has no constraint on the role).
PUBLIC = Principal(user_id=0, username="anonymous", role="public", display_name="anonymous")
# Payments shown by default: this many months back from the current one (``?payments=all``: every one).
PAYMENT_MONTHS = 24
# The clinics' batch form takes at most this many IINs (the API takes 10,000).
BATCH_FORM_LIMIT = 1000
# A payroll file larger than this is refused before it is read.
PAYROLL_MAX_BYTES = 2 * 1024 * 1024
STATUS_UNAVAILABLE = N_(
    "The insurance status cannot be computed for this date: the rules in force on it are not loaded. "
    "Please try again later."
)


def today() -> date:
    """The day statuses are computed for (tests replace this function)."""
    return fund_today()


# --- Rendering -------------------------------------------------------------------------------


def csrf_token(request: Request) -> str:
    """The session's token that every POST form carries back."""
    token = request.session.get("csrf")
    if not isinstance(token, str):
        token = secrets.token_urlsafe(32)
        request.session["csrf"] = token
    return token


def csrf_ok(request: Request, sent: str) -> bool:
    return csrf_matches(request, sent)


def lang_urls(request: Request) -> dict[str, str]:
    """The current page in each language (the same path and query, another ``lang``)."""
    query = [(k, v) for k, v in request.query_params.multi_items() if k != "lang"]
    return {code: f"{request.url.path}?{urlencode([*query, ('lang', code)])}" for code in LANGUAGES}


def render(
    request: Request,
    template: str,
    principal: Principal | None,
    status_code: int = 200,
    headers: dict[str, str] | None = None,
    **context: Any,
) -> HTMLResponse:
    lang = i18n.pick_language(request)
    base = {
        "lang": lang,
        "principal": principal,
        "languages": LANGUAGES,
        "lang_urls": lang_urls(request),
        "csrf": csrf_token(request) if "session" in request.scope else "",
        "path": request.url.path,
        "can_find_persons": principal is not None and principal.role in anyone(PERSON_READ),
        "is_employer": principal is not None and principal.role == "employer",
    }
    return templates.TemplateResponse(request, template, {**base, **context}, status_code=status_code, headers=headers)


def login_redirect(request: Request) -> RedirectResponse:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return RedirectResponse(f"/login?next={quote(target, safe='')}", status_code=303)


def safe_next(target: str | None) -> str:
    """Only a path on this site (never ``//host`` or a scheme) may follow the login."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/me"


# --- Home and the IIN check ------------------------------------------------------------------


@router.get("/", response_class=HTMLResponse)
def home(request: Request, principal: PagePrincipal) -> HTMLResponse:
    return render(request, "home.html", principal, iin="", result=None)


def _check_result(request: Request, raw: str) -> dict[str, Any] | None:
    """Is ``raw`` a well-formed IIN, and if not, which checks fail. Nothing is decoded from the
    digits for display (the birth date and sex in them are the person's data: docs/access.md)."""
    if not raw.strip():
        return None
    check = check_iin(raw)
    lang = i18n.pick_language(request)
    return {
        "number": check.number,
        "valid": check.valid,
        "reasons": i18n.iin_check_reasons(lang, check),
        "status": None,
    }


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
    result = _check_result(request, iin)
    if result is not None and result["valid"]:
        result["status"] = public_status(session, principal, result["number"])
    # A status is a person's data: no proxy may keep it (and answer later without an audit entry).
    headers = {"Vary": "HX-Request"} | (PRIVATE if result is not None and result["status"] is not None else {})
    if request.headers.get("HX-Request") == "true":
        return render(request, "_check_result.html", principal, headers=headers, result=result)
    return render(request, "check.html", principal, headers=headers, iin=iin, result=result)


# --- Login and logout ------------------------------------------------------------------------


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request, principal: PagePrincipal, next: str = "/me") -> HTMLResponse:
    return render(request, "login.html", principal, next=safe_next(next), username="", error=None)


@router.post("/login", response_class=HTMLResponse)
def login(
    request: Request,
    session: DbSession,
    username: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
    csrf: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "/me",
) -> Response:
    target = safe_next(next)
    if not csrf_ok(request, csrf):
        error = N_("The form has expired. Please try again.")
        return render(request, "login.html", None, 400, next=target, username=username, error=error)
    name = username.strip()

    def refused(wait: int) -> HTMLResponse:
        # 429, and the page says when to try again (docs/security.md)
        minutes = max(1, -(-wait // 60))
        headers = {"Retry-After": str(wait)}
        return render(
            request, "login.html", None, 429, headers, next=target, username=name, error=None, minutes=minutes
        )

    guard = None
    if name and password:
        guard = throttle.LoginGuard(
            request.app.state.sessions,
            request.app.state.login_policy,
            name,
            throttle.client_address(request),
            channel="web",
            resource="/login",
        )
        if wait := guard.wait():
            return refused(wait)
    found = authenticate(session, name, password) if guard is not None else None
    if found is None:
        audit.failed_login(session, username, channel="web", resource="/login")
        if guard is not None and (wait := guard.failed()):
            return refused(wait)
        error = N_("Wrong login or password.")
        return render(request, "login.html", None, 400, next=target, username=username, error=error)
    assert guard is not None
    guard.succeeded()
    lang = request.session.get("lang")
    request.session.clear()
    if lang:
        request.session["lang"] = lang
    # Committed before the answer: the browser follows the redirect at once, with the new cookie.
    with request.app.state.sessions() as own:
        request.session["sid"] = start_web_session(own, found.user_id, request.app.state.settings.session_hours)
        own.commit()
    return RedirectResponse(target, status_code=303)


@router.post("/logout")
def logout(request: Request, csrf: Annotated[str, Form()] = "") -> Response:
    if not csrf_ok(request, csrf):
        return error_page(request, None, 403, N_("The form has expired. Please try again."))
    sid = request.session.get("sid")
    if isinstance(sid, str):  # the login ends on the server, before the answer: a copy of the cookie is refused
        with request.app.state.sessions() as own:
            end_web_session(own, sid)
            own.commit()
    lang = request.session.get("lang")
    request.session.clear()
    if lang:
        request.session["lang"] = lang
    return RedirectResponse("/", status_code=303)


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
    lang = i18n.pick_language(request)
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


def _read_card(session: DbSession, principal: Principal, iin: str, resource: str) -> dict[str, Any]:
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
        context["looked_at"] = audit_view.looked_at(session, principal, channel="web", resource="/me")
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
    result = _check_result(request, iin)
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
    result = _check_result(request, iin)
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
    return render(request, "person.html", principal, headers=PRIVATE, card=card, **sections)


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
    lang = i18n.pick_language(request)
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


# --- Employers: their employees' statuses and sums, and the payroll ---------------------------


def _employer_only(request: Request, session: Session, principal: Principal, action: str) -> Response | None:
    return refusal_page(request, session, principal, action, N_("This page is for employers."), principal.bin)


def _credited(line: EmployeePayment) -> bool:
    return line.kind != "reversal" and line.reversed_by is None


def current_employees(
    session: Session, payer_id: str, day: date, period: Month, listed: dict[str, list[EmployeePayment]]
) -> set[str]:
    """Which of ``listed`` (paid for in ``period``) the employer may see the status of today: a
    credited, unreversed payment by it for a period from 12 months before the current month to the
    current month (the rule of ``coverage.service.is_employee``, read set-based: one query per
    month, and only when the period shown does not settle it)."""
    month = Month.of(day)
    first = month - 12
    current: set[str] = set()
    if first <= period <= month:
        current = {iin for iin, lines in listed.items() if any(_credited(line) for line in lines)}
    rest = set(listed) - current
    for other in months_between(first, month):
        if not rest:
            break
        if other == period:
            continue
        paid = employer_payments(session, payer_id, other)
        found = {line.iin for line in paid if line.iin in rest and _credited(line)}
        current |= found
        rest -= found
    return current


def _employees(lines: Sequence[EmployeePayment]) -> dict[str, list[EmployeePayment]]:
    grouped: dict[str, list[EmployeePayment]] = {}
    for line in lines:
        grouped.setdefault(line.iin, []).append(line)
    return grouped


def _employer_default_month(session: Session, payer_id: str, day: date) -> Month:
    """The month the employer's page opens on: the latest with its payments (an employer pays a
    month by the 25th of the next, so on 4 December last month usually has none yet), else last month."""
    return latest_paid_period(session, payer_id, Month.of(day)) or Month.of(day) - 1


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
    by the employer, else last month), the deductions and withheld contributions by employee, and
    each current employee's status today: insured or not, until when."""
    if principal is None:
        return login_redirect(request)
    refused = _employer_only(request, session, principal, EMPLOYER_READ)
    if refused is not None:
        return refused
    assert principal.bin is not None
    day = today()
    shown = period.strip()
    try:
        month = Month.parse(shown) if shown else _employer_default_month(session, principal.bin, day)
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
    grouped = _employees(employer_payments(session, principal.bin, month))
    current = current_employees(session, principal.bin, day, month, grouped)
    answers: dict[str, dict[str, Any]] = {}
    status_error = None
    if current:
        try:
            answers = {a["iin"]: a for a in statuses(session, sorted(current), day)}
        except RulebookError:
            status_error = STATUS_UNAVAILABLE
    resource = f"/employer?period={month}"
    record_reads(
        session, principal, sorted(answers), channel="web", resource=resource, detail=f"on={day.isoformat()} employer"
    )
    audit.record_many(
        session,
        principal,
        sorted(grouped),
        channel="web",
        action="payments.read",
        resource=resource,
        detail=f"payments of {principal.bin}",
    )
    rows: list[dict[str, Any]] = []
    totals = {"deduction": Decimal("0.00"), "contribution": Decimal("0.00"), "reversed": Decimal("0.00")}
    for iin, lines in grouped.items():
        deduction = sum((x.amount for x in lines if _credited(x) and x.kind == "employer_deduction"), Decimal("0.00"))
        contribution = sum(
            (x.amount for x in lines if _credited(x) and x.kind != "employer_deduction"), Decimal("0.00")
        )
        reversed_ = sum((x.amount for x in lines if x.kind != "reversal" and x.reversed_by), Decimal("0.00"))
        answer = answers.get(iin)
        rows.append(
            {
                "iin": iin,
                "name": lines[0].name,
                "deduction": deduction,
                "contribution": contribution,
                "total": deduction + contribution,
                "reversed": reversed_,
                # insured or not, never until when (docs/access.md: an open end gives a category away)
                "status": None if answer is None else {"insured": answer["insured"]},
            }
        )
        totals["deduction"] += deduction
        totals["contribution"] += contribution
        totals["reversed"] += reversed_
    rows.sort(key=lambda r: (r["name"] or "", r["iin"]))
    totals["total"] = totals["deduction"] + totals["contribution"]
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


def _calc_view(calc: Calculation | None) -> dict[str, Any] | None:
    if calc is None:
        return None
    return {"amount": calc.amount, "base": calc.base, "rate": calc.rate, "cap_applied": calc.cap_applied}


def payroll_view(result: PayrollResult) -> dict[str, Any]:
    """The payroll's answer for the page. Exclusions say only "state-paid category": the employer
    learns no category code here (the API's answer keeps them, for the payroll software)."""
    data = result.as_dict()
    money = ("income", "deduction", "contribution", "total")
    periods = [
        p
        | {k: Decimal(p[k]) for k in money}
        | {"period": Month.parse(p["period"])}
        | {"statement_due": date.fromisoformat(p["statement_due"]), "payment_due": date.fromisoformat(p["payment_due"])}
        for p in data["periods"]
    ]
    lines = []
    for line in result.lines:
        c = line.charges
        due = line.due
        lines.append(
            {
                "line": line.line,
                "iin": line.iin,
                "period": c.period,
                "income": c.income,
                "deduction": _calc_view(c.deduction),
                "contribution": _calc_view(c.contribution),
                "total": c.total,
                "statement_due": due.statement_due,
                "payment_due": due.payment_due,
            }
        )
    exclusions = [{"line": e.line, "iin": e.iin, "period": e.period, "income": e.income} for e in result.exclusions]
    rejections = [
        {"line": r.line, "iin": r.iin, "period": r.period, "income": r.income, "reason": r.reason}
        for r in result.rejections
    ]
    totals = data["totals"] | {k: Decimal(data["totals"][k]) for k in money}
    return {
        "rows": result.rows,
        "lines": lines,
        "exclusions": exclusions,
        "rejections": rejections,
        "periods": periods,
        "totals": totals,
        "provisional": data["provisional_message"],
    }


@router.get("/employer/payroll", response_class=HTMLResponse)
def payroll_form(request: Request, session: DbSession, principal: PagePrincipal) -> Response:
    if principal is None:
        return login_redirect(request)
    refused = _employer_only(request, session, principal, PAYROLL_PAGE)
    if refused is not None:
        return refused
    return render(request, "payroll.html", principal, rows_text="", result=None, error=None)


@router.post("/employer/payroll", response_class=HTMLResponse)
def payroll(
    request: Request,
    session: DbSession,
    principal: PagePrincipal,
    csrf: Annotated[str, Form()] = "",
    rows: Annotated[str, Form()] = "",
    file: Annotated[UploadFile | None, File()] = None,
) -> Response:
    """Compute the statements of a payroll (CSV ``iin,period,income``, uploaded or pasted)."""
    if principal is None:
        return login_redirect(request)
    refused = _employer_only(request, session, principal, PAYROLL_PAGE)
    if refused is not None:
        return refused
    assert principal.bin is not None

    def again(status_code: int, error: str) -> HTMLResponse:
        return render(request, "payroll.html", principal, status_code, rows_text=rows, result=None, error=error)

    if not csrf_ok(request, csrf):
        return again(400, N_("The form has expired. Please try again."))
    raw = rows.encode("utf-8")
    if file is not None and file.filename:
        raw = file.file.read(PAYROLL_MAX_BYTES + 1)
        if len(raw) > PAYROLL_MAX_BYTES:
            return again(413, N_("The file is larger than 2 MB; split the payroll."))
    if not raw.strip():
        return again(422, N_("Choose a CSV file or paste the rows."))
    try:
        parsed = read_payroll_file(raw)
    except InvalidInput as exc:
        if exc.code in ("not_a_payroll", "bad_encoding", "bad_file"):
            return again(
                422,
                N_(
                    "This file is not a payroll: choose a CSV or Excel (.xlsx) file with the columns iin, period, "
                    "income."
                ),
            )
        return again(422, N_("The first line must be the header iin,period,income."))
    if not parsed:
        return again(422, N_("The file has a header but no rows."))
    if len(parsed) > MAX_API_ROWS:
        return again(413, N_("At most 10,000 rows at a time; split the payroll."))
    result = compute_payroll(session, principal.bin, parsed, principal=principal, channel="web", today=today())
    return render(
        request, "payroll.html", principal, headers=PRIVATE, rows_text=rows, result=payroll_view(result), error=None
    )


# --- Error pages -----------------------------------------------------------------------------

ERROR_TITLES = {
    400: N_("The request cannot be processed"),
    401: N_("Please log in"),
    403: N_("Access denied"),
    404: N_("Page not found"),
    405: N_("This action is not allowed here"),
    422: N_("The request cannot be processed"),
    500: N_("Something went wrong"),
    503: N_("The system is busy"),
}
ERROR_TEXTS = {
    "forbidden": N_("Your role does not allow you to see this data. The attempt has been recorded."),
    "unknown_person": N_("There is no person with this IIN in the registry."),
    "unauthenticated": N_("Log in to continue."),
    "bad_token": N_("The API token is unknown or revoked."),
    404: N_("There is no such page. Check the address or start from the home page."),
    405: N_("This address does not accept this kind of request."),
    500: N_("An unexpected error occurred; it has been logged. Please try again later."),
    "overloaded": N_("Too many requests are being served at this moment. Please try again in a few seconds."),
}
GENERIC_ERROR = N_("The request cannot be processed. Check what was entered and try again.")


def error_page(
    request: Request,
    principal: Principal | None,
    status: int,
    text: str | None = None,
    *,
    code: str | None = None,
    reasons: list[dict[str, str]] | None = None,
) -> HTMLResponse:
    """An error as a page in the chosen language; ``text`` is an English msgid. A refusal (403)
    of a logged-in user is written to the audit log, unless its room logged it already."""
    if status == 403 and principal is not None:
        log_refusal(request, text)
    title = ERROR_TITLES.get(status, ERROR_TITLES[400 if status < 500 else 500])
    text = text or ERROR_TEXTS.get(code or "") or ERROR_TEXTS.get(status) or GENERIC_ERROR
    return render(
        request, "error.html", principal, status, status=status, title=title, text=text, code=code, reasons=reasons
    )


def refusal_page(
    request: Request,
    session: Session,
    principal: Principal,
    action: str,
    text: str,
    subject: str | None = None,
    **context: Any,
) -> HTMLResponse | None:
    """The 403 page saying ``text`` when ``authz.authorize`` refuses ``action`` (the refusal is
    logged as the action's, with ``text`` as its detail); None when it allows it."""
    try:
        authorize(session, principal, action, subject, channel="web", resource=request.url.path, detail=text, **context)
    except Forbidden:
        return error_page(request, principal, 403, text)
    return None


def role_refusal_page(request: Request, principal: Principal, action: str, text: str) -> HTMLResponse | None:
    """The 403 page saying ``text`` when ``principal``'s role may do ``action`` to nobody
    (``authz.authorize_role``, logged); None when it may (the subject is checked later)."""
    try:
        authorize_role(
            request.app.state.engine, principal, action, channel="web", resource=request.url.path, detail=text
        )
    except Forbidden:
        return error_page(request, principal, 403, text)
    return None


def is_page(request: Request) -> bool:
    path = request.url.path
    return not any(path == p or path.startswith(p + "/") for p in MACHINE_PREFIXES)


def _session_principal(request: Request) -> Principal | None:
    """Who is logged in, for an error page (dependencies did not run or failed)."""
    sid = request.session.get("sid") if "session" in request.scope else None
    if not isinstance(sid, str):
        return None
    try:
        with request.app.state.sessions() as session:
            return principal_for_web_session(session, sid)
    except Exception:
        return None


def install_error_pages(app: FastAPI) -> None:
    """Errors of pages become pages; ``/api/...`` and the other machine paths keep problem+json.

    Wraps the handlers ``install_problem_handlers`` put in place (call it after that), so both
    see every error: the original answers machine paths, the page answers the rest.
    """

    def wrap(exc_class: type[Exception] | int, status_of: Any, code_of: Any) -> None:
        original = app.exception_handlers.get(exc_class)

        async def handler(request: Request, exc: Exception) -> Response:
            answer = original(request, exc) if original is not None else None
            if inspect.isawaitable(answer):
                answer = await answer
            if answer is not None and not is_page(request):
                return answer
            status, code = status_of(exc), code_of(exc)
            if status == 401:
                return login_redirect(request)
            page = error_page(request, _session_principal(request), status, code=code)
            if isinstance(exc, StarletteHTTPException) and exc.headers:
                page.headers.update(exc.headers)  # e.g. Allow on 405
            if isinstance(exc, Overloaded):
                page.headers["Retry-After"] = str(exc.retry_after)
            return page

        app.add_exception_handler(exc_class, handler)

    wrap(OsmsError, lambda e: e.status, lambda e: e.code)
    wrap(RequestValidationError, lambda e: 422, lambda e: "invalid_request")
    wrap(StarletteHTTPException, lambda e: e.status_code, lambda e: f"http_{e.status_code}")
    wrap(FastAPIHTTPException, lambda e: e.status_code, lambda e: f"http_{e.status_code}")
    wrap(Exception, lambda e: 500, lambda e: "internal_error")
