"""One JSON line per result on standard output (dates ISO, Decimal as its exact string).

Errors of a command run with ``--json`` are one JSON line too, ``{"error": {"code", "message"}}``
on standard output (nothing on standard error), with a non-zero exit code: ``fail``. Without
``--json`` the same error is the sentence ``error (<code>): <message>`` on standard error.

Money is formatted by the caller with ``osms.core.money.format_money`` ("2445.90"): a bare
``Decimal`` here may be a rate ("0.015"), so it is never rounded.
"""

from __future__ import annotations

import json
import sys
from datetime import date
from decimal import Decimal
from typing import Any, NoReturn

import typer


def _default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, date):
        return value.isoformat()
    if hasattr(value, "__str__"):
        return str(value)
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def dumps(obj: Any) -> str:
    return json.dumps(obj, ensure_ascii=False, default=_default)


def print_json(obj: Any) -> None:
    sys.stdout.write(dumps(obj) + "\n")


def error_line(code: str, message: str) -> str:
    """The one JSON line of an error: ``{"error": {"code": ..., "message": ...}}``."""
    return dumps({"error": {"code": code, "message": message}})


def fail(code: str, message: str, *, as_json: bool, exit_code: int = 1) -> NoReturn:
    """End a command with an error: one JSON line on standard output with ``--json``, else the
    sentence ``error (<code>): <message>`` on standard error; exit ``exit_code`` (non-zero)."""
    if as_json:
        sys.stdout.write(error_line(code, message) + "\n")
        sys.stdout.flush()
    else:
        typer.echo(f"error ({code}): {message}", err=True)
    raise typer.Exit(exit_code)
