"""GET /api/v1/calc: public, published amounts, problem+json errors, documented in the OpenAPI
(whose conformance for every route is tests/test_openapi.py)."""

from __future__ import annotations

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient


@pytest.fixture
def api(client: TestClient) -> TestClient:
    return client


def calc(api: TestClient, **params: str):
    return api.get("/api/v1/calc", params=params)


def test_published_amounts_without_login(api: TestClient) -> None:
    answer = calc(api, payer="individual-entrepreneur", period="2024-03")
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["amount"] == "5950.00"
    assert body["base"] == "119000.00"
    assert body["rate"] == "0.05"
    assert body["cap_applied"] is False
    assert body["rulebook"] == "kz-law"
    assert body["rule"]["id"] == "rates.individual-entrepreneur.2020-01-01"
    assert body["rule"]["source"]
    assert calc(api, payer="state", period="2022-06").json()["amount"] == "3614.20"
    assert calc(api, payer="self-payer", period="2023-01").json()["amount"] == "3500.00"


def test_seeds_rulebook(api: TestClient) -> None:
    body = calc(api, payer="individual-entrepreneur", period="2017-07", rulebook="seeds-2016").json()
    assert body["amount"] == "2445.90" and body["rulebook"] == "seeds-2016"


def test_income_capped(api: TestClient) -> None:
    body = calc(api, payer="employer-deduction", period="2024-03", income="1000000").json()
    assert (body["amount"], body["base"], body["cap"], body["cap_applied"]) == (
        "25500.00",
        "850000.00",
        "850000.00",
        True,
    )
    body = calc(api, payer="employee-contribution", period="2026-01", income="1000000").json()
    assert (body["amount"], body["cap_applied"]) == ("20000.00", False)


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({"payer": "individual-entrepreneur", "period": "2018-05"}, "exempt_period"),
        ({"payer": "individual-entrepreneur", "period": "2017-09"}, "no_rule"),
        ({"payer": "self-payer", "period": "2016-01"}, "period_outside_rulebook"),
        ({"payer": "employer-deduction", "period": "2024-03"}, "income_required"),
        ({"payer": "employer-deduction", "period": "2024-03", "income": "-5"}, "bad_income"),
        ({"payer": "employer-deduction", "period": "2024-03", "income": "1.234"}, "bad_income"),
        ({"payer": "boss", "period": "2024-03"}, "unknown_payer_kind"),
        ({"payer": "state", "period": "2024"}, "bad_period"),
        ({"payer": "state", "period": "2024-03", "rulebook": "nope"}, "unknown_rulebook"),
    ],
)
def test_errors_are_problem_json(api: TestClient, params: dict[str, str], code: str) -> None:
    answer = calc(api, **params)
    assert answer.status_code == 422
    assert answer.headers["content-type"].startswith("application/problem+json")
    body = answer.json()
    assert body["code"] == code
    assert body["type"] == f"urn:osms:problem:{code}"
    assert body["detail"]


def test_missing_parameters(api: TestClient) -> None:
    answer = api.get("/api/v1/calc", params={"payer": "state"})
    assert answer.status_code == 422 and answer.json()["code"] == "invalid_request"


def test_openapi_documents_the_calculator(app: FastAPI) -> None:
    spec = app.openapi()
    operation = spec["paths"]["/api/v1/calc"]["get"]
    assert "security" not in operation
    ok = operation["responses"]["200"]["content"]["application/json"]["schema"]
    assert ok == {"$ref": "#/components/schemas/CalcAnswer"}
    assert spec["components"]["schemas"]["CalcAnswer"]["examples"][0]["amount"] == "25500.00"
    assert "application/problem+json" in operation["responses"]["422"]["content"]
    payer = next(p for p in operation["parameters"] if p["name"] == "payer")
    assert "individual-entrepreneur" in payer["schema"]["enum"]
    post = spec["paths"]["/api/v1/payrolls"]["post"]
    assert set(post["requestBody"]["content"]) == {
        "application/json",
        "text/csv",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    }
    assert post["responses"]["200"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/PayrollAnswer"
    }
