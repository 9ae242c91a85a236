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

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    false,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column

from osms.core.db import Base
from osms.core.money import Money
from osms.providers.vocabulary import CONTRACT_GROUNDS, KINDS, OWNERSHIPS, STATUSES, TERMINATIONS


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
    iban: Mapped[str | None] = mapped_column(String(20))  # the bank account (providers.bank); null: not known
    bank_bic: Mapped[str | None] = mapped_column(String(11))
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


# --------------------------------------------------------------------------------------------
# procurement (slice procflow; docs/providers.md, "Procurement workflow"; migration 0012)

#: The states of a procurement, in order: announced (applications taken), admitted (stage 1
#: decided), distributed (stage 2 placed), published (the results are public).
PROCUREMENT_STATES = ("announced", "admitted", "distributed", "published")


class ProcurementAnnouncement(Base):
    """A procurement for a year: its application window, the rulebook it is decided by, its state."""

    __tablename__ = "procurement_announcement"

    announcement_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    year: Mapped[int] = mapped_column(Integer)
    opens: Mapped[date] = mapped_column(Date)
    closes: Mapped[date] = mapped_column(Date)
    rulebook: Mapped[str] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(String(16))
    admitted_on: Mapped[date | None] = mapped_column(Date)
    published_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    __table_args__ = (
        CheckConstraint(_one_of("state", PROCUREMENT_STATES), name="state"),
        CheckConstraint("closes >= opens", name="window"),
    )


class ProcurementPlanLine(Base):
    """A line of the plan: the volume (in ``unit``) and sum of a care type in a region."""

    __tablename__ = "procurement_plan_line"

    announcement_id: Mapped[str] = mapped_column(
        String(64), ForeignKey("procurement_announcement.announcement_id"), primary_key=True
    )
    care_type: Mapped[str] = mapped_column(String(24), primary_key=True)
    region: Mapped[str] = mapped_column(String(16), primary_key=True)
    volume: Mapped[int] = mapped_column(Integer)
    unit: Mapped[str] = mapped_column(String(32))
    sum: Mapped[Decimal] = mapped_column(Money())

    __table_args__ = (CheckConstraint("volume >= 0 AND sum >= 0", name="amounts"),)


class ProcurementApplication(Base):
    """An application to a procurement. ``provider_id`` is not a foreign key: an applicant outside
    the register is decided ``not_in_register``. A signed application (the API) keeps the canonical
    bytes, the signature (DER) and the verified signer (``signed_by``); the commission's finding of
    false information keeps its reason; ``corrections`` counts the corrections made."""

    __tablename__ = "procurement_application"

    announcement_id: Mapped[str] = mapped_column(
        String(64), ForeignKey("procurement_announcement.announcement_id"), primary_key=True
    )
    application_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    provider_id: Mapped[str] = mapped_column(String(32))
    care_type: Mapped[str] = mapped_column(String(24))
    region: Mapped[str] = mapped_column(String(16))
    volume: Mapped[int] = mapped_column(Integer)
    sum: Mapped[Decimal] = mapped_column(Money())
    submitted: Mapped[date] = mapped_column(Date)
    channel: Mapped[str] = mapped_column(String(8), server_default="file")
    signed_content: Mapped[str | None] = mapped_column(Text)
    signature: Mapped[bytes | None] = mapped_column(LargeBinary)
    signed_by: Mapped[str | None] = mapped_column(Text)
    false_information: Mapped[bool] = mapped_column(Boolean, server_default=false())
    false_information_reason: Mapped[str | None] = mapped_column(Text)
    corrections: Mapped[int] = mapped_column(Integer, server_default="0")

    __table_args__ = (
        CheckConstraint("volume >= 0 AND sum >= 0", name="amounts"),
        CheckConstraint("channel IN ('file','api')", name="channel"),
        Index("ix_procurement_application_provider", "provider_id", "announcement_id"),
    )


class ProcurementDecision(Base):
    """The stage-1 decision on an application (``answer``: the decision as ``admit --json`` prints it)."""

    __tablename__ = "procurement_decision"

    announcement_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    application_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    decision: Mapped[str] = mapped_column(String(16))
    preferred: Mapped[bool] = mapped_column(Boolean)
    decided_on: Mapped[date] = mapped_column(Date)
    answer: Mapped[str] = mapped_column(Text)

    __table_args__ = (
        ForeignKeyConstraint(
            ["announcement_id", "application_id"],
            ["procurement_application.announcement_id", "procurement_application.application_id"],
        ),
        CheckConstraint("decision IN ('admitted','rejected')", name="decision"),
    )


class ProcurementMember(Base):
    """A member of the procurement commission: chair or member, and the relatives they declared."""

    __tablename__ = "procurement_member"

    announcement_id: Mapped[str] = mapped_column(
        String(64), ForeignKey("procurement_announcement.announcement_id"), primary_key=True
    )
    name: Mapped[str] = mapped_column(String(200), primary_key=True)
    role: Mapped[str] = mapped_column(String(8))
    relatives: Mapped[str] = mapped_column(Text, server_default="")

    __table_args__ = (CheckConstraint("role IN ('chair','member')", name="role"),)


class ProcurementVote(Base):
    """A member's vote on the stage-1 decision of an application: for or against."""

    __tablename__ = "procurement_vote"

    announcement_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    application_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    member: Mapped[str] = mapped_column(String(200), primary_key=True)
    vote: Mapped[str] = mapped_column(String(8))

    __table_args__ = (
        ForeignKeyConstraint(
            ["announcement_id", "member"], ["procurement_member.announcement_id", "procurement_member.name"]
        ),
        ForeignKeyConstraint(
            ["announcement_id", "application_id"],
            ["procurement_decision.announcement_id", "procurement_decision.application_id"],
        ),
        CheckConstraint("vote IN ('for','against')", name="vote"),
    )


class ProcurementAdjustment(Base):
    """A hand change of the commission to the distribution, in order, with its justification."""

    __tablename__ = "procurement_adjustment"

    announcement_id: Mapped[str] = mapped_column(
        String(64), ForeignKey("procurement_announcement.announcement_id"), primary_key=True
    )
    seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    care_type: Mapped[str] = mapped_column(String(24))
    region: Mapped[str] = mapped_column(String(16))
    provider_id: Mapped[str] = mapped_column(String(32))
    volume: Mapped[int] = mapped_column(Integer)
    justification: Mapped[str] = mapped_column(Text)


class ProcurementPlacement(Base):
    """A placement of stage 2: the volume and sum of a plan line given to a provider."""

    __tablename__ = "procurement_placement"

    announcement_id: Mapped[str] = mapped_column(
        String(64), ForeignKey("procurement_announcement.announcement_id"), primary_key=True
    )
    care_type: Mapped[str] = mapped_column(String(24), primary_key=True)
    region: Mapped[str] = mapped_column(String(16), primary_key=True)
    provider_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    volume: Mapped[int] = mapped_column(Integer)
    sum: Mapped[Decimal] = mapped_column(Money())
    preferred: Mapped[bool] = mapped_column(Boolean)


# contracts (docs/providers.md, "Contracts"): the contracts the system signs or imports, their care
# types with volume and sum by month, indicators, additional agreements (amendments) and termination.


class Contract(Base):
    """A contract of the fund with a provider: parties, term, ground, advance terms, place of
    service; ``terminated_on`` and ``termination`` set when it ended before its term."""

    __tablename__ = "contract"

    contract_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    provider_id: Mapped[str] = mapped_column(String(32), ForeignKey("provider.provider_id"))
    fund_party: Mapped[str] = mapped_column(String(200))
    valid_from: Mapped[date] = mapped_column(Date)
    valid_to: Mapped[date] = mapped_column(Date)
    signed_on: Mapped[date] = mapped_column(Date)
    ground: Mapped[str] = mapped_column(String(32))
    procurement_id: Mapped[str | None] = mapped_column(String(64))
    ground_note: Mapped[str | None] = mapped_column(String(500))
    advance_percent: Mapped[int] = mapped_column(Integer)
    place_of_service: Mapped[str] = mapped_column(String(300))
    terminated_on: Mapped[date | None] = mapped_column(Date)
    termination: Mapped[str | None] = mapped_column(String(24))
    termination_note: Mapped[str | None] = mapped_column(String(500))
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    __table_args__ = (
        CheckConstraint("valid_to >= valid_from", name="period"),
        CheckConstraint(_one_of("ground", CONTRACT_GROUNDS), name="ground"),
        CheckConstraint("(ground = 'procurement') = (procurement_id IS NOT NULL)", name="procurement_ground"),
        CheckConstraint("advance_percent BETWEEN 0 AND 100", name="advance_percent"),
        CheckConstraint("termination IS NULL OR " + _one_of("termination", TERMINATIONS), name="termination"),
        CheckConstraint("(termination IS NULL) = (terminated_on IS NULL)", name="terminated_with_reason"),
        Index("ix_contract_provider", "provider_id", "valid_from"),
    )


class ContractMonth(Base):
    """The volume and sum of one care type of a contract in one month (``month``: its first day)."""

    __tablename__ = "contract_month"

    contract_id: Mapped[str] = mapped_column(String(64), ForeignKey("contract.contract_id"), primary_key=True)
    care_type: Mapped[str] = mapped_column(String(24), primary_key=True)
    month: Mapped[date] = mapped_column(Date, primary_key=True)
    volume: Mapped[int] = mapped_column(Integer)
    sum: Mapped[Decimal] = mapped_column(Money())

    __table_args__ = (
        CheckConstraint("volume >= 0", name="volume"),
        CheckConstraint("sum >= 0", name="sum"),
        Index("ix_contract_month_care_type", "care_type", "month"),
    )


class ContractIndicator(Base):
    """A result indicator of a contract and its target (free text: a share, a count, a rate)."""

    __tablename__ = "contract_indicator"

    contract_id: Mapped[str] = mapped_column(String(64), ForeignKey("contract.contract_id"), primary_key=True)
    indicator: Mapped[str] = mapped_column(String(64), primary_key=True)
    target: Mapped[str] = mapped_column(String(200))


class ContractAmendment(Base):
    """An additional agreement: its number (1, 2, ... per contract), date, and what it changed
    (``changes``: JSON with each changed figure before and after)."""

    __tablename__ = "contract_amendment"

    contract_id: Mapped[str] = mapped_column(String(64), ForeignKey("contract.contract_id"), primary_key=True)
    number: Mapped[int] = mapped_column(Integer, primary_key=True)
    signed_on: Mapped[date] = mapped_column(Date)
    note: Mapped[str | None] = mapped_column(String(500))
    changes: Mapped[str] = mapped_column(Text)
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    __table_args__ = (CheckConstraint("number >= 1", name="number"),)
