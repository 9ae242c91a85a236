"""``osms db``, ``osms iin``, ``osms bin``: the core's command line (thin)."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console

from osms.core import migrate
from osms.core.config import get_settings
from osms.core.db import get_engine
from osms.core.identity import IdCheck, check_bin, check_iin
from osms.core.jsonout import print_json

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

db_app = typer.Typer(help="Database schema (Alembic migrations).", no_args_is_help=True)
iin_app = typer.Typer(help="Individual identification numbers (IIN).", no_args_is_help=True)
bin_app = typer.Typer(help="Business identification numbers (BIN).", no_args_is_help=True)
console = Console(stderr=True)


@db_app.command("upgrade")
def db_upgrade(revision: Annotated[str, typer.Argument(help="Target revision")] = "head") -> None:
    """Create or migrate the database named by OSMS_DATABASE_URL."""
    url = get_settings().database_url
    migrate.upgrade(url, revision)
    console.print(f"[green]database at revision {migrate.current_revision(get_engine(url))}[/green]")


@db_app.command("current")
def db_current() -> None:
    """Print the database's migration revision."""
    url = get_settings().database_url
    print(migrate.current_revision(get_engine(url)) or "empty (run `osms db upgrade`)")


def _numbers(args: Iterable[str]) -> Iterator[str]:
    for arg in args:
        if arg == "-":
            for line in sys.stdin:
                line = line.strip()
                if line:
                    yield line
        else:
            yield arg


def _print_checks(results: Iterator[IdCheck], as_json: bool) -> None:
    for result in results:
        if as_json:
            print_json(result.as_dict())
            continue
        if result.valid:
            extra = (
                f"born {result.birth_date}, sex {result.sex}"
                if result.kind == "iin"
                else f"registered {result.registered}, {result.entity_type}, {result.unit}"
            )
            if result.kind == "iin" and result.birth_date is None:
                extra = "no century digit (foreigner's number)"
            print(f"{result.number}\tvalid\t{extra}")
        else:
            reasons = "; ".join(f"{e.code}: {e.message}" for e in result.errors)
            print(f"{result.number}\tinvalid\t{reasons}")


NumbersArg = Annotated[list[str], typer.Argument(help="Numbers to check; '-' reads one per line from stdin")]
JsonOpt = Annotated[bool, typer.Option("--json", help="One JSON object per line")]


@iin_app.command("check")
def iin_check(numbers: NumbersArg, as_json: JsonOpt = False) -> None:
    """Check IINs: length, digits, birth date, century digit, check digit. Exits 0 either way."""
    _print_checks((check_iin(n) for n in _numbers(numbers)), as_json)


@bin_app.command("check")
def bin_check(numbers: NumbersArg, as_json: JsonOpt = False) -> None:
    """Check BINs: length, digits, registration month, type and unit digits, check digit."""
    _print_checks((check_bin(n) for n in _numbers(numbers)), as_json)


user_app = typer.Typer(help="Logins, roles and API tokens.", no_args_is_help=True)

#: Checks that a clinic login's provider id names an entry of the providers register (``NotFound``
#: ``unknown_provider`` when not): ``core`` knows no room, so the composition (``osms/cli.py``)
#: adds the providers room's check here.
PROVIDER_CHECKS: list[Callable[[Session, str], object]] = []


@user_app.command("add")
def user_add(
    username: Annotated[str, typer.Argument(help="Login name")],
    role: Annotated[str, typer.Option(help="citizen, employer, clinic, operator or auditor")],
    password: Annotated[str, typer.Option(prompt=True, hide_input=True, confirmation_prompt=True)],
    name: Annotated[str, typer.Option(help="Display name")] = "",
    iin: Annotated[str | None, typer.Option(help="Citizen: the IIN the login is bound to")] = None,
    bin: Annotated[str | None, typer.Option("--bin", help="Employer: the BIN the login is bound to")] = None,
    provider: Annotated[str | None, typer.Option(help="Clinic: the provider id the login is bound to")] = None,
) -> None:
    """Create a login (or reset its password and binding)."""
    from osms.core.db import unit_of_work
    from osms.core.errors import OsmsError
    from osms.core.security import create_user

    try:
        with unit_of_work(get_engine(get_settings().database_url)) as session:
            if role == "clinic" and provider:
                for check in PROVIDER_CHECKS:
                    check(session, provider)
            create_user(session, username, password, role, name or username, iin=iin, bin=bin, provider_id=provider)
    except OsmsError as exc:
        console.print(f"[red]error ({exc.code}):[/red] {exc.message}")
        raise typer.Exit(1) from None
    console.print(f"[green]user {username} ({role}) saved[/green]")


@user_app.command("token")
def user_token(
    username: Annotated[str, typer.Argument(help="Login the token acts as")],
    name: Annotated[str, typer.Option(help="Label, e.g. the client system")] = "api",
) -> None:
    """Issue an API token (printed once) for a machine client acting as USERNAME."""
    from sqlalchemy import select

    from osms.core.db import unit_of_work
    from osms.core.models import User
    from osms.core.security import create_token

    with unit_of_work(get_engine(get_settings().database_url)) as session:
        user = session.scalar(select(User).where(User.username == username))
        if user is None:
            console.print(f"[red]error (unknown_user):[/red] no login named {username!r}")
            raise typer.Exit(1)
        print(create_token(session, user, name))


@user_app.command("revoke")
def user_revoke(token: Annotated[str, typer.Argument(help="The API token to revoke")]) -> None:
    """Revoke an API token (other server processes stop accepting it within 10 seconds)."""
    from osms.core.db import unit_of_work
    from osms.core.security import revoke_token

    with unit_of_work(get_engine(get_settings().database_url)) as session:
        if not revoke_token(session, token):
            console.print("[red]error (unknown_token):[/red] no such active token")
            raise typer.Exit(1)
    console.print("[green]token revoked[/green]")
