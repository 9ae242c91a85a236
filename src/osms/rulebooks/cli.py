"""``osms rulebook``: show the rules in force (being written)."""

import typer

app = typer.Typer(help="Rulebooks: the law as versioned, effective-dated data.", no_args_is_help=True)


@app.callback()
def _root() -> None:
    """Rulebooks: the law as versioned, effective-dated data."""
