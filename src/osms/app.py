"""The ASGI app: ``osms.app:app``. Wires each room's API router and the web pages."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from starlette.middleware.sessions import SessionMiddleware

from osms import __version__
from osms.attachment.api import router as attachment_router
from osms.attachment.pages import router as attachment_pages
from osms.benefits.api import router as benefits_router
from osms.benefits.pages import router as benefits_pages
from osms.contributions.api import router as payments_router
from osms.contributions.calc_api import router as calc_router
from osms.core.api import router as core_router
from osms.core.batches_api import router as batches_router
from osms.core.config import get_settings
from osms.core.db import make_engine, session_factory
from osms.core.http import install_problem_handlers
from osms.coverage.api import router as coverage_router
from osms.coverage.fhir import router as fhir_router
from osms.coverage.hotpath import StatusFastLane, StatusHotPath
from osms.registry.api import router as registry_router
from osms.web.pages import install_error_pages
from osms.web.pages import router as web_router

DESCRIPTION = """
The information system of Kazakhstan's compulsory social health insurance fund
(ОСМС / МӘМС; the fund ФСМС / ӘМСҚ).

**Access.** Machine clients send `Authorization: Bearer <token>` (issue one with
`POST /api/v1/auth/tokens` or `osms user token`). Every read of a person's data is written to
the audit log with the caller, role, time and subject.

**Errors** are `application/problem+json` with a stable `code`.
"""


def create_app(database_url: str | None = None) -> FastAPI:
    settings = get_settings()
    url = database_url or settings.database_url

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # The status check's hot path needs PostgreSQL and the serving event loop (docs/performance.md).
        hot = StatusHotPath(url) if settings.status_hot_path and engine.dialect.name == "postgresql" else None
        if hot is not None:
            await hot.open()
        app.state.status_hot_path = hot
        try:
            yield
        finally:
            app.state.status_hot_path = None
            if hot is not None:
                await hot.close()

    app = FastAPI(title="OSMS", version=__version__, description=DESCRIPTION, lifespan=lifespan)
    engine = make_engine(url)
    app.state.engine = engine
    app.state.sessions = session_factory(engine)
    app.add_middleware(
        SessionMiddleware, secret_key=settings.secret_key, session_cookie="osms_session", same_site="lax"
    )
    app.add_middleware(StatusFastLane)  # outermost: the status check's hot path skips the rest
    install_problem_handlers(app)
    install_error_pages(app)  # pages get error pages; /api keeps problem+json
    app.include_router(core_router)
    app.include_router(registry_router)
    app.include_router(calc_router)
    app.include_router(payments_router)
    app.include_router(batches_router)
    app.include_router(coverage_router)
    app.include_router(attachment_router)
    app.include_router(benefits_router)
    app.include_router(fhir_router)
    app.include_router(attachment_pages)
    app.include_router(benefits_pages)
    app.include_router(web_router)
    app.mount("/static", StaticFiles(directory=Path(__file__).parent / "web" / "static"), name="static")
    return app


app = create_app()
