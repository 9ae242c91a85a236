"""``osms payments``: payment registers into the contributions ledger (thin)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from osms.contributions import register_rules
from osms.contributions.service import IngestResult, ingest_register
from osms.contributions.summary import refresh_all
from osms.core.db import get_engine
from osms.core.errors import OsmsError
from osms.core.jsonout import fail, print_json
from osms.core.money import format_money
from osms.core.progress import file_progress

payments_app = typer.Typer(help="Payment registers and the contributions ledger.", no_args_is_help=True)
console = Console(stderr=True)

FileArg = Annotated[
    Path, typer.Argument(help="Register CSV (UTF-8): " + ",".join(register_rules.COLUMNS), show_default=False)
]
RejectsOpt = Annotated[Path | None, typer.Option("--rejects", help="Rejection report path (default FILE.rejected.csv)")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print the summary as one JSON line")]


def print_result(result: IngestResult) -> None:
    table = Table(title=f"payment register: {result.file}", show_header=False)
    table.add_row("rows", f"{result.rows:,}")
    table.add_row("credited", f"{result.credited:,}  ({result.payments:,} payments, {result.reversals:,} reversals)")
    table.add_row("already credited", f"{result.already_credited:,}")
    table.add_row("rejected", f"{result.rejected:,}")
    for code, n in result.rejected_by_reason.items():
        table.add_row(f"  {code}", f"{n:,}  ({register_rules.reason(code)})")
    table.add_row("amount credited", f"{format_money(result.amount)} KZT")
    if result.reversals:
        table.add_row(
            "  paid / reversed", f"{format_money(result.amount_paid)} / {format_money(result.amount_reversed)}"
        )
    table.add_row("person-months updated", f"{result.person_months:,}")
    rate = result.rows / result.seconds if result.seconds else 0
    table.add_row("seconds", f"{result.seconds:.2f}  ({rate:,.0f} rows/s)")
    table.add_row("batch", str(result.batch_id))
    if result.rejects_file:
        table.add_row("rejection report", result.rejects_file)
    console.print(table)


@payments_app.command("ingest")
def ingest(file: FileArg, as_json: JsonOpt = False, rejects: RejectsOpt = None) -> None:
    """Credit a payment register into the ledger (idempotent by reference, all-or-nothing).

    Every row is credited, counted as already credited (same reference in an earlier load), or
    rejected with a reason code (listed in the rejection report, default FILE.rejected.csv).
    """
    rejects = rejects or file.with_name(file.name + ".rejected.csv")
    try:
        with file_progress(console, "crediting payments", file, disable=as_json) as advance:
            result = ingest_register(get_engine(), file, rejects_file=rejects, progress=advance)
    except OsmsError as exc:
        fail(exc.code, exc.message, as_json=as_json)
    if as_json:
        print_json(result.as_dict())
    else:
        print_result(result)


@payments_app.command("rebuild-summary")
def rebuild_summary() -> None:
    """Recompute the whole coverage summary (person_month) from the ledger (a repair tool)."""
    with get_engine().begin() as conn:
        refresh_all(conn)
        n = conn.exec_driver_sql("SELECT COUNT(*) FROM person_month").scalar_one()
    console.print(f"person_month rebuilt: {n:,} rows")
