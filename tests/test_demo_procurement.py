"""``osms demo`` runs one procurement for next year end to end on the synthetic providers: announced,
applications decided, volumes placed and published, contracts made from the placements, and cases
to look at."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.engine import Engine

from osms import demo
from osms.core.db import unit_of_work
from osms.providers import contracts, procurement


def test_demo_runs_a_procurement_and_prints_its_cases(engine: Engine, tmp_path: Path) -> None:
    demo.load_country(engine, 600, 5, tmp_path / "country")
    with unit_of_work(engine) as session:
        [announcement] = procurement.announcements(session)
        answers = procurement.decisions(session, announcement["announcement_id"])
        placed = procurement.placements(session, announcement["announcement_id"])
        made = contracts.find_contract(session, f"{announcement['announcement_id']}/{placed[0]['provider_id']}")
    assert announcement["state"] == "published"
    assert announcement["year"] == int(announcement["opens"][:4]) + 1  # next year's care
    assert {a["decision"] for a in answers} == {"admitted", "rejected"}
    assert placed and made is not None
    cases = {case: what for case, _, _, what in demo.procurement_showcase(engine)}
    assert "admitted, preferred" in cases and "placement" in cases
    assert cases["rejected: late"].startswith("The application was submitted on")
    assert cases["contract"].startswith("osms contracts show ")


def test_loading_again_keeps_the_procurement(engine: Engine, tmp_path: Path) -> None:
    """``osms demo --reload-data`` loads the files again: the procurement already there is kept."""
    demo.load_country(engine, 300, 3, tmp_path / "country")
    demo.run_procurement(engine, tmp_path / "country")
    with unit_of_work(engine) as session:
        [announcement] = procurement.announcements(session)
    assert announcement["state"] == "published"
