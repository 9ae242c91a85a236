"""Attachment use cases (docs/attachment.md): clinic and district imports, applications and their
decisions, who is attached where, the campaign at scale, the monthly attached-population export.

Decisions come from the pure :func:`osms.attachment.rules.decide`; this module reads the facts,
writes what the outcome says in the caller's unit of work, and audits who asked.

Concurrency: an application locks its person's row, reads everything about the person (history,
guardians, family, insured status), and only then locks its clinic's row (``SELECT ... FOR
UPDATE`` on PostgreSQL) before counting the clinic's attached persons and writing, so simultaneous
applications to a clinic with one place left accept exactly one, and a burst to one clinic queues
only for the count and the write. Every writer takes its locks in one order (persons by IIN, then
clinics by id), so two writers never wait for each other. SQLite serialises writers, so the locks
are not needed there.
"""

from __future__ import annotations

import csv
import re
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import IO, Any, Final

from sqlalchemy import String, Table, and_, any_, bindparam, func, insert, or_, select, text, update
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from osms.attachment import rules
from osms.attachment.access import ATTACHMENT_APPLY, ATTACHMENT_READ
from osms.attachment.models import Attachment, AttachmentApplication, Clinic, ClinicDistrict
from osms.attachment.rulebook import AgeGroupsRule, AttachmentTopic
from osms.core import audit
from osms.core.authz import authorize
from osms.core.bulkload import ImportFileError, ImportResult, ImportSpec, Reference, run_import
from osms.core.clock import fund_today
from osms.core.config import LANGUAGES, get_settings
from osms.core.errors import InvalidInput, NotFound
from osms.core.i18n import gettext, sentence_days
from osms.core.identity import check_bin, check_iin
from osms.core.periods import Month
from osms.core.rows import Rejection, Row
from osms.core.security import Principal
from osms.registry import queries as registry
from osms.registry.rulebook import RegistryTopic
from osms.registry.service import (
    PersonRecord,
    get_person_row,
    guardians_of,
    lock_person,
    lock_persons,
)
from osms.rulebooks.horizon import NOT_PROVISIONAL, Horizon, horizon_of
from osms.rulebooks.loader import Rulebook, load_rulebook

# --------------------------------------------------------------------------------------------
# Imports of clinics and districts (core/bulkload: upsert by key, rejections, all-or-nothing)

CLINIC_COLUMNS: Final = ("clinic_id", "bin", "name", "region", "capacity", "service_area")
DISTRICT_COLUMNS: Final = ("clinic_id", "district_id", "specialty", "doctor", "norm")
IMPORT_REASONS: Final = {
    "bad_row_shape": "the row does not have the columns of the header",
    "missing_field": "a required field is empty",
    "field_too_long": "a field is longer than allowed",
    "bad_clinic_id": "clinic_id may hold only letters, digits, '-', '_' and '.'",
    "bad_district_id": "district_id may hold only letters, digits, '-', '_' and '.'",
    "bad_bin": "the clinic's BIN fails a check",
    "bad_capacity": "capacity must be a whole number, 0 or more",
    "bad_norm": "norm must be a whole number, 0 or more",
    "bad_specialty": "specialty must be therapist, gp or pediatrician",
    "bad_address_code": "an address code of the service area is longer than 32 characters",
    "bad_encoding": "the line is not UTF-8 text",
    "duplicate_key": "the same key appears earlier in the file",
    "unknown_clinic": "the clinic is not in the clinic register (import clinics first)",
}
_ID = re.compile(r"^[A-Za-z0-9._-]{1,32}$")
_MAX = {"name": 300, "region": 16, "doctor": 200}

# The registry's published surfaces this room joins (registry.queries).
_person = registry.persons().subquery("persons")
_link = registry.family_links().subquery("family_links")


def _text(values: dict[str, str], name: str) -> str | Rejection:
    text = values[name].strip()
    if not text:
        return Rejection("missing_field", f"{name} is empty")
    if len(text) > _MAX.get(name, 32):
        return Rejection("field_too_long", f"{name} is longer than {_MAX.get(name, 32)} characters")
    return text


def _whole(text: str, name: str, code: str) -> int | Rejection:
    text = text.strip()
    if not text:
        return Rejection("missing_field", f"{name} is empty")
    if not (text.isascii() and text.isdigit()) or len(text) > 9:  # "²" and "٤" are isdigit()
        return Rejection(code, f"{name} {text!r} is not a whole number 0..999999999")
    return int(text)


def _ident(text: str, name: str, code: str) -> str | Rejection:
    text = text.strip()
    if not text:
        return Rejection("missing_field", f"{name} is empty")
    if not _ID.match(text):
        return Rejection(code, f"{name} {text!r}: only letters, digits, '-', '_' and '.', up to 32")
    return text


def parse_service_area(text: str) -> list[str]:
    """``A;B; C`` -> ``["A", "B", "C"]`` (blanks dropped, duplicates dropped, order kept)."""
    return list(dict.fromkeys(part.strip() for part in text.split(";") if part.strip()))


def check_clinic(values: dict[str, str]) -> Row | Rejection:
    """One row of clinics.csv -> (clinic_id, bin, name, region, capacity, service_area)."""
    clinic_id = _ident(values["clinic_id"], "clinic_id", "bad_clinic_id")
    if isinstance(clinic_id, Rejection):
        return clinic_id
    bin_check = check_bin(values["bin"])
    if not bin_check.valid:
        return Rejection("bad_bin", f"BIN {values['bin'].strip()!r}: " + "; ".join(e.message for e in bin_check.errors))
    name = _text(values, "name")
    if isinstance(name, Rejection):
        return name
    region = _text(values, "region")
    if isinstance(region, Rejection):
        return region
    capacity = _whole(values["capacity"], "capacity", "bad_capacity")
    if isinstance(capacity, Rejection):
        return capacity
    area = parse_service_area(values["service_area"])
    too_long = [a for a in area if len(a) > 32]
    if too_long:
        return Rejection("bad_address_code", f"address code {too_long[0][:40]!r} is longer than 32 characters")
    return (clinic_id, bin_check.number, name, region, capacity, ";".join(area))


def check_district(values: dict[str, str]) -> Row | Rejection:
    """One row of districts.csv -> (clinic_id, district_id, specialty, doctor, norm)."""
    clinic_id = _ident(values["clinic_id"], "clinic_id", "bad_clinic_id")
    if isinstance(clinic_id, Rejection):
        return clinic_id
    district_id = _ident(values["district_id"], "district_id", "bad_district_id")
    if isinstance(district_id, Rejection):
        return district_id
    specialty = values["specialty"].strip().lower()
    if specialty not in rules.SPECIALTIES:
        return Rejection("bad_specialty", f"specialty {specialty!r} is not one of {', '.join(rules.SPECIALTIES)}")
    doctor = _text(values, "doctor")
    if isinstance(doctor, Rejection):
        return doctor
    norm = _whole(values["norm"], "norm", "bad_norm")
    if isinstance(norm, Rejection):
        return norm
    return (clinic_id, district_id, specialty, doctor, norm)


SPECS: Final[dict[str, ImportSpec]] = {
    "clinics": ImportSpec(
        kind="clinics",
        columns=CLINIC_COLUMNS,
        check=check_clinic,
        table=Clinic.__table__,  # type: ignore[arg-type]
        target_columns=CLINIC_COLUMNS,
        key=("clinic_id",),
    ),
    "districts": ImportSpec(
        kind="districts",
        columns=DISTRICT_COLUMNS,
        check=check_district,
        table=ClinicDistrict.__table__,  # type: ignore[arg-type]
        target_columns=DISTRICT_COLUMNS,
        key=("clinic_id", "district_id"),
        references=(Reference("clinic_id", "clinic", "clinic_id", "unknown_clinic", "not in the clinic register"),),
    ),
}


def _import(
    engine: Engine, kind: str, path: Path, rejects_file: Path | None, progress: Callable[[int], None] | None
) -> ImportResult:
    if not path.is_file():
        raise InvalidInput(f"no such file: {path}", code="no_file")
    return run_import(engine, SPECS[kind], path, rejects_file=rejects_file, progress=progress)


def import_clinics(
    engine: Engine,
    path: Path,
    *,
    rejects_file: Path | None = None,
    progress: Callable[[int], None] | None = None,
) -> ImportResult:
    """Import clinics.csv (``clinic_id,bin,name,region,capacity,service_area``; the service area is
    address codes separated by ``;``): upsert by clinic_id, idempotent, all-or-nothing."""
    return _import(engine, "clinics", Path(path), rejects_file, progress)


def import_districts(
    engine: Engine,
    path: Path,
    *,
    rejects_file: Path | None = None,
    progress: Callable[[int], None] | None = None,
) -> ImportResult:
    """Import districts.csv (``clinic_id,district_id,specialty,doctor,norm``): upsert by
    (clinic_id, district_id); rows of unknown clinics are rejected (``unknown_clinic``)."""
    return _import(engine, "districts", Path(path), rejects_file, progress)


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


def _person_facts(person: PersonRecord) -> rules.PersonFacts:
    return rules.PersonFacts(person.iin, person.birth_date, person.death_date, person.residency, person.address_code)


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


def _insured(session: Session, iin: str, on: date, book: Rulebook) -> bool:
    from osms.coverage.service import status_of

    return status_of(session, iin, on, book.name).insured


def lock_clinic(session: Session, clinic_id: str) -> Clinic:
    """The clinic's row, locked until the end of the transaction (PostgreSQL ``FOR UPDATE``)."""
    clinic = session.scalars(
        select(Clinic).where(Clinic.clinic_id == clinic_id.strip()).with_for_update()
    ).one_or_none()
    if clinic is None:
        raise NotFound(f"no clinic {clinic_id.strip()!r} in the clinic register", code="unknown_clinic")
    return clinic


# --------------------------------------------------------------------------------------------
# Applications


def _store(
    session: Session,
    app: rules.Application,
    outcome: rules.Outcome,
    book: Rulebook,
    *,
    channel: str,
    actor: str | None,
    external_id: str | None = None,
) -> int:
    row = AttachmentApplication(
        external_id=external_id,
        iin=app.iin,
        clinic_id=app.clinic_id[:32],
        reason=app.reason[:24],
        applied_on=app.on,
        district_id=app.district_id,
        applicant_iin=app.applicant_iin,
        contract_until=app.contract_until,
        decision=outcome.decision,
        reason_codes=",".join(outcome.codes)[:300],
        effective_from=outcome.effective_from,
        previous_clinic=outcome.previous_clinic,
        decided_district=outcome.district,
        rulebook=book.name,
        channel=channel,
        actor=actor,
    )
    session.add(row)
    session.flush()
    for close in outcome.closes:
        session.execute(
            update(Attachment)
            .where(Attachment.id == close.period_id)
            .values(valid_to=close.valid_to, end_reason=close.end_reason)
        )
    if outcome.attaches:
        assert outcome.effective_from is not None and outcome.kind is not None
        session.add(
            Attachment(
                iin=app.iin,
                clinic_id=app.clinic_id,
                district_id=outcome.district,
                valid_from=outcome.effective_from,
                valid_to=outcome.until,
                home_visits=bool(outcome.home_visits),
                kind=outcome.kind,
                application_id=row.id,
            )
        )
        session.flush()
    return row.id


def apply(
    session: Session,
    *,
    iin: str,
    clinic_id: str,
    reason: str,
    on: date,
    district_id: str | None = None,
    applicant_iin: str | None = None,
    contract_until: date | None = None,
    rulebook: str | None = None,
    channel: str = "api",
    principal: Principal | None = None,
) -> Decision:
    """Decide one application (docs/attachment.md), store it with its decision, attach (closing the
    previous row's period) when accepted, audit it. Errors: a bad IIN or reason (422), an unknown
    person or clinic (404), a date the rulebook does not cover (422), a role that may not (403)."""
    number = checked_iin(iin)
    applicant = checked_iin(applicant_iin, "applicant IIN") if applicant_iin and applicant_iin.strip() else None
    reason = reason.strip()
    if reason not in rules.REASONS:
        raise InvalidInput(f"reason {reason!r} is not one of {', '.join(rules.REASONS)}", code="bad_reason")
    clinic_id = clinic_id.strip()
    district_id = district_id.strip() if district_id and district_id.strip() else None
    book = resolve_rulebook(rulebook)
    book.check_date(on)
    if principal is not None:
        authorize(session, principal, ATTACHMENT_APPLY, number, channel=channel, clinic=clinic_id)
        if principal.role == "citizen":
            applicant = principal.iin
    if session.scalar(select(Clinic.clinic_id).where(Clinic.clinic_id == clinic_id)) is None:
        raise NotFound(f"no clinic {clinic_id!r} in the clinic register", code="unknown_clinic")
    # Everything about the person first, under the person's row lock only (their attachments change
    # only under it): an application to a busy clinic does not queue behind the others for this.
    person = lock_person(session, number)
    if person is None:
        raise NotFound(f"no person with IIN {number} in the registry", code="unknown_person")
    application = rules.Application(number, clinic_id, reason, on, district_id, applicant, contract_until)
    applicant_birth = None
    if applicant and applicant != number:
        applicant_row = get_person_row(session, applicant)
        if applicant_row is None:
            raise NotFound(f"no person with IIN {applicant} in the registry", code="unknown_applicant")
        applicant_birth = applicant_row.birth_date
    needs_status = reason == "choice" and book.topic(AttachmentTopic).free_choice_requires_insured(on) is not None
    person_facts = _person_facts(person)
    history = history_periods(session, number)
    applicant_is_guardian = bool(applicant and applicant in guardians_of(session, number))
    applicant_is_family = bool(applicant and applicant != number and is_family(session, applicant, number))
    insured = _insured(session, number, on, book) if needs_status else None
    # Then the clinic: its row lock serialises the applications to it from here to the commit, so
    # its places are counted under the lock and the last one goes to exactly one (docs/attachment.md).
    clinic = lock_clinic(session, clinic_id)
    facts = rules.Facts(
        person=person_facts,
        clinic=clinic_facts(session, clinic, on),
        history=history,
        applicant_is_guardian=applicant_is_guardian,
        applicant_is_family=applicant_is_family,
        applicant_birth_date=applicant_birth,
        insured=insured,
    )
    outcome = rules.decide(application, facts, book)
    app_id = _store(
        session, application, outcome, book, channel=channel, actor=principal.username if principal else None
    )
    if principal is not None:
        audit.record(
            session,
            principal,
            channel=channel,
            action="attachment.apply",
            resource=f"attachment_application/{app_id}",
            subject_iin=number,
            detail=f"clinic={clinic.clinic_id} reason={reason} on={on.isoformat()} decision={outcome.decision} "
            f"codes={','.join(outcome.codes)}",
        )
    return Decision(
        iin=number,
        clinic=clinic.clinic_id,
        decision=outcome.decision,
        effective_from=outcome.effective_from,
        previous_clinic=outcome.previous_clinic,
        district=outcome.district,
        reasons=outcome.reasons,
        home_visits=outcome.home_visits,
        until=outcome.until,
        kind=outcome.kind,
        application_id=app_id,
        rulebook=book.name,
        on=on,
        horizon=decision_horizon(book, on),
        clinic_names=_clinic_names(session, clinic, outcome.previous_clinic),
    )


def _clinic_names(session: Session, clinic: Clinic, previous: str | None) -> dict[str, str]:
    names = {clinic.clinic_id: clinic.name}
    if previous and previous not in names:
        row = session.get(Clinic, previous)
        if row is not None:
            names[previous] = row.name
    return names


def apply_family(
    session: Session,
    *,
    applicant_iin: str,
    iins: Sequence[str],
    clinic_id: str,
    reason: str,
    on: date,
    district_id: str | None = None,
    contract_until: date | None = None,
    rulebook: str | None = None,
    channel: str = "api",
    principal: Principal | None = None,
) -> list[Decision]:
    """One application by an adult for several family members (the applicant may be among them):
    each member gets a decision. The chosen district is used for members it serves; others get the
    best district of the right specialty (a pediatrician for children)."""
    applicant = checked_iin(applicant_iin, "applicant IIN")
    numbers = list(dict.fromkeys(checked_iin(i) for i in iins))
    if not numbers:
        raise InvalidInput("name at least one family member", code="no_members")
    book = resolve_rulebook(rulebook)
    if principal is not None:
        # Every member first: a refusal must not leave the others' applications half-written.
        for number in numbers:
            authorize(session, principal, ATTACHMENT_APPLY, number, channel=channel, clinic=clinic_id.strip())
    # Locks in the order every writer takes them: the persons by IIN, then the clinic (``apply``).
    lock_persons(session, numbers)
    lock_clinic(session, clinic_id)
    decisions: list[Decision] = []
    chosen: ClinicDistrict | None = None
    if district_id:
        chosen = session.get(ClinicDistrict, (clinic_id.strip(), district_id.strip()))
    minor_age = book.topic(RegistryTopic).minor_age(on)
    for number in numbers:
        member_district = district_id
        if chosen is not None:
            person = get_person_row(session, number)
            minor = person is not None and rules.is_minor(person.birth_date, on, minor_age)
            if chosen.specialty not in rules.specialties_for(minor):
                member_district = None
        decisions.append(
            apply(
                session,
                iin=number,
                clinic_id=clinic_id,
                reason=reason,
                on=on,
                district_id=member_district,
                applicant_iin=applicant,
                contract_until=contract_until,
                rulebook=rulebook,
                channel=channel,
                principal=principal,
            )
        )
    return decisions


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


def age_group(birth: date | None, on: date, groups: AgeGroupsRule) -> str:
    """The age group of a person on ``on`` (``unknown`` without a birth date)."""
    return "unknown" if birth is None else groups.group(rules.age_on(birth, on))


def clinic_population(
    session: Session, clinic_id: str, on: date, *, page: int = 1, page_size: int = 50
) -> dict[str, Any]:
    """Persons attached to the clinic on ``on`` (running rows; pending ones counted apart):
    counts by district and age group, and one page of the list ordered by IIN."""
    clinic = get_clinic(session, clinic_id)
    running = and_(
        Attachment.clinic_id == clinic.clinic_id,
        Attachment.valid_from <= on,
        or_(Attachment.valid_to.is_(None), Attachment.valid_to >= on),
        _alive_on(on),
    )
    groups = resolve_rulebook(None).topic(AttachmentTopic).age_groups(on)
    by_district: Counter[str] = Counter()
    by_age: Counter[str] = Counter()
    total = 0
    for district_id, birth in session.execute(
        select(Attachment.district_id, _person.c.birth_date)
        .join(_person, _person.c.iin == Attachment.iin)
        .where(running)
    ):
        total += 1
        by_district[district_id or "-"] += 1
        by_age[age_group(birth, on, groups)] += 1
    pending = session.scalar(
        select(func.count())
        .select_from(Attachment)
        .where(Attachment.clinic_id == clinic.clinic_id, Attachment.valid_from > on, _non_empty())
    )
    page = max(page, 1)
    rows = session.execute(
        select(Attachment, _person.c.last_name, _person.c.first_name, _person.c.birth_date, _person.c.sex)
        .join(_person, _person.c.iin == Attachment.iin)
        .where(running)
        .order_by(Attachment.iin)
        .offset((page - 1) * page_size)
        .limit(page_size)
    ).all()
    return {
        "clinic_id": clinic.clinic_id,
        "name": clinic.name,
        "on": on.isoformat(),
        "capacity": clinic.capacity,
        "attached": total,
        "pending": int(pending or 0),
        "by_district": dict(sorted(by_district.items())),
        "by_age_group": {name: by_age[name] for name in groups.groups() if by_age[name]}
        | ({"unknown": by_age["unknown"]} if by_age["unknown"] else {}),
        "page": page,
        "page_size": page_size,
        "persons": [
            {
                "iin": a.iin,
                "name": f"{last} {first}",
                "birth_date": birth.isoformat() if birth else None,
                "sex": sex,
                "district": a.district_id,
                "since": a.valid_from.isoformat(),
                "until": a.valid_to.isoformat() if a.valid_to else None,
                "home_visits": a.home_visits,
            }
            for a, last, first, birth, sex in rows
        ],
    }


# --------------------------------------------------------------------------------------------
# The campaign at scale: a CSV of applications, decided chunk by chunk


CAMPAIGN_COLUMNS: Final = (
    "application_id",
    "iin",
    "clinic_id",
    "reason",
    "date",
    "district_id",
    "applicant_iin",
    "contract_until",
)
RESULT_COLUMNS: Final = (
    "application_id",
    "iin",
    "decision",
    "effective_from",
    "previous_clinic",
    "district",
    "reason_codes",
    "provisional",  # true past the confirmed horizon (docs/rulebooks.md); added last, the others unchanged
)
CAMPAIGN_CHUNK = 5_000
APPLICATION_TABLE: Table = AttachmentApplication.__table__  # type: ignore[assignment]
ATTACHMENT_TABLE: Table = Attachment.__table__  # type: ignore[assignment]
IN_CHUNK = 500


class _Lines:
    """Decoded lines of a binary file, counting bytes for a progress bar."""

    def __init__(self, fh: IO[bytes], progress: Callable[[int], None] | None) -> None:
        self.fh, self.progress = fh, progress

    def __iter__(self) -> Iterator[str]:
        pending = 0
        first = True
        for line in self.fh:
            pending += len(line)
            if self.progress and pending > 1 << 18:
                self.progress(pending)
                pending = 0
            if first and line.startswith(b"\xef\xbb\xbf"):
                line = line[3:]
            first = False
            try:
                yield line.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise ImportFileError(f"the file is not UTF-8 text: {exc}") from exc
        if self.progress and pending:
            self.progress(pending)


@dataclass
class _Row:
    external_id: str
    raw_iin: str
    app: rules.Application | None = None
    error: rules.Reason | None = None
    result: tuple[str, ...] = ()


def _parse_campaign_row(values: dict[str, str]) -> _Row:
    external_id = values["application_id"].strip()
    row = _Row(external_id, values["iin"].strip())

    def bad(detail: str) -> _Row:
        row.error = rules.Reason("bad_row", {"detail": detail})
        return row

    if not external_id or len(external_id) > 64:
        return bad("application_id must be 1..64 characters")
    check = check_iin(values["iin"])
    if not check.valid:
        return bad("IIN: " + "; ".join(e.message for e in check.errors))
    clinic_id = values["clinic_id"].strip()
    if not clinic_id or len(clinic_id) > 32:
        return bad("clinic_id must be 1..32 characters")
    reason = values["reason"].strip()
    if reason not in rules.REASONS:
        return bad(f"reason {reason!r} is not one of {', '.join(rules.REASONS)}")
    try:
        on = date.fromisoformat(values["date"].strip())
    except ValueError:
        return bad(f"date {values['date'].strip()!r} is not YYYY-MM-DD")
    district_id = values["district_id"].strip() or None
    if district_id and len(district_id) > 32:
        return bad("district_id is longer than 32 characters")
    applicant = values["applicant_iin"].strip() or None
    if applicant:
        a_check = check_iin(applicant)
        if not a_check.valid:
            return bad("applicant IIN: " + "; ".join(e.message for e in a_check.errors))
        applicant = a_check.number
    contract_text = values["contract_until"].strip()
    contract_until = None
    if contract_text:
        try:
            contract_until = date.fromisoformat(contract_text)
        except ValueError:
            return bad(f"contract_until {contract_text!r} is not YYYY-MM-DD")
    row.app = rules.Application(check.number, clinic_id, reason, on, district_id, applicant, contract_until)
    return row


@dataclass
class _ClinicLoad:
    """Rows of one clinic attached on or after the chunk's first day, by district and end day
    (None: open), so that the counts on any later day are sums (kept current as rows change)."""

    ends: dict[str | None, Counter[date | None]] = field(default_factory=lambda: defaultdict(Counter))

    def add(self, district: str | None, end: date | None, n: int = 1) -> None:
        counter = self.ends[district]
        counter[end] += n
        if counter[end] <= 0:
            del counter[end]

    def counts(self, on: date) -> dict[str | None, int]:
        """Attached (running or pending) on ``on``, by district."""
        return {d: sum(n for end, n in c.items() if end is None or end >= on) for d, c in self.ends.items()}


def _iter_chunks(items: Sequence[str], size: int = IN_CHUNK) -> Iterator[Sequence[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


class _Campaign:
    """Decides one chunk of applications with set-based reads and bulk writes."""

    def __init__(
        self,
        session: Session,
        book: Rulebook,
        clinics: dict[str, tuple[Clinic, list[tuple[str, str, int]], frozenset[str]]],
    ) -> None:
        self.session = session
        self.book = book
        self.clinics = clinics
        self.pg = session.get_bind().dialect.name == "postgresql"
        self.horizons: dict[date, str] = {}

    def _provisional(self, day: date | None) -> str:
        """The results' ``provisional`` column: ``true`` for a decision on a day after the confirmed
        horizon (as ``Decision.horizon``), ``false`` otherwise and for a row that cannot be read."""
        if day is None:
            return "false"
        if day not in self.horizons:
            self.horizons[day] = "true" if decision_horizon(self.book, day).provisional else "false"
        return self.horizons[day]

    def _parts(self, values: Sequence[str]) -> Iterator[Sequence[str]]:
        """PostgreSQL takes a whole list as one array parameter; SQLite gets ``IN`` lists of 500."""
        if self.pg:
            if values:
                yield values
            return
        yield from _iter_chunks(values)

    def _in(self, column: Any, values: Sequence[str]) -> Any:
        if self.pg:
            return column == any_(bindparam(None, list(values), type_=ARRAY(String())))
        return column.in_(values)

    def run(self, rows: list[_Row], seen: set[str]) -> None:
        s = self.session
        valid = [r for r in rows if r.app is not None]
        # Idempotence: applications already decided keep their stored decision.
        stored: dict[str, AttachmentApplication] = {}
        ids = [r.external_id for r in valid]
        for part in self._parts(ids):
            for a in s.scalars(select(AttachmentApplication).where(self._in(AttachmentApplication.external_id, part))):
                assert a.external_id is not None
                stored[a.external_id] = a
        todo: list[_Row] = []
        for r in rows:
            if r.app is None:
                assert r.error is not None
                r.result = (r.external_id, r.raw_iin, "refused", "", "", "", r.error.code, self._provisional(None))
            elif r.external_id in stored:
                a = stored[r.external_id]
                r.result = (
                    r.external_id,
                    a.iin,
                    a.decision,
                    a.effective_from.isoformat() if a.effective_from else "",
                    a.previous_clinic or "",
                    a.decided_district or "",
                    a.reason_codes.replace(",", ";"),
                    self._provisional(a.applied_on),
                )
            elif r.external_id in seen:
                r.result = (
                    r.external_id,
                    r.raw_iin,
                    "refused",
                    "",
                    "",
                    "",
                    "duplicate_application",
                    self._provisional(r.app.on if r.app else None),
                )
            else:
                seen.add(r.external_id)
                todo.append(r)
        if not todo:
            return
        apps = [r.app for r in todo if r.app is not None]
        iins = sorted({a.iin for a in apps})
        applicants = sorted({a.applicant_iin for a in apps if a.applicant_iin and a.applicant_iin != a.iin})
        first_day = min(a.on for a in apps)

        # Lock the persons in IIN order, then the clinics of the chunk in a fixed order (the order
        # single applications take them in: persons, then their clinic), then read their loads.
        clinic_ids = sorted({a.clinic_id for a in apps if a.clinic_id in self.clinics})
        if self.pg:
            lock_persons(s, iins)
        if self.pg and clinic_ids:
            for part in self._parts(clinic_ids):
                s.execute(select(Clinic.clinic_id).where(self._in(Clinic.clinic_id, part)).with_for_update())
        loads: dict[str, _ClinicLoad] = {c: _ClinicLoad() for c in clinic_ids}
        for part in self._parts(clinic_ids):
            for clinic_id, district_id, end, n in s.execute(
                select(Attachment.clinic_id, Attachment.district_id, Attachment.valid_to, func.count())
                .join(_person, _person.c.iin == Attachment.iin)
                .where(self._in(Attachment.clinic_id, part), _on_or_after(first_day), _alive_on(first_day))
                .group_by(Attachment.clinic_id, Attachment.district_id, Attachment.valid_to)
            ):
                loads[clinic_id].add(district_id, end, int(n))

        persons: dict[str, rules.PersonFacts] = {}
        for part in self._parts(sorted(set(iins) | set(applicants))):
            for p in s.execute(
                select(
                    _person.c.iin,
                    _person.c.birth_date,
                    _person.c.death_date,
                    _person.c.residency,
                    _person.c.address_code,
                ).where(self._in(_person.c.iin, part))
            ):
                persons[p.iin] = rules.PersonFacts(*p)
        histories: dict[str, list[rules.Period]] = defaultdict(list)
        for part in self._parts(iins):
            for row in s.execute(
                select(
                    Attachment.iin,
                    Attachment.id,
                    Attachment.clinic_id,
                    Attachment.district_id,
                    Attachment.valid_from,
                    Attachment.valid_to,
                    Attachment.kind,
                    Attachment.home_visits,
                )
                .where(self._in(Attachment.iin, part))
                .order_by(Attachment.valid_from, Attachment.id)
            ):
                histories[row[0]].append(rules.Period(*row[1:]))
        links: set[tuple[str, str, str]] = set()  # (person, relative, relation)
        if applicants:
            # One IN list per query, the other side filtered here: two IN lists at once let PostgreSQL's
            # generic plan probe the unique index for every pair (seconds per chunk at 1M links).
            wanted = set(applicants)
            for part in self._parts(iins):
                for x, y, relation in s.execute(
                    select(_link.c.iin, _link.c.relative_iin, _link.c.relation).where(self._in(_link.c.iin, part))
                ):
                    if y in wanted:
                        links.add((x, y, relation))
                for x, y, relation in s.execute(
                    select(_link.c.iin, _link.c.relative_iin, _link.c.relation).where(
                        self._in(_link.c.relative_iin, part)
                    )
                ):
                    if x in wanted:
                        links.add((x, y, relation))
        family_pairs = {(x, y) for x, y, _ in links}
        guardian_pairs = {(x, y) for x, y, relation in links if relation in ("parent", "guardian")}
        insured = self._insured(apps)

        # Decide in file order, keeping the chunk's state current.
        next_id = -1
        new_rows: dict[int, dict[str, Any]] = {}
        closes: dict[int, tuple[date, str]] = {}
        app_rows: list[dict[str, Any]] = []
        for r in todo:
            app = r.app
            assert app is not None
            person = persons.get(app.iin)
            clinic_entry = self.clinics.get(app.clinic_id)
            clinic_facts = None
            load = loads.get(app.clinic_id)
            if clinic_entry is not None and load is not None:
                clinic, districts, area = clinic_entry
                counts = load.counts(app.on)
                clinic_facts = rules.ClinicFacts(
                    clinic.clinic_id,
                    clinic.capacity,
                    sum(counts.values()),
                    area,
                    tuple(
                        rules.DistrictFacts(district_id, specialty, norm, counts.get(district_id, 0))
                        for district_id, specialty, norm in districts
                    ),
                )
            applicant = app.applicant_iin
            facts = rules.Facts(
                person=person,
                clinic=clinic_facts,
                history=tuple(histories.get(app.iin, ())),
                applicant_is_guardian=bool(applicant and (app.iin, applicant) in guardian_pairs),
                applicant_is_family=bool(
                    applicant and ((app.iin, applicant) in family_pairs or (applicant, app.iin) in family_pairs)
                ),
                applicant_birth_date=persons[applicant].birth_date if applicant and applicant in persons else None,
                insured=insured.get((app.iin, app.on)),
            )
            outcome = rules.decide(app, facts, self.book)
            app_rows.append(
                {
                    "external_id": r.external_id,
                    "iin": app.iin,
                    "clinic_id": app.clinic_id,
                    "reason": app.reason,
                    "applied_on": app.on,
                    "district_id": app.district_id,
                    "applicant_iin": app.applicant_iin,
                    "contract_until": app.contract_until,
                    "decision": outcome.decision,
                    "reason_codes": ",".join(outcome.codes)[:300],
                    "effective_from": outcome.effective_from,
                    "previous_clinic": outcome.previous_clinic,
                    "decided_district": outcome.district,
                    "rulebook": self.book.name,
                    "channel": "campaign",
                    "actor": None,
                }
            )
            r.result = (
                r.external_id,
                app.iin,
                outcome.decision,
                outcome.effective_from.isoformat() if outcome.effective_from else "",
                outcome.previous_clinic or "",
                outcome.district or "",
                ";".join(outcome.codes),
                self._provisional(app.on),
            )
            if not outcome.attaches:
                continue
            # Keep the loads and the person's history current for the rest of the chunk.
            old = {p.id: p for p in histories.get(app.iin, ())}
            for close in outcome.closes:
                before = old[close.period_id]
                if not before.empty and before.clinic_id in loads:
                    loads[before.clinic_id].add(before.district_id, before.valid_to, -1)
                    if close.valid_to >= before.valid_from:
                        loads[before.clinic_id].add(before.district_id, close.valid_to)
                if close.period_id < 0:
                    new_rows[close.period_id]["valid_to"] = close.valid_to
                    new_rows[close.period_id]["end_reason"] = close.end_reason
                else:
                    closes[close.period_id] = (close.valid_to, close.end_reason)
            histories[app.iin] = list(rules.apply_outcome(histories.get(app.iin, ()), outcome, app.clinic_id, next_id))
            if load is not None:
                load.add(outcome.district, outcome.until)
            assert outcome.effective_from is not None and outcome.kind is not None
            new_rows[next_id] = {
                "iin": app.iin,
                "clinic_id": app.clinic_id,
                "district_id": outcome.district,
                "valid_from": outcome.effective_from,
                "valid_to": outcome.until,
                "home_visits": bool(outcome.home_visits),
                "kind": outcome.kind,
                "external_id": r.external_id,
                "end_reason": None,
            }
            next_id -= 1
        self._write(app_rows, new_rows, closes)

    def _insured(self, apps: Sequence[rules.Application]) -> dict[tuple[str, date], bool]:
        """Insured status for the choices that need it (kz-law 2026), one batch per day."""
        by_day: dict[date, set[str]] = defaultdict(set)
        for a in apps:
            if a.reason == "choice" and self.book.topic(AttachmentTopic).free_choice_requires_insured(a.on) is not None:
                by_day[a.on].add(a.iin)
        result: dict[tuple[str, date], bool] = {}
        if not by_day:
            return result
        from osms.coverage.service import statuses

        for day, numbers in sorted(by_day.items()):
            for answer in statuses(self.session, sorted(numbers), day, self.book.name):
                if "insured" in answer:
                    result[(answer["iin"], day)] = bool(answer["insured"])
        return result

    def _insert(self, table: Table, rows: list[dict[str, Any]]) -> None:
        """Bulk insert: COPY on PostgreSQL, one executemany on SQLite."""
        if not rows:
            return
        if not self.pg:
            self.session.execute(insert(table), rows)
            return
        names = list(rows[0])
        dbapi = self.session.connection().connection.driver_connection
        copy_sql = f"COPY {table.name} ({', '.join(names)}) FROM STDIN"
        with dbapi.cursor() as cur, cur.copy(copy_sql) as copy:  # type: ignore[union-attr]
            for row in rows:
                copy.write_row([row[n] for n in names])

    def _write(
        self, app_rows: list[dict[str, Any]], new_rows: dict[int, dict[str, Any]], closes: dict[int, tuple[date, str]]
    ) -> None:
        s = self.session
        table = APPLICATION_TABLE
        ids: dict[str, int] = {}
        self._insert(table, app_rows)
        if new_rows:
            wanted = [row["external_id"] for row in new_rows.values()]
            for part in self._parts(wanted):
                for app_id, external_id in s.execute(
                    select(table.c.id, table.c.external_id).where(self._in(table.c.external_id, part))
                ):
                    ids[external_id] = app_id
        if closes:
            if self.pg:
                s.execute(
                    text(
                        "UPDATE attachment SET valid_to = v.valid_to, end_reason = v.end_reason "
                        "FROM unnest(CAST(:ids AS integer[]), CAST(:ends AS date[]), CAST(:reasons AS text[])) "
                        "AS v(id, valid_to, end_reason) WHERE attachment.id = v.id"
                    ),
                    {
                        "ids": list(closes),
                        "ends": [v for v, _ in closes.values()],
                        "reasons": [e for _, e in closes.values()],
                    },
                )
            else:
                t = ATTACHMENT_TABLE
                s.execute(
                    update(t)
                    .where(t.c.id == bindparam("b_id"))
                    .values(valid_to=bindparam("b_valid_to"), end_reason=bindparam("b_end")),
                    [{"b_id": k, "b_valid_to": v, "b_end": e} for k, (v, e) in closes.items()],
                )
        rows = []
        for row in new_rows.values():
            row = dict(row)
            row["application_id"] = ids[row.pop("external_id")]
            rows.append(row)
        self._insert(ATTACHMENT_TABLE, rows)


def run_campaign(
    engine: Engine,
    path: Path,
    *,
    results: Path,
    progress: Callable[[int], None] | None = None,
    rulebook: str | None = None,
    chunk_rows: int = CAMPAIGN_CHUNK,
) -> dict[str, Any]:
    """Decide a CSV of applications (``application_id,iin,clinic_id,reason,date,district_id,
    applicant_iin,contract_until``) in file order, chunk by chunk (one transaction each): the same
    rules as one application, set-based reads, bulk writes. An application_id already decided keeps
    its decision (re-running the file changes nothing). Writes ``results`` (``application_id,iin,
    decision,effective_from,previous_clinic,district,reason_codes,provisional``) and returns a summary."""
    started = time.perf_counter()
    path = Path(path)
    if not path.is_file():
        raise InvalidInput(f"no such file: {path}", code="no_file")
    book = resolve_rulebook(rulebook)
    from osms.core.db import session_factory

    factory = session_factory(engine)
    with factory() as session:
        clinics: dict[str, tuple[Clinic, list[tuple[str, str, int]], frozenset[str]]] = {
            c.clinic_id: (c, [], frozenset(parse_service_area(c.service_area))) for c in session.scalars(select(Clinic))
        }
        for d in session.scalars(select(ClinicDistrict).order_by(ClinicDistrict.clinic_id, ClinicDistrict.district_id)):
            if d.clinic_id in clinics:
                clinics[d.clinic_id][1].append((d.district_id, d.specialty, d.norm))
        session.expunge_all()
    by_decision: Counter[str] = Counter()
    by_reason: Counter[str] = Counter()
    total = 0
    seen: set[str] = set()
    results = Path(results)
    results.parent.mkdir(parents=True, exist_ok=True)
    with path.open("rb") as fh, results.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(RESULT_COLUMNS)
        reader = csv.reader(_Lines(fh, progress))
        try:
            header = [h.strip() for h in next(reader)]
        except StopIteration:
            raise ImportFileError(f"{path.name} is empty: expected the header {','.join(CAMPAIGN_COLUMNS)}") from None
        if sorted(header) != sorted(CAMPAIGN_COLUMNS):
            raise ImportFileError(f"{path.name}: the header must be {','.join(CAMPAIGN_COLUMNS)}")

        def flush(chunk: list[_Row]) -> None:
            nonlocal total
            if not chunk:
                return
            with factory() as session, session.begin():
                for r in chunk:
                    if r.app is not None:
                        try:
                            book.check_date(r.app.on)
                        except Exception as exc:  # noqa: BLE001 - a date outside the rulebook refuses the row
                            r.app, r.error = None, rules.Reason("bad_row", {"detail": str(exc)})
                _Campaign(session, book, clinics).run(chunk, seen)
            for r in chunk:
                writer.writerow(r.result)
                by_decision[r.result[2]] += 1
                for code in filter(None, r.result[6].split(";")):
                    by_reason[code] += 1
            total += len(chunk)

        chunk: list[_Row] = []
        for fields in reader:
            if not fields or (len(fields) == 1 and not fields[0].strip()):
                continue
            if len(fields) != len(header):
                row = _Row(fields[0].strip() if fields else "", fields[1].strip() if len(fields) > 1 else "")
                row.error = rules.Reason("bad_row", {"detail": "wrong number of fields"})
                chunk.append(row)
            else:
                chunk.append(_parse_campaign_row(dict(zip(header, fields, strict=True))))
            if len(chunk) >= chunk_rows:
                flush(chunk)
                chunk = []
        flush(chunk)
    seconds = time.perf_counter() - started
    return {
        "rows": total,
        "by_decision": dict(sorted(by_decision.items())),
        "by_reason": dict(sorted(by_reason.items())),
        "seconds": round(seconds, 3),
        "per_second": round(total / seconds) if seconds else None,
        "results": str(results),
        "rulebook": book.name,
    }


# --------------------------------------------------------------------------------------------
# The attached-population register per clinic and month (feeds per-capita payment)

EXPORT_COLUMNS: Final = (
    "clinic_id",
    "month",
    "iin",
    "district_id",
    "specialty",
    "age_group",
    "sex",
    "since",
    "home_visits",
)


def export_population(engine: Engine, month: str, out: Path) -> dict[str, Any]:
    """Everyone attached on the first day of ``month`` (YYYY-MM), alive that day, one row per
    person ordered by clinic and IIN, to ``out``; and a per-clinic summary (attached, by sex, by
    age group) to ``out`` with ``.summary.csv``. Age groups are on the first day of the month."""
    try:
        period = Month.parse(month)
    except (ValueError, TypeError) as exc:
        raise InvalidInput(f"month {month!r} is not YYYY-MM", code="bad_month") from exc
    day = period.first_day
    age_groups = resolve_rulebook(None).topic(AttachmentTopic).age_groups(day)
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    summary_path = out.with_name(out.name.removesuffix(".csv") + ".summary.csv")
    per_clinic: dict[str, Counter[str]] = defaultdict(Counter)
    rows = 0
    query = (
        select(
            Attachment.clinic_id,
            Attachment.iin,
            Attachment.district_id,
            ClinicDistrict.specialty,
            _person.c.birth_date,
            _person.c.sex,
            Attachment.valid_from,
            Attachment.home_visits,
        )
        .join(_person, _person.c.iin == Attachment.iin)
        .outerjoin(
            ClinicDistrict,
            and_(
                ClinicDistrict.clinic_id == Attachment.clinic_id, ClinicDistrict.district_id == Attachment.district_id
            ),
        )
        .where(
            Attachment.valid_from <= day,
            or_(Attachment.valid_to.is_(None), Attachment.valid_to >= day),
            or_(_person.c.death_date.is_(None), _person.c.death_date > day),
        )
        .order_by(Attachment.clinic_id, Attachment.iin)
    )
    label = str(period)
    with engine.connect() as conn, out.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(EXPORT_COLUMNS)
        result = conn.execution_options(yield_per=10_000).execute(query)
        for clinic_id, iin, district_id, specialty, birth, sex, since, home in result:
            group = age_group(birth, day, age_groups)
            w.writerow(
                [
                    clinic_id,
                    label,
                    iin,
                    district_id or "",
                    specialty or "",
                    group,
                    sex or "",
                    since.isoformat(),
                    int(home),
                ]
            )
            counts = per_clinic[clinic_id]
            counts["attached"] += 1
            counts[f"sex_{sex or 'unknown'}"] += 1
            counts[f"age_{group}"] += 1
            rows += 1
    groups = [*age_groups.groups(), "unknown"]
    with summary_path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["clinic_id", "month", "attached", "male", "female", *[f"age_{g}" for g in groups]])
        for clinic_id in sorted(per_clinic):
            c = per_clinic[clinic_id]
            w.writerow([clinic_id, label, c["attached"], c["sex_M"], c["sex_F"], *[c[f"age_{g}"] for g in groups]])
    return {
        "month": label,
        "on": day.isoformat(),
        "rows": rows,
        "clinics": {k: v["attached"] for k, v in sorted(per_clinic.items())},
        "out": str(out),
        "summary": str(summary_path),
    }
