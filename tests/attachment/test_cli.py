"""`osms attach ...` end to end through the command line on the test database."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from osms.cli import app
from osms.core.config import get_settings
from osms.core.db import get_engine
from tests.attachment.conftest import ADULT, CHILD
from tests.attachment.helpers import CAMPAIGN_HEADER, clinic_row, write_clinics, write_csv, write_districts

runner = CliRunner()


@pytest.fixture
def cli_db(db_url: str, monkeypatch: pytest.MonkeyPatch, country):
    monkeypatch.setenv("OSMS_DATABASE_URL", db_url)
    get_settings.cache_clear()
    get_engine.cache_clear()
    yield db_url
    get_engine(db_url).dispose()
    get_settings.cache_clear()
    get_engine.cache_clear()


def last_json(output: str) -> dict:
    return json.loads(output.strip().splitlines()[-1])


def test_import_clinics_and_districts_json(cli_db, tmp_path: Path) -> None:
    clinics = write_clinics(tmp_path, [clinic_row("AST-20", 500), ["bad id", "1", "x", "r", "1", ""]])
    result = runner.invoke(app, ["attach", "import", "clinics", str(clinics), "--json"])
    assert result.exit_code == 0, result.output
    summary = last_json(result.stdout)
    assert (summary["rows"], summary["accepted"], summary["rejected_by_reason"]) == (2, 1, {"bad_clinic_id": 1})
    assert (tmp_path / "clinics.csv.rejected.csv").read_text().splitlines()[1].startswith("3,bad_clinic_id,")
    districts = write_districts(tmp_path, [["AST-20", "T1", "therapist", "Иванова", "1700"]])
    result = runner.invoke(app, ["attach", "import", "districts", str(districts), "--json"])
    assert last_json(result.stdout)["accepted"] == 1


def test_apply_and_show(cli_db) -> None:
    # [seed 000 §5] moved on 10 September, attached on 11 September: served from 11 September.
    runner.invoke(
        app, ["attach", "apply", "--iin", ADULT, "--clinic", "ALM-1", "--reason", "first", "--date", "2023-03-01"]
    )
    result = runner.invoke(
        app,
        ["attach", "apply", "--iin", ADULT, "--clinic", "AST-8", "--reason", "move", "--date", "2024-09-11", "--json"],
    )
    assert result.exit_code == 0, result.output
    answer = last_json(result.stdout)
    assert (answer["decision"], answer["effective_from"], answer["previous_clinic"]) == (
        "accepted",
        "2024-09-11",
        "ALM-1",
    )
    result = runner.invoke(app, ["attach", "show", ADULT, "--on", "2024-09-10", "--json"])
    assert last_json(result.stdout)["clinic"] == "ALM-1"
    result = runner.invoke(app, ["attach", "show", CHILD, "--on", "2024-09-10", "--json"])
    shown = last_json(result.stdout)
    assert (shown["clinic"], shown["district"], shown["since"], shown["home_visits"]) == (None, None, None, None)
    result = runner.invoke(app, ["attach", "show", ADULT, "--on", "2024-09-12"])
    assert result.exit_code == 0 and "AST-8" in result.stdout


def test_family_option(cli_db) -> None:
    result = runner.invoke(
        app,
        ["attach", "apply", "--iin", ADULT, "--family", CHILD, "--clinic", "AST-8", "--reason", "first"]
        + ["--date", "2024-03-01", "--json"],
    )
    assert result.exit_code == 0, result.output
    assert [(d["iin"], d["district"]) for d in last_json(result.stdout)["decisions"]] == [(ADULT, "T1"), (CHILD, "P1")]


def test_errors_are_sentences_not_tracebacks(cli_db) -> None:
    result = runner.invoke(
        app, ["attach", "apply", "--iin", ADULT, "--clinic", "NOPE", "--reason", "first", "--date", "2024-03-01"]
    )
    assert result.exit_code == 1
    assert "unknown_clinic" in result.output and "Traceback" not in result.output
    result = runner.invoke(
        app, ["attach", "apply", "--iin", "123", "--clinic", "AST-8", "--reason", "first", "--date", "2024-03-01"]
    )
    assert result.exit_code == 1 and "bad_iin" in result.output
    result = runner.invoke(
        app, ["attach", "apply", "--iin", ADULT, "--clinic", "AST-8", "--reason", "first", "--date", "March"]
    )
    assert result.exit_code == 2 and "YYYY-MM-DD" in result.output
    result = runner.invoke(app, ["attach", "export", "--month", "2024-13"])
    assert result.exit_code == 1 and "bad_month" in result.output


def test_campaign_and_export(cli_db, tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "apps.csv",
        CAMPAIGN_HEADER,
        [
            ["1", ADULT, "AST-8", "first", "2024-03-01", "", "", ""],
            ["2", CHILD, "AST-8", "first", "2024-03-01", "", ADULT, ""],
        ],
    )
    result = runner.invoke(app, ["attach", "campaign", str(path), "--rulebook", "kz-law", "--json"])
    assert result.exit_code == 0, result.output
    summary = last_json(result.stdout)
    assert (summary["rows"], summary["by_decision"]) == (2, {"accepted": 2})
    assert (tmp_path / "apps.csv.results.csv").read_text().splitlines()[1:] == [
        f"1,{ADULT},accepted,2024-03-01,,T1,first_attachment,false",
        f"2,{CHILD},accepted,2024-03-01,,P1,first_attachment,false",
    ]
    out = tmp_path / "register.csv"
    result = runner.invoke(app, ["attach", "export", "--month", "2024-04", "--out", str(out), "--json"])
    assert result.exit_code == 0, result.output
    assert last_json(result.stdout)["clinics"] == {"AST-8": 2}
    assert (
        out.read_text().splitlines()[0] == "clinic_id,month,iin,district_id,specialty,age_group,sex,since,home_visits"
    )
