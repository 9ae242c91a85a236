"""The monthly run (docs/payments.md, "The monthly run"): hand-computed cases, kz-law.

Tariffs used (kz-law rulebook): base rate 2026 175,622.79 (TAR, implied 2026 rate); SYN.CA01
inpatient weight 3.1, SYN.PU01 0.85 (day 0.34), synthetic; A01.003.000 2,889.51 (TAR annex 7);
capitation KZ-ALA 1,700.00 (synthetic); ambulance per capita 360.27 (from 2025-07-01, unverified).
"""

from __future__ import annotations

from datetime import date

from osms.payments.run import run_month
from osms.rulebooks.loader import load_rulebook
from tests.payments.run_world import add_person, add_provider, contract, iin, record

MARCH = date(2026, 3, 1)
KZ = load_rulebook("kz-law")


def _one(runs, contract_id):
    return next(r for r in runs if r.contract_id == contract_id).as_dict()


def test_per_case_and_per_service_lines(session) -> None:
    add_provider(session, "H1")
    cid = contract(session, "H1", [("inpatient_planned", "12000000.00"), ("consult_diag", "1200000.00")])
    person = add_person(session, iin(date(1980, 1, 1), "M"), birth=date(1980, 1, 1), sex="M")
    # a whole case: 175,622.79 × 3.1 = 544,430.649 → 544,430.65 (TAR; PAY п.70)
    record(
        session,
        "H1",
        "r1",
        person,
        care_form="inpatient",
        care_type="inpatient_planned",
        case_group="SYN.CA01",
        day=date(2026, 3, 1),
        until=date(2026, 3, 10),
    )
    # a death on day 2: × 0.5 → 272,215.3245 → 272,215.32 (PAY п.81)
    record(
        session,
        "H1",
        "r2",
        person,
        care_form="inpatient",
        care_type="inpatient_planned",
        case_group="SYN.CA01",
        day=date(2026, 3, 3),
        until=date(2026, 3, 5),
        outcome="died",
    )
    # a visit × 2 (quantity 2): 2,889.51 × 2 = 5,779.02 (TAR annex 7; PAY п.63)
    record(
        session,
        "H1",
        "r3",
        person,
        care_form="outpatient",
        care_type="consult_diag",
        service_code="A01.003.000",
        quantity=2,
    )
    runs = run_month(session, KZ, MARCH, today=date(2026, 4, 2))
    got = _one(runs, cid)
    assert got["lines"] == [
        {"method": "per_case", "quantity": 2, "amount": "816645.97"},
        {"method": "per_service", "quantity": 2, "amount": "5779.02"},
    ]
    assert got["unpaid"] == [] and got["deductions"] == []
    # the month's plan: 1,000,000.00 inpatient; 100,000.00 consult: no linear scale
    assert got["linear_scale_cut"] == "0.00"
    assert got["payable"] == "822424.99"
