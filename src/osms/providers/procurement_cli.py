"""``osms procurement ...``: the procurement workflow on the command line (wired in ``osms.cli``;
docs/providers.md, "Procurement workflow").

Thin: each command runs one step of ``providers.procurement`` in one unit of work. ``--json``
prints JSON lines, as the house's other commands do: one object per line for a list (a decision of
``admit``, a placement of ``distribute``), one object for everything else; errors are one line
``{"error": {"code", "message"}}``.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console
from rich.table import Table
from sqlalchemy.orm import Session

from osms.core.bulkload import check_header
from osms.core.clock import fund_today
from osms.core.config import get_settings
from osms.core.db import get_engine, unit_of_work
from osms.core.errors import InvalidInput, OsmsError
from osms.core.jsonout import fail, print_json
from osms.core.money import parse_money
from osms.core.progress import print_import
from osms.providers import checks, distribution, procurement

procurement_app = typer.Typer(
    help="Procurement: announce, apply, admit, distribute (docs/providers.md).", no_args_is_help=True
)
console = Console()
errors = Console(stderr=True)

Id = Annotated[str, typer.Argument(help="The procurement's id")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON lines")]
OnOpt = Annotated[str | None, typer.Option("--on", help="The day, YYYY-MM-DD (default: today in the fund's zone)")]
T = TypeVar("T")


def _day(text: str | None, name: str = "--on") -> date:
    if text is None:
        return fund_today()
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InvalidInput(f"{name} {text!r} is not a YYYY-MM-DD date", code="bad_date") from None


@contextmanager
def _failing(as_json: bool) -> Iterator[None]:
    try:
        yield
    except OsmsError as exc:
        fail(exc.code, exc.message, as_json=as_json)


def _run(step: Callable[[Session], T], as_json: bool) -> T:
    with _failing(as_json), unit_of_work(get_engine(get_settings().database_url)) as session:
        return step(session)


def _print(answer: dict[str, Any], as_json: bool, title: str) -> None:
    if as_json:
        print_json(answer)
        return
    table = Table(title=title, show_header=False)
    for key, value in answer.items():
        table.add_row(key, str(value))
    console.print(table)


@procurement_app.command("announce")
def announce_command(
    announcement_id: Annotated[str, typer.Option("--id", help="The procurement's id")],
    year: Annotated[int, typer.Option("--year", help="The year the care is bought for")],
    opens: Annotated[str, typer.Option("--opens", help="First day applications are taken, YYYY-MM-DD")],
    closes: Annotated[str, typer.Option("--closes", help="Last day applications are taken, YYYY-MM-DD")],
    plan: Annotated[Path, typer.Option("--plan", help="Plan CSV: care_type,region,volume,unit,sum")],
    rulebook: Annotated[str | None, typer.Option("--rulebook", help="Rulebook (default OSMS_RULEBOOK)")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Announce a procurement with its plan (a bad plan row: an error with its code, nothing written)."""
    with _failing(as_json):
        lines = procurement.read_plan(plan)
        window = _day(opens, "--opens"), _day(closes, "--closes")
    book = rulebook or get_settings().rulebook
    answer = _run(
        lambda s: procurement.announce(
            s, announcement_id, year=year, opens=window[0], closes=window[1], plan=lines, rulebook=book
        ),
        as_json,
    )
    _print(answer, as_json, f"procurement {answer['announcement_id']}")


@procurement_app.command("apply")
def apply_command(
    file: Annotated[Path, typer.Argument(help="Applications CSV: " + ",".join(procurement.APPLICATION_COLUMNS))],
    announcement_id: Annotated[str, typer.Option("--announcement", help="The procurement's id")],
    rejects: Annotated[
        Path | None, typer.Option("--rejects", help="Rejection report (default FILE.rejected.csv)")
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Import applications (upsert by id, all-or-nothing, bad rows kept with a code)."""
    with _failing(as_json):
        result = procurement.apply_file(
            get_engine(get_settings().database_url),
            announcement_id,
            file,
            rejects_file=rejects or file.with_name(file.name + ".rejected.csv"),
        )
    if as_json:
        print_json(result.as_dict())
    else:
        print_import(errors, result, {**checks.REASONS, **procurement.REASONS})


def _decisions_table(answers: list[dict[str, Any]], title: str, lang: str) -> Table:
    table = Table(title=title)
    for column in ("application", "provider", "care type", "decision", "reasons", "preference"):
        table.add_column(column)
    for a in answers:
        table.add_row(
            a["application_id"],
            a["provider_id"],
            a["care_type"],
            a["decision"],
            "\n".join(f"{r['code']}: {r['message'][lang]}" for r in a["reasons"]),
            ", ".join(a["preference"]),
        )
    return table


@procurement_app.command("admit")
def admit_command(procurement_id: Id, on: OnOpt = None, as_json: JsonOpt = False) -> None:
    """Stage 1: decide every application (one JSON line each with --json)."""
    with _failing(as_json):
        day = _day(on)
    answers = _run(lambda s: procurement.admit(s, procurement_id, day), as_json)
    if as_json:
        for answer in answers:
            print_json(answer)
        return
    console.print(_decisions_table(answers, f"{procurement_id}: stage 1 on {day}", get_settings().language))


@procurement_app.command("correct")
def correct_command(
    application_id: Annotated[str, typer.Argument(help="The rejected application's id")],
    announcement_id: Annotated[str, typer.Option("--announcement", help="The procurement's id")],
    volume: Annotated[int | None, typer.Option("--volume", help="The corrected volume")] = None,
    amount: Annotated[str | None, typer.Option("--sum", help="The corrected sum, tenge")] = None,
    on: OnOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Correct a rejected application once, within the rulebook's working days, and decide it again."""
    with _failing(as_json):
        day = _day(on)
        money: Decimal | None = None
        if amount is not None:
            try:
                money = parse_money(amount)
            except ValueError as exc:
                raise InvalidInput(str(exc), code="bad_amount") from None
    answer = _run(
        lambda s: procurement.correct(s, announcement_id, application_id, on=day, volume=volume, amount=money), as_json
    )
    if as_json:
        print_json(answer)
    else:
        console.print(_decisions_table([answer], f"{application_id} corrected on {day}", get_settings().language))


def _records(name: str, header: list[str], rows: list[list[str]]) -> Iterator[dict[str, str]]:
    """The rows of a small CSV file as dicts (blank lines skipped); a row of another width: ``bad_row_shape``."""
    for number, row in enumerate(rows, start=2):
        if not "".join(row).strip():
            continue
        if len(row) != len(header):
            raise InvalidInput(
                f"{name} line {number}: {len(row)} fields, the header has {len(header)}", code="bad_row_shape"
            )
        yield {k: v.strip() for k, v in zip(header, row, strict=True)}


@procurement_app.command("members")
def members_command(
    procurement_id: Id,
    file: Annotated[Path, typer.Argument(help="Commission CSV: name,role,relatives (role chair|member)")],
    as_json: JsonOpt = False,
) -> None:
    """Record the commission: its members, the chair, the relatives each declared."""
    with _failing(as_json):
        if not file.is_file():
            raise InvalidInput(f"no such file: {file}", code="no_file")
        with file.open(encoding="utf-8", newline="") as fh:
            rows = list(csv.reader(fh))
        header = [h.strip() for h in rows[0]] if rows else []
        check_header(header, ("name", "role", "relatives"), file.name)
        members = [
            (d["name"], d["role"].strip().lower(), d["relatives"]) for d in _records(file.name, header, rows[1:])
        ]
    answer = _run(lambda s: procurement.set_members(s, procurement_id, members), as_json)
    _print_protocol(answer, as_json)


@procurement_app.command("vote")
def vote_command(
    procurement_id: Id,
    application_id: Annotated[str, typer.Argument(help="The application whose decision is voted on")],
    member: Annotated[str, typer.Option("--member", help="The member's name")],
    ballot: Annotated[str, typer.Option("--vote", help="for or against")],
    as_json: JsonOpt = False,
) -> None:
    """A member's vote on the stage-1 decision of an application."""
    answer = _run(lambda s: procurement.vote(s, procurement_id, application_id, member, ballot), as_json)
    _print_protocol(answer, as_json)


@procurement_app.command("false-information")
def false_information_command(
    procurement_id: Id,
    application_id: Annotated[str, typer.Argument(help="The application")],
    reason: Annotated[str, typer.Option("--reason", help="What the commission found false")],
    as_json: JsonOpt = False,
) -> None:
    """The commission finds false information in an application (rejected false_information)."""
    answer = _run(lambda s: procurement.find_false_information(s, procurement_id, application_id, reason), as_json)
    _print(answer, as_json, f"{application_id}: false information")


def _print_protocol(answer: dict[str, Any], as_json: bool) -> None:
    if as_json:
        print_json(answer)
        return
    lang = get_settings().language
    members = Table(title=f"{answer['announcement_id']}: commission ({answer['rule']})")
    for column in ("member", "role", "declared relatives"):
        members.add_column(column)
    for m in answer["members"]:
        members.add_row(m["name"], m["role"], m["relatives"])
    console.print(members)
    console.print(
        f"present {answer['present']} of {len(answer['members'])}; quorum: {'yes' if answer['quorum'] else 'no'}"
    )
    table = Table(title="decisions")
    for column in ("application", "provider", "decision", "reasons", "votes for/against", "carried"):
        table.add_column(column)
    for d in answer["decisions"]:
        table.add_row(
            d["application_id"],
            d["provider_id"],
            d["decision"],
            "\n".join(f"{r['code']}: {r['message'][lang]}" for r in d["reasons"]),
            f"{d['votes_for']}/{d['votes_against']}",
            "yes" if d["carried"] else "no",
        )
    console.print(table)


@procurement_app.command("protocol")
def protocol_command(procurement_id: Id, as_json: JsonOpt = False) -> None:
    """The commission's protocol: members, quorum, votes and every decision with its reasons."""
    _print_protocol(_run(lambda s: procurement.protocol(s, procurement_id), as_json), as_json)


def _print_distribution(result: distribution.Distribution, as_json: bool, title: str) -> None:
    if as_json:
        for p in result.placements:
            print_json(p.as_dict())
        return
    table = Table(title=title)
    for column in ("care type", "region", "provider", "volume", "sum", "preferred"):
        table.add_column(column)
    for p in result.placements:
        table.add_row(
            p.care_type, p.region, p.provider_id, f"{p.volume:,}", f"{p.sum:,.2f}", "yes" if p.preferred else ""
        )
    console.print(table)
    for u in result.unplaced:
        errors.print(f"unplaced: {u.care_type} {u.region} {u.volume:,} ({u.sum:,.2f} tenge)")


@procurement_app.command("distribute")
def distribute_command(procurement_id: Id, as_json: JsonOpt = False) -> None:
    """Stage 2: place the plan among the admitted applicants (one JSON line per placement)."""
    result = _run(lambda s: procurement.distribute(s, procurement_id), as_json)
    _print_distribution(result, as_json, f"{procurement_id}: placements")


@procurement_app.command("adjust")
def adjust_command(
    procurement_id: Id,
    file: Annotated[Path, typer.Argument(help="Changes CSV: care_type,region,provider_id,volume")],
    justification: Annotated[str, typer.Option("--justification", help="The commission's justification")],
    as_json: JsonOpt = False,
) -> None:
    """The commission's hand changes of volume, with their justification."""
    with _failing(as_json):
        if not file.is_file():
            raise InvalidInput(f"no such file: {file}", code="no_file")
        with file.open(encoding="utf-8", newline="") as fh:
            rows = list(csv.reader(fh))
        header = [h.strip() for h in rows[0]] if rows else []
        check_header(header, ("care_type", "region", "provider_id", "volume"), file.name)
        changes = []
        for d in _records(file.name, header, rows[1:]):
            if not d["volume"].lstrip("-").isdigit():
                raise InvalidInput(f"{file.name}: volume {d['volume'][:20]!r} is not a whole number", code="bad_volume")
            changes.append(
                distribution.Adjustment(d["care_type"].lower(), d["region"].upper(), d["provider_id"], int(d["volume"]))
            )
    result = _run(lambda s: procurement.adjust(s, procurement_id, changes, justification), as_json)
    _print_distribution(result, as_json, f"{procurement_id}: placements after the commission's changes")


@procurement_app.command("publish")
def publish_command(procurement_id: Id, as_json: JsonOpt = False) -> None:
    """Publish the results (GET /api/v1/procurements/{id} shows them to everyone)."""
    answer = _run(lambda s: procurement.publish(s, procurement_id, datetime.now(UTC)), as_json)
    _print(answer, as_json, f"procurement {procurement_id} published")


@procurement_app.command("show")
def show_command(procurement_id: Id, as_json: JsonOpt = False) -> None:
    """A procurement whole: announcement, plan, applications with decisions, placements."""
    answer = _run(lambda s: procurement.view(s, procurement_id, full=True), as_json)
    _print(answer, as_json, f"procurement {procurement_id}")
