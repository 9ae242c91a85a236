"""payment ledger: partial unique index on reverses, BRIN index on batch_id

Every credited row is written into every index of ``payment``; these two were the cheapest to
lighten (docs/payment-registers.md): ``reverses`` is NULL for all but reversals, and batch ids
grow with the table.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("payment") as batch_op:
        batch_op.drop_constraint("uq_payment_reverses", type_="unique")
        batch_op.drop_index("ix_payment_batch_id")
    op.create_index(
        "uq_payment_reverses",
        "payment",
        ["reverses"],
        unique=True,
        sqlite_where=sa.text("reverses IS NOT NULL"),
        postgresql_where=sa.text("reverses IS NOT NULL"),
    )
    op.create_index("ix_payment_batch_id", "payment", ["batch_id"], postgresql_using="brin")


def downgrade() -> None:
    op.drop_index("ix_payment_batch_id", table_name="payment")
    op.drop_index("uq_payment_reverses", table_name="payment")
    with op.batch_alter_table("payment") as batch_op:
        batch_op.create_unique_constraint("uq_payment_reverses", ["reverses"])
        batch_op.create_index("ix_payment_batch_id", ["batch_id"])
