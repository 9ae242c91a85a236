"""contracts: the fund's contracts with providers, their months, indicators and additional
agreements (docs/providers.md, "Contracts"); new, empty tables

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-05
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import osms.core.money

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

GROUNDS = (
    "ground IN ('procurement','before_system','p19_population_growth','p19_population_structure',"
    "'p19_reserve','p19_new_facility','p19_other')"
)


def upgrade() -> None:
    op.create_table(
        "contract",
        sa.Column("contract_id", sa.String(length=64), nullable=False),
        sa.Column("provider_id", sa.String(length=32), nullable=False),
        sa.Column("fund_party", sa.String(length=200), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("valid_to", sa.Date(), nullable=False),
        sa.Column("signed_on", sa.Date(), nullable=False),
        sa.Column("ground", sa.String(length=32), nullable=False),
        sa.Column("procurement_id", sa.String(length=64), nullable=True),
        sa.Column("ground_note", sa.String(length=500), nullable=True),
        sa.Column("advance_percent", sa.Integer(), nullable=False),
        sa.Column("place_of_service", sa.String(length=300), nullable=False),
        sa.Column("terminated_on", sa.Date(), nullable=True),
        sa.Column("termination", sa.String(length=24), nullable=True),
        sa.Column("termination_note", sa.String(length=500), nullable=True),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.text("(CURRENT_TIMESTAMP)"), nullable=False
        ),
        sa.CheckConstraint("valid_to >= valid_from", name=op.f("ck_contract_period")),
        sa.CheckConstraint(GROUNDS, name=op.f("ck_contract_ground")),
        sa.CheckConstraint(
            "(ground = 'procurement') = (procurement_id IS NOT NULL)", name=op.f("ck_contract_procurement_ground")
        ),
        sa.CheckConstraint("advance_percent BETWEEN 0 AND 100", name=op.f("ck_contract_advance_percent")),
        sa.CheckConstraint(
            "termination IS NULL OR termination IN ('nonperformance','provider_initiative','agreement')",
            name=op.f("ck_contract_termination"),
        ),
        sa.CheckConstraint(
            "(termination IS NULL) = (terminated_on IS NULL)", name=op.f("ck_contract_terminated_with_reason")
        ),
        sa.ForeignKeyConstraint(
            ["provider_id"], ["provider.provider_id"], name=op.f("fk_contract_provider_id_provider")
        ),
        sa.PrimaryKeyConstraint("contract_id", name=op.f("pk_contract")),
    )
    with op.batch_alter_table("contract", schema=None) as batch_op:
        batch_op.create_index("ix_contract_provider", ["provider_id", "valid_from"], unique=False)

    op.create_table(
        "contract_amendment",
        sa.Column("contract_id", sa.String(length=64), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("signed_on", sa.Date(), nullable=False),
        sa.Column("note", sa.String(length=500), nullable=True),
        sa.Column("changes", sa.Text(), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.text("(CURRENT_TIMESTAMP)"), nullable=False
        ),
        sa.CheckConstraint("number >= 1", name=op.f("ck_contract_amendment_number")),
        sa.ForeignKeyConstraint(
            ["contract_id"], ["contract.contract_id"], name=op.f("fk_contract_amendment_contract_id_contract")
        ),
        sa.PrimaryKeyConstraint("contract_id", "number", name=op.f("pk_contract_amendment")),
    )
    op.create_table(
        "contract_indicator",
        sa.Column("contract_id", sa.String(length=64), nullable=False),
        sa.Column("indicator", sa.String(length=64), nullable=False),
        sa.Column("target", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["contract_id"], ["contract.contract_id"], name=op.f("fk_contract_indicator_contract_id_contract")
        ),
        sa.PrimaryKeyConstraint("contract_id", "indicator", name=op.f("pk_contract_indicator")),
    )
    op.create_table(
        "contract_month",
        sa.Column("contract_id", sa.String(length=64), nullable=False),
        sa.Column("care_type", sa.String(length=24), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("volume", sa.Integer(), nullable=False),
        sa.Column("sum", osms.core.money.Money(precision=18, scale=2), nullable=False),
        sa.CheckConstraint("volume >= 0", name=op.f("ck_contract_month_volume")),
        sa.CheckConstraint("sum >= 0", name=op.f("ck_contract_month_sum")),
        sa.ForeignKeyConstraint(
            ["contract_id"], ["contract.contract_id"], name=op.f("fk_contract_month_contract_id_contract")
        ),
        sa.PrimaryKeyConstraint("contract_id", "care_type", "month", name=op.f("pk_contract_month")),
    )
    with op.batch_alter_table("contract_month", schema=None) as batch_op:
        batch_op.create_index("ix_contract_month_care_type", ["care_type", "month"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("contract_month", schema=None) as batch_op:
        batch_op.drop_index("ix_contract_month_care_type")

    op.drop_table("contract_month")
    op.drop_table("contract_indicator")
    op.drop_table("contract_amendment")
    with op.batch_alter_table("contract", schema=None) as batch_op:
        batch_op.drop_index("ix_contract_provider")

    op.drop_table("contract")
