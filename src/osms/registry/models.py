"""Registry tables: persons, family links, state-paid category memberships, payers."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column

from osms.core.db import Base


class Person(Base):
    __tablename__ = "person"

    iin: Mapped[str] = mapped_column(String(12), primary_key=True)
    last_name: Mapped[str] = mapped_column(String(100))
    first_name: Mapped[str] = mapped_column(String(100))
    middle_name: Mapped[str | None] = mapped_column(String(100))
    birth_date: Mapped[date | None] = mapped_column(Date)
    sex: Mapped[str | None] = mapped_column(String(1))
    residency: Mapped[str] = mapped_column(String(24))
    region: Mapped[str | None] = mapped_column(String(16), index=True)
    address_code: Mapped[str | None] = mapped_column(String(32))
    death_date: Mapped[date | None] = mapped_column(Date)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    __table_args__ = (CheckConstraint("sex IN ('M','F')", name="sex"),)


class FamilyLink(Base):
    """``relative_iin`` is ``relation`` of ``iin`` (e.g. relative is the person's parent)."""

    __tablename__ = "family_link"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    iin: Mapped[str] = mapped_column(String(12), ForeignKey("person.iin"))
    relative_iin: Mapped[str] = mapped_column(String(12), ForeignKey("person.iin"), index=True)
    relation: Mapped[str] = mapped_column(String(12))

    __table_args__ = (
        UniqueConstraint("iin", "relative_iin", name="uq_family_link_pair"),
        CheckConstraint("relation IN ('parent','guardian','spouse')", name="relation"),
    )


class PersonCategory(Base):
    """Membership of a state-paid category (docs/status.md), effective-dated, with its source."""

    __tablename__ = "person_category"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    iin: Mapped[str] = mapped_column(String(12), ForeignKey("person.iin"))
    category: Mapped[str] = mapped_column(String(40))
    valid_from: Mapped[date] = mapped_column(Date)
    valid_to: Mapped[date | None] = mapped_column(Date)
    source: Mapped[str] = mapped_column(String(200))

    __table_args__ = (
        UniqueConstraint("iin", "category", "valid_from", name="uq_person_category_key"),
        Index("ix_person_category_iin_dates", "iin", "valid_from"),
    )


class Payer(Base):
    """Who pays: employer (BIN), individual entrepreneur (IIN), agent, state, local budget."""

    __tablename__ = "payer"

    payer_id: Mapped[str] = mapped_column(String(12), primary_key=True)
    kind: Mapped[str] = mapped_column(String(24), index=True)
    name: Mapped[str] = mapped_column(String(300))
    region: Mapped[str | None] = mapped_column(String(16))

    __table_args__ = (
        CheckConstraint("kind IN ('employer','individual_entrepreneur','agent','state','local_budget')", name="kind"),
    )
