"""A trace's reference to its payment run holds without a per-row foreign key (migration 0018):
a trace naming no run is refused, and deleting a run deletes its traces (as ``ON DELETE CASCADE``
did). Same behaviour on SQLite (row triggers) and PostgreSQL (one statement-level trigger over the
inserted rows)."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError

from osms.payments.models import PaymentRun, PaymentRunTrace
from osms.payments.run import run_month
from osms.rulebooks.loader import load_rulebook
from tests.payments.run_world import add_person, add_provider, contract, iin, record

MARCH = date(2026, 3, 1)
KZ = load_rulebook("kz-law")


def _traced_run(session: Any) -> int:
    add_provider(session, "H1")
    cid = contract(session, "H1", [("consult_diag", "1200000.00")])
    person = add_person(session, iin(date(1980, 1, 1), "M", 1), birth=date(1980, 1, 1), sex="M")
    for k in range(3):
        record(session, "H1", f"r{k}", person, care_form="outpatient", care_type="consult_diag",
               service_code="A01.003.000")  # fmt: skip
    run_month(session, KZ, MARCH, contract_id=cid, today=date(2026, 4, 2))
    run_id = session.scalar(select(PaymentRun.id).where(PaymentRun.contract_id == cid))
    assert run_id is not None
    return run_id


def _traces(session: Any, run_id: int) -> int:
    return session.scalar(select(func.count()).select_from(PaymentRunTrace).where(PaymentRunTrace.run_id == run_id))


def test_a_trace_naming_no_run_is_refused(session: Any) -> None:
    run_id = _traced_run(session)
    assert _traces(session, run_id) == 3  # one per record
    with pytest.raises(IntegrityError, match="names no payment run"), session.begin_nested():
        session.execute(
            text(
                "INSERT INTO payment_run_trace (run_id, target, target_id, amount) "
                "SELECT CASE WHEN n = 2 THEN :missing ELSE :run END, 'line', 1, 0 "
                "FROM (SELECT 1 AS n UNION ALL SELECT 2) AS t"
            ),
            {"run": run_id, "missing": run_id + 1000},
        )
    assert _traces(session, run_id) == 3  # the statement was refused whole


def test_deleting_a_run_deletes_its_traces(session: Any) -> None:
    run_id = _traced_run(session)
    session.execute(text("DELETE FROM payment_run_line WHERE run_id = :r"), {"r": run_id})
    session.execute(text("DELETE FROM payment_run WHERE id = :r"), {"r": run_id})
    assert _traces(session, run_id) == 0
