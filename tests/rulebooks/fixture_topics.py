"""Two small topics for the mechanism's tests (not the fund's): a YAML topic ``limits`` with one
required parameter, and a CSV topic ``tariffs`` keyed by any service code, whose check (run once
both are loaded) refuses a tariff above the ``limits.price_cap`` in force."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from osms.rulebooks.entries import Dec, Entry, IntRow, ParameterEntry, Row
from osms.rulebooks.show import ShowTables
from osms.rulebooks.topic import Loaded, Problems, SeriesSpec, Topic


@dataclass(frozen=True, slots=True, kw_only=True)
class Tariff(Entry):
    code: str
    price: Decimal
    unit: str


class _TariffRow(Row):
    price: Dec
    unit: str

    def to_entry(self, series: str, key: str) -> Entry:
        return Tariff(**self.entry_fields(series), code=key, price=self.price, unit=self.unit)


class LimitsTopic(Topic):
    series = {"limits.price_cap": SeriesSpec(IntRow, "continuous", True, spans_rulebook=True)}

    def price_cap(self, on: date) -> int:
        return self.book.parameter("limits.price_cap", on)

    def show(self, on: date) -> dict[str, Any]:
        return {"limits": {"price_cap": self.book.entry("limits.price_cap", on).as_dict()}}

    def print_tables(self, on: date, data: Mapping[str, Any], out: ShowTables) -> None:
        table = out.table("Limits", "figure", "value", "entry", "verified")
        out.row(table, "price cap", str(data["limits"]["price_cap"]["value"]), data["limits"]["price_cap"])
        out.print(table)


class TariffsTopic(Topic):
    series = {"tariffs.*": SeriesSpec(_TariffRow, "continuous")}
    csv_files = frozenset({"tariffs"})

    def tariff(self, code: str, on: date) -> Tariff:
        found = self.book.entry(f"tariffs.{code}", on)
        assert isinstance(found, Tariff)
        return found

    @classmethod
    def check(cls, loaded: Loaded, problems: Problems) -> None:
        caps = [e for e in loaded.entries("limits.price_cap") if isinstance(e, ParameterEntry)]
        for name, entries in loaded.series.items():
            if not name.startswith("tariffs."):
                continue
            for entry in entries:
                assert isinstance(entry, Tariff)
                for cap in caps:
                    if cap.applies_on(entry.valid_from) and entry.price > cap.value:
                        problems.add(f"{loaded.where(entry)}: {entry.id}: price {entry.price} above {cap.id}")


TOPICS: tuple[type[Topic], ...] = (LimitsTopic, TariffsTopic)

HEADER = """\
name: {name}
title: Fixture {name}
description: A fixture rulebook of the mechanism's tests.
covers:
  valid_from: 2024-01-01
  valid_to: 2025-12-31
source: tests/rulebooks/fixture_topics.py
"""

LIMITS = """\
price_cap:
  - valid_from: 2024-01-01
    value: 1000
    source: fixture
"""

TARIFFS = """\
key,valid_from,valid_to,price,unit,source,verified
A01,2024-01-01,2024-12-31,100.50,visit,fixture,true
A01,2025-01-01,,120,visit,"fixture, 2025",false
B02,2024-01-01,,900,day,fixture,
"""


def write_rulebook(root: Path, name: str, files: Mapping[str, str] | None = None) -> Path:
    """A fixture rulebook directory ``root/name`` (the header, limits and tariffs unless ``files``)."""
    folder = root / name
    folder.mkdir(parents=True, exist_ok=True)
    chosen = {"rulebook.yaml": HEADER.format(name=name), "limits.yaml": LIMITS, "tariffs.csv": TARIFFS}
    for file, text in (files if files is not None else chosen).items():
        (folder / file).write_text(text, encoding="utf-8")
    return folder
