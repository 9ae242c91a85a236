"""``osms attach ...``: the attachment room's command line (wired in ``osms.cli``).

Thin: parses options, calls the attachment use cases (``service``, ``applications``, ``ingest``,
``campaign``, ``population``), prints JSON (``--json``) or a table.
Applications and lookups are audited as the operating-system user (role operator, channel cli).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from osms.attachment import applications, campaign, ingest, population, service
from osms.core.config import get_settings
from osms.core.db import get_engine, unit_of_work
from osms.core.errors import OsmsError
from osms.core.jsonout import fail, print_json
from osms.core.progress import file_progress, print_import
from osms.coverage.cli import cli_principal

attach_app = typer.Typer(help="Attachment to a primary-care clinic (docs/attachment.md).", no_args_is_help=True)
import_app = typer.Typer(help="Import clinics and districts (upsert by key, idempotent, all-or-nothing).")
attach_app.add_typer(import_app, name="import")
console = Console()
errors = Console(stderr=True)

JsonOpt = Annotated[bool, typer.Option("--json", help="Print the answer as one JSON line")]
RulebookOpt = Annotated[str | None, typer.Option("--rulebook", help="Rulebook name (default OSMS_RULEBOOK)")]


@contextmanager
def _errors(as_json: bool = False) -> Iterator[None]:
    """Expected failures end with the code and a sentence (exit 1; with ``--json`` one JSON
    line), never a traceback."""
    try:
        yield
    except OsmsError as exc:
        fail(exc.code, exc.message, as_json=as_json)


def _day(text: str | None, option: str) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise typer.BadParameter(f"expected YYYY-MM-DD, got {text!r}", param_hint=option) from None


def _run_import(kind: str, file: Path, rejects: Path | None, as_json: bool) -> None:
    rejects = rejects or file.with_name(file.name + ".rejected.csv")
    fn = ingest.import_clinics if kind == "clinics" else ingest.import_districts
    with _errors(as_json), file_progress(errors, f"importing {kind}", file, disable=as_json) as advance:
        result = fn(get_engine(get_settings().database_url), file, rejects_file=rejects, progress=advance)
    if as_json:
        print_json(result.as_dict())
    else:
        print_import(errors, result, ingest.IMPORT_REASONS)


FileArg = Annotated[Path, typer.Argument(help="CSV file (UTF-8, header row)")]
RejectsOpt = Annotated[Path | None, typer.Option("--rejects", help="Rejection report path (default FILE.rejected.csv)")]


@import_app.command("clinics")
def import_clinics(file: FileArg, rejects: RejectsOpt = None, as_json: JsonOpt = False) -> None:
    """Import clinics: columns clinic_id,bin,name,region,capacity,service_area (address codes separated by ';')."""
    _run_import("clinics", file, rejects, as_json)


@import_app.command("districts")
def import_districts(file: FileArg, rejects: RejectsOpt = None, as_json: JsonOpt = False) -> None:
    """Import doctors' districts: columns clinic_id,district_id,specialty,doctor,norm (therapist, gp, pediatrician)."""
    _run_import("districts", file, rejects, as_json)


def _print_decisions(answers: list[dict[str, Any]]) -> None:
    lang = get_settings().language
    for answer in answers:
        table = Table(title=f"{answer['iin']} -> {answer['clinic']}: {answer['decision']}", show_header=False)
        for key in ("effective_from", "until", "previous_clinic", "district", "home_visits", "kind", "rulebook"):
            table.add_row(key.replace("_", " "), str(answer[key] if answer[key] is not None else "-"))
        for reason in answer["reasons"]:
            table.add_row(reason["code"], reason["message"][lang])
        if answer["provisional"]:
            table.add_row("carried forward", "\n".join(answer["carried_forward"]))
        console.print(table)
        if answer["provisional"]:
            console.print(answer["provisional_message"][lang], style="bold yellow")


@attach_app.command("apply")
def apply_command(
    iin: Annotated[str, typer.Option("--iin", help="IIN of the person to attach")],
    clinic: Annotated[str, typer.Option("--clinic", help="clinic_id")],
    reason: Annotated[
        str,
        typer.Option(
            "--reason",
            help="first, move, job_or_study, release, military_service_end, reorganisation or choice "
            "(campaign or free change is told by the date)",
        ),
    ],
    on: Annotated[str, typer.Option("--date", help="Day of the application, YYYY-MM-DD")],
    district: Annotated[str | None, typer.Option("--district", help="Chosen doctor's district_id")] = None,
    applicant: Annotated[
        str | None, typer.Option("--applicant", help="IIN of who applies (a parent or guardian for a child)")
    ] = None,
    contract_until: Annotated[
        str | None, typer.Option("--contract-until", help="End of an EAEU migrant's employment contract, YYYY-MM-DD")
    ] = None,
    family: Annotated[
        list[str] | None,
        typer.Option("--family", help="Also attach this family member (repeatable); --applicant applies for all"),
    ] = None,
    rulebook: RulebookOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Apply for attachment to a clinic and print the decision (accepted, accepted without home visits,
    another district offered, refused) with its reasons in kk/ru/en."""
    day = _day(on, "--date")
    assert day is not None
    until = _day(contract_until, "--contract-until")
    with _errors(as_json), unit_of_work(get_engine(get_settings().database_url)) as session:
        if family:
            decisions = applications.apply_family(
                session,
                applicant_iin=applicant or iin,
                iins=[iin, *family],
                clinic_id=clinic,
                reason=reason,
                on=day,
                district_id=district,
                contract_until=until,
                rulebook=rulebook,
                channel="cli",
                principal=cli_principal(),
            )
        else:
            decisions = [
                applications.apply(
                    session,
                    iin=iin,
                    clinic_id=clinic,
                    reason=reason,
                    on=day,
                    district_id=district,
                    applicant_iin=applicant,
                    contract_until=until,
                    rulebook=rulebook,
                    channel="cli",
                    principal=cli_principal(),
                )
            ]
    answers = [d.as_dict() for d in decisions]
    if as_json:
        print_json(answers[0] if not family else {"decisions": answers})
    else:
        _print_decisions(answers)


@attach_app.command("show")
def show_command(
    iin: Annotated[str, typer.Argument(help="12-digit IIN")],
    on: Annotated[str | None, typer.Option("--on", help="Day, YYYY-MM-DD (default today)")] = None,
    as_json: JsonOpt = False,
) -> None:
    """The clinic a person is attached to on a day (null fields when not attached)."""
    day = _day(on, "--on")
    with _errors(as_json), unit_of_work(get_engine(get_settings().database_url)) as session:
        answer = service.read_attachment(
            session, cli_principal(), iin, day, channel="cli", resource=f"osms attach show {iin.strip()}"
        )
    if as_json:
        print_json(answer)
        return
    table = Table(title=f"attachment of {answer['iin']} on {answer['on']}", show_header=False)
    if answer["clinic"] is None:
        table.add_row("clinic", "not attached")
    for key in ("clinic", "clinic_name", "district", "since", "until", "home_visits", "kind"):
        if answer["clinic"] is not None:
            table.add_row(key.replace("_", " "), str(answer[key] if answer[key] is not None else "-"))
    if answer.get("next"):
        table.add_row("next", f"{answer['next']['clinic']} from {answer['next']['since']}")
    console.print(table)


@attach_app.command("campaign")
def campaign_command(
    file: FileArg,
    results: Annotated[Path | None, typer.Option("--results", help="Results CSV (default FILE.results.csv)")] = None,
    rulebook: RulebookOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Decide a CSV of applications (application_id,iin,clinic_id,reason,date,district_id,applicant_iin,
    contract_until) in chunks; write the results CSV and print a summary."""
    out = results or file.with_name(file.name + ".results.csv")
    with _errors(as_json), file_progress(errors, "deciding applications", file, disable=as_json) as advance:
        summary = campaign.run_campaign(
            get_engine(get_settings().database_url), file, results=out, progress=advance, rulebook=rulebook
        )
    if as_json:
        print_json(summary)
        return
    table = Table(title=f"campaign: {file}", show_header=False)
    table.add_row("rows", f"{summary['rows']:,}")
    for decision, n in summary["by_decision"].items():
        table.add_row(f"  {decision}", f"{n:,}")
    for code, n in summary["by_reason"].items():
        table.add_row(f"    {code}", f"{n:,}")
    table.add_row("seconds", f"{summary['seconds']:.2f}  ({summary['per_second'] or 0:,} per second)")
    table.add_row("results", summary["results"])
    console.print(table)


@attach_app.command("export")
def export_command(
    month: Annotated[str, typer.Option("--month", help="Month, YYYY-MM (population on its first day)")],
    out: Annotated[Path | None, typer.Option("--out", help="CSV path (default attached-YYYY-MM.csv)")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Export the attached-population register per clinic for a month (feeds per-capita payment)."""
    target = out or Path(f"attached-{month.strip()}.csv")
    with _errors():
        summary = population.export_population(get_engine(get_settings().database_url), month, target)
    if as_json:
        print_json(summary)
        return
    table = Table(title=f"attached population {summary['month']} (on {summary['on']})", show_header=False)
    table.add_row("persons", f"{summary['rows']:,}")
    table.add_row("clinics", f"{len(summary['clinics']):,}")
    table.add_row("register", summary["out"])
    table.add_row("summary", summary["summary"])
    console.print(table)
