"""The claims room's tables (docs/claims.md): the register of service records and its history, the
findings of the checks, the defects and their appeals, the monitoring cases, the closed months.

A service record is identified by ``(provider_id, record_id)``; ``id`` is the register's own key
that findings, defects and cases point to. A correction replaces the content of the record (its
``version`` + 1) and keeps the earlier content in ``service_record_version``.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column

from osms.claims.vocabulary import CARE_FORMS, OUTCOMES
from osms.core.db import Base

#: A 64-bit key on PostgreSQL, SQLite's rowid alias there.
BigKey = BigInteger().with_variant(Integer(), "sqlite")


def _one_of(column: str, codes: tuple[str, ...]) -> str:
    return f"{column} IN ({','.join(repr(c) for c in codes)})"


# --------------------------------------------------------------------------------------------
# The register of service records


class ServiceRecord(Base):
    """One service, visit, case or call a provider reported, as last accepted. ``month`` is the
    reporting month (the first day of the month of ``date_to``); ``digest`` the hash of the content,
    so that the same record sent again changes nothing."""

    __tablename__ = "service_record"

    id: Mapped[int] = mapped_column(BigKey, primary_key=True, autoincrement=True)
    provider_id: Mapped[str] = mapped_column(String(32), ForeignKey("provider.provider_id"))
    record_id: Mapped[str] = mapped_column(String(64))
    iin: Mapped[str] = mapped_column(String(12))
    care_form: Mapped[str] = mapped_column(String(16))
    care_type: Mapped[str] = mapped_column(String(24))
    service_code: Mapped[str | None] = mapped_column(String(32))
    case_group: Mapped[str | None] = mapped_column(String(32))
    icd10: Mapped[str] = mapped_column(String(8))
    procedures: Mapped[str | None] = mapped_column(String(200))  # ICD-9 codes joined by ';'
    date_from: Mapped[date] = mapped_column(Date)
    date_to: Mapped[date] = mapped_column(Date)
    outcome: Mapped[str] = mapped_column(String(16))
    referral: Mapped[bool] = mapped_column(Boolean)
    emergency: Mapped[bool] = mapped_column(Boolean)
    quantity: Mapped[int] = mapped_column(Integer)
    doctor_iin: Mapped[str | None] = mapped_column(String(12))
    at_home: Mapped[bool] = mapped_column(Boolean, server_default=false())  # PAY п.67: a home visit
    remote: Mapped[bool] = mapped_column(Boolean, server_default=false())  # PAY п.68: given remotely
    preventive_child: Mapped[bool] = mapped_column(Boolean, server_default=false())  # PAY п.66
    month: Mapped[date] = mapped_column(Date)
    version: Mapped[int] = mapped_column(Integer)
    digest: Mapped[str] = mapped_column(String(32))
    batch_id: Mapped[int] = mapped_column(Integer, ForeignKey("import_batch.id"))
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    __table_args__ = (
        UniqueConstraint("provider_id", "record_id", name="uq_service_record_key"),
        CheckConstraint(_one_of("care_form", CARE_FORMS), name="care_form"),
        CheckConstraint(_one_of("outcome", OUTCOMES), name="outcome"),
        CheckConstraint("date_to >= date_from", name="period"),
        CheckConstraint("quantity >= 1", name="quantity"),
        CheckConstraint("version >= 1", name="version"),
        Index("ix_service_record_iin_date", "iin", "date_from"),
        Index("ix_service_record_provider_month", "provider_id", "month"),
        Index("ix_service_record_doctor_date", "doctor_iin", "date_from"),
    )


class ServiceRecordVersion(Base):
    """An earlier content of a record, kept when a correction replaced it."""

    __tablename__ = "service_record_version"

    record_ref: Mapped[int] = mapped_column(BigKey, ForeignKey("service_record.id"), primary_key=True)
    version: Mapped[int] = mapped_column(Integer, primary_key=True)
    iin: Mapped[str] = mapped_column(String(12))
    care_form: Mapped[str] = mapped_column(String(16))
    care_type: Mapped[str] = mapped_column(String(24))
    service_code: Mapped[str | None] = mapped_column(String(32))
    case_group: Mapped[str | None] = mapped_column(String(32))
    icd10: Mapped[str] = mapped_column(String(8))
    procedures: Mapped[str | None] = mapped_column(String(200))
    date_from: Mapped[date] = mapped_column(Date)
    date_to: Mapped[date] = mapped_column(Date)
    outcome: Mapped[str] = mapped_column(String(16))
    referral: Mapped[bool] = mapped_column(Boolean)
    emergency: Mapped[bool] = mapped_column(Boolean)
    quantity: Mapped[int] = mapped_column(Integer)
    doctor_iin: Mapped[str | None] = mapped_column(String(12))
    at_home: Mapped[bool] = mapped_column(Boolean, server_default=false())
    remote: Mapped[bool] = mapped_column(Boolean, server_default=false())
    preventive_child: Mapped[bool] = mapped_column(Boolean, server_default=false())
    digest: Mapped[str] = mapped_column(String(32))
    batch_id: Mapped[int] = mapped_column(Integer, ForeignKey("import_batch.id"))
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    replaced_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class ServiceFinding(Base):
    """A logical check that failed on an accepted record (``claims.vocabulary.FINDING_CODES``), with
    the defect-classifier code the rulebook gives it (null: not a defect, e.g. ``not_covered``).
    ``provider_id`` and ``month`` repeat the record's, for the provider's monthly lists."""

    __tablename__ = "service_finding"

    id: Mapped[int] = mapped_column(BigKey, primary_key=True, autoincrement=True)
    record_ref: Mapped[int] = mapped_column(BigKey, ForeignKey("service_record.id"))
    code: Mapped[str] = mapped_column(String(32))
    defect_code: Mapped[str | None] = mapped_column(String(8))
    detail: Mapped[str | None] = mapped_column(String(300))
    provider_id: Mapped[str] = mapped_column(String(32))
    month: Mapped[date] = mapped_column(Date)
    found_on: Mapped[date] = mapped_column(Date)
    batch_id: Mapped[int] = mapped_column(Integer, ForeignKey("import_batch.id"))

    __table_args__ = (
        UniqueConstraint("record_ref", "code", name="uq_service_finding_record_code"),
        Index("ix_service_finding_provider_month", "provider_id", "month", "code"),
        Index("ix_service_finding_batch", "batch_id"),  # migration 0015
    )


# --------------------------------------------------------------------------------------------
# Monitoring: defects, their appeals, cases, closed months


class MonitoringCase(Base):
    """A monitoring case: the review of a death (``death_review``), an unplanned monitoring opened
    by a trigger (``unplanned``: a complaint, a risk signal, a request for extra volume...), or an
    expertise of a sampled record (``expertise``)."""

    __tablename__ = "monitoring_case"

    id: Mapped[int] = mapped_column(BigKey, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(16))
    trigger: Mapped[str] = mapped_column(String(24))
    record_ref: Mapped[int | None] = mapped_column(BigKey, ForeignKey("service_record.id"))
    provider_id: Mapped[str] = mapped_column(String(32), ForeignKey("provider.provider_id"))
    month: Mapped[date] = mapped_column(Date)
    opened_on: Mapped[date] = mapped_column(Date)
    due_on: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16))
    outcome: Mapped[str | None] = mapped_column(String(16))
    complainant_iin: Mapped[str | None] = mapped_column(String(12))
    note: Mapped[str | None] = mapped_column(Text)
    opened_by: Mapped[str] = mapped_column(String(64))
    closed_on: Mapped[date | None] = mapped_column(Date)
    closed_by: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    __table_args__ = (
        CheckConstraint("kind IN ('death_review','unplanned','expertise')", name="kind"),
        CheckConstraint("status IN ('open','closed')", name="status"),
        Index("ix_monitoring_case_provider_month", "provider_id", "month"),
        Index("ix_monitoring_case_status", "status", "kind"),
        Index("ix_monitoring_case_record", "record_ref"),
    )


class Defect(Base):
    """A defect of a provider's care under a code of the defect classifier (ЕКД): ``potential``
    (from a finding of the checks), ``additional`` (recorded by an expert, with note and evidence)
    or ``general`` (automatic, no money effect). ``status`` follows the appeal (docs/claims.md,
    "Appeals"); the deduction itself is the payment room's."""

    __tablename__ = "defect"

    id: Mapped[int] = mapped_column(BigKey, primary_key=True, autoincrement=True)
    record_ref: Mapped[int | None] = mapped_column(BigKey, ForeignKey("service_record.id"))
    finding_id: Mapped[int | None] = mapped_column(BigKey, ForeignKey("service_finding.id"))
    case_id: Mapped[int | None] = mapped_column(BigKey, ForeignKey("monitoring_case.id"))
    provider_id: Mapped[str] = mapped_column(String(32), ForeignKey("provider.provider_id"))
    month: Mapped[date] = mapped_column(Date)
    code: Mapped[str] = mapped_column(String(8))
    origin: Mapped[str] = mapped_column(String(12))
    status: Mapped[str] = mapped_column(String(20))
    found_on: Mapped[date] = mapped_column(Date)
    note: Mapped[str | None] = mapped_column(Text)
    evidence: Mapped[str | None] = mapped_column(Text)
    decided_on: Mapped[date | None] = mapped_column(Date)
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    __table_args__ = (
        CheckConstraint("origin IN ('potential','additional','general')", name="origin"),
        Index("ix_defect_provider_month", "provider_id", "month", "status"),
        Index("ix_defect_record", "record_ref"),
        Index("ix_defect_finding", "finding_id"),
    )


class AppealStep(Base):
    """One step of a defect's appeal: an objection filed by the provider, or a decision by a
    reviewer (of another region, outside the region, the central office), with its due date on the
    law's clock of working days."""

    __tablename__ = "appeal_step"

    id: Mapped[int] = mapped_column(BigKey, primary_key=True, autoincrement=True)
    defect_id: Mapped[int] = mapped_column(BigKey, ForeignKey("defect.id"))
    step: Mapped[str] = mapped_column(String(20))
    on: Mapped[date] = mapped_column(Date)
    due_on: Mapped[date | None] = mapped_column(Date)
    actor: Mapped[str] = mapped_column(String(64))
    region: Mapped[str | None] = mapped_column(String(16))
    decision: Mapped[str | None] = mapped_column(String(12))
    note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    __table_args__ = (Index("ix_appeal_step_defect", "defect_id", "on"),)


class ServiceMonthClose(Base):
    """A reporting month the fund closed: its records can no longer be corrected (``month_closed``)."""

    __tablename__ = "service_month_close"

    month: Mapped[date] = mapped_column(Date, primary_key=True)
    closed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    closed_by: Mapped[str] = mapped_column(String(64))
