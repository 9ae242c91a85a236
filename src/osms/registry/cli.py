"""``osms registry``: bulk imports into the person and payer registry (thin)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from osms.core.db import get_engine
from osms.core.errors import OsmsError
from osms.core.jsonout import fail, print_json
from osms.core.progress import file_progress, print_import
from osms.registry import rules
from osms.registry.service import SPECS, import_file

app = typer.Typer(help="Person and payer registry.", no_args_is_help=True)
import_app = typer.Typer(help="Import registry CSV files (upsert by key, idempotent, all-or-nothing).")
app.add_typer(import_app, name="import")
console = Console(stderr=True)


def run(kind: str, file: Path, rejects: Path | None, as_json: bool) -> None:
    rejects = rejects or file.with_name(file.name + ".rejected.csv")
    try:
        with file_progress(console, f"importing {kind}", file, disable=as_json) as advance:
            result = import_file(get_engine(), kind, file, rejects_file=rejects, progress=advance)
    except OsmsError as exc:
        fail(exc.code, exc.message, as_json=as_json)
    if as_json:
        print_json(result.as_dict())
    else:
        print_import(console, result, rules.REASONS)


FileArg = Annotated[Path, typer.Argument(help="CSV file (UTF-8, header row)")]
RejectsOpt = Annotated[Path | None, typer.Option("--rejects", help="Rejection report path (default FILE.rejected.csv)")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print the summary as one JSON line")]


def _command(kind: str) -> None:
    columns = ",".join(SPECS[kind].columns)

    def command(file: FileArg, rejects: RejectsOpt = None, as_json: JsonOpt = False) -> None:
        run(kind, file, rejects, as_json)

    command.__doc__ = f"Import {kind}: columns {columns}."
    import_app.command(kind)(command)


for _kind in SPECS:
    _command(_kind)
