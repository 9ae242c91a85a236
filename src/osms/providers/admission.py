"""Stage 1 of procurement: one application and the facts about it → admitted or rejected, with
reasons, preference and the rulebook entries applied (docs/providers.md, "Procurement rules").

Pure: no database, no I/O. The caller reads the facts (the register, the founders resolved against
the fund's employees and the person registry's family links, the contract history, the
commission's findings) and calls :func:`decide` for the day of the decision. Every ground the
rulebook lists (``procurement.requirements``) is checked, and every one that fails is a reason, so a
provider learns everything wrong at once; an application is rejected if and only if it has a reason.

Readings (docs/providers.md):

- the register's facts (status, arrears, licences, accreditation, founders) are those on the day of
  the decision ``on``; the tax arrears tolerated are the rulebook's, in МРП of the year of ``on``;
- a termination excludes when it happened on or after the same day ``years`` years before ``on``
  (exactly 3 years ago excludes; 3 years and a day ago does not);
- ``experience_3y``: continuous experience of the care type since ``experience_from`` (of a licence
  for it in force on ``on``) covering ``experience_years`` whole years up to the end of the month
  before the procurement month, i.e. ``experience_from`` on or before the first day of the
  procurement month ``experience_years`` years earlier;
- the application window runs from the announcement's opening day to its closing day (``kz-law``)
  or for the rulebook's months from the opening (``seeds-2016``); the day of submission counts;
- preference is given to admitted applications only.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Final

from osms.core.config import LANGUAGES
from osms.core.errors import InvalidInput
from osms.core.i18n import N_, format_money, format_sentence_day, gettext
from osms.core.workdays import add_working_days
from osms.providers.rulebook import TERMINATION_KINDS, ProvidersTopic
from osms.rulebooks.horizon import Horizon, horizon_of
from osms.rulebooks.loader import Rulebook

__all__ = [
    "CORRECTION_MESSAGES",
    "MESSAGES",
    "PROVIDER_STATUSES",
    "AdmissionFacts",
    "Announcement",
    "Application",
    "CorrectionVerdict",
    "Decision",
    "Founder",
    "Licence",
    "ProviderFacts",
    "Reason",
    "Termination",
    "correction",
    "decide",
    "years_before",
]

PROVIDER_STATUSES: Final = ("active", "liquidation", "bankruptcy", "suspended")
_STATUS_REASONS: Final[Mapping[str, str]] = {
    "liquidation": "in_liquidation",
    "bankruptcy": "bankrupt",
    "suspended": "activity_suspended",
}
_TERMINATION_REASONS: Final[Mapping[str, str]] = {
    "nonperformance": "terminated_nonperformance_3y",
    "provider_initiative": "terminated_own_initiative_3y",
}

#: Every reason code of stage 1 with its sentence (English msgid; ``%(name)s`` parameters).
MESSAGES: Final[Mapping[str, str]] = {
    "not_in_register": N_("Provider %(provider)s is not in the register of health-care subjects."),
    "no_licence": N_("The provider holds no licence for the care type %(care_type)s in force on %(date)s."),
    "in_liquidation": N_("The provider is in liquidation."),
    "bankrupt": N_("The provider is bankrupt."),
    "activity_suspended": N_("The provider's activity is suspended under the law."),
    "tax_arrears": N_("The provider's tax arrears of %(arrears)s tenge exceed the %(limit)s tenge tolerated."),
    "founder_fund_employee": N_(
        "A founder, participant or shareholder with decision rights is an employee of the fund."
    ),
    "founder_relative_of_fund_employee": N_(
        "A founder, participant or shareholder with decision rights is a close relative or spouse of an "
        "employee of the fund."
    ),
    "terminated_nonperformance_3y": N_(
        "The fund terminated contract %(contract)s on %(date)s for non-performance or improper performance, "
        "less than %(years)s years ago."
    ),
    "terminated_own_initiative_3y": N_(
        "Contract %(contract)s with the fund was terminated on %(date)s at the provider's initiative, "
        "less than %(years)s years ago."
    ),
    "application_before_opening": N_(
        "The application was submitted on %(date)s, before applications opened on %(opens)s."
    ),
    "late_application": N_("The application was submitted on %(date)s, after applications closed on %(closes)s."),
    "phc_population_below_minimum": N_(
        "A primary-care provider must serve at least %(minimum)s people; this one serves %(population)s."
    ),
    "no_capacity": N_("The provider has no free capacity for the care type %(care_type)s."),
    "false_information": N_("The commission found false information in the application."),
}

#: The outcome codes of a request to correct a rejected application, with their sentences.
CORRECTION_MESSAGES: Final[Mapping[str, str]] = {
    "correction_allowed": N_("The rejected application may be corrected until %(deadline)s."),
    "not_rejected": N_("Only a rejected application may be corrected."),
    "second_correction": N_(
        "The application was already corrected %(made)s time(s); no further correction is allowed and the "
        "rejection is final."
    ),
    "correction_window_closed": N_(
        "Corrections were accepted until %(deadline)s (%(days)s working days after the rejection of %(rejected)s)."
    ),
    "correction_before_rejection": N_("A correction cannot precede the rejection of %(rejected)s."),
}


# --------------------------------------------------------------------------------------------
# The facts


@dataclass(frozen=True, slots=True)
class Licence:
    """A licence for one care type; ``experience_from`` starts the continuous experience of it."""

    care_type: str
    licensed_from: date
    licensed_to: date | None = None
    experience_from: date | None = None

    def in_force(self, day: date) -> bool:
        return self.licensed_from <= day and (self.licensed_to is None or day <= self.licensed_to)


@dataclass(frozen=True, slots=True)
class ProviderFacts:
    """The register's entry of the provider on the day of the decision."""

    provider_id: str
    status: str
    tax_arrears: Decimal = Decimal(0)
    accredited_until: date | None = None
    own_is: bool = False
    kind: str = ""
    licences: tuple[Licence, ...] = ()
    resources: Mapping[str, int] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Founder:
    iin: str
    decision_rights: bool


@dataclass(frozen=True, slots=True)
class Termination:
    """A contract with the fund ended early: ``kind`` ``nonperformance``, ``provider_initiative`` or
    ``agreement``."""

    contract_id: str
    terminated_on: date
    kind: str


@dataclass(frozen=True, slots=True)
class Application:
    application_id: str
    provider_id: str
    care_type: str
    region: str
    volume: int
    sum: Decimal
    submitted: date  # a datetime counts by its day (the caller gives the fund's local time)


@dataclass(frozen=True, slots=True)
class Announcement:
    announcement_id: str
    opens: date
    closes: date
    procurement_month: date  # any day of the month the procurement is held in


@dataclass(frozen=True, slots=True)
class AdmissionFacts:
    """Everything a stage-1 decision reads about one application.

    ``fund_employees``: IINs of the fund's employees on the day; ``fund_employee_relatives``: IINs
    of their close relatives and spouses (the caller resolves them through the person registry's
    family links). Only founders with decision rights are compared against them."""

    application: Application
    announcement: Announcement
    provider: ProviderFacts | None
    founders: tuple[Founder, ...] = ()
    fund_employees: frozenset[str] = frozenset()
    fund_employee_relatives: frozenset[str] = frozenset()
    terminations: tuple[Termination, ...] = ()
    false_information: bool = False
    phc_population: int | None = None
    only_phc_in_settlement: bool = False
    capacity: int | None = None


# --------------------------------------------------------------------------------------------
# The answer

Param = str | int | Decimal | date


@dataclass(frozen=True, slots=True)
class Reason:
    """A reason code and the parameters of its sentence."""

    code: str
    params: Mapping[str, Param] = field(default_factory=dict)

    def message(self) -> dict[str, str]:
        """The sentence in kk, ru and en."""
        msgid = MESSAGES.get(self.code) or CORRECTION_MESSAGES[self.code]
        return {lang: gettext(lang, msgid, **_words(lang, self.params)) for lang in LANGUAGES}

    def as_dict(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message()}


def _words(lang: str, params: Mapping[str, Param]) -> dict[str, str]:
    out: dict[str, str] = {}
    for name, value in params.items():
        if isinstance(value, date):
            out[name] = format_sentence_day(lang, value)
        elif isinstance(value, Decimal):
            out[name] = format_money(lang, value)
        else:
            out[name] = str(value)
    return out


@dataclass(frozen=True, slots=True)
class Decision:
    """The stage-1 decision on one application."""

    application_id: str
    provider_id: str
    care_type: str
    reasons: tuple[Reason, ...]
    preference: tuple[str, ...]
    rules: tuple[str, ...]
    horizon: Horizon

    @property
    def admitted(self) -> bool:
        return not self.reasons

    @property
    def decision(self) -> str:
        return "admitted" if self.admitted else "rejected"

    def as_dict(self) -> dict[str, Any]:
        """The decision as ``osms procurement admit --json`` prints it (with the horizon's fields)."""
        return {
            "application_id": self.application_id,
            "provider_id": self.provider_id,
            "care_type": self.care_type,
            "decision": self.decision,
            "reasons": [r.as_dict() for r in self.reasons],
            "preference": list(self.preference),
            "rules": list(self.rules),
        } | self.horizon.as_dict()


# --------------------------------------------------------------------------------------------
# The decision


def years_before(day: date, years: int) -> date:
    """The same day ``years`` years earlier (29 February → 28 February)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


def _day(value: date) -> date:
    return value.date() if isinstance(value, datetime) else value


def decide(facts: AdmissionFacts, book: Rulebook, on: date) -> Decision:
    """Decide one application on the day ``on`` by the rulebook ``book``."""
    app, provider = facts.application, facts.provider
    if provider is not None and provider.provider_id != app.provider_id:
        raise InvalidInput(
            f"the register facts are of provider {provider.provider_id}, the application of {app.provider_id}",
            code="facts_mismatch",
        )
    if provider is not None and provider.status not in PROVIDER_STATUSES:
        raise InvalidInput(
            f"unknown provider status {provider.status!r} (known: {', '.join(PROVIDER_STATUSES)})",
            code="unknown_status",
        )
    for ended in facts.terminations:
        if ended.kind not in TERMINATION_KINDS:
            raise InvalidInput(
                f"contract {ended.contract_id}: unknown termination {ended.kind!r} "
                f"(known: {', '.join(TERMINATION_KINDS)})",
                code="unknown_termination",
            )
    topic = book.topic(ProvidersTopic)
    requirements = topic.requirements(on)
    codes = set(requirements.codes)
    rules: list[str] = [requirements.id]
    reasons: list[Reason] = []
    if provider is None:
        reasons.append(Reason("not_in_register", {"provider": app.provider_id}))
    if "late_application" in codes:
        reasons.extend(_window(facts, topic, on, rules))
    if provider is not None:
        reasons.extend(_register(facts, provider, codes, topic, on, rules))
    if "false_information" in codes and facts.false_information:
        reasons.append(Reason("false_information"))
    preference: tuple[str, ...] = ()
    preferences = topic.preferences(on)
    rules.append(preferences.id)
    if not reasons and provider is not None:
        preference = _preference(facts, provider, preferences.codes, preferences.experience_years, on)
    ordered = tuple(sorted(reasons, key=lambda r: _ORDER[r.code]))
    return Decision(
        application_id=app.application_id,
        provider_id=app.provider_id,
        care_type=app.care_type,
        reasons=ordered,
        preference=preference,
        rules=tuple(dict.fromkeys(rules)),
        horizon=horizon_of(book, on, rules),
    )


_ORDER: Final[Mapping[str, int]] = {code: index for index, code in enumerate(MESSAGES)}


def _window(facts: AdmissionFacts, topic: ProvidersTopic, on: date, rules: list[str]) -> list[Reason]:
    window = topic.application_window(on)
    rules.append(window.id)
    ann = facts.announcement
    closes = window.closes(ann.opens, ann.closes)
    submitted = _day(facts.application.submitted)
    if submitted < ann.opens:
        return [Reason("application_before_opening", {"date": submitted, "opens": ann.opens})]
    if submitted > closes:
        return [Reason("late_application", {"date": submitted, "closes": closes})]
    return []


def _register(
    facts: AdmissionFacts, provider: ProviderFacts, codes: set[str], topic: ProvidersTopic, on: date, rules: list[str]
) -> list[Reason]:
    app = facts.application
    reasons: list[Reason] = []
    if "no_licence" in codes and not _licences(provider, app.care_type, on):
        reasons.append(Reason("no_licence", {"care_type": app.care_type, "date": on}))
    status_reason = _STATUS_REASONS.get(provider.status)
    if status_reason is not None and status_reason in codes:
        reasons.append(Reason(status_reason))
    if "tax_arrears" in codes:
        limit, used = topic.arrears_limit(on)
        rules.extend(used)
        if provider.tax_arrears > limit:
            reasons.append(Reason("tax_arrears", {"arrears": provider.tax_arrears, "limit": limit}))
    deciders = {f.iin for f in facts.founders if f.decision_rights}
    if "founder_fund_employee" in codes and deciders & facts.fund_employees:
        reasons.append(Reason("founder_fund_employee"))
    if "founder_relative_of_fund_employee" in codes and deciders & facts.fund_employee_relatives:
        reasons.append(Reason("founder_relative_of_fund_employee"))
    reasons.extend(_terminations(facts, codes, topic, on, rules))
    phc = topic.phc_minimum(on)
    if "phc_population_below_minimum" in codes and phc is not None and app.care_type in phc.care_types:
        rules.append(phc.id)
        population = facts.phc_population or 0
        waived = phc.unless_only_in_settlement and facts.only_phc_in_settlement
        if population < phc.population and not waived:
            reasons.append(
                Reason("phc_population_below_minimum", {"minimum": phc.population, "population": population})
            )
    if "no_capacity" in codes and facts.capacity is not None and facts.capacity <= 0:
        reasons.append(Reason("no_capacity", {"care_type": app.care_type}))
    return reasons


def _licences(provider: ProviderFacts, care_type: str, on: date) -> list[Licence]:
    return [lic for lic in provider.licences if lic.care_type == care_type and lic.in_force(on)]


def _terminations(
    facts: AdmissionFacts, codes: set[str], topic: ProvidersTopic, on: date, rules: list[str]
) -> list[Reason]:
    wanted = {kind: code for kind, code in _TERMINATION_REASONS.items() if code in codes}
    if not wanted:
        return []
    lookback = topic.exclusion_lookback(on)
    rules.append(lookback.id)
    years = lookback.value
    since = years_before(on, years)
    reasons: list[Reason] = []
    seen: set[str] = set()
    for ended in sorted(facts.terminations, key=lambda t: (t.terminated_on, t.contract_id), reverse=True):
        code = wanted.get(ended.kind)
        if code is None or code in seen or not since <= ended.terminated_on <= on:
            continue
        seen.add(code)
        reasons.append(Reason(code, {"contract": ended.contract_id, "date": ended.terminated_on, "years": years}))
    return reasons


def _preference(
    facts: AdmissionFacts, provider: ProviderFacts, codes: tuple[str, ...], years: int, on: date
) -> tuple[str, ...]:
    found: list[str] = []
    if "accredited" in codes and provider.accredited_until is not None and provider.accredited_until >= on:
        found.append("accredited")
    if "experience_3y" in codes:
        month = facts.announcement.procurement_month.replace(day=1)
        needed = years_before(month, years)
        starts = [
            lic.experience_from
            for lic in _licences(provider, facts.application.care_type, on)
            if lic.experience_from is not None
        ]
        if starts and min(starts) <= needed:
            found.append("experience_3y")
    if "own_is" in codes and provider.own_is:
        found.append("own_is")
    return tuple(found)


# --------------------------------------------------------------------------------------------
# Correcting a rejected application


@dataclass(frozen=True, slots=True)
class CorrectionVerdict:
    """Whether a rejected application may be corrected on a day, and until when."""

    allowed: bool
    reason: Reason
    deadline: date | None
    rules: tuple[str, ...]

    def as_dict(self) -> dict[str, Any]:
        return {
            "allowed": self.allowed,
            "code": self.reason.code,
            "message": self.reason.message(),
            "deadline": None if self.deadline is None else self.deadline.isoformat(),
            "rules": list(self.rules),
        }


def correction(
    decision: str, rejected_on: date, corrected_on: date, corrections_made: int, book: Rulebook
) -> CorrectionVerdict:
    """May an application with stage-1 ``decision``, rejected (the applicant notified) on
    ``rejected_on`` and already corrected ``corrections_made`` times, be corrected on
    ``corrected_on``? Within the rulebook's working days after the rejection (the Kazakh working-day
    calendar), at most the rulebook's number of corrections."""
    rule = book.topic(ProvidersTopic).correction(rejected_on)
    rules = (rule.id,)
    deadline = add_working_days(rejected_on, rule.working_days)
    if decision != "rejected":
        return CorrectionVerdict(False, Reason("not_rejected"), None, rules)
    if corrections_made >= rule.corrections:
        return CorrectionVerdict(False, Reason("second_correction", {"made": corrections_made}), None, rules)
    if corrected_on < rejected_on:
        return CorrectionVerdict(False, Reason("correction_before_rejection", {"rejected": rejected_on}), None, rules)
    if corrected_on > deadline:
        params: dict[str, Param] = {"deadline": deadline, "days": rule.working_days, "rejected": rejected_on}
        return CorrectionVerdict(False, Reason("correction_window_closed", params), deadline, rules)
    return CorrectionVerdict(True, Reason("correction_allowed", {"deadline": deadline}), deadline, rules)
