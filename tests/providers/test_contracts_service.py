"""Contracts (docs/providers.md, "Contracts"): the term's limit of the rulebooks, the even spreading
by month computed by hand, contracts from a procurement's placements, additional agreements with
their history, termination and the 3-year exclusion it feeds (ҚР ДСМ-242/2020 п.37-1; seed 004)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from osms.core.errors import OsmsError
from osms.providers import contracts, service
from osms.providers.admission import (
    AdmissionFacts,
    Announcement,
    Application,
    Licence,
    ProviderFacts,
    Termination,
    decide,
)
from osms.providers.contracts import AmendmentDraft, CareChange, CareLine, MonthFigure
from osms.providers.models import Contract, ContractMonth, ProviderContractHistory
from osms.rulebooks.loader import load_rulebook
from tests.providers.contract_helpers import Placement, add_provider, draft, two_providers

KZ = load_rulebook("kz-law")
SEEDS = load_rulebook("seeds-2016")
TEN_THOUSANDTHS = Decimal("83333.34"), Decimal("83333.33")


def code_of(call: object) -> str:
    try:
        call()  # type: ignore[operator]
    except OsmsError as exc:
        return exc.code
    raise AssertionError("not refused")


def count(session: Session, table: type) -> int:
    return session.scalar(select(func.count()).select_from(table)) or 0


# --- Spreading by month -----------------------------------------------------------------------


def test_1000_units_and_a_million_tenge_over_12_months() -> None:
    """1,000 / 12 = 83 rest 4: the 4 units go to the first 4 months; 100,000,000 tiyn / 12 =
    8,333,333 rest 4: 83,333.34 in January..April, 83,333.33 after."""
    assert contracts.spread(1000, 12) == [84] * 4 + [83] * 8
    assert contracts.spread_money(Decimal("1000000.00"), 12) == [Decimal("83333.34")] * 4 + [Decimal("83333.33")] * 8
    assert sum(contracts.spread_money(Decimal("1000000.00"), 12)) == Decimal("1000000.00")


def test_a_term_counts_every_month_it_touches() -> None:
    assert contracts.months_of(date(2027, 3, 15), date(2027, 5, 10)) == [
        date(2027, 3, 1),
        date(2027, 4, 1),
        date(2027, 5, 1),
    ]
    assert len(contracts.months_of(date(2027, 1, 1), date(2029, 12, 31))) == 36


@given(st.integers(0, 10**9), st.integers(1, 36))
def test_spreading_keeps_the_total_and_is_even(total: int, parts: int) -> None:
    shares = contracts.spread(total, parts)
    assert sum(shares) == total and len(shares) == parts
    assert max(shares) - min(shares) <= 1 and shares == sorted(shares, reverse=True)


@given(st.integers(0, 10**13), st.integers(1, 36))
def test_money_spreads_to_the_tiyn(tiyn: int, parts: int) -> None:
    total = Decimal(tiyn) / 100
    shares = contracts.spread_money(total, parts)
    assert sum(shares) == total and all(s == s.quantize(Decimal("0.01")) for s in shares)
    assert max(shares) - min(shares) <= Decimal("0.01")


# --- The term ----------------------------------------------------------------------------------


@pytest.mark.parametrize("book", [KZ, SEEDS], ids=["kz-law", "seeds-2016"])
def test_a_contract_runs_at_most_3_years(book: object) -> None:
    """kz-law: a long-term contract up to 3 years (ҚР ДСМ-242/2020); seeds-2016 the same (ours)."""
    contracts.check_term(book, date(2027, 1, 1), date(2029, 12, 31))  # type: ignore[arg-type]
    assert code_of(lambda: contracts.check_term(book, date(2027, 1, 1), date(2030, 1, 1))) == "term_over_max"  # type: ignore[arg-type]
    assert code_of(lambda: contracts.check_term(book, date(2027, 1, 1), date(2026, 12, 31))) == "bad_term"  # type: ignore[arg-type]


def test_a_term_from_29_february_runs_to_28_february() -> None:
    contracts.check_term(KZ, date(2028, 2, 29), date(2031, 2, 28))
    assert code_of(lambda: contracts.check_term(KZ, date(2028, 2, 29), date(2031, 3, 1))) == "term_over_max"


# --- Creating -----------------------------------------------------------------------------------


def test_a_contract_by_hand_has_its_months(session: Session) -> None:
    add_provider(session)
    view = contracts.create(
        session, KZ, draft(indicators=(("hospital_mortality", "≤ 1.2 %"),), advance_percent=30), created_by="t"
    )
    months = [(m.month.month, m.volume, m.sum) for m in view.months]
    assert months[:4] == [(i, 84, TEN_THOUSANDTHS[0]) for i in range(1, 5)]
    assert months[4:] == [(i, 83, TEN_THOUSANDTHS[1]) for i in range(5, 13)]
    assert view.totals() == [CareLine("inpatient_planned", 1000, Decimal("1000000.00"))]
    assert view.place_of_service == "Алматы" and view.advance_percent == 30
    assert view.as_dict(date(2027, 2, 1))["status"] == "in_force"
    assert view.as_dict(date(2027, 2, 1))["indicators"] == [{"indicator": "hospital_mortality", "target": "≤ 1.2 %"}]


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"provider_id": "NOBODY"}, "unknown_provider"),
        ({"lines": (CareLine("surgery", 1, Decimal("1.00")),)}, "unknown_care_type"),
        ({"lines": (CareLine("phc", 1, Decimal("1.00")),) * 2}, "duplicate_care_type"),
        ({"lines": ()}, "no_care_types"),
        ({"lines": (CareLine("phc", -1, Decimal("1.00")),)}, "bad_volume"),
        ({"lines": (CareLine("phc", 1, Decimal("1.001")),)}, "bad_amount"),
        ({"valid_to": date(2030, 1, 1)}, "term_over_max"),
        ({"valid_to": date(2026, 12, 31)}, "bad_term"),
        ({"ground": "friendship"}, "unknown_ground"),
        ({"ground": "procurement"}, "ground_mismatch"),
        ({"procurement_id": "PROC-1"}, "ground_mismatch"),
        ({"advance_percent": 101}, "bad_advance"),
        ({"indicators": (("Bad Code", "1"),)}, "bad_indicator"),
        ({"contract_id": "C 1"}, "bad_contract_id"),
    ],
)
def test_a_bad_contract_is_refused_and_nothing_is_written(session: Session, changes: dict, code: str) -> None:
    add_provider(session)
    assert code_of(lambda: contracts.create(session, KZ, draft(**changes), created_by="t")) == code
    assert count(session, Contract) == 0 and count(session, ContractMonth) == 0


def test_an_id_in_use_is_refused(session: Session) -> None:
    add_provider(session)
    contracts.create(session, KZ, draft(), created_by="t")
    assert code_of(lambda: contracts.create(session, KZ, draft(), created_by="t")) == "contract_exists"
    session.add(
        ProviderContractHistory(
            contract_id="OLD-1", provider_id="ALM-1", valid_from=date(2020, 1, 1), valid_to=date(2020, 12, 31)
        )
    )
    session.flush()
    assert code_of(lambda: contracts.create(session, KZ, draft(contract_id="OLD-1"), created_by="t")) == (
        "contract_in_history"
    )


# --- From a procurement's placements ------------------------------------------------------------

PLACEMENTS = (
    Placement("inpatient_planned", "KZ-ALA", "ALM-1", 300, Decimal("3000000.00")),
    Placement("inpatient_planned", "KZ-AST", "ALM-1", 100, Decimal("1000000.00")),
    Placement("phc", "KZ-ALA", "ALM-2", 12000, Decimal("125000000.00")),
    Placement("day_hospital", "KZ-ALA", "ALM-2", 0, Decimal("0.00")),
)


def test_one_contract_per_provider_from_the_placements(session: Session) -> None:
    two_providers(session)
    made = contracts.create_from_placements(
        session, KZ, PLACEMENTS, valid_from=date(2027, 1, 1), valid_to=date(2027, 12, 31),
        signed_on=date(2026, 12, 20), created_by="t",
    )  # fmt: skip
    assert [(c.contract_id, c.ground, c.procurement_id) for c in made] == [
        ("PROC-2027/ALM-1", "procurement", "PROC-2027"),
        ("PROC-2027/ALM-2", "procurement", "PROC-2027"),
    ]
    assert made[0].totals() == [CareLine("inpatient_planned", 400, Decimal("4000000.00"))]
    assert made[1].totals() == [CareLine("phc", 12000, Decimal("125000000.00"))]  # 0 placed: no day_hospital
    assert made[1].months[0].volume == 1000 and made[1].months[0].sum == Decimal("10416666.67")


def test_a_negotiated_volume_below_the_placement_is_taken(session: Session) -> None:
    two_providers(session)
    made = contracts.create_from_placements(
        session, KZ, PLACEMENTS, valid_from=date(2027, 1, 1), valid_to=date(2027, 12, 31),
        signed_on=date(2026, 12, 20), created_by="t",
        negotiated={("ALM-1", "inpatient_planned"): (360, Decimal("3600000.00"))},
    )  # fmt: skip
    assert made[0].totals() == [CareLine("inpatient_planned", 360, Decimal("3600000.00"))]


def test_a_contract_over_the_placed_volume_is_refused_and_none_is_written(session: Session) -> None:
    two_providers(session)

    def make() -> object:
        return contracts.create_from_placements(
            session, KZ, PLACEMENTS, valid_from=date(2027, 1, 1), valid_to=date(2027, 12, 31),
            signed_on=date(2026, 12, 20), created_by="t",
            negotiated={("ALM-2", "phc"): (12001, Decimal("125000000.00"))},
        )  # fmt: skip

    assert code_of(make) == "over_placed_volume"
    assert count(session, Contract) == 0
    over = draft(
        ground="procurement",
        procurement_id="PROC-2027",
        lines=(CareLine("inpatient_planned", 400, Decimal("4000000.01")),),
    )
    assert code_of(lambda: contracts.create(session, KZ, over, created_by="t", placements=PLACEMENTS)) == (
        "over_placed_volume"
    )
    other = draft(ground="procurement", procurement_id="PROC-2027", lines=(CareLine("phc", 1, Decimal("1.00")),))
    assert code_of(lambda: contracts.create(session, KZ, other, created_by="t", placements=PLACEMENTS)) == "not_placed"
    assert (
        code_of(
            lambda: contracts.create_from_placements(
                session,
                KZ,
                (),
                valid_from=date(2027, 1, 1),
                valid_to=date(2027, 12, 31),
                signed_on=date(2026, 12, 20),
                created_by="t",
            )  # fmt: skip
        )
        == "no_placements"
    )
    assert count(session, Contract) == 0


# --- Additional agreements ------------------------------------------------------------------------


def test_an_agreement_respreads_from_a_month_and_keeps_the_history(session: Session) -> None:
    """№ 1 of 10.03.2027: 900 cases for 900,000.00 from April to December (9 months: 100 and
    100,000.00 each); January..March keep 84 and 83,333.34."""
    add_provider(session)
    contracts.create(session, KZ, draft(), created_by="t")
    change = CareChange("inpatient_planned", 900, Decimal("900000.00"), date(2027, 4, 1))
    view = contracts.amend(
        session, KZ, "C-2027-1", AmendmentDraft(date(2027, 3, 10), totals=(change,), note="more cases"), created_by="t"
    )
    assert [(m.volume, m.sum) for m in view.months] == [(84, TEN_THOUSANDTHS[0])] * 3 + [
        (100, Decimal("100000.00"))
    ] * 9
    assert view.totals() == [CareLine("inpatient_planned", 1152, Decimal("1150000.02"))]
    (agreement,) = view.amendments
    assert (agreement.number, agreement.signed_on, agreement.note) == (1, date(2027, 3, 10), "more cases")
    assert agreement.changes["months"][0] == {
        "care_type": "inpatient_planned",
        "month": "2027-04",
        "before": {"volume": 84, "sum": "83333.34"},
        "after": {"volume": 100, "sum": "100000.00"},
    }
    assert len(agreement.changes["months"]) == 9  # January..March unchanged, not listed


def test_an_agreement_extends_the_term_and_sets_months_and_indicators(session: Session) -> None:
    add_provider(session)
    contracts.create(session, KZ, draft(), created_by="t")
    view = contracts.amend(
        session,
        KZ,
        "C-2027-1",
        AmendmentDraft(
            date(2027, 6, 1),
            number=1,
            valid_to=date(2028, 2, 29),
            months=(MonthFigure("inpatient_planned", date(2028, 1, 1), 50, Decimal("50000.00")),),
            indicators=(("readmissions", "≤ 5 %"),),
        ),
        created_by="t",
    )
    assert view.valid_to == date(2028, 2, 29) and len(view.months) == 14
    assert [(m.month, m.volume) for m in view.months[-2:]] == [(date(2028, 1, 1), 50), (date(2028, 2, 1), 0)]
    changes = view.amendments[0].changes
    assert changes["valid_to"] == {"before": "2027-12-31", "after": "2028-02-29"}
    assert changes["indicators"] == [{"indicator": "readmissions", "before": None, "after": "≤ 5 %"}]
    assert changes["months"][-1] == {
        "care_type": "inpatient_planned",
        "month": "2028-02",
        "before": None,
        "after": {"volume": 0, "sum": "0.00"},
    }


@pytest.mark.parametrize(
    ("agreement", "code"),
    [
        (AmendmentDraft(date(2027, 3, 10), number=2, valid_to=date(2027, 11, 30)), "amendment_number"),
        (AmendmentDraft(date(2026, 12, 1), valid_to=date(2027, 11, 30)), "amendment_date"),
        (AmendmentDraft(date(2028, 1, 1), valid_to=date(2027, 11, 30)), "amendment_date"),
        (AmendmentDraft(date(2027, 3, 10)), "empty_amendment"),
        (AmendmentDraft(date(2027, 3, 10), valid_to=date(2027, 12, 31)), "empty_amendment"),
        (AmendmentDraft(date(2027, 3, 10), valid_to=date(2030, 1, 1)), "term_over_max"),
        (AmendmentDraft(date(2027, 3, 10), valid_to=date(2027, 3, 1)), "bad_term"),
        (
            AmendmentDraft(date(2027, 3, 10), months=(MonthFigure("phc", date(2028, 1, 1), 1, Decimal("1.00")),)),
            "month_outside_term",
        ),
        (
            AmendmentDraft(date(2027, 3, 10), totals=(CareChange("surgery", 1, Decimal("1.00"), date(2027, 4, 1)),)),
            "unknown_care_type",
        ),
    ],
)
def test_a_bad_agreement_is_refused_and_nothing_changes(session: Session, agreement: AmendmentDraft, code: str) -> None:
    add_provider(session)
    before = contracts.create(session, KZ, draft(), created_by="t")
    assert code_of(lambda: contracts.amend(session, KZ, "C-2027-1", agreement, created_by="t")) == code
    assert contracts.get_contract(session, "C-2027-1") == before


# --- Termination and the 3-year exclusion ------------------------------------------------------------


def test_termination_is_checked_and_final(session: Session) -> None:
    add_provider(session)
    contracts.create(session, KZ, draft(), created_by="t")
    assert code_of(lambda: contracts.terminate(session, "C-2027-1", date(2026, 12, 31), "agreement")) == (
        "termination_before_start"
    )
    assert code_of(lambda: contracts.terminate(session, "C-2027-1", date(2028, 1, 1), "agreement")) == (
        "termination_after_end"
    )
    assert code_of(lambda: contracts.terminate(session, "C-2027-1", date(2027, 6, 1), "bored")) == "bad_termination"
    assert code_of(lambda: contracts.terminate(session, "NONE", date(2027, 6, 1), "agreement")) == "unknown_contract"
    view = contracts.terminate(session, "C-2027-1", date(2027, 6, 15), "nonperformance", note="act of 10.06")
    assert (view.status(date(2027, 6, 14)), view.status(date(2027, 6, 15))) == ("in_force", "terminated")
    assert code_of(lambda: contracts.terminate(session, "C-2027-1", date(2027, 7, 1), "agreement")) == (
        "contract_terminated"
    )
    again = AmendmentDraft(date(2027, 7, 1), valid_to=date(2027, 11, 30))
    assert code_of(lambda: contracts.amend(session, KZ, "C-2027-1", again, created_by="t")) == "contract_terminated"


def _decide_on(session: Session, on: date) -> list[str]:
    """The admission of ALM-1 to a procurement of September 2026, its terminations read from the
    register's contract history (``service.contracts_of``)."""
    terminations = tuple(
        Termination(c.contract_id, c.terminated_on, c.termination)
        for c in service.contracts_of(session, "ALM-1")
        if c.terminated_on is not None and c.termination is not None
    )
    facts = AdmissionFacts(
        application=Application(
            "A1", "ALM-1", "inpatient_planned", "KZ-ALA", 100, Decimal("1000000"), date(2026, 9, 10)
        ),
        announcement=Announcement("PR-1", date(2026, 9, 1), date(2026, 9, 30), date(2026, 9, 1)),
        provider=ProviderFacts(
            provider_id="ALM-1",
            status="active",
            tax_arrears=Decimal("0"),
            licences=(Licence("inpatient_planned", date(2015, 1, 1), None, None),),
        ),
        terminations=terminations,
    )
    return [r.code for r in decide(facts, KZ, on).reasons]


@pytest.mark.parametrize(
    ("reason", "on", "expected"),
    [
        ("nonperformance", date(2026, 10, 1), ["terminated_nonperformance_3y"]),
        ("nonperformance", date(2027, 6, 15), ["terminated_nonperformance_3y"]),  # exactly 3 years: excludes
        ("nonperformance", date(2027, 6, 16), []),  # 3 years and a day: no longer
        ("provider_initiative", date(2026, 10, 1), ["terminated_own_initiative_3y"]),
        ("agreement", date(2026, 10, 1), []),
    ],
)
def test_a_termination_the_system_records_feeds_the_exclusion(
    session: Session, reason: str, on: date, expected: list[str]
) -> None:
    """A contract of 2024 terminated on 15.06.2024 bars admission for 3 years (п.37-1; seed 004
    grounds 2-3), read through the same contract history as the register's file."""
    add_provider(session)
    contracts.create(
        session, KZ, draft(valid_from=date(2024, 1, 1), valid_to=date(2024, 12, 31), signed_on=date(2023, 12, 20)),
        created_by="t",
    )  # fmt: skip
    assert _decide_on(session, on) == []
    contracts.terminate(session, "C-2027-1", date(2024, 6, 15), reason)
    history = service.contracts_of(session, "ALM-1")
    assert [(c.contract_id, c.terminated_on, c.termination) for c in history] == [
        ("C-2027-1", date(2024, 6, 15), reason)
    ]
    assert _decide_on(session, on) == expected
