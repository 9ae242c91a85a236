"""Attachment's relations and actions (docs/access.md, docs/attachment.md): which clinic a
person is attached to, a clinic acting on itself, and who applies for or reads an attachment."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from osms.attachment.models import Attachment
from osms.core import authz
from osms.core.clock import fund_today
from osms.core.security import Principal
from osms.registry.access import FAMILY, REPRESENTED, SELF

ATTACHED_PATIENT = "attached_patient"
OWN_CLINIC = "own_clinic"


def is_attached_to(session: Session, iin: str, clinic_id: str, on: date) -> bool:
    """Attached to ``clinic_id`` on ``on`` or later (running or pending; not a superseded, empty
    row). An application alone, refused or not, is not a relation: anyone can file one."""
    attached = session.scalar(
        select(func.count())
        .select_from(Attachment)
        .where(
            Attachment.iin == iin,
            Attachment.clinic_id == clinic_id,
            or_(
                Attachment.valid_to.is_(None),
                and_(Attachment.valid_to >= on, Attachment.valid_to >= Attachment.valid_from),
            ),
        )
    )
    return bool(attached)


@authz.relation(ATTACHED_PATIENT)
def is_attached_patient(
    session: Session, principal: Principal, subject: str | None, context: Mapping[str, Any]
) -> bool:
    """The subject is attached to the clinic login's clinic on ``context["on"]`` (default today)."""
    if principal.provider_id is None or subject is None:
        return False
    return is_attached_to(session, subject, principal.provider_id, context.get("on") or fund_today())


@authz.relation(OWN_CLINIC)
def is_own_clinic(session: Session, principal: Principal, subject: str | None, context: Mapping[str, Any]) -> bool:
    """The clinic acted on (``context["clinic"]``) is the one the clinic login is bound to."""
    return principal.provider_id is not None and context.get("clinic") == principal.provider_id


#: An application (the subject: the person applied for; ``clinic=``: the clinic): citizens for
#: themselves, their children and wards, and family members linked in the registry (docs/attachment.md:
#: a family member may file for an adult); a clinic for applications to itself; operators for anyone.
ATTACHMENT_APPLY = authz.declare(
    authz.Action(
        "attachment:apply",
        anyone=("operator",),
        relations={"citizen": (SELF, FAMILY), "clinic": (OWN_CLINIC,)},
        refusal="{role} {username!r} may not apply for {subject} to clinic {clinic}",
        resource="attachment/{subject}",
    )
)

#: A person's attachment: operators and auditors anyone; citizens themselves, their children under
#: the minor age and their wards (today); clinics their attached population (on the day asked, ``on=``).
ATTACHMENT_READ = authz.declare(
    authz.Action(
        "attachment:read",
        anyone=("operator", "auditor"),
        relations={"citizen": (SELF, REPRESENTED), "clinic": (ATTACHED_PATIENT,)},
        refusal="{role} {username!r} may not see the attachment of {subject}",
        resource="attachment/{subject}",
    )
)

#: The citizen's own attachment pages (``/attachment``: where they and those they act for are
#: attached, applying to a clinic); the subject is the citizen. Logged as ``attachment.apply``.
ATTACHMENT_CHOOSE = authz.declare(
    authz.Action("attachment:choose", relations={"citizen": (SELF,)}, person_subject=False, audit="attachment.apply")
)

_CLINIC_DATA = "{role} {username!r} may not see clinic {clinic}'s data"

#: A clinic's applications (``clinic=``): the clinic itself, operators and auditors.
CLINIC_APPLICATIONS_READ = authz.declare(
    authz.Action(
        "attachment.applications:read",
        anyone=("operator", "auditor"),
        relations={"clinic": (OWN_CLINIC,)},
        refusal=_CLINIC_DATA,
        resource="clinic/{clinic}",
        person_subject=False,
    )
)

#: A clinic's attached population (``clinic=``; the API and the ``/clinic/attachments`` page): the
#: clinic itself, operators and auditors.
CLINIC_POPULATION_READ = authz.declare(
    authz.Action(
        "attachment.population:read",
        anyone=("operator", "auditor"),
        relations={"clinic": (OWN_CLINIC,)},
        refusal=_CLINIC_DATA,
        resource="clinic/{clinic}",
        person_subject=False,
    )
)
