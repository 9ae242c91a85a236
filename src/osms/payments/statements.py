"""What the monthly run computed, read for people (docs/payments.md, "Pages"): a contract's month
with its lines, unpaid items, deductions (with their defects), recalculations and dates; the act
(``osms.payments.act.Act``) and the payment orders (``osms.payments.orders.Order``) built from it.

Read-only over the run's tables (``osms.payments.models``); the run itself, its protocol, the
objection and the signature are ``osms.payments.run``'s.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from osms.claims.rulebook import ClaimsTopic
from osms.core.money import format_money
from osms.core.periods import Month
from osms.payments.act import Act, Item, Line
from osms.payments.models import (
    PaymentRecalculation,
    PaymentRun,
    PaymentRunDeduction,
    PaymentRunLine,
    PaymentRunTrace,
    PaymentRunUnpaid,
)
from osms.payments.orders import Order
from osms.payments.rulebook import is_synthetic
from osms.providers.queries import providers
from osms.rulebooks.loader import load_rulebook


@dataclass(frozen=True, slots=True)
class LineView:
    method: str
    care_type: str
    quantity: int
    amount: Decimal
    cut: Decimal
    rules: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class DeductionView:
    code: str
    count: int
    amount: Decimal
    defect_ids: tuple[int, ...]
    rules: tuple[str, ...]
    names: tuple[tuple[str, str], ...] = ()  # the classifier's name in force in the month, by language

    @property
    def title(self) -> str:
        """The name in Kazakh and Russian, as the act prints it."""
        by = dict(self.names)
        kk, ru = by.get("kk", ""), by.get("ru", "")
        return f"{kk} / {ru}" if kk and ru and kk != ru else kk or ru

    def name(self, lang: str) -> str:
        return dict(self.names).get(lang, "")


@dataclass(frozen=True, slots=True)
class RecalculationView:
    of_month: date
    cause: str
    count: int
    amount: Decimal

    @property
    def period(self) -> Month:
        return Month.of(self.of_month)


@dataclass(frozen=True, slots=True)
class RunView:
    """One contract's month as the run left it."""

    id: int
    contract_id: str
    provider_id: str
    provider_name: str
    provider_bin: str
    month: date
    rulebook: str
    status: str
    gross: Decimal
    unpaid_total: Decimal
    deductions_total: Decimal
    recalculation_total: Decimal
    adjustments_total: Decimal
    linear_scale_cut: Decimal
    cap_cut: Decimal
    december_cut: Decimal
    advance_withheld: Decimal
    payable: Decimal
    notes: str | None
    protocol_date: date | None
    objection_until: date | None
    objected_on: date | None
    objection: str | None
    answered_on: date | None
    answer: str | None
    signed_on: date | None
    signed_by: str | None
    payment_due: date | None
    lines: tuple[LineView, ...] = ()
    unpaid: tuple[Item, ...] = ()
    deductions: tuple[DeductionView, ...] = ()
    recalculations: tuple[RecalculationView, ...] = ()
    synthetic: bool = False
    verified: bool = True
    unverified_rules: tuple[str, ...] = field(default=())
    #: records merged into the case they continue, paid with it (PAY п.80; no price of their own)
    merged_transfers: int = 0
    #: the provider's IBAN in the register (empty: none; its order is flagged ``no_iban``)
    provider_iban: str = ""

    @property
    def period(self) -> Month:
        return Month.of(self.month)

    @property
    def month_text(self) -> str:
        return f"{self.month:%Y-%m}"

    @property
    def signed(self) -> bool:
        return self.signed_on is not None

    @property
    def advance_kind(self) -> str:
        """Which advance the month withholds (``payments.advances``): December's in December, the
        one on signing in the other months."""
        return "december" if self.month.month == 12 else "signing"

    def act(self) -> Act:
        """The act of services rendered of this month (the PDF's content)."""
        return Act(
            contract_id=self.contract_id,
            provider_id=self.provider_id,
            provider_name=self.provider_name,
            provider_bin=self.provider_bin,
            month=self.month_text,
            lines=tuple(Line(x.method, x.quantity, x.amount, x.care_type) for x in self.lines),
            unpaid=self.unpaid,
            deductions=tuple(Item(d.code, d.count, d.amount, d.title) for d in self.deductions),
            advance_withheld=self.advance_withheld,
            linear_scale_cut=self.linear_scale_cut,
            payable=self.payable,
            protocol_date=self.protocol_date,
            objection_until=self.objection_until,
            payment_due=self.payment_due,
            signed_on=self.signed_on,
            signed_by=self.signed_by,
            synthetic=self.synthetic,
            verified=self.verified,
            rulebook=self.rulebook,
        )

    def order(self) -> Order | None:
        """The payment order of a signed act (None before the signature)."""
        if self.signed_on is None or self.payment_due is None:
            return None
        return Order(
            contract_id=self.contract_id,
            month=self.month_text,
            provider_id=self.provider_id,
            provider_name=self.provider_name,
            provider_bin=self.provider_bin,
            provider_iban=self.provider_iban or None,
            amount=self.payable,
            signed_on=self.signed_on,
            due_date=self.payment_due,
        )

    def as_dict(self) -> dict[str, object]:
        """The run's JSON shape (``osms payments run --json``) with the act's state."""
        return {
            "contract_id": self.contract_id,
            "provider_id": self.provider_id,
            "month": self.month_text,
            "status": self.status,
            "lines": [
                {"method": x.method, "quantity": x.quantity, "amount": format_money(x.amount)} for x in self.lines
            ],
            "unpaid": [{"code": x.code, "count": x.count, "amount": format_money(x.amount)} for x in self.unpaid],
            "deductions": [
                {"code": d.code, "count": d.count, "amount": format_money(d.amount), "defects": list(d.defect_ids)}
                for d in self.deductions
            ],
            "advance_withheld": format_money(self.advance_withheld),
            "advance_kind": self.advance_kind,
            "linear_scale_cut": format_money(self.linear_scale_cut),
            "payable": format_money(self.payable),
            "protocol_date": _iso(self.protocol_date),
            "objection_until": _iso(self.objection_until),
            "payment_due": _iso(self.payment_due),
            "signed_on": _iso(self.signed_on),
            "synthetic": self.synthetic,
            "verified": self.verified,
        }


def _defect_names(rulebook: str, month: date, code: str) -> tuple[tuple[str, str], ...]:
    """The classifier's name of a defect code in force in the month, by language (empty: unknown)."""
    try:
        found = load_rulebook(rulebook).topic(ClaimsTopic).defects(month).get(code)
    except Exception:  # an unknown rulebook or month: the code alone
        return ()
    return () if found is None else tuple(sorted(found.name.items()))


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None


def _split(text: str | None) -> tuple[str, ...]:
    return tuple(part for part in (text or "").split(";") if part)


def rule_flags(rulebook: str, rule_ids: Iterable[str]) -> tuple[bool, tuple[str, ...]]:
    """Whether a synthetic row was applied, and the ids of the rows applied that are not
    verified (a rule id is ``<series>.<valid_from>``)."""
    try:
        book = load_rulebook(rulebook)
    except Exception:  # an unknown rulebook: nothing can be said of its rows
        return False, ()
    synthetic = False
    unverified: list[str] = []
    for rule in dict.fromkeys(rule_ids):
        series, _, start = rule.rpartition(".")
        try:
            entry = book.find(series, date.fromisoformat(start))
        except (ValueError, KeyError):
            continue
        if entry is None:
            continue
        synthetic = synthetic or is_synthetic(entry)
        if not entry.verified:
            unverified.append(rule)
    return synthetic, tuple(unverified)


def runs(
    session: Session,
    *,
    month: date | None = None,
    provider_id: str | None = None,
    contract_id: str | None = None,
    signed_due_by: date | None = None,
) -> list[RunView]:
    """The runs asked for (a month, a provider's, a contract's; or every signed act whose payment
    falls due by a day), by contract."""
    query = select(PaymentRun)
    if month is not None:
        query = query.where(PaymentRun.month == month.replace(day=1))
    if provider_id is not None:
        query = query.where(PaymentRun.provider_id == provider_id)
    if contract_id is not None:
        query = query.where(PaymentRun.contract_id == contract_id)
    if signed_due_by is not None:
        query = query.where(PaymentRun.signed_on.is_not(None), PaymentRun.payment_due <= signed_due_by)
    found = list(session.scalars(query.order_by(PaymentRun.month, PaymentRun.contract_id)))
    if not found:
        return []
    ids = [r.id for r in found]
    lines: dict[int, list[LineView]] = defaultdict(list)
    for ln in session.scalars(select(PaymentRunLine).where(PaymentRunLine.run_id.in_(ids)).order_by(PaymentRunLine.id)):
        lines[ln.run_id].append(LineView(ln.method, ln.care_type, ln.quantity, ln.amount, ln.cut, _split(ln.rules)))
    unpaid: dict[int, list[Item]] = defaultdict(list)
    for u in session.scalars(
        select(PaymentRunUnpaid).where(PaymentRunUnpaid.run_id.in_(ids)).order_by(PaymentRunUnpaid.code)
    ):
        unpaid[u.run_id].append(Item(u.code, u.count, u.amount))
    deductions: dict[int, list[DeductionView]] = defaultdict(list)
    for d in session.scalars(
        select(PaymentRunDeduction).where(PaymentRunDeduction.run_id.in_(ids)).order_by(PaymentRunDeduction.code)
    ):
        defect_ids = tuple(int(x) for x in _split(d.defect_ids))
        deductions[d.run_id].append(DeductionView(d.code, d.count, d.amount, defect_ids, _split(d.rules)))
    months = {r.id: (r.rulebook, r.month) for r in found}
    for run_id, items in deductions.items():
        book, month = months[run_id]
        items[:] = [replace(d, names=_defect_names(book, month, d.code)) for d in items]
    recalcs: dict[int, list[RecalculationView]] = defaultdict(list)
    for c in session.scalars(
        select(PaymentRecalculation).where(PaymentRecalculation.run_id.in_(ids)).order_by(PaymentRecalculation.id)
    ):
        recalcs[c.run_id].append(RecalculationView(c.of_month, c.cause, c.count, c.amount))
    merged: dict[int, int] = {
        row[0]: row[1]
        for row in session.execute(
            select(PaymentRunTrace.run_id, func.count())
            .where(
                PaymentRunTrace.run_id.in_(ids),
                PaymentRunTrace.target.in_(("line", "unpaid")),
                PaymentRunTrace.price_id.is_(None),
            )
            .group_by(PaymentRunTrace.run_id)
        )
    }
    names = _providers(session, {r.provider_id for r in found})
    views = []
    for r in found:
        rules = [rule for x in lines[r.id] for rule in x.rules] + [rule for d in deductions[r.id] for rule in d.rules]
        synthetic, unverified = rule_flags(r.rulebook, rules)
        name, bin_, iban = names.get(r.provider_id, ("", "", ""))
        views.append(
            RunView(
                id=r.id,
                contract_id=r.contract_id,
                provider_id=r.provider_id,
                provider_name=name,
                provider_bin=bin_,
                month=r.month,
                rulebook=r.rulebook,
                status=r.status,
                gross=r.gross,
                unpaid_total=r.unpaid_total,
                deductions_total=r.deductions_total,
                recalculation_total=r.recalculation_total,
                adjustments_total=r.adjustments_total,
                linear_scale_cut=r.linear_scale_cut,
                cap_cut=r.cap_cut,
                december_cut=r.december_cut,
                advance_withheld=r.advance_withheld,
                payable=r.payable,
                notes=r.notes,
                protocol_date=r.protocol_date,
                objection_until=r.objection_until,
                objected_on=r.objected_on,
                objection=r.objection,
                answered_on=r.answered_on,
                answer=r.answer,
                signed_on=r.signed_on,
                signed_by=r.signed_by,
                payment_due=r.payment_due,
                lines=tuple(lines[r.id]),
                unpaid=tuple(unpaid[r.id]),
                deductions=tuple(deductions[r.id]),
                recalculations=tuple(recalcs[r.id]),
                synthetic=synthetic,
                verified=not unverified,
                unverified_rules=unverified,
                merged_transfers=merged.get(r.id, 0),
                provider_iban=iban,
            )
        )
    return views


def _providers(session: Session, ids: Iterable[str]) -> dict[str, tuple[str, str, str]]:
    """The name, BIN and IBAN (empty: none) of the providers ``ids`` in the register."""
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    sub = providers().subquery()
    rows = session.execute(
        select(sub.c.provider_id, sub.c.name, sub.c.bin, sub.c.iban).where(sub.c.provider_id.in_(wanted))
    )
    return {r[0]: (r[1], r[2], r[3] or "") for r in rows}


def run_of(session: Session, contract_id: str, month: date) -> RunView | None:
    found = runs(session, month=month, contract_id=contract_id)
    return found[0] if found else None


def orders_due(session: Session, due_by: date) -> list[Order]:
    """The payment orders of every signed act and every advance due on or before ``due_by``
    (positive sums)."""
    from osms.payments.advances import orders_due as advance_orders
    from osms.payments.orders import payable

    acts = [o for r in runs(session, signed_due_by=due_by) if (o := r.order()) is not None]
    return payable([*acts, *advance_orders(session, due_by)], due_by)


def contracts_of(views: Sequence[RunView]) -> list[str]:
    return sorted({v.contract_id for v in views})
