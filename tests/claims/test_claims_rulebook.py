"""The claims topic (docs/claims.md, "Rulebook"): the shipped defect classifier and checks as the
monitoring rules publish them, and what the topic refuses, on fixture rulebooks."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from osms.claims.rulebook import ClaimsTopic
from osms.rulebooks.entries import RulebookError
from osms.rulebooks.loader import load_rulebook, load_rulebook_from_path
from osms.rulebooks.topic import Topic

HEADER = """\
name: fixture
title: Fixture
description: A fixture rulebook of the claims topic.
covers:
  valid_from: 2024-01-01
  valid_to: 2025-12-31
source: tests/claims/test_claims_rulebook.py
"""
CATALOGUE_HEADER = "key,name_kk,name_ru,name_en,forms,sex,age_min,age_max,referral,valid_from,source\n"
DEFECTS = (
    "key,name_kk,name_ru,name_en,phc_rate_times,kdu_percent,inpatient_percent,ambulance_rate_times,rural_rate_times,valid_from,source\n"
    "5.1,a,b,c,100,300,300,100,100,2024-01-01,MON annex 1\n"
    "2.0,a,b,c,0,0,0,0,0,2024-01-01,MON annex 1\n"
)


def fixture(tmp_path: Path, claims: str, services: str = "", defects: str = DEFECTS) -> Path:
    folder = tmp_path / "fixture"
    folder.mkdir()
    (folder / "rulebook.yaml").write_text(HEADER, encoding="utf-8")
    (folder / "claims.yaml").write_text(claims, encoding="utf-8")
    (folder / "services.csv").write_text(CATALOGUE_HEADER + services, encoding="utf-8")
    (folder / "case_groups.csv").write_text(CATALOGUE_HEADER, encoding="utf-8")
    (folder / "defects.csv").write_text(defects, encoding="utf-8")
    return folder


TOPICS: tuple[type[Topic], ...] = (ClaimsTopic,)
FINDINGS = """\
findings:
  - valid_from: 2024-01-01
    codes: {dead_before_service: "5.1", not_covered: null}
    source: MON annex 1
"""


def test_the_shipped_classifier_has_the_published_deductions() -> None:
    # MON annex 1, edition 27.02.2026: 5.1 = 100 × rate (PHC, ambulance, rural), 300% (KDU,
    # inpatient); 3.4 = 60% of an inpatient case, 10 × rural rate, not for PHC; 4.0 = 100% inpatient.
    topic = load_rulebook("kz-law").topic(ClaimsTopic)
    on = date(2026, 3, 2)
    five = topic.defects(on)["5.1"]
    assert (five.phc_rate_times, five.kdu_percent, five.inpatient_percent, five.ambulance_rate_times) == (
        Decimal(100),
        Decimal(300),
        Decimal(300),
        Decimal(100),
    )
    three_four = topic.defects(on)["3.4"]
    assert (three_four.phc_rate_times, three_four.inpatient_percent, three_four.rural_rate_times) == (
        None,
        Decimal(60),
        Decimal(10),
    )
    assert topic.defects(on)["4.0"].inpatient_percent == Decimal(100)
    assert five.verified and five.money_effect
    assert not topic.defects(on)["2.0"].money_effect  # documentation defects: no money effect
    # Before the 2026 edition the same figures are carried back, and say so.
    assert not topic.defects(date(2025, 6, 1))["5.1"].verified


def test_the_shipped_checks_map_findings_to_the_classifier() -> None:
    topic = load_rulebook("kz-law").topic(ClaimsTopic)
    on = date(2026, 3, 2)
    codes = topic.findings(on)
    assert (codes["dead_before_service"], codes["duplicate"], codes["not_in_contract"], codes["readmission_30d"]) == (
        "5.1",
        "3.1",
        "11.0",
        "4.0",
    )
    assert codes["not_covered"] is None  # not payable by the fund, not a defect of care
    assert (topic.readmission_days(on), topic.referral_forms(on)) == (30, ("inpatient", "day_hospital"))
    # Before the monitoring rules (2021) nothing is checked.
    assert topic.findings(date(2020, 6, 1)) == {}
    assert topic.doctor_overload(date(2020, 6, 1)) is None


def test_the_catalogues_carry_sex_and_age_restrictions() -> None:
    topic = load_rulebook("kz-law").topic(ClaimsTopic)
    on = date(2026, 3, 2)
    cervix = topic.services(on)["SYN.SCR.CERVIX"]
    assert (cervix.sex, cervix.age_min, cervix.age_max, cervix.forms) == ("F", 30, 70, ("phc", "outpatient"))
    assert topic.services(on)["A01.002.000"].age_max == 17
    p001 = topic.case_groups(on)["P001"]
    assert (p001.verified, p001.age_max, p001.title("ru")) == (
        True,
        0,
        "Бронхолёгочная дисплазия и другие состояния перинатального периода",
    )


def test_the_unverified_entries_are_exactly_our_readings() -> None:
    book = load_rulebook("kz-law")
    unverified = {
        e.id
        for s in book.series_names()
        if s.startswith(("claims.", "defects."))
        for e in book.series(s)
        if not e.verified
    }
    carried_back = {
        f"defects.{code}.2021-01-01" for code in load_rulebook("kz-law").topic(ClaimsTopic).defects(date(2026, 3, 2))
    }
    ours = {f"defects.6.{n}.2026-02-27" for n in (1, 2, 3, 4)}
    assert unverified == carried_back | ours | {
        "claims.findings.2021-01-01",
        "claims.doctor_overload.2021-01-01",
        "claims.referral_forms.2021-01-01",
    }


def test_a_finding_mapped_to_a_code_outside_the_classifier_is_refused(tmp_path: Path) -> None:
    claims = FINDINGS.replace('"5.1"', '"5.9"')
    with pytest.raises(RulebookError) as caught:
        load_rulebook_from_path(fixture(tmp_path, claims), topics=TOPICS)
    assert "dead_before_service is defect '5.9', not a code of the defect classifier on 2024-01-01" in str(
        caught.value.problems
    )


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ("X1,a,b,c,phc,W,,,false,2024-01-01,s\n", "sex: M or F"),
        ("X1,a,b,c,surgery,,,,false,2024-01-01,s\n", "unknown form of care 'surgery'"),
        ("X1,a,b,c,phc,,70,30,false,2024-01-01,s\n", "age_min 70 is above age_max 30"),
    ],
)
def test_a_bad_catalogue_row_is_refused_with_its_reason(tmp_path: Path, row: str, message: str) -> None:
    with pytest.raises(RulebookError) as caught:
        load_rulebook_from_path(fixture(tmp_path, FINDINGS, services=row), topics=TOPICS)
    assert message in str(caught.value.problems)


def test_a_fixture_catalogue_is_read_by_code(tmp_path: Path) -> None:
    row = "X1,a,b,Screening,phc;outpatient,M,50,70,true,2024-01-01,s\n"
    topic = load_rulebook_from_path(fixture(tmp_path, FINDINGS, services=row), topics=TOPICS).topic(ClaimsTopic)
    x1 = topic.services(date(2024, 5, 1))["X1"]
    assert (x1.title("en"), x1.sex, x1.age_min, x1.age_max, x1.referral) == ("Screening", "M", 50, 70, True)
    assert topic.findings(date(2024, 5, 1)) == {"dead_before_service": "5.1", "not_covered": None}
