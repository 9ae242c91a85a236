"""``osms rulebook``: list the rulebooks, show the rules in force on a date, validate data."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from osms.core.clock import fund_today
from osms.core.config import get_settings
from osms.core.jsonout import fail, print_json
from osms.rulebooks.loader import (
    DEADLINE_KINDS,
    Entry,
    NoRuleInForce,
    Rulebook,
    RulebookError,
    available_rulebooks,
    clear_cache,
    load_rulebook,
    load_rulebook_from_path,
)

app = typer.Typer(help="Rulebooks: the law as versioned, effective-dated data.", no_args_is_help=True)

RulebookOpt = Annotated[
    str | None,
    typer.Option("--rulebook", "-r", help="Rulebook name (default: the OSMS_RULEBOOK setting, kz-law)"),
]
OnOpt = Annotated[str | None, typer.Option("--on", help="Date YYYY-MM-DD (default: today)")]
JsonOpt = Annotated[bool, typer.Option("--json", help="One JSON object instead of tables")]


@app.callback()
def _root() -> None:
    """Rulebooks: the law as versioned, effective-dated data."""


def _fail(message: str, code: int = 2, *, error: str = "rulebook_error", as_json: bool = False) -> NoReturn:
    fail(error, message, as_json=as_json, exit_code=code)


def _open(name: str | None, as_json: bool = False) -> Rulebook:
    try:
        return load_rulebook(name or get_settings().rulebook)
    except RulebookError as exc:
        _fail(exc.message, error=exc.code, as_json=as_json)


def _parse_on(text: str | None, as_json: bool = False) -> date:
    if text is None:
        return fund_today()
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        _fail(f"--on must be a date YYYY-MM-DD, got {text!r}", error="bad_date", as_json=as_json)


def _entry(entry: Entry | None) -> dict[str, Any] | None:
    return None if entry is None else entry.as_dict()


def snapshot(rulebook: Rulebook, on: date) -> dict[str, Any]:
    """Everything in force on ``on``, JSON-friendly (the payload of ``show --json``).

    Raises ``DateOutsideRulebook`` when ``on`` is outside the rulebook's period.
    """
    rulebook.check_date(on)
    rates: dict[str, Any] = {}
    not_in_force: dict[str, str] = {}
    amw_for_state: dict[str, Any] | None = None
    for kind in rulebook.payer_kinds():
        try:
            rule = rulebook.rate(kind, on)
        except NoRuleInForce as exc:
            rates[kind] = None
            not_in_force[kind] = exc.message
            continue
        rates[kind] = rule.as_dict()
        if kind == "state" and rule.base == "amw_two_years_earlier" and not rule.exempt:
            year = rulebook.state_base_year(on)
            amw_for_state = {"year": year} | rulebook.amw_entry(year).as_dict()
    starts = rulebook.insurance_starts_entry()
    carried = rulebook.carried_forward(on, (e.id for e in rulebook.in_force(on)))
    return {
        "rulebook": rulebook.name,
        "title": rulebook.title,
        "on": on.isoformat(),
        "covers": {"valid_from": rulebook.covers_from.isoformat(), "valid_to": rulebook.covers_to.isoformat()},
        "confirmed_until": rulebook.confirmed_until.isoformat(),
        "provisional": bool(carried),
        "carried_forward": list(carried),
        "mw": rulebook.mw_entry(on).as_dict(),
        "amw_for_state": amw_for_state,
        "rates": rates,
        "rates_not_in_force": not_in_force,
        "status": {
            "insurance_starts": starts.as_dict(),
            "insurance_in_force": on >= starts.valid_from,
            "transitional_insured": _entry(rulebook.transitional_insured(on)),
            "grace": rulebook.grace(on).as_dict(),
            "arrears_cap_months": rulebook.entry("status.arrears_cap_months", on).as_dict(),
            "self_payer_prepay_months": rulebook.entry("status.self_payer_prepay_months", on).as_dict(),
            "register_ceiling": _optional(rulebook.find("status.register_ceiling", on)),
        },
        "categories": {code: rule.as_dict() for code, rule in rulebook.categories(on).items()},
        "campaign": rulebook.campaign(on.year).as_dict(),
        "free_change_limit": rulebook.free_change_limit(on).as_dict(),
        "minor_age": rulebook.entry("attachment.minor_age", on).as_dict(),
        "free_choice_requires_insured": _optional(rulebook.free_choice_requires_insured(on)),
        "eaeu_contract_term": _optional(rulebook.eaeu_contract_term(on)),
        "benefits": _benefits(rulebook, on),
        "deadlines": {
            kind: rulebook.deadline(kind, on.year, on.month).as_dict()
            for kind in DEADLINE_KINDS
            if rulebook.series(f"deadlines.{kind}")
        },
    }


def _optional(entry: Entry | None) -> dict[str, Any] | None:
    return None if entry is None else entry.as_dict()


BENEFIT_LISTS = ("gobmp_care_types", "osms_care_types", "never_covered", "referral_required", "disease_care_types")


def _benefits(rulebook: Rulebook, on: date) -> dict[str, Any]:
    """The packages in force on ``on`` (docs/benefits.md): care-type lists, who receives them, disease lists."""
    lists = {key: _optional(rulebook.care_type_list(key, on)) for key in BENEFIT_LISTS}
    who = {key: rulebook.residency_rule(key, on).as_dict() for key in ("gobmp_residency", "osms_residency")}
    diseases = {key: rulebook.disease_list(key, on).as_dict() for key in ("socially_significant", "dangerous")}
    return lists | who | diseases


@app.command("list")
def list_command(as_json: JsonOpt = False) -> None:
    """List the shipped rulebooks (the default is marked)."""
    default = get_settings().rulebook
    rows: list[dict[str, Any]] = []
    for name in available_rulebooks():
        try:
            rb = load_rulebook(name)
        except RulebookError as exc:
            _fail(exc.message, code=1, error=exc.code, as_json=as_json)
        rows.append(
            {
                "name": rb.name,
                "title": rb.title,
                "valid_from": rb.covers_from.isoformat(),
                "valid_to": rb.covers_to.isoformat(),
                "confirmed_until": rb.confirmed_until.isoformat(),
                "default": rb.name == default,
            }
        )
    if as_json:
        for row in rows:
            print_json(row)
        return
    table = Table(title="Rulebooks")
    for column in ("name", "title", "from", "confirmed until", "default"):
        table.add_column(column)
    for row in rows:
        table.add_row(
            Text(row["name"]),
            Text(row["title"]),
            Text(row["valid_from"]),
            Text(row["confirmed_until"]),
            "yes" if row["default"] else "",
        )
    Console().print(table)


def _yes(flag: bool) -> str:
    return "yes" if flag else "NO"


@app.command("show")
def show(rulebook: RulebookOpt = None, on: OnOpt = None, as_json: JsonOpt = False) -> None:
    """Show the entries in force on a date: wages, rates, status, categories, campaign."""
    rb = _open(rulebook, as_json)
    day = _parse_on(on, as_json)
    try:
        data = snapshot(rb, day)
    except RulebookError as exc:
        _fail(exc.message, error=exc.code, as_json=as_json)
    if as_json:
        print_json(data)
        return
    _print_tables(rb, day, data)


def _table(title: str, *columns: str) -> Table:
    table = Table(title=title, title_justify="left")
    for column in columns:
        table.add_column(column, overflow="fold")
    return table


def _print_tables(rb: Rulebook, day: date, data: dict[str, Any]) -> None:
    console = Console()
    console.print(Text(f"Rulebook {rb.name}: {rb.title}. In force on {day.isoformat()}.", style="bold"))
    console.print(Text(f"Confirmed until {data['confirmed_until']}; later dates carry its last entries forward."))
    if data["provisional"]:
        console.print(
            Text(
                f"PROVISIONAL: {day.isoformat()} is after the confirmed horizon; "
                f"the entries in force on {data['confirmed_until']} are carried forward.",
                style="bold yellow",
            )
        )
    cited: list[dict[str, Any]] = []

    def row(table: Table, label: str, value: str, entry: dict[str, Any]) -> None:
        table.add_row(Text(label), Text(value), Text(entry["id"]), _yes(entry["verified"]))
        cited.append(entry)

    wages = _table("Wages (tenge)", "figure", "value", "entry", "verified")
    row(wages, "MW", data["mw"]["value"], data["mw"])
    amw = data["amw_for_state"]
    if amw is not None:
        row(wages, f"AMW {amw['year']} (base of the state's contribution)", amw["value"], amw)
    console.print(wages)

    rates = _table("Rates by payer kind", "payer kind", "rule", "entry", "verified")
    for kind, rule in data["rates"].items():
        if rule is None:
            rates.add_row(Text(kind), Text(data["rates_not_in_force"][kind]), "", "")
        else:
            row(rates, kind, rb.rate(kind, day).describe(), rule)
    console.print(rates)

    deadlines = _table("Payment deadlines (for the month of the date)", "payer kind", "due", "entry", "verified")
    for kind, rule in data["deadlines"].items():
        after = "the same month" if rule["months_after"] == 0 else f"{rule['months_after']} month(s) later"
        row(deadlines, kind, f"day {rule['day']}, {after}", rule)
    console.print(deadlines)

    status = data["status"]
    grace = status["grace"]
    grace_text = f"{grace['grace_months']} months"
    if grace["grace_months_extended"] is not None:
        grace_text += (
            f" ({grace['grace_months_extended']} after {grace['extended_requires_covered_months']} covered months)"
        )
    starts = status["insurance_starts"]
    campaign = data["campaign"]
    limit = data["free_change_limit"]
    params = _table("Status and attachment", "parameter", "value", "entry", "verified")
    in_force = "" if status["insurance_in_force"] else " (not yet: status not applicable)"
    row(params, "insurance package", f"from {starts['valid_from']}{in_force}", starts)
    if status["transitional_insured"] is not None:
        row(params, "transitional", "everyone is treated as insured", status["transitional_insured"])
    row(params, "grace", grace_text, grace)
    row(params, "arrears cap", f"{status['arrears_cap_months']['value']} months", status["arrears_cap_months"])
    prepay = status["self_payer_prepay_months"]
    prepay_text = f"up to {prepay['value']} months" if prepay["value"] else "none (month by month)"
    row(params, "self-payer prepayment", prepay_text, prepay)
    ceiling = status["register_ceiling"]
    if ceiling is not None:
        most = ", ".join(f"{kind} {mw}" for kind, mw in ceiling["mw"].items())
        row(params, "largest register row (MW)", f"{ceiling['months']} months x: {most}", ceiling)
    row(params, f"attachment campaign {campaign['year']}", f"{campaign['start']} .. {campaign['end']}", campaign)
    row(params, "free changes of clinic", f"{limit['changes']} per {limit['per_months']} months", limit)
    row(params, "attached by a parent or guardian", f"under {data['minor_age']['value']}", data["minor_age"])
    if data["free_choice_requires_insured"] is not None:
        row(params, "free choice of clinic", "insured or state-paid only", data["free_choice_requires_insured"])
    if data["eaeu_contract_term"] is not None:
        row(params, "EAEU migrant workers", "attached for their contract's term", data["eaeu_contract_term"])
    console.print(params)

    categories = _table("State-paid categories", "code", "payer", "entry", "verified")
    for code, rule in data["categories"].items():
        row(categories, code, rule["payer"], rule)
    console.print(categories)

    benefits = data["benefits"]
    packages = _table("Benefit packages", "list", "value", "entry", "verified")
    for key in BENEFIT_LISTS:
        entry = benefits[key]
        if entry is None:
            packages.add_row(Text(key), Text("not in force"), "", "")
        else:
            row(packages, key, ", ".join(entry["care_types"]), entry)
    for key in ("gobmp_residency", "osms_residency"):
        row(packages, key, ", ".join(benefits[key]["residencies"]), benefits[key])
    for key in ("socially_significant", "dangerous"):
        entry = benefits[key]
        listing = "; ".join(f"{d['name']} ({', '.join(d['codes'])})" for d in entry["diseases"])
        row(packages, key, listing, entry)
    console.print(packages)

    sources = _table("Sources", "entry", "source")
    for entry in cited:
        sources.add_row(Text(entry["id"]), Text(entry["source"]))
    console.print(sources)


@app.command("validate")
def validate(
    path: Annotated[
        Path | None, typer.Argument(help="A rulebook directory to check (default: every shipped rulebook)")
    ] = None,
) -> None:
    """Validate rulebook data; prints every problem found and exits 1 if there is any."""
    try:
        if path is not None:
            rb = load_rulebook_from_path(path)
            typer.echo(f"{rb.name}: valid ({rb.covers_from}..{rb.covers_to}, {len(rb.series_names())} series)")
            return
        clear_cache()
        for name in available_rulebooks():
            rb = load_rulebook(name)
            typer.echo(f"{rb.name}: valid ({rb.covers_from}..{rb.covers_to}, {len(rb.series_names())} series)")
    except RulebookError as exc:
        _fail(exc.message, code=1)
