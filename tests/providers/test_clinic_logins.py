"""A clinic login is bound to an entry of the providers register (docs/providers.md, "The
attachment's clinics"): ``osms user add --role clinic --provider ID`` refuses an id the register
does not hold."""

from __future__ import annotations

from pathlib import Path

from tests.attachment.helpers import clinic_row, write_clinics
from tests.providers.helpers import run

ADD = ("user", "add", "emhana", "--role", "clinic", "--password", "pw-pw-pw-1")


def test_a_clinic_login_names_a_register_entry(cli_db: str, tmp_path: Path) -> None:
    refused = run(*ADD, "--provider", "AST-8")
    assert refused.exit_code == 1
    assert "error (unknown_provider): no provider 'AST-8' in the register" in refused.output
    assert run("attach", "import", "clinics", str(write_clinics(tmp_path, [clinic_row("AST-8")]))).exit_code == 0
    saved = run(*ADD, "--provider", "AST-8")
    assert saved.exit_code == 0, saved.output
    assert "user emhana (clinic) saved" in saved.output
