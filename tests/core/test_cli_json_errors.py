"""Errors of ``--json`` commands are one JSON line: ``{"error": {"code",
"message"}}`` on standard output, nothing else, and a non-zero exit code; usage errors included."""

from __future__ import annotations

import json
import sys

import pytest

from osms import cli


@pytest.mark.parametrize(
    ("args", "code"),
    [
        (["status", "123", "--json"], "bad_iin:length"),
        (["status", "860101300017", "--on", "2024-13-01", "--json"], "usage"),
        (["status", "--json"], "usage"),
        (["calc", "--payer", "nobody", "--period", "2024-01", "--json"], "unknown_payer_kind"),
        (["payroll", "compute", "/nonexistent.csv", "--employer", "100540000018", "--json"], "no_file"),
        (["payments", "ingest", "/nonexistent.csv", "--json"], "no_file"),
        (["registry", "import", "persons", "/nonexistent.csv", "--json"], "no_file"),
        (["attach", "import", "clinics", "/nonexistent.csv", "--json"], "no_file"),
        (["attach", "show", "123", "--json"], "bad_iin:length"),
        (["entitle", "--iin", "123", "--care-type", "pmsp", "--json"], "bad_iin:length"),
        (["rulebook", "show", "--rulebook", "nope", "--json"], "unknown_rulebook"),
        (["rulebook", "show", "--on", "someday", "--json"], "bad_date"),
        (["pregnancy", "register", "--iin", "123", "--entered", "x", "--json"], "usage"),
        (["calc", "--json"], "usage"),
    ],
)
def test_a_json_command_fails_with_one_json_line(
    args: list[str], code: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path
) -> None:
    monkeypatch.setenv("OSMS_DATABASE_URL", f"sqlite:///{tmp_path / 'none.sqlite'}")
    monkeypatch.setattr(sys, "argv", ["osms", *args])
    with pytest.raises(SystemExit) as exited:
        cli.main()
    out, err = capsys.readouterr()
    assert exited.value.code not in (0, None)
    lines = out.splitlines()
    assert len(lines) == 1, out
    error = json.loads(lines[0])["error"]
    assert set(error) == {"code", "message"} and error["code"] == code and error["message"]
    assert err == ""


def test_without_json_the_error_is_a_sentence(monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    monkeypatch.setattr(sys, "argv", ["osms", "calc", "--payer", "nobody", "--period", "2024-01"])
    with pytest.raises(SystemExit) as exited:
        cli.main()
    out, err = capsys.readouterr()
    assert exited.value.code == 2 and out == "" and "error (unknown_payer_kind):" in err
