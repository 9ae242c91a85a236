"""``osms payments orders``: the payment-order file for the bank (thin; docs/payments.md, "The act
and the payment orders").

``osms.cli`` adds it to the contributions room's ``payments`` group:
``payments_app.command("orders")(orders_command)``. The command runs as the operating-system user
in the operator role (``providers.cli.cli_principal``), through the same access check as the API,
and is audited (``payments.orders.read``).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated

import typer

from osms.core import audit
from osms.core.authz import authorize
from osms.core.config import get_settings
from osms.core.db import get_engine, unit_of_work
from osms.core.errors import OsmsError
from osms.core.jsonout import fail, print_json
from osms.payments import statements
from osms.payments.access import ORDERS_READ
from osms.payments.orders import NO_IBAN, to_csv, without_iban
from osms.providers.cli import cli_principal

CHANNEL = "cli"


def orders_command(
    due_by: Annotated[str, typer.Option("--due-by", help="The last due date included, YYYY-MM-DD")],
    out: Annotated[Path | None, typer.Option("--out", help="Write the CSV here (default: standard output)")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="With --out: one JSON line {orders, amount, out}")] = False,
) -> None:
    """The payment orders (CSV) of every signed act whose payment falls due by --due-by, and of
    every advance decided by then.

    Columns: order_no, payer_name, payer_bin, payee_id, payee_name, payee_bin, payee_iban (the
    provider's IBAN in the register), amount, currency, purpose_kk, purpose_ru, contract_id, month,
    signed_on, due_date, problem (no_iban: the register has no account for the payee; the bank
    refuses the row). The count of orders without an account is said on standard error (with
    --json: the key no_iban).
    """
    try:
        day = date.fromisoformat(due_by.strip())
    except ValueError:
        fail("bad_date", f"--due-by must be a day YYYY-MM-DD, not {due_by!r}", as_json=as_json, exit_code=2)
    principal = cli_principal()
    try:
        with unit_of_work(get_engine(get_settings().database_url)) as session:
            authorize(session, principal, ORDERS_READ, None, channel=CHANNEL, resource="osms payments orders")
            orders = statements.orders_due(session, day)
            audit.record(
                session,
                principal,
                channel=CHANNEL,
                action="payments.orders.read",
                resource="osms payments orders",
                detail=f"{len(orders)} orders due by {day.isoformat()}",
            )
    except OsmsError as exc:
        fail(exc.code, exc.message, as_json=as_json)
    text = to_csv(orders)
    missing = without_iban(orders)
    warning = (
        f"{missing} of {len(orders)} payment orders have no payee account (problem {NO_IBAN}: the register "
        "has no IBAN for the provider; the bank refuses them)"
    )
    if out is None:
        typer.echo(text, nl=False)
        if missing:
            typer.echo(warning, err=True)
        return
    out.write_text(text, encoding="utf-8")
    total = sum((o.amount for o in orders), start=0)
    if as_json:
        print_json({"orders": len(orders), "amount": f"{total:.2f}", "out": str(out), "no_iban": missing})
    else:
        typer.echo(f"{len(orders)} payment orders, {total:.2f} tenge, due by {day.isoformat()}: {out}")
        if missing:
            typer.echo(warning)
