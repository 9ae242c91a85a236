"""audit log: the outcome of each entry (ok, denied, failed) and the client's address

Denials and failed logins are logged next to the reads (docs/audit.md). Both columns are added
in place (``ALTER TABLE ... ADD COLUMN``; on SQLite without rebuilding the table), so the
append-only triggers of migration 0001 stay as they are; existing entries read as ``ok``.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-25
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("audit_log", sa.Column("outcome", sa.String(length=8), server_default="ok", nullable=False))
    op.add_column("audit_log", sa.Column("client", sa.String(length=64), nullable=True))


def downgrade() -> None:
    # SQLite (3.35+) drops a column in place too; the triggers of 0001 name no column.
    op.drop_column("audit_log", "client")
    op.drop_column("audit_log", "outcome")
