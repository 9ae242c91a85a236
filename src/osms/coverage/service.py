"""Coverage use cases: insured status of one person or of many (set-based), who may ask, the
audit of every lookup, and the register of non-working pregnant women (docs/status.md).

A status check reads only the person's registry row, their category memberships and the
``person_month`` summary rows of the rulebook's window (``rules.window``: M - 72 to M + 12 in the
shipped rulebooks); never the ledger. A batch
reads the same for all its IINs in a few chunked queries, never one query per IIN.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, timedelta
from functools import lru_cache
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from osms.contributions.queries import PAYMENT_KINDS
from osms.contributions.service import employees_among, summary_months, summary_signatures
from osms.core import audit
from osms.core.authz import authorize
from osms.core.clock import fund_today
from osms.core.config import get_settings
from osms.core.errors import InvalidInput, NotFound
from osms.core.i18n import N_, label, translator
from osms.core.identity import IdCheck, check_iin
from osms.core.periods import Month
from osms.core.security import Principal
from osms.core.workdays import add_working_days
from osms.coverage import rules
from osms.coverage.access import (
    CARD_STATUS_ROLES,
    FULL_STATUS_ROLES,
    PREGNANCY_REGISTER,
    STATUS_BATCH,
    STATUS_READ,
)
from osms.coverage.models import PregnancyEntry
from osms.coverage.rulebook import CoverageTopic
from osms.registry.service import (
    PersonFacts,
    get_person_row,
    membership_end,
    person_facts,
    put_membership,
)
from osms.rulebooks.loader import Rulebook, load_rulebook

BATCH_LIMIT = 10_000


# --------------------------------------------------------------------------------------------
# Inputs


def resolve_rulebook(name: str | None) -> Rulebook:
    """The rulebook named, or the default (setting ``OSMS_RULEBOOK``)."""
    return load_rulebook(name or get_settings().rulebook)


def checked_iin(raw: str) -> str:
    """The IIN, or InvalidInput naming every failed check (code ``bad_iin:<codes>``)."""
    check = check_iin(raw)
    if not check.valid:
        raise bad_iin(check)
    return check.number


def bad_iin(check: IdCheck) -> InvalidInput:
    return InvalidInput(
        "; ".join(e.message for e in check.errors), code="bad_iin:" + ",".join(e.code for e in check.errors)
    )


@lru_cache(maxsize=128)
def kinds_of(bits: int) -> frozenset[str]:
    """The payment kinds of a ``person_month.kinds`` bitmask."""
    return frozenset(name for name, bit in PAYMENT_KINDS.items() if bits & bit)


@lru_cache(maxsize=4096)
def month_of(index: int) -> Month:
    return Month.from_index(index)


@lru_cache(maxsize=256)
def category_label(lang: str, code: str) -> str:
    return label(lang, "category", code)


# --------------------------------------------------------------------------------------------
# Reading the facts, set-based


def load_facts(
    session: Session, iins: Sequence[str] | Select[Any], on: date, book: Rulebook
) -> tuple[dict[str, PersonFacts], dict[str, list[rules.MonthFacts]]]:
    """The registry facts (``registry.service.person_facts``: the person and the memberships that
    overlap the window up to D) and the summary months of the window (``rules.window``: ``book``'s
    figures in force on D), for ``iins``: a list of IINs (a few queries per chunk, never one per
    IIN) or a one-column SELECT of IINs (two statements for a whole population)."""
    first, last = rules.window(on, book)
    persons = person_facts(session, iins, first.first_day, on)
    months: dict[str, list[rules.MonthFacts]] = {}
    wanted = iins if isinstance(iins, Select) else list(iins)
    for iin, period, kinds, payer, first_value_date in summary_months(session, wanted, first, last):
        months.setdefault(iin, []).append(rules.MonthFacts(month_of(period), kinds_of(kinds), payer, first_value_date))
    return persons, months


class InsuredMemo:
    """``evaluate_facts(...).insured``, memoised on what the evaluation reads: the day, the person's
    month facts and category memberships, the death date, and the birth date as the status rules
    use it (its month when on or after the insurance start, else only "before the start"; and
    whether the person was born by the day). Persons with the same facts share one evaluation; the
    claims checks and the per-capita reductions ask through one memo."""

    def __init__(self, book: Rulebook) -> None:
        self.book = book
        self.start = book.topic(CoverageTopic).insurance_starts().replace(day=1)
        self.known: dict[tuple[Any, ...], bool] = {}

    def person_key(self, person: PersonFacts, day: date) -> tuple[Any, ...]:
        """What the evaluation reads of the person besides the months: the day, the memberships,
        the death date and the birth date as the rules use it."""
        birth = person.birth_date
        born = None if birth is None else (birth.replace(day=1) if birth >= self.start else "before", birth > day)
        return (day, person.categories, person.death_date, born)

    def __call__(
        self, iin: str, day: date, persons: dict[str, PersonFacts], months: dict[str, list[rules.MonthFacts]]
    ) -> bool:
        person = persons.get(iin)
        key: tuple[Any, ...] = (
            (day, None) if person is None else (tuple(months.get(iin, ())), *self.person_key(person, day))
        )
        found = self.known.get(key)
        if found is None:
            found = self.known[key] = evaluate_facts(iin, day, self.book, persons, months, brief=True).insured
        return found


def insured_among(session: Session, iins: Select[Any], on: date, book: Rulebook) -> set[str]:
    """Which IINs of a population (a one-column SELECT of IINs, e.g. the people attached to the
    clinics on a day) are insured on ``on``: each distinct set of facts is evaluated once
    (``InsuredMemo``'s key). An IIN the registry does not know is not insured.

    The months are the bulk of the facts (a paying person has one summary row per month of the
    window). On PostgreSQL the database folds each person's months into a digest
    (``contributions.service.summary_signatures``) and only one person's months per distinct
    digest are read; elsewhere every row is read and the key built on the rows as read."""
    first, last = rules.window(on, book)
    persons = person_facts(session, iins, first.first_day, on)
    memo = InsuredMemo(book)
    found: set[str] = set()
    if session.get_bind().dialect.name == "postgresql":
        digests = dict(summary_signatures(session, iins, first, last))
        keys = {iin: (digests.get(iin), *memo.person_key(person, on)) for iin, person in persons.items()}
        first_of: dict[tuple[Any, ...], str] = {}
        for iin, key in keys.items():
            if key not in memo.known:
                first_of.setdefault(key, iin)
        sample = sorted(set(first_of.values()))
        months: dict[str, list[rules.MonthFacts]] = {}
        for iin, period, kinds, payer, first_value_date in summary_months(session, sample, first, last):
            months.setdefault(iin, []).append(
                rules.MonthFacts(month_of(period), kinds_of(kinds), payer, first_value_date)
            )
        for key, iin in first_of.items():
            memo.known[key] = evaluate_facts(iin, on, book, persons, months, brief=True).insured
        return {iin for iin, key in keys.items() if memo.known[key]}
    raw: dict[str, list[tuple[int, int, str, date]]] = {}
    for iin, period, kinds, payer, first_value_date in summary_months(session, iins, first, last):
        raw.setdefault(iin, []).append((period, kinds, payer, first_value_date))
    for iin, person in persons.items():
        rows = tuple(raw.get(iin, ()))
        key = (rows, *memo.person_key(person, on))
        insured = memo.known.get(key)
        if insured is None:
            facts = {iin: [rules.MonthFacts(month_of(p), kinds_of(k), payer, d) for p, k, payer, d in rows]}
            insured = memo.known[key] = evaluate_facts(iin, on, book, {iin: person}, facts, brief=True).insured
        if insured:
            found.add(iin)
    return found


def evaluate_facts(
    iin: str,
    on: date,
    book: Rulebook,
    persons: dict[str, PersonFacts],
    months: dict[str, list[rules.MonthFacts]],
    *,
    brief: bool = False,
) -> rules.Status:
    """The status of ``iin`` from facts read by ``load_facts`` (or the PostgreSQL hot path,
    ``coverage.hotpath``, which reads the same facts in one statement); ``brief``: the decision
    without the sentence (``rules.evaluate``)."""
    person = persons.get(iin)
    return rules.evaluate(
        iin=iin,
        on=on,
        rulebook=book,
        months=months.get(iin, ()),
        memberships=[rules.Membership(*m) for m in person.categories] if person else (),
        birth_date=person.birth_date if person else None,
        death_date=person.death_date if person else None,
        known=person is not None,
        category_label=category_label,
        brief=brief,
    )


def status_of(session: Session, iin: str, on: date | None = None, rulebook: str | None = None) -> rules.Status:
    """Insured status of one person on ``on`` (default today). Raises InvalidInput for a bad IIN,
    UnknownRulebook, DateOutsideRulebook (422) for a date the rulebook does not cover."""
    number = checked_iin(iin)
    day = on or fund_today()
    book = resolve_rulebook(rulebook)
    book.check_date(day)
    persons, months = load_facts(session, [number], day, book)
    return evaluate_facts(number, day, book, persons, months)


def statuses(session: Session, iins: Sequence[str], on: date, rulebook: str | None = None) -> list[dict[str, Any]]:
    """Answers for many IINs, in input order. An invalid IIN gets ``{"iin", "error": {"code",
    "message"}}`` instead of a status. Valid IINs are read together, chunked."""
    book = resolve_rulebook(rulebook)
    book.check_date(on)
    checks = [check_iin(raw) for raw in iins]
    valid = sorted({c.number for c in checks if c.valid})
    persons, months = load_facts(session, valid, on, book)
    answers: dict[str, dict[str, Any]] = {
        number: evaluate_facts(number, on, book, persons, months).as_dict() for number in valid
    }
    result: list[dict[str, Any]] = []
    for raw, check in zip(iins, checks, strict=True):
        if check.valid:
            result.append(answers[check.number])
        else:
            error = bad_iin(check)
            result.append({"iin": raw, "error": {"code": error.code, "message": error.message}})
    return result


# --------------------------------------------------------------------------------------------
# Who may ask, and the audit log


def is_employee(session: Session, employer: str, iin: str, today: date | None = None) -> bool:
    """Has ``employer`` (BIN, or an IE's IIN) a credited payment for ``iin`` for a period of the
    last 12 months (the current month and the 12 before it, counted from today)?
    (``contributions.service.employees_among``, docs/access.md)"""
    return iin in employees_among(session, employer, [iin], today or fund_today())


def visible_status(role: str, answer: dict[str, Any]) -> dict[str, Any]:
    """A status answer (``Status.as_dict()``) cut to what ``role`` may see (docs/access.md), the
    same on the API, the hot path, FHIR, the batch and the entitlement answer. The fields a role
    may not see stay in the answer as null:

    - clinic: insured, until when and the basis in a word (code and category); not the payer and
      payment kind, the months paid, the arrears, nor the sentence (it quotes the arrears in tenge);
    - employer (its own employees only): insured or not on the day, nothing else; not even the end
      date, which for an open-ended state-paid category is none, so would reveal the category.

    Driven by the actions' roles (``coverage.access``): the whole answer to a role that reads the
    payment lines, the clinic's cut to a role that reads registry cards, the employer's to the rest.
    """
    if role in FULL_STATUS_ROLES:
        return answer
    cut = answer | {"months_paid_last_12": None, "arrears": None, "due": None, "message": None}
    if role in CARD_STATUS_ROLES:
        basis = answer["basis"]
        return cut | {"basis": basis | {"payer": None, "kind": None}}
    return cut | {"basis": None, "insured_until": None, "rules": None}


def record_reads(
    session: Session, principal: Principal, iins: Iterable[str], *, channel: str, resource: str, detail: str | None
) -> None:
    """One ``status.read`` audit entry per IIN, in one bulk insert."""
    audit.record_many(session, principal, iins, channel=channel, action="status.read", resource=resource, detail=detail)


def read_status(
    session: Session,
    principal: Principal,
    iin: str,
    on: date | None = None,
    rulebook: str | None = None,
    *,
    channel: str,
    resource: str,
) -> rules.Status:
    """The use case behind ``GET /api/v1/persons/{iin}/status``, FHIR and the CLI: check the IIN,
    authorize, compute, audit."""
    number = checked_iin(iin)
    authorize(session, principal, STATUS_READ, number, channel=channel, resource=resource)
    status = status_of(session, number, on, rulebook)
    audit.record(
        session,
        principal,
        channel=channel,
        action="status.read",
        resource=resource,
        subject_iin=number,
        detail=read_detail(status),
    )
    return status


def read_detail(status: rules.Status) -> str:
    """The audit entry's detail of one status read: the date, the rulebook and the answer's basis."""
    return f"on={status.on.isoformat()} rulebook={status.rulebook} basis={status.basis.code}"


def read_statuses(
    session: Session,
    principal: Principal,
    iins: Sequence[str],
    on: date | None = None,
    rulebook: str | None = None,
    *,
    channel: str,
    resource: str,
) -> list[dict[str, Any]]:
    """The batch use case (clinics, operators, auditors): up to 10,000 IINs, answers in input
    order, one audit entry per distinct valid IIN."""
    authorize(session, principal, STATUS_BATCH, channel=channel, resource=resource)
    if len(iins) > BATCH_LIMIT:
        raise InvalidInput(
            f"at most {BATCH_LIMIT:,} IINs per request, got {len(iins):,}", code="too_many_iins", status=413
        )
    day = on or fund_today()
    result = [
        answer if "error" in answer else visible_status(principal.role, answer)
        for answer in statuses(session, iins, day, rulebook)
    ]
    seen: dict[str, None] = {}
    for answer in result:
        if "error" not in answer:
            seen.setdefault(answer["iin"], None)
    record_reads(session, principal, seen, channel=channel, resource=resource, detail=f"on={day.isoformat()} batch")
    return result


# --------------------------------------------------------------------------------------------
# Non-working pregnant women (docs/status.md, seed 002)

#: Kinds that show work with an employer or an agent (docs/status.md: "no employer or agent payment").
WORK_KINDS = ("employer_deduction", "employee_contribution", "civil_contract")
PREGNANCY_SOURCE = "register of pregnant women"
HAS_EMPLOYER = "has employer payments: must pay arrears up to 12 months"

#: The answer's sentence for each decision of the register of pregnant women.
PREGNANCY_MESSAGES: dict[str, str] = {
    "assigned": N_(
        "The category «non-working pregnant woman» is assigned from %(since)s; the state pays the contributions."
    ),
    "refused_has_employer": N_(
        "Refused: an employer or agent paid for her in the last 2 months (%(periods)s); she must pay the "
        "arrears for up to 12 months."
    ),
    "refused_not_eligible": N_("Refused: %(reason)s."),
}
#: Why a woman cannot have the category (stored in English as the entry's reason).
NOT_ELIGIBLE: dict[str, str] = {
    "male": N_("the registry records the person as male"),
    "deceased": N_("the person has died"),
}


def _day(lang: str, day: date) -> str:
    return day.isoformat() if lang == "en" else day.strftime("%d.%m.%Y")


def _pregnancy_answer(entry: PregnancyEntry, category_to: date | None, periods: list[str]) -> dict[str, Any]:
    known = entry.reason in NOT_ELIGIBLE.values()
    messages = {}
    for lang in ("kk", "ru", "en"):
        words = translator(lang).gettext
        messages[lang] = words(PREGNANCY_MESSAGES[entry.decision]) % {
            "since": _day(lang, entry.category_from) if entry.category_from else "",
            "periods": ", ".join(periods),
            "reason": words(entry.reason) if known and entry.reason else (entry.reason or ""),
        }
    return {
        "id": entry.id,
        "iin": entry.iin,
        "entered_on": entry.entered_on.isoformat(),
        "expected_delivery": entry.expected_delivery.isoformat() if entry.expected_delivery else None,
        "decision": entry.decision,
        "category": "pregnant_nonworking" if entry.decision == "assigned" else None,
        "category_from": entry.category_from.isoformat() if entry.category_from else None,
        "category_to": category_to.isoformat() if category_to else None,
        "reason": entry.reason,
        "employer_periods": periods,
        "message": messages,
    }


def register_pregnancy(
    session: Session,
    iin: str,
    entered_on: date,
    expected_delivery: date | None = None,
    *,
    principal: Principal,
    channel: str,
) -> dict[str, Any]:
    """An obstetrician's entry in the register of pregnant women, decided at once (docs/status.md).

    No employer-deduction, employee-contribution or civil-contract payment credited for her for
    the entry month or the 2 months before it → the category ``pregnant_nonworking`` from the
    3rd working day after the entry (Kazakh calendar), to ``expected_delivery`` + 56 days (or open).
    Otherwise refused: she has work and must pay arrears for up to 12 months. The same entry
    (IIN and day) registered again returns the first decision, unchanged.
    """
    number = checked_iin(iin)
    authorize(session, principal, PREGNANCY_REGISTER, number, channel=channel)
    person = get_person_row(session, number)
    if person is None:
        raise NotFound(f"no person with IIN {number} in the registry", code="unknown_person")
    if expected_delivery is not None and expected_delivery < entered_on:
        raise InvalidInput("the expected delivery is before the entry date", code="bad_expected_delivery")
    # Both days must be ones the rulebook answers for (DateOutsideRulebook, 422), as for a status.
    book = resolve_rulebook(None)
    book.check_date(entered_on)
    if expected_delivery is not None:
        book.check_date(expected_delivery)
    month = Month.of(entered_on)
    law = book.topic(CoverageTopic)
    lookback = law.pregnancy_lookback_months(entered_on)
    work = [
        str(month_of(period))
        for _, period, bits, _, _ in sorted(
            summary_months(session, [number], month - lookback, month), key=lambda r: r[1]
        )
        if kinds_of(bits) & set(WORK_KINDS)
    ]
    existing = session.scalar(
        select(PregnancyEntry).where(PregnancyEntry.iin == number, PregnancyEntry.entered_on == entered_on)
    )
    if existing is not None:
        existing_to = (
            membership_end(session, number, "pregnant_nonworking", existing.category_from)
            if existing.category_from
            else None
        )
        return _pregnancy_answer(existing, existing_to, work)

    category_to: date | None = None
    if person.sex == "M" or (person.death_date is not None and person.death_date <= entered_on):
        key = "male" if person.sex == "M" else "deceased"
        entry = PregnancyEntry(
            iin=number,
            entered_on=entered_on,
            expected_delivery=expected_delivery,
            decision="refused_not_eligible",
            category_from=None,
            reason=NOT_ELIGIBLE[key],
        )
    elif work:
        entry = PregnancyEntry(
            iin=number,
            entered_on=entered_on,
            expected_delivery=expected_delivery,
            decision="refused_has_employer",
            category_from=None,
            reason=HAS_EMPLOYER,
        )
    else:
        since = add_working_days(entered_on, law.pregnancy_decision_working_days(entered_on))
        category_to = (
            expected_delivery + timedelta(days=law.pregnancy_postnatal_days(entered_on)) if expected_delivery else None
        )
        entry = PregnancyEntry(
            iin=number,
            entered_on=entered_on,
            expected_delivery=expected_delivery,
            decision="assigned",
            category_from=since,
            reason=None,
        )
        put_membership(session, number, "pregnant_nonworking", since, category_to, PREGNANCY_SOURCE)
    session.add(entry)
    session.flush()
    audit.record(
        session,
        principal,
        channel=channel,
        action="pregnancy.register",
        resource=f"pregnancy/{entry.id}",
        subject_iin=number,
        detail=entry.decision,
    )
    return _pregnancy_answer(entry, category_to, work)
