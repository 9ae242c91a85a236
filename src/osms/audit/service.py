"""Searching the audit log (auditors only, and every search is itself logged) and a citizen's
view of who looked at their data: the organisation or role, when, through which channel, never
the staff member's login or name (docs/audit.md)."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, fields
from datetime import UTC, date, datetime, time, timedelta
from typing import IO, Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from osms.attachment import queries as attachment
from osms.audit.access import AUDIT_OWN_READ, AUDIT_SEARCH
from osms.core import audit
from osms.core.authz import authorize
from osms.core.errors import InvalidInput
from osms.core.identity import check_iin
from osms.core.models import OUTCOMES, ROLES, AuditEntry, User
from osms.core.security import Principal
from osms.registry import queries as registry

#: Entries per JSON page at most (default ``DEFAULT_LIMIT``); a CSV export gives up to ``CSV_MAX``.
MAX_LIMIT = 1000
DEFAULT_LIMIT = 100
CSV_MAX = 100_000
CSV_COLUMNS = (
    "id",
    "at",
    "actor",
    "role",
    "channel",
    "action",
    "outcome",
    "resource",
    "subject_iin",
    "client",
    "detail",
)
ENTRY_ROLES = (*ROLES, audit.PUBLIC_ROLE)


def bad(message: str) -> InvalidInput:
    return InvalidInput(message, code="bad_filter")


@dataclass(frozen=True)
class Filters:
    """What a search asks for; every field optional. ``since`` is included, ``until`` excluded."""

    subject: str | None = None
    user: str | None = None
    role: str | None = None
    action: str | None = None
    channel: str | None = None
    outcome: str | None = None
    since: datetime | None = None
    until: datetime | None = None

    def describe(self) -> str:
        parts = []
        for f in fields(self):
            value = getattr(self, f.name)
            if value is not None:
                parts.append(f"{f.name}={value.isoformat() if isinstance(value, datetime) else value}")
        return " ".join(parts) or "all"


def _instant(text: str, what: str, *, end: bool) -> datetime:
    """A day ``YYYY-MM-DD`` (from its start; as an end, up to the next day's start) or an ISO
    instant (``Z`` or an offset; without one, UTC), as the bound of a half-open range."""
    raw = text.strip()
    try:
        if len(raw) == 10:
            day = date.fromisoformat(raw)
            return datetime.combine(day + timedelta(days=1 if end else 0), time(), UTC)
        moment = datetime.fromisoformat(raw.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        raise bad(f"{what} must be a day YYYY-MM-DD or an instant YYYY-MM-DDTHH:MM:SSZ, got {text!r}") from None
    moment = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    return moment + timedelta(microseconds=1) if end else moment


def parse_filters(
    *,
    subject: str | None = None,
    user: str | None = None,
    role: str | None = None,
    action: str | None = None,
    channel: str | None = None,
    outcome: str | None = None,
    since: str | None = None,
    until: str | None = None,
) -> Filters:
    """Check a search's filters (``InvalidInput(bad_filter)``); empty strings mean "any"."""

    def given(value: str | None) -> str | None:
        return value.strip() if value is not None and value.strip() else None

    subject, user, role, action = given(subject), given(user), given(role), given(action)
    channel, outcome, since, until = given(channel), given(outcome), given(since), given(until)
    if subject is not None and not check_iin(subject).valid:
        raise bad(f"the subject must be a valid IIN, got {subject!r}")
    if role is not None and role not in ENTRY_ROLES:
        raise bad(f"role must be one of {', '.join(ENTRY_ROLES)}, got {role!r}")
    if channel is not None and channel not in audit.CHANNELS:
        raise bad(f"channel must be one of {', '.join(audit.CHANNELS)}, got {channel!r}")
    if outcome is not None and outcome not in OUTCOMES:
        raise bad(f"outcome must be one of {', '.join(OUTCOMES)}, got {outcome!r}")
    start = _instant(since, "from", end=False) if since else None
    end = _instant(until, "to", end=True) if until else None
    if start is not None and end is not None and start >= end:
        raise bad("the period is empty: 'from' is after 'to'")
    return Filters(subject, user, role, action, channel, outcome, start, end)


def _query(filters: Filters) -> Select[Any]:
    query = select(AuditEntry)
    for column, value in (
        (AuditEntry.subject_iin, filters.subject),
        (AuditEntry.actor, filters.user),
        (AuditEntry.role, filters.role),
        (AuditEntry.action, filters.action),
        (AuditEntry.channel, filters.channel),
        (AuditEntry.outcome, filters.outcome),
    ):
        if value is not None:
            query = query.where(column == value)
    if filters.since is not None:
        query = query.where(AuditEntry.at >= filters.since)
    if filters.until is not None:
        query = query.where(AuditEntry.at < filters.until)
    return query.order_by(AuditEntry.id.desc())


def search(session: Session, filters: Filters, *, limit: int, offset: int) -> tuple[list[AuditEntry], int | None]:
    """One page of matching entries, newest first, and the offset of the next page (None: last)."""
    if not 1 <= limit <= CSV_MAX:
        raise bad(f"limit must be 1..{CSV_MAX:,}, got {limit}")
    if offset < 0:
        raise bad(f"offset must be 0 or more, got {offset}")
    rows = list(session.scalars(_query(filters).offset(offset).limit(limit + 1)))
    more = len(rows) > limit
    return rows[:limit], (offset + limit if more else None)


def _utc(moment: datetime) -> str:
    moment = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    return moment.isoformat().replace("+00:00", "Z")


def as_dict(entry: AuditEntry) -> dict[str, Any]:
    """An entry as the API, the CSV and ``--json`` give it (the CSV's columns, in order)."""
    return {
        "id": entry.id,
        "at": _utc(entry.at),
        "actor": entry.actor,
        "role": entry.role,
        "channel": entry.channel,
        "action": entry.action,
        "outcome": entry.outcome,
        "resource": entry.resource,
        "subject_iin": entry.subject_iin,
        "client": entry.client,
        "detail": entry.detail,
    }


def write_csv(entries: list[AuditEntry], out: IO[str]) -> None:
    """UTF-8 CSV with a header row (``CSV_COLUMNS``); an empty field is an absent value."""
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for entry in entries:
        row = as_dict(entry)
        writer.writerow(["" if row[c] is None else row[c] for c in CSV_COLUMNS])


def csv_text(entries: list[AuditEntry]) -> str:
    buffer = io.StringIO()
    write_csv(entries, buffer)
    return buffer.getvalue()


def audited_search(
    session: Session,
    principal: Principal,
    filters: Filters,
    *,
    limit: int,
    offset: int,
    channel: str,
    resource: str,
    form: str = "json",
) -> tuple[list[AuditEntry], int | None]:
    """Authorize, search, and log the search itself (``audit.search``; the subject searched for,
    if any, as its subject: the person then sees that an auditor looked)."""
    authorize(session, principal, AUDIT_SEARCH, channel=channel, resource=resource)
    entries, next_offset = search(session, filters, limit=limit, offset=offset)
    audit.record(
        session,
        principal,
        channel=channel,
        action="audit.search",
        resource=resource,
        subject_iin=filters.subject,
        detail=f"{filters.describe()} offset={offset} limit={limit} format={form} results={len(entries)}",
    )
    return entries, next_offset


# --------------------------------------------------------------------------------------------
# A citizen's own view


#: Who looked, as a citizen is told (never the staff member): by the entry's role.
BY_ROLE = {
    "clinic": "clinic",
    "employer": "employer",
    "operator": "operator",
    "auditor": "auditor",
    "citizen": "family",  # a parent or guardian (the citizen's own reads are not listed)
    audit.PUBLIC_ROLE: "public",
}


def looked_at(
    session: Session, principal: Principal, *, limit: int = 50, offset: int = 0, channel: str, resource: str
) -> dict[str, Any]:
    """Who read the citizen's data, newest first: reads (outcome ``ok``) of which they are the
    subject, by anyone but themselves. Each as ``by`` (clinic, employer, operator, auditor,
    family, public), the organisation's name for a clinic (the clinic register) or an employer
    (the payer register), when, the channel and the action. The view is itself logged."""
    authorize(session, principal, AUDIT_OWN_READ, principal.iin, channel=channel, resource=resource)
    if not 1 <= limit <= MAX_LIMIT or offset < 0:
        raise bad(f"limit must be 1..{MAX_LIMIT:,} and offset 0 or more")
    clinics, payers = attachment.clinics().subquery(), registry.payers().subquery()
    rows = session.execute(
        select(AuditEntry, User.provider_id, User.bin, clinics.c.name, payers.c.name)
        .outerjoin(User, User.username == AuditEntry.actor)
        .outerjoin(clinics, clinics.c.clinic_id == User.provider_id)
        .outerjoin(payers, payers.c.payer_id == User.bin)
        .where(
            AuditEntry.subject_iin == principal.iin,
            AuditEntry.outcome == "ok",
            AuditEntry.actor != principal.username,
        )
        .order_by(AuditEntry.id.desc())
        .offset(offset)
        .limit(limit + 1)
    ).all()
    entries = []
    for entry, provider_id, bin_, clinic_name, payer_name in rows[:limit]:
        organisation = None
        if entry.role == "clinic":
            organisation = clinic_name or provider_id
        elif entry.role == "employer":
            organisation = payer_name or bin_
        entries.append(
            {
                "at": _utc(entry.at),
                "by": BY_ROLE.get(entry.role, "operator"),
                "organisation": organisation,
                "channel": entry.channel,
                "action": entry.action,
            }
        )
    audit.record(
        session,
        principal,
        channel=channel,
        action="audit.own.read",
        resource=resource,
        subject_iin=principal.iin,
        detail=f"offset={offset} limit={limit} results={len(entries)}",
    )
    return {
        "iin": principal.iin,
        "entries": entries,
        "limit": limit,
        "offset": offset,
        "next_offset": offset + limit if len(rows) > limit else None,
    }
