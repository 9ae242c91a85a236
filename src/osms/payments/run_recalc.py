"""Recalculations: what changed in a signed (frozen) month lands in the month being run, each line
traceable to its cause (docs/payments.md, "The monthly run").

- ``hidden_defect``: a defect of a signed month confirmed and not yet deducted anywhere, found no
  later than 6 months after that month's payment was due: deducted now (a negative amount), at the
  classifier's figure for the defect's month.
- ``correction``: a deduction of a signed month whose defect was withdrawn since (paid back now),
  and a record of a signed month corrected after the run was computed (``received_at`` later than
  ``computed_at``): the difference between what the record is worth now (0 if it became unpayable)
  and what it was paid (its line trace plus earlier recalculations).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Final

from sqlalchemy import and_, exists, func, or_, select
from sqlalchemy.orm import Session

from osms.claims import queries as claims
from osms.payments import run_pricing as pricing
from osms.payments.models import PaymentRecalculation, PaymentRun, PaymentRunTrace
from osms.payments.run_deductions import compute
from osms.payments.run_transfers import CHAIN_FORMS, case_records
from osms.rulebooks.loader import Rulebook

if TYPE_CHECKING:
    from osms.payments.run import ContractRun, _Contract

__all__ = ["HIDDEN_DEFECT_MONTHS", "recalculations"]

ZERO: Final = Decimal("0.00")
#: A hidden defect is deducted when found within this many months of the payment.
HIDDEN_DEFECT_MONTHS: Final = 6


def add_months(day: date, months: int) -> date:
    """The same day ``months`` later (the month's last day when it has no such day)."""
    total = day.year * 12 + day.month - 1 + months
    year, month = divmod(total, 12)
    for last in (day.day, 30, 29, 28):
        try:
            return date(year, month + 1, min(day.day, last))
        except ValueError:
            continue
    raise AssertionError(day)


def recalculations(
    session: Session,
    book: Rulebook,
    month: date,
    contracts: Sequence[_Contract],
    runs: dict[str, ContractRun],
    rows: dict[str, PaymentRun],
    per_capita_rates: Mapping[str, Decimal],
) -> None:
    ids = [c.contract_id for c in contracts]
    signed = list(
        session.scalars(
            select(PaymentRun).where(
                PaymentRun.contract_id.in_(ids), PaymentRun.status == "signed", PaymentRun.month < month
            )
        )
    )
    if not signed:
        return
    items: dict[tuple[str, date, str], list[tuple[int | None, int | None, Decimal]]] = {}

    def add(
        contract_id: str, of_month: date, cause: str, record: int | None, defect: int | None, amount: Decimal
    ) -> None:
        if amount != 0:
            items.setdefault((contract_id, of_month, cause), []).append((record, defect, amount))

    traced_defects = set(
        session.scalars(select(PaymentRunTrace.defect_id).where(PaymentRunTrace.defect_id.is_not(None))).all()
    )
    recalc_defects = set(
        session.scalars(
            select(PaymentRunTrace.defect_id).where(
                PaymentRunTrace.target == "recalc", PaymentRunTrace.defect_id.is_not(None)
            )
        ).all()
    )
    d = claims.defects().subquery("d")
    for run in signed:
        contract = next(c for c in contracts if c.contract_id == run.contract_id)
        paid_on = run.payment_due or run.signed_on or run.month
        limit = add_months(paid_on, HIDDEN_DEFECT_MONTHS)
        hidden = [
            row
            for row in session.execute(
                select(d.c.id, d.c.record_ref, d.c.provider_id, d.c.code, d.c.found_on).where(
                    d.c.month == run.month, d.c.provider_id == run.provider_id, d.c.status == "confirmed"
                )
            )
            if row.id not in traced_defects and row.found_on <= limit
        ]
        for contract_id, deducted in compute(session, book, run.month, [contract], hidden, per_capita_rates).items():
            for item in deducted:
                add(contract_id, run.month, "hidden_defect", item.record_ref, item.defect_id, -item.amount)
        # deductions of the signed run whose defect was withdrawn since: paid back
        withdrawn = session.execute(
            select(PaymentRunTrace.defect_id, PaymentRunTrace.record_ref, PaymentRunTrace.amount)
            .join(d, d.c.id == PaymentRunTrace.defect_id)
            .where(PaymentRunTrace.run_id == run.id, PaymentRunTrace.target == "deduction", d.c.status == "withdrawn")
        ).all()
        for defect_id, record_ref, amount in withdrawn:
            if defect_id not in recalc_defects:
                add(run.contract_id, run.month, "correction", record_ref, defect_id, Decimal(amount))
        # records corrected after the run was computed, and the records of a transfer chain one of
        # whose legs was (the chain may have grown, shrunk or changed its final diagnosis)
        r = case_records(session, run.month)
        combo = pricing.combo_expression(session, book.name, r)
        x = claims.service_records().subquery("touched")
        same_chain = and_(
            r.c.care_form.in_(CHAIN_FORMS),
            x.c.care_form == r.c.care_form,
            x.c.provider_id == r.c.provider_id,
            x.c.iin == r.c.iin,
            x.c.month == run.month,
        )
        touched = exists(
            select(x.c.id).where(or_(x.c.id == r.c.leg_ref, same_chain), x.c.received_at > run.computed_at)
        )
        changed = session.execute(
            select(r.c.leg_ref, combo, r.c.quantity, pricing.unpaid_expression(r), r.c.leg)
            .join(PaymentRunTrace, PaymentRunTrace.record_ref == r.c.leg_ref)
            .where(
                PaymentRunTrace.run_id == run.id,
                PaymentRunTrace.target.in_(("line", "unpaid")),
                touched,
            )
        ).all()
        for record_id, text, quantity, unpaid, leg in changed:
            paid = session.scalar(
                select(func.coalesce(func.sum(PaymentRunTrace.amount), 0)).where(
                    PaymentRunTrace.record_ref == record_id,
                    PaymentRunTrace.defect_id.is_(None),
                    PaymentRunTrace.target.in_(("line", "recalc")),
                )
            )
            priced = pricing.price_combo(book, pricing.Combo.parse(text))
            now = ZERO if leg or unpaid or priced.price is None else priced.price * quantity
            add(run.contract_id, run.month, "correction", record_id, None, now - Decimal(paid or 0))
    for (contract_id, of_month, cause), found in sorted(items.items()):
        row = rows[contract_id]
        amount = sum((a for _r, _d, a in found), ZERO)
        refs = [x for rec, dfc, _a in found for x in ((dfc,) if dfc is not None else (rec,)) if x is not None]
        recalc = PaymentRecalculation(
            run_id=row.id,
            of_month=of_month,
            cause=cause,
            count=len(found),
            amount=amount,
            refs=";".join(str(x) for x in refs),
        )
        session.add(recalc)
        session.flush()
        for rec, dfc, a in found:
            session.add(
                PaymentRunTrace(
                    run_id=row.id, target="recalc", target_id=recalc.id, record_ref=rec, defect_id=dfc, amount=a
                )
            )
        runs[contract_id].recalculations.append(
            {
                "id": recalc.id,
                "of_month": of_month.strftime("%Y-%m"),
                "cause": cause,
                "count": len(found),
                "amount": amount,
                "refs": refs,
            }
        )
    session.flush()
