"""``osms contracts ...``: the fund's contracts with providers on the command line (wired in
``osms.cli``; docs/providers.md, "Contracts").

Thin: ``create`` (options or a JSON file), ``import FILE``, ``amend ID``, ``terminate ID``, ``list``,
``show``, as the operating-system user in the operator's role (channel cli). ``--json`` prints one
JSON object.
"""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from osms.core.clock import fund_today
from osms.core.config import get_settings
from osms.core.db import get_engine, unit_of_work
from osms.core.errors import InvalidInput, OsmsError
from osms.core.jsonout import fail, print_json
from osms.core.money import format_money, parse_money
from osms.core.progress import print_import
from osms.providers import contracts, contracts_import, procurement
from osms.providers.cli import cli_principal
from osms.providers.contracts import AmendmentDraft, CareChange, CareLine, ContractDraft, ContractView, MonthFigure
from osms.rulebooks.loader import Rulebook, load_rulebook

contracts_app = typer.Typer(help="The fund's contracts with providers (docs/providers.md).", no_args_is_help=True)
console = Console()
errors = Console(stderr=True)

JsonOpt = Annotated[bool, typer.Option("--json", help="Print the answer as one JSON object")]
IndicatorOpt = Annotated[list[str] | None, typer.Option("--indicator", help="CODE=TARGET, repeatable")]


def _book() -> Rulebook:
    return load_rulebook(get_settings().rulebook)


def _day(text: str, what: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise InvalidInput(f"{what} {text[:40]!r} is not a date YYYY-MM-DD", code="bad_date") from None


def _month(text: str) -> date:
    return _day(text.strip() + "-01" if len(text.strip()) == 7 else text, "month")


def _money(text: object, what: str) -> Decimal:
    try:
        return parse_money(str(text))
    except ValueError:
        raise InvalidInput(f"{what} {str(text)[:40]!r} is not an amount in tenge", code="bad_amount") from None


def _whole(text: object, what: str) -> int:
    if isinstance(text, bool) or not str(text).strip().isdigit():
        raise InvalidInput(f"{what} {str(text)[:40]!r} is not a whole number 0 or more", code="bad_volume")
    return int(str(text).strip())


def _indicators(items: list[str] | None) -> tuple[tuple[str, str], ...]:
    found = []
    for item in items or []:
        code, sep, target = item.partition("=")
        if not sep:
            raise InvalidInput(f"indicator {item[:40]!r} is not CODE=TARGET", code="bad_indicator")
        found.append((code.strip(), target.strip()))
    return tuple(found)


def _line(text: str) -> CareLine:
    parts = text.split(":")
    if len(parts) != 3:
        raise InvalidInput(f"--line {text[:40]!r} is not CARE_TYPE:VOLUME:SUM", code="bad_line")
    return CareLine(parts[0].strip().lower(), _whole(parts[1], "volume"), _money(parts[2], "sum"))


def draft_from_json(data: dict[str, Any]) -> ContractDraft:
    """A contract from a JSON object: ``contract_id, provider_id, valid_from, valid_to, signed_on,
    ground, procurement_id, ground_note, advance_percent, place_of_service, care_types`` (a list of
    ``{"care_type", "volume", "sum"}``, the sum as text) and ``indicators`` (``{"code": "target"}``)."""
    try:
        return ContractDraft(
            contract_id=str(data["contract_id"]).strip(),
            provider_id=str(data["provider_id"]).strip(),
            valid_from=_day(str(data["valid_from"]), "valid_from"),
            valid_to=_day(str(data["valid_to"]), "valid_to"),
            signed_on=_day(str(data.get("signed_on") or data["valid_from"]), "signed_on"),
            lines=tuple(
                CareLine(str(c["care_type"]).lower(), _whole(c["volume"], "volume"), _money(c["sum"], "sum"))
                for c in data["care_types"]
            ),
            ground=str(data["ground"]).strip().lower(),
            procurement_id=data.get("procurement_id") or None,
            ground_note=data.get("ground_note") or None,
            indicators=tuple((str(k), str(v)) for k, v in (data.get("indicators") or {}).items()),
            advance_percent=_whole(data.get("advance_percent", 0), "advance_percent"),
            place_of_service=data.get("place_of_service") or None,
        )
    except (KeyError, TypeError, AttributeError) as exc:
        raise InvalidInput(f"the contract file lacks or mistypes {exc}", code="bad_contract_file") from None


def amendment_from_json(data: dict[str, Any]) -> AmendmentDraft:
    """An additional agreement from a JSON object: ``number, signed_on, note, valid_to``, ``months``
    (``{"care_type", "month": "YYYY-MM", "volume", "sum"}``), ``totals`` (``{"care_type",
    "from_month", "volume", "sum"}``) and ``indicators`` (``{"code": "target"}``)."""
    try:
        return AmendmentDraft(
            signed_on=_day(str(data["signed_on"]), "signed_on"),
            number=None if data.get("number") is None else _whole(data["number"], "number"),
            valid_to=None if not data.get("valid_to") else _day(str(data["valid_to"]), "valid_to"),
            months=tuple(
                MonthFigure(
                    str(m["care_type"]).lower(),
                    _month(str(m["month"])),
                    _whole(m["volume"], "volume"),
                    _money(m["sum"], "sum"),
                )
                for m in data.get("months") or []
            ),
            totals=tuple(
                CareChange(
                    str(t["care_type"]).lower(),
                    _whole(t["volume"], "volume"),
                    _money(t["sum"], "sum"),
                    _month(str(t["from_month"])),
                )
                for t in data.get("totals") or []
            ),
            indicators=tuple((str(k), str(v)) for k, v in (data.get("indicators") or {}).items()),
            note=data.get("note") or None,
        )
    except (KeyError, TypeError, AttributeError) as exc:
        raise InvalidInput(f"the agreement file lacks or mistypes {exc}", code="bad_amendment_file") from None


def _read_json(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise InvalidInput(f"{path}: not a readable JSON file ({exc})", code="bad_json_file") from None
    if not isinstance(data, dict):
        raise InvalidInput(f"{path}: a JSON object is expected", code="bad_json_file")
    return data


def _print(view: ContractView) -> None:
    today = fund_today()
    console.print(
        f"[bold]{view.contract_id}[/bold] {view.provider_id} {view.provider_name} · {view.valid_from}..{view.valid_to}"
        f" · {view.ground}{'' if view.procurement_id is None else ' ' + view.procurement_id} · {view.status(today)}"
    )
    table = Table()
    for column in ("care_type", "month", "volume", "sum"):
        table.add_column(column)
    for m in view.months:
        table.add_row(m.care_type, m.month.isoformat()[:7], f"{m.volume:,}", format_money(m.sum))
    console.print(table)
    for a in view.amendments:
        console.print(f"additional agreement № {a.number} of {a.signed_on}: {', '.join(a.changes)}")


def _finish(view: ContractView, as_json: bool) -> None:
    if as_json:
        print_json(view.as_dict(fund_today()))
    else:
        _print(view)


@contracts_app.command("create")
def create_command(
    file: Annotated[Path | None, typer.Argument(help="A JSON file with the contract")] = None,
    contract_id: Annotated[str | None, typer.Option("--id", help="The contract's id")] = None,
    provider: Annotated[str | None, typer.Option("--provider", help="provider_id of the register")] = None,
    valid_from: Annotated[str | None, typer.Option("--from", help="First day, YYYY-MM-DD")] = None,
    valid_to: Annotated[str | None, typer.Option("--to", help="Last day, YYYY-MM-DD")] = None,
    signed_on: Annotated[str | None, typer.Option("--signed-on", help="Day signed (default today)")] = None,
    lines: Annotated[list[str] | None, typer.Option("--line", help="CARE_TYPE:VOLUME:SUM, repeatable")] = None,
    ground: Annotated[str, typer.Option("--ground", help="procurement or a ground of п.19")] = "procurement",
    procurement: Annotated[str | None, typer.Option("--procurement", help="The procurement's id")] = None,
    note: Annotated[str | None, typer.Option("--note", help="The ground in words")] = None,
    advance: Annotated[int, typer.Option("--advance-percent", help="Advance, % of the month's sum")] = 0,
    place: Annotated[str | None, typer.Option("--place", help="Place of service (default its settlement)")] = None,
    indicators: IndicatorOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Create a contract by hand: from a JSON file, or from the options."""
    try:
        if file is not None:
            draft = draft_from_json(_read_json(file))
        else:
            if not (contract_id and provider and valid_from and valid_to):
                raise InvalidInput("give FILE, or --id, --provider, --from, --to and --line", code="missing_option")
            draft = ContractDraft(
                contract_id=contract_id,
                provider_id=provider,
                valid_from=_day(valid_from, "--from"),
                valid_to=_day(valid_to, "--to"),
                signed_on=_day(signed_on, "--signed-on") if signed_on else fund_today(),
                lines=tuple(_line(x) for x in lines or []),
                ground=ground.strip().lower(),
                procurement_id=procurement,
                ground_note=note,
                indicators=_indicators(indicators),
                advance_percent=advance,
                place_of_service=place,
            )
        with unit_of_work(get_engine(get_settings().database_url)) as session:
            view = contracts.create(session, _book(), draft, created_by=cli_principal().username)
    except OsmsError as exc:
        fail(exc.code, exc.message, as_json=as_json)
    _finish(view, as_json)


@contracts_app.command("from-procurement")
def from_procurement_command(
    procurement_id: Annotated[str, typer.Argument(help="The procurement whose placements become contracts")],
    valid_from: Annotated[str, typer.Option("--from", help="First day of the contracts, YYYY-MM-DD")],
    valid_to: Annotated[str, typer.Option("--to", help="Last day of the contracts, YYYY-MM-DD")],
    signed_on: Annotated[str | None, typer.Option("--signed-on", help="Day signed (default today)")] = None,
    advance: Annotated[int, typer.Option("--advance-percent", help="Advance, % of the month's sum")] = 0,
    indicators: IndicatorOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """One contract per provider from a distributed procurement's placements (id PROCUREMENT/PROVIDER),
    each care type with the volume and sum placed; all checked before any is written."""
    try:
        first, last = _day(valid_from, "--from"), _day(valid_to, "--to")
        signed = _day(signed_on, "--signed-on") if signed_on else fund_today()
        with unit_of_work(get_engine(get_settings().database_url)) as session:
            rulebook, rows = procurement.placed(session, procurement_id)
            made = contracts.create_from_placements(
                session,
                load_rulebook(rulebook),
                rows,
                valid_from=first,
                valid_to=last,
                signed_on=signed,
                created_by=cli_principal().username,
                advance_percent=advance,
                indicators=_indicators(indicators),
            )
    except OsmsError as exc:
        fail(exc.code, exc.message, as_json=as_json)
    today = fund_today()
    if as_json:
        for view in made:
            print_json(view.summary(today))
        return
    table = Table(title=f"Contracts from procurement {procurement_id}: {len(made)}")
    for column in ("contract", "provider", "care_type", "volume", "sum"):
        table.add_column(column, justify="right" if column in ("volume", "sum") else "left")
    for view in made:
        for line in view.totals():
            table.add_row(
                view.contract_id, view.provider_name, line.care_type, f"{line.volume:,}", format_money(line.sum)
            )
    console.print(table)


@contracts_app.command("import")
def import_command(
    file: Annotated[Path, typer.Argument(help="CSV: " + ",".join(contracts_import.COLUMNS))],
    rejects: Annotated[
        Path | None, typer.Option("--rejects", help="Rejection report (default FILE.rejected.csv)")
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Import contracts signed before the system or placed without selection (one row per care type)."""
    try:
        result = contracts_import.import_file(
            get_engine(get_settings().database_url),
            _book(),
            file,
            created_by=cli_principal().username,
            rejects_file=rejects or file.with_name(file.name + ".rejected.csv"),
        )
    except OsmsError as exc:
        fail(exc.code, exc.message, as_json=as_json)
    if as_json:
        print_json(result.as_dict())
    else:
        print_import(errors, result, contracts_import.REASONS)


@contracts_app.command("amend")
def amend_command(
    contract_id: Annotated[str, typer.Argument(help="The contract's id")],
    file: Annotated[Path | None, typer.Argument(help="A JSON file with the additional agreement")] = None,
    signed_on: Annotated[str | None, typer.Option("--date", help="The agreement's date, YYYY-MM-DD")] = None,
    number: Annotated[int | None, typer.Option("--number", help="Its number (default the next)")] = None,
    valid_to: Annotated[str | None, typer.Option("--to", help="A new last day of the term")] = None,
    care_type: Annotated[str | None, typer.Option("--care-type", help="The care type whose figures change")] = None,
    volume: Annotated[int | None, typer.Option("--volume", help="Its new volume from --from-month to the end")] = None,
    total: Annotated[str | None, typer.Option("--sum", help="Its new sum from --from-month to the end")] = None,
    from_month: Annotated[str | None, typer.Option("--from-month", help="YYYY-MM (default the agreement's)")] = None,
    note: Annotated[str | None, typer.Option("--note", help="What the agreement is about")] = None,
    indicators: IndicatorOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Record an additional agreement: from a JSON file, or from the options."""
    try:
        if file is not None:
            draft = amendment_from_json(_read_json(file))
        else:
            if signed_on is None:
                raise InvalidInput("give FILE, or --date and what changes", code="missing_option")
            day = _day(signed_on, "--date")
            totals: tuple[CareChange, ...] = ()
            if care_type is not None:
                if volume is None or total is None:
                    raise InvalidInput("--care-type needs --volume and --sum", code="missing_option")
                start = _month(from_month) if from_month else day.replace(day=1)
                totals = (CareChange(care_type.strip().lower(), volume, _money(total, "--sum"), start),)
            draft = AmendmentDraft(
                signed_on=day,
                number=number,
                valid_to=_day(valid_to, "--to") if valid_to else None,
                totals=totals,
                indicators=_indicators(indicators),
                note=note,
            )
        with unit_of_work(get_engine(get_settings().database_url)) as session:
            view = contracts.amend(session, _book(), contract_id, draft, created_by=cli_principal().username)
    except OsmsError as exc:
        fail(exc.code, exc.message, as_json=as_json)
    _finish(view, as_json)


@contracts_app.command("terminate")
def terminate_command(
    contract_id: Annotated[str, typer.Argument(help="The contract's id")],
    on: Annotated[str, typer.Option("--on", help="The day it ends, YYYY-MM-DD")],
    reason: Annotated[str, typer.Option("--reason", help="nonperformance, provider_initiative or agreement")],
    note: Annotated[str | None, typer.Option("--note", help="The grounds in words")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Terminate a contract (nonperformance and provider_initiative bar admission for 3 years)."""
    try:
        with unit_of_work(get_engine(get_settings().database_url)) as session:
            view = contracts.terminate(session, contract_id, _day(on, "--on"), reason.strip().lower(), note=note)
    except OsmsError as exc:
        fail(exc.code, exc.message, as_json=as_json)
    _finish(view, as_json)


@contracts_app.command("list")
def list_command(
    provider: Annotated[str | None, typer.Option("--provider", help="provider_id")] = None,
    care_type: Annotated[str | None, typer.Option("--care-type", help="A care type code")] = None,
    limit: Annotated[int, typer.Option("--limit", help="Contracts per page (1..1000)")] = 100,
    offset: Annotated[int, typer.Option("--offset", help="Contracts to skip")] = 0,
    as_json: JsonOpt = False,
) -> None:
    """The contracts by id, of a provider and (or) with a care type."""
    try:
        with unit_of_work(get_engine(get_settings().database_url)) as session:
            page = contracts.read_contracts(
                session,
                cli_principal(),
                provider_id=provider,
                care_type=care_type,
                limit=limit,
                offset=offset,
                channel="cli",
                resource="osms contracts list",
            )
    except OsmsError as exc:
        fail(exc.code, exc.message, as_json=as_json)
    today = fund_today()
    if as_json:
        print_json(page.as_dict(today))
        return
    table = Table(title=f"contracts: {page.total:,}")
    for column in ("contract_id", "provider_id", "term", "ground", "status", "care types"):
        table.add_column(column)
    for c in page.items:
        table.add_row(
            c.contract_id,
            c.provider_id,
            f"{c.valid_from}..{c.valid_to}",
            c.ground,
            c.status(today),
            ", ".join(f"{t.care_type} {t.volume:,} / {format_money(t.sum)}" for t in c.totals()),
        )
    console.print(table)


@contracts_app.command("show")
def show_command(
    contract_id: Annotated[str, typer.Argument(help="The contract's id")], as_json: JsonOpt = False
) -> None:
    """A contract with its months, indicators and additional agreements."""
    try:
        with unit_of_work(get_engine(get_settings().database_url)) as session:
            view = contracts.read_contract(session, cli_principal(), contract_id, channel="cli")
    except OsmsError as exc:
        fail(exc.code, exc.message, as_json=as_json)
    _finish(view, as_json)
