"""What the citizen sees: every service a provider billed the fund for in a person's name
(docs/claims.md, "What the citizen sees"), and the complaint "I did not receive this".

``services_of`` reads one person's records (the person, a parent of a child under the minor age, a
guardian of a ward; the fund's operators and auditors: ``claims.access.SERVICES_READ``) with the
provider's name, the dates, the form and type of care, the service or clinical cost group by name in
the reader's language and the diagnosis; every read is audited with the person as the subject.
``family_services`` is the personal cabinet's list: the login's own services and those of everyone
it acts for. ``complain`` files the complaint through the monitoring use case
(``osms.claims.monitoring.file_complaint``: an unplanned monitoring case on that record).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from osms.benefits.catalogue import CARE_TYPES
from osms.claims import monitoring
from osms.claims.access import COMPLAINT_FILE, SERVICES_READ
from osms.claims.models import MonitoringCase, ServiceRecord
from osms.claims.rulebook import ClaimsTopic
from osms.core import audit
from osms.core.authz import authorize
from osms.core.clock import fund_today
from osms.core.config import get_settings
from osms.core.errors import InvalidInput, NotFound
from osms.core.i18n import label
from osms.core.identity import check_iin
from osms.core.security import Principal
from osms.providers import queries as provider_queries
from osms.registry.service import cared_for, get_person_row, minor_age_on
from osms.rulebooks.loader import RulebookError, load_rulebook

#: The most records one answer lists (newest first); the rest are counted in ``total``.
MAX_SERVICES = 500
#: A complaint's note: at most this many characters.
MAX_NOTE = 1000


@dataclass(frozen=True, slots=True)
class ServiceLine:
    """One service record as the person it was billed for sees it."""

    record_ref: int
    record_id: str
    iin: str
    provider_id: str
    provider_name: str | None
    date_from: date
    date_to: date
    care_form: str
    care_form_name: str
    care_type: str
    care_type_name: str
    service_code: str | None
    case_group: str | None
    service_name: str | None
    icd10: str
    procedures: tuple[str, ...]
    outcome: str
    outcome_name: str
    quantity: int
    complaint: dict[str, Any] | None  # the case a complaint about this record opened, if any
    at_home: bool = False  # given at the patient's home (PAY п.67)
    remote: bool = False  # given remotely (PAY п.68)
    preventive_child: bool = False  # a specialist's consultation in a child's preventive examination (PAY п.66)

    def as_dict(self) -> dict[str, Any]:
        return {
            "record_ref": self.record_ref,
            "record_id": self.record_id,
            "iin": self.iin,
            "provider": {"provider_id": self.provider_id, "name": self.provider_name},
            "date_from": self.date_from.isoformat(),
            "date_to": self.date_to.isoformat(),
            "care_form": {"code": self.care_form, "name": self.care_form_name},
            "care_type": {"code": self.care_type, "name": self.care_type_name},
            "service_code": self.service_code,
            "case_group": self.case_group,
            "service_name": self.service_name,
            "icd10": self.icd10,
            "procedures": list(self.procedures),
            "outcome": {"code": self.outcome, "name": self.outcome_name},
            "quantity": self.quantity,
            "complaint": self.complaint,
            "at_home": self.at_home,
            "remote": self.remote,
            "preventive_child": self.preventive_child,
        }


@dataclass(frozen=True, slots=True)
class PersonServices:
    """The services billed in one person's name, newest first (at most ``MAX_SERVICES``)."""

    iin: str
    name: str | None
    relation: str  # "self" for the login's own, "represented" for a child or ward, "other" for staff
    total: int
    services: tuple[ServiceLine, ...]

    def as_dict(self) -> dict[str, Any]:
        return {
            "iin": self.iin,
            "name": self.name,
            "total": self.total,
            "services": [s.as_dict() for s in self.services],
        }


def _checked(raw: str) -> str:
    check = check_iin(raw)
    if not check.valid:
        raise InvalidInput(
            "; ".join(e.message for e in check.errors), code="bad_iin:" + ",".join(e.code for e in check.errors)
        )
    return check.number


def _catalogue_names(topic: ClaimsTopic | None, code: str | None, group: bool, on: date, lang: str) -> str | None:
    if topic is None or not code:
        return None
    entry = (topic.case_groups(on) if group else topic.services(on)).get(code)
    return entry.title(lang) if entry is not None else None


def _topic() -> ClaimsTopic | None:
    try:
        return load_rulebook(get_settings().rulebook).topic(ClaimsTopic)
    except (RulebookError, LookupError):
        return None


def _lines(session: Session, iin: str, lang: str) -> tuple[int, list[ServiceLine]]:
    records = session.scalars(
        select(ServiceRecord)
        .where(ServiceRecord.iin == iin)
        .order_by(ServiceRecord.date_from.desc(), ServiceRecord.id.desc())
        .limit(MAX_SERVICES + 1)
    ).all()
    total = len(records)
    records = records[:MAX_SERVICES]
    if total > MAX_SERVICES:
        total = session.scalar(select(func.count()).select_from(ServiceRecord).where(ServiceRecord.iin == iin)) or 0
    refs = [r.id for r in records]
    names: dict[str, str] = {}
    provider_ids = sorted({r.provider_id for r in records})
    if provider_ids:
        register = provider_queries.providers().subquery()
        names = dict(
            session.execute(
                select(register.c.provider_id, register.c.name).where(register.c.provider_id.in_(provider_ids))
            ).all()
        )
    complaints: dict[int, dict[str, Any]] = {}
    if refs:
        for case in session.scalars(
            select(MonitoringCase)
            .where(MonitoringCase.record_ref.in_(refs), MonitoringCase.complainant_iin.is_not(None))
            .order_by(MonitoringCase.id)
        ):
            assert case.record_ref is not None
            complaints.setdefault(
                case.record_ref,
                {
                    "case_id": case.id,
                    "opened_on": case.opened_on.isoformat(),
                    "status": case.status,
                    "outcome": case.outcome,
                },
            )
    topic = _topic() if records else None
    lines = []
    for r in records:
        kind = CARE_TYPES.get(r.care_type)
        group = r.case_group is not None and r.case_group != ""
        lines.append(
            ServiceLine(
                record_ref=r.id,
                record_id=r.record_id,
                iin=r.iin,
                provider_id=r.provider_id,
                provider_name=names.get(r.provider_id),
                date_from=r.date_from,
                date_to=r.date_to,
                care_form=r.care_form,
                care_form_name=label(lang, "care_form", r.care_form),
                care_type=r.care_type,
                care_type_name=kind.names()[lang] if kind is not None else r.care_type,
                service_code=r.service_code or None,
                case_group=r.case_group or None,
                service_name=_catalogue_names(
                    topic, r.case_group if group else r.service_code, group, r.date_from, lang
                ),
                icd10=r.icd10,
                procedures=tuple(p for p in (r.procedures or "").split(";") if p),
                outcome=r.outcome,
                outcome_name=label(lang, "service_outcome", r.outcome),
                quantity=r.quantity,
                complaint=complaints.get(r.id),
                at_home=bool(r.at_home),
                remote=bool(r.remote),
                preventive_child=bool(r.preventive_child),
            )
        )
    return total, lines


def _name(iin: str, session: Session) -> str | None:
    person = get_person_row(session, iin)
    if person is None:
        return None
    return " ".join(p for p in (person.last_name, person.first_name, person.middle_name) if p)


def services_of(
    session: Session,
    principal: Principal,
    iin: str,
    *,
    channel: str,
    resource: str,
    lang: str = "en",
    today: date | None = None,
) -> PersonServices:
    """Every service record billed in ``iin``'s name, newest first, as ``principal`` may see them
    (``SERVICES_READ``: a refusal is logged and raised); the read is audited (``services.read``,
    subject the person, the number of records in the detail)."""
    number = _checked(iin)
    day = today or fund_today()
    authorize(session, principal, SERVICES_READ, number, channel=channel, resource=resource, today=day)
    total, lines = _lines(session, number, lang)
    audit.record(
        session,
        principal,
        channel=channel,
        action="services.read",
        resource=resource,
        subject_iin=number,
        detail=f"records={total}",
    )
    relation = "self" if number == principal.iin else "represented" if principal.role == "citizen" else "other"
    return PersonServices(number, _name(number, session), relation, total, tuple(lines))


def family_services(
    session: Session,
    principal: Principal,
    *,
    channel: str,
    resource: str,
    lang: str = "en",
    today: date | None = None,
) -> list[PersonServices]:
    """The personal cabinet's list: the login's own services, then those of each child under the
    minor age and ward it acts for (by IIN), each read authorised and audited as ``services_of``."""
    if principal.iin is None:
        return []
    day = today or fund_today()
    others = sorted(cared_for(session, principal.iin, day, minor_age_on(day)))
    return [
        services_of(session, principal, number, channel=channel, resource=resource, lang=lang, today=day)
        for number in (principal.iin, *others)
    ]


def record_of(session: Session, iin: str, record_ref: int) -> ServiceRecord:
    """The service record ``record_ref`` billed in ``iin``'s name, else NotFound (a record of
    another person is not found either: its existence is not told)."""
    record = session.get(ServiceRecord, record_ref)
    if record is None or record.iin != iin:
        raise NotFound(f"no service record {record_ref} in the name of {iin}", code="unknown_service_record")
    return record


def complain(
    session: Session,
    principal: Principal,
    iin: str,
    record_ref: int,
    note: str | None,
    *,
    channel: str,
    resource: str,
    today: date | None = None,
) -> dict[str, Any]:
    """ "I did not receive this": ``principal`` (the person, their parent or guardian; an operator
    for a caller) says the service ``record_ref`` billed in ``iin``'s name was not given.
    Authorised (``COMPLAINT_FILE``) on the person before the record is looked up, so that a refusal
    tells nothing of the record; the complaint opens an unplanned monitoring case on the record
    (``monitoring.file_complaint``, which also tells the provider), returned as a dict."""
    number = _checked(iin)
    day = today or fund_today()
    authorize(session, principal, COMPLAINT_FILE, number, channel=channel, resource=resource, today=day)
    record_of(session, number, record_ref)
    text = (note or "").strip()[:MAX_NOTE] or None
    case: dict[str, Any] = monitoring.file_complaint(session, principal, record_ref, text, channel=channel, today=day)
    return case
