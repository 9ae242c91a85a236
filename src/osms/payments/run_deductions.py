"""Deductions of the monthly run from confirmed defects by the classifier (docs/payments.md,
"The monthly run"; MON annex 1, ``defects.csv`` of the claims rulebook).

For one confirmed defect, by the form of care of its record (a defect with no record: the
provider's PHC contract, else its first contract):

- PHC: ``phc_rate_times`` × the provider's per-capita rate of the month (a rural provider:
  ``rural_rate_times``);
- ambulance paid per capita: ``ambulance_rate_times`` × the ambulance per-capita rate; per call:
  ``kdu_percent`` % of the call's price;
- outpatient (KDU): ``kdu_percent`` % of the record's price (price × quantity);
- hospital forms: ``inpatient_percent`` % of the case's price;
- an empty figure: the code does not apply to that form, no deduction.

A record already left unpaid loses its price by not being paid: the first 100% of a percentage
deduction is that, so only the part above 100% is deducted (300% → 200% of the price). Amounts are
rounded half-up to the tiyn per defect.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Final

from sqlalchemy import select
from sqlalchemy.orm import Session

from osms.claims import queries as claims
from osms.claims.rulebook import ClaimsTopic, DefectCode
from osms.claims.vocabulary import CASE_GROUP_FORMS
from osms.core.money import round_money
from osms.payments import run_pricing as pricing
from osms.payments.models import PaymentRun, PaymentRunDeduction, PaymentRunPrice, PaymentRunTrace
from osms.payments.rulebook import PaymentsTopic
from osms.rulebooks.loader import Rulebook

if TYPE_CHECKING:
    from osms.payments.run import ContractRun, _Contract

__all__ = ["Deducted", "deduction_amount", "deductions"]

ZERO: Final = Decimal("0.00")
HUNDRED: Final = Decimal(100)


@dataclass(frozen=True, slots=True)
class Deducted:
    """One defect's deduction."""

    defect_id: int
    code: str
    record_ref: int | None
    amount: Decimal
    rules: tuple[str, ...]


def deduction_amount(
    book: Rulebook,
    month: date,
    code: str,
    care_form: str | None,
    record_price: Decimal | None,
    *,
    unpaid: bool,
    rural: bool,
    per_capita_rate: Decimal | None,
) -> tuple[Decimal, tuple[str, ...]]:
    """The deduction for one defect (the module's docstring) and the rule ids it used."""
    classifier: Mapping[str, DefectCode] = book.topic(ClaimsTopic).defects(month)
    entry = classifier.get(code)
    if entry is None:
        return ZERO, ()
    rules: tuple[str, ...] = (entry.id,)
    topic = book.topic(PaymentsTopic)
    if care_form in (None, "phc"):
        times = entry.rural_rate_times if rural else entry.phc_rate_times
        if times is None or per_capita_rate is None:
            return ZERO, rules
        return round_money(times * per_capita_rate), rules
    if care_form == "ambulance" and topic.method("ambulance", month) == "per_capita":
        rate = topic.ambulance_per_capita(month)
        if entry.ambulance_rate_times is None or rate is None:
            return ZERO, rules
        return round_money(entry.ambulance_rate_times * rate.value), (*rules, rate.id)
    percent = entry.inpatient_percent if care_form in CASE_GROUP_FORMS else entry.kdu_percent
    if percent is None or record_price is None:
        return ZERO, rules
    if unpaid:
        percent = max(Decimal(0), percent - HUNDRED)
    return round_money(record_price * percent / HUNDRED), rules


def _contract_for(
    care_type: str | None, provider_id: str, by_provider: Mapping[str, Sequence[_Contract]]
) -> _Contract | None:
    options = by_provider.get(provider_id, ())
    for c in options:
        if care_type is not None and care_type in c.sums:
            return c
    if care_type is not None:
        return None
    for c in options:
        if "phc" in c.sums:
            return c
    return options[0] if options else None


def compute(
    session: Session,
    book: Rulebook,
    month: date,
    contracts: Sequence[_Contract],
    defect_rows: Sequence[Any],
    per_capita_rates: Mapping[str, Decimal],
) -> dict[str, list[Deducted]]:
    """``contract_id → deductions`` of the given defects (rows with ``id, record_ref, provider_id,
    code``), priced at the month's tariffs."""
    by_provider: dict[str, list[_Contract]] = {}
    for c in contracts:
        by_provider.setdefault(c.provider_id, []).append(c)
    on_records = pricing.records_of_defects(
        session, book, [d.id for d in defect_rows if d.record_ref is not None], month
    )
    combos = {v[3] for v in on_records.values()}
    prices = {
        p.combo: p
        for p in session.scalars(
            select(PaymentRunPrice).where(PaymentRunPrice.run_month == month, PaymentRunPrice.combo.in_(combos))
        )
    } if combos else {}  # fmt: skip
    out: dict[str, list[Deducted]] = {}
    for d in defect_rows:
        record = on_records.get(d.id)
        care_form = record[1] if record else None
        care_type = record[2] if record else None
        contract = _contract_for(care_type, d.provider_id, by_provider)
        if contract is None:
            continue
        record_price = None
        extra: tuple[str, ...] = ()
        if record is not None:
            found = prices.get(record[3])
            if found is None:
                priced = pricing.price_combo(book, pricing.Combo.parse(record[3]))
                unit, extra = priced.price, priced.rules
            else:
                unit, extra = found.price, tuple(x for x in found.rules.split(";") if x)
            record_price = None if unit is None else Decimal(unit) * record[4]
        amount, rules = deduction_amount(
            book,
            month,
            d.code,
            care_form,
            record_price,
            unpaid=bool(record and record[5]),
            rural=contract.kind == "rural",
            per_capita_rate=per_capita_rates.get(d.provider_id),
        )
        out.setdefault(contract.contract_id, []).append(
            Deducted(d.id, d.code, record[0] if record else None, amount, tuple(dict.fromkeys((*rules, *extra))))
        )
    return out


def deductions(
    session: Session,
    book: Rulebook,
    month: date,
    contracts: Sequence[_Contract],
    runs: dict[str, ContractRun],
    rows: dict[str, PaymentRun],
    prices: Mapping[str, PaymentRunPrice],
    per_capita_rates: Mapping[str, Decimal],
) -> None:
    """The month's confirmed defects of the contracts' providers → deduction rows and traces."""
    del prices  # the month's prices are read back from ``payment_run_price``
    d = claims.defects().subquery("d")
    providers = sorted({c.provider_id for c in contracts})
    defect_rows = session.execute(
        select(d.c.id, d.c.record_ref, d.c.provider_id, d.c.code)
        .where(d.c.month == month, d.c.status == "confirmed", d.c.provider_id.in_(providers))
        .order_by(d.c.id)
    ).all()
    found = compute(session, book, month, contracts, defect_rows, per_capita_rates)
    for contract_id, items in sorted(found.items()):
        run, row = runs[contract_id], rows[contract_id]
        by_code: dict[str, list[Deducted]] = {}
        for item in items:
            by_code.setdefault(item.code, []).append(item)
        for code, group in sorted(by_code.items()):
            rules = sorted({r for g in group for r in g.rules})
            amount = sum((g.amount for g in group), ZERO)
            ded = PaymentRunDeduction(
                run_id=row.id,
                code=code,
                count=len(group),
                amount=amount,
                defect_ids=";".join(str(g.defect_id) for g in group),
                rules=";".join(rules),
            )
            session.add(ded)
            session.flush()
            for g in group:
                session.add(
                    PaymentRunTrace(
                        run_id=row.id,
                        target="deduction",
                        target_id=ded.id,
                        record_ref=g.record_ref,
                        defect_id=g.defect_id,
                        price_id=None,
                        amount=g.amount,
                    )
                )
            run.deductions.append(
                {
                    "id": ded.id,
                    "code": code,
                    "count": len(group),
                    "amount": amount,
                    "defect_ids": [g.defect_id for g in group],
                    "rules": rules,
                }
            )
    session.flush()
