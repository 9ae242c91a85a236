"""The world of the claims room's page tests: two providers' intake in April 2026, written straight
into the register's tables (the pages only read them), with a clinic login per provider, an
operator, an auditor and a citizen.

- Batch 1 (Friday 3 April, loaded by P1's login ``p1``): 4 rows; R1 (Асан, a PHC visit, clean) and
  R2 (Бекет, a PHC visit dated after his death: ``dead_before_service``, defect 5.1) accepted; line 3
  ``bad_iin`` and line 5 ``unknown_service_code`` (Айгүл's outpatient row) rejected.
- Batch 2 (Monday 6 April, loaded by the operator: a file of both providers): P1's R5 (Асан,
  outpatient, ``sex_mismatch`` 5.1 and ``duplicate`` 3.1) and P2's Q1 (Айгүл, inpatient, died)
  accepted; P1's R6 ``unknown_icd10`` and P2's Q2 ``bad_iin`` rejected.
- Defects: D1 (P1, R2, 5.1, potential, notified on 6 April), D2 (P1, R5, 3.1, objected on
  7 April), D3 (P2, Q1, 1.2, additional, confirmed).
- Cases: the death review of Q1 (P2), an unplanned monitoring of R1 opened by a complaint.

The pages' day is Wednesday 8 April 2026: D1's objection window runs to Monday 13 April (5 working
days after the 6th), 3 working days left.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from osms.claims.models import AppealStep, Defect, MonitoringCase, ServiceFinding, ServiceRecord
from osms.core.models import ImportBatch, ImportRejection
from osms.core.security import create_user
from osms.web import pages
from tests.claims.world import add_person, add_provider, iin

DAY = date(2026, 4, 8)
MONTH = date(2026, 4, 1)
PASSWORD = "claims-pages-42"
CSRF = re.compile(r'name="csrf" value="([^"]+)"')
ASAN = iin(date(1985, 5, 5), "M")
AIGUL = iin(date(1990, 2, 2), "F")
BEKET = iin(date(1950, 1, 1), "M", 3)


@dataclass
class World:
    refs: dict[str, int]
    defects: dict[str, int]
    cases: dict[str, int]


def _batch(session: Session, at: datetime, by: str, rows: int, accepted: int, rejected: int) -> int:
    batch = ImportBatch(
        kind="services",
        file_name="api" if by == "p1" else "services-2026-04-06.csv",
        sha256="0" * 64,
        started_at=at,
        finished_at=at,
        rows=rows,
        accepted=accepted,
        rejected=rejected,
        created_by=by,
    )
    session.add(batch)
    session.flush()
    return batch.id


def _record(
    session: Session, batch: int, provider: str, record_id: str, person: str, form: str, on: date, **more: Any
) -> int:
    values: dict[str, Any] = {
        "care_type": "phc" if form == "phc" else "consult_diag",
        "service_code": "A01.003.000",
        "case_group": None,
        "icd10": "J06.9",
        "outcome": "completed",
    } | more
    record = ServiceRecord(
        provider_id=provider,
        record_id=record_id,
        iin=person,
        care_form=form,
        procedures=None,
        date_from=on,
        date_to=on,
        referral=False,
        emergency=False,
        quantity=1,
        doctor_iin=None,
        month=MONTH,
        version=1,
        digest=record_id,
        batch_id=batch,
        received_at=datetime(on.year, on.month, on.day + 1, 9, tzinfo=UTC),
        **values,
    )
    session.add(record)
    session.flush()
    return record.id


def _finding(session: Session, batch: int, ref: int, provider: str, code: str, defect: str | None) -> int:
    finding = ServiceFinding(
        record_ref=ref,
        code=code,
        defect_code=defect,
        detail=None,
        provider_id=provider,
        month=MONTH,
        found_on=date(2026, 4, 6),
        batch_id=batch,
    )
    session.add(finding)
    session.flush()
    return finding.id


def _defect(session: Session, ref: int, provider: str, code: str, origin: str, status: str, **more: Any) -> int:
    defect = Defect(
        record_ref=ref,
        provider_id=provider,
        month=MONTH,
        code=code,
        origin=origin,
        status=status,
        found_on=date(2026, 4, 6),
        created_by="intake" if origin == "potential" else "op",
        **more,
    )
    session.add(defect)
    session.flush()
    return defect.id


def build(session: Session) -> World:
    add_person(session, ASAN, birth=date(1985, 5, 5), sex="M")
    add_person(session, AIGUL, birth=date(1990, 2, 2), sex="F")
    add_person(session, BEKET, birth=date(1950, 1, 1), sex="M", died=date(2026, 3, 20))
    add_provider(session, "P1", kind="phc", region="KZ-ALA")
    add_provider(session, "P2", kind="hospital", region="KZ-AST")
    create_user(session, "p1", PASSWORD, "clinic", "Емхана P1", provider_id="P1")
    create_user(session, "p2", PASSWORD, "clinic", "Емхана P2", provider_id="P2")
    create_user(session, "op", PASSWORD, "operator", "Сарапшы")
    create_user(session, "aud", PASSWORD, "auditor", "Аудитор")
    create_user(session, "cit", PASSWORD, "citizen", "Асан", iin=ASAN)

    b1 = _batch(session, datetime(2026, 4, 3, 9, tzinfo=UTC), "p1", 4, 2, 2)
    r1 = _record(session, b1, "P1", "R1", ASAN, "phc", date(2026, 4, 2))
    r2 = _record(session, b1, "P1", "R2", BEKET, "phc", date(2026, 4, 2))
    _finding(session, b1, r2, "P1", "dead_before_service", "5.1")
    session.add_all(
        [
            ImportRejection(
                batch_id=b1, line=3, code="bad_iin", message="bad IIN 12345", raw="R3,P1,12345,phc,phc,A01.003.000"
            ),
            ImportRejection(
                batch_id=b1,
                line=5,
                code="unknown_service_code",
                message="no service X99 on 2026-04-02",
                raw=f"R4,P1,{AIGUL},outpatient,consult_diag,X99",
            ),
        ]
    )
    b2 = _batch(session, datetime(2026, 4, 6, 8, tzinfo=UTC), "op", 4, 2, 2)
    r5 = _record(session, b2, "P1", "R5", ASAN, "outpatient", date(2026, 4, 5), service_code="B03.016.002")
    _finding(session, b2, r5, "P1", "sex_mismatch", "5.1")
    _finding(session, b2, r5, "P1", "duplicate", "3.1")
    q1 = _record(
        session, b2, "P2", "Q1", AIGUL, "inpatient", date(2026, 4, 5), service_code=None, case_group="P001",
        outcome="died", care_type="inpatient_emergency",
    )  # fmt: skip
    session.add_all(
        [
            ImportRejection(
                batch_id=b2, line=4, code="unknown_icd10", message="no ICD-10 Z99.99", raw=f"R6,P1,{ASAN},phc,Z99.99"
            ),
            ImportRejection(batch_id=b2, line=5, code="bad_iin", message="bad IIN 777", raw="Q2,P2,777,inpatient"),
        ]
    )
    d1 = _defect(session, r2, "P1", "5.1", "potential", "notified")
    d2 = _defect(session, r5, "P1", "3.1", "potential", "objected")
    session.add(
        AppealStep(
            defect_id=d2, step="objection", on=date(2026, 4, 7), due_on=date(2026, 4, 14), actor="p1",
            region=None, decision=None, note="The patient came twice: two different complaints.",
        )
    )  # fmt: skip
    d3 = _defect(session, q1, "P2", "1.2", "additional", "confirmed", note="Unjustified admission")
    death = MonitoringCase(
        kind="death_review", trigger="death", record_ref=q1, provider_id="P2", month=MONTH,
        opened_on=date(2026, 4, 6), due_on=date(2026, 4, 20), status="open", opened_by="intake",
    )  # fmt: skip
    complaint = MonitoringCase(
        kind="unplanned", trigger="complaint", record_ref=r1, provider_id="P1", month=MONTH,
        opened_on=date(2026, 4, 7), due_on=None, status="open", complainant_iin=ASAN,
        note="I did not receive this", opened_by="cit",
    )  # fmt: skip
    session.add_all([death, complaint])
    session.commit()
    return World(
        {"R1": r1, "R2": r2, "R5": r5, "Q1": q1},
        {"D1": d1, "D2": d2, "D3": d3},
        {"death": death.id, "complaint": complaint.id},
    )


@pytest.fixture
def world(session: Session, monkeypatch: pytest.MonkeyPatch) -> World:
    monkeypatch.setattr(pages, "today", lambda: DAY)
    return build(session)


def csrf_of(html: str) -> str:
    found = CSRF.search(html)
    assert found, "no CSRF field on the page"
    return found.group(1)


def logged(app: Any, username: str) -> TestClient:
    client = TestClient(app, follow_redirects=False)
    form = client.get("/login")
    answer = client.post("/login", data={"username": username, "password": PASSWORD, "csrf": csrf_of(form.text)})
    assert answer.status_code == 303
    return client
