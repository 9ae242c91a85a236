"""A citizen sees who looked at their data: the organisation or role, when, through which channel;
never the staff member's login or name (GET /api/v1/me/audit and the /me page)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from osms.core.models import AuditEntry
from tests.audit.conftest import PASSWORD, AuditWorld, auth

STAFF_NAMES = (
    "dr.ivanova",
    "Dr Ivanova",
    "op.serik",
    "Серік Операторов",
    "aud.karim",
    "Аудитор Аудиторов",
    "acc.zharyk",
    "Бухгалтер",
)


@pytest.fixture
def looked_at(audit_world: AuditWorld, session: Session) -> AuditWorld:
    me = audit_world.citizen
    rows = [
        # at, actor, role, channel, action, outcome
        ("2024-03-01T09:00:00", "dr.ivanova", "clinic", "web", "person.read", "ok"),
        ("2024-03-02T10:00:00", "op.serik", "operator", "api", "status.read", "ok"),
        ("2024-03-03T11:00:00", "aud.karim", "auditor", "fhir", "status.read", "ok"),
        ("2024-03-04T12:00:00", "acc.zharyk", "employer", "api", "status.read", "ok"),
        ("2024-03-05T13:00:00", "anonymous", "public", "web", "status.read", "ok"),
        ("2024-03-06T14:00:00", "nurlan", "citizen", "web", "person.read", "ok"),  # the citizen: not shown
        ("2024-03-07T15:00:00", "ast9", "clinic", "api", "status.read.denied", "denied"),  # nothing was read
    ]
    for when, actor, role, channel, action, outcome in rows:
        session.add(
            AuditEntry(
                at=datetime.fromisoformat(when).replace(tzinfo=UTC),
                actor=actor,
                role=role,
                channel=channel,
                action=action,
                resource="/x",
                subject_iin=me,
                outcome=outcome,
            )
        )
        session.flush()
    session.commit()
    return audit_world


def test_api_lists_organisations_and_channels_never_staff(client, looked_at: AuditWorld, session: Session) -> None:
    answer = client.get("/api/v1/me/audit", headers=auth(looked_at.tokens["citizen"]))
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["iin"] == looked_at.citizen
    assert [(e["at"], e["by"], e["organisation"], e["channel"], e["action"]) for e in body["entries"]] == [
        ("2024-03-05T13:00:00Z", "public", None, "web", "status.read"),
        ("2024-03-04T12:00:00Z", "employer", "ТОО Жарық", "api", "status.read"),
        ("2024-03-03T11:00:00Z", "auditor", None, "fhir", "status.read"),
        ("2024-03-02T10:00:00Z", "operator", None, "api", "status.read"),
        ("2024-03-01T09:00:00Z", "clinic", "Емхана №8 Астана", "web", "person.read"),
    ]
    assert body["next_offset"] is None
    for name in STAFF_NAMES:
        assert name not in answer.text
    paged = client.get("/api/v1/me/audit", params={"limit": 2}, headers=auth(looked_at.tokens["citizen"])).json()
    assert [e["by"] for e in paged["entries"]] == ["public", "employer"] and paged["next_offset"] == 2
    session.expire_all()
    own = session.scalars(select(AuditEntry).where(AuditEntry.action == "audit.own.read")).all()
    assert [(e.actor, e.subject_iin) for e in own] == [("nurlan", looked_at.citizen)] * 2


def test_only_citizens_have_an_own_audit(client, looked_at: AuditWorld) -> None:
    assert client.get("/api/v1/me/audit", headers=auth(looked_at.tokens["clinic"])).status_code == 403


def _login(client, username: str) -> None:
    form = client.get("/login")
    token = form.text.split('name="csrf" value="')[1].split('"')[0]
    client.post("/login", data={"username": username, "password": PASSWORD, "csrf": token})


@pytest.mark.parametrize(
    ("lang", "words"),
    [
        (
            "en",
            [
                "Who looked at your data",
                "Емхана №8 Астана",
                "your employer ТОО Жарық",
                "the fund's operator",
                "an auditor",
                "the public status check",
                "website",
                "API",
                "FHIR",
            ],
        ),
        (
            "ru",
            [
                "Кто смотрел ваши данные",
                "Емхана №8 Астана",
                "ваш работодатель ТОО Жарық",
                "оператор фонда",
                "аудитор",
                "сайт",
            ],
        ),
        (
            "kk",
            ["Деректеріңізді кім қарады", "Емхана №8 Астана", "жұмыс берушіңіз ТОО Жарық", "қор операторы", "аудитор"],
        ),
    ],
)
def test_me_page_shows_who_looked(client, looked_at: AuditWorld, lang: str, words: list[str]) -> None:
    _login(client, "nurlan")
    page = client.get("/me", params={"lang": lang})
    assert page.status_code == 200
    section = page.text.split('id="looked-at"')[1].split("</section>")[0]
    for word in words:
        assert word in section, word
    for name in STAFF_NAMES:
        assert name not in section
    assert section.count('class="looked-row"') == 5


def test_an_offset_past_any_row_number_is_a_422_not_a_500(client, looked_at: AuditWorld) -> None:
    # bench/schema_refusals.py: offset=2**63 was an error 500 (the database's integers end at 2**63-1).
    answer = client.get("/api/v1/me/audit", params={"offset": 2**63}, headers=auth(looked_at.tokens["citizen"]))
    assert (answer.status_code, answer.json()["code"]) == (422, "invalid_request")
    assert (
        client.get("/api/v1/me/audit", params={"offset": 2**31 - 1}, headers=auth(looked_at.tokens["citizen"])).json()[
            "entries"
        ]
        == []
    )
