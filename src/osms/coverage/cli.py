"""``osms status`` and ``osms pregnancy register`` (thin): the coverage room's command line.

Wired in ``osms.cli``: ``app.command("status")(status_command)`` and
``app.add_typer(pregnancy_app, name="pregnancy")``. Lookups are audited as the operating-system
user (``cli:<user>``, role operator, channel ``cli``).
"""

from __future__ import annotations

import getpass
from datetime import date
from typing import Annotated, Any, NoReturn

import typer
from rich.console import Console, Group
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from osms.core.config import get_settings
from osms.core.db import get_engine, unit_of_work
from osms.core.errors import OsmsError
from osms.core.jsonout import fail, print_json
from osms.core.security import Principal
from osms.coverage import service
from osms.coverage.rules import Status

console = Console()
errors = Console(stderr=True)
pregnancy_app = typer.Typer(
    help="The register of pregnant women (non-working pregnant woman category).", no_args_is_help=True
)


def cli_principal() -> Principal:
    """Who the audit log names for the command line: the operating-system user, as an operator."""
    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = "unknown"
    return Principal(user_id=0, username=f"cli:{user}"[:64], role="operator", display_name="command line")


def _fail(exc: OsmsError, as_json: bool) -> NoReturn:
    fail(exc.code, exc.message, as_json=as_json)


def _parse_day(text: str | None, option: str) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise typer.BadParameter(f"expected YYYY-MM-DD, got {text!r}", param_hint=option) from None


def _status_panel(status: Status, lang: str) -> Panel:
    answer = status.as_dict()
    table = Table.grid(padding=(0, 2))
    table.add_column(style="bold")
    table.add_column()
    basis = answer["basis"]
    rows: list[tuple[str, Any]] = [
        ("IIN", answer["iin"]),
        ("on", answer["on"]),
        ("insured", "yes" if answer["insured"] else "no"),
        ("basis", basis["code"]),
    ]
    rows += [(key, basis[key]) for key in ("payer", "kind", "category") if basis[key]]
    rows += [
        ("insured until", answer["insured_until"] or ("open-ended" if answer["insured"] else "-")),
        ("months paid (last 12)", ", ".join(answer["months_paid_last_12"]) or "-"),
    ]
    if status.arrears:
        rows.append(("arrears", ", ".join(f"{m} {a:.2f}" for m, a in status.arrears)))
    rows.append(("arrears total", answer["arrears"]["amount"]))
    if status.due:
        rows.append(("not yet due", ", ".join(f"{m} by {by.isoformat()}" for m, by in status.due)))
    rows += [
        ("rulebook", answer["rulebook"]),
        ("rules", "\n".join(answer["rules"])),
    ]
    if status.horizon.provisional:
        rows.append(("carried forward", "\n".join(answer["carried_forward"])))
    for key, value in rows:
        table.add_row(key, str(value))
    style = "green" if status.insured else "red"
    sentence = Text(answer["message"][lang], style=f"bold {style}")
    parts: list[Text | Table] = [sentence]
    if status.horizon.provisional:
        parts.append(Text(status.horizon.message(lang) or "", style="bold yellow"))
    return Panel(Group(*parts, Text(""), table), title=f"status of {answer['iin']}", border_style=style)


def status_command(
    iin: Annotated[str, typer.Argument(help="12-digit IIN")],
    on: Annotated[str | None, typer.Option("--on", help="Date of the status, YYYY-MM-DD (default today)")] = None,
    rulebook: Annotated[str | None, typer.Option("--rulebook", help="Rulebook name (default OSMS_RULEBOOK)")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the answer as one JSON line")] = False,
    lang: Annotated[str | None, typer.Option("--lang", help="Language of the sentence: kk, ru or en")] = None,
) -> None:
    """Insured status of a person on a date (docs/status.md), with its basis, arrears and rules."""
    day = _parse_day(on, "--on")
    language = lang if lang in ("kk", "ru", "en") else get_settings().language
    try:
        with unit_of_work(get_engine(get_settings().database_url)) as session:
            status = service.read_status(
                session, cli_principal(), iin, day, rulebook, channel="cli", resource=f"osms status {iin.strip()}"
            )
    except OsmsError as exc:
        _fail(exc, as_json)
    if as_json:
        print_json(status.as_dict())
    else:
        console.print(_status_panel(status, language))


@pregnancy_app.command("register")
def pregnancy_register(
    iin: Annotated[str, typer.Option("--iin", help="The woman's IIN")],
    entered: Annotated[str, typer.Option("--entered", help="Day of the register entry, YYYY-MM-DD")],
    expected_delivery: Annotated[
        str | None, typer.Option("--expected-delivery", help="Expected day of delivery, YYYY-MM-DD")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the decision as one JSON line")] = False,
) -> None:
    """Enter a woman in the register of pregnant women; the category is decided at once (docs/status.md)."""
    entered_on = _parse_day(entered, "--entered")
    assert entered_on is not None
    delivery = _parse_day(expected_delivery, "--expected-delivery")
    try:
        with unit_of_work(get_engine(get_settings().database_url)) as session:
            answer = service.register_pregnancy(
                session, iin, entered_on, delivery, principal=cli_principal(), channel="cli"
            )
    except OsmsError as exc:
        _fail(exc, as_json)
    if as_json:
        print_json(answer)
        return
    table = Table.grid(padding=(0, 2))
    table.add_column(style="bold")
    table.add_column()
    for key in ("iin", "entered_on", "expected_delivery", "decision", "category_from", "category_to", "reason"):
        table.add_row(key.replace("_", " "), str(answer[key] or "-"))
    if answer["employer_periods"]:
        table.add_row("employer periods", ", ".join(answer["employer_periods"]))
    lang = get_settings().language
    style = "green" if answer["decision"] == "assigned" else "red"
    sentence = Text(answer["message"][lang], style=f"bold {style}")
    console.print(Panel(Group(sentence, Text(""), table), title="register of pregnant women", border_style=style))
