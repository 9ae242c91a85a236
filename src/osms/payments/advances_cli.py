"""``osms payments advance|advances``: the advances the fund pays (thin; docs/payments.md,
"Advances"). ``osms.cli`` adds them to the contributions room's ``payments`` group. The commands
run as the operating-system user in the operator role (``providers.cli.cli_principal``), through the
same access checks as the API. Errors print ``error (<code>): <message>`` and exit 1 (with
``--json``: ``{"error": {"code", "message"}}``)."""

from __future__ import annotations

from datetime import date
from typing import Annotated

import typer

from osms.core.config import get_settings
from osms.core.db import get_engine, unit_of_work
from osms.core.errors import OsmsError
from osms.core.jsonout import fail, print_json
from osms.payments import advances
from osms.payments.tariff import TariffError, open_rulebook
from osms.providers.cli import cli_principal

CHANNEL = "cli"


def _line(view: advances.AdvanceView) -> str:
    return (
        f"{view.order_no}: {view.percent}% of {view.base:.2f} = {view.amount:.2f}, decided {view.decided_on} "
        f"by {view.decided_by}; withheld {view.withheld:.2f}, outstanding {view.outstanding:.2f}"
    )


def advance_command(
    contract: Annotated[str, typer.Option("--contract", help="The contract's id")],
    kind: Annotated[str, typer.Option("--kind", help="signing (on signing the contract) or december")],
    year: Annotated[int, typer.Option("--year", help="The year, YYYY")],
    percent: Annotated[
        int | None,
        typer.Option("--percent", help="Per cent of the base (default: the contract's, December's: the limit)"),
    ] = None,
    rulebook: Annotated[
        str | None, typer.Option("--rulebook", "-r", help="Rulebook name (default: the OSMS_RULEBOOK setting)")
    ] = None,
    today: Annotated[str | None, typer.Option("--today", help="The day of the decision, YYYY-MM-DD")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object")] = False,
) -> None:
    """Decide and record an advance (PAY п.8-12): on signing at most 30% of the year's contract sum,
    in December (on or after 1 December) at most 70% of December's plan. Refused for a contract of 6
    months or less, a first-time provider (except ambulance), a provider owing the fund, twice."""
    try:
        day = None if today is None else date.fromisoformat(today)
        book = open_rulebook(rulebook or get_settings().rulebook)
        with unit_of_work(get_engine(get_settings().database_url)) as session:
            view = advances.record(
                session, cli_principal(), book, contract, kind, year, channel=CHANNEL, percent=percent, today=day
            )
    except TariffError as exc:
        fail(exc.code, exc.message, as_json=as_json)
    except OsmsError as exc:
        fail(exc.code, exc.message, as_json=as_json)
    except ValueError as exc:
        fail("bad_date", str(exc), as_json=as_json, exit_code=2)
    if as_json:
        print_json(view.as_dict())
    else:
        typer.echo(_line(view))


def advances_command(
    year: Annotated[int | None, typer.Option("--year", help="Only this year")] = None,
    provider: Annotated[str | None, typer.Option("--provider", help="Only this provider")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per advance")] = False,
) -> None:
    """The advances recorded, with what the signed months withheld of each and what is outstanding."""
    try:
        with unit_of_work(get_engine(get_settings().database_url)) as session:
            found = advances.list_advances(session, cli_principal(), channel=CHANNEL, year=year, provider_id=provider)
    except OsmsError as exc:
        fail(exc.code, exc.message, as_json=as_json)
    for view in found:
        if as_json:
            print_json(view.as_dict())
        else:
            typer.echo(_line(view))
