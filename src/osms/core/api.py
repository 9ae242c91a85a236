"""Core API (thin): who am I, API tokens for machine clients."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from osms.core import audit
from osms.core.errors import Unauthorized
from osms.core.http import CurrentPrincipal, DbSession, problem
from osms.core.models import User
from osms.core.security import authenticate, create_token
from osms.core.throttle import LoginGuard, client_address

router = APIRouter()


class Me(BaseModel):
    username: str
    role: str
    display_name: str
    iin: str | None
    bin: str | None
    provider_id: str | None


@router.get("/api/v1/me", response_model=Me, tags=["access"], summary="The caller's login and role")
def me(principal: CurrentPrincipal) -> Me:
    return Me(
        username=principal.username,
        role=principal.role,
        display_name=principal.display_name,
        iin=principal.iin,
        bin=principal.bin,
        provider_id=principal.provider_id,
    )


NO_NUL = r"^[^\x00]*$"


class TokenRequest(BaseModel):
    username: str = Field(min_length=1, max_length=64, pattern=NO_NUL)
    password: str = Field(max_length=200)
    name: str = Field(
        default="api", max_length=100, pattern=NO_NUL, description="A label for the token, e.g. the client's name"
    )


class TokenAnswer(BaseModel):
    token: str = Field(description="Send as `Authorization: Bearer <token>`; shown once")
    role: str


@router.post(
    "/api/v1/auth/tokens",
    response_model=TokenAnswer,
    status_code=201,
    tags=["access"],
    summary="Issue an API token for a machine client",
    responses={
        401: {"description": "Wrong username or password"},
        429: {"description": "Too many failed attempts for this login or from this address: wait `Retry-After` s"},
    },
)
def issue_token(request: Request, body: TokenRequest, session: DbSession) -> TokenAnswer | JSONResponse:
    guard = LoginGuard(
        request.app.state.sessions,
        request.app.state.login_policy,
        body.username,
        client_address(request),
        channel="api",
        resource="/api/v1/auth/tokens",
    )
    if wait := guard.wait():
        return throttled(wait)
    principal = authenticate(session, body.username, body.password)
    if principal is None:
        audit.failed_login(session, body.username, channel="api", resource="/api/v1/auth/tokens")
        if wait := guard.failed():
            return throttled(wait)
        raise Unauthorized("wrong username or password", code="bad_credentials")
    guard.succeeded()
    user = session.get(User, principal.user_id)
    assert user is not None
    return TokenAnswer(token=create_token(session, user, body.name), role=principal.role)


def throttled(wait: int) -> JSONResponse:
    answer = problem(
        429,
        "login_throttled",
        f"too many failed logins for this account or from this address; try again in {wait} s",
        "/api/v1/auth/tokens",
    )
    answer.headers["Retry-After"] = str(wait)
    return answer
