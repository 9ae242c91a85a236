"""``osms providers ...``: the register of providers on the command line (wired in ``osms.cli``).

Thin: ``import KIND FILE`` loads one of the register's files (``ingest``), ``show`` and ``list`` read
it (``service``) as the operating-system user in the operator's role (channel cli): founders'
reads are audited as on the API. ``--json`` prints one JSON object.
"""

from __future__ import annotations

import getpass
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from osms.core.config import get_settings
from osms.core.db import get_engine, unit_of_work
from osms.core.errors import OsmsError
from osms.core.i18n import label
from osms.core.jsonout import fail, print_json
from osms.core.money import format_money
from osms.core.progress import file_progress, print_import
from osms.core.security import Principal
from osms.providers import checks, ingest, service

providers_app = typer.Typer(help="The register of providers (docs/providers.md).", no_args_is_help=True)
import_app = typer.Typer(help="Import the register's CSV files (upsert by key, idempotent, all-or-nothing).")
providers_app.add_typer(import_app, name="import")
console = Console()
errors = Console(stderr=True)

FileArg = Annotated[Path, typer.Argument(help="CSV file (UTF-8, header row)")]
RejectsOpt = Annotated[Path | None, typer.Option("--rejects", help="Rejection report path (default FILE.rejected.csv)")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print the answer as one JSON object")]

HELP = {
    "providers": "the register (ownership state|private; kind phc|polyclinic|hospital|ambulance|rural; status "
    "active|liquidation|bankruptcy|suspended; own_is true|false; tax_arrears tenge owed today; optional: iban, "
    "a Kazakh IBAN, and bank_bic; a file without them keeps the stored account)",
    "licences": "licences per care type (experience_from: start of continuous experience of that care)",
    "resources": "resources such as beds:cardiology, staff:gp, phc_capacity",
    "founders": "founders, participants and shareholders (decision_rights true|false)",
    "fund-employees": "the fund's employees and when they worked there",
    "contract-history": "contracts with the fund (termination empty or nonperformance|provider_initiative|agreement)",
}


def cli_principal() -> Principal:
    """Who the audit log names for the command line: the operating-system user, as an operator."""
    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = "unknown"
    return Principal(user_id=0, username=f"cli:{user}"[:64], role="operator", display_name="command line")


def _run_import(kind: str, file: Path, rejects: Path | None, as_json: bool) -> None:
    rejects = rejects or file.with_name(file.name + ".rejected.csv")
    try:
        with file_progress(errors, f"importing {kind}", file, disable=as_json) as advance:
            result = ingest.import_file(
                get_engine(get_settings().database_url), kind, file, rejects_file=rejects, progress=advance
            )
    except OsmsError as exc:
        fail(exc.code, exc.message, as_json=as_json)
    if as_json:
        print_json(result.as_dict())
    else:
        print_import(errors, result, checks.REASONS)


def _command(kind: str) -> None:
    def command(file: FileArg, rejects: RejectsOpt = None, as_json: JsonOpt = False) -> None:
        _run_import(kind, file, rejects, as_json)

    command.__doc__ = f"Import {HELP[kind]}: columns {','.join(ingest.SPECS[kind].columns)}."
    import_app.command(kind)(command)


for _kind in ingest.FILE_KINDS:
    _command(_kind)


@providers_app.command("show")
def show_command(
    provider_id: Annotated[str, typer.Argument(help="The provider's id in the register")], as_json: JsonOpt = False
) -> None:
    """A provider's register entry: licences, resources, contracts with the fund and founders (audited)."""
    try:
        with unit_of_work(get_engine(get_settings().database_url)) as session:
            entry = service.read_entry(session, cli_principal(), provider_id, channel="cli")
    except OsmsError as exc:
        fail(exc.code, exc.message, as_json=as_json)
    if as_json:
        print_json(entry.as_dict())
        return
    lang = get_settings().language
    p = entry.provider
    table = Table(title=f"{p.provider_id}: {p.name}", show_header=False)
    for key, value in (
        ("BIN", p.bin),
        ("ownership", label(lang, "provider_ownership", p.ownership) if p.ownership else "-"),
        ("region", p.region),
        ("settlement", p.settlement or "-"),
        ("kind", label(lang, "provider_kind", p.kind)),
        ("status", label(lang, "provider_status", p.status)),
        ("accredited until", p.accredited_until.isoformat() if p.accredited_until else "-"),
        ("own information system", "yes" if p.own_is else "no"),
        ("tax arrears", format_money(p.tax_arrears)),
        ("bank account (IBAN)", p.iban or "-"),
        ("bank BIC", p.bank_bic or "-"),
    ):
        table.add_row(key, value)
    for lic in entry.licences:
        period = f"{lic.licensed_from}..{lic.licensed_to or ''}"
        table.add_row(f"licence {lic.care_type}", f"{period}; experience from {lic.experience_from or '-'}")
    for res in entry.resources:
        table.add_row(res.resource, f"{res.quantity:,}")
    for c in entry.contracts:
        ended = (
            f"; ended {c.terminated_on} ({label(lang, 'contract_termination', c.termination)})" if c.termination else ""
        )
        table.add_row(f"contract {c.contract_id}", f"{c.valid_from}..{c.valid_to}{ended}")
    for f in entry.founders or ():
        table.add_row("founder", f"{f.iin}" + (" (decision rights)" if f.decision_rights else ""))
    console.print(table)


@providers_app.command("list")
def list_command(
    region: Annotated[str | None, typer.Option("--region", help="Region code, e.g. KZ-ALA")] = None,
    kind: Annotated[str | None, typer.Option("--kind", help="phc, polyclinic, hospital, ambulance or rural")] = None,
    status: Annotated[str | None, typer.Option("--status", help="active, liquidation, bankruptcy or suspended")] = None,
    limit: Annotated[int, typer.Option("--limit", help="Entries per page (1..1000)")] = 100,
    offset: Annotated[int, typer.Option("--offset", help="Entries to skip")] = 0,
    as_json: JsonOpt = False,
) -> None:
    """The register by provider_id, filtered by region, kind and status."""
    try:
        with unit_of_work(get_engine(get_settings().database_url)) as session:
            page = service.read_list(
                session,
                cli_principal(),
                region=region,
                kind=kind,
                status=status,
                limit=limit,
                offset=offset,
                channel="cli",
                resource="osms providers list",
            )
    except OsmsError as exc:
        fail(exc.code, exc.message, as_json=as_json)
    if as_json:
        print_json(page.as_dict())
        return
    lang = get_settings().language
    table = Table(title=f"providers: {page.total:,}")
    for column in ("provider_id", "name", "region", "settlement", "kind", "status"):
        table.add_column(column)
    for p in page.items:
        table.add_row(
            p.provider_id,
            p.name,
            p.region,
            p.settlement or "-",
            label(lang, "provider_kind", p.kind),
            label(lang, "provider_status", p.status),
        )
    console.print(table)
    if page.next_offset is not None:
        errors.print(f"more: --offset {page.next_offset}")
