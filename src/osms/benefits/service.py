"""Entitlement use case: who may ask, the facts (registry residency and the insured status),
the pure decision (``osms.benefits.rules``), and the audit of every lookup."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from osms.benefits import rules
from osms.benefits.access import ENTITLEMENT_READ
from osms.benefits.catalogue import care_type
from osms.benefits.rulebook import BenefitsTopic
from osms.core import audit
from osms.core.authz import authorize, roles
from osms.core.clock import fund_today
from osms.core.security import Principal
from osms.coverage import service as coverage
from osms.coverage.rules import Status
from osms.registry.service import get_person_row
from osms.rulebooks.loader import DateOutsideRulebook, Rulebook, iter_rulebooks, load_rulebook


@dataclass(frozen=True)
class Question:
    """One entitlement question: a care type, an optional ICD-10 diagnosis, emergency, referral."""

    care: str
    icd10: str | None = None
    emergency: bool = False
    referral: bool = False


@dataclass(frozen=True)
class Entitled:
    """The answer to one question: the decision, and whether the care type needs a referral on
    that date (the rulebook's ``referral_required`` list)."""

    decision: rules.Decision
    referral_required: bool


def decide(
    session: Session, book: Rulebook, number: str, on: date, insured: bool, question: Question
) -> rules.Decision:
    """The decision for ``question`` about the person ``number`` whose insured status on ``on`` is
    ``insured``: the registry's residency and the pure rules (``rules.decide``)."""
    person = get_person_row(session, number)
    return rules.decide(
        rulebook=book,
        on=on,
        care=question.care,
        residency=person.residency if person is not None else None,
        insured=insured,
        icd10=question.icd10,
        emergency=question.emergency,
        referral=question.referral,
    )


def entitlements_for_status(
    session: Session,
    principal: Principal,
    status: Status,
    questions: Sequence[Question],
    *,
    channel: str,
    resource: str,
) -> list[Entitled]:
    """The entitlements for ``questions`` about the person of a status answer ``principal`` was
    given (``coverage.service.read_status`` checked the access and audited the status): one per
    question, none for a role that may not ask (employers: a diagnosis is medical data). The
    lookup is audited once as ``entitlement.read`` with the number of items."""
    if not questions or principal.role not in roles(ENTITLEMENT_READ):
        return []
    book = load_rulebook(status.rulebook)
    referral_list = book.topic(BenefitsTopic).care_type_list("referral_required", status.on)
    needs_referral = set(referral_list.care_types) if referral_list is not None else set()
    answers = []
    for question in questions:
        decision = decide(session, book, status.iin, status.on, status.insured, question)
        answers.append(Entitled(decision, decision.care_type.code in needs_referral))
    audit.record(
        session,
        principal,
        channel=channel,
        action="entitlement.read",
        resource=resource,
        subject_iin=status.iin,
        detail=f"on={status.on.isoformat()} rulebook={status.rulebook} items={len(answers)}",
    )
    return answers


def checked_day(book: Rulebook, day: date) -> None:
    """DateOutsideRulebook naming the rulebook's period and the rulebooks that do cover ``day``."""
    if book.covers(day):
        return
    others = [rb.name for rb in iter_rulebooks() if rb.covers(day)]
    hint = (
        f"; the rulebook {', '.join(others)} covers it (--rulebook / rulebook=)"
        if others
        else "; no rulebook covers it"
    )
    raise DateOutsideRulebook(f"{day.isoformat()} is outside the rulebook {book.name} (from {book.covers_from}){hint}")


def entitlement(
    session: Session,
    principal: Principal,
    iin: str,
    care: str,
    on: date | None = None,
    icd10: str | None = None,
    *,
    emergency: bool = False,
    referral: bool = False,
    rulebook: str | None = None,
    channel: str,
    resource: str,
) -> dict[str, Any]:
    """The answer of ``osms entitle``, ``POST /api/v1/entitlements`` and the clinic's page:
    ``covered_by``, reasons (kk/ru/en), rules, the insured status answer, the rulebook."""
    number = coverage.checked_iin(iin)
    care_type(care)
    if icd10:
        rules.diagnosis_code(icd10)
    book = coverage.resolve_rulebook(rulebook)
    day = on or fund_today()
    checked_day(book, day)
    authorize(session, principal, ENTITLEMENT_READ, number, channel=channel, resource=resource)
    status = coverage.status_of(session, number, day, book.name)
    decision = decide(session, book, number, day, status.insured, Question(care, icd10 or None, emergency, referral))
    audit.record(
        session,
        principal,
        channel=channel,
        action="entitlement.read",
        resource=resource,
        subject_iin=number,
        detail=(
            f"on={day.isoformat()} rulebook={book.name} care_type={decision.care_type.code} "
            f"covered_by={decision.covered_by}"
        ),
    )
    return {"iin": number} | decision.as_dict() | {"insured": coverage.visible_status(principal.role, status.as_dict())}
