"""Properties of the pure rules over random sequences of applications (Hypothesis): never two
overlapping attachments, an effective date never before the application, history append-only."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import event, given, settings
from hypothesis import strategies as st

from osms.attachment import rules
from osms.attachment.rulebook import AttachmentTopic
from osms.attachment.rules import Application, DistrictFacts, Facts, Period
from osms.rulebooks.loader import load_rulebook
from tests.attachment.helpers import adult, clinic_facts

BOOKS = {"kz-law": load_rulebook("kz-law"), "seeds-2016": load_rulebook("seeds-2016")}
A = "860101300017"
CLINICS = ("N", "Z", "Y")

step = st.tuples(
    st.one_of(  # days after the previous application (may go back), or a day inside the campaign
        st.integers(min_value=-40, max_value=200), st.sampled_from(["campaign", "last campaign day"])
    ),
    st.sampled_from(rules.REASONS + ("choice", "choice", "choice")),
    st.sampled_from(CLINICS),
    st.sampled_from([None, "T1", "T2", "P1"]),
    st.booleans(),  # insured
    st.sampled_from(["citizen", "eaeu_migrant", "kandas"]),
    st.one_of(st.none(), st.integers(min_value=-30, max_value=400)),  # contract end, days after
)


def overlaps(a: Period, b: Period) -> bool:
    if a.empty or b.empty:
        return False
    a_end = a.valid_to or date.max
    b_end = b.valid_to or date.max
    return a.valid_from <= b_end and b.valid_from <= a_end


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(sorted(BOOKS)), st.lists(step, min_size=1, max_size=25))
def test_history_stays_consistent(book_name: str, steps: list[tuple]) -> None:
    book = BOOKS[book_name]
    day = book.covers_from + timedelta(days=10)
    history: tuple[Period, ...] = ()
    next_id = 1
    districts = (DistrictFacts("T1", "therapist", 3, 1), DistrictFacts("T2", "therapist", 3, 3))
    for delta, reason, clinic, district, insured, residency, contract in steps:
        if delta == "campaign":
            day = book.topic(AttachmentTopic).campaign(day.year).start + timedelta(days=5)
        elif delta == "last campaign day":
            day = book.topic(AttachmentTopic).campaign(day.year).end
        else:
            day = min(max(day + timedelta(days=delta), book.covers_from), book.covers_to)
        contract_until = day + timedelta(days=contract) if contract is not None else None
        app = Application(A, clinic, reason, day, district, None, contract_until)
        facts = Facts(
            adult(A, residency=residency), clinic_facts(clinic, districts=districts), history, insured=insured
        )
        out = rules.decide(app, facts, book)
        assert out.decision in rules.DECISIONS
        event(out.kind or out.decision)
        assert out.reasons and all(r.code in rules.MESSAGES for r in out.reasons)
        if out.attaches:
            assert out.effective_from is not None and out.effective_from >= day
            assert out.until is None or out.until >= out.effective_from
        else:
            assert out.effective_from is None and out.closes == ()
        before = history
        history = rules.apply_outcome(history, out, clinic, next_id)
        next_id += 1
        # Append-only: old rows keep their id, clinic, district and start; an end only comes earlier.
        assert len(history) == len(before) + (1 if out.attaches else 0)
        for old, new in zip(before, history, strict=False):
            assert (old.id, old.clinic_id, old.district_id, old.valid_from, old.kind) == (
                new.id,
                new.clinic_id,
                new.district_id,
                new.valid_from,
                new.kind,
            )
            if old.valid_to is not None:
                assert new.valid_to is not None and new.valid_to <= old.valid_to
        # Never two overlapping attachments: one clinic at a time.
        for i, a in enumerate(history):
            for b in history[i + 1 :]:
                assert not overlaps(a, b), (a, b)
        # On the application day the person is served by at most one clinic, and by the new one if
        # the change was immediate.
        serving = [p for p in history if p.covers(day)]
        assert len(serving) <= 1
        if out.attaches and out.effective_from == day:
            assert serving[0].clinic_id == clinic
