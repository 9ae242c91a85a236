"""Monitoring cases, the escalation report and the month's close (docs/claims.md, "Monitoring and
appeals"): the review queue of deaths, unplanned monitoring opened by a trigger, a citizen's
"I did not receive this", the providers above the escalation thresholds, closing a reporting month.

Re-exported by ``osms.claims.monitoring`` (callers import them from there). Every function works
in the caller's session and never commits it.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any, Final

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from osms.claims import appeals
from osms.claims.access import CASE_MANAGE, COMPLAINT_FILE, MONITORING_QUEUE, MONTH_CLOSE
from osms.claims.escalation_amounts import deduction_amounts
from osms.claims.models import Defect, MonitoringCase, ServiceMonthClose, ServiceRecord
from osms.claims.monitoring import (
    Conflict,
    _audit_people,
    _book,
    _case_dict,
    _context,
    _month_end,
    _provider_region,
    _record_brief,
    _state,
    add_defect,
    confirm_lapsed,
    month_start,
)
from osms.claims.monitoring_rulebook import MonitoringTopic
from osms.core import audit
from osms.core.authz import authorize
from osms.core.clock import fund_today
from osms.core.errors import InvalidInput, NotFound
from osms.core.identity import check_iin
from osms.core.security import Principal
from osms.core.workdays import add_working_days
from osms.providers import queries as providers
from osms.providers.rulebook import ProvidersTopic
from osms.registry import queries as registry
from osms.rulebooks.loader import Rulebook

__all__ = [
    "CASE_KINDS",
    "CASE_OUTCOMES",
    "TRIGGERS",
    "UNRECEIVED_DEFECT",
    "close_case",
    "close_month",
    "death_queue",
    "escalation",
    "file_complaint",
    "list_cases",
    "open_case",
    "review_queue",
    "sample_for_expertise",
]

#: What opens an unplanned monitoring case (MON п.51): a complaint of a person, a risk signal of the
#: fund's analysis, the provider's request for extra volume, unconfirmed cases, a breach, a request
#: of the ministry.
TRIGGERS: Final[tuple[str, ...]] = ("complaint", "risk", "extra_volume", "unconfirmed", "breach", "ministry")
#: The kinds of monitoring case.
CASE_KINDS: Final[tuple[str, ...]] = ("death_review", "unplanned", "expertise")
#: How a case ends.
CASE_OUTCOMES: Final[tuple[str, ...]] = ("confirmed", "not_confirmed")
#: The defect a confirmed complaint "I did not receive this" becomes (services billed, not given).
UNRECEIVED_DEFECT: Final[str] = "5.1"
#: Most deaths a queue answers.
MAX_ROWS: Final[int] = 10_000


def _age_under(birth: date | None, on: date, years: int) -> bool:
    if birth is None:
        return False
    try:
        limit = birth.replace(year=birth.year + years)
    except ValueError:  # 29 February
        limit = birth.replace(year=birth.year + years, day=28) + timedelta(days=1)
    return on < limit


def death_queue(
    session: Session,
    principal: Principal,
    *,
    month: date | str | None = None,
    channel: str,
    open_cases: bool = False,
    today: date | None = None,
    rulebook: Rulebook | None = None,
) -> dict[str, Any]:
    """Every death to review (MON п.40): each record with outcome ``died`` in a form of the rule (the
    round-the-clock and day hospitals) and each death of an infant under the rule's age, whatever
    the form; with its ``death_review`` case. With ``open_cases`` (an operator: ``CASE_MANAGE``) the
    missing cases are opened first, in one insert. ``rule`` null: the rulebook reviews no deaths
    (seeds-2016)."""
    if open_cases:
        authorize(session, principal, CASE_MANAGE, None, channel=channel, resource="monitoring/deaths/cases")
    authorize(session, principal, MONITORING_QUEUE, None, channel=channel, resource="monitoring/deaths")
    day = today or fund_today()
    book = _book(rulebook)
    rule = book.topic(MonitoringTopic).death_review(day)
    first = None if month is None else month_start(month)
    if rule is None:
        return {"month": None if first is None else first.isoformat()[:7], "rule": None, "items": [], "opened": 0}
    people = registry.persons().subquery()
    query = (
        select(ServiceRecord, people.c.birth_date)
        .join(people, people.c.iin == ServiceRecord.iin, isouter=True)
        .where(ServiceRecord.outcome == "died")
        .order_by(ServiceRecord.date_to, ServiceRecord.id)
    )
    if first is not None:
        query = query.where(ServiceRecord.month == first)
    due: list[tuple[ServiceRecord, str]] = []
    for record, birth in session.execute(query.limit(MAX_ROWS)).all():
        if record.care_form in rule.forms:
            due.append((record, "form"))
        elif _age_under(birth, record.date_to, rule.infant_age_under):
            due.append((record, "infant"))
    refs = [r.id for r, _ in due]
    existing = _death_cases(session, refs)
    opened = 0
    if open_cases:
        missing = [r for r, _ in due if r.id not in existing]
        if missing:
            session.execute(
                insert(MonitoringCase),
                [
                    {
                        "kind": "death_review",
                        "trigger": "death",
                        "record_ref": r.id,
                        "provider_id": r.provider_id,
                        "month": r.month,
                        "opened_on": day,
                        "status": "open",
                        "opened_by": principal.username,
                        "created_at": datetime.now(UTC),
                    }
                    for r in missing
                ],
            )
            opened = len(missing)
            existing = _death_cases(session, refs)
    items = []
    for record, reason in due:
        case = existing.get(record.id)
        items.append(
            _record_brief(record)
            | {
                "provider_id": record.provider_id,
                "reason": reason,
                "case_id": None if case is None else case[0],
                "case_status": None if case is None else case[1],
            }
        )
    _audit_people(
        session,
        principal,
        [i["iin"] for i in items],
        channel=channel,
        action="monitoring.deaths.read",
        resource="monitoring/deaths",
    )
    return {
        "month": None if first is None else first.isoformat()[:7],
        "rule": rule.as_dict(),
        "items": items,
        "opened": opened,
        "open": sum(1 for i in items if i["case_status"] == "open"),
        "closed": sum(1 for i in items if i["case_status"] == "closed"),
    }


def _death_cases(session: Session, refs: Sequence[int]) -> dict[int, tuple[int, str]]:
    found: dict[int, tuple[int, str]] = {}
    for start in range(0, len(refs), 1000):
        chunk = refs[start : start + 1000]
        rows = session.execute(
            select(MonitoringCase.record_ref, MonitoringCase.id, MonitoringCase.status).where(
                MonitoringCase.kind == "death_review", MonitoringCase.record_ref.in_(chunk)
            )
        )
        for ref, case_id, status in rows:
            if ref is not None:
                found[ref] = (case_id, status)
    return found


def open_case(
    session: Session,
    principal: Principal,
    *,
    provider_id: str,
    trigger: str,
    record_ref: int | None = None,
    note: str | None = None,
    complainant_iin: str | None = None,
    channel: str,
    today: date | None = None,
) -> dict[str, Any]:
    """An unplanned monitoring case (MON п.51) opened by ``trigger`` (``TRIGGERS``) on a provider,
    on one of its records or its month. A complaint names the person who complains
    (``anonymous_complaint``: п.52 forbids monitoring on an anonymous one)."""
    authorize(session, principal, CASE_MANAGE, provider_id, channel=channel, resource=f"monitoring/{provider_id}/cases")
    day = today or fund_today()
    if trigger not in TRIGGERS:
        raise InvalidInput(f"unknown trigger {trigger!r} (known: {', '.join(TRIGGERS)})", code="unknown_trigger")
    if trigger == "complaint":
        if complainant_iin is None or not check_iin(complainant_iin.strip()).valid:
            raise InvalidInput(
                "a complaint names the person who complains: no monitoring on an anonymous complaint",
                code="anonymous_complaint",
            )
        complainant_iin = complainant_iin.strip()
    month = day.replace(day=1)
    if record_ref is not None:
        record = session.get(ServiceRecord, record_ref)
        if record is None or record.provider_id != provider_id:
            raise NotFound(f"no service record {record_ref} of provider {provider_id}", code="unknown_record")
        month = record.month
    elif _provider_region(session, provider_id) is None:
        raise NotFound(f"no provider {provider_id}", code="unknown_provider")
    case = MonitoringCase(
        kind="unplanned",
        trigger=trigger,
        record_ref=record_ref,
        provider_id=provider_id,
        month=month,
        opened_on=day,
        status="open",
        complainant_iin=complainant_iin,
        note=(note or "").strip() or None,
        opened_by=principal.username,
    )
    session.add(case)
    session.flush()
    audit.record(
        session,
        principal,
        channel=channel,
        action="monitoring.case.open",
        resource=f"monitoring/cases/{case.id}",
        subject_iin=complainant_iin,
        detail=f"trigger={trigger} provider={provider_id}",
    )
    return _case_dict(case)


def close_case(
    session: Session,
    principal: Principal,
    case_id: int,
    outcome: str,
    *,
    note: str | None = None,
    channel: str,
    today: date | None = None,
    rulebook: Rulebook | None = None,
) -> dict[str, Any]:
    """Close a case with its outcome (``confirmed`` | ``not_confirmed``). A confirmed complaint on a
    record ("I did not receive this") becomes defect 5.1 (additional, notified today, the appeal's
    clock starts). Refused (409) ``case_closed`` when already closed."""
    case = session.get(MonitoringCase, case_id)
    authorize(
        session,
        principal,
        CASE_MANAGE,
        case.provider_id if case is not None else "-",
        channel=channel,
        resource=f"monitoring/cases/{case_id}",
    )
    if case is None:
        raise NotFound(f"no monitoring case {case_id}", code="unknown_case")
    if outcome not in CASE_OUTCOMES:
        raise InvalidInput(f"an outcome is one of {', '.join(CASE_OUTCOMES)}", code="bad_outcome")
    if case.status == "closed":
        raise Conflict(f"case {case_id} was closed on {case.closed_on}", code="case_closed")
    day = today or fund_today()
    case.status = "closed"
    case.outcome = outcome
    case.closed_on = day
    case.closed_by = principal.username
    if note and note.strip():
        case.note = f"{case.note}\n{note.strip()}" if case.note else note.strip()
    session.flush()
    result = _case_dict(case)
    if outcome == "confirmed" and case.trigger == "complaint" and case.record_ref is not None:
        result["defect"] = add_defect(
            session,
            principal,
            case.record_ref,
            UNRECEIVED_DEFECT,
            note=f"complaint confirmed (case {case.id}): the service was not received"
            + (f"; {note.strip()}" if note and note.strip() else ""),
            case_id=case.id,
            channel=channel,
            today=day,
            rulebook=rulebook,
        )
    audit.record(
        session,
        principal,
        channel=channel,
        action="monitoring.case.close",
        resource=f"monitoring/cases/{case.id}",
        subject_iin=case.complainant_iin,
        detail=f"outcome={outcome}",
    )
    return result


def file_complaint(
    session: Session,
    principal: Principal,
    record_ref: int,
    note: str | None,
    *,
    channel: str,
    today: date | None = None,
) -> dict[str, Any]:
    """A citizen's "I did not receive this" on a record of theirs or of their child or ward (an
    operator files one for a caller): opens an unplanned case with trigger ``complaint`` on the
    record, which shows in the provider's lists. Filing again while the case is open returns it."""
    record = session.get(ServiceRecord, record_ref)
    authorize(
        session,
        principal,
        COMPLAINT_FILE,
        record.iin if record is not None else None,
        channel=channel,
        resource=f"monitoring/records/{record_ref}/complaint",
        today=today or fund_today(),
    )
    if record is None:
        raise NotFound(f"no service record {record_ref}", code="unknown_record")
    complainant = principal.iin if principal.role == "citizen" and principal.iin else record.iin
    known = session.scalar(
        select(MonitoringCase).where(
            MonitoringCase.record_ref == record.id,
            MonitoringCase.trigger == "complaint",
            MonitoringCase.status == "open",
            MonitoringCase.complainant_iin == complainant,
        )
    )
    if known is not None:
        return _case_dict(known)
    day = today or fund_today()
    case = MonitoringCase(
        kind="unplanned",
        trigger="complaint",
        record_ref=record.id,
        provider_id=record.provider_id,
        month=record.month,
        opened_on=day,
        status="open",
        complainant_iin=complainant,
        note=(note or "").strip() or "I did not receive this service",
        opened_by=principal.username,
    )
    session.add(case)
    session.flush()
    audit.record(
        session,
        principal,
        channel=channel,
        action="monitoring.complaint.file",
        resource=f"monitoring/cases/{case.id}",
        subject_iin=record.iin,
        detail=f"record={record.provider_id}/{record.record_id}",
    )
    return _case_dict(case)


# --------------------------------------------------------------------------------------------
# Escalation and the month


def escalation(
    session: Session,
    principal: Principal,
    month: date | str,
    *,
    channel: str,
    amounts: Mapping[int, Decimal] | None = None,
    today: date | None = None,
    rulebook: Rulebook | None = None,
) -> dict[str, Any]:
    """The escalation report of a calendar month (MON п.19-20): per provider, its unconfirmed cases
    (defects whose code starts with the rule's prefix, 5.x, not withdrawn) in the month and over
    the contract in force on the month's first day, against 200 МРП and 800 МРП of the month's year.

    The amount of a defect is the deduction, which is the payment room's: ``amounts`` (defect id →
    tenge) when the caller gives them, else what the payment runs deducted for each defect once a run
    of the month exists (``escalation_amounts``, the source the payments room registers); without
    them every amount and ``exceeds`` is null and the report lists the counts (``amounts:
    "awaiting_payment_room"``)."""
    authorize(session, principal, MONITORING_QUEUE, None, channel=channel, resource="monitoring/escalation")
    first = month_start(month)
    book = _book(rulebook)
    rule = book.topic(MonitoringTopic).escalation(first)
    if rule is None:
        if amounts is None:
            amounts = deduction_amounts(session, first, ())
        return {"month": first.isoformat()[:7], "amounts": _given(amounts), "rule": None, "providers": []}
    mrp = book.topic(ProvidersTopic).mrp(first)
    contracts = providers.contract_history().subquery()
    in_force = list(
        session.execute(
            select(
                contracts.c.contract_id, contracts.c.provider_id, contracts.c.valid_from, contracts.c.valid_to
            ).where(
                contracts.c.valid_from <= _month_end(first),
                contracts.c.valid_to >= first,
            )
        ).all()
    )
    terms: dict[str, tuple[str, date, date]] = {}
    for contract_id, provider_id, valid_from, valid_to in in_force:
        terms.setdefault(provider_id, (contract_id, valid_from, valid_to))
    ctx_today = today or fund_today()
    # a withdrawal only comes from a recorded step, which stores it: the stored status says enough
    since = min([first, *(term[1].replace(day=1) for term in terms.values())])
    live = session.execute(
        select(Defect.id, Defect.provider_id, Defect.month).where(
            Defect.code.startswith(rule.code_prefix, autoescape=True),
            Defect.status != "withdrawn",
            Defect.month >= since,
            Defect.month <= first,
        )
    ).all()
    if amounts is None:
        amounts = deduction_amounts(session, first, [d.id for d in live])
    base = {"month": first.isoformat()[:7], "amounts": _given(amounts)}
    month_limit = (rule.month_mrp * mrp).quantize(Decimal("0.01"))
    contract_limit = (rule.contract_mrp * mrp).quantize(Decimal("0.01"))
    rows: dict[str, dict[str, Any]] = {}
    for d in live:
        term = terms.get(d.provider_id)
        in_month = d.month == first
        in_contract = term is not None and term[1] <= d.month <= term[2] and d.month <= first
        if not (in_month or in_contract):
            continue
        row = rows.setdefault(
            d.provider_id,
            {
                "provider_id": d.provider_id,
                "contract_id": None if term is None else term[0],
                "month_count": 0,
                "contract_count": 0,
                "month_amount": Decimal(0) if amounts is not None else None,
                "contract_amount": Decimal(0) if amounts is not None else None,
            },
        )
        amount = None if amounts is None else amounts.get(d.id, Decimal(0))
        if in_month:
            row["month_count"] += 1
            if amount is not None:
                row["month_amount"] += amount
        if in_contract:
            row["contract_count"] += 1
            if amount is not None:
                row["contract_amount"] += amount
    listed = []
    for row in sorted(rows.values(), key=lambda r: (-r["month_count"], r["provider_id"])):
        if amounts is None:
            row |= {"exceeds_month": None, "exceeds_contract": None}
        else:
            row |= {
                "exceeds_month": row["month_amount"] > month_limit,
                "exceeds_contract": row["contract_amount"] > contract_limit,
            }
            row["month_amount"] = str(row["month_amount"])
            row["contract_amount"] = str(row["contract_amount"])
        listed.append(row)
    if amounts is not None:
        listed = [r for r in listed if r["exceeds_month"] or r["exceeds_contract"]]
    return base | {
        "rule": rule.as_dict(),
        "mrp": str(mrp),
        "month_threshold": str(month_limit),
        "contract_threshold": str(contract_limit),
        "handover_by": add_working_days(ctx_today, rule.handover_days).isoformat(),
        "providers": listed,
    }


def _given(amounts: Mapping[int, Decimal] | None) -> str:
    return "given" if amounts is not None else "awaiting_payment_room"


def close_month(
    session: Session,
    principal: Principal,
    month: date | str,
    *,
    channel: str,
    today: date | None = None,
    rulebook: Rulebook | None = None,
) -> dict[str, Any]:
    """Close a reporting month: from then on intake refuses corrections of its records
    (``month_closed``). Refused (409) while the month is not over (``month_not_over``), when closed
    already (``month_closed``), and while a defect of the month is still inside the provider's
    first objection window (``objection_window_open``: closing would cut a provider's right to
    object; appeals already filed go on after the close). Confirms the lapsed defects first."""
    first = month_start(month)
    authorize(session, principal, MONTH_CLOSE, first.isoformat()[:7], channel=channel)
    day = today or fund_today()
    if _month_end(first) >= day:
        raise Conflict(f"the month {first.isoformat()[:7]} is not over on {day}", code="month_not_over")
    if session.get(ServiceMonthClose, first, with_for_update=True) is not None:
        raise Conflict(f"the month {first.isoformat()[:7]} is closed already", code="month_closed")
    book = _book(rulebook)
    confirmed = confirm_lapsed(session, today=day, rulebook=book)
    # what is still notified now is inside its first objection window (a step would have moved it)
    waiting, last_found = session.execute(
        select(func.count(), func.max(Defect.found_on)).where(Defect.month == first, Defect.status == "notified")
    ).one()
    if waiting:
        clock = book.topic(MonitoringTopic).appeal_clock(last_found)
        until = "" if clock is None else f" (until {add_working_days(last_found, clock.objection_days)})"
        raise Conflict(
            f"{waiting} defect(s) of {first.isoformat()[:7]} are inside the objection window{until}",
            code="objection_window_open",
        )
    session.add(ServiceMonthClose(month=first, closed_at=datetime.now(UTC), closed_by=principal.username))
    session.flush()
    audit.record(
        session,
        principal,
        channel=channel,
        action="monitoring.month.close",
        resource=f"monitoring/months/{first.isoformat()[:7]}",
        detail=f"confirmed_automatically={confirmed}",
    )
    counts = Counter(session.scalars(select(Defect.status).where(Defect.month == first)).all())
    return {
        "month": first.isoformat()[:7],
        "closed": True,
        "closed_by": principal.username,
        "confirmed_automatically": confirmed,
        "defects_by_status": dict(sorted(counts.items())),
    }


def _drawn(month: date, provider_id: str, record_id: str, share: Decimal) -> bool:
    """A reproducible draw: the record is in the sample when the hash of its key falls below the
    share (per cent, to 0.01) — the same month draws the same records whoever runs it."""
    digest = hashlib.sha256(f"{month.isoformat()}/{provider_id}/{record_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big") % 10_000 < int(share * 100)


def sample_for_expertise(
    session: Session,
    principal: Principal,
    month: date | str,
    *,
    channel: str,
    today: date | None = None,
    rulebook: Rulebook | None = None,
) -> dict[str, Any]:
    """Draw the month's records for the experts' review by the rulebook's shares per form of care
    (``monitoring.sampling``; seeds-2016) and open an ``expertise`` case for each drawn record that
    has none, in one insert. The draw is a reproducible hash of the record's key, so running it
    again opens nothing new. ``rule`` null: the rulebook samples nothing (kz-law checks every case)."""
    first = month_start(month)
    authorize(
        session, principal, CASE_MANAGE, None, channel=channel, resource=f"monitoring/sample/{first.isoformat()[:7]}"
    )
    day = today or fund_today()
    rule = _book(rulebook).topic(MonitoringTopic).sampling(first)
    base: dict[str, Any] = {"month": first.isoformat()[:7], "rule": None if rule is None else rule.as_dict()}
    if rule is None:
        return base | {"records": 0, "drawn": {}, "opened": 0}
    rows = session.execute(
        select(ServiceRecord.id, ServiceRecord.provider_id, ServiceRecord.record_id, ServiceRecord.care_form).where(
            ServiceRecord.month == first
        )
    )
    total = 0
    drawn: list[tuple[int, str]] = []
    by_form: Counter[str] = Counter()
    for ref, provider_id, record_id, form in rows:
        total += 1
        share = rule.shares.get(form)
        if share and _drawn(first, provider_id, record_id, share):
            drawn.append((ref, provider_id))
            by_form[form] += 1
    have = set(
        session.scalars(
            select(MonitoringCase.record_ref).where(MonitoringCase.kind == "expertise", MonitoringCase.month == first)
        )
    )
    missing = [(ref, provider_id) for ref, provider_id in drawn if ref not in have]
    if missing:
        session.execute(
            insert(MonitoringCase),
            [
                {
                    "kind": "expertise",
                    "trigger": "sample",
                    "record_ref": ref,
                    "provider_id": provider_id,
                    "month": first,
                    "opened_on": day,
                    "status": "open",
                    "opened_by": principal.username,
                    "created_at": datetime.now(UTC),
                }
                for ref, provider_id in missing
            ],
        )
    audit.record(
        session,
        principal,
        channel=channel,
        action="monitoring.sample",
        resource=f"monitoring/sample/{first.isoformat()[:7]}",
        detail=f"records={total} drawn={len(drawn)} opened={len(missing)}",
    )
    return base | {"records": total, "drawn": dict(sorted(by_form.items())), "opened": len(missing)}


#: Who decides the step each non-final status awaits.
_AWAITING: Final[dict[str, str]] = {"objected": "review", "second_objection": "second_review", "central": "central"}


def review_queue(
    session: Session,
    principal: Principal,
    *,
    region: str | None = None,
    channel: str,
    today: date | None = None,
    rulebook: Rulebook | None = None,
) -> dict[str, Any]:
    """The appeals awaiting a reviewer's decision, oldest due first: each defect with its provider,
    the step awaited, its due date and whether it is overdue. With ``region`` (the reviewer's), only
    what that reviewer may decide: reviews of providers of other regions, and the central office's
    decisions when ``region`` is ``central``."""
    authorize(session, principal, MONITORING_QUEUE, None, channel=channel, resource="monitoring/reviews")
    register = providers.providers().subquery()
    query = (
        select(Defect, register.c.region)
        .join(register, register.c.provider_id == Defect.provider_id)
        .where(Defect.status.in_(tuple(_AWAITING)))
        .order_by(Defect.found_on, Defect.id)
    )
    if region is not None:
        region = region.strip()
        if region == appeals.CENTRAL_REGION:
            query = query.where(Defect.status == "central")
        else:
            query = query.where(Defect.status != "central", register.c.region != region)
    rows = session.execute(query.limit(MAX_ROWS)).all()
    defects = [d for d, _ in rows]
    ctx = _context(session, defects, _book(rulebook), today or fund_today())
    items = []
    for defect, provider_region in rows:
        now = _state(defect, ctx)
        if now.final or now.next_step not in _AWAITING.values():
            continue
        items.append(
            {
                "id": defect.id,
                "provider_id": defect.provider_id,
                "provider_region": provider_region,
                "month": defect.month.isoformat()[:7],
                "code": defect.code,
                "origin": defect.origin,
                "status": now.status,
                "next_step": now.next_step,
                "actor": now.actor,
                "due_on": None if now.due_on is None else now.due_on.isoformat(),
                "overdue": now.overdue,
            }
        )
    items.sort(key=lambda i: (i["due_on"] or "", i["id"]))
    return {"region": region, "items": items, "overdue": sum(1 for i in items if i["overdue"])}


def list_cases(
    session: Session,
    principal: Principal,
    *,
    kind: str | None = None,
    status: str | None = "open",
    provider_id: str | None = None,
    channel: str,
) -> dict[str, Any]:
    """The monitoring cases (the experts' queue): of a ``kind`` (``death_review``, ``unplanned``,
    ``expertise``), in a ``status`` (``open``, ``closed``; None: both), of a provider. The
    complainants named are audited."""
    authorize(session, principal, MONITORING_QUEUE, None, channel=channel, resource="monitoring/cases")
    if kind is not None and kind not in CASE_KINDS:
        raise InvalidInput(f"unknown kind {kind!r} (known: {', '.join(CASE_KINDS)})", code="bad_kind")
    if status is not None and status not in ("open", "closed"):
        raise InvalidInput("a status is open or closed", code="bad_status")
    query = select(MonitoringCase).order_by(MonitoringCase.opened_on, MonitoringCase.id)
    if kind is not None:
        query = query.where(MonitoringCase.kind == kind)
    if status is not None:
        query = query.where(MonitoringCase.status == status)
    if provider_id is not None:
        query = query.where(MonitoringCase.provider_id == provider_id)
    cases = [_case_dict(c) for c in session.scalars(query.limit(MAX_ROWS))]
    _audit_people(
        session,
        principal,
        [c["complainant_iin"] for c in cases if c["complainant_iin"]],
        channel=channel,
        action="monitoring.cases.read",
        resource="monitoring/cases",
    )
    return {"kind": kind, "status": status, "cases": cases}
