"""A loaded rulebook: effective-dated lookup over its series, the confirmed horizon, its topics.

Every lookup for a date uses the entries in force then. The rulebook's *confirmed horizon* is
``covers.valid_to``: a lookup for a later day returns the entry in force on the horizon (carried
forward; the answer built on it is provisional), unless that entry ends on purpose: an explicit
``valid_to`` before the horizon (or after it, once that day has passed), ``carry_forward: false``
on an entry ending on the horizon, or a series its topic declares never carried
(docs/rulebooks.md, "The confirmed horizon").

A topic's typed accessors are reached with ``book.topic(SomeTopic)`` (``osms.rulebooks.topic``).
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from typing import TypeVar

from osms.rulebooks.entries import DateOutsideRulebook, Entry, NoRuleInForce, ParameterEntry, RulebookError
from osms.rulebooks.topic import ANY_KEY, SeriesSpec, Topic

__all__ = ["LAST_ANSWERABLE", "Rulebook"]

#: The last day any rulebook answers for: law is carried forward without end, but the calendar
#: arithmetic of the answers (a status reads 12 months ahead) stops before the year 9999.
LAST_ANSWERABLE = date(9997, 12, 31)

T = TypeVar("T", bound=Topic)


class Rulebook:
    """A loaded, validated rulebook. Every lookup for a date uses the entries in force then."""

    def __init__(
        self,
        *,
        name: str,
        title: str,
        description: str,
        source: str,
        covers_from: date,
        covers_to: date,
        series: Mapping[str, Sequence[Entry]],
        topics: Sequence[type[Topic]],
        final: frozenset[str] = frozenset(),
        origin: str = "shipped",
        extends: str | None = None,
    ) -> None:
        self.name = name
        self.title = title
        self.description = description
        self.source = source
        self.covers_from = covers_from
        self.covers_to = covers_to
        self.origin = origin  # "shipped", or the directory it was read from
        self.extends = extends  # the rulebook it extends, if any
        self.topics = tuple(topics)
        self._specs: dict[str, SeriesSpec] = {name: spec for t in self.topics for name, spec in t.series.items()}
        self._series: dict[str, tuple[Entry, ...]] = {
            key: tuple(sorted(entries, key=lambda e: e.valid_from)) for key, entries in series.items()
        }
        self._starts: dict[str, list[date]] = {
            key: [e.valid_from for e in entries] for key, entries in self._series.items()
        }
        self._final = final  # ids of entries that end on the horizon on purpose (carry_forward: false)
        self._by_id: dict[str, Entry] = {e.id: e for entries in self._series.values() for e in entries}
        self._views: dict[type[Topic], Topic] = {}

    def __repr__(self) -> str:
        return f"<Rulebook {self.name} {self.covers_from}..{self.covers_to}>"

    def topic(self, kind: type[T]) -> T:
        """The typed accessors of topic ``kind`` over this rulebook."""
        view = self._views.get(kind)
        if view is None:
            if kind not in self.topics:
                raise RulebookError(f"rulebook {self.name} was not loaded with the topic {kind.__name__}")
            view = self._views[kind] = kind(self)
        assert isinstance(view, kind)
        return view

    # -- the period and the raw series ------------------------------------------------------

    @property
    def confirmed_until(self) -> date:
        """The confirmed horizon: the last day the rulebook's entries are confirmed for
        (``covers.valid_to``). Later days are answered with the entries carried forward."""
        return self.covers_to

    def covers(self, day: date) -> bool:
        """True if the rulebook answers for ``day``: from its start, confirmed or carried forward."""
        return self.covers_from <= day <= LAST_ANSWERABLE

    def is_provisional(self, day: date) -> bool:
        """True if ``day`` is after the confirmed horizon (its answers rest on carried entries)."""
        return day > self.covers_to

    def as_of(self, day: date) -> date:
        """The day whose figures apply to ``day``: ``day`` itself, or the horizon after it."""
        return min(day, self.covers_to)

    def check_date(self, day: date) -> None:
        """Raise ``DateOutsideRulebook`` unless the rulebook answers for ``day`` (see ``covers``)."""
        if not self.covers(day):
            raise DateOutsideRulebook(
                f"{day.isoformat()} is outside the rulebook {self.name} "
                f"(from {self.covers_from.isoformat()}; confirmed until {self.covers_to.isoformat()}, "
                "later dates use the last confirmed entries)"
            )

    def entry_by_id(self, entry_id: str) -> Entry | None:
        """The entry with this id (``<file>.<key>.<valid_from>``), or None."""
        return self._by_id.get(entry_id)

    def carried_forward(self, day: date, entry_ids: Iterable[str]) -> tuple[str, ...]:
        """Of the entries an answer for ``day`` applied, those carried forward past the confirmed
        horizon: every one of them when ``day`` is after the horizon (the answer stands on the last
        confirmed law), none otherwise. In the order given, without repeats."""
        if not self.is_provisional(day):
            return ()
        return tuple(dict.fromkeys(i for i in entry_ids if i in self._by_id))

    def series_names(self) -> list[str]:
        """Every series with at least one entry, ``<file>.<key>``."""
        return sorted(self._series)

    def _spec(self, name: str) -> SeriesSpec:
        spec = self._specs.get(name) or self._specs.get(f"{name.partition('.')[0]}.{ANY_KEY}")
        if spec is None:
            files = sorted({n.partition(".")[0] for n in self._specs})
            known = ", ".join(f"{f}.<key>" for f in files)
            raise RulebookError(f"unknown series {name!r} (series are named {known})")
        return spec

    def series(self, name: str) -> tuple[Entry, ...]:
        """The entries of a series, oldest first (empty if the rulebook has none)."""
        self._spec(name)
        return self._series.get(name, ())

    def is_continuous(self, name: str) -> bool:
        """True if the series has no gaps between its first and last entry."""
        return name in self._series and self._spec(name).kind == "continuous"

    def _carried(self, series: str) -> bool:
        return self._spec(series).carried

    def find(self, series: str, day: date) -> Entry | None:
        """The entry of ``series`` in force on ``day``, or None (no date-range check).

        After the confirmed horizon: the entry in force on the horizon, carried forward, unless it
        ends on purpose (an explicit ``valid_to`` already passed on ``day``, or ``carry_forward:
        false``), or its series is never carried (``SeriesSpec.carried``)."""
        entries = self.series(series)
        if day > self.covers_to and self._carried(series):
            last = self.find(series, self.covers_to)
            if last is None or last.valid_to is None:
                return last
            if last.valid_to > self.covers_to:  # an end stated beyond the horizon
                return last if day <= last.valid_to else None
            return None if last.id in self._final else last
        index = bisect_right(self._starts.get(series, []), day) - 1
        if index >= 0 and entries[index].applies_on(day):
            return entries[index]
        return None

    def carried_end(self, entry: Entry) -> date | None:
        """The end of ``entry`` once carry-forward is applied: None (until changed) for an entry
        reaching the horizon that is carried forward, else its own ``valid_to``."""
        if entry.valid_to == self.covers_to and entry.id not in self._final and self._carried(entry.series):
            return None
        return entry.valid_to

    def entry(self, series: str, on: date) -> Entry:
        """The entry of ``series`` in force on ``on``; raises ``NoRuleInForce`` if none is."""
        self.check_date(on)
        found = self.find(series, on)
        if found is None:
            raise NoRuleInForce(self._none_message(series, on))
        return found

    def optional(self, series: str, on: date) -> Entry | None:
        """The entry of ``series`` in force on ``on``, or None (``on`` must be in the rulebook)."""
        self.check_date(on)
        return self.find(series, on)

    def parameter(self, series: str, on: date) -> int:
        """The whole-number parameter of ``series`` in force on ``on``."""
        found = self.entry(series, on)
        assert isinstance(found, ParameterEntry)
        return found.value

    def year_entry(self, series: str, year: int, label: str) -> Entry:
        """The entry of ``series`` in force on 1 January of ``year`` (``label`` names it in errors)."""
        if not 1 <= year <= 9999:
            raise RulebookError(f"bad year {year}")
        found = self.find(series, date(year, 1, 1))
        if found is None:
            raise NoRuleInForce(f"no {label} for {year} (rulebook {self.name})")
        return found

    def latest(self, series: str, day: date) -> Entry | None:
        """The entry in force on ``day``; past the series' end its last entry, before it its first."""
        entries = self.series(series)
        if not entries:
            return None
        index = bisect_right(self._starts.get(series, []), day) - 1
        return entries[max(index, 0)]

    def in_force(self, on: date) -> list[Entry]:
        """Every entry of every series in force on ``on``."""
        self.check_date(on)
        return [e for name in self.series_names() if (e := self.find(name, on)) is not None]

    def _none_message(self, series: str, on: date) -> str:
        key = series.partition(".")[2]
        template = self._spec(series).missing
        what = series if template is None else template.format(key=key)
        entries = self.series(series)
        if not entries:
            where = "in this rulebook"
        elif on < entries[0].valid_from:
            where = f"before {entries[0].valid_from.isoformat()}"
        elif (last_to := entries[-1].valid_to) is not None and on > last_to:
            where = f"after {last_to.isoformat()}"
        else:
            where = f"on {on.isoformat()}"
        return f"no {what} {where} (rulebook {self.name})"
