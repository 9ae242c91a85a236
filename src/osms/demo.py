"""``osms demo``: one command from a fresh checkout to a running system with a synthetic country.

Creates or migrates the database (default: the embedded SQLite ``var/osms.sqlite``), generates a
synthetic country, loads it through the same imports an operator uses, creates one login per
role, prints the URL and the logins, and serves the pages and the API.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table
from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from osms.core import migrate
from osms.core.clock import fund_today
from osms.core.config import get_settings
from osms.core.db import get_engine, unit_of_work
from osms.core.security import PUBLISHED_KEY, create_token, create_user, demo_secret_key
from osms.registry.models import FamilyLink, Payer, Person
from osms.registry.service import import_file, minor_age_on

console = Console(stderr=True)
IMPORT_ORDER = ("payers", "persons", "families", "categories")


@dataclass(frozen=True)
class DemoLogin:
    username: str
    password: str
    role: str
    bound_to: str


def _country_loaded(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(Person)).scalar_one())


REGISTER_MONTHS = 24


def load_country(engine: Engine, people: int, seed: int, out: Path) -> None:
    from osms.synth.clinics import write_clinics
    from osms.synth.country import SynthConfig
    from osms.synth.generator import generate
    from osms.synth.providers import write_providers

    with console.status(f"generating a synthetic country of {people:,} people (seed {seed})"):
        # Registers run up to last month, so that today's statuses show every case.
        as_of = fund_today().replace(day=1)
        generate(SynthConfig(people=people, seed=seed, as_of=as_of, registers=REGISTER_MONTHS), out)
        write_clinics(out, seed=seed, as_of=as_of)
        write_providers(out, seed=seed, as_of=as_of)
    for kind in IMPORT_ORDER:
        path = out / f"{kind}.csv"
        with console.status(f"importing {path.name}"):
            result = import_file(engine, kind, path, rejects_file=out / f"{kind}.rejected.csv")
        console.print(
            f"  {kind:<11} {result.accepted:>9,} accepted  {result.rejected:>5,} rejected  {result.seconds:6.2f} s"
        )
    load_registers(engine, out / "registers")
    load_attachment(engine, out)
    load_providers(engine, out)
    run_procurement(engine, out)


def load_providers(engine: Engine, folder: Path) -> None:
    """The register's files through ``osms providers import``'s import (the clinics are in already)."""
    from osms.providers.ingest import import_file as import_register
    from osms.synth.providers import REGISTER_FILES

    for name in REGISTER_FILES:
        path = folder / name
        kind = path.stem
        with console.status(f"importing {name}"):
            result = import_register(engine, kind, path, rejects_file=folder / f"{kind}.rejected.csv")
        console.print(
            f"  {kind:<16} {result.accepted:>6,} accepted  {result.rejected:>5,} rejected  {result.seconds:6.2f} s"
        )


def run_procurement(engine: Engine, folder: Path) -> None:
    """One procurement for next year end to end, as the synth's manifest dates it: announce the plan,
    take the applications file, admit, distribute, publish, contracts from the placements."""
    import json
    from datetime import datetime, time

    from osms.providers import contracts, procurement
    from osms.rulebooks.loader import load_rulebook
    from osms.synth.providers import APPLICATIONS_FILE, PLAN_FILE

    info = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))["providers"]["procurement"]
    pid, year = info["announcement_id"], int(info["year"])
    rulebook = get_settings().rulebook
    with unit_of_work(engine) as session:
        if any(a["announcement_id"] == pid for a in procurement.announcements(session)):
            console.print(f"  procurement {pid} is there already (kept as it is)")
            return
        procurement.announce(
            session,
            pid,
            year=year,
            opens=date.fromisoformat(info["opens"]),
            closes=date.fromisoformat(info["closes"]),
            plan=procurement.read_plan(folder / PLAN_FILE),
            rulebook=rulebook,
        )
    applied = procurement.apply_file(
        engine, pid, folder / APPLICATIONS_FILE, rejects_file=folder / "procurement_applications.rejected.csv"
    )
    admit_on = date.fromisoformat(info["admit_on"])
    with unit_of_work(engine) as session:
        answers = procurement.admit(session, pid, admit_on)
        placed = procurement.distribute(session, pid).placements
        procurement.publish(session, pid, datetime.combine(admit_on, time(12)))
        _, rows = procurement.placed(session, pid)
        made = contracts.create_from_placements(
            session,
            load_rulebook(rulebook),
            rows,
            valid_from=date(year, 1, 1),
            valid_to=date(year, 12, 31),
            signed_on=admit_on,
            created_by="demo",
        )
    admitted = sum(1 for a in answers if a["decision"] == "admitted")
    console.print(
        f"  procurement {pid}: {applied.accepted:,} applications, {admitted:,} admitted, "
        f"{len(answers) - admitted:,} rejected; {len(placed):,} placements, {len(made):,} contracts"
    )


# Procurement decisions to look at: (label, reason code or None for an admitted preferred provider).
PROCUREMENT_CASES = (
    ("admitted, preferred", None),
    ("rejected: late", "late_application"),
    ("rejected: founder's relative", "founder_relative_of_fund_employee"),
    ("rejected: terminated", "terminated_nonperformance_3y"),
    ("rejected: tax arrears", "tax_arrears"),
)


def procurement_showcase(engine: Engine) -> list[tuple[str, str, str, str]]:
    """The latest procurement's cases: (case, provider, care type, what was decided or placed)."""
    from osms.providers import contracts, procurement

    found: list[tuple[str, str, str, str]] = []
    with unit_of_work(engine) as session:
        listed = procurement.announcements(session)
        if not listed:
            return found
        pid = listed[0]["announcement_id"]
        answers = procurement.decisions(session, pid)
        for label, code in PROCUREMENT_CASES:
            for a in answers:
                if code is None and a["decision"] == "admitted" and a["preference"]:
                    found.append((label, a["provider_id"], a["care_type"], "preference: " + ", ".join(a["preference"])))
                    break
                if code is not None and any(r["code"] == code for r in a["reasons"]):
                    reason = next(r for r in a["reasons"] if r["code"] == code)
                    found.append((label, a["provider_id"], a["care_type"], reason["message"]["en"]))
                    break
        placed = procurement.placements(session, pid)
        if placed:
            p = max(placed, key=lambda x: (x["preferred"], int(x["volume"])))
            found.append(
                ("placement", p["provider_id"], p["care_type"], f"{p['volume']} in {p['region']} for {p['sum']} tenge")
            )
            contract_id = f"{pid}/{p['provider_id']}"
            if contracts.find_contract(session, contract_id) is not None:
                found.append(("contract", p["provider_id"], p["care_type"], f"osms contracts show {contract_id}"))
    return found


def load_attachment(engine: Engine, folder: Path) -> None:
    """Clinics and districts, then everyone's first attachment, then a campaign's applications."""
    import time

    from osms.attachment.campaign import run_campaign
    from osms.attachment.ingest import import_clinics, import_districts
    from osms.core.progress import file_progress
    from osms.synth.clinics import CAMPAIGN_FILE, INITIAL_FILE

    started = time.perf_counter()
    for kind, load in (("clinics", import_clinics), ("districts", import_districts)):
        path = folder / f"{kind}.csv"
        with console.status(f"importing {path.name}"):
            result = load(engine, path, rejects_file=folder / f"{kind}.rejected.csv")
        console.print(
            f"  {kind:<11} {result.accepted:>9,} accepted  {result.rejected:>5,} rejected  {result.seconds:6.2f} s"
        )
    for name in (INITIAL_FILE, CAMPAIGN_FILE):
        path = folder / name
        with file_progress(console, f"deciding {name}", path) as advance:
            summary = run_campaign(engine, path, results=folder / f"{path.stem}.results.csv", progress=advance)
        decisions = ", ".join(f"{k} {v:,}" for k, v in summary["by_decision"].items())
        console.print(f"  {path.stem:<19} {summary['rows']:>9,} applications: {decisions}  {summary['seconds']:6.2f} s")
    console.print(f"  attachment  {time.perf_counter() - started:.1f} s")


def load_registers(engine: Engine, folder: Path) -> None:
    """Ingest the months of payment registers in order, then the resent copy (which changes nothing)."""
    from osms.contributions.service import ingest_register

    files = sorted(folder.glob("register-*.csv"), key=lambda p: (p.name.endswith(".resent.csv"), p.name))
    totals = {"rows": 0, "credited": 0, "already": 0, "rejected": 0}
    for path in files:
        with console.status(f"ingesting {path.name}"):
            result = ingest_register(engine, path, rejects_file=path.with_name(path.name + ".rejected.csv"))
        totals["rows"] += result.rows
        totals["credited"] += result.credited
        totals["already"] += result.already_credited
        totals["rejected"] += result.rejected
        if path.name.endswith(".resent.csv") or result.rejected:
            reasons = ", ".join(f"{k} {v}" for k, v in result.rejected_by_reason.items())
            console.print(
                f"  {path.name}: {result.credited:,} credited, {result.already_credited:,} already credited, "
                f"{result.rejected:,} rejected{f' ({reasons})' if reasons else ''}"
            )
    console.print(
        f"  registers   {len(files)} files, {totals['rows']:,} rows: {totals['credited']:,} credited, "
        f"{totals['already']:,} already credited (resent), {totals['rejected']:,} rejected"
    )


def _clinic_of(session: Session, iin: str | None) -> tuple[str, str] | None:
    """(clinic_id, name) of the clinic ``iin`` is attached to today, else the first clinic (None: none)."""
    from osms.attachment.models import Attachment, Clinic

    today = fund_today()
    clinic_id = None
    if iin:
        clinic_id = session.scalar(
            select(Attachment.clinic_id)
            .where(
                Attachment.iin == iin,
                Attachment.valid_from <= today,
                (Attachment.valid_to.is_(None)) | (Attachment.valid_to >= today),
            )
            .order_by(Attachment.valid_from.desc())
            .limit(1)
        )
    clinic = session.get(Clinic, clinic_id) if clinic_id else None
    if clinic is None:
        clinic = session.scalar(select(Clinic).order_by(Clinic.clinic_id).limit(1))
    return (clinic.clinic_id, clinic.name) if clinic is not None else None


def demo_logins(engine: Engine) -> list[DemoLogin]:
    """One login per role, bound to real demo rows: a parent with children under the minor age (whom
    a parent sees: docs/access.md), an employer, the parent's clinic."""
    with unit_of_work(engine) as session:
        today = fund_today()
        minor_age = minor_age_on(today)
        children = select(FamilyLink.relative_iin).where(FamilyLink.relation == "parent")
        if minor_age is not None:
            born_after = date(today.year - minor_age, today.month, min(today.day, 28))  # about: it picks a login
            children = children.join(Person, Person.iin == FamilyLink.iin).where(Person.birth_date > born_after)
        parent = session.scalar(
            children.group_by(FamilyLink.relative_iin).order_by(func.count().desc(), FamilyLink.relative_iin).limit(1)
        ) or session.scalar(select(Person.iin).order_by(Person.iin).limit(1))
        employer = session.scalar(select(Payer.payer_id).where(Payer.kind == "employer").order_by(Payer.payer_id))
        clinic_id, clinic_name = _clinic_of(session, parent) or ("demo-clinic-1", "Demo polyclinic No. 1")
        logins = [
            DemoLogin("operator", "operator", "operator", "the fund"),
            DemoLogin("auditor", "auditor", "auditor", "the fund (read-only)"),
            DemoLogin("clinic", "clinic", "clinic", f"clinic {clinic_id} ({clinic_name})"),
        ]
        create_user(session, "operator", "operator", "operator", "Fund operator")
        create_user(session, "auditor", "auditor", "auditor", "Auditor")
        create_user(session, "clinic", "clinic", "clinic", clinic_name[:200], provider_id=clinic_id)
        if parent:
            person = session.get(Person, parent)
            name = f"{person.last_name} {person.first_name}" if person else parent
            create_user(session, "citizen", "citizen", "citizen", name, iin=parent)
            logins.append(DemoLogin("citizen", "citizen", "citizen", f"IIN {parent} ({name})"))
        if employer:
            payer = session.get(Payer, employer)
            create_user(session, "employer", "employer", "employer", payer.name if payer else employer, bin=employer)
            logins.append(DemoLogin("employer", "employer", "employer", f"BIN {employer}"))
    return logins


SHOWCASE = ("paid", "grace", "state_paid_category", "lapsed", "arrears_unpaid_after_lapse", "never_paid")


def showcase(engine: Engine, sample: int = 5000) -> list[tuple[str, str, str]]:
    """One person per kind of status today (insured, grace, state-paid, lapsed, arrears...), to try."""
    from osms.coverage.service import statuses

    with unit_of_work(engine) as session:
        iins = list(
            session.scalars(select(Person.iin).where(Person.death_date.is_(None)).order_by(Person.iin).limit(sample))
        )
        found: dict[str, tuple[str, str, str]] = {}
        for answer in statuses(session, iins, fund_today()):
            code = answer.get("basis", {}).get("code")
            if code in SHOWCASE and code not in found:
                found[code] = (code, answer["iin"], answer["message"]["en"])
    return [found[c] for c in SHOWCASE if c in found]


# Attachment decisions to look at: (label, reason code in the decision or None, decision or None, reason).
ATTACHMENT_CASES = (
    ("accepted without home visits", "outside_service_area", "accepted_no_home_visits", "choice"),
    ("offered another district", "district_over_norm", "offered_other_district", None),
    ("refused: clinic full", "clinic_full", "refused", None),
    ("choice effective 1 January", "campaign_change_next_year", None, "choice"),
    ("refused: change limit reached", "change_limit_reached", "refused", None),
    ("moved: effective at once", "immediate_ground", None, "move"),
)


def attachment_showcase(engine: Engine) -> list[tuple[str, str, str, str]]:
    """One campaign application per kind of decision: (case, IIN, clinic, decision and date)."""
    from osms.attachment.models import AttachmentApplication as App

    found: list[tuple[str, str, str, str]] = []
    with unit_of_work(engine) as session:
        for label, code, decision, reason in ATTACHMENT_CASES:
            query = select(App).where(App.channel == "campaign", App.reason_codes.contains(code))
            if decision:
                query = query.where(App.decision == decision)
            if reason:
                query = query.where(App.reason == reason)
            app = session.scalar(query.order_by(App.id).limit(1))
            if app is None:
                continue
            what = app.decision + (f" from {app.effective_from}" if app.effective_from else f" ({code})")
            if app.decided_district and app.decision == "offered_other_district":
                what += f": district {app.decided_district} instead of {app.district_id}"
            found.append((label, app.iin, app.clinic_id, what))
    return found


def demo_command(
    people: Annotated[int, typer.Option(help="People in the synthetic country")] = 20_000,
    seed: Annotated[int, typer.Option(help="Seed of the synthetic country")] = 2026,
    host: Annotated[str, typer.Option(help="Address to serve on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to serve on")] = 8000,
    reload_data: Annotated[bool, typer.Option("--reload-data", help="Generate and load the country again")] = False,
    serve: Annotated[bool, typer.Option("--serve/--no-serve", help="Start the web server")] = True,
) -> None:
    """Run the system with demo data: migrate, load a synthetic country, create logins, serve."""
    settings = get_settings()
    url = settings.database_url
    console.print(f"[bold]OSMS demo[/bold] on {url}")
    migrate.upgrade(url)
    engine = get_engine(url)
    loaded = _country_loaded(engine)
    if loaded and not reload_data:
        console.print(f"  the database already holds {loaded:,} people (use --reload-data to load again)")
    else:
        load_country(engine, people, seed, settings.var_dir / "demo" / f"country-{seed}-{people}")
    logins = demo_logins(engine)
    with unit_of_work(engine) as session:
        from osms.core.models import User

        operator = session.scalar(select(User).where(User.username == "operator"))
        token = create_token(session, operator, "demo") if operator else None
    table = Table(title=f"OSMS is at http://{host}:{port}  (API: http://{host}:{port}/docs)")
    for col in ("login", "password", "role", "bound to"):
        table.add_column(col)
    for login in logins:
        table.add_row(login.username, login.password, login.role, login.bound_to)
    console.print(table)
    cases = Table(title="People to look up (as operator: /persons/IIN, or the public box on /)")
    for col in ("case", "IIN", "what the fund says"):
        cases.add_column(col)
    for row in showcase(engine):
        cases.add_row(*row)
    console.print(cases)
    attach = Table(title="Attachment decisions of the campaign (as operator: /persons/IIN)")
    for col in ("case", "IIN", "clinic applied to", "decision"):
        attach.add_column(col)
    for case in attachment_showcase(engine):
        attach.add_row(*case)
    if attach.row_count:
        console.print(attach)
    procured = Table(title="Procurement for next year (as operator: osms procurement show ID, osms contracts list)")
    for col in ("case", "provider", "care type", "decision, placement or contract"):
        procured.add_column(col)
    for case in procurement_showcase(engine):
        procured.add_row(*case)
    if procured.row_count:
        console.print(procured)
    if token:
        console.print(f"  operator API token: {token}")
    # The URL on standard output too, for scripts that wait for it.
    print(f"http://{host}:{port}", flush=True)
    if serve:
        import uvicorn

        use_demo_key(settings.secret_key, settings.var_dir)
        uvicorn.run("osms.app:app", host=host, port=port, log_level="info")


def use_demo_key(configured: str, var_dir: Path) -> None:
    """Without OSMS_SECRET_KEY (or with the published example), the demo signs its cookies with its
    installation's own random key (``var_dir/secret_key``); a key that is set is used as it is
    (and a short one refused by the app, docs/security.md)."""
    if configured and configured != PUBLISHED_KEY:
        return
    os.environ["OSMS_SECRET_KEY"] = demo_secret_key(var_dir)
    get_settings.cache_clear()
    console.print(f"  the session key of this demo installation is in {var_dir / 'secret_key'}")
