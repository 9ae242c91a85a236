"""``osms demo`` loads the synthetic country's daily service reports through the operator's intake
and shows what the checks found: every planted fault that a check can see, found; the phantom
visits, not."""

from __future__ import annotations

from pathlib import Path

import pytest
from rich.console import Console
from sqlalchemy.engine import Engine

from osms import demo
from osms.synth.services import SERVICES_DIR, TRUTH_FILE


def test_demo_loads_the_service_reports_and_shows_the_findings(
    engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "country"
    demo.load_country(engine, 600, 5, out)
    shown = demo.services_showcase(engine, out / SERVICES_DIR / TRUTH_FILE)
    assert shown is not None
    assert shown.files >= 89 and shown.rows == shown.accepted > 500
    assert shown.rejected_by_reason == {}
    faults = {fault: (planted, finding, caught) for fault, planted, finding, caught in shown.faults}
    assert faults["phantom"][0] > 0 and faults["phantom"][2] == 0
    for fault, (planted, finding, caught) in faults.items():
        if finding:
            assert caught == planted, fault
    assert sum(planted for planted, _, _ in faults.values()) > 0
    assert set(shown.unplanted) <= {"duplicate", "doctor_overload"}
    assert shown.samples and shown.samples[0][-1] == "phantom"
    assert {row[-1] for row in shown.samples} >= {"after_death", "wrong_sex", "overload"}
    recorder = Console(record=True, width=200)
    monkeypatch.setattr(demo, "console", recorder)
    demo.print_services(shown)
    text = recorder.export_text()
    assert "Faults the synth planted" in text and "I did not receive this" in text


def test_no_service_reports_no_table(engine: Engine) -> None:
    assert demo.services_showcase(engine, None) is None
