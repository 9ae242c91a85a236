"""The monthly run with the service records' flags (PAY п.66-68) and children's oncology outside
the linear scale (PAY п.78); docs/payments.md, "The monthly run". Hand-computed, kz-law.

Figures of the kz-law rulebook: A01.003.000 2,889.51 (TAR annex 7, 2026); SYN.CONS.CARDIO 3,450.00
(synthetic); home visit × 2 (PAY п.67), remote × 1/2 (п.68), a consultation in a child's
preventive examination 50% (п.66), all from 2024-04-05; the 2026 base rate 175,622.79 and
SYN.CA01's weight 3.1: a case 544,430.649 → 544,430.65. A contract's annual sum is spread evenly
over its 12 months (1,200,000.00 → 100,000.00 a month).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from osms.claims import queries as claims
from osms.claims.models import ServiceRecord
from osms.payments.models import PaymentRunPrice, PaymentRunTrace
from osms.payments.run import run_month
from osms.payments.run_pricing import exempt_expression
from osms.rulebooks.loader import load_rulebook
from tests.payments.run_world import add_person, add_provider, contract, iin, record

MARCH = date(2026, 3, 1)
APRIL_2 = date(2026, 4, 2)
KZ = load_rulebook("kz-law")
HOME = "tariffs.home_visit_factor.2024-04-05"
REMOTE = "tariffs.remote_factor.2024-04-05"
PREVENTIVE = "tariffs.preventive_child_share.2024-04-05"


def _person(session: Any, serial: int, birth: date) -> str:
    return add_person(session, iin(birth, "M", serial), birth=birth, sex="M")


def _flagged(rec: ServiceRecord, session: Any, **flags: bool) -> ServiceRecord:
    for name, value in flags.items():
        setattr(rec, name, value)
    session.flush()
    return rec


def _traced(session: Any, rec: ServiceRecord) -> str:
    amount = session.scalar(
        select(PaymentRunTrace.amount).where(PaymentRunTrace.record_ref == rec.id, PaymentRunTrace.target == "line")
    )
    return f"{amount:.2f}"


def test_home_remote_and_preventive_visits_are_priced_by_their_rules(session: Any) -> None:
    add_provider(session, "K1")
    cid = contract(session, "K1", [("consult_diag", "1200000.00")])
    adult = _person(session, 1, date(1980, 1, 1))
    child = _person(session, 2, date(2019, 5, 5))

    def visit(rid: str, number: str, code: str = "A01.003.000") -> ServiceRecord:
        return record(session, "K1", rid, number, care_form="outpatient", care_type="consult_diag", service_code=code)

    plain = visit("v1", adult)  # 2,889.51
    home = _flagged(visit("v2", adult), session, at_home=True)  # 2,889.51 × 2 = 5,779.02
    remote = _flagged(visit("v3", adult), session, remote=True)  # 2,889.51 / 2 = 1,444.755 → 1,444.76
    # a cardiologist inside a child's preventive examination: 3,450.00 × 0.50 = 1,725.00
    prev = _flagged(visit("v4", child, "SYN.CONS.CARDIO"), session, preventive_child=True)
    runs = run_month(session, KZ, MARCH, contract_id=cid, today=APRIL_2)
    got = runs[0].as_dict()
    # 2,889.51 + 5,779.02 + 1,444.76 + 1,725.00 = 11,838.29
    assert got["lines"] == [{"method": "per_service", "quantity": 4, "amount": "11838.29"}]
    assert got["payable"] == "11838.29"
    assert [_traced(session, r) for r in (plain, home, remote, prev)] == ["2889.51", "5779.02", "1444.76", "1725.00"]
    (line,) = runs[0].lines
    assert {HOME, REMOTE, PREVENTIVE} <= set(line["rules"])
    prices = {p.combo.rsplit("|", 1)[-1]: (f"{p.price:.2f}", p.rules) for p in session.scalars(select(PaymentRunPrice))}
    assert prices["H"] == ("5779.02", f"services.A01.003.000.2021-01-01;prices.A01.003.000.2026-01-01;{HOME}")
    assert prices["R"][0] == "1444.76" and prices["R"][1].endswith(REMOTE)
    assert prices["P"][0] == "1725.00" and prices["P"][1].endswith(PREVENTIVE)
    # the plain visit keeps the combination it always had (no flag part): ...|2026-03-02
    assert prices["2026-03-02"] == ("2889.51", "services.A01.003.000.2021-01-01;prices.A01.003.000.2026-01-01")


def _case(session: Any, provider: str, rid: str, number: str, icd10: str) -> ServiceRecord:
    return record(session, provider, rid, number, care_form="inpatient", care_type="inpatient_planned",
                  case_group="SYN.CA01", icd10=icd10, day=date(2026, 3, 1), until=date(2026, 3, 10))  # fmt: skip


def test_a_childs_leukaemia_is_not_cut_by_the_linear_scale_an_adults_is(session: Any) -> None:
    # plan 100,000.00 a month, 1,200,000.00 a year: allowed in March = 100,000.00 + (1,200,000.00 −
    # 0 paid before − 10 × 100,000.00 for March-December) = 300,000.00
    add_provider(session, "O1")
    cid = contract(session, "O1", [("inpatient_planned", "1200000.00")])
    child = _person(session, 3, date(2015, 6, 1))  # 10 on 2026-03-01
    adult = _person(session, 4, date(1970, 6, 1))
    _case(session, "O1", "kid", child, "C91.0")  # 544,430.65, exempt (PAY п.78)
    _case(session, "O1", "man", adult, "C91.0")  # 544,430.65, cuttable
    got = run_month(session, KZ, MARCH, contract_id=cid, today=APRIL_2)[0].as_dict()
    # the exempt case is paid whole and takes the whole allowance (544,430.65 > 300,000.00): the
    # adult's case keeps max(0, 300,000.00 − 544,430.65) = 0, its 544,430.65 is cut
    assert got["linear_scale_cut"] == "544430.65"
    assert got["payable"] == "544430.65"


def test_an_adults_leukaemia_alone_is_cut_to_the_allowance(session: Any) -> None:
    add_provider(session, "O2")
    cid = contract(session, "O2", [("inpatient_planned", "1200000.00")])
    adult = _person(session, 5, date(1970, 6, 1))
    _case(session, "O2", "man", adult, "C91.0")
    got = run_month(session, KZ, MARCH, contract_id=cid, today=APRIL_2)[0].as_dict()
    assert got["linear_scale_cut"] == "244430.65"  # 544,430.65 − 300,000.00
    assert got["payable"] == "300000.00"


def test_who_counts_as_a_child_with_cancer(session: Any) -> None:
    """Under 18 on date_from (2026-03-01), an ICD-10 code in C00–C97 or D45–D47."""
    add_provider(session, "O3")
    contract(session, "O3", [("inpatient_planned", "1200000.00")])
    cases = {
        "17, C91.0": (date(2008, 3, 2), "C91.0"),  # 18 tomorrow: a child
        "18 today, C91.0": (date(2008, 3, 1), "C91.0"),  # 18 on the day: not a child
        "born 29.02.2008, on 01.03.2026": (date(2008, 2, 29), "C91.0"),  # 18 on 1 March of a common year
        "5, C00.0": (date(2021, 1, 1), "C00.0"),
        "5, C97": (date(2021, 1, 1), "C97"),
        "5, D45": (date(2021, 1, 1), "D45"),
        "5, D47.1": (date(2021, 1, 1), "D47.1"),
        "5, D48.0": (date(2021, 1, 1), "D48.0"),  # not among the blood-forming tissues' D45–D47
        "5, D44.0": (date(2021, 1, 1), "D44.0"),
        "5, J06.9": (date(2021, 1, 1), "J06.9"),
    }
    for serial, (name, (birth, icd10)) in enumerate(cases.items(), start=10):
        _case(session, "O3", name, _person(session, serial, birth), icd10)
    r = claims.service_records().subquery("r")
    exempt = {k: v for k, v in session.execute(select(r.c.record_id, exempt_expression(r)))}
    assert exempt == {
        "17, C91.0": 1,
        "18 today, C91.0": 0,
        "born 29.02.2008, on 01.03.2026": 0,
        "5, C00.0": 1,
        "5, C97": 1,
        "5, D45": 1,
        "5, D47.1": 1,
        "5, D48.0": 0,
        "5, D44.0": 0,
        "5, J06.9": 0,
    }
    # the day before: born 29.02.2008 is still 17 on 28.02.2026 (YYYYMMDD 20260228 − 20080229 < 180000)
    late = _person(session, 40, date(2008, 2, 29))
    record(session, "O3", "feb28", late, care_form="inpatient", care_type="inpatient_planned",
           case_group="SYN.CA01", icd10="C91.0", day=date(2026, 2, 28), until=date(2026, 3, 10))  # fmt: skip
    again = {k: v for k, v in session.execute(select(r.c.record_id, exempt_expression(r)))}
    assert again["feb28"] == 1


def test_a_visit_corrected_to_a_home_visit_after_signing_is_paid_the_difference(session: Any) -> None:
    from datetime import UTC, datetime

    from osms.payments import protocol as steps

    add_provider(session, "K2")
    cid = contract(session, "K2", [("consult_diag", "1200000.00")])
    visit = record(session, "K2", "v1", _person(session, 60, date(1980, 1, 1)), care_form="outpatient",
                   care_type="consult_diag", service_code="A01.003.000")  # fmt: skip
    assert run_month(session, KZ, MARCH, contract_id=cid, today=APRIL_2)[0].as_dict()["payable"] == "2889.51"
    steps.protocol(session, KZ, cid, MARCH, today=APRIL_2)
    steps.sign(session, KZ, cid, MARCH, signed_by="op", today=date(2026, 4, 8))
    # the provider corrects the visit: it was given at home (a correction, version 2)
    visit.at_home, visit.version, visit.received_at = True, 2, datetime.now(UTC)
    session.flush()
    april = run_month(session, KZ, date(2026, 4, 1), contract_id=cid, today=date(2026, 5, 11))[0]
    # paid 2,889.51, now worth 2,889.51 × 2 = 5,779.02: +2,889.51 in April
    assert [(r["cause"], r["of_month"], r["amount"]) for r in april.recalculations] == [
        ("correction", "2026-03", Decimal("2889.51"))
    ]
