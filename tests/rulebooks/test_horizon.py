"""The confirmed horizon (docs/rulebooks.md): law stays in force until it is changed.

On the fixture rulebook ``horizon-test`` (tests/horizon_fixture.py, confirmed until 2026-12-31):
a lookup for a later day returns the entry in force on the horizon, carried forward; entries that
end on purpose are not carried; an operator confirms 2027 by adding its entries as data.
"""

from __future__ import annotations

import json
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.horizon_fixture import NAME, FixtureRulebook, horizon_rulebook
from typer.testing import CliRunner

from osms.attachment.rulebook import AttachmentTopic
from osms.cli import app
from osms.contributions.rulebook import ContributionsTopic
from osms.coverage.rulebook import CoverageTopic
from osms.registry.rulebook import RegistryTopic
from osms.rulebooks.horizon import horizon_of
from osms.rulebooks.loader import (
    LAST_ANSWERABLE,
    DateOutsideRulebook,
    NoRuleInForce,
    RulebookError,
    available_rulebooks,
    load_rulebook,
    load_rulebook_from_path,
)

__all__ = ["horizon_rulebook"]

HORIZON = date(2026, 12, 31)
runner = CliRunner()


def test_a_rulebook_loads_from_osms_rulebook_path(horizon_rulebook: FixtureRulebook) -> None:
    assert NAME in available_rulebooks() and "kz-law" in available_rulebooks()
    book = load_rulebook(NAME)
    assert (book.covers_from, book.confirmed_until) == (date(2025, 1, 1), HORIZON)


def test_lookups_after_the_horizon_carry_the_last_entries(horizon_rulebook: FixtureRulebook) -> None:
    book = load_rulebook(NAME)
    day = date(2027, 1, 15)
    # MW 2026 ends on the horizon (valid_to 2026-12): the last confirmed figure, carried into 2027
    assert book.topic(ContributionsTopic).mw_entry(day).id == "wages.mw.2026-01-01" and book.topic(
        ContributionsTopic
    ).mw(2027) == Decimal("100000")
    assert book.topic(ContributionsTopic).rate("self-payer", day).id == "rates.self-payer.2025-01-01"
    assert book.topic(CoverageTopic).grace(day).grace_months == 3
    assert book.topic(AttachmentTopic).campaign(2027).start == date(2027, 9, 15)
    assert set(book.topic(RegistryTopic).categories(day)) == {"child", "pensioner"}
    # the state's base is carried too: the AMW of 2024 (the horizon's year - 2), not of 2025
    assert book.topic(ContributionsTopic).state_base_year(day) == 2024
    assert book.topic(ContributionsTopic).base_amount("state", day) == Decimal("400000")
    assert book.is_provisional(day) and not book.is_provisional(HORIZON)


def test_entries_that_end_on_purpose_are_not_carried(horizon_rulebook: FixtureRulebook) -> None:
    book = load_rulebook(NAME)
    # civil-contract: valid_to 2025-12-31, before the horizon: repealed, in 2026 as in 2027
    for day in (date(2026, 6, 1), date(2027, 1, 15)):
        with pytest.raises(NoRuleInForce, match="no rate for civil-contract after 2025-12-31"):
            book.topic(ContributionsTopic).rate("civil-contract", day)
    # individual-entrepreneur: ends on the horizon with carry_forward: false
    assert book.topic(ContributionsTopic).rate("individual-entrepreneur", HORIZON).rate == Decimal("0.05")
    with pytest.raises(NoRuleInForce, match="no rate for individual-entrepreneur after 2026-12-31"):
        book.topic(ContributionsTopic).rate("individual-entrepreneur", date(2027, 1, 1))


def test_dates_before_the_rulebook_are_still_refused(horizon_rulebook: FixtureRulebook) -> None:
    book = load_rulebook(NAME)
    with pytest.raises(DateOutsideRulebook, match="2024-12-31 is outside the rulebook horizon-test"):
        book.topic(CoverageTopic).grace(date(2024, 12, 31))
    with pytest.raises(DateOutsideRulebook):
        book.topic(CoverageTopic).grace(LAST_ANSWERABLE + timedelta(days=1))


def test_confirming_2027_ends_the_carry_forward(horizon_rulebook: FixtureRulebook) -> None:
    day = date(2027, 1, 15)
    horizon_rulebook.confirm_2027()
    book = load_rulebook(NAME)
    assert book.confirmed_until == date(2027, 12, 31) and not book.is_provisional(day)
    assert book.topic(ContributionsTopic).mw_entry(day).id == "wages.mw.2027-01-01" and book.topic(
        ContributionsTopic
    ).mw(day) == Decimal("120000")
    assert book.topic(ContributionsTopic).base_amount("state", day) == Decimal("500000")  # the AMW of 2025
    assert book.carried_forward(day, ["rates.state.2025-01-01"]) == ()
    # 2028 is now the provisional year, carrying 2027's figures
    assert book.topic(ContributionsTopic).mw(date(2028, 3, 1)) == Decimal("120000") and book.is_provisional(
        date(2028, 3, 1)
    )


def test_an_entry_after_the_horizon_is_refused_until_the_horizon_moves(tmp_path: Path) -> None:
    fixture = FixtureRulebook(tmp_path)
    wages = fixture.folder / "wages.yaml"
    wages.write_text(
        wages.read_text(encoding="utf-8").replace(
            "amw:\n", '  - valid_from: 2027-01\n    valid_to: 2027-12\n    value: "120000"\n    source: budget\namw:\n'
        ),
        encoding="utf-8",
    )
    with pytest.raises(RulebookError, match="wages.mw.2027-01-01: starts after the rulebook's confirmed horizon"):
        load_rulebook_from_path(fixture.folder)


def test_carry_forward_false_needs_a_valid_to(tmp_path: Path) -> None:
    fixture = FixtureRulebook(tmp_path)
    rates = fixture.folder / "rates.yaml"
    rates.write_text(
        rates.read_text(encoding="utf-8").replace(
            "self-payer:\n  - valid_from: 2025-01-01\n",
            "self-payer:\n  - valid_from: 2025-01-01\n    carry_forward: false\n",
        ),
        encoding="utf-8",
    )
    with pytest.raises(RulebookError, match="carry_forward: false needs a valid_to"):
        load_rulebook_from_path(fixture.folder)


def test_the_horizon_sentence_in_three_languages(horizon_rulebook: FixtureRulebook) -> None:
    book = load_rulebook(NAME)
    horizon = horizon_of(book, date(2027, 1, 15), ["rates.self-payer.2025-01-01", "not.an.entry"])
    assert horizon.as_dict() == {
        "provisional": True,
        "carried_forward": ["rates.self-payer.2025-01-01"],
        "provisional_message": {
            "kk": "2027 жылғы көрсеткіштер әлі расталмаған; 2026 жылғы көрсеткіштер қолданылды.",
            "ru": "Показатели 2027 года ещё не подтверждены; применены показатели 2026 года.",
            "en": "The 2027 figures are not yet confirmed; the 2026 figures were applied.",
        },
    }
    assert horizon_of(book, HORIZON, ["rates.self-payer.2025-01-01"]).as_dict() == {
        "provisional": False,
        "carried_forward": [],
        "provisional_message": None,
    }


# --- the property: after the horizon, the answer on the horizon's last day, flagged ------------

LOOKUPS = (
    "wages.mw",
    "rates.employer-deduction",
    "rates.self-payer",
    "rates.state",
    "rates.civil-contract",
    "rates.individual-entrepreneur",
    "status.grace",
    "status.arrears_cap_months",
    "categories.child",
    "attachment.minor_age",
    "benefits.osms_care_types",
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(day=st.dates(HORIZON + timedelta(days=1), date(2200, 12, 31)))
def test_after_the_horizon_every_lookup_equals_the_horizons(horizon_rulebook: FixtureRulebook, day: date) -> None:
    book = load_rulebook(NAME)
    for series in LOOKUPS:
        on_horizon = book.find(series, HORIZON)
        carried = book.find(series, day)
        if series == "rates.individual-entrepreneur":  # ends on the horizon on purpose
            assert on_horizon is not None and carried is None
            continue
        assert carried is on_horizon, (series, day)
        if carried is not None:
            assert book.carried_forward(day, [carried.id]) == (carried.id,)
            assert book.carried_forward(HORIZON, [carried.id]) == ()
    assert book.topic(ContributionsTopic).base_amount("self-payer", day) == book.topic(ContributionsTopic).base_amount(
        "self-payer", HORIZON
    )
    assert book.topic(ContributionsTopic).base_amount("state", day) == book.topic(ContributionsTopic).base_amount(
        "state", HORIZON
    )
    assert book.topic(ContributionsTopic).cap_amount("employer-deduction", day) == book.topic(
        ContributionsTopic
    ).cap_amount("employer-deduction", HORIZON)
    assert book.is_provisional(day)


@pytest.mark.parametrize("name", ["kz-law", "seeds-2016"])
@settings(max_examples=30, deadline=None)
@given(data=st.data())
def test_shipped_rulebooks_carry_their_horizon(name: str, data: st.DataObject) -> None:
    book = load_rulebook(name)
    day = data.draw(st.dates(book.confirmed_until + timedelta(days=1), date(2100, 12, 31)))
    for series in book.series_names():
        if series == "wages.amw":
            continue
        found = book.find(series, day)
        assert found is None or found is book.find(series, book.confirmed_until)
    assert book.topic(ContributionsTopic).mw(day) == book.topic(ContributionsTopic).mw(book.confirmed_until)
    assert book.topic(CoverageTopic).grace(day) is book.topic(CoverageTopic).grace(book.confirmed_until)


# --- osms rulebook show / list -----------------------------------------------------------------


def show_json(*args: str) -> dict[str, object]:
    result = runner.invoke(app, ["rulebook", "show", "--json", *args])
    assert result.exit_code == 0, result.output
    data: dict[str, object] = json.loads(result.stdout)
    return data


def test_show_reports_the_horizon(horizon_rulebook: FixtureRulebook) -> None:
    confirmed = show_json("--rulebook", NAME, "--on", "2026-12-31")
    assert confirmed["confirmed_until"] == "2026-12-31"
    assert confirmed["provisional"] is False and confirmed["carried_forward"] == []
    later = show_json("--rulebook", NAME, "--on", "2027-01-15")
    assert later["confirmed_until"] == "2026-12-31" and later["provisional"] is True
    carried = later["carried_forward"]
    assert isinstance(carried, list)
    assert "wages.mw.2026-01-01" in carried and "rates.state.2025-01-01" in carried
    assert "rates.individual-entrepreneur.2025-01-01" not in carried  # ended on purpose
    assert later["mw"] == confirmed["mw"]  # type: ignore[comparison-overlap]
    assert later["amw_for_state"]["year"] == 2024  # type: ignore[index]
    tables = runner.invoke(app, ["rulebook", "show", "-r", NAME, "--on", "2027-01-15"], env={"COLUMNS": "200"})
    assert tables.exit_code == 0, tables.output
    assert "Confirmed until 2026-12-31" in tables.stdout and "PROVISIONAL" in tables.stdout


def test_show_kz_law_in_2027_answers(horizon_rulebook: FixtureRulebook) -> None:
    data = show_json("--on", "2027-01-15")
    assert data["rulebook"] == "kz-law" and data["confirmed_until"] == "2026-12-31"
    assert data["provisional"] is True


def test_list_reports_the_horizon(horizon_rulebook: FixtureRulebook) -> None:
    result = runner.invoke(app, ["rulebook", "list", "--json"])
    assert result.exit_code == 0, result.output
    rows = {row["name"]: row for row in map(json.loads, result.stdout.splitlines())}
    assert rows[NAME]["confirmed_until"] == "2026-12-31"
    assert rows["kz-law"]["confirmed_until"] == "2026-12-31"
    assert rows["seeds-2016"]["confirmed_until"] == "2021-12-31"
    horizon_rulebook.confirm_2027()
    result = runner.invoke(app, ["rulebook", "list", "--json"])
    rows = {row["name"]: row for row in map(json.loads, result.stdout.splitlines())}
    assert rows[NAME]["confirmed_until"] == "2027-12-31"
