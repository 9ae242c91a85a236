"""POST /api/v1/entitlements and GET /api/v1/care-types: answers, who may ask, bad input, audit."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from osms.core.models import AuditEntry
from tests.benefits.helpers import CHILD, CITIZEN_INSURED, CITIZEN_UNINSURED, MIGRANT, TOURIST, UNKNOWN, populate
from tests.coverage.helpers import auth, make_tokens


@pytest.fixture
def tokens(session) -> dict[str, str]:  # type: ignore[no-untyped-def]
    populate(session)
    out = make_tokens(session, citizen_iin=CITIZEN_INSURED)
    session.commit()
    return out


def ask(client, token: str | None, **body: object):  # type: ignore[no-untyped-def]
    payload = {"date": "2024-05-15"} | body
    return client.post("/api/v1/entitlements", json=payload, headers=auth(token))


def test_answer_shape(client, tokens) -> None:  # type: ignore[no-untyped-def]
    r = ask(client, tokens["clinic"], iin=CITIZEN_INSURED, care_type="consult_diag", referral=True, icd10="J45.0")
    assert r.status_code == 200, r.text
    body = r.json()
    assert list(body) == [
        "iin",
        "covered_by",
        "care_type",
        "date",
        "emergency",
        "referral",
        "residency",
        "diagnosis",
        "message",
        "reasons",
        "rulebook",
        "rules",
        "provisional",
        "carried_forward",
        "provisional_message",
        "insured",
    ]
    assert (body["provisional"], body["carried_forward"], body["provisional_message"]) == (False, [], None)
    assert body["covered_by"] == "OSMS"
    assert body["diagnosis"] == {
        "code": "J45.0",
        "description": "Predominantly allergic asthma",
        "title": {"kk": "J45.0", "ru": "J45.0", "en": "J45.0 Predominantly allergic asthma"},
        "socially_significant": None,
        "dangerous": None,
    }
    assert set(body["reasons"][0]["message"]) == {"kk", "ru", "en"}
    status = client.get(
        f"/api/v1/persons/{CITIZEN_INSURED}/status", params={"on": "2024-05-15"}, headers=auth(tokens["clinic"])
    )
    assert body["insured"] == status.json()


@pytest.mark.parametrize(
    ("iin", "body", "expected", "reason"),
    [
        (CITIZEN_INSURED, {"care_type": "inpatient_planned"}, "none", "referral_needed"),
        (CITIZEN_UNINSURED, {"care_type": "inpatient_planned", "referral": True}, "none", "osms_not_insured"),
        (CITIZEN_UNINSURED, {"care_type": "vaccination"}, "GOBMP", "gobmp_care_type"),
        (CHILD, {"care_type": "dentistry_child"}, "OSMS", "osms_covered"),
        (MIGRANT, {"care_type": "phc"}, "none", "not_gobmp_resident"),
        (TOURIST, {"care_type": "day_hospital", "icd10": "B20"}, "GOBMP", "dangerous_disease"),
        (TOURIST, {"care_type": "day_hospital", "emergency": True}, "GOBMP", "emergency"),
        (UNKNOWN, {"care_type": "phc"}, "none", "unknown_person"),
        (CITIZEN_INSURED, {"care_type": "abroad"}, "none", "never_covered"),
        (CITIZEN_INSURED, {"care_type": "palliative", "date": "2019-05-01"}, "GOBMP", "gobmp_care_type"),
        (MIGRANT, {"care_type": "home_hospital", "date": "2019-05-01", "referral": True}, "none", "no_osms_package"),
    ],
)
def test_decisions(client, tokens, iin: str, body: dict[str, object], expected: str, reason: str) -> None:  # type: ignore[no-untyped-def]
    r = ask(client, tokens["operator"], iin=iin, **body)
    assert r.status_code == 200, r.text
    assert r.json()["covered_by"] == expected
    assert reason in [x["code"] for x in r.json()["reasons"]]


def test_seeds_rulebook(client, tokens) -> None:  # type: ignore[no-untyped-def]
    r = ask(client, tokens["clinic"], iin=CITIZEN_UNINSURED, care_type="phc", date="2019-03-01", rulebook="seeds-2016")
    assert r.status_code == 200, r.text
    assert (r.json()["covered_by"], r.json()["rulebook"]) == ("GOBMP", "seeds-2016")
    assert r.json()["insured"]["rulebook"] == "seeds-2016"


@pytest.mark.parametrize(
    ("role", "iin", "status"),
    [
        ("clinic", CITIZEN_UNINSURED, 200),
        ("operator", CITIZEN_UNINSURED, 200),
        ("auditor", CITIZEN_UNINSURED, 200),
        ("citizen", CITIZEN_INSURED, 200),  # themselves
        ("citizen", CHILD, 200),  # their child
        ("citizen", CITIZEN_UNINSURED, 403),  # a stranger
        ("employer", CITIZEN_INSURED, 403),  # never: a diagnosis is medical data
        (None, CITIZEN_INSURED, 401),
    ],
)
def test_who_may_ask(client, tokens, session, role: str | None, iin: str, status: int) -> None:  # type: ignore[no-untyped-def]
    r = ask(client, tokens[role] if role else None, iin=iin, care_type="phc")
    assert r.status_code == status, r.text
    actions = [
        (e.action, e.subject_iin)
        for e in session.scalars(select(AuditEntry).where(AuditEntry.action.like("entitlement%"))).all()
    ]
    if status == 200:
        assert actions == [("entitlement.read", iin)]
    elif status == 403:
        assert actions == [("entitlement.read.denied", iin)]
        assert r.headers["content-type"].startswith("application/problem+json")
    else:
        assert actions == []


@pytest.mark.parametrize(
    ("body", "status", "code", "words"),
    [
        ({"care_type": "massage"}, 422, "unknown_care_type", "unknown care type 'massage'"),
        ({"care_type": "phc", "icd10": "XX1"}, 422, "unknown_icd10", "unknown ICD-10 code 'XX1'"),
        ({"care_type": "phc", "date": "2016-06-01"}, 422, "date_outside_rulebook", "no rulebook covers it"),
        ({"care_type": "phc", "rulebook": "nope"}, 404, "unknown_rulebook", "unknown rulebook"),
        (
            {"care_type": "phc", "iin": CITIZEN_INSURED[:11] + str((int(CITIZEN_INSURED[11]) + 1) % 10)},
            422,
            "bad_iin:check_digit",
            "check digit",
        ),
        ({"care_type": "phc", "date": "2024-13-01"}, 422, "invalid_request", "date"),
    ],
)
def test_bad_input_is_a_problem(client, tokens, body: dict[str, object], status: int, code: str, words: str) -> None:  # type: ignore[no-untyped-def]
    r = ask(client, tokens["clinic"], **({"iin": CITIZEN_INSURED} | body))
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    assert r.json()["code"] == code
    assert words in r.json()["detail"]


def test_care_types_are_public(client) -> None:  # type: ignore[no-untyped-def]
    r = client.get("/api/v1/care-types")
    assert r.status_code == 200
    assert {c["code"]: c["nature"] for c in r.json()}["air_ambulance"] == "emergency"


def test_openapi_describes_the_endpoint(client) -> None:  # type: ignore[no-untyped-def]
    spec = client.get("/openapi.json").json()
    operation = spec["paths"]["/api/v1/entitlements"]["post"]
    assert "docs/benefits.md" in operation["description"]
    assert {"401", "403", "404", "422"} <= set(operation["responses"])
    schema = spec["components"]["schemas"]["EntitlementRequest"]["properties"]
    assert all(schema[k].get("description") for k in ("iin", "care_type", "icd10", "emergency", "referral"))
