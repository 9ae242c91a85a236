"""The escalation report's amounts come from the payment runs' deductions (MON п.19-20; docs/claims.md,
"Escalation"; the hook of claims.escalation_amounts that the payments room registers).

Figures: SYN.CA01 whole, 2026: 175,622.79 × 3.1 = 544,430.649 → 544,430.65 (TAR, synthetic weight);
A01.003.000 2,889.51 (TAR annex 7, 2026); defect 5.1 (MON annex 1): 300% of a case or a service:
1,633,291.95 and 8,668.53. МРП of 2026: 4,325 tenge (the providers topic), so the thresholds are
200 × 4,325 = 865,000.00 a month and 800 × 4,325 = 3,460,000.00 over the contract.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from typer.testing import CliRunner

from osms.claims import monitoring
from osms.cli import app as osms_cli
from osms.core.config import get_settings
from osms.core.db import get_engine, session_factory
from osms.core.security import create_token, create_user, principal_for_token
from osms.payments.run import run_month
from osms.rulebooks.loader import load_rulebook
from tests.payments.run_world import add_person, add_provider, contract, defect, iin, record

KZ = load_rulebook("kz-law")
YEAR = "120000000.00"


@pytest.fixture
def cli_db(db_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    monkeypatch.setenv("OSMS_DATABASE_URL", db_url)
    get_settings.cache_clear()
    get_engine.cache_clear()
    yield db_url
    get_engine(db_url).dispose()
    get_settings.cache_clear()
    get_engine.cache_clear()


def _case(session: Any, provider: str, rid: str, person: str, start: date, end: date) -> Any:
    return record(session, provider, rid, person, care_form="inpatient", care_type="inpatient_planned",
                  case_group="SYN.CA01", day=start, until=end)  # fmt: skip


@pytest.fixture
def priced(engine: Engine) -> dict[str, Any]:
    """E1: two cases with 5.1 in February, a case and a visit with 5.1 in March, and a potential
    5.1 in March (not deducted); E2: a visit with 5.1 in March. February and March are run."""
    with session_factory(engine)() as session:
        for provider in ("E1", "E2"):
            add_provider(session, provider)
            contract(session, provider, [("inpatient_planned", YEAR), ("consult_diag", YEAR)])
        person = add_person(session, iin(date(1980, 1, 1), "M", 3), birth=date(1980, 1, 1), sex="M")
        for n in (1, 2):
            rec = _case(session, "E1", f"f{n}", person, date(2026, 2, 1), date(2026, 2, 10))
            defect(session, "E1", "5.1", rec=rec, found_on=date(2026, 2, 20))
        rec = _case(session, "E1", "m1", person, date(2026, 3, 1), date(2026, 3, 10))
        defect(session, "E1", "5.1", rec=rec)
        for provider in ("E1", "E2"):
            visit = record(session, provider, "v1", person, care_form="outpatient", care_type="consult_diag",
                           service_code="A01.003.000")  # fmt: skip
            defect(session, provider, "5.1", rec=visit)
        rec = _case(session, "E1", "m2", person, date(2026, 3, 12), date(2026, 3, 20))
        defect(session, "E1", "5.1", rec=rec, status="potential")
        run_month(session, KZ, date(2026, 2, 1), today=date(2026, 3, 2), confirm=False)
        run_month(session, KZ, date(2026, 3, 1), today=date(2026, 4, 2), confirm=False)
        user = create_user(session, "aud", "pw", "auditor", "Аудитор")
        token = create_token(session, user, "t")
        session.commit()
    return {"token": token}


def _e1(report: dict[str, Any]) -> dict[str, Any]:
    (row,) = report["providers"]  # E2's 8,668.53 is under both thresholds: not listed
    assert row["provider_id"] == "E1"
    return row


def test_the_report_takes_the_runs_deductions(engine: Engine, priced: dict[str, Any]) -> None:
    with session_factory(engine)() as session:
        auditor = principal_for_token(session, priced["token"])
        assert auditor is not None
        report = monitoring.escalation(session, auditor, "2026-03", channel="api", today=date(2026, 4, 2))
        assert report["amounts"] == "given"
        assert (report["month_threshold"], report["contract_threshold"]) == ("865000.00", "3460000.00")
        row = _e1(report)
        # March: the case 1,633,291.95 + the visit 8,668.53 = 1,641,960.48 (the potential 5.1 counts
        # as a case but was not deducted: 0) > 865,000.00
        assert (row["month_count"], row["month_amount"], row["exceeds_month"]) == (3, "1641960.48", True)
        # the contract: February's 2 × 1,633,291.95 + March's 1,641,960.48 = 4,908,544.38 > 3,460,000.00
        assert (row["contract_count"], row["contract_amount"], row["exceeds_contract"]) == (5, "4908544.38", True)
        # February alone: 3,266,583.90 above the month's threshold, under the contract's
        february = _e1(monitoring.escalation(session, auditor, "2026-02", channel="api", today=date(2026, 3, 2)))
        assert (february["month_amount"], february["exceeds_month"], february["exceeds_contract"]) == (
            "3266583.90",
            True,
            False,
        )
        # April has no run: the counts only, as before
        april = monitoring.escalation(session, auditor, "2026-04", channel="api", today=date(2026, 5, 2))
        assert april["amounts"] == "awaiting_payment_room"
        assert all(p["month_amount"] is None and p["exceeds_month"] is None for p in april["providers"])


def test_the_api_and_the_command_line_give_the_amounts(client: TestClient, cli_db: str, priced: dict[str, Any]) -> None:
    answer = client.get(
        "/api/v1/monitoring/escalation",
        params={"month": "2026-03"},
        headers={"Authorization": f"Bearer {priced['token']}"},
    )
    assert answer.status_code == 200
    row = _e1(answer.json())
    assert (row["month_amount"], row["contract_amount"]) == ("1641960.48", "4908544.38")
    result = CliRunner().invoke(osms_cli, ["monitoring", "escalation", "--month", "2026-03", "--json"])
    assert result.exit_code == 0, result.output
    cli = json.loads(result.output.strip().splitlines()[-1])
    assert cli["amounts"] == "given" and _e1(cli)["month_amount"] == "1641960.48"
    assert Decimal(_e1(cli)["contract_amount"]) == Decimal("4908544.38")
