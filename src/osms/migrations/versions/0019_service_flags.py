"""claims: a service record's flags at_home, remote, preventive_child (PAY п.66-68; docs/claims.md,
"Intake"), on the record and on its earlier versions; false for the records already there

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

FLAGS = ("at_home", "remote", "preventive_child")
TABLES = ("service_record", "service_record_version")


def upgrade() -> None:
    for name in TABLES:
        with op.batch_alter_table(name) as batch:
            for flag in FLAGS:
                batch.add_column(sa.Column(flag, sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade() -> None:
    for name in TABLES:
        with op.batch_alter_table(name) as batch:
            for flag in FLAGS:
                batch.drop_column(flag)
