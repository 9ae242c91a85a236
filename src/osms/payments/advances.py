"""The advances the fund pays a contract (docs/payments.md, "Advances"; PAY п.8-12).

Two kinds, each at most once per contract and year:

- ``signing``: on signing the contract, at most ``tariffs.advance_on_signing`` (30%) of the
  contract's sum of the year; the percent is the one asked, else the contract's ``advance_percent``;
- ``december``: on or after 1 December, at most ``tariffs.advance_december`` (70%) of December's
  planned sum (December's services are paid from the next year's money); the percent asked, else
  the limit.

Refused (409, with a code): ``short_contract`` (a term of 6 months or less), ``first_time_provider``
(no earlier contract of the provider, unless the contract buys only the exempt care types,
``EXEMPT_CARE_TYPES``), ``debt_to_fund`` (the last signed month of one of the provider's contracts
ended with a negative sum payable: what it owes the fund, not yet taken), ``already_advanced``,
``over_limit`` (above the rulebook's share), ``no_advance_terms`` (a signing advance with no
percent asked and none in the contract), ``no_plan`` (no sum of the year, or of December),
``too_early`` (a December advance before 1 December), ``no_advance_rule`` (the rulebook has no
limit in force). The monthly run (``payments.run``) withholds what is recorded here:
``advanced(session, contract_ids, month)``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from fractions import Fraction
from typing import Any, Final

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from osms.core import audit
from osms.core.authz import authorize
from osms.core.clock import fund_today
from osms.core.errors import InvalidInput, NotFound, OsmsError
from osms.core.money import format_money, round_money
from osms.core.security import Principal
from osms.payments.access import PAYMENT_ADVANCE, PAYMENT_ADVANCE_READ
from osms.payments.models import ADVANCE_KINDS, PaymentAdvance, PaymentRun
from osms.payments.orders import Order
from osms.payments.rulebook import PaymentsTopic
from osms.providers import queries as providers
from osms.rulebooks.loader import Rulebook

__all__ = [
    "EXEMPT_CARE_TYPES",
    "AdvanceRefused",
    "AdvanceView",
    "advanced",
    "decide",
    "list_advances",
    "orders_due",
    "record",
]

#: The care types of PAY п.8-12's exceptions that our care types can tell: ambulance (and air
#: ambulance). Children's and maternity inpatient care, socially significant diseases and military
#: care are not care types of ours (they are a patient's age, diagnosis or service, not a line of
#: a contract), so a first-time provider of them is refused like any other.
EXEMPT_CARE_TYPES: Final = frozenset({"ambulance", "air_ambulance"})
#: The rulebook's limit of each kind.
LIMITS: Final = {"signing": "advance_on_signing", "december": "advance_december"}
#: A contract of this many months or fewer gets no advance.
SHORT_TERM: Final = 6
ZERO: Final = Decimal("0.00")


class AdvanceRefused(OsmsError):
    """An advance the law or the record refuses: 409 with a code."""

    status = 409
    code = "advance_refused"

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message, code=code)


@dataclass(frozen=True)
class AdvanceView:
    """An advance as recorded, with what the signed runs withheld of it so far."""

    id: int
    contract_id: str
    provider_id: str
    kind: str
    year: int
    percent: int
    base: Decimal
    amount: Decimal
    rules: tuple[str, ...]
    decided_on: date
    decided_by: str
    order_no: str
    withheld: Decimal = ZERO

    @property
    def outstanding(self) -> Decimal:
        return self.amount - self.withheld

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "contract_id": self.contract_id,
            "provider_id": self.provider_id,
            "kind": self.kind,
            "year": self.year,
            "percent": self.percent,
            "base": format_money(self.base),
            "amount": format_money(self.amount),
            "rules": list(self.rules),
            "decided_on": self.decided_on.isoformat(),
            "decided_by": self.decided_by,
            "order_no": self.order_no,
            "withheld": format_money(self.withheld),
            "outstanding": format_money(self.outstanding),
        }


def _view(row: PaymentAdvance, withheld: Decimal = ZERO) -> AdvanceView:
    return AdvanceView(
        id=row.id,
        contract_id=row.contract_id,
        provider_id=row.provider_id,
        kind=row.kind,
        year=row.year,
        percent=row.percent,
        base=Decimal(row.base),
        amount=Decimal(row.amount),
        rules=tuple(x for x in row.rules.split(";") if x),
        decided_on=row.decided_on,
        decided_by=row.decided_by,
        order_no=row.order_no,
        withheld=withheld,
    )


def _term(valid_from: date, valid_to: date) -> int:
    return (valid_to.year - valid_from.year) * 12 + valid_to.month - valid_from.month + 1


def _in_debt(session: Session, provider_id: str) -> str | None:
    """The contract whose last signed month ended with a negative sum payable, if any."""
    c = providers.contracts().subquery("c")
    last = (
        select(PaymentRun.contract_id, func.max(PaymentRun.month).label("month"))
        .join(c, c.c.contract_id == PaymentRun.contract_id)
        .where(c.c.provider_id == provider_id, PaymentRun.status == "signed")
        .group_by(PaymentRun.contract_id)
        .subquery("last")
    )
    return session.scalar(
        select(PaymentRun.contract_id)
        .join(last, (last.c.contract_id == PaymentRun.contract_id) & (last.c.month == PaymentRun.month))
        .where(PaymentRun.payable < 0)
        .order_by(PaymentRun.contract_id)
        .limit(1)
    )


def decide(
    session: Session,
    book: Rulebook,
    contract_id: str,
    kind: str,
    year: int,
    *,
    decided_by: str,
    percent: int | None = None,
    today: date | None = None,
) -> AdvanceView:
    """Check and record an advance (refused with ``AdvanceRefused``; nothing written then)."""
    today = today or fund_today()
    if kind not in ADVANCE_KINDS:
        raise InvalidInput(f"the kind of advance is one of {', '.join(ADVANCE_KINDS)}, not {kind!r}", code="bad_kind")
    if not 2000 <= year <= 2100:
        raise InvalidInput(f"the year {year} is not a year of the fund", code="bad_year")
    if percent is not None and not 1 <= percent <= 100:
        raise InvalidInput(f"the percent is a whole number from 1 to 100, not {percent}", code="bad_percent")
    c = providers.contracts().subquery("c")
    contract = session.execute(select(c).where(c.c.contract_id == contract_id)).one_or_none()
    if contract is None:
        raise NotFound(f"no contract {contract_id}")
    if kind == "december" and today < date(year, 12, 1):
        raise AdvanceRefused("too_early", f"a December advance is decided on or after 1 December {year}")
    limit = book.topic(PaymentsTopic).share(LIMITS[kind], today)
    if limit is None:
        raise AdvanceRefused("no_advance_rule", f"the rulebook {book.name} sets no {LIMITS[kind]} in force on {today}")
    cm = providers.contract_months().subquery("cm")
    months = list(
        session.execute(
            select(cm.c.care_type, cm.c.month, cm.c.sum).where(
                cm.c.contract_id == contract_id, cm.c.month >= date(year, 1, 1), cm.c.month <= date(year, 12, 1)
            )
        )
    )
    wanted = [m for m in months if kind == "signing" or m.month.month == 12]
    base = sum((Decimal(m.sum) for m in wanted), ZERO)
    if base <= 0:
        what = "of the year" if kind == "signing" else "of December"
        raise AdvanceRefused("no_plan", f"contract {contract_id} has no sum {what} {year}")
    if _term(contract.valid_from, contract.valid_to) <= SHORT_TERM:
        raise AdvanceRefused(
            "short_contract", f"contract {contract_id} runs {SHORT_TERM} months or less: no advance (PAY п.8-12)"
        )
    earlier = session.scalar(
        select(func.count())
        .select_from(c)
        .where(c.c.provider_id == contract.provider_id, c.c.valid_from < contract.valid_from)
    )
    care_types = {m.care_type for m in months}
    if not earlier and not care_types <= EXEMPT_CARE_TYPES:
        raise AdvanceRefused(
            "first_time_provider",
            f"provider {contract.provider_id} has no contract before {contract_id}: no advance to a first-time "
            "provider except for ambulance (PAY п.8-12)",
        )
    owing = _in_debt(session, contract.provider_id)
    if owing is not None:
        raise AdvanceRefused(
            "debt_to_fund",
            f"provider {contract.provider_id} owes the fund: the last signed month of {owing} ended below zero",
        )
    found = session.scalar(
        select(PaymentAdvance).where(
            PaymentAdvance.contract_id == contract_id, PaymentAdvance.kind == kind, PaymentAdvance.year == year
        )
    )
    if found is not None:
        raise AdvanceRefused(
            "already_advanced", f"contract {contract_id} has its {kind} advance of {year} ({found.order_no})"
        )
    if percent is None:
        percent = contract.advance_percent if kind == "signing" else int(limit.share * 100)
    if percent <= 0:
        raise AdvanceRefused(
            "no_advance_terms", f"contract {contract_id} sets no advance: name the percent (--percent) to pay one"
        )
    if Fraction(percent, 100) > limit.share:
        raise AdvanceRefused(
            "over_limit", f"{percent}% is above the limit of {limit.share * 100}% ({LIMITS[kind]}, PAY п.8-12)"
        )
    row = PaymentAdvance(
        contract_id=contract_id,
        provider_id=contract.provider_id,
        kind=kind,
        year=year,
        percent=percent,
        base=base,
        amount=round_money(base * percent / 100),
        rules=limit.id,
        decided_on=today,
        decided_by=decided_by,
        order_no=f"{contract_id}/{year}/advance-{kind}",
        created_at=datetime.now(UTC),
    )
    try:
        with session.begin_nested():  # two decisions at once: the second meets the unique key
            session.add(row)
    except IntegrityError:
        raise AdvanceRefused("already_advanced", f"contract {contract_id} has its {kind} advance of {year}") from None
    return _view(row)


def advanced(session: Session, contract_ids: list[str], month: date) -> dict[tuple[str, str], Decimal]:
    """``(contract, kind) → amount`` of the advances of ``month``'s year decided by the month's end
    (an advance not yet decided is not withheld)."""
    if not contract_ids:
        return {}
    end = date(month.year + (month.month == 12), month.month % 12 + 1, 1)
    rows = session.execute(
        select(PaymentAdvance.contract_id, PaymentAdvance.kind, PaymentAdvance.amount).where(
            PaymentAdvance.contract_id.in_(contract_ids),
            PaymentAdvance.year == month.year,
            PaymentAdvance.decided_on < end,
        )
    )
    return {(r[0], r[1]): Decimal(r[2]) for r in rows}


def _withheld(session: Session, rows: list[PaymentAdvance]) -> dict[int, Decimal]:
    """What the signed runs withheld of each advance: the signing advance in January to November,
    December's in December (a month withholds only its kind)."""
    out: dict[int, Decimal] = {}
    for row in rows:
        months = (date(row.year, 1, 1), date(row.year, 11, 1))
        if row.kind == "december":
            months = (date(row.year, 12, 1), date(row.year, 12, 1))
        total = session.scalar(
            select(func.coalesce(func.sum(PaymentRun.advance_withheld), 0)).where(
                PaymentRun.contract_id == row.contract_id,
                PaymentRun.status == "signed",
                PaymentRun.month >= months[0],
                PaymentRun.month <= months[1],
            )
        )
        out[row.id] = round_money(Decimal(total or 0))
    return out


def advances(session: Session, *, year: int | None = None, provider_id: str | None = None) -> list[AdvanceView]:
    """The advances recorded (of a year, of a provider), by year, contract and kind."""
    query = select(PaymentAdvance)
    if year is not None:
        query = query.where(PaymentAdvance.year == year)
    if provider_id is not None:
        query = query.where(PaymentAdvance.provider_id == provider_id)
    rows = list(session.scalars(query.order_by(PaymentAdvance.year, PaymentAdvance.contract_id, PaymentAdvance.kind)))
    withheld = _withheld(session, rows)
    return [_view(r, withheld[r.id]) for r in rows]


def orders_due(session: Session, due_by: date) -> list[Order]:
    """The payment orders of the advances decided on or before ``due_by`` (paid on the decision's
    day: the law sets no later term)."""
    p = providers.providers().subquery("p")
    rows = session.execute(
        select(PaymentAdvance, p.c.name, p.c.bin, p.c.iban)
        .join(p, p.c.provider_id == PaymentAdvance.provider_id, isouter=True)
        .where(PaymentAdvance.decided_on <= due_by)
        .order_by(PaymentAdvance.decided_on, PaymentAdvance.contract_id, PaymentAdvance.kind)
    )
    return [
        Order(
            contract_id=a.contract_id,
            month=f"{a.decided_on:%Y-%m}",
            provider_id=a.provider_id,
            provider_name=name or "",
            provider_bin=bin_ or "",
            provider_iban=iban,
            amount=Decimal(a.amount),
            signed_on=a.decided_on,
            due_date=a.decided_on,
            advance=a.kind,
            advance_year=a.year,
        )
        for a, name, bin_, iban in rows
    ]


# --------------------------------------------------------------------------------------------
# The use cases with their access checks (the CLI and the API)


def record(
    session: Session,
    principal: Principal,
    book: Rulebook,
    contract_id: str,
    kind: str,
    year: int,
    *,
    channel: str,
    percent: int | None = None,
    today: date | None = None,
) -> AdvanceView:
    """Decide an advance as an operator (audited ``payment.advance.decide``)."""
    c = providers.contracts().subquery("c")
    provider_id = session.scalar(select(c.c.provider_id).where(c.c.contract_id == contract_id))
    authorize(session, principal, PAYMENT_ADVANCE, provider_id, channel=channel)
    view = decide(session, book, contract_id, kind, year, decided_by=principal.username, percent=percent, today=today)
    audit.record(
        session,
        principal,
        channel=channel,
        action="payment.advance.decide",
        resource=f"payment-advances/{contract_id}/{year}/{kind}",
        detail=f"{view.percent}% of {view.base:.2f}: {view.amount:.2f}",
    )
    return view


def list_advances(
    session: Session, principal: Principal, *, channel: str, year: int | None = None, provider_id: str | None = None
) -> list[AdvanceView]:
    """The advances a login may read: operators and auditors any; a provider's login its own
    (it names its provider)."""
    authorize(session, principal, PAYMENT_ADVANCE_READ, provider_id, channel=channel)
    return advances(session, year=year, provider_id=provider_id)
