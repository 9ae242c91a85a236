"""The monthly run's use cases with their access checks (``payments.access``), for the CLI, the API
and the pages (docs/payments.md, "The monthly run"). Each works in the caller's session and never
commits; the run itself is ``payments.run``, the protocol ``payments.protocol``."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from osms.core import audit
from osms.core.authz import authorize
from osms.core.config import get_settings
from osms.core.errors import InvalidInput, NotFound
from osms.core.security import Principal
from osms.payments import protocol as protocol_steps
from osms.payments.access import PAYMENT_RUN, PAYMENT_RUN_MANAGE, PAYMENT_RUN_OBJECT, PAYMENT_RUN_READ
from osms.payments.models import PaymentRun
from osms.payments.run import ContractRun, load_run, month_start, run_month
from osms.payments.tariff import TariffError, open_rulebook
from osms.providers import queries as providers
from osms.rulebooks.loader import Rulebook

__all__ = ["adjust", "answer", "compute", "object_to", "parse_month", "protocol", "sign", "view"]


def parse_month(text: str) -> date:
    """``YYYY-MM`` (or a date) → the month's first day; ``InvalidInput`` otherwise."""
    try:
        return month_start(text)
    except ValueError:
        raise InvalidInput(f"write the month as YYYY-MM, not {text!r}") from None


def _book(rulebook: str | Rulebook | None) -> Rulebook:
    if isinstance(rulebook, Rulebook):
        return rulebook
    try:
        return open_rulebook(rulebook or get_settings().rulebook)
    except TariffError as exc:
        raise InvalidInput(exc.message) from None


def _provider_of(session: Session, contract_id: str) -> str | None:
    c = providers.contracts().subquery("c")
    return session.scalar(select(c.c.provider_id).where(c.c.contract_id == contract_id))


def _authorized(session: Session, principal: Principal, action: str, contract_id: str, channel: str) -> str:
    """Authorize ``action`` on the contract's provider (an unknown contract: no provider, so only
    the roles allowed any subject pass, then ``NotFound``)."""
    provider_id = _provider_of(session, contract_id)
    authorize(session, principal, action, provider_id, channel=channel)
    if provider_id is None:
        raise NotFound(f"no contract {contract_id}")
    return provider_id


def compute(
    session: Session,
    principal: Principal,
    month: str | date,
    *,
    channel: str,
    contract_id: str | None = None,
    today: date | None = None,
    rulebook: str | Rulebook | None = None,
) -> list[ContractRun]:
    """Run the month (every contract in force, or one): ``payments.run.run_month``."""
    authorize(session, principal, PAYMENT_RUN, None, channel=channel)
    if contract_id is not None and _provider_of(session, contract_id) is None:
        raise NotFound(f"no contract {contract_id}")
    start = parse_month(str(month))
    runs = run_month(session, _book(rulebook), start, contract_id=contract_id, today=today)
    _audit(session, principal, channel, "payment.run.compute", contract_id, start, f"{len(runs)} contract(s)")
    return runs


def _audit(
    session: Session,
    principal: Principal,
    channel: str,
    action: str,
    contract_id: str | None,
    month: date,
    detail: str | None = None,
) -> None:
    """The audit entry of a write (a run holds sums, not persons: no subject)."""
    where = f"payment-runs/{contract_id}/{month:%Y-%m}" if contract_id else f"payment-runs/{month:%Y-%m}"
    audit.record(session, principal, channel=channel, action=action, resource=where, detail=detail)


def view(session: Session, principal: Principal, contract_id: str, month: str | date, *, channel: str) -> ContractRun:
    """A contract's stored run of a month."""
    _authorized(session, principal, PAYMENT_RUN_READ, contract_id, channel)
    return load_run(session, protocol_steps.find_run(session, contract_id, parse_month(str(month))))


def protocol(
    session: Session,
    principal: Principal,
    contract_id: str,
    month: str | date,
    *,
    channel: str,
    today: date | None = None,
    rulebook: str | Rulebook | None = None,
) -> ContractRun:
    _authorized(session, principal, PAYMENT_RUN_MANAGE, contract_id, channel)
    run = protocol_steps.protocol(session, _book(rulebook), contract_id, parse_month(str(month)), today=today)
    _audit(session, principal, channel, "payment.run.protocol", contract_id, run.month)
    return run


def object_to(
    session: Session,
    principal: Principal,
    contract_id: str,
    month: str | date,
    note: str,
    *,
    channel: str,
    today: date | None = None,
    rulebook: str | Rulebook | None = None,
) -> ContractRun:
    _authorized(session, principal, PAYMENT_RUN_OBJECT, contract_id, channel)
    run = protocol_steps.object_to(session, _book(rulebook), contract_id, parse_month(str(month)), note, today=today)
    _audit(session, principal, channel, "payment.run.object", contract_id, run.month)
    return run


def answer(
    session: Session,
    principal: Principal,
    contract_id: str,
    month: str | date,
    note: str,
    *,
    channel: str,
    today: date | None = None,
) -> ContractRun:
    _authorized(session, principal, PAYMENT_RUN_MANAGE, contract_id, channel)
    run = protocol_steps.answer(session, contract_id, parse_month(str(month)), note, today=today)
    _audit(session, principal, channel, "payment.run.answer", contract_id, run.month)
    return run


def sign(
    session: Session,
    principal: Principal,
    contract_id: str,
    month: str | date,
    *,
    channel: str,
    today: date | None = None,
    rulebook: str | Rulebook | None = None,
) -> ContractRun:
    _authorized(session, principal, PAYMENT_RUN_MANAGE, contract_id, channel)
    run = protocol_steps.sign(
        session, _book(rulebook), contract_id, parse_month(str(month)), signed_by=principal.username, today=today
    )
    _audit(session, principal, channel, "payment.run.sign", contract_id, run.month, f"payable {run.payable:.2f}")
    return run


def adjust(
    session: Session,
    principal: Principal,
    contract_id: str,
    month: str | date,
    amount: Decimal | str,
    reason: str,
    *,
    channel: str,
) -> dict[str, object]:
    """A manual other payment (> 0) or deduction (< 0) with its reason; re-run the month to apply it."""
    _authorized(session, principal, PAYMENT_RUN_MANAGE, contract_id, channel)
    row = protocol_steps.adjust(
        session, contract_id, parse_month(str(month)), amount, reason, created_by=principal.username
    )
    _audit(session, principal, channel, "payment.run.adjust", contract_id, row.month, f"{row.amount:.2f}: {row.reason}")
    return {
        "id": row.id,
        "contract_id": row.contract_id,
        "month": row.month.strftime("%Y-%m"),
        "amount": f"{row.amount:.2f}",
        "reason": row.reason,
        "created_by": row.created_by,
    }


def runs_of_month(session: Session, principal: Principal, month: str | date, *, channel: str) -> list[ContractRun]:
    """Every stored run of a month (operators and auditors)."""
    authorize(session, principal, PAYMENT_RUN_READ, None, channel=channel)
    rows = session.scalars(
        select(PaymentRun).where(PaymentRun.month == parse_month(str(month))).order_by(PaymentRun.contract_id)
    )
    return [load_run(session, row) for row in rows]
