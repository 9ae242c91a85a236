"""providers: the register of health-care subjects, licences, resources, founders, fund employees and
contract history (docs/providers.md, "Register"); new, empty tables

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-05
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import osms.core.money

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "fund_employee",
        sa.Column("iin", sa.String(length=12), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("valid_to", sa.Date(), nullable=True),
        sa.CheckConstraint("valid_to IS NULL OR valid_to >= valid_from", name=op.f("ck_fund_employee_period")),
        sa.PrimaryKeyConstraint("iin", "valid_from", name=op.f("pk_fund_employee")),
    )
    op.create_table(
        "provider",
        sa.Column("provider_id", sa.String(length=32), nullable=False),
        sa.Column("bin", sa.String(length=12), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("ownership", sa.String(length=8), nullable=False),
        sa.Column("region", sa.String(length=16), nullable=False),
        sa.Column("settlement", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("accredited_until", sa.Date(), nullable=True),
        sa.Column("own_is", sa.Boolean(), nullable=False),
        sa.Column("tax_arrears", osms.core.money.Money(precision=18, scale=2), nullable=False),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), server_default=sa.text("(CURRENT_TIMESTAMP)"), nullable=False
        ),
        sa.CheckConstraint(
            "kind IN ('phc','polyclinic','hospital','ambulance','rural')", name=op.f("ck_provider_kind")
        ),
        sa.CheckConstraint("ownership IN ('state','private')", name=op.f("ck_provider_ownership")),
        sa.CheckConstraint(
            "status IN ('active','liquidation','bankruptcy','suspended')", name=op.f("ck_provider_status")
        ),
        sa.CheckConstraint("tax_arrears >= 0", name=op.f("ck_provider_tax_arrears")),
        sa.PrimaryKeyConstraint("provider_id", name=op.f("pk_provider")),
    )
    with op.batch_alter_table("provider", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_provider_bin"), ["bin"], unique=False)
        batch_op.create_index("ix_provider_region_kind", ["region", "kind"], unique=False)

    op.create_table(
        "provider_contract_history",
        sa.Column("contract_id", sa.String(length=64), nullable=False),
        sa.Column("provider_id", sa.String(length=32), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("valid_to", sa.Date(), nullable=False),
        sa.Column("terminated_on", sa.Date(), nullable=True),
        sa.Column("termination", sa.String(length=24), nullable=True),
        sa.CheckConstraint(
            "termination IS NULL OR termination IN ('nonperformance','provider_initiative','agreement')",
            name=op.f("ck_provider_contract_history_termination"),
        ),
        sa.CheckConstraint(
            "(termination IS NULL) = (terminated_on IS NULL)",
            name=op.f("ck_provider_contract_history_terminated_with_reason"),
        ),
        sa.CheckConstraint("valid_to >= valid_from", name=op.f("ck_provider_contract_history_period")),
        sa.ForeignKeyConstraint(
            ["provider_id"], ["provider.provider_id"], name=op.f("fk_provider_contract_history_provider_id_provider")
        ),
        sa.PrimaryKeyConstraint("contract_id", name=op.f("pk_provider_contract_history")),
    )
    with op.batch_alter_table("provider_contract_history", schema=None) as batch_op:
        batch_op.create_index("ix_provider_contract_history_provider", ["provider_id", "valid_from"], unique=False)

    op.create_table(
        "provider_founder",
        sa.Column("provider_id", sa.String(length=32), nullable=False),
        sa.Column("iin", sa.String(length=12), nullable=False),
        sa.Column("decision_rights", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["provider_id"], ["provider.provider_id"], name=op.f("fk_provider_founder_provider_id_provider")
        ),
        sa.PrimaryKeyConstraint("provider_id", "iin", name=op.f("pk_provider_founder")),
    )
    with op.batch_alter_table("provider_founder", schema=None) as batch_op:
        batch_op.create_index("ix_provider_founder_iin", ["iin", "provider_id"], unique=False)

    op.create_table(
        "provider_licence",
        sa.Column("provider_id", sa.String(length=32), nullable=False),
        sa.Column("care_type", sa.String(length=24), nullable=False),
        sa.Column("licensed_from", sa.Date(), nullable=False),
        sa.Column("licensed_to", sa.Date(), nullable=True),
        sa.Column("experience_from", sa.Date(), nullable=True),
        sa.CheckConstraint(
            "licensed_to IS NULL OR licensed_to >= licensed_from", name=op.f("ck_provider_licence_period")
        ),
        sa.ForeignKeyConstraint(
            ["provider_id"], ["provider.provider_id"], name=op.f("fk_provider_licence_provider_id_provider")
        ),
        sa.PrimaryKeyConstraint("provider_id", "care_type", "licensed_from", name=op.f("pk_provider_licence")),
    )
    with op.batch_alter_table("provider_licence", schema=None) as batch_op:
        batch_op.create_index("ix_provider_licence_care_type", ["care_type", "provider_id"], unique=False)

    op.create_table(
        "provider_resource",
        sa.Column("provider_id", sa.String(length=32), nullable=False),
        sa.Column("resource", sa.String(length=64), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.CheckConstraint("quantity >= 0", name=op.f("ck_provider_resource_quantity")),
        sa.ForeignKeyConstraint(
            ["provider_id"], ["provider.provider_id"], name=op.f("fk_provider_resource_provider_id_provider")
        ),
        sa.PrimaryKeyConstraint("provider_id", "resource", name=op.f("pk_provider_resource")),
    )


def downgrade() -> None:
    op.drop_table("provider_resource")
    with op.batch_alter_table("provider_licence", schema=None) as batch_op:
        batch_op.drop_index("ix_provider_licence_care_type")

    op.drop_table("provider_licence")
    with op.batch_alter_table("provider_founder", schema=None) as batch_op:
        batch_op.drop_index("ix_provider_founder_iin")

    op.drop_table("provider_founder")
    with op.batch_alter_table("provider_contract_history", schema=None) as batch_op:
        batch_op.drop_index("ix_provider_contract_history_provider")

    op.drop_table("provider_contract_history")
    with op.batch_alter_table("provider", schema=None) as batch_op:
        batch_op.drop_index("ix_provider_region_kind")
        batch_op.drop_index(batch_op.f("ix_provider_bin"))

    op.drop_table("provider")
    op.drop_table("fund_employee")
