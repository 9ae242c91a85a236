"""A small world for the monthly run's tests: providers, contracts with monthly sums, attached
people, accepted service records with findings and defects, written directly through the owning
rooms' models (tests may)."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from datetime import UTC, date, datetime
from decimal import Decimal

from sqlalchemy.orm import Session

from osms.claims.models import Defect, ServiceFinding, ServiceRecord
from osms.core.models import ImportBatch
from osms.providers import contracts
from osms.providers.contracts import CareLine, ContractDraft
from osms.rulebooks.loader import load_rulebook
from tests.claims.world import add_person, add_provider, attach, iin

__all__ = ["add_person", "add_provider", "attach", "contract", "defect", "finding", "iin", "record"]

_BATCH: dict[int, int] = {}


def _batch(session: Session) -> int:
    key = id(session)
    if key not in _BATCH or session.get(ImportBatch, _BATCH[key]) is None:
        row = ImportBatch(
            kind="services", file_name="t.csv", sha256="0" * 64, started_at=datetime.now(UTC), created_by="test"
        )
        session.add(row)
        session.flush()
        _BATCH[key] = row.id
    return _BATCH[key]


def contract(
    session: Session,
    provider_id: str,
    lines: Iterable[tuple[str, Decimal | str]],
    *,
    valid_from: date = date(2026, 1, 1),
    valid_to: date = date(2026, 12, 31),
    advance_percent: int = 0,
    contract_id: str | None = None,
) -> str:
    """A contract with annual sums per care type, spread evenly over its months (12 months of
    1,200,000.00: 100,000.00 a month)."""
    number = contract_id or f"C-{provider_id}"
    draft = ContractDraft(
        contract_id=number,
        provider_id=provider_id,
        valid_from=valid_from,
        valid_to=valid_to,
        signed_on=valid_from,
        lines=tuple(CareLine(t, 1200, Decimal(str(s))) for t, s in lines),
        ground="p19_reserve",
        advance_percent=advance_percent,
    )
    contracts.create(session, load_rulebook("kz-law"), draft, created_by="test")
    return number


def record(
    session: Session,
    provider_id: str,
    record_id: str,
    number: str,
    *,
    care_form: str,
    care_type: str,
    service_code: str | None = None,
    case_group: str | None = None,
    day: date = date(2026, 3, 2),
    until: date | None = None,
    outcome: str = "completed",
    procedures: str | None = None,
    icd10: str = "J06.9",
    quantity: int = 1,
) -> ServiceRecord:
    end = until or day
    row = ServiceRecord(
        provider_id=provider_id,
        record_id=record_id,
        iin=number,
        care_form=care_form,
        care_type=care_type,
        service_code=service_code,
        case_group=case_group,
        icd10=icd10,
        procedures=procedures,
        date_from=day,
        date_to=end,
        outcome=outcome,
        referral=True,
        emergency=False,
        quantity=quantity,
        doctor_iin=None,
        month=end.replace(day=1),
        version=1,
        digest=hashlib.md5(f"{provider_id}/{record_id}".encode()).hexdigest(),
        batch_id=_batch(session),
        received_at=datetime.now(UTC),
    )
    session.add(row)
    session.flush()
    return row


def finding(session: Session, rec: ServiceRecord, code: str, defect_code: str | None = None) -> ServiceFinding:
    row = ServiceFinding(
        record_ref=rec.id,
        code=code,
        defect_code=defect_code,
        detail=None,
        provider_id=rec.provider_id,
        month=rec.month,
        found_on=rec.date_to,
        batch_id=rec.batch_id,
    )
    session.add(row)
    session.flush()
    return row


def defect(
    session: Session,
    provider_id: str,
    code: str,
    *,
    rec: ServiceRecord | None = None,
    month: date = date(2026, 3, 1),
    status: str = "confirmed",
    found_on: date = date(2026, 3, 20),
    finding_id: int | None = None,
) -> Defect:
    row = Defect(
        record_ref=rec.id if rec else None,
        finding_id=finding_id,
        provider_id=provider_id,
        month=rec.month if rec else month,
        code=code,
        origin="additional",
        status=status,
        found_on=found_on,
        created_by="test",
    )
    session.add(row)
    session.flush()
    return row
