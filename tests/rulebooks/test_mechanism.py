"""The rulebook mechanism on fixture topics: the composition, CSV files, cross-topic checks."""

from __future__ import annotations

import string
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.rulebooks.fixture_topics import TOPICS as FIXTURE
from tests.rulebooks.fixture_topics import LimitsTopic, TariffsTopic, write_rulebook

from osms.rulebooks.entries import RulebookError
from osms.rulebooks.loader import load_rulebook, load_rulebook_from_path
from osms.rulebooks.readers import read_csv, write_csv
from osms.rulebooks.show import snapshot
from osms.rulebooks.topic import Problems, Topic, composition, use_topics
from osms.topics import TOPICS


def test_the_composition_is_the_topics_list() -> None:
    assert composition() == TOPICS
    assert load_rulebook("kz-law").topics == TOPICS


def test_a_series_declared_twice_is_refused() -> None:
    class Twice(Topic):
        series = LimitsTopic.series

    with pytest.raises(RulebookError, match="'limits.price_cap' is declared by both LimitsTopic and Twice"):
        use_topics((LimitsTopic, Twice))
    assert composition() == TOPICS


def test_a_fixture_rulebook_with_a_csv_topic(tmp_path: Path) -> None:
    book = load_rulebook_from_path(write_rulebook(tmp_path, "fix"), topics=FIXTURE)
    tariffs = book.topic(TariffsTopic)
    assert tariffs.tariff("A01", date(2024, 6, 1)).price == Decimal("100.50")
    later = tariffs.tariff("A01", date(2025, 6, 1))
    assert (later.id, later.source, later.verified) == ("tariffs.A01.2025-01-01", "fixture, 2025", False)
    assert tariffs.tariff("B02", date(2026, 3, 1)).unit == "day"  # carried past the horizon
    assert book.topic(LimitsTopic).price_cap(date(2024, 1, 1)) == 1000
    assert book.series_names() == ["limits.price_cap", "tariffs.A01", "tariffs.B02"]
    with pytest.raises(RulebookError, match="not loaded with the topic"):
        book.topic(TOPICS[0])


def test_show_merges_the_topics(tmp_path: Path) -> None:
    book = load_rulebook_from_path(write_rulebook(tmp_path, "fix"), topics=FIXTURE)
    data = snapshot(book, date(2024, 3, 1))
    assert data["rulebook"] == "fix" and data["limits"]["price_cap"]["value"] == 1000


def test_a_cross_topic_check_runs_after_every_topic(tmp_path: Path) -> None:
    tariffs = "key,valid_from,price,unit,source\nC03,2024-01-01,1500,visit,fixture\n"
    folder = write_rulebook(tmp_path, "fix")
    (folder / "tariffs.csv").write_text(tariffs, encoding="utf-8")
    with pytest.raises(RulebookError) as info:
        load_rulebook_from_path(folder, topics=FIXTURE)
    assert info.value.problems == [
        f"{folder / 'tariffs.csv'}: tariffs.C03.2024-01-01: price 1500 above limits.price_cap.2024-01-01"
    ]


def test_csv_problems_name_the_file_and_line(tmp_path: Path) -> None:
    tariffs = (
        "key,valid_from,price,unit,source\n"
        "A01,2024-01-01,1,visit,fixture\n"
        'A01,2024-06-01,"0,5",visit,fixture\n'
        "B02,2024-01-01,2,visit\n"
        ",2024-01-01,2,visit,fixture\n"
        "C03,2024-01-01,3,visit,fixture,extra\n"
    )
    folder = write_rulebook(tmp_path, "fix")
    (folder / "tariffs.csv").write_text(tariffs, encoding="utf-8")
    with pytest.raises(RulebookError) as info:
        load_rulebook_from_path(folder, topics=FIXTURE)
    label = folder / "tariffs.csv"
    assert set(info.value.problems) == {
        f"{label}: line 4: expected 5 cells, found 4",
        f"{label}: line 5: the cell 'key' is empty",
        f"{label}: line 6: expected 5 cells, found 6",
        f"{label}: line 3: A01 (valid_from 2024-06-01): price: bad decimal '0,5': write it as a string, e.g. \"0.02\"",
    }


def test_a_csv_header_without_key_is_refused(tmp_path: Path) -> None:
    folder = write_rulebook(tmp_path, "fix")
    (folder / "tariffs.csv").write_text("code,valid_from\nA01,2024-01-01\n", encoding="utf-8")
    with pytest.raises(RulebookError, match=r"tariffs\.csv: line 1: the header needs a column 'key'"):
        load_rulebook_from_path(folder, topics=FIXTURE)


def test_a_yaml_file_of_a_csv_topic_is_unknown(tmp_path: Path) -> None:
    folder = write_rulebook(tmp_path, "fix")
    (folder / "tariffs.yaml").write_text("{}\n", encoding="utf-8")
    with pytest.raises(RulebookError, match=r"tariffs\.yaml: unknown file"):
        load_rulebook_from_path(folder, topics=FIXTURE)


# --- the CSV reader's properties ---------------------------------------------------------------

_text = st.text(string.ascii_letters + string.digits + " ,;\"'\n-", min_size=1, max_size=20).map(str.strip).filter(bool)
_row = st.fixed_dictionaries(
    {
        "key": st.text(string.ascii_uppercase + string.digits, min_size=1, max_size=6),
        "valid_from": st.dates(date(2000, 1, 1), date(2100, 1, 1)).map(date.isoformat),
        "price": st.decimals(min_value=0, max_value=10**9, places=2).map(str),
        "count": st.integers(-1000, 1000),
        "verified": st.booleans(),
        "source": st.one_of(_text, st.sampled_from(["true", "17", "false"])),
        "note": st.none() | _text,
    }
)
_COLUMNS = ["key", "valid_from", "price", "count", "verified", "source", "note"]


def _read(text: str, problems: Problems) -> dict[str, list[object]] | None:
    folder = Path("/nonexistent")

    class _File:
        name = "t.csv"

        def read_text(self, encoding: str) -> str:
            return text

    raw = read_csv(_File(), str(folder / "t.csv"), problems)  # type: ignore[arg-type]
    if raw is None:
        return None
    return {key: [e.raw for e in entries or []] for key, entries in raw.items()}


@settings(max_examples=200, deadline=None)
@given(st.lists(_row, max_size=12))
def test_csv_round_trip(rows: list[dict[str, object]]) -> None:
    problems = Problems()
    read = _read(write_csv(_COLUMNS, rows), problems)
    assert problems.items == [] and read is not None
    expected: dict[str, list[object]] = {}
    for row in rows:
        fields = {k: v for k, v in row.items() if k != "key" and v is not None}
        expected.setdefault(str(row["key"]), []).append(fields)
    assert read == expected


@settings(max_examples=100, deadline=None)
@given(st.lists(_row, min_size=1, max_size=8), st.data())
def test_csv_short_row_reported_with_its_line(rows: list[dict[str, object]], data: st.DataObject) -> None:
    lines = write_csv(_COLUMNS, rows).splitlines(keepends=True)
    multi = [i for i, line in enumerate(lines) if line.count('"') % 2]  # a quoted newline spans lines
    bad = data.draw(st.integers(1, multi[0] if multi else len(lines) - 1))
    lines.insert(bad, "ONLY,two\n")
    problems = Problems()
    _read("".join(lines), problems)
    assert f"/nonexistent/t.csv: line {bad + 1}: expected {len(_COLUMNS)} cells, found 2" in problems.items
