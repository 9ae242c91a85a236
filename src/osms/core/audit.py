"""The audit log: every read of a person's data, by whom, in what role, when, through what, from
which client address; every refusal (outcome ``denied``) and every failed login (``failed``).

Rows are only ever added; the database refuses UPDATE and DELETE (migration 0001). Reads are
written in the caller's unit of work (they commit with the answer). Refusals and failed logins are
written in their own short transaction on their own connection: the request that was refused is
rolled back, its entry stays (``denied``, ``failed_login``). Searching the log is the ``audit``
room's (docs/audit.md).
"""

from __future__ import annotations

from collections.abc import Iterable
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import event, insert
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session
from starlette.types import ASGIApp, Receive, Scope, Send

from osms.core.models import AuditEntry
from osms.core.security import Principal

#: The role an entry names when nobody is logged in (a public status check, a failed login).
PUBLIC_ROLE = "public"
CHANNELS = ("web", "api", "fhir", "cli")


# --------------------------------------------------------------------------------------------
# The request being served: the client's address, who asks, whether a refusal is logged


@dataclass(slots=True)
class RequestAudit:
    """What the audit log needs to know of the HTTP request being served."""

    client: str | None
    principal: Principal | None = None
    denied: bool = False  # a refusal of this request has its entry already


_request: ContextVar[RequestAudit | None] = ContextVar("osms_audit_request", default=None)


def current() -> RequestAudit | None:
    """The request being served (None outside one: the command line, a test calling a service)."""
    return _request.get()


class AuditContext:
    """ASGI middleware: makes the client's address (as the server sees it; behind a proxy, run
    uvicorn with ``--proxy-headers``) and the caller known to every entry of the request."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        client = scope.get("client")
        token = _request.set(RequestAudit(client=str(client[0])[:64] if client else None))
        try:
            await self.app(scope, receive, send)
        finally:
            _request.reset(token)


def seen_principal(principal: Principal | None) -> None:
    """Note who the request's caller is (for the entry of a refusal no room logged itself)."""
    state = current()
    if state is not None:
        state.principal = principal


def _client() -> str | None:
    state = current()
    return state.client if state is not None else None


# --------------------------------------------------------------------------------------------
# Writing


def _row(
    actor: str,
    role: str,
    *,
    channel: str,
    action: str,
    resource: str,
    subject_iin: str | None,
    detail: str | None,
    outcome: str,
    at: datetime | None = None,
) -> dict[str, Any]:
    return {
        "at": at or datetime.now(UTC),
        "actor": actor[:64],
        "role": role[:16],
        "channel": channel,
        "action": action[:64],
        "resource": resource[:300],
        "subject_iin": subject_iin,
        "detail": detail,
        "outcome": outcome,
        "client": _client(),
    }


def record(
    session: Session,
    principal: Principal,
    *,
    channel: str,
    action: str,
    resource: str,
    subject_iin: str | None = None,
    detail: str | None = None,
) -> None:
    """Add one audit entry in the caller's unit of work (it commits with the answer)."""
    row = _row(
        principal.username,
        principal.role,
        channel=channel,
        action=action,
        resource=resource,
        subject_iin=subject_iin,
        detail=detail,
        outcome="ok",
    )
    session.add(AuditEntry(**row))


def record_many(
    session: Session,
    principal: Principal,
    subject_iins: Iterable[str],
    *,
    channel: str,
    action: str,
    resource: str,
    detail: str | None = None,
) -> None:
    """One audit entry per distinct IIN (a batch check, a page listing people), in one bulk insert."""
    at = datetime.now(UTC)
    rows = [
        _row(
            principal.username,
            principal.role,
            channel=channel,
            action=action,
            resource=resource,
            subject_iin=iin,
            detail=detail,
            outcome="ok",
            at=at,
        )
        for iin in dict.fromkeys(subject_iins)
    ]
    if rows:
        session.execute(insert(AuditEntry), rows)


def denied(
    session: Session | Engine,
    principal: Principal | None,
    *,
    channel: str,
    action: str,
    resource: str,
    subject_iins: Iterable[str | None] = (None,),
    detail: str | None = None,
) -> None:
    """Log a refusal (outcome ``denied``; one entry per subject) in its own transaction: it stays
    when the refused request is rolled back. Call it just before raising or answering 403."""
    actor, role = (principal.username, principal.role) if principal else ("anonymous", PUBLIC_ROLE)
    at = datetime.now(UTC)
    rows = [
        _row(
            actor,
            role,
            channel=channel,
            action=action,
            resource=resource,
            subject_iin=iin,
            detail=detail,
            outcome="denied",
            at=at,
        )
        for iin in dict.fromkeys(subject_iins)
    ]
    _write_apart(session, rows)
    state = current()
    if state is not None:
        state.denied = True


def failed_login(session: Session | Engine, username: str, *, channel: str, resource: str) -> None:
    """Log a login that failed (outcome ``failed``): the username tried, never the password; the
    client's address comes from the request. Its own transaction, like a refusal."""
    row = _row(
        username.strip()[:64] or "-",
        PUBLIC_ROLE,
        channel=channel,
        action="login",
        resource=resource,
        subject_iin=None,
        detail="wrong username or password",
        outcome="failed",
    )
    _write_apart(session, [row])


# A refusal on SQLite while the caller's transaction holds the database's only write lock (it has
# written already): no other connection can write until it ends, so the entries go into the
# caller's transaction and, if that is rolled back, are written again apart right after.
_PENDING = "osms_audit_denials"


def _write_apart(target: Session | Engine, rows: list[dict[str, Any]]) -> None:
    if isinstance(target, Session):
        bind = target.get_bind()
        engine = bind if isinstance(bind, Engine) else bind.engine
        if engine.dialect.name == "sqlite" and _holds_sqlite_write_lock(target):
            target.execute(insert(AuditEntry), rows)
            target.info.setdefault(_PENDING, (engine, []))[1].extend(rows)
            return
    else:
        engine = target
    with engine.begin() as conn:
        conn.execute(insert(AuditEntry), rows)


def _holds_sqlite_write_lock(session: Session) -> bool:
    if not session.in_transaction():
        return False
    dbapi = session.connection().connection.dbapi_connection
    return bool(getattr(dbapi, "in_transaction", False))


@event.listens_for(Session, "after_commit")
def _pending_committed(session: Session) -> None:
    session.info.pop(_PENDING, None)


@event.listens_for(Session, "after_rollback")
def _pending_rolled_back(session: Session) -> None:
    pending = session.info.pop(_PENDING, None)
    if pending:
        engine, rows = pending
        with engine.begin() as conn:
            conn.execute(insert(AuditEntry), rows)
