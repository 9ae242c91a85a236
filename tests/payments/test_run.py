"""The monthly run (docs/payments.md, "The monthly run"): hand-computed cases, kz-law.

Figures of the kz-law rulebook used below: the base rate of 2026 175,622.79 (TAR, implied 2026
rate); SYN.CA01 inpatient weight 3.1; SYN.PU01 0.85 (day weight 0.34); SYN.OB01 0.9; SYN.AD01
admission weight 0.2 (all synthetic); A01.003.000 2,889.51 (TAR annex 7, 2026); the ambulance
per-capita rate 360.27 (from 2025-07-01, unverified); the defect classifier (MON annex 1, edition
of 27.02.2026): 6.0 → PHC 5 × the per-capita rate, KDU 30%, inpatient 30%; 5.1 → 100 ×, 300%, 300%.
A contract's annual sum is spread evenly over its 12 months (1,200,000.00 → 100,000.00 a month).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import func, select

from osms.payments import advances
from osms.payments import protocol as steps
from osms.payments.advances import AdvanceRefused
from osms.payments.models import PaymentRunTrace
from osms.payments.run import per_capita_amounts, run_month
from osms.rulebooks.loader import load_rulebook
from tests.payments.run_world import add_person, add_provider, attach, contract, defect, finding, iin, record

MARCH = date(2026, 3, 1)
APRIL_2 = date(2026, 4, 2)
KZ = load_rulebook("kz-law")


def _run(session: Any, contract_id: str, month: date = MARCH, today: date = APRIL_2) -> dict[str, Any]:
    runs = run_month(session, KZ, month, contract_id=contract_id, today=today)
    assert len(runs) == 1
    return runs[0].as_dict()


def _person(session: Any, serial: int = 1, birth: date = date(1980, 1, 1)) -> str:
    return add_person(session, iin(birth, "M", serial), birth=birth, sex="M")


def test_per_case_and_per_service_lines(session: Any) -> None:
    add_provider(session, "H1")
    cid = contract(session, "H1", [("inpatient_planned", "12000000.00"), ("consult_diag", "1200000.00")])
    person = _person(session)
    # a whole case: 175,622.79 × 3.1 = 544,430.649 → 544,430.65 (TAR; PAY п.70)
    record(session, "H1", "r1", person, care_form="inpatient", care_type="inpatient_planned",
           case_group="SYN.CA01", day=date(2026, 3, 1), until=date(2026, 3, 10))  # fmt: skip
    # a death after 2 bed-days: × 0.5 → 272,215.3245 → 272,215.32 (PAY п.81)
    record(session, "H1", "r2", person, care_form="inpatient", care_type="inpatient_planned",
           case_group="SYN.CA01", day=date(2026, 3, 3), until=date(2026, 3, 5), outcome="died")  # fmt: skip
    # a visit, quantity 2: 2,889.51 × 2 = 5,779.02 (TAR annex 7; PAY п.63)
    record(session, "H1", "r3", person, care_form="outpatient", care_type="consult_diag",
           service_code="A01.003.000", quantity=2)  # fmt: skip
    got = _run(session, cid)
    assert got["lines"] == [
        {"method": "per_case", "quantity": 2, "amount": "816645.97"},  # 544,430.65 + 272,215.32
        {"method": "per_service", "quantity": 2, "amount": "5779.02"},
    ]
    assert got["unpaid"] == [] and got["deductions"] == []
    assert got["linear_scale_cut"] == "0.00"  # plans: 1,000,000.00 inpatient, 100,000.00 consultations
    assert got["payable"] == "822424.99"
    assert set(got) == {
        "contract_id", "provider_id", "month", "lines", "unpaid", "deductions", "advance_withheld",
        "linear_scale_cut", "payable", "protocol_date", "objection_until", "payment_due",
    }  # fmt: skip


def test_partial_cases(session: Any) -> None:
    add_provider(session, "H2")
    cid = contract(
        session,
        "H2",
        [(t, "12000000.00") for t in ("day_hospital", "home_hospital", "inpatient_planned", "emergency")],
    )
    person = _person(session)
    # day hospital, the group's own day weight: 175,622.79 × 0.34 = 59,711.7486 → 59,711.75 (TAR)
    record(session, "H2", "d1", person, care_form="day_hospital", care_type="day_hospital", case_group="SYN.PU01")
    # day hospital with the listed procedure 13.73: 175,622.79 × 0.85 × 0.75 = 111,959.528625 → 111,959.53 (PAY п.71)
    record(session, "H2", "d2", person, care_form="day_hospital", care_type="day_hospital", case_group="SYN.PU01",
           procedures="13.73")  # fmt: skip
    # hospital at home: 175,622.79 × 0.85 / 6 = 24,879.89525 → 24,879.90 (PAY п.73)
    record(session, "H2", "h1", person, care_form="home_hospital", care_type="home_hospital", case_group="SYN.PU01")
    # transferred after 2 bed-days: 544,430.649 × 2/10 = 108,886.1298 → 108,886.13 (PAY п.81; divisor ours)
    record(session, "H2", "i1", person, care_form="inpatient", care_type="inpatient_planned", case_group="SYN.CA01",
           day=date(2026, 3, 3), until=date(2026, 3, 5), outcome="transferred")  # fmt: skip
    # admission department, its own weight: 175,622.79 × 0.2 = 35,124.558 → 35,124.56 (PAY п.92)
    record(session, "H2", "a1", person, care_form="admission", care_type="emergency", case_group="SYN.AD01")
    runs = run_month(session, KZ, MARCH, contract_id=cid, today=APRIL_2)
    got = runs[0].as_dict()
    # 59,711.75 + 111,959.53 + 24,879.90 + 108,886.13 + 35,124.56 = 340,561.87
    assert got["lines"] == [{"method": "per_case", "quantity": 5, "amount": "340561.87"}]
    by_type = {ln["care_type"]: ln["amount"] for ln in runs[0].lines}
    assert by_type == {
        "day_hospital": Decimal("171671.28"),
        "home_hospital": Decimal("24879.90"),
        "inpatient_planned": Decimal("108886.13"),
        "emergency": Decimal("35124.56"),
    }
    rules = {r for ln in runs[0].lines for r in ln["rules"]}
    assert any(r.startswith("tariffs.day_hospital_procedures") for r in rules), rules
    assert any(r.startswith("tariffs.home_hospital_share") for r in rules), rules
    assert got["payable"] == "340561.87"


def test_unpayable_records_are_left_out_with_the_reason(session: Any) -> None:
    add_provider(session, "H3")
    cid = contract(session, "H3", [("consult_diag", "1200000.00")])
    person = _person(session)
    kw = {"care_form": "outpatient", "care_type": "consult_diag", "service_code": "A01.003.000"}
    # not covered by the fund (no defect): unpaid at its price 2,889.51
    finding(session, record(session, "H3", "v1", person, **kw), "not_covered")
    # after death, but the defect 5.1 was withdrawn on appeal: paid
    v2 = record(session, "H3", "v2", person, **kw)
    f2 = finding(session, v2, "dead_before_service", "5.1")
    defect(session, "H3", "5.1", rec=v2, status="withdrawn", finding_id=f2.id)
    # a duplicate whose defect 3.1 is still under appeal: unpaid
    v3 = record(session, "H3", "v3", person, **kw)
    f3 = finding(session, v3, "duplicate", "3.1")
    defect(session, "H3", "3.1", rec=v3, status="objected", finding_id=f3.id)
    # a flag that is not unpayable (sex mismatch) pays the record
    finding(session, record(session, "H3", "v4", person, **kw), "doctor_overload")
    got = _run(session, cid)
    assert got["lines"] == [{"method": "per_service", "quantity": 2, "amount": "5779.02"}]
    assert got["unpaid"] == [
        {"code": "duplicate", "count": 1, "amount": "2889.51"},
        {"code": "not_covered", "count": 1, "amount": "2889.51"},
    ]
    assert got["payable"] == "5779.02"


def test_deductions_by_the_classifier(session: Any) -> None:
    add_provider(session, "H4")
    cid = contract(session, "H4", [("inpatient_planned", "12000000.00"), ("consult_diag", "1200000.00")])
    person = _person(session)
    case = record(session, "H4", "c1", person, care_form="inpatient", care_type="inpatient_planned",
                  case_group="SYN.CA01", day=date(2026, 3, 1), until=date(2026, 3, 10))  # fmt: skip
    kw = {"care_form": "outpatient", "care_type": "consult_diag", "service_code": "A01.003.000"}
    visit = record(session, "H4", "v1", person, **kw)
    dead = record(session, "H4", "v2", person, **kw)
    # 6.0 on a case: 30% × 544,430.65 = 163,329.195 → 163,329.20 (MON annex 1)
    defect(session, "H4", "6.0", rec=case)
    # 6.0 on a visit, notified on 2026-03-02 and never objected to: confirmed when the 5 working
    # days lapsed (claims.monitoring.confirm_lapsed); 30% × 2,889.51 = 866.853 → 866.85
    defect(session, "H4", "6.0", rec=visit, status="notified", found_on=date(2026, 3, 2))
    # 5.1 on a record left unpaid (after death): 300% − the 100% not paid = 200% × 2,889.51 = 5,779.02
    f = finding(session, dead, "dead_before_service", "5.1")
    defect(session, "H4", "5.1", rec=dead, finding_id=f.id)
    # a withdrawn defect deducts nothing
    defect(session, "H4", "1.0", rec=case, status="withdrawn")
    runs = run_month(session, KZ, MARCH, contract_id=cid, today=APRIL_2)
    got = runs[0].as_dict()
    assert got["deductions"] == [
        {"code": "5.1", "count": 1, "amount": "5779.02"},
        {"code": "6.0", "count": 2, "amount": "164196.05"},
    ]
    assert got["unpaid"] == [{"code": "dead_before_service", "count": 1, "amount": "2889.51"}]
    # 544,430.65 + 2,889.51 − 5,779.02 − 164,196.05 = 377,345.09
    assert got["payable"] == "377345.09"
    assert any(r.startswith("defects.6.0") for d in runs[0].deductions for r in d["rules"])


def test_per_capita_ambulance_and_phc_deduction(session: Any) -> None:
    add_provider(session, "P1", kind="phc", region="KZ-ALA", capacity=100)
    add_provider(session, "A1", kind="ambulance", region="KZ-ALA")
    phc = contract(session, "P1", [("phc", "12000000.00")])
    amb = contract(session, "A1", [("ambulance", "12000000.00")])
    for serial in range(1, 4):
        attach(session, _person(session, serial), "P1", date(2025, 1, 1))
    # a PHC visit is paid by the per-capita norm, not one by one
    record(session, "P1", "v1", iin(date(1980, 1, 1), "M", 1), care_form="phc", care_type="phc",
           service_code="A01.003.000")  # fmt: skip
    # a defect of care with no record: the PHC figure, 5 × the provider's per-capita rate
    defect(session, "P1", "6.0")
    people, amount, rate, _rules = per_capita_amounts(session, KZ, MARCH, ["P1"])["P1"]
    got = _run(session, phc)
    assert got["lines"] == [{"method": "per_capita", "quantity": people, "amount": f"{amount:.2f}"}]
    assert got["deductions"] == [{"code": "6.0", "count": 1, "amount": f"{5 * rate:.2f}"}]
    # ambulance per capita (PAY п.38-39): the 3 people attached in the region × 360.27 = 1,080.81
    got = _run(session, amb)
    assert got["lines"] == [{"method": "ambulance_per_capita", "quantity": 3, "amount": "1080.81"}]


def test_linear_scale_above_the_month_sum(session: Any) -> None:
    add_provider(session, "H5")
    cid = contract(session, "H5", [("inpatient_planned", "1200000.00")])  # 100,000.00 a month
    person = _person(session)
    record(session, "H5", "c1", person, care_form="inpatient", care_type="inpatient_planned",
           case_group="SYN.CA01", day=date(2026, 3, 1), until=date(2026, 3, 10))  # fmt: skip  # 544,430.65
    # a delivery (ICD-10 O80, maternity: exempt): 175,622.79 × 0.9 = 158,060.511 → 158,060.51
    record(session, "H5", "c2", person, care_form="inpatient", care_type="inpatient_planned",
           case_group="SYN.OB01", icd10="O80", day=date(2026, 3, 1), until=date(2026, 3, 10))  # fmt: skip
    got = _run(session, cid)
    # allowed = the month's 100,000.00 + the annual remainder beyond the plans of March-December:
    # 1,200,000.00 − 0 paid before − 10 × 100,000.00 = 200,000.00 → 300,000.00. The exempt case is
    # paid whole (158,060.51); the rest 544,430.65 keeps 300,000.00 − 158,060.51 = 141,939.49:
    # cut 544,430.65 − 141,939.49 = 402,491.16
    assert got["linear_scale_cut"] == "402491.16"
    assert got["payable"] == "300000.00"


def test_annual_cap_and_manual_adjustments(session: Any) -> None:
    add_provider(session, "H6")
    cid = contract(session, "H6", [("consult_diag", "1200000.00")])
    record(session, "H6", "v1", _person(session), care_form="outpatient", care_type="consult_diag",
           service_code="A01.003.000")  # fmt: skip
    steps.adjust(session, cid, MARCH, "1500000.00", "settlement of 2025 volumes", created_by="op")
    steps.adjust(session, cid, MARCH, "-100.00", "late report", created_by="op")
    runs = run_month(session, KZ, MARCH, contract_id=cid, today=APRIL_2)
    # 2,889.51 + 1,500,000.00 − 100.00 = 1,502,789.51; the year's contract sum 1,200,000.00:
    # cap cut 302,789.51, payable 1,200,000.00 (never above the contract)
    assert runs[0].cap_cut == Decimal("302789.51")
    assert runs[0].as_dict()["payable"] == "1200000.00"
    assert [a["reason"] for a in runs[0].adjustments] == ["settlement of 2025 volumes", "late report"]


def test_advance_withheld_in_equal_parts(session: Any) -> None:
    add_provider(session, "H7")
    add_provider(session, "H8")
    # H7 had a contract in 2025, so it is not a first-time provider (PAY п.8-12)
    contract(session, "H7", [("consult_diag", "1200000.00")], valid_from=date(2025, 1, 1),
             valid_to=date(2025, 12, 31), contract_id="C-H7-2025")  # fmt: skip
    cid = contract(session, "H7", [("consult_diag", "1200000.00")], advance_percent=40)
    short = contract(session, "H8", [("consult_diag", "600000.00")], advance_percent=30,
                     valid_to=date(2026, 6, 30))  # fmt: skip
    for serial, provider in enumerate(("H7", "H8"), start=1):
        record(session, provider, "v1", _person(session, serial), care_form="outpatient", care_type="consult_diag",
               service_code="A01.003.000", day=date(2026, 1, 12))  # fmt: skip
        steps.adjust(session, f"C-{provider}", date(2026, 1, 1), "100000.00", "other payment", created_by="op")
    january = date(2026, 1, 1)
    # the contract's 40% is above the law's 30% (PAY п.8-12): refused; 30% asked is recorded
    with pytest.raises(AdvanceRefused) as refused:
        advances.decide(session, KZ, cid, "signing", 2026, decided_by="op", today=date(2026, 1, 5))
    assert refused.value.code == "over_limit"
    paid = advances.decide(session, KZ, cid, "signing", 2026, decided_by="op", percent=30, today=date(2026, 1, 5))
    assert paid.amount == Decimal("360000.00")  # 30% × 1,200,000.00
    # withheld in 11 equal parts (January to November): 360,000.00 / 11 = 32,727.2727 → 32,727.27;
    # 2,889.51 + 100,000.00 − 32,727.27 = 70,162.24
    got = _run(session, cid, january, date(2026, 2, 2))
    assert got["advance_withheld"] == "32727.27"
    assert got["payable"] == "70162.24"
    # a contract of 6 months gets no advance: refused, and nothing is withheld
    with pytest.raises(AdvanceRefused) as refused:
        advances.decide(session, KZ, short, "signing", 2026, decided_by="op", today=date(2026, 1, 5))
    assert refused.value.code == "short_contract"
    assert _run(session, short, january, date(2026, 2, 2))["advance_withheld"] == "0.00"


def test_december_capped_at_the_average(session: Any) -> None:
    add_provider(session, "H9")
    cid = contract(session, "H9", [("consult_diag", "12000000.00")])
    person = _person(session)
    kw = {"care_form": "outpatient", "care_type": "consult_diag", "service_code": "A01.003.000"}
    record(session, "H9", "n1", person, day=date(2026, 11, 3), **kw)
    for i in range(3):
        record(session, "H9", f"d{i}", person, day=date(2026, 12, 3), **kw)
    assert _run(session, cid, date(2026, 11, 1), date(2026, 12, 2))["payable"] == "2889.51"
    december = run_month(session, KZ, date(2026, 12, 1), contract_id=cid, today=date(2026, 12, 28))[0]
    # 3 × 2,889.51 = 8,668.53; the average of the year's earlier months (November only) 2,889.51
    assert december.december_cut == Decimal("5779.02")
    assert december.as_dict()["payable"] == "2889.51"


def test_protocol_objection_and_signature(session: Any) -> None:
    add_provider(session, "H10")
    cid = contract(session, "H10", [("consult_diag", "1200000.00")])
    record(session, "H10", "v1", _person(session), care_form="outpatient", care_type="consult_diag",
           service_code="A01.003.000")  # fmt: skip
    run_month(session, KZ, MARCH, contract_id=cid, today=APRIL_2)
    with pytest.raises(steps.RunConflict) as refused:
        steps.sign(session, KZ, cid, MARCH, signed_by="op", today=APRIL_2)
    assert refused.value.code == "no_protocol"
    # issued Thursday 2026-04-02: 3 working days (PAY п.20) → Friday 3, Monday 6, Tuesday 7 April
    issued = steps.protocol(session, KZ, cid, MARCH, today=APRIL_2)
    assert issued.as_dict()["objection_until"] == "2026-04-07"
    with pytest.raises(steps.RunConflict):
        steps.sign(session, KZ, cid, MARCH, signed_by="op", today=date(2026, 4, 7))  # the window is open
    # re-running with nothing changed keeps the protocol
    again = run_month(session, KZ, MARCH, contract_id=cid, today=date(2026, 4, 3))[0]
    assert again.status == "protocol" and again.objection_until == date(2026, 4, 7)
    objected = steps.object_to(session, KZ, cid, MARCH, "visit v1 was paid twice", today=date(2026, 4, 6))
    assert objected.status == "objected"
    row = steps.find_run(session, cid, MARCH)
    assert row.answer_due == date(2026, 4, 8)  # 2 working days (PAY п.20)
    with pytest.raises(steps.RunConflict) as open_objection:
        steps.sign(session, KZ, cid, MARCH, signed_by="op", today=date(2026, 4, 8))
    assert open_objection.value.code == "objection_open"
    steps.answer(session, cid, MARCH, "it was not", today=date(2026, 4, 8))
    signed = steps.sign(session, KZ, cid, MARCH, signed_by="op", today=date(2026, 4, 8))
    # payment due 10 calendar days after signing (PAY п.26)
    assert signed.as_dict()["payment_due"] == "2026-04-18"
    with pytest.raises(steps.RunConflict):
        steps.adjust(session, cid, MARCH, "10.00", "late", created_by="op")


def test_signed_month_is_frozen_and_corrected_later(session: Any) -> None:
    add_provider(session, "H11")
    cid = contract(session, "H11", [("inpatient_planned", "12000000.00"), ("consult_diag", "1200000.00")])
    person = _person(session)
    case = record(session, "H11", "c1", person, care_form="inpatient", care_type="inpatient_planned",
                  case_group="SYN.CA01", day=date(2026, 3, 1), until=date(2026, 3, 10))  # fmt: skip
    visit = record(session, "H11", "v1", person, care_form="outpatient", care_type="consult_diag",
                   service_code="A01.003.000")  # fmt: skip
    late = record(session, "H11", "v2", person, care_form="outpatient", care_type="consult_diag",
                  service_code="A01.003.000")  # fmt: skip
    before = _run(session, cid)
    steps.protocol(session, KZ, cid, MARCH, today=APRIL_2)
    steps.sign(session, KZ, cid, MARCH, signed_by="op", today=date(2026, 4, 8))  # payment due 2026-04-18
    # after signing: the case is corrected (transferred after 2 bed-days), a hidden defect is found
    # within 6 months of the payment, another after them
    from datetime import UTC, datetime

    case.outcome, case.date_from, case.date_to = "transferred", date(2026, 3, 3), date(2026, 3, 5)
    case.version, case.received_at = 2, datetime.now(UTC)
    defect(session, "H11", "6.0", rec=visit, found_on=date(2026, 5, 10))
    defect(session, "H11", "6.0", rec=late, found_on=date(2026, 10, 19))  # 2026-04-18 + 6 months < this
    session.flush()
    frozen = _run(session, cid, MARCH, date(2026, 5, 11))
    assert frozen["payable"] == before["payable"] and frozen["payment_due"] == "2026-04-18"
    april = run_month(session, KZ, date(2026, 4, 1), contract_id=cid, today=date(2026, 5, 11))[0]
    got = {(r["cause"], r["of_month"]): r["amount"] for r in april.recalculations}
    # the case was paid 544,430.65 and is now worth 108,886.13: −435,544.52; the hidden defect 6.0
    # on the visit: −30% × 2,889.51 = −866.85 (the later one is past 6 months: nothing)
    assert got == {("correction", "2026-03"): Decimal("-435544.52"), ("hidden_defect", "2026-03"): Decimal("-866.85")}
    assert april.as_dict()["payable"] == "-436411.37"
    # run again: the same recalculations, not twice
    again = run_month(session, KZ, date(2026, 4, 1), contract_id=cid, today=date(2026, 5, 11))[0]
    assert again.as_dict() == april.as_dict()


def test_traces_add_up(session: Any) -> None:
    add_provider(session, "H12")
    cid = contract(session, "H12", [("inpatient_planned", "12000000.00"), ("consult_diag", "1200000.00")])
    person = _person(session)
    case = record(session, "H12", "c1", person, care_form="inpatient", care_type="inpatient_planned",
                  case_group="SYN.CA01", day=date(2026, 3, 1), until=date(2026, 3, 10))  # fmt: skip
    for i in range(3):
        record(session, "H12", f"v{i}", person, care_form="outpatient", care_type="consult_diag",
               service_code="A01.003.000", quantity=i + 1)  # fmt: skip
    finding(session, record(session, "H12", "x", person, care_form="outpatient", care_type="consult_diag",
                            service_code="A01.003.000"), "not_covered")  # fmt: skip
    defect(session, "H12", "6.0", rec=case)
    run = run_month(session, KZ, MARCH, contract_id=cid, today=APRIL_2)[0]

    def traced(target: str) -> Decimal:
        total = session.scalar(
            select(func.coalesce(func.sum(PaymentRunTrace.amount), 0)).where(PaymentRunTrace.target == target)
        )
        return Decimal(total).quantize(Decimal("0.01"))

    assert traced("line") == sum(ln["amount"] for ln in run.lines)
    assert traced("unpaid") == sum(u["amount"] for u in run.unpaid)
    assert traced("deduction") == sum(d["amount"] for d in run.deductions)
    assert session.scalar(select(func.count()).where(PaymentRunTrace.target == "line")) == 4


def test_ambulance_split_among_the_regions_stations(session: Any) -> None:
    add_provider(session, "P2", kind="phc", region="KZ-ALA", capacity=100)
    add_provider(session, "A2", kind="ambulance", region="KZ-ALA")
    add_provider(session, "A3", kind="ambulance", region="KZ-ALA")
    contract(session, "P2", [("phc", "12000000.00")])
    first = contract(session, "A2", [("ambulance", "12000000.00")])
    second = contract(session, "A3", [("ambulance", "12000000.00")])
    for serial in range(1, 6):
        attach(session, _person(session, serial), "P2", date(2025, 1, 1))
    # 5 people, 2 stations: 3 and 2 (the first by id takes the remainder); 3 × 360.27 = 1,080.81,
    # 2 × 360.27 = 720.54 — the same whether one contract or all are run
    assert _run(session, first)["lines"] == [{"method": "ambulance_per_capita", "quantity": 3, "amount": "1080.81"}]
    assert _run(session, second)["lines"] == [{"method": "ambulance_per_capita", "quantity": 2, "amount": "720.54"}]
    every = {r.contract_id: r.as_dict()["lines"] for r in run_month(session, KZ, MARCH, today=APRIL_2)}
    assert every[first][0]["amount"] == "1080.81" and every[second][0]["amount"] == "720.54"
