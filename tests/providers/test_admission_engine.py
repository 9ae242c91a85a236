"""The stage-1 engine on a small fixture rulebook (not the fund's figures): every figure it applies
comes from the rulebook, so other figures give other decisions.

The fixture covers 2024-01-01..2025-12-31: МРП 1,000 (2024) and 2,000 (2025); arrears tolerated 2 МРП;
a PHC minimum of 100 for ``phc`` and ``rural_phc`` with no waiver; preferences accredited, 2 years'
experience and own IS; terminations exclude for 1 year; 2 corrections within 5 working days;
applications for 2 months from the opening.
"""

from __future__ import annotations

import dataclasses
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from osms.providers.admission import (
    AdmissionFacts,
    Announcement,
    Application,
    Licence,
    ProviderFacts,
    Termination,
    correction,
    decide,
)
from osms.providers.rulebook import ProvidersTopic
from osms.rulebooks.loader import Rulebook, load_rulebook_from_path

HEADER = """\
name: procure-fixture
title: Procurement fixture
description: Round figures for the stage-1 engine's tests.
covers:
  valid_from: 2024-01-01
  valid_to: 2025-12-31
source: tests/providers/test_admission_engine.py
"""

PROCUREMENT = """\
mrp:
  - {valid_from: 2024-01, valid_to: 2024-12, value: "1000", source: fixture}
  - {valid_from: 2025-01, valid_to: 2025-12, value: "2000", source: fixture}
requirements:
  - valid_from: 2024-01-01
    codes: [CODES]
    source: fixture
tax_arrears_tolerance:
  - {valid_from: 2024-01-01, mrp: 2, source: fixture}
phc_min_population:
  - valid_from: 2024-01-01
    population: 100
    care_types: [phc, rural_phc]
    unless_only_in_settlement: false
    source: fixture
preferences:
  - {valid_from: 2024-01-01, codes: [accredited, experience_3y, own_is], experience_years: 2, source: fixture}
exclusion_lookback_years:
  - {valid_from: 2024-01-01, value: 1, source: fixture}
correction:
  - {valid_from: 2024-01-01, corrections: 2, working_days: 5, source: fixture}
application_window:
  - {valid_from: 2024-01-01, announcement_by: "06-30", months: 2, source: fixture}
commission:
  - {valid_from: 2024-01-01, odd_membership: false, quorum: "1/2", chair_decides_tie: false, source: fixture}
"""

ALL_CODES = (
    "no_licence, in_liquidation, bankrupt, activity_suspended, tax_arrears, founder_fund_employee, "
    "founder_relative_of_fund_employee, terminated_nonperformance_3y, terminated_own_initiative_3y, "
    "late_application, phc_population_below_minimum, no_capacity, false_information"
)
ON = date(2025, 10, 1)


def fixture_book(root: Path, codes: str = ALL_CODES) -> Rulebook:
    folder = root / "procure-fixture"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "rulebook.yaml").write_text(HEADER, encoding="utf-8")
    (folder / "procurement.yaml").write_text(PROCUREMENT.replace("CODES", codes), encoding="utf-8")
    return load_rulebook_from_path(folder, topics=(ProvidersTopic,))


@pytest.fixture
def book(tmp_path: Path) -> Rulebook:
    return fixture_book(tmp_path)


def facts(care_type: str = "consult", **register: Any) -> AdmissionFacts:
    provider = ProviderFacts(
        provider_id="P1", status="active", licences=(Licence(care_type, date(2020, 1, 1), None, None),)
    )
    return AdmissionFacts(
        application=Application("A1", "P1", care_type, "R1", 10, Decimal("100"), date(2025, 7, 10)),
        announcement=Announcement("F-1", date(2025, 7, 1), date(2025, 7, 15), date(2025, 9, 1)),
        provider=dataclasses.replace(provider, **register),
    )


def reasons(case: AdmissionFacts, book: Rulebook, on: date = ON) -> list[str]:
    return [r.code for r in decide(case, book, on).reasons]


def test_arrears_tolerance_is_two_mrp_of_the_year(book: Rulebook) -> None:
    """2 × 2,000 = 4,000 in 2025; 2 × 1,000 = 2,000 in 2024."""
    assert reasons(facts(tax_arrears=Decimal("4000")), book) == []
    assert reasons(facts(tax_arrears=Decimal("4000.01")), book) == ["tax_arrears"]
    assert reasons(facts(tax_arrears=Decimal("2000.01")), book, date(2024, 10, 1)) == ["tax_arrears"]


def test_lookback_of_one_year(book: Rulebook) -> None:
    one_year = (Termination("C", date(2024, 10, 1), "nonperformance"),)
    older = (Termination("C", date(2024, 9, 30), "nonperformance"),)
    assert reasons(dataclasses.replace(facts(), terminations=one_year), book) == ["terminated_nonperformance_3y"]
    assert reasons(dataclasses.replace(facts(), terminations=older), book) == []


def test_window_of_two_months_from_the_opening(book: Rulebook) -> None:
    """Opens 2025-07-01: the window runs to 2025-08-31, past the announcement's own 2025-07-15."""
    case = facts()
    on_time = dataclasses.replace(case, application=dataclasses.replace(case.application, submitted=date(2025, 8, 31)))
    late = dataclasses.replace(case, application=dataclasses.replace(case.application, submitted=date(2025, 9, 1)))
    assert reasons(on_time, book) == []
    assert reasons(late, book) == ["late_application"]


def test_phc_minimum_without_the_waiver(book: Rulebook) -> None:
    case = dataclasses.replace(facts("rural_phc"), phc_population=99, only_phc_in_settlement=True)
    assert reasons(case, book) == ["phc_population_below_minimum"]
    assert reasons(dataclasses.replace(case, phc_population=100), book) == []


def test_experience_of_two_years(book: Rulebook) -> None:
    """Procurement month September 2025: two years to the end of August 2025 start on 2023-09-01."""
    enough = (Licence("consult", date(2020, 1, 1), None, date(2023, 9, 1)),)
    short = (Licence("consult", date(2020, 1, 1), None, date(2023, 9, 2)),)
    assert decide(facts(licences=enough, own_is=True), book, ON).preference == ("experience_3y", "own_is")
    assert decide(facts(licences=short), book, ON).preference == ()


def test_a_ground_the_rulebook_does_not_list_is_not_checked(tmp_path: Path) -> None:
    lenient = fixture_book(tmp_path, "no_licence, bankrupt")
    case = dataclasses.replace(facts(tax_arrears=Decimal("1000000"), status="liquidation"), false_information=True)
    assert reasons(case, lenient) == []
    assert reasons(facts(status="bankruptcy"), lenient) == ["bankrupt"]
    assert decide(case, lenient, ON).rules == (
        "procurement.requirements.2024-01-01",
        "procurement.preferences.2024-01-01",
    )


def test_two_corrections_within_five_working_days(book: Rulebook) -> None:
    """Rejected Friday 2025-10-03: five working days are 6-10 October."""
    assert correction("rejected", date(2025, 10, 3), date(2025, 10, 10), 1, book).allowed
    assert correction("rejected", date(2025, 10, 3), date(2025, 10, 13), 1, book).reason.code == (
        "correction_window_closed"
    )
    assert correction("rejected", date(2025, 10, 3), date(2025, 10, 6), 2, book).reason.code == "second_correction"


def test_after_the_fixture_horizon_the_decision_is_provisional(book: Rulebook) -> None:
    decision = decide(facts(tax_arrears=Decimal("4000")), book, date(2026, 2, 1)).as_dict()
    assert decision["decision"] == "admitted"
    assert decision["provisional"] is True
    assert "procurement.mrp.2025-01-01" in decision["carried_forward"]
