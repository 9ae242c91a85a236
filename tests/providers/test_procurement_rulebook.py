"""The procurement rules of both shipped rulebooks (docs/providers.md, "Procurement rules"): the
published figures, the horizon, ``osms rulebook show``, and the loader's refusals."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from importlib import resources
from pathlib import Path
from shutil import copytree

import pytest
from typer.testing import CliRunner

from osms.cli import app
from osms.providers.rulebook import ProvidersTopic
from osms.rulebooks.loader import NoRuleInForce, RulebookError, load_rulebook, load_rulebook_from_path

KZ = load_rulebook("kz-law").topic(ProvidersTopic)
SEEDS = load_rulebook("seeds-2016").topic(ProvidersTopic)


def test_mrp_by_year_from_the_budget_laws() -> None:
    """МРП 2025 = 3,932 and 2026 = 4,325 tenge (the laws on the republican budget)."""
    assert KZ.mrp(date(2025, 6, 1)) == Decimal("3932")
    assert KZ.mrp(date(2026, 1, 1)) == Decimal("4325")
    assert KZ.mrp_entry(date(2026, 12, 31)).id == "procurement.mrp.2026-01-01"


def test_kz_law_tolerates_arrears_of_six_mrp_of_the_year() -> None:
    """ҚР ДСМ-242/2020 п.23: at most 6 МРП: 6 × 3,932 = 23,592 in 2025, 6 × 4,325 = 25,950 in 2026."""
    assert KZ.arrears_limit(date(2025, 10, 1)) == (
        Decimal("23592"),
        ("procurement.tax_arrears_tolerance.2021-01-01", "procurement.mrp.2025-01-01"),
    )
    assert KZ.arrears_limit(date(2026, 10, 1))[0] == Decimal("25950")


def test_seeds_tolerate_no_arrears() -> None:
    """[seed 004] "solvency, no tax arrears": the tolerance is zero tenge, no МРП needed."""
    assert SEEDS.arrears_limit(date(2019, 10, 1)) == (Decimal("0"), ("procurement.tax_arrears_tolerance.2017-01-01",))


def test_after_the_horizon_the_2026_mrp_is_carried_forward() -> None:
    """kz-law is confirmed to 2026-12-31: 2027 uses the 2026 МРП, and the answer is provisional."""
    book = load_rulebook("kz-law")
    assert KZ.arrears_limit(date(2027, 3, 1))[0] == Decimal("25950")
    assert book.carried_forward(date(2027, 3, 1), ["procurement.mrp.2026-01-01"]) == ("procurement.mrp.2026-01-01",)


def test_phc_minimum_population() -> None:
    """п.23: at least two GP districts, 3,000 people, unless the only PHC in its settlement;
    the seeds give no minimum."""
    rule = KZ.phc_minimum(date(2026, 10, 1))
    assert rule is not None
    assert (rule.population, rule.care_types, rule.unless_only_in_settlement) == (3000, ("phc",), True)
    assert SEEDS.phc_minimum(date(2019, 10, 1)) is None


def test_preferences() -> None:
    """п.47: accredited and 3 years' experience; [seed 004] also an own information system."""
    assert KZ.preferences(date(2026, 10, 1)).codes == ("accredited", "experience_3y")
    assert SEEDS.preferences(date(2019, 10, 1)).codes == ("accredited", "experience_3y", "own_is")
    assert (
        KZ.preferences(date(2026, 10, 1)).experience_years == SEEDS.preferences(date(2019, 1, 1)).experience_years == 3
    )


def test_lookback_correction_and_commission() -> None:
    """п.37-1 (and seed 004): 3 years; п.39-40: one correction within 3 working days; п.8-16: odd
    membership, quorum 2/3, simple majority, the chair decides a tie."""
    assert KZ.exclusion_lookback(date(2026, 10, 1)).value == SEEDS.exclusion_lookback(date(2019, 10, 1)).value == 3
    fix = KZ.correction(date(2026, 10, 1))
    assert (fix.corrections, fix.working_days) == (1, 3)
    commission = KZ.commission(date(2026, 10, 1))
    assert [commission.membership_ok(n) for n in (0, 1, 4, 5)] == [False, True, False, True]
    # 2/3 of 7 members is 4.67: 5 present make the quorum, 4 do not; 6 of 9 exactly 2/3 do.
    assert [commission.quorum_met(7, 4), commission.quorum_met(7, 5), commission.quorum_met(9, 6)] == [
        False,
        True,
        True,
    ]
    assert commission.carried(3, 2, chair_for=None) is True
    assert commission.carried(2, 3, chair_for=True) is False
    assert commission.carried(2, 2, chair_for=True) is True
    assert commission.carried(2, 2, chair_for=False) is False


def test_application_window() -> None:
    """kz-law п.32: the announcement's own dates; [seed 004, 001 Q27]: announced by 1 August,
    applications for one month from the opening."""
    kz = KZ.application_window(date(2026, 9, 1))
    assert kz.closes(date(2026, 9, 1), date(2026, 9, 30)) == date(2026, 9, 30)
    assert kz.announcement_deadline(2027) is None
    seeds = SEEDS.application_window(date(2019, 7, 1))
    assert seeds.closes(date(2019, 7, 1), date(2019, 9, 1)) == date(2019, 7, 31)
    assert seeds.closes(date(2019, 7, 15), date(2019, 7, 20)) == date(2019, 8, 14)
    assert seeds.closes(date(2019, 1, 31), date(2019, 1, 31)) == date(2019, 2, 28)
    assert seeds.announcement_deadline(2020) == date(2019, 8, 1)


def test_stage2_criteria_are_the_seeds_unverified() -> None:
    """[seed 004] Business processes: seven criteria; the weights are ours (verified: false); kz-law has no scale."""
    rule = SEEDS.stage2_criteria(date(2019, 10, 1))
    assert rule is not None and rule.verified is False
    assert [c.code for c in rule.criteria] == [
        "experience",
        "specialised_units_beds",
        "population_shifts",
        "mortality",
        "justified_complaints",
        "past_contract_performance",
        "attached_population",
    ]
    assert KZ.stage2_criteria(date(2026, 10, 1)) is None


def test_unverified_procurement_entries_are_exactly_these() -> None:
    """kz-law: the МРП of 2021-2024 (to confirm against the budget laws) and the contract's 3 years
    (the standard form was not read); seeds-2016: the correction and commission rules and the
    contract's term (the seeds are silent) and the stage-2 weights (ours)."""

    def unverified(name: str) -> set[str]:
        book = load_rulebook(name)
        entries = (e for s in book.series_names() if s.startswith("procurement.") for e in book.series(s))
        return {e.id for e in entries if not e.verified}

    assert unverified("kz-law") == {f"procurement.mrp.{year}-01-01" for year in (2021, 2022, 2023, 2024)} | {
        "procurement.contract_max_years.2021-01-01"
    }
    assert unverified("seeds-2016") == {
        "procurement.correction.2017-01-01",
        "procurement.commission.2017-01-01",
        "procurement.stage2_criteria.2017-01-01",
        "procurement.contract_max_years.2017-01-01",
    }


def test_a_rulebook_without_procurement_rules_loads(tmp_path: Path) -> None:
    """Every procurement series is optional: a rulebook without procurement.yaml is valid, and
    asking it for a procurement rule says none is in force."""
    folder = _copy(tmp_path)
    (folder / "procurement.yaml").unlink()
    book = load_rulebook_from_path(folder)
    with pytest.raises(NoRuleInForce, match="no procurement requirements in this rulebook"):
        book.topic(ProvidersTopic).requirements(date(2026, 1, 1))


def test_kz_law_has_no_procurement_rules_before_2021() -> None:
    """ҚР ДСМ-242/2020 is in force from 2021-01-01; earlier rules are not recorded."""
    with pytest.raises(NoRuleInForce, match="no procurement requirements before 2021-01-01"):
        KZ.requirements(date(2020, 6, 1))


def test_rulebook_show_prints_the_topic() -> None:
    result = CliRunner().invoke(app, ["rulebook", "show", "--on", "2026-10-01", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)["procurement"]
    assert data["mrp"]["value"] == "4325"
    assert data["tax_arrears_tolerance"]["mrp"] == 6
    assert data["stage2_criteria"] is None
    table = CliRunner().invoke(app, ["rulebook", "show", "--rulebook", "seeds-2016", "--on", "2019-10-01"])
    assert table.exit_code == 0, table.output
    assert "Procurement" in table.output and "own_is" in table.output


def _copy(tmp_path: Path) -> Path:
    folder = tmp_path / "rb"
    copytree(str(resources.files("osms.rulebooks") / "data" / "kz-law"), folder)
    return folder


def _edit(folder: Path, old: str, new: str) -> None:
    path = folder / "procurement.yaml"
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def _drop(folder: Path, first: str, next_: str) -> None:
    """Remove the text of ``procurement.yaml`` from ``first`` up to ``next_``."""
    path = folder / "procurement.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text[: text.index(first)] + text[text.index(next_) :], encoding="utf-8")


def test_a_tolerance_without_an_mrp_year_is_refused(tmp_path: Path) -> None:
    folder = _copy(tmp_path)
    _drop(folder, "  - valid_from: 2021-01\n", "  - valid_from: 2022-01\n")
    with pytest.raises(RulebookError, match="tax_arrears_tolerance.2021-01-01: needs the МРП of 2021"):
        load_rulebook_from_path(folder)


def test_a_requirement_needs_its_figure(tmp_path: Path) -> None:
    """tax_arrears is listed, but no tolerance is in force when the requirements start."""
    folder = _copy(tmp_path)
    _drop(folder, "tax_arrears_tolerance:", "phc_min_population:")
    with pytest.raises(
        RulebookError, match="requirements.2021-01-01: tax_arrears needs procurement.tax_arrears_tolerance"
    ):
        load_rulebook_from_path(folder)


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("      - no_capacity ", "      - no_capcity ", "unknown requirement 'no_capcity'"),
        ("    mrp: 6\n", '    mrp: 6\n    tenge: "0"\n', "give exactly one of mrp and tenge"),
        ('    quorum: "2/3"', '    quorum: "3/2"', "must be above 0 and at most 1"),
        ("codes: [accredited, experience_3y]", "codes: [accredited, experience_5y]", "unknown preference"),
        ("    working_days: 3", "    working_days: 0", "working_days must be at least 1"),
    ],
)
def test_the_loader_refuses_bad_entries(tmp_path: Path, old: str, new: str, message: str) -> None:
    folder = _copy(tmp_path)
    _edit(folder, old, new)
    with pytest.raises(RulebookError, match=message):
        load_rulebook_from_path(folder)
