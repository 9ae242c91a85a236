"""The contributions room's read-only query surfaces for other rooms
(docs/decisions/0006-cross-room-reads.md).

Each function returns a ``SELECT`` of published columns that another room may join as a subquery
or compile into its own SQL (the status hot path does); the ledger, its writes and its row locks
stay this room's.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import Integer, Select, select, type_coerce

from osms.contributions.models import PAYMENT_KINDS, PersonMonth

__all__ = ["PAYMENT_KINDS", "summary_months"]


def summary_months() -> Select[str, int, int, str, date]:
    """The coverage summary, one row per person and month with a credited payment: ``iin``,
    ``period`` (the month index), ``kinds`` (``PAYMENT_KINDS`` bits still credited), ``payer_id``
    (of the largest payment), ``first_value_date`` (when the month first became paid)."""
    return select(
        PersonMonth.iin,
        type_coerce(PersonMonth.period, Integer).label("period"),
        PersonMonth.kinds,
        PersonMonth.payer_id,
        PersonMonth.first_value_date,
    )
