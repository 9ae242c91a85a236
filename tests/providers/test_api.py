"""Reading the register (docs/providers.md, "Register"; docs/access.md): who sees which entry, founders
only for operators and auditors with every read audited, the list's filters and pages, the command
line, and an import's batch over the import-batches API."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from osms.core.models import AuditEntry
from osms.core.security import create_token, create_user
from osms.providers.models import Provider, ProviderContractHistory, ProviderFounder, ProviderLicence, ProviderResource
from tests.providers.helpers import BIN_1, BIN_2, EMPLOYEE, FOUNDER, provider_row, run, run_json, write


def _provider(provider_id: str, bin_: str, **changes: Any) -> Provider:
    values: dict[str, Any] = {
        "provider_id": provider_id,
        "bin": bin_,
        "name": f"Емхана {provider_id}",
        "ownership": "private",
        "region": "KZ-ALA",
        "settlement": "Алматы",
        "kind": "phc",
        "status": "active",
        "accredited_until": date(2027, 12, 31),
        "own_is": True,
        "tax_arrears": Decimal("0.00"),
    }
    values.update(changes)
    return Provider(**values)


@pytest.fixture
def tokens(session: Session) -> dict[str, str]:
    session.add_all(
        [
            _provider("ALM-1", BIN_1),
            _provider("AST-H1", BIN_2, kind="hospital", region="KZ-AST", settlement="Астана", ownership="state"),
            _provider("ALM-9", BIN_1, status="liquidation", tax_arrears=Decimal("2500.10"), accredited_until=None),
        ]
    )
    session.flush()
    session.add_all(
        [
            ProviderLicence(provider_id="ALM-1", care_type="phc", licensed_from=date(2015, 1, 1)),
            ProviderResource(provider_id="ALM-1", resource="phc_capacity", quantity=15000),
            ProviderFounder(provider_id="ALM-1", iin=FOUNDER, decision_rights=True),
            ProviderFounder(provider_id="ALM-1", iin=EMPLOYEE, decision_rights=False),
            ProviderContractHistory(
                contract_id="C-1",
                provider_id="ALM-1",
                valid_from=date(2021, 1, 1),
                valid_to=date(2023, 12, 31),
                terminated_on=date(2022, 5, 15),
                termination="provider_initiative",
            ),
        ]
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


def _entries(session: Session, action: str) -> list[tuple[str, str | None, str]]:
    session.expire_all()
    rows = session.execute(
        select(AuditEntry.actor, AuditEntry.subject_iin, AuditEntry.outcome)
        .where(AuditEntry.action == action)
        .order_by(AuditEntry.id)
    ).all()
    return [tuple(r) for r in rows]


def test_operator_lists_filters_and_pages(client: TestClient, tokens: dict[str, str]) -> None:
    every = _get(client, tokens, "operator", "/api/v1/providers").json()
    assert [p["provider_id"] for p in every["items"]] == ["ALM-1", "ALM-9", "AST-H1"]
    assert (every["total"], every["next_offset"]) == (3, None)
    assert every["items"][1]["tax_arrears"] == "2500.10" and every["items"][1]["accredited_until"] is None
    assert "founders" not in every["items"][0]
    hospitals = _get(client, tokens, "operator", "/api/v1/providers", kind="hospital").json()
    assert [p["provider_id"] for p in hospitals["items"]] == ["AST-H1"]
    almaty = _get(client, tokens, "auditor", "/api/v1/providers", region="KZ-ALA", status="active").json()
    assert [p["provider_id"] for p in almaty["items"]] == ["ALM-1"]
    page = _get(client, tokens, "operator", "/api/v1/providers", limit=2, offset=1).json()
    assert ([p["provider_id"] for p in page["items"]], page["next_offset"]) == (["ALM-9", "AST-H1"], None)
    first = _get(client, tokens, "operator", "/api/v1/providers", limit=2).json()
    assert first["next_offset"] == 2


def test_a_filter_outside_its_list_is_refused_with_a_code(client: TestClient, tokens: dict[str, str]) -> None:
    answer = _get(client, tokens, "operator", "/api/v1/providers", region="KZ-XXX")
    assert (answer.status_code, answer.json()["code"]) == (422, "unknown_region")


def test_a_provider_login_sees_only_its_own_entry(client: TestClient, session: Session, tokens: dict[str, str]) -> None:
    listed = _get(client, tokens, "clinic", "/api/v1/providers").json()
    assert [p["provider_id"] for p in listed["items"]] == ["ALM-1"] and listed["total"] == 1
    own = _get(client, tokens, "clinic", "/api/v1/providers/ALM-1").json()
    assert own["founders"] is None
    assert [x["care_type"] for x in own["licences"]] == ["phc"]
    assert own["resources"] == [{"resource": "phc_capacity", "quantity": 15000}]
    assert own["contracts"][0]["termination"] == "provider_initiative"
    other = _get(client, tokens, "clinic", "/api/v1/providers/AST-H1")
    assert other.status_code == 403
    founders = _get(client, tokens, "clinic", "/api/v1/providers/ALM-1/founders")
    assert founders.status_code == 403
    assert _entries(session, "provider.read.denied") == [("alm1", None, "denied")]
    assert _entries(session, "provider.founders.read.denied") == [("alm1", None, "denied")]
    assert _entries(session, "provider.founders.read") == []


def test_a_citizen_may_not_read_the_register(client: TestClient, session: Session, tokens: dict[str, str]) -> None:
    assert _get(client, tokens, "citizen", "/api/v1/providers").status_code == 403
    assert _get(client, tokens, "citizen", "/api/v1/providers/ALM-1").status_code == 403
    assert [e[0] for e in _entries(session, "provider.read.denied")] == ["cit", "cit"]


def test_operator_reads_founders_and_each_read_is_audited(
    client: TestClient, session: Session, tokens: dict[str, str]
) -> None:
    entry = _get(client, tokens, "operator", "/api/v1/providers/ALM-1").json()
    assert entry["founders"] == [
        {"iin": FOUNDER, "decision_rights": True},
        {"iin": EMPLOYEE, "decision_rights": False},
    ]
    assert _entries(session, "provider.founders.read") == [("op", FOUNDER, "ok"), ("op", EMPLOYEE, "ok")]
    listed = _get(client, tokens, "auditor", "/api/v1/providers/ALM-1/founders").json()
    assert [f["iin"] for f in listed] == [FOUNDER, EMPLOYEE]
    assert _entries(session, "provider.founders.read")[2:] == [("aud", FOUNDER, "ok"), ("aud", EMPLOYEE, "ok")]


def test_an_unknown_provider_is_404(client: TestClient, tokens: dict[str, str]) -> None:
    answer = _get(client, tokens, "operator", "/api/v1/providers/ZZZ-1")
    assert (answer.status_code, answer.json()["code"]) == (404, "unknown_provider")


def test_show_and_list_on_the_command_line(cli_db, session: Session, tokens: dict[str, str]) -> None:
    shown = run_json("providers", "show", "ALM-1")
    assert shown["provider_id"] == "ALM-1" and shown["tax_arrears"] == "0.00"
    assert [f["iin"] for f in shown["founders"]] == [FOUNDER, EMPLOYEE]
    cli_reads = [e for e in _entries(session, "provider.founders.read") if e[0].startswith("cli:")]
    assert [e[1] for e in cli_reads] == [FOUNDER, EMPLOYEE]
    listed = run_json("providers", "list", "--region", "KZ-ALA", "--kind", "phc")
    assert [p["provider_id"] for p in listed["items"]] == ["ALM-1", "ALM-9"]
    table = run("providers", "list", "--kind", "hospital")
    assert table.exit_code == 0 and "AST-H1" in table.output
    missing = run("providers", "show", "ZZZ-1", "--json")
    assert missing.exit_code == 1 and '"code": "unknown_provider"' in missing.stdout
    bad = run("providers", "list", "--kind", "clinic", "--json")
    assert bad.exit_code == 1 and '"code": "bad_kind"' in bad.stdout


def test_an_import_shows_in_the_import_batches_api(
    cli_db, client: TestClient, tokens: dict[str, str], tmp_path: Path
) -> None:
    path = write(tmp_path, "providers", [provider_row("ALM-20"), provider_row("ALM-21", region="KZ-XXX")])
    batch_id = run_json("providers", "import", "providers", str(path))["batch_id"]
    batch = _get(client, tokens, "operator", f"/api/v1/import-batches/{batch_id}").json()
    assert (batch["kind"], batch["rows"], batch["accepted"], batch["rejected"]) == ("providers", 2, 1, 1)
    assert batch["rejected_by_reason"] == {"unknown_region": 1}
    rejections = _get(client, tokens, "operator", f"/api/v1/import-batches/{batch_id}/rejections").json()
    assert [(r["line"], r["code"]) for r in rejections["items"]] == [(3, "unknown_region")]
