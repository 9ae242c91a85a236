"""The ``osms`` command: each room contributes a thin Typer sub-app."""

from __future__ import annotations

from typing import NoReturn

import typer

from osms.attachment.cli import attach_app
from osms.audit.cli import audit_app
from osms.benefits.cli import benefits_app, entitle_command
from osms.claims.cli import services_app
from osms.claims.monitoring_cli import monitoring_app
from osms.contributions.calc_cli import calc_command, payroll_app
from osms.contributions.cli import payments_app
from osms.core.cli import PROVIDER_CHECKS, bin_app, db_app, iin_app, user_app
from osms.coverage.cli import pregnancy_app, status_command
from osms.demo import demo_command
from osms.payments.advances_cli import advance_command, advances_command
from osms.payments.cli import per_capita_command, tariff_app
from osms.payments.orders_cli import orders_command
from osms.payments.run_cli import (
    adjust_command,
    answer_command,
    object_command,
    protocol_command,
    run_command,
    sign_command,
)
from osms.providers.cli import providers_app
from osms.providers.contracts_cli import contracts_app
from osms.providers.procurement_cli import procurement_app
from osms.providers.service import get_provider
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
PROVIDER_CHECKS.append(get_provider)  # a clinic login names an entry of the providers register
app.add_typer(rulebook_app, name="rulebook")
app.add_typer(registry_app, name="registry")
app.add_typer(providers_app, name="providers")
app.add_typer(procurement_app, name="procurement")
app.command("synth")(synth_command)
app.command("demo")(demo_command)
app.command("calc")(calc_command)
app.add_typer(payroll_app, name="payroll")
app.add_typer(payments_app, name="payments")
payments_app.command("per-capita")(per_capita_command)
for _name, _command in (
    ("run", run_command),
    ("protocol", protocol_command),
    ("object", object_command),
    ("answer", answer_command),
    ("sign", sign_command),
    ("adjust", adjust_command),
):
    payments_app.command(_name)(_command)
payments_app.command("orders")(orders_command)
payments_app.command("advance")(advance_command)
payments_app.command("advances")(advances_command)
app.command("status")(status_command)
app.add_typer(pregnancy_app, name="pregnancy")
app.add_typer(attach_app, name="attach")
app.add_typer(benefits_app, name="benefits")
app.command("entitle")(entitle_command)
app.add_typer(audit_app, name="audit")
app.add_typer(contracts_app, name="contracts")
app.add_typer(services_app, name="services")
app.add_typer(monitoring_app, name="monitoring")
app.add_typer(tariff_app, name="tariff")


def main() -> None:
    """Run the command; expected failures end with a sentence and exit code 1, never a traceback.

    With ``--json`` every failure, a usage error included, is one JSON line
    ``{"error": {"code", "message"}}`` on standard output (``osms.core.jsonout``).
    """
    import sys

    from pydantic import ValidationError
    from rich.console import Console
    from sqlalchemy.exc import DBAPIError, OperationalError, ProgrammingError

    from osms.core.errors import OsmsError
    from osms.core.jsonout import error_line

    as_json = "--json" in sys.argv[1:]
    console = Console(stderr=True)

    def fail(code: str, message: str, exit_code: int = 1, hint: str = "") -> NoReturn:
        if as_json:
            sys.stdout.write(error_line(code, message) + "\n")
        else:
            console.print(f"[red]error ({code}):[/red] {message}{hint}")
        raise SystemExit(exit_code) from None

    try:
        result = app(standalone_mode=False)
    except typer.Abort:
        fail("aborted", "aborted", 1)
    except typer.TyperException as exc:  # Typer's click: usage errors (bad or missing options, exit 2)
        exit_code = int(getattr(exc, "exit_code", 2))
        if not as_json and hasattr(exc, "show"):
            exc.show()
            raise SystemExit(exit_code) from None
        message = exc.format_message() if hasattr(exc, "format_message") else str(exc)
        fail("usage" if exit_code == 2 else "error", message, exit_code)
    except OsmsError as exc:
        fail(exc.code, exc.message)
    except ValidationError as exc:  # an OSMS_ setting the settings refuse (osms.core.config)
        fail("bad_setting", "; ".join(str(e["msg"]).removeprefix("Value error, ") for e in exc.errors()))
    except (OperationalError, ProgrammingError) as exc:
        fail(
            "database_error",
            str(exc.orig),
            hint="\nIs the database reachable (OSMS_DATABASE_URL) and its schema current? Run `osms db upgrade`.",
        )
    except DBAPIError as exc:
        fail("database_error", str(exc.orig))
    raise SystemExit(result if isinstance(result, int) else 0)


if __name__ == "__main__":
    main()
