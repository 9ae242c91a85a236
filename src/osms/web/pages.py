"""Web pages (thin): home and IIN check, login/logout, the personal cabinet, registry cards.

Every page is rendered in the language ``i18n.pick_language`` chooses. Every read of a person's
data is authorised by the registry service and written to the audit log with channel ``web``.
Errors on pages are pages too (``install_error_pages``); ``/api/...`` keeps problem+json.
"""

from __future__ import annotations

import hmac
import inspect
import secrets
from typing import Annotated, Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Depends, FastAPI, Form, Request
from fastapi import HTTPException as FastAPIHTTPException
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from starlette.exceptions import HTTPException as StarletteHTTPException

from osms.core import audit
from osms.core.config import LANGUAGES
from osms.core.errors import NotFound, OsmsError
from osms.core.http import DbSession, optional_principal
from osms.core.identity import check_iin
from osms.core.security import Principal, authenticate, principal_by_id
from osms.registry.service import READ_ANY_PERSON, authorize_person_read, get_person
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


# --- Rendering -------------------------------------------------------------------------------


def csrf_token(request: Request) -> str:
    """The session's token that every POST form carries back."""
    token = request.session.get("csrf")
    if not isinstance(token, str):
        token = secrets.token_urlsafe(32)
        request.session["csrf"] = token
    return token


def csrf_ok(request: Request, sent: str) -> bool:
    token = request.session.get("csrf")
    return isinstance(token, str) and bool(sent) and hmac.compare_digest(token, sent)


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
        "can_find_persons": principal is not None and principal.role in READ_ANY_PERSON,
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
    if not raw.strip():
        return None
    check = check_iin(raw)
    lang = i18n.pick_language(request)
    return {
        "number": check.number,
        "valid": check.valid,
        "birth_date": check.birth_date,
        "sex": check.sex,
        "reasons": i18n.iin_check_reasons(lang, check),
    }


@router.get("/check", response_class=HTMLResponse)
def check(request: Request, principal: PagePrincipal, iin: str = "") -> HTMLResponse:
    """Is an IIN well-formed? HTMX asks for the result alone; without JS the whole page comes."""
    result = _check_result(request, iin)
    vary = {"Vary": "HX-Request"}
    if request.headers.get("HX-Request") == "true":
        return render(request, "_check_result.html", principal, headers=vary, result=result)
    return render(request, "check.html", principal, headers=vary, iin=iin, result=result)


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
    found = authenticate(session, username.strip(), password) if username and password else None
    if found is None:
        error = N_("Wrong login or password.")
        return render(request, "login.html", None, 400, next=target, username=username, error=error)
    lang = request.session.get("lang")
    request.session.clear()
    if lang:
        request.session["lang"] = lang
    request.session["user_id"] = found.user_id
    return RedirectResponse(target, status_code=303)


@router.post("/logout")
def logout(request: Request, csrf: Annotated[str, Form()] = "") -> Response:
    if not csrf_ok(request, csrf):
        return error_page(request, None, 403, N_("The form has expired. Please try again."))
    lang = request.session.get("lang")
    request.session.clear()
    if lang:
        request.session["lang"] = lang
    return RedirectResponse("/", status_code=303)


# --- The personal cabinet and registry cards -------------------------------------------------


def _read_card(session: DbSession, principal: Principal, iin: str, resource: str) -> dict[str, Any]:
    """Read a card the caller has been authorised for, and audit the read (channel ``web``)."""
    card = get_person(session, iin)
    audit.record(session, principal, channel="web", action="person.read", resource=resource, subject_iin=card["iin"])
    return card


@router.get("/me", response_class=HTMLResponse)
def me(request: Request, session: DbSession, principal: PagePrincipal) -> Response:
    if principal is None:
        return login_redirect(request)
    card = None
    if principal.role == "citizen" and principal.iin:
        authorize_person_read(session, principal, principal.iin, channel="web")
        try:
            card = _read_card(session, principal, principal.iin, "/me")
        except NotFound:
            card = None
    return render(request, "me.html", principal, headers=PRIVATE, card=card)


@router.get("/persons", response_class=HTMLResponse)
def persons(request: Request, principal: PagePrincipal, iin: str = "") -> Response:
    if principal is None:
        return login_redirect(request)
    if principal.role not in READ_ANY_PERSON:
        return error_page(request, principal, 403, N_("Your role does not give access to registry cards."))
    result = _check_result(request, iin)
    if result and result["valid"]:
        return RedirectResponse(f"/persons/{result['number']}", status_code=303)
    return render(request, "persons.html", principal, 422 if result else 200, iin=iin, result=result)


@router.get("/persons/{iin}", response_class=HTMLResponse)
def person(request: Request, session: DbSession, principal: PagePrincipal, iin: str) -> Response:
    if principal is None:
        return login_redirect(request)
    authorize_person_read(session, principal, iin, channel="web")  # a refusal is audited, then a 403 page
    result = _check_result(request, iin)
    if result and not result["valid"]:
        return error_page(request, principal, 422, N_("This IIN fails a check."), reasons=result["reasons"])
    card = _read_card(session, principal, iin, f"/persons/{iin}")
    return render(request, "person.html", principal, headers=PRIVATE, card=card)


# --- Error pages -----------------------------------------------------------------------------

ERROR_TITLES = {
    400: N_("The request cannot be processed"),
    401: N_("Please log in"),
    403: N_("Access denied"),
    404: N_("Page not found"),
    405: N_("This action is not allowed here"),
    422: N_("The request cannot be processed"),
    500: N_("Something went wrong"),
}
ERROR_TEXTS = {
    "forbidden": N_("Your role does not allow you to see this data. The attempt has been recorded."),
    "unknown_person": N_("There is no person with this IIN in the registry."),
    "unauthenticated": N_("Log in to continue."),
    "bad_token": N_("The API token is unknown or revoked."),
    404: N_("There is no such page. Check the address or start from the home page."),
    405: N_("This address does not accept this kind of request."),
    500: N_("An unexpected error occurred; it has been logged. Please try again later."),
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
    """An error as a page in the chosen language; ``text`` is an English msgid."""
    title = ERROR_TITLES.get(status, ERROR_TITLES[400 if status < 500 else 500])
    text = text or ERROR_TEXTS.get(code or "") or ERROR_TEXTS.get(status) or GENERIC_ERROR
    return render(
        request, "error.html", principal, status, status=status, title=title, text=text, code=code, reasons=reasons
    )


def is_page(request: Request) -> bool:
    path = request.url.path
    return not any(path == p or path.startswith(p + "/") for p in MACHINE_PREFIXES)


def _session_principal(request: Request) -> Principal | None:
    """Who is logged in, for an error page (dependencies did not run or failed)."""
    user_id = request.session.get("user_id") if "session" in request.scope else None
    if not isinstance(user_id, int):
        return None
    try:
        with request.app.state.sessions() as session:
            return principal_by_id(session, user_id)
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
            return page

        app.add_exception_handler(exc_class, handler)

    wrap(OsmsError, lambda e: e.status, lambda e: e.code)
    wrap(RequestValidationError, lambda e: 422, lambda e: "invalid_request")
    wrap(StarletteHTTPException, lambda e: e.status_code, lambda e: f"http_{e.status_code}")
    wrap(FastAPIHTTPException, lambda e: e.status_code, lambda e: f"http_{e.status_code}")
    wrap(Exception, lambda e: 500, lambda e: "internal_error")
