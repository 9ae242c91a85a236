"""``osms benefits ...`` and ``osms entitle``: the benefits room's command line (wired in ``osms.cli``).

Lookups are audited as the operating-system user (``cli:<user>``, role operator, channel ``cli``).
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, NoReturn

import typer
from rich.console import Console, Group
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from osms.benefits import service
from osms.benefits.catalogue import CARE_TYPES, catalogue
from osms.core.config import get_settings
from osms.core.db import get_engine, unit_of_work
from osms.core.errors import OsmsError
from osms.core.jsonout import fail, print_json
from osms.coverage.cli import cli_principal

console = Console()
errors = Console(stderr=True)

benefits_app = typer.Typer(
    help="Benefit packages: care types, GOBMP and OSMS (docs/benefits.md).", no_args_is_help=True
)


def _fail(exc: OsmsError, as_json: bool) -> NoReturn:
    fail(exc.code, exc.message, as_json=as_json)


def _language(lang: str | None) -> str:
    return lang if lang in ("kk", "ru", "en") else get_settings().language


@benefits_app.command("care-types")
def care_types_command(
    as_json: Annotated[bool, typer.Option("--json", help="Print the catalogue as one JSON line")] = False,
    lang: Annotated[str | None, typer.Option("--lang", help="Language of the names: kk, ru or en")] = None,
) -> None:
    """The care types of the benefit packages: code, name (kk/ru/en), planned or emergency."""
    if as_json:
        print_json(catalogue())
        return
    language = _language(lang)
    table = Table(title="Care types (docs/benefits.md)")
    table.add_column("code", style="bold")
    table.add_column("name")
    table.add_column("nature")
    for item in CARE_TYPES.values():
        table.add_row(item.code, item.names()[language], item.nature)
    console.print(table)


def _parse_day(text: str | None) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise typer.BadParameter(f"expected YYYY-MM-DD, got {text!r}", param_hint="--date") from None


def _panel(answer: dict[str, Any], lang: str) -> Panel:
    style = {"GOBMP": "green", "OSMS": "green", "none": "red"}[answer["covered_by"]]
    table = Table.grid(padding=(0, 2))
    table.add_column(style="bold")
    table.add_column()
    insured = answer["insured"]
    rows: list[tuple[str, str]] = [
        ("IIN", answer["iin"]),
        ("date", answer["date"]),
        ("care type", f"{answer['care_type']['code']}: {answer['care_type']['name'][lang]}"),
        ("covered by", answer["covered_by"]),
    ]
    if answer["diagnosis"]:
        rows.append(("diagnosis", answer["diagnosis"]["title"][lang]))
    rows += [
        ("emergency", "yes" if answer["emergency"] else "no"),
        ("referral", "yes" if answer["referral"] else "no"),
        ("residency", answer["residency"] or "not in the registry"),
        ("insured", f"{'yes' if insured['insured'] else 'no'} ({insured['basis']['code']})"),
        ("rulebook", answer["rulebook"]),
        ("rules", "\n".join(answer["rules"]) or "-"),
    ]
    for key, value in rows:
        table.add_row(key, value)
    reasons = Text("\n".join(f"• {r['message'][lang]}" for r in answer["reasons"]))
    headline = Text(answer["message"][lang], style=f"bold {style}")
    return Panel(Group(headline, reasons, Text(""), table), title="entitlement", border_style=style)


def entitle_command(
    iin: Annotated[str, typer.Option("--iin", help="The patient's 12-digit IIN")],
    care_type: Annotated[str, typer.Option("--care-type", help="Care type code (osms benefits care-types)")],
    on: Annotated[str | None, typer.Option("--date", help="Date of the care, YYYY-MM-DD (default today)")] = None,
    icd10: Annotated[str | None, typer.Option("--icd10", help="Diagnosis, WHO ICD-10 code (e.g. A15.0)")] = None,
    emergency: Annotated[bool, typer.Option("--emergency", help="The care is an emergency")] = False,
    referral: Annotated[bool, typer.Option("--referral", help="A referral from PHC or a specialist exists")] = False,
    rulebook: Annotated[str | None, typer.Option("--rulebook", help="Rulebook name (default OSMS_RULEBOOK)")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the answer as one JSON line")] = False,
    lang: Annotated[str | None, typer.Option("--lang", help="Language of the sentences: kk, ru or en")] = None,
) -> None:
    """Is this care free for the patient, and from which package: GOBMP, OSMS or none (docs/benefits.md)?"""
    day = _parse_day(on)
    try:
        with unit_of_work(get_engine(get_settings().database_url)) as session:
            answer = service.entitlement(
                session,
                cli_principal(),
                iin,
                care_type,
                day,
                icd10,
                emergency=emergency,
                referral=referral,
                rulebook=rulebook,
                channel="cli",
                resource=f"osms entitle {iin.strip()} {care_type.strip()}",
            )
    except OsmsError as exc:
        _fail(exc, as_json)
    if as_json:
        print_json(answer)
    else:
        console.print(_panel(answer, _language(lang)))
