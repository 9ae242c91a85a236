"""``osms rulebook``: list the rulebooks, show the rules in force on a date, validate data."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from osms.core.clock import fund_today
from osms.core.config import get_settings
from osms.core.jsonout import fail, print_json
from osms.rulebooks.loader import (
    Rulebook,
    RulebookError,
    available_rulebooks,
    clear_cache,
    load_rulebook,
    load_rulebook_from_path,
)
from osms.rulebooks.show import print_snapshot, snapshot

app = typer.Typer(help="Rulebooks: the law as versioned, effective-dated data.", no_args_is_help=True)

RulebookOpt = Annotated[
    str | None,
    typer.Option("--rulebook", "-r", help="Rulebook name (default: the OSMS_RULEBOOK setting, kz-law)"),
]
OnOpt = Annotated[str | None, typer.Option("--on", help="Date YYYY-MM-DD (default: today)")]
JsonOpt = Annotated[bool, typer.Option("--json", help="One JSON object instead of tables")]


@app.callback()
def _root() -> None:
    """Rulebooks: the law as versioned, effective-dated data."""


def _fail(message: str, code: int = 2, *, error: str = "rulebook_error", as_json: bool = False) -> NoReturn:
    fail(error, message, as_json=as_json, exit_code=code)


def _open(name: str | None, as_json: bool = False) -> Rulebook:
    try:
        return load_rulebook(name or get_settings().rulebook)
    except RulebookError as exc:
        _fail(exc.message, error=exc.code, as_json=as_json)


def _parse_on(text: str | None, as_json: bool = False) -> date:
    if text is None:
        return fund_today()
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        _fail(f"--on must be a date YYYY-MM-DD, got {text!r}", error="bad_date", as_json=as_json)


@app.command("list")
def list_command(as_json: JsonOpt = False) -> None:
    """List the rulebooks: where each comes from, what it extends (the default is marked)."""
    default = get_settings().rulebook
    rows: list[dict[str, Any]] = []
    for name in available_rulebooks():
        try:
            rb = load_rulebook(name)
        except RulebookError as exc:
            _fail(exc.message, code=1, error=exc.code, as_json=as_json)
        rows.append(
            {
                "name": rb.name,
                "title": rb.title,
                "valid_from": rb.covers_from.isoformat(),
                "valid_to": rb.covers_to.isoformat(),
                "confirmed_until": rb.confirmed_until.isoformat(),
                "default": rb.name == default,
                "origin": rb.origin,
                "extends": rb.extends,
            }
        )
    if as_json:
        for row in rows:
            print_json(row)
        return
    table = Table(title="Rulebooks")
    for column in ("name", "title", "from", "confirmed until", "default", "origin", "extends"):
        table.add_column(column)
    for row in rows:
        table.add_row(
            Text(row["name"]),
            Text(row["title"]),
            Text(row["valid_from"]),
            Text(row["confirmed_until"]),
            "yes" if row["default"] else "",
            Text(row["origin"]),
            Text(row["extends"] or ""),
        )
    Console().print(table)


@app.command("show")
def show(rulebook: RulebookOpt = None, on: OnOpt = None, as_json: JsonOpt = False) -> None:
    """Show the entries in force on a date, topic by topic, with their ids and sources."""
    rb = _open(rulebook, as_json)
    day = _parse_on(on, as_json)
    try:
        data = snapshot(rb, day)
    except RulebookError as exc:
        _fail(exc.message, error=exc.code, as_json=as_json)
    if as_json:
        print_json(data)
        return
    print_snapshot(rb, day, data)


@app.command("validate")
def validate(
    path: Annotated[
        Path | None, typer.Argument(help="A rulebook directory to check (default: every shipped rulebook)")
    ] = None,
) -> None:
    """Validate rulebook data; prints every problem found and exits 1 if there is any."""
    try:
        if path is not None:
            rb = load_rulebook_from_path(path)
            typer.echo(f"{rb.name}: valid ({rb.covers_from}..{rb.covers_to}, {len(rb.series_names())} series)")
            return
        clear_cache()
        for name in available_rulebooks():
            rb = load_rulebook(name)
            typer.echo(f"{rb.name}: valid ({rb.covers_from}..{rb.covers_to}, {len(rb.series_names())} series)")
    except RulebookError as exc:
        _fail(exc.message, code=1)
