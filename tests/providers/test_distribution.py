"""Stage-2 distribution (docs/providers.md, "Procurement rules"; ҚР ДСМ-242/2020 п.48 and the
documented method of docs/decisions/0011-distribution-method.md), computed by hand."""

from __future__ import annotations

from decimal import Decimal

import pytest

from osms.core.errors import InvalidInput
from osms.providers.distribution import (
    Adjustment,
    AdjustmentRefused,
    Candidate,
    Distribution,
    PlanLine,
    adjust,
    distribute,
)

CARE, REGION = "inpatient_planned", "ALM"


def line(volume: int, total: str) -> PlanLine:
    return PlanLine(CARE, REGION, volume, Decimal(total))


def cand(provider: str, applied: int, capacity: int | None = None, preferred: bool = False) -> Candidate:
    return Candidate(provider, CARE, REGION, applied, capacity, preferred)


def placed(result: Distribution) -> dict[str, tuple[int, str]]:
    return {p.provider_id: (p.volume, f"{p.sum:.2f}") for p in result.placements}


WORKED_PLAN = [line(100, "1000000.00")]
WORKED = [cand("P1", 30, preferred=True), cand("P2", 50), cand("P3", 70, capacity=40), cand("P4", 20)]


def test_the_worked_example_of_the_docs() -> None:
    """Preferred P1 gets its 30 (п.48: preference first). 70 are left for P2, P3, P4, who may take
    50, 40 (capacity) and 20 = 110 > 70: shared by the volumes applied for, 50 : 70 : 20 of 140:
    P2 25, P3 35 (within its 40), P4 10. 10,000 tenge a unit."""
    result = distribute(WORKED_PLAN, WORKED)
    assert placed(result) == {
        "P1": (30, "300000.00"),
        "P2": (25, "250000.00"),
        "P3": (35, "350000.00"),
        "P4": (10, "100000.00"),
    }
    assert [p.preferred for p in result.placements] == [True, False, False, False]
    assert result.unplaced == ()
    assert [s.step for s in result.steps] == [
        "plan",
        "preferred_candidate",
        "candidate",
        "candidate",
        "candidate",
        "in_full",
        "shared",
        "share",
        "share",
        "share",
        "money",
    ]
    assert result.steps[6].message()["en"] == (
        "Other applicants: together at most 110 units, more than the 70 left: shared in proportion to the "
        "volumes applied for."
    )
    assert result.as_dict()["placements"][0] == {
        "care_type": CARE,
        "region": REGION,
        "provider_id": "P1",
        "volume": 30,
        "sum": "300000.00",
        "preferred": True,
    }


def test_largest_remainder_and_the_tie_to_the_smaller_provider_id() -> None:
    """10 units among three equal applications: 3.33 each, whole parts 3 + 3 + 3, the one unit left
    to the smallest id (equal remainders)."""
    result = distribute([line(10, "1000.00")], [cand("P3", 10), cand("P1", 10), cand("P2", 10)])
    assert placed(result) == {"P1": (4, "400.00"), "P2": (3, "300.00"), "P3": (3, "300.00")}


def test_sums_add_up_to_the_plan_to_the_tiyn() -> None:
    """100.00 tenge for 3 units, one each: 33.333... each; 10,000 tiyn = 3,333 × 3 + 1, the tiyn left
    goes to P1."""
    result = distribute([line(3, "100.00")], [cand("P1", 1), cand("P2", 1), cand("P3", 1)])
    assert placed(result) == {"P1": (1, "33.34"), "P2": (1, "33.33"), "P3": (1, "33.33")}
    assert sum(p.sum for p in result.placements) == Decimal("100.00")


def test_no_one_is_given_more_than_its_capacity() -> None:
    """P1 applied for 80 of 160 applied: half of 100 is 50, over its capacity 20; it gets 20 and the
    80 left are shared 40 : 40."""
    result = distribute([line(100, "100.00")], [cand("P1", 80, capacity=20), cand("P2", 40), cand("P3", 40)])
    assert {k: v[0] for k, v in placed(result).items()} == {"P1": 20, "P2": 40, "P3": 40}


def test_preferred_share_when_they_alone_exceed_the_plan() -> None:
    """50 units, preferred P1 and P2 applied for 40 and 60: shared 20 and 30; P3 gets nothing."""
    result = distribute(
        [line(50, "5000.00")],
        [cand("P1", 40, preferred=True), cand("P2", 60, preferred=True), cand("P3", 100)],
    )
    assert placed(result) == {"P1": (20, "2000.00"), "P2": (30, "3000.00")}


def test_volume_no_one_can_take_stays_unplaced() -> None:
    """7 units for 1,000.00; one application of 3: its money is 1,000 × 3 / 7 = 428.57; 4 units and
    571.43 tenge stay unplaced."""
    result = distribute([line(7, "1000.00")], [cand("P1", 3)])
    assert placed(result) == {"P1": (3, "428.57")}
    assert [u.as_dict() for u in result.unplaced] == [
        {"care_type": CARE, "region": REGION, "volume": 4, "sum": "571.43"}
    ]
    assert result.steps[-1].message()["ru"] == ("4 единиц (571,43 тенге) не размещены: заявок недостаточно.")


def test_a_line_without_applicants_is_unplaced_whole() -> None:
    result = distribute([line(5, "50.00"), PlanLine("phc", REGION, 0, Decimal("0"))], [])
    assert result.placements == ()
    assert [(u.care_type, u.volume, f"{u.sum:.2f}") for u in result.unplaced] == [(CARE, 5, "50.00")]


@pytest.mark.parametrize(
    ("plan", "candidates", "code"),
    [
        ([line(-1, "10")], [], "negative_volume"),
        ([line(1, "-10")], [], "negative_volume"),
        ([line(1, "10"), line(2, "20")], [], "duplicate_plan_line"),
        ([line(0, "10")], [], "sum_without_volume"),
        ([line(1, "10")], [Candidate("P1", "phc", REGION, 1)], "candidate_outside_plan"),
        ([line(1, "10")], [cand("P1", 1), cand("P1", 2)], "duplicate_candidate"),
        ([line(1, "10")], [cand("P1", -1)], "negative_volume"),
    ],
)
def test_bad_input_is_refused_with_a_code(plan: list[PlanLine], candidates: list[Candidate], code: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        distribute(plan, candidates)
    assert caught.value.code == code


# -- the commission's hand changes --------------------------------------------------------------


def test_a_hand_change_is_applied_with_its_justification() -> None:
    """P2 25 → 15 and P4 10 → 20 (within its 20 applied): sums follow at 10,000 a unit."""
    result = distribute(WORKED_PLAN, WORKED)
    changes = [Adjustment(CARE, REGION, "P2", 15), Adjustment(CARE, REGION, "P4", 20)]
    adjusted = adjust(result, WORKED_PLAN, WORKED, changes, "P4 serves the district hospital's catchment")
    assert placed(adjusted) == {
        "P1": (30, "300000.00"),
        "P2": (15, "150000.00"),
        "P3": (35, "350000.00"),
        "P4": (20, "200000.00"),
    }
    manual = [s for s in adjusted.steps if s.step == "manual"]
    assert manual[0].message()["en"] == (
        "By the commission's decision applicant P2 is given 15 instead of 25: P4 serves the district hospital's "
        "catchment"
    )
    assert adjusted.as_dict()["adjustments"][1] == {
        "care_type": CARE,
        "region": REGION,
        "provider_id": "P4",
        "volume": 20,
        "justification": "P4 serves the district hospital's catchment",
    }


def test_a_hand_change_leaving_volume_unplaced_reports_it() -> None:
    result = distribute(WORKED_PLAN, WORKED)
    adjusted = adjust(result, WORKED_PLAN, WORKED, [Adjustment(CARE, REGION, "P2", 5)], "quality findings")
    assert placed(adjusted)["P2"] == (5, "50000.00")
    assert [(u.volume, f"{u.sum:.2f}") for u in adjusted.unplaced] == [(20, "200000.00")]


@pytest.mark.parametrize(
    ("change", "why", "code"),
    [
        (Adjustment(CARE, REGION, "P2", 30), "", "justification_required"),
        (Adjustment(CARE, REGION, "P4", 21), "more", "over_application"),
        (Adjustment(CARE, REGION, "P3", 41), "more", "over_capacity"),
        (Adjustment(CARE, REGION, "P9", 1), "more", "not_admitted"),
        (Adjustment(CARE, REGION, "P2", -1), "less", "negative_volume"),
        (Adjustment(CARE, REGION, "P2", 26), "more", "over_plan"),
        (Adjustment("phc", REGION, "P2", 1), "more", "unknown_plan_line"),
    ],
)
def test_a_hand_change_against_the_rules_is_refused(change: Adjustment, why: str, code: str) -> None:
    result = distribute(WORKED_PLAN, WORKED)
    with pytest.raises(AdjustmentRefused) as caught:
        adjust(result, WORKED_PLAN, WORKED, [change], why)
    assert caught.value.code == code


def test_one_applicant_changed_twice_is_refused() -> None:
    result = distribute(WORKED_PLAN, WORKED)
    twice = [Adjustment(CARE, REGION, "P2", 10), Adjustment(CARE, REGION, "P2", 20)]
    with pytest.raises(AdjustmentRefused) as caught:
        adjust(result, WORKED_PLAN, WORKED, twice, "why")
    assert caught.value.code == "duplicate_change"
