"""The payment-order file for the bank (docs/payments.md, "The act and the payment orders").

One row per signed act whose payment falls due on or before a day: the fund pays the provider the
act's payable sum (PAY: within 10 calendar days of signing; ``seeds-2016``: invoices by the 25th).
The Kazakh banks' own electronic formats (the interbank MT102 and ISO 20022 ``pain.001`` as the
National Bank's clearing uses them) were not obtained in a citable version, so the file is a
documented CSV that a treasury system maps to its own import: UTF-8, comma-separated, a header
row, amounts with two decimals and a dot, dates ``YYYY-MM-DD``. ``COLUMNS`` names the columns in
order. The payee's account, ``payee_iban``, is the provider's IBAN in the providers' register
(``providers.queries.providers``, checked mod 97 when loaded; PAY п.26: payment to the provider's
bank account). A provider the register has no IBAN for still gets its order, so that the sum due is
not silently dropped from the file, but with ``payee_iban`` empty (never guessed) and the last
column ``problem`` = ``no_iban``: the bank's import refuses such a row, and the fund completes the
register and sends the order again. ``problem`` is empty on a row the bank can pay. The payer's BIN
is the setting ``OSMS_FUND_BIN`` (empty when unset). An act whose payable sum is zero or negative
(the provider owes: a recalculation) makes no order.

An advance the fund decided (``payments.advances``; PAY п.8-12) is its own order, numbered
``<contract_id>/<year>/advance-<kind>``, due on the day it was decided (``signed_on`` and
``due_date`` are that day, ``month`` its month).
"""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Final

from osms.core.money import format_money
from osms.payments.act import FUND_NAME

#: The columns of the file, in order.
COLUMNS: Final = (
    "order_no",  # the act's number: <contract_id>/<month>; an advance's <contract_id>/<year>/advance-<kind>
    "payer_name",  # the fund (Russian name, as the bank registers it)
    "payer_bin",  # the fund's BIN (setting OSMS_FUND_BIN; empty when unset)
    "payee_id",  # the provider's id in the register
    "payee_name",
    "payee_bin",
    "payee_iban",  # the provider's IBAN in the register; empty when it has none (problem no_iban)
    "amount",  # the act's payable sum, tenge, two decimals
    "currency",  # KZT
    "purpose_kk",
    "purpose_ru",
    "contract_id",
    "month",  # the month paid, YYYY-MM
    "signed_on",  # the day the act was signed
    "due_date",  # the last day of payment
    "problem",  # empty: the bank can pay it; no_iban: the register has no account for the payee
)
#: ``problem`` of an order whose payee has no IBAN in the register.
NO_IBAN: Final = "no_iban"


@dataclass(frozen=True)
class Order:
    """One payment: a signed act's payable sum to its provider."""

    contract_id: str
    month: str
    provider_id: str
    provider_name: str
    provider_bin: str
    amount: Decimal
    signed_on: date
    due_date: date
    provider_iban: str | None = None
    advance: str | None = None  # an advance's kind (signing, december); None: a signed act
    advance_year: int | None = None

    @property
    def problem(self) -> str:
        """Why the bank cannot pay the order as it stands (empty: it can)."""
        return "" if self.provider_iban else NO_IBAN

    @property
    def number(self) -> str:
        if self.advance is not None:
            return f"{self.contract_id}/{self.advance_year}/advance-{self.advance}"
        return f"{self.contract_id}/{self.month}"

    def purpose(self) -> tuple[str, str]:
        """The purpose of payment in Kazakh and Russian."""
        day = f"{self.signed_on:%d.%m.%Y}"
        if self.advance == "signing":
            return (
                f"{self.contract_id} шарты бойынша {self.advance_year} жылға аванс (шарт жасалған кезде, шешім {day})",
                f"Аванс по договору {self.contract_id} на {self.advance_year} год (при заключении договора, "
                f"решение от {day})",
            )
        if self.advance == "december":
            return (
                f"{self.contract_id} шарты бойынша {self.advance_year} жылғы желтоқсанға аванс (шешім {day})",
                f"Аванс за декабрь {self.advance_year} года по договору {self.contract_id} (решение от {day})",
            )
        return (
            f"{self.contract_id} шарты бойынша {self.month} айында көрсетілген медициналық көмек үшін төлем "
            f"(көрсетілген қызметтер актісі {self.signed_on:%d.%m.%Y})",
            f"Оплата за медицинскую помощь, оказанную в {self.month} по договору {self.contract_id} "
            f"(акт оказанных услуг от {self.signed_on:%d.%m.%Y})",
        )

    def row(self, payer_bin: str) -> dict[str, str]:
        kk, ru = self.purpose()
        return {
            "order_no": self.number,
            "payer_name": FUND_NAME["ru"],
            "payer_bin": payer_bin,
            "payee_id": self.provider_id,
            "payee_name": self.provider_name,
            "payee_bin": self.provider_bin,
            "payee_iban": self.provider_iban or "",
            "amount": format_money(self.amount),
            "currency": "KZT",
            "purpose_kk": kk,
            "purpose_ru": ru,
            "contract_id": self.contract_id,
            "month": self.month,
            "signed_on": self.signed_on.isoformat(),
            "due_date": self.due_date.isoformat(),
            "problem": self.problem,
        }


def payable(orders: Iterable[Order], due_by: date) -> list[Order]:
    """The orders due on or before ``due_by`` with a positive sum, by due date, then number."""
    chosen = [o for o in orders if o.due_date <= due_by and o.amount > 0]
    return sorted(chosen, key=lambda o: (o.due_date, o.contract_id, o.month, o.number))


def without_iban(orders: Iterable[Order]) -> int:
    """How many of ``orders`` name no payee account (``problem`` = ``no_iban``)."""
    return sum(1 for o in orders if o.problem == NO_IBAN)


def fund_bin() -> str:
    return os.environ.get("OSMS_FUND_BIN", "").strip()


def to_csv(orders: Sequence[Order], *, payer_bin: str | None = None) -> str:
    """The file's text (header and one row per order)."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    payer = fund_bin() if payer_bin is None else payer_bin
    for order in orders:
        writer.writerow(order.row(payer))
    return out.getvalue()
