"""audit log: BRIN index on ``at`` on PostgreSQL

The audit log only grows, in time order, and every status check appends to it: a BRIN index
answers "what happened between two times" from a few pages and costs almost nothing per
insert, where the B-tree cost a page write per entry (docs/performance.md). SQLite keeps a
B-tree (it has no BRIN).

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-24
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.drop_index("ix_audit_log_at", table_name="audit_log")
    op.create_index("ix_audit_log_at", "audit_log", ["at"], postgresql_using="brin")


def downgrade() -> None:
    op.drop_index("ix_audit_log_at", table_name="audit_log")
    op.create_index("ix_audit_log_at", "audit_log", ["at"])
