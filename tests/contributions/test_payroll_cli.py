"""``osms payroll compute`` through the Typer app ``payroll_app`` (``osms.cli`` mounts it as ``osms payroll``)."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from osms.contributions import calc_cli
from osms.core.config import Settings
from osms.core.models import AuditEntry
from tests.contributions.test_payroll import EMPLOYER, PENSIONER, RICH, UNKNOWN, WORKER, add_people
from tests.registry.helpers import write_csv

runner = CliRunner()


@pytest.fixture
def cli_db(monkeypatch: pytest.MonkeyPatch, db_url: str, engine, session) -> None:
    add_people(session)
    session.commit()
    monkeypatch.setattr(calc_cli, "get_settings", lambda: Settings(database_url=db_url))
    monkeypatch.setattr(calc_cli, "get_engine", lambda url=None: engine)


@pytest.fixture
def payroll_file(tmp_path: Path) -> Path:
    return write_csv(
        tmp_path / "march.csv",
        "iin,period,income",
        [
            [WORKER, "2024-03", "300000"],
            [RICH, "2024-03", "1000000"],
            [PENSIONER, "2024-03", "250000"],
            [UNKNOWN, "2024-03", "100000"],
            ["bad", "2024-03", "1"],
        ],
    )


def compute(*args: str):
    return runner.invoke(calc_cli.payroll_app, ["compute", *args])


def test_json(cli_db: None, payroll_file: Path, session) -> None:
    result = compute(str(payroll_file), "--employer", EMPLOYER, "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert (data["computed"], data["excluded"], data["rejected"]) == (2, 1, 2)
    lines = {x["iin"]: x for x in data["lines"]}
    assert lines[WORKER]["line"] == 2  # CSV line numbers (the header is line 1)
    assert (lines[RICH]["deduction"]["amount"], lines[RICH]["contribution"]["amount"]) == ("25500.00", "17000.00")
    assert data["totals"]["deduction"] == "34500.00" and data["totals"]["contribution"] == "23000.00"
    assert data["deadlines"][0] == {"period": "2024-03", "statement_due": "2024-04-15", "payment_due": "2024-04-25"}
    entries = session.scalars(select(AuditEntry).where(AuditEntry.action == "payroll.compute")).all()
    assert {(e.channel, e.role, e.subject_iin) for e in entries} == {
        ("cli", "operator", None),
        ("cli", "operator", PENSIONER),
    }
    assert all(e.actor.startswith("cli:") for e in entries)


def test_text_and_statements(cli_db: None, payroll_file: Path, tmp_path: Path) -> None:
    out = tmp_path / "statements.csv"
    result = compute(str(payroll_file), "--employer", EMPLOYER, "--out", str(out))
    assert result.exit_code == 0, result.output
    assert "2024-04-25" in result.stdout
    assert "excluded line 4" in result.stdout and "pensioner" in result.stdout
    assert "rejected line 5: unknown_person" in result.stdout
    assert "rejected line 6: bad_iin" in result.stdout
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert [r["status"] for r in rows[:5]] == ["computed", "computed", "excluded", "rejected", "rejected"]
    assert rows[0]["total"] == "15000.00"
    assert rows[-1]["iin"] == "TOTAL" and rows[-1]["total"] == "57500.00"


def test_seeds_rulebook(cli_db: None, tmp_path: Path) -> None:
    file = write_csv(tmp_path / "p.csv", "iin,period,income", [[WORKER, "2020-01", "100000"]])
    result = compute(str(file), "--employer", EMPLOYER, "--rulebook", "seeds-2016", "--json")
    line = json.loads(result.stdout)["lines"][0]
    assert (line["deduction"]["amount"], line["contribution"]["amount"]) == ("5000.00", "2000.00")  # 5%, 2%


@pytest.mark.parametrize(
    ("setup", "code"),
    [
        ("missing", "no_file"),
        ("bad_header", "bad_header"),
        ("bad_employer", "bad_bin"),
        ("bad_rulebook", "unknown_rulebook"),
    ],
)
def test_errors_exit_2(cli_db: None, payroll_file: Path, tmp_path: Path, setup: str, code: str) -> None:
    file, employer, extra = str(payroll_file), EMPLOYER, []
    if setup == "missing":
        file = str(tmp_path / "nope.csv")
    elif setup == "bad_header":
        file = str(write_csv(tmp_path / "h.csv", "iin,income", [[WORKER, "1"]]))
    elif setup == "bad_employer":
        employer = "999"
    else:
        extra = ["--rulebook", "nope"]
    result = compute(file, "--employer", employer, *extra)
    assert result.exit_code == 2
    assert f"error ({code})" in result.stderr
