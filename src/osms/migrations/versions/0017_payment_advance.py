"""payments: the advances the fund pays (PAY п.8-12: on signing and in December), withheld by the
monthly run (docs/payments.md, "Advances"); a new, empty table

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import osms.core.money

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BigKey = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "payment_advance",
        sa.Column("id", BigKey, primary_key=True, autoincrement=True),
        sa.Column("contract_id", sa.String(64), sa.ForeignKey("contract.contract_id"), nullable=False),
        sa.Column("provider_id", sa.String(32), nullable=False),
        sa.Column("kind", sa.String(12), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("percent", sa.Integer(), nullable=False),
        sa.Column("base", osms.core.money.Money(), nullable=False),
        sa.Column("amount", osms.core.money.Money(), nullable=False),
        sa.Column("rules", sa.Text(), nullable=False),
        sa.Column("decided_on", sa.Date(), nullable=False),
        sa.Column("decided_by", sa.String(64), nullable=False),
        sa.Column("order_no", sa.String(96), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("contract_id", "kind", "year", name="uq_payment_advance_contract_kind_year"),
        sa.CheckConstraint("kind IN ('signing','december')", name="kind"),
        sa.CheckConstraint("amount > 0", name="amount"),
        sa.CheckConstraint("percent > 0 AND percent <= 100", name="percent"),
    )
    op.create_index("ix_payment_advance_year", "payment_advance", ["year", "provider_id"])


def downgrade() -> None:
    op.drop_table("payment_advance")
