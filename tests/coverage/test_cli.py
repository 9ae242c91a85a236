"""``osms status`` and ``osms pregnancy register`` (mounted here as osms.cli mounts them)."""

from __future__ import annotations

import json
from datetime import date

import pytest
import typer
from sqlalchemy import select
from typer.testing import CliRunner

from osms.core.config import Settings
from osms.core.models import AuditEntry
from osms.coverage import cli
from tests.coverage.helpers import Ledger, add_person, iin

WORKER = iin(date(1986, 1, 1), "M")
WOMAN = iin(date(1995, 4, 12), "F")

app = typer.Typer()
app.command("status")(cli.status_command)
app.add_typer(cli.pregnancy_app, name="pregnancy")
runner = CliRunner()


@pytest.fixture
def cli_db(monkeypatch: pytest.MonkeyPatch, db_url: str, engine, session) -> None:
    add_person(session, WORKER)
    add_person(session, WOMAN, birth=date(1995, 4, 12), sex="F")
    ledger = Ledger(session)
    ledger.pay_range(WORKER, "2024-01", "2024-06")
    ledger.refresh()
    session.commit()
    monkeypatch.setattr(cli, "get_settings", lambda: Settings(database_url=db_url, language="en"))
    monkeypatch.setattr(cli, "get_engine", lambda url=None: engine)


def test_status_json(cli_db, session) -> None:
    result = runner.invoke(app, ["status", WORKER, "--on", "2024-09-15", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert (data["basis"]["code"], data["insured_until"], data["arrears"]["amount"]) == (
        "grace",
        "2024-09-30",
        "4250.00",  # only 2024-07 is past its deadline (2024-08-25)
    )
    assert data["due"] == [{"month": "2024-08", "due_by": "2024-09-25"}, {"month": "2024-09", "due_by": "2024-10-25"}]
    entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "status.read")).one()
    assert (entry.channel, entry.role, entry.subject_iin) == ("cli", "operator", WORKER)
    assert entry.actor.startswith("cli:")


def test_status_panel(cli_db) -> None:
    result = runner.invoke(app, ["status", WORKER, "--on", "2024-10-01", "--lang", "ru"])
    assert result.exit_code == 0, result.output
    assert "Не застрахован" in result.stdout
    # 2023-10..12 at 3,500.00 and 2024-07, 08 at 4,250.00 = 19,000.00 (past their deadlines).
    assert "lapsed" in result.stdout and "19000.00" in result.stdout
    english = runner.invoke(app, ["status", WORKER, "--on", "2024-09-15"])
    assert "Insured: rights are kept" in english.stdout and "2024-07 4250.00" in english.stdout
    assert "2024-08 by 2024-09-25, 2024-09 by 2024-10-25" in english.stdout


def test_status_errors(cli_db) -> None:
    bad = runner.invoke(app, ["status", "123", "--on", "2024-09-15"])
    assert bad.exit_code == 1 and "bad_iin:length" in bad.output
    assert runner.invoke(app, ["status", WORKER, "--on", "2024-9-1"]).exit_code == 2
    outside = runner.invoke(app, ["status", WORKER, "--on", "2017-06-30"])
    assert outside.exit_code == 1 and "date_outside_rulebook" in outside.output
    assert runner.invoke(app, ["status", WORKER, "--rulebook", "nope"]).exit_code == 1


def test_pregnancy_register(cli_db) -> None:
    result = runner.invoke(
        app,
        ["pregnancy", "register", "--iin", WOMAN, "--entered", "2026-03-20", "--expected-delivery", "2026-10-01"],
    )
    assert result.exit_code == 0, result.output
    assert "2026-03-30" in result.stdout and "assigned" in result.stdout
    again = runner.invoke(app, ["pregnancy", "register", "--iin", WOMAN, "--entered", "2026-03-20", "--json"])
    assert json.loads(again.stdout)["category_from"] == "2026-03-30"
    missing = runner.invoke(app, ["pregnancy", "register", "--iin", WORKER[:-1] + "0", "--entered", "2026-03-20"])
    assert missing.exit_code == 1
