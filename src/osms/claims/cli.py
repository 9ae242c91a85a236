"""``osms services``: service reports into the register of service records (thin; docs/claims.md)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TaskID, TimeRemainingColumn
from rich.table import Table

from osms.claims.intake import COLUMNS, FLAG_COLUMNS, IntakeResult, ingest_file
from osms.core.db import get_engine
from osms.core.errors import OsmsError
from osms.core.i18n import label
from osms.core.jsonout import fail, print_json

services_app = typer.Typer(
    help="Service reports: the register of services the fund is asked to pay.", no_args_is_help=True
)
console = Console(stderr=True)

FileArg = Annotated[
    Path,
    typer.Argument(
        help="Service report CSV (UTF-8): " + ",".join(COLUMNS) + " (optional: " + ",".join(FLAG_COLUMNS) + ")",
        show_default=False,
    ),
]
RejectsOpt = Annotated[Path | None, typer.Option("--rejects", help="Rejection report path (default FILE.rejected.csv)")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print the summary as one JSON line")]


class RichReporter:
    """A Rich bar per phase of the intake (reading the file in bytes, then the steps)."""

    def __init__(self, progress: Progress) -> None:
        self.progress = progress
        self.task: TaskID | None = None

    def _finish(self) -> None:
        if self.task is not None:
            task = next(t for t in self.progress.tasks if t.id == self.task)
            self.progress.update(self.task, completed=task.total)

    def phase(self, name: str, total: int) -> None:
        self._finish()
        self.task = self.progress.add_task(name, total=total or None)

    def advance(self, n: int) -> None:
        if self.task is not None:
            self.progress.advance(self.task, n)

    def close(self) -> None:
        self._finish()


def print_result(result: IntakeResult, lang: str = "en") -> None:
    """The summary: rows and what became of them, rejections and findings by code with their names."""
    table = Table(title=f"service report: {result.source}", show_header=False)
    for name, value in (
        ("rows", result.rows),
        ("accepted (new records)", result.accepted),
        ("corrected", result.corrected),
        ("unchanged", result.unchanged),
        ("rejected", result.rejected),
    ):
        table.add_row(name, f"{value:,}")
    for code, n in result.rejected_by_reason.items():
        table.add_row(f"  {code}", f"{n:,}  ({label(lang, 'service_reject', code)})")
    table.add_row("findings", f"{sum(result.findings_by_code.values()):,}")
    for code, n in result.findings_by_code.items():
        table.add_row(f"  {code}", f"{n:,}  ({label(lang, 'service_finding', code)})")
    table.add_row("potential defects", f"{result.defects:,}")
    rate = result.rows / result.seconds if result.seconds else 0
    table.add_row("seconds", f"{result.seconds:.2f}  ({rate:,.0f} rows/s)")
    table.add_row("batch", str(result.batch_id))
    if result.rejects_file:
        table.add_row("rejection report", result.rejects_file)
    console.print(table)


@services_app.command("ingest")
def ingest(file: FileArg, as_json: JsonOpt = False, rejects: RejectsOpt = None) -> None:
    """Take a service report into the register (idempotent by provider and record id, all-or-nothing).

    Every row becomes a new record, a correction, an unchanged record, or is rejected with a reason
    code (listed in the rejection report, default FILE.rejected.csv); the checks' findings of the new
    and corrected records are counted by code.
    """
    rejects = rejects or file.with_name(file.name + ".rejected.csv")
    try:
        with Progress(
            "[progress.description]{task.description}",
            BarColumn(),
            TimeRemainingColumn(),
            console=console,
            transient=True,
            disable=as_json,
        ) as progress:
            reporter = RichReporter(progress)
            result = ingest_file(get_engine(), file, rejects_file=rejects, reporter=reporter)
            reporter.close()
    except OsmsError as exc:
        fail(exc.code, exc.message, as_json=as_json)
    if as_json:
        print_json(result.as_dict())
    else:
        print_result(result)
