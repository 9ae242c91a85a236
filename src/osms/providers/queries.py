"""The providers room's read-only query surfaces for other rooms (docs/decisions/0006-cross-room-reads.md).

Each function returns a ``SELECT`` of published columns that another room may join as a subquery
(the admission; the attachment room's clinics, ``phc_clinics``); the tables, their writes and their row
locks stay this room's. Columns as in docs/providers.md, "Register".
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import CompoundSelect, Select, func, select

from osms.providers.models import (
    Contract,
    ContractMonth,
    FundEmployee,
    Provider,
    ProviderContractHistory,
    ProviderFounder,
    ProviderLicence,
    ProviderResource,
)
from osms.providers.vocabulary import PHC_CAPACITY


def providers() -> Select[str, str, str, str, str, str, str, str, date | None, bool, Decimal, str | None, str | None]:
    """The register: ``provider_id, bin, name, ownership, region, settlement, kind, status,
    accredited_until, own_is, tax_arrears, iban, bank_bic`` (filter on ``region``, ``kind``,
    ``status``). ``iban`` and ``bank_bic``: the provider's bank account (a legal entity's business
    data, not personal data), null when the register has none; the payments room pays to it."""
    return select(
        Provider.provider_id,
        Provider.bin,
        Provider.name,
        Provider.ownership,
        Provider.region,
        Provider.settlement,
        Provider.kind,
        Provider.status,
        Provider.accredited_until,
        Provider.own_is,
        Provider.tax_arrears,
        Provider.iban,
        Provider.bank_bic,
    )


def licences() -> Select[str, str, date, date | None, date | None]:
    """Licences per care type: ``provider_id, care_type, licensed_from, licensed_to, experience_from``."""
    return select(
        ProviderLicence.provider_id,
        ProviderLicence.care_type,
        ProviderLicence.licensed_from,
        ProviderLicence.licensed_to,
        ProviderLicence.experience_from,
    )


def resources() -> Select[str, str, int]:
    """Counted resources: ``provider_id, resource, quantity`` (``phc_capacity``: a PHC provider's capacity)."""
    return select(ProviderResource.provider_id, ProviderResource.resource, ProviderResource.quantity)


def founders() -> Select[str, str, bool]:
    """Founders, participants and shareholders: ``provider_id, iin, decision_rights`` (personal data:
    a room that shows them to someone audits the read)."""
    return select(ProviderFounder.provider_id, ProviderFounder.iin, ProviderFounder.decision_rights)


def fund_employees() -> Select[str, date, date | None]:
    """Periods of employment at the fund: ``iin, valid_from, valid_to`` (open while null)."""
    return select(FundEmployee.iin, FundEmployee.valid_from, FundEmployee.valid_to)


def contract_history() -> CompoundSelect[str, str, date, date, date | None, str | None]:
    """Contracts with the fund: ``contract_id, provider_id, valid_from, valid_to, terminated_on, termination``:
    those of the register's history file (signed before or outside the system) and those the system
    holds (``contract``, docs/providers.md "Contracts"), so that a termination the system records
    counts for the admission's 3-year exclusions the same way. A contract id is in one of them only
    (the contracts service refuses an id of the history)."""
    return select(
        ProviderContractHistory.contract_id,
        ProviderContractHistory.provider_id,
        ProviderContractHistory.valid_from,
        ProviderContractHistory.valid_to,
        ProviderContractHistory.terminated_on,
        ProviderContractHistory.termination,
    ).union_all(
        select(
            Contract.contract_id,
            Contract.provider_id,
            Contract.valid_from,
            Contract.valid_to,
            Contract.terminated_on,
            Contract.termination,
        )
    )


def phc_clinics() -> Select[str, str, str, str, int]:
    """The primary-care clinics the attachment room attaches people to: every entry of kind ``phc``
    with ``provider_id, bin, name, region, capacity`` (``capacity``: its ``phc_capacity`` resource,
    0 when the register has none: no one can be attached there)."""
    capacity = (
        select(ProviderResource.quantity)
        .where(ProviderResource.provider_id == Provider.provider_id, ProviderResource.resource == PHC_CAPACITY)
        .scalar_subquery()
    )
    return select(
        Provider.provider_id,
        Provider.bin,
        Provider.name,
        Provider.region,
        func.coalesce(capacity, 0).label("capacity"),
    ).where(Provider.kind == "phc")


def contract_care_types() -> Select[str, str, date, date, date | None]:
    """The care types each provider's contracts cover (the claims room's ``not_in_contract`` check):
    ``provider_id, care_type, valid_from, valid_to, terminated_on``, one row per contract and care
    type with a line in it. A contract covers a care type on day D when ``valid_from <= D <= valid_to``
    and it was not terminated by then (``terminated_on`` null or after D: a contract is terminated
    on and after ``terminated_on``, as ``contracts.ContractView.status`` says)."""
    lines = select(ContractMonth.contract_id, ContractMonth.care_type).distinct().subquery("lines")
    return select(
        Contract.provider_id,
        lines.c.care_type,
        Contract.valid_from,
        Contract.valid_to,
        Contract.terminated_on,
    ).join(lines, lines.c.contract_id == Contract.contract_id)


def contracts() -> Select[str, str, date, date, date | None, int]:
    """The contracts the system holds (docs/providers.md, "Contracts"): ``contract_id, provider_id,
    valid_from, valid_to, terminated_on, advance_percent`` (the payments room's monthly run)."""
    return select(
        Contract.contract_id,
        Contract.provider_id,
        Contract.valid_from,
        Contract.valid_to,
        Contract.terminated_on,
        Contract.advance_percent,
    )


def contract_months() -> Select[str, str, date, int, Decimal]:
    """The months of the contracts: ``contract_id, care_type, month, volume, sum`` (``month``: the
    first day; ``sum`` in tenge), one row per contract, care type and month."""
    return select(
        ContractMonth.contract_id,
        ContractMonth.care_type,
        ContractMonth.month,
        ContractMonth.volume,
        ContractMonth.sum,
    )
