"""Builders for the register's test files: hand-written CSV rows and the command line on the test database."""

from __future__ import annotations

import csv
import json
from datetime import date
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from osms.cli import app
from tests.registry.helpers import bin_, iin

runner = CliRunner()

HEADERS = {
    "providers": "provider_id,bin,name,ownership,region,settlement,kind,status,accredited_until,own_is,tax_arrears",
    "licences": "provider_id,care_type,licensed_from,licensed_to,experience_from",
    "resources": "provider_id,resource,quantity",
    "founders": "provider_id,iin,decision_rights",
    "fund-employees": "iin,valid_from,valid_to",
    "contract-history": "contract_id,provider_id,valid_from,valid_to,terminated_on,termination",
}
BIN_1 = bin_(date(2010, 5, 1), 1)
BIN_2 = bin_(date(2012, 3, 1), 7)
FOUNDER = iin(date(1970, 1, 15), "M")
EMPLOYEE = iin(date(1980, 6, 1), "F")


def provider_row(provider_id: str = "ALM-1", **changes: str) -> list[str]:
    """A good row of providers.csv (a private PHC clinic in Almaty), with ``changes`` by column."""
    row = {
        "provider_id": provider_id,
        "bin": BIN_1,
        "name": "Емхана №1",
        "ownership": "private",
        "region": "KZ-ALA",
        "settlement": "Алматы",
        "kind": "phc",
        "status": "active",
        "accredited_until": "2027-12-31",
        "own_is": "true",
        "tax_arrears": "0.00",
    }
    row.update(changes)
    return [row[c] for c in HEADERS["providers"].split(",")]


def write(tmp_path: Path, kind: str, rows: list[list[str]], name: str | None = None, header: str | None = None) -> Path:
    path = tmp_path / (name or f"{kind}.csv")
    with path.open("w", newline="", encoding="utf-8") as fh:
        fh.write((header or HEADERS[kind]) + "\n")
        csv.writer(fh, lineterminator="\n").writerows(rows)
    return path


def run(*args: str) -> Any:
    """``osms ARGS`` with the exit code checked by the caller."""
    return runner.invoke(app, list(args))


def run_json(*args: str) -> dict[str, Any]:
    """``osms ARGS --json``: the one JSON object it prints (exit code 0)."""
    result = runner.invoke(app, [*args, "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout.strip().splitlines()[-1])


def load(tmp_path: Path, kind: str, rows: list[list[str]], name: str | None = None) -> dict[str, Any]:
    """Write ``rows`` and import them through ``osms providers import KIND FILE --json``."""
    return run_json("providers", "import", kind, str(write(tmp_path, kind, rows, name)))
