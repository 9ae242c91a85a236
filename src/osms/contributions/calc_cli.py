"""``osms calc`` and ``osms payroll compute``: the calculators and the employer payroll (thin).

``osms.cli`` wires them in::

    app.command("calc")(calc_command)
    app.add_typer(payroll_app, name="payroll")

Errors print ``error (<code>): <message>`` on standard error and exit with code 2 (with
``--json`` instead one line ``{"error": {"code", "message"}}`` on standard output).
"""

from __future__ import annotations

import getpass
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer
from rich.console import Console
from rich.table import Table

from osms.contributions.payroll import compute_payroll, read_payroll_file, statements_csv
from osms.contributions.rules import CALC_PAYER_KINDS, CalcError, calculate, open_rulebook, parse_income, parse_period
from osms.core.config import get_settings
from osms.core.db import get_engine, unit_of_work
from osms.core.errors import OsmsError
from osms.core.jsonout import fail, print_json
from osms.core.security import Principal

out = Console(highlight=False, markup=False)  # sources quote "[seed 001 Q25]": not Rich markup

PayerOpt = Annotated[
    str,
    typer.Option("--payer", help=f"Payer kind: {', '.join(CALC_PAYER_KINDS)}", show_default=False),
]
PeriodOpt = Annotated[str, typer.Option("--period", help="The month, YYYY-MM", show_default=False)]
IncomeOpt = Annotated[
    str | None,
    typer.Option("--income", help="Monthly income in tenge (income-based kinds; ignored, with a note, otherwise)"),
]
RulebookOpt = Annotated[
    str | None,
    typer.Option("--rulebook", "-r", help="Rulebook name (default: the OSMS_RULEBOOK setting, kz-law)"),
]
JsonOpt = Annotated[bool, typer.Option("--json", help="One JSON object instead of text")]


def _fail(exc: OsmsError, as_json: bool) -> NoReturn:
    fail(exc.code, exc.message, as_json=as_json, exit_code=2)


def calc_command(
    payer: PayerOpt,
    period: PeriodOpt,
    income: IncomeOpt = None,
    rulebook: RulebookOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """What one payer kind owes for one month (docs/calculators.md): amount, base, rate, cap, rule applied.

    Exit code 0 with the answer; 2 with the error code (no_rule, exempt_period,
    period_outside_rulebook, income_required, bad_income, bad_period, unknown_payer_kind,
    unknown_rulebook).
    """
    try:
        book = open_rulebook(rulebook or get_settings().rulebook)
        result = calculate(book, payer.strip(), parse_period(period), parse_income(income))
    except CalcError as exc:
        _fail(exc, as_json)
    data = result.as_dict()
    if as_json:
        print_json(data)
        return
    typer.echo(f"{result.payer_kind}, {result.period} (rulebook {result.rulebook})")
    typer.echo(f"  amount       {data['amount']} tenge")
    base_note = result.rule.describe()
    typer.echo(f"  base         {data['base']}  ({base_note}; MW {result.period.year} = {data['mw']})")
    if result.amw is not None:
        typer.echo(f"               AMW {result.amw.valid_from.year} = {data['amw']['value']}")
    typer.echo(f"  rate         {data['rate']}")
    if data["cap"] is not None:
        typer.echo(f"  cap          {data['cap']}  ({'applied' if result.cap_applied else 'not reached'})")
    verified = "verified" if result.verified else "NOT verified (a figure is still to be confirmed)"
    typer.echo(f"  rule         {result.rule.id} ({verified})")
    typer.echo(f"  source       {result.rule.source}")
    for note in result.notes:
        typer.echo(f"  note         {note}")
    if result.horizon.provisional:
        typer.echo(f"  PROVISIONAL  {result.horizon.message(get_settings().language)}")
        typer.echo(f"  carried      {', '.join(result.horizon.carried_forward)}")


# --------------------------------------------------------------------------------------------
# osms payroll

payroll_app = typer.Typer(
    help="Employer payroll: deductions and withheld contributions per employee.", no_args_is_help=True
)


@payroll_app.callback()
def _payroll_root() -> None:
    """Employer payroll: deductions and withheld contributions per employee."""


def cli_principal() -> Principal:
    """Who the audit log names for the command line: the operating-system user, as an operator."""
    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = "unknown"
    return Principal(user_id=0, username=f"cli:{user}"[:64], role="operator", display_name="command line")


def _print_summary(data: dict[str, Any]) -> None:
    table = Table(title=f"payroll of {data['employer']} (rulebook {data['rulebook']})")
    for column in ("period", "employees", "excluded", "income", "deduction", "contribution", "total"):
        table.add_column(column, justify="left" if column == "period" else "right", no_wrap=True)
    for p in data["periods"]:
        table.add_row(
            p["period"],
            str(p["employees"]),
            str(p["excluded"]),
            p["income"],
            p["deduction"],
            p["contribution"],
            p["total"],
        )
    t = data["totals"]
    table.add_row(
        "all", str(t["employees"]), str(t["excluded"]), t["income"], t["deduction"], t["contribution"], t["total"]
    )
    out.print(table)
    for p in data["periods"]:
        typer.echo(f"{p['period']}: tell each employee by {p['statement_due']}, pay {p['total']} by {p['payment_due']}")
    typer.echo(
        f"rows {data['rows']}: computed {data['computed']}, excluded {data['excluded']}, rejected {data['rejected']}"
    )
    for e in data["exclusions"][:20]:
        codes = ", ".join(h["code"] for h in e["categories"])
        typer.echo(f"  excluded line {e['line']}: {e['iin']} {e['period']}: state-paid category {codes}")
        for warning in e["warnings"]:
            typer.echo(f"    warning: {warning}")
    for r in data["rejections"][:20]:
        typer.echo(f"  rejected line {r['line']}: {r['reason']}: {r['message']}")
    hidden = max(0, len(data["exclusions"]) - 20) + max(0, len(data["rejections"]) - 20)
    if hidden:
        typer.echo(f"  ... and {hidden} more (see --json or --out)")


@payroll_app.command("compute")
def payroll_compute(
    file: Annotated[
        Path, typer.Argument(help="Payroll CSV (header iin,period,income; ',' or ';') or Excel workbook (.xlsx)")
    ],
    employer: Annotated[str, typer.Option("--employer", help="The employer's BIN (or an IE's IIN)")],
    rulebook: RulebookOpt = None,
    as_json: JsonOpt = False,
    out_file: Annotated[
        Path | None,
        typer.Option("--out", help="Write the employees' statements (one line each, then totals) to this CSV"),
    ] = None,
) -> None:
    """Deduction (ООСМС) and withheld contribution (ВОСМС) per employee, exclusions, totals, deadlines.

    Rows that cannot be computed are reported with a reason code (exit code 0); a bad file,
    employer number or rulebook exits with code 2. Audited (action payroll.compute, channel cli).
    """
    try:
        try:
            raw = file.read_bytes()
        except FileNotFoundError:
            raise OsmsError(f"no such file: {file}", code="no_file") from None
        except OSError as exc:
            raise OsmsError(f"cannot read {file}: {exc}", code="bad_file") from None
        rows = read_payroll_file(raw)
        with unit_of_work(get_engine(get_settings().database_url)) as session:
            result = compute_payroll(session, employer, rows, rulebook, principal=cli_principal(), channel="cli")
    except OsmsError as exc:
        _fail(exc, as_json)
    if out_file is not None:
        out_file.write_text(statements_csv(result), encoding="utf-8")
    data = result.as_dict()
    if as_json:
        print_json(data)
    else:
        _print_summary(data)
        if out_file is not None:
            typer.echo(f"statements written to {out_file}")
