"""Providers tables (docs/providers.md, "Register"): the register of health-care subjects, their
licences per care type, resources, founders, the fund's employees, and the history of contracts
with the fund.

Every table is loaded by an import (``osms providers import ...``), upserted by its key; the keys and
indexes serve the admission's lookups: a provider by id, its licences and resources, founders by
IIN, fund employees by IIN and dates, a provider's contracts by dates.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Boolean, CheckConstraint, Date, DateTime, ForeignKey, Index, Integer, String, func
from sqlalchemy.orm import Mapped, mapped_column

from osms.core.db import Base
from osms.core.money import Money
from osms.providers.vocabulary import KINDS, OWNERSHIPS, STATUSES, TERMINATIONS


def _one_of(column: str, codes: tuple[str, ...]) -> str:
    return f"{column} IN ({','.join(repr(c) for c in codes)})"


class Provider(Base):
    """A health-care subject in the register. ``provider_id`` has the form of the attachment
    room's clinic ids (letters, digits, '.', '_', '-'; up to 32), so that a clinic's id is its
    provider id."""

    __tablename__ = "provider"

    provider_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    bin: Mapped[str] = mapped_column(String(12), index=True)
    name: Mapped[str] = mapped_column(String(300))
    ownership: Mapped[str | None] = mapped_column(String(8))  # null: not known (a clinic from attachment's file)
    region: Mapped[str] = mapped_column(String(16))
    settlement: Mapped[str | None] = mapped_column(String(200))  # null: not known, as ``ownership``
    kind: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16))
    accredited_until: Mapped[date | None] = mapped_column(Date)
    own_is: Mapped[bool] = mapped_column(Boolean)
    tax_arrears: Mapped[Decimal] = mapped_column(Money())
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    __table_args__ = (
        CheckConstraint("ownership IS NULL OR " + _one_of("ownership", OWNERSHIPS), name="ownership"),
        CheckConstraint(_one_of("kind", KINDS), name="kind"),
        CheckConstraint(_one_of("status", STATUSES), name="status"),
        CheckConstraint("tax_arrears >= 0", name="tax_arrears"),
        Index("ix_provider_region_kind", "region", "kind"),
    )


class ProviderLicence(Base):
    """A licence for one care type from ``licensed_from`` to ``licensed_to`` (open while null), and
    the start of the provider's continuous experience of that care (null: none recorded)."""

    __tablename__ = "provider_licence"

    provider_id: Mapped[str] = mapped_column(String(32), ForeignKey("provider.provider_id"), primary_key=True)
    care_type: Mapped[str] = mapped_column(String(24), primary_key=True)
    licensed_from: Mapped[date] = mapped_column(Date, primary_key=True)
    licensed_to: Mapped[date | None] = mapped_column(Date)
    experience_from: Mapped[date | None] = mapped_column(Date)

    __table_args__ = (
        CheckConstraint("licensed_to IS NULL OR licensed_to >= licensed_from", name="period"),
        Index("ix_provider_licence_care_type", "care_type", "provider_id"),
    )


class ProviderResource(Base):
    """A counted resource of a provider: beds by profile (``beds:cardiology``), staff
    (``staff:gp``), equipment, the attachment capacity of a PHC provider (``phc_capacity``)."""

    __tablename__ = "provider_resource"

    provider_id: Mapped[str] = mapped_column(String(32), ForeignKey("provider.provider_id"), primary_key=True)
    resource: Mapped[str] = mapped_column(String(64), primary_key=True)
    quantity: Mapped[int] = mapped_column(Integer)

    __table_args__ = (CheckConstraint("quantity >= 0", name="quantity"),)


class ProviderFounder(Base):
    """A founder, participant or shareholder (a person, by IIN) and whether they hold decision rights."""

    __tablename__ = "provider_founder"

    provider_id: Mapped[str] = mapped_column(String(32), ForeignKey("provider.provider_id"), primary_key=True)
    iin: Mapped[str] = mapped_column(String(12), primary_key=True)
    decision_rights: Mapped[bool] = mapped_column(Boolean)

    __table_args__ = (Index("ix_provider_founder_iin", "iin", "provider_id"),)


class FundEmployee(Base):
    """A period of employment at the fund (``valid_to`` null: still employed), for the founder exclusion."""

    __tablename__ = "fund_employee"

    iin: Mapped[str] = mapped_column(String(12), primary_key=True)
    valid_from: Mapped[date] = mapped_column(Date, primary_key=True)
    valid_to: Mapped[date | None] = mapped_column(Date)

    __table_args__ = (CheckConstraint("valid_to IS NULL OR valid_to >= valid_from", name="period"),)


class ProviderContractHistory(Base):
    """A contract with the fund: its term and, when it ended early, the day and how (``termination``)."""

    __tablename__ = "provider_contract_history"

    contract_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    provider_id: Mapped[str] = mapped_column(String(32), ForeignKey("provider.provider_id"))
    valid_from: Mapped[date] = mapped_column(Date)
    valid_to: Mapped[date] = mapped_column(Date)
    terminated_on: Mapped[date | None] = mapped_column(Date)
    termination: Mapped[str | None] = mapped_column(String(24))

    __table_args__ = (
        CheckConstraint("valid_to >= valid_from", name="period"),
        CheckConstraint("termination IS NULL OR " + _one_of("termination", TERMINATIONS), name="termination"),
        CheckConstraint("(termination IS NULL) = (terminated_on IS NULL)", name="terminated_with_reason"),
        Index("ix_provider_contract_history_provider", "provider_id", "valid_from"),
    )
