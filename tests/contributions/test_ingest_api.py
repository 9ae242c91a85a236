"""POST /api/v1/payment-registers (operators only) and GET /api/v1/persons/{iin}/payments (who may
read whom, every read audited), and both operations against their own OpenAPI description."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from osms.core.models import AuditEntry, ImportBatch
from osms.core.security import create_token, create_user
from osms.registry.models import FamilyLink, Person
from tests.contributions.test_ingest import (
    ENTREPRENEUR,
    HEADER,
    NOBODY,
    PENSIONER,
    SELF_PAYER,
    WORKER,
    seed_registry,
)
from tests.registry.helpers import bin_, iin

CHILD = iin(date(2015, 6, 1), "F")


@pytest.fixture
def api(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app) as client:
        yield client


@pytest.fixture
def tokens(engine, session: Session) -> dict[str, str]:
    seed_registry(engine)
    session.add(
        Person(iin=CHILD, last_name="Тестова", first_name="Дочь", birth_date=date(2015, 6, 1), residency="citizen")
    )
    session.flush()
    session.add(FamilyLink(iin=CHILD, relative_iin=WORKER, relation="parent"))
    users = {
        "citizen": create_user(session, "worker", "pw", "citizen", "Работник", iin=WORKER),
        "employer": create_user(session, "alatau", "pw", "employer", "ТОО Алатау", bin=bin_()),
        "clinic": create_user(session, "clinic1", "pw", "clinic", "Емхана №1", provider_id="clinic-1"),
        "operator": create_user(session, "op", "pw", "operator", "Operator"),
        "auditor": create_user(session, "aud", "pw", "auditor", "Auditor"),
    }
    out = {role: create_token(session, user, "test") for role, user in users.items()}
    session.commit()
    return out


def _auth(token: str | None) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"} if token else {}


REGISTER = (
    HEADER
    + "\n"
    + f"IE-2017-08,{ENTREPRENEUR},individual_entrepreneur,{ENTREPRENEUR},2017-08,ie_contribution,2445.90,2017-08-20\n"
    + f"SP-2018-03,{SELF_PAYER},self,{SELF_PAYER},2018-03,self_payment,1414.20,2018-03-10\n"
    + f"X-1,{NOBODY},self,{NOBODY},2018-03,self_payment,1414.20,2018-03-10\n"
    + f"C-1,{bin_()},employer,{CHILD},2024-03,employer_deduction,100.00,2024-04-20\n"
    + f"W-1,{bin_()},employer,{WORKER},2024-03,employer_deduction,2550.00,2024-04-20\n"
)


def _post(client: TestClient, token: str | None, body: str = REGISTER, name: str = "register.csv"):
    return client.post(
        "/api/v1/payment-registers", headers=_auth(token), files={"file": (name, body.encode(), "text/csv")}
    )


def test_operator_loads_a_register_and_the_same_file_again_changes_nothing(api, tokens, session) -> None:
    response = _post(api, tokens["operator"])
    assert response.status_code == 200, response.text
    body = response.json()
    assert {k: body[k] for k in ("rows", "credited", "rejected", "rejected_by_reason", "amount")} == {
        "rows": 5,
        "credited": 4,
        "rejected": 1,
        "rejected_by_reason": {"unknown_person": 1},
        "amount": "6510.10",
    }
    assert body["file"] == "upload:register.csv" and body["already_credited"] == 0
    again = _post(api, tokens["operator"]).json()
    assert (again["credited"], again["already_credited"], again["amount"]) == (0, 4, "0.00")
    assert session.scalars(select(ImportBatch.file_name)).all() == ["upload:register.csv"] * 2
    actions = session.scalars(select(AuditEntry.action).where(AuditEntry.actor == "op")).all()
    assert actions == ["payments.ingest", "payments.ingest"]


@pytest.mark.parametrize(("role", "status"), [("citizen", 403), ("employer", 403), ("auditor", 403), (None, 401)])
def test_only_operators_may_load(api, tokens, session, role: str | None, status: int) -> None:
    response = _post(api, tokens[role] if role else None)
    assert response.status_code == status
    assert response.headers["content-type"] == "application/problem+json"
    assert session.scalars(select(ImportBatch)).all() == []


def test_a_file_that_cannot_be_read_is_a_422(api, tokens) -> None:
    response = _post(api, tokens["operator"], "reference,amount\nX,1\n")
    assert response.status_code == 422
    assert response.json()["code"] == "bad_file"
    assert "missing: payer_id" in response.json()["detail"]
    assert _post(api, tokens["operator"], "").status_code == 422
    missing = api.post("/api/v1/payment-registers", headers=_auth(tokens["operator"]))
    assert missing.status_code == 422 and missing.json()["code"] == "invalid_request"


@pytest.mark.parametrize(
    ("role", "subject", "status"),
    [
        ("citizen", WORKER, 200),  # themselves
        ("citizen", CHILD, 200),  # their child, under 18
        ("citizen", PENSIONER, 403),  # a stranger
        ("employer", WORKER, 403),
        ("clinic", PENSIONER, 403),  # payers and amounts are not a clinic's business (docs/access.md)
        ("operator", CHILD, 200),
        ("auditor", WORKER, 200),
    ],
)
def test_who_may_read_whose_payments(api, tokens, session, role: str, subject: str, status: int) -> None:
    assert _post(api, tokens["operator"]).status_code == 200
    response = api.get(f"/api/v1/persons/{subject}/payments", headers=_auth(tokens[role]))
    assert response.status_code == status, response.text
    entries = session.scalars(select(AuditEntry).where(AuditEntry.subject_iin == subject)).all()
    assert [(e.action, e.role, e.channel) for e in entries] == [
        ("payments.read" if status == 200 else "payments.read.denied", role, "api")
    ]


def test_payments_answer(api, tokens) -> None:
    assert _post(api, tokens["operator"]).status_code == 200
    body = api.get(f"/api/v1/persons/{WORKER}/payments", headers=_auth(tokens["citizen"])).json()
    assert body["iin"] == WORKER and body["since"] is None
    assert body["months"] == [
        {
            "period": "2024-03",
            "amount": "2550.00",
            "payers": [
                {
                    "payer_id": bin_(),
                    "payer_name": "ТОО Алатау",
                    "payer_kind": "employer",
                    "amount": "2550.00",
                    "payments": [
                        {
                            "reference": "W-1",
                            "kind": "employer_deduction",
                            "amount": "2550.00",
                            "value_date": "2024-04-20",
                            "reverses": None,
                            "reversed_by": None,
                        }
                    ],
                }
            ],
        }
    ]
    later = api.get(f"/api/v1/persons/{WORKER}/payments?since=2024-04", headers=_auth(tokens["citizen"])).json()
    assert later["months"] == [] and later["since"] == "2024-04"


def test_payments_errors(api, tokens) -> None:
    operator = _auth(tokens["operator"])
    assert api.get(f"/api/v1/persons/{WORKER}/payments").status_code == 401
    assert api.get(f"/api/v1/persons/{NOBODY}/payments", headers=operator).json()["code"] == "unknown_person"
    bad = api.get("/api/v1/persons/860101300012/payments", headers=operator)
    assert bad.status_code == 422 and bad.json()["code"] == "bad_iin:check_digit"
    assert api.get(f"/api/v1/persons/{WORKER}/payments?since=2024-13", headers=operator).json()["code"] == "bad_period"
    assert api.get(f"/api/v1/persons/{WORKER}/payments?since=March", headers=operator).status_code == 422
