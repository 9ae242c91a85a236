"""Attachment rules (docs/attachment.md): one application and the facts about it -> a decision.

Pure: no I/O, no framework. The service reads the facts (set-based for a campaign), calls
:func:`decide`, and writes what the outcome says (:func:`apply_outcome` does the same to an
in-memory history, for the property tests and the campaign's running state).

Interpretations (docs/attachment.md):
- A person with no attachment running or pending on the date is attached whatever the reason
  given ("first attachment is always allowed"); a reason ``first`` for someone attached elsewhere
  is refused (``not_first_attachment``).
- Grounds (a) take effect on the application day; the previous row ends the day before.
- ``choice`` inside the campaign (rulebook dates of that year): effective 1 January next year, the
  previous clinic serves to 31 December; one such change per campaign.
- ``choice`` outside the campaign: effective at once; at most ``changes`` per ``per_months``
  months counted over free changes (kind ``free_choice``) that started in the window.
- From the rulebook entry ``free_choice_requires_insured`` (kz-law 2026): both kinds of choice
  need the person insured (paying or state-paid) on the application day; first attachments and
  the grounds (a) stay open to everyone.
- Temporary foreigners and asylum seekers are not attached: PHC is part of GOBMP, which covers
  citizens, kandas, refugees and foreigners/stateless persons with permits (docs/benefits.md); they
  keep emergency care and care for diseases dangerous to others.
- EAEU labour migrants (rulebook entry ``eaeu_contract_term``): attached until the contract's end.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any, Final

from osms.attachment.rulebook import AttachmentTopic
from osms.core.i18n import N_
from osms.registry.rulebook import RegistryTopic
from osms.rulebooks.loader import Rulebook

REASONS: Final = ("first", "move", "job_or_study", "release", "military_service_end", "reorganisation", "choice")
GROUNDS: Final = ("move", "job_or_study", "release", "military_service_end", "reorganisation")
DECISIONS: Final = ("accepted", "accepted_no_home_visits", "offered_other_district", "refused")
SPECIALTIES: Final = ("therapist", "gp", "pediatrician")

# Every reason code with its English sentence (``%(name)s`` parameters); translated by the service.
MESSAGES: Final[Mapping[str, str]] = {
    # accepted
    "first_attachment": N_("Attached to clinic %(clinic)s from %(date)s."),
    "immediate_ground": N_(
        "A change of clinic on a ground of law (moving, new job or place of study, release, end of military "
        "service, reorganisation of the clinic) takes effect at once: served by clinic %(clinic)s from %(date)s."
    ),
    "campaign_change_next_year": N_(
        "A change of clinic by choice during the attachment campaign takes effect on %(date)s; "
        "until then clinic %(previous)s serves you."
    ),
    "free_change": N_(
        "A change of clinic by choice outside the campaign takes effect at once, from %(date)s "
        "(at most %(changes)s per %(months)s months)."
    ),
    "outside_service_area": N_(
        "Your address is outside the area the clinic serves: you are attached without home visits by the "
        "district doctor."
    ),
    "no_address": N_(
        "Your address is not known to the registry: you are attached without home visits by the district doctor."
    ),
    "eaeu_contract_term": N_("EAEU labour migrant: attached for the term of the employment contract, until %(date)s."),
    "district_over_norm_kept": N_(
        "District %(chosen)s is over its norm and no other district of the clinic has room: attached to it."
    ),
    # offered another district
    "district_over_norm": N_(
        "The chosen doctor's district %(chosen)s is over its norm: district %(district)s of the same clinic is offered."
    ),
    "district_wrong_specialty": N_(
        "District %(chosen)s does not serve this age group: district %(district)s of the same clinic is offered."
    ),
    # refused
    "clinic_full": N_("Clinic %(clinic)s has reached its limit of attached persons (%(capacity)s)."),
    "change_limit_reached": N_(
        "The limit of changes of clinic by choice is reached: %(changes)s per %(months)s months "
        "(last change from %(date)s)."
    ),
    "campaign_change_pending": N_(
        "A change of clinic by choice is already made in this campaign: it takes effect on %(date)s."
    ),
    "already_attached": N_("Already attached to clinic %(clinic)s."),
    "not_first_attachment": N_(
        "Already attached to clinic %(clinic)s: this is not a first attachment; give the ground of the change."
    ),
    "not_eligible_residency": N_(
        "Persons with this residency status are not attached to a primary-care clinic; they receive emergency "
        "care and care for diseases dangerous to others."
    ),
    "contract_term_required": N_(
        "An EAEU labour migrant is attached for the term of the employment contract: give the contract's end date."
    ),
    "contract_expired": N_("The employment contract ends on %(date)s, before the attachment would take effect."),
    "minor_needs_guardian": N_("A child under %(age)s is attached by a parent or guardian."),
    "applicant_minor": N_("An applicant under %(age)s cannot attach other persons."),
    "not_family_member": N_("The applicant %(applicant)s is not a family member of this person in the registry."),
    "not_insured_for_choice": N_(
        "A clinic may be chosen freely only by persons who pay contributions regularly or are state-paid; "
        "the grounds of moving, new job or study, release, end of military service and reorganisation "
        "remain open to everyone."
    ),
    "deceased": N_("The person died on %(date)s."),
    "unknown_person": N_("No person with IIN %(iin)s in the registry."),
    "unknown_clinic": N_("No clinic %(clinic)s."),
    "unknown_district": N_("Clinic %(clinic)s has no district %(district)s."),
    "no_district_room": N_("No district of the clinic that serves this age group has room."),
    "backdated": N_("The application date is before the last recorded change of clinic (%(date)s)."),
    "bad_row": N_("The application is invalid: %(detail)s."),
    "duplicate_application": N_("The same application number appears earlier in the file."),
}


@dataclass(frozen=True, slots=True)
class Reason:
    """A machine code and the parameters of its sentence (``MESSAGES[code]``)."""

    code: str
    params: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class PersonFacts:
    iin: str
    birth_date: date | None
    death_date: date | None
    residency: str
    address_code: str | None


@dataclass(frozen=True, slots=True)
class DistrictFacts:
    district_id: str
    specialty: str
    norm: int
    attached: int  # attached or pending on the date


@dataclass(frozen=True, slots=True)
class ClinicFacts:
    clinic_id: str
    capacity: int
    attached: int  # attached on the date, including pending future attachments
    service_area: frozenset[str]
    districts: tuple[DistrictFacts, ...] = ()


@dataclass(frozen=True, slots=True)
class Period:
    """One attachment row: ``valid_from``..``valid_to`` inclusive (open while None).
    Empty (never served) when ``valid_to < valid_from``."""

    id: int
    clinic_id: str
    district_id: str | None
    valid_from: date
    valid_to: date | None
    kind: str
    home_visits: bool = True

    @property
    def empty(self) -> bool:
        return self.valid_to is not None and self.valid_to < self.valid_from

    def covers(self, day: date) -> bool:
        return not self.empty and self.valid_from <= day and (self.valid_to is None or day <= self.valid_to)


@dataclass(frozen=True, slots=True)
class Application:
    iin: str
    clinic_id: str
    reason: str
    on: date
    district_id: str | None = None
    applicant_iin: str | None = None
    contract_until: date | None = None


@dataclass(frozen=True, slots=True)
class Facts:
    """What a decision needs to know besides the application and the rulebook."""

    person: PersonFacts | None
    clinic: ClinicFacts | None
    history: tuple[Period, ...] = ()
    applicant_is_guardian: bool = False  # the applicant is the person's parent or guardian
    applicant_is_family: bool = False  # any family link between applicant and person
    applicant_birth_date: date | None = None
    insured: bool | None = None  # None: not looked up (only needed for a choice under kz-law 2026)


@dataclass(frozen=True, slots=True)
class Close:
    """End an existing row: set its ``valid_to`` (and why)."""

    period_id: int
    valid_to: date
    end_reason: str


@dataclass(frozen=True, slots=True)
class Outcome:
    decision: str
    reasons: tuple[Reason, ...]
    effective_from: date | None = None
    until: date | None = None
    previous_clinic: str | None = None
    district: str | None = None
    home_visits: bool | None = None
    kind: str | None = None
    closes: tuple[Close, ...] = ()

    @property
    def attaches(self) -> bool:
        return self.decision in ("accepted", "accepted_no_home_visits")

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(r.code for r in self.reasons)


def refused(code: str, **params: Any) -> Outcome:
    return Outcome("refused", (Reason(code, {k: str(v) for k, v in params.items()}),))


def age_on(birth: date, day: date) -> int:
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def is_minor(birth: date | None, day: date, minor_age: int) -> bool:
    return birth is not None and age_on(birth, day) < minor_age


def specialties_for(minor: bool) -> tuple[str, ...]:
    """Districts that serve the person, preferred first: a pediatrician for a child, a therapist for
    an adult; a general practitioner (family doctor) serves both [seed 000 §2]."""
    return ("pediatrician", "gp") if minor else ("therapist", "gp")


def months_before(day: date, months: int) -> date:
    """The same day ``months`` months earlier (clamped to the month's last day)."""
    index = day.year * 12 + day.month - 1 - months
    year, month = divmod(index, 12)
    month += 1
    for d in (day.day, 30, 29, 28):
        try:
            return date(year, month, d)
        except ValueError:
            continue
    raise AssertionError("unreachable")


def current_and_pending(history: Sequence[Period], on: date) -> tuple[Period | None, Period | None]:
    """The row serving on ``on`` and a change pending from 1 January next year (a campaign choice)."""
    current = next((p for p in history if p.covers(on)), None)
    next_year = date(on.year + 1, 1, 1)
    pending = next(
        (p for p in history if not p.empty and p.valid_from == next_year and p.kind == "campaign_choice"), None
    )
    return current, pending


def best_district(
    districts: Sequence[DistrictFacts], minor: bool, *, exclude: str | None = None, need_room: bool = True
) -> DistrictFacts | None:
    """The district to offer: right specialty (preferred first), with room, least filled."""
    wanted = specialties_for(minor)
    candidates = [
        d
        for d in districts
        if d.specialty in wanted and d.district_id != exclude and (not need_room or d.attached < d.norm)
    ]
    if not candidates:
        return None
    return min(
        candidates,
        key=lambda d: (wanted.index(d.specialty), d.attached / d.norm if d.norm else float("inf"), d.district_id),
    )


def decide(app: Application, facts: Facts, book: Rulebook) -> Outcome:
    """The decision on one application (docs/attachment.md); see the module's notes for interpretations."""
    on = app.on
    if app.reason not in REASONS:
        return refused("bad_row", detail=f"reason {app.reason!r} is not one of {', '.join(REASONS)}")
    person, clinic = facts.person, facts.clinic
    if person is None:
        return refused("unknown_person", iin=app.iin)
    if clinic is None:
        return refused("unknown_clinic", clinic=app.clinic_id)
    if person.death_date is not None and person.death_date <= on:
        return refused("deceased", date=person.death_date.isoformat())
    if person.residency in book.topic(AttachmentTopic).not_attached_residency(on):
        return refused("not_eligible_residency", residency=person.residency)

    # Who applies: children by a parent or guardian; an adult for themselves or family members.
    minor_age = book.topic(RegistryTopic).minor_age(on)
    minor = is_minor(person.birth_date, on, minor_age)
    applicant = app.applicant_iin if app.applicant_iin and app.applicant_iin != app.iin else None
    if minor and (applicant is None or not facts.applicant_is_guardian):
        return refused("minor_needs_guardian", age=minor_age)
    if applicant is not None and not minor:
        if is_minor(facts.applicant_birth_date, on, minor_age):
            return refused("applicant_minor", age=minor_age)
        if not (facts.applicant_is_family or facts.applicant_is_guardian):
            return refused("not_family_member", applicant=applicant)

    # EAEU labour migrants: for the term of the contract.
    until: date | None = None
    extra: list[Reason] = []
    if person.residency == "eaeu_migrant":
        if book.topic(AttachmentTopic).eaeu_contract_term(on) is not None and app.contract_until is None:
            return refused("contract_term_required")
        until = app.contract_until
        if until is not None and until < on:
            return refused("contract_expired", date=until.isoformat())

    # The person's running and pending rows, and what kind of change this is.
    history = facts.history
    current, pending = current_and_pending(history, on)
    latest = max((p.valid_from for p in history if not p.empty and p is not pending), default=None)
    if latest is not None and latest > on:
        return refused("backdated", date=latest.isoformat())
    if (current and current.clinic_id == app.clinic_id) or (pending and pending.clinic_id == app.clinic_id):
        return refused("already_attached", clinic=app.clinic_id)
    if current is None and pending is None:
        kind, effective = "first", on
    elif app.reason == "first":
        attached = current or pending
        assert attached is not None
        return refused("not_first_attachment", clinic=attached.clinic_id)
    elif app.reason in GROUNDS:
        kind, effective = "ground", on
    else:
        campaign = book.topic(AttachmentTopic).campaign(on.year)
        if pending is not None:
            return refused("campaign_change_pending", date=pending.valid_from.isoformat())
        if campaign.is_open(on):
            kind, effective = "campaign_choice", date(on.year + 1, 1, 1)
        else:
            limit = book.topic(AttachmentTopic).free_change_limit(on)
            window_start = months_before(on, limit.per_months)
            recent = [p for p in history if p.kind == "free_choice" and window_start < p.valid_from <= on]
            if len(recent) >= limit.changes:
                last = max(p.valid_from for p in recent)
                return refused(
                    "change_limit_reached", changes=limit.changes, months=limit.per_months, date=last.isoformat()
                )
            kind, effective = "free_choice", on
            extra.append(
                Reason(
                    "free_change",
                    {"date": on.isoformat(), "changes": str(limit.changes), "months": str(limit.per_months)},
                )
            )
        if book.topic(AttachmentTopic).free_choice_requires_insured(on) is not None and facts.insured is not True:
            return refused("not_insured_for_choice")
    if until is not None and until < effective:
        return refused("contract_expired", date=until.isoformat())

    # Capacity of the clinic, then the doctor's district.
    if clinic.attached >= clinic.capacity:
        return refused("clinic_full", clinic=clinic.clinic_id, capacity=clinic.capacity)
    district: DistrictFacts | None = None
    if app.district_id is not None:
        chosen = next((d for d in clinic.districts if d.district_id == app.district_id), None)
        if chosen is None:
            return refused("unknown_district", clinic=clinic.clinic_id, district=app.district_id)
        right = chosen.specialty in specialties_for(minor)
        if right and chosen.attached < chosen.norm:
            district = chosen
        else:
            other = best_district(clinic.districts, minor, exclude=chosen.district_id)
            code = "district_over_norm" if right else "district_wrong_specialty"
            if other is not None:
                return Outcome(
                    "offered_other_district",
                    (Reason(code, {"chosen": chosen.district_id, "district": other.district_id}),),
                    district=other.district_id,
                    previous_clinic=current.clinic_id if current else None,
                )
            if not right:
                return refused("no_district_room")
            district = chosen
            extra.append(Reason("district_over_norm_kept", {"chosen": chosen.district_id}))
    elif clinic.districts:
        district = best_district(clinic.districts, minor) or best_district(clinic.districts, minor, need_room=False)

    # Home visits only inside the clinic's service area.
    home_visits = person.address_code is not None and person.address_code in clinic.service_area
    reasons: list[Reason] = []
    previous = current.clinic_id if current else None
    if kind == "first":
        reasons.append(Reason("first_attachment", {"clinic": clinic.clinic_id, "date": effective.isoformat()}))
    elif kind == "ground":
        reasons.append(Reason("immediate_ground", {"clinic": clinic.clinic_id, "date": effective.isoformat()}))
    elif kind == "campaign_choice":
        reasons.append(Reason("campaign_change_next_year", {"date": effective.isoformat(), "previous": previous or ""}))
    reasons.extend(extra)
    if not home_visits:
        reasons.append(Reason("outside_service_area" if person.address_code else "no_address"))
    if until is not None:
        reasons.append(Reason("eaeu_contract_term", {"date": until.isoformat()}))

    closes: list[Close] = []
    day_before = effective - timedelta(days=1)
    if current is not None and (current.valid_to is None or current.valid_to > day_before):
        closes.append(Close(current.id, day_before, "changed"))
    if pending is not None:
        closes.append(Close(pending.id, pending.valid_from - timedelta(days=1), "superseded"))
    return Outcome(
        "accepted" if home_visits else "accepted_no_home_visits",
        tuple(reasons),
        effective_from=effective,
        until=until,
        previous_clinic=previous,
        district=district.district_id if district else None,
        home_visits=home_visits,
        kind=kind,
        closes=tuple(closes),
    )


def apply_outcome(history: Sequence[Period], outcome: Outcome, clinic_id: str, new_id: int) -> tuple[Period, ...]:
    """The history after an outcome: closed rows get their new end, an accepted one adds a row.
    Rows are never removed and only ``valid_to`` of a closed row changes."""
    ends = {c.period_id: c.valid_to for c in outcome.closes}
    result = [dataclasses.replace(p, valid_to=ends[p.id]) if p.id in ends else p for p in history]
    if outcome.attaches:
        assert outcome.effective_from is not None and outcome.kind is not None
        result.append(
            Period(
                new_id,
                clinic_id,
                outcome.district,
                outcome.effective_from,
                outcome.until,
                outcome.kind,
                bool(outcome.home_visits),
            )
        )
    return tuple(result)
