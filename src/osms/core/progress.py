"""What a load shows on the terminal (Rich, on standard error): a bar over the bytes of a file
being loaded, the reporter a long run (the synthetic country) calls phase by phase, and the table of
an import's result."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from rich.console import Console
from rich.progress import BarColumn, DownloadColumn, Progress, TimeRemainingColumn, TransferSpeedColumn
from rich.table import Table

if TYPE_CHECKING:
    from osms.core.bulkload import ImportResult


@contextmanager
def file_progress(
    console: Console, description: str, path: Path, *, disable: bool = False
) -> Iterator[Callable[[int], None]]:
    """Yields ``advance(n_bytes)`` for a loader to call as it reads ``path``."""
    size = path.stat().st_size if path.is_file() else 0
    with Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        DownloadColumn(),
        TransferSpeedColumn(),
        TimeRemainingColumn(),
        console=console,
        transient=True,
        disable=disable,
    ) as progress:
        task = progress.add_task(description, total=size)
        yield lambda n: progress.advance(task, n)


class Reporter(Protocol):
    """Receives progress of a long run: a phase starts with its total, then advances."""

    def phase(self, name: str, total: int) -> None: ...

    def advance(self, n: int) -> None: ...


class Silent:
    """A reporter that shows nothing (a run without a progress bar)."""

    def phase(self, name: str, total: int) -> None:
        pass

    def advance(self, n: int) -> None:
        pass


def print_import(console: Console, result: ImportResult, reasons: Mapping[str, str]) -> None:
    """An import's result as a table: rows, what became of them, the rejections by reason (with the
    reason's sentence from ``reasons``), the time taken and the rejection report."""
    table = Table(title=f"{result.kind}: {result.file}", show_header=False)
    for label, value in (
        ("rows", result.rows),
        ("accepted", result.accepted),
        ("  new", result.inserted),
        ("  updated", result.updated),
        ("  unchanged", result.unchanged),
        ("rejected", result.rejected),
    ):
        table.add_row(label, f"{value:,}")
    for code, n in result.rejected_by_reason.items():
        table.add_row(f"  {code}", f"{n:,}  ({reasons.get(code, '')})")
    rate = result.rows / result.seconds if result.seconds else 0
    table.add_row("seconds", f"{result.seconds:.2f}  ({rate:,.0f} rows/s)")
    if result.rejects_file:
        table.add_row("rejection report", result.rejects_file)
    console.print(table)
