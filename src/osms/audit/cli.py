"""``osms audit search`` (thin): the auditor's search on the command line, with the API's
filters. Searches are logged as the operating-system user (``cli:<user>``, role auditor, channel
``cli``): whoever runs the command line has the database."""

from __future__ import annotations

import getpass
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from osms.audit import service
from osms.core.config import get_settings
from osms.core.db import get_engine, unit_of_work
from osms.core.errors import OsmsError
from osms.core.jsonout import print_json
from osms.core.security import Principal

audit_app = typer.Typer(help="The audit log: who read whose data, refusals, failed logins.", no_args_is_help=True)
console = Console(width=200)
errors = Console(stderr=True)


def cli_principal() -> Principal:
    """Who the audit log names for the command line: the operating-system user, as an auditor."""
    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = "unknown"
    return Principal(user_id=0, username=f"cli:{user}"[:64], role="auditor", display_name="command line")


@audit_app.command("search")
def search_command(
    subject: Annotated[str | None, typer.Option("--subject", help="Subject IIN")] = None,
    user: Annotated[str | None, typer.Option("--user", help="Login")] = None,
    role: Annotated[
        str | None, typer.Option("--role", help="citizen, employer, clinic, operator, auditor, public")
    ] = None,
    action: Annotated[str | None, typer.Option("--action", help="e.g. status.read, person.read.denied, login")] = None,
    channel: Annotated[str | None, typer.Option("--channel", help="web, api, fhir, cli")] = None,
    outcome: Annotated[str | None, typer.Option("--outcome", help="ok, denied, failed")] = None,
    since: Annotated[str | None, typer.Option("--from", help="From (included): YYYY-MM-DD or an instant")] = None,
    until: Annotated[str | None, typer.Option("--to", help="To (included): YYYY-MM-DD or an instant")] = None,
    limit: Annotated[int, typer.Option("--limit", help="At most this many entries")] = service.DEFAULT_LIMIT,
    offset: Annotated[int, typer.Option("--offset", help="Skip this many (newest first)")] = 0,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per entry")] = False,
    csv_path: Annotated[Path | None, typer.Option("--csv", help="Write the entries as CSV to this file")] = None,
) -> None:
    """Search the audit log, newest first (the filters of GET /api/v1/audit); the search is logged."""
    try:
        filters = service.parse_filters(
            subject=subject,
            user=user,
            role=role,
            action=action,
            channel=channel,
            outcome=outcome,
            since=since,
            until=until,
        )
        with unit_of_work(get_engine(get_settings().database_url)) as session:
            entries, next_offset = service.audited_search(
                session,
                cli_principal(),
                filters,
                limit=limit,
                offset=offset,
                channel="cli",
                resource="osms audit search",
                form="csv" if csv_path else ("json" if as_json else "table"),
            )
            rows = [service.as_dict(e) for e in entries]
            if csv_path is not None:
                with csv_path.open("w", encoding="utf-8", newline="") as out:
                    service.write_csv(entries, out)
    except OsmsError as exc:
        if as_json:
            print_json({"error": exc.message, "code": exc.code})
        else:
            errors.print(f"[red]error ({exc.code}):[/red] {exc.message}")
        raise typer.Exit(1) from None
    if csv_path is not None:
        errors.print(f"{len(rows)} entries written to {csv_path}")
    elif as_json:
        for row in rows:
            print_json(row)
    else:
        table = Table("id", "at", "actor", "role", "channel", "action", "outcome", "subject", "client", "resource")
        for row in rows:
            table.add_row(
                str(row["id"]),
                row["at"],
                row["actor"],
                row["role"],
                row["channel"],
                row["action"],
                row["outcome"],
                row["subject_iin"] or "",
                row["client"] or "",
                row["resource"],
            )
        console.print(table)
        if next_offset is not None:
            errors.print(f"more: --offset {next_offset}")
