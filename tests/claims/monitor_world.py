"""Rows the monitoring tests need, written directly (intake is another slice): service records, the
findings and potential defects intake would write, principals of each role."""

from __future__ import annotations

import hashlib
from datetime import UTC, date, datetime

from sqlalchemy.orm import Session

from osms.claims.models import Defect, ServiceFinding, ServiceRecord
from osms.core.models import ImportBatch
from osms.core.security import Principal

OPERATOR = Principal(user_id=1, username="expert1", role="operator", display_name="Expert")
REVIEWER = Principal(user_id=2, username="reviewer1", role="operator", display_name="Reviewer")
REVIEWER2 = Principal(user_id=3, username="reviewer2", role="operator", display_name="Second reviewer")
AUDITOR = Principal(user_id=4, username="auditor1", role="auditor", display_name="Auditor")


def clinic(provider_id: str) -> Principal:
    return Principal(
        user_id=10, username=f"clinic-{provider_id}", role="clinic", display_name="Clinic", provider_id=provider_id
    )


def citizen(number: str) -> Principal:
    return Principal(user_id=20, username=f"citizen-{number}", role="citizen", display_name="Citizen", iin=number)


def batch(session: Session) -> int:
    row = ImportBatch(
        kind="services", file_name="test.csv", sha256="0" * 64, started_at=datetime.now(UTC), created_by="test"
    )
    session.add(row)
    session.flush()
    return row.id


def record(
    session: Session,
    provider_id: str,
    record_id: str,
    number: str,
    *,
    care_form: str = "phc",
    day: date = date(2026, 3, 2),
    until: date | None = None,
    outcome: str = "completed",
    batch_id: int | None = None,
) -> ServiceRecord:
    end = until or day
    hospital = care_form in ("inpatient", "day_hospital", "home_hospital", "admission")
    row = ServiceRecord(
        provider_id=provider_id,
        record_id=record_id,
        iin=number,
        care_form=care_form,
        care_type="inpatient" if hospital else care_form,
        service_code=None if hospital else "A01.003.000",
        case_group="P001" if hospital else None,
        icd10="J06.9",
        procedures=None,
        date_from=day,
        date_to=end,
        outcome=outcome,
        referral=False,
        emergency=False,
        quantity=1,
        doctor_iin=None,
        month=end.replace(day=1),
        version=1,
        digest=hashlib.md5(f"{provider_id}/{record_id}".encode()).hexdigest(),
        batch_id=batch_id or batch(session),
        received_at=datetime.now(UTC),
    )
    session.add(row)
    session.flush()
    return row


def potential(
    session: Session, rec: ServiceRecord, code: str, defect_code: str | None, found_on: date
) -> Defect | None:
    """What intake writes for a finding: the finding and, for a defect code, a potential defect."""
    finding = ServiceFinding(
        record_ref=rec.id,
        code=code,
        defect_code=defect_code,
        detail=None,
        provider_id=rec.provider_id,
        month=rec.month,
        found_on=found_on,
        batch_id=rec.batch_id,
    )
    session.add(finding)
    session.flush()
    if defect_code is None:
        return None
    defect = Defect(
        record_ref=rec.id,
        finding_id=finding.id,
        provider_id=rec.provider_id,
        month=rec.month,
        code=defect_code,
        origin="potential",
        status="notified",
        found_on=found_on,
        created_by="intake",
    )
    session.add(defect)
    session.flush()
    return defect
