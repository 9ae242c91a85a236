"""The ASGI app: ``osms.app:app``. Wires each room's API router and pages (the composition lists)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from sqlalchemy.pool import NullPool
from starlette.middleware.sessions import SessionMiddleware

from osms import __version__
from osms.attachment.api import router as attachment_router
from osms.attachment.pages import PAGES as attachment_pages
from osms.audit.api import router as audit_router
from osms.audit.pages import PAGES as audit_pages
from osms.benefits.api import router as benefits_router
from osms.benefits.pages import PAGES as benefits_pages
from osms.claims.api import router as claims_router
from osms.claims.monitoring_api import router as monitoring_router
from osms.claims.monitoring_pages import PAGES as monitoring_pages
from osms.claims.pages import PAGES as claims_pages
from osms.claims.provider_pages import PAGES as claims_provider_pages
from osms.claims.reports_api import router as service_reports_router
from osms.contributions.api import router as payments_router
from osms.contributions.calc_api import router as calc_router
from osms.contributions.pages import PAGES as contributions_pages
from osms.core.api import router as core_router
from osms.core.audit import AuditContext
from osms.core.batches_api import router as batches_router
from osms.core.config import get_settings
from osms.core.db import make_engine, session_factory
from osms.core.headers import SecurityHeaders
from osms.core.http import install_problem_handlers
from osms.core.security import InsecureSecretKey, check_secret_key
from osms.core.throttle import LoginPolicy, Rate
from osms.coverage.api import router as coverage_router
from osms.coverage.hotpath import StatusFastLane, StatusHotPath
from osms.coverage.pages import PAGES as coverage_pages
from osms.fhir.api import router as fhir_router
from osms.fhir.claims import router as fhir_claims_router
from osms.fhir.providers import router as fhir_providers_router
from osms.payments.acts_api import router as payment_acts_router
from osms.payments.advances_api import router as payment_advances_router
from osms.payments.api import router as tariffs_router
from osms.payments.pages import PAGES as payments_pages
from osms.payments.percapita_pages import PAGES as per_capita_pages
from osms.payments.run_api import router as payment_runs_router
from osms.payments.statement_pages import PAGES as payment_statement_pages
from osms.providers.api import router as providers_router
from osms.providers.contracts_api import router as contracts_router
from osms.providers.pages import PAGES as providers_pages
from osms.providers.procurement_api import router as procurement_router
from osms.registry.api import router as registry_router
from osms.registry.pages import PAGES as registry_pages
from osms.rulebooks.api import router as rulebooks_router
from osms.web.apidocs import install_api_docs
from osms.web.pages import PageSet, install_error_pages, install_pages

DESCRIPTION = """
The information system of Kazakhstan's compulsory social health insurance fund
(ОСМС / МӘМС; the fund ФСМС / ӘМСҚ).

**Access.** Machine clients send `Authorization: Bearer <token>` (issue one with
`POST /api/v1/auth/tokens` or `osms user token`). Every read of a person's data is written to
the audit log with the caller, role, time and subject.

**Errors** are `application/problem+json` with a stable `code`.
"""

#: Every room's pages, in this order: their routers, template directories, menu entries and the
#: sections they add to other rooms' pages (``osms.web.pages.install_pages``).
PAGES: tuple[PageSet, ...] = (
    registry_pages,
    contributions_pages,
    coverage_pages,
    attachment_pages,
    benefits_pages,
    audit_pages,
    providers_pages,
    claims_pages,
    claims_provider_pages,
    monitoring_pages,
    payments_pages,
    payment_statement_pages,
    per_capita_pages,
)


def create_app(database_url: str | None = None) -> FastAPI:
    """The app; refuses (``InsecureSecretKey``) to serve with a missing, published or short
    OSMS_SECRET_KEY, and (``ValueError``) a malformed OSMS_PUBLIC_STATUS_RATE."""
    settings = get_settings()
    check_secret_key(settings.secret_key)
    status_rate = Rate.parse(settings.public_status_rate, "OSMS_PUBLIC_STATUS_RATE")
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

    app = FastAPI(
        title="OSMS", version=__version__, description=DESCRIPTION, lifespan=lifespan, docs_url=None, redoc_url=None
    )
    engine = make_engine(url, serving=True)
    app.state.engine = engine
    # /health's own connection, opened per check: a burst that takes every pooled connection
    # does not silence it, and it holds nothing between checks.
    app.state.health_engine = make_engine(url, serving=True, poolclass=NullPool)
    app.state.sessions = session_factory(engine)
    app.state.settings = settings
    app.state.login_policy = LoginPolicy.of(settings)
    app.state.status_rate = status_rate
    # HttpOnly always; Secure when configured (and over TLS in any case: SecurityHeaders)
    app.add_middleware(
        SessionMiddleware,
        secret_key=settings.secret_key,
        session_cookie="osms_session",
        same_site="lax",
        https_only=settings.secure_cookies,
        max_age=round(settings.session_hours * 3600),
    )
    app.add_middleware(StatusFastLane)  # the status check's hot path skips the rest
    app.add_middleware(AuditContext)  # every audit entry of a request knows its client
    app.add_middleware(SecurityHeaders)  # outermost: every answer, the hot path's included
    install_problem_handlers(app)
    install_error_pages(app)  # pages get error pages; /api keeps problem+json
    app.include_router(rulebooks_router)
    app.include_router(core_router)
    app.include_router(registry_router)
    app.include_router(providers_router)
    app.include_router(procurement_router)
    app.include_router(contracts_router)
    app.include_router(monitoring_router)
    app.include_router(calc_router)
    app.include_router(payments_router)
    app.include_router(batches_router)
    app.include_router(coverage_router)
    app.include_router(attachment_router)
    app.include_router(benefits_router)
    app.include_router(claims_router)
    app.include_router(service_reports_router)
    app.include_router(fhir_router)
    app.include_router(fhir_providers_router)
    app.include_router(fhir_claims_router)
    app.include_router(audit_router)
    app.include_router(tariffs_router)
    app.include_router(payment_runs_router)
    app.include_router(payment_acts_router)
    app.include_router(payment_advances_router)
    install_pages(app, PAGES)
    install_api_docs(app)
    app.mount("/static", StaticFiles(directory=Path(__file__).parent / "web" / "static"), name="static")
    return app


def _serve() -> FastAPI:
    """``osms.app:app`` for uvicorn: stops with the reason if the settings are unsafe."""
    try:
        return create_app()
    except InsecureSecretKey as exc:
        raise SystemExit(f"osms: refusing to serve: {exc}") from None


app = _serve()
