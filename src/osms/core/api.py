"""Core API (thin): health, who am I, API tokens for machine clients."""

from __future__ import annotations

import anyio
import anyio.to_thread
from fastapi import APIRouter, Request
from pydantic import BaseModel, Field
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from osms import __version__
from osms.core.config import get_settings
from osms.core.db import overload_reason
from osms.core.errors import Overloaded, Unauthorized
from osms.core.http import CurrentPrincipal, DbSession
from osms.core.models import User
from osms.core.security import authenticate, create_token

router = APIRouter()


class Health(BaseModel):
    status: str = Field(examples=["ok"])
    version: str
    database: str = Field(description="Database backend in use: sqlite or postgresql")


def _ping(engine: Engine) -> None:
    with engine.connect() as conn:
        conn.execute(text("SELECT 1"))


@router.get(
    "/health",
    response_model=Health,
    tags=["system"],
    summary="Liveness and database reachability",
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
    return Health(status="ok", version=__version__, database=state.engine.dialect.name)


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
    responses={401: {"description": "Wrong username or password"}},
)
def issue_token(body: TokenRequest, session: DbSession) -> TokenAnswer:
    principal = authenticate(session, body.username, body.password)
    if principal is None:
        raise Unauthorized("wrong username or password", code="bad_credentials")
    user = session.get(User, principal.user_id)
    assert user is not None
    return TokenAnswer(token=create_token(session, user, body.name), role=principal.role)
