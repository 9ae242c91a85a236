"""The audit log: every read of a person's data, by whom, in what role, when, through what.

Rows are only ever added; the database refuses UPDATE and DELETE (migration 0001).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from osms.core.models import AuditEntry
from osms.core.security import Principal


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
    session.add(
        AuditEntry(
            at=datetime.now(UTC),
            actor=principal.username,
            role=principal.role,
            channel=channel,
            action=action,
            resource=resource[:300],
            subject_iin=subject_iin,
            detail=detail,
        )
    )


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
        {
            "at": at,
            "actor": principal.username,
            "role": principal.role,
            "channel": channel,
            "action": action,
            "resource": resource[:300],
            "subject_iin": iin,
            "detail": detail,
        }
        for iin in dict.fromkeys(subject_iins)
    ]
    if rows:
        session.execute(insert(AuditEntry), rows)


def entries_for(session: Session, subject_iin: str, limit: int = 100) -> list[AuditEntry]:
    """Who looked at this person's data, newest first."""
    return list(
        session.scalars(
            select(AuditEntry).where(AuditEntry.subject_iin == subject_iin).order_by(AuditEntry.id.desc()).limit(limit)
        )
    )
