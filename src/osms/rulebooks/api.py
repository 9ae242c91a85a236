"""The rulebooks' HTTP surface: ``/health`` (with each rulebook's confirmed horizon) and the
OpenAPI enum of the rulebooks a request may name."""

from __future__ import annotations

from datetime import date
from typing import Any

import anyio
import anyio.to_thread
from fastapi import APIRouter, Request
from pydantic import BaseModel, Field
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from osms import __version__
from osms.core.clock import fund_today
from osms.core.config import get_settings
from osms.core.db import overload_reason
from osms.core.errors import Overloaded
from osms.rulebooks.loader import RulebookError, available_rulebooks, load_rulebook

router = APIRouter()


def rulebook_schema() -> dict[str, Any]:
    """The rulebooks the server ships (``osms rulebook list``), as an OpenAPI enum."""
    return {"enum": available_rulebooks()}


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
