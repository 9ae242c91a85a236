"""The act of services rendered as a PDF (docs/payments.md, "The act and the payment orders").

One page (more when the lines run over) in Kazakh and Russian, the two languages of a document
between the fund and a provider, with English under the headings: the parties (the fund, the
provider with its BIN), the contract and the month, the lines by method of payment, what was not
paid and why, the deductions, the advance withheld, the linear-scale cut, the sum payable, the
dates of the protocol, of the objection window and of the payment, and the signature block (the
act is signed with an electronic digital signature, EDS; the PDF is its printable view).

The PDF is drawn with fpdf2 and the DejaVu Sans font (Debian ``fonts-dejavu-core``), which has the
Kazakh letters ә ғ қ ң ө ұ ү һ і; ``FONT_DIRS`` lists where it is looked for, the setting
``OSMS_PDF_FONT_DIR`` first. Pure: ``Act`` holds what the monthly run computed, ``render_pdf``
turns it into bytes; ``Act.from_run`` reads the run's JSON shape (``osms payments run --json``).
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any, Final

from osms.core.i18n import label
from osms.core.money import format_money

#: The paying party (PAY: the fund pays the provider under the contract of purchase).
FUND_NAME: Final = {
    "kk": "«Әлеуметтік медициналық сақтандыру қоры» КЕАҚ",
    "ru": "НАО «Фонд социального медицинского страхования»",
    "en": "Social Health Insurance Fund (non-commercial joint-stock company)",
}

#: Where the TTF files are looked for, in order (the setting first).
FONT_DIRS: Final = (
    "/usr/share/fonts/truetype/dejavu",
    "/usr/share/fonts/dejavu",
    "/usr/local/share/fonts/dejavu",
)
FONT_FILES: Final = {"": "DejaVuSans.ttf", "B": "DejaVuSans-Bold.ttf"}

#: The texts of the act: (Kazakh, Russian, English).
T: Final[dict[str, tuple[str, str, str]]] = {
    "title": ("Көрсетілген қызметтер актісі", "Акт оказанных услуг", "Act of services rendered"),
    "customer": ("Тапсырыс беруші", "Заказчик", "Customer"),
    "supplier": ("Өнім беруші", "Поставщик", "Provider"),
    "bin": ("БСН", "БИН", "BIN"),
    "contract": ("Шарт", "Договор", "Contract"),
    "month": ("Кезең (ай)", "Период (месяц)", "Month"),
    "lines": ("Төлеу тәсілдері бойынша", "По способам оплаты", "By method of payment"),
    "method": ("Тәсіл", "Способ", "Method"),
    "quantity": ("Саны", "Количество", "Quantity"),
    "amount": ("Сомасы, теңге", "Сумма, тенге", "Amount, tenge"),
    "accrued": ("Барлығы есептелді", "Всего начислено", "Accrued"),
    "unpaid": ("Төленбеген қызметтер", "Неоплаченные услуги", "Not paid"),
    "deductions": ("Шегерімдер (ақаулар)", "Снятия (дефекты)", "Deductions (defects)"),
    "code": ("Коды", "Код", "Code"),
    "count": ("Саны", "Количество", "Count"),
    "none": ("жоқ", "нет", "none"),
    "advance": ("Ұсталған аванс", "Удержанный аванс", "Advance withheld"),
    "linear": ("Сызықтық шкала бойынша азайту", "Снижение по линейной шкале", "Linear-scale cut"),
    "payable": ("Төлеуге жататын сома", "Сумма к оплате", "Payable"),
    "protocol": ("Хаттама күні", "Дата протокола", "Protocol"),
    "objection": ("Қарсылық мерзімі", "Срок возражения", "Objections until"),
    "due": ("Төлеу мерзімі", "Срок оплаты", "Payment due"),
    "signed": ("Қол қойылды", "Подписан", "Signed"),
    "unsigned": ("Қол қойылмаған", "Не подписан", "Not signed"),
    "signatures": ("Қолдар", "Подписи", "Signatures"),
    "eds": (
        "Акт электрондық цифрлық қолтаңбамен (ЭЦҚ) қол қойылады; бұл құжат оның басып шығаруға арналған нұсқасы.",
        "Акт подписывается электронной цифровой подписью (ЭЦП); настоящий документ — его печатная форма.",
        "The act is signed with an electronic digital signature (EDS); this document is its printable view.",
    ),
    "synthetic": (
        "Назар аударыңыз: синтетикалық (демонстрациялық) тариф қолданылды.",
        "Внимание: применён синтетический (демонстрационный) тариф.",
        "Note: a synthetic (demonstration) tariff was applied.",
    ),
    "unverified": (
        "Назар аударыңыз: қолданылған тарифтің бір бөлігі әлі тексерілмеген.",
        "Внимание: часть применённых тарифов ещё не сверена с опубликованными.",
        "Note: a tariff applied is not yet verified against the published law.",
    ),
}


class FontMissing(RuntimeError):
    """The TTF font with the Kazakh letters is not installed (Debian package ``fonts-dejavu-core``)."""


@dataclass(frozen=True)
class Line:
    """What a method of payment earned: ``per_capita`` people, ``per_service`` services, ..."""

    method: str
    quantity: int
    amount: Decimal
    care_type: str = ""  # the contract's type of care the line pays (empty: not told)


@dataclass(frozen=True)
class Item:
    """Services not paid (a finding's code) or deductions (a defect's code), counted and summed."""

    code: str
    count: int
    amount: Decimal
    title: str = ""  # the code's name, "kk / ru" (a defect: the classifier's), when known


@dataclass(frozen=True)
class Act:
    """One contract's month as the act states it (the monthly run's result, docs/payments.md)."""

    contract_id: str
    provider_id: str
    provider_name: str
    provider_bin: str
    month: str  # YYYY-MM
    lines: Sequence[Line]
    unpaid: Sequence[Item] = ()
    deductions: Sequence[Item] = ()
    advance_withheld: Decimal = Decimal("0")
    linear_scale_cut: Decimal = Decimal("0")
    payable: Decimal = Decimal("0")
    protocol_date: date | None = None
    objection_until: date | None = None
    payment_due: date | None = None
    signed_on: date | None = None
    signed_by: str | None = None
    synthetic: bool = False
    verified: bool = True
    rulebook: str = ""
    notes: Sequence[str] = field(default_factory=tuple)

    @property
    def accrued(self) -> Decimal:
        return sum((line.amount for line in self.lines), Decimal("0"))

    @classmethod
    def from_run(cls, run: Mapping[str, Any], provider: Mapping[str, Any]) -> Act:
        """From one contract's object of ``osms payments run --json`` and the provider's
        ``name`` and ``bin`` (the register); ``signed_on``/``signed_by``/``synthetic``/``verified``
        when the run's record carries them."""
        return cls(
            contract_id=str(run["contract_id"]),
            provider_id=str(run["provider_id"]),
            provider_name=str(provider.get("name", "")),
            provider_bin=str(provider.get("bin", "")),
            month=str(run["month"]),
            lines=tuple(Line(str(x["method"]), int(x["quantity"]), Decimal(str(x["amount"]))) for x in run["lines"]),
            unpaid=tuple(_items(run.get("unpaid", ()))),
            deductions=tuple(_items(run.get("deductions", ()))),
            advance_withheld=Decimal(str(run.get("advance_withheld") or "0")),
            linear_scale_cut=Decimal(str(run.get("linear_scale_cut") or "0")),
            payable=Decimal(str(run["payable"])),
            protocol_date=_day(run.get("protocol_date")),
            objection_until=_day(run.get("objection_until")),
            payment_due=_day(run.get("payment_due")),
            signed_on=_day(run.get("signed_on")),
            signed_by=run.get("signed_by"),
            synthetic=bool(run.get("synthetic", False)),
            verified=bool(run.get("verified", True)),
            rulebook=str(run.get("rulebook", "")),
        )


def _items(rows: Iterable[Mapping[str, Any]]) -> Iterable[Item]:
    for row in rows:
        yield Item(str(row["code"]), int(row["count"]), Decimal(str(row["amount"])))


def _day(value: Any) -> date | None:
    if value is None or value == "":
        return None
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def font_dir() -> Path:
    """The folder holding DejaVuSans.ttf and DejaVuSans-Bold.ttf."""
    candidates = [os.environ.get("OSMS_PDF_FONT_DIR", ""), *FONT_DIRS]
    for folder in candidates:
        if folder and all((Path(folder) / name).is_file() for name in FONT_FILES.values()):
            return Path(folder)
    raise FontMissing(
        "DejaVu Sans is not installed: install the Debian package fonts-dejavu-core "
        "or set OSMS_PDF_FONT_DIR to a folder holding DejaVuSans.ttf and DejaVuSans-Bold.ttf"
    )


def _money(value: Decimal) -> str:
    """1 234 567.89: groups of thousands with a thin space, as the documents print them."""
    text = format_money(value)
    whole, cents = text.split(".")
    sign = "-" if whole.startswith("-") else ""
    whole = whole.lstrip("-")
    groups: list[str] = []
    while whole:
        groups.insert(0, whole[-3:])
        whole = whole[:-3]
    return f"{sign}{' '.join(groups)}.{cents}"


def _dmy(value: date | None) -> str:
    return value.strftime("%d.%m.%Y") if value else "—"


def _both(key: str) -> str:
    kk, ru, _ = T[key]
    return f"{kk} / {ru}"


def _method(code: str) -> str:
    kk, ru = label("kk", "payment_line", code), label("ru", "payment_line", code)
    return kk if kk == ru else f"{kk} / {ru}"


def render_pdf(act: Act) -> bytes:
    """The act as PDF bytes (A4, DejaVu Sans; text is real text: it can be searched and copied)."""
    from fpdf import FPDF  # the PDF library is loaded only when an act is drawn

    folder = font_dir()
    pdf = FPDF(orientation="portrait", unit="mm", format="A4")
    pdf.set_title(f"{T['title'][1]} {act.contract_id} {act.month}")
    pdf.set_author(FUND_NAME["ru"])
    pdf.set_creator("OSMS")
    for style, name in FONT_FILES.items():
        pdf.add_font("DejaVu", style, str(folder / name))
    pdf.set_margins(15, 12, 15)
    pdf.set_auto_page_break(True, margin=12)
    pdf.add_page()
    width = pdf.epw

    def heading(key: str, size: int = 11) -> None:
        pdf.set_font("DejaVu", "B", size)
        pdf.multi_cell(width, 6, _both(key), new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("DejaVu", "", 7)
        pdf.multi_cell(width, 4, T[key][2], new_x="LMARGIN", new_y="NEXT")

    def pair(key: str, value: str, size: int = 9, height: int = 5) -> None:
        y = pdf.get_y()
        pdf.set_font("DejaVu", "B", size)
        pdf.multi_cell(95, height, _both(key), align="L", new_x="LMARGIN", new_y="NEXT")
        below = pdf.get_y()
        pdf.set_xy(pdf.l_margin + 95, y)
        pdf.set_font("DejaVu", "B" if size > 9 else "", size)
        pdf.multi_cell(width - 95, height, value, new_x="LMARGIN", new_y="NEXT")
        pdf.set_y(max(pdf.get_y(), below))

    def table(header: Sequence[str], rows: Sequence[Sequence[str]], widths: Sequence[int]) -> None:
        pdf.set_font("DejaVu", "", 8)
        with pdf.table(col_widths=tuple(widths), text_align=("LEFT", "RIGHT", "RIGHT"), line_height=5) as tab:
            head = tab.row()
            for text in header:
                head.cell(text)
            for values in rows:
                row = tab.row()
                for text in values:
                    row.cell(text)
        pdf.ln(2)

    pdf.set_font("DejaVu", "B", 14)
    pdf.multi_cell(width, 8, _both("title"), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", "", 8)
    pdf.multi_cell(
        width, 4, f"{T['title'][2]} · {act.contract_id} · {act.month}", align="C", new_x="LMARGIN", new_y="NEXT"
    )
    pdf.ln(3)

    pair("customer", f"{FUND_NAME['kk']}\n{FUND_NAME['ru']}")
    pair("supplier", f"{act.provider_name} ({act.provider_id})")
    pair("bin", act.provider_bin or "—")
    pair("contract", act.contract_id)
    pair("month", act.month)
    pdf.ln(2)

    heading("lines")
    rows = [
        [_method(x.method) + (f" · {x.care_type}" if x.care_type else ""), str(x.quantity), _money(x.amount)]
        for x in act.lines
    ]
    rows.append([_both("accrued"), "", _money(act.accrued)])
    table([_both("method"), _both("quantity"), _both("amount")], rows, (95, 35, 50))

    for key, items, kind in (("unpaid", act.unpaid, "service_finding"), ("deductions", act.deductions, "defect")):
        heading(key)
        if not items:
            pdf.set_font("DejaVu", "", 9)
            pdf.multi_cell(width, 5, _both("none"), new_x="LMARGIN", new_y="NEXT")
            pdf.ln(2)
            continue
        found = [
            [f"{x.code}: {x.title}" if x.title else _code(kind, x.code), str(x.count), _money(x.amount)] for x in items
        ]
        table([_both("code"), _both("count"), _both("amount")], found, (95, 35, 50))

    pair("advance", _money(act.advance_withheld))
    pair("linear", _money(act.linear_scale_cut))
    pair("payable", f"{_money(act.payable)} ₸", size=11, height=7)
    pdf.ln(1)
    pair("protocol", _dmy(act.protocol_date))
    pair("objection", _dmy(act.objection_until))
    pair("due", _dmy(act.payment_due))
    if act.synthetic or not act.verified:
        key = "synthetic" if act.synthetic else "unverified"
        pdf.set_font("DejaVu", "B", 9)
        pdf.set_text_color(160, 0, 0)
        pdf.multi_cell(width, 5, "\n".join(T[key]), new_x="LMARGIN", new_y="NEXT")
        pdf.set_text_color(0, 0, 0)
    pdf.ln(4)

    heading("signatures")
    state = f"{_both('signed')}: {_dmy(act.signed_on)}" if act.signed_on else _both("unsigned")
    if act.signed_by:
        state += f" ({act.signed_by})"
    pdf.set_font("DejaVu", "", 9)
    half = width / 2
    y = pdf.get_y()
    pdf.multi_cell(half - 5, 5, f"{_both('customer')}\n{FUND_NAME['kk']}\n\n____________________", new_x="RIGHT")
    pdf.set_xy(pdf.l_margin + half, y)
    pdf.multi_cell(half, 5, f"{_both('supplier')}\n{act.provider_name}\n\n____________________", new_x="LMARGIN")
    pdf.set_y(max(pdf.get_y(), y + 20))
    pdf.multi_cell(width, 5, state, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", "", 7)
    pdf.multi_cell(width, 4, "\n".join(T["eds"]), new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def _code(kind: str, code: str) -> str:
    kk, ru = label("kk", kind, code), label("ru", kind, code)
    if kk == code and ru == code:
        return code
    return f"{code}: {kk}" if kk == ru else f"{code}: {kk} / {ru}"
