"""procurement (slice procflow): announcements and plans, applications (signed or from a file),
stage-1 decisions, the commission (members, votes), hand changes and placements
(docs/providers.md, "Procurement workflow"); new, empty tables

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-05
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import osms.core.money  # noqa: F401  (custom column types)

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "procurement_announcement",
        sa.Column("announcement_id", sa.String(length=64), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("opens", sa.Date(), nullable=False),
        sa.Column("closes", sa.Date(), nullable=False),
        sa.Column("rulebook", sa.String(length=64), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("admitted_on", sa.Date(), nullable=True),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.CheckConstraint(
            "state IN ('announced','admitted','distributed','published')",
            name=op.f("ck_procurement_announcement_state"),
        ),
        sa.CheckConstraint("closes >= opens", name=op.f("ck_procurement_announcement_window")),
        sa.PrimaryKeyConstraint("announcement_id", name=op.f("pk_procurement_announcement")),
    )
    op.create_table(
        "procurement_adjustment",
        sa.Column("announcement_id", sa.String(length=64), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("care_type", sa.String(length=24), nullable=False),
        sa.Column("region", sa.String(length=16), nullable=False),
        sa.Column("provider_id", sa.String(length=32), nullable=False),
        sa.Column("volume", sa.Integer(), nullable=False),
        sa.Column("justification", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["announcement_id"],
            ["procurement_announcement.announcement_id"],
            name=op.f("fk_procurement_adjustment_announcement_id_procurement_announcement"),
        ),
        sa.PrimaryKeyConstraint("announcement_id", "seq", name=op.f("pk_procurement_adjustment")),
    )
    op.create_table(
        "procurement_application",
        sa.Column("announcement_id", sa.String(length=64), nullable=False),
        sa.Column("application_id", sa.String(length=64), nullable=False),
        sa.Column("provider_id", sa.String(length=32), nullable=False),
        sa.Column("care_type", sa.String(length=24), nullable=False),
        sa.Column("region", sa.String(length=16), nullable=False),
        sa.Column("volume", sa.Integer(), nullable=False),
        sa.Column("sum", osms.core.money.Money(precision=18, scale=2), nullable=False),
        sa.Column("submitted", sa.Date(), nullable=False),
        sa.Column("channel", sa.String(length=8), server_default="file", nullable=False),
        sa.Column("signed_content", sa.Text(), nullable=True),
        sa.Column("signature", sa.LargeBinary(), nullable=True),
        sa.Column("signed_by", sa.Text(), nullable=True),
        sa.Column("false_information", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("false_information_reason", sa.Text(), nullable=True),
        sa.Column("corrections", sa.Integer(), server_default="0", nullable=False),
        sa.CheckConstraint("channel IN ('file','api')", name=op.f("ck_procurement_application_channel")),
        sa.CheckConstraint("volume >= 0 AND sum >= 0", name=op.f("ck_procurement_application_amounts")),
        sa.ForeignKeyConstraint(
            ["announcement_id"],
            ["procurement_announcement.announcement_id"],
            name=op.f("fk_procurement_application_announcement_id_procurement_announcement"),
        ),
        sa.PrimaryKeyConstraint("announcement_id", "application_id", name=op.f("pk_procurement_application")),
    )
    with op.batch_alter_table("procurement_application", schema=None) as batch_op:
        batch_op.create_index("ix_procurement_application_provider", ["provider_id", "announcement_id"], unique=False)

    op.create_table(
        "procurement_member",
        sa.Column("announcement_id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("role", sa.String(length=8), nullable=False),
        sa.Column("relatives", sa.Text(), server_default="", nullable=False),
        sa.CheckConstraint("role IN ('chair','member')", name=op.f("ck_procurement_member_role")),
        sa.ForeignKeyConstraint(
            ["announcement_id"],
            ["procurement_announcement.announcement_id"],
            name=op.f("fk_procurement_member_announcement_id_procurement_announcement"),
        ),
        sa.PrimaryKeyConstraint("announcement_id", "name", name=op.f("pk_procurement_member")),
    )
    op.create_table(
        "procurement_placement",
        sa.Column("announcement_id", sa.String(length=64), nullable=False),
        sa.Column("care_type", sa.String(length=24), nullable=False),
        sa.Column("region", sa.String(length=16), nullable=False),
        sa.Column("provider_id", sa.String(length=32), nullable=False),
        sa.Column("volume", sa.Integer(), nullable=False),
        sa.Column("sum", osms.core.money.Money(precision=18, scale=2), nullable=False),
        sa.Column("preferred", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["announcement_id"],
            ["procurement_announcement.announcement_id"],
            name=op.f("fk_procurement_placement_announcement_id_procurement_announcement"),
        ),
        sa.PrimaryKeyConstraint(
            "announcement_id", "care_type", "region", "provider_id", name=op.f("pk_procurement_placement")
        ),
    )
    op.create_table(
        "procurement_plan_line",
        sa.Column("announcement_id", sa.String(length=64), nullable=False),
        sa.Column("care_type", sa.String(length=24), nullable=False),
        sa.Column("region", sa.String(length=16), nullable=False),
        sa.Column("volume", sa.Integer(), nullable=False),
        sa.Column("unit", sa.String(length=32), nullable=False),
        sa.Column("sum", osms.core.money.Money(precision=18, scale=2), nullable=False),
        sa.CheckConstraint("volume >= 0 AND sum >= 0", name=op.f("ck_procurement_plan_line_amounts")),
        sa.ForeignKeyConstraint(
            ["announcement_id"],
            ["procurement_announcement.announcement_id"],
            name=op.f("fk_procurement_plan_line_announcement_id_procurement_announcement"),
        ),
        sa.PrimaryKeyConstraint("announcement_id", "care_type", "region", name=op.f("pk_procurement_plan_line")),
    )
    op.create_table(
        "procurement_decision",
        sa.Column("announcement_id", sa.String(length=64), nullable=False),
        sa.Column("application_id", sa.String(length=64), nullable=False),
        sa.Column("decision", sa.String(length=16), nullable=False),
        sa.Column("preferred", sa.Boolean(), nullable=False),
        sa.Column("decided_on", sa.Date(), nullable=False),
        sa.Column("answer", sa.Text(), nullable=False),
        sa.CheckConstraint("decision IN ('admitted','rejected')", name=op.f("ck_procurement_decision_decision")),
        sa.ForeignKeyConstraint(
            ["announcement_id", "application_id"],
            ["procurement_application.announcement_id", "procurement_application.application_id"],
            name=op.f("fk_procurement_decision_announcement_id_procurement_application"),
        ),
        sa.PrimaryKeyConstraint("announcement_id", "application_id", name=op.f("pk_procurement_decision")),
    )
    op.create_table(
        "procurement_vote",
        sa.Column("announcement_id", sa.String(length=64), nullable=False),
        sa.Column("application_id", sa.String(length=64), nullable=False),
        sa.Column("member", sa.String(length=200), nullable=False),
        sa.Column("vote", sa.String(length=8), nullable=False),
        sa.CheckConstraint("vote IN ('for','against')", name=op.f("ck_procurement_vote_vote")),
        sa.ForeignKeyConstraint(
            ["announcement_id", "application_id"],
            ["procurement_decision.announcement_id", "procurement_decision.application_id"],
            name=op.f("fk_procurement_vote_announcement_id_procurement_decision"),
        ),
        sa.ForeignKeyConstraint(
            ["announcement_id", "member"],
            ["procurement_member.announcement_id", "procurement_member.name"],
            name=op.f("fk_procurement_vote_announcement_id_procurement_member"),
        ),
        sa.PrimaryKeyConstraint("announcement_id", "application_id", "member", name=op.f("pk_procurement_vote")),
    )


def downgrade() -> None:
    op.drop_table("procurement_vote")
    op.drop_table("procurement_decision")
    op.drop_table("procurement_plan_line")
    op.drop_table("procurement_placement")
    op.drop_table("procurement_member")
    with op.batch_alter_table("procurement_application", schema=None) as batch_op:
        batch_op.drop_index("ix_procurement_application_provider")

    op.drop_table("procurement_application")
    op.drop_table("procurement_adjustment")
    op.drop_table("procurement_announcement")
