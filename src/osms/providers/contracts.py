"""The fund's contracts with providers (docs/providers.md, "Contracts"): creating them by hand, from
a procurement's placements or from a file (``contracts_import``), additional agreements
(amendments) with their history, termination, and the reads for a login.

A contract holds its parties (the fund and a provider of the register), its term (at most the
rulebook's ``procurement.contract_max_years``), its ground (a procurement's placement or a ground of
ҚР ДСМ-242/2020 п.19 for placing volumes without selection), the care types with volume and sum by
month, indicators, advance terms and place of service. A total is spread over the term's months
evenly by the largest remainder (``spread``). Every check runs before anything is written; nothing
here commits the caller's session.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any, Final, Protocol

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from osms.core import authz
from osms.core.errors import InvalidInput, NotFound, OsmsError
from osms.core.i18n import N_
from osms.core.money import CENT, format_money
from osms.core.security import Principal
from osms.providers import service
from osms.providers.access import CONTRACT_READ
from osms.providers.models import (
    Contract,
    ContractAmendment,
    ContractIndicator,
    ContractMonth,
    Provider,
    ProviderContractHistory,
)
from osms.providers.rulebook import ProvidersTopic
from osms.providers.vocabulary import CARE_TYPE_CODES, CONTRACT_GROUNDS, TERMINATIONS
from osms.registry.regions import regions
from osms.rulebooks.loader import Rulebook

#: The fund as a party of every contract (its regional branch may be named instead).
FUND_PARTY: Final = "Social Health Insurance Fund (ӘМСҚ / ФСМС)"
#: The largest volume of a care type and the largest sum (below the calculators' 10**12).
MAX_VOLUME: Final = 999_999_999
MAX_SUM: Final = Decimal(10**12)
#: The largest page of ``list_contracts``.
MAX_LIMIT: Final = 1000

CONTRACT_ID = re.compile(r"[A-Za-z0-9._/-]{1,64}", re.ASCII).fullmatch
INDICATOR = re.compile(r"[a-z][a-z0-9_]{0,63}", re.ASCII).fullmatch

#: Every reason a contract, an amendment or a termination is refused for (kk/ru in the catalogs).
REASONS: Final = {
    "bad_contract_id": N_("contract_id may hold only letters, digits, '-', '_', '.' and '/', up to 64"),
    "unknown_provider": N_("the provider is not in the register (import providers first)"),
    "unknown_care_type": N_("unknown care type"),
    "duplicate_care_type": N_("the same care type is given twice"),
    "no_care_types": N_("a contract needs at least one care type"),
    "bad_volume": N_("a volume must be a whole number, 0 or more"),
    "bad_amount": N_("the amount must be tenge with at most 2 decimals, 0 or more"),
    "bad_term": N_("the contract's term ends before it starts"),
    "term_over_max": N_("the contract's term is longer than the rulebook allows"),
    "unknown_ground": N_("unknown ground of the contract"),
    "ground_mismatch": N_("the ground procurement needs the procurement's id, and only it"),
    "bad_advance": N_("the advance is a whole percentage from 0 to 100"),
    "bad_indicator": N_("an indicator is a lower-case code with a target of at most 200 characters"),
    "contract_exists": N_("a contract with this id exists already; changes are additional agreements"),
    "contract_in_history": N_("a contract with this id is in the register's contract history"),
    "over_placed_volume": N_("the contract's volume or sum is over what the procurement placed with the provider"),
    "not_placed": N_("the procurement placed no volume of this care type with the provider"),
    "no_placements": N_("there are no placements to make contracts from"),
    "unknown_contract": N_("no such contract"),
    "contract_terminated": N_("the contract is terminated: it can no longer be amended or terminated"),
    "amendment_number": N_("additional agreements are numbered 1, 2, ... in order"),
    "amendment_date": N_("an additional agreement is dated within the term, not before the contract or the one before"),
    "month_outside_term": N_("the month is outside the contract's term"),
    "empty_amendment": N_("the additional agreement changes nothing"),
    "bad_termination": N_("termination must be nonperformance, provider_initiative or agreement"),
    "termination_before_start": N_("the termination is dated before the contract starts"),
    "termination_after_end": N_("the termination is dated after the contract ends"),
    "inconsistent_contract": N_("the rows of one contract name different providers, terms or grounds"),
    "unknown_region": N_("unknown region code"),
}


def refuse(code: str, message: str, status: int = 422) -> OsmsError:
    """The refusal with ``code`` (one of ``REASONS``)."""
    return OsmsError(message, code=code, status=status) if status != 422 else InvalidInput(message, code=code)


# --------------------------------------------------------------------------------------------
# Months and spreading


def months_of(valid_from: date, valid_to: date) -> list[date]:
    """The first days of the months of a term, from ``valid_from``'s month to ``valid_to``'s (a
    month the term touches counts)."""
    months = []
    year, month = valid_from.year, valid_from.month
    while (year, month) <= (valid_to.year, valid_to.month):
        months.append(date(year, month, 1))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


def spread(total: int, parts: int) -> list[int]:
    """``total`` in ``parts`` whole parts as even as can be, by the largest remainder: each part
    gets ``total // parts`` and the units left go one each to the first parts (all remainders are
    equal, so the earlier months come first). 1,000 over 12: 84 × 4 then 83 × 8."""
    base, left = divmod(total, parts)
    return [base + 1 if i < left else base for i in range(parts)]


def spread_money(total: Decimal, parts: int) -> list[Decimal]:
    """A sum in tenge spread like ``spread`` in whole tiyn: 1,000,000.00 over 12 is 83,333.34 × 4
    then 83,333.33 × 8."""
    return [Decimal(t) * CENT for t in spread(int(total / CENT), parts)]


def max_end(book: Rulebook, valid_from: date) -> tuple[date | None, str | None]:
    """The last day a contract starting on ``valid_from`` may run to, and the rule's id (None: no limit)."""
    rule = book.topic(ProvidersTopic).contract_max_years(valid_from)
    if rule is None:
        return None, None
    years = int(rule.value)
    try:
        same_day = valid_from.replace(year=valid_from.year + years)
    except ValueError:  # 29 February
        same_day = date(valid_from.year + years, 3, 1)
    return same_day - timedelta(days=1), rule.id


def check_term(book: Rulebook, valid_from: date, valid_to: date) -> None:
    """Refuse a term that ends before it starts (``bad_term``) or runs longer than the rulebook's
    ``contract_max_years`` from its start (``term_over_max``): 3 years from 2027-01-01 end on 2029-12-31."""
    if valid_to < valid_from:
        raise refuse("bad_term", f"the term ends on {valid_to} before it starts on {valid_from}")
    last, rule = max_end(book, valid_from)
    if last is not None and valid_to > last:
        raise refuse(
            "term_over_max", f"a contract starting on {valid_from} may run to {last} at most ({rule}), not {valid_to}"
        )


# --------------------------------------------------------------------------------------------
# What a contract is made of


@dataclass(frozen=True, slots=True)
class CareLine:
    """A care type of a contract with its volume and sum over the whole term."""

    care_type: str
    volume: int
    sum: Decimal


@dataclass(frozen=True, slots=True)
class MonthFigure:
    """The volume and sum of a care type in a month (``month``: its first day)."""

    care_type: str
    month: date
    volume: int
    sum: Decimal

    def as_dict(self) -> dict[str, Any]:
        return {
            "care_type": self.care_type,
            "month": self.month.isoformat()[:7],
            "volume": self.volume,
            "sum": format_money(self.sum),
        }


@dataclass(frozen=True, slots=True)
class ContractDraft:
    """A contract to create. ``place_of_service`` None: the provider's settlement."""

    contract_id: str
    provider_id: str
    valid_from: date
    valid_to: date
    signed_on: date
    lines: tuple[CareLine, ...]
    ground: str
    procurement_id: str | None = None
    ground_note: str | None = None
    indicators: tuple[tuple[str, str], ...] = ()
    advance_percent: int = 0
    place_of_service: str | None = None
    fund_party: str = FUND_PARTY


class PlacementLike(Protocol):
    """A placement of a procurement's stage 2 (the procurement workflow's rows)."""

    @property
    def care_type(self) -> str: ...
    @property
    def region(self) -> str: ...
    @property
    def provider_id(self) -> str: ...
    @property
    def volume(self) -> int: ...
    @property
    def sum(self) -> Decimal: ...
    @property
    def procurement_id(self) -> str: ...


@dataclass(frozen=True, slots=True)
class AmendmentRecord:
    number: int
    signed_on: date
    note: str | None
    changes: dict[str, Any]

    def as_dict(self) -> dict[str, Any]:
        return {"number": self.number, "signed_on": self.signed_on.isoformat(), "note": self.note, **self.changes}


@dataclass(frozen=True, slots=True)
class ContractView:
    """A contract as it stands, with its months, indicators and additional agreements."""

    contract_id: str
    provider_id: str
    provider_name: str
    region: str
    fund_party: str
    valid_from: date
    valid_to: date
    signed_on: date
    ground: str
    procurement_id: str | None
    ground_note: str | None
    advance_percent: int
    place_of_service: str
    terminated_on: date | None
    termination: str | None
    termination_note: str | None
    months: tuple[MonthFigure, ...]
    indicators: tuple[tuple[str, str], ...] = ()
    amendments: tuple[AmendmentRecord, ...] = field(default=())

    def totals(self) -> list[CareLine]:
        """Each care type's volume and sum over the term, in the catalogue's order."""
        volume: dict[str, int] = defaultdict(int)
        money: dict[str, Decimal] = defaultdict(Decimal)
        for m in self.months:
            volume[m.care_type] += m.volume
            money[m.care_type] += m.sum
        return [CareLine(c, volume[c], money[c]) for c in CARE_TYPE_CODES if c in volume]

    def status(self, on: date) -> str:
        """``terminated`` (on or after its termination), ``not_started``, ``in_force`` or ``expired`` on ``on``."""
        if self.terminated_on is not None and on >= self.terminated_on:
            return "terminated"
        if on < self.valid_from:
            return "not_started"
        return "in_force" if on <= self.valid_to else "expired"

    def summary(self, on: date) -> dict[str, Any]:
        return {
            "contract_id": self.contract_id,
            "provider_id": self.provider_id,
            "provider_name": self.provider_name,
            "region": self.region,
            "valid_from": self.valid_from.isoformat(),
            "valid_to": self.valid_to.isoformat(),
            "signed_on": self.signed_on.isoformat(),
            "ground": self.ground,
            "procurement_id": self.procurement_id,
            "status": self.status(on),
            "terminated_on": None if self.terminated_on is None else self.terminated_on.isoformat(),
            "termination": self.termination,
            "care_types": [
                {"care_type": t.care_type, "volume": t.volume, "sum": format_money(t.sum)} for t in self.totals()
            ],
        }

    def as_dict(self, on: date) -> dict[str, Any]:
        return {
            **self.summary(on),
            "fund_party": self.fund_party,
            "ground_note": self.ground_note,
            "advance_percent": self.advance_percent,
            "place_of_service": self.place_of_service,
            "termination_note": self.termination_note,
            "indicators": [{"indicator": i, "target": t} for i, t in self.indicators],
            "months": [m.as_dict() for m in self.months],
            "amendments": [a.as_dict() for a in self.amendments],
        }


# --------------------------------------------------------------------------------------------
# Checks


def _check_money(value: Decimal, what: str) -> None:
    if value != value.quantize(CENT) or value < 0 or value >= MAX_SUM:
        raise refuse("bad_amount", f"{what}: {value} is not tenge 0..999,999,999,999.99 with at most 2 decimals")


def _check_volume(value: int, what: str) -> None:
    if not 0 <= value <= MAX_VOLUME:
        raise refuse("bad_volume", f"{what}: {value} is not a whole number 0..{MAX_VOLUME}")


def _check_care_type(care_type: str) -> None:
    if care_type not in CARE_TYPE_CODES:
        raise refuse("unknown_care_type", f"{care_type!r} is not a care type of the catalogue")


def _check_indicators(indicators: Iterable[tuple[str, str]]) -> None:
    for code, target in indicators:
        if not INDICATOR(code) or not target.strip() or len(target) > 200:
            raise refuse(
                "bad_indicator", f"indicator {code[:70]!r}: a lower-case code and a target of 1..200 characters"
            )


def check_ground(ground: str, procurement_id: str | None) -> None:
    """A known ground; ``procurement`` with the procurement's id, the others without."""
    if ground not in CONTRACT_GROUNDS:
        raise refuse("unknown_ground", f"ground {ground[:40]!r} is not one of {', '.join(CONTRACT_GROUNDS)}")
    if (ground == "procurement") != bool(procurement_id):
        raise refuse("ground_mismatch", "the ground procurement needs --procurement ID, and no other ground takes one")


def check_new_id(session: Session, contract_id: str) -> None:
    """The id is well formed and new: not a contract (409 ``contract_exists``) nor in the register's
    history (409 ``contract_in_history``)."""
    if not CONTRACT_ID(contract_id):
        raise refuse(
            "bad_contract_id", f"contract_id {contract_id[:70]!r}: letters, digits, '-', '_', '.', '/' (1..64)"
        )
    if session.get(Contract, contract_id) is not None:
        raise refuse("contract_exists", f"contract {contract_id} exists; change it by an additional agreement", 409)
    if session.get(ProviderContractHistory, contract_id) is not None:
        raise refuse("contract_in_history", f"contract {contract_id} is in the register's contract history", 409)


def check_draft(session: Session, book: Rulebook, draft: ContractDraft) -> service.ProviderRecord:
    """Every check of a new contract, in the order of ``REASONS``; the provider's register entry."""
    check_new_id(session, draft.contract_id)
    provider = service.find_provider(session, draft.provider_id)
    if provider is None:
        raise refuse("unknown_provider", f"no provider {draft.provider_id!r} in the register")
    if not draft.lines:
        raise refuse("no_care_types", "give at least one care type with its volume and sum")
    seen: set[str] = set()
    for line in draft.lines:
        _check_care_type(line.care_type)
        if line.care_type in seen:
            raise refuse("duplicate_care_type", f"care type {line.care_type} is given twice")
        seen.add(line.care_type)
        _check_volume(line.volume, f"volume of {line.care_type}")
        _check_money(line.sum, f"sum of {line.care_type}")
    check_term(book, draft.valid_from, draft.valid_to)
    check_ground(draft.ground, draft.procurement_id)
    if not 0 <= draft.advance_percent <= 100:
        raise refuse("bad_advance", f"advance {draft.advance_percent}% is not 0..100")
    _check_indicators(draft.indicators)
    return provider


def check_within_placements(draft: ContractDraft, placements: Sequence[PlacementLike]) -> None:
    """A contract of a procurement takes at most what the procurement placed with the provider, per
    care type (all regions together): 422 ``not_placed`` or ``over_placed_volume``."""
    placed_volume: dict[str, int] = defaultdict(int)
    placed_sum: dict[str, Decimal] = defaultdict(Decimal)
    for p in placements:
        if p.provider_id == draft.provider_id and p.procurement_id == draft.procurement_id:
            placed_volume[p.care_type] += p.volume
            placed_sum[p.care_type] += p.sum
    for line in draft.lines:
        if line.care_type not in placed_volume:
            raise refuse(
                "not_placed", f"procurement {draft.procurement_id} placed no {line.care_type} with {draft.provider_id}"
            )
        volume, money = placed_volume[line.care_type], placed_sum[line.care_type]
        if line.volume > volume or line.sum > money:
            raise refuse(
                "over_placed_volume",
                f"{line.care_type}: {line.volume} units for {format_money(line.sum)} tenge is over the "
                f"{volume} units for {format_money(money)} tenge placed with {draft.provider_id}",
            )


# --------------------------------------------------------------------------------------------
# Writing


def _write(session: Session, draft: ContractDraft, provider: service.ProviderRecord, created_by: str) -> None:
    months = months_of(draft.valid_from, draft.valid_to)
    session.add(
        Contract(
            contract_id=draft.contract_id,
            provider_id=provider.provider_id,
            fund_party=draft.fund_party,
            valid_from=draft.valid_from,
            valid_to=draft.valid_to,
            signed_on=draft.signed_on,
            ground=draft.ground,
            procurement_id=draft.procurement_id,
            ground_note=draft.ground_note,
            advance_percent=draft.advance_percent,
            place_of_service=draft.place_of_service or provider.settlement,
            created_by=created_by[:64],
        )
    )
    session.flush()
    for line in draft.lines:
        volumes, sums = spread(line.volume, len(months)), spread_money(line.sum, len(months))
        session.add_all(
            ContractMonth(contract_id=draft.contract_id, care_type=line.care_type, month=m, volume=v, sum=s)
            for m, v, s in zip(months, volumes, sums, strict=True)
        )
    session.add_all(
        ContractIndicator(contract_id=draft.contract_id, indicator=code, target=target.strip())
        for code, target in draft.indicators
    )
    session.flush()


def create(
    session: Session,
    book: Rulebook,
    draft: ContractDraft,
    *,
    created_by: str,
    placements: Sequence[PlacementLike] | None = None,
) -> ContractView:
    """Create a contract after every check (``check_draft``; with ``placements``, also that it takes
    no more than the procurement placed); its months spread evenly (``spread``)."""
    provider = check_draft(session, book, draft)
    if placements is not None:
        if draft.ground != "procurement":
            raise refuse("ground_mismatch", "a contract made from placements has the ground procurement")
        check_within_placements(draft, placements)
    _write(session, draft, provider, created_by)
    return get_contract(session, draft.contract_id)


def create_from_placements(
    session: Session,
    book: Rulebook,
    placements: Sequence[PlacementLike],
    *,
    valid_from: date,
    valid_to: date,
    signed_on: date,
    created_by: str,
    negotiated: Mapping[tuple[str, str], tuple[int, Decimal]] | None = None,
    advance_percent: int = 0,
    indicators: tuple[tuple[str, str], ...] = (),
) -> list[ContractView]:
    """One contract per provider and procurement from a procurement's placements, its id
    ``PROCUREMENT/PROVIDER``, each care type with the volume and sum placed (all regions together)
    or a smaller volume and sum agreed in negotiation (``negotiated[(provider_id, care_type)]``);
    more than placed is refused (``over_placed_volume``). All are checked before any is written."""
    if not placements:
        raise refuse("no_placements", "there are no placements to make contracts from")
    grouped: dict[tuple[str, str], dict[str, list[int | Decimal]]] = defaultdict(dict)
    for p in placements:
        if p.volume == 0 and p.sum == 0:
            continue
        totals = grouped[(p.procurement_id, p.provider_id)].setdefault(p.care_type, [0, Decimal("0.00")])
        totals[0] += p.volume
        totals[1] += p.sum
    drafts = []
    for (procurement_id, provider_id), care in sorted(grouped.items()):
        lines = []
        for care_type in sorted(care, key=lambda c: CARE_TYPE_CODES.index(c) if c in CARE_TYPE_CODES else -1):
            volume, money = (negotiated or {}).get((provider_id, care_type), (care[care_type][0], care[care_type][1]))
            lines.append(CareLine(care_type, int(volume), Decimal(money)))
        drafts.append(
            ContractDraft(
                contract_id=f"{procurement_id}/{provider_id}",
                provider_id=provider_id,
                valid_from=valid_from,
                valid_to=valid_to,
                signed_on=signed_on,
                lines=tuple(lines),
                ground="procurement",
                procurement_id=procurement_id,
                indicators=indicators,
                advance_percent=advance_percent,
            )
        )
    providers = []
    for draft in drafts:
        providers.append(check_draft(session, book, draft))
        check_within_placements(draft, placements)
    for draft, provider in zip(drafts, providers, strict=True):
        _write(session, draft, provider, created_by)
    return [get_contract(session, d.contract_id) for d in drafts]


# --------------------------------------------------------------------------------------------
# Additional agreements and termination


@dataclass(frozen=True, slots=True)
class CareChange:
    """A care type's new volume and sum for the months from ``from_month`` to the term's end, spread
    evenly over them (the months before keep theirs)."""

    care_type: str
    volume: int
    sum: Decimal
    from_month: date


@dataclass(frozen=True, slots=True)
class AmendmentDraft:
    """An additional agreement: its date, number (None: the next), a new end of the term, new
    figures by month or new totals from a month, indicators set."""

    signed_on: date
    number: int | None = None
    valid_to: date | None = None
    months: tuple[MonthFigure, ...] = ()
    totals: tuple[CareChange, ...] = ()
    indicators: tuple[tuple[str, str], ...] = ()
    note: str | None = None


def _contract_row(session: Session, contract_id: str) -> Contract:
    row = session.get(Contract, contract_id.strip(), with_for_update=True)
    if row is None:
        raise NotFound(f"no contract {contract_id.strip()!r}", code="unknown_contract")
    if row.termination is not None:
        raise refuse("contract_terminated", f"contract {row.contract_id} was terminated on {row.terminated_on}", 409)
    return row


def _check_amendment_header(session: Session, row: Contract, draft: AmendmentDraft) -> int:
    last = session.execute(
        select(func.max(ContractAmendment.number), func.max(ContractAmendment.signed_on)).where(
            ContractAmendment.contract_id == row.contract_id
        )
    ).one()
    expected = (last[0] or 0) + 1
    if draft.number is not None and draft.number != expected:
        raise refuse("amendment_number", f"the next additional agreement of {row.contract_id} is № {expected}", 409)
    earliest = max(row.signed_on, last[1] or row.signed_on)
    if draft.signed_on < earliest or draft.signed_on > row.valid_to:
        raise refuse(
            "amendment_date", f"an additional agreement of {row.contract_id} is dated {earliest}..{row.valid_to}"
        )
    if not (draft.valid_to or draft.months or draft.totals or draft.indicators):
        raise refuse("empty_amendment", "the additional agreement changes nothing")
    return expected


def amend(
    session: Session, book: Rulebook, contract_id: str, draft: AmendmentDraft, *, created_by: str
) -> ContractView:
    """Record an additional agreement and apply it: a new end of the term (months after it are
    dropped, new ones added at 0; the term at most the rulebook's), new totals from a month, new
    figures of single months, indicators set. Every changed figure is kept before and after in the
    agreement's ``changes``."""
    row = _contract_row(session, contract_id)
    number = _check_amendment_header(session, row, draft)
    current = {
        (m.care_type, m.month): (m.volume, m.sum)
        for m in session.scalars(select(ContractMonth).where(ContractMonth.contract_id == row.contract_id))
    }
    figures = dict(current)
    valid_to = draft.valid_to or row.valid_to
    if draft.valid_to is not None:
        check_term(book, row.valid_from, draft.valid_to)
        if draft.valid_to < draft.signed_on:
            raise refuse("bad_term", f"the new end {draft.valid_to} is before the agreement's date {draft.signed_on}")
    months = months_of(row.valid_from, valid_to)
    care_types = {c for c, _ in figures}
    figures = {k: v for k, v in figures.items() if k[1] in months}
    for care_type in care_types:
        for m in months:
            figures.setdefault((care_type, m), (0, Decimal("0.00")))
    for change in draft.totals:
        _check_care_type(change.care_type)
        _check_volume(change.volume, f"volume of {change.care_type}")
        _check_money(change.sum, f"sum of {change.care_type}")
        start = change.from_month.replace(day=1)
        if start not in months:
            raise refuse("month_outside_term", f"{start.isoformat()[:7]} is outside {row.valid_from}..{valid_to}")
        rest = [m for m in months if m >= start]
        for m in months:
            figures.setdefault((change.care_type, m), (0, Decimal("0.00")))
        for m, v, s in zip(rest, spread(change.volume, len(rest)), spread_money(change.sum, len(rest)), strict=True):
            figures[(change.care_type, m)] = (v, s)
    for figure in draft.months:
        _check_care_type(figure.care_type)
        _check_volume(figure.volume, f"volume of {figure.care_type}")
        _check_money(figure.sum, f"sum of {figure.care_type}")
        month = figure.month.replace(day=1)
        if month not in months:
            raise refuse("month_outside_term", f"{month.isoformat()[:7]} is outside {row.valid_from}..{valid_to}")
        for m in months:
            figures.setdefault((figure.care_type, m), (0, Decimal("0.00")))
        figures[(figure.care_type, month)] = (figure.volume, figure.sum)
    _check_indicators(draft.indicators)
    old_indicators = dict(
        session.execute(
            select(ContractIndicator.indicator, ContractIndicator.target).where(
                ContractIndicator.contract_id == row.contract_id
            )
        ).all()
    )
    changes: dict[str, Any] = {}
    if valid_to != row.valid_to:
        changes["valid_to"] = {"before": row.valid_to.isoformat(), "after": valid_to.isoformat()}
    changed_months = []
    zero = (0, Decimal("0.00"))
    for key in sorted(set(current) | set(figures), key=lambda k: (CARE_TYPE_CODES.index(k[0]), k[1])):
        before, after = current.get(key), figures.get(key)
        if (before or zero) != (after or zero) or (before is None) != (after is None):
            changed_months.append(
                {
                    "care_type": key[0],
                    "month": key[1].isoformat()[:7],
                    "before": None if before is None else {"volume": before[0], "sum": format_money(before[1])},
                    "after": None if after is None else {"volume": after[0], "sum": format_money(after[1])},
                }
            )
    if changed_months:
        changes["months"] = changed_months
    changed_indicators = [
        (code, old_indicators.get(code), target.strip())
        for code, target in draft.indicators
        if old_indicators.get(code) != target.strip()
    ]
    if changed_indicators:
        changes["indicators"] = [{"indicator": c, "before": b, "after": a} for c, b, a in changed_indicators]
    if not changes:
        raise refuse("empty_amendment", "the additional agreement changes nothing")
    session.execute(delete(ContractMonth).where(ContractMonth.contract_id == row.contract_id))
    session.add_all(
        ContractMonth(contract_id=row.contract_id, care_type=c, month=m, volume=v, sum=s)
        for (c, m), (v, s) in sorted(figures.items())
    )
    for code, _, target in changed_indicators:
        found = session.get(ContractIndicator, (row.contract_id, code))
        if found is None:
            session.add(ContractIndicator(contract_id=row.contract_id, indicator=code, target=target))
        else:
            found.target = target
    row.valid_to = valid_to
    session.add(
        ContractAmendment(
            contract_id=row.contract_id,
            number=number,
            signed_on=draft.signed_on,
            note=draft.note,
            changes=json.dumps(changes, ensure_ascii=False, sort_keys=True),
            created_by=created_by[:64],
        )
    )
    session.flush()
    return get_contract(session, row.contract_id)


def terminate(session: Session, contract_id: str, on: date, reason: str, *, note: str | None = None) -> ContractView:
    """Terminate a contract on ``on`` for ``reason`` (nonperformance | provider_initiative |
    agreement). It then counts for the admission's 3-year exclusions like the register's history
    (``queries.contract_history`` holds both). The months stay as agreed."""
    row = _contract_row(session, contract_id)
    if reason not in TERMINATIONS:
        raise refuse("bad_termination", f"termination {reason[:40]!r} is not one of {', '.join(TERMINATIONS)}")
    if on < row.valid_from:
        raise refuse("termination_before_start", f"{on} is before the contract starts on {row.valid_from}")
    if on > row.valid_to:
        raise refuse("termination_after_end", f"{on} is after the contract ends on {row.valid_to}")
    row.terminated_on, row.termination, row.termination_note = on, reason, note
    session.flush()
    return get_contract(session, row.contract_id)


# --------------------------------------------------------------------------------------------
# Reading


def _views(session: Session, rows: Sequence[Contract]) -> list[ContractView]:
    ids = [r.contract_id for r in rows]
    if not ids:
        return []
    register = {
        pid: (name, region)
        for pid, name, region in session.execute(
            select(Provider.provider_id, Provider.name, Provider.region).where(
                Provider.provider_id.in_({r.provider_id for r in rows})
            )
        ).all()
    }
    months: dict[str, list[MonthFigure]] = defaultdict(list)
    for m in session.scalars(select(ContractMonth).where(ContractMonth.contract_id.in_(ids))):
        months[m.contract_id].append(MonthFigure(m.care_type, m.month, m.volume, m.sum))
    indicators: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for i in session.scalars(
        select(ContractIndicator).where(ContractIndicator.contract_id.in_(ids)).order_by(ContractIndicator.indicator)
    ):
        indicators[i.contract_id].append((i.indicator, i.target))
    amendments: dict[str, list[AmendmentRecord]] = defaultdict(list)
    for a in session.scalars(
        select(ContractAmendment).where(ContractAmendment.contract_id.in_(ids)).order_by(ContractAmendment.number)
    ):
        amendments[a.contract_id].append(AmendmentRecord(a.number, a.signed_on, a.note, json.loads(a.changes)))
    order = {c: i for i, c in enumerate(CARE_TYPE_CODES)}
    return [
        ContractView(
            contract_id=r.contract_id,
            provider_id=r.provider_id,
            provider_name=register.get(r.provider_id, ("", ""))[0],
            region=register.get(r.provider_id, ("", ""))[1],
            fund_party=r.fund_party,
            valid_from=r.valid_from,
            valid_to=r.valid_to,
            signed_on=r.signed_on,
            ground=r.ground,
            procurement_id=r.procurement_id,
            ground_note=r.ground_note,
            advance_percent=r.advance_percent,
            place_of_service=r.place_of_service,
            terminated_on=r.terminated_on,
            termination=r.termination,
            termination_note=r.termination_note,
            months=tuple(sorted(months[r.contract_id], key=lambda m: (order.get(m.care_type, 99), m.month))),
            indicators=tuple(indicators[r.contract_id]),
            amendments=tuple(amendments[r.contract_id]),
        )
        for r in rows
    ]


def find_contract(session: Session, contract_id: str) -> ContractView | None:
    row = session.get(Contract, contract_id.strip())
    return None if row is None else _views(session, [row])[0]


def get_contract(session: Session, contract_id: str) -> ContractView:
    found = find_contract(session, contract_id)
    if found is None:
        raise NotFound(f"no contract {contract_id.strip()!r}", code="unknown_contract")
    return found


@dataclass(frozen=True, slots=True)
class ContractPage:
    items: tuple[ContractView, ...]
    total: int
    limit: int
    offset: int

    def as_dict(self, on: date) -> dict[str, Any]:
        following = self.offset + len(self.items)
        return {
            "items": [c.summary(on) for c in self.items],
            "total": self.total,
            "limit": self.limit,
            "offset": self.offset,
            "next_offset": following if following < self.total else None,
        }


def list_contracts(
    session: Session,
    *,
    provider_id: str | None = None,
    care_type: str | None = None,
    limit: int = 100,
    offset: int = 0,
) -> ContractPage:
    """Contracts by id, of one provider and (or) with a care type."""
    if care_type is not None:
        _check_care_type(care_type)
    if not 1 <= limit <= MAX_LIMIT or offset < 0:
        raise InvalidInput(f"limit must be 1..{MAX_LIMIT} and offset 0 or more", code="bad_page")
    conditions = []
    if provider_id is not None:
        conditions.append(Contract.provider_id == provider_id)
    if care_type is not None:
        conditions.append(
            Contract.contract_id.in_(select(ContractMonth.contract_id).where(ContractMonth.care_type == care_type))
        )
    total = session.scalar(select(func.count()).select_from(Contract).where(*conditions)) or 0
    rows = session.scalars(
        select(Contract).where(*conditions).order_by(Contract.contract_id).limit(limit).offset(offset)
    ).all()
    return ContractPage(tuple(_views(session, rows)), int(total), limit, offset)


def read_contract(session: Session, principal: Principal, contract_id: str, *, channel: str) -> ContractView:
    """A contract for a login that may read its provider's contracts (``contract:read``): operators
    and auditors any, a provider's login its own. A login that may not read every contract is
    refused an unknown id the same way as another provider's (nothing tells it which ids exist)."""
    found = find_contract(session, contract_id)
    if found is None and principal.role in authz.anyone(CONTRACT_READ):
        raise NotFound(f"no contract {contract_id.strip()!r}", code="unknown_contract")
    authz.authorize(
        session,
        principal,
        CONTRACT_READ,
        None if found is None else found.provider_id,
        channel=channel,
        resource=f"contract/{contract_id.strip()[:64]}",
    )
    assert found is not None
    return found


def read_contracts(
    session: Session,
    principal: Principal,
    *,
    provider_id: str | None = None,
    care_type: str | None = None,
    limit: int = 100,
    offset: int = 0,
    channel: str,
    resource: str,
) -> ContractPage:
    """The contracts for a login: operators and auditors every one; a provider's login its own."""
    authz.authorize_role(session, principal, CONTRACT_READ, channel=channel, resource=resource)
    if principal.role not in authz.anyone(CONTRACT_READ):
        if provider_id is not None and provider_id != principal.provider_id:
            authz.authorize(session, principal, CONTRACT_READ, provider_id, channel=channel, resource=resource)
        provider_id = principal.provider_id or ""
    return list_contracts(session, provider_id=provider_id, care_type=care_type, limit=limit, offset=offset)


@dataclass(frozen=True, slots=True)
class ContractedProvider:
    """A provider with a contract in force for a care type (the published list)."""

    region: str
    care_type: str
    provider_id: str
    name: str
    settlement: str | None

    def as_dict(self) -> dict[str, str | None]:
        return {
            "region": self.region,
            "care_type": self.care_type,
            "provider_id": self.provider_id,
            "name": self.name,
            "settlement": self.settlement,
        }


def contracted_providers(
    session: Session, on: date, *, region: str | None = None, care_type: str | None = None
) -> list[ContractedProvider]:
    """The published list: providers with a contract in force on ``on`` (started, not ended, not
    terminated on or before ``on``) for a care type with a volume or a sum, by region, care type
    and provider."""
    if region is not None and region not in regions():
        raise refuse("unknown_region", f"unknown region {region!r}; one of {', '.join(regions())}")
    if care_type is not None:
        _check_care_type(care_type)
    q = (
        select(Provider.region, ContractMonth.care_type, Provider.provider_id, Provider.name, Provider.settlement)
        .join(Contract, Contract.provider_id == Provider.provider_id)
        .join(ContractMonth, ContractMonth.contract_id == Contract.contract_id)
        .where(
            Contract.valid_from <= on,
            Contract.valid_to >= on,
            (Contract.terminated_on.is_(None)) | (Contract.terminated_on > on),
            (ContractMonth.volume > 0) | (ContractMonth.sum > 0),
        )
        .distinct()
    )
    if region is not None:
        q = q.where(Provider.region == region)
    if care_type is not None:
        q = q.where(ContractMonth.care_type == care_type)
    order = {c: i for i, c in enumerate(CARE_TYPE_CODES)}
    found = [ContractedProvider(*r) for r in session.execute(q).all()]
    return sorted(found, key=lambda p: (p.region, order.get(p.care_type, 99), p.provider_id))
