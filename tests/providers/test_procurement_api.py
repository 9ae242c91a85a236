"""Signed applications over the API and the public procurement pages (docs/providers.md,
"Procurement workflow" and "Signed applications"), against a real test CA made here
(``osms.core.esign_testca``): nothing is mocked."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from osms.core.clock import fund_today
from osms.core.config import get_settings
from osms.core.esign import canonical_json
from osms.core.esign_testca import DemoCA, Signer, nca_subject, sign_detached
from osms.core.models import AuditEntry
from osms.core.security import create_token, create_user
from osms.providers.models import ProcurementAnnouncement, ProcurementApplication, ProcurementPlanLine, Provider
from tests.providers.helpers import run_json, write
from tests.registry.helpers import bin_, iin

ID = "PROC-2027-ALA"
BIN = bin_(date(2010, 5, 1), 1)
OTHER_BIN = bin_(date(2010, 5, 1), 2)
NOW = datetime.now(UTC)
MANAGER = iin(date(1986, 1, 1), "M")  # signs for the provider; also a citizen login
VALID = {"not_before": NOW - timedelta(days=1), "not_after": NOW + timedelta(days=365)}


def _provider(provider_id: str, bin_value: str) -> Provider:
    return Provider(
        provider_id=provider_id,
        bin=bin_value,
        name=f"Аурухана {provider_id}",
        ownership="private",
        region="KZ-ALA",
        settlement="Алматы",
        kind="hospital",
        status="active",
        accredited_until=None,
        own_is=False,
        tax_arrears=Decimal("0.00"),
    )


def signer(ca: DemoCA, bin_value: str) -> Signer:
    return ca.issue(nca_subject(surname="ТЕСТОВ", given="ТЕСТ", iin=MANAGER, bin_=bin_value), **VALID)


@pytest.fixture
def world(session: Session, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, Any]]:
    root = DemoCA.create("OSMS TEST ROOT CA", **VALID)
    root.write_trust_store(tmp_path / "trust")
    monkeypatch.setenv("OSMS_TRUST_STORE", str(tmp_path / "trust"))
    get_settings.cache_clear()
    session.add_all([_provider("H1", BIN), _provider("H2", OTHER_BIN)])
    session.add(
        ProcurementAnnouncement(
            announcement_id=ID,
            year=2027,
            opens=date(2026, 12, 1),
            closes=date(2026, 12, 10),
            rulebook="kz-law",
            state="announced",
        )
    )
    session.flush()
    session.add(
        ProcurementPlanLine(
            announcement_id=ID,
            care_type="inpatient_planned",
            region="KZ-ALA",
            volume=100,
            unit="cases",
            sum=Decimal("1000000.00"),
        )
    )
    users = {
        "clinic": create_user(session, "h1", "pw", "clinic", "H1", provider_id="H1"),
        "other": create_user(session, "h2", "pw", "clinic", "H2", provider_id="H2"),
        "operator": create_user(session, "op", "pw", "operator", "Оператор"),
        "citizen": create_user(session, "cit", "pw", "citizen", "Азамат", iin=MANAGER),
    }
    tokens = {role: create_token(session, user, "t") for role, user in users.items()}
    session.commit()
    yield {"root": root, "tokens": tokens}
    get_settings.cache_clear()


def application(**changes: Any) -> dict[str, Any]:
    return {
        "announcement_id": ID,
        "application_id": "APP-1",
        "provider_id": "H1",
        "bin": BIN,
        "care_type": "inpatient_planned",
        "region": "KZ-ALA",
        "volume": 40,
        "sum": "400000.00",
        "submitted": NOW.date().isoformat(),
    } | changes


def send(
    client: TestClient,
    world: dict[str, Any],
    body: dict[str, Any],
    who: Signer | None,
    role: str = "clinic",
    signed: dict[str, Any] | None = None,
    procurement: str = ID,
) -> Any:
    who = who or signer(world["root"], BIN)
    signature = base64.b64encode(sign_detached(canonical_json(signed or body), who)).decode()
    return client.post(
        f"/api/v1/procurements/{procurement}/applications",
        json={"application": body, "signature": signature},
        headers={"Authorization": f"Bearer {world['tokens'][role]}"},
    )


def test_a_signed_application_is_recorded_with_its_signer(
    client: TestClient, world: dict[str, Any], session: Session
) -> None:
    answer = send(client, world, application(), None)
    assert answer.status_code == 201, answer.text
    body = answer.json()
    assert (body["channel"], body["volume"], body["sum"]) == ("api", 40, "400000.00")
    assert body["submitted"] == fund_today().isoformat()  # the day received
    assert f"bin={BIN}" in body["signed_by"]
    stored = session.scalars(select(ProcurementApplication)).one()
    assert stored.signed_content == canonical_json(application()).decode()
    assert stored.signature is not None
    entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "procurement.apply")).one()
    assert (entry.actor, entry.outcome) == ("h1", "ok") and f"bin={BIN}" in (entry.detail or "")
    again = send(client, world, application(), None)
    assert (again.status_code, again.json()["code"]) == (409, "duplicate_application")


@pytest.mark.parametrize("case", ["mismatch", "untrusted", "signer_not_applicant"])
def test_a_refused_signature_is_a_422_with_its_code(
    client: TestClient, world: dict[str, Any], session: Session, case: str
) -> None:
    if case == "mismatch":  # the volume changed after signing
        answer = send(client, world, application(volume=90), None, signed=application())
        code = "signature_mismatch"
    elif case == "untrusted":  # a CA of the same name, not in the fund's trust store
        impostor = DemoCA.create("OSMS TEST ROOT CA", **VALID)
        answer = send(client, world, application(), signer(impostor, BIN))
        code = "untrusted_certificate"
    else:  # a certificate of another organisation
        answer = send(client, world, application(), signer(world["root"], OTHER_BIN))
        code = "signer_not_applicant"
    assert answer.status_code == 422, answer.text
    assert answer.headers["content-type"].startswith("application/problem+json")
    assert answer.json()["code"] == code
    assert session.scalars(select(ProcurementApplication)).first() is None


def test_who_may_apply_and_what_is_checked_first(client: TestClient, world: dict[str, Any]) -> None:
    # Another provider's login may not apply for H1 (logged), nor a citizen.
    assert send(client, world, application(), None, role="other").status_code == 403
    assert send(client, world, application(), None, role="citizen").status_code == 403
    assert send(client, world, application(), None, procurement="NOPE").json()["code"] == "unknown_procurement"
    wrong = send(client, world, application(announcement_id="OTHER"), None)
    assert (wrong.status_code, wrong.json()["code"]) == (422, "announcement_mismatch")
    outside = send(client, world, application(care_type="ambulance"), None)
    assert (outside.status_code, outside.json()["code"]) == (422, "not_in_plan")


def test_public_and_review_views(client: TestClient, world: dict[str, Any]) -> None:
    assert send(client, world, application(), None).status_code == 201
    public = client.get(f"/api/v1/procurements/{ID}").json()
    assert (public["state"], public["results"], public["applications"]) == ("announced", None, None)
    assert public["plan"] == [
        {"care_type": "inpatient_planned", "region": "KZ-ALA", "volume": 100, "unit": "cases", "sum": "1000000.00"}
    ]
    assert [p["announcement_id"] for p in client.get("/api/v1/procurements").json()] == [ID]
    operator = {"Authorization": f"Bearer {world['tokens']['operator']}"}
    full = client.get(f"/api/v1/procurements/{ID}", headers=operator).json()
    assert [a["application_id"] for a in full["applications"]] == ["APP-1"]
    own = client.get(
        f"/api/v1/procurements/{ID}/applications", headers={"Authorization": f"Bearer {world['tokens']['clinic']}"}
    )
    other = client.get(
        f"/api/v1/procurements/{ID}/applications", headers={"Authorization": f"Bearer {world['tokens']['other']}"}
    )
    assert ([a["application_id"] for a in own.json()], other.json()) == (["APP-1"], [])
    denied = client.get(
        f"/api/v1/procurements/{ID}/applications", headers={"Authorization": f"Bearer {world['tokens']['citizen']}"}
    )
    assert denied.status_code == 403


def test_a_file_does_not_overwrite_a_signed_application(
    client: TestClient, world: dict[str, Any], cli_db: str, tmp_path: Path, session: Session
) -> None:
    assert send(client, world, application(), None).status_code == 201
    rows = [["APP-1", "H1", "inpatient_planned", "KZ-ALA", "99", "990000.00", "2026-12-02"]]
    path = write(tmp_path, "apps", rows, header="application_id,provider_id,care_type,region,volume,sum,submitted")
    assert run_json("procurement", "apply", str(path), "--announcement", ID)["rejected_by_reason"] == {
        "signed_application": 1
    }
    assert session.scalars(select(ProcurementApplication.volume)).one() == 40
