"""Stage 2 of procurement: the plan's volumes and sums placed among the admitted applicants
(docs/providers.md, "Procurement rules"; docs/decisions/0011-distribution-method.md).

Pure: no database, no I/O; the same input gives the same output. For each line of the plan (a care
type in a region, its volume in whole units and its sum in tenge), among the admitted applicants
for it:

1. Each applicant's **bound** is the volume it applied for, or its capacity if that is smaller: no
   one is ever given more.
2. **Preferred applicants first** (any preference code of stage 1): if their bounds fit in the
   plan's volume each gets its bound; otherwise the volume is shared among them.
3. **The others** share what is left the same way.
4. **Sharing** is proportional to the volumes applied for, within the bounds: each gets
   ``volume × applied ÷ total applied``; whoever would get more than its bound gets its bound, and
   the rest is shared again among the others, until no one is over.
5. **Whole units** by the largest remainder: each gets the whole part of its share; the units left
   go one each to the largest fractional parts, equal parts to the smaller provider id.
6. **Sums** follow the volumes: the money of the volume placed is the plan's sum × placed ÷ plan
   volume, rounded to the tiyn (half up, ``core.money``), so that it equals the plan's sum when the
   whole volume is placed; it is split among the placements in proportion to their volumes, in
   whole tiyn by the largest remainder (equal parts to the smaller provider id).
7. Volume no one can take stays **unplaced** (reported with its sum).

Every step is logged for the commission's protocol. The commission may change volumes by hand with a
recorded justification (:func:`adjust`), never over an application or a capacity.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal
from fractions import Fraction
from typing import Any, Final

from osms.core.config import LANGUAGES
from osms.core.errors import InvalidInput
from osms.core.i18n import N_, format_money, gettext
from osms.core.money import round_money

__all__ = [
    "STEP_MESSAGES",
    "Adjustment",
    "AdjustmentRefused",
    "Candidate",
    "Distribution",
    "PlanLine",
    "Placement",
    "Step",
    "adjust",
    "distribute",
]

#: Every step of the log with its sentence (English msgid; ``%(name)s`` parameters).
STEP_MESSAGES: Final[Mapping[str, str]] = {
    "plan": N_("Plan: %(volume)s units for %(sum)s tenge; %(candidates)s admitted applicant(s)."),
    "candidate": N_(
        "Applicant %(provider)s: applied for %(applied)s, capacity %(capacity)s, may be given at most %(bound)s."
    ),
    "preferred_candidate": N_(
        "Preferred applicant %(provider)s: applied for %(applied)s, capacity %(capacity)s, may be given at most "
        "%(bound)s."
    ),
    "in_full": N_("%(group)s: together at most %(bound)s units, within the %(left)s left: each is given its maximum."),
    "shared": N_(
        "%(group)s: together at most %(bound)s units, more than the %(left)s left: shared in proportion to the "
        "volumes applied for."
    ),
    "share": N_("Applicant %(provider)s: share %(share)s, given %(volume)s."),
    "unplaced": N_("%(volume)s units (%(sum)s tenge) could not be placed: the applications do not suffice."),
    "money": N_("%(volume)s units placed for %(sum)s tenge, split in proportion to the volumes."),
    "manual": N_(
        "By the commission's decision applicant %(provider)s is given %(volume)s instead of %(before)s: %(why)s"
    ),
}
_GROUP_WORDS: Final[Mapping[str, str]] = {
    "preferred": N_("Preferred applicants"),
    "others": N_("Other applicants"),
}

TIYN: Final = 100


# --------------------------------------------------------------------------------------------
# Input and output


@dataclass(frozen=True, slots=True)
class PlanLine:
    care_type: str
    region: str
    volume: int
    sum: Decimal

    @property
    def key(self) -> tuple[str, str]:
        return self.care_type, self.region


@dataclass(frozen=True, slots=True)
class Candidate:
    """An admitted application: the volume applied for, the capacity (None: not limited) and
    whether stage 1 gave it a preference."""

    provider_id: str
    care_type: str
    region: str
    applied: int
    capacity: int | None = None
    preferred: bool = False

    @property
    def key(self) -> tuple[str, str]:
        return self.care_type, self.region

    @property
    def bound(self) -> int:
        """The most it may be given: the volume applied for, or the capacity if smaller."""
        return max(0, self.applied if self.capacity is None else min(self.applied, self.capacity))


@dataclass(frozen=True, slots=True)
class Placement:
    care_type: str
    region: str
    provider_id: str
    volume: int
    sum: Decimal
    preferred: bool

    def as_dict(self) -> dict[str, Any]:
        return {
            "care_type": self.care_type,
            "region": self.region,
            "provider_id": self.provider_id,
            "volume": self.volume,
            "sum": f"{self.sum:.2f}",
            "preferred": self.preferred,
        }


@dataclass(frozen=True, slots=True)
class Step:
    """One line of the protocol: what was done for a plan line, with its figures."""

    care_type: str
    region: str
    step: str
    params: Mapping[str, str | int | Decimal] = field(default_factory=dict)

    def message(self) -> dict[str, str]:
        return {lang: gettext(lang, STEP_MESSAGES[self.step], **_words(lang, self.params)) for lang in LANGUAGES}

    def as_dict(self) -> dict[str, Any]:
        return {
            "care_type": self.care_type,
            "region": self.region,
            "step": self.step,
            "params": {k: f"{v:.2f}" if isinstance(v, Decimal) else v for k, v in self.params.items()},
            "message": self.message(),
        }


def _words(lang: str, params: Mapping[str, str | int | Decimal]) -> dict[str, str]:
    out: dict[str, str] = {}
    for name, value in params.items():
        if isinstance(value, Decimal):
            out[name] = format_money(lang, value)
        elif name == "group":
            out[name] = gettext(lang, _GROUP_WORDS[str(value)])
        elif name == "capacity" and value == "":
            out[name] = "—"
        else:
            out[name] = str(value)
    return out


@dataclass(frozen=True, slots=True)
class Unplaced:
    care_type: str
    region: str
    volume: int
    sum: Decimal

    def as_dict(self) -> dict[str, Any]:
        return {"care_type": self.care_type, "region": self.region, "volume": self.volume, "sum": f"{self.sum:.2f}"}


@dataclass(frozen=True, slots=True)
class Adjustment:
    """The commission's change: give ``provider_id`` ``volume`` units of the plan line."""

    care_type: str
    region: str
    provider_id: str
    volume: int


@dataclass(frozen=True, slots=True)
class Distribution:
    """The placements, the volume left unplaced, and the step log."""

    placements: tuple[Placement, ...]
    unplaced: tuple[Unplaced, ...]
    steps: tuple[Step, ...]
    adjustments: tuple[tuple[Adjustment, str], ...] = ()

    def as_dict(self) -> dict[str, Any]:
        return {
            "placements": [p.as_dict() for p in self.placements],
            "unplaced": [u.as_dict() for u in self.unplaced],
            "steps": [s.as_dict() for s in self.steps],
            "adjustments": [
                {
                    "care_type": a.care_type,
                    "region": a.region,
                    "provider_id": a.provider_id,
                    "volume": a.volume,
                    "justification": why,
                }
                for a, why in self.adjustments
            ],
        }


class AdjustmentRefused(InvalidInput):
    """A hand change the rules do not allow (``code`` says which rule)."""

    code = "adjustment_refused"


# --------------------------------------------------------------------------------------------
# The method


def _check(plan: Sequence[PlanLine], candidates: Sequence[Candidate]) -> None:
    keys: set[tuple[str, str]] = set()
    for line in plan:
        if line.volume < 0 or line.sum < 0:
            raise InvalidInput(
                f"plan line {line.care_type}/{line.region}: volume and sum must not be negative", code="negative_volume"
            )
        if line.volume == 0 and line.sum != 0:
            raise InvalidInput(
                f"plan line {line.care_type}/{line.region}: a sum without a volume", code="sum_without_volume"
            )
        if line.key in keys:
            raise InvalidInput(f"plan line {line.care_type}/{line.region} appears twice", code="duplicate_plan_line")
        keys.add(line.key)
    seen: set[tuple[str, str, str]] = set()
    for c in candidates:
        if c.key not in keys:
            raise InvalidInput(
                f"applicant {c.provider_id}: no plan line {c.care_type}/{c.region}", code="candidate_outside_plan"
            )
        if (*c.key, c.provider_id) in seen:
            raise InvalidInput(
                f"applicant {c.provider_id} appears twice for {c.care_type}/{c.region}", code="duplicate_candidate"
            )
        if c.applied < 0 or (c.capacity is not None and c.capacity < 0):
            raise InvalidInput(f"applicant {c.provider_id}: negative volume or capacity", code="negative_volume")
        seen.add((*c.key, c.provider_id))


def distribute(plan: Sequence[PlanLine], candidates: Sequence[Candidate]) -> Distribution:
    """Place every plan line's volume and sum among its admitted applicants (the module's method)."""
    _check(plan, candidates)
    placements: list[Placement] = []
    unplaced: list[Unplaced] = []
    steps: list[Step] = []
    for line in sorted(plan, key=lambda p: p.key):
        mine = sorted((c for c in candidates if c.key == line.key), key=lambda c: c.provider_id)
        volumes = _place_line(line, mine, steps)
        line_placements, left = _money(line, mine, volumes, steps)
        placements.extend(line_placements)
        if left is not None:
            unplaced.append(left)
    return Distribution(tuple(placements), tuple(unplaced), tuple(steps))


def _place_line(line: PlanLine, mine: Sequence[Candidate], steps: list[Step]) -> dict[str, int]:
    step = _stepper(line, steps)
    step("plan", volume=line.volume, sum=round_money(line.sum), candidates=len(mine))
    for c in mine:
        capacity: str | int = "" if c.capacity is None else c.capacity
        code = "preferred_candidate" if c.preferred else "candidate"
        step(code, provider=c.provider_id, applied=c.applied, capacity=capacity, bound=c.bound)
    volumes = {c.provider_id: 0 for c in mine}
    left = line.volume
    for group, members in (
        ("preferred", [c for c in mine if c.preferred]),
        ("others", [c for c in mine if not c.preferred]),
    ):
        members = [c for c in members if c.bound > 0]
        if not members or left == 0:
            continue
        bound = sum(c.bound for c in members)
        if bound <= left:
            step("in_full", group=group, bound=bound, left=left)
            for c in members:
                volumes[c.provider_id] = c.bound
            left -= bound
            continue
        step("shared", group=group, bound=bound, left=left)
        shares = _capped_shares(left, members)
        given = _largest_remainder(left, shares)
        for c in members:
            volumes[c.provider_id] = given[c.provider_id]
            step(
                "share",
                provider=c.provider_id,
                share=_fraction_text(shares[c.provider_id]),
                volume=given[c.provider_id],
            )
        left = 0
    return volumes


def _stepper(line: PlanLine, steps: list[Step]) -> Callable[..., None]:
    """A function appending the steps of ``line`` to ``steps``."""

    def step(code: str, **params: str | int | Decimal) -> None:
        steps.append(Step(line.care_type, line.region, code, params))

    return step


def _capped_shares(amount: int, members: Sequence[Candidate]) -> dict[str, Fraction]:
    """``amount`` shared in proportion to the volumes applied for, no one over its bound (the sum
    of the bounds exceeds ``amount``)."""
    fixed: dict[str, Fraction] = {}
    active = list(members)
    left = Fraction(amount)
    while True:
        weight = sum(c.applied for c in active)
        over = [c for c in active if left * c.applied / weight > c.bound]
        if not over:
            return fixed | {c.provider_id: left * c.applied / weight for c in active}
        for c in over:
            fixed[c.provider_id] = Fraction(c.bound)
            left -= c.bound
        active = [c for c in active if c not in over]


def _largest_remainder(total: int, shares: Mapping[str, Fraction]) -> dict[str, int]:
    """Whole parts of ``shares`` (which sum to ``total``), the units left to the largest
    fractional parts; equal parts to the smaller key."""
    whole = {key: math.floor(share) for key, share in shares.items()}
    left = total - sum(whole.values())
    order = sorted(shares, key=lambda key: (-(shares[key] - whole[key]), key))
    for key in order[:left]:
        whole[key] += 1
    return whole


def _fraction_text(value: Fraction) -> str:
    return f"{Decimal(value.numerator) / Decimal(value.denominator):.4f}"


def _money(
    line: PlanLine, mine: Sequence[Candidate], volumes: Mapping[str, int], steps: list[Step]
) -> tuple[list[Placement], Unplaced | None]:
    step = _stepper(line, steps)
    placed = sum(volumes.values())
    money = round_money(line.sum * placed / line.volume) if line.volume else Decimal("0.00")
    placements: list[Placement] = []
    if placed:
        step("money", volume=placed, sum=money)
        tiyn = _largest_remainder(
            int(money * TIYN), {p: Fraction(int(money * TIYN) * v, placed) for p, v in volumes.items()}
        )
        preferred = {c.provider_id: c.preferred for c in mine}
        placements = [
            Placement(line.care_type, line.region, p, v, round_money(Decimal(tiyn[p]) / TIYN), preferred[p])
            for p, v in sorted(volumes.items())
            if v > 0
        ]
    left = line.volume - placed
    if left <= 0:
        return placements, None
    rest = round_money(line.sum) - money
    step("unplaced", volume=left, sum=rest)
    return placements, Unplaced(line.care_type, line.region, left, rest)


# --------------------------------------------------------------------------------------------
# The commission's hand changes


def adjust(
    result: Distribution,
    plan: Sequence[PlanLine],
    candidates: Sequence[Candidate],
    changes: Iterable[Adjustment],
    justification: str,
) -> Distribution:
    """``result`` with the commission's changes of volume applied, sums recomputed by the same
    method, the changes and their justification recorded in the log. Refused (nothing changed) if
    the justification is empty, an applicant is changed twice, is not admitted for the line, a volume
    is negative, over the application or the capacity, or a line's volumes exceed its plan."""
    why = justification.strip()
    if not why:
        raise AdjustmentRefused("a hand change needs the commission's justification", code="justification_required")
    changes = list(changes)
    _check(plan, candidates)
    targets = [(c.care_type, c.region, c.provider_id) for c in changes]
    if len(set(targets)) != len(targets):
        raise AdjustmentRefused("one applicant's volume is changed twice in one decision", code="duplicate_change")
    lines = {line.key: line for line in plan}
    by_key = {(*c.key, c.provider_id): c for c in candidates}
    volumes: dict[tuple[str, str], dict[str, int]] = {key: {} for key in lines}
    for p in result.placements:
        volumes[(p.care_type, p.region)][p.provider_id] = p.volume
    before = {key: dict(v) for key, v in volumes.items()}
    for change in changes:
        if (change.care_type, change.region) not in lines:
            raise AdjustmentRefused(f"no plan line {change.care_type}/{change.region}", code="unknown_plan_line")
        candidate = by_key.get((change.care_type, change.region, change.provider_id))
        if candidate is None:
            raise AdjustmentRefused(
                f"{change.provider_id} was not admitted for {change.care_type}/{change.region}", code="not_admitted"
            )
        if change.volume < 0:
            raise AdjustmentRefused(f"{change.provider_id}: a volume must not be negative", code="negative_volume")
        if change.volume > candidate.applied:
            raise AdjustmentRefused(
                f"{change.provider_id}: {change.volume} is over the {candidate.applied} applied for",
                code="over_application",
            )
        if candidate.capacity is not None and change.volume > candidate.capacity:
            raise AdjustmentRefused(
                f"{change.provider_id}: {change.volume} is over its capacity of {candidate.capacity}",
                code="over_capacity",
            )
        volumes[(change.care_type, change.region)][change.provider_id] = change.volume
    for key, line in lines.items():
        if sum(volumes[key].values()) > line.volume:
            raise AdjustmentRefused(
                f"{key[0]}/{key[1]}: {sum(volumes[key].values())} units placed, over the plan's {line.volume}",
                code="over_plan",
            )
    steps = list(result.steps)
    placements: list[Placement] = []
    unplaced: list[Unplaced] = []
    touched = {(c.care_type, c.region) for c in changes}
    for key in sorted(lines):
        line = lines[key]
        if key not in touched:
            placements.extend(p for p in result.placements if (p.care_type, p.region) == key)
            unplaced.extend(u for u in result.unplaced if (u.care_type, u.region) == key)
            continue
        step = _stepper(line, steps)
        for change in changes:
            if (change.care_type, change.region) == key:
                old = before[key].get(change.provider_id, 0)
                step("manual", provider=change.provider_id, volume=change.volume, before=old, why=why)
        mine = [c for c in candidates if c.key == key]
        full = {c.provider_id: volumes[key].get(c.provider_id, 0) for c in mine}
        line_placements, left = _money(line, mine, full, steps)
        placements.extend(line_placements)
        if left is not None:
            unplaced.append(left)
    recorded = tuple((c, why) for c in changes)
    return replace(
        result,
        placements=tuple(placements),
        unplaced=tuple(unplaced),
        steps=tuple(steps),
        adjustments=result.adjustments + recorded,
    )
