"""The monthly run's set-based reads and prices (docs/payments.md, "The monthly run").

One aggregation reads every accepted record of a month for all contracts, grouped by contract, care
type, tariff combination (``combo``: what the tariff calculator needs to price it), whether the law
exempts it from the linear scale, and the finding that makes it unpayable. Each distinct combination
is priced once by ``payments.tariff.price``; the traces are written by ``INSERT ... SELECT`` joining
the records to those prices, so no record passes through Python.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any, Final

from sqlalchemy import (
    ColumnElement,
    Integer,
    String,
    and_,
    case,
    cast,
    exists,
    extract,
    func,
    literal,
    or_,
    select,
)
from sqlalchemy.orm import Session
from sqlalchemy.sql.selectable import Subquery

from osms.claims import queries as claims
from osms.claims.vocabulary import CASE_GROUP_FORMS
from osms.payments.run_transfers import case_records
from osms.payments.tariff import TariffError, price
from osms.providers import queries as providers
from osms.registry import queries as registry
from osms.rulebooks.loader import Rulebook

__all__ = [
    "EXEMPT_CARE_TYPES",
    "EXEMPT_ICD10",
    "CHILD_ONCOLOGY_ICD10",
    "UNPAYABLE",
    "Combo",
    "Priced",
    "combo_expression",
    "contract_map",
    "price_combo",
    "unpaid_expression",
]

#: Findings that make a record unpayable (the record is left out of the lines, with the code):
#: ``dead_before_service`` (a service after death was not given), ``duplicate`` (the same service
#: twice: paid once), ``no_referral`` (planned care without a referral is outside the package),
#: ``not_covered`` (the person's benefits decision is "none": the fund does not pay), and
#: ``not_in_contract`` (a care type the contract does not buy). The first by code wins. A finding
#: whose defect was withdrawn on appeal no longer makes the record unpayable.
UNPAYABLE: Final[tuple[str, ...]] = (
    "dead_before_service",
    "duplicate",
    "no_referral",
    "not_covered",
    "not_in_contract",
)
#: The reason code of a record whose combination the tariff cannot price (``no_weight``, ...).
NO_TARIFF: Final = "no_tariff"
#: Care types the linear scale never cuts (the law exempts high-tech care).
EXEMPT_CARE_TYPES: Final[tuple[str, ...]] = ("high_tech",)
#: ICD-10 prefixes the linear scale never cuts: maternity (O), perinatal and infants' conditions (P),
#: infectious diseases and tuberculosis (A, B), dialysis (N18.5, Z49).
EXEMPT_ICD10: Final[tuple[str, ...]] = ("O", "P", "A", "B", "N18.5", "Z49")
#: Children's oncology (PAY п.78): ICD-10 ranges ``[low, high)`` of malignant neoplasms (C00–C97)
#: and of the neoplasms of uncertain behaviour of the blood-forming tissues (D45–D47: polycythaemia
#: vera, myelodysplastic and other myeloproliferative conditions), for a person under 18.
CHILD_ONCOLOGY_ICD10: Final[tuple[tuple[str, str], ...]] = (("C00", "C98"), ("D45", "D48"))
CHILD_UNDER_YEARS: Final = 18
#: Bed-days above this are all "a long stay" in a combination (the short-stay rules stop at 3).
BED_DAYS_CAP: Final = 31
SEP: Final = "|"
#: A service record's flags in its combination (PAY п.66-68).
FLAG_LETTERS: Final[dict[str, str]] = {"at_home": "H", "remote": "R", "preventive_child": "P"}


def _records() -> Subquery:
    return claims.service_records().subquery("r")


def bed_days(session: Session, r: Subquery) -> ColumnElement[Any]:
    """``date_to - date_from`` in whole days on either database."""
    if session.get_bind().dialect.name == "sqlite":
        return cast(func.julianday(r.c.date_to) - func.julianday(r.c.date_from), Integer)
    return r.c.date_to - r.c.date_from


def combo_expression(session: Session, rulebook: str, r: Subquery) -> ColumnElement[str]:
    """The tariff combination of a record as text: rulebook, form, code, group, outcome, bed-days
    (inpatient only, at most 31), procedures (day hospital only), the day priced (``date_to``), and,
    only when one is set, the service's flags (``FLAG_LETTERS``: ``H`` at home, ``R`` remote, ``P``
    in a child's preventive examination), so a record without flags keeps its combination."""
    days = bed_days(session, r)
    capped = case((days > BED_DAYS_CAP, BED_DAYS_CAP), else_=days)
    is_case = r.c.care_form.in_(CASE_GROUP_FORMS)
    outcome = case((r.c.care_form == "inpatient", r.c.outcome), else_="")
    bed = case((r.c.care_form == "inpatient", cast(capped, String)), else_="")
    procedures = case((r.c.care_form == "day_hospital", func.coalesce(r.c.procedures, "")), else_="")
    parts: list[ColumnElement[Any]] = [
        literal(rulebook),
        r.c.care_form,
        case((is_case, literal("")), else_=func.coalesce(r.c.service_code, "")),
        case((is_case, func.coalesce(r.c.case_group, "")), else_=literal("")),
        outcome,
        bed,
        procedures,
        cast(r.c.date_to, String),
    ]
    text: ColumnElement[Any] = parts[0]
    for part in parts[1:]:
        text = text.concat(SEP).concat(part)
    flags: ColumnElement[Any] = literal("")
    for name, letter in FLAG_LETTERS.items():
        flags = flags.concat(case((r.c[name], literal(letter)), else_=literal("")))
    return text.concat(case((flags == "", literal("")), else_=literal(SEP).concat(flags)))


def _yyyymmdd(day: ColumnElement[Any]) -> ColumnElement[int]:
    """A date as the number YYYYMMDD (``extract`` on either database)."""
    return extract("year", day) * 10000 + extract("month", day) * 100 + extract("day", day)


def child_oncology_expression(r: Subquery) -> ColumnElement[bool]:
    """True when the record is children's oncology (PAY п.78, our reading): a diagnosis of
    ``CHILD_ONCOLOGY_ICD10`` and the person under ``CHILD_UNDER_YEARS`` on ``date_from``, by the
    registry's birth date (``registry.queries.persons``), a correlated ``EXISTS`` the database runs
    as a semi-join. Age in whole years as the claims checks count it: YYYYMMDD(date_from) −
    YYYYMMDD(birth) < 180000, so one born on 29 February turns 18 on 1 March of a common year."""
    p = registry.persons().subquery("person")
    oncology = or_(*(and_(r.c.icd10 >= low, r.c.icd10 < high) for low, high in CHILD_ONCOLOGY_ICD10))
    child = exists(
        select(p.c.iin).where(
            p.c.iin == r.c.iin,
            p.c.birth_date.is_not(None),
            _yyyymmdd(r.c.date_from) - _yyyymmdd(p.c.birth_date) < CHILD_UNDER_YEARS * 10000,
        )
    )
    return and_(oncology, child)


def exempt_expression(r: Subquery) -> ColumnElement[int]:
    """1 when the linear scale may not cut the record (``EXEMPT_CARE_TYPES``, ``EXEMPT_ICD10``,
    children's oncology: ``child_oncology_expression``)."""
    return case(
        (
            or_(
                r.c.care_type.in_(EXEMPT_CARE_TYPES),
                *(r.c.icd10.startswith(p) for p in EXEMPT_ICD10),
                child_oncology_expression(r),
            ),
            1,
        ),
        else_=0,
    )


def unpaid_expression(r: Subquery) -> ColumnElement[str | None]:
    """The first finding of ``UNPAYABLE`` of the record whose defect (if any) was not withdrawn."""
    f = claims.findings().subquery("f")
    d = claims.defects().subquery("d")
    withdrawn = exists(select(d.c.id).where(d.c.finding_id == f.c.id, d.c.status == "withdrawn"))
    return (
        select(func.min(f.c.code))
        .where(f.c.record_ref == r.c.id, f.c.code.in_(UNPAYABLE), ~withdrawn)
        .scalar_subquery()
    )


def contract_map(month: date) -> Subquery:
    """``contract_id, provider_id, care_type, sum`` of every contract in force in ``month`` (its
    month line exists and it was not terminated by the month's first day)."""
    c = providers.contracts().subquery("c")
    cm = providers.contract_months().subquery("cm")
    return (
        select(cm.c.contract_id, c.c.provider_id, cm.c.care_type, cm.c.sum)
        .join(c, c.c.contract_id == cm.c.contract_id)
        .where(cm.c.month == month, or_(c.c.terminated_on.is_(None), c.c.terminated_on > month))
        .subquery("cmap")
    )


@dataclass(frozen=True, slots=True)
class Combo:
    """A tariff combination parsed back from its text."""

    text: str
    care_form: str
    service_code: str | None
    case_group: str | None
    outcome: str | None
    bed_days: int | None
    procedures: tuple[str, ...]
    on: date
    at_home: bool = False
    remote: bool = False
    preventive_child: bool = False

    @classmethod
    def parse(cls, text: str) -> Combo:
        _book, form, code, group, outcome, bed, procedures, on, *rest = text.split(SEP)
        flags = rest[0] if rest else ""
        return cls(
            text=text,
            care_form=form,
            service_code=code or None,
            case_group=group or None,
            outcome=outcome or None,
            bed_days=int(bed) if bed else None,
            procedures=tuple(p for p in procedures.split(";") if p),
            on=date.fromisoformat(on[:10]),
            **{name: letter in flags for name, letter in FLAG_LETTERS.items()},
        )


@dataclass(frozen=True, slots=True)
class Priced:
    """A combination's method and price (None with the refusal's code when the tariff has none)."""

    method: str | None
    price: Decimal | None
    refusal: str | None
    rules: tuple[str, ...]


#: The line method of a form paid per service or per case (``None``: paid per capita, no line).
def line_method(care_form: str, method: str | None) -> str | None:
    if method in (None, "per_capita"):
        return None
    if care_form == "ambulance":
        return "ambulance_per_call"
    return "per_case" if care_form in CASE_GROUP_FORMS else "per_service"


def price_combo(book: Rulebook, combo: Combo) -> Priced:
    """Price one combination with the tariff calculator (``payments.tariff.price``)."""
    from osms.payments.rulebook import PaymentsTopic

    method = book.topic(PaymentsTopic).method(combo.care_form, combo.on) if book.covers(combo.on) else None
    kind = line_method(combo.care_form, method)
    if kind is None:
        return Priced(None, None, None, ())
    try:
        answer = price(
            book,
            combo.care_form,
            combo.on,
            case_group=combo.case_group,
            service_code=combo.service_code,
            outcome=combo.outcome,
            bed_days=combo.bed_days if combo.outcome in ("died", "transferred", "self_discharge") else None,
            procedures=combo.procedures,
            at_home=combo.at_home,
            remote=combo.remote,
            preventive_child=combo.preventive_child,
        )
    except TariffError as exc:
        return Priced(kind, None, exc.code, ())
    return Priced(kind, answer.price, None, tuple(answer.rules))


@dataclass
class Group:
    """One row of the month's aggregation."""

    contract_id: str
    care_type: str
    combo: str
    exempt: bool
    unpaid: str | None
    records: int
    quantity: int
    merged: int = 0  # earlier legs of transfer chains merged into these records (PAY п.80)


def aggregate(session: Session, book: Rulebook, month: date, contract_ids: Sequence[str] | None) -> list[Group]:
    """Every accepted record of ``month`` of a contract in force, grouped (one query); the legs of a
    transfer chain are priced once, as its final record (``run_transfers``)."""
    r = case_records(session, month)
    cmap = contract_map(month)
    combo = combo_expression(session, book.name, r).label("combo")
    exempt = exempt_expression(r).label("exempt")
    unpaid = unpaid_expression(r).label("unpaid")
    query = (
        select(
            cmap.c.contract_id,
            r.c.care_type,
            combo,
            exempt,
            unpaid,
            func.count().label("records"),
            func.sum(r.c.quantity).label("quantity"),
            func.sum(r.c.merged).label("merged"),
        )
        .join(cmap, and_(cmap.c.provider_id == r.c.provider_id, cmap.c.care_type == r.c.care_type))
        .where(r.c.month == month, r.c.leg == 0)
        .group_by(cmap.c.contract_id, r.c.care_type, combo, exempt, unpaid)
    )
    if contract_ids is not None:
        query = query.where(cmap.c.contract_id.in_(contract_ids))
    return [
        Group(
            row.contract_id,
            row.care_type,
            row.combo,
            bool(row.exempt),
            row.unpaid,
            row.records,
            int(row.quantity),
            int(row.merged or 0),
        )
        for row in session.execute(query)
    ]


def records_of_defects(
    session: Session, book: Rulebook, defect_ids: Sequence[int], month: date | None = None
) -> dict[int, tuple[int, str, str, str, int, str | None]]:
    """For defects on a record: ``defect id → (record id, care form, care type, combo, quantity,
    unpaid code)``. A record of ``month`` is read as the run prices it (``run_transfers``): a leg
    of a transfer chain has the case's combination and payability, since the case is the chain."""
    if not defect_ids:
        return {}
    d = claims.defects().subquery("d")
    out: dict[int, tuple[int, str, str, str, int, str | None]] = {}
    sources = [case_records(session, month)] if month is not None else []
    for r in (*sources, _records()):
        wanted = [i for i in defect_ids if i not in out]
        if not wanted:
            break
        ref = r.c.leg_ref if "leg_ref" in r.c else r.c.id
        combo = combo_expression(session, book.name, r)
        rows = session.execute(
            select(d.c.id, ref, r.c.care_form, r.c.care_type, combo, r.c.quantity, unpaid_expression(r))
            .join(r, ref == d.c.record_ref)
            .where(d.c.id.in_(wanted))
        )
        out.update({row[0]: (row[1], row[2], row[3], row[4], row[5], row[6]) for row in rows})
    return out


def kinds_and_regions(session: Session, provider_ids: Sequence[str]) -> Mapping[str, tuple[str, str]]:
    """``provider_id → (kind, region)``."""
    p = providers.providers().subquery("p")
    rows = session.execute(select(p.c.provider_id, p.c.kind, p.c.region).where(p.c.provider_id.in_(provider_ids)))
    return {row[0]: (row[1], row[2]) for row in rows}
