"""The one access check's machinery (``osms.core.authz``): declarations, relations, refusals."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from osms.core import authz
from osms.core.errors import Forbidden
from osms.core.models import AuditEntry
from osms.core.security import Principal

CLERK = Principal(user_id=1, username="clerk", role="clinic", display_name="c", provider_id="C-1")
CITIZEN = Principal(user_id=2, username="ana", role="citizen", display_name="a", iin="860101300017")


@authz.relation("test_same_clinic")
def _same_clinic(session: Session, principal: Principal, subject: str | None, context: dict) -> bool:
    return context.get("clinic") == principal.provider_id


TEST_ACTION = authz.declare(
    authz.Action(
        "test:read",
        anyone=("operator",),
        relations={"clinic": ("test_same_clinic",)},
        refusal="{role} {username!r} may not read {subject} of {clinic}",
        resource="test/{subject}",
    )
)


def test_a_relation_grants_and_a_refusal_is_logged_and_raised(session: Session) -> None:
    authz.authorize(session, CLERK, TEST_ACTION, "x", channel="api", clinic="C-1")
    with pytest.raises(Forbidden, match="clinic 'clerk' may not read x of C-2"):
        authz.authorize(session, CLERK, TEST_ACTION, "x", channel="api", clinic="C-2")
    session.rollback()
    entries = session.execute(select(AuditEntry.action, AuditEntry.outcome, AuditEntry.resource)).all()
    assert [tuple(e) for e in entries] == [("test.read.denied", "denied", "test/x")]


def test_a_role_without_the_action_is_refused_before_its_relations(session: Session) -> None:
    assert not authz.allows(session, CITIZEN, TEST_ACTION, "x", clinic="C-1")
    assert authz.roles(TEST_ACTION) == ("clinic", "operator")
    assert authz.anyone(TEST_ACTION) == ("operator",)
    with pytest.raises(Forbidden, match="the role 'citizen' may not do this; allowed: clinic, operator"):
        authz.authorize_role(session, CITIZEN, TEST_ACTION, channel="api", resource="/x")


def test_an_undeclared_action_or_unregistered_relation_is_a_programming_error(session: Session) -> None:
    with pytest.raises(LookupError, match="no room declares the action 'nobody:knows'"):
        authz.allows(session, CLERK, "nobody:knows")
    with pytest.raises(LookupError, match="no room registers"):
        authz.declare(authz.Action("test:orphan", relations={"clinic": ("no_such_relation",)}))
    with pytest.raises(ValueError, match="declared twice"):
        authz.declare(authz.Action("test:read", anyone=("auditor",)))
