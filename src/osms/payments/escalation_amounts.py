"""The deductions of the monthly run per defect, for the claims room's escalation report (MON
п.19-20; docs/payments.md, "The monthly run", step 3; registered with
``claims.escalation_amounts`` when the payments room is imported).

A defect's amount is what the runs deducted for it: its ``deduction`` traces (the per-defect
amounts behind a ``payment_run_deduction`` row and its ``defect_ids``) less its ``recalc`` traces
(a hidden defect deducted in a later month is a negative recalculation, so it adds; a withdrawn
one paid back is positive, so it takes off). Runs of every month count, since the report sums a
contract's defects of earlier months too; an unsigned run's re-run replaces its traces, so nothing
counts twice. No run of the month asked about: ``None`` (the report keeps its counts only).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import date
from decimal import Decimal
from typing import Final

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from osms.payments.models import PaymentRun, PaymentRunTrace

__all__ = ["deducted"]

CHUNK: Final = 5_000


def deducted(session: Session, month: date, defect_ids: Collection[int]) -> Mapping[int, Decimal] | None:
    """``defect id → tenge deducted`` (``None`` when no run of ``month`` exists)."""
    first = month.replace(day=1)
    if session.scalar(select(PaymentRun.id).where(PaymentRun.month == first).limit(1)) is None:
        return None
    ids = sorted(set(defect_ids))
    out: dict[int, Decimal] = {}
    signed = case((PaymentRunTrace.target == "deduction", PaymentRunTrace.amount), else_=-PaymentRunTrace.amount)
    for start in range(0, len(ids), CHUNK):
        rows = session.execute(
            select(PaymentRunTrace.defect_id, func.sum(signed))
            .where(
                PaymentRunTrace.defect_id.in_(ids[start : start + CHUNK]),
                PaymentRunTrace.target.in_(("deduction", "recalc")),
            )
            .group_by(PaymentRunTrace.defect_id)
        )
        out.update({row[0]: Decimal(row[1]).quantize(Decimal("0.01")) for row in rows})
    return out
