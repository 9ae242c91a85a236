"""What every API router shares: the request's database session, who is asking, and
errors as RFC 9457 problem+json (never a traceback)."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.exc import DataError
from sqlalchemy.orm import Session
from starlette.exceptions import HTTPException

from osms.core.config import get_settings
from osms.core.db import overload_reason
from osms.core.errors import Forbidden, OsmsError, Overloaded, Unauthorized
from osms.core.security import Principal, principal_by_id, principal_for_token

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
    if credentials is not None:
        principal = principal_for_token(session, credentials.credentials)
        if principal is None:
            raise Unauthorized("the API token is unknown or revoked", code="bad_token")
        return principal
    user_id = request.session.get("user_id") if "session" in request.scope else None
    if isinstance(user_id, int):
        return principal_by_id(session, user_id)
    return None


def current_principal(principal: Annotated[Principal | None, Depends(optional_principal)]) -> Principal:
    if principal is None:
        raise Unauthorized("log in or send an API token (Authorization: Bearer ...)", code="unauthenticated")
    return principal


CurrentPrincipal = Annotated[Principal, Depends(current_principal)]


def require_role(principal: Principal, *roles: str) -> None:
    if principal.role not in roles:
        raise Forbidden(f"the role {principal.role!r} may not do this; allowed: {', '.join(roles)}")


def problem(status: int, code: str, detail: str, instance: str | None = None) -> JSONResponse:
    body = {"type": f"urn:osms:problem:{code}", "title": code.replace("_", " "), "status": status, "detail": detail}
    if instance:
        body["instance"] = instance
    body["code"] = code
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    return JSONResponse(body, status_code=status, media_type=PROBLEM, headers=headers)


def install_problem_handlers(app: FastAPI) -> None:
    @app.exception_handler(OsmsError)
    async def _osms_error(request: Request, exc: OsmsError) -> JSONResponse:
        answer = problem(exc.status, exc.code, exc.message, str(request.url.path))
        if isinstance(exc, Overloaded):
            answer.headers["Retry-After"] = str(exc.retry_after)
        return answer

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        parts = [f"{'.'.join(str(x) for x in e['loc'])}: {e['msg']}" for e in exc.errors()]
        return problem(422, "invalid_request", "; ".join(parts), str(request.url.path))

    @app.exception_handler(HTTPException)
    async def _http(request: Request, exc: HTTPException) -> JSONResponse:
        return problem(exc.status_code, f"http_{exc.status_code}", str(exc.detail), str(request.url.path))

    @app.exception_handler(DataError)
    async def _data(request: Request, exc: DataError) -> JSONResponse:
        # The database refused a value (SQLSTATE class 22, e.g. a NUL byte in text): bad input.
        return problem(422, "invalid_data", f"a value cannot be stored: {exc.orig}", str(request.url.path))

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unexpected error on %s", request.url.path)
        return problem(500, "internal_error", "an unexpected error occurred; it has been logged", str(request.url.path))
