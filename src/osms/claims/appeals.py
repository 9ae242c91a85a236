"""The appeal of a defect on the law's clock: pure, no database (docs/claims.md, "Monitoring and
appeals"; MON п.26-38, deaths п.44-47).

A defect is notified on the day it is found (``found_on``). The provider may object within the
clock's ``objection_days`` working days; silence confirms the defect automatically the day after the
deadline. An objection goes to an employee of the fund of another region (``review``), who decides
within ``review_days``: ``overturned`` (agrees with the provider) withdraws the defect, ``upheld``
keeps it and opens a second objection window (``second_objection_days``); a second objection goes to
a reviewer outside the provider's region (``second_review``, within ``second_review_days``): upheld
confirms the defect, overturned (agrees with the provider) sends it to the central office
(``central``, within ``central_days``), whose decision is final.

``state(found_on, steps, clock, today)`` answers where an appeal stands: its status, the step awaited,
who acts, the due date, whether it is final and whether it was confirmed automatically.
``check_step(...)`` says whether a new step may be recorded (a reason code when not).
Days are working days on the Kazakh calendar (``osms.core.workdays``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Final, Protocol

from osms.core.workdays import add_working_days

__all__ = [
    "ACTORS",
    "DECISIONS",
    "FINAL_STATUSES",
    "STATUSES",
    "STEPS",
    "AppealState",
    "Clock",
    "Step",
    "StepRefused",
    "check_step",
    "state",
]

#: The steps of an appeal, in order (``appeal_step.step``).
STEPS: Final[tuple[str, ...]] = ("objection", "review", "second_objection", "second_review", "central")
#: A reviewer's decision: ``upheld`` keeps the defect, ``overturned`` agrees with the provider.
DECISIONS: Final[tuple[str, ...]] = ("upheld", "overturned")
#: Where an appeal stands (``defect.status``).
STATUSES: Final[tuple[str, ...]] = (
    "notified",
    "objected",
    "reviewed",
    "second_objection",
    "central",
    "confirmed",
    "withdrawn",
)
FINAL_STATUSES: Final[frozenset[str]] = frozenset({"confirmed", "withdrawn"})
#: Who acts next.
ACTORS: Final[tuple[str, ...]] = ("provider", "reviewer_other_region", "reviewer_outside_region", "central_office")

#: The step each step may follow (None: the first step).
_AFTER: Final[dict[str, str | None]] = {
    "objection": None,
    "review": "objection",
    "second_objection": "review",
    "second_review": "second_objection",
    "central": "second_review",
}
_REVIEWS: Final[frozenset[str]] = frozenset({"review", "second_review", "central"})
#: The region code of the fund's central office (a central decision names it).
CENTRAL_REGION: Final[str] = "central"


class Clock(Protocol):
    """Working days of each step (``MonitoringTopic.appeal_clock`` / ``death_clock``)."""

    @property
    def objection_days(self) -> int: ...
    @property
    def review_days(self) -> int: ...
    @property
    def second_objection_days(self) -> int: ...
    @property
    def second_review_days(self) -> int: ...
    @property
    def central_days(self) -> int: ...


@dataclass(frozen=True, slots=True)
class Step:
    """A recorded step: who, when, in which region, and a reviewer's decision."""

    step: str
    on: date
    decision: str | None = None
    actor: str = ""
    region: str | None = None


@dataclass(frozen=True, slots=True)
class AppealState:
    """Where an appeal stands on ``today``."""

    status: str
    decision: str | None  # the last reviewer's decision
    next_step: str | None  # the step awaited (None: final)
    actor: str | None  # who acts next (``ACTORS``)
    due_on: date | None  # the last working day for the awaited step
    final: bool
    automatic: bool  # confirmed because a provider's deadline passed in silence
    overdue: bool  # a reviewer is past the due date (the fund's delay: the step is still awaited)
    decided_on: date | None  # the day the state became final

    def as_dict(self) -> dict[str, object]:
        return {
            "status": self.status,
            "decision": self.decision,
            "next_step": self.next_step,
            "actor": self.actor,
            "due_on": None if self.due_on is None else self.due_on.isoformat(),
            "final": self.final,
            "automatic": self.automatic,
            "overdue": self.overdue,
            "decided_on": None if self.decided_on is None else self.decided_on.isoformat(),
        }


class StepRefused(ValueError):
    """A step that may not be recorded; ``code`` says why."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def _final(status: str, decision: str | None, on: date, *, automatic: bool = False) -> AppealState:
    return AppealState(status, decision, None, None, None, True, automatic, False, on)


def _waiting(
    status: str, decision: str | None, step: str, actor: str, due: date, today: date, *, provider: bool
) -> AppealState:
    if provider and today > due:
        # silence past the provider's deadline: confirmed automatically the day after it
        return _final("confirmed", decision, due + timedelta(days=1), automatic=True)
    return AppealState(status, decision, step, actor, due, False, False, not provider and today > due, None)


def state(found_on: date, steps: Sequence[Step], clock: Clock | None, today: date) -> AppealState:
    """Where the appeal of a defect found on ``found_on`` with ``steps`` (in order) stands on ``today``.

    ``clock`` None: the rulebook has no appeal (the defect stands as found, final)."""
    if clock is None:
        return _final("confirmed", None, found_on)
    ordered = sorted(steps, key=lambda s: (STEPS.index(s.step), s.on))
    if not ordered:
        due = add_working_days(found_on, clock.objection_days)
        return _waiting("notified", None, "objection", "provider", due, today, provider=True)
    last = ordered[-1]
    if last.step == "objection":
        due = add_working_days(last.on, clock.review_days)
        return _waiting("objected", None, "review", "reviewer_other_region", due, today, provider=False)
    if last.step == "review":
        if last.decision == "overturned":
            return _final("withdrawn", "overturned", last.on)
        due = add_working_days(last.on, clock.second_objection_days)
        return _waiting("reviewed", "upheld", "second_objection", "provider", due, today, provider=True)
    if last.step == "second_objection":
        due = add_working_days(last.on, clock.second_review_days)
        return _waiting(
            "second_objection", "upheld", "second_review", "reviewer_outside_region", due, today, provider=False
        )
    if last.step == "second_review":
        if last.decision == "upheld":
            return _final("confirmed", "upheld", last.on)
        due = add_working_days(last.on, clock.central_days)
        return _waiting("central", "overturned", "central", "central_office", due, today, provider=False)
    # central: final either way
    return _final("confirmed" if last.decision == "upheld" else "withdrawn", last.decision, last.on)


def check_step(
    found_on: date,
    steps: Sequence[Step],
    clock: Clock | None,
    new: Step,
    *,
    provider_region: str | None,
) -> AppealState:
    """The state after recording ``new``; ``StepRefused`` with a reason code when it may not be:
    ``no_appeal`` (the rulebook has none), ``appeal_final``, ``unknown_step``, ``out_of_order``
    (not the step awaited), ``objection_late`` (a provider's deadline passed: confirmed
    automatically), ``before_previous`` (dated before the last step or the finding), ``bad_decision``,
    ``same_region`` (the first reviewer from the provider's region, or the second from it),
    ``same_reviewer`` (the second reviewer is the first), ``not_central`` (the central office's
    decision names another region)."""
    if clock is None:
        raise StepRefused("no_appeal", "this rulebook has no appeal of defects")
    if new.step not in STEPS:
        raise StepRefused("unknown_step", f"unknown step {new.step!r} (known: {', '.join(STEPS)})")
    now = state(found_on, steps, clock, new.on)
    if now.final:
        why = " (confirmed automatically: the deadline passed in silence)" if now.automatic else ""
        if now.automatic and new.step in ("objection", "second_objection"):
            raise StepRefused(
                "objection_late", f"the deadline to object was {(now.decided_on or new.on) - timedelta(days=1)}{why}"
            )
        raise StepRefused("appeal_final", f"the appeal is final: {now.status}{why}")
    if new.step != now.next_step:
        raise StepRefused("out_of_order", f"the appeal awaits {now.next_step}, not {new.step}")
    earlier = max([found_on, *(s.on for s in steps)])
    if new.on < earlier:
        raise StepRefused("before_previous", f"{new.step} on {new.on} is before the last step ({earlier})")
    if new.step in _REVIEWS:
        if new.decision not in DECISIONS:
            raise StepRefused("bad_decision", f"a decision is one of {', '.join(DECISIONS)}")
    elif new.decision is not None:
        raise StepRefused("bad_decision", "an objection carries no decision")
    if new.step in ("review", "second_review") and (
        not new.region or (provider_region is not None and new.region == provider_region)
    ):
        raise StepRefused(
            "same_region",
            f"the {new.step.replace('_', ' ')} is by an employee of another region than the provider's"
            f" ({provider_region})",
        )
    if new.step == "second_review":
        first = next((s for s in steps if s.step == "review"), None)
        if first is not None and first.actor and first.actor == new.actor:
            raise StepRefused("same_reviewer", "the second review is by another reviewer than the first")
    if new.step == "central" and new.region != CENTRAL_REGION:
        raise StepRefused("not_central", f"the final decision is the central office's (region {CENTRAL_REGION!r})")
    return state(found_on, [*steps, new], clock, new.on)
