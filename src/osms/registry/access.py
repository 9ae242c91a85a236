"""The registry's relations and actions (docs/access.md): whom a citizen acts for (themselves,
a child under the minor age or a ward, a family member) and who reads a registry card."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from osms.core import authz
from osms.core.clock import fund_today
from osms.core.security import Principal
from osms.registry.models import FamilyLink
from osms.registry.service import may_act_for, minor_age_on

SELF = "self"
REPRESENTED = "represented"
FAMILY = "family"


@authz.relation(SELF)
def is_self(session: Session, principal: Principal, subject: str | None, context: Mapping[str, Any]) -> bool:
    """The subject is the person the login is bound to."""
    return principal.iin is not None and subject == principal.iin


@authz.relation(REPRESENTED)
def is_represented(session: Session, principal: Principal, subject: str | None, context: Mapping[str, Any]) -> bool:
    """The subject is the login's child under the rulebook's minor age or its ward, on
    ``context["today"]`` (default today): ``registry.service.may_act_for``."""
    if principal.iin is None or subject is None:
        return False
    day = context.get("today") or fund_today()
    return may_act_for(session, principal.iin, subject, day, minor_age_on(day))


@authz.relation(FAMILY)
def is_family(session: Session, principal: Principal, subject: str | None, context: Mapping[str, Any]) -> bool:
    """A family link of any relation, either direction, between the login's person and the subject."""
    if principal.iin is None or subject is None:
        return False
    me = principal.iin
    linked = session.scalar(
        select(func.count())
        .select_from(FamilyLink)
        .where(
            or_(
                and_(FamilyLink.iin == me, FamilyLink.relative_iin == subject),
                and_(FamilyLink.iin == subject, FamilyLink.relative_iin == me),
            )
        )
    )
    return bool(linked)


#: A registry card. Clinics (to serve patients), operators and auditors: anyone; citizens:
#: themselves, their children under the minor age and their wards; employers: no card.
PERSON_READ = authz.declare(
    authz.Action(
        "person:read",
        anyone=("clinic", "operator", "auditor"),
        relations={"citizen": (SELF, REPRESENTED)},
        refusal="{role} {username!r} may not see the data of {subject}",
        resource="person/{subject}",
    )
)
