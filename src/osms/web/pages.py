"""The web kit: rendering in the chosen language, CSRF, login and logout, error pages, the menu,
and the mechanism by which rooms plug their pages in.

A room's pages live in the room (``osms.<room>.pages``) and declare themselves as a
:class:`PageSet`: their router, their template directory, their menu entries, the sections they
add to pages that other rooms compose (e.g. the citizen's ``/me``) and their template globals.
The app's composition list hands every ``PageSet`` to :func:`install_pages`; the kit knows no room.

Every page is rendered in the language ``i18n.pick_language`` chooses. Errors on pages are pages
too (``install_error_pages``); ``/api/...`` keeps problem+json. What each role sees is in
``docs/pages.md``.
"""

from __future__ import annotations

import inspect
import secrets
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Depends, FastAPI, Form, Request
from fastapi import HTTPException as FastAPIHTTPException
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from jinja2 import FileSystemLoader
from sqlalchemy.orm import Session
from starlette.exceptions import HTTPException as StarletteHTTPException

from osms.core import audit, i18n, throttle
from osms.core.authz import authorize, authorize_role
from osms.core.clock import fund_today
from osms.core.config import LANGUAGES
from osms.core.errors import Forbidden, OsmsError, Overloaded
from osms.core.http import DbSession, csrf_matches, log_refusal, optional_principal
from osms.core.i18n import N_
from osms.core.identity import check_iin
from osms.core.security import (
    Principal,
    authenticate,
    end_web_session,
    principal_for_web_session,
    start_web_session,
)
from osms.web.i18n import environment, pick_language

router = APIRouter(include_in_schema=False)
i18n.load_all()
templates = Jinja2Templates(env=environment())

PagePrincipal = Annotated[Principal | None, Depends(optional_principal)]
# Pages with a person's data are never stored by the browser or a proxy.
PRIVATE = {"Cache-Control": "no-store"}
# Paths that are not pages: their errors stay application/problem+json.
MACHINE_PREFIXES = ("/api", "/fhir", "/health", "/openapi.json", "/docs", "/redoc")


def today() -> date:
    """The day every room's pages compute for: statuses, applications, forms' default dates
    (the one function tests replace)."""
    return fund_today()


# --- How rooms plug in -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class MenuEntry:
    """A link of the main menu. ``rank`` orders the menu (lower first); ``shown`` says whether the
    logged-in user (or ``None``) sees it; ``prefix``: the entry is current on every path under it."""

    rank: int
    path: str
    title: str  # an English msgid, marked with N_
    shown: Callable[[Principal | None], bool]
    prefix: bool = False

    def current(self, path: str) -> bool:
        return path.startswith(self.path) if self.prefix else path == self.path


@dataclass(frozen=True, slots=True)
class Section:
    """A part a room adds to a page another room composes (the page names its sections, e.g.
    ``"me"``). ``provide`` returns the section's template context, or ``None`` when the section
    is not shown to this user; it may read and audit what it shows."""

    template: str
    provide: Callable[[Request, Session, Principal], Mapping[str, Any] | None]


@dataclass(frozen=True, slots=True)
class PageSet:
    """What a room's pages bring to the site."""

    router: APIRouter
    templates: Path | None = None
    menu: Sequence[MenuEntry] = ()
    sections: Mapping[str, Sequence[Section]] = field(default_factory=dict)
    template_globals: Mapping[str, Any] = field(default_factory=dict)


_menu: list[MenuEntry] = []
_sections: dict[str, list[Section]] = {}


def install_pages(app: FastAPI, page_sets: Iterable[PageSet]) -> None:
    """Serve the kit's pages and every room's: routers, template directories (searched after the
    kit's own), menu entries and sections, in the order given."""
    loader = templates.env.loader
    assert isinstance(loader, FileSystemLoader)
    menu: list[MenuEntry] = []
    sections: dict[str, list[Section]] = {}
    app.include_router(router)
    for pages in page_sets:
        app.include_router(pages.router)
        if pages.templates is not None and str(pages.templates) not in loader.searchpath:
            loader.searchpath.append(str(pages.templates))
        templates.env.globals.update(pages.template_globals)
        menu.extend(pages.menu)
        for page, parts in pages.sections.items():
            sections.setdefault(page, []).extend(parts)
    _menu[:] = sorted(menu, key=lambda entry: entry.rank)
    _sections.clear()
    _sections.update(sections)


def sections(page: str, request: Request, session: Session, principal: Principal) -> dict[str, Any]:
    """The sections the rooms add to ``page`` that this user sees, as a template context:
    ``sections`` (their templates, in order, for the page to include) and each one's context."""
    context: dict[str, Any] = {}
    shown: list[str] = []
    for section in _sections.get(page, ()):
        provided = section.provide(request, session, principal)
        if provided is not None:
            shown.append(section.template)
            context.update(provided)
    return {**context, "sections": shown}


def menu(principal: Principal | None) -> list[MenuEntry]:
    return [entry for entry in _menu if entry.shown(principal)]


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
    lang = pick_language(request)
    base = {
        "lang": lang,
        "principal": principal,
        "languages": LANGUAGES,
        "lang_urls": lang_urls(request),
        "csrf": csrf_token(request) if "session" in request.scope else "",
        "path": request.url.path,
        "menu": menu(principal),
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


def iin_check(request: Request, raw: str) -> dict[str, Any] | None:
    """Is ``raw`` a well-formed IIN, and if not, which checks fail. Nothing is decoded from the
    digits for display (the birth date and sex in them are the person's data: docs/access.md)."""
    if not raw.strip():
        return None
    check = check_iin(raw)
    lang = pick_language(request)
    return {
        "number": check.number,
        "valid": check.valid,
        "reasons": i18n.iin_check_reasons(lang, check),
        "status": None,
    }


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
