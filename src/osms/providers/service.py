"""Reading the register of providers (docs/providers.md, "Register"): typed records of a provider, its
licences, resources, founders and contract history, the fund's employees; and the reads for a login
(``read_entry``, ``read_list``, ``read_founders``) that check access and audit founders' data.

Imports are in ``ingest``. Nothing here commits the caller's session.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from datetime import date
from decimal import Decimal
from typing import Any, Final

from sqlalchemy import Table, func, insert, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from osms.core import audit, authz
from osms.core.errors import InvalidInput, NotFound
from osms.core.security import Principal
from osms.providers import queries
from osms.providers.access import PROVIDER_FOUNDERS_READ, PROVIDER_READ
from osms.providers.models import Provider, ProviderResource
from osms.providers.vocabulary import KINDS, PHC_CAPACITY, STATUSES
from osms.registry.regions import regions

#: The largest page of ``read_list``.
MAX_LIMIT: Final = 1000


@dataclass(frozen=True, slots=True)
class ProviderRecord:
    """A register entry."""

    provider_id: str
    bin: str
    name: str
    ownership: str | None  # None: not known yet (an entry made by the attachment's clinic import)
    region: str
    settlement: str | None  # None: not known yet, as ``ownership``
    kind: str
    status: str
    accredited_until: date | None
    own_is: bool
    tax_arrears: Decimal
    iban: str | None = None  # the bank account (``providers.bank``); None: not known
    bank_bic: str | None = None

    def accredited_on(self, day: date) -> bool:
        """Accredited on ``day`` (accreditation runs to ``accredited_until`` inclusive)."""
        return self.accredited_until is not None and day <= self.accredited_until

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True, slots=True)
class LicenceRecord:
    """A licence for one care type; ``experience_from``: start of continuous experience of that care."""

    provider_id: str
    care_type: str
    licensed_from: date
    licensed_to: date | None
    experience_from: date | None

    def in_force(self, day: date) -> bool:
        return self.licensed_from <= day and (self.licensed_to is None or day <= self.licensed_to)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True, slots=True)
class ResourceRecord:
    provider_id: str
    resource: str
    quantity: int

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True, slots=True)
class FounderRecord:
    """A founder, participant or shareholder (personal data: audit who reads it)."""

    provider_id: str
    iin: str
    decision_rights: bool

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True, slots=True)
class FundEmployment:
    """A period of employment at the fund, ``valid_to`` None while still employed."""

    iin: str
    valid_from: date
    valid_to: date | None

    def covers(self, day: date) -> bool:
        return self.valid_from <= day and (self.valid_to is None or day <= self.valid_to)


@dataclass(frozen=True, slots=True)
class ContractRecord:
    """A contract with the fund; ``terminated_on`` and ``termination`` set when it ended early."""

    contract_id: str
    provider_id: str
    valid_from: date
    valid_to: date
    terminated_on: date | None
    termination: str | None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True, slots=True)
class ProviderEntry:
    """A register entry with what the register holds about it; ``founders`` None when the reader
    may not see them."""

    provider: ProviderRecord
    licences: tuple[LicenceRecord, ...]
    resources: tuple[ResourceRecord, ...]
    contracts: tuple[ContractRecord, ...]
    founders: tuple[FounderRecord, ...] | None

    def as_dict(self) -> dict[str, Any]:
        return {
            **self.provider.as_dict(),
            "licences": [x.as_dict() for x in self.licences],
            "resources": [x.as_dict() for x in self.resources],
            "contracts": [x.as_dict() for x in self.contracts],
            "founders": None if self.founders is None else [x.as_dict() for x in self.founders],
        }


@dataclass(frozen=True, slots=True)
class ProviderPage:
    """One page of the register: ``total`` entries match the filters."""

    items: tuple[ProviderRecord, ...]
    total: int
    limit: int
    offset: int

    @property
    def next_offset(self) -> int | None:
        following = self.offset + len(self.items)
        return following if following < self.total else None

    def as_dict(self) -> dict[str, Any]:
        return {
            "items": [p.as_dict() for p in self.items],
            "total": self.total,
            "limit": self.limit,
            "offset": self.offset,
            "next_offset": self.next_offset,
        }


# --- Typed reads (no access check: for the room's use cases and the rooms above) --------------


def find_provider(session: Session, provider_id: str) -> ProviderRecord | None:
    """The register entry of ``provider_id``, or None."""
    q = queries.providers().subquery()
    row = session.execute(select(q).where(q.c.provider_id == provider_id.strip())).first()
    return ProviderRecord(*row) if row is not None else None


def get_provider(session: Session, provider_id: str) -> ProviderRecord:
    """The register entry of ``provider_id``; NotFound ``unknown_provider`` when there is none."""
    found = find_provider(session, provider_id)
    if found is None:
        raise NotFound(f"no provider {provider_id.strip()!r} in the register", code="unknown_provider")
    return found


def check_filters(
    region: str | None, kind: str | None, status: str | None
) -> tuple[str | None, str | None, str | None]:
    """The list's filters, normalised (region upper case, kind and status lower case); InvalidInput
    ``unknown_region``, ``bad_kind`` or ``bad_status`` for a value outside its list."""
    region = region.strip().upper() if region and region.strip() else None
    kind = kind.strip().lower() if kind and kind.strip() else None
    status = status.strip().lower() if status and status.strip() else None
    if region is not None and region not in regions():
        raise InvalidInput(f"unknown region {region!r}; one of {', '.join(regions())}", code="unknown_region")
    if kind is not None and kind not in KINDS:
        raise InvalidInput(f"unknown kind {kind!r}; one of {', '.join(KINDS)}", code="bad_kind")
    if status is not None and status not in STATUSES:
        raise InvalidInput(f"unknown status {status!r}; one of {', '.join(STATUSES)}", code="bad_status")
    return region, kind, status


def list_providers(
    session: Session,
    *,
    region: str | None = None,
    kind: str | None = None,
    status: str | None = None,
    provider_id: str | None = None,
    limit: int = 100,
    offset: int = 0,
) -> ProviderPage:
    """The register filtered by region, kind, status (and one ``provider_id``), by provider_id."""
    region, kind, status = check_filters(region, kind, status)
    if not 1 <= limit <= MAX_LIMIT or offset < 0:
        raise InvalidInput(f"limit must be 1..{MAX_LIMIT} and offset 0 or more", code="bad_page")
    q = queries.providers().subquery()
    conditions = [
        column == value
        for column, value in (
            (q.c.region, region),
            (q.c.kind, kind),
            (q.c.status, status),
            (q.c.provider_id, provider_id),
        )
        if value is not None
    ]
    total = session.scalar(select(func.count()).select_from(q).where(*conditions)) or 0
    rows = session.execute(select(q).where(*conditions).order_by(q.c.provider_id).limit(limit).offset(offset)).all()
    return ProviderPage(tuple(ProviderRecord(*r) for r in rows), int(total), limit, offset)


def licences_of(session: Session, provider_id: str) -> list[LicenceRecord]:
    """A provider's licences, by care type and start."""
    q = queries.licences().subquery()
    rows = session.execute(
        select(q).where(q.c.provider_id == provider_id).order_by(q.c.care_type, q.c.licensed_from)
    ).all()
    return [LicenceRecord(*r) for r in rows]


def resources_of(session: Session, provider_id: str) -> list[ResourceRecord]:
    """A provider's counted resources, by resource code."""
    q = queries.resources().subquery()
    rows = session.execute(select(q).where(q.c.provider_id == provider_id).order_by(q.c.resource)).all()
    return [ResourceRecord(*r) for r in rows]


def founders_of(session: Session, provider_id: str) -> list[FounderRecord]:
    """A provider's founders, by IIN (personal data: the caller audits what it shows)."""
    q = queries.founders().subquery()
    rows = session.execute(select(q).where(q.c.provider_id == provider_id).order_by(q.c.iin)).all()
    return [FounderRecord(*r) for r in rows]


def providers_founded_by(session: Session, iin: str) -> list[FounderRecord]:
    """Every provider ``iin`` is a founder, participant or shareholder of."""
    q = queries.founders().subquery()
    rows = session.execute(select(q).where(q.c.iin == iin).order_by(q.c.provider_id)).all()
    return [FounderRecord(*r) for r in rows]


def contracts_of(session: Session, provider_id: str) -> list[ContractRecord]:
    """A provider's contracts with the fund, oldest first."""
    q = queries.contract_history().subquery()
    rows = session.execute(
        select(q).where(q.c.provider_id == provider_id).order_by(q.c.valid_from, q.c.contract_id)
    ).all()
    return [ContractRecord(*r) for r in rows]


def fund_employments(session: Session, iins: Iterable[str]) -> list[FundEmployment]:
    """The periods of employment at the fund of any of ``iins``, by IIN and start."""
    wanted = sorted(set(iins))
    if not wanted:
        return []
    q = queries.fund_employees().subquery()
    rows = session.execute(select(q).where(q.c.iin.in_(wanted)).order_by(q.c.iin, q.c.valid_from)).all()
    return [FundEmployment(*r) for r in rows]


def providers_by_bin(session: Session, bin_: str) -> list[ProviderRecord]:
    """The register's entries with the BIN ``bin_`` (one, as a rule), by provider_id."""
    q = queries.providers().subquery()
    rows = session.execute(select(q).where(q.c.bin == bin_).order_by(q.c.provider_id)).all()
    return [ProviderRecord(*r) for r in rows]


# --- Reads for a login: access checked, founders' data audited --------------------------------


def _audit_founders(
    session: Session, principal: Principal, provider_id: str, founders: list[FounderRecord], channel: str
) -> None:
    audit.record_many(
        session,
        principal,
        [f.iin for f in founders],
        channel=channel,
        action="provider.founders.read",
        resource=f"provider/{provider_id}/founders",
    )


def read_entry(session: Session, principal: Principal, provider_id: str, *, channel: str) -> ProviderEntry:
    """A register entry with its licences, resources and contract history, for a login that may
    read it (``provider:read``); with its founders when the login may read them
    (``provider.founders:read``), each founder's read audited."""
    provider_id = provider_id.strip()
    authz.authorize(session, principal, PROVIDER_READ, provider_id, channel=channel)
    provider = get_provider(session, provider_id)
    founders: list[FounderRecord] | None = None
    if authz.allows(session, principal, PROVIDER_FOUNDERS_READ, provider_id):
        founders = founders_of(session, provider_id)
        _audit_founders(session, principal, provider_id, founders, channel)
    return ProviderEntry(
        provider,
        tuple(licences_of(session, provider_id)),
        tuple(resources_of(session, provider_id)),
        tuple(contracts_of(session, provider_id)),
        None if founders is None else tuple(founders),
    )


def read_founders(session: Session, principal: Principal, provider_id: str, *, channel: str) -> list[FounderRecord]:
    """A provider's founders for a login that may read them (``provider.founders:read``), each read audited."""
    provider_id = provider_id.strip()
    authz.authorize(session, principal, PROVIDER_FOUNDERS_READ, provider_id, channel=channel)
    get_provider(session, provider_id)
    founders = founders_of(session, provider_id)
    _audit_founders(session, principal, provider_id, founders, channel)
    return founders


def read_list(
    session: Session,
    principal: Principal,
    *,
    region: str | None = None,
    kind: str | None = None,
    status: str | None = None,
    limit: int = 100,
    offset: int = 0,
    channel: str,
    resource: str,
) -> ProviderPage:
    """The register for a login: operators and auditors every entry; a provider's login its own."""
    authz.authorize_role(session, principal, PROVIDER_READ, channel=channel, resource=resource)
    only = None if principal.role in authz.anyone(PROVIDER_READ) else principal.provider_id or ""
    return list_providers(
        session, region=region, kind=kind, status=status, provider_id=only, limit=limit, offset=offset
    )


# --- The attachment's clinics (docs/providers.md, "The attachment's clinics") -----------------


@dataclass(frozen=True, slots=True)
class PhcClinic:
    """What the attachment's clinic file says of a PHC provider: its entry's id, BIN, name and region,
    and its ``phc_capacity``."""

    provider_id: str
    bin: str
    name: str
    region: str
    capacity: int


def _chunks(ids: list[str], size: int = 500) -> Iterable[list[str]]:
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


def phc_clinics_by_id(conn: Connection, ids: Iterable[str]) -> dict[str, PhcClinic]:
    """The PHC entries among ``ids`` as the clinic file would write them (``capacity`` 0 without a
    ``phc_capacity`` resource)."""
    q = queries.phc_clinics().subquery()
    found: dict[str, PhcClinic] = {}
    for part in _chunks(sorted(set(ids))):
        for row in conn.execute(select(q).where(q.c.provider_id.in_(part))):
            found[row.provider_id] = PhcClinic(*row)
    return found


def kinds_by_id(conn: Connection, ids: Iterable[str]) -> dict[str, str]:
    """The kind of every register entry among ``ids``."""
    q = queries.providers().subquery()
    kinds: dict[str, str] = {}
    for part in _chunks(sorted(set(ids))):
        kinds.update(
            {
                pid: kind
                for pid, kind in conn.execute(select(q.c.provider_id, q.c.kind).where(q.c.provider_id.in_(part)))
            }
        )
    return kinds


def save_phc_clinics(conn: Connection, clinics: Sequence[PhcClinic]) -> None:
    """Write the attachment's clinics into the register, in the caller's transaction: a new id becomes
    an entry of kind ``phc``, status ``active``, ownership and settlement not known (null), not
    accredited, no own information system, no arrears, until the register's own file says more; an
    existing ``phc`` entry gets the BIN, name and region; ``phc_capacity`` is set to the capacity.
    Refuses (``not_phc``) an id whose entry is of another kind: a clinic file does not reclassify."""
    kinds = kinds_by_id(conn, (c.provider_id for c in clinics))
    other = sorted(pid for pid, kind in kinds.items() if kind != "phc")
    if other:
        raise InvalidInput(f"not PHC entries of the register: {', '.join(other[:5])}", code="not_phc")
    before = phc_clinics_by_id(conn, kinds)
    provider: Table = Provider.__table__  # type: ignore[assignment]
    resource: Table = ProviderResource.__table__  # type: ignore[assignment]
    new = [c for c in clinics if c.provider_id not in kinds]
    if new:
        conn.execute(
            insert(provider),
            [
                {
                    "provider_id": c.provider_id,
                    "bin": c.bin,
                    "name": c.name,
                    "ownership": None,
                    "region": c.region,
                    "settlement": None,
                    "kind": "phc",
                    "status": "active",
                    "accredited_until": None,
                    "own_is": False,
                    "tax_arrears": Decimal(0),
                }
                for c in new
            ],
        )
    for c in clinics:
        old = before.get(c.provider_id)
        if old is not None and (old.bin, old.name, old.region) != (c.bin, c.name, c.region):
            conn.execute(
                update(provider)
                .where(provider.c.provider_id == c.provider_id)
                .values(bin=c.bin, name=c.name, region=c.region, updated_at=func.now())
            )
    has_capacity: set[str] = set()
    for part in _chunks(sorted(kinds)):
        has_capacity.update(
            conn.scalars(
                select(resource.c.provider_id).where(
                    resource.c.provider_id.in_(part), resource.c.resource == PHC_CAPACITY
                )
            )
        )
    added = [c for c in clinics if c.provider_id not in has_capacity]
    if added:
        conn.execute(
            insert(resource),
            [{"provider_id": c.provider_id, "resource": PHC_CAPACITY, "quantity": c.capacity} for c in added],
        )
    for c in clinics:
        old = before.get(c.provider_id)
        if c.provider_id in has_capacity and old is not None and old.capacity != c.capacity:
            conn.execute(
                update(resource)
                .where(resource.c.provider_id == c.provider_id, resource.c.resource == PHC_CAPACITY)
                .values(quantity=c.capacity)
            )


def lock_providers(session: Session, provider_ids: Iterable[str]) -> None:
    """Lock the register entries of ``provider_ids`` until the end of the transaction (PostgreSQL
    ``FOR UPDATE``), in id order: a room that places people or volumes against an entry's capacity
    serialises its placements on them."""
    for part in _chunks(sorted(set(provider_ids))):
        session.execute(select(Provider.provider_id).where(Provider.provider_id.in_(part)).with_for_update()).all()
