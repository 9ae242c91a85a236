"""The monthly run per contract (docs/payments.md, "The monthly run").

``run_month(session, book, month, *, contract_id=None, today=None) -> list[ContractRun]`` computes,
for every contract in force in ``month`` (or one), what the fund pays:

1. lines by method: per capita (PHC), per service (outpatient price list), per case (clinical cost
   groups with the partial-case shares), ambulance per capita (``kz-law``) or per call
   (``seeds-2016``); every accepted record of the month of a care type the contract buys is priced
   by its tariff combination (priced once per combination; ``run_pricing``);
2. unpaid: the records with a finding of ``UNPAYABLE`` (or no tariff), by code, at their price;
3. deductions: the month's confirmed defects by the classifier (``run_deductions``);
4. recalculations of earlier signed months (hidden defects within 6 months of payment, defects
   withdrawn after signing, corrected records; ``run_recalc``);
5. the manual other payments and deductions (``payment_adjustment``);
6. the linear scale above the month's contract sum per care type, the annual contract cap,
   December capped at the 11-month average, the advance withheld; ``payable`` what is left.

A signed run is returned as stored (frozen); an unsigned one is replaced. The caller commits.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any, Final

from sqlalchemy import and_, case, delete, func, insert, literal, select, text
from sqlalchemy.orm import Session

from osms.attachment import queries as attachment
from osms.claims import monitoring
from osms.core.clock import fund_today
from osms.core.money import round_money
from osms.payments import advances
from osms.payments import run_pricing as pricing
from osms.payments.capitation import PerCapita, PerCapitaError, per_capita, per_capita_all
from osms.payments.models import (
    PaymentAdjustment,
    PaymentRecalculation,
    PaymentRun,
    PaymentRunDeduction,
    PaymentRunLine,
    PaymentRunPrice,
    PaymentRunTrace,
    PaymentRunUnpaid,
)
from osms.payments.rulebook import PaymentsTopic
from osms.providers import queries as providers
from osms.rulebooks.loader import Rulebook

__all__ = ["ContractRun", "load_run", "month_start", "run_month"]

ZERO: Final = Decimal("0.00")
CHILD_TABLES: Final = (PaymentRunTrace, PaymentRecalculation, PaymentRunDeduction, PaymentRunUnpaid, PaymentRunLine)


def month_start(value: date | str) -> date:
    """The first day of a month given as a date or ``YYYY-MM``."""
    if isinstance(value, str):
        text = value.strip()
        if len(text) == 7:
            text += "-01"
        value = date.fromisoformat(text)
    return value.replace(day=1)


def _money(value: Decimal) -> str:
    return f"{value:.2f}"


def _iso(day: date | None) -> str | None:
    return None if day is None else day.isoformat()


@dataclass
class ContractRun:
    """A contract's month as computed (or as signed)."""

    contract_id: str
    provider_id: str
    month: date
    status: str
    lines: list[dict[str, Any]] = field(default_factory=list)
    unpaid: list[dict[str, Any]] = field(default_factory=list)
    deductions: list[dict[str, Any]] = field(default_factory=list)
    recalculations: list[dict[str, Any]] = field(default_factory=list)
    adjustments: list[dict[str, Any]] = field(default_factory=list)
    gross: Decimal = ZERO
    linear_scale_cut: Decimal = ZERO
    cap_cut: Decimal = ZERO
    december_cut: Decimal = ZERO
    advance_withheld: Decimal = ZERO
    payable: Decimal = ZERO
    protocol_date: date | None = None
    objection_until: date | None = None
    signed_on: date | None = None
    payment_due: date | None = None
    notes: list[str] = field(default_factory=list)
    #: records merged into a later record of their transfer chain, paid with it (PAY п.80)
    merged_transfers: int = 0

    @property
    def deductions_total(self) -> Decimal:
        return sum((d["amount"] for d in self.deductions), ZERO)

    @property
    def recalculation_total(self) -> Decimal:
        return sum((r["amount"] for r in self.recalculations), ZERO)

    @property
    def adjustments_total(self) -> Decimal:
        return sum((a["amount"] for a in self.adjustments), ZERO)

    def as_dict(self) -> dict[str, Any]:
        """The ``osms payments run --json`` object (exactly the issue's keys)."""
        by_method: dict[str, list[Any]] = {}
        for line in self.lines:
            got = by_method.setdefault(line["method"], [0, ZERO])
            got[0] += line["quantity"]
            got[1] += line["amount"]
        return {
            "contract_id": self.contract_id,
            "provider_id": self.provider_id,
            "month": self.month.strftime("%Y-%m"),
            "lines": [{"method": m, "quantity": q, "amount": _money(a)} for m, (q, a) in sorted(by_method.items())],
            "unpaid": [{"code": u["code"], "count": u["count"], "amount": _money(u["amount"])} for u in self.unpaid],
            "deductions": [
                {"code": d["code"], "count": d["count"], "amount": _money(d["amount"])} for d in self.deductions
            ],
            "advance_withheld": _money(self.advance_withheld),
            "linear_scale_cut": _money(self.linear_scale_cut),
            "payable": _money(self.payable),
            "protocol_date": _iso(self.protocol_date),
            "objection_until": _iso(self.objection_until),
            "payment_due": _iso(self.payment_due),
        }

    def details(self) -> dict[str, Any]:
        """Everything: the lines by care type with their rules, the recalculations, the manual
        adjustments, every cut and the protocol's state (the API and the statement)."""

        def money(rows: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
            return [{k: _money(v) if isinstance(v, Decimal) else v for k, v in row.items()} for row in rows]

        return {
            **self.as_dict(),
            "status": self.status,
            "line_details": money(self.lines),
            "unpaid_details": money(self.unpaid),
            "deduction_details": money(self.deductions),
            "recalculations": money(self.recalculations),
            "adjustments": money(self.adjustments),
            "gross": _money(self.gross),
            "deductions_total": _money(self.deductions_total),
            "recalculation_total": _money(self.recalculation_total),
            "adjustments_total": _money(self.adjustments_total),
            "cap_cut": _money(self.cap_cut),
            "december_cut": _money(self.december_cut),
            "advance_kind": "december" if self.month.month == 12 else "signing",
            "signed_on": _iso(self.signed_on),
            "notes": self.notes,
            "merged_transfers": self.merged_transfers,
        }


# --------------------------------------------------------------------------------------------
# Contracts of the month


@dataclass
class _Contract:
    contract_id: str
    provider_id: str
    valid_from: date
    valid_to: date
    sums: dict[str, Decimal]  # care type → the month's sum
    kind: str = ""
    region: str = ""


def _contracts(session: Session, month: date, contract_id: str | None) -> list[_Contract]:
    cmap = pricing.contract_map(month)
    c = providers.contracts().subquery("c2")
    query = select(
        cmap.c.contract_id, cmap.c.provider_id, cmap.c.care_type, cmap.c.sum, c.c.valid_from, c.c.valid_to,
    ).join(c, c.c.contract_id == cmap.c.contract_id)  # fmt: skip
    if contract_id is not None:
        query = query.where(cmap.c.contract_id == contract_id)
    found: dict[str, _Contract] = {}
    for row in session.execute(query.order_by(cmap.c.contract_id)):
        item = found.setdefault(
            row.contract_id,
            _Contract(row.contract_id, row.provider_id, row.valid_from, row.valid_to, {}),
        )
        item.sums[row.care_type] = Decimal(row.sum)
    places = pricing.kinds_and_regions(session, sorted({c.provider_id for c in found.values()}))
    for item in found.values():
        item.kind, item.region = places.get(item.provider_id, ("", ""))
    return list(found.values())


def _year_sums(session: Session, contract_ids: Sequence[str], year: int) -> dict[tuple[str, str, date], Decimal]:
    """``(contract, care type, month) → sum`` of the contracts' months of ``year``."""
    cm = providers.contract_months().subquery("cm")
    rows = session.execute(
        select(cm.c.contract_id, cm.c.care_type, cm.c.month, cm.c.sum).where(
            cm.c.contract_id.in_(contract_ids), cm.c.month >= date(year, 1, 1), cm.c.month <= date(year, 12, 1)
        )
    )
    return {(r[0], r[1], r[2]): Decimal(r[3]) for r in rows}


# --------------------------------------------------------------------------------------------
# Per capita


def per_capita_amounts(
    session: Session, book: Rulebook, month: date, provider_ids: Sequence[str], *, today: date | None = None
) -> dict[str, tuple[int, Decimal, Decimal, tuple[str, ...]]]:
    """``provider_id → (people attached, amount, rate per person, rule ids)`` of the PHC per capita
    (``payments.capitation``: one provider by ``per_capita``, more by ``per_capita_all``, set-based).
    A provider the per capita refuses (not a PHC provider, no base rate) has no entry."""
    ids = sorted(set(provider_ids))
    if not ids:
        return {}
    found: list[PerCapita] = []
    if len(ids) == 1:
        try:
            found = [per_capita(session, book, ids[0], month, today=today)]
        except PerCapitaError:
            found = []
    else:
        try:
            found = per_capita_all(session, book, month, today=today)
        except PerCapitaError:
            found = []
            for pid in ids:
                try:
                    found.append(per_capita(session, book, pid, month, today=today))
                except PerCapitaError:
                    continue
    wanted = set(ids)
    return {
        pc.provider_id: (pc.attached, pc.amount, pc.rate, tuple(pc.rules)) for pc in found if pc.provider_id in wanted
    }


def attached_counts(session: Session, month: date, clinic_ids: Sequence[str] | None = None) -> dict[str, int]:
    """People attached to each clinic on the month's first day (one aggregation)."""
    a = attachment.attachments().subquery("a")
    query = (
        select(a.c.clinic_id, func.count(func.distinct(a.c.iin)))
        .where(a.c.valid_from <= month, (a.c.valid_to.is_(None)) | (a.c.valid_to >= month))
        .group_by(a.c.clinic_id)
    )
    if clinic_ids is not None:
        query = query.where(a.c.clinic_id.in_(clinic_ids))
    return {row[0]: row[1] for row in session.execute(query)}


def ambulance_population(session: Session, month: date, contracts: Sequence[_Contract]) -> dict[str, int]:
    """``contract_id → people`` served by an ambulance contract paid per capita: the people attached
    to the PHC clinics of its region on the month's first day, split evenly among the region's
    ambulance contracts of the month (the first ones take the remainder)."""
    p = providers.phc_clinics().subquery("p")
    counts = attached_counts(session, month)
    regions: dict[str, str] = {row[0]: row[1] for row in session.execute(select(p.c.provider_id, p.c.region))}
    by_region: dict[str, int] = defaultdict(int)
    for clinic, people in counts.items():
        if clinic in regions:
            by_region[regions[clinic]] += people
    out: dict[str, int] = {}
    # every ambulance contract of the month in the regions asked about (a run of one contract
    # splits the same way as a run of all)
    wanted = {c.region for c in contracts}
    every = [c for c in _contracts(session, month, None) if "ambulance" in c.sums and c.region in wanted]
    grouped: dict[str, list[str]] = defaultdict(list)
    for c in every:
        grouped[c.region].append(c.contract_id)
    for region, ids in grouped.items():
        total = by_region.get(region, 0)
        share, rest = divmod(total, len(ids))
        for i, cid in enumerate(sorted(ids)):
            out[cid] = share + (1 if i < rest else 0)
    return out


# --------------------------------------------------------------------------------------------
# The run


def run_month(
    session: Session,
    book: Rulebook,
    month: date | str,
    *,
    contract_id: str | None = None,
    today: date | None = None,
    confirm: bool = True,
) -> list[ContractRun]:
    """Compute (or return, when signed) the run of every contract in force in ``month``."""
    from osms.payments import run_deductions, run_recalc

    month = month_start(month)
    today = today or fund_today()
    if confirm:
        monitoring.confirm_lapsed(session, today=today, rulebook=book)
    contracts = _contracts(session, month, contract_id)
    stored = {
        r.contract_id: r
        for r in session.scalars(
            select(PaymentRun).where(
                PaymentRun.month == month, PaymentRun.contract_id.in_([c.contract_id for c in contracts])
            )
        )
    }
    signed = {cid for cid, r in stored.items() if r.status == "signed"}
    todo = [c for c in contracts if c.contract_id not in signed]
    previous = {c.contract_id: _state(stored[c.contract_id]) for c in todo if c.contract_id in stored}
    _drop(session, [stored[c.contract_id].id for c in todo if c.contract_id in stored])
    now = datetime.now(UTC)
    runs: dict[str, ContractRun] = {
        c.contract_id: ContractRun(c.contract_id, c.provider_id, month, "computed") for c in todo
    }
    rows: dict[str, PaymentRun] = {}
    for c in todo:
        row = PaymentRun(
            contract_id=c.contract_id, provider_id=c.provider_id, month=month, rulebook=book.name,
            status="computed", computed_at=now, computed_on=today, gross=ZERO, unpaid_total=ZERO,
            deductions_total=ZERO, recalculation_total=ZERO, adjustments_total=ZERO, linear_scale_cut=ZERO,
            cap_cut=ZERO, december_cut=ZERO, advance_withheld=ZERO, payable=ZERO,
        )  # fmt: skip
        session.add(row)
        rows[c.contract_id] = row
    session.flush()
    if todo:
        ids = [c.contract_id for c in todo]
        prices = _lines_and_unpaid(session, book, month, todo, runs, rows)
        capita = per_capita_amounts(
            session, book, month, sorted({c.provider_id for c in todo if "phc" in c.sums}), today=today
        )
        _per_capita_lines(session, book, month, todo, runs, capita)
        per_capita_rates = {pid: rate for pid, (_people, _amount, rate, _rules) in capita.items()}
        run_deductions.deductions(session, book, month, todo, runs, rows, prices, per_capita_rates)
        run_recalc.recalculations(session, book, month, todo, runs, rows, per_capita_rates)
        _adjustments(session, month, ids, runs)
        _limits(session, book, month, todo, runs)
        _store(session, month, todo, runs, rows)
        _keep_protocol(previous, runs, rows)
    out = [
        runs[c.contract_id] if c.contract_id in runs else load_run(session, stored[c.contract_id]) for c in contracts
    ]
    return out


#: The figures whose change sends a run back to ``computed`` (its protocol issued again).
FIGURES: Final = (
    "gross", "unpaid_total", "deductions_total", "recalculation_total", "adjustments_total", "linear_scale_cut",
    "cap_cut", "december_cut", "advance_withheld", "payable",
)  # fmt: skip
#: The protocol's fields a re-run keeps when no figure changed.
PROTOCOL: Final = (
    "status", "protocol_date", "objection_until", "objected_on", "objection", "answer_due", "answered_on", "answer",
)  # fmt: skip


def _state(row: PaymentRun) -> dict[str, Any]:
    return {name: getattr(row, name) for name in (*FIGURES, *PROTOCOL)}


def _keep_protocol(
    previous: Mapping[str, dict[str, Any]], runs: dict[str, ContractRun], rows: dict[str, PaymentRun]
) -> None:
    """A re-run that changes no figure keeps the protocol issued (and the objection) as it was."""
    for contract_id, before in previous.items():
        row = rows[contract_id]
        if all(Decimal(before[name]) == Decimal(getattr(row, name)) for name in FIGURES):
            for name in PROTOCOL:
                setattr(row, name, before[name])
            run = runs[contract_id]
            run.status = row.status
            run.protocol_date = row.protocol_date
            run.objection_until = row.objection_until


def _drop(session: Session, run_ids: Sequence[int]) -> None:
    if not run_ids:
        return
    for table in CHILD_TABLES:
        session.execute(delete(table).where(table.run_id.in_(run_ids)))
    session.execute(delete(PaymentRun).where(PaymentRun.id.in_(run_ids)))
    session.flush()


def _price_rows(session: Session, book: Rulebook, month: date, combos: Iterable[str]) -> dict[str, PaymentRunPrice]:
    """The price row of each combination (priced once, kept for the month)."""
    wanted = set(combos)
    found = {
        p.combo: p
        for p in session.scalars(
            select(PaymentRunPrice).where(PaymentRunPrice.run_month == month, PaymentRunPrice.combo.in_(wanted))
        )
    } if wanted else {}  # fmt: skip
    for combo in sorted(wanted - set(found)):
        priced = pricing.price_combo(book, pricing.Combo.parse(combo))
        row = PaymentRunPrice(
            run_month=month,
            combo=combo,
            method=priced.method or "per_capita",
            price=priced.price,
            refusal=priced.refusal,
            rules=";".join(priced.rules),
        )
        session.add(row)
        found[combo] = row
    session.flush()
    return found


def _lines_and_unpaid(
    session: Session,
    book: Rulebook,
    month: date,
    contracts: Sequence[_Contract],
    runs: dict[str, ContractRun],
    rows: dict[str, PaymentRun],
) -> dict[str, PaymentRunPrice]:
    groups = pricing.aggregate(session, book, month, [c.contract_id for c in contracts])
    prices = _price_rows(session, book, month, {g.combo for g in groups})
    lines: dict[tuple[str, str, str], dict[str, Any]] = {}
    unpaid: dict[tuple[str, str], dict[str, Any]] = {}
    exempt: dict[tuple[str, str], Decimal] = defaultdict(lambda: ZERO)
    for g in groups:
        runs[g.contract_id].merged_transfers += g.merged
        p = prices[g.combo]
        if p.method == "per_capita" and p.price is None and p.refusal is None:
            continue  # paid per capita: the records are not paid one by one
        amount = (p.price or ZERO) * g.quantity
        code = g.unpaid or (pricing.NO_TARIFF if p.price is None else None)
        if code is not None:
            item = unpaid.setdefault((g.contract_id, code), {"code": code, "count": 0, "amount": ZERO})
            item["count"] += g.records
            item["amount"] += amount
            continue
        key = (g.contract_id, p.method, g.care_type)
        line = lines.setdefault(
            key, {"method": p.method, "care_type": g.care_type, "quantity": 0, "amount": ZERO, "rules": set()}
        )
        line["quantity"] += g.quantity
        line["amount"] += amount
        line["rules"].update(r for r in p.rules.split(";") if r)
        if g.exempt:
            exempt[(g.contract_id, g.care_type)] += amount
    for (cid, _m, _t), line in sorted(lines.items()):
        line["rules"] = sorted(line["rules"])
        line["exempt"] = exempt[(cid, line["care_type"])] if line["method"] != "per_capita" else ZERO
        runs[cid].lines.append(line)
    for (cid, _code), item in sorted(unpaid.items()):
        runs[cid].unpaid.append(item)
    for run in runs.values():
        if run.merged_transfers:
            run.notes.append(
                f"transfers inside the hospital: {run.merged_transfers} records merged into the case they continue,"
                " paid with it by the final diagnosis (PAY p.80)"
            )
    return prices


def _per_capita_lines(
    session: Session,
    book: Rulebook,
    month: date,
    contracts: Sequence[_Contract],
    runs: dict[str, ContractRun],
    amounts: Mapping[str, tuple[int, Decimal, Decimal, tuple[str, ...]]],
) -> None:
    topic = book.topic(PaymentsTopic)
    phc = [c for c in contracts if "phc" in c.sums and topic.method("phc", month) == "per_capita"]
    for c in phc:
        people, amount, _rate, rules = amounts.get(c.provider_id, (0, ZERO, ZERO, ()))
        runs[c.contract_id].lines.insert(
            0,
            {"method": "per_capita", "care_type": "phc", "quantity": people, "amount": amount, "rules": list(rules),
             "exempt": ZERO},
        )  # fmt: skip
    ambulance = [c for c in contracts if "ambulance" in c.sums and topic.method("ambulance", month) == "per_capita"]
    rate = topic.ambulance_per_capita(month)
    if ambulance and rate is not None:
        people_of = ambulance_population(session, month, ambulance)
        for c in ambulance:
            people = people_of.get(c.contract_id, 0)
            runs[c.contract_id].lines.insert(
                0,
                {"method": "ambulance_per_capita", "care_type": "ambulance", "quantity": people,
                 "amount": round_money(rate.value * people), "rules": [rate.id], "exempt": ZERO},
            )  # fmt: skip


def _adjustments(session: Session, month: date, contract_ids: Sequence[str], runs: dict[str, ContractRun]) -> None:
    for row in session.scalars(
        select(PaymentAdjustment)
        .where(PaymentAdjustment.month == month, PaymentAdjustment.contract_id.in_(contract_ids))
        .order_by(PaymentAdjustment.id)
    ):
        runs[row.contract_id].adjustments.append(
            {"id": row.id, "amount": Decimal(row.amount), "reason": row.reason, "created_by": row.created_by}
        )


# --------------------------------------------------------------------------------------------
# The limits: linear scale, annual cap, December, advance


def _earlier_runs(session: Session, contract_ids: Sequence[str], month: date) -> dict[str, list[PaymentRun]]:
    out: dict[str, list[PaymentRun]] = defaultdict(list)
    for row in session.scalars(
        select(PaymentRun)
        .where(
            PaymentRun.contract_id.in_(contract_ids),
            PaymentRun.month >= date(month.year, 1, 1),
            PaymentRun.month < month,
        )
        .order_by(PaymentRun.month)
    ):
        out[row.contract_id].append(row)
    return out


def _earlier_paid_by_care_type(session: Session, run_ids: Sequence[int]) -> dict[tuple[int, str], Decimal]:
    if not run_ids:
        return {}
    rows = session.execute(
        select(PaymentRunLine.run_id, PaymentRunLine.care_type, func.sum(PaymentRunLine.amount - PaymentRunLine.cut))
        .where(PaymentRunLine.run_id.in_(run_ids), PaymentRunLine.method != "per_capita")
        .group_by(PaymentRunLine.run_id, PaymentRunLine.care_type)
    )
    return {(r[0], r[1]): Decimal(r[2]) for r in rows}


def advance_plan(
    c: _Contract,
    year_sums: Mapping[tuple[str, str, date], Decimal],
    month: date,
    advanced: Mapping[tuple[str, str], Decimal],
) -> tuple[Decimal, list[date]]:
    """The recorded advance (``payments.advances``) the month withholds from and the months it is
    withheld in: the signing advance in equal parts from the contract's first month of the year to
    November; December's advance in full in December."""
    if month.month == 12:
        return advanced.get((c.contract_id, "december"), ZERO), [month]
    months = [m for (cid, _t, m) in year_sums if cid == c.contract_id]
    return advanced.get((c.contract_id, "signing"), ZERO), sorted({m for m in months if m.month <= 11})


def _limits(
    session: Session, book: Rulebook, month: date, contracts: Sequence[_Contract], runs: dict[str, ContractRun]
) -> None:
    ids = [c.contract_id for c in contracts]
    year_sums = _year_sums(session, ids, month.year)
    earlier = _earlier_runs(session, ids, month)
    paid_ct = _earlier_paid_by_care_type(session, [r.id for rs in earlier.values() for r in rs])
    advanced = advances.advanced(session, ids, month)
    by_contract: dict[str, dict[tuple[str, str, date], Decimal]] = defaultdict(dict)
    for key, value in year_sums.items():
        by_contract[key[0]][key] = value
    for c in contracts:
        run = runs[c.contract_id]
        sums = by_contract.get(c.contract_id, {})
        before = earlier.get(c.contract_id, [])
        run.gross = sum((line["amount"] for line in run.lines), ZERO)
        # the linear scale, per care type with a month's sum
        cut_total = ZERO
        for care_type, plan in sorted(c.sums.items()):
            scalable = [ln for ln in run.lines if ln["care_type"] == care_type and ln["method"] in SCALED]
            for ln in scalable:
                ln.setdefault("cut", ZERO)
            total = sum((ln["amount"] for ln in scalable), ZERO)
            if total <= plan:
                continue
            exempt = sum((ln["exempt"] for ln in scalable), ZERO)
            annual = sum((s for (cid, t, _m), s in sums.items() if cid == c.contract_id and t == care_type), ZERO)
            future = sum(
                (s for (cid, t, m), s in sums.items() if cid == c.contract_id and t == care_type and m >= month),
                ZERO,
            )
            spent = sum((paid_ct.get((r.id, care_type), ZERO) for r in before), ZERO)
            allowed = plan + max(ZERO, annual - spent - future)
            cuttable = total - exempt
            keep = max(ZERO, min(cuttable, allowed - exempt))
            cut = cuttable - keep
            if cut <= 0:
                continue
            cut_total += cut
            # proportionally: every line's scalable part at the same ratio keep / cuttable
            left = cut
            for i, ln in enumerate(scalable):
                part = ln["amount"] - ln["exempt"]
                share = left if i == len(scalable) - 1 else round_money(cut * part / cuttable)
                ln["cut"] = share
                left -= share
            run.notes.append(f"linear scale {care_type}: plan {plan}, allowed {allowed}, cut {cut}")
        for ln in run.lines:
            ln.setdefault("cut", ZERO)
        run.linear_scale_cut = cut_total
        net = run.gross - cut_total - run.deductions_total + run.recalculation_total + run.adjustments_total
        # the annual contract cap: never above the contract's sum of the year
        annual_total = sum((s for (cid, _t, _m), s in sums.items() if cid == c.contract_id), ZERO)
        paid_before = sum((Decimal(r.payable) + Decimal(r.advance_withheld) for r in before), ZERO)
        run.cap_cut = max(ZERO, min(max(net, ZERO), paid_before + net - annual_total))
        net -= run.cap_cut
        # December: at most the average of the year's earlier months (paid from next year's money)
        if month.month == 12 and before:
            average = round_money(paid_before / len(before))
            run.december_cut = max(ZERO, net - average)
            net -= run.december_cut
        # the advance recorded: withheld in equal parts, cumulative, never more than the month's net
        advance, months = advance_plan(c, sums, month, advanced)
        if advance > 0 and month in months:
            k = months.index(month) + 1
            planned = round_money(advance * k / len(months))
            withheld_before = sum((Decimal(r.advance_withheld) for r in before if r.month in months), ZERO)
            run.advance_withheld = max(ZERO, min(planned - withheld_before, max(net, ZERO)))
            run.notes.append(f"advance {advance} withheld in {len(months)} parts; planned through this month {planned}")
        run.payable = net - run.advance_withheld


#: The line methods the linear scale cuts (per capita is a fixed norm).
SCALED: Final = ("per_service", "per_case", "ambulance_per_call")


# --------------------------------------------------------------------------------------------
# Storing and loading


def _store(
    session: Session,
    month: date,
    contracts: Sequence[_Contract],
    runs: dict[str, ContractRun],
    rows: dict[str, PaymentRun],
) -> None:
    line_ids: dict[tuple[int, str, str], int] = {}
    for c in contracts:
        run, row = runs[c.contract_id], rows[c.contract_id]
        for line in run.lines:
            item = PaymentRunLine(
                run_id=row.id, method=line["method"], care_type=line["care_type"], quantity=line["quantity"],
                amount=line["amount"], cut=line.get("cut", ZERO), rules=";".join(line["rules"]),
            )  # fmt: skip
            session.add(item)
            session.flush()
            line["id"] = item.id
            line_ids[(row.id, line["method"], line["care_type"])] = item.id
        for u in run.unpaid:
            unpaid_row = PaymentRunUnpaid(run_id=row.id, code=u["code"], count=u["count"], amount=u["amount"])
            session.add(unpaid_row)
            session.flush()
            u["id"] = unpaid_row.id
        row.gross = run.gross
        row.unpaid_total = sum((u["amount"] for u in run.unpaid), ZERO)
        row.deductions_total = run.deductions_total
        row.recalculation_total = run.recalculation_total
        row.adjustments_total = run.adjustments_total
        row.linear_scale_cut = run.linear_scale_cut
        row.cap_cut = run.cap_cut
        row.december_cut = run.december_cut
        row.advance_withheld = run.advance_withheld
        row.payable = run.payable
        row.notes = "\n".join(run.notes) or None
    session.flush()
    _trace_records(session, month, [rows[c.contract_id].id for c in contracts])


def _trace_records(session: Session, month: date, run_ids: Sequence[int]) -> None:
    """Each record priced into a line or left unpaid → its trace (one ``INSERT ... SELECT``)."""
    from osms.payments.run_pricing import combo_expression, contract_map, unpaid_expression
    from osms.payments.run_transfers import case_records

    if not run_ids:
        return
    if session.get_bind().dialect.name == "postgresql":
        # The run's own tables were just written: fresh statistics let the planner hash-join them
        # to the month's records (one scan) instead of probing the records provider by provider.
        for table in ("payment_run", "payment_run_line", "payment_run_unpaid", "payment_run_price"):
            session.execute(text(f"ANALYZE {table}"))
    rulebook = session.scalar(select(PaymentRun.rulebook).where(PaymentRun.id == run_ids[0]))
    assert rulebook is not None
    records = case_records(session, month)
    cmap = contract_map(month)
    # each record with its run, combination and unpaid code first (materialized), so that the join
    # to the prices is a plain join on a column
    r = (
        select(PaymentRun.id.label("run_id"), records.c.leg_ref, records.c.leg, records.c.care_type,
               records.c.quantity, combo_expression(session, rulebook, records).label("combo"),
               unpaid_expression(records).label("unpaid"))
        .join(cmap, and_(cmap.c.provider_id == records.c.provider_id, cmap.c.care_type == records.c.care_type))
        .join(PaymentRun, and_(PaymentRun.contract_id == cmap.c.contract_id, PaymentRun.month == month))
        .where(records.c.month == month, PaymentRun.id.in_(run_ids))
        .cte("cr")
        .prefix_with("MATERIALIZED")
    )  # fmt: skip
    # a merged leg of a transfer chain (PAY п.80) points to its case's line or unpaid item with no
    # price of its own and the amount 0; the chain's final record carries the case's amount
    leg = r.c.leg == 1
    base = (
        select(r.c.run_id, r.c.leg_ref.label("record_ref"),
               case((leg, None), else_=PaymentRunPrice.id).label("price_id"),
               case((leg, 0), else_=func.coalesce(PaymentRunPrice.price, 0) * r.c.quantity).label("amount"),
               r.c.care_type, PaymentRunPrice.method, PaymentRunPrice.price, r.c.unpaid)
        .join(PaymentRunPrice, and_(PaymentRunPrice.run_month == month, PaymentRunPrice.combo == r.c.combo))
        .where(PaymentRunPrice.method != "per_capita")
        .cte("b")
        .prefix_with("MATERIALIZED")
    )  # fmt: skip
    paid = and_(base.c.unpaid.is_(None), base.c.price.is_not(None))
    code = func.coalesce(base.c.unpaid, pricing.NO_TARIFF)
    every = (
        select(
            base.c.run_id,
            case((paid, literal("line")), else_=literal("unpaid")),
            func.coalesce(PaymentRunLine.id, PaymentRunUnpaid.id),
            base.c.record_ref,
            base.c.price_id,
            base.c.amount,
        )
        .select_from(base)
        .outerjoin(
            PaymentRunLine,
            and_(
                paid,
                PaymentRunLine.run_id == base.c.run_id,
                PaymentRunLine.method == base.c.method,
                PaymentRunLine.care_type == base.c.care_type,
            ),
        )
        .outerjoin(
            PaymentRunUnpaid,
            and_(~paid, PaymentRunUnpaid.run_id == base.c.run_id, PaymentRunUnpaid.code == code),
        )
    )
    columns = ["run_id", "target", "target_id", "record_ref", "price_id", "amount"]
    session.execute(insert(PaymentRunTrace).from_select(columns, every))
    session.flush()


def load_run(session: Session, row: PaymentRun) -> ContractRun:
    """A stored run as a ``ContractRun``."""
    run = ContractRun(row.contract_id, row.provider_id, row.month, row.status)
    for ln in session.scalars(
        select(PaymentRunLine).where(PaymentRunLine.run_id == row.id).order_by(PaymentRunLine.id)
    ):
        run.lines.append(
            {"id": ln.id, "method": ln.method, "care_type": ln.care_type, "quantity": ln.quantity,
             "amount": Decimal(ln.amount), "cut": Decimal(ln.cut), "rules": [x for x in ln.rules.split(";") if x]}
        )  # fmt: skip
    for u in session.scalars(
        select(PaymentRunUnpaid).where(PaymentRunUnpaid.run_id == row.id).order_by(PaymentRunUnpaid.code)
    ):
        run.unpaid.append({"id": u.id, "code": u.code, "count": u.count, "amount": Decimal(u.amount)})
    for d in session.scalars(
        select(PaymentRunDeduction).where(PaymentRunDeduction.run_id == row.id).order_by(PaymentRunDeduction.code)
    ):
        run.deductions.append(
            {"id": d.id, "code": d.code, "count": d.count, "amount": Decimal(d.amount),
             "defect_ids": [int(x) for x in d.defect_ids.split(";") if x],
             "rules": [x for x in d.rules.split(";") if x]}
        )  # fmt: skip
    for rc in session.scalars(
        select(PaymentRecalculation).where(PaymentRecalculation.run_id == row.id).order_by(PaymentRecalculation.id)
    ):
        run.recalculations.append(
            {"id": rc.id, "of_month": rc.of_month.strftime("%Y-%m"), "cause": rc.cause, "count": rc.count,
             "amount": Decimal(rc.amount), "refs": [int(x) for x in rc.refs.split(";") if x]}
        )  # fmt: skip
    for a in session.scalars(
        select(PaymentAdjustment)
        .where(PaymentAdjustment.contract_id == row.contract_id, PaymentAdjustment.month == row.month)
        .order_by(PaymentAdjustment.id)
    ):
        run.adjustments.append(
            {"id": a.id, "amount": Decimal(a.amount), "reason": a.reason, "created_by": a.created_by}
        )
    run.gross = Decimal(row.gross)
    run.linear_scale_cut = Decimal(row.linear_scale_cut)
    run.cap_cut = Decimal(row.cap_cut)
    run.december_cut = Decimal(row.december_cut)
    run.advance_withheld = Decimal(row.advance_withheld)
    run.payable = Decimal(row.payable)
    run.protocol_date = row.protocol_date
    run.objection_until = row.objection_until
    run.signed_on = row.signed_on
    run.payment_due = row.payment_due
    run.notes = (row.notes or "").splitlines()
    run.merged_transfers = (
        session.scalar(
            select(func.count()).where(
                PaymentRunTrace.run_id == row.id,
                PaymentRunTrace.target.in_(("line", "unpaid")),
                PaymentRunTrace.price_id.is_(None),
            )
        )
        or 0
    )
    return run
