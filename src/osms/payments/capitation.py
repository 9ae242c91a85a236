"""Per capita: what the fund pays a PHC provider for its attached population in a month
(docs/payments.md, "Per capita").

``per_capita(session, book, provider_id, month)`` answers for one provider and month,
``per_capita_all(session, book, month)`` for every PHC provider of the register at once (the
monthly run). Both are set-based: one aggregation of the attachment register joined to the
registry (people by provider, sex and age band), and, where a reduction rule is in force, one
read of the attached people's insured status (``coverage.service.insured_among``, driven by the
same SELECT of the attached people: no list of IINs bound); never a query per person.

Our readings (documented in docs/payments.md):

- **Who counts**: a person attached to the provider on the **first day of the month** (the
  attachment register's period covers that day), alive on that day, with a known sex and a birth
  date on or before it. A person attached on the 15th counts from the next month.
- **Age** in whole years on the month's first day; the band is one of the rulebook's 11 bands.
- The provider's **sex-age coefficient** is the average of its people's band coefficients,
  rounded half-up to 4 decimals; the **rate** = round_half_up(base rate × sex-age coefficient ×
  the correction coefficients, 0.01) tenge per person per month; the gross amount = attached ×
  rate.
- **Not insured** (``uninsured``, PAY п.47-1, from 2025-10-01): insured status on the month's first
  day; such a person is paid at 90% of the rate (the reduction: 10% of the rate each).
- **No service in the calendar year** (``no_service_year``, п.47-1): a person with no accepted
  service record (any provider, any form, ``date_from`` in the year) is paid at 80% for the whole
  year. Settled in December: December's run reduces December and recomputes the year's earlier
  months (from the rule's start) for those persons (``no_service_year_earlier``: the difference
  between what those months paid, 100% or 90%, and 80%, at each month's own rate). In other
  months the reduction is shown as ``pending_december``: the people counted, the amount 0.
  The two reductions do not compound: the lower share applies (80%).
- **Excess norm** (п.52, a GP district above its norm of attached persons): not applied, the
  formula was not obtained (``not_applied``).
- The month's amount is never negative: December's recalculation of the earlier months is taken
  from December's amount down to 0; what it could not take is ``uncovered`` (the monthly run
  deducts it as another deduction).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from fractions import Fraction
from typing import Any, Final

from sqlalchemy import Select, and_, case, func, literal, or_, select
from sqlalchemy.orm import Session

from osms.attachment import queries as attachment
from osms.claims import queries as claims
from osms.core import audit
from osms.core.authz import authorize
from osms.core.clock import fund_today
from osms.core.errors import OsmsError
from osms.core.periods import Month
from osms.core.security import Principal
from osms.coverage.service import insured_among
from osms.providers import queries as providers
from osms.registry import queries as registry
from osms.rulebooks.entries import Entry
from osms.rulebooks.loader import Rulebook

from .access import PER_CAPITA_READ
from .rulebook import AGE_BANDS, CORRECTION_FACTORS, PaymentsTopic, format_share, is_synthetic

__all__ = [
    "BAND_NAMES",
    "BandCount",
    "PerCapita",
    "PerCapitaError",
    "Reduction",
    "band_name",
    "per_capita",
    "per_capita_all",
    "read_per_capita",
]

#: The names of the 11 age bands, in order: ``0``, ``1-4``, ..., ``70+``.
BAND_NAMES: Final[tuple[str, ...]] = tuple(
    f"{a}+" if b is None else (str(a) if a == b else f"{a}-{b}") for a, b in AGE_BANDS
)
#: The reduction codes, in the order they are listed.
REDUCTIONS: Final[tuple[str, ...]] = ("uninsured", "no_service_year", "no_service_year_earlier", "excess_norm")
FOUR: Final = Decimal("0.0001")


def band_name(index: int) -> str:
    return BAND_NAMES[index]


class PerCapitaError(OsmsError):
    """No per-capita answer: ``code`` one of ``bad_month``, ``unknown_provider`` (404), ``not_phc``,
    ``no_base_rate``, ``no_sex_age`` (422)."""

    status = 422

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message, code=code, status=404 if code == "unknown_provider" else None)


def _round2(value: Fraction) -> Decimal:
    """Half-up to 0.01 (negative values away from zero on the half)."""
    sign = -1 if value < 0 else 1
    cents = math.floor(abs(value) * 100 + Fraction(1, 2))
    return Decimal(sign * cents).scaleb(-2)


def _money(value: Decimal) -> str:
    return str(value.quantize(Decimal("0.01")))


@dataclass(frozen=True, slots=True)
class BandCount:
    band: str
    sex: str
    people: int
    coefficient: Decimal | None

    def as_dict(self) -> dict[str, Any]:
        return {
            "band": self.band,
            "sex": self.sex,
            "people": self.people,
            "coefficient": None if self.coefficient is None else str(self.coefficient),
        }


@dataclass(frozen=True, slots=True)
class Reduction:
    """``status``: ``applied``, ``pending_december`` (counted, settled in December), ``not_applied``
    (no formula), ``not_in_force`` (the rule does not exist on that day: not listed)."""

    code: str
    people: int
    amount: Decimal
    status: str = "applied"
    share: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "people": self.people,
            "amount": _money(self.amount),
            "status": self.status,
            "share": self.share,
        }


@dataclass(frozen=True, slots=True)
class PerCapita:
    provider_id: str
    month: Month
    region: str
    attached: int
    by_band: tuple[BandCount, ...]
    sex_age_coefficient: Decimal
    base_rate: Decimal
    corrections: dict[str, Decimal]
    rate: Decimal
    gross: Decimal
    reductions: tuple[Reduction, ...]
    amount: Decimal
    uncovered: Decimal
    rules: tuple[str, ...]
    rulebook: str
    verified: bool
    synthetic: bool
    counted_on: date
    insured_on: date | None
    computed_on: date
    notes: tuple[str, ...] = field(default=())

    def reduction(self, code: str) -> Reduction | None:
        return next((r for r in self.reductions if r.code == code), None)

    def as_dict(self) -> dict[str, Any]:
        return {
            "provider_id": self.provider_id,
            "month": str(self.month),
            "attached": self.attached,
            "by_band": [b.as_dict() for b in self.by_band],
            "sex_age_coefficient": str(self.sex_age_coefficient),
            "base_rate": _money(self.base_rate),
            "corrections": {k: str(v) for k, v in self.corrections.items()},
            "rate": _money(self.rate),
            "reductions": [r.as_dict() for r in self.reductions],
            "amount": _money(self.amount),
            "rules": list(self.rules),
            "gross": _money(self.gross),
            "uncovered": _money(self.uncovered),
            "region": self.region,
            "rulebook": self.rulebook,
            "verified": self.verified,
            "synthetic": self.synthetic,
            "counted_on": self.counted_on.isoformat(),
            "insured_on": None if self.insured_on is None else self.insured_on.isoformat(),
            "computed_on": self.computed_on.isoformat(),
            "notes": list(self.notes),
        }


# --------------------------------------------------------------------------------------------
# Statements


def _band_case(birth: Any, day: date) -> Any:
    """The band index (0..10) of a birth date on ``day`` (a month's first day: no 29 February)."""
    whens = [(birth > day.replace(year=day.year - a), i - 1) for i, (a, _) in enumerate(AGE_BANDS) if i > 0]
    return case(*whens, else_=len(AGE_BANDS) - 1)


def _attached_on(day: date, provider_ids: Sequence[str] | None) -> Any:
    """The FROM/WHERE of the people attached on ``day``: (subquery of attachments, of persons, condition)."""
    att = attachment.attachments().subquery("att")
    per = registry.persons().subquery("per")
    cond = and_(
        att.c.valid_from <= day,
        or_(att.c.valid_to.is_(None), att.c.valid_to >= day),
        or_(per.c.death_date.is_(None), per.c.death_date >= day),
        per.c.birth_date <= day,
        per.c.sex.is_not(None),
    )
    if provider_ids is not None:
        cond = and_(cond, att.c.clinic_id.in_(list(provider_ids)))
    return att, per, cond


def _served(year: int) -> Any:
    """The distinct IINs with an accepted service record in the calendar year ``year`` (a derived
    table the attached people are outer-joined to: one hash join, not a lookup per person)."""
    rec = claims.service_days().subquery("rec")
    return (
        select(rec.c.iin)
        .where(rec.c.date_from >= date(year, 1, 1), rec.c.date_from <= date(year, 12, 31))
        .distinct()
        .subquery("srv")
    )


def _population(session: Session, day: date, provider_ids: Sequence[str] | None) -> dict[str, Counter[tuple[str, int]]]:
    """People attached on ``day`` by provider, sex and band: one aggregation."""
    att, per, cond = _attached_on(day, provider_ids)
    band = _band_case(per.c.birth_date, day).label("band")
    stmt: Select[Any] = (
        select(att.c.clinic_id, per.c.sex, band, func.count())
        .select_from(att.join(per, per.c.iin == att.c.iin))
        .where(cond)
        .group_by(att.c.clinic_id, per.c.sex, band)
    )
    out: dict[str, Counter[tuple[str, int]]] = {}
    for clinic, sex, index, count in session.execute(stmt):
        out.setdefault(clinic, Counter())[(sex, int(index))] += int(count)
    return out


def _people_query(
    day: date, provider_ids: Sequence[str] | None, *, year: int | None, only_unserved: bool
) -> Select[Any]:
    """``(provider_id, iin, served in year)`` of the people attached on ``day``; ``only_unserved``:
    only those with no accepted service in ``year``."""
    att, per, cond = _attached_on(day, provider_ids)
    joined: Any = att.join(per, per.c.iin == att.c.iin)
    served: Any = literal(False)
    if year is not None:
        srv = _served(year)
        joined = joined.outerjoin(srv, srv.c.iin == att.c.iin)
        served = srv.c.iin.is_not(None)
        if only_unserved:
            cond = and_(cond, srv.c.iin.is_(None))
    return select(att.c.clinic_id, att.c.iin, served.label("served")).select_from(joined).where(cond)


def _people(
    session: Session, day: date, provider_ids: Sequence[str] | None, *, year: int | None, only_unserved: bool = False
) -> list[tuple[str, str, bool]]:
    """``(provider_id, iin, served in year)`` of the people attached on ``day``: one read (the
    insured status needs their IINs). ``year`` None: served is False (not asked)."""
    stmt = _people_query(day, provider_ids, year=year, only_unserved=only_unserved)
    return [(c, i, bool(s)) for c, i, s in session.execute(stmt)]


def _uninsured(
    session: Session,
    book: Rulebook,
    day: date,
    provider_ids: Sequence[str] | None,
    people: Iterable[tuple[str, str, bool]],
    *,
    year: int | None = None,
    only_unserved: bool = False,
) -> set[str]:
    """The IINs of ``people`` not insured on ``day``: the population's insured status read by
    ``coverage.service.insured_among`` from the same SELECT of the attached people (no list of IINs
    bound, two statements for the whole population)."""
    population = _people_query(day, provider_ids, year=year, only_unserved=only_unserved).subquery("pop")
    insured = insured_among(session, select(population.c.iin), day, book)
    return {iin for _, iin, _ in people if iin not in insured}


# --------------------------------------------------------------------------------------------
# The computation


@dataclass
class _Rate:
    """A provider's rate in a month (before reductions)."""

    attached: int
    by_band: tuple[BandCount, ...]
    sex_age: Decimal
    base: Decimal
    corrections: dict[str, Decimal]
    rate: Decimal
    entries: list[Entry]


def _provider_rate(
    topic: PaymentsTopic, provider_id: str, region: str, month: Month, counts: Counter[tuple[str, int]]
) -> _Rate:
    day = month.first_day
    entries: list[Entry] = []
    base_entry = topic.capitation_rate(provider_id, day) or topic.capitation_rate(region, day)
    if base_entry is None:
        raise PerCapitaError(
            "no_base_rate",
            f"The rulebook has no per-capita base rate of {region} (or of {provider_id}) on {day.isoformat()}.",
        )
    entries.append(base_entry)
    table = topic.sex_age(day)
    bands: list[BandCount] = []
    total = Decimal(0)
    attached = 0
    used: list[Entry] = []
    for sex in ("M", "F"):
        for index, (age_from, _) in enumerate(AGE_BANDS):
            people = counts.get((sex, index), 0)
            coef = table.get((sex, age_from))
            if people and coef is None:
                raise PerCapitaError(
                    "no_sex_age",
                    f"The rulebook has no sex-age coefficient of {sex} {BAND_NAMES[index]} on {day.isoformat()}.",
                )
            bands.append(BandCount(BAND_NAMES[index], sex, people, None if coef is None else coef.coefficient))
            if people and coef is not None:
                total += coef.coefficient * people
                attached += people
                used.append(coef)
    entries.extend(used)
    sex_age = (total / attached).quantize(FOUR, rounding="ROUND_HALF_UP") if attached else Decimal("0.0000")
    found = topic.corrections(region, day)
    found.update(topic.corrections(provider_id, day))
    corrections: dict[str, Decimal] = {}
    product = Fraction(1)
    for factor in CORRECTION_FACTORS:
        entry = found.get(factor)
        value = entry.coefficient if entry is not None else Decimal(1)
        corrections[factor] = value
        product *= Fraction(value)
        if entry is not None:
            entries.append(entry)
    rate = _round2(Fraction(base_entry.rate) * Fraction(sex_age) * product)
    return _Rate(attached, tuple(bands), sex_age, base_entry.rate, corrections, rate, entries)


def _register(session: Session, provider_ids: Sequence[str] | None) -> dict[str, tuple[str, str]]:
    """provider_id → (kind, region) of the register (only PHC ones when ``provider_ids`` is None)."""
    reg = providers.providers().subquery("reg")
    stmt = select(reg.c.provider_id, reg.c.kind, reg.c.region)
    stmt = (
        stmt.where(reg.c.provider_id.in_(list(provider_ids)))
        if provider_ids is not None
        else stmt.where(reg.c.kind == "phc")
    )
    return {p: (k, r) for p, k, r in session.execute(stmt)}


def _parse_month(month: Month | str | date) -> Month:
    if isinstance(month, Month):
        return month
    if isinstance(month, date):
        return Month.of(month)
    try:
        return Month.parse(month)
    except ValueError:
        raise PerCapitaError("bad_month", f"The month must be YYYY-MM, got {month!r}.") from None


def _compute(
    session: Session, book: Rulebook, month: Month, provider_ids: Sequence[str] | None, today: date
) -> list[PerCapita]:
    topic = book.topic(PaymentsTopic)
    day = month.first_day
    register = _register(session, provider_ids)
    if provider_ids is not None:
        for pid in provider_ids:
            if pid not in register:
                raise PerCapitaError("unknown_provider", f"No provider {pid} in the register.")
            if register[pid][0] != "phc":
                raise PerCapitaError("not_phc", f"{pid} is not a PHC provider: no one is attached to it.")
    ids = sorted(register)
    scope = provider_ids  # None: every provider (no IN list of thousands)
    population = _population(session, day, scope)
    rates = {pid: _provider_rate(topic, pid, register[pid][1], month, population.get(pid, Counter())) for pid in ids}

    uninsured_rule = topic.share("per_capita_uninsured_share", day)
    unserved_rule = topic.share("per_capita_no_service_share", day)
    december = month.month == 12
    uninsured: set[str] = set()
    people: list[tuple[str, str, bool]] = []
    if uninsured_rule is not None or unserved_rule is not None:
        people = _people(session, day, scope, year=month.year if unserved_rule is not None else None)
        if uninsured_rule is not None:
            uninsured = _uninsured(session, book, day, scope, people)

    # December: the year's earlier months, for the people with no service in the year.
    earlier: dict[str, tuple[Fraction, set[str]]] = {}
    earlier_entries: dict[str, list[Entry]] = {}
    if december and unserved_rule is not None:
        for m in range(1, 12):
            past = Month(month.year, m)
            past_day = past.first_day
            past_unserved = topic.share("per_capita_no_service_share", past_day)
            if past_unserved is None:
                continue
            past_uninsured = topic.share("per_capita_uninsured_share", past_day)
            rows = [
                x for x in _people(session, past_day, scope, year=month.year, only_unserved=True) if x[0] in register
            ]
            if not rows:
                continue
            past_population = _population(session, past_day, scope)
            missing = (
                _uninsured(session, book, past_day, scope, rows, year=month.year, only_unserved=True)
                if past_uninsured is not None
                else set()
            )
            by_provider: dict[str, list[str]] = {}
            for pid, iin, _ in rows:
                by_provider.setdefault(pid, []).append(iin)
            for pid, iins in by_provider.items():
                past_rate = _provider_rate(topic, pid, register[pid][1], past, past_population.get(pid, Counter()))
                total, persons = earlier.get(pid, (Fraction(0), set()))
                for iin in iins:
                    paid = past_uninsured.share if (past_uninsured is not None and iin in missing) else Fraction(1)
                    total += Fraction(past_rate.rate) * max(paid - past_unserved.share, Fraction(0))
                    persons.add(iin)
                earlier[pid] = (total, persons)
                earlier_entries.setdefault(pid, []).extend([past_unserved, *past_rate.entries[:1]])
                if past_uninsured is not None:
                    earlier_entries[pid].append(past_uninsured)

    by_provider_people: dict[str, list[tuple[str, bool]]] = {}
    for pid, iin, served in people:
        by_provider_people.setdefault(pid, []).append((iin, served))

    answers: list[PerCapita] = []
    for pid in ids:
        r = rates[pid]
        rate = Fraction(r.rate)
        gross = r.rate * r.attached
        reductions: list[Reduction] = []
        entries = list(r.entries)
        mine = by_provider_people.get(pid, [])
        notes: list[str] = []
        if uninsured_rule is not None:
            count = sum(1 for iin, _ in mine if iin in uninsured)
            amount = _round2(rate * count * (1 - uninsured_rule.share))
            reductions.append(Reduction("uninsured", count, amount, "applied", _share(uninsured_rule.share)))
            entries.append(uninsured_rule)
        if unserved_rule is not None:
            unserved = [(iin, iin in uninsured) for iin, served in mine if not served]
            if december:
                owed = Fraction(0)
                for _, not_insured in unserved:
                    paid = uninsured_rule.share if (uninsured_rule is not None and not_insured) else Fraction(1)
                    owed += rate * max(paid - unserved_rule.share, Fraction(0))
                reductions.append(
                    Reduction("no_service_year", len(unserved), _round2(owed), "applied", _share(unserved_rule.share))
                )
                total, persons = earlier.get(pid, (Fraction(0), set()))
                reductions.append(
                    Reduction(
                        "no_service_year_earlier", len(persons), _round2(total), "applied", _share(unserved_rule.share)
                    )
                )
                entries.extend(earlier_entries.get(pid, []))
            else:
                reductions.append(
                    Reduction(
                        "no_service_year",
                        len(unserved),
                        Decimal("0.00"),
                        "pending_december",
                        _share(unserved_rule.share),
                    )
                )
                notes.append("no_service_year: counted, settled in December")
            entries.append(unserved_rule)
        reductions.append(Reduction("excess_norm", 0, Decimal("0.00"), "not_applied"))
        notes.append("excess_norm: not applied: formula not obtained")
        taken = sum((x.amount for x in reductions), Decimal("0.00"))
        amount = gross - taken
        uncovered = Decimal("0.00")
        if amount < 0:
            uncovered, amount = -amount, Decimal("0.00")
        unique: dict[str, Entry] = {}
        for entry in entries:
            unique.setdefault(entry.id, entry)
        answers.append(
            PerCapita(
                provider_id=pid,
                month=month,
                region=register[pid][1],
                attached=r.attached,
                by_band=r.by_band,
                sex_age_coefficient=r.sex_age,
                base_rate=r.base,
                corrections=r.corrections,
                rate=r.rate,
                gross=gross,
                reductions=tuple(reductions),
                amount=amount,
                uncovered=uncovered,
                rules=tuple(unique),
                rulebook=book.name,
                verified=all(e.verified for e in unique.values()),
                synthetic=any(is_synthetic(e) for e in unique.values()),
                counted_on=day,
                insured_on=day if uninsured_rule is not None else None,
                computed_on=today,
                notes=tuple(notes),
            )
        )
    return answers


def _share(value: Fraction) -> str:
    return format_share(value)


def per_capita(
    session: Session, book: Rulebook, provider_id: str, month: Month | str | date, *, today: date | None = None
) -> PerCapita:
    """Per capita of one PHC provider in ``month`` (see the module's docstring for the readings)."""
    found = _compute(session, book, _parse_month(month), [provider_id], today or fund_today())
    return found[0]


def per_capita_all(
    session: Session, book: Rulebook, month: Month | str | date, *, today: date | None = None
) -> list[PerCapita]:
    """Per capita of every PHC provider of the register in ``month``, by provider id."""
    return _compute(session, book, _parse_month(month), None, today or fund_today())


def read_per_capita(
    session: Session,
    principal: Principal,
    provider_id: str,
    month: Month | str | date,
    *,
    book: Rulebook,
    channel: str,
    resource: str | None = None,
    today: date | None = None,
) -> PerCapita:
    """``per_capita`` for a login: operators and auditors any provider, a provider's login its own
    (``PER_CAPITA_READ``; refused and logged otherwise); the read is audited (no person's data)."""
    where = resource or f"payments/{provider_id}/per-capita"
    authorize(session, principal, PER_CAPITA_READ, provider_id, channel=channel, resource=where)
    answer = per_capita(session, book, provider_id, month, today=today)
    audit.record(
        session, principal, channel=channel, action="payments.per_capita.read", resource=where, detail=str(answer.month)
    )
    return answer
