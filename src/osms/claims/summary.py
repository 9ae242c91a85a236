"""Read-only totals of the register of service records, for a summary of what the intakes did
(``osms demo`` prints them): batches, rows, records, rejections by reason, findings by code, the
findings with their records' keys, and one record by its key."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from osms.claims.intake import BATCH_KIND
from osms.claims.models import ServiceFinding, ServiceRecord
from osms.core.models import ImportBatch, ImportRejection

__all__ = ["FlaggedRecord", "IntakeTotals", "RecordLine", "flagged_records", "intake_totals", "record_line"]


@dataclass(frozen=True, slots=True)
class IntakeTotals:
    files: int  # service-report batches
    rows: int
    records: int  # records in the register
    rejected_by_reason: dict[str, int]
    findings_by_code: dict[str, int]


@dataclass(frozen=True, slots=True)
class FlaggedRecord:
    provider_id: str
    record_id: str
    iin: str
    code: str  # service code or clinical cost group
    date_from: date
    finding: str


@dataclass(frozen=True, slots=True)
class RecordLine:
    provider_id: str
    record_id: str
    iin: str
    care_form: str
    code: str
    date_from: date


def intake_totals(session: Session) -> IntakeTotals:
    batches, rows = session.execute(
        select(func.count(), func.coalesce(func.sum(ImportBatch.rows), 0)).where(ImportBatch.kind == BATCH_KIND)
    ).one()
    records = session.scalar(select(func.count()).select_from(ServiceRecord)) or 0
    rejected = {
        str(code): int(n)
        for code, n in session.execute(
            select(ImportRejection.code, func.count())
            .join(ImportBatch, ImportBatch.id == ImportRejection.batch_id)
            .where(ImportBatch.kind == BATCH_KIND)
            .group_by(ImportRejection.code)
            .order_by(ImportRejection.code)
        )
    }
    found = {
        str(code): int(n)
        for code, n in session.execute(
            select(ServiceFinding.code, func.count()).group_by(ServiceFinding.code).order_by(ServiceFinding.code)
        )
    }
    return IntakeTotals(int(batches), int(rows), int(records), rejected, found)


def flagged_records(session: Session) -> list[FlaggedRecord]:
    """Every finding with its record's key, by provider, record and finding code."""
    query = (
        select(
            ServiceRecord.provider_id,
            ServiceRecord.record_id,
            ServiceRecord.iin,
            func.coalesce(ServiceRecord.service_code, ServiceRecord.case_group, ""),
            ServiceRecord.date_from,
            ServiceFinding.code,
        )
        .join(ServiceFinding, ServiceFinding.record_ref == ServiceRecord.id)
        .order_by(ServiceRecord.provider_id, ServiceRecord.record_id, ServiceFinding.code)
    )
    return [FlaggedRecord(*row) for row in session.execute(query)]


def record_line(session: Session, provider_id: str, record_id: str) -> RecordLine | None:
    row = session.scalar(
        select(ServiceRecord).where(ServiceRecord.provider_id == provider_id, ServiceRecord.record_id == record_id)
    )
    if row is None:
        return None
    code = row.service_code or row.case_group or ""
    return RecordLine(row.provider_id, row.record_id, row.iin, row.care_form, code, row.date_from)
