"""Finding, reading, merging and validating rulebooks (docs/rulebooks.md).

A rulebook is a directory: ``rulebook.yaml`` (name, title, description, the period it covers,
source; or ``extends: <rulebook>``) and one file per topic file the composition's topics declare
(``<file>.yaml``, or ``<file>.csv`` for a file a topic reads as CSV). Rulebooks are found by name
in the directories of ``OSMS_RULEBOOK_PATH`` (separated by ``:``, searched in order), then among
those shipped in the package (``osms/rulebooks/data/<name>/``).

A rulebook that ``extends`` another inherits every entry of it (and of its own parent, in a chain)
and adds or overrides entries: an entry with the key and ``valid_from`` of an inherited one replaces
it, any other is added. Its header inherits what it does not state (title, description, covers,
source). The result is validated like any rulebook: unknown keys and files, the row models, overlaps
and gaps, the horizon, and the topics' own checks, every problem at once with its file and entry.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cache
from importlib import resources
from importlib.resources.abc import Traversable
from itertools import pairwise
from pathlib import Path
from typing import NoReturn, Self

from pydantic import ValidationError, field_validator, model_validator

from osms.core.config import get_settings
from osms.rulebooks.book import LAST_ANSWERABLE, Rulebook
from osms.rulebooks.entries import (
    DateOutsideRulebook,
    Entry,
    NoRuleInForce,
    ParameterEntry,
    RulebookError,
    Strict,
    UnknownRulebook,
    non_empty,
    parse_day,
    validation_problems,
)
from osms.rulebooks.readers import RawEntry, RawFile, load_yaml_document, read_csv, read_yaml
from osms.rulebooks.topic import ANY_KEY, Loaded, Problems, SeriesSpec, Topic, composition

__all__ = [
    "LAST_ANSWERABLE",
    "DateOutsideRulebook",
    "Entry",
    "NoRuleInForce",
    "ParameterEntry",
    "Rulebook",
    "RulebookError",
    "UnknownRulebook",
    "available_rulebooks",
    "clear_cache",
    "iter_rulebooks",
    "load_rulebook",
    "load_rulebook_from_path",
]

_ONE_DAY = timedelta(days=1)
_HEADER_FIELDS = ("title", "description", "covers", "source")


class _Covers(Strict):
    valid_from: date
    valid_to: date

    @field_validator("valid_from", mode="before")
    @classmethod
    def _valid_from(cls, value: object) -> date:
        return parse_day(value, end=False)

    @field_validator("valid_to", mode="before")
    @classmethod
    def _valid_to(cls, value: object) -> date:
        return parse_day(value, end=True)

    @model_validator(mode="after")
    def _order(self) -> Self:
        if self.valid_to < self.valid_from:
            raise ValueError(f"valid_to {self.valid_to} is before valid_from {self.valid_from}")
        return self


class _Header(Strict):
    name: str
    title: str | None = None
    description: str | None = None
    covers: _Covers | None = None
    source: str | None = None
    extends: str | None = None

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        if not re.fullmatch(r"[a-z0-9][a-z0-9-]*", value):
            raise ValueError(f"bad rulebook name {value!r}: lowercase letters, digits and '-'")
        return value

    @field_validator("source")
    @classmethod
    def _source(cls, value: str | None) -> str | None:
        return None if value is None else non_empty(value)


@dataclass
class _Read:
    """A rulebook directory read and merged over its parents (not yet validated)."""

    name: str
    title: str | None
    description: str | None
    source: str | None
    covers: _Covers | None
    extends: str | None
    files: dict[str, RawFile] = field(default_factory=dict)
    labels: dict[str, str] = field(default_factory=dict)  # file name -> the path read last


# --------------------------------------------------------------------------------------------
# Discovery


def _data_root() -> Traversable:
    return resources.files("osms.rulebooks") / "data"


def _rulebook_folders(path: str) -> dict[str, Traversable]:
    """Every rulebook by name: those under the ``path`` directories first (the first one found
    wins), then those shipped in the package."""
    folders: dict[str, Traversable] = {}
    roots: list[Traversable] = [Path(part) for part in path.split(":") if part.strip()]
    for root in [*roots, _data_root()]:
        if not root.is_dir():
            continue
        for item in root.iterdir():
            if item.is_dir() and (item / "rulebook.yaml").is_file():
                folders.setdefault(item.name, item)
    return folders


def _origin(folder: Traversable) -> str:
    """``shipped`` for a rulebook of the package, else the directory it was read from."""
    return "shipped" if folder == _data_root() / folder.name else str(folder)


# --------------------------------------------------------------------------------------------
# Reading a directory and its parents


def _topic_files(topics: Sequence[type[Topic]]) -> dict[str, dict[str, SeriesSpec]]:
    """Each topic file with the specs of its keys."""
    files: dict[str, dict[str, SeriesSpec]] = {}
    for topic in topics:
        for name, spec in topic.series.items():
            file, _, key = name.partition(".")
            files.setdefault(file, {})[key] = spec
    return files


def _csv_files(topics: Sequence[type[Topic]]) -> frozenset[str]:
    return frozenset(f for topic in topics for f in topic.csv_files)


def _read_header(folder: Traversable, problems: Problems) -> _Header | None:
    label = str(folder / "rulebook.yaml")
    ok, raw = load_yaml_document(folder / "rulebook.yaml", label, problems)
    if not ok:
        return None
    if not isinstance(raw, dict):
        problems.add(f"{label}: must be a mapping")
        return None
    try:
        header = _Header.model_validate(raw)
    except ValidationError as exc:
        for problem in validation_problems(exc, _Header):
            problems.add(f"{label}: {problem}")
        return None
    if header.extends is None:
        missing = [key for key in _HEADER_FIELDS if getattr(header, key) is None]
        for key in missing:
            problems.add(f"{label}: required key {key!r} is missing")
        if missing:
            return None
    return header


def _valid_from_key(raw: object) -> object:
    when = raw.get("valid_from") if isinstance(raw, dict) else None
    try:
        return parse_day(when, end=False)
    except ValueError:
        return when


def _merge(parent: RawFile, child: RawFile) -> RawFile:
    """``parent``'s entries with ``child``'s: an entry with the key and ``valid_from`` of one of
    ``parent``'s replaces it, any other is added (two of ``child``'s own never replace each other)."""
    merged: RawFile = {key: None if entries is None else list(entries) for key, entries in parent.items()}
    for key, entries in child.items():
        if entries is None:
            merged.setdefault(key, None)
            continue
        inherited = merged.get(key) or []
        starts = [_valid_from_key(old.raw) for old in inherited]
        added: list[RawEntry] = []
        for entry in entries:
            when = _valid_from_key(entry.raw)
            at = starts.index(when) if when is not None and when in starts else None
            if at is None:
                added.append(entry)
            else:
                inherited[at] = entry
        merged[key] = inherited + added
    return merged


def _read(
    folder: Traversable,
    topics: Sequence[type[Topic]],
    path: str,
    problems: Problems,
    chain: tuple[str, ...] = (),
) -> _Read | None:
    """``folder`` read over its parents; None when its header (or a parent's) cannot be read."""
    if not folder.is_dir():
        raise RulebookError(f"{folder}: not a rulebook directory")
    header_label = str(folder / "rulebook.yaml")
    header = _read_header(folder, problems)
    files = _topic_files(topics)
    csv_files = _csv_files(topics)
    names = {file: f"{file}.csv" if file in csv_files else f"{file}.yaml" for file in files}
    known = {"rulebook.yaml", *names.values()}
    for item in folder.iterdir():
        if item.name.endswith((".yaml", ".yml", ".csv")) and item.name not in known:
            problems.add(f"{folder / item.name}: unknown file (rulebook files: {', '.join(sorted(known))})")
    if header is None:
        return None
    result = _Read(header.name, header.title, header.description, header.source, header.covers, header.extends)
    if header.extends is not None:
        here = (*chain, header.name)
        folders = _rulebook_folders(path)
        if header.extends in here:
            problems.add(
                f"{header_label}: extends {header.extends!r}: a cycle ({' -> '.join((*here, header.extends))})"
            )
            return None
        if header.extends not in folders:
            problems.add(
                f"{header_label}: extends unknown rulebook {header.extends!r} (available: {', '.join(sorted(folders))})"
            )
            return None
        parent = _read(folders[header.extends], topics, path, problems, here)
        if parent is None:
            return None
        result.title = result.title or parent.title
        result.description = result.description or parent.description
        result.source = result.source or parent.source
        result.covers = result.covers or parent.covers
        result.files, result.labels = parent.files, dict(parent.labels)
    for file, name in names.items():
        item = folder / name
        label = str(item)
        optional = not any(spec.required for spec in files[file].values())
        if (header.extends is not None or optional) and not item.is_file():
            continue  # inherited, or a file whose series are all optional
        allowed = files[file]
        raw = read_csv(item, label, problems) if file in csv_files else read_yaml(item, label, allowed, problems)
        result.labels[file] = label
        if raw is None:
            result.files.pop(file, None)
            continue
        result.files[file] = _merge(result.files[file], raw) if file in result.files else raw
    return result


# --------------------------------------------------------------------------------------------
# Validation


def _check_series(
    label: str,
    series: str,
    spec: SeriesSpec,
    entries: list[Entry],
    covers: _Covers,
    problems: Problems,
) -> None:
    ordered = sorted(entries, key=lambda e: e.valid_from)
    for entry in ordered:
        if entry.valid_from > covers.valid_to:
            problems.add(
                f"{label}: {entry.id}: starts after the rulebook's confirmed horizon {covers.valid_to} "
                f"(covers.valid_to in rulebook.yaml): to confirm {entry.valid_from.year}, move covers.valid_to"
            )
        if spec.year_aligned and (entry.valid_from.month, entry.valid_from.day) != (1, 1):
            problems.add(f"{label}: {entry.id}: must start on 1 January, starts {entry.valid_from}")
        if spec.year_aligned and entry.valid_to is not None and (entry.valid_to.month, entry.valid_to.day) != (12, 31):
            problems.add(f"{label}: {entry.id}: must end on 31 December, ends {entry.valid_to}")
        if spec.needs_valid_to and entry.valid_to is None:
            problems.add(f"{label}: {entry.id}: needs a valid_to")
    if spec.kind == "single":
        if len(ordered) != 1:
            problems.add(f"{label}: {series}: needs exactly one entry, found {len(ordered)}")
        elif ordered[0].valid_to is not None:
            problems.add(f"{label}: {ordered[0].id}: must not have a valid_to")
        return
    for prev, cur in pairwise(ordered):
        if prev.valid_to is None:
            problems.add(
                f"{label}: {series}: {cur.id} overlaps the open-ended {prev.id} "
                f"(give {prev.id} a valid_to before {cur.valid_from})"
            )
        elif cur.valid_from <= prev.valid_to:
            problems.add(
                f"{label}: {series}: {prev.id} ({prev.valid_from}..{prev.valid_to}) and "
                f"{cur.id} ({cur.valid_from}..{cur.valid_to or 'open'}) overlap"
            )
        elif spec.kind == "continuous" and cur.valid_from != prev.valid_to + _ONE_DAY:
            problems.add(
                f"{label}: {series}: gap between {prev.id} (ends {prev.valid_to}) and {cur.id} "
                f"(starts {cur.valid_from}): no entry for {prev.valid_to + _ONE_DAY}..{cur.valid_from - _ONE_DAY}"
            )
    if spec.spans_rulebook and ordered:
        if ordered[0].valid_from > covers.valid_from:
            problems.add(
                f"{label}: {series}: starts {ordered[0].valid_from}, after the rulebook's start {covers.valid_from}"
            )
        last_to = ordered[-1].valid_to
        if last_to is not None and last_to < covers.valid_to:
            problems.add(f"{label}: {series}: ends {last_to}, before the rulebook's end {covers.valid_to}")


def _entries(
    name: str,
    key: str,
    spec: SeriesSpec,
    raws: list[RawEntry],
    origins: dict[str, str],
    final: set[str],
    problems: Problems,
) -> list[Entry]:
    entries: list[Entry] = []
    for raw in raws:
        if not isinstance(raw.raw, dict):
            problems.add(f"{raw.where}: must be a mapping of fields")
            continue
        try:
            row = spec.row.model_validate(raw.raw)
        except ValidationError as exc:
            for problem in validation_problems(exc, spec.row):
                problems.add(f"{raw.where}: {problem}")
            continue
        entry = row.to_entry(name, key)
        entries.append(entry)
        origins[entry.id] = raw.file
        if not row.carry_forward:
            final.add(entry.id)
    return entries


def _load(folder: Traversable, *, expected_name: str | None, topics: Sequence[type[Topic]], path: str) -> Rulebook:
    problems = Problems()
    read = _read(folder, topics, path, problems)
    header_label = str(folder / "rulebook.yaml")
    if read is not None and expected_name is not None and read.name != expected_name:
        problems.add(f"{header_label}: name {read.name!r} differs from its directory {expected_name!r}")
    if read is None or read.covers is None:
        _raise(folder, problems)
    covers = read.covers
    series: dict[str, list[Entry]] = {}
    final: set[str] = set()
    origins: dict[str, str] = {}
    for file, specs in _topic_files(topics).items():
        raw_file = read.files.get(file)
        if raw_file is None:
            continue
        label = read.labels[file]
        any_key = specs.get(ANY_KEY)
        for key, raws in raw_file.items():
            if key not in specs and any_key is None:
                where = raws[0].file if raws else label
                problems.add(f"{where}: unknown key {key!r} (allowed: {', '.join(specs)})")
        keys = {k: v for k, v in specs.items() if k != ANY_KEY}
        if any_key is not None:
            keys |= {key: any_key for key in raw_file if key not in keys}
        for key, spec in keys.items():
            name = f"{file}.{key}"
            raws = raw_file.get(key)
            if raws is None:
                if spec.required:
                    problems.add(f"{label}: required key {key!r} is missing")
                continue
            entries = _entries(name, key, spec, raws, origins, final, problems)
            _check_series(label, name, spec, entries, covers, problems)
            if entries:
                series[name] = entries
    loaded = Loaded(covers.valid_from, covers.valid_to, series, dict(read.labels), origins)
    for topic in topics:
        topic.check(loaded, problems)
    if problems.items:
        _raise(folder, problems)
    return Rulebook(
        name=read.name,
        title=read.title or read.name,
        description=(read.description or "").strip(),
        source=read.source or "",
        covers_from=covers.valid_from,
        covers_to=covers.valid_to,
        series=series,
        topics=topics,
        final=frozenset(final),
        origin=_origin(folder),
        extends=read.extends,
    )


def _raise(folder: Traversable, problems: Problems) -> NoReturn:
    items = problems.items or [f"{folder}: invalid rulebook"]
    if len(items) == 1:
        raise RulebookError(items[0], problems=items)
    listing = "\n".join(f"- {p}" for p in items)
    raise RulebookError(f"{len(items)} problems in rulebook {folder}:\n{listing}", problems=items)


# --------------------------------------------------------------------------------------------
# Loading by name (cached) or by directory


def available_rulebooks() -> list[str]:
    """Names of the rulebooks that can be loaded (``OSMS_RULEBOOK_PATH``'s and the shipped), sorted."""
    return sorted(_rulebook_folders(get_settings().rulebook_path))


@cache
def _load_named(name: str, path: str, topics: tuple[type[Topic], ...]) -> Rulebook:
    folders = _rulebook_folders(path)
    if name not in folders:
        raise UnknownRulebook(f"unknown rulebook {name!r} (available: {', '.join(sorted(folders))})")
    return _load(folders[name], expected_name=name, topics=topics, path=path)


def load_rulebook(name: str) -> Rulebook:
    """Load and validate a rulebook by name (cached): from a directory of ``OSMS_RULEBOOK_PATH``,
    else the one shipped in the package; its topics are the composition's (``osms.topics``).

    Raises ``UnknownRulebook`` for a name that is not found, ``RulebookError`` listing every
    problem when its files are invalid.
    """
    return _load_named(name, get_settings().rulebook_path, composition())


def clear_cache() -> None:
    """Forget the loaded rulebooks (the next ``load_rulebook`` reads the files again)."""
    _load_named.cache_clear()


def load_rulebook_from_path(path: str | Path, *, topics: Sequence[type[Topic]] | None = None) -> Rulebook:
    """Load and validate a rulebook directory anywhere on disk (not cached), with the composition's
    topics or ``topics``; a parent it extends is found by name like ``load_rulebook``'s."""
    chosen = tuple(topics) if topics is not None else composition()
    return _load(Path(path), expected_name=None, topics=chosen, path=get_settings().rulebook_path)


def iter_rulebooks() -> Iterator[Rulebook]:
    """Every available rulebook, loaded."""
    for name in available_rulebooks():
        yield load_rulebook(name)
