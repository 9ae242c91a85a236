"""Per capita through its channels (docs/payments.md, "Per capita"): ``osms payments per-capita``
(JSON and the Rich table), ``GET /api/v1/providers/{id}/per-capita`` (a provider's login its own,
the fund's staff any). kz-law's synthetic KZ-ALA rows: base 1,700.00; the figures are checked
against ``per_capita`` itself (the hand-computed cases are in test_per_capita.py)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from osms.cli import app as osms_cli
from osms.core.config import get_settings
from osms.core.db import get_engine
from osms.core.security import create_token, create_user
from osms.payments.capitation import per_capita
from osms.rulebooks.loader import load_rulebook
from tests.payments.percapita_world import clinic, person

TODAY = date(2026, 12, 5)


@pytest.fixture
def world(session: Session) -> dict[str, str]:
    clinic(session, "PHC1", region="KZ-ALA")
    clinic(session, "PHC2", region="KZ-ALA")
    person(session, date(1990, 6, 15), "M", 1)
    person(session, date(1950, 1, 1), "F", 3, insured=False)
    own = create_user(session, "pc-clinic", "pw-123456789", "clinic", "Емхана", provider_id="PHC1")
    other = create_user(session, "pc-other", "pw-123456789", "clinic", "Басқа", provider_id="PHC2")
    operator = create_user(session, "pc-op", "pw-123456789", "operator", "Оператор")
    tokens = {
        name: create_token(session, user, "t") for name, user in (("own", own), ("other", other), ("op", operator))
    }
    session.commit()
    return tokens


@pytest.fixture
def cli_db(world: dict[str, str], db_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    monkeypatch.setenv("OSMS_DATABASE_URL", db_url)
    get_settings.cache_clear()
    get_engine.cache_clear()
    yield db_url
    get_engine(db_url).dispose()
    get_settings.cache_clear()
    get_engine.cache_clear()


def test_cli_json_and_table(cli_db: str, session: Session) -> None:
    expected = per_capita(session, load_rulebook("kz-law"), "PHC1", "2026-03", today=TODAY).as_dict()
    result = CliRunner().invoke(
        osms_cli, ["payments", "per-capita", "--provider", "PHC1", "--month", "2026-03", "--json"]
    )
    assert result.exit_code == 0, result.output
    data: dict[str, Any] = json.loads(result.stdout)
    for key in ("provider_id", "month", "attached", "by_band", "sex_age_coefficient", "base_rate", "corrections"):
        assert data[key] == expected[key]
    assert (data["rate"], data["amount"], data["reductions"]) == (
        expected["rate"],
        expected["amount"],
        expected["reductions"],
    )
    assert data["base_rate"] == "1700.00" and data["synthetic"] is True
    table = CliRunner().invoke(osms_cli, ["payments", "per-capita", "--provider", "PHC1", "--month", "2026-03"])
    assert table.exit_code == 0, table.output
    assert "70+" in table.stdout and expected["amount"] in table.stdout and "SYNTHETIC" in table.stdout
    refused = CliRunner().invoke(
        osms_cli, ["payments", "per-capita", "--provider", "NOPE", "--month", "2026-03", "--json"]
    )
    assert refused.exit_code == 2 and json.loads(refused.stdout)["error"]["code"] == "unknown_provider"


def test_api_own_provider_and_staff(client: TestClient, world: dict[str, str]) -> None:
    def ask(token: str, provider: str, month: str = "2026-03") -> Any:
        return client.get(
            f"/api/v1/providers/{provider}/per-capita",
            params={"month": month},
            headers={"Authorization": f"Bearer {world[token]}"},
        )

    own = ask("own", "PHC1")
    assert own.status_code == 200, own.text
    data = own.json()
    assert data["attached"] == 2 and len(data["by_band"]) == 22
    assert [r["code"] for r in data["reductions"]] == ["uninsured", "no_service_year", "excess_norm"]
    assert data["reductions"][0]["people"] == 1
    assert ask("other", "PHC1").status_code == 403
    assert ask("op", "PHC2").status_code == 200
    bad = ask("op", "HOSPX")
    assert bad.status_code == 404 and bad.json()["code"] == "unknown_provider"
    assert ask("op", "PHC1", "2026-13").status_code == 422
