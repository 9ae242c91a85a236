"""The ``osms`` command: each room contributes a thin Typer sub-app."""

from __future__ import annotations

import typer

from osms.attachment.cli import attach_app
from osms.audit.cli import audit_app
from osms.benefits.cli import benefits_app, entitle_command
from osms.contributions.calc_cli import calc_command, payroll_app
from osms.contributions.cli import payments_app
from osms.core.cli import bin_app, db_app, iin_app, user_app
from osms.coverage.cli import pregnancy_app, status_command
from osms.demo import demo_command
from osms.registry.cli import app as registry_app
from osms.rulebooks.cli import app as rulebook_app
from osms.synth.cli import synth_command

app = typer.Typer(
    help="OSMS: the information system of the compulsory social health insurance fund.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
app.add_typer(db_app, name="db")
app.add_typer(iin_app, name="iin")
app.add_typer(bin_app, name="bin")
app.add_typer(user_app, name="user")
app.add_typer(rulebook_app, name="rulebook")
app.add_typer(registry_app, name="registry")
app.command("synth")(synth_command)
app.command("demo")(demo_command)
app.command("calc")(calc_command)
app.add_typer(payroll_app, name="payroll")
app.add_typer(payments_app, name="payments")
app.command("status")(status_command)
app.add_typer(pregnancy_app, name="pregnancy")
app.add_typer(attach_app, name="attach")
app.add_typer(benefits_app, name="benefits")
app.command("entitle")(entitle_command)
app.add_typer(audit_app, name="audit")


def main() -> None:
    """Run the command; expected failures end with a sentence and exit code 1, never a traceback."""
    from rich.console import Console
    from sqlalchemy.exc import DBAPIError, OperationalError, ProgrammingError

    from osms.core.errors import OsmsError

    console = Console(stderr=True)
    try:
        app()
    except OsmsError as exc:
        console.print(f"[red]error ({exc.code}):[/red] {exc.message}")
        raise SystemExit(1) from None
    except (OperationalError, ProgrammingError) as exc:
        console.print(
            f"[red]database error:[/red] {exc.orig}\n"
            "Is the database reachable (OSMS_DATABASE_URL) and its schema current? Run `osms db upgrade`."
        )
        raise SystemExit(1) from None
    except DBAPIError as exc:
        console.print(f"[red]database error:[/red] {exc.orig}")
        raise SystemExit(1) from None


if __name__ == "__main__":
    main()
