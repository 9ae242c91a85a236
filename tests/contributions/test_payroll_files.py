"""Payroll files as accountants have them: an Excel workbook (.xlsx) as well as
CSV, through the API and the CLI; any other file (PDF, ZIP, PNG, binary) a clear 422 with a code."""

from __future__ import annotations

import io
import json
import zipfile
from datetime import datetime
from pathlib import Path

import openpyxl
import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from osms.contributions import calc_cli
from osms.contributions.payroll import XLSX_MEDIA_TYPE, read_payroll_file
from osms.core.errors import InvalidInput
from tests.contributions.test_payroll import EMPLOYER, RICH, WORKER
from tests.contributions.test_payroll_api import auth, tokens  # noqa: F401 (fixture)
from tests.contributions.test_payroll_cli import cli_db  # noqa: F401 (fixture)

runner = CliRunner()


def workbook() -> bytes:
    """What an accountant's Excel holds: a title sheet is not first here, the header row first,
    the IIN as text and as a number, the month as a date cell and as text, incomes as numbers."""
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Март"
    sheet.append(["ФИО", "IIN", "Period", "Income"])  # another column, header in another case
    sheet.append(["Серік", WORKER, "2024-03", 300000])
    sheet.append(["Айгүл", int(RICH), datetime(2024, 3, 1), 1000000.0])
    sheet.append([None, None, None, None])  # an empty row is skipped
    sheet.append(["Кто-то", "12", "2024-03", "100"])
    book.create_sheet("Notes").append(["iin", "period", "income"])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_a_workbook_reads_as_its_first_sheet() -> None:
    rows = read_payroll_file(workbook())
    assert [(r.iin, r.period, r.income, r.line) for r in rows] == [
        (WORKER, "2024-03", "300000", 2),
        (RICH, "2024-03", "1000000", 3),
        ("12", "2024-03", "100", 5),
    ]


def _zip() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("payroll.csv", "iin,period,income\n")
    return out.getvalue()


BINARIES = {
    "pdf": (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n", "a PDF document"),
    "zip": (_zip(), "a ZIP archive"),
    "png": (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01", "a PNG image"),
    "binary": (bytes(range(256)) * 4, "binary"),
}


@pytest.mark.parametrize("kind", sorted(BINARIES))
def test_other_files_are_refused_with_a_code(kind: str) -> None:
    raw, what = BINARIES[kind]
    with pytest.raises(InvalidInput) as caught:
        read_payroll_file(raw)
    assert caught.value.code == "not_a_payroll" and what in str(caught.value)


def test_api_takes_a_workbook(client: TestClient, tokens: dict[str, str]) -> None:  # noqa: F811
    answer = client.post(
        "/api/v1/payrolls",
        params={"employer": EMPLOYER},
        content=workbook(),
        headers=auth(tokens["employer"]) | {"Content-Type": XLSX_MEDIA_TYPE},
    )
    assert answer.status_code == 200, answer.text
    body = answer.json()
    # docs/calculators.md, 2024: 3% + 2% of 300,000 = 15,000; capped at 10 MW (850,000): 25,500 + 17,000 = 42,500
    assert [(x["line"], x["total"]) for x in body["lines"]] == [(2, "15000.00"), (3, "42500.00")]
    assert [(r["line"], r["reason"]) for r in body["rejections"]] == [(5, "bad_iin")]


@pytest.mark.parametrize("kind", sorted(BINARIES))
@pytest.mark.parametrize("media", ["text/csv", "application/octet-stream", XLSX_MEDIA_TYPE])
def test_api_refuses_other_files_with_422(client: TestClient, tokens: dict[str, str], kind: str, media: str) -> None:  # noqa: F811
    answer = client.post(
        "/api/v1/payrolls",
        params={"employer": EMPLOYER},
        content=BINARIES[kind][0],
        headers=auth(tokens["employer"]) | {"Content-Type": media},
    )
    assert answer.status_code == 422, answer.text
    assert answer.json()["code"] == "not_a_payroll"


def test_cli_takes_a_workbook_and_refuses_a_pdf(cli_db: None, tmp_path: Path) -> None:  # noqa: F811
    book = tmp_path / "march.xlsx"
    book.write_bytes(workbook())
    result = runner.invoke(calc_cli.payroll_app, ["compute", str(book), "--employer", EMPLOYER, "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert (data["computed"], data["rejected"], data["totals"]["total"]) == (2, 1, "57500.00")
    pdf = tmp_path / "march.pdf"
    pdf.write_bytes(BINARIES["pdf"][0])
    refused = runner.invoke(calc_cli.payroll_app, ["compute", str(pdf), "--employer", EMPLOYER, "--json"])
    assert refused.exit_code != 0
    assert json.loads(refused.stdout.strip().splitlines()[-1])["error"]["code"] == "not_a_payroll"
