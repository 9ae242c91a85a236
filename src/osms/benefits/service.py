"""Entitlement use case: who may ask, the facts (registry residency and the insured status),
the pure decision (``osms.benefits.rules``), and the audit of every lookup."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from osms.benefits import rules
from osms.benefits.access import ENTITLEMENT_READ
from osms.benefits.catalogue import care_type
from osms.core import audit
from osms.core.authz import authorize
from osms.core.clock import fund_today
from osms.core.security import Principal
from osms.coverage import service as coverage
from osms.registry.service import get_person_row
from osms.rulebooks.loader import DateOutsideRulebook, Rulebook, iter_rulebooks


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
    person = get_person_row(session, number)
    decision = rules.decide(
        rulebook=book,
        on=day,
        care=care,
        residency=person.residency if person is not None else None,
        insured=status.insured,
        icd10=icd10 or None,
        emergency=emergency,
        referral=referral,
    )
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
