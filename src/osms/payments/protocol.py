"""The protocol of a run, the provider's objection, the signature and the manual adjustments
(docs/payments.md, "The monthly run").

- ``protocol``: the fund issues the computed run as a protocol: ``protocol_date`` today,
  ``objection_until`` = today + ``objection_working_days`` working days (PAY п.20: 3; a rulebook
  without the figure: no window);
- ``object_to``: the provider objects within the window (``objected``); the fund answers within
  ``objection_answer_working_days`` working days (``answer_due``);
- ``answer``: the fund's answer; the run goes back to ``protocol`` (re-run it first if the answer
  changes figures: re-running keeps the protocol's dates only while unsigned... a re-run resets the
  status to ``computed``, so the protocol is issued again);
- ``sign``: the act is signed once the window passed or the objection was answered:
  ``signed_on`` today, ``payment_due`` = signed_on + ``payment_due_days`` calendar days (PAY п.26:
  10); ``seeds-2016`` sets no payment term but invoices by the 25th: ``payment_due`` is then the
  ``invoice_day`` of the month after the run's month. A signed run is frozen.
- ``adjust``: a manual other payment (> 0) or deduction (< 0) of a contract's month, with a reason
  and its author; refused once the month is signed (it lands in a later month instead).

Every function works in the caller's session and never commits.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal, InvalidOperation

from sqlalchemy import select
from sqlalchemy.orm import Session

from osms.core.clock import fund_today
from osms.core.errors import InvalidInput, NotFound, OsmsError
from osms.core.money import round_money
from osms.core.workdays import add_working_days
from osms.payments.models import PaymentAdjustment, PaymentRun
from osms.payments.rulebook import PaymentsTopic
from osms.payments.run import ContractRun, load_run, month_start
from osms.rulebooks.loader import Rulebook

__all__ = ["RunConflict", "adjust", "answer", "find_run", "object_to", "protocol", "sign"]


class RunConflict(OsmsError):
    """A step the run's state refuses (signed, window closed, ...): 409 with a code."""

    status = 409
    code = "run_conflict"

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message, code=code)


def find_run(session: Session, contract_id: str, month: date | str, *, lock: bool = False) -> PaymentRun:
    query = select(PaymentRun).where(PaymentRun.contract_id == contract_id, PaymentRun.month == month_start(month))
    if lock:
        query = query.with_for_update()
    row = session.scalar(query)
    if row is None:
        raise NotFound(f"no run of contract {contract_id} for {month_start(month):%Y-%m}: run the month first")
    return row


def protocol(
    session: Session, book: Rulebook, contract_id: str, month: date | str, *, today: date | None = None
) -> ContractRun:
    row = find_run(session, contract_id, month, lock=True)
    if row.status == "signed":
        raise RunConflict("run_signed", "the act of this month is signed: the run is frozen")
    day = today or fund_today()
    days = book.topic(PaymentsTopic).parameter("objection_working_days", day)
    row.status = "protocol"
    row.protocol_date = day
    row.objection_until = None if days is None else add_working_days(day, days)
    row.objected_on = row.objection = row.answer_due = row.answered_on = row.answer = None
    session.flush()
    return load_run(session, row)


def object_to(
    session: Session, book: Rulebook, contract_id: str, month: date | str, note: str, *, today: date | None = None
) -> ContractRun:
    row = find_run(session, contract_id, month, lock=True)
    day = today or fund_today()
    if row.status != "protocol" or row.protocol_date is None:
        raise RunConflict("no_protocol", "only a protocol that is issued and not yet objected to can be objected to")
    if row.objection_until is None or day > row.objection_until:
        raise RunConflict("objection_late", "the window for an objection to this protocol has closed")
    if not note.strip():
        raise InvalidInput("say what the objection is")
    days = book.topic(PaymentsTopic).parameter("objection_answer_working_days", day)
    row.status = "objected"
    row.objected_on = day
    row.objection = note.strip()
    row.answer_due = None if days is None else add_working_days(day, days)
    session.flush()
    return load_run(session, row)


def answer(
    session: Session, contract_id: str, month: date | str, note: str, *, today: date | None = None
) -> ContractRun:
    row = find_run(session, contract_id, month, lock=True)
    if row.status != "objected":
        raise RunConflict("not_objected", "there is no objection to answer")
    if not note.strip():
        raise InvalidInput("give the answer")
    row.status = "protocol"
    row.answered_on = today or fund_today()
    row.answer = note.strip()
    session.flush()
    return load_run(session, row)


def sign(
    session: Session,
    book: Rulebook,
    contract_id: str,
    month: date | str,
    *,
    signed_by: str,
    today: date | None = None,
) -> ContractRun:
    row = find_run(session, contract_id, month, lock=True)
    day = today or fund_today()
    if row.status == "signed":
        raise RunConflict("run_signed", "the act of this month is already signed")
    if row.status == "objected":
        raise RunConflict("objection_open", "answer the provider's objection before signing")
    if row.status != "protocol":
        raise RunConflict("no_protocol", "issue the protocol before signing the act")
    if row.answered_on is None and row.objection_until is not None and day <= row.objection_until:
        raise RunConflict("objection_window", f"the provider may object until {row.objection_until.isoformat()}")
    topic = book.topic(PaymentsTopic)
    row.status = "signed"
    row.signed_on = day
    row.signed_by = signed_by
    days = topic.parameter("payment_due_days", day)
    if days is not None:
        row.payment_due = day + timedelta(days=days)
    else:
        invoice_day = topic.parameter("invoice_day", day)
        nxt = (row.month.replace(day=28) + timedelta(days=4)).replace(day=1)
        row.payment_due = None if invoice_day is None else nxt.replace(day=invoice_day)
    session.flush()
    return load_run(session, row)


def adjust(
    session: Session,
    contract_id: str,
    month: date | str,
    amount: Decimal | str,
    reason: str,
    *,
    created_by: str,
) -> PaymentAdjustment:
    """A manual other payment (> 0) or deduction (< 0); re-run the month to apply it."""
    try:
        value = round_money(Decimal(str(amount).strip()))
    except (InvalidOperation, ValueError):
        raise InvalidInput(f"not an amount: {amount!r}") from None
    if value == 0:
        raise InvalidInput("an adjustment is not 0")
    if not reason.strip():
        raise InvalidInput("an adjustment needs a reason")
    start = month_start(month)
    signed = session.scalar(
        select(PaymentRun.id).where(
            PaymentRun.contract_id == contract_id, PaymentRun.month == start, PaymentRun.status == "signed"
        )
    )
    if signed is not None:
        raise RunConflict("run_signed", "the month is signed: adjust a later month")
    row = PaymentAdjustment(
        contract_id=contract_id,
        month=start,
        amount=value,
        reason=reason.strip(),
        created_by=created_by,
        created_at=datetime.now(UTC),
    )
    session.add(row)
    session.flush()
    return row
