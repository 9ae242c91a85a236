"""``osms tariff``: the tariff calculator on the command line (thin; docs/payments.md).

``osms.cli`` wires it in: ``app.add_typer(tariff_app, name="tariff")``. Errors print
``error (<code>): <message>`` on standard error and exit with code 2 (with ``--json`` one line
``{"error": {"code", "message"}}`` on standard output).
"""

from __future__ import annotations

from typing import Annotated, Any, NoReturn

import typer
from rich.console import Console
from rich.table import Table

from osms.claims.vocabulary import CARE_FORMS, OUTCOMES
from osms.core.config import get_settings
from osms.core.db import get_engine, unit_of_work
from osms.core.errors import OsmsError
from osms.core.jsonout import fail, print_json
from osms.payments.capitation import read_per_capita
from osms.payments.tariff import TariffError, open_rulebook, parse_day, price
from osms.providers.cli import cli_principal

tariff_app = typer.Typer(help="Tariffs: what the fund pays for a case or a service.", no_args_is_help=True)


@tariff_app.callback()
def _root() -> None:
    """Tariffs: what the fund pays for a case or a service."""


def _fail(exc: TariffError, as_json: bool) -> NoReturn:
    fail(exc.code, exc.message, as_json=as_json, exit_code=2)


@tariff_app.command("price")
def price_command(
    care_form: Annotated[str, typer.Option("--care-form", help=f"Form of care: {', '.join(CARE_FORMS)}")],
    on: Annotated[str, typer.Option("--date", help="The day of the case or service, YYYY-MM-DD")],
    case_group: Annotated[str | None, typer.Option("--case-group", help="Clinical cost group (a case)")] = None,
    service_code: Annotated[str | None, typer.Option("--service-code", help="Code of the price list")] = None,
    outcome: Annotated[str | None, typer.Option("--outcome", help=f"How the case ended: {', '.join(OUTCOMES)}")] = None,
    bed_days: Annotated[int | None, typer.Option("--bed-days", help="Bed-days of the case")] = None,
    procedures: Annotated[
        str | None, typer.Option("--procedures", help="ICD-9 procedure codes, comma-separated (day hospital)")
    ] = None,
    at_home: Annotated[bool, typer.Option("--at-home", help="The service was given at home")] = False,
    remote: Annotated[bool, typer.Option("--remote", help="The service was given remotely")] = False,
    preventive_child: Annotated[
        bool, typer.Option("--preventive-child", help="A consultation inside a child's preventive examination")
    ] = False,
    rulebook: Annotated[
        str | None, typer.Option("--rulebook", "-r", help="Rulebook name (default: the OSMS_RULEBOOK setting, kz-law)")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object instead of text")] = False,
) -> None:
    """The price of one case or service: price = round(base × weight × share, 2), half-up.

    Exit code 0 with the answer; 2 with the reason code (unknown_case_group, no_weight,
    paid_per_capita, ... docs/payments.md).
    """
    try:
        book = open_rulebook(rulebook or get_settings().rulebook)
        answer = price(
            book,
            care_form.strip(),
            parse_day(on),
            case_group=case_group,
            service_code=service_code,
            outcome=outcome.strip() if outcome else None,
            bed_days=bed_days,
            procedures=(procedures or "").split(","),
            at_home=at_home,
            remote=remote,
            preventive_child=preventive_child,
        )
    except TariffError as exc:
        _fail(exc, as_json)
    data = answer.as_dict()
    if as_json:
        print_json(data)
        return
    code = answer.case_group or answer.service_code
    typer.echo(f"{code}, {answer.care_form}, {data['date']} (rulebook {answer.rulebook})")
    typer.echo(f"  price    {data['price']} tenge")
    typer.echo(f"  base     {data['base']}")
    typer.echo(f"  weight   {data['weight']}")
    typer.echo(f"  share    {data['share']}")
    for rule in data["rules"]:
        typer.echo(f"  rule     {rule}")
    typer.echo(f"  {data['explanation']['en']}")
    if answer.synthetic:
        typer.echo("  SYNTHETIC  a row of a synthetic (demonstration) table was applied")
    elif not answer.verified:
        typer.echo("  NOT VERIFIED  a figure applied is still to be confirmed against the published law")
    if answer.horizon.provisional:
        typer.echo(f"  PROVISIONAL  {answer.horizon.message('en')}")


# --- percapita: ``osms payments per-capita`` (wired on the contributions' ``payments`` group by
# ``osms.cli``: ``payments_app.command("per-capita")(per_capita_command)``) ---------------------


def _show_per_capita(data: dict[str, Any]) -> None:
    console = Console()
    head = f"Per capita of {data['provider_id']}, {data['month']} (rulebook {data['rulebook']})"
    table = Table(title=head, title_justify="left")
    for column in ("band", "men", "coefficient", "women", "coefficient"):
        table.add_column(column, justify="right")
    rows: dict[str, dict[str, Any]] = {}
    for b in data["by_band"]:
        rows.setdefault(b["band"], {})[b["sex"]] = b
    for band, sexes in rows.items():
        m, f = sexes.get("M", {}), sexes.get("F", {})
        table.add_row(
            band,
            str(m.get("people", 0)),
            m.get("coefficient") or "-",
            str(f.get("people", 0)),
            f.get("coefficient") or "-",
        )
    console.print(table)
    corrections = ", ".join(f"{k} {v}" for k, v in data["corrections"].items())
    console.print(f"attached on {data['counted_on']}: {data['attached']}")
    console.print(f"sex-age coefficient {data['sex_age_coefficient']}; base rate {data['base_rate']}; {corrections}")
    console.print(f"rate {data['rate']} tenge per person per month; gross {data['gross']}")
    reductions = Table(title="Reductions", title_justify="left")
    for column in ("code", "people", "amount", "status"):
        reductions.add_column(column)
    for r in data["reductions"]:
        reductions.add_row(r["code"], str(r["people"]), r["amount"], r["status"])
    console.print(reductions)
    console.print(
        f"amount {data['amount']} tenge" + (f" (uncovered {data['uncovered']})" if data["uncovered"] != "0.00" else "")
    )
    if data["synthetic"]:
        console.print("SYNTHETIC  a rate or coefficient of a synthetic (demonstration) table was applied")
    elif not data["verified"]:
        console.print("NOT VERIFIED  a figure applied is still to be confirmed against the published law")


def per_capita_command(
    provider: Annotated[str, typer.Option("--provider", help="provider_id of a PHC provider")],
    month: Annotated[str, typer.Option("--month", help="The month, YYYY-MM")],
    rulebook: Annotated[
        str | None, typer.Option("--rulebook", "-r", help="Rulebook name (default: the OSMS_RULEBOOK setting, kz-law)")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object instead of a table")] = False,
) -> None:
    """Per capita of a PHC provider in a month: attached people by sex and age band, the rate, the
    reductions (90% not insured, 80% no service in the year: settled in December), the amount.

    Exit code 0 with the answer; 2 with the reason code (unknown_provider, not_phc, no_base_rate, ...).
    """
    try:
        book = open_rulebook(rulebook or get_settings().rulebook)
        with unit_of_work(get_engine(get_settings().database_url)) as session:
            data = read_per_capita(
                session, cli_principal(), provider.strip(), month, book=book, channel="cli"
            ).as_dict()
    except OsmsError as exc:
        fail(exc.code, exc.message, as_json=as_json, exit_code=2)
    if as_json:
        print_json(data)
    else:
        _show_per_capita(data)
