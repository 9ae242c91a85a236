"""Transfers between departments of one hospital: one case, paid by the final diagnosis (PAY п.80;
docs/payments.md, "The monthly run", step 1).

``case_records(session, month)`` is the register of the month's accepted records as the monthly run
prices them. A round-the-clock record (``inpatient``) that ends with the outcome ``transferred`` and
is followed, at the same provider, for the same person and care type, by another round-the-clock
record starting on its end day or the next day is a *leg* of a case chain; the chain (2 legs or
more, found by a recursive CTE) is priced once, as its last record: that record's case group,
outcome and day priced, with the bed-days of the whole chain (the first leg's ``date_from`` to the
last leg's ``date_to``). Each row of the answer carries every column of ``claims.service_records``
of the *final* record of its chain (a record in no chain: its own), ``date_from`` replaced by the
chain's first day, and three more:

- ``leg_ref``: the record's own id (``id`` is the final record's);
- ``leg``: 1 for a record merged into a later one (it has no price of its own), else 0;
- ``merged``: on a chain's final record, the number of earlier legs merged into it, else 0.

A chain is formed inside one reporting month (the month of ``date_to``): a leg ending in an
earlier month was paid in that month on its own (PAY п.81's rule by bed-days), and its successor
starts a chain of its own month, so a signed month is never re-priced. A record whose successor
is ambiguous is linked to its nearest one: each leg to the earliest following record, each record
to the latest preceding leg, and only a pair that choose each other forms a link.
"""

from __future__ import annotations

from datetime import date
from typing import Any, Final

from sqlalchemy import ColumnElement, Integer, and_, case, cast, func, literal, or_, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.selectable import CTE, Subquery

from osms.claims import queries as claims

__all__ = ["CHAIN_FORMS", "GAP_DAYS", "case_records"]

#: The forms of care whose transfers between departments join one case (PAY п.80 speaks of the
#: round-the-clock hospital; a day hospital's "transfer" is a new admission and stays its own case).
CHAIN_FORMS: Final[tuple[str, ...]] = ("inpatient",)
#: The next leg starts on the transferred leg's end day or at most this many days later.
GAP_DAYS: Final = 1
#: The columns every leg of a chain shares with its final record (read from the record itself; the
#: others are the final record's, only for the records of a chain).
SHARED: Final = frozenset({"provider_id", "iin", "care_form", "care_type", "month"})


def _days(session: Session, later: Any, earlier: Any) -> ColumnElement[Any]:
    """``later - earlier`` in whole days on either database."""
    if session.get_bind().dialect.name == "sqlite":
        return cast(func.julianday(later) - func.julianday(earlier), Integer)
    return later - earlier  # type: ignore[no-any-return]


def _links(session: Session, month: date, base: Subquery) -> CTE:
    """``a, b``: the record ``b`` continues the transferred record ``a`` (both of ``month``)."""
    a = base.alias("la")
    b = base.alias("lb")
    gap = _days(session, b.c.date_from, a.c.date_to)
    later = or_(b.c.date_from > a.c.date_from, b.c.date_to > a.c.date_to, b.c.id > a.c.id)
    pairs = (
        select(
            a.c.id.label("a"),
            b.c.id.label("b"),
            func.row_number()
            .over(partition_by=a.c.id, order_by=(b.c.date_from, b.c.date_to, b.c.id))
            .label("next_rank"),
            func.row_number()
            .over(partition_by=b.c.id, order_by=(a.c.date_to.desc(), a.c.id.desc()))
            .label("prev_rank"),
        )
        .join(
            b,
            and_(
                b.c.provider_id == a.c.provider_id,
                b.c.iin == a.c.iin,
                b.c.care_type == a.c.care_type,
                b.c.care_form == a.c.care_form,
                b.c.id != a.c.id,
            ),
        )
        .where(
            a.c.month == month,
            b.c.month == month,
            a.c.care_form.in_(CHAIN_FORMS),
            a.c.outcome == "transferred",
            gap >= 0,
            gap <= GAP_DAYS,
            later,
        )
        .subquery("pairs")
    )
    return select(pairs.c.a, pairs.c.b).where(pairs.c.next_rank == 1, pairs.c.prev_rank == 1).cte("transfer_links")


def case_records(session: Session, month: date) -> Subquery:
    """The month's records as priced, chains merged (the module's docstring)."""
    query = claims.service_records()
    base = query.where(query.selected_columns.month == month).subquery("sr")
    found = _links(session, month, base)
    links = found.alias("links")
    continued = found.alias("continued")
    first = base.alias("first_leg")
    roots = (
        select(links.c.a.label("root"), links.c.a.label("cur"), first.c.date_from.label("start"),
               literal(1).label("depth"))
        .join(first, first.c.id == links.c.a)
        .where(~links.c.a.in_(select(continued.c.b)))
        .cte("transfer_chain", recursive=True)
    )  # fmt: skip
    step = found.alias("step")
    chain = roots.union_all(
        select(roots.c.root, step.c.b, roots.c.start, roots.c.depth + 1).join(step, step.c.a == roots.c.cur)
    )
    ranked = select(
        chain.c.root,
        chain.c.cur,
        chain.c.start,
        chain.c.depth,
        func.max(chain.c.depth).over(partition_by=chain.c.root).label("length"),
    ).subquery("ranked")
    final_of = (
        select(ranked.c.root, ranked.c.cur.label("final")).where(ranked.c.depth == ranked.c.length).subquery("finals")
    )
    members = (
        select(ranked.c.cur, ranked.c.start, ranked.c.length, final_of.c.final)
        .join(final_of, final_of.c.root == ranked.c.root)
        .subquery("members")
    )
    own = base.alias("own")
    f = base.alias("f")
    in_chain = members.c.final.is_not(None)
    leg = case((and_(in_chain, members.c.final != own.c.id), 1), else_=0)
    merged = case((members.c.final == own.c.id, members.c.length - 1), else_=0)
    columns: list[ColumnElement[Any]] = []
    for c in own.c:
        if c.name == "date_from":
            columns.append(func.coalesce(members.c.start, own.c.date_from).label("date_from"))
        elif c.name in SHARED:
            columns.append(c)
        else:
            columns.append(case((in_chain, f.c[c.name]), else_=c).label(c.name))
    return (
        select(*columns, own.c.id.label("leg_ref"), leg.label("leg"), merged.label("merged"))
        .select_from(own)
        .outerjoin(members, members.c.cur == own.c.id)
        .outerjoin(f, f.c.id == members.c.final)
        .subquery("r")
    )
