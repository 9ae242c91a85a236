"""Rulebooks that extend another (docs/rulebooks.md, "Extending a rulebook"), on fixture topics
and, for ``osms rulebook list``, on a child of ``kz-law`` that confirms 2027."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from tests.rulebooks.fixture_topics import TOPICS, LimitsTopic, TariffsTopic, write_rulebook
from typer.testing import CliRunner

from osms.cli import app
from osms.contributions.rulebook import ContributionsTopic
from osms.core.config import get_settings
from osms.rulebooks.entries import RulebookError
from osms.rulebooks.loader import clear_cache, load_rulebook, load_rulebook_from_path

runner = CliRunner()


@pytest.fixture
def root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A directory of ``OSMS_RULEBOOK_PATH`` holding the fixture rulebook ``base``."""
    folder = tmp_path / "rulebooks"
    write_rulebook(folder, "base")
    monkeypatch.setenv("OSMS_RULEBOOK_PATH", str(folder))
    get_settings.cache_clear()
    clear_cache()
    yield folder
    monkeypatch.undo()
    get_settings.cache_clear()
    clear_cache()


def child(root: Path, name: str, extends: str, **files: str) -> Path:
    header = f"name: {name}\nextends: {extends}\n" + files.pop("header", "")
    return write_rulebook(root, name, {"rulebook.yaml": header, **files})


def test_a_child_inherits_every_entry(root: Path) -> None:
    book = load_rulebook_from_path(child(root, "kid", "base"), topics=TOPICS)
    parent = load_rulebook_from_path(root / "base", topics=TOPICS)
    assert book.series_names() == parent.series_names()
    assert (book.name, book.title, book.extends, book.covers_to) == ("kid", "Fixture base", "base", date(2025, 12, 31))
    assert book.origin == str(root / "kid")


def test_an_entry_with_the_same_key_and_valid_from_is_replaced(root: Path) -> None:
    tariffs = "key,valid_from,valid_to,price,unit,source\nA01,2024-01-01,2024-12-31,110,visit,tariff order 2024\n"
    book = load_rulebook_from_path(child(root, "kid", "base", **{"tariffs.csv": tariffs}), topics=TOPICS)
    a01 = book.topic(TariffsTopic).tariff("A01", date(2024, 3, 1))
    assert (a01.price, a01.source) == (Decimal("110"), "tariff order 2024")
    assert book.topic(TariffsTopic).tariff("A01", date(2025, 3, 1)).price == Decimal("120")  # inherited
    assert len(book.series("tariffs.A01")) == 2


def test_a_year_added_past_the_parents_horizon(root: Path) -> None:
    header = "covers:\n  valid_from: 2024-01-01\n  valid_to: 2026-12-31\n"
    limits = "price_cap:\n  - valid_from: 2024-01-01\n    valid_to: 2025-12-31\n    value: 1000\n    source: fixture\n"
    limits += "  - valid_from: 2026-01-01\n    value: 2000\n    source: limits of 2026\n"
    book = load_rulebook_from_path(child(root, "kid", "base", header=header, **{"limits.yaml": limits}), topics=TOPICS)
    assert book.confirmed_until == date(2026, 12, 31) and not book.is_provisional(date(2026, 6, 1))
    assert book.topic(LimitsTopic).price_cap(date(2025, 6, 1)) == 1000
    assert book.topic(LimitsTopic).price_cap(date(2026, 6, 1)) == 2000


def test_a_chain_of_three(root: Path) -> None:
    tariffs = "key,valid_from,price,unit,source\nC03,2024-01-01,5,visit,middle\n"
    child(root, "middle", "base", **{"tariffs.csv": tariffs})
    book = load_rulebook_from_path(child(root, "top", "middle"), topics=TOPICS)
    assert book.series_names() == ["limits.price_cap", "tariffs.A01", "tariffs.B02", "tariffs.C03"]


def test_a_cycle_is_refused(root: Path) -> None:
    child(root, "one", "two")
    child(root, "two", "one")
    with pytest.raises(RulebookError, match=r"extends 'one': a cycle \(one -> two -> one\)"):
        load_rulebook_from_path(root / "one", topics=TOPICS)
    child(root, "self", "self")
    with pytest.raises(RulebookError, match=r"extends 'self': a cycle \(self -> self\)"):
        load_rulebook_from_path(root / "self", topics=TOPICS)


def test_an_unknown_parent_is_refused(root: Path) -> None:
    folder = child(root, "kid", "nowhere")
    with pytest.raises(RulebookError) as info:
        load_rulebook_from_path(folder, topics=TOPICS)
    assert info.value.problems[0].startswith(
        f"{folder / 'rulebook.yaml'}: extends unknown rulebook 'nowhere' (available: base, "
    )


def test_an_invalid_child_is_refused_naming_its_file_and_entry(root: Path) -> None:
    tariffs = "key,valid_from,valid_to,price,unit,source\nA01,2024-06-01,2024-12-31,130,visit,overlapping\n"
    folder = child(root, "kid", "base", **{"tariffs.csv": tariffs})
    with pytest.raises(RulebookError) as info:
        load_rulebook_from_path(folder, topics=TOPICS)
    assert info.value.problems == [
        f"{folder / 'tariffs.csv'}: tariffs.A01: tariffs.A01.2024-01-01 (2024-01-01..2024-12-31) and "
        "tariffs.A01.2024-06-01 (2024-06-01..2024-12-31) overlap"
    ]


def test_a_childs_cross_topic_check_sees_the_merged_entries(root: Path) -> None:
    limits = "price_cap:\n  - valid_from: 2024-01-01\n    value: 500\n    source: a lower cap\n"
    folder = child(root, "kid", "base", **{"limits.yaml": limits})
    with pytest.raises(RulebookError) as info:
        load_rulebook_from_path(folder, topics=TOPICS)
    assert info.value.problems == [
        f"{root / 'base' / 'tariffs.csv'}: tariffs.B02.2024-01-01: price 900 above limits.price_cap.2024-01-01"
    ]


def test_a_rulebook_without_extends_needs_its_whole_header(root: Path) -> None:
    folder = write_rulebook(root, "bare", {"rulebook.yaml": "name: bare\n"})
    with pytest.raises(RulebookError) as info:
        load_rulebook_from_path(folder, topics=TOPICS)
    assert [p.rpartition(": ")[2] for p in info.value.problems] == [
        "required key 'title' is missing",
        "required key 'description' is missing",
        "required key 'covers' is missing",
        "required key 'source' is missing",
    ]


KZ_2027 = {
    "header": "title: kz-law with 2027 confirmed\ncovers:\n  valid_from: 2017-07-01\n  valid_to: 2027-12-31\n",
    "wages.yaml": """\
mw:
  - valid_from: 2027-01
    valid_to: 2027-12
    value: "90000"
    source: budget law 2027
amw:
  - valid_from: 2025-01
    valid_to: 2025-12
    value: "400000"
    source: statistics 2025
""",
    "procurement.yaml": """\
mrp:
  - valid_from: 2027-01
    valid_to: 2027-12
    value: "4500"
    source: budget law 2027
""",
}


@pytest.fixture
def kz_root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """An empty directory of ``OSMS_RULEBOOK_PATH`` (beside the shipped rulebooks)."""
    folder = tmp_path / "kz"
    folder.mkdir()
    monkeypatch.setenv("OSMS_RULEBOOK_PATH", str(folder))
    get_settings.cache_clear()
    clear_cache()
    yield folder
    monkeypatch.undo()
    get_settings.cache_clear()
    clear_cache()


def test_a_child_of_kz_law_confirms_2027_and_is_listed(kz_root: Path) -> None:
    root = kz_root
    child(root, "kz-next", "kz-law", **KZ_2027)
    book = load_rulebook("kz-next")
    assert book.topic(ContributionsTopic).mw(2027) == Decimal("90000")
    assert book.topic(ContributionsTopic).mw(2026) == load_rulebook("kz-law").topic(ContributionsTopic).mw(2026)
    assert not book.is_provisional(date(2027, 6, 1))
    result = runner.invoke(app, ["rulebook", "list", "--json"])
    assert result.exit_code == 0, result.output
    rows = {row["name"]: row for row in map(json.loads, result.stdout.splitlines())}
    assert (rows["kz-next"]["origin"], rows["kz-next"]["extends"]) == (str(root / "kz-next"), "kz-law")
    assert (rows["kz-law"]["origin"], rows["kz-law"]["extends"]) == ("shipped", None)
    assert rows["kz-next"]["confirmed_until"] == "2027-12-31"
    table = runner.invoke(app, ["rulebook", "list"], env={"COLUMNS": "250"})
    assert "origin" in table.stdout and "extends" in table.stdout


def test_a_child_of_kz_law_that_forgets_the_mw_of_2027_is_refused(kz_root: Path) -> None:
    folder = child(kz_root, "kz-next", "kz-law", header=KZ_2027["header"])
    with pytest.raises(RulebookError) as info:
        load_rulebook("kz-next")
    assert any("wages.mw: ends 2026-12-31, before the rulebook's end 2027-12-31" in p for p in info.value.problems)
    assert folder.is_dir()
