"""``osms demo``: one command from a fresh checkout to a running system with a synthetic country.

Creates or migrates the database (default: the embedded SQLite ``var/osms.sqlite``), generates a
synthetic country, loads it through the same imports an operator uses, creates one login per
role, prints the URL and the logins, and serves the pages and the API.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table
from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from osms.core import migrate
from osms.core.config import get_settings
from osms.core.db import get_engine, unit_of_work
from osms.core.security import create_token, create_user
from osms.registry.models import FamilyLink, Payer, Person
from osms.registry.service import import_file

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


def load_country(engine: Engine, people: int, seed: int, out: Path) -> None:
    from osms.synth.generator import SynthConfig, generate

    with console.status(f"generating a synthetic country of {people:,} people (seed {seed})"):
        generate(SynthConfig(people=people, seed=seed), out)
    for kind in IMPORT_ORDER:
        path = out / f"{kind}.csv"
        with console.status(f"importing {path.name}"):
            result = import_file(engine, kind, path, rejects_file=out / f"{kind}.rejected.csv")
        console.print(
            f"  {kind:<11} {result.accepted:>9,} accepted  {result.rejected:>5,} rejected  {result.seconds:6.2f} s"
        )


def demo_logins(engine: Engine) -> list[DemoLogin]:
    """One login per role, bound to real demo rows: a parent with children, an employer, a clinic."""
    with unit_of_work(engine) as session:
        parent = session.scalar(
            select(FamilyLink.relative_iin)
            .where(FamilyLink.relation == "parent")
            .group_by(FamilyLink.relative_iin)
            .order_by(func.count().desc(), FamilyLink.relative_iin)
            .limit(1)
        ) or session.scalar(select(Person.iin).order_by(Person.iin).limit(1))
        employer = session.scalar(select(Payer.payer_id).where(Payer.kind == "employer").order_by(Payer.payer_id))
        logins = [
            DemoLogin("operator", "operator", "operator", "the fund"),
            DemoLogin("auditor", "auditor", "auditor", "the fund (read-only)"),
            DemoLogin("clinic", "clinic", "clinic", "provider demo-clinic-1"),
        ]
        create_user(session, "operator", "operator", "operator", "Fund operator")
        create_user(session, "auditor", "auditor", "auditor", "Auditor")
        create_user(session, "clinic", "clinic", "clinic", "Demo polyclinic No. 1", provider_id="demo-clinic-1")
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
    if token:
        console.print(f"  operator API token: {token}")
    # The URL on standard output too, for scripts that wait for it.
    print(f"http://{host}:{port}", flush=True)
    if serve:
        import uvicorn

        uvicorn.run("osms.app:app", host=host, port=port, log_level="info")
