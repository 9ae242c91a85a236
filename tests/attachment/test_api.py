"""POST /api/v1/attachments and GET /api/v1/persons/{iin}/attachment: answers, role checks, audit."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from osms.core.models import AuditEntry
from osms.core.security import create_token, create_user
from tests.attachment.conftest import ADULT, CHILD, SPOUSE, STRANGER
from tests.attachment.helpers import CLINIC_BIN


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def tokens(country) -> dict[str, str]:
    s = country
    users = {
        "citizen": create_user(s, "nurlan", "pw", "citizen", "Нұрлан", iin=ADULT),
        "stranger": create_user(s, "other", "pw", "citizen", "Other", iin=STRANGER),
        "clinic": create_user(s, "ast8", "pw", "clinic", "Емхана №8", provider_id="AST-8"),
        "other_clinic": create_user(s, "ast9", "pw", "clinic", "Емхана №9", provider_id="AST-9"),
        "operator": create_user(s, "op", "pw", "operator", "Operator"),
        "auditor": create_user(s, "aud", "pw", "auditor", "Auditor"),
        "employer": create_user(s, "emp", "pw", "employer", "ТОО", bin=CLINIC_BIN),
    }
    out = {role: create_token(s, user, "test") for role, user in users.items()}
    s.commit()
    return out


def post(client, token: str, **body):
    body.setdefault("clinic_id", "AST-8")
    body.setdefault("reason", "first")
    body.setdefault("date", "2024-03-01")
    body.setdefault("rulebook", "kz-law")
    return client.post("/api/v1/attachments", json=body, headers=auth(token))


def test_citizen_applies_for_self_and_child_and_sees_the_answer(client, tokens) -> None:
    r = post(client, tokens["citizen"], iin=ADULT)
    assert r.status_code == 200, r.text
    body = r.json()
    assert list(body)[:5] == ["decision", "effective_from", "previous_clinic", "district", "reasons"]
    assert (body["decision"], body["effective_from"], body["previous_clinic"], body["district"]) == (
        "accepted",
        "2024-03-01",
        None,
        "T1",
    )
    assert body["reasons"] == [
        {
            "code": "first_attachment",
            "message": {
                "kk": "01.03.2024 бастап «Емхана AST-8» (AST-8) емханасына тіркелді.",
                "ru": "Прикреплён к поликлинике «Емхана AST-8» (AST-8) с 1 марта 2024 г.",
                "en": "Attached to clinic «Емхана AST-8» (AST-8) from 1 March 2024.",
            },
        }
    ]
    # The child: the citizen is the applicant (a parent in the registry).
    r = post(client, tokens["citizen"], iin=CHILD)
    assert r.json()["decision"] == "accepted" and r.json()["district"] == "P1"
    r = client.get(f"/api/v1/persons/{CHILD}/attachment", params={"on": "2024-03-02"}, headers=auth(tokens["citizen"]))
    assert r.status_code == 200
    assert {k: r.json()[k] for k in ("clinic", "district", "since", "home_visits")} == {
        "clinic": "AST-8",
        "district": "P1",
        "since": "2024-03-01",
        "home_visits": True,
    }


def test_family_application(client, tokens) -> None:
    r = post(client, tokens["citizen"], iin=ADULT, family=[SPOUSE, CHILD])
    assert r.status_code == 200, r.text
    assert [(d["iin"], d["decision"]) for d in r.json()["decisions"]] == [
        (ADULT, "accepted"),
        (SPOUSE, "accepted"),
        (CHILD, "accepted"),
    ]


def test_roles_for_applications(client, tokens) -> None:
    assert post(client, tokens["stranger"], iin=ADULT).status_code == 403  # not family
    assert post(client, tokens["auditor"], iin=ADULT).status_code == 403  # read-only
    assert post(client, tokens["employer"], iin=ADULT).status_code == 403
    assert post(client, tokens["other_clinic"], iin=ADULT).status_code == 403  # applications to AST-8 only
    r = post(client, tokens["clinic"], iin=ADULT)
    assert r.status_code == 200 and r.json()["decision"] == "accepted"
    r = post(client, tokens["operator"], iin=SPOUSE, clinic_id="AST-9")  # AST-9 serves AST-003 only
    assert r.status_code == 200 and r.json()["decision"] == "accepted_no_home_visits"
    assert client.post("/api/v1/attachments", json={"iin": ADULT}).status_code in (401, 422)


def test_roles_for_lookups_and_audit(client, tokens, country) -> None:
    post(client, tokens["operator"], iin=ADULT)

    def get(role: str, number: str):
        return client.get(
            f"/api/v1/persons/{number}/attachment", params={"on": "2024-03-05"}, headers=auth(tokens[role])
        )

    assert get("citizen", ADULT).status_code == 200
    assert get("citizen", CHILD).json()["clinic"] is None  # own child, not attached: null fields
    assert get("stranger", ADULT).status_code == 403
    assert get("clinic", ADULT).json()["clinic"] == "AST-8"  # its attached population
    assert get("other_clinic", ADULT).status_code == 403
    assert get("operator", ADULT).status_code == 200
    assert get("auditor", ADULT).status_code == 200
    assert get("employer", ADULT).status_code == 403
    r = get("operator", "123")
    assert r.status_code == 422 and r.json()["code"].startswith("bad_iin")
    country.expire_all()
    actions = country.execute(
        select(AuditEntry.actor, AuditEntry.action).where(AuditEntry.subject_iin == ADULT).order_by(AuditEntry.id)
    ).all()
    assert actions == [
        ("op", "attachment.apply"),
        ("nurlan", "attachment.read"),
        ("other", "attachment.read.denied"),
        ("ast8", "attachment.read"),
        ("ast9", "attachment.read.denied"),
        ("op", "attachment.read"),
        ("aud", "attachment.read"),
        ("emp", "attachment.read.denied"),
    ]


def test_errors_are_problem_json(client, tokens) -> None:
    r = post(client, tokens["operator"], iin=ADULT, clinic_id="NOPE")
    assert r.status_code == 404 and r.json()["code"] == "unknown_clinic"
    assert r.headers["content-type"].startswith("application/problem+json")
    r = post(client, tokens["operator"], iin=ADULT, reason="bored")
    assert r.status_code == 422 and r.json()["code"] == "bad_reason"
    r = post(client, tokens["operator"], iin=ADULT, date="2024-02-30")
    assert r.status_code == 422


def test_clinic_lists(client, tokens) -> None:
    post(client, tokens["operator"], iin=ADULT)
    r = client.get("/api/v1/clinics", params={"region": "KZ-AST", "on": "2024-03-01"}, headers=auth(tokens["citizen"]))
    assert [(c["clinic_id"], c["attached"]) for c in r.json()] == [("AST-8", 1), ("AST-9", 0)]
    r = client.get("/api/v1/clinics/AST-8/applications", headers=auth(tokens["clinic"]))
    assert [(a["iin"], a["decision"]) for a in r.json()] == [(ADULT, "accepted")]
    assert client.get("/api/v1/clinics/AST-8/applications", headers=auth(tokens["other_clinic"])).status_code == 403
    r = client.get("/api/v1/clinics/AST-8/population", params={"on": "2024-03-01"}, headers=auth(tokens["clinic"]))
    assert r.json()["attached"] == 1
    # A page past any row number the database holds was an error 500 (bench/schema_refusals.py): the
    # schema states the last page (2**31 rows at 50 a page) and the server answers 422 beyond it.
    schema = client.get("/openapi.json").json()["paths"]["/api/v1/clinics/{clinic_id}/population"]["get"]
    (page,) = [p for p in schema["parameters"] if p["name"] == "page"]
    assert page["schema"]["maximum"] == 42_949_672
    last = client.get("/api/v1/clinics/AST-8/population", params={"page": 42_949_672}, headers=auth(tokens["clinic"]))
    assert (last.status_code, last.json()["persons"]) == (200, [])
    past = client.get("/api/v1/clinics/AST-8/population", params={"page": 2**60}, headers=auth(tokens["clinic"]))
    assert (past.status_code, past.json()["code"]) == (422, "invalid_request")


def test_openapi_describes_the_endpoints(client) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    assert "description" in paths["/api/v1/attachments"]["post"]
    assert "description" in paths["/api/v1/persons/{iin}/attachment"]["get"]


def test_family_application_with_a_stranger_writes_nothing(client, tokens, country) -> None:
    r = post(client, tokens["citizen"], iin=ADULT, family=[STRANGER])
    assert r.status_code == 403
    r = client.get(f"/api/v1/persons/{ADULT}/attachment", params={"on": "2024-03-01"}, headers=auth(tokens["citizen"]))
    assert r.json()["clinic"] is None
