"""GET /api/v1/persons/{iin}: who may see whom, problem+json errors, every read audited."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from osms.core.models import AuditEntry
from osms.core.security import create_token, create_user
from osms.registry.models import FamilyLink, Person, PersonCategory
from tests.registry.helpers import bin_, iin

PARENT = iin(date(1986, 1, 1), "M")
CHILD = iin(date(2015, 6, 1), "F")
OTHER = iin(date(1970, 2, 2), "F")


@pytest.fixture
def tokens(session) -> dict[str, str]:
    session.add_all(
        [
            Person(
                iin=PARENT,
                last_name="Ахметов",
                first_name="Нұрлан",
                birth_date=date(1986, 1, 1),
                sex="M",
                residency="citizen",
                region="KZ-ALA",
            ),
            Person(
                iin=CHILD,
                last_name="Ахметова",
                first_name="Аружан",
                birth_date=date(2015, 6, 1),
                sex="F",
                residency="citizen",
                region="KZ-ALA",
            ),
            Person(
                iin=OTHER,
                last_name="Иванова",
                first_name="Мария",
                birth_date=date(1970, 2, 2),
                sex="F",
                residency="foreigner_permit",
                region="KZ-AST",
            ),
        ]
    )
    session.flush()
    session.add(FamilyLink(iin=CHILD, relative_iin=PARENT, relation="parent"))
    session.add(
        PersonCategory(
            iin=CHILD,
            category="child",
            valid_from=date(2015, 6, 1),
            valid_to=date(2033, 5, 31),
            source="civil registry",
        )
    )
    users = {
        "citizen": create_user(session, "nurlan", "pw", "citizen", "Нұрлан", iin=PARENT),
        "employer": create_user(session, "alatau", "pw", "employer", "ТОО Алатау", bin=bin_()),
        "clinic": create_user(session, "clinic1", "pw", "clinic", "Емхана №1", provider_id="clinic-1"),
        "operator": create_user(session, "op", "pw", "operator", "Operator"),
        "auditor": create_user(session, "aud", "pw", "auditor", "Auditor"),
    }
    out = {role: create_token(session, user, "test") for role, user in users.items()}
    session.commit()
    return out


def _get(client, token: str | None, number: str):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return client.get(f"/api/v1/persons/{number}", headers=headers)


@pytest.mark.parametrize(
    ("role", "subject", "status"),
    [
        ("citizen", PARENT, 200),  # themselves
        ("citizen", CHILD, 200),  # their child
        ("citizen", OTHER, 403),  # a stranger
        ("employer", PARENT, 403),
        ("clinic", OTHER, 200),
        ("operator", CHILD, 200),
        ("auditor", OTHER, 200),
    ],
)
def test_who_may_read_whom(client, session, tokens, role: str, subject: str, status: int) -> None:
    response = _get(client, tokens[role], subject)
    assert response.status_code == status, response.text
    entries = session.scalars(select(AuditEntry).where(AuditEntry.subject_iin == subject)).all()
    assert len(entries) == 1
    entry = entries[0]
    assert entry.role == role and entry.channel == "api"
    assert entry.action == ("person.read" if status == 200 else "person.read.denied")
    if status == 403:
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["code"] == "forbidden"


def test_card_content(client, tokens) -> None:
    body = _get(client, tokens["citizen"], CHILD).json()
    assert body["iin"] == CHILD
    assert body["birth_date"] == "2015-06-01"
    assert body["family"] == [{"iin": PARENT, "relation": "parent", "name": "Ахметов Нұрлан"}]
    assert body["categories"] == [
        {"category": "child", "valid_from": "2015-06-01", "valid_to": "2033-05-31", "source": "civil registry"}
    ]
    parent = _get(client, tokens["citizen"], PARENT).json()
    assert parent["dependants"] == [{"iin": CHILD, "relation": "child", "name": "Ахметова Аружан"}]


def test_errors_are_problem_json(client, tokens) -> None:
    anonymous = _get(client, None, PARENT)
    assert anonymous.status_code == 401
    assert anonymous.headers["content-type"] == "application/problem+json"
    bad = _get(client, tokens["operator"], "860101300012")
    assert bad.status_code == 422
    assert bad.json()["code"] == "bad_iin:check_digit"
    assert "require 7" in bad.json()["detail"]
    missing = _get(client, tokens["operator"], iin(date(1999, 9, 9)))
    assert missing.status_code == 404 and missing.json()["code"] == "unknown_person"
    revoked = _get(client, "osms_not-a-token", PARENT)
    assert revoked.status_code == 401 and revoked.json()["code"] == "bad_token"


def test_token_issue_and_me(client, tokens) -> None:
    answer = client.post("/api/v1/auth/tokens", json={"username": "clinic1", "password": "pw", "name": "his"})
    assert answer.status_code == 201
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {answer.json()['token']}"}).json()
    assert me["role"] == "clinic" and me["provider_id"] == "clinic-1"
    wrong = client.post("/api/v1/auth/tokens", json={"username": "clinic1", "password": "nope"})
    assert wrong.status_code == 401 and wrong.json()["code"] == "bad_credentials"


def test_nul_bytes_are_refused_not_a_server_error(client) -> None:
    # Found by schemathesis on PostgreSQL: text fields cannot hold NUL; that is the caller's mistake.
    answer = client.post("/api/v1/auth/tokens", json={"username": "\u0000", "password": "x"})
    assert answer.status_code == 422
    assert answer.headers["content-type"] == "application/problem+json"


def test_health(client) -> None:
    body = client.get("/health").json()
    assert body["status"] == "ok" and body["database"] in ("sqlite", "postgresql")


def test_revoked_token_stops_working_at_once_in_this_process(client, session, tokens) -> None:
    from osms.core.security import revoke_token

    assert _get(client, tokens["operator"], PARENT).status_code == 200  # now cached
    assert revoke_token(session, tokens["operator"])
    session.commit()
    answer = _get(client, tokens["operator"], PARENT)
    assert answer.status_code == 401 and answer.json()["code"] == "bad_token"
    assert not revoke_token(session, tokens["operator"])
