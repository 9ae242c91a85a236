"""claims intake: the findings and the records of one intake batch found by index (the intake
counts its findings and turns them into potential defects by batch; docs/claims.md, "Intake")

Revision ID: 0015_intake
Revises: 0014
Create Date: 2026-12-05
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0015_intake"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_service_finding_batch", "service_finding", ["batch_id"])


def downgrade() -> None:
    op.drop_index("ix_service_finding_batch", table_name="service_finding")
