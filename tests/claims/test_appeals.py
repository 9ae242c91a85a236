"""The appeal clock (claims.appeals), pure: hand-computed dates on the Kazakh calendar and
properties of the state machine (docs/claims.md, "Monitoring and appeals")."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from osms.claims.appeals import FINAL_STATUSES, STATUSES, Step, StepRefused, check_step, state
from osms.claims.monitoring_rulebook import MonitoringTopic
from osms.core.workdays import add_working_days, is_working_day
from osms.rulebooks.loader import load_rulebook

BOOK = load_rulebook("kz-law")
CLOCK = BOOK.topic(MonitoringTopic).appeal_clock(date(2026, 3, 20))
DEATHS = BOOK.topic(MonitoringTopic).death_clock(date(2026, 3, 20))
FOUND = date(2026, 3, 20)  # a Friday; Nauryz 21-23 March 2026 (Sat-Mon), observed on Tue 24 and Wed 25


def test_the_kz_law_clock_is_the_rulebooks() -> None:
    assert CLOCK is not None and DEATHS is not None
    assert (CLOCK.objection_days, CLOCK.review_days, CLOCK.second_objection_days) == (5, 5, 3)
    assert (CLOCK.second_review_days, CLOCK.central_days) == (3, 3)
    assert (DEATHS.objection_days, DEATHS.review_days, DEATHS.second_objection_days, DEATHS.second_review_days) == (
        5,
        3,
        3,
        3,
    )
    assert load_rulebook("seeds-2016").topic(MonitoringTopic).appeal_clock(date(2019, 5, 1)) is None


def test_the_objection_deadline_skips_nauryz() -> None:
    # by hand: 21, 22 weekend and Nauryz, 23 Nauryz, 24 and 25 its observed days; then Thu 26 (1),
    # Fri 27 (2), Mon 30 (3), Tue 31 (4), Wed 1 April (5)
    assert add_working_days(FOUND, 5) == date(2026, 4, 1)
    now = state(FOUND, [], CLOCK, FOUND)
    assert (now.status, now.next_step, now.actor, now.due_on) == ("notified", "objection", "provider", date(2026, 4, 1))
    assert not now.final


def test_silence_confirms_the_day_after_the_deadline() -> None:
    assert state(FOUND, [], CLOCK, date(2026, 4, 1)).status == "notified"
    late = state(FOUND, [], CLOCK, date(2026, 4, 2))
    assert (late.status, late.final, late.automatic, late.decided_on) == ("confirmed", True, True, date(2026, 4, 2))
    with pytest.raises(StepRefused) as refused:
        check_step(FOUND, [], CLOCK, Step("objection", date(2026, 4, 2)), provider_region="KZ-ALA")
    assert refused.value.code == "objection_late"


def test_the_whole_appeal_to_the_central_office() -> None:
    steps: list[Step] = []

    def add(step: Step) -> None:
        check_step(FOUND, steps, CLOCK, step, provider_region="KZ-ALA")
        steps.append(step)

    add(Step("objection", date(2026, 4, 1)))
    now = state(FOUND, steps, CLOCK, date(2026, 4, 1))
    # review within 5: Thu 2 (1), Fri 3 (2), Mon 6 (3), Tue 7 (4), Wed 8 (5)
    assert (now.status, now.actor, now.due_on) == ("objected", "reviewer_other_region", date(2026, 4, 8))
    add(Step("review", date(2026, 4, 2), "upheld", "r1", "KZ-AST"))
    now = state(FOUND, steps, CLOCK, date(2026, 4, 2))
    # second objection within 3: Fri 3, Mon 6, Tue 7
    assert (now.status, now.decision, now.actor, now.due_on) == ("reviewed", "upheld", "provider", date(2026, 4, 7))
    add(Step("second_objection", date(2026, 4, 7)))
    now = state(FOUND, steps, CLOCK, date(2026, 4, 7))
    assert (now.actor, now.due_on) == ("reviewer_outside_region", date(2026, 4, 10))  # Wed 8, Thu 9, Fri 10
    add(Step("second_review", date(2026, 4, 10), "overturned", "r2", "KZ-KAR"))
    now = state(FOUND, steps, CLOCK, date(2026, 4, 10))
    assert (now.status, now.actor, now.due_on) == ("central", "central_office", date(2026, 4, 15))  # 13, 14, 15
    add(Step("central", date(2026, 4, 14), "upheld", "c1", "central"))
    now = state(FOUND, steps, CLOCK, date(2030, 1, 1))
    assert (now.status, now.final, now.automatic, now.decided_on) == ("confirmed", True, False, date(2026, 4, 14))


def test_may_holidays_2026() -> None:
    # found Thu 30 April: Fri 1 May holiday; Mon 4 (1), Tue 5 (2), Wed 6 (3), Thu 7 Defender's Day,
    # Fri 8 (4), Mon 11 Victory Day observed, Tue 12 (5)
    assert state(date(2026, 4, 30), [], CLOCK, date(2026, 4, 30)).due_on == date(2026, 5, 12)


def test_deaths_clock_review_in_three() -> None:
    steps = [Step("objection", date(2026, 4, 1))]
    # Thu 2, Fri 3, Mon 6
    assert state(FOUND, steps, DEATHS, date(2026, 4, 1)).due_on == date(2026, 4, 6)


def test_first_review_overturned_withdraws() -> None:
    steps = [Step("objection", date(2026, 3, 26)), Step("review", date(2026, 3, 27), "overturned", "r1", "KZ-AST")]
    now = state(FOUND, steps, CLOCK, date(2026, 5, 1))
    assert (now.status, now.final) == ("withdrawn", True)


OBJECTED = Step("objection", date(2026, 3, 26))


@pytest.mark.parametrize(
    ("steps", "new", "code"),
    [
        ([], Step("review", date(2026, 3, 26), "upheld", "r", "KZ-AST"), "out_of_order"),
        (
            [Step("objection", date(2026, 3, 26))],
            Step("review", date(2026, 3, 27), "upheld", "r", "KZ-ALA"),
            "same_region",
        ),
        (
            [Step("objection", date(2026, 3, 26))],
            Step("review", date(2026, 3, 27), "maybe", "r", "KZ-AST"),
            "bad_decision",
        ),
        (
            [Step("objection", date(2026, 3, 26))],
            Step("review", date(2026, 3, 20), "upheld", "r", "KZ-AST"),
            "before_previous",
        ),
        (
            [
                Step("objection", date(2026, 3, 26)),
                Step("review", date(2026, 3, 27), "upheld", "r1", "KZ-AST"),
                Step("second_objection", date(2026, 3, 30)),
            ],
            Step("second_review", date(2026, 3, 31), "upheld", "r1", "KZ-KAR"),
            "same_reviewer",
        ),
        (
            [
                Step("objection", date(2026, 3, 26)),
                Step("review", date(2026, 3, 27), "upheld", "r1", "KZ-AST"),
                Step("second_objection", date(2026, 3, 30)),
                Step("second_review", date(2026, 3, 31), "overturned", "r2", "KZ-KAR"),
            ],
            Step("central", date(2026, 4, 1), "upheld", "c", "KZ-AST"),
            "not_central",
        ),
    ],
)
def test_refusals(steps: list[Step], new: Step, code: str) -> None:
    with pytest.raises(StepRefused) as refused:
        check_step(FOUND, steps, CLOCK, new, provider_region="KZ-ALA")
    assert refused.value.code == code


def test_no_clock_no_appeal() -> None:
    assert state(FOUND, [], None, FOUND).status == "confirmed"
    with pytest.raises(StepRefused) as refused:
        check_step(FOUND, [], None, Step("objection", FOUND), provider_region=None)
    assert refused.value.code == "no_appeal"


# --------------------------------------------------------------------------------------------
# Properties

_REGIONS = ("KZ-AST", "KZ-KAR", "KZ-ALA", "central")


@settings(max_examples=150, deadline=None)
@given(
    found=st.dates(date(2024, 1, 1), date(2027, 12, 31)),
    moves=st.lists(
        st.tuples(
            st.sampled_from(("objection", "review", "second_objection", "second_review", "central")),
            st.integers(0, 9),
            st.sampled_from(("upheld", "overturned")),
            st.sampled_from(_REGIONS),
            st.sampled_from(("r1", "r2")),
        ),
        max_size=8,
    ),
    look=st.integers(0, 30),
)
def test_the_state_machine_never_leaves_a_final_state(
    found: date, moves: list[tuple[str, int, str, str, str]], look: int
) -> None:
    assert CLOCK is not None
    steps: list[Step] = []
    day = found
    final_seen = False
    for name, delay, decision, region, actor in moves:
        day = day + timedelta(days=delay)
        reviewer = name in ("review", "second_review", "central")
        new = Step(
            name, day, decision if reviewer else None, actor if reviewer else "clinic", region if reviewer else None
        )
        before = state(found, steps, CLOCK, day)
        try:
            after = check_step(found, steps, CLOCK, new, provider_region="KZ-ALA")
        except StepRefused:
            continue
        assert not before.final and not final_seen, "a step was accepted after a final state"
        assert new.step == before.next_step
        if name in ("objection", "second_objection"):
            assert before.due_on is not None and day <= before.due_on
        steps.append(new)
        final_seen = after.final
    now = state(found, steps, CLOCK, day + timedelta(days=look))
    assert now.status in STATUSES
    assert now.final == (now.status in FINAL_STATUSES)
    if now.due_on is not None:
        assert is_working_day(now.due_on)
        assert now.due_on > max([found, *(s.on for s in steps)])
    if now.automatic:
        # confirmed the day after a provider's deadline, which is a working day
        assert now.status == "confirmed" and now.decided_on is not None
        assert is_working_day(now.decided_on - timedelta(days=1))
    if final_seen:
        assert now.final
