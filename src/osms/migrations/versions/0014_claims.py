"""claims: the register of service records and its history, the findings of the checks, monitoring
cases, defects and their appeal steps, closed months (docs/claims.md); new, empty tables

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-05
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "service_month_close",
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closed_by", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("month", name=op.f("pk_service_month_close")),
    )
    op.create_table(
        "service_record",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("provider_id", sa.String(length=32), nullable=False),
        sa.Column("record_id", sa.String(length=64), nullable=False),
        sa.Column("iin", sa.String(length=12), nullable=False),
        sa.Column("care_form", sa.String(length=16), nullable=False),
        sa.Column("care_type", sa.String(length=24), nullable=False),
        sa.Column("service_code", sa.String(length=32), nullable=True),
        sa.Column("case_group", sa.String(length=32), nullable=True),
        sa.Column("icd10", sa.String(length=8), nullable=False),
        sa.Column("procedures", sa.String(length=200), nullable=True),
        sa.Column("date_from", sa.Date(), nullable=False),
        sa.Column("date_to", sa.Date(), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("referral", sa.Boolean(), nullable=False),
        sa.Column("emergency", sa.Boolean(), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("doctor_iin", sa.String(length=12), nullable=True),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("digest", sa.String(length=32), nullable=False),
        sa.Column("batch_id", sa.Integer(), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "care_form IN ('phc','outpatient','day_hospital','inpatient','home_hospital','admission','ambulance')",
            name=op.f("ck_service_record_care_form"),
        ),
        sa.CheckConstraint(
            "outcome IN ('completed','discharged','died','transferred','self_discharge')",
            name=op.f("ck_service_record_outcome"),
        ),
        sa.CheckConstraint("date_to >= date_from", name=op.f("ck_service_record_period")),
        sa.CheckConstraint("quantity >= 1", name=op.f("ck_service_record_quantity")),
        sa.CheckConstraint("version >= 1", name=op.f("ck_service_record_version")),
        sa.ForeignKeyConstraint(
            ["batch_id"], ["import_batch.id"], name=op.f("fk_service_record_batch_id_import_batch")
        ),
        sa.ForeignKeyConstraint(
            ["provider_id"], ["provider.provider_id"], name=op.f("fk_service_record_provider_id_provider")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_service_record")),
        sa.UniqueConstraint("provider_id", "record_id", name="uq_service_record_key"),
    )
    with op.batch_alter_table("service_record", schema=None) as batch_op:
        batch_op.create_index("ix_service_record_doctor_date", ["doctor_iin", "date_from"], unique=False)
        batch_op.create_index("ix_service_record_iin_date", ["iin", "date_from"], unique=False)
        batch_op.create_index("ix_service_record_provider_month", ["provider_id", "month"], unique=False)

    op.create_table(
        "monitoring_case",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("trigger", sa.String(length=24), nullable=False),
        sa.Column("record_ref", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("provider_id", sa.String(length=32), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("opened_on", sa.Date(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=True),
        sa.Column("complainant_iin", sa.String(length=12), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("opened_by", sa.String(length=64), nullable=False),
        sa.Column("closed_on", sa.Date(), nullable=True),
        sa.Column("closed_by", sa.String(length=64), nullable=True),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.text("(CURRENT_TIMESTAMP)"), nullable=False
        ),
        sa.CheckConstraint("kind IN ('death_review','unplanned','expertise')", name=op.f("ck_monitoring_case_kind")),
        sa.CheckConstraint("status IN ('open','closed')", name=op.f("ck_monitoring_case_status")),
        sa.ForeignKeyConstraint(
            ["provider_id"], ["provider.provider_id"], name=op.f("fk_monitoring_case_provider_id_provider")
        ),
        sa.ForeignKeyConstraint(
            ["record_ref"], ["service_record.id"], name=op.f("fk_monitoring_case_record_ref_service_record")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_monitoring_case")),
    )
    with op.batch_alter_table("monitoring_case", schema=None) as batch_op:
        batch_op.create_index("ix_monitoring_case_provider_month", ["provider_id", "month"], unique=False)
        batch_op.create_index("ix_monitoring_case_record", ["record_ref"], unique=False)
        batch_op.create_index("ix_monitoring_case_status", ["status", "kind"], unique=False)

    op.create_table(
        "service_finding",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("record_ref", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("defect_code", sa.String(length=8), nullable=True),
        sa.Column("detail", sa.String(length=300), nullable=True),
        sa.Column("provider_id", sa.String(length=32), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("found_on", sa.Date(), nullable=False),
        sa.Column("batch_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["batch_id"], ["import_batch.id"], name=op.f("fk_service_finding_batch_id_import_batch")
        ),
        sa.ForeignKeyConstraint(
            ["record_ref"], ["service_record.id"], name=op.f("fk_service_finding_record_ref_service_record")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_service_finding")),
        sa.UniqueConstraint("record_ref", "code", name="uq_service_finding_record_code"),
    )
    with op.batch_alter_table("service_finding", schema=None) as batch_op:
        batch_op.create_index("ix_service_finding_provider_month", ["provider_id", "month", "code"], unique=False)

    op.create_table(
        "service_record_version",
        sa.Column("record_ref", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("iin", sa.String(length=12), nullable=False),
        sa.Column("care_form", sa.String(length=16), nullable=False),
        sa.Column("care_type", sa.String(length=24), nullable=False),
        sa.Column("service_code", sa.String(length=32), nullable=True),
        sa.Column("case_group", sa.String(length=32), nullable=True),
        sa.Column("icd10", sa.String(length=8), nullable=False),
        sa.Column("procedures", sa.String(length=200), nullable=True),
        sa.Column("date_from", sa.Date(), nullable=False),
        sa.Column("date_to", sa.Date(), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("referral", sa.Boolean(), nullable=False),
        sa.Column("emergency", sa.Boolean(), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("doctor_iin", sa.String(length=12), nullable=True),
        sa.Column("digest", sa.String(length=32), nullable=False),
        sa.Column("batch_id", sa.Integer(), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("replaced_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["batch_id"], ["import_batch.id"], name=op.f("fk_service_record_version_batch_id_import_batch")
        ),
        sa.ForeignKeyConstraint(
            ["record_ref"], ["service_record.id"], name=op.f("fk_service_record_version_record_ref_service_record")
        ),
        sa.PrimaryKeyConstraint("record_ref", "version", name=op.f("pk_service_record_version")),
    )
    op.create_table(
        "defect",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("record_ref", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("finding_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("case_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("provider_id", sa.String(length=32), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("code", sa.String(length=8), nullable=False),
        sa.Column("origin", sa.String(length=12), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("found_on", sa.Date(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("evidence", sa.Text(), nullable=True),
        sa.Column("decided_on", sa.Date(), nullable=True),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.text("(CURRENT_TIMESTAMP)"), nullable=False
        ),
        sa.CheckConstraint("origin IN ('potential','additional','general')", name=op.f("ck_defect_origin")),
        sa.ForeignKeyConstraint(["case_id"], ["monitoring_case.id"], name=op.f("fk_defect_case_id_monitoring_case")),
        sa.ForeignKeyConstraint(
            ["finding_id"], ["service_finding.id"], name=op.f("fk_defect_finding_id_service_finding")
        ),
        sa.ForeignKeyConstraint(["provider_id"], ["provider.provider_id"], name=op.f("fk_defect_provider_id_provider")),
        sa.ForeignKeyConstraint(
            ["record_ref"], ["service_record.id"], name=op.f("fk_defect_record_ref_service_record")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_defect")),
    )
    with op.batch_alter_table("defect", schema=None) as batch_op:
        batch_op.create_index("ix_defect_finding", ["finding_id"], unique=False)
        batch_op.create_index("ix_defect_provider_month", ["provider_id", "month", "status"], unique=False)
        batch_op.create_index("ix_defect_record", ["record_ref"], unique=False)

    op.create_table(
        "appeal_step",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("defect_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("step", sa.String(length=20), nullable=False),
        sa.Column("on", sa.Date(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=True),
        sa.Column("actor", sa.String(length=64), nullable=False),
        sa.Column("region", sa.String(length=16), nullable=True),
        sa.Column("decision", sa.String(length=12), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.text("(CURRENT_TIMESTAMP)"), nullable=False
        ),
        sa.ForeignKeyConstraint(["defect_id"], ["defect.id"], name=op.f("fk_appeal_step_defect_id_defect")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_appeal_step")),
    )
    with op.batch_alter_table("appeal_step", schema=None) as batch_op:
        batch_op.create_index("ix_appeal_step_defect", ["defect_id", "on"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("appeal_step", schema=None) as batch_op:
        batch_op.drop_index("ix_appeal_step_defect")

    op.drop_table("appeal_step")
    with op.batch_alter_table("defect", schema=None) as batch_op:
        batch_op.drop_index("ix_defect_record")
        batch_op.drop_index("ix_defect_provider_month")
        batch_op.drop_index("ix_defect_finding")

    op.drop_table("defect")
    op.drop_table("service_record_version")
    with op.batch_alter_table("service_finding", schema=None) as batch_op:
        batch_op.drop_index("ix_service_finding_provider_month")

    op.drop_table("service_finding")
    with op.batch_alter_table("monitoring_case", schema=None) as batch_op:
        batch_op.drop_index("ix_monitoring_case_status")
        batch_op.drop_index("ix_monitoring_case_record")
        batch_op.drop_index("ix_monitoring_case_provider_month")

    op.drop_table("monitoring_case")
    with op.batch_alter_table("service_record", schema=None) as batch_op:
        batch_op.drop_index("ix_service_record_provider_month")
        batch_op.drop_index("ix_service_record_iin_date")
        batch_op.drop_index("ix_service_record_doctor_date")

    op.drop_table("service_record")
    op.drop_table("service_month_close")
