"""What the audit log records: one entry per person whose data was read, every denial (kept even
when the request's own work is rolled back), every failed login; never a password."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from osms.core.authz import authorize
from osms.core.errors import Forbidden
from osms.core.models import AuditEntry
from osms.core.security import Principal
from osms.coverage.access import STATUS_READ
from osms.registry.models import Person
from tests.audit.conftest import PASSWORD, AuditWorld, auth
from tests.registry.helpers import iin


def entries(session: Session, action: str | None = None) -> list[AuditEntry]:
    session.expire_all()
    query = select(AuditEntry).order_by(AuditEntry.id)
    if action is not None:
        query = query.where(AuditEntry.action == action)
    return list(session.scalars(query))


# --- One entry per person read -------------------------------------------------------------------


@pytest.mark.parametrize("role", ["clinic", "auditor"])
def test_population_page_of_50_gives_50_entries_with_their_iins(client, audit_world: AuditWorld, session, role) -> None:
    answer = client.get(
        "/api/v1/clinics/AST-8/population", params={"on": "2024-06-01"}, headers=auth(audit_world.tokens[role])
    )
    assert answer.status_code == 200, answer.text
    listed = [p["iin"] for p in answer.json()["persons"]]
    assert listed == audit_world.attached[:50]  # page 1: the first 50 by IIN
    read = entries(session, "attachment.population.read")
    assert sorted(e.subject_iin for e in read) == audit_world.attached[:50]
    assert {(e.role, e.channel, e.outcome) for e in read} == {(role, "api", "ok")}
    # page 2: the 5 others, 5 entries more
    client.get(
        "/api/v1/clinics/AST-8/population",
        params={"on": "2024-06-01", "page": 2},
        headers=auth(audit_world.tokens[role]),
    )
    assert sorted(e.subject_iin for e in entries(session, "attachment.population.read")) == sorted(audit_world.attached)


def test_applications_list_gives_one_entry_per_applicant(client, audit_world: AuditWorld, session) -> None:
    answer = client.get("/api/v1/clinics/AST-8/applications", headers=auth(audit_world.tokens["clinic"]))
    assert answer.status_code == 200, answer.text
    read = entries(session, "attachment.applications.read")
    assert sorted(e.subject_iin for e in read) == sorted(audit_world.applicants)
    assert all(e.subject_iin is not None for e in read)


# --- Denials -------------------------------------------------------------------------------------


def _denials(session: Session) -> list[tuple[str, str, str, str, str | None]]:
    return [(e.actor, e.role, e.channel, e.action, e.subject_iin) for e in entries(session) if e.outcome == "denied"]


def test_batch_status_denial_is_logged(client, audit_world: AuditWorld, session) -> None:
    answer = client.post(
        "/api/v1/status:batch", json={"iins": audit_world.attached[:2]}, headers=auth(audit_world.tokens["employer"])
    )
    assert answer.status_code == 403
    denied = entries(session, "status.batch.denied")
    assert [(e.actor, e.role, e.channel, e.outcome, e.resource) for e in denied] == [
        ("acc.zharyk", "employer", "api", "denied", "/api/v1/status:batch")
    ]
    assert denied[0].client == "testclient"


@pytest.mark.parametrize(
    ("path", "action"),
    [
        ("/api/v1/clinics/AST-8/population", "attachment.population.read.denied"),
        ("/api/v1/clinics/AST-8/applications", "attachment.applications.read.denied"),
    ],
)
def test_another_clinics_lists_denial_is_logged(client, audit_world: AuditWorld, session, path, action) -> None:
    answer = client.get(path, headers=auth(audit_world.tokens["other_clinic"]))
    assert answer.status_code == 403
    assert [(e.actor, e.role, e.outcome, e.resource) for e in entries(session, action)] == [
        ("ast9", "clinic", "denied", "clinic/AST-8")
    ]


def test_pregnancy_denial_is_logged_with_the_woman(client, audit_world: AuditWorld, session) -> None:
    woman = audit_world.attached[0]
    answer = client.post(
        "/api/v1/pregnancies",
        json={"iin": woman, "entered_on": "2024-05-02"},
        headers=auth(audit_world.tokens["auditor"]),
    )
    assert answer.status_code == 403
    assert [(e.actor, e.role, e.outcome, e.subject_iin) for e in entries(session, "pregnancy.register.denied")] == [
        ("aud.karim", "auditor", "denied", woman)
    ]


def test_any_other_refusal_is_logged_too(client, audit_world: AuditWorld, session) -> None:
    """A refusal without its own entry (here: a clinic loading a payment register) is still logged."""
    answer = client.post(
        "/api/v1/payment-registers",
        files={"file": ("r.csv", b"x", "text/csv")},
        headers=auth(audit_world.tokens["clinic"]),
    )
    assert answer.status_code == 403
    assert [(e.actor, e.outcome, e.resource) for e in entries(session) if e.outcome == "denied"] == [
        ("dr.ivanova", "denied", "/api/v1/payment-registers")
    ]


def test_a_denial_survives_the_rollback_of_the_request(audit_world: AuditWorld, session) -> None:
    """The denial is written in its own transaction: the caller's unfinished work is rolled back,
    the entry stays (before, the denial committed the caller's work along with it)."""
    newcomer = iin(date(2001, 2, 3), "F", 4242)
    session.add(
        Person(
            iin=newcomer, last_name="Жаңа", first_name="Адам", birth_date=date(2001, 2, 3), sex="F", residency="citizen"
        )
    )
    employer = Principal(user_id=0, username="acc.zharyk", role="employer", display_name="x", bin="000000000000")
    with pytest.raises(Forbidden):
        authorize(session, employer, STATUS_READ, audit_world.citizen, channel="api", resource="/x")
    session.rollback()
    assert session.get(Person, newcomer) is None
    assert [(e.actor, e.outcome, e.subject_iin) for e in entries(session, "status.read.denied")] == [
        ("acc.zharyk", "denied", audit_world.citizen)
    ]


# --- Failed logins ------------------------------------------------------------------------------


def test_failed_web_login_is_logged_without_the_password(client, audit_world: AuditWorld, session) -> None:
    form = client.get("/login")
    token = form.text.split('name="csrf" value="')[1].split('"')[0]
    answer = client.post("/login", data={"username": "aud.karim", "password": "guess-1234", "csrf": token})
    assert answer.status_code == 400
    failed = entries(session, "login")
    assert [(e.actor, e.role, e.channel, e.outcome, e.resource, e.client) for e in failed] == [
        ("aud.karim", "public", "web", "failed", "/login", "testclient")
    ]
    assert all("guess-1234" not in str(value) for value in vars(failed[0]).values())


def test_failed_token_request_is_logged(client, audit_world: AuditWorld, session) -> None:
    answer = client.post("/api/v1/auth/tokens", json={"username": "nobody-here", "password": "secret-5678"})
    assert answer.status_code == 401
    failed = entries(session, "login")
    assert [(e.actor, e.channel, e.outcome, e.resource) for e in failed] == [
        ("nobody-here", "api", "failed", "/api/v1/auth/tokens")
    ]
    assert all("secret-5678" not in str(value) for value in vars(failed[0]).values())
    # a good login is no failure
    ok = client.post("/api/v1/auth/tokens", json={"username": "aud.karim", "password": PASSWORD})
    assert ok.status_code == 201
    assert len(entries(session, "login")) == 1
