"""``osms attach ...``: the attachment room's command line (wired in ``osms.cli``)."""

from __future__ import annotations

import typer

attach_app = typer.Typer(help="Attachment to a primary-care clinic (rules.md §5).", no_args_is_help=True)
