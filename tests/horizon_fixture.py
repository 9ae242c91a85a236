"""A tiny rulebook ``horizon-test`` for the confirmed horizon (docs/rulebooks.md), written to a
temporary directory named by ``OSMS_RULEBOOK_PATH``, so that the tests of the carry-forward rule do
not depend on the live ``kz-law`` figures.

It covers 2025-01-01..2026-12-31 (the confirmed horizon). The figures are round, for computing by hand:

- MW 80,000 (2025) and 100,000 (2026, ``valid_to: 2026-12``: it reaches the horizon, so it is
  carried); AMW 300,000 (2023) and 400,000 (2024);
- employer deduction 3% of income capped at 10 MW, open-ended; self-payer 5% of 1 MW; the state
  2% of the AMW of two years earlier;
- civil contract 2% of income in 2025 only (``valid_to: 2025-12-31``: repealed before the horizon,
  never carried); individual entrepreneur 5% of 1.4 MW until 2026-12-31 with ``carry_forward:
  false`` (a transitional regime ending on the horizon on purpose);
- payment deadlines: the 25th of the next month (the statement by the 15th), open-ended;
- grace 3 months, arrears cap 12, insurance from 2025-01-01; the categories child and pensioner
  (the state pays); campaign 15.09-15.11, one free change per 6 months, minor age 18.

``confirm_2027()`` does what an operator does to confirm 2027: it adds MW 2027 = 120,000 and AMW
2025 = 500,000 as new entries and moves ``covers.valid_to`` to 2027-12-31.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from osms.core.config import get_settings
from osms.rulebooks.loader import clear_cache

NAME = "horizon-test"

FILES: dict[str, str] = {
    "rulebook.yaml": """\
name: horizon-test
title: Horizon test rulebook
description: Two confirmed years, for the carry-forward tests.
covers:
  valid_from: 2025-01-01
  valid_to: 2026-12-31
source: tests/horizon_fixture.py
""",
    "wages.yaml": """\
mw:
  - valid_from: 2025-01
    valid_to: 2025-12
    value: "80000"
    source: fixture
    verified: true
  - valid_from: 2026-01
    valid_to: 2026-12
    value: "100000"
    source: fixture
    verified: true
amw:
  - valid_from: 2023-01
    valid_to: 2023-12
    value: "300000"
    source: fixture
  - valid_from: 2024-01
    valid_to: 2024-12
    value: "400000"
    source: fixture
""",
    "rates.yaml": """\
employer-deduction:
  - valid_from: 2025-01-01
    rate: "0.03"
    base: income
    cap: "10"
    source: fixture
employee-contribution:
  - valid_from: 2025-01-01
    rate: "0.02"
    base: income
    cap: "10"
    source: fixture
self-payer:
  - valid_from: 2025-01-01
    rate: "0.05"
    base: mw_multiple
    multiplier: "1"
    source: fixture
state:
  - valid_from: 2025-01-01
    rate: "0.02"
    base: amw_two_years_earlier
    source: fixture
civil-contract:
  - valid_from: 2025-01-01
    valid_to: 2025-12-31
    rate: "0.02"
    base: income
    source: fixture (repealed at the end of 2025)
individual-entrepreneur:
  - valid_from: 2025-01-01
    valid_to: 2026-12-31
    carry_forward: false
    rate: "0.05"
    base: mw_multiple
    multiplier: "1.4"
    source: fixture (a transitional regime ending with 2026)
""",
    "deadlines.yaml": """\
employer-deduction:
  - valid_from: 2025-01-01
    months_after: 1
    day: 25
    source: fixture
employee-contribution:
  - valid_from: 2025-01-01
    months_after: 1
    day: 25
    source: fixture
self-payer:
  - valid_from: 2025-01-01
    months_after: 1
    day: 25
    source: fixture
employer-statement:
  - valid_from: 2025-01-01
    months_after: 1
    day: 15
    source: fixture
""",
    "status.yaml": """\
grace:
  - valid_from: 2025-01-01
    grace_months: 3
    source: fixture
arrears_cap_months:
  - valid_from: 2025-01-01
    value: 12
    source: fixture
self_payer_prepay_months:
  - valid_from: 2025-01-01
    value: 0
    source: fixture
window_history_months:
  - valid_from: 2025-01-01
    value: 72
    source: fixture
window_future_months:
  - valid_from: 2025-01-01
    value: 12
    source: fixture
insurance_starts:
  - valid_from: 2025-01-01
    source: fixture
""",
    "categories.yaml": """\
child:
  - valid_from: 2025-01-01
    payer: state
    source: fixture
pensioner:
  - valid_from: 2025-01-01
    payer: state
    source: fixture
""",
    "attachment.yaml": """\
campaign:
  - valid_from: 2025-01-01
    start: "09-15"
    end: "11-15"
    source: fixture
free_change_limit:
  - valid_from: 2025-01-01
    changes: 1
    per_months: 6
    source: fixture
minor_age:
  - valid_from: 2025-01-01
    value: 18
    source: fixture
""",
    "benefits.yaml": """\
gobmp_care_types:
  - valid_from: 2025-01-01
    care_types: [ambulance, phc, emergency]
    source: fixture
osms_care_types:
  - valid_from: 2025-01-01
    care_types: [inpatient_planned, consult_diag]
    source: fixture
never_covered:
  - valid_from: 2025-01-01
    care_types: [cosmetology]
    source: fixture
referral_required:
  - valid_from: 2025-01-01
    care_types: [inpatient_planned]
    source: fixture
disease_care_types:
  - valid_from: 2025-01-01
    care_types: [consult_diag]
    source: fixture
gobmp_residency:
  - valid_from: 2025-01-01
    residencies: [citizen, kandas]
    source: fixture
osms_residency:
  - valid_from: 2025-01-01
    residencies: [citizen, kandas]
    source: fixture
socially_significant:
  - valid_from: 2025-01-01
    source: fixture
    diseases:
      - name: tuberculosis
        codes: [A15-A19]
        title: {kk: "туберкулез", ru: "туберкулез", en: "tuberculosis", source: fixture, verified: false}
        source: fixture
        mapping: ours
dangerous:
  - valid_from: 2025-01-01
    source: fixture
    diseases:
      - name: tuberculosis
        codes: [A15-A19]
        title: {kk: "туберкулез", ru: "туберкулез", en: "tuberculosis", source: fixture, verified: false}
        source: fixture
        mapping: ours
""",
}


class FixtureRulebook:
    """The ``horizon-test`` rulebook on disk, and the operator's confirmation of 2027."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.folder = root / NAME
        self.folder.mkdir(parents=True)
        for file, text in FILES.items():
            (self.folder / file).write_text(text, encoding="utf-8")

    def confirm_2027(self) -> None:
        """Add the 2027 entries as data and move the confirmed horizon to 2027-12-31."""
        wages = self.folder / "wages.yaml"
        text = wages.read_text(encoding="utf-8")
        text = text.replace(
            "amw:\n",
            '  - valid_from: 2027-01\n    valid_to: 2027-12\n    value: "120000"\n    source: budget law 2027\n'
            "    verified: true\namw:\n",
        )
        text += '  - valid_from: 2025-01\n    valid_to: 2025-12\n    value: "500000"\n    source: statistics 2025\n'
        wages.write_text(text, encoding="utf-8")
        header = self.folder / "rulebook.yaml"
        header.write_text(
            header.read_text(encoding="utf-8").replace("valid_to: 2026-12-31", "valid_to: 2027-12-31"),
            encoding="utf-8",
        )
        clear_cache()


@pytest.fixture
def horizon_rulebook(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[FixtureRulebook]:
    """The fixture rulebook, loadable by name through ``OSMS_RULEBOOK_PATH``."""
    fixture = FixtureRulebook(tmp_path / "rulebooks")
    monkeypatch.setenv("OSMS_RULEBOOK_PATH", str(fixture.root))
    get_settings.cache_clear()
    clear_cache()
    yield fixture
    monkeypatch.undo()
    get_settings.cache_clear()
    clear_cache()
