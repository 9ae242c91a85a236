"""The monitoring topic (docs/claims.md, "Monitoring and appeals"): the shipped clock, deaths'
review and escalation of kz-law, the sampling of seeds-2016, and what the topic refuses."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from typer.testing import CliRunner

from osms.claims.monitoring_rulebook import MonitoringTopic
from osms.cli import app as osms_cli
from osms.rulebooks.entries import RulebookError
from osms.rulebooks.loader import load_rulebook, load_rulebook_from_path
from osms.rulebooks.topic import Topic

HEADER = """\
name: fixture
title: Fixture
description: A fixture rulebook of the monitoring topic.
covers:
  valid_from: 2024-01-01
  valid_to: 2025-12-31
source: tests/claims/test_monitoring_rulebook.py
"""
TOPICS: tuple[type[Topic], ...] = (MonitoringTopic,)


def fixture(tmp_path: Path, monitoring: str) -> Path:
    folder = tmp_path / "fixture"
    folder.mkdir()
    (folder / "rulebook.yaml").write_text(HEADER, encoding="utf-8")
    (folder / "monitoring.yaml").write_text(monitoring, encoding="utf-8")
    return folder


def test_kz_law_publishes_the_clock_deaths_and_thresholds() -> None:
    topic = load_rulebook("kz-law").topic(MonitoringTopic)
    on = date(2026, 3, 2)
    clock = topic.appeal_clock(on)
    assert clock is not None and clock.verified
    assert (clock.objection_days, clock.review_days, clock.second_objection_days) == (5, 5, 3)
    deaths = topic.death_clock(on)
    assert deaths is not None and not deaths.verified  # our reading of п.44-47
    review = topic.death_review(on)
    assert review is not None
    assert (review.forms, review.infant_age_under, review.share) == (("inpatient", "day_hospital"), 1, Decimal(100))
    escalation = topic.escalation(on)
    assert escalation is not None
    assert (escalation.code_prefix, escalation.month_mrp, escalation.contract_mrp, escalation.handover_days) == (
        "5.",
        Decimal(200),
        Decimal(800),
        10,
    )
    assert topic.sampling(on) is None  # kz-law: every case by algorithms, no sample
    assert topic.appeal_clock(date(2020, 6, 1)) is None  # before the monitoring rules


def test_seeds_2016_samples_and_has_no_clock() -> None:
    topic = load_rulebook("seeds-2016").topic(MonitoringTopic)
    on = date(2019, 5, 1)
    assert topic.appeal_clock(on) is None and topic.death_review(on) is None and topic.escalation(on) is None
    sampling = topic.sampling(on)
    assert sampling is not None and not sampling.verified
    assert sampling.shares["inpatient"] == Decimal(10)


def test_the_unverified_entries_are_exactly_our_readings() -> None:
    def unverified(name: str) -> set[str]:
        book = load_rulebook(name)
        return {
            e.id for s in book.series_names() if s.startswith("monitoring.") for e in book.series(s) if not e.verified
        }

    assert unverified("kz-law") == {"monitoring.death_clock.2021-01-01"}  # the reading of п.44-47
    assert unverified("seeds-2016") == {"monitoring.sampling.2018-01-01"}  # the shares are ours


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "appeal_clock:\n  - {valid_from: 2024-01-01, objection_days: 0, review_days: 5, second_objection_days: 3,"
            " second_review_days: 3, central_days: 3, source: s}\n",
            "a number of working days is 1 or more",
        ),
        (
            "death_review:\n  - {valid_from: 2024-01-01, forms: [surgery], infant_age_under: 1, share: '100',"
            " source: s}\n",
            "unknown form of care 'surgery'",
        ),
        (
            "sampling:\n  - {valid_from: 2024-01-01, shares: {inpatient: '120'}, source: s}\n",
            "a share is a per cent 0-100",
        ),
    ],
)
def test_a_bad_entry_is_refused(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(RulebookError) as caught:
        load_rulebook_from_path(fixture(tmp_path, text), topics=TOPICS)
    assert message in str(caught.value.problems)


def test_rulebook_show_prints_the_monitoring_rules() -> None:
    result = CliRunner().invoke(osms_cli, ["rulebook", "show", "--rulebook", "kz-law", "--on", "2026-03-02"])
    assert result.exit_code == 0, result.output
    assert "Monitoring and appeals" in result.output and "5 / 5 / 3 / 3 / 3" in result.output
