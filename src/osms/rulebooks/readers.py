"""Reading a topic file: YAML (a mapping of keys to lists of entries) or CSV (one entry a row).

Both give the same thing: for each key, its raw entries in file order, each with the place it was
read from (``<file>: <key> entry 2 (valid_from 2024-01-01)`` or ``<file>: line 7``), so that every
problem names the file and the entry.

YAML: floats become ``Decimal`` from their text, timestamps stay text, duplicate keys fail.
CSV (UTF-8, a header row): the column ``key`` names the series key, the other columns are the
entry's fields; an empty cell leaves the field out; ``true``/``false`` are booleans and whole
numbers are integers, except in ``source``, ``note``, ``valid_from`` and ``valid_to`` (text).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Hashable, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from importlib.resources.abc import Traversable
from typing import Any

import yaml

from osms.rulebooks.topic import Problems

__all__ = ["CSV_TEXT_COLUMNS", "RawEntry", "RawFile", "entry_label", "read_csv", "read_yaml", "write_csv"]


@dataclass(frozen=True, slots=True)
class RawEntry:
    """One entry as read, before its row model validates it."""

    where: str  # "<file>: <key> entry 2 (valid_from ...)" or "<file>: line 7 (key ...)"
    file: str  # the path of the file it was read from
    raw: object


#: A topic file as read: each key with its raw entries in file order (None: the key is written
#: without entries, ``key:``, and counts as absent).
RawFile = dict[str, list[RawEntry] | None]

#: CSV columns kept as text (never read as a boolean or an integer).
CSV_TEXT_COLUMNS = frozenset({"key", "source", "note", "valid_from", "valid_to"})


class _Loader(yaml.SafeLoader):
    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Hashable, Any]:
        self.flatten_mapping(node)
        seen: set[Any] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=True)
            if isinstance(key, Hashable) and key in seen:
                raise yaml.constructor.ConstructorError(
                    "while reading a mapping", node.start_mark, f"duplicate key {key!r}", key_node.start_mark
                )
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


def _construct_decimal(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> Decimal:
    text = loader.construct_scalar(node)
    try:
        value = Decimal(text.replace("_", ""))
    except InvalidOperation:
        value = Decimal("NaN")
    if not value.is_finite():
        raise yaml.constructor.ConstructorError(None, None, f"not a finite number: {text!r}", node.start_mark)
    return value


def _construct_text(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> str:
    return loader.construct_scalar(node)


_Loader.add_constructor("tag:yaml.org,2002:float", _construct_decimal)
_Loader.add_constructor("tag:yaml.org,2002:timestamp", _construct_text)


def _read_text(file: Traversable, label: str, problems: Problems) -> str | None:
    try:
        return file.read_text(encoding="utf-8")
    except FileNotFoundError:
        problems.add(f"{label}: missing file")
    except (OSError, UnicodeDecodeError) as exc:
        problems.add(f"{label}: cannot read: {exc}")
    return None


def load_yaml_document(file: Traversable, label: str, problems: Problems) -> tuple[bool, Any]:
    """``(True, document)`` (None for an empty file), or ``(False, None)`` with the problem recorded."""
    text = _read_text(file, label, problems)
    if text is None:
        return False, None
    try:
        return True, yaml.load(text, Loader=_Loader)  # a SafeLoader subclass
    except yaml.YAMLError as exc:
        problems.add(f"{label}: not valid YAML: {' '.join(str(exc).split())}")
        return False, None


def entry_label(index: int, raw: object) -> str:
    """``entry 2 (valid_from 2024-01-01)``: an entry of a YAML list, as problems name it."""
    when = raw.get("valid_from") if isinstance(raw, dict) else None
    return f"entry {index + 1}" + (f" (valid_from {when})" if when is not None else "")


def read_yaml(file: Traversable, label: str, keys: Mapping[str, object], problems: Problems) -> RawFile | None:
    """The entries of a YAML topic file by key, or None when it cannot be read (problem recorded).

    ``keys`` are the keys the file may hold (named in the problem of a file that is no mapping)."""
    ok, data = load_yaml_document(file, label, problems)
    if not ok:
        return None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        problems.add(f"{label}: must be a mapping of keys to lists of entries (keys: {', '.join(keys)})")
        return None
    result: RawFile = {}
    for key, raw_entries in data.items():
        if raw_entries is None:
            result[str(key)] = None
            continue
        if not isinstance(raw_entries, list) or not raw_entries:
            problems.add(f"{label}: {key}: must be a non-empty list of entries")
            result[str(key)] = []
            continue
        result[str(key)] = [
            RawEntry(f"{label}: {key} {entry_label(index, raw)}", label, raw) for index, raw in enumerate(raw_entries)
        ]
    return result


_INT_RE = re.compile(r"^-?[0-9]+$")


def _cell(column: str, text: str) -> object:
    if column in CSV_TEXT_COLUMNS:
        return text
    if text in ("true", "false"):
        return text == "true"
    if _INT_RE.match(text):
        return int(text)
    return text


def read_csv(file: Traversable, label: str, problems: Problems) -> RawFile | None:
    """The entries of a CSV topic file by key (column ``key``), or None when it cannot be read."""
    text = _read_text(file, label, problems)
    if text is None:
        return None
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader, None)
        if header is None:
            return {}
        header = [h.strip() for h in header]
        repeated = sorted({h for h in header if header.count(h) > 1})
        if repeated or "key" not in header or "" in header:
            what = f"columns named twice: {', '.join(repeated)}" if repeated else "a column 'key' and no empty name"
            problems.add(f"{label}: line 1: the header needs {what}")
            return None
        result: RawFile = {}
        for row in reader:
            line = reader.line_num
            if not any(cell.strip() for cell in row):
                continue
            if len(row) != len(header):
                problems.add(f"{label}: line {line}: expected {len(header)} cells, found {len(row)}")
                continue
            fields = {col: _cell(col, cell.strip()) for col, cell in zip(header, row, strict=True) if cell.strip()}
            key = str(fields.pop("key", ""))
            if not key:
                problems.add(f"{label}: line {line}: the cell 'key' is empty")
                continue
            when = fields.get("valid_from")
            where = f"{label}: line {line}: {key}" + (f" (valid_from {when})" if when is not None else "")
            entries = result.setdefault(key, [])
            assert entries is not None
            entries.append(RawEntry(where, label, fields))
        return result
    except csv.Error as exc:
        problems.add(f"{label}: line {reader.line_num}: not valid CSV: {exc}")
        return None


def write_csv(columns: list[str], rows: list[Mapping[str, object]]) -> str:
    """CSV text in the form ``read_csv`` reads: a header of ``columns`` and one line per row
    (None and missing fields as empty cells, booleans as ``true``/``false``)."""

    def text(value: object) -> str:
        if value is None:
            return ""
        if isinstance(value, bool):
            return "true" if value else "false"
        return str(value)

    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([text(row.get(col)) for col in columns])
    return out.getvalue()
