"""providers: the provider's bank account (IBAN and BIC) in the register

The payment-order file for the bank names the payee's account (``payee_iban``; PAY п.26: payment to
the provider's bank account). Both columns are nullable: an entry without an account is still an
entry, and its orders are flagged ``no_iban`` (docs/payments.md).

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0020"
down_revision: str | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("provider") as batch_op:
        batch_op.add_column(sa.Column("iban", sa.String(20), nullable=True))
        batch_op.add_column(sa.Column("bank_bic", sa.String(11), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("provider") as batch_op:
        batch_op.drop_column("bank_bic")
        batch_op.drop_column("iban")
