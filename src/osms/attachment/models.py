"""Attachment tables (docs/attachment.md): the clinics' service areas and doctors' districts,
applications and the attachment history (the register of attached population). The clinics
themselves are entries of the providers register (``Clinic`` reads them); ``clinic_id`` everywhere
here is the entry's ``provider_id``.

History is append-only in meaning: a change of clinic closes the running row's period
(``valid_to``) and inserts a new row; rows are never deleted and their clinic, district and start
are never changed.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    func,
    select,
)
from sqlalchemy.orm import Mapped, mapped_column

from osms.core.db import Base
from osms.providers.queries import phc_clinics

SPECIALTIES = ("therapist", "gp", "pediatrician")
REASONS = ("first", "move", "job_or_study", "release", "military_service_end", "reorganisation", "choice")
DECISIONS = ("accepted", "accepted_no_home_visits", "offered_other_district", "refused")
# How an attachment row came about: first attachment, a ground of docs/attachment.md (a), a choice during
# the campaign (b, effective 1 January), a free choice outside the campaign (c).
KINDS = ("first", "ground", "campaign_choice", "free_choice")


class ClinicArea(Base):
    """The address codes a PHC clinic serves with home visits: attachment's data of a register entry
    (``clinic_id`` is its ``provider_id``)."""

    __tablename__ = "clinic_area"

    clinic_id: Mapped[str] = mapped_column(String(32), ForeignKey("provider.provider_id"), primary_key=True)
    service_area: Mapped[str] = mapped_column(Text)  # address codes joined by ';'
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


_register = phc_clinics().subquery("phc_clinic")
_clinic_view = (
    select(
        _register.c.provider_id.label("clinic_id"),
        _register.c.bin,
        _register.c.name,
        _register.c.region,
        _register.c.capacity,
        func.coalesce(ClinicArea.service_area, "").label("service_area"),
    )
    .select_from(_register.outerjoin(ClinicArea, ClinicArea.clinic_id == _register.c.provider_id))
    .subquery("clinic")
)


class Clinic(Base):
    """A primary-care (PHC) clinic as the attachment reads it: the providers register's entry of kind
    ``phc`` (id, BIN, name, region, ``phc_capacity``, through ``providers.queries.phc_clinics``) with
    this room's service area (empty when none was loaded). Read-only: the clinic import writes the
    register through ``providers.service`` and the area into ``clinic_area``."""

    __table__ = _clinic_view
    __mapper_args__ = {"primary_key": [_clinic_view.c.clinic_id]}  # noqa: RUF012

    clinic_id: Mapped[str]
    bin: Mapped[str]
    name: Mapped[str]
    region: Mapped[str]
    capacity: Mapped[int]
    service_area: Mapped[str]


class ClinicDistrict(Base):
    """A doctor's district (участок) of a clinic with its norm of attached persons."""

    __tablename__ = "clinic_district"

    clinic_id: Mapped[str] = mapped_column(String(32), ForeignKey("provider.provider_id"), primary_key=True)
    district_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    specialty: Mapped[str] = mapped_column(String(16))
    doctor: Mapped[str] = mapped_column(String(200))
    norm: Mapped[int] = mapped_column(Integer)

    __table_args__ = (
        CheckConstraint("specialty IN ('therapist','gp','pediatrician')", name="specialty"),
        CheckConstraint("norm >= 0", name="norm"),
    )


class AttachmentApplication(Base):
    """Every application and its decision with reason codes (stored whatever the decision)."""

    __tablename__ = "attachment_application"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    external_id: Mapped[str | None] = mapped_column(String(64), unique=True)  # campaign file's application_id
    iin: Mapped[str] = mapped_column(String(12), index=True)
    clinic_id: Mapped[str] = mapped_column(String(32))
    reason: Mapped[str] = mapped_column(String(24))
    applied_on: Mapped[date] = mapped_column(Date)
    district_id: Mapped[str | None] = mapped_column(String(32))
    applicant_iin: Mapped[str | None] = mapped_column(String(12))
    contract_until: Mapped[date | None] = mapped_column(Date)
    decision: Mapped[str] = mapped_column(String(24))
    reason_codes: Mapped[str] = mapped_column(String(300))  # codes joined by ','
    effective_from: Mapped[date | None] = mapped_column(Date)
    previous_clinic: Mapped[str | None] = mapped_column(String(32))
    decided_district: Mapped[str | None] = mapped_column(String(32))
    rulebook: Mapped[str] = mapped_column(String(32))
    channel: Mapped[str] = mapped_column(String(8))
    actor: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    __table_args__ = (
        CheckConstraint(
            "decision IN ('accepted','accepted_no_home_visits','offered_other_district','refused')", name="decision"
        ),
        Index("ix_attachment_application_clinic_id", "clinic_id", "id"),
    )


class Attachment(Base):
    """One period of a person's attachment to a clinic: ``valid_from``..``valid_to`` (inclusive;
    open while null). A row superseded before it started has ``valid_to = valid_from - 1``."""

    __tablename__ = "attachment"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    iin: Mapped[str] = mapped_column(String(12), ForeignKey("person.iin"))
    clinic_id: Mapped[str] = mapped_column(String(32), ForeignKey("provider.provider_id"))
    district_id: Mapped[str | None] = mapped_column(String(32))
    valid_from: Mapped[date] = mapped_column(Date)
    valid_to: Mapped[date | None] = mapped_column(Date)
    home_visits: Mapped[bool] = mapped_column(Boolean)
    kind: Mapped[str] = mapped_column(String(16))
    application_id: Mapped[int | None] = mapped_column(ForeignKey("attachment_application.id"))
    end_reason: Mapped[str | None] = mapped_column(String(24))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    __table_args__ = (
        CheckConstraint("kind IN ('first','ground','campaign_choice','free_choice')", name="kind"),
        Index("ix_attachment_iin_valid_from", "iin", "valid_from"),
        Index("ix_attachment_clinic_id_valid_to", "clinic_id", "valid_to"),
    )
