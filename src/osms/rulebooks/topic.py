"""A rulebook topic: the series a room declares, their row models and checks, its typed accessors.

A room declares each topic it owns as a ``Topic`` subclass in its own module (e.g.
``osms/<room>/rulebook.py``): ``series`` maps each series name (``<file>.<key>``) to a
``SeriesSpec`` (its row model and how its entries must tile the rulebook's period; ``<file>.*``
for every key of the file), ``csv_files``
names the files read as CSV, ``check`` adds checks that need every topic loaded, and the instance
methods are the typed accessors over one loaded rulebook (``book.topic(SomeTopic).figure(on)``).
``show`` and ``print_tables`` are what ``osms rulebook show`` prints for it.

The mechanism knows no topic: ``load_rulebook`` validates the topics of the composition list, which
the composition module (``COMPOSITION_MODULE``) hands over with ``use_topics`` when it is imported
(docs/decisions/0005-rulebook-topics.md). Several topics may share a file (each owns its keys).
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any, ClassVar, Literal

from osms.rulebooks.entries import Entry, Row, RulebookError

if TYPE_CHECKING:
    from osms.rulebooks.book import Rulebook
    from osms.rulebooks.show import ShowTables

__all__ = [
    "ANY_KEY",
    "COMPOSITION_MODULE",
    "Loaded",
    "Problems",
    "SeriesKind",
    "SeriesSpec",
    "Topic",
    "composition",
    "use_topics",
]

#: ``continuous``: no gap between the first and the last entry; ``windows``: entries may leave
#: gaps (a rule in force now and then); ``single``: exactly one open-ended entry (a start date).
SeriesKind = Literal["continuous", "windows", "single"]

#: The key of a series spec that holds for every key of its file (``tariffs.*``: a table keyed by
#: an open vocabulary, e.g. service codes).
ANY_KEY = "*"

#: The module whose import hands the composition list to ``use_topics``.
COMPOSITION_MODULE = "osms.topics"


@dataclass(frozen=True, slots=True)
class SeriesSpec:
    """How one series is read and what its entries must satisfy."""

    row: type[Row]
    kind: SeriesKind
    required: bool = False
    spans_rulebook: bool = False  # must cover the rulebook's whole period
    year_aligned: bool = False  # entries start on 1 January and end on 31 December
    needs_valid_to: bool = False
    carried: bool = True  # false: a figure of a past period, never carried past the horizon
    missing: str | None = None  # how "no entry" names it, ``{key}`` replaced (default: the series name)


class Problems:
    """Every problem found while loading a rulebook (all are reported at once)."""

    def __init__(self) -> None:
        self.items: list[str] = []

    def add(self, message: str) -> None:
        self.items.append(message)


@dataclass(frozen=True, slots=True)
class Loaded:
    """The entries of every topic, before the checks that need them all (``Topic.check``)."""

    covers_from: date
    covers_to: date
    series: Mapping[str, Sequence[Entry]]
    files: Mapping[str, str]  # file name -> the path read, for messages
    origins: Mapping[str, str]  # entry id -> the path of the file it was read from

    def entries(self, series: str) -> Sequence[Entry]:
        return self.series.get(series, ())

    def file(self, name: str) -> str:
        """The path of the topic file ``name`` in the rulebook being loaded."""
        return self.files.get(name, name)

    def where(self, entry: Entry) -> str:
        """The path of the file ``entry`` was read from."""
        return self.origins.get(entry.id, self.file(entry.series.partition(".")[0]))


class Topic:
    """Subclass per topic; ``series`` names ``<file>.<key>`` series. Instances are typed
    accessors over one rulebook (``Rulebook.topic``)."""

    series: ClassVar[Mapping[str, SeriesSpec]] = {}
    csv_files: ClassVar[frozenset[str]] = frozenset()

    def __init__(self, book: Rulebook) -> None:
        self.book = book

    @classmethod
    def check(cls, loaded: Loaded, problems: Problems) -> None:
        """Checks run once every topic is loaded (e.g. one series against another's)."""

    def show(self, on: date) -> dict[str, Any]:
        """This topic's part of ``osms rulebook show --json`` for ``on`` (merged with the others')."""
        return {}

    def print_tables(self, on: date, data: Mapping[str, Any], out: ShowTables) -> None:
        """Print this topic's tables of ``osms rulebook show`` from ``data`` (the whole snapshot)."""


_composition: tuple[type[Topic], ...] | None = None


def use_topics(topics: Iterable[type[Topic]]) -> None:
    """Make ``topics`` the composition ``load_rulebook`` validates (called by the composition module)."""
    global _composition
    chosen = tuple(topics)
    seen: dict[str, type[Topic]] = {}
    for topic in chosen:
        for name in topic.series:
            if name in seen:
                raise RulebookError(f"series {name!r} is declared by both {seen[name].__name__} and {topic.__name__}")
            seen[name] = topic
    _composition = chosen


def composition() -> tuple[type[Topic], ...]:
    """The topics every named rulebook is validated against (imports ``COMPOSITION_MODULE`` once)."""
    if _composition is None:
        importlib.import_module(COMPOSITION_MODULE)
    if _composition is None:
        raise RulebookError(f"{COMPOSITION_MODULE} did not name the rulebook topics (use_topics)")
    return _composition
