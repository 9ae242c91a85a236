"""Progress: a bar over the bytes of a file being loaded (Rich, on standard error), and the
reporter a long run (the synthetic country) calls phase by phase."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Protocol

from rich.console import Console
from rich.progress import BarColumn, DownloadColumn, Progress, TimeRemainingColumn, TransferSpeedColumn


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
