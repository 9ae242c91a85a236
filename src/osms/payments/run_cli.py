"""``osms payments run|protocol|object|answer|sign|adjust``: the monthly run on the command line
(thin; docs/payments.md, "The monthly run"). The composition (``osms.cli``) adds these commands to
the contributions room's ``payments`` group. Errors print ``error (<code>): <message>`` and exit 1
(with ``--json``: ``{"error": {"code", "message"}}``)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Annotated, Any

import typer
from sqlalchemy.orm import Session

from osms.core.config import get_settings
from osms.core.db import get_engine, unit_of_work
from osms.core.errors import OsmsError
from osms.core.jsonout import fail, print_json
from osms.payments import run_service
from osms.payments.run import ContractRun
from osms.providers.cli import cli_principal

CHANNEL = "cli"
JsonOpt = Annotated[bool, typer.Option("--json", help="One JSON object per contract instead of text")]
MonthOpt = Annotated[str, typer.Option("--month", help="The month, YYYY-MM")]
ContractOpt = Annotated[str, typer.Option("--contract", help="The contract's id")]
RulebookOpt = Annotated[
    str | None, typer.Option("--rulebook", "-r", help="Rulebook name (default: the OSMS_RULEBOOK setting)")
]
TodayOpt = Annotated[str | None, typer.Option("--today", help="The day of the step (default: today), YYYY-MM-DD")]


def _day(text: str | None) -> date | None:
    return None if text is None else date.fromisoformat(text)


def _show(run: ContractRun) -> None:
    data = run.details()
    typer.echo(f"{data['contract_id']} ({data['provider_id']}) {data['month']}: {data['status']}")
    for line in data["line_details"]:
        typer.echo(f"  {line['method']:<22} {line['care_type']:<20} {line['quantity']:>8} {line['amount']:>16}")
    for item in data["unpaid_details"]:
        typer.echo(f"  unpaid {item['code']:<22} {item['count']:>8} {item['amount']:>16}")
    for item in data["deduction_details"]:
        typer.echo(f"  deduction {item['code']:<19} {item['count']:>8} {item['amount']:>16}")
    for item in data["recalculations"]:
        typer.echo(f"  recalculation {item['of_month']} {item['cause']:<14} {item['count']:>5} {item['amount']:>16}")
    for item in data["adjustments"]:
        typer.echo(f"  adjustment {item['amount']:>16}  {item['reason']} ({item['created_by']})")
    for name in ("linear_scale_cut", "cap_cut", "december_cut", "advance_withheld", "payable"):
        typer.echo(f"  {name:<18} {data[name]:>16}")
    for name in ("protocol_date", "objection_until", "signed_on", "payment_due"):
        if data[name]:
            typer.echo(f"  {name:<18} {data[name]}")


def _do(work: Callable[[Session], list[ContractRun]], as_json: bool) -> None:
    try:
        with unit_of_work(get_engine(get_settings().database_url)) as session:
            runs = work(session)
            answers = [(r.as_dict(), r) for r in runs]
    except (OsmsError, ValueError) as exc:
        code = getattr(exc, "code", "bad_value")
        fail(code, getattr(exc, "message", str(exc)), as_json=as_json)
    for data, run in answers:
        if as_json:
            print_json(data)
        else:
            _show(run)


def run_command(
    month: MonthOpt,
    contract: Annotated[str | None, typer.Option("--contract", help="One contract only")] = None,
    rulebook: RulebookOpt = None,
    today: TodayOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """The monthly run: per contract the lines by method, what was not paid and why, the deductions,
    the advance withheld, the linear scale's cut and what is payable. Re-running an unsigned month
    replaces it; a signed month is printed as signed."""
    _do(
        lambda s: run_service.compute(
            s, cli_principal(), month, channel=CHANNEL, contract_id=contract, today=_day(today), rulebook=rulebook
        ),
        as_json,
    )


def protocol_command(
    month: MonthOpt,
    contract: ContractOpt,
    rulebook: RulebookOpt = None,
    today: TodayOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Issue the protocol of a contract's run: the provider may object within 3 working days."""
    _do(
        lambda s: [
            run_service.protocol(
                s, cli_principal(), contract, month, channel=CHANNEL, today=_day(today), rulebook=rulebook
            )
        ],
        as_json,
    )


def object_command(
    month: MonthOpt,
    contract: ContractOpt,
    note: Annotated[str, typer.Option("--note", help="The provider's objection")],
    rulebook: RulebookOpt = None,
    today: TodayOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Record the provider's objection to the protocol (the fund answers within 2 working days)."""
    _do(
        lambda s: [
            run_service.object_to(
                s, cli_principal(), contract, month, note, channel=CHANNEL, today=_day(today), rulebook=rulebook
            )
        ],
        as_json,
    )


def answer_command(
    month: MonthOpt,
    contract: ContractOpt,
    note: Annotated[str, typer.Option("--note", help="The fund's answer")],
    today: TodayOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Answer the provider's objection (re-run the month first if the answer changes figures)."""
    _do(
        lambda s: [run_service.answer(s, cli_principal(), contract, month, note, channel=CHANNEL, today=_day(today))],
        as_json,
    )


def sign_command(
    month: MonthOpt,
    contract: ContractOpt,
    rulebook: RulebookOpt = None,
    today: TodayOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Sign the act: the month is frozen; payment due 10 calendar days later (seeds-2016: the invoice day)."""
    _do(
        lambda s: [
            run_service.sign(s, cli_principal(), contract, month, channel=CHANNEL, today=_day(today), rulebook=rulebook)
        ],
        as_json,
    )


def adjust_command(
    month: MonthOpt,
    contract: ContractOpt,
    amount: Annotated[str, typer.Option("--amount", help="Tenge: above 0 a payment, below 0 a deduction")],
    reason: Annotated[str, typer.Option("--reason", help="Why")],
    as_json: JsonOpt = False,
) -> None:
    """A manual other payment or deduction of a contract's month, with its reason (re-run the month to apply it)."""
    try:
        with unit_of_work(get_engine(get_settings().database_url)) as session:
            answer: dict[str, Any] = run_service.adjust(
                session, cli_principal(), contract, month, amount, reason, channel=CHANNEL
            )
    except OsmsError as exc:
        fail(exc.code, exc.message, as_json=as_json)
    if as_json:
        print_json(answer)
    else:
        typer.echo(f"adjustment {answer['id']}: {answer['amount']} {answer['contract_id']} {answer['month']}")
