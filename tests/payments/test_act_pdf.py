"""The act of services rendered as a PDF and the payment-order file (docs/payments.md, "The act
and the payment orders"): the Kazakh and Russian text is real text (extracted back exactly), the
page renders to a non-blank image, and the bank file has its documented columns."""

from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal

import pypdfium2
import pytest
from pypdf import PdfReader

import osms.claims.labels  # noqa: F401  (registers the finding labels the act names)
import osms.payments.labels  # noqa: F401  (registers the method labels)
from osms.payments.act import Act, Item, Line, render_pdf
from osms.payments.orders import COLUMNS, Order, payable, to_csv

D = Decimal

# A PHC clinic's November: 1,000 people per capita, 3 cases; 2 duplicate services unpaid, one
# defect deducted; 100,000.00 of the advance withheld:
# 1,234,567.89 + 500,000.00 − 10,000.00 − 100,000.00 = 1,624,567.89 payable.
ACT = Act(
    contract_id="C-1",
    provider_id="ALM-1",
    provider_name="«Шипагер» емханасы",
    provider_bin="123456789012",
    month="2026-11",
    lines=(Line("per_capita", 1000, D("1234567.89")), Line("per_case", 3, D("500000.00"))),
    unpaid=(Item("duplicate", 2, D("5000.00")),),
    deductions=(Item("1.1", 1, D("10000.00")),),
    advance_withheld=D("100000.00"),
    linear_scale_cut=D("0.00"),
    payable=D("1624567.89"),
    protocol_date=date(2026, 12, 3),
    objection_until=date(2026, 12, 8),
    payment_due=date(2026, 12, 20),
    synthetic=True,
)


def _text(pdf: bytes) -> str:
    """The text of every page, each run of white space one space (a label may wrap)."""
    return " ".join(" ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages).split())


def test_the_act_says_it_in_kazakh_and_russian() -> None:
    pdf = render_pdf(ACT)
    assert pdf.startswith(b"%PDF-")
    text = _text(pdf)
    for words in (
        "Көрсетілген қызметтер актісі",  # the title (ө, ə-less Kazakh letters і, ө)
        "Акт оказанных услуг",
        "«Әлеуметтік медициналық сақтандыру қоры» КЕАҚ",  # ә, қ
        "Төлеуге жататын сома",
        "Сумма к оплате",
        "Ұсталған аванс",  # ұ
        "Шегерімдер (ақаулар)",
        "Бекітілген адамға",  # the per-capita line's Kazakh label (ғ)
        "Қол қойылмаған",
        "электрондық цифрлық қолтаңбамен (ЭЦҚ)",  # the EDS note (ң)
        "синтетикалық (демонстрациялық) тариф",  # the synthetic tariff is said
        "«Шипагер» емханасы",
        "123456789012",
        "1 624 567.89",
        "1 734 567.89",  # accrued: 1,234,567.89 + 500,000.00
        "20.12.2026",
    ):
        assert words in text, words


def test_the_act_renders_to_a_non_blank_page() -> None:
    document = pypdfium2.PdfDocument(render_pdf(ACT))
    assert len(document) == 1
    image = document[0].render(scale=1).to_pil().convert("L")
    dark = sum(image.histogram()[:128])  # pixels darker than mid-grey
    # A4 at 72 dpi is 595 × 842 = 500,990 pixels; the text covers a few percent of them.
    assert 0.01 * image.width * image.height < dark < 0.5 * image.width * image.height


def test_a_signed_act_has_its_day_and_no_warning_when_verified() -> None:
    signed = Act(
        contract_id="C-2",
        provider_id="AST-9",
        provider_name="Қалалық аурухана № 1",
        provider_bin="",
        month="2026-10",
        lines=(Line("per_case", 2, D("100.00")),),
        payable=D("100.00"),
        signed_on=date(2026, 11, 12),
        signed_by="op",
    )
    text = _text(render_pdf(signed))
    assert "Қол қойылды / Подписан: 12.11.2026 (op)" in text
    assert "Қалалық аурухана № 1" in text
    assert "синтетикалық" not in text and "жоқ / нет" in text  # no unpaid, no deductions


def test_from_run_reads_the_run_json() -> None:
    run = {
        "contract_id": "C-1",
        "provider_id": "ALM-1",
        "month": "2026-11",
        "lines": [{"method": "per_capita", "quantity": 1000, "amount": "1234567.89"}],
        "unpaid": [],
        "deductions": [{"code": "1.1", "count": 1, "amount": "10000.00"}],
        "advance_withheld": "100000.00",
        "linear_scale_cut": "0.00",
        "payable": "1124567.89",
        "protocol_date": "2026-12-03",
        "objection_until": "2026-12-08",
        "payment_due": None,
    }
    act = Act.from_run(run, {"name": "Clinic", "bin": "1"})
    assert act.payable == D("1124567.89") and act.payment_due is None
    assert act.deductions == (Item("1.1", 1, D("10000.00")),)
    assert act.protocol_date == date(2026, 12, 3)


def order(contract: str, amount: str, due: date) -> Order:
    return Order(contract, "2026-11", "ALM-1", "«Шипагер» емханасы", "123456789012", D(amount), date(2026, 12, 1), due)


def test_the_order_file_has_the_documented_columns() -> None:
    orders = payable(
        [
            order("C-2", "10.00", date(2026, 12, 11)),
            order("C-1", "1624567.89", date(2026, 12, 11)),
            order("C-3", "0.00", date(2026, 12, 11)),  # nothing to pay: no order
            order("C-4", "5.00", date(2026, 12, 12)),  # due after the day asked
        ],
        date(2026, 12, 11),
    )
    text = to_csv(orders, payer_bin="")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert tuple(rows[0]) == COLUMNS
    assert [r["order_no"] for r in rows] == ["C-1/2026-11", "C-2/2026-11"]
    first = rows[0]
    assert first["amount"] == "1624567.89" and first["currency"] == "KZT"
    assert first["payee_bin"] == "123456789012" and first["payee_iban"] == ""
    assert first["payer_name"] == "НАО «Фонд социального медицинского страхования»"
    assert "көрсетілген медициналық көмек үшін төлем" in first["purpose_kk"]
    assert first["purpose_ru"].startswith("Оплата за медицинскую помощь, оказанную в 2026-11 по договору C-1")
    assert first["due_date"] == "2026-12-11" and first["signed_on"] == "2026-12-01"


@pytest.mark.parametrize("amount", ["-1.00", "0.00"])
def test_nothing_to_pay_makes_no_order(amount: str) -> None:
    assert payable([order("C-1", amount, date(2026, 12, 1))], date(2026, 12, 31)) == []
