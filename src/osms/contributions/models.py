"""The contributions ledger and the per-person-month coverage summary.

``payment`` is the ledger: one row per credited register row, never updated or deleted. A
reversal is its own row (kind ``reversal``, reference ``REV:<original reference>``) pointing at
the payment it cancels through ``reverses``.

``person_month`` is the summary a status check reads instead of the ledger: for each person and
period, what is still credited after reversals. Ingestion recomputes the rows of the
(person, period) pairs a register touched, set-based, in the same transaction as the ledger rows.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import Date, Index, Integer, SmallInteger, String, text
from sqlalchemy.orm import Mapped, mapped_column

from osms.core.db import Base
from osms.core.money import Money
from osms.core.periods import Month, MonthType

# Register kinds (docs/payment-registers.md) and their bit in person_month.kinds.
PAYMENT_KINDS: dict[str, int] = {
    "employer_deduction": 1,
    "employee_contribution": 2,
    "civil_contract": 4,
    "ie_contribution": 8,
    "self_payment": 16,
    "state_contribution": 32,
}
REVERSAL = "reversal"


class Payment(Base):
    __tablename__ = "payment"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    reference: Mapped[str] = mapped_column(String(80), unique=True)
    # The import batch the row came in with; checked once per statement by a trigger (migration
    # 0006), not by a foreign key that probes import_batch once per inserted row.
    batch_id: Mapped[int] = mapped_column(Integer)
    line: Mapped[int] = mapped_column(Integer)
    payer_id: Mapped[str] = mapped_column(String(12), index=True)
    payer_kind: Mapped[str] = mapped_column(String(24))
    iin: Mapped[str] = mapped_column(String(12))
    period: Mapped[Month] = mapped_column(MonthType)
    kind: Mapped[str] = mapped_column(String(24))
    amount: Mapped[Decimal] = mapped_column(Money)
    value_date: Mapped[date] = mapped_column(Date)
    reverses: Mapped[str | None] = mapped_column(String(80))

    __table_args__ = (
        Index("ix_payment_iin_period", "iin", "period"),
        # A payment is reversed at most once. Partial: most rows are payments with no `reverses`.
        Index(
            "uq_payment_reverses",
            "reverses",
            unique=True,
            sqlite_where=text("reverses IS NOT NULL"),
            postgresql_where=text("reverses IS NOT NULL"),
        ),
        # Batch ids grow with the table: a BRIN index is tiny and cheap to keep on PostgreSQL.
        Index("ix_payment_batch_id", "batch_id", postgresql_using="brin"),
    )


class PersonMonth(Base):
    """What is credited for a person and a period after reversals (the coverage summary)."""

    __tablename__ = "person_month"

    iin: Mapped[str] = mapped_column(String(12), primary_key=True)
    period: Mapped[Month] = mapped_column(MonthType, primary_key=True)
    amount: Mapped[Decimal] = mapped_column(Money)
    payments: Mapped[int] = mapped_column(Integer)
    kinds: Mapped[int] = mapped_column(SmallInteger)  # OR of PAYMENT_KINDS bits still credited
    payer_id: Mapped[str] = mapped_column(String(12))  # payer of the largest credited payment
    first_value_date: Mapped[date] = mapped_column(Date)  # when the period first became paid
