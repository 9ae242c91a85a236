"""The monthly run under seeds-2016 (seed 004 "Tariff policy"): an admission of at most 24 hours at
67% of the case group, 25% in a day hospital, 17% at home, ambulance per call, invoices by the
25th. The seeds give no base rate, weights or prices: the fixture extends seeds-2016 with a base
rate of 100,000.00, a group SYN.G1 of weight 1.5 (150,000.00 a whole case) and a call of 5,000.00
(tests/payments/test_tariff.py)."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from osms.payments import protocol as steps
from osms.payments.run import run_month
from tests.payments.run_world import add_person, add_provider, contract, iin, record
from tests.payments.test_tariff import SEEDS_CATALOGUE, SEEDS_SERVICES, _extending, _weights


def _seeds(tmp_path: Path) -> Any:
    base = 'base_rate:\n  - valid_from: 2018-01-01\n    value: "100000.00"\n    source: synthetic fixture\n'
    return _extending(
        tmp_path,
        "seeds-2016",
        "2021-12-31",
        {
            "tariffs.yaml": base,
            "case_groups.csv": SEEDS_CATALOGUE,
            "services.csv": SEEDS_SERVICES,
            "weights.csv": _weights([("SYN.G1", "1.5", "")], "2018-01-01"),
            "prices.csv": "key,price,valid_from,source\nSYN.CALL,5000.00,2018-01-01,synthetic fixture\n",
        },
    )


def test_seeds_methods_and_invoice_day(session: Any, tmp_path: Path) -> None:
    book = _seeds(tmp_path)
    add_provider(session, "S1")
    types = ("emergency", "day_hospital", "home_hospital", "inpatient_planned", "ambulance")
    cid = contract(
        session, "S1", [(t, "12000000.00") for t in types], valid_from=date(2019, 1, 1), valid_to=date(2019, 12, 31)
    )
    person = add_person(session, iin(date(1980, 1, 1), "M"), birth=date(1980, 1, 1), sex="M")
    day = date(2019, 3, 4)
    # the admission department, at most 24 hours: 150,000.00 × 0.67 = 100,500.00 [seed 004]
    record(session, "S1", "a1", person, care_form="admission", care_type="emergency", case_group="SYN.G1", day=day)
    # in hospital (day hospital): 150,000.00 × 0.25 = 37,500.00; at home: × 0.17 = 25,500.00 [seed 004]
    record(session, "S1", "d1", person, care_form="day_hospital", care_type="day_hospital", case_group="SYN.G1",
           day=day)  # fmt: skip
    record(session, "S1", "h1", person, care_form="home_hospital", care_type="home_hospital", case_group="SYN.G1",
           day=day)  # fmt: skip
    # no short-stay rules in the seeds: a death on the next day is a whole case, 150,000.00
    record(session, "S1", "i1", person, care_form="inpatient", care_type="inpatient_planned", case_group="SYN.G1",
           day=day, until=date(2019, 3, 5), outcome="died")  # fmt: skip
    # ambulance per call: 2 calls × 5,000.00 = 10,000.00 [seed 004]
    record(session, "S1", "c1", person, care_form="ambulance", care_type="ambulance", service_code="SYN.CALL",
           day=day, quantity=2)  # fmt: skip
    run = run_month(session, book, date(2019, 3, 1), contract_id=cid, today=date(2019, 4, 2))[0]
    got = run.as_dict()
    # 100,500.00 + 37,500.00 + 25,500.00 + 150,000.00 = 313,500.00
    assert got["lines"] == [
        {"method": "ambulance_per_call", "quantity": 2, "amount": "10000.00"},
        {"method": "per_case", "quantity": 4, "amount": "313500.00"},
    ]
    assert got["payable"] == "323500.00"
    # the seeds set no objection window: the act can be signed at once; invoices by the 25th of the next month
    issued = steps.protocol(session, book, cid, date(2019, 3, 1), today=date(2019, 4, 2))
    assert issued.objection_until is None
    signed = steps.sign(session, book, cid, date(2019, 3, 1), signed_by="op", today=date(2019, 4, 2))
    assert signed.as_dict()["payment_due"] == "2019-04-25"
