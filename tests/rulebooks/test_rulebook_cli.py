"""``osms rulebook list | show | validate`` through the real ``osms`` command (Typer CliRunner)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from osms.cli import app
from osms.core.config import get_settings

runner = CliRunner()


def show_json(*args: str) -> dict[str, Any]:
    result = runner.invoke(app, ["rulebook", "show", "--json", *args])
    assert result.exit_code == 0, result.output
    lines = result.stdout.strip().splitlines()
    assert len(lines) == 1  # one JSON object
    data: dict[str, Any] = json.loads(lines[0])
    return data


@pytest.fixture
def settings_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[pytest.MonkeyPatch]:
    get_settings.cache_clear()
    yield monkeypatch
    monkeypatch.undo()
    get_settings.cache_clear()


def test_show_json_kz_law_2022() -> None:
    data = show_json("--on", "2022-03-01")
    assert (data["rulebook"], data["on"]) == ("kz-law", "2022-03-01")
    assert data["covers"] == {"valid_from": "2017-07-01", "valid_to": "2026-12-31"}
    assert data["mw"]["value"] == "60000" and data["mw"]["id"] == "wages.mw.2022-01-01"
    # docs/calculators.md: the 2022 state contribution uses the AMW of 2020 = 212,600 (verified)
    assert data["amw_for_state"]["year"] == 2020
    assert data["amw_for_state"]["value"] == "212600" and data["amw_for_state"]["verified"] is True
    employer = data["rates"]["employer-deduction"]
    assert {k: employer[k] for k in ("rate", "base", "cap", "exempt", "id", "verified")} == {
        "rate": "0.03",
        "base": "income",
        "cap": "10",
        "exempt": False,
        "id": "rates.employer-deduction.2022-01-01",
        "verified": True,
    }
    assert "docs/calculators.md" in employer["source"]
    ie = data["rates"]["individual-entrepreneur"]
    assert (ie["rate"], ie["base"], ie["multiplier"], ie["cap"]) == ("0.05", "mw_multiple", "1.4", None)
    assert data["rates"]["state"]["rate"] == "0.017"
    assert data["rates"]["self-employed-special"] is None
    assert "before 2026-01-01" in data["rates_not_in_force"]["self-employed-special"]
    assert data["status"]["grace"]["grace_months"] == 3
    assert data["status"]["arrears_cap_months"]["value"] == 12
    assert data["status"]["self_payer_prepay_months"]["value"] == 0
    assert data["status"]["insurance_in_force"] is True
    assert data["status"]["transitional_insured"] is None
    assert "house_arrest" not in data["categories"]
    assert data["categories"]["child"]["payer"] == "state"
    assert (data["campaign"]["start"], data["campaign"]["end"]) == ("2022-09-15", "2022-11-15")
    assert data["free_change_limit"]["changes"] == 1 and data["free_change_limit"]["per_months"] == 6
    assert data["minor_age"]["value"] == 18
    assert data["free_choice_requires_insured"] is None  # kz-law: only from 2026 (docs/attachment.md)
    # docs/benefits.md: adult dentistry, sanatorium, cosmetology and care abroad are in neither package
    assert set(data["benefits"]["never_covered"]["care_types"]) == {
        "dentistry_adult",
        "sanatorium",
        "cosmetology",
        "abroad",
    }
    assert "ivf" in data["benefits"]["osms_care_types"]["care_types"]  # [seed 001 Q54]


def test_show_json_2026_attachment_and_disease_lists() -> None:
    data = show_json("--on", "2026-03-01")
    assert data["free_choice_requires_insured"]["id"] == "attachment.free_choice_requires_insured.2026-01-01"
    names = " ".join(d["name"].lower() for d in data["benefits"]["socially_significant"]["diseases"])
    assert "epilepsy" in names and "diabetes" not in names  # docs/benefits.md: the kz-law 2026 list


def test_show_json_rate_keeps_all_its_digits() -> None:
    # 1.5% must not be rounded to two decimals in the JSON
    assert show_json("--on", "2018-06-01")["rates"]["employer-deduction"]["rate"] == "0.015"


def test_show_json_kz_law_2019_ie_exempt() -> None:
    data = show_json("--on", "2019-05-01")
    ie = data["rates"]["individual-entrepreneur"]
    assert ie["exempt"] is True and ie["rate"] == "0"
    assert data["rates"]["state"] is None and data["amw_for_state"] is None
    assert data["status"]["insurance_in_force"] is False


def test_show_json_kz_law_2026() -> None:
    data = show_json("--rulebook", "kz-law", "--on", "2026-02-01")
    assert data["rates"]["employer-deduction"]["cap"] == "40"
    assert data["rates"]["employee-contribution"]["cap"] == "20"
    assert data["rates"]["self-employed-special"]["verified"] is False
    assert data["status"]["grace"]["grace_months_extended"] == 6
    assert data["status"]["grace"]["extended_requires_covered_months"] == 60
    assert data["categories"]["unemployed_registered"]["payer"] == "local_budget"
    assert data["categories"]["wellbeing_d_e"]["payer"] == "local_budget"
    assert data["campaign"]["start"] == "2026-09-01"
    assert data["amw_for_state"]["year"] == 2024 and data["amw_for_state"]["verified"] is False


def test_show_json_transitional_window() -> None:
    data = show_json("--on", "2020-04-01")
    assert data["status"]["transitional_insured"]["id"] == "status.transitional_insured.2020-01-01"


def test_show_json_seeds() -> None:
    data = show_json("-r", "seeds-2016", "--on", "2018-05-01")
    assert data["rulebook"] == "seeds-2016"
    ie = data["rates"]["individual-entrepreneur"]
    assert (ie["rate"], ie["multiplier"]) == ("0.05", "2")
    assert data["rates"]["state"]["rate"] == "0.04"
    assert data["amw_for_state"]["year"] == 2016
    assert data["status"]["insurance_in_force"] is True


def test_show_json_seeds_employer_alternative() -> None:
    employer = show_json("-r", "seeds-2016", "--on", "2017-07-01")["rates"]["employer-deduction"]
    assert employer["rate"] == "0.02"
    assert employer["alternatives"][0]["rate"] == "0.01"


def test_show_tables() -> None:
    result = runner.invoke(app, ["rulebook", "show", "--on", "2022-03-01"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "Rulebook kz-law" in out and "2022-03-01" in out
    assert "rates.employer-deduction.2022-01-01" in out
    assert "3% of income, capped at 10 MW" in out
    assert "5% of 1.4 MW" in out
    assert "[seed 001 Q21]" in out  # sources are printed literally, not as Rich markup
    assert "no rate for self-employed-special before 2026-01-01" in out


def test_show_defaults_to_today_and_settings_rulebook(settings_env: pytest.MonkeyPatch) -> None:
    settings_env.setenv("OSMS_RULEBOOK", "seeds-2016")
    data = show_json("--on", "2019-01-01")
    assert data["rulebook"] == "seeds-2016"
    settings_env.setenv("OSMS_RULEBOOK", "kz-law")
    get_settings.cache_clear()
    result = runner.invoke(app, ["rulebook", "show", "--json"])
    # today is after kz-law's start: confirmed, or carried forward past its horizon (docs/rulebooks.md)
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--rulebook", "nope"], "error: unknown rulebook 'nope' (available: kz-law, seeds-2016)"),
        (["--on", "2017-06-30"], "error: 2017-06-30 is outside the rulebook kz-law (from 2017-07-01;"),
        (["-r", "seeds-2016", "--on", "2016-12-31"], "error: 2016-12-31 is outside the rulebook seeds-2016"),
        (["--on", "2022-02-30"], "error: --on must be a date YYYY-MM-DD, got '2022-02-30'"),
    ],
)
def test_show_errors_exit_2_without_traceback(args: list[str], message: str) -> None:
    sentence = message.removeprefix("error: ")
    for extra in ([], ["--json"]):
        result = runner.invoke(app, ["rulebook", "show", *args, *extra])
        assert result.exit_code == 2
        if extra:  # one JSON line on standard output, nothing else
            assert result.stderr == ""
            assert json.loads(result.stdout)["error"]["message"].startswith(sentence)
        else:
            assert sentence in result.stderr and result.stderr.startswith("error (")
            assert result.stdout == ""
        assert "Traceback" not in result.output
        assert result.exception is None or isinstance(result.exception, SystemExit)


def test_unknown_default_rulebook_setting(settings_env: pytest.MonkeyPatch) -> None:
    settings_env.setenv("OSMS_RULEBOOK", "missing")
    result = runner.invoke(app, ["rulebook", "show", "--on", "2022-01-01"])
    assert result.exit_code == 2
    assert "unknown rulebook 'missing'" in result.stderr


def test_list() -> None:
    result = runner.invoke(app, ["rulebook", "list"], env={"COLUMNS": "200"})
    assert result.exit_code == 0
    assert "kz-law" in result.stdout and "seeds-2016" in result.stdout
    result = runner.invoke(app, ["rulebook", "list", "--json"])
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["name"] for r in rows] == ["kz-law", "seeds-2016"]
    assert rows[0]["default"] is True and rows[1]["default"] is False
    assert (rows[1]["valid_from"], rows[1]["valid_to"]) == ("2017-01-01", "2021-12-31")


def test_validate_shipped() -> None:
    result = runner.invoke(app, ["rulebook", "validate"])
    assert result.exit_code == 0, result.output
    assert "kz-law: valid" in result.stdout and "seeds-2016: valid" in result.stdout


def test_validate_bad_directory(tmp_path: Path) -> None:
    (tmp_path / "rulebook.yaml").write_text("name: x\n", encoding="utf-8")
    result = runner.invoke(app, ["rulebook", "validate", str(tmp_path)])
    assert result.exit_code == 1
    assert "required key 'title' is missing" in result.stderr
    assert "Traceback" not in result.output


def test_show_lists_the_payment_deadlines() -> None:
    # docs/calculators.md [seed 001 Q19, Q23]: the employer pays by the 25th of the following month.
    result = runner.invoke(app, ["rulebook", "show", "--rulebook", "kz-law", "--on", "2026-12-04", "--json"])
    assert result.exit_code == 0, result.output
    deadlines = json.loads(result.stdout)["deadlines"]
    assert deadlines["employer-deduction"]["day"] == 25 and deadlines["employer-deduction"]["months_after"] == 1
    assert deadlines["employer-statement"]["day"] == 15
    assert deadlines["self-payer"]["id"] == "deadlines.self-payer.2017-07-01"
    assert deadlines["self-payer"]["verified"] is False
    text = runner.invoke(app, ["rulebook", "show", "--rulebook", "kz-law", "--on", "2026-12-04"]).stdout
    assert "Payment deadlines" in text
