"""What the claims room's pages read (docs/claims.md, "Pages"): a provider's intake by batch, its
rejected rows and its accepted records with findings (filtered, searched), its defects of a month
with their appeal steps, and the fund's monitoring queues.

Reads only: every write (an objection, a decision, an additional defect, closing a case) is
``osms.claims.monitoring``'s. Authorisation and the audit of reads of persons' services are the
pages' (``osms.claims.provider_pages``, ``osms.claims.monitoring_pages``).

A row of a service report that was rejected is kept in ``import_rejection`` with its raw text and
no provider column: a batch loaded by a provider's login is wholly that provider's; in a batch
loaded by the fund (a file of many providers) a rejected row is a provider's when one of its fields
is the provider's code.
"""

from __future__ import annotations

import csv
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session

from osms.claims import appeals
from osms.claims.appeals import Step
from osms.claims.intake import BATCH_KIND
from osms.claims.models import AppealStep, Defect, MonitoringCase, ServiceFinding, ServiceRecord, ServiceRecordVersion
from osms.claims.monitoring_rulebook import MonitoringTopic
from osms.core.config import get_settings
from osms.core.models import ImportBatch, ImportRejection, User
from osms.core.workdays import is_working_day
from osms.providers.queries import providers
from osms.rulebooks.loader import Rulebook, load_rulebook

#: ``import_batch.kind`` of a service report, whatever its channel (file, API, FHIR).
INTAKE_KINDS = (BATCH_KIND,)
#: The longest list a page shows (the CSV export has no limit).
PAGE_LIMIT = 200
#: Where an appeal awaits the fund's reviewer (``defect.status``: a reviewer's wait never lapses).
AWAITING_REVIEW = ("objected", "second_objection", "central")
#: Where an appeal awaits the provider (until its deadline; then confirmed automatically).
AWAITING_PROVIDER = ("notified", "reviewed")


# --- Providers -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ProviderFacts:
    provider_id: str
    name: str
    region: str


def provider_facts(session: Session, provider_id: str) -> ProviderFacts | None:
    sub = providers().subquery()
    found = session.execute(
        select(sub.c.provider_id, sub.c.name, sub.c.region).where(sub.c.provider_id == provider_id.strip())
    ).first()
    return None if found is None else ProviderFacts(found[0], found[1], found[2])


def provider_names(session: Session, ids: Iterable[str]) -> dict[str, ProviderFacts]:
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    sub = providers().subquery()
    rows = session.execute(select(sub.c.provider_id, sub.c.name, sub.c.region).where(sub.c.provider_id.in_(wanted)))
    return {r[0]: ProviderFacts(r[0], r[1], r[2]) for r in rows}


# --- Filters ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class IntakeFilter:
    """What the provider's intake page narrows to: a reason or finding code, the days of the
    intake (``date_from``..``date_to``, inclusive), a form of care and a record id or IIN."""

    code: str = ""
    date_from: date | None = None
    date_to: date | None = None
    care_form: str = ""
    search: str = ""


def _day_bounds(f: IntakeFilter) -> tuple[datetime | None, datetime | None]:
    start = datetime.combine(f.date_from, time.min, tzinfo=UTC) if f.date_from else None
    end = datetime.combine(f.date_to + timedelta(days=1), time.min, tzinfo=UTC) if f.date_to else None
    return start, end


def fields_of(raw: str) -> list[str]:
    """The fields of a rejected row's raw text (a CSV line)."""
    try:
        return next(csv.reader([raw]), [])
    except csv.Error:
        return raw.split(",")


# --- Batches ---------------------------------------------------------------------------------


@dataclass(slots=True)
class BatchLine:
    """One intake batch of a provider: its day and what became of the provider's rows in it."""

    batch_id: int
    started_at: datetime
    file_name: str
    created_by: str | None
    whole: bool  # loaded by the provider's own login: every row of the batch is its
    rows: int = 0
    accepted: int = 0
    rejected: int = 0
    findings: int = 0
    findings_by_code: dict[str, int] = field(default_factory=dict)

    @property
    def day(self) -> date:
        return self.started_at.date()


@dataclass(slots=True)
class DayLine:
    day: date
    batches: list[BatchLine]

    @property
    def rows(self) -> int:
        return sum(b.rows for b in self.batches)

    @property
    def accepted(self) -> int:
        return sum(b.accepted for b in self.batches)

    @property
    def rejected(self) -> int:
        return sum(b.rejected for b in self.batches)

    @property
    def findings(self) -> int:
        return sum(b.findings for b in self.batches)


def provider_logins(session: Session, provider_id: str) -> list[str]:
    return list(session.scalars(select(User.username).where(User.provider_id == provider_id)))


def _batch_ids(session: Session, provider_id: str, f: IntakeFilter, logins: Sequence[str]) -> list[int]:
    """The provider's intake batches: loaded by its logins, or holding its records or findings."""
    start, end = _day_bounds(f)
    own = select(ImportBatch.id).where(ImportBatch.created_by.in_(logins)) if logins else None
    parts: list[Select[int]] = [
        select(ServiceRecord.batch_id).where(ServiceRecord.provider_id == provider_id),
        select(ServiceRecordVersion.batch_id)
        .join(ServiceRecord, ServiceRecord.id == ServiceRecordVersion.record_ref)
        .where(ServiceRecord.provider_id == provider_id),
        select(ServiceFinding.batch_id).where(ServiceFinding.provider_id == provider_id),
    ]
    ids: set[int] = set()
    for part in parts:
        ids.update(session.scalars(part.distinct()))
    if own is not None:
        ids.update(session.scalars(own))
    if not ids:
        return []
    query = select(ImportBatch.id).where(ImportBatch.id.in_(sorted(ids)), ImportBatch.kind.in_(INTAKE_KINDS))
    if start is not None:
        query = query.where(ImportBatch.started_at >= start)
    if end is not None:
        query = query.where(ImportBatch.started_at < end)
    return list(session.scalars(query.order_by(ImportBatch.started_at.desc(), ImportBatch.id.desc())))


def _rejections_per_batch(session: Session, batch_ids: list[int]) -> dict[int, int]:
    query = (
        select(ImportRejection.batch_id, func.count())
        .where(ImportRejection.batch_id.in_(batch_ids))
        .group_by(ImportRejection.batch_id)
    )
    return {int(k): int(n) for k, n in session.execute(query)}


def _is_providers_row(raw: str, provider_id: str) -> bool:
    return provider_id in fields_of(raw)


def intake_batches(session: Session, provider_id: str, f: IntakeFilter) -> list[DayLine]:
    """The provider's intake day by day, newest first: per batch the rows, accepted, rejected
    and findings (by code) that are the provider's."""
    logins = provider_logins(session, provider_id)
    ids = _batch_ids(session, provider_id, f, logins)
    if not ids:
        return []
    batches = {
        b.id: BatchLine(b.id, b.started_at, b.file_name, b.created_by, b.created_by in logins)
        for b in session.scalars(select(ImportBatch).where(ImportBatch.id.in_(ids)))
    }
    accepted: Counter[int] = Counter()
    for batch_id, n in session.execute(
        select(ServiceRecord.batch_id, func.count())
        .where(ServiceRecord.provider_id == provider_id, ServiceRecord.batch_id.in_(ids))
        .group_by(ServiceRecord.batch_id)
    ):
        accepted[batch_id] += n
    for batch_id, n in session.execute(
        select(ServiceRecordVersion.batch_id, func.count())
        .join(ServiceRecord, ServiceRecord.id == ServiceRecordVersion.record_ref)
        .where(ServiceRecord.provider_id == provider_id, ServiceRecordVersion.batch_id.in_(ids))
        .group_by(ServiceRecordVersion.batch_id)
    ):
        accepted[batch_id] += n
    for batch_id, code, n in session.execute(
        select(ServiceFinding.batch_id, ServiceFinding.code, func.count())
        .where(ServiceFinding.provider_id == provider_id, ServiceFinding.batch_id.in_(ids))
        .group_by(ServiceFinding.batch_id, ServiceFinding.code)
    ):
        line = batches[batch_id]
        line.findings += n
        line.findings_by_code[code] = n
    whole = [i for i, b in batches.items() if b.whole]
    rejected: Counter[int] = Counter(_rejections_per_batch(session, whole)) if whole else Counter()
    mixed = [i for i, b in batches.items() if not b.whole]
    if mixed:
        for batch_id, raw in session.execute(
            select(ImportRejection.batch_id, ImportRejection.raw).where(
                ImportRejection.batch_id.in_(mixed), ImportRejection.raw.contains(provider_id)
            )
        ):
            if _is_providers_row(raw, provider_id):
                rejected[batch_id] += 1
    full = {b.id: b.rows for b in session.scalars(select(ImportBatch).where(ImportBatch.id.in_(whole)))}
    for batch_id, line in batches.items():
        line.accepted = accepted.get(batch_id, 0)
        line.rejected = rejected.get(batch_id, 0)
        line.rows = full[batch_id] if line.whole else line.accepted + line.rejected
    days: dict[date, list[BatchLine]] = defaultdict(list)
    for line in sorted(batches.values(), key=lambda b: (b.started_at, b.batch_id), reverse=True):
        days[line.day].append(line)
    return [DayLine(day, lines) for day, lines in days.items()]


# --- Rejected rows ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RejectedRow:
    batch_id: int
    day: date
    line: int
    code: str
    message: str
    raw: str


def rejected_rows(
    session: Session, provider_id: str, f: IntakeFilter, limit: int | None = PAGE_LIMIT
) -> tuple[list[RejectedRow], int]:
    """The provider's rejected rows (newest batch first, by line), filtered; and how many match.
    ``code`` narrows to a reason; ``care_form`` and ``search`` (a record id or an IIN) to rows that
    have that field."""
    logins = provider_logins(session, provider_id)
    ids = _batch_ids(session, provider_id, f, logins)
    if not ids:
        return [], 0
    batches = {b.id: b for b in session.scalars(select(ImportBatch).where(ImportBatch.id.in_(ids)))}
    query = (
        select(ImportRejection)
        .where(ImportRejection.batch_id.in_(ids))
        .order_by(ImportRejection.batch_id.desc(), ImportRejection.line)
    )
    if f.code:
        query = query.where(ImportRejection.code == f.code)
    search = f.search.strip()
    if search:
        query = query.where(ImportRejection.raw.contains(search))
    whole = {i for i, b in batches.items() if b.created_by in logins}
    found: list[RejectedRow] = []
    total = 0
    for r in session.scalars(query):
        fields = fields_of(r.raw)
        if r.batch_id not in whole and provider_id not in fields:
            continue
        if f.care_form and f.care_form not in fields:
            continue
        if search and search not in fields:
            continue
        total += 1
        if limit is None or len(found) < limit:
            found.append(
                RejectedRow(r.batch_id, batches[r.batch_id].started_at.date(), r.line, r.code, r.message, r.raw)
            )
    return found, total


# --- Accepted records with findings ----------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RecordLine:
    ref: int
    record_id: str
    provider_id: str
    iin: str
    care_form: str
    care_type: str
    service_code: str | None
    case_group: str | None
    icd10: str
    date_from: date
    date_to: date
    outcome: str
    version: int
    batch_id: int
    received: date
    findings: tuple[tuple[str, str | None], ...]  # (code, defect code)
    at_home: bool = False  # PAY п.67: the price × 2
    remote: bool = False  # PAY п.68: the price × ½
    preventive_child: bool = False  # PAY п.66: 50% of the price


def _record_line(r: ServiceRecord, findings: Sequence[tuple[str, str | None]]) -> RecordLine:
    return RecordLine(
        r.id,
        r.record_id,
        r.provider_id,
        r.iin,
        r.care_form,
        r.care_type,
        r.service_code,
        r.case_group,
        r.icd10,
        r.date_from,
        r.date_to,
        r.outcome,
        r.version,
        r.batch_id,
        r.received_at.date(),
        tuple(findings),
        bool(r.at_home),
        bool(r.remote),
        bool(r.preventive_child),
    )


def records_with_findings(
    session: Session, provider_id: str, f: IntakeFilter, limit: int | None = PAGE_LIMIT
) -> tuple[list[RecordLine], int]:
    """The provider's accepted records that have findings, newest first, filtered: ``code`` a
    finding code, the days of the intake, ``care_form``, ``search`` a record id or an IIN."""
    start, end = _day_bounds(f)
    has = select(ServiceFinding.record_ref).where(ServiceFinding.provider_id == provider_id)
    if f.code:
        has = has.where(ServiceFinding.code == f.code)
    where = [ServiceRecord.provider_id == provider_id, ServiceRecord.id.in_(has)]
    if start is not None:
        where.append(ServiceRecord.received_at >= start)
    if end is not None:
        where.append(ServiceRecord.received_at < end)
    if f.care_form:
        where.append(ServiceRecord.care_form == f.care_form)
    search = f.search.strip()
    if search:
        where.append(or_(ServiceRecord.record_id == search, ServiceRecord.iin == search))
    total = session.scalar(select(func.count()).select_from(ServiceRecord).where(*where)) or 0
    query = select(ServiceRecord).where(*where).order_by(ServiceRecord.received_at.desc(), ServiceRecord.id.desc())
    if limit is not None:
        query = query.limit(limit)
    records = list(session.scalars(query))
    findings: dict[int, list[tuple[str, str | None]]] = defaultdict(list)
    refs = [r.id for r in records]
    for start_at in range(0, len(refs), 1000):
        chunk = refs[start_at : start_at + 1000]
        for ref, code, defect in session.execute(
            select(ServiceFinding.record_ref, ServiceFinding.code, ServiceFinding.defect_code)
            .where(ServiceFinding.record_ref.in_(chunk))
            .order_by(ServiceFinding.record_ref, ServiceFinding.code)
        ):
            findings[ref].append((code, defect))
    return [_record_line(r, findings[r.id]) for r in records], total


def record(session: Session, ref: int) -> RecordLine | None:
    found = session.get(ServiceRecord, ref)
    if found is None:
        return None
    findings = session.execute(
        select(ServiceFinding.code, ServiceFinding.defect_code)
        .where(ServiceFinding.record_ref == ref)
        .order_by(ServiceFinding.code)
    ).all()
    return _record_line(found, [(c, d) for c, d in findings])


# --- Defects ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class StepLine:
    step: str
    on: date
    due_on: date | None
    actor: str
    region: str | None
    decision: str | None
    note: str | None


@dataclass(frozen=True, slots=True)
class DefectLine:
    id: int
    provider_id: str
    month: date
    code: str
    origin: str
    status: str
    found_on: date
    decided_on: date | None
    note: str | None
    evidence: str | None
    record_ref: int | None
    record_id: str | None
    iin: str | None
    case_id: int | None
    steps: tuple[StepLine, ...]


def _steps(session: Session, ids: Sequence[int]) -> dict[int, list[StepLine]]:
    found: dict[int, list[StepLine]] = defaultdict(list)
    for start in range(0, len(ids), 1000):
        for s in session.scalars(
            select(AppealStep)
            .where(AppealStep.defect_id.in_(ids[start : start + 1000]))
            .order_by(AppealStep.defect_id, AppealStep.on, AppealStep.id)
        ):
            found[s.defect_id].append(StepLine(s.step, s.on, s.due_on, s.actor, s.region, s.decision, s.note))
    return found


def _defect_lines(session: Session, where: Sequence[object], limit: int | None = None) -> list[DefectLine]:
    query = (
        select(Defect, ServiceRecord.record_id, ServiceRecord.iin)
        .outerjoin(ServiceRecord, ServiceRecord.id == Defect.record_ref)
        .where(*where)  # type: ignore[arg-type]
        .order_by(Defect.found_on.desc(), Defect.id.desc())
    )
    if limit is not None:
        query = query.limit(limit)
    rows = session.execute(query).all()
    steps = _steps(session, [d.id for d, _, _ in rows])
    return [
        DefectLine(
            d.id,
            d.provider_id,
            d.month,
            d.code,
            d.origin,
            d.status,
            d.found_on,
            d.decided_on,
            d.note,
            d.evidence,
            d.record_ref,
            record_id,
            iin,
            d.case_id,
            tuple(steps.get(d.id, ())),
        )
        for d, record_id, iin in rows
    ]


def month_start(month: date) -> date:
    return month.replace(day=1)


def defects_of(session: Session, provider_id: str, month: date, *, status: str = "") -> list[DefectLine]:
    """The provider's defects of a reporting month, newest first."""
    where: list[object] = [Defect.provider_id == provider_id, Defect.month == month_start(month)]
    if status:
        where.append(Defect.status == status)
    return _defect_lines(session, where)


def defect(session: Session, defect_id: int) -> DefectLine | None:
    found = _defect_lines(session, [Defect.id == defect_id])
    return found[0] if found else None


def defects_of_record(session: Session, ref: int) -> list[DefectLine]:
    return _defect_lines(session, [Defect.record_ref == ref])


@dataclass(frozen=True, slots=True)
class Clock:
    """Where a defect's appeal stands on ``today`` (``claims.appeals.state`` on the rulebook's
    clock): its live status, the step awaited and who acts, the deadline of that step and the
    working days left until it (0: the deadline is today; negative: passed)."""

    status: str
    next_step: str | None
    actor: str | None
    deadline: date | None
    days_left: int | None
    final: bool
    automatic: bool
    overdue: bool


def working_days_left(today: date, deadline: date) -> int:
    """Working days from ``today`` (not counted) to ``deadline`` (counted); 0 on the day itself,
    negative when passed."""
    if deadline == today:
        return 0
    sign = 1 if deadline > today else -1
    low, high = sorted((today, deadline))
    days = sum(1 for n in range(1, (high - low).days + 1) if is_working_day(low + timedelta(days=n)))
    return sign * days


def _case_kinds(session: Session, lines: Iterable[DefectLine]) -> dict[int, str]:
    ids = sorted({d.case_id for d in lines if d.case_id is not None})
    if not ids:
        return {}
    return {
        i: k
        for i, k in session.execute(select(MonitoringCase.id, MonitoringCase.kind).where(MonitoringCase.id.in_(ids)))
    }


def clocks(
    session: Session, lines: Sequence[DefectLine], today: date, book: Rulebook | None = None
) -> dict[int, Clock]:
    """Each defect's appeal on ``today``: the death review's clock for a defect of a death review,
    else the appeal clock in force when the defect was found."""
    topic = (book or load_rulebook(get_settings().rulebook)).topic(MonitoringTopic)
    kinds = _case_kinds(session, lines)
    found: dict[int, Clock] = {}
    for line in lines:
        death = line.case_id is not None and kinds.get(line.case_id) == "death_review"
        clock = topic.death_clock(line.found_on) if death else topic.appeal_clock(line.found_on)
        steps = [Step(s.step, s.on, s.decision, s.actor, s.region) for s in line.steps]
        now = appeals.state(line.found_on, steps, clock, today)
        due = now.due_on
        found[line.id] = Clock(
            now.status,
            now.next_step,
            now.actor,
            due,
            None if due is None else working_days_left(today, due),
            now.final,
            now.automatic,
            now.overdue,
        )
    return found


# --- Monitoring queues -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CaseLine:
    id: int
    kind: str
    trigger: str
    provider_id: str
    month: date
    opened_on: date
    due_on: date | None
    status: str
    note: str | None
    record_ref: int | None
    record_id: str | None
    iin: str | None


def open_cases(session: Session, kind: str, limit: int = PAGE_LIMIT) -> list[CaseLine]:
    rows = session.execute(
        select(MonitoringCase, ServiceRecord.record_id, ServiceRecord.iin)
        .outerjoin(ServiceRecord, ServiceRecord.id == MonitoringCase.record_ref)
        .where(MonitoringCase.kind == kind, MonitoringCase.status == "open")
        .order_by(MonitoringCase.opened_on, MonitoringCase.id)
        .limit(limit)
    ).all()
    return [
        CaseLine(
            c.id,
            c.kind,
            c.trigger,
            c.provider_id,
            c.month,
            c.opened_on,
            c.due_on,
            c.status,
            c.note,
            c.record_ref,
            record_id,
            iin,
        )
        for c, record_id, iin in rows
    ]


def case(session: Session, case_id: int) -> MonitoringCase | None:
    return session.get(MonitoringCase, case_id)


def defects_in_status(session: Session, statuses: Sequence[str], limit: int = PAGE_LIMIT) -> list[DefectLine]:
    """Defects whose status is one of ``statuses``, oldest first (a queue)."""
    lines = _defect_lines(session, [Defect.status.in_(statuses)], limit=limit)
    return sorted(lines, key=lambda d: (d.found_on, d.id))


def defect_statuses(session: Session) -> list[tuple[str, int]]:
    """Every defect status with its count (the queues' summary)."""
    rows = session.execute(select(Defect.status, func.count()).group_by(Defect.status).order_by(Defect.status))
    return [(s, int(n)) for s, n in rows]


def _case_lines(rows: Sequence[Any]) -> list[CaseLine]:
    """``CaseLine``s of rows ``(MonitoringCase, record_id, iin)``."""
    return [
        CaseLine(
            c.id,
            c.kind,
            c.trigger,
            c.provider_id,
            c.month,
            c.opened_on,
            c.due_on,
            c.status,
            c.note,
            c.record_ref,
            record_id,
            iin,
        )  # fmt: skip
        for c, record_id, iin in rows
    ]


def cases_of_record(session: Session, ref: int) -> list[CaseLine]:
    """The monitoring cases on a record (a death's review, a complaint), newest first."""
    rows = session.execute(
        select(MonitoringCase, ServiceRecord.record_id, ServiceRecord.iin)
        .join(ServiceRecord, ServiceRecord.id == MonitoringCase.record_ref)
        .where(MonitoringCase.record_ref == ref)
        .order_by(MonitoringCase.opened_on.desc(), MonitoringCase.id.desc())
    ).all()
    return _case_lines(rows)


def cases_of(session: Session, provider_id: str, month: date) -> list[CaseLine]:
    """A provider's monitoring cases of a reporting month (a complaint on its record, a death's
    review...), newest first: how the provider learns of them."""
    rows = session.execute(
        select(MonitoringCase, ServiceRecord.record_id, ServiceRecord.iin)
        .outerjoin(ServiceRecord, ServiceRecord.id == MonitoringCase.record_ref)
        .where(MonitoringCase.provider_id == provider_id, MonitoringCase.month == month_start(month))
        .order_by(MonitoringCase.opened_on.desc(), MonitoringCase.id.desc())
        .limit(PAGE_LIMIT)
    ).all()
    return _case_lines(rows)
