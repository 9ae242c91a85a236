"""What ``osms rulebook show`` prints: the mechanism's header and sources, each topic's part.

``snapshot`` is the JSON of ``show --json``: the rulebook, the date and the horizon, merged with each
topic's ``Topic.show`` in the composition's order (a key two topics give is merged as a mapping).
``ShowTables`` is what a topic's ``print_tables`` writes with: tables whose cited rows are listed,
with their sources, at the end.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from osms.rulebooks.book import Rulebook

__all__ = ["ShowTables", "print_snapshot", "snapshot"]


def _merge(into: dict[str, Any], part: Mapping[str, Any]) -> None:
    for key, value in part.items():
        if isinstance(value, Mapping) and isinstance(into.get(key), dict):
            _merge(into[key], value)
        else:
            into[key] = dict(value) if isinstance(value, Mapping) else value


def snapshot(rulebook: Rulebook, on: date) -> dict[str, Any]:
    """Everything in force on ``on``, JSON-friendly (the payload of ``show --json``).

    Raises ``DateOutsideRulebook`` when ``on`` is outside the rulebook's period.
    """
    rulebook.check_date(on)
    carried = rulebook.carried_forward(on, (e.id for e in rulebook.in_force(on)))
    data: dict[str, Any] = {
        "rulebook": rulebook.name,
        "title": rulebook.title,
        "on": on.isoformat(),
        "covers": {"valid_from": rulebook.covers_from.isoformat(), "valid_to": rulebook.covers_to.isoformat()},
        "confirmed_until": rulebook.confirmed_until.isoformat(),
        "provisional": bool(carried),
        "carried_forward": list(carried),
    }
    for topic in rulebook.topics:
        _merge(data, rulebook.topic(topic).show(on))
    return data


class ShowTables:
    """Tables of ``osms rulebook show``; each cited entry is listed with its source at the end."""

    def __init__(self, console: Console) -> None:
        self.console = console
        self.cited: list[Mapping[str, Any]] = []

    def table(self, title: str, *columns: str) -> Table:
        table = Table(title=title, title_justify="left")
        for column in columns:
            table.add_column(column, overflow="fold")
        return table

    def row(self, table: Table, label: str, value: str, entry: Mapping[str, Any]) -> None:
        """A row citing ``entry`` (an entry's ``as_dict``): its id and whether it is verified."""
        table.add_row(Text(label), Text(value), Text(entry["id"]), "yes" if entry["verified"] else "NO")
        self.cited.append(entry)

    def note(self, table: Table, label: str, value: str) -> None:
        """A row citing no entry (e.g. why none is in force)."""
        table.add_row(Text(label), Text(value), "", "")

    def print(self, table: Table) -> None:
        self.console.print(table)


def print_snapshot(rulebook: Rulebook, on: date, data: Mapping[str, Any]) -> None:
    """``osms rulebook show`` as tables: the header, each topic's tables, the sources cited."""
    console = Console()
    console.print(Text(f"Rulebook {rulebook.name}: {rulebook.title}. In force on {on.isoformat()}.", style="bold"))
    console.print(Text(f"Confirmed until {data['confirmed_until']}; later dates carry its last entries forward."))
    if data["provisional"]:
        console.print(
            Text(
                f"PROVISIONAL: {on.isoformat()} is after the confirmed horizon; "
                f"the entries in force on {data['confirmed_until']} are carried forward.",
                style="bold yellow",
            )
        )
    out = ShowTables(console)
    for topic in rulebook.topics:
        rulebook.topic(topic).print_tables(on, data, out)
    sources = out.table("Sources", "entry", "source")
    for entry in out.cited:
        sources.add_row(Text(entry["id"]), Text(entry["source"]))
    out.print(sources)
