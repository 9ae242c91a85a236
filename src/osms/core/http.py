"""What every API router shares: the request's database session, who is asking, and
errors as RFC 9457 problem+json (never a traceback); on ``/fhir/...`` as FHIR OperationOutcomes."""

from __future__ import annotations

import hmac
import logging
from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.exc import DataError
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.responses import Response

from osms.core import audit
from osms.core.config import get_settings
from osms.core.db import overload_reason
from osms.core.errors import Forbidden, OsmsError, Overloaded, Unauthorized
from osms.core.fhir_outcome import operation_outcome
from osms.core.security import Principal, principal_for_token, principal_for_web_session

log = logging.getLogger("osms")
PROBLEM = "application/problem+json"
bearer = HTTPBearer(auto_error=False, description="An API token issued by `osms user token`")


def db_session(request: Request) -> Iterator[Session]:
    """One unit of work per request: committed when the handler returns, rolled back on error.

    The commit happens before the answer is sent (``scope="function"`` below: FastAPI leaves a
    function-scoped dependency before it sends the response; the default, "request", leaves it
    after the answer has gone, so a lost commit followed a 200). A failed commit is therefore an
    error answer. A bounded wait that ran out (pool, lock, statement, SQLite busy) is answered
    503 ``overloaded`` with Retry-After (docs/decisions/0003-bounded-waits.md).
    """
    session: Session = request.app.state.sessions()
    try:
        yield session
        session.commit()
    except BaseException as exc:
        session.rollback()
        reason = overload_reason(exc)
        if reason is not None:
            raise Overloaded(
                f"the system is busy ({reason}); try again shortly", retry_after=get_settings().retry_after
            ) from exc
        raise
    finally:
        session.close()


DbSession = Annotated[Session, Depends(db_session, scope="function")]


def optional_principal(
    request: Request,
    session: DbSession,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)] = None,
) -> Principal | None:
    """The caller, from a bearer API token or the web login's session cookie; None if anonymous."""
    principal = _principal(request, session, credentials)
    audit.seen_principal(principal)
    return principal


def _principal(
    request: Request, session: Session, credentials: HTTPAuthorizationCredentials | None
) -> Principal | None:
    if credentials is not None:
        principal = principal_for_token(session, credentials.credentials)
        if principal is None:
            raise Unauthorized("the API token is unknown or revoked", code="bad_token")
        return principal
    sid = request.session.get("sid") if "session" in request.scope else None
    if not isinstance(sid, str):
        return None
    principal = principal_for_web_session(session, sid)
    # A cookie goes with every request the browser makes, whichever site asks for it: an API call
    # on the strength of the cookie must prove it comes from our pages (docs/security.md).
    if (
        principal is not None
        and request.method not in SAFE_METHODS
        and request.url.path.startswith(CSRF_PREFIXES)
        and not csrf_matches(request, request.headers.get(CSRF_HEADER, ""))
    ):
        raise Forbidden(f"a request authenticated by the login cookie must send the {CSRF_HEADER} header", code="csrf")
    return principal


SAFE_METHODS = ("GET", "HEAD", "OPTIONS")
CSRF_PREFIXES = ("/api/", "/fhir/")
CSRF_HEADER = "X-CSRF-Token"


def csrf_matches(request: Request, sent: str) -> bool:
    """Whether ``sent`` is the session's CSRF token (every page form and HTMX request carries it)."""
    token = request.session.get("csrf") if "session" in request.scope else None
    return isinstance(token, str) and bool(sent) and hmac.compare_digest(token.encode(), sent.encode())


def current_principal(principal: Annotated[Principal | None, Depends(optional_principal)]) -> Principal:
    if principal is None:
        raise Unauthorized("log in or send an API token (Authorization: Bearer ...)", code="unauthenticated")
    return principal


CurrentPrincipal = Annotated[Principal, Depends(current_principal)]


def channel_of(path: str) -> str:
    """The audit log's channel of a request path."""
    if path == "/fhir" or path.startswith("/fhir/"):
        return "fhir"
    if path.startswith("/api/"):
        return "api"
    return "web"


def log_refusal(request: Request, detail: str | None = None) -> None:
    """Log a 403 answer (outcome ``denied``, action ``request.denied``) unless it is logged already
    (``authz.authorize`` logs its refusals as the action's)."""
    state = audit.current()
    if state is not None and state.denied:
        return
    path = request.url.path
    audit.denied(
        request.app.state.engine,
        state.principal if state is not None else None,
        channel=channel_of(path),
        action="request.denied",
        resource=path,
        detail=detail,
    )


def problem(status: int, code: str, detail: str, instance: str | None = None) -> JSONResponse:
    body = {"type": f"urn:osms:problem:{code}", "title": code.replace("_", " "), "status": status, "detail": detail}
    if instance:
        body["instance"] = instance
    body["code"] = code
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    return JSONResponse(body, status_code=status, media_type=PROBLEM, headers=headers)


def error_answer(request: Request, status: int, code: str, detail: str) -> Response:
    """An error in the form of the request's channel: an OperationOutcome on ``/fhir/...`` (a FHIR
    client understands nothing else), problem+json elsewhere."""
    path = str(request.url.path)
    if channel_of(path) == "fhir":
        return operation_outcome(status, code, detail)
    return problem(status, code, detail, path)


def install_problem_handlers(app: FastAPI) -> None:
    @app.exception_handler(OsmsError)
    async def _osms_error(request: Request, exc: OsmsError) -> Response:
        if exc.status == 403:
            await run_in_threadpool(log_refusal, request, exc.message)
        answer = error_answer(request, exc.status, exc.code, exc.message)
        if isinstance(exc, Overloaded):
            answer.headers["Retry-After"] = str(exc.retry_after)
        return answer

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> Response:
        parts = [f"{'.'.join(str(x) for x in e['loc'])}: {e['msg']}" for e in exc.errors()]
        return error_answer(request, 422, "invalid_request", "; ".join(parts))

    @app.exception_handler(HTTPException)
    async def _http(request: Request, exc: HTTPException) -> Response:
        answer = error_answer(request, exc.status_code, f"http_{exc.status_code}", str(exc.detail))
        answer.headers.update(exc.headers or {})  # e.g. Allow on 405
        return answer

    @app.exception_handler(DataError)
    async def _data(request: Request, exc: DataError) -> Response:
        # The database refused a value (SQLSTATE class 22, e.g. a NUL byte in text): bad input.
        return error_answer(request, 422, "invalid_data", f"a value cannot be stored: {exc.orig}")

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> Response:
        log.exception("unexpected error on %s", request.url.path)
        return error_answer(request, 500, "internal_error", "an unexpected error occurred; it has been logged")
