"""Monitoring and appeals: the use cases (docs/claims.md, "Monitoring and appeals").

The checks of intake (``osms.claims.intake``) write findings and potential defects; here an expert
adds defects, the provider objects, reviewers decide on the law's clock (``claims.appeals``, the
clock from ``MonitoringTopic``), deaths are queued for review, unplanned cases are opened by their
triggers and closed, a citizen files "I did not receive this", the escalation report lists the
providers above the thresholds, and the fund closes a reporting month.

Every function works in the caller's session and never commits it; each authorizes its action
(``claims.access``) and audits the reads of personal data (the IINs on records).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, Final

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from osms.claims import appeals
from osms.claims.access import (
    DEFECT_ADD,
    DEFECT_DECIDE,
    DEFECT_OBJECT,
    MONITORING_READ,
)
from osms.claims.appeals import AppealState, Step, StepRefused
from osms.claims.models import AppealStep, Defect, MonitoringCase, ServiceFinding, ServiceMonthClose, ServiceRecord
from osms.claims.monitoring_rulebook import AppealClock, MonitoringTopic
from osms.claims.rulebook import ClaimsTopic
from osms.core import audit
from osms.core.authz import authorize
from osms.core.clock import fund_today
from osms.core.config import get_settings
from osms.core.errors import InvalidInput, NotFound, OsmsError
from osms.core.security import Principal
from osms.core.workdays import add_working_days
from osms.providers import queries as providers
from osms.registry.regions import regions
from osms.rulebooks.loader import Rulebook, load_rulebook

__all__ = [
    "CASE_KINDS",
    "CASE_OUTCOMES",
    "TRIGGERS",
    "UNRECEIVED_DEFECT",
    "Conflict",
    "add_defect",
    "close_case",
    "close_month",
    "confirm_lapsed",
    "death_queue",
    "decide",
    "defect_view",
    "escalation",
    "file_complaint",
    "is_closed",
    "list_cases",
    "object_to",
    "open_case",
    "provider_defects",
    "record_findings",
    "record_ref_of",
    "review_queue",
    "sample_for_expertise",
]

#: Most rows a list answers.
MAX_ROWS: Final[int] = 10_000


class Conflict(OsmsError):
    """A step the state of things refuses (late objection, month closed, ...): 409 with a code."""

    status = 409
    code = "conflict"


def _book(rulebook: Rulebook | None) -> Rulebook:
    return rulebook if rulebook is not None else load_rulebook(get_settings().rulebook)


def month_start(value: date | str) -> date:
    """The first day of the month of ``value`` (a date, ``YYYY-MM`` or ``YYYY-MM-DD``)."""
    if isinstance(value, str):
        text = value.strip()
        try:
            day = date.fromisoformat(text + "-01" if len(text) == 7 else text)
        except ValueError:
            raise InvalidInput(f"month {text[:20]!r} is not YYYY-MM", code="bad_month") from None
        return day.replace(day=1)
    return value.replace(day=1)


def _month_end(month: date) -> date:
    return (month.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)


def _iso(day: date | None) -> str | None:
    return None if day is None else day.isoformat()


# --------------------------------------------------------------------------------------------
# Defects and their appeal


def _clock(book: Rulebook, defect: Defect, case_kind: str | None) -> AppealClock | None:
    topic = book.topic(MonitoringTopic)
    return topic.death_clock(defect.found_on) if case_kind == "death_review" else topic.appeal_clock(defect.found_on)


def _steps(session: Session, defect_ids: Sequence[int]) -> dict[int, list[AppealStep]]:
    found: dict[int, list[AppealStep]] = defaultdict(list)
    if defect_ids:
        rows = session.scalars(
            select(AppealStep).where(AppealStep.defect_id.in_(defect_ids)).order_by(AppealStep.on, AppealStep.id)
        )
        for row in rows:
            found[row.defect_id].append(row)
    return found


def _case_kinds(session: Session, case_ids: Sequence[int | None]) -> dict[int, str]:
    ids = sorted({c for c in case_ids if c is not None})
    if not ids:
        return {}
    return dict(session.execute(select(MonitoringCase.id, MonitoringCase.kind).where(MonitoringCase.id.in_(ids))).all())


def _pure(rows: Sequence[AppealStep]) -> list[Step]:
    return [Step(r.step, r.on, r.decision, r.actor, r.region) for r in rows]


def _step_dict(row: AppealStep) -> dict[str, Any]:
    return {
        "step": row.step,
        "on": row.on.isoformat(),
        "due_on": _iso(row.due_on),
        "actor": row.actor,
        "region": row.region,
        "decision": row.decision,
        "note": row.note,
    }


@dataclass(frozen=True, slots=True)
class _Context:
    book: Rulebook
    today: date
    steps: Mapping[int, list[AppealStep]]
    kinds: Mapping[int, str]
    records: Mapping[int, ServiceRecord]
    findings: Mapping[int, str]


def _context(session: Session, defects: Sequence[Defect], book: Rulebook, today: date) -> _Context:
    record_ids = sorted({d.record_ref for d in defects if d.record_ref is not None})
    finding_ids = sorted({d.finding_id for d in defects if d.finding_id is not None})
    records = (
        {r.id: r for r in session.scalars(select(ServiceRecord).where(ServiceRecord.id.in_(record_ids)))}
        if record_ids
        else {}
    )
    findings = (
        dict(
            session.execute(
                select(ServiceFinding.id, ServiceFinding.code).where(ServiceFinding.id.in_(finding_ids))
            ).all()
        )
        if finding_ids
        else {}
    )
    return _Context(
        book,
        today,
        _steps(session, [d.id for d in defects]),
        _case_kinds(session, [d.case_id for d in defects]),
        records,
        findings,
    )


def _state(defect: Defect, ctx: _Context) -> AppealState:
    clock = _clock(ctx.book, defect, ctx.kinds.get(defect.case_id) if defect.case_id is not None else None)
    return appeals.state(defect.found_on, _pure(ctx.steps.get(defect.id, [])), clock, ctx.today)


def _defect_dict(defect: Defect, ctx: _Context, *, with_steps: bool = True) -> dict[str, Any]:
    now = _state(defect, ctx)
    record = ctx.records.get(defect.record_ref) if defect.record_ref is not None else None
    names = ctx.book.topic(ClaimsTopic).defects(defect.found_on)
    entry = names.get(defect.code)
    found: dict[str, Any] = {
        "id": defect.id,
        "provider_id": defect.provider_id,
        "month": defect.month.isoformat()[:7],
        "code": defect.code,
        "code_name": None if entry is None else dict(entry.name),
        "origin": defect.origin,
        "finding": ctx.findings.get(defect.finding_id) if defect.finding_id is not None else None,
        "case_id": defect.case_id,
        "found_on": defect.found_on.isoformat(),
        "note": defect.note,
        "evidence": defect.evidence,
        "created_by": defect.created_by,
        "status": now.status,
        "appeal": now.as_dict(),
        "record": None if record is None else _record_brief(record),
    }
    if with_steps:
        found["steps"] = [_step_dict(s) for s in ctx.steps.get(defect.id, [])]
    return found


def _record_brief(record: ServiceRecord) -> dict[str, Any]:
    return {
        "record_ref": record.id,
        "record_id": record.record_id,
        "iin": record.iin,
        "care_form": record.care_form,
        "care_type": record.care_type,
        "service_code": record.service_code,
        "case_group": record.case_group,
        "icd10": record.icd10,
        "date_from": record.date_from.isoformat(),
        "date_to": record.date_to.isoformat(),
        "outcome": record.outcome,
    }


def _audit_people(
    session: Session, principal: Principal, iins: Sequence[str], *, channel: str, action: str, resource: str
) -> None:
    people = sorted({i for i in iins if i})
    if people:
        audit.record_many(session, principal, people, channel=channel, action=action, resource=resource)


def _load_defect(session: Session, defect_id: int, *, lock: bool = False) -> Defect:
    query = select(Defect).where(Defect.id == defect_id)
    if lock:
        query = query.with_for_update()
    found = session.scalar(query)
    if found is None:
        raise NotFound(f"no defect {defect_id}", code="unknown_defect")
    return found


def _provider_region(session: Session, provider_id: str) -> str | None:
    register = providers.providers().subquery()
    found: str | None = session.scalar(select(register.c.region).where(register.c.provider_id == provider_id))
    return found


def record_ref_of(session: Session, text: str) -> int:
    """The register's id of a record named by its id (``123``) or its key (``PROVIDER/RECORD_ID``)."""
    value = text.strip()
    if value.isdigit():
        return int(value)
    provider_id, sep, record_id = value.partition("/")
    found = (
        session.scalar(
            select(ServiceRecord.id).where(
                ServiceRecord.provider_id == provider_id, ServiceRecord.record_id == record_id
            )
        )
        if sep
        else None
    )
    if found is None:
        raise NotFound(f"no service record {value[:80]!r} (give its id or PROVIDER/RECORD_ID)", code="unknown_record")
    return int(found)


def _persist(defect: Defect, now: AppealState) -> None:
    defect.status = now.status
    defect.decided_on = now.decided_on if now.final else None


def defect_view(
    session: Session,
    principal: Principal,
    defect_id: int,
    *,
    channel: str,
    today: date | None = None,
    rulebook: Rulebook | None = None,
) -> dict[str, Any]:
    """One defect with its record, its appeal's state (status, next step, who acts, due date) and
    every step. Operators and auditors any; a provider's login its own (an unknown id is refused to
    it like another's)."""
    found = session.get(Defect, defect_id)
    authorize(
        session,
        principal,
        MONITORING_READ,
        found.provider_id if found is not None else "-",
        channel=channel,
        resource=f"monitoring/defects/{defect_id}",
    )
    if found is None:
        raise NotFound(f"no defect {defect_id}", code="unknown_defect")
    ctx = _context(session, [found], _book(rulebook), today or fund_today())
    view = _defect_dict(found, ctx)
    if view["record"] is not None:
        audit.record(
            session,
            principal,
            channel=channel,
            action="monitoring.defect.read",
            resource=f"monitoring/defects/{defect_id}",
            subject_iin=view["record"]["iin"],
        )
    return view


def add_defect(
    session: Session,
    principal: Principal,
    record_ref: int,
    code: str,
    *,
    note: str,
    evidence: str | None = None,
    case_id: int | None = None,
    channel: str,
    today: date | None = None,
    rulebook: Rulebook | None = None,
) -> dict[str, Any]:
    """An expert's additional defect on a record (origin ``additional``, notified today): the code
    must be one of the classifier in force today (``unknown_defect_code``), the note is required
    (``missing_note``). With ``case_id``, the defect belongs to that monitoring case (a death's
    review: the deaths' clock applies)."""
    day = today or fund_today()
    record = session.get(ServiceRecord, record_ref)
    authorize(
        session,
        principal,
        DEFECT_ADD,
        record.provider_id if record is not None else "-",
        channel=channel,
        resource=f"monitoring/records/{record_ref}/defects",
    )
    if record is None:
        raise NotFound(f"no service record {record_ref}", code="unknown_record")
    book = _book(rulebook)
    code = code.strip()
    classifier = book.topic(ClaimsTopic).defects(day)
    if code not in classifier:
        raise InvalidInput(
            f"{code!r} is not a code of the defect classifier in force on {day}"
            f" (known: {', '.join(sorted(classifier))})",
            code="unknown_defect_code",
        )
    if not note or not note.strip():
        raise InvalidInput("an additional defect needs the expert's note", code="missing_note")
    if case_id is not None:
        case = session.get(MonitoringCase, case_id)
        if case is None or case.provider_id != record.provider_id:
            raise NotFound(f"no monitoring case {case_id} of provider {record.provider_id}", code="unknown_case")
    defect = Defect(
        record_ref=record.id,
        provider_id=record.provider_id,
        month=record.month,
        code=code,
        origin="additional",
        status="notified",
        found_on=day,
        note=note.strip(),
        evidence=(evidence or "").strip() or None,
        case_id=case_id,
        created_by=principal.username,
    )
    session.add(defect)
    session.flush()
    audit.record(
        session,
        principal,
        channel=channel,
        action="monitoring.defect.add",
        resource=f"monitoring/defects/{defect.id}",
        subject_iin=record.iin,
        detail=f"code={code} record={record.provider_id}/{record.record_id}",
    )
    return _defect_dict(defect, _context(session, [defect], book, day))


def _add_step(
    session: Session,
    principal: Principal,
    defect: Defect,
    new: Step,
    note: str | None,
    book: Rulebook,
) -> dict[str, Any]:
    ctx = _context(session, [defect], book, new.on)
    earlier = ctx.steps.get(defect.id, [])
    clock = _clock(book, defect, ctx.kinds.get(defect.case_id) if defect.case_id is not None else None)
    region = _provider_region(session, defect.provider_id)
    before = appeals.state(defect.found_on, _pure(earlier), clock, new.on)
    try:
        after = appeals.check_step(defect.found_on, _pure(earlier), clock, new, provider_region=region)
    except StepRefused as refused:
        raise Conflict(refused.message, code=refused.code) from None
    row = AppealStep(
        defect_id=defect.id,
        step=new.step,
        on=new.on,
        due_on=before.due_on,
        actor=new.actor,
        region=new.region,
        decision=new.decision,
        note=(note or "").strip() or None,
    )
    session.add(row)
    _persist(defect, after)
    session.flush()
    return _defect_dict(defect, _context(session, [defect], book, new.on))


def object_to(
    session: Session,
    principal: Principal,
    defect_id: int,
    note: str,
    *,
    channel: str,
    today: date | None = None,
    rulebook: Rulebook | None = None,
) -> dict[str, Any]:
    """The provider's objection (first or second, whichever the appeal awaits), with its reasons.
    Refused (409) with a reason code: ``objection_late`` (the deadline passed: the defect was
    confirmed automatically), ``appeal_final``, ``out_of_order`` (a reviewer's decision is awaited),
    ``no_appeal`` (the rulebook has none); ``missing_note`` (422)."""
    day = today or fund_today()
    found = session.get(Defect, defect_id)
    authorize(
        session,
        principal,
        DEFECT_OBJECT,
        found.provider_id if found is not None else "-",
        channel=channel,
        resource=f"monitoring/defects/{defect_id}/objection",
    )
    defect = _load_defect(session, defect_id, lock=True)
    if not note or not note.strip():
        raise InvalidInput("an objection states its reasons", code="missing_note")
    book = _book(rulebook)
    awaited = appeals.state(
        defect.found_on,
        _pure(_steps(session, [defect.id]).get(defect.id, [])),
        _clock(book, defect, _case_kinds(session, [defect.case_id]).get(defect.case_id or 0)),
        day,
    )
    step = awaited.next_step if awaited.next_step in ("objection", "second_objection") else "objection"
    if awaited.next_step is not None and awaited.next_step not in ("objection", "second_objection"):
        raise Conflict(f"the appeal awaits the {awaited.next_step.replace('_', ' ')}", code="out_of_order")
    view = _add_step(session, principal, defect, Step(step, day, None, principal.username, None), note, book)
    audit.record(
        session,
        principal,
        channel=channel,
        action=f"monitoring.defect.{step}",
        resource=f"monitoring/defects/{defect.id}",
        detail=f"provider={defect.provider_id}",
    )
    return view


def decide(
    session: Session,
    principal: Principal,
    defect_id: int,
    decision: str,
    *,
    region: str,
    note: str | None = None,
    channel: str,
    today: date | None = None,
    rulebook: Rulebook | None = None,
) -> dict[str, Any]:
    """A reviewer's decision (``upheld``: the defect stands; ``overturned``: the provider is right)
    on the step the appeal awaits: the first review (by an employee of a region other than the
    provider's), the second review (outside the provider's region, another reviewer), the central
    office (``region`` ``central``). ``region`` is the reviewer's, recorded with the step (a login
    carries no region). Refused (409) with ``same_region``, ``same_reviewer``, ``not_central``,
    ``out_of_order`` (an objection is awaited), ``appeal_final``; ``unknown_region`` (422)."""
    day = today or fund_today()
    found = session.get(Defect, defect_id)
    authorize(
        session,
        principal,
        DEFECT_DECIDE,
        found.provider_id if found is not None else "-",
        channel=channel,
        resource=f"monitoring/defects/{defect_id}/decision",
    )
    defect = _load_defect(session, defect_id, lock=True)
    region = region.strip()
    if region != appeals.CENTRAL_REGION and region not in regions():
        raise InvalidInput(
            f"region {region[:20]!r} is not a region code nor {appeals.CENTRAL_REGION!r}", code="unknown_region"
        )
    if decision not in appeals.DECISIONS:
        raise InvalidInput(f"a decision is one of {', '.join(appeals.DECISIONS)}", code="bad_decision")
    book = _book(rulebook)
    awaited = appeals.state(
        defect.found_on,
        _pure(_steps(session, [defect.id]).get(defect.id, [])),
        _clock(book, defect, _case_kinds(session, [defect.case_id]).get(defect.case_id or 0)),
        day,
    )
    if awaited.final:
        raise Conflict(f"the appeal is final: {awaited.status}", code="appeal_final")
    if awaited.next_step not in ("review", "second_review", "central"):
        raise Conflict("no objection awaits a decision: the provider has not objected", code="out_of_order")
    view = _add_step(
        session,
        principal,
        defect,
        Step(awaited.next_step, day, decision, principal.username, region),
        note,
        book,
    )
    audit.record(
        session,
        principal,
        channel=channel,
        action=f"monitoring.defect.{awaited.next_step}",
        resource=f"monitoring/defects/{defect.id}",
        detail=f"decision={decision} region={region} provider={defect.provider_id}",
    )
    return view


def confirm_lapsed(session: Session, *, today: date | None = None, rulebook: Rulebook | None = None) -> int:
    """Store the automatic confirmations: every defect whose provider's deadline passed in silence
    becomes ``confirmed`` (``decided_on`` the day after the deadline); the number confirmed. The
    state is always computed from the steps on a read, so this only keeps the stored column (the
    payment room's read) current.

    Set-based for the bulk (a notified defect without steps: one ``UPDATE`` per day found and clock,
    whose deadline is computed once); row by row for the few awaiting a second objection."""
    day = today or fund_today()
    book = _book(rulebook)
    topic = book.topic(MonitoringTopic)
    deaths = select(MonitoringCase.id).where(MonitoringCase.kind == "death_review")
    no_steps = ~select(AppealStep.id).where(AppealStep.defect_id == Defect.id).exists()
    confirmed = 0
    found_days = session.scalars(
        select(Defect.found_on).where(Defect.status == "notified", no_steps).distinct().order_by(Defect.found_on)
    ).all()
    for found_on in found_days:
        for death, clock in ((False, topic.appeal_clock(found_on)), (True, topic.death_clock(found_on))):
            if clock is None:
                continue
            deadline = add_working_days(found_on, clock.objection_days)
            if day <= deadline:
                continue
            of_clock = (
                Defect.case_id.in_(deaths) if death else or_(Defect.case_id.is_(None), Defect.case_id.not_in(deaths))
            )
            result = session.execute(
                update(Defect)
                .where(Defect.status == "notified", Defect.found_on == found_on, no_steps, of_clock)
                .values(status="confirmed", decided_on=deadline + timedelta(days=1))
                .execution_options(synchronize_session=False)
            )
            confirmed += max(result.rowcount or 0, 0)  # type: ignore[attr-defined]
    waiting = list(session.scalars(select(Defect).where(Defect.status == "reviewed")))
    ctx = _context(session, waiting, book, day)
    for defect in waiting:
        now = _state(defect, ctx)
        if now.automatic:
            confirmed += 1
            _persist(defect, now)
    session.flush()
    session.expire_all()
    return confirmed


# --------------------------------------------------------------------------------------------
# A provider's lists


def record_findings(
    session: Session,
    principal: Principal,
    provider_id: str,
    month: date | str,
    *,
    channel: str,
    resource: str | None = None,
    today: date | None = None,
    rulebook: Rulebook | None = None,
) -> dict[str, Any]:
    """``osms monitoring findings --provider ID --month YYYY-MM``: the provider's records of the month
    with a finding or a defect, each with its findings and defects (the appeal's state), and the
    counts by finding code and by defect status. Every IIN listed is audited."""
    first = month_start(month)
    where = resource or f"monitoring/{provider_id}/findings/{first.isoformat()[:7]}"
    authorize(session, principal, MONITORING_READ, provider_id, channel=channel, resource=where)
    findings = list(
        session.scalars(
            select(ServiceFinding)
            .where(ServiceFinding.provider_id == provider_id, ServiceFinding.month == first)
            .order_by(ServiceFinding.record_ref, ServiceFinding.code)
            .limit(MAX_ROWS)
        )
    )
    defects = list(
        session.scalars(
            select(Defect)
            .where(Defect.provider_id == provider_id, Defect.month == first, Defect.record_ref.is_not(None))
            .order_by(Defect.record_ref, Defect.id)
            .limit(MAX_ROWS)
        )
    )
    ctx = _context(session, defects, _book(rulebook), today or fund_today())
    record_ids = sorted({f.record_ref for f in findings} | {d.record_ref for d in defects if d.record_ref is not None})
    missing = [r for r in record_ids if r not in ctx.records]
    records = dict(ctx.records)
    if missing:
        records.update({r.id: r for r in session.scalars(select(ServiceRecord).where(ServiceRecord.id.in_(missing)))})
    by_record: dict[int, dict[str, Any]] = {}
    for ref in record_ids:
        by_record[ref] = _record_brief(records[ref]) | {"findings": [], "defects": []}
    for f in findings:
        by_record[f.record_ref]["findings"].append(
            {"code": f.code, "defect_code": f.defect_code, "detail": f.detail, "found_on": f.found_on.isoformat()}
        )
    statuses: Counter[str] = Counter()
    for d in defects:
        view = _defect_dict(d, ctx, with_steps=False)
        statuses[view["status"]] += 1
        view.pop("record")
        by_record[d.record_ref or 0]["defects"].append(view)
    _audit_people(
        session,
        principal,
        [r["iin"] for r in by_record.values()],
        channel=channel,
        action="monitoring.findings.read",
        resource=where,
    )
    return {
        "provider_id": provider_id,
        "month": first.isoformat()[:7],
        "closed": is_closed(session, first),
        "records": list(by_record.values()),
        "findings_by_code": dict(sorted(Counter(f.code for f in findings).items())),
        "defects_by_status": dict(sorted(statuses.items())),
    }


def _case_dict(case: MonitoringCase) -> dict[str, Any]:
    return {
        "id": case.id,
        "kind": case.kind,
        "trigger": case.trigger,
        "record_ref": case.record_ref,
        "provider_id": case.provider_id,
        "month": case.month.isoformat()[:7],
        "opened_on": case.opened_on.isoformat(),
        "due_on": _iso(case.due_on),
        "status": case.status,
        "outcome": case.outcome,
        "complainant_iin": case.complainant_iin,
        "note": case.note,
        "opened_by": case.opened_by,
        "closed_on": _iso(case.closed_on),
        "closed_by": case.closed_by,
    }


def provider_defects(
    session: Session,
    principal: Principal,
    provider_id: str,
    month: date | str | None = None,
    *,
    status: str | None = None,
    channel: str,
    resource: str | None = None,
    today: date | None = None,
    rulebook: Rulebook | None = None,
) -> dict[str, Any]:
    """A provider's defects (of ``month``, else all) with their appeal's state and steps, filtered by
    the live ``status``, and its monitoring cases (a citizen's complaint shows here: that is how the
    provider is told). Every IIN listed is audited."""
    where = resource or f"monitoring/{provider_id}/defects"
    authorize(session, principal, MONITORING_READ, provider_id, channel=channel, resource=where)
    if status is not None and status not in appeals.STATUSES:
        raise InvalidInput(f"unknown status {status!r} (known: {', '.join(appeals.STATUSES)})", code="bad_status")
    query = select(Defect).where(Defect.provider_id == provider_id)
    cases = select(MonitoringCase).where(MonitoringCase.provider_id == provider_id)
    first = None if month is None else month_start(month)
    if first is not None:
        query = query.where(Defect.month == first)
        cases = cases.where(MonitoringCase.month == first)
    defects = list(session.scalars(query.order_by(Defect.found_on, Defect.id).limit(MAX_ROWS)))
    ctx = _context(session, defects, _book(rulebook), today or fund_today())
    views = [v for v in (_defect_dict(d, ctx) for d in defects) if status is None or v["status"] == status]
    case_rows = [_case_dict(c) for c in session.scalars(cases.order_by(MonitoringCase.id).limit(MAX_ROWS))]
    _audit_people(
        session,
        principal,
        [v["record"]["iin"] for v in views if v["record"]]
        + [c["complainant_iin"] for c in case_rows if c["complainant_iin"]],
        channel=channel,
        action="monitoring.defects.read",
        resource=where,
    )
    return {
        "provider_id": provider_id,
        "month": None if first is None else first.isoformat()[:7],
        "defects": views,
        "cases": case_rows,
    }


# --------------------------------------------------------------------------------------------
def is_closed(session: Session, month: date | str) -> bool:
    """Whether the fund closed the reporting month of ``month`` (intake refuses its corrections)."""
    first = month_start(month)
    return session.get(ServiceMonthClose, first) is not None


# The cases, the escalation report and the month's close live in ``monitoring_cases`` (this file's
# size); they are part of this module's interface.
from osms.claims.monitoring_cases import (  # noqa: E402
    CASE_KINDS,
    CASE_OUTCOMES,
    TRIGGERS,
    UNRECEIVED_DEFECT,
    close_case,
    close_month,
    death_queue,
    escalation,
    file_complaint,
    list_cases,
    open_case,
    review_queue,
    sample_for_expertise,
)
