"""Core API (thin): health, who am I, API tokens for machine clients."""

from __future__ import annotations

from datetime import date

import anyio
import anyio.to_thread
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from osms import __version__
from osms.core import audit
from osms.core.clock import fund_today
from osms.core.config import get_settings
from osms.core.db import overload_reason
from osms.core.errors import Overloaded, Unauthorized
from osms.core.http import CurrentPrincipal, DbSession, problem
from osms.core.models import User
from osms.core.security import authenticate, create_token
from osms.core.throttle import LoginGuard, client_address
from osms.rulebooks.loader import RulebookError, available_rulebooks, load_rulebook

router = APIRouter()


class RulebookHorizon(BaseModel):
    confirmed_until: date | None = Field(
        description="The confirmed horizon: the last day the rulebook's entries are confirmed for; later dates "
        "are answered with its last entries carried forward, marked provisional (docs/rulebooks.md)"
    )
    provisional_today: bool = Field(description="True when today is after the confirmed horizon")
    default: bool = Field(description="The rulebook used when a request names none (OSMS_RULEBOOK)")
    error: str | None = Field(default=None, description="Why the rulebook cannot be loaded, if it cannot")


class Health(BaseModel):
    status: str = Field(examples=["ok"])
    version: str
    database: str = Field(description="Database backend in use: sqlite or postgresql")
    rulebooks: dict[str, RulebookHorizon] = Field(
        default_factory=dict, examples=[{"kz-law": {"confirmed_until": "2026-12-31", "provisional_today": False}}]
    )


def rulebook_horizons(today: date) -> dict[str, RulebookHorizon]:
    """Each rulebook's confirmed horizon (a rulebook that fails to load says why)."""
    default = get_settings().rulebook
    result: dict[str, RulebookHorizon] = {}
    for name in available_rulebooks():
        try:
            book = load_rulebook(name)
        except RulebookError as exc:
            result[name] = RulebookHorizon(
                confirmed_until=None, provisional_today=False, default=name == default, error=exc.message
            )
            continue
        result[name] = RulebookHorizon(
            confirmed_until=book.confirmed_until, provisional_today=book.is_provisional(today), default=name == default
        )
    return result


def _ping(engine: Engine) -> None:
    with engine.connect() as conn:
        conn.execute(text("SELECT 1"))


@router.get(
    "/health",
    response_model=Health,
    tags=["system"],
    summary="Liveness, database reachability and each rulebook's confirmed horizon",
    responses={503: {"description": "The database cannot be reached in time (`overloaded`, with Retry-After)"}},
)
async def health(request: Request) -> Health:
    # Answers during a burst: its own connection (not the requests' pool) on its own thread (not
    # the requests' worker threads), one check at a time (docs/decisions/0003-bounded-waits.md).
    state = request.app.state
    if getattr(state, "health_limiter", None) is None:
        state.health_limiter = anyio.CapacityLimiter(1)
    try:
        await anyio.to_thread.run_sync(_ping, state.health_engine, limiter=state.health_limiter)
    except (DBAPIError, PoolTimeout) as exc:
        reason = overload_reason(exc) or "the database cannot be reached"
        raise Overloaded(f"not ready: {reason}", retry_after=get_settings().retry_after) from exc
    return Health(
        status="ok",
        version=__version__,
        database=state.engine.dialect.name,
        rulebooks=rulebook_horizons(fund_today()),
    )


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
