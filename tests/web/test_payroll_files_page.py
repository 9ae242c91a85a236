"""The employer's payroll page takes an Excel workbook; a PDF, a ZIP, a PNG or any binary is a clear
422 in the page's language, never a server error."""

from __future__ import annotations

import io

import openpyxl
import pytest
from test_status_pages import StatusWorld, sw  # noqa: F401 (fixture)
from tests.contributions.test_payroll_files import BINARIES
from web_helpers import csrf_of, login


def _workbook(iin: str) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["iin", "period", "income"])
    sheet.append([iin, "2024-09", 300000])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_the_page_computes_a_workbook(client, sw: StatusWorld) -> None:  # noqa: F811
    login(client, "employer1")
    token = csrf_of(client.get("/employer/payroll?lang=en").text)
    page = client.post(
        "/employer/payroll",
        data={"csrf": token},
        files={"file": ("payroll.xlsx", _workbook(sw.serik), "application/octet-stream")},
    )
    assert page.status_code == 200, page.text
    assert "1 rows: 1 computed, 0 excluded, 0 refused." in page.text or "1 row: 1 computed" in page.text
    assert '<td class="num" data-total="total">15,000.00</td>' in page.text  # 3% + 2% of 300,000 (docs/calculators.md)


@pytest.mark.parametrize("kind", sorted(BINARIES))
def test_the_page_refuses_other_files_in_words(client, sw: StatusWorld, kind: str) -> None:  # noqa: F811
    login(client, "employer1")
    token = csrf_of(client.get("/employer/payroll?lang=ru").text)
    page = client.post(
        "/employer/payroll",
        data={"csrf": token},
        files={"file": (f"payroll.{kind}", BINARIES[kind][0], "application/octet-stream")},
    )
    assert page.status_code == 422
    assert "Этот файл не является расчётной ведомостью" in page.text
