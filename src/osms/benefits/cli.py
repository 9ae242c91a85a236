"""``osms benefits ...`` and ``osms entitle``: the benefits room's command line (wired in ``osms.cli``)."""

from __future__ import annotations

import typer

benefits_app = typer.Typer(help="Benefit packages: care types, GOBMP and OSMS (rules.md §4).", no_args_is_help=True)
