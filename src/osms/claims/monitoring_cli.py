"""``osms monitoring ...``: monitoring and appeals on the command line (wired in ``osms.cli``;
docs/claims.md, "Monitoring and appeals").

Thin: ``findings``, ``defects``, ``defect``, ``add-defect``, ``object``, ``decide``, ``queue``,
``open-case``, ``close-case``, ``escalation``, ``close-month``, as the operating-system user in the
operator's role (channel cli). ``--json`` prints one JSON object.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table
from sqlalchemy.orm import Session

from osms.claims import monitoring
from osms.core.config import get_settings
from osms.core.db import get_engine, unit_of_work
from osms.core.errors import OsmsError
from osms.core.jsonout import fail, print_json
from osms.providers.cli import cli_principal

monitoring_app = typer.Typer(help="Monitoring of services and appeals (docs/claims.md).", no_args_is_help=True)
console = Console()

JsonOpt = Annotated[bool, typer.Option("--json", help="Print the answer as one JSON object")]
MonthOpt = Annotated[str, typer.Option("--month", help="The reporting month, YYYY-MM")]
CHANNEL = "cli"


def _run(work: Callable[[Session], dict[str, Any]], as_json: bool, show: Callable[[dict[str, Any]], None]) -> None:
    try:
        with unit_of_work(get_engine(get_settings().database_url)) as session:
            answer = work(session)
    except OsmsError as exc:
        fail(exc.code, exc.message, as_json=as_json)
    if as_json:
        print_json(answer)
    else:
        show(answer)


def _appeal(view: dict[str, Any]) -> str:
    appeal = view["appeal"]
    if appeal["final"]:
        how = " automatically" if appeal["automatic"] else ""
        return f"{appeal['status']}{how} on {appeal['decided_on']}"
    late = " OVERDUE" if appeal["overdue"] else ""
    return f"{appeal['status']}: {appeal['next_step']} by {appeal['actor']} until {appeal['due_on']}{late}"


def _defects_table(title: str, views: list[dict[str, Any]]) -> None:
    table = Table(title=title, title_justify="left")
    for column in ("defect", "code", "origin", "record", "found", "appeal"):
        table.add_column(column, overflow="fold")
    for v in views:
        record = v.get("record") or {}
        table.add_row(
            str(v["id"]), v["code"], v["origin"], str(record.get("record_id", "-")), v["found_on"], _appeal(v)
        )
    console.print(table)


def _show_defect(view: dict[str, Any]) -> None:
    _defects_table(f"defect {view['id']} of {view['provider_id']}", [view])
    for step in view.get("steps", []):
        decision = f" {step['decision']}" if step["decision"] else ""
        region = f" ({step['region']})" if step["region"] else ""
        console.print(f"  {step['on']} {step['step']}{decision} by {step['actor']}{region}: {step['note'] or ''}")


def _show_case(case: dict[str, Any]) -> None:
    console.print(
        f"case {case['id']} {case['kind']}/{case['trigger']} of {case['provider_id']} {case['month']}: "
        f"{case['status']}{'' if case['outcome'] is None else ' ' + case['outcome']}"
    )
    if case.get("defect"):
        _show_defect(case["defect"])


@monitoring_app.command("findings")
def findings_command(
    provider: Annotated[str, typer.Option("--provider", help="provider_id of the register")],
    month: MonthOpt,
    as_json: JsonOpt = False,
) -> None:
    """The provider's records of the month with findings and defects (and each defect's appeal)."""

    def show(answer: dict[str, Any]) -> None:
        table = Table(title=f"{answer['provider_id']} {answer['month']}", title_justify="left")
        for column in ("record", "iin", "care", "dates", "findings", "defects"):
            table.add_column(column, overflow="fold")
        for r in answer["records"]:
            table.add_row(
                r["record_id"],
                r["iin"],
                r["care_form"],
                f"{r['date_from']}..{r['date_to']}",
                ", ".join(
                    f"{f['code']}{'' if f['defect_code'] is None else ' ' + f['defect_code']}" for f in r["findings"]
                ),
                ", ".join(f"{d['code']} {d['status']}" for d in r["defects"]),
            )
        console.print(table)
        console.print(f"findings: {answer['findings_by_code']}  defects: {answer['defects_by_status']}")

    _run(lambda s: monitoring.record_findings(s, cli_principal(), provider, month, channel=CHANNEL), as_json, show)


@monitoring_app.command("defects")
def defects_command(
    provider: Annotated[str, typer.Option("--provider", help="provider_id of the register")],
    month: Annotated[str | None, typer.Option("--month", help="The reporting month, YYYY-MM (default all)")] = None,
    status: Annotated[str | None, typer.Option("--status", help="Only defects in this state")] = None,
    as_json: JsonOpt = False,
) -> None:
    """A provider's defects with their appeals, and its monitoring cases."""

    def show(answer: dict[str, Any]) -> None:
        _defects_table(f"defects of {answer['provider_id']}", answer["defects"])
        for case in answer["cases"]:
            _show_case(case)

    _run(
        lambda s: monitoring.provider_defects(s, cli_principal(), provider, month, status=status, channel=CHANNEL),
        as_json,
        show,
    )


@monitoring_app.command("defect")
def defect_command(defect_id: Annotated[int, typer.Argument(help="The defect's id")], as_json: JsonOpt = False) -> None:
    """One defect with its record and every step of its appeal."""
    _run(lambda s: monitoring.defect_view(s, cli_principal(), defect_id, channel=CHANNEL), as_json, _show_defect)


@monitoring_app.command("add-defect")
def add_defect_command(
    record: Annotated[str, typer.Option("--record", help="The record: its id, or PROVIDER/RECORD_ID")],
    code: Annotated[str, typer.Option("--code", help="A code of the defect classifier, e.g. 5.1")],
    note: Annotated[str, typer.Option("--note", help="The expert's finding in words")],
    evidence: Annotated[str | None, typer.Option("--evidence", help="What it rests on (documents, a link)")] = None,
    case: Annotated[int | None, typer.Option("--case", help="The monitoring case it belongs to")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Record an expert's additional defect on a record (the provider is notified today)."""

    def work(session: Session) -> dict[str, Any]:
        ref = monitoring.record_ref_of(session, record)
        return monitoring.add_defect(
            session, cli_principal(), ref, code, note=note, evidence=evidence, case_id=case, channel=CHANNEL
        )

    _run(work, as_json, _show_defect)


@monitoring_app.command("object")
def object_command(
    defect_id: Annotated[int, typer.Argument(help="The defect's id")],
    note: Annotated[str, typer.Option("--note", help="The provider's reasons")],
    as_json: JsonOpt = False,
) -> None:
    """Record the provider's objection (first or second) received by the fund."""
    _run(lambda s: monitoring.object_to(s, cli_principal(), defect_id, note, channel=CHANNEL), as_json, _show_defect)


@monitoring_app.command("decide")
def decide_command(
    defect_id: Annotated[int, typer.Argument(help="The defect's id")],
    decision: Annotated[str, typer.Option("--decision", help="upheld (the defect stands) or overturned")],
    region: Annotated[str, typer.Option("--region", help="The reviewer's region code, or 'central'")],
    note: Annotated[str | None, typer.Option("--note", help="The reasons")] = None,
    as_json: JsonOpt = False,
) -> None:
    """A reviewer's decision on the step the appeal awaits (review, second review, central office)."""
    _run(
        lambda s: monitoring.decide(s, cli_principal(), defect_id, decision, region=region, note=note, channel=CHANNEL),
        as_json,
        _show_defect,
    )


@monitoring_app.command("queue")
def queue_command(
    month: Annotated[str | None, typer.Option("--month", help="The reporting month, YYYY-MM (default all)")] = None,
    open_cases: Annotated[bool, typer.Option("--open/--no-open", help="Open the missing review cases")] = True,
    as_json: JsonOpt = False,
) -> None:
    """The deaths to review (every death in round-the-clock and day hospitals and of infants); their
    review cases are opened (unless --no-open)."""

    def show(answer: dict[str, Any]) -> None:
        if answer["rule"] is None:
            console.print("this rulebook reviews no deaths")
            return
        table = Table(title=f"deaths to review: {answer['opened']} case(s) opened now", title_justify="left")
        for column in ("provider", "record", "iin", "care", "died", "why", "case"):
            table.add_column(column, overflow="fold")
        for i in answer["items"]:
            table.add_row(
                i["provider_id"],
                i["record_id"],
                i["iin"],
                i["care_form"],
                i["date_to"],
                i["reason"],
                f"{i['case_id']} {i['case_status']}",
            )
        console.print(table)

    _run(
        lambda s: monitoring.death_queue(s, cli_principal(), month=month, open_cases=open_cases, channel=CHANNEL),
        as_json,
        show,
    )


@monitoring_app.command("reviews")
def reviews_command(
    region: Annotated[str | None, typer.Option("--region", help="The reviewer's region (or central)")] = None,
    as_json: JsonOpt = False,
) -> None:
    """The appeals awaiting a reviewer, soonest due first."""

    def show(answer: dict[str, Any]) -> None:
        table = Table(title=f"awaiting a reviewer: {len(answer['items'])}, overdue {answer['overdue']}")
        for column in ("defect", "provider", "region", "code", "step", "due"):
            table.add_column(column)
        for i in answer["items"]:
            due = f"{i['due_on']}{' OVERDUE' if i['overdue'] else ''}"
            table.add_row(str(i["id"]), i["provider_id"], i["provider_region"], i["code"], i["next_step"], due)
        console.print(table)

    _run(lambda s: monitoring.review_queue(s, cli_principal(), region=region, channel=CHANNEL), as_json, show)


@monitoring_app.command("cases")
def cases_command(
    kind: Annotated[str | None, typer.Option("--kind", help=", ".join(monitoring.CASE_KINDS))] = None,
    status: Annotated[str, typer.Option("--status", help="open or closed")] = "open",
    provider: Annotated[str | None, typer.Option("--provider", help="provider_id of the register")] = None,
    as_json: JsonOpt = False,
) -> None:
    """The monitoring cases, by kind, status and provider."""

    def show(answer: dict[str, Any]) -> None:
        for case in answer["cases"]:
            _show_case(case)

    _run(
        lambda s: monitoring.list_cases(
            s, cli_principal(), kind=kind, status=status, provider_id=provider, channel=CHANNEL
        ),
        as_json,
        show,
    )


@monitoring_app.command("open-case")
def open_case_command(
    provider: Annotated[str, typer.Option("--provider", help="provider_id of the register")],
    trigger: Annotated[str, typer.Option("--trigger", help=", ".join(monitoring.TRIGGERS))],
    record: Annotated[str | None, typer.Option("--record", help="A record: its id, or PROVIDER/RECORD_ID")] = None,
    complainant: Annotated[str | None, typer.Option("--complainant", help="IIN of who complains")] = None,
    note: Annotated[str | None, typer.Option("--note", help="What the case is about")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Open an unplanned monitoring case on a trigger (no anonymous complaints)."""

    def work(session: Session) -> dict[str, Any]:
        ref = None if record is None else monitoring.record_ref_of(session, record)
        return monitoring.open_case(
            session,
            cli_principal(),
            provider_id=provider,
            trigger=trigger,
            record_ref=ref,
            note=note,
            complainant_iin=complainant,
            channel=CHANNEL,
        )

    _run(work, as_json, _show_case)


@monitoring_app.command("close-case")
def close_case_command(
    case_id: Annotated[int, typer.Argument(help="The case's id")],
    outcome: Annotated[str, typer.Option("--outcome", help="confirmed or not_confirmed")],
    note: Annotated[str | None, typer.Option("--note", help="The findings")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Close a case; a confirmed complaint on a record becomes defect 5.1."""
    _run(
        lambda s: monitoring.close_case(s, cli_principal(), case_id, outcome, note=note, channel=CHANNEL),
        as_json,
        _show_case,
    )


@monitoring_app.command("escalation")
def escalation_command(month: MonthOpt, as_json: JsonOpt = False) -> None:
    """Providers with unconfirmed cases (5.x) against 200 МРП a month and 800 МРП a contract."""

    def show(answer: dict[str, Any]) -> None:
        if answer["rule"] is None:
            console.print("this rulebook has no escalation thresholds")
            return
        console.print(
            f"{answer['month']}: thresholds {answer['month_threshold']} a month, {answer['contract_threshold']} a "
            f"contract (МРП {answer['mrp']}); amounts: {answer['amounts']}"
        )
        table = Table()
        for column in ("provider", "contract", "month cases", "contract cases", "month amount", "contract amount"):
            table.add_column(column)
        for p in answer["providers"]:
            table.add_row(
                p["provider_id"],
                str(p["contract_id"]),
                str(p["month_count"]),
                str(p["contract_count"]),
                str(p["month_amount"]),
                str(p["contract_amount"]),
            )
        console.print(table)

    _run(lambda s: monitoring.escalation(s, cli_principal(), month, channel=CHANNEL), as_json, show)


@monitoring_app.command("close-month")
def close_month_command(
    month: Annotated[str, typer.Argument(help="The reporting month, YYYY-MM")], as_json: JsonOpt = False
) -> None:
    """Close a reporting month: its records can no longer be corrected."""

    def show(answer: dict[str, Any]) -> None:
        console.print(
            f"{answer['month']} closed; {answer['confirmed_automatically']} defect(s) confirmed automatically; "
            f"defects: {answer['defects_by_status']}"
        )

    _run(lambda s: monitoring.close_month(s, cli_principal(), month, channel=CHANNEL), as_json, show)


@monitoring_app.command("sample")
def sample_command(month: MonthOpt, as_json: JsonOpt = False) -> None:
    """Draw the month's records for the experts' review by the rulebook's shares (seeds-2016)."""

    def show(answer: dict[str, Any]) -> None:
        if answer["rule"] is None:
            console.print("this rulebook samples nothing: every case is checked")
            return
        console.print(
            f"{answer['month']}: {answer['records']} record(s), drawn {answer['drawn']},"
            f" {answer['opened']} case(s) opened"
        )

    _run(lambda s: monitoring.sample_for_expertise(s, cli_principal(), month, channel=CHANNEL), as_json, show)
