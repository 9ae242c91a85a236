"""``osms demo``: one command from a fresh checkout to a running system with a synthetic country.

Creates or migrates the database (default: the embedded SQLite ``var/osms.sqlite``), generates a
synthetic country, loads it through the same imports an operator uses, creates one login per
role, prints the URL and the logins, and serves the pages and the API.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

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

if TYPE_CHECKING:
    from osms.payments.run import ContractRun

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
SERVICE_MONTHS = 3  # daily service reports of the last full months before today


def load_country(engine: Engine, people: int, seed: int, out: Path) -> None:
    from osms.synth.clinics import write_clinics
    from osms.synth.country import SynthConfig
    from osms.synth.generator import generate
    from osms.synth.providers import write_providers
    from osms.synth.services import write_services

    with console.status(f"generating a synthetic country of {people:,} people (seed {seed})"):
        # Registers run up to last month, so that today's statuses show every case.
        as_of = fund_today().replace(day=1)
        generate(SynthConfig(people=people, seed=seed, as_of=as_of, registers=REGISTER_MONTHS), out)
        write_clinics(out, seed=seed, as_of=as_of)
        write_providers(out, seed=seed, as_of=as_of)
        write_services(out, seed=seed, as_of=as_of, months=SERVICE_MONTHS)
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
    load_services(engine, out)


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


def load_services(engine: Engine, folder: Path) -> None:
    """The contracts the service months bill under (``osms contracts import``), then each day's
    service report through ``osms services ingest``'s intake, in date order."""
    from osms.claims.intake import ingest_file
    from osms.providers.contracts_import import import_file as import_contracts
    from osms.rulebooks.loader import load_rulebook
    from osms.synth.services import CONTRACTS_FILE, SERVICES_DIR

    services = folder / SERVICES_DIR
    path = services / CONTRACTS_FILE
    with console.status(f"importing {path.name}"):
        made = import_contracts(
            engine,
            load_rulebook(get_settings().rulebook),
            path,
            created_by="demo",
            rejects_file=services / "contracts.rejected.csv",
        )
    console.print(f"  contracts   {made.accepted:>9,} accepted  {made.rejected:>5,} rejected  {made.seconds:6.2f} s")
    files = sorted(services.glob("services-*.csv"))
    totals = {"rows": 0, "accepted": 0, "rejected": 0}
    findings: dict[str, int] = {}
    seconds = 0.0
    with console.status("ingesting the daily service reports") as status:
        for path in files:
            status.update(f"ingesting {path.name}")
            result = ingest_file(
                engine, path, created_by="demo", rejects_file=path.with_name(path.stem + ".rejected.csv")
            )
            totals["rows"] += result.rows
            totals["accepted"] += result.accepted + result.corrected + result.unchanged
            totals["rejected"] += result.rejected
            seconds += result.seconds
            for code, n in result.findings_by_code.items():
                findings[code] = findings.get(code, 0) + n
    console.print(
        f"  services    {len(files)} daily files, {totals['rows']:,} rows: {totals['accepted']:,} accepted, "
        f"{totals['rejected']:,} rejected, {sum(findings.values()):,} findings  {seconds:6.2f} s"
    )


@dataclass(frozen=True)
class ServicesShowcase:
    """The register of service records after the demo's load: what the intake did, what the checks
    found, and how that compares with the faults the synth planted (its truth file)."""

    files: int
    rows: int
    accepted: int
    rejected_by_reason: dict[str, int]
    findings_by_code: dict[str, int]
    faults: list[tuple[str, int, str, int]]  # fault, planted, finding expected, planted records with it
    samples: list[tuple[str, str, str, str, str, str]]  # record, IIN, date, care, findings, fault
    phantom_people: int
    unplanted: dict[str, int]  # findings on records the synth planted no fault on, by code


def services_showcase(engine: Engine, truth: Path | None) -> ServicesShowcase | None:
    """The service intakes' totals and findings, one record per finding code (and a clean one), and
    with the synth's truth file: each planted fault and how many of its records the checks caught."""
    import csv

    from osms.claims.summary import flagged_records, intake_totals, record_line
    from osms.synth.services import FAULTS

    with unit_of_work(engine) as session:
        totals = intake_totals(session)
        if not totals.files:
            return None
        codes: dict[tuple[str, str], list[str]] = {}
        flagged: dict[str, set[tuple[str, str, str, str]]] = {}  # finding -> (provider, IIN, code, day)
        for f in flagged_records(session):
            codes.setdefault((f.provider_id, f.record_id), []).append(f.finding)
            flagged.setdefault(f.finding, set()).add((f.provider_id, f.iin, f.code, f.date_from.isoformat()))
        planted: dict[tuple[str, str], dict[str, str]] = {}
        if truth is not None and truth.is_file():
            with truth.open(encoding="utf-8", newline="") as fh:
                planted = {(r["provider_id"], r["record_id"]): r for r in csv.DictReader(fh)}
        faults = []
        for fault, (finding, _) in FAULTS.items():
            mine = [(k, r) for k, r in planted.items() if r["fault"] == fault]
            if fault == "duplicate":  # the checks may flag either record of the pair
                same = flagged.get(finding, set())
                caught = sum(1 for k, r in mine if (k[0], r["iin"], r["code"], r["date_from"]) in same)
            elif finding:
                caught = sum(1 for k, _ in mine if finding in codes.get(k, []))
            else:
                caught = sum(1 for k, _ in mine if k in codes)
            faults.append((fault, len(mine), finding, caught))
        unplanted: dict[str, int] = {}
        if planted:
            for key, found_codes in codes.items():
                if key not in planted:
                    for code in found_codes:
                        unplanted[code] = unplanted.get(code, 0) + 1
        picks: list[tuple[str, str]] = []
        phantom = next((k for k in sorted(planted) if planted[k]["fault"] == "phantom"), None)
        if phantom is not None:
            picks.append(phantom)
        for code in totals.findings_by_code:
            with_code = [k for k in codes if code in codes[k]]
            best = next((k for k in with_code if k in planted), with_code[0] if with_code else None)
            if best is not None and best not in picks:
                picks.append(best)
        samples: list[tuple[str, str, str, str, str, str]] = []
        for key in picks[:7]:
            line = record_line(session, *key)
            if line is not None:
                samples.append(
                    (
                        f"{line.provider_id} {line.record_id}",
                        line.iin,
                        line.date_from.isoformat(),
                        f"{line.care_form} {line.code}",
                        ", ".join(codes.get(key, [])) or "none",
                        planted[key]["fault"] if key in planted else "",
                    )
                )
    return ServicesShowcase(
        files=totals.files,
        rows=totals.rows,
        accepted=totals.records,
        rejected_by_reason=totals.rejected_by_reason,
        findings_by_code=totals.findings_by_code,
        faults=faults,
        samples=samples,
        phantom_people=len({r["iin"] for r in planted.values() if r["fault"] == "phantom"}),
        unplanted=unplanted,
    )


def print_services(shown: ServicesShowcase) -> None:
    rejected = ", ".join(f"{k} {v:,}" for k, v in shown.rejected_by_reason.items()) or "none"
    found = ", ".join(f"{k} {v:,}" for k, v in shown.findings_by_code.items()) or "none"
    totals = Table(title="Daily service reports (as operator: osms monitoring findings --provider ID --month YYYY-MM)")
    for col in ("files", "rows", "records", "rejected by reason", "findings by code"):
        totals.add_column(col)
    totals.add_row(f"{shown.files:,}", f"{shown.rows:,}", f"{shown.accepted:,}", rejected, found)
    console.print(totals)
    if any(planted for _, planted, _, _ in shown.faults):
        faults = Table(title="Faults the synth planted, and what the checks found of them")
        for col in ("fault", "planted", "finding", "found"):
            faults.add_column(col)
        for fault, planted, finding, caught in shown.faults:
            faults.add_row(fault, f"{planted:,}", finding or "(none: no check sees it)", f"{caught:,}")
        console.print(faults)
        if shown.unplanted:
            others = ", ".join(f"{k} {v:,}" for k, v in sorted(shown.unplanted.items()))
            console.print(
                f"  findings on records without a planted fault: {others} (the other record of a duplicate, the "
                "overloaded doctor's own visits)"
            )
        phantoms = next((n for f, n, _, _ in shown.faults if f == "phantom"), 0)
        if phantoms:
            console.print(
                f"  {phantoms:,} phantom visits of {shown.phantom_people:,} people pass every check; each is on its "
                "person's /me page (a parent's for a child) with \"I did not receive this\": only that complaint "
                "catches them"
            )
    samples = Table(title="Service records to look at (as operator: /persons/IIN; as the citizen: /me)")
    for col in ("record", "IIN", "date", "care", "findings", "planted fault"):
        samples.add_column(col)
    for row in shown.samples:
        samples.add_row(*row)
    if samples.row_count:
        console.print(samples)


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
    from osms.synth.services import SERVICES_DIR, TRUTH_FILE

    truth = settings.var_dir / "demo" / f"country-{seed}-{people}" / SERVICES_DIR / TRUTH_FILE
    billed = services_showcase(engine, truth if truth.is_file() else None)
    if billed is not None:
        print_services(billed)
        paid = payment_showcase(engine)
        if paid is not None:
            print_payments(paid)
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


@dataclass
class PaymentShowcase:
    """The payment month the demo runs for every contract (``osms payments run --month``)."""

    month: str
    contracts: int
    payable: Decimal
    confirmed: str  # how the deductions' defects came to be confirmed
    statements: list[tuple[str, str, str]]  # (what, contract, its lines)
    seconds: float


def _statement(run: ContractRun) -> str:
    data = run.as_dict()
    parts = [f"{ln['method']} ×{ln['quantity']:,} = {ln['amount']}" for ln in data["lines"]]
    parts += [f"unpaid {u['code']} ×{u['count']} ({u['amount']})" for u in data["unpaid"]]
    parts += [f"deduction {d['code']} ×{d['count']} −{d['amount']}" for d in data["deductions"]]
    return "; ".join(parts) + f"; payable {data['payable']}"


def _partial(run: ContractRun) -> bool:
    """A case line priced with a share (day hospital, home, death within 3 days, short stay, ...)."""
    return any(ln["method"] == "per_case" and any("share" in r for r in ln["rules"]) for ln in run.lines)


#: How an outpatient service was given (PAY п.66-68): a flag of the record and of its combination.
_HOW = {
    "at_home": "at home (× 2, PAY п.67)",
    "remote": "remotely (× 1/2, п.68)",
    "preventive_child": "in a child's preventive examination (50%, п.66)",
}


def _flagged_visits(session: Session, month: date) -> str:
    """The month's outpatient services priced by how they were given: count and amount per flag,
    from the run's prices and traces."""
    from osms.payments.models import PaymentRunPrice, PaymentRunTrace
    from osms.payments.run_pricing import Combo

    rows = session.execute(
        select(PaymentRunPrice.combo, func.count(), func.sum(PaymentRunTrace.amount))
        .join(PaymentRunTrace, PaymentRunTrace.price_id == PaymentRunPrice.id)
        .where(PaymentRunPrice.run_month == month, PaymentRunTrace.target == "line")
        .group_by(PaymentRunPrice.combo)
    ).all()
    counts = dict.fromkeys(_HOW, 0)
    amounts = dict.fromkeys(_HOW, Decimal(0))
    for text, count, amount in rows:
        combo = Combo.parse(text)
        for flag in _HOW:
            if getattr(combo, flag):
                counts[flag] += int(count)
                amounts[flag] += Decimal(amount or 0)
    return "; ".join(f"{how} ×{counts[flag]:,} = {amounts[flag]:,.2f}" for flag, how in _HOW.items())


def payment_showcase(engine: Engine, *, today: date | None = None) -> PaymentShowcase | None:
    """Run the last full service month for every contract through the operator's service function
    (``payments.run_service.compute``, what ``osms payments run`` calls). Potential defects whose
    objection window lapsed are first confirmed the way the law does it (``confirm_lapsed`` on a day
    after every deadline), so that the run deducts them."""
    from osms.claims.monitoring import confirm_lapsed
    from osms.payments import run_service
    from osms.payments.capitation import per_capita
    from osms.payments.tariff import open_rulebook
    from osms.providers.cli import cli_principal

    started = time.perf_counter()
    day = today or fund_today()
    month = (day.replace(day=1) - timedelta(days=1)).replace(day=1)
    lapse = day + timedelta(days=30)
    book = open_rulebook(get_settings().rulebook)
    statements: list[tuple[str, str, str]] = []
    with unit_of_work(engine) as session:
        confirmed = confirm_lapsed(session, today=lapse, rulebook=book)
        runs = run_service.compute(session, cli_principal(), month, channel="cli", today=day, rulebook=book)
        if not runs:
            return None
        clinics = [r for r in runs if any(ln["method"] == "per_capita" for ln in r.lines)]
        if clinics:
            clinic = max(clinics, key=lambda r: r.lines[0]["quantity"])
            pc = per_capita(session, book, clinic.provider_id, month, today=day)
            cuts = "; ".join(
                f"reduction {x.code}{f' ({x.share})' if x.share else ''} {x.people:,} people "
                f"−{x.amount:,.2f} [{x.status}]"
                for x in pc.reductions
            )
            statements.append(
                (
                    "a clinic's per capita with its reductions",
                    clinic.contract_id,
                    f"{pc.attached:,} attached, rate {pc.rate}/person; {cuts or 'no reduction'}; "
                    f"per capita {pc.amount:,.2f}; payable {clinic.payable:,.2f}",
                )
            )
        flagged = _flagged_visits(session, month)
    hospital = (
        next((r for r in runs if _partial(r) and r.deductions_total > 0), None)
        or next((r for r in runs if r.deductions_total > 0 and r not in clinics), None)
        or next((r for r in runs if _partial(r)), None)
    )
    if hospital is not None:
        shows = (("partial cases", _partial(hospital)), ("a confirmed defect's deduction", bool(hospital.deductions)))
        what = "a hospital: " + ", ".join(x for x, on in shows if on)
        statements.append((what, hospital.contract_id, _statement(hospital)))
    unpaid = next((r for r in runs if r.unpaid and r is not hospital), None)
    if unpaid is not None:
        statements.append(("services left unpaid, with the reason", unpaid.contract_id, _statement(unpaid)))
    statements.append(("outpatient services by how they were given", "all contracts", flagged))
    return PaymentShowcase(
        month=month.isoformat()[:7],
        contracts=len(runs),
        payable=sum((r.payable for r in runs), Decimal(0)),
        confirmed=(
            f"{confirmed:,} potential defect(s) confirmed as the law does: their objection window lapsed "
            f"(claims.monitoring.confirm_lapsed as of {lapse})"
        ),
        statements=statements,
        seconds=time.perf_counter() - started,
    )


def print_payments(shown: PaymentShowcase) -> None:
    table = Table(
        title=(
            f"Payment month {shown.month}: {shown.contracts:,} contracts run, {shown.payable:,.2f} payable "
            f"(as operator: osms payments run --month {shown.month} [--contract ID])"
        )
    )
    for col in ("statement", "contract", "lines, unpaid, deductions, payable"):
        table.add_column(col)
    for row in shown.statements:
        table.add_row(*row)
    console.print(table)
    console.print(f"  {shown.confirmed}")
    console.print(
        "  SYNTHETIC  the demo's tariffs, per-capita rates and coefficients are synthetic "
        "(demonstration tables, not the ministry's), like its country"
    )
    console.print(f"  payment month  {shown.seconds:.1f} s")
