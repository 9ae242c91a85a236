"""Applications and their decisions (docs/attachment.md): one application, or one by an adult for
several family members.

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

from collections.abc import Sequence
from datetime import date

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from osms.attachment import rules
from osms.attachment.access import ATTACHMENT_APPLY
from osms.attachment.models import Attachment, AttachmentApplication, Clinic, ClinicDistrict
from osms.attachment.rulebook import AttachmentTopic
from osms.attachment.service import (
    Decision,
    checked_iin,
    clinic_facts,
    decision_horizon,
    history_periods,
    is_family,
    lock_clinic,
    resolve_rulebook,
)
from osms.core import audit
from osms.core.authz import authorize
from osms.core.errors import InvalidInput, NotFound
from osms.core.security import Principal
from osms.registry.rulebook import RegistryTopic
from osms.registry.service import (
    PersonRecord,
    get_person_row,
    guardians_of,
    lock_person,
    lock_persons,
)
from osms.rulebooks.loader import Rulebook


def _person_facts(person: PersonRecord) -> rules.PersonFacts:
    return rules.PersonFacts(person.iin, person.birth_date, person.death_date, person.residency, person.address_code)


def _insured(session: Session, iin: str, on: date, book: Rulebook) -> bool:
    from osms.coverage.service import status_of

    return status_of(session, iin, on, book.name).insured


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
