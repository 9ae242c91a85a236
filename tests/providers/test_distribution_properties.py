"""Properties of the stage-2 distribution (Hypothesis): the volumes and sums equal the plan when
the applications suffice; no one gets more than it applied for or its capacity; preferred
applicants are served first; the shares are proportional within one unit; the same input in any
order gives the same output; hand changes within the rules keep the totals."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from osms.core.money import round_money
from osms.providers.distribution import Adjustment, Candidate, PlanLine, adjust, distribute

KEYS = [("phc", "ALM"), ("inpatient_planned", "ALM"), ("phc", "AST")]


@st.composite
def inputs(draw: st.DrawFn) -> tuple[list[PlanLine], list[Candidate]]:
    keys = draw(st.lists(st.sampled_from(KEYS), min_size=1, max_size=3, unique=True))
    plan = [
        PlanLine(care, region, volume, draw(st.decimals(0, 10_000_000, places=2)) if volume else Decimal(0))
        for care, region in keys
        for volume in [draw(st.integers(0, 300))]
    ]
    candidates = [
        Candidate(
            provider,
            care,
            region,
            draw(st.integers(0, 120)),
            draw(st.none() | st.integers(0, 120)),
            draw(st.booleans()),
        )
        for care, region in keys
        for provider in draw(st.lists(st.sampled_from([f"P{i}" for i in range(8)]), max_size=6, unique=True))
    ]
    return plan, candidates


@settings(max_examples=300, deadline=None)
@given(inputs(), st.randoms(use_true_random=False))
def test_distribution_properties(case: tuple[list[PlanLine], list[Candidate]], rnd: object) -> None:
    plan, candidates = case
    result = distribute(plan, candidates)
    given_to: dict[tuple[str, str], dict[str, int]] = defaultdict(dict)
    money: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    for p in result.placements:
        given_to[(p.care_type, p.region)][p.provider_id] = p.volume
        money[(p.care_type, p.region)] += p.sum
        assert p.volume > 0 and p.sum >= 0
    unplaced = {(u.care_type, u.region): u for u in result.unplaced}
    for line in plan:
        key = (line.care_type, line.region)
        mine = [c for c in candidates if c.key == key]
        volumes = given_to[key]
        bound = sum(c.bound for c in mine)
        # no one over its application or capacity
        for c in mine:
            assert volumes.get(c.provider_id, 0) <= c.bound
            assert volumes.get(c.provider_id, 0) <= c.applied
        # totals: the plan when applications suffice, else all they can take
        placed = sum(volumes.values())
        assert placed == min(line.volume, bound)
        rest = unplaced[key].sum if key in unplaced else Decimal(0)
        assert money[key] + rest == round_money(line.sum)
        if bound >= line.volume:
            assert key not in unplaced
            assert money[key] == round_money(line.sum)
        # preferred first: anyone else placed means every preferred applicant has its bound
        if any(volumes.get(c.provider_id, 0) for c in mine if not c.preferred):
            assert all(volumes.get(c.provider_id, 0) == c.bound for c in mine if c.preferred)
        # proportional within one unit: in a group shared by ratio, any two applicants left under
        # their bounds got v / applied within one unit of the same ratio
        for group in (True, False):
            free = [c for c in mine if c.preferred is group and c.bound > 0 and volumes.get(c.provider_id, 0) < c.bound]
            for i in free:
                for j in free:
                    vi, vj = volumes.get(i.provider_id, 0), volumes.get(j.provider_id, 0)
                    assert (vi - 1) * j.applied < (vj + 1) * i.applied
    # the same input in another order gives the same output
    shuffled = list(candidates)
    rnd.shuffle(shuffled)  # type: ignore[attr-defined]
    again = distribute(list(reversed(plan)), shuffled)
    assert again.placements == result.placements
    assert again.unplaced == result.unplaced


@settings(max_examples=150, deadline=None)
@given(inputs(), st.data())
def test_a_hand_change_within_the_rules_keeps_the_money_consistent(
    case: tuple[list[PlanLine], list[Candidate]], data: st.DataObject
) -> None:
    plan, candidates = case
    result = distribute(plan, candidates)
    if not candidates:
        return
    chosen = data.draw(st.sampled_from(candidates))
    line = next(p for p in plan if p.key == chosen.key)
    others = sum(p.volume for p in result.placements if (p.care_type, p.region) == chosen.key) - next(
        (
            p.volume
            for p in result.placements
            if p.provider_id == chosen.provider_id and (p.care_type, p.region) == chosen.key
        ),
        0,
    )
    most = min(chosen.bound, line.volume - others)
    if most < 0:
        return
    volume = data.draw(st.integers(0, most))
    adjusted = adjust(
        result, plan, candidates, [Adjustment(chosen.care_type, chosen.region, chosen.provider_id, volume)], "why"
    )
    for plan_line in plan:
        key = plan_line.key
        total = sum(p.sum for p in adjusted.placements if (p.care_type, p.region) == key)
        rest = sum((u.sum for u in adjusted.unplaced if (u.care_type, u.region) == key), Decimal(0))
        assert total + rest == round_money(plan_line.sum)
    after = {p.provider_id: p.volume for p in adjusted.placements if (p.care_type, p.region) == chosen.key}
    assert after.get(chosen.provider_id, 0) == volume
    assert adjusted.adjustments[-1] == (Adjustment(chosen.care_type, chosen.region, chosen.provider_id, volume), "why")
