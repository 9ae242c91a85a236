"""attachment's clinics into the providers register (docs/providers.md, "The attachment's clinics"):
every clinic becomes a provider of kind ``phc`` with its capacity as the resource ``phc_capacity``;
the service area moves to ``clinic_area``; districts and attachments refer to the provider; the
``clinic`` table goes. Ownership and settlement become nullable (not known for those entries).

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-05
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_OWNERSHIP = "ownership IN ('state','private')"


def _point(table: str, old: str, new: str, target: str, column: str) -> None:
    """Re-point ``table.clinic_id``'s foreign key from ``old`` to ``new`` (``target.column``)."""
    with op.batch_alter_table(table, schema=None) as batch_op:
        batch_op.drop_constraint(op.f(old), type_="foreignkey")
        batch_op.create_foreign_key(op.f(new), target, ["clinic_id"], [column])


def upgrade() -> None:
    with op.batch_alter_table("provider", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_provider_ownership"), type_="check")
        batch_op.alter_column("ownership", existing_type=sa.String(length=8), nullable=True)
        batch_op.alter_column("settlement", existing_type=sa.String(length=200), nullable=True)
        batch_op.create_check_constraint(op.f("ck_provider_ownership"), f"ownership IS NULL OR {_OWNERSHIP}")
    # A clinic whose id is already an entry of the register keeps the entry's facts.
    op.execute(
        "INSERT INTO provider (provider_id, bin, name, ownership, region, settlement, kind, status, "
        "accredited_until, own_is, tax_arrears, updated_at) "
        "SELECT c.clinic_id, c.bin, c.name, NULL, c.region, NULL, 'phc', 'active', NULL, false, 0, c.updated_at "
        "FROM clinic c WHERE NOT EXISTS (SELECT 1 FROM provider p WHERE p.provider_id = c.clinic_id)"
    )
    op.execute(
        "INSERT INTO provider_resource (provider_id, resource, quantity) "
        "SELECT c.clinic_id, 'phc_capacity', c.capacity FROM clinic c WHERE NOT EXISTS "
        "(SELECT 1 FROM provider_resource r WHERE r.provider_id = c.clinic_id AND r.resource = 'phc_capacity')"
    )
    op.create_table(
        "clinic_area",
        sa.Column("clinic_id", sa.String(length=32), nullable=False),
        sa.Column("service_area", sa.Text(), nullable=False),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), server_default=sa.text("(CURRENT_TIMESTAMP)"), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["clinic_id"], ["provider.provider_id"], name=op.f("fk_clinic_area_clinic_id_provider")
        ),
        sa.PrimaryKeyConstraint("clinic_id", name=op.f("pk_clinic_area")),
    )
    op.execute(
        "INSERT INTO clinic_area (clinic_id, service_area, updated_at) "
        "SELECT clinic_id, service_area, updated_at FROM clinic"
    )
    _point(
        "clinic_district",
        "fk_clinic_district_clinic_id_clinic",
        "fk_clinic_district_clinic_id_provider",
        "provider",
        "provider_id",
    )
    _point(
        "attachment", "fk_attachment_clinic_id_clinic", "fk_attachment_clinic_id_provider", "provider", "provider_id"
    )
    with op.batch_alter_table("clinic", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_clinic_region"))
    op.drop_table("clinic")


def downgrade() -> None:
    op.create_table(
        "clinic",
        sa.Column("clinic_id", sa.String(length=32), nullable=False),
        sa.Column("bin", sa.String(length=12), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("region", sa.String(length=16), nullable=False),
        sa.Column("capacity", sa.Integer(), nullable=False),
        sa.Column("service_area", sa.Text(), nullable=False),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), server_default=sa.text("(CURRENT_TIMESTAMP)"), nullable=False
        ),
        sa.CheckConstraint("capacity >= 0", name=op.f("ck_clinic_capacity")),
        sa.PrimaryKeyConstraint("clinic_id", name=op.f("pk_clinic")),
    )
    with op.batch_alter_table("clinic", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_clinic_region"), ["region"], unique=False)
    op.execute(
        "INSERT INTO clinic (clinic_id, bin, name, region, capacity, service_area, updated_at) "
        "SELECT p.provider_id, p.bin, p.name, p.region, "
        "COALESCE((SELECT r.quantity FROM provider_resource r WHERE r.provider_id = p.provider_id "
        "AND r.resource = 'phc_capacity'), 0), "
        "COALESCE((SELECT a.service_area FROM clinic_area a WHERE a.clinic_id = p.provider_id), ''), p.updated_at "
        "FROM provider p WHERE p.kind = 'phc'"
    )
    _point("attachment", "fk_attachment_clinic_id_provider", "fk_attachment_clinic_id_clinic", "clinic", "clinic_id")
    _point(
        "clinic_district",
        "fk_clinic_district_clinic_id_provider",
        "fk_clinic_district_clinic_id_clinic",
        "clinic",
        "clinic_id",
    )
    op.drop_table("clinic_area")
    # The entries the clinics made (ownership not known) leave the register with their capacity;
    # one that has gained licences, founders or contracts since stops the downgrade (foreign keys).
    op.execute(
        "DELETE FROM provider_resource WHERE provider_id IN (SELECT provider_id FROM provider WHERE ownership IS NULL)"
    )
    op.execute("DELETE FROM provider WHERE ownership IS NULL")
    with op.batch_alter_table("provider", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_provider_ownership"), type_="check")
        batch_op.alter_column("settlement", existing_type=sa.String(length=200), nullable=False)
        batch_op.alter_column("ownership", existing_type=sa.String(length=8), nullable=False)
        batch_op.create_check_constraint(op.f("ck_provider_ownership"), _OWNERSHIP)
