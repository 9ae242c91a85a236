"""``osms synth``: write the synthetic country's CSV files (thin: the work is in generator.py)."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeElapsedColumn
from rich.table import Table

from osms.synth.clinics import write_clinics
from osms.synth.country import SynthConfig
from osms.synth.generator import generate
from osms.synth.providers import write_providers
from osms.synth.services import SERVICES_DIR, write_services


class _RichReporter:
    """One progress bar per phase, on stderr."""

    def __init__(self, progress: Progress) -> None:
        self.progress = progress
        self.task: TaskID | None = None

    def _finish(self) -> None:
        if self.task is not None:
            task = next(t for t in self.progress.tasks if t.id == self.task)
            self.progress.update(self.task, completed=task.total)

    def phase(self, name: str, total: int) -> None:
        self._finish()
        self.task = self.progress.add_task(name, total=total)

    def advance(self, n: int) -> None:
        if self.task is not None:
            self.progress.advance(self.task, n)

    def close(self) -> None:
        self._finish()


def _parse_date(value: str, option: str) -> date:
    try:
        return datetime.strptime(value, "%Y-%m-%d").date()
    except ValueError:
        raise typer.BadParameter(f"{value!r} is not a date YYYY-MM-DD", param_hint=option) from None


def synth_command(
    people: Annotated[int, typer.Option("--people", "-n", min=1, help="How many people to generate.")] = 1000,
    seed: Annotated[int, typer.Option("--seed", "-s", help="Random seed: same people and seed, same files.")] = 1,
    out: Annotated[
        Path, typer.Option("--out", "-o", file_okay=False, help="Directory to write the CSV files into.")
    ] = Path("out/synth"),
    as_of: Annotated[
        str, typer.Option("--as-of", help="Reference date (YYYY-MM-DD) for ages and current statuses.")
    ] = "2026-01-01",
    history_from: Annotated[
        str,
        typer.Option("--history-from", help="Category spells that ended before this date (YYYY-MM-DD) are left out."),
    ] = "2017-07-01",
    registers: Annotated[
        int,
        typer.Option(
            "--registers",
            min=0,
            metavar="MONTHS",
            help="Also write payment registers for the MONTHS months before --as-of (registers/; 0: none).",
        ),
    ] = 0,
    clinics: Annotated[
        bool,
        typer.Option(
            "--clinics/--no-clinics",
            help="Also write clinics, doctors' districts and attachment applications (clinics.csv, districts.csv, "
            "attach_initial.csv, attach_campaign.csv), and the providers register with a procurement's plan and "
            "applications (providers.csv, licences.csv, ..., procurement_applications.csv).",
        ),
    ] = True,
    services: Annotated[
        int,
        typer.Option(
            "--services",
            min=0,
            metavar="MONTHS",
            help="With --clinics, also write daily service reports for the MONTHS full months before --as-of "
            "(services/services-YYYY-MM-DD.csv, the contracts they bill under and truth.csv of the planted faults; "
            "0: none).",
        ),
    ] = 3,
) -> None:
    """Write a synthetic country: persons, families, categories, payers, employment, statuses, clinics."""
    as_of_date = _parse_date(as_of, "--as-of")
    history_date = _parse_date(history_from, "--history-from")
    try:
        config = SynthConfig(people=people, seed=seed, as_of=as_of_date, history_from=history_date, registers=registers)
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from None
    console = Console(stderr=True)
    progress = Progress(
        TextColumn("{task.description:<20}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        disable=not console.is_terminal,
    )
    reporter = _RichReporter(progress)
    with progress:
        result = generate(config, out, reporter)
        attach = write_clinics(out, seed=seed, as_of=as_of_date, reporter=reporter) if clinics else None
        register = write_providers(out, seed=seed, as_of=as_of_date) if clinics else None
        billed = (
            write_services(out, seed=seed, as_of=as_of_date, months=services, reporter=reporter)
            if clinics and services
            else None
        )
        reporter.close()
    table = Table(title=f"synthetic country: {people:,} people, seed {seed}, as of {as_of_date}")
    table.add_column("file")
    table.add_column("rows", justify="right")
    for name, rows in result.rows.items():
        table.add_row(str(out / name), f"{rows:,}")
    if result.registers is not None:
        reg = result.registers
        table.add_row(
            str(out / "registers" / f"register-{{{reg.first_month}..{reg.last_month}}}.csv"),
            f"{reg.rows:,}",
        )
        table.add_row(str(out / "registers" / "bad_rows.csv"), f"{sum(reg.bad_rows.values()):,}")
        table.add_row(str(out / "registers" / reg.resent), f"{reg.files[reg.resent_of]:,}")
    if attach is not None:
        for name, rows in attach.rows.items():
            table.add_row(str(out / name), f"{rows:,}")
    if register is not None:
        for name, rows in register.rows.items():
            table.add_row(str(out / name), f"{rows:,}")
    if billed is not None:
        folder = out / SERVICES_DIR
        table.add_row(f"{folder}/services-{{{billed.first_day}..{billed.last_day}}}.csv", f"{billed.rows:,}")
        table.add_row(str(folder / "contracts.csv"), f"{billed.contracts:,}")
        table.add_row(str(folder / "truth.csv"), f"{sum(billed.faults.values()):,}")
    table.add_row(str(out / "manifest.json"), "")
    console.print(table)
    seconds = result.seconds + sum(part.seconds for part in (attach, register, billed) if part is not None)
    console.print(f"generated in {seconds:.1f} s")
