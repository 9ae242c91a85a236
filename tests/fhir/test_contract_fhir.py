"""FHIR R4 Contract and Organization (docs/providers.md, "Contracts"), validated with the
fhir.resources R4B models (Contract and Organization have the same elements in R4 and R4B): the
contract's care types with volume and sum by month, its ground, amendments and termination; the
register entry; the searches; access as the API and errors as OperationOutcome."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.contract import Contract
from fhir.resources.R4B.operationoutcome import OperationOutcome
from fhir.resources.R4B.organization import Organization
from sqlalchemy.orm import Session

from osms.core.security import create_token, create_user
from osms.fhir.providers import (
    AMENDMENT_EXTENSION,
    BIN_SYSTEM,
    CONTRACT_SYSTEM,
    GROUND_EXTENSION,
    INDICATOR_EXTENSION,
    PROVIDER_SYSTEM,
    TERMINATION_EXTENSION,
)
from osms.providers import contracts
from osms.providers.contracts import AmendmentDraft, CareLine
from osms.rulebooks.loader import load_rulebook
from tests.providers.contract_helpers import add_provider, draft
from tests.providers.helpers import BIN_1, BIN_2

KZ = load_rulebook("kz-law")
FHIR = "application/fhir+json"


@pytest.fixture
def tokens(session: Session) -> dict[str, str]:
    add_provider(session, "ALM-1")
    add_provider(session, "AST_1", bin_=BIN_2, region="KZ-AST")
    contracts.create(
        session,
        KZ,
        draft(
            lines=(
                CareLine("inpatient_planned", 1000, Decimal("1000000.00")),
                CareLine("day_hospital", 12, Decimal("1200.00")),
            ),
            indicators=(("hospital_mortality", "≤ 1.2 %"),),
        ),
        created_by="t",
    )
    contracts.amend(
        session,
        KZ,
        "C-2027-1",
        AmendmentDraft(date(2027, 2, 1), valid_to=date(2027, 11, 30), note="shorter"),
        created_by="t",
    )
    contracts.terminate(session, "C-2027-1", date(2027, 6, 15), "nonperformance")
    contracts.create(
        session, KZ, draft(contract_id="2027/AST_1", provider_id="AST_1", ground="procurement", procurement_id="P-1"),
        created_by="t",
    )  # fmt: skip
    users = {
        "operator": create_user(session, "op", "pw", "operator", "Оператор"),
        "clinic": create_user(session, "alm1", "pw", "clinic", "Емхана", provider_id="ALM-1"),
    }
    found = {role: create_token(session, user, "t") for role, user in users.items()}
    session.commit()
    return found


def _get(client: TestClient, tokens: dict[str, str], role: str, url: str, **params: Any) -> Any:
    return client.get(url, params=params, headers={"Authorization": f"Bearer {tokens[role]}"})


def _ext(resource: dict[str, Any], url: str) -> list[dict[str, Any]]:
    return [e for e in resource.get("extension", []) if e["url"] == url]


def test_a_contract_as_fhir(client: TestClient, tokens: dict[str, str]) -> None:
    answer = _get(client, tokens, "operator", "/fhir/Contract/C-2027-1")
    assert answer.status_code == 200 and answer.headers["content-type"].startswith(FHIR)
    body = answer.json()
    Contract.model_validate(body)
    assert (body["id"], body["status"], body["issued"]) == ("C-2027-1", "terminated", "2026-12-20")
    assert body["identifier"] == [{"system": CONTRACT_SYSTEM, "value": "C-2027-1"}]
    assert body["applies"] == {"start": "2027-01-01", "end": "2027-06-15"}
    assert _ext(body, GROUND_EXTENSION)[0]["valueCoding"]["code"] == "p19_reserve"
    assert _ext(body, TERMINATION_EXTENSION)[0]["valueCoding"]["code"] == "nonperformance"
    assert _ext(body, INDICATOR_EXTENSION)[0]["extension"][1] == {"url": "target", "valueString": "≤ 1.2 %"}
    assert _ext(body, AMENDMENT_EXTENSION)[0]["extension"][:2] == [
        {"url": "number", "valueInteger": 1},
        {"url": "date", "valueDate": "2027-02-01"},
    ]
    day, inpatient = body["term"]  # in the catalogue's order
    assert day["type"]["coding"][0]["code"] == "day_hospital"
    assert inpatient["offer"]["party"][0]["reference"][0]["reference"] == "Organization/ALM-1"
    items = inpatient["asset"][0]["valuedItem"]
    assert len(items) == 11  # the term shortened to November by the agreement
    assert items[0] == {
        "entityCodeableConcept": {
            "coding": [{"system": "http://osms.kz/fhir/CodeSystem/care-type", "code": "inpatient_planned"}],
            "text": "inpatient_planned",
        },
        "effectiveTime": "2027-01-01",
        "quantity": {"value": 84},
        "net": {"value": 83333.34, "currency": "KZT"},
    }
    assert sum(Decimal(str(i["net"]["value"])) for i in items) == Decimal("1000000.00") - Decimal("83333.33")


def test_an_id_outside_fhirs_grammar_stays_in_the_identifier(client: TestClient, tokens: dict[str, str]) -> None:
    body = _get(client, tokens, "operator", "/fhir/Contract/2027/AST_1").json()
    Contract.model_validate(body)
    assert "id" not in body and body["identifier"][0]["value"] == "2027/AST_1"
    assert body["status"] == "executed"


def test_an_organization_as_fhir(client: TestClient, tokens: dict[str, str]) -> None:
    body = _get(client, tokens, "clinic", "/fhir/Organization/ALM-1").json()
    Organization.model_validate(body)
    assert body["identifier"] == [{"system": PROVIDER_SYSTEM, "value": "ALM-1"}, {"system": BIN_SYSTEM, "value": BIN_1}]
    assert (body["id"], body["active"], body["name"]) == ("ALM-1", True, "Емхана ALM-1")
    assert body["type"][0]["coding"][0]["code"] == "hospital"
    assert body["address"] == [{"city": "Алматы", "state": "KZ-ALA", "country": "KZ"}]


def test_searches(client: TestClient, tokens: dict[str, str]) -> None:
    found = _get(client, tokens, "clinic", "/fhir/Contract", provider="ALM-1").json()
    Bundle.model_validate(found)
    assert found["total"] == 1 and found["entry"][0]["resource"]["id"] == "C-2027-1"
    by_bin = _get(client, tokens, "operator", "/fhir/Organization", identifier=f"{BIN_SYSTEM}|{BIN_2}").json()
    Bundle.model_validate(by_bin)
    assert [e["resource"]["identifier"][0]["value"] for e in by_bin["entry"]] == ["AST_1"]
    hidden = _get(client, tokens, "clinic", "/fhir/Organization", identifier=BIN_2).json()
    assert hidden["total"] == 0 and "entry" not in hidden


@pytest.mark.parametrize(
    ("role", "url", "params", "status", "code"),
    [
        ("clinic", "/fhir/Contract/2027/AST_1", {}, 403, "forbidden"),
        ("clinic", "/fhir/Organization/AST_1", {}, 403, "forbidden"),
        ("clinic", "/fhir/Contract", {"provider": "AST_1"}, 403, "forbidden"),
        ("operator", "/fhir/Contract/NONE", {}, 404, "unknown_contract"),
        ("operator", "/fhir/Organization/NONE", {}, 404, "unknown_provider"),
        ("operator", "/fhir/Contract", {}, 400, "missing_provider"),
        ("operator", "/fhir/Organization", {}, 400, "missing_identifier"),
    ],
)
def test_errors_are_operation_outcomes(
    client: TestClient, tokens: dict[str, str], role: str, url: str, params: dict[str, str], status: int, code: str
) -> None:
    answer = _get(client, tokens, role, url, **params)
    assert answer.status_code == status and answer.headers["content-type"].startswith(FHIR)
    outcome = answer.json()
    OperationOutcome.model_validate(outcome)
    assert outcome["issue"][0]["details"]["coding"][0]["code"] == code


def test_anonymous_is_asked_to_log_in(client: TestClient, tokens: dict[str, str]) -> None:
    answer = client.get("/fhir/Contract/C-2027-1")
    assert answer.status_code == 401 and answer.json()["resourceType"] == "OperationOutcome"
