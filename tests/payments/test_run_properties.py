"""Properties of the monthly run (docs/payments.md, "The monthly run"), with Hypothesis: a run's
lines, unpaid items and deductions equal the sums of their traces; re-running an unsigned month
changes nothing; the contract's annual sum is never exceeded."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from osms.payments import protocol as steps
from osms.payments.models import PaymentRunTrace
from osms.payments.run import run_month
from osms.rulebooks.loader import load_rulebook
from tests.payments.run_world import add_person, add_provider, contract, defect, finding, iin, record

KZ = load_rulebook("kz-law")
MARCH = date(2026, 3, 1)
TODAY = date(2026, 4, 2)

#: (care form, care type, code): a case group or a service code
KINDS = (
    ("inpatient", "inpatient_planned", "SYN.CA01"),
    ("inpatient", "inpatient_planned", "SYN.OB01"),
    ("day_hospital", "day_hospital", "SYN.PU01"),
    ("home_hospital", "home_hospital", "SYN.PU01"),
    ("outpatient", "consult_diag", "A01.003.000"),
    ("outpatient", "consult_diag", "A01.001.000"),
)
OUTCOMES = ("completed", "died", "transferred")
FINDINGS = (None, None, None, "not_covered", "duplicate", "doctor_overload")
DEFECTS = (None, None, "6.0", "5.1", "1.0")

a_record = st.tuples(
    st.sampled_from(range(len(KINDS))),
    st.sampled_from(OUTCOMES),
    st.integers(min_value=0, max_value=6),  # bed-days
    st.integers(min_value=1, max_value=3),  # quantity
    st.sampled_from(FINDINGS),
    st.sampled_from(DEFECTS),
    st.booleans(),  # exempt diagnosis (O80)
)
SETTINGS = settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def _world(session: Any, records: list[tuple[Any, ...]], annual: str, adjustment: int) -> str:
    add_provider(session, "HP")
    types = sorted({t for _f, t, _c in KINDS})
    cid = contract(session, "HP", [(t, annual) for t in types])
    person = add_person(session, iin(date(1980, 1, 1), "M", 7), birth=date(1980, 1, 1), sex="M")
    for i, (kind, outcome, days, quantity, flag, code, exempt) in enumerate(records):
        form, care_type, c = KINDS[kind]
        hospital = form != "outpatient"
        rec = record(
            session, "HP", f"r{i}", person, care_form=form, care_type=care_type,
            case_group=c if hospital else None, service_code=None if hospital else c,
            day=date(2026, 3, 10), until=date(2026, 3, 10 + days),
            outcome=outcome if form == "inpatient" else "completed",
            quantity=1 if hospital else quantity, icd10="O80" if exempt else "J06.9",
        )  # fmt: skip
        if flag is not None:
            finding(session, rec, flag)
        if code is not None:
            defect(session, "HP", code, rec=rec)
    if adjustment:
        steps.adjust(session, cid, MARCH, Decimal(adjustment), "by hand", created_by="op")
    return cid


def _without_ids(value: Any) -> Any:
    """A run's details without the rows' own ids (a re-run writes new rows)."""
    if isinstance(value, dict):
        return {k: _without_ids(v) for k, v in value.items() if k != "id"}
    if isinstance(value, list):
        return [_without_ids(v) for v in value]
    return value


def _traced(session: Any, run_id_target: str) -> Decimal:
    total = session.scalar(
        select(func.coalesce(func.sum(PaymentRunTrace.amount), 0)).where(PaymentRunTrace.target == run_id_target)
    )
    return Decimal(total).quantize(Decimal("0.01"))


@SETTINGS
@given(
    records=st.lists(a_record, min_size=0, max_size=8),
    annual=st.sampled_from(["120000.00", "1200000.00", "60000000.00"]),
    adjustment=st.integers(min_value=-50_000, max_value=2_000_000),
)
def test_traces_rerun_and_cap(session: Any, records: list[tuple[Any, ...]], annual: str, adjustment: int) -> None:
    nested = session.begin_nested()
    try:
        cid = _world(session, records, annual, adjustment)
        first = run_month(session, KZ, MARCH, contract_id=cid, today=TODAY)[0]
        # every amount traces to its rows
        assert _traced(session, "line") == sum((ln["amount"] for ln in first.lines if ln["method"] != "per_capita"),
                                               Decimal("0.00"))  # fmt: skip
        assert _traced(session, "unpaid") == sum((u["amount"] for u in first.unpaid), Decimal("0.00"))
        assert _traced(session, "deduction") == sum((d["amount"] for d in first.deductions), Decimal("0.00"))
        # re-running an unsigned month changes nothing
        second = run_month(session, KZ, MARCH, contract_id=cid, today=TODAY)[0]
        assert _without_ids(second.details()) == _without_ids(first.details())
        assert [(ln["method"], ln["care_type"], ln["amount"]) for ln in second.lines] == [
            (ln["method"], ln["care_type"], ln["amount"]) for ln in first.lines
        ]
        # never above the contract's sum of the year (4 care types × the annual sum)
        assert first.payable + first.advance_withheld <= 4 * Decimal(annual)
        # payable is what is left after every cut
        net = (
            first.gross - first.linear_scale_cut - first.deductions_total + first.recalculation_total
            + first.adjustments_total - first.cap_cut - first.december_cut - first.advance_withheld
        )  # fmt: skip
        assert first.payable == net
    finally:
        nested.rollback()
