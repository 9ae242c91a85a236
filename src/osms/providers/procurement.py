"""The procurement workflow on the database (docs/providers.md, "Procurement workflow"): announce a
procurement with its plan, take applications (a file, or one signed application over the API),
decide stage 1 (``admit``), correct a rejected application once, record the commission (members,
votes, findings of false information) and print its protocol, place the plan's volumes (stage 2,
``distribute``), change them by hand (``adjust``) and publish the results.

The decisions are the pure engines' (``admission.decide``, ``distribution.distribute``/``adjust``);
this module reads their facts from the register and the person registry's family links, and stores
what they answer. A procurement moves ``announced`` → ``admitted`` → ``distributed`` →
``published``; each step refuses the wrong state with a code. Nothing here commits the caller's
session except ``apply_file`` (an import, its own transaction).
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, Final

from sqlalchemy import delete, func, or_, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from osms.core import audit, authz, esign
from osms.core.bulkload import ImportResult, ImportSpec, check_header, run_import
from osms.core.clock import fund_today
from osms.core.errors import InvalidInput, NotFound, OsmsError
from osms.core.i18n import N_
from osms.core.money import parse_money
from osms.core.rows import Rejection, Row
from osms.core.security import Principal
from osms.providers import admission, distribution, queries, service
from osms.providers.access import PROCUREMENT_APPLY, PROCUREMENT_REVIEW
from osms.providers.models import (
    ProcurementAdjustment,
    ProcurementAnnouncement,
    ProcurementApplication,
    ProcurementDecision,
    ProcurementMember,
    ProcurementPlacement,
    ProcurementPlanLine,
    ProcurementVote,
)
from osms.providers.rulebook import ProvidersTopic
from osms.providers.vocabulary import CARE_TYPE_CODES
from osms.registry import queries as registry_queries
from osms.registry.regions import regions
from osms.rulebooks.loader import load_rulebook

PLAN_COLUMNS: Final = ("care_type", "region", "volume", "unit", "sum")
APPLICATION_COLUMNS: Final = ("application_id", "provider_id", "care_type", "region", "volume", "sum", "submitted")
_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
_PROVIDER_ID = re.compile(r"^[A-Za-z0-9._-]{1,32}$")
_MAX_VOLUME: Final = 999_999_999

#: Why a row of a plan or of an application file is refused, beyond the register's own reasons
#: (``checks.REASONS``: dates, amounts, regions, care types, ids).
REASONS: Final = {
    "bad_volume": N_("the volume must be a whole number up to 999,999,999"),
    "negative_volume": N_("a volume or a sum may not be negative"),
    "bad_unit": N_("the unit must be 1 to 32 characters (cases, bed-days, persons, ...)"),
    "sum_without_volume": N_("a sum is given without a volume"),
    "bad_application_id": N_("application_id may hold only letters, digits, '-', '_' and '.', up to 64"),
    "signed_application": N_("the application was received signed; a file may not change it"),
    "not_in_plan": N_("the procurement's plan has no line for this care type and region"),
}
_MAX_SUM: Final = Decimal("1e12")


class Conflict(OsmsError):
    """The procurement is not in the state the step needs, or the thing exists already."""

    status = 409
    code = "conflict"


# --------------------------------------------------------------------------------------------
# Rows of the files


def _amounts(values: Mapping[str, str]) -> tuple[int, Decimal] | Rejection:
    text = values["volume"].strip()
    if not re.fullmatch(r"-?\d{1,10}", text):
        return Rejection("bad_volume", f"volume {text[:20]!r} is not a whole number")
    volume = int(text)
    if volume < 0:
        return Rejection("negative_volume", f"volume {volume} is negative")
    if volume > _MAX_VOLUME:
        return Rejection("bad_volume", f"volume {volume} is over {_MAX_VOLUME:,}")
    try:
        amount = parse_money(values["sum"])
    except ValueError as exc:
        return Rejection("bad_amount", str(exc))
    if amount < 0:
        return Rejection("negative_volume", f"sum {amount} is negative")
    if amount >= _MAX_SUM:
        return Rejection("bad_amount", f"sum {amount} is 10^12 or more")
    return volume, amount


def _place(values: Mapping[str, str]) -> tuple[str, str] | Rejection:
    care_type = values["care_type"].strip().lower()
    region = values["region"].strip().upper()
    if care_type not in CARE_TYPE_CODES:
        return Rejection("unknown_care_type", f"care_type {care_type[:40]!r} is not a care type of the catalogue")
    if region not in regions():
        return Rejection("unknown_region", f"region {region[:40]!r} is not a region code (KZ-ALA, ...)")
    return care_type, region


def check_plan_line(values: Mapping[str, str]) -> ProcurementPlanLine | Rejection:
    """One row of a plan file (``PLAN_COLUMNS``)."""
    place = _place(values)
    if isinstance(place, Rejection):
        return place
    amounts = _amounts(values)
    if isinstance(amounts, Rejection):
        return amounts
    unit = values["unit"].strip()
    if not unit or len(unit) > 32:
        return Rejection("bad_unit", "unit must be 1 to 32 characters (cases, bed-days, persons, ...)")
    if amounts[0] == 0 and amounts[1] != 0:
        return Rejection("sum_without_volume", "a sum without a volume")
    return ProcurementPlanLine(care_type=place[0], region=place[1], volume=amounts[0], unit=unit, sum=amounts[1])


def application_checker(
    announcement_id: str, plan: Iterable[tuple[str, str]], signed: Iterable[str] = ()
) -> Callable[[dict[str, str]], Row | Rejection]:
    """The row check of an applications file for ``announcement_id``, whose plan has the lines
    ``plan``; the ids of applications received signed (``signed``) are not overwritten by a file."""
    lines = frozenset(plan)
    kept = frozenset(signed)

    def check(values: dict[str, str]) -> Row | Rejection:
        application_id = values["application_id"].strip()
        if not _ID.fullmatch(application_id):
            return Rejection("bad_application_id", "application_id: letters, digits, '.', '_', '-', at most 64")
        if application_id in kept:
            return Rejection(
                "signed_application", f"application {application_id} was received signed; a file may not change it"
            )
        provider_id = values["provider_id"].strip()
        if not _PROVIDER_ID.fullmatch(provider_id):
            return Rejection("bad_provider_id", "provider_id: letters, digits, '.', '_', '-', at most 32")
        place = _place(values)
        if isinstance(place, Rejection):
            return place
        if place not in lines:
            return Rejection("not_in_plan", f"the plan of {announcement_id} has no line {place[0]} in {place[1]}")
        amounts = _amounts(values)
        if isinstance(amounts, Rejection):
            return amounts
        try:
            submitted = date.fromisoformat(values["submitted"].strip())
        except ValueError:
            return Rejection("bad_date", f"submitted {values['submitted'][:20]!r} is not a YYYY-MM-DD date")
        return (announcement_id, application_id, provider_id, *place, *amounts, submitted)

    return check


# --------------------------------------------------------------------------------------------
# Announce


def _announcement(session: Session, announcement_id: str) -> ProcurementAnnouncement:
    found = session.get(ProcurementAnnouncement, announcement_id.strip())
    if found is None:
        raise NotFound(f"no procurement {announcement_id.strip()!r}", code="unknown_procurement")
    return found


def _require(ann: ProcurementAnnouncement, states: tuple[str, ...], code: str, what: str) -> None:
    if ann.state not in states:
        raise Conflict(f"procurement {ann.announcement_id} is {ann.state}: {what}", code=code)


def read_plan(path: Path) -> list[ProcurementPlanLine]:
    """The plan file's lines; the first bad row is refused with its code and line (nothing is kept)."""
    if not path.is_file():
        raise InvalidInput(f"no such file: {path}", code="no_file")
    try:
        with path.open(encoding="utf-8", newline="") as fh:
            reader = csv.reader(fh)
            header = [h.strip() for h in next(reader, [])]
            check_header(header, PLAN_COLUMNS, path.name)
            lines: list[ProcurementPlanLine] = []
            seen: set[tuple[str, str]] = set()
            for number, fields in enumerate(reader, start=2):
                if not fields or not "".join(fields).strip():
                    continue
                if len(fields) != len(header):
                    raise InvalidInput(f"{path.name} line {number}: {len(fields)} fields", code="bad_row_shape")
                line = check_plan_line(dict(zip(header, fields, strict=True)))
                if isinstance(line, Rejection):
                    raise InvalidInput(f"{path.name} line {number}: {line.message}", code=line.code)
                if (line.care_type, line.region) in seen:
                    raise InvalidInput(
                        f"{path.name} line {number}: {line.care_type} in {line.region} is planned twice",
                        code="duplicate_plan_line",
                    )
                seen.add((line.care_type, line.region))
                lines.append(line)
    except UnicodeDecodeError as exc:
        raise InvalidInput(f"{path.name} is not UTF-8 text: {exc}", code="bad_encoding") from None
    if not lines:
        raise InvalidInput(f"{path.name} plans nothing", code="empty_plan")
    return lines


def announce(
    session: Session,
    announcement_id: str,
    *,
    year: int,
    opens: date,
    closes: date,
    plan: list[ProcurementPlanLine],
    rulebook: str,
) -> dict[str, Any]:
    """Record a procurement and its plan (state ``announced``)."""
    announcement_id = announcement_id.strip()
    if not _ID.fullmatch(announcement_id):
        raise InvalidInput("the id: letters, digits, '.', '_', '-', at most 64", code="bad_announcement_id")
    if closes < opens:
        raise InvalidInput(f"applications close on {closes}, before they open on {opens}", code="bad_window")
    if not 2000 <= year <= 2100:
        raise InvalidInput(f"year {year} out of range", code="bad_year")
    load_rulebook(rulebook)
    if session.get(ProcurementAnnouncement, announcement_id) is not None:
        raise Conflict(f"procurement {announcement_id} is announced already", code="duplicate_announcement")
    session.add(
        ProcurementAnnouncement(
            announcement_id=announcement_id, year=year, opens=opens, closes=closes, rulebook=rulebook, state="announced"
        )
    )
    session.flush()
    for line in plan:
        line.announcement_id = announcement_id
        session.add(line)
    session.flush()
    return summary(session, announcement_id)


def plan_of(session: Session, announcement_id: str) -> list[ProcurementPlanLine]:
    return list(
        session.scalars(
            select(ProcurementPlanLine)
            .where(ProcurementPlanLine.announcement_id == announcement_id)
            .order_by(ProcurementPlanLine.care_type, ProcurementPlanLine.region)
        )
    )


def _plan_dict(line: ProcurementPlanLine) -> dict[str, Any]:
    return {
        "care_type": line.care_type,
        "region": line.region,
        "volume": line.volume,
        "unit": line.unit,
        "sum": f"{line.sum:.2f}",
    }


def summary(session: Session, announcement_id: str) -> dict[str, Any]:
    """The announcement as the public sees it: window, state and plan."""
    ann = _announcement(session, announcement_id)
    return {
        "announcement_id": ann.announcement_id,
        "year": ann.year,
        "opens": ann.opens.isoformat(),
        "closes": ann.closes.isoformat(),
        "rulebook": ann.rulebook,
        "state": ann.state,
        "published": ann.published_at is not None,
        "plan": [_plan_dict(line) for line in plan_of(session, ann.announcement_id)],
    }


def announcements(session: Session) -> list[dict[str, Any]]:
    ids = session.scalars(
        select(ProcurementAnnouncement.announcement_id).order_by(ProcurementAnnouncement.opens.desc())
    )
    return [summary(session, i) for i in ids]


# --------------------------------------------------------------------------------------------
# Applications


def apply_file(engine: Engine, announcement_id: str, path: Path, *, rejects_file: Path | None = None) -> ImportResult:
    """Import an applications file for a procurement still taking them (state ``announced``):
    ``core.bulkload``'s guarantees; bad rows kept with their codes. An application submitted outside
    the window is kept and rejected ``late_application`` (or ``application_before_opening``) by
    ``admit``: the law decides it, with its sentence, like every other ground."""
    with Session(engine) as session:
        ann = _announcement(session, announcement_id)
        _require(ann, ("announced",), "applications_closed", "applications are no longer taken")
        plan = [(line.care_type, line.region) for line in plan_of(session, ann.announcement_id)]
        signed = session.scalars(
            select(ProcurementApplication.application_id).where(
                ProcurementApplication.announcement_id == ann.announcement_id, ProcurementApplication.channel == "api"
            )
        ).all()
        announcement_id = ann.announcement_id
    path = Path(path)
    if not path.is_file():
        raise InvalidInput(f"no such file: {path}", code="no_file")
    table = ProcurementApplication.__table__
    spec = ImportSpec(
        kind="procurement_applications",
        columns=APPLICATION_COLUMNS,
        check=application_checker(announcement_id, plan, signed),
        table=table,  # type: ignore[arg-type]
        target_columns=("announcement_id", *APPLICATION_COLUMNS),
        key=("announcement_id", "application_id"),
    )
    return run_import(engine, spec, path, rejects_file=rejects_file)


def _application_dict(app: ProcurementApplication) -> dict[str, Any]:
    return {
        "announcement_id": app.announcement_id,
        "application_id": app.application_id,
        "provider_id": app.provider_id,
        "care_type": app.care_type,
        "region": app.region,
        "volume": app.volume,
        "sum": f"{app.sum:.2f}",
        "submitted": app.submitted.isoformat(),
        "channel": app.channel,
        "signed_by": app.signed_by,
        "corrections": app.corrections,
        "false_information": app.false_information_reason if app.false_information else None,
    }


def apply_signed(
    session: Session,
    principal: Principal,
    announcement_id: str,
    application: Mapping[str, Any],
    signature: str,
    *,
    at: datetime,
    channel: str,
) -> dict[str, Any]:
    """Record one application signed by the applicant (docs/providers.md, "Signed applications").

    The login must act for the application's provider (``procurement:apply``); the application
    names this procurement and the fields of an applications file (``volume`` a whole number,
    ``sum`` text with two decimals); the provider is in the register; the signature is checked
    against ``OSMS_TRUST_STORE`` for the provider's BIN at ``at`` (the moment received). The day of
    submission is the day received in the fund's time zone. The canonical bytes, the signature and
    the signer are kept with the application and the signer goes to the audit log."""
    provider_id = str(application.get("provider_id", "")).strip()
    authz.authorize(session, principal, PROCUREMENT_APPLY, provider_id, channel=channel)
    ann = _announcement(session, announcement_id)
    if application.get("announcement_id") != ann.announcement_id:
        raise InvalidInput(
            f"the application must name this procurement ({ann.announcement_id}) in announcement_id: the signature "
            "binds it to one procurement",
            code="announcement_mismatch",
        )
    submitted = fund_today(at)
    values = {c: str(application.get(c, "")) for c in APPLICATION_COLUMNS} | {"submitted": submitted.isoformat()}
    plan = [(line.care_type, line.region) for line in plan_of(session, ann.announcement_id)]
    row = application_checker(ann.announcement_id, plan)(values)
    if isinstance(row, Rejection):
        raise InvalidInput(row.message, code=row.code)
    provider = service.get_provider(session, provider_id)
    signed_by = esign.verify_signed_json(application, signature, expected_bin=provider.bin, at=at)
    _require(ann, ("announced",), "applications_closed", "applications are no longer taken")
    if session.get(ProcurementApplication, (ann.announcement_id, row[1])) is not None:
        raise Conflict(f"application {row[1]} was received already", code="duplicate_application")
    stored = ProcurementApplication(
        **dict(zip(("announcement_id", *APPLICATION_COLUMNS), row, strict=True)),
        channel="api",
        signed_content=esign.canonical_json(application).decode("utf-8"),
        signature=esign.signature_bytes(signature),
        signed_by=signed_by.audit_detail(),
        false_information=False,
        corrections=0,
    )
    session.add(stored)
    session.flush()
    audit.record(
        session,
        principal,
        channel=channel,
        action="procurement.apply",
        resource=f"procurement/{ann.announcement_id}/applications/{stored.application_id}",
        detail=signed_by.audit_detail(),
    )
    return _application_dict(stored)


# --------------------------------------------------------------------------------------------
# Stage 1: the facts from the database, the decisions


def _applications(session: Session, announcement_id: str) -> list[ProcurementApplication]:
    return list(
        session.scalars(
            select(ProcurementApplication)
            .where(ProcurementApplication.announcement_id == announcement_id)
            .order_by(ProcurementApplication.application_id)
        )
    )


def _application(session: Session, announcement_id: str, application_id: str) -> ProcurementApplication:
    found = session.get(ProcurementApplication, (announcement_id, application_id.strip()))
    if found is None:
        raise NotFound(f"no application {application_id.strip()!r} in {announcement_id}", code="unknown_application")
    return found


def fund_employees_on(session: Session, on: date) -> frozenset[str]:
    """IINs of the fund's employees on the day ``on``."""
    q = queries.fund_employees().subquery()
    rows = session.execute(
        select(q.c.iin).where(q.c.valid_from <= on, or_(q.c.valid_to.is_(None), q.c.valid_to >= on))
    ).scalars()
    return frozenset(rows)


def close_relatives(session: Session, iins: frozenset[str]) -> frozenset[str]:
    """The close relatives and spouses of ``iins`` through the person registry's family links:
    parents, children, siblings (sharing a parent) and spouses. The registry also records
    guardians; a guardian is not a close relative and is not counted."""
    if not iins:
        return frozenset()
    links = registry_queries.family_links().subquery()
    wanted = sorted(iins)
    rows = session.execute(
        select(links.c.iin, links.c.relative_iin, links.c.relation).where(
            or_(links.c.iin.in_(wanted), links.c.relative_iin.in_(wanted)),
            links.c.relation.in_(("parent", "spouse")),
        )
    ).all()
    found: set[str] = set()
    parents: set[str] = set()
    for iin, relative, relation in rows:
        if iin in iins:  # relative is iin's parent or spouse
            found.add(relative)
            if relation == "parent":
                parents.add(relative)
        if relative in iins:  # iin is relative's child or spouse
            found.add(iin)
    if parents:
        siblings = session.execute(
            select(links.c.iin).where(links.c.relative_iin.in_(sorted(parents)), links.c.relation == "parent")
        ).scalars()
        found.update(siblings)
    return frozenset(found - iins)


def capacity_for(resources: Mapping[str, int], care_type: str) -> int | None:
    """The capacity of a provider for a care type from its resources: ``capacity:<care_type>`` when
    the register gives it, for ``phc`` the ``phc_capacity``; None (not limited) otherwise."""
    explicit = resources.get(f"capacity:{care_type}")
    if explicit is not None:
        return explicit
    return resources.get("phc_capacity") if care_type == "phc" else None


@dataclass(frozen=True, slots=True)
class _Staff:
    employees: frozenset[str]
    relatives: frozenset[str]


def _only_phc(session: Session, provider: service.ProviderRecord) -> bool:
    q = queries.providers().subquery()
    count = session.scalar(
        select(func.count())
        .select_from(q)
        .where(
            q.c.kind == "phc",
            q.c.status == "active",
            q.c.region == provider.region,
            q.c.settlement == provider.settlement,
        )
    )
    return provider.kind == "phc" and (count or 0) <= 1


def facts_of(
    session: Session, ann: ProcurementAnnouncement, app: ProcurementApplication, staff: _Staff
) -> admission.AdmissionFacts:
    """Everything stage 1 reads about one application, from the register and the registry."""
    application = admission.Application(
        app.application_id, app.provider_id, app.care_type, app.region, app.volume, app.sum, app.submitted
    )
    announcement = admission.Announcement(ann.announcement_id, ann.opens, ann.closes, ann.opens)
    record = service.find_provider(session, app.provider_id)
    if record is None:
        return admission.AdmissionFacts(application, announcement, None, false_information=app.false_information)
    resources = {r.resource: r.quantity for r in service.resources_of(session, record.provider_id)}
    provider = admission.ProviderFacts(
        provider_id=record.provider_id,
        status=record.status,
        tax_arrears=record.tax_arrears,
        accredited_until=record.accredited_until,
        own_is=record.own_is,
        kind=record.kind,
        licences=tuple(
            admission.Licence(x.care_type, x.licensed_from, x.licensed_to, x.experience_from)
            for x in service.licences_of(session, record.provider_id)
        ),
        resources=resources,
    )
    return admission.AdmissionFacts(
        application=application,
        announcement=announcement,
        provider=provider,
        founders=tuple(
            admission.Founder(f.iin, f.decision_rights) for f in service.founders_of(session, record.provider_id)
        ),
        fund_employees=staff.employees,
        fund_employee_relatives=staff.relatives,
        terminations=tuple(
            admission.Termination(c.contract_id, c.terminated_on, c.termination)
            for c in service.contracts_of(session, record.provider_id)
            if c.terminated_on is not None and c.termination is not None
        ),
        false_information=app.false_information,
        phc_population=resources.get("phc_capacity"),
        only_phc_in_settlement=_only_phc(session, record),
        capacity=capacity_for(resources, app.care_type),
    )


def _staff(session: Session, on: date) -> _Staff:
    employees = fund_employees_on(session, on)
    return _Staff(employees, close_relatives(session, employees))


def _store_decision(session: Session, decision: admission.Decision, announcement_id: str, on: date) -> dict[str, Any]:
    answer = decision.as_dict()
    row = session.get(ProcurementDecision, (announcement_id, decision.application_id))
    if row is None:
        row = ProcurementDecision(announcement_id=announcement_id, application_id=decision.application_id)
        session.add(row)
    row.decision = decision.decision
    row.preferred = bool(decision.preference)
    row.decided_on = on
    row.answer = json.dumps(answer, ensure_ascii=False, sort_keys=True)
    return answer


def admit(session: Session, announcement_id: str, on: date) -> list[dict[str, Any]]:
    """Decide every application of the procurement on the day ``on`` and store the decisions
    (state ``admitted``). Run again before any correction, it decides again from the same facts
    (the same answers); refused once an application was corrected (``admission_corrected``) or the
    volumes were placed (``already_distributed``)."""
    ann = _announcement(session, announcement_id)
    _require(ann, ("announced", "admitted"), "already_distributed", "stage 1 is closed")
    apps = _applications(session, ann.announcement_id)
    if any(a.corrections for a in apps):
        raise Conflict(
            f"procurement {ann.announcement_id}: an application was corrected; its decision stands",
            code="admission_corrected",
        )
    book = load_rulebook(ann.rulebook)
    staff = _staff(session, on)
    answers = [
        _store_decision(session, admission.decide(facts_of(session, ann, a, staff), book, on), ann.announcement_id, on)
        for a in apps
    ]
    ann.state, ann.admitted_on = "admitted", on
    session.flush()
    return answers


def decisions(session: Session, announcement_id: str) -> list[dict[str, Any]]:
    """The stored stage-1 decisions, by application id."""
    rows = session.scalars(
        select(ProcurementDecision)
        .where(ProcurementDecision.announcement_id == announcement_id)
        .order_by(ProcurementDecision.application_id)
    )
    return [json.loads(r.answer) for r in rows]


def correct(
    session: Session,
    announcement_id: str,
    application_id: str,
    *,
    on: date,
    volume: int | None = None,
    amount: Decimal | None = None,
) -> dict[str, Any]:
    """Correct a rejected application on the day ``on`` (its volume or sum, or the register's facts
    corrected meanwhile) and decide it again on that day. Allowed once, within the rulebook's
    working days after the rejection (``admission.correction``); refused with the verdict's code
    (``second_correction``, ``correction_window_closed``, ``not_rejected``, ...)."""
    ann = _announcement(session, announcement_id)
    _require(
        ann,
        ("admitted",),
        "not_admitted_yet" if ann.state == "announced" else "already_distributed",
        "corrections are taken after stage 1 and before stage 2",
    )
    app = _application(session, ann.announcement_id, application_id)
    stored = session.get(ProcurementDecision, (ann.announcement_id, app.application_id))
    if stored is None:
        raise Conflict(f"application {app.application_id} has no decision yet", code="not_admitted_yet")
    book = load_rulebook(ann.rulebook)
    verdict = admission.correction(stored.decision, stored.decided_on, on, app.corrections, book)
    if not verdict.allowed:
        raise Conflict(verdict.reason.message()["en"], code=verdict.reason.code)
    if volume is not None or amount is not None:
        values = {
            "volume": str(app.volume if volume is None else volume),
            "sum": f"{app.sum if amount is None else amount}",
        }
        checked = _amounts(values)
        if isinstance(checked, Rejection):
            raise InvalidInput(checked.message, code=checked.code)
        app.volume, app.sum = checked
    app.corrections += 1
    session.flush()
    decision = admission.decide(facts_of(session, ann, app, _staff(session, on)), book, on)
    answer = _store_decision(session, decision, ann.announcement_id, on)
    session.flush()
    return answer | {"correction": verdict.as_dict()}


# --------------------------------------------------------------------------------------------
# The commission


def set_members(session: Session, announcement_id: str, members: list[tuple[str, str, str]]) -> dict[str, Any]:
    """Record the commission: ``(name, role, declared relatives)``, role ``chair`` (exactly one) or
    ``member``; the membership must satisfy the rulebook (odd). Refused once a vote is cast
    (``votes_cast``)."""
    ann = _announcement(session, announcement_id)
    if session.scalar(select(func.count()).where(ProcurementVote.announcement_id == ann.announcement_id)):
        raise Conflict("the commission has voted: its membership is fixed", code="votes_cast")
    names = [m[0].strip() for m in members]
    if any(not n or len(n) > 200 for n in names) or len(set(names)) != len(names):
        raise InvalidInput("each member needs a distinct name of 1 to 200 characters", code="bad_member")
    if any(m[1] not in ("chair", "member") for m in members):
        raise InvalidInput("a member's role is chair or member", code="bad_member_role")
    if sum(m[1] == "chair" for m in members) != 1:
        raise InvalidInput("the commission has exactly one chair", code="one_chair")
    rule = load_rulebook(ann.rulebook).topic(ProvidersTopic).commission(_day_of(ann))
    if not rule.membership_ok(len(members)):
        raise InvalidInput(
            f"a commission of {len(members)} cannot sit: the membership must be odd ({rule.id})", code="even_membership"
        )
    session.execute(delete(ProcurementMember).where(ProcurementMember.announcement_id == ann.announcement_id))
    for name, role, relatives in members:
        session.add(
            ProcurementMember(
                announcement_id=ann.announcement_id, name=name.strip(), role=role, relatives=relatives.strip()
            )
        )
    session.flush()
    return protocol(session, ann.announcement_id)


def _day_of(ann: ProcurementAnnouncement) -> date:
    return ann.admitted_on or ann.opens


def vote(session: Session, announcement_id: str, application_id: str, member: str, ballot: str) -> dict[str, Any]:
    """A member's vote (``for`` or ``against``) on the stage-1 decision of an application (a second
    vote of the same member replaces the first)."""
    ann = _announcement(session, announcement_id)
    if ballot not in ("for", "against"):
        raise InvalidInput("a vote is for or against", code="bad_vote")
    if session.get(ProcurementMember, (ann.announcement_id, member.strip())) is None:
        raise NotFound(f"{member.strip()!r} is not a member of the commission", code="unknown_member")
    app = _application(session, ann.announcement_id, application_id)
    if session.get(ProcurementDecision, (ann.announcement_id, app.application_id)) is None:
        raise Conflict(f"application {app.application_id} has no decision to vote on", code="not_admitted_yet")
    found = session.get(ProcurementVote, (ann.announcement_id, app.application_id, member.strip()))
    if found is None:
        session.add(
            ProcurementVote(
                announcement_id=ann.announcement_id,
                application_id=app.application_id,
                member=member.strip(),
                vote=ballot,
            )
        )
    else:
        found.vote = ballot
    session.flush()
    return protocol(session, ann.announcement_id)


def find_false_information(session: Session, announcement_id: str, application_id: str, reason: str) -> dict[str, Any]:
    """The commission finds false information in an application, with its reason: stage 1 rejects it
    ``false_information`` (decided again at once on the day of the decision when stage 1 has run)."""
    ann = _announcement(session, announcement_id)
    _require(ann, ("announced", "admitted"), "already_distributed", "stage 1 is closed")
    if not reason.strip():
        raise InvalidInput("the commission's finding needs its reason", code="reason_required")
    app = _application(session, ann.announcement_id, application_id)
    app.false_information, app.false_information_reason = True, reason.strip()
    session.flush()
    stored = session.get(ProcurementDecision, (ann.announcement_id, app.application_id))
    if stored is None:
        return _application_dict(app)
    book = load_rulebook(ann.rulebook)
    decision = admission.decide(
        facts_of(session, ann, app, _staff(session, stored.decided_on)), book, stored.decided_on
    )
    answer = _store_decision(session, decision, ann.announcement_id, stored.decided_on)
    session.flush()
    return answer


def protocol(session: Session, announcement_id: str) -> dict[str, Any]:
    """The commission's protocol: members, quorum, and every decision with its reasons and votes."""
    ann = _announcement(session, announcement_id)
    rule = load_rulebook(ann.rulebook).topic(ProvidersTopic).commission(_day_of(ann))
    members = list(
        session.scalars(
            select(ProcurementMember)
            .where(ProcurementMember.announcement_id == ann.announcement_id)
            .order_by(ProcurementMember.role, ProcurementMember.name)
        )
    )
    chair = next((m.name for m in members if m.role == "chair"), None)
    votes = list(session.scalars(select(ProcurementVote).where(ProcurementVote.announcement_id == ann.announcement_id)))
    present = len({v.member for v in votes})
    apps = {a.application_id: a for a in _applications(session, ann.announcement_id)}
    items = []
    for answer in decisions(session, ann.announcement_id):
        mine = {v.member: v.vote for v in votes if v.application_id == answer["application_id"]}
        votes_for = sum(v == "for" for v in mine.values())
        votes_against = len(mine) - votes_for
        chair_for = None if chair not in mine else mine[chair] == "for"
        app = apps[answer["application_id"]]
        items.append(
            {
                **{
                    k: answer[k]
                    for k in ("application_id", "provider_id", "care_type", "decision", "reasons", "preference")
                },
                "false_information": app.false_information_reason if app.false_information else None,
                "corrections": app.corrections,
                "votes": dict(sorted(mine.items())),
                "votes_for": votes_for,
                "votes_against": votes_against,
                "carried": bool(mine) and rule.carried(votes_for, votes_against, chair_for),
            }
        )
    return {
        "announcement_id": ann.announcement_id,
        "state": ann.state,
        "decided_on": None if ann.admitted_on is None else ann.admitted_on.isoformat(),
        "members": [{"name": m.name, "role": m.role, "relatives": m.relatives} for m in members],
        "membership_ok": rule.membership_ok(len(members)),
        "present": present,
        "quorum": bool(members) and rule.quorum_met(len(members), present),
        "rule": rule.id,
        "decisions": items,
    }


# --------------------------------------------------------------------------------------------
# Stage 2


def _inputs(
    session: Session, ann: ProcurementAnnouncement
) -> tuple[list[distribution.PlanLine], list[distribution.Candidate]]:
    plan = [
        distribution.PlanLine(x.care_type, x.region, x.volume, x.sum) for x in plan_of(session, ann.announcement_id)
    ]
    admitted = {
        d.application_id: d.preferred
        for d in session.scalars(
            select(ProcurementDecision).where(
                ProcurementDecision.announcement_id == ann.announcement_id, ProcurementDecision.decision == "admitted"
            )
        )
    }
    candidates = []
    for app in _applications(session, ann.announcement_id):
        if app.application_id not in admitted:
            continue
        resources = {r.resource: r.quantity for r in service.resources_of(session, app.provider_id)}
        candidates.append(
            distribution.Candidate(
                app.provider_id,
                app.care_type,
                app.region,
                app.volume,
                capacity_for(resources, app.care_type),
                admitted[app.application_id],
            )
        )
    return plan, candidates


def _adjustments(session: Session, announcement_id: str) -> list[ProcurementAdjustment]:
    return list(
        session.scalars(
            select(ProcurementAdjustment)
            .where(ProcurementAdjustment.announcement_id == announcement_id)
            .order_by(ProcurementAdjustment.seq)
        )
    )


def _result(
    session: Session, ann: ProcurementAnnouncement, extra: list[ProcurementAdjustment]
) -> distribution.Distribution:
    """The distribution: the method on the stored inputs, then every hand change in its order."""
    plan, candidates = _inputs(session, ann)
    result = distribution.distribute(plan, candidates)
    for change in [*_adjustments(session, ann.announcement_id), *extra]:
        result = distribution.adjust(
            result,
            plan,
            candidates,
            [distribution.Adjustment(change.care_type, change.region, change.provider_id, change.volume)],
            change.justification,
        )
    return result


def _store_placements(session: Session, ann: ProcurementAnnouncement, result: distribution.Distribution) -> None:
    session.execute(delete(ProcurementPlacement).where(ProcurementPlacement.announcement_id == ann.announcement_id))
    for p in result.placements:
        session.add(
            ProcurementPlacement(
                announcement_id=ann.announcement_id,
                care_type=p.care_type,
                region=p.region,
                provider_id=p.provider_id,
                volume=p.volume,
                sum=p.sum,
                preferred=p.preferred,
            )
        )
    ann.state = "distributed"
    session.flush()


def distribute(session: Session, announcement_id: str) -> distribution.Distribution:
    """Place the plan among the admitted applicants (with the commission's hand changes so far)
    and store the placements (state ``distributed``). Refused before stage 1 (``not_admitted_yet``)
    and after publication (``already_published``); run again, it gives the same placements."""
    ann = _announcement(session, announcement_id)
    if ann.state == "announced":
        raise Conflict(f"procurement {ann.announcement_id}: stage 1 has not decided yet", code="not_admitted_yet")
    _require(ann, ("admitted", "distributed"), "already_published", "the results are published")
    result = _result(session, ann, [])
    _store_placements(session, ann, result)
    return result


def adjust(
    session: Session, announcement_id: str, changes: list[distribution.Adjustment], justification: str
) -> distribution.Distribution:
    """The commission's hand changes of volume (``distribution.adjust``), recorded with their
    justification, the placements stored again. Refused before stage 2 (``not_distributed_yet``),
    after publication, or by the engine's rules (nothing changed)."""
    ann = _announcement(session, announcement_id)
    if ann.state in ("announced", "admitted"):
        raise Conflict(f"procurement {ann.announcement_id}: nothing is placed yet", code="not_distributed_yet")
    _require(ann, ("distributed",), "already_published", "the results are published")
    if not changes:
        raise InvalidInput("no change given", code="no_change")
    targets = [(c.care_type, c.region, c.provider_id) for c in changes]
    if len(set(targets)) != len(targets):
        raise distribution.AdjustmentRefused("one applicant's volume is changed twice", code="duplicate_change")
    seq = len(_adjustments(session, ann.announcement_id))
    rows = [
        ProcurementAdjustment(
            announcement_id=ann.announcement_id,
            seq=seq + i + 1,
            care_type=c.care_type,
            region=c.region,
            provider_id=c.provider_id,
            volume=c.volume,
            justification=justification.strip(),
        )
        for i, c in enumerate(changes)
    ]
    result = _result(session, ann, rows)
    session.add_all(rows)
    _store_placements(session, ann, result)
    return result


def placements(session: Session, announcement_id: str) -> list[dict[str, Any]]:
    rows = session.scalars(
        select(ProcurementPlacement)
        .where(ProcurementPlacement.announcement_id == announcement_id)
        .order_by(ProcurementPlacement.care_type, ProcurementPlacement.region, ProcurementPlacement.provider_id)
    )
    return [
        distribution.Placement(r.care_type, r.region, r.provider_id, r.volume, r.sum, r.preferred).as_dict()
        for r in rows
    ]


@dataclass(frozen=True, slots=True)
class Placed:
    """A stored placement of stage 2, as a contract is made from it (``contracts.PlacementLike``)."""

    procurement_id: str
    care_type: str
    region: str
    provider_id: str
    volume: int
    sum: Decimal


def placed(session: Session, announcement_id: str) -> tuple[str, list[Placed]]:
    """The rulebook and the stored placements of a distributed or published procurement, from which
    its contracts are made; refused (``not_distributed_yet``) before stage 2."""
    ann = _announcement(session, announcement_id)
    _require(ann, ("distributed", "published"), "not_distributed_yet", "its volumes are not placed yet")
    rows = session.scalars(
        select(ProcurementPlacement)
        .where(ProcurementPlacement.announcement_id == ann.announcement_id)
        .order_by(ProcurementPlacement.provider_id, ProcurementPlacement.care_type, ProcurementPlacement.region)
    )
    return ann.rulebook, [
        Placed(ann.announcement_id, r.care_type, r.region, r.provider_id, r.volume, r.sum) for r in rows
    ]


def publish(session: Session, announcement_id: str, at: datetime) -> dict[str, Any]:
    """Make the results public (state ``published``); refused before stage 2 (``not_distributed_yet``)."""
    ann = _announcement(session, announcement_id)
    if ann.state == "published":
        raise Conflict(f"procurement {ann.announcement_id} is published already", code="already_published")
    _require(ann, ("distributed",), "not_distributed_yet", "nothing is placed yet")
    ann.state, ann.published_at = "published", at
    session.flush()
    return view(session, ann.announcement_id, full=False)


# --------------------------------------------------------------------------------------------
# What is shown


def view(session: Session, announcement_id: str, *, full: bool) -> dict[str, Any]:
    """The procurement: its announcement and plan; the placements once published (or, ``full``, for
    operators and auditors, whenever placed), and ``full`` the applications and their decisions."""
    answer = summary(session, announcement_id)
    answer["results"] = placements(session, announcement_id) if full or answer["published"] else None
    if full:
        answer["applications"] = applications_of(session, announcement_id)
    return answer


def applications_of(session: Session, announcement_id: str, provider_id: str | None = None) -> list[dict[str, Any]]:
    """The applications with their decisions (null before stage 1), of one provider or all."""
    ann = _announcement(session, announcement_id)
    found = {d["application_id"]: d for d in decisions(session, ann.announcement_id)}
    return [
        _application_dict(a) | {"decision": found.get(a.application_id)}
        for a in _applications(session, ann.announcement_id)
        if provider_id is None or a.provider_id == provider_id
    ]


def read_applications(
    session: Session, principal: Principal, announcement_id: str, *, channel: str
) -> list[dict[str, Any]]:
    """The applications for a login: operators and auditors all, a provider's login its own."""
    authz.authorize_role(
        session, principal, PROCUREMENT_REVIEW, channel=channel, resource=f"procurement/{announcement_id}/applications"
    )
    only = None if principal.role in authz.anyone(PROCUREMENT_REVIEW) else principal.provider_id or ""
    return applications_of(session, announcement_id, only)


def may_review(session: Session, principal: Principal | None) -> bool:
    """Operators and auditors see a procurement whole."""
    return principal is not None and principal.role in authz.anyone(PROCUREMENT_REVIEW)
