"""Contracts over the API (docs/providers.md, "Contracts"; docs/access.md): a provider's login sees
its own contracts only, operators and auditors all, the public the list of contracted providers."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from osms.core.models import AuditEntry
from osms.core.security import create_token, create_user
from osms.providers import contracts
from osms.providers.contracts import AmendmentDraft, CareLine
from osms.rulebooks.loader import load_rulebook
from tests.providers.contract_helpers import add_provider, draft
from tests.providers.helpers import BIN_2, FOUNDER

KZ = load_rulebook("kz-law")


@pytest.fixture
def tokens(session: Session) -> dict[str, str]:
    add_provider(session, "ALM-1")
    add_provider(session, "AST-1", bin_=BIN_2, region="KZ-AST")
    contracts.create(session, KZ, draft(), created_by="t")
    contracts.create(
        session,
        KZ,
        draft(
            contract_id="2027/AST-1",
            provider_id="AST-1",
            lines=(CareLine("phc", 12000, Decimal("125000000.00")), CareLine("day_hospital", 0, Decimal("0.00"))),
            ground="procurement",
            procurement_id="PROC-2027",
        ),
        created_by="t",
    )
    contracts.create(
        session, KZ, draft(contract_id="OLD", valid_from=date(2025, 1, 1), valid_to=date(2025, 12, 31)), created_by="t"
    )
    contracts.amend(
        session, KZ, "C-2027-1", AmendmentDraft(date(2027, 2, 1), valid_to=date(2027, 11, 30)), created_by="t"
    )
    users = {
        "operator": create_user(session, "op", "pw", "operator", "Оператор"),
        "auditor": create_user(session, "aud", "pw", "auditor", "Аудитор"),
        "clinic": create_user(session, "alm1", "pw", "clinic", "Емхана", provider_id="ALM-1"),
        "citizen": create_user(session, "cit", "pw", "citizen", "Азамат", iin=FOUNDER),
    }
    found = {role: create_token(session, user, "t") for role, user in users.items()}
    session.commit()
    return found


def _get(client: TestClient, tokens: dict[str, str], role: str, url: str, **params: Any) -> Any:
    return client.get(url, params=params, headers={"Authorization": f"Bearer {tokens[role]}"})


def test_operators_and_auditors_see_every_contract(client: TestClient, tokens: dict[str, str]) -> None:
    for role in ("operator", "auditor"):
        every = _get(client, tokens, role, "/api/v1/contracts").json()
        assert [c["contract_id"] for c in every["items"]] == ["2027/AST-1", "C-2027-1", "OLD"]
    phc = _get(client, tokens, "operator", "/api/v1/contracts", care_type="phc").json()
    assert [c["contract_id"] for c in phc["items"]] == ["2027/AST-1"]
    one = _get(client, tokens, "operator", "/api/v1/contracts/2027/AST-1").json()
    assert one["care_types"] == [
        {"care_type": "phc", "volume": 12000, "sum": "125000000.00"},
        {"care_type": "day_hospital", "volume": 0, "sum": "0.00"},
    ]
    assert one["months"][0] == {"care_type": "phc", "month": "2027-01", "volume": 1000, "sum": "10416666.67"}
    amended = _get(client, tokens, "auditor", "/api/v1/contracts/C-2027-1").json()
    assert amended["valid_to"] == "2027-11-30" and len(amended["months"]) == 11
    assert amended["amendments"][0]["valid_to"] == {"before": "2027-12-31", "after": "2027-11-30"}
    missing = _get(client, tokens, "operator", "/api/v1/contracts/NONE")
    assert (missing.status_code, missing.json()["code"]) == (404, "unknown_contract")
    bad = _get(client, tokens, "operator", "/api/v1/contracts", care_type="surgery")
    assert bad.status_code == 422


def test_a_provider_login_sees_only_its_own(client: TestClient, session: Session, tokens: dict[str, str]) -> None:
    own = _get(client, tokens, "clinic", "/api/v1/contracts").json()
    assert [c["contract_id"] for c in own["items"]] == ["C-2027-1", "OLD"]
    assert _get(client, tokens, "clinic", "/api/v1/contracts/C-2027-1").status_code == 200
    for url in ("/api/v1/contracts/2027/AST-1", "/api/v1/contracts/NONE"):
        answer = _get(client, tokens, "clinic", url)
        assert (answer.status_code, answer.json()["code"]) == (403, "forbidden")
    asked = _get(client, tokens, "clinic", "/api/v1/contracts", provider="AST-1")
    assert asked.status_code == 403
    assert _get(client, tokens, "citizen", "/api/v1/contracts").status_code == 403
    session.expire_all()
    denied = session.scalars(select(AuditEntry.action).where(AuditEntry.outcome == "denied")).all()
    assert denied == ["contract.read.denied"] * 4


def test_the_public_list_of_contracted_providers(client: TestClient, tokens: dict[str, str]) -> None:
    """In force on 2027-06-01: ALM-1's C-2027-1 and AST-1's phc (its day hospital has no volume);
    OLD ended in 2025."""
    listed = client.get("/api/v1/contracted-providers", params={"on": "2027-06-01"}).json()
    assert [(p["region"], p["care_type"], p["provider_id"]) for p in listed] == [
        ("KZ-ALA", "inpatient_planned", "ALM-1"),
        ("KZ-AST", "phc", "AST-1"),
    ]
    only = client.get("/api/v1/contracted-providers", params={"on": "2027-06-01", "region": "KZ-AST"}).json()
    assert [p["provider_id"] for p in only] == ["AST-1"]
    assert (
        client.get("/api/v1/contracted-providers", params={"on": "2027-12-15", "care_type": "inpatient_planned"}).json()
        == []
    )
    bad = client.get("/api/v1/contracted-providers", params={"region": "KZ-XXX"})
    assert (bad.status_code, bad.json()["code"]) == (422, "unknown_region")
