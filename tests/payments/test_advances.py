"""Advances (docs/payments.md, "Advances"; PAY п.8-12): decided and recorded, refused with a code,
withheld by the monthly run, paid by their own payment order; kz-law (advance_on_signing 30%,
advance_december 70%). A contract's annual sum is spread evenly over its 12 months (1,200,000.00 →
100,000.00 a month); the months' net comes from manual other payments (no service records)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from osms.core.errors import InvalidInput, NotFound
from osms.payments import advances, statements
from osms.payments import protocol as steps
from osms.payments.advances import AdvanceRefused
from osms.payments.models import PaymentAdvance
from osms.payments.run import run_month
from osms.rulebooks.loader import load_rulebook
from tests.payments.run_world import add_provider, contract

KZ = load_rulebook("kz-law")
JAN_5 = date(2026, 1, 5)


def _provider(session: Any, provider_id: str, *, earlier: bool = True, kind: str = "hospital") -> None:
    """A provider; with ``earlier`` a contract of 2025 too, so it is not a first-time provider."""
    add_provider(session, provider_id, kind=kind)
    if earlier:
        contract(session, provider_id, [("consult_diag", "120000.00")], valid_from=date(2025, 1, 1),
                 valid_to=date(2025, 12, 31), contract_id=f"C-{provider_id}-2025")  # fmt: skip


def _month(n: int) -> date:
    return date(2026, n, 1)


def _run_and_sign(session: Any, cid: str, month: date, net: str | None) -> Any:
    """A month with ``net`` paid by hand, run, its protocol issued and signed 14 days later."""
    if net is not None and Decimal(net) != 0:
        steps.adjust(session, cid, month, net, "other payment", created_by="op")
    after = (month + timedelta(days=32)).replace(day=2)
    run = run_month(session, KZ, month, contract_id=cid, today=after)[0]
    steps.protocol(session, KZ, cid, month, today=after)
    steps.sign(session, KZ, cid, month, signed_by="op", today=after + timedelta(days=14))
    return run


def _refused(session: Any, code: str, *args: Any, **kw: Any) -> None:
    with pytest.raises(AdvanceRefused) as refused:
        advances.decide(session, *args, decided_by="op", **kw)
    assert refused.value.code == code, refused.value.message


def test_signing_and_december_advances_withheld_over_the_year(session: Any) -> None:
    _provider(session, "HA")
    cid = contract(session, "HA", [("consult_diag", "1200000.00")], advance_percent=30)
    # on signing: the contract's 30% of the year's 1,200,000.00 = 360,000.00 (PAY п.8-12)
    signing = advances.decide(session, KZ, cid, "signing", 2026, decided_by="op", today=JAN_5)
    assert (signing.percent, signing.base, signing.amount) == (30, Decimal("1200000.00"), Decimal("360000.00"))
    assert signing.order_no == "C-HA/2026/advance-signing"
    assert signing.rules[0].startswith("tariffs.advance_on_signing")
    runs = [_run_and_sign(session, cid, _month(m), "100000.00") for m in range(1, 12)]
    # 11 equal parts, cumulative: through month k round(360,000 × k / 11); January 32,727.27,
    # February 65,454.55 − 32,727.27 = 32,727.28, November 360,000.00 − 327,272.73 = 32,727.27
    withheld = [r.advance_withheld for r in runs]
    assert withheld[0] == Decimal("32727.27") and withheld[1] == Decimal("32727.28")
    assert withheld[10] == Decimal("32727.27")
    assert sum(withheld, Decimal("0")) == Decimal("360000.00")
    assert runs[0].payable == Decimal("67272.73")  # 100,000.00 − 32,727.27
    # December: not before 1 December; then 70% of December's plan 100,000.00 = 70,000.00
    _refused(session, "too_early", KZ, cid, "december", 2026, today=date(2026, 11, 30))
    december = advances.decide(session, KZ, cid, "december", 2026, decided_by="op", today=date(2026, 12, 1))
    assert (december.percent, december.base, december.amount) == (70, Decimal("100000.00"), Decimal("70000.00"))
    # the December run withholds it in full: 100,000.00 − 70,000.00 = 30,000.00 (the year's cap:
    # 1,100,000.00 paid and withheld before + 100,000.00 = 1,200,000.00, no cut; the average of the
    # 11 months 100,000.00: no December cut)
    last = _run_and_sign(session, cid, _month(12), "100000.00")
    assert (last.advance_withheld, last.payable, last.cap_cut, last.december_cut) == (
        Decimal("70000.00"), Decimal("30000.00"), Decimal("0.00"), Decimal("0.00"),
    )  # fmt: skip
    listed = {v.kind: v for v in advances.advances(session, year=2026, provider_id="HA")}
    assert (listed["signing"].withheld, listed["signing"].outstanding) == (Decimal("360000.00"), Decimal("0.00"))
    assert (listed["december"].withheld, listed["december"].outstanding) == (Decimal("70000.00"), Decimal("0.00"))
    _refused(session, "already_advanced", KZ, cid, "december", 2026, today=date(2026, 12, 2))


def test_december_advance_capped_by_the_month_net(session: Any) -> None:
    _provider(session, "HB")
    cid = contract(session, "HB", [("consult_diag", "1200000.00")])
    advances.decide(session, KZ, cid, "december", 2026, decided_by="op", today=date(2026, 12, 3))
    # December's net 50,000.00 (no earlier run: no December cut): 70,000.00 advanced, 50,000.00
    # withheld, payable 0.00; 20,000.00 outstanding (settled by hand)
    run = _run_and_sign(session, cid, _month(12), "50000.00")
    assert (run.advance_withheld, run.payable) == (Decimal("50000.00"), Decimal("0.00"))
    (view,) = advances.advances(session, year=2026, provider_id="HB")
    assert (view.amount, view.withheld, view.outstanding) == (
        Decimal("70000.00"), Decimal("50000.00"), Decimal("20000.00"),
    )  # fmt: skip


def test_an_advance_not_yet_decided_is_not_withheld(session: Any) -> None:
    _provider(session, "HC")
    cid = contract(session, "HC", [("consult_diag", "1200000.00")])
    advances.decide(session, KZ, cid, "signing", 2026, decided_by="op", percent=30, today=date(2026, 2, 10))
    # January's run knows no advance (decided 10 February); February withholds two parts at once:
    # round(360,000 × 2 / 11) = 65,454.55
    january = _run_and_sign(session, cid, _month(1), "100000.00")
    february = _run_and_sign(session, cid, _month(2), "100000.00")
    assert (january.advance_withheld, february.advance_withheld) == (Decimal("0.00"), Decimal("65454.55"))


def test_refusals(session: Any) -> None:
    _provider(session, "HD")
    cid = contract(session, "HD", [("consult_diag", "1200000.00")], advance_percent=40)
    short = contract(session, "HD", [("consult_diag", "600000.00")], valid_to=date(2026, 6, 30), contract_id="C-HD-S")
    _refused(session, "over_limit", KZ, cid, "signing", 2026, today=JAN_5)  # the contract's 40% > 30%
    _refused(session, "over_limit", KZ, cid, "december", 2026, percent=71, today=date(2026, 12, 1))
    _refused(session, "short_contract", KZ, short, "signing", 2026, percent=30, today=JAN_5)
    _refused(session, "no_plan", KZ, cid, "signing", 2027, percent=30, today=JAN_5)
    _refused(session, "no_advance_rule", load_rulebook("seeds-2016"), cid, "signing", 2026, percent=30, today=JAN_5)
    # a first-time provider: refused, except a contract buying only ambulance care
    _provider(session, "HE", earlier=False)
    first = contract(session, "HE", [("consult_diag", "1200000.00")], advance_percent=30)
    _refused(session, "first_time_provider", KZ, first, "signing", 2026, today=JAN_5)
    _provider(session, "HF", earlier=False, kind="ambulance")
    station = contract(session, "HF", [("ambulance", "1200000.00")], advance_percent=30)
    assert advances.decide(session, KZ, station, "signing", 2026, decided_by="op", today=JAN_5).amount == Decimal(
        "360000.00"
    )
    # a contract with no advance terms and no percent asked
    _provider(session, "HG")
    plain = contract(session, "HG", [("consult_diag", "1200000.00")])
    _refused(session, "no_advance_terms", KZ, plain, "signing", 2026, today=JAN_5)
    # bad input and an unknown contract
    for kw, code in (({"kind": "june"}, "bad_kind"), ({"percent": 0}, "bad_percent"), ({"year": 1900}, "bad_year")):
        args = {"kind": "signing", "year": 2026, **kw}
        with pytest.raises(InvalidInput) as bad:
            advances.decide(session, KZ, cid, args.pop("kind"), args.pop("year"), decided_by="op", **args)
        assert bad.value.code == code
    with pytest.raises(NotFound):
        advances.decide(session, KZ, "C-NONE", "signing", 2026, decided_by="op", percent=30, today=JAN_5)
    # nothing written by a refusal: only HF's advance
    assert session.scalar(select(func.count()).select_from(PaymentAdvance)) == 1


def test_a_provider_owing_the_fund_gets_no_advance(session: Any) -> None:
    _provider(session, "HH")
    old = "C-HH-2025"
    # the 2025 contract's last signed month, December, ended at −1,000.00 (a deduction by hand)
    steps.adjust(session, old, date(2025, 12, 1), "-1000.00", "recovered overpayment", created_by="op")
    run_month(session, KZ, date(2025, 12, 1), contract_id=old, today=date(2026, 1, 5))
    steps.protocol(session, KZ, old, date(2025, 12, 1), today=date(2026, 1, 5))
    signed = steps.sign(session, KZ, old, date(2025, 12, 1), signed_by="op", today=date(2026, 1, 20))
    assert signed.payable == Decimal("-1000.00")
    cid = contract(session, "HH", [("consult_diag", "1200000.00")], advance_percent=30)
    _refused(session, "debt_to_fund", KZ, cid, "signing", 2026, today=date(2026, 1, 21))


def test_the_advance_is_its_own_payment_order(session: Any) -> None:
    _provider(session, "HI")
    cid = contract(session, "HI", [("consult_diag", "1200000.00")], advance_percent=30)
    advances.decide(session, KZ, cid, "signing", 2026, decided_by="op", today=JAN_5)
    assert statements.orders_due(session, date(2026, 1, 4)) == []
    (order,) = statements.orders_due(session, JAN_5)
    row = order.row("")
    assert (row["order_no"], row["amount"], row["month"], row["signed_on"], row["due_date"]) == (
        "C-HI/2026/advance-signing", "360000.00", "2026-01", "2026-01-05", "2026-01-05",
    )  # fmt: skip
    assert row["purpose_ru"] == "Аванс по договору C-HI на 2026 год (при заключении договора, решение от 05.01.2026)"
    assert row["payee_name"] == "Емхана HI"


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    percent=st.integers(min_value=1, max_value=30),
    december_percent=st.integers(min_value=1, max_value=70),
    nets=st.lists(st.integers(min_value=-20_000, max_value=150_000), min_size=12, max_size=12),
)
def test_never_more_withheld_than_advanced(session: Any, percent: int, december_percent: int, nets: list[int]) -> None:
    nested = session.begin_nested()
    try:
        _provider(session, "HP")
        cid = contract(session, "HP", [("consult_diag", "1200000.00")])
        signing = advances.decide(session, KZ, cid, "signing", 2026, decided_by="op", percent=percent, today=JAN_5)
        december = advances.decide(
            session, KZ, cid, "december", 2026, decided_by="op", percent=december_percent, today=date(2026, 12, 1)
        )
        runs = [_run_and_sign(session, cid, _month(m), str(net)) for m, net in enumerate(nets, start=1)]
        by_kind = sum((r.advance_withheld for r in runs[:11]), Decimal("0")), runs[11].advance_withheld
        assert by_kind[0] <= signing.amount and by_kind[1] <= december.amount
        assert all(r.advance_withheld >= 0 for r in runs)
        # a month never withholds more than it had to pay
        assert all(r.payable >= 0 or r.advance_withheld == 0 for r in runs)
    finally:
        nested.rollback()
