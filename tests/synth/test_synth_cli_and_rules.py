"""``osms synth`` on the command line, and the date rules the generator relies on."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from typer.testing import CliRunner

from osms.cli import app
from osms.core.identity import check_bin
from osms.synth.country import SynthConfig, local_budget_payer_ids, state_payer_id
from osms.synth.rules import FILES, add_months, add_years, end_of_month_after, quarter_start

runner = CliRunner()


def test_cli_smoke(tmp_path: Path) -> None:
    out = tmp_path / "country"
    result = runner.invoke(app, ["synth", "--people", "500", "--seed", "3", "--out", str(out)])
    assert result.exit_code == 0, result.output
    for name in (*FILES, "manifest.json"):
        assert (out / name).is_file(), name
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["people"] == 500 and manifest["seed"] == 3
    assert manifest["files"]["persons.csv"]["rows"] == 500


def test_cli_as_of_moves_the_reference_date(tmp_path: Path) -> None:
    result = runner.invoke(app, ["synth", "-n", "50", "--seed", "1", "--as-of", "2024-07-01", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    manifest = json.loads((tmp_path / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["as_of"] == "2024-07-01"


@pytest.mark.parametrize(
    "args",
    [
        ["--people", "0"],
        ["--as-of", "2026-13-01"],
        ["--as-of", "2020-01-01", "--history-from", "2021-01-01"],
    ],
)
def test_cli_rejects_bad_options(tmp_path: Path, args: list[str]) -> None:
    result = runner.invoke(app, ["synth", *args, "--out", str(tmp_path)])
    assert result.exit_code == 2
    assert "Traceback" not in result.output


def test_config_validation() -> None:
    with pytest.raises(ValueError):
        SynthConfig(people=0)
    with pytest.raises(ValueError):
        SynthConfig(people=10, as_of=date(2020, 1, 1), history_from=date(2021, 1, 1))


def o(y: int, m: int, d: int) -> int:
    return date(y, m, d).toordinal()


def test_add_years_sends_29_february_to_1_march() -> None:
    assert add_years(o(2008, 2, 29), 18) == o(2026, 3, 1)
    assert add_years(o(2008, 2, 29), 16) == o(2024, 2, 29)
    assert add_years(o(2026, 1, 1), -18) == o(2008, 1, 1)


def test_month_arithmetic() -> None:
    assert add_months(o(2025, 1, 31), 1) == o(2025, 3, 1)
    assert add_months(o(2025, 11, 15), 3) == o(2026, 2, 15)
    assert add_months(o(2026, 1, 1), -3) == o(2025, 10, 1)
    assert end_of_month_after(o(2024, 6, 30), 3) == o(2024, 9, 30)
    assert end_of_month_after(o(2024, 11, 5), 3) == o(2025, 2, 28)
    assert quarter_start(o(2025, 8, 17)) == o(2025, 7, 1)


def test_fixed_state_and_local_budget_ids_are_valid_bins() -> None:
    ids = [state_payer_id(), *local_budget_payer_ids().values()]
    assert len(set(ids)) == 21
    assert all(check_bin(i).valid for i in ids)
