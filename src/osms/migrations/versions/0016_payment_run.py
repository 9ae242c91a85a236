"""payments: the monthly run per contract, its lines, unpaid items, deductions, recalculations,
prices, traces and manual adjustments (docs/payments.md, "The monthly run"); new, empty tables

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-05
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import osms.core.money

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BigKey = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _money() -> osms.core.money.Money:
    return osms.core.money.Money()


def upgrade() -> None:
    op.create_table(
        "payment_run",
        sa.Column("id", BigKey, primary_key=True, autoincrement=True),
        sa.Column("contract_id", sa.String(64), sa.ForeignKey("contract.contract_id"), nullable=False),
        sa.Column("provider_id", sa.String(32), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("rulebook", sa.String(64), nullable=False),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("computed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("computed_on", sa.Date(), nullable=False),
        *[
            sa.Column(name, _money(), nullable=False)
            for name in (
                "gross",
                "unpaid_total",
                "deductions_total",
                "recalculation_total",
                "adjustments_total",
                "linear_scale_cut",
                "cap_cut",
                "december_cut",
                "advance_withheld",
                "payable",
            )
        ],
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("protocol_date", sa.Date(), nullable=True),
        sa.Column("objection_until", sa.Date(), nullable=True),
        sa.Column("objected_on", sa.Date(), nullable=True),
        sa.Column("objection", sa.Text(), nullable=True),
        sa.Column("answer_due", sa.Date(), nullable=True),
        sa.Column("answered_on", sa.Date(), nullable=True),
        sa.Column("answer", sa.Text(), nullable=True),
        sa.Column("signed_on", sa.Date(), nullable=True),
        sa.Column("signed_by", sa.String(64), nullable=True),
        sa.Column("payment_due", sa.Date(), nullable=True),
        sa.UniqueConstraint("contract_id", "month", name="uq_payment_run_contract_month"),
        sa.CheckConstraint("status IN ('computed','protocol','objected','signed')", name="status"),
    )
    op.create_index("ix_payment_run_month", "payment_run", ["month", "status"])
    op.create_index("ix_payment_run_provider", "payment_run", ["provider_id", "month"])

    def child(name: str, *columns: sa.Column[object] | sa.CheckConstraint) -> None:
        op.create_table(
            name,
            sa.Column("id", BigKey, primary_key=True, autoincrement=True),
            sa.Column("run_id", BigKey, sa.ForeignKey("payment_run.id", ondelete="CASCADE"), nullable=False),
            *columns,
        )

    child(
        "payment_run_line",
        sa.Column("method", sa.String(24), nullable=False),
        sa.Column("care_type", sa.String(24), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("amount", _money(), nullable=False),
        sa.Column("cut", _money(), nullable=False),
        sa.Column("rules", sa.Text(), nullable=False),
        sa.CheckConstraint(
            "method IN ('per_capita','per_service','per_case','ambulance_per_capita','ambulance_per_call')",
            name="method",
        ),
    )
    op.create_index("ix_payment_run_line_run", "payment_run_line", ["run_id"])
    child(
        "payment_run_unpaid",
        sa.Column("code", sa.String(32), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("amount", _money(), nullable=False),
    )
    op.create_index("ix_payment_run_unpaid_run", "payment_run_unpaid", ["run_id"])
    child(
        "payment_run_deduction",
        sa.Column("code", sa.String(8), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("amount", _money(), nullable=False),
        sa.Column("defect_ids", sa.Text(), nullable=False),
        sa.Column("rules", sa.Text(), nullable=False),
    )
    op.create_index("ix_payment_run_deduction_run", "payment_run_deduction", ["run_id"])
    child(
        "payment_recalculation",
        sa.Column("of_month", sa.Date(), nullable=False),
        sa.Column("cause", sa.String(16), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("amount", _money(), nullable=False),
        sa.Column("refs", sa.Text(), nullable=False),
        sa.CheckConstraint("cause IN ('correction','hidden_defect')", name="cause"),
    )
    op.create_index("ix_payment_recalculation_run", "payment_recalculation", ["run_id"])
    child(
        "payment_run_trace",
        sa.Column("target", sa.String(12), nullable=False),
        sa.Column("target_id", BigKey, nullable=False),
        sa.Column("record_ref", BigKey, nullable=True),
        sa.Column("defect_id", BigKey, nullable=True),
        sa.Column("price_id", BigKey, nullable=True),
        sa.Column("amount", _money(), nullable=False),
        sa.CheckConstraint("target IN ('line','unpaid','deduction','recalc')", name="target"),
    )
    op.create_index("ix_payment_run_trace_run", "payment_run_trace", ["run_id", "target"])
    op.create_index("ix_payment_run_trace_record", "payment_run_trace", ["record_ref"])
    op.create_table(
        "payment_run_price",
        sa.Column("id", BigKey, primary_key=True, autoincrement=True),
        sa.Column("run_month", sa.Date(), nullable=False),
        sa.Column("combo", sa.String(300), nullable=False),
        sa.Column("method", sa.String(24), nullable=False),
        sa.Column("price", _money(), nullable=True),
        sa.Column("refusal", sa.String(32), nullable=True),
        sa.Column("rules", sa.Text(), nullable=False),
        sa.UniqueConstraint("run_month", "combo", name="uq_payment_run_price"),
    )
    op.create_table(
        "payment_adjustment",
        sa.Column("id", BigKey, primary_key=True, autoincrement=True),
        sa.Column("contract_id", sa.String(64), sa.ForeignKey("contract.contract_id"), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("amount", _money(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("created_by", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("amount <> 0", name="amount"),
    )
    op.create_index("ix_payment_adjustment_contract_month", "payment_adjustment", ["contract_id", "month"])


def downgrade() -> None:
    for name in (
        "payment_adjustment",
        "payment_run_price",
        "payment_run_trace",
        "payment_recalculation",
        "payment_run_deduction",
        "payment_run_unpaid",
        "payment_run_line",
        "payment_run",
    ):
        op.drop_table(name)
