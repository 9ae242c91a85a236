"""Figures that were literals in code, now rulebook entries in both shipped rulebooks."""

from __future__ import annotations

from datetime import date
from importlib import resources
from pathlib import Path
from shutil import copytree

import pytest

from osms.attachment.rulebook import AttachmentTopic
from osms.coverage.rulebook import CoverageTopic
from osms.rulebooks.loader import RulebookError, load_rulebook, load_rulebook_from_path


@pytest.mark.parametrize(("name", "on"), [("kz-law", date(2024, 5, 1)), ("seeds-2016", date(2019, 5, 1))])
def test_the_figures_are_in_both_rulebooks(name: str, on: date) -> None:
    book = load_rulebook(name)
    coverage = book.topic(CoverageTopic)
    assert coverage.pregnancy_decision_working_days(on) == 3
    assert coverage.pregnancy_lookback_months(on) == 2
    assert coverage.pregnancy_postnatal_days(on) == 56  # Labour Code art. 99
    attachment = book.topic(AttachmentTopic)
    assert attachment.not_attached_residency(on) == ("foreigner_temporary", "asylum_seeker")
    groups = attachment.age_groups(on)
    assert groups.groups() == ("0", "1-4", "5-9", "10-14", "15-17", "18-29", "30-39", "40-49", "50-59", "60-69", "70+")
    assert [groups.group(age) for age in (0, 1, 4, 17, 18, 69, 70, 120)] == [
        "0",
        "1-4",
        "1-4",
        "15-17",
        "18-29",
        "60-69",
        "70+",
        "70+",
    ]


def test_age_groups_must_start_at_zero_and_increase(tmp_path: Path) -> None:
    folder = tmp_path / "rb"
    copytree(str(resources.files("osms.rulebooks") / "data" / "seeds-2016"), folder)
    path = folder / "attachment.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("[0, 1, 5, 10,", "[1, 5, 5, 10,"), encoding="utf-8")
    with pytest.raises(RulebookError, match="age_groups entry 1 .*the first age group must start at 0"):
        load_rulebook_from_path(folder)
