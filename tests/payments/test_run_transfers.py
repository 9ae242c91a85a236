"""Transfers between departments of one hospital are one case, paid by the final diagnosis (PAY п.80;
docs/payments.md, "The monthly run"): hand-computed, kz-law.

Figures: the base rate of 2026 175,622.79 (TAR, implied 2026 rate); the synthetic weights SYN.SU01
1.1, SYN.CA01 3.1, SYN.OR01 4.2, SYN.NE01 2.8; PAY п.81: a death within 3 bed-days 50%, a transfer
within 3 bed-days by bed-days / 10 (the divisor ours). Bed-days are ``date_to − date_from``.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from html import unescape
from typing import Any

import pytest
from sqlalchemy import select

from osms.core.security import create_user
from osms.payments import protocol as steps
from osms.payments.models import PaymentRun, PaymentRunLine, PaymentRunTrace, PaymentRunUnpaid
from osms.payments.run import load_run, run_month
from osms.rulebooks.loader import load_rulebook
from osms.web import pages
from tests.payments.acts_world import PASSWORD, logged
from tests.payments.run_world import add_person, add_provider, contract, defect, finding, iin, record

KZ = load_rulebook("kz-law")
MARCH = date(2026, 3, 1)
APRIL_2 = date(2026, 4, 2)
YEAR = "120000000.00"  # 10,000,000.00 a month: no linear-scale cut


def _stay(session: Any, provider: str, rid: str, person: str, group: str, start: date, end: date, outcome: str) -> Any:
    return record(session, provider, rid, person, care_form="inpatient", care_type="inpatient_planned",
                  case_group=group, day=start, until=end, outcome=outcome)  # fmt: skip


def _person(session: Any, serial: int = 1) -> str:
    return add_person(session, iin(date(1980, 1, 1), "M", serial), birth=date(1980, 1, 1), sex="M")


def _traces(session: Any, run_id: int) -> dict[int, tuple[str, int, int | None, Decimal]]:
    rows = session.execute(
        select(
            PaymentRunTrace.record_ref,
            PaymentRunTrace.target,
            PaymentRunTrace.target_id,
            PaymentRunTrace.price_id,
            PaymentRunTrace.amount,
        ).where(PaymentRunTrace.run_id == run_id, PaymentRunTrace.target.in_(("line", "unpaid")))
    )
    return {r[0]: (r[1], r[2], r[3], Decimal(r[4])) for r in rows}


def test_two_legs_are_one_case_by_the_final_group(session: Any) -> None:
    add_provider(session, "T1")
    cid = contract(session, "T1", [("inpatient_planned", YEAR)])
    person = _person(session)
    # surgery 1 bed-day, transferred to intensive care the same day: alone 175,622.79 × 1.1 × 1/10
    # = 19,318.51 (п.81); merged it has no price of its own
    leg = _stay(session, "T1", "s1", person, "SYN.SU01", date(2026, 3, 3), date(2026, 3, 4), "transferred")
    # the final diagnosis SYN.CA01, discharged; the chain 03.03-03.12 = 9 bed-days: the whole case
    # 175,622.79 × 3.1 = 544,430.649 → 544,430.65
    final = _stay(session, "T1", "s2", person, "SYN.CA01", date(2026, 3, 4), date(2026, 3, 12), "discharged")
    run = run_month(session, KZ, MARCH, contract_id=cid, today=APRIL_2)[0]
    got = run.as_dict()
    assert got["lines"] == [{"method": "per_case", "quantity": 1, "amount": "544430.65"}]
    assert got["payable"] == "544430.65"
    details = run.details()
    assert details["merged_transfers"] == 1
    assert any("PAY p.80" in note for note in details["notes"])
    # both records trace to the case's line: the leg with 0 and no price, the final with the case
    line_id = run.lines[0]["id"]
    traces = _traces(session, session.scalar(select(PaymentRun.id).where(PaymentRun.contract_id == cid)))
    assert traces[leg.id] == ("line", line_id, None, Decimal("0.00"))
    target, target_id, price_id, amount = traces[final.id]
    assert (target, target_id, amount) == ("line", line_id, Decimal("544430.65"))
    assert price_id is not None
    # the stored run says the same
    row = session.scalar(select(PaymentRun).where(PaymentRun.contract_id == cid))
    assert load_run(session, row).merged_transfers == 1


def test_three_legs_take_the_bed_days_of_the_whole_chain(session: Any) -> None:
    add_provider(session, "T2")
    cid = contract(session, "T2", [("inpatient_planned", YEAR)])
    person = _person(session)
    _stay(session, "T2", "a", person, "SYN.SU01", date(2026, 3, 1), date(2026, 3, 2), "transferred")
    # the next leg starts the same day; the third the day after (a transfer at night, within GAP_DAYS 1)
    _stay(session, "T2", "b", person, "SYN.OR01", date(2026, 3, 2), date(2026, 3, 3), "transferred")
    _stay(session, "T2", "c", person, "SYN.NE01", date(2026, 3, 4), date(2026, 3, 5), "died")
    # alone the last leg is a death after 1 bed-day: 50%. The chain 03.01-03.05 is 4 bed-days, more
    # than 3: the whole case of the final group, 175,622.79 × 2.8 = 491,743.812 → 491,743.81
    run = run_month(session, KZ, MARCH, contract_id=cid, today=APRIL_2)[0]
    assert run.as_dict()["lines"] == [{"method": "per_case", "quantity": 1, "amount": "491743.81"}]
    assert run.merged_transfers == 2
    traced = sum(t[3] for t in _traces(session, session.scalar(select(PaymentRun.id))).values())
    assert traced == Decimal("491743.81")


def test_a_short_chain_ending_in_a_transfer_to_another_hospital(session: Any) -> None:
    add_provider(session, "T3")
    add_provider(session, "T4")
    c3 = contract(session, "T3", [("inpatient_planned", YEAR)])
    c4 = contract(session, "T4", [("inpatient_planned", YEAR)])
    person = _person(session)
    _stay(session, "T3", "x1", person, "SYN.SU01", date(2026, 3, 10), date(2026, 3, 11), "transferred")
    _stay(session, "T3", "x2", person, "SYN.CA01", date(2026, 3, 11), date(2026, 3, 12), "transferred")
    # then to another hospital: not merged (п.81's rule by bed-days stays). T3's chain is 2 bed-days
    # ended by a transfer: 544,430.649 × 2/10 = 108,886.1298 → 108,886.13
    _stay(session, "T4", "y1", person, "SYN.CA01", date(2026, 3, 12), date(2026, 3, 20), "discharged")
    runs = {r.contract_id: r for r in run_month(session, KZ, MARCH, today=APRIL_2) if r.contract_id in (c3, c4)}
    assert runs[c3].as_dict()["lines"] == [{"method": "per_case", "quantity": 1, "amount": "108886.13"}]
    assert runs[c3].merged_transfers == 1
    # T4 pays its own whole case, 8 bed-days: 544,430.65
    assert runs[c4].as_dict()["lines"] == [{"method": "per_case", "quantity": 1, "amount": "544430.65"}]
    assert runs[c4].merged_transfers == 0


def test_a_discharge_and_another_person_are_not_merged(session: Any) -> None:
    add_provider(session, "T5")
    cid = contract(session, "T5", [("inpatient_planned", YEAR)])
    one, two = _person(session, 1), _person(session, 2)
    # discharged, then admitted again the same day: two cases, 175,622.79 × 1.1 = 193,185.069 →
    # 193,185.07 and 544,430.65
    _stay(session, "T5", "d1", one, "SYN.SU01", date(2026, 3, 1), date(2026, 3, 5), "discharged")
    _stay(session, "T5", "d2", one, "SYN.CA01", date(2026, 3, 5), date(2026, 3, 12), "completed")
    # a transfer whose next record is another person's, and one followed two days later: not merged,
    # each 1 bed-day transferred: 193,185.069 × 1/10 = 19,318.5069 → 19,318.51, twice
    _stay(session, "T5", "e1", one, "SYN.SU01", date(2026, 3, 20), date(2026, 3, 21), "transferred")
    _stay(session, "T5", "e2", two, "SYN.CA01", date(2026, 3, 21), date(2026, 3, 29), "completed")
    _stay(session, "T5", "f1", two, "SYN.SU01", date(2026, 3, 1), date(2026, 3, 2), "transferred")
    _stay(session, "T5", "f2", two, "SYN.SU01", date(2026, 3, 4), date(2026, 3, 10), "completed")
    run = run_month(session, KZ, MARCH, contract_id=cid, today=APRIL_2)[0]
    # 193,185.07 + 544,430.65 + 19,318.51 + 544,430.65 + 19,318.51 + 193,185.07 = 1,513,868.46
    assert run.as_dict()["lines"] == [{"method": "per_case", "quantity": 6, "amount": "1513868.46"}]
    assert run.merged_transfers == 0
    assert not any("PAY p.80" in note for note in run.notes)


def test_another_care_type_and_two_transfers_into_one_record(session: Any) -> None:
    add_provider(session, "T11")
    cid = contract(session, "T11", [("inpatient_planned", YEAR), ("inpatient_emergency", YEAR)])
    person = _person(session)
    # an emergency stay transferred into a planned one: another care type, not merged. Alone:
    # 193,185.069 × 1/10 = 19,318.5069 → 19,318.51 (emergency) and the planned SYN.CA01 03.02-03.09,
    # 7 bed-days, whole: 544,430.65
    record(session, "T11", "g1", person, care_form="inpatient", care_type="inpatient_emergency",
           case_group="SYN.SU01", day=date(2026, 3, 1), until=date(2026, 3, 2), outcome="transferred")  # fmt: skip
    _stay(session, "T11", "g2", person, "SYN.CA01", date(2026, 3, 2), date(2026, 3, 9), "completed")
    # two transfers that could both continue into h3: it takes the latest preceding one (h2, by end
    # day, then the later record); h1 stays alone, 2 bed-days transferred: 193,185.069 × 2/10 =
    # 38,637.0138 → 38,637.01; h2 + h3 is one case of SYN.CA01 03.19-03.29, 10 bed-days: 544,430.65
    _stay(session, "T11", "h1", person, "SYN.SU01", date(2026, 3, 18), date(2026, 3, 20), "transferred")
    _stay(session, "T11", "h2", person, "SYN.SU01", date(2026, 3, 19), date(2026, 3, 20), "transferred")
    _stay(session, "T11", "h3", person, "SYN.CA01", date(2026, 3, 20), date(2026, 3, 29), "completed")
    run = run_month(session, KZ, MARCH, contract_id=cid, today=APRIL_2)[0]
    by_type = {ln["care_type"]: (ln["quantity"], ln["amount"]) for ln in run.lines}
    assert by_type == {
        "inpatient_emergency": (1, Decimal("19318.51")),
        "inpatient_planned": (3, Decimal("1127498.31")),  # 544,430.65 + 38,637.01 + 544,430.65
    }
    assert run.merged_transfers == 1


def test_a_chain_across_the_month_end_is_split(session: Any) -> None:
    add_provider(session, "T6")
    cid = contract(session, "T6", [("inpatient_planned", YEAR)])
    person = _person(session)
    # the first leg ends in February: paid in February by п.81, 1 bed-day: 19,318.51
    _stay(session, "T6", "m1", person, "SYN.SU01", date(2026, 2, 27), date(2026, 2, 28), "transferred")
    # the next leg, in March, is a case of its own: 02.28-03.10 = 10 bed-days, whole 544,430.65
    _stay(session, "T6", "m2", person, "SYN.CA01", date(2026, 2, 28), date(2026, 3, 10), "discharged")
    february = run_month(session, KZ, date(2026, 2, 1), contract_id=cid, today=date(2026, 3, 2))[0]
    assert february.as_dict()["lines"] == [{"method": "per_case", "quantity": 1, "amount": "19318.51"}]
    march = run_month(session, KZ, MARCH, contract_id=cid, today=APRIL_2)[0]
    assert march.as_dict()["lines"] == [{"method": "per_case", "quantity": 1, "amount": "544430.65"}]
    assert february.merged_transfers == 0 and march.merged_transfers == 0


def test_an_unpayable_final_leaves_the_whole_chain_unpaid(session: Any) -> None:
    add_provider(session, "T7")
    cid = contract(session, "T7", [("inpatient_planned", YEAR)])
    person = _person(session)
    leg = _stay(session, "T7", "u1", person, "SYN.SU01", date(2026, 3, 3), date(2026, 3, 4), "transferred")
    final = _stay(session, "T7", "u2", person, "SYN.CA01", date(2026, 3, 4), date(2026, 3, 12), "discharged")
    finding(session, final, "not_covered")
    run = run_month(session, KZ, MARCH, contract_id=cid, today=APRIL_2)[0]
    # the case is unpaid once, at the chain's price 544,430.65; the leg points to it with 0
    assert run.as_dict()["unpaid"] == [{"code": "not_covered", "count": 1, "amount": "544430.65"}]
    assert run.as_dict()["lines"] == []
    traces = _traces(session, session.scalar(select(PaymentRun.id).where(PaymentRun.contract_id == cid)))
    unpaid_id = session.scalar(select(PaymentRunUnpaid.id))
    assert traces[leg.id] == ("unpaid", unpaid_id, None, Decimal("0.00"))
    assert traces[final.id][0:2] == ("unpaid", unpaid_id) and traces[final.id][3] == Decimal("544430.65")
    assert session.scalar(select(PaymentRunLine.id)) is None


def test_a_defect_on_a_leg_deducts_from_the_case(session: Any) -> None:
    add_provider(session, "T8")
    cid = contract(session, "T8", [("inpatient_planned", YEAR)])
    person = _person(session)
    leg = _stay(session, "T8", "k1", person, "SYN.SU01", date(2026, 3, 3), date(2026, 3, 4), "transferred")
    _stay(session, "T8", "k2", person, "SYN.CA01", date(2026, 3, 4), date(2026, 3, 12), "discharged")
    defect(session, "T8", "6.0", rec=leg)
    run = run_month(session, KZ, MARCH, contract_id=cid, today=APRIL_2)[0]
    # the leg has no price of its own: 6.0 is 30% of the case (MON annex 1), 544,430.65 × 0.30 =
    # 163,329.195 → 163,329.20 (not 30% of the leg's own 19,318.51)
    assert run.as_dict()["deductions"] == [{"code": "6.0", "count": 1, "amount": "163329.20"}]
    assert run.as_dict()["payable"] == "381101.45"  # 544,430.65 − 163,329.20


def test_a_leg_corrected_after_signing_is_recalculated(session: Any) -> None:
    add_provider(session, "T9")
    cid = contract(session, "T9", [("inpatient_planned", YEAR)])
    person = _person(session)
    leg = _stay(session, "T9", "w1", person, "SYN.SU01", date(2026, 3, 1), date(2026, 3, 3), "transferred")
    _stay(session, "T9", "w2", person, "SYN.CA01", date(2026, 3, 3), date(2026, 3, 5), "died")
    # the chain 03.01-03.05 is 4 bed-days: a death after more than 3, the whole case 544,430.65
    assert run_month(session, KZ, MARCH, contract_id=cid, today=APRIL_2)[0].as_dict()["payable"] == "544430.65"
    steps.protocol(session, KZ, cid, MARCH, today=APRIL_2)
    steps.sign(session, KZ, cid, MARCH, signed_by="op", today=date(2026, 4, 8))
    # after signing, the first record is corrected: discharged, not transferred. It is a case of its
    # own now, whole: 175,622.79 × 1.1 = 193,185.069 → 193,185.07, paid 0. The second, not received
    # again, is alone now: a death after 2 bed-days, 50%: 544,430.649 × 0.5 = 272,215.3245 →
    # 272,215.32, paid 544,430.65: −272,215.33. The correction: 193,185.07 − 272,215.33 = −79,030.26
    leg.outcome, leg.version, leg.received_at = "discharged", 2, datetime.now(UTC)
    session.flush()
    april = run_month(session, KZ, date(2026, 4, 1), contract_id=cid, today=date(2026, 5, 11))[0]
    assert [(r["cause"], r["of_month"], r["count"], r["amount"]) for r in april.recalculations] == [
        ("correction", "2026-03", 2, Decimal("-79030.26"))
    ]


def test_the_statement_says_why_a_record_has_no_price(app: Any, session: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pages, "today", lambda: date(2026, 4, 3))
    add_provider(session, "T10")
    cid = contract(session, "T10", [("inpatient_planned", YEAR)])
    person = _person(session)
    _stay(session, "T10", "p1", person, "SYN.SU01", date(2026, 3, 3), date(2026, 3, 4), "transferred")
    _stay(session, "T10", "p2", person, "SYN.CA01", date(2026, 3, 4), date(2026, 3, 12), "discharged")
    run_month(session, KZ, MARCH, contract_id=cid, today=APRIL_2)
    create_user(session, "h10", PASSWORD, "clinic", "Аурухана T10", provider_id="T10")
    session.commit()
    client = logged(app, "h10")
    for lang, words in (
        ("en", "1 records continue another record of the same stay"),
        ("ru", "1 записей продолжают другую запись того же случая"),
        ("kk", "1 жазба сол емдеудің басқа жазбасын жалғастырады"),
    ):
        page = client.get("/payments/statement", params={"month": "2026-03", "lang": lang})
        assert page.status_code == 200
        text = unescape(page.text)
        assert 'data-merged="1"' in text and words in text, lang
        assert 'data-amount="544430.65"' in text  # the one case, by the final group
