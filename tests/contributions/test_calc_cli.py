"""``osms calc``: through a local Typer app wrapping ``calc_command`` (``osms.cli`` wires the real one)."""

from __future__ import annotations

import json

import pytest
import typer
from typer.testing import CliRunner

from osms.contributions.calc_cli import calc_command

app = typer.Typer()
app.command("calc")(calc_command)
app.command("other")(lambda: None)  # two commands: `calc` stays a subcommand, as under `osms`
runner = CliRunner()


def run(*args: str):
    return runner.invoke(app, ["calc", *args])


def test_json_answer() -> None:
    result = run("--payer", "individual-entrepreneur", "--period", "2017-07", "--rulebook", "seeds-2016", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["amount"] == "2445.90"
    assert data["rate"] == "0.05"
    assert data["cap_applied"] is False
    assert data["rulebook"] == "seeds-2016"
    assert data["rule"]["id"] == "rates.individual-entrepreneur.2017-07-01"
    assert {"amount", "base", "rate", "cap_applied", "rulebook", "rule"} <= set(data)


@pytest.mark.parametrize(
    ("args", "amount"),
    [
        (("--payer", "self-payer", "--period", "2018-02", "-r", "seeds-2016"), "1414.20"),
        (("--payer", "individual-entrepreneur", "--period", "2018-02", "-r", "seeds-2016"), "2828.40"),
        (("--payer", "employer-deduction", "--period", "2023-02", "--income", "10000000"), "21000.00"),
        (("--payer", "employee-contribution", "--period", "2024-02", "--income", "2 000 000,00"), "17000.00"),
        (("--payer", "state", "--period", "2022-02"), "3614.20"),
    ],
)
def test_amounts(args: tuple[str, ...], amount: str) -> None:
    result = run(*args, "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["amount"] == amount


def test_text_answer() -> None:
    result = run("--payer", "employer-deduction", "--period", "2024-03", "--income", "1000000")
    assert result.exit_code == 0, result.output
    assert "amount       25500.00 tenge" in result.stdout
    assert "rates.employer-deduction.2022-01-01 (verified)" in result.stdout
    assert "applied" in result.stdout
    # sources quoting "[seed ...]" are printed as they are, not read as markup
    result = run("--payer", "individual-entrepreneur", "--period", "2017-07", "-r", "seeds-2016")
    assert "[seed 003 §III]" in result.stdout


def test_flat_kind_ignores_income_with_a_note() -> None:
    result = run("--payer", "self-payer", "--period", "2024-03", "--income", "500000", "--json")
    data = json.loads(result.stdout)
    assert data["amount"] == "4250.00" and data["income"] is None
    assert "income ignored" in data["notes"][0]


@pytest.mark.parametrize(
    ("args", "code"),
    [
        (("--payer", "individual-entrepreneur", "--period", "2019-03"), "exempt_period"),
        (("--payer", "individual-entrepreneur", "--period", "2017-09"), "no_rule"),
        (("--payer", "employee-contribution", "--period", "2019-09", "--income", "1"), "no_rule"),
        (("--payer", "self-payer", "--period", "2016-01"), "period_outside_rulebook"),
        (("--payer", "employer-deduction", "--period", "2024-01"), "income_required"),
        (("--payer", "employer-deduction", "--period", "2024-01", "--income", "lots"), "bad_income"),
        (("--payer", "nobody", "--period", "2024-01"), "unknown_payer_kind"),
        (("--payer", "state", "--period", "01-2024"), "bad_period"),
        (("--payer", "state", "--period", "2024-01", "--rulebook", "nope"), "unknown_rulebook"),
    ],
)
def test_errors_exit_2(args: tuple[str, ...], code: str) -> None:
    result = run(*args)
    assert result.exit_code == 2
    assert f"error ({code}):" in result.stderr
    as_json = run(*args, "--json")
    assert as_json.exit_code == 2
    assert json.loads(as_json.stdout)["error"]["code"] == code
