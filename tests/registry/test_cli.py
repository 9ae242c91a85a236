"""`osms registry import ...` end to end through the command line, on the test database."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from typer.testing import CliRunner

from osms.cli import app
from osms.core.config import get_settings
from osms.core.db import get_engine
from tests.registry.helpers import PERSON_HEADER, iin, person_row, write_csv

runner = CliRunner()


@pytest.fixture
def cli_db(db_url: str, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("OSMS_DATABASE_URL", db_url)
    get_settings.cache_clear()
    get_engine.cache_clear()
    yield db_url
    get_engine(db_url).dispose()
    get_settings.cache_clear()
    get_engine.cache_clear()


def test_import_persons_json_summary_and_rejection_report(cli_db, tmp_path: Path) -> None:
    good = iin(date(1980, 4, 4), "F")
    path = write_csv(tmp_path / "persons.csv", PERSON_HEADER, [person_row(good), person_row("860101300012")])
    result = runner.invoke(app, ["registry", "import", "persons", str(path), "--json"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout.strip().splitlines()[-1])
    assert (summary["rows"], summary["accepted"], summary["rejected"]) == (2, 1, 1)
    assert summary["rejected_by_reason"] == {"bad_iin": 1}
    report = (tmp_path / "persons.csv.rejected.csv").read_text(encoding="utf-8").splitlines()
    assert report[0] == "line,code,message,raw" and report[1].startswith("3,bad_iin,")


def test_wrong_header_is_a_clear_error_not_a_traceback(cli_db, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "persons.csv", "iin,name", [["860101300017", "x"]])
    result = runner.invoke(app, ["registry", "import", "persons", str(path)])
    assert result.exit_code == 1
    assert "bad_file" in result.output and "Traceback" not in result.output
