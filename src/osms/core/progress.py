"""A progress bar over the bytes of a file being loaded (Rich, on standard error)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

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
