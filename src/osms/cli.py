"""The ``osms`` command: each room contributes a thin Typer sub-app."""

from __future__ import annotations

import typer

from osms.contributions.calc_cli import calc_command, payroll_app
from osms.core.cli import bin_app, db_app, iin_app, user_app
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


def main() -> None:
    app()


if __name__ == "__main__":
    main()
