"""Attachment use cases (docs/attachment.md): the inputs and answers, the facts a decision reads,
who may do what, and who is attached where. Applications are in ``attachment.applications``, the
campaign in ``attachment.campaign``, imports in ``attachment.ingest``, the population of a clinic
in ``attachment.population``.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Final

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from osms.attachment import rules
from osms.attachment.access import ATTACHMENT_READ
from osms.attachment.ingest import parse_service_area
from osms.attachment.models import Attachment, AttachmentApplication, Clinic, ClinicDistrict
from osms.core import audit
from osms.core.authz import authorize
from osms.core.clock import fund_today
from osms.core.config import LANGUAGES, get_settings
from osms.core.errors import InvalidInput, NotFound
from osms.core.i18n import gettext, sentence_days
from osms.core.identity import check_iin
from osms.core.security import Principal
from osms.providers.service import lock_providers
from osms.registry import queries as registry
from osms.rulebooks.horizon import NOT_PROVISIONAL, Horizon, horizon_of
from osms.rulebooks.loader import Rulebook, load_rulebook

_person = registry.persons().subquery("persons")

_link = registry.family_links().subquery("family_links")


# --------------------------------------------------------------------------------------------
# Inputs and answers


def resolve_rulebook(name: str | None) -> Rulebook:
    return load_rulebook(name or get_settings().rulebook)


def checked_iin(raw: str, label: str = "IIN") -> str:
    check = check_iin(raw)
    if not check.valid:
        raise InvalidInput(
            f"{label} {raw.strip()!r}: " + "; ".join(e.message for e in check.errors),
            code="bad_iin:" + ",".join(e.code for e in check.errors),
        )
    return check.number


#: Parameters of the reasons (``rules.MESSAGES``) that hold a clinic's code.
CLINIC_PARAMS: Final = ("clinic", "previous")


def clinic_words(code: str, name: str | None) -> str:
    """A clinic as a sentence names it: ``«Қалалық емхана №1» (AST-1)``; the code alone if unknown."""
    if not name or name == code:
        return code
    return f"{name} ({code})" if "«" in name else f"«{name}» ({code})"


def reason_message(reason: rules.Reason, clinic_names: Mapping[str, str] | None = None) -> dict[str, str]:
    """The sentence of a reason in kk, ru and en: clinics by name (``clinic_names``: code → name),
    dates as a sentence of each language writes them (``1 января 2025 г.``)."""
    msgid = rules.MESSAGES[reason.code]
    params = dict(reason.params)
    for key in CLINIC_PARAMS:
        if key in params:
            params[key] = clinic_words(params[key], (clinic_names or {}).get(params[key]))
    return {lang: gettext(lang, msgid, **sentence_days(lang, params)) for lang in LANGUAGES}


def reasons_json(
    reasons: Iterable[rules.Reason], clinic_names: Mapping[str, str] | None = None
) -> list[dict[str, Any]]:
    return [{"code": r.code, "message": reason_message(r, clinic_names)} for r in reasons]


@dataclass
class Decision:
    """The answer to an application (every channel answers with ``as_dict()``)."""

    iin: str
    clinic: str
    decision: str
    effective_from: date | None
    previous_clinic: str | None
    district: str | None
    reasons: tuple[rules.Reason, ...]
    home_visits: bool | None = None
    until: date | None = None
    kind: str | None = None
    application_id: int | None = None
    rulebook: str = ""
    on: date | None = None
    horizon: Horizon = NOT_PROVISIONAL  # provisional past the rulebook's confirmed horizon
    clinic_names: Mapping[str, str] = field(default_factory=dict)  # for the reasons' sentences

    @property
    def codes(self) -> list[str]:
        return [r.code for r in self.reasons]

    def as_dict(self) -> dict[str, Any]:
        return {
            "decision": self.decision,
            "effective_from": self.effective_from.isoformat() if self.effective_from else None,
            "previous_clinic": self.previous_clinic,
            "district": self.district,
            "reasons": reasons_json(self.reasons, self.clinic_names),
            "iin": self.iin,
            "clinic": self.clinic,
            "on": self.on.isoformat() if self.on else None,
            "home_visits": self.home_visits,
            "until": self.until.isoformat() if self.until else None,
            "kind": self.kind,
            "application_id": self.application_id,
            "rulebook": self.rulebook,
        } | self.horizon.as_dict()


#: The dated attachment parameters a decision rests on (docs/attachment.md).
ATTACHMENT_SERIES: Final = (
    "attachment.campaign",
    "attachment.free_change_limit",
    "attachment.minor_age",
    "attachment.free_choice_requires_insured",
    "attachment.eaeu_contract_term",
)


def decision_horizon(book: Rulebook, on: date) -> Horizon:
    """A decision on a day after the confirmed horizon rests on the attachment parameters carried
    forward: it is provisional and names them."""
    if not book.is_provisional(on):
        return NOT_PROVISIONAL
    return horizon_of(book, on, [e.id for series in ATTACHMENT_SERIES if (e := book.find(series, on)) is not None])


# --------------------------------------------------------------------------------------------
# Reading the facts


def _non_empty() -> Any:
    return or_(Attachment.valid_to.is_(None), Attachment.valid_to >= Attachment.valid_from)


def _on_or_after(on: date) -> Any:
    """Rows attached on ``on`` or later (running or pending), never the empty (superseded) ones."""
    return or_(
        Attachment.valid_to.is_(None), and_(Attachment.valid_to >= on, Attachment.valid_to >= Attachment.valid_from)
    )


def _alive_on(on: date) -> Any:
    """The person (joined) has not died before ``on``: an attachment ends with its person's death,
    so the dead hold no place in a clinic's capacity or a doctor's norm (the registry records deaths)."""
    return or_(_person.c.death_date.is_(None), _person.c.death_date >= on)


def _period(row: Attachment) -> rules.Period:
    return rules.Period(row.id, row.clinic_id, row.district_id, row.valid_from, row.valid_to, row.kind, row.home_visits)


def history_periods(session: Session, iin: str) -> tuple[rules.Period, ...]:
    rows = session.scalars(
        select(Attachment).where(Attachment.iin == iin).order_by(Attachment.valid_from, Attachment.id)
    )
    return tuple(_period(r) for r in rows)


def clinic_facts(session: Session, clinic: Clinic, on: date) -> rules.ClinicFacts:
    """A clinic's capacity, attached counts (running and pending) and districts on ``on``."""
    counts: Counter[str | None] = Counter()
    for district_id, n in session.execute(
        select(Attachment.district_id, func.count())
        .join(_person, _person.c.iin == Attachment.iin)
        .where(Attachment.clinic_id == clinic.clinic_id, _on_or_after(on), _alive_on(on))
        .group_by(Attachment.district_id)
    ):
        counts[district_id] += int(n)
    districts = session.scalars(
        select(ClinicDistrict).where(ClinicDistrict.clinic_id == clinic.clinic_id).order_by(ClinicDistrict.district_id)
    )
    return rules.ClinicFacts(
        clinic.clinic_id,
        clinic.capacity,
        sum(counts.values()),
        frozenset(parse_service_area(clinic.service_area)),
        tuple(rules.DistrictFacts(d.district_id, d.specialty, d.norm, counts[d.district_id]) for d in districts),
    )


def is_family(session: Session, a: str, b: str) -> bool:
    """Is there a family link (any relation, either direction) between ``a`` and ``b``?"""
    return (
        session.scalar(
            select(func.count())
            .select_from(_link)
            .where(
                or_(
                    and_(_link.c.iin == a, _link.c.relative_iin == b),
                    and_(_link.c.iin == b, _link.c.relative_iin == a),
                )
            )
        )
        or 0
    ) > 0


def lock_clinic(session: Session, clinic_id: str) -> Clinic:
    """The clinic, its register entry locked until the end of the transaction (PostgreSQL ``FOR
    UPDATE``, through ``providers.service.lock_providers``)."""
    lock_providers(session, [clinic_id.strip()])
    clinic = session.scalars(select(Clinic).where(Clinic.clinic_id == clinic_id.strip())).one_or_none()
    if clinic is None:
        raise NotFound(f"no clinic {clinic_id.strip()!r} in the clinic register", code="unknown_clinic")
    return clinic


# --------------------------------------------------------------------------------------------
# Who may do what


# --------------------------------------------------------------------------------------------
# Reading attachments


def _row_dict(row: Attachment, clinic_name: str | None) -> dict[str, Any]:
    return {
        "clinic": row.clinic_id,
        "clinic_name": clinic_name,
        "district": row.district_id,
        "since": row.valid_from.isoformat(),
        "until": row.valid_to.isoformat() if row.valid_to else None,
        "home_visits": row.home_visits,
        "kind": row.kind,
    }


def show(session: Session, iin: str, on: date) -> dict[str, Any] | None:
    """The clinic serving ``iin`` on ``on``: ``{"clinic", "clinic_name", "district", "since",
    "until", "home_visits", "kind", "next"}``; ``next`` is a pending change (e.g. a campaign choice
    from 1 January), else None. None when the person is not attached on that day (or has died by
    then: an attachment ends with the person's death, as in the population export)."""
    number = checked_iin(iin)
    died = session.scalar(select(_person.c.death_date).where(_person.c.iin == number))
    if died is not None and died < on:
        return None
    rows = session.execute(
        select(Attachment, Clinic.name)
        .join(Clinic, Clinic.clinic_id == Attachment.clinic_id)
        .where(Attachment.iin == number, _on_or_after(on))
        .order_by(Attachment.valid_from)
    ).all()
    current = next(((r, n) for r, n in rows if r.valid_from <= on), None)
    if current is None:
        return None
    answer = _row_dict(*current)
    later = next(((r, n) for r, n in rows if r.valid_from > on), None)
    answer["next"] = _row_dict(*later) if later else None
    return answer


def history(session: Session, iin: str) -> list[dict[str, Any]]:
    """Every attachment row of a person, oldest first (superseded rows included, marked)."""
    number = checked_iin(iin)
    rows = session.execute(
        select(Attachment, Clinic.name)
        .join(Clinic, Clinic.clinic_id == Attachment.clinic_id)
        .where(Attachment.iin == number)
        .order_by(Attachment.valid_from, Attachment.id)
    ).all()
    return [_row_dict(r, n) | {"end_reason": r.end_reason, "application_id": r.application_id} for r, n in rows]


def read_attachment(
    session: Session, principal: Principal, iin: str, on: date | None = None, *, channel: str, resource: str
) -> dict[str, Any]:
    """The use case behind ``GET /api/v1/persons/{iin}/attachment`` and ``osms attach show``:
    authorize, read, audit. Not attached: every field null."""
    number = checked_iin(iin)
    day = on or fund_today()
    authorize(session, principal, ATTACHMENT_READ, number, channel=channel, on=day)
    found = show(session, number, day)
    audit.record(
        session,
        principal,
        channel=channel,
        action="attachment.read",
        resource=resource,
        subject_iin=number,
        detail=f"on={day.isoformat()} clinic={found['clinic'] if found else None}",
    )
    empty = {"clinic": None, "clinic_name": None, "district": None, "since": None, "until": None, "home_visits": None}
    return {"iin": number, "on": day.isoformat()} | (found or empty | {"kind": None, "next": None})


def clinics_in_region(session: Session, region: str, on: date) -> list[dict[str, Any]]:
    """Clinics of a region with their capacity, attached count (running and pending on ``on``),
    free places, service area and districts with their attached counts."""
    clinics = list(session.scalars(select(Clinic).where(Clinic.region == region.strip()).order_by(Clinic.clinic_id)))
    if not clinics:
        return []
    ids = [c.clinic_id for c in clinics]
    counts: Counter[tuple[str, str | None]] = Counter()
    for clinic_id, district_id, n in session.execute(
        select(Attachment.clinic_id, Attachment.district_id, func.count())
        .join(_person, _person.c.iin == Attachment.iin)
        .where(Attachment.clinic_id.in_(ids), _on_or_after(on), _alive_on(on))
        .group_by(Attachment.clinic_id, Attachment.district_id)
    ):
        counts[(clinic_id, district_id)] += int(n)
    districts: dict[str, list[ClinicDistrict]] = defaultdict(list)
    for d in session.scalars(
        select(ClinicDistrict).where(ClinicDistrict.clinic_id.in_(ids)).order_by(ClinicDistrict.district_id)
    ):
        districts[d.clinic_id].append(d)
    result = []
    for c in clinics:
        attached = sum(n for (cid, _), n in counts.items() if cid == c.clinic_id)
        result.append(
            {
                "clinic_id": c.clinic_id,
                "bin": c.bin,
                "name": c.name,
                "region": c.region,
                "capacity": c.capacity,
                "attached": attached,
                "free": max(c.capacity - attached, 0),
                "service_area": parse_service_area(c.service_area),
                "districts": [
                    {
                        "district_id": d.district_id,
                        "specialty": d.specialty,
                        "doctor": d.doctor,
                        "norm": d.norm,
                        "attached": counts[(c.clinic_id, d.district_id)],
                    }
                    for d in districts[c.clinic_id]
                ],
            }
        )
    return result


def get_clinic(session: Session, clinic_id: str) -> Clinic:
    clinic = session.get(Clinic, clinic_id.strip())
    if clinic is None:
        raise NotFound(f"no clinic {clinic_id.strip()!r} in the clinic register", code="unknown_clinic")
    return clinic


def clinic_applications(session: Session, clinic_id: str, *, limit: int = 200) -> list[dict[str, Any]]:
    """The clinic's most recent applications, newest first, with decisions and reasons."""
    get_clinic(session, clinic_id)
    rows = session.scalars(
        select(AttachmentApplication)
        .where(AttachmentApplication.clinic_id == clinic_id.strip())
        .order_by(AttachmentApplication.id.desc())
        .limit(limit)
    )
    return [
        {
            "application_id": r.id,
            "external_id": r.external_id,
            "iin": r.iin,
            "reason": r.reason,
            "applied_on": r.applied_on.isoformat(),
            "district_id": r.district_id,
            "applicant_iin": r.applicant_iin,
            "decision": r.decision,
            "reason_codes": r.reason_codes.split(",") if r.reason_codes else [],
            "effective_from": r.effective_from.isoformat() if r.effective_from else None,
            "previous_clinic": r.previous_clinic,
            "district": r.decided_district,
            "channel": r.channel,
        }
        for r in rows
    ]
