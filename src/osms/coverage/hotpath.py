"""The single status check's hot path on PostgreSQL (docs/decisions/0002-status-hot-path.md, docs/performance.md).

``GET /api/v1/persons/{iin}/status`` is what clinics call for every patient at the desk. On
PostgreSQL, ``StatusFastLane`` (an ASGI middleware in front of the framework) answers the common
case itself, without a worker thread, an ORM session or FastAPI's routing and validation:

* a well-formed request (a valid IIN, ``on`` as YYYY-MM-DD inside the rulebook, a known rulebook
  or none) with a bearer token this process resolved in the last ``security.TOKEN_CACHE_SECONDS``
  whose role may read anyone (clinic, operator, auditor). Anything else goes on to the API route
  (``coverage.api.read_status``, the ORM path), which answers errors, every other role and the web
  login, and fills the token cache;
* one statement reads the facts a check needs (the person, the category memberships overlapping
  the window, the coverage-summary months of the window) from the registry's and the
  contributions' published surfaces (``registry.queries``, ``contributions.queries``), the same
  facts ``service.load_facts`` reads through their services (a test keeps them equal), for every
  check waiting at that moment (``Batches``); then the same
  ``service.evaluate_facts`` as every channel;
* the audit entries of concurrent checks are written together, one ``INSERT ... unnest`` and one
  commit per batch: an answer leaves only after its own audit entry is committed, and a failed
  audit write fails the check (500), so no status is answered unaudited.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime
from typing import Any, Generic, TypeVar
from urllib.parse import parse_qs

import psycopg
from psycopg_pool import AsyncConnectionPool
from sqlalchemy import ClauseElement
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import make_url
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Receive, Scope, Send

from osms.contributions import queries as contributions
from osms.core import audit
from osms.core.authz import anyone
from osms.core.clock import fund_today
from osms.core.config import get_settings
from osms.core.db import overload_reason
from osms.core.errors import OsmsError
from osms.core.http import problem
from osms.core.identity import check_iin
from osms.core.periods import Month
from osms.core.security import Principal, cached_principal
from osms.coverage import rules, service
from osms.coverage.access import STATUS_READ
from osms.registry import queries as registry
from osms.registry.service import PersonFacts
from osms.rulebooks.loader import Rulebook

log = logging.getLogger("osms")


def _derived(surface: ClauseElement) -> str:
    """A room's published surface as PostgreSQL SQL, in parentheses: a derived table of the statement."""
    dialect = postgresql.dialect()  # type: ignore[no-untyped-call]
    return f"({surface.compile(dialect=dialect)})"


# The facts through the registry's and the contributions' published surfaces (registry.queries,
# contributions.queries); PostgreSQL plans them as the tables themselves.
FACTS_SQL = f"""
SELECT q.n, p.iin IS NOT NULL, p.birth_date, p.death_date, p.residency,
       c.codes, c.froms, c.tos, m.periods, m.kinds, m.payers, m.value_dates
FROM unnest(%(iins)s::varchar[], %(first_days)s::date[], %(last_days)s::date[], %(los)s::int[], %(his)s::int[])
     WITH ORDINALITY AS q(iin, first_day, last_day, lo, hi, n)
LEFT JOIN {_derived(registry.persons())} AS p ON p.iin = q.iin
LEFT JOIN LATERAL (
    SELECT array_agg(pc.category ORDER BY pc.valid_from, pc.category) AS codes,
           array_agg(pc.valid_from ORDER BY pc.valid_from, pc.category) AS froms,
           array_agg(pc.valid_to ORDER BY pc.valid_from, pc.category) AS tos
    FROM {_derived(registry.memberships())} AS pc
    WHERE pc.iin = p.iin AND pc.valid_from <= q.last_day AND (pc.valid_to IS NULL OR pc.valid_to >= q.first_day)
) AS c ON true
LEFT JOIN LATERAL (
    SELECT array_agg(pm.period) AS periods, array_agg(pm.kinds) AS kinds,
           array_agg(pm.payer_id) AS payers, array_agg(pm.first_value_date) AS value_dates
    FROM {_derived(contributions.summary_months())} AS pm
    WHERE pm.iin = q.iin AND pm.period BETWEEN q.lo AND q.hi
) AS m ON true
"""

AUDIT_SQL = """
INSERT INTO audit_log (at, actor, role, channel, action, resource, subject_iin, detail, client)
SELECT * FROM unnest(%s::timestamptz[], %s::varchar[], %s::varchar[], %s::varchar[], %s::varchar[],
                     %s::varchar[], %s::varchar[], %s::text[], %s::varchar[])
"""

AuditRow = tuple[datetime, str, str, str, str, str, str | None, str | None, str | None]
T = TypeVar("T")
R = TypeVar("R")


def conninfo(database_url: str) -> str:
    """The libpq URI of a SQLAlchemy PostgreSQL URL (``postgresql+psycopg://...``)."""
    return make_url(database_url).set(drivername="postgresql").render_as_string(hide_password=False)


Facts = tuple[dict[str, PersonFacts], dict[str, list[rules.MonthFacts]]]
FactsKey = tuple[str, date, Month, Month]  # the IIN, D and the window's first and last months


class Batches(Generic[T, R]):
    """Runs ``run`` on everything submitted while its previous run was in flight: no timer, so a
    lone request goes at once and, under load, concurrent requests share one statement. Each
    submitter gets its own result, or the run's exception."""

    def __init__(self, run: Callable[[list[T]], Awaitable[list[R]]]) -> None:
        self._run = run
        self._pending: list[tuple[T, asyncio.Future[R]]] = []
        self._task: asyncio.Task[None] | None = None

    async def submit(self, item: T) -> R:
        done: asyncio.Future[R] = asyncio.get_running_loop().create_future()
        self._pending.append((item, done))
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._drain())
        return await done

    async def idle(self) -> None:
        if self._task is not None:
            await asyncio.gather(self._task, return_exceptions=True)

    async def _drain(self) -> None:
        while self._pending:
            batch, self._pending = self._pending, []
            try:
                results = await self._run([item for item, _ in batch])
            except Exception as exc:
                for _, done in batch:
                    if not done.done():
                        done.set_exception(exc)
            else:
                for (_, done), result in zip(batch, results, strict=True):
                    if not done.done():
                        done.set_result(result)


class StatusHotPath:
    """An asyncio connection pool, the facts read and the audit writer, each batched.
    Open it inside the serving event loop (the app's lifespan) and close it there."""

    def __init__(self, database_url: str, *, max_size: int = 4, statement_timeout: str = "5s") -> None:
        # A check waits for its batch; a statement stuck behind a lock (a migration, say) must not
        # hold every check of the process: past ``statement_timeout`` the batch fails (503 overloaded).
        # Waits for a connection and for a lock are bounded as the API's (OSMS_DB_POOL_TIMEOUT,
        # OSMS_DB_LOCK_TIMEOUT); running out of either is answered 503 overloaded, not 500.
        settings = get_settings()
        options = f"-c statement_timeout={statement_timeout} -c lock_timeout={round(settings.db_lock_timeout * 1000)}"
        self.pool = AsyncConnectionPool(
            conninfo(database_url),
            min_size=1,
            max_size=max_size,
            timeout=settings.db_pool_timeout,
            kwargs={"autocommit": True, "options": options},
            open=False,
        )
        self._facts = Batches(self._read_facts)
        self._audit = Batches(self._write_audit)

    async def open(self) -> None:
        await self.pool.open(wait=False)

    async def close(self) -> None:
        await self._facts.idle()
        await self._audit.idle()
        await self.pool.close()

    async def facts(self, iin: str, on: date, book: Rulebook) -> Facts:
        """What ``service.load_facts(session, [iin], on, book)`` returns."""
        return await self._facts.submit((iin, on, *rules.window(on, book)))

    async def audit(self, row: AuditRow) -> None:
        """Append one audit entry; returns once it is committed."""
        await self._audit.submit(row)

    def admit(
        self, principal: Principal | None, iin: str, on: str | None, rulebook: str | None
    ) -> tuple[Principal, str, date, Rulebook] | None:
        """The checked request if the hot path answers it exactly as the API route would (a
        principal whom ``status:read`` admits for anyone, with no relation to check in the database;
        no error to report); else None."""
        if principal is None or principal.role not in anyone(STATUS_READ) or not check_iin(iin).valid:
            return None
        if on is not None and not ISO_DAY.fullmatch(on):
            return None
        try:
            book = service.resolve_rulebook(rulebook)
            day = date.fromisoformat(on) if on else fund_today()
            book.check_date(day)
        except (OsmsError, ValueError):
            return None
        return principal, iin, day, book

    async def answer(
        self, principal: Principal, iin: str, day: date, book: Rulebook, *, resource: str
    ) -> dict[str, Any]:
        """``service.read_status`` for an admitted request, as the JSON answer, once audited."""
        persons, months = await self.facts(iin, day, book)
        status = service.evaluate_facts(iin, day, book, persons, months)
        row = (datetime.now(UTC), principal.username, principal.role, "api", "status.read", resource[:300], iin)
        state = audit.current()
        await self.audit((*row, service.read_detail(status), state.client if state is not None else None))
        return service.visible_status(principal.role, status.as_dict())

    async def _read_facts(self, keys: list[FactsKey]) -> list[Facts]:
        params = {
            "iins": [iin for iin, _, _, _ in keys],
            "first_days": [first.first_day for _, _, first, _ in keys],
            "last_days": [on for _, on, _, _ in keys],
            "los": [first.index for _, _, first, _ in keys],
            "his": [last.index for _, _, _, last in keys],
        }
        rows = await self._execute(FACTS_SQL, params, fetch=True)
        out: list[Facts] = [({}, {}) for _ in keys]
        for n, known, birth, death, residency, codes, froms, tos, periods, kinds, payers, value_dates in rows:
            iin = keys[n - 1][0]
            persons, months = out[n - 1]
            if known:
                memberships = tuple(zip(codes, froms, tos, strict=True)) if codes else ()
                persons[iin] = PersonFacts(iin, birth, death, residency, memberships)
            if periods:
                months[iin] = [
                    rules.MonthFacts(service.month_of(period), service.kinds_of(bits), payer, value_date)
                    for period, bits, payer, value_date in zip(periods, kinds, payers, value_dates, strict=True)
                ]
        return out

    async def _write_audit(self, rows: list[AuditRow]) -> list[None]:
        # one statement, one commit for the whole batch; every waiting check fails if it fails
        await self._execute(AUDIT_SQL, [list(column) for column in zip(*rows, strict=True)], fetch=False)
        return [None] * len(rows)

    async def _execute(self, statement: str, params: Any, *, fetch: bool) -> list[Any]:
        """Run one statement on a pool connection. If the server dropped the connection (a restart,
        a failover: the pool only learns it on use), run it once more on a fresh one instead of
        failing the checks. Connections are not tested before use, which would cost a round trip
        per batch (10-20% of the checks/s measured). For the audit insert this means that if the
        connection broke after the server had committed it, the entries are written twice: an
        entry may be doubled, never lost."""
        for attempt in (1, 2):
            async with self.pool.connection() as conn:
                try:
                    cursor = await conn.execute(statement, params)
                    return await cursor.fetchall() if fetch else []
                except psycopg.OperationalError:
                    if attempt == 2 or not conn.broken:
                        raise
                    log.warning("the database dropped a hot-path connection; running the statement again")
        raise AssertionError("unreachable")


STATUS_PATH = re.compile(r"/api/v1/persons/(\d{12})/status")
ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


class StatusFastLane:
    """ASGI middleware: ``GET /api/v1/persons/{iin}/status`` through ``StatusHotPath`` when the
    app's lifespan opened one and the request is one it takes; everything else passes on."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        hot: StatusHotPath | None = None
        if scope["type"] == "http" and scope["method"] == "GET":
            match = STATUS_PATH.fullmatch(scope["path"])
            if match is not None:
                hot = getattr(scope["app"].state, "status_hot_path", None)
        if hot is None:
            return await self.app(scope, receive, send)
        query = parse_qs(scope["query_string"].decode("latin-1"))
        on, rulebook = query.pop("on", [None]), query.pop("rulebook", [None])
        admitted = None
        if len(on) == 1 and len(rulebook) == 1:
            admitted = hot.admit(_bearer_principal(scope), match.group(1), on[0], rulebook[0])  # type: ignore[union-attr]
        if admitted is None:
            return await self.app(scope, receive, send)
        try:
            answer = await hot.answer(*admitted, resource=scope["path"])
        except Exception as exc:
            reason = overload_reason(exc)
            if reason is not None:
                retry_after = get_settings().retry_after
                response: Response = problem(
                    503, "overloaded", f"the system is busy ({reason}); try again shortly", scope["path"]
                )
                response.headers["Retry-After"] = str(retry_after)
            else:
                log.exception("unexpected error on %s", scope["path"])
                response = problem(
                    500, "internal_error", "an unexpected error occurred; it has been logged", scope["path"]
                )
        else:
            response = JSONResponse(answer)
        await response(scope, receive, send)


def _bearer_principal(scope: Scope) -> Principal | None:
    for name, value in scope["headers"]:
        if name == b"authorization":
            scheme, _, token = value.decode("latin-1").partition(" ")
            return cached_principal(token.strip()) if scheme.lower() == "bearer" else None
    return None
