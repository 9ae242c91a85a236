"""One access check for every channel: ``authorize(session, principal, action, subject, ...)``.

An *action* is a named thing a caller does (``person:read``, ``status:read``,
``attachment:apply``, ...). The room that owns it declares it (``declare``): the roles that may do
it to anyone, and the roles that may do it under a *relation* to the subject (``self``,
``represented``, ``employee``, ``attached_patient``, ...). A relation is a check its room
registers (``relation``): the registry knows who is whose child or ward, contributions who is
whose employee, attachment who is attached to which clinic. This module knows no room: it holds
the two registries and the one decision (docs/access.md, docs/decisions/0007-one-authorize.md).

A refusal is written to the audit log in its own transaction (``audit.denied``: it stays when the
refused request is rolled back) as ``<action>.denied``, then raised as ``Forbidden``. The allowed
read is logged by the room after it has read (with what it read); ``authorize`` never commits the
caller's session.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from osms.core import audit
from osms.core.errors import Forbidden
from osms.core.identity import check_iin
from osms.core.models import ROLES
from osms.core.security import Principal

#: A relation check: does ``principal`` stand in the relation to ``subject``? ``context`` holds
#: what the action's caller passed besides the subject (the day, the clinic, the employer, ...).
Relation = Callable[[Session, Principal, str | None, Mapping[str, Any]], bool]


@dataclass(frozen=True)
class Action:
    """Who may do a named action, and how a refusal is answered and logged.

    ``refusal`` (and ``role_refusals``, per role) is the refusal's sentence, ``resource`` the audit
    entry's resource when the caller names none, ``detail`` its detail: templates formatted with
    ``role``, ``username``, ``bin`` (the login's BIN or ``-``), ``subject``, ``allowed`` (the
    roles that may, in the order of ``core.models.ROLES``) and the caller's context. The audit
    entry of a refusal is ``<audit>.denied`` (``audit`` defaults to the name with ``:`` as ``.``);
    its subject is the subject when ``person_subject`` and it is a valid IIN.
    """

    name: str
    anyone: tuple[str, ...] = ()
    relations: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    refusal: str = "the role {role!r} may not do this; allowed: {allowed}"
    role_refusals: Mapping[str, str] = field(default_factory=dict)
    resource: str | None = None
    detail: str | None = None
    person_subject: bool = True
    audit: str | None = None

    @property
    def roles(self) -> tuple[str, ...]:
        """Every role that may do the action to someone, in the order of ``ROLES``."""
        return tuple(role for role in ROLES if role in self.anyone or role in self.relations)

    @property
    def audit_action(self) -> str:
        return self.audit or self.name.replace(":", ".")


_ACTIONS: dict[str, Action] = {}
_RELATIONS: dict[str, Relation] = {}


def declare(action: Action) -> str:
    """Declare an action (once; its room's ``access`` module does it on import) and return its
    name: callers import the name from there, so the declaration is loaded before any check. The
    relations it names must be registered already (import their names from their rooms)."""
    for names in action.relations.values():
        for name in names:
            if name not in _RELATIONS:
                raise LookupError(f"the action {action.name!r} names the relation {name!r}, which no room registers")
    known = _ACTIONS.get(action.name)
    if known is not None and known != action:
        raise ValueError(f"the action {action.name!r} is declared twice, differently")
    _ACTIONS[action.name] = action
    return action.name


def relation(name: str) -> Callable[[Relation], Relation]:
    """Register the check of a relation under ``name`` (a decorator; its room's ``access``)."""

    def register(check: Relation) -> Relation:
        known = _RELATIONS.get(name)
        if known is not None and known is not check:
            raise ValueError(f"the relation {name!r} is registered twice")
        _RELATIONS[name] = check
        return check

    return register


def action(name: str) -> Action:
    """The declared action ``name`` (LookupError naming it if no room declared it)."""
    try:
        return _ACTIONS[name]
    except KeyError:
        raise LookupError(f"no room declares the action {name!r}") from None


def actions() -> dict[str, Action]:
    """Every declared action, by name."""
    return dict(_ACTIONS)


def roles(name: str) -> tuple[str, ...]:
    """The roles that may do ``name`` to someone (to anyone, or under a relation)."""
    return action(name).roles


def anyone(name: str) -> tuple[str, ...]:
    """The roles that may do ``name`` to anyone, whatever their relation."""
    declared = action(name).anyone
    return tuple(role for role in ROLES if role in declared)


def allows(session: Session, principal: Principal, name: str, subject: str | None = None, **context: Any) -> bool:
    """May ``principal`` do ``name`` to ``subject``? No side effect (no audit entry)."""
    declared = action(name)
    if principal.role in declared.anyone:
        return True
    for relation_name in declared.relations.get(principal.role, ()):
        if _RELATIONS[relation_name](session, principal, subject, context):
            return True
    return False


def authorize(
    session: Session,
    principal: Principal,
    name: str,
    subject: str | None = None,
    *,
    channel: str,
    resource: str | None = None,
    detail: str | None = None,
    **context: Any,
) -> None:
    """Return when ``principal`` may do ``name`` to ``subject``; else log the refusal in its own
    transaction and raise ``Forbidden``. ``resource`` and ``detail`` name the audit entry's
    (default: the action's templates); ``context`` goes to the relation checks and templates."""
    subject = subject.strip() if isinstance(subject, str) else subject
    if allows(session, principal, name, subject, **context):
        return
    declared = action(name)
    fields = {
        "role": principal.role,
        "username": principal.username,
        "bin": principal.bin or "-",
        "subject": subject,
        "allowed": ", ".join(declared.roles),
        **context,
    }
    audit.denied(
        session,
        principal,
        channel=channel,
        action=f"{declared.audit_action}.denied",
        resource=resource or (declared.resource or "{subject}").format(**fields),
        subject_iins=[subject if declared.person_subject and subject and check_iin(subject).valid else None],
        detail=detail if detail is not None else declared.detail.format(**fields) if declared.detail else None,
    )
    raise Forbidden(declared.role_refusals.get(principal.role, declared.refusal).format(**fields))


def authorize_role(
    session: Session | Engine,
    principal: Principal,
    name: str,
    *,
    channel: str,
    resource: str,
    detail: str | None = None,
) -> None:
    """Refuse, before the request is read, a role that may do ``name`` to nobody (the relation is
    checked later, by ``authorize`` once the subject is known): logged and raised like a refusal,
    with the sentence "the role ... may not do this; allowed: ..." (the entry's detail unless
    ``detail`` names another)."""
    declared = action(name)
    if principal.role in declared.roles:
        return
    message = f"the role {principal.role!r} may not do this; allowed: {', '.join(declared.roles)}"
    audit.denied(
        session,
        principal,
        channel=channel,
        action=f"{declared.audit_action}.denied",
        resource=resource,
        detail=message if detail is None else detail,
    )
    raise Forbidden(message)
