"""The amounts of the escalation report (MON п.19-20; docs/claims.md, "Escalation"), given by the
payments room through a hook it registers (docs/decisions/0006-cross-room-reads.md, "Addendum").

The amount of an unconfirmed case is what the monthly run deducted for its defect, which only the
payments room knows; the payments room stands above this room in the import layers, so this room
cannot ask it directly. Instead the payments room registers a *source* when it is imported (as
each room registers its labels with ``osms.core.i18n.register_labels``): a function answering, for
a month and a set of defect ids, ``defect id → tenge deducted`` when a run of that month exists,
``None`` when none does. Without a registered source (a process that never imported the payments
room) the report has no amounts.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from datetime import date
from decimal import Decimal

from sqlalchemy.orm import Session

__all__ = ["AmountSource", "deduction_amounts", "register_deduction_amounts"]

#: ``(session, month's first day, defect ids) → {defect id: tenge}`` or ``None`` (no run that month).
AmountSource = Callable[[Session, date, Collection[int]], Mapping[int, Decimal] | None]

_SOURCES: list[AmountSource] = []


def register_deduction_amounts(source: AmountSource) -> None:
    """The payments room's source of the defects' deductions; registering again replaces it."""
    _SOURCES[:] = [source]


def deduction_amounts(session: Session, month: date, defect_ids: Collection[int]) -> Mapping[int, Decimal] | None:
    """What was deducted for each defect (an id not in the answer: nothing), or ``None`` while no
    source is registered or no run of ``month`` exists."""
    if not _SOURCES:
        return None
    return _SOURCES[0](session, month, defect_ids)
