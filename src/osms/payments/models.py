"""The payments room's tables (docs/payments.md, "The monthly run").

A run (``payment_run``) is one contract's month: its lines by method (``payment_run_line``), what
was not paid and why (``payment_run_unpaid``), the deductions by defect code
(``payment_run_deduction``), the recalculations of earlier signed months that land in it
(``payment_recalculation``), and the traces (``payment_run_trace``): each service record or defect
and the line, unpaid item, deduction or recalculation it fed, with its amount and the price row
(``payment_run_price``: one per distinct tariff combination, with the rule ids) it was priced by.
Manual other payments and deductions (``payment_adjustment``) belong to the contract and month, so a
re-run keeps them. Re-running an unsigned month replaces the run and its rows; signing freezes them.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from osms.core.db import Base
from osms.core.money import Money

BigKey = BigInteger().with_variant(Integer(), "sqlite")

#: Where a run stands.
RUN_STATUSES = ("computed", "protocol", "objected", "signed")
#: The lines' methods.
LINE_METHODS = ("per_capita", "per_service", "per_case", "ambulance_per_capita", "ambulance_per_call")


def _one_of(column: str, codes: tuple[str, ...]) -> str:
    return f"{column} IN ({','.join(repr(c) for c in codes)})"


class PaymentRun(Base):
    """One contract's month: the totals and the protocol's dates."""

    __tablename__ = "payment_run"

    id: Mapped[int] = mapped_column(BigKey, primary_key=True, autoincrement=True)
    contract_id: Mapped[str] = mapped_column(String(64), ForeignKey("contract.contract_id"))
    provider_id: Mapped[str] = mapped_column(String(32))
    month: Mapped[date] = mapped_column(Date)
    rulebook: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(12))
    computed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    computed_on: Mapped[date] = mapped_column(Date)
    gross: Mapped[Decimal] = mapped_column(Money())
    unpaid_total: Mapped[Decimal] = mapped_column(Money())
    deductions_total: Mapped[Decimal] = mapped_column(Money())
    recalculation_total: Mapped[Decimal] = mapped_column(Money())
    adjustments_total: Mapped[Decimal] = mapped_column(Money())
    linear_scale_cut: Mapped[Decimal] = mapped_column(Money())
    cap_cut: Mapped[Decimal] = mapped_column(Money())
    december_cut: Mapped[Decimal] = mapped_column(Money())
    advance_withheld: Mapped[Decimal] = mapped_column(Money())
    payable: Mapped[Decimal] = mapped_column(Money())
    notes: Mapped[str | None] = mapped_column(Text)
    protocol_date: Mapped[date | None] = mapped_column(Date)
    objection_until: Mapped[date | None] = mapped_column(Date)
    objected_on: Mapped[date | None] = mapped_column(Date)
    objection: Mapped[str | None] = mapped_column(Text)
    answer_due: Mapped[date | None] = mapped_column(Date)
    answered_on: Mapped[date | None] = mapped_column(Date)
    answer: Mapped[str | None] = mapped_column(Text)
    signed_on: Mapped[date | None] = mapped_column(Date)
    signed_by: Mapped[str | None] = mapped_column(String(64))
    payment_due: Mapped[date | None] = mapped_column(Date)

    __table_args__ = (
        UniqueConstraint("contract_id", "month", name="uq_payment_run_contract_month"),
        CheckConstraint(_one_of("status", RUN_STATUSES), name="status"),
        Index("ix_payment_run_month", "month", "status"),
        Index("ix_payment_run_provider", "provider_id", "month"),
    )


class PaymentRunLine(Base):
    """A line of a run: a method (and care type) with its quantity and amount."""

    __tablename__ = "payment_run_line"

    id: Mapped[int] = mapped_column(BigKey, primary_key=True, autoincrement=True)
    run_id: Mapped[int] = mapped_column(BigKey, ForeignKey("payment_run.id", ondelete="CASCADE"))
    method: Mapped[str] = mapped_column(String(24))
    care_type: Mapped[str] = mapped_column(String(24))
    quantity: Mapped[int] = mapped_column(Integer)
    amount: Mapped[Decimal] = mapped_column(Money())
    cut: Mapped[Decimal] = mapped_column(Money())  # the linear scale's share of this line
    rules: Mapped[str] = mapped_column(Text)  # rule ids, ';'-joined

    __table_args__ = (
        CheckConstraint(_one_of("method", LINE_METHODS), name="method"),
        Index("ix_payment_run_line_run", "run_id"),
    )


class PaymentRunUnpaid(Base):
    """Records left out of a run, by the finding that makes them unpayable."""

    __tablename__ = "payment_run_unpaid"

    id: Mapped[int] = mapped_column(BigKey, primary_key=True, autoincrement=True)
    run_id: Mapped[int] = mapped_column(BigKey, ForeignKey("payment_run.id", ondelete="CASCADE"))
    code: Mapped[str] = mapped_column(String(32))
    count: Mapped[int] = mapped_column(Integer)
    amount: Mapped[Decimal] = mapped_column(Money())

    __table_args__ = (Index("ix_payment_run_unpaid_run", "run_id"),)


class PaymentRunDeduction(Base):
    """Deductions of a run by defect code: the count of confirmed defects, the amount, their ids."""

    __tablename__ = "payment_run_deduction"

    id: Mapped[int] = mapped_column(BigKey, primary_key=True, autoincrement=True)
    run_id: Mapped[int] = mapped_column(BigKey, ForeignKey("payment_run.id", ondelete="CASCADE"))
    code: Mapped[str] = mapped_column(String(8))
    count: Mapped[int] = mapped_column(Integer)
    amount: Mapped[Decimal] = mapped_column(Money())
    defect_ids: Mapped[str] = mapped_column(Text)  # ';'-joined
    rules: Mapped[str] = mapped_column(Text)

    __table_args__ = (Index("ix_payment_run_deduction_run", "run_id"),)


class PaymentRecalculation(Base):
    """A later month's line that corrects a signed month: its cause (``correction``: the records
    changed or a defect was withdrawn; ``hidden_defect``: a defect confirmed after payment, within
    6 months), the month it corrects and the amount (negative: taken back)."""

    __tablename__ = "payment_recalculation"

    id: Mapped[int] = mapped_column(BigKey, primary_key=True, autoincrement=True)
    run_id: Mapped[int] = mapped_column(BigKey, ForeignKey("payment_run.id", ondelete="CASCADE"))
    of_month: Mapped[date] = mapped_column(Date)
    cause: Mapped[str] = mapped_column(String(16))
    count: Mapped[int] = mapped_column(Integer)
    amount: Mapped[Decimal] = mapped_column(Money())
    refs: Mapped[str] = mapped_column(Text)  # record or defect ids, ';'-joined

    __table_args__ = (
        CheckConstraint("cause IN ('correction','hidden_defect')", name="cause"),
        Index("ix_payment_recalculation_run", "run_id"),
    )


class PaymentRunPrice(Base):
    """A distinct tariff combination of a run and its price (priced once), with the rule ids."""

    __tablename__ = "payment_run_price"

    id: Mapped[int] = mapped_column(BigKey, primary_key=True, autoincrement=True)
    run_month: Mapped[date] = mapped_column(Date)
    combo: Mapped[str] = mapped_column(String(300))
    method: Mapped[str] = mapped_column(String(24))
    price: Mapped[Decimal | None] = mapped_column(Money())
    refusal: Mapped[str | None] = mapped_column(String(32))
    rules: Mapped[str] = mapped_column(Text)

    __table_args__ = (UniqueConstraint("run_month", "combo", name="uq_payment_run_price"),)


class PaymentRunTrace(Base):
    """A service record or a defect and what it fed: a line, an unpaid item, a deduction or a
    recalculation (``target``, ``target_id``), with its amount."""

    __tablename__ = "payment_run_trace"

    id: Mapped[int] = mapped_column(BigKey, primary_key=True, autoincrement=True)
    # no foreign key: checked once per statement by a trigger (migration 0018), a million rows a month
    run_id: Mapped[int] = mapped_column(BigKey)
    target: Mapped[str] = mapped_column(String(12))
    target_id: Mapped[int] = mapped_column(BigKey)
    record_ref: Mapped[int | None] = mapped_column(BigKey)
    defect_id: Mapped[int | None] = mapped_column(BigKey)
    price_id: Mapped[int | None] = mapped_column(BigKey)
    amount: Mapped[Decimal] = mapped_column(Money())

    __table_args__ = (
        CheckConstraint("target IN ('line','unpaid','deduction','recalc')", name="target"),
        Index("ix_payment_run_trace_run", "run_id", "target"),
        Index("ix_payment_run_trace_record", "record_ref"),
    )


class PaymentAdjustment(Base):
    """A manual other payment (``amount`` above 0) or deduction (below 0) of a contract's month,
    with its reason and author."""

    __tablename__ = "payment_adjustment"

    id: Mapped[int] = mapped_column(BigKey, primary_key=True, autoincrement=True)
    contract_id: Mapped[str] = mapped_column(String(64), ForeignKey("contract.contract_id"))
    month: Mapped[date] = mapped_column(Date)
    amount: Mapped[Decimal] = mapped_column(Money())
    reason: Mapped[str] = mapped_column(Text)
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    __table_args__ = (
        CheckConstraint("amount <> 0", name="amount"),
        Index("ix_payment_adjustment_contract_month", "contract_id", "month"),
    )


#: The advances the fund pays (PAY п.8-12): on signing the contract, and in December.
ADVANCE_KINDS = ("signing", "december")


class PaymentAdvance(Base):
    """An advance the fund decided and pays a contract (docs/payments.md, "Advances"): its kind,
    the year, the percent of its base (the year's contract sum, or December's planned sum), the
    amount, who decided it and when, and the payment order's number. One per contract, kind and
    year; the monthly run withholds it (the signing advance in equal parts to November, the
    December advance in December)."""

    __tablename__ = "payment_advance"

    id: Mapped[int] = mapped_column(BigKey, primary_key=True, autoincrement=True)
    contract_id: Mapped[str] = mapped_column(String(64), ForeignKey("contract.contract_id"))
    provider_id: Mapped[str] = mapped_column(String(32))
    kind: Mapped[str] = mapped_column(String(12))
    year: Mapped[int] = mapped_column(Integer)
    percent: Mapped[int] = mapped_column(Integer)
    base: Mapped[Decimal] = mapped_column(Money())
    amount: Mapped[Decimal] = mapped_column(Money())
    rules: Mapped[str] = mapped_column(Text)
    decided_on: Mapped[date] = mapped_column(Date)
    decided_by: Mapped[str] = mapped_column(String(64))
    order_no: Mapped[str] = mapped_column(String(96))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    __table_args__ = (
        UniqueConstraint("contract_id", "kind", "year", name="uq_payment_advance_contract_kind_year"),
        CheckConstraint(_one_of("kind", ADVANCE_KINDS), name="kind"),
        CheckConstraint("amount > 0", name="amount"),
        CheckConstraint("percent > 0 AND percent <= 100", name="percent"),
        Index("ix_payment_advance_year", "year", "provider_id"),
    )
