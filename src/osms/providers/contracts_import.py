"""``osms contracts import FILE``: contracts signed before the system or placed without selection
(docs/providers.md, "Contracts"), with the guarantees of every import: UTF-8 CSV with a header in
any column order, every bad row kept with its line, raw text and reason code (``import_rejection``
of an import batch), all of the file or nothing (one transaction), the same file twice changes
nothing.

Columns ``contract_id,provider_id,care_type,valid_from,valid_to,volume,sum,ground``: one row per
care type of a contract. A contract already held is left alone when the file says the same of it,
refused ``contract_exists`` when it says something else (changes are additional agreements). The
contracts are few (thousands), so the file is checked in memory.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, Final

from sqlalchemy import insert, update
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from osms.core.bulkload import ImportFileError, ImportResult, check_header, open_batch, write_rejections
from osms.core.errors import InvalidInput, OsmsError
from osms.core.i18n import N_
from osms.core.models import ImportBatch, ImportRejection
from osms.core.money import parse_money
from osms.core.rows import Rejection
from osms.providers import contracts
from osms.providers.contracts import CareLine, ContractDraft
from osms.providers.vocabulary import CARE_TYPE_CODES
from osms.rulebooks.loader import Rulebook

COLUMNS: Final = ("contract_id", "provider_id", "care_type", "valid_from", "valid_to", "volume", "sum", "ground")
#: The reasons a row is refused: the file's (shape, encoding, fields) and the contracts service's.
REASONS: Final = {
    "bad_row_shape": N_("the row does not have the columns of the header"),
    "bad_encoding": N_("the line is not UTF-8 text"),
    "missing_field": N_("a required field is empty"),
    "bad_date": N_("a date is not a real date in the form YYYY-MM-DD"),
    "duplicate_key": N_("the same key appears earlier in the file"),
    **contracts.REASONS,
}
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", re.ASCII).fullmatch
_WHOLE = re.compile(r"[0-9]{1,9}", re.ASCII).fullmatch


@dataclass(frozen=True, slots=True)
class _Row:
    line: int
    raw: str
    contract_id: str
    provider_id: str
    care_type: str
    valid_from: date
    valid_to: date
    volume: int
    sum: Decimal
    ground: str
    procurement_id: str | None


def _day(values: dict[str, str], name: str) -> date | Rejection:
    text = values[name].strip()
    if not text:
        return Rejection("missing_field", f"{name} is empty")
    try:
        if not _DATE(text):
            raise ValueError
        return date.fromisoformat(text)
    except ValueError:
        return Rejection("bad_date", f"{name} {text[:40]!r} is not a date YYYY-MM-DD")


def check_row(values: dict[str, str], book: Rulebook) -> tuple[Any, ...] | Rejection:
    """One row: its cleaned values (``contract_id, provider_id, care_type, valid_from, valid_to,
    volume, sum, ground, procurement_id``) or the first reason it is refused. ``ground`` is a ground
    code or ``procurement:ID`` (the procurement the contract came from)."""
    for name in COLUMNS:
        if not values[name].strip():
            return Rejection("missing_field", f"{name} is empty")
    contract_id, provider_id = values["contract_id"].strip(), values["provider_id"].strip()
    care_type = values["care_type"].strip().lower()
    valid_from, valid_to = _day(values, "valid_from"), _day(values, "valid_to")
    if isinstance(valid_from, Rejection):
        return valid_from
    if isinstance(valid_to, Rejection):
        return valid_to
    text = values["volume"].strip()
    if not _WHOLE(text):
        return Rejection("bad_volume", f"volume {text[:40]!r} is not a whole number 0..999999999")
    try:
        money = parse_money(values["sum"])
    except ValueError:
        return Rejection("bad_amount", f"sum {values['sum'].strip()[:40]!r} is not an amount in tenge")
    ground, _, procurement_id = values["ground"].strip().partition(":")
    ground = ground.lower()
    try:
        if not contracts.CONTRACT_ID(contract_id):
            raise contracts.refuse("bad_contract_id", f"contract_id {contract_id[:40]!r}: letters, digits, '-_./'")
        contracts.check_ground(ground, procurement_id.strip() or None)
        if care_type not in CARE_TYPE_CODES:
            raise contracts.refuse("unknown_care_type", f"care_type {care_type[:40]!r} is not of the catalogue")
        contracts.check_term(book, valid_from, valid_to)
        if money < 0 or money >= contracts.MAX_SUM:
            raise contracts.refuse("bad_amount", f"sum {money} is not 0..999,999,999,999.99")
    except OsmsError as exc:
        return Rejection(exc.code, exc.message)
    return (
        contract_id,
        provider_id,
        care_type,
        valid_from,
        valid_to,
        int(text),
        money,
        ground,
        procurement_id.strip() or None,
    )


def _lines(data: bytes) -> tuple[list[tuple[int, str]], list[tuple[int, str]]]:
    """The file's lines as (number, text), and those that are not UTF-8 (number, escaped text)."""
    good, bad = [], []
    for number, raw in enumerate(data.splitlines(keepends=True), start=1):
        if number == 1 and raw.startswith(b"\xef\xbb\xbf"):
            raw = raw[3:]
        try:
            good.append((number, raw.decode("utf-8")))
        except UnicodeDecodeError as exc:
            if number == 1:
                raise ImportFileError(f"the header is not UTF-8 text: {exc}") from exc
            bad.append((number, raw.rstrip(b"\r\n").decode("utf-8", "backslashreplace")))
    return good, bad


def _same(view: contracts.ContractView, rows: list[_Row]) -> bool:
    first = rows[0]
    return (
        view.provider_id == first.provider_id
        and (view.valid_from, view.valid_to) == (first.valid_from, first.valid_to)
        and (view.ground, view.procurement_id) == (first.ground, first.procurement_id)
        and {(t.care_type, t.volume, t.sum) for t in view.totals()} == {(r.care_type, r.volume, r.sum) for r in rows}
        and not view.amendments
    )


def import_file(
    engine: Engine, book: Rulebook, path: Path, *, created_by: str, rejects_file: Path | None = None
) -> ImportResult:
    """Import a contracts file in one transaction (the batch kind ``contracts``)."""
    path = Path(path)
    if not path.is_file():
        raise InvalidInput(f"no such file: {path}", code="no_file")
    data = path.read_bytes()
    good_lines, bad_lines = _lines(data)
    rejected: list[tuple[int, str, str, str]] = [
        (n, "bad_encoding", "the line is not UTF-8 text", raw) for n, raw in bad_lines
    ]
    numbers = [n for n, _ in good_lines]
    reader = csv.reader(io.StringIO("".join(text for _, text in good_lines)))
    try:
        header = [h.strip() for h in next(reader)]
    except StopIteration:
        raise ImportFileError(f"{path.name} is empty: expected the header {','.join(COLUMNS)}") from None
    check_header(header, COLUMNS, path.name)
    rows: list[_Row] = []
    seen: dict[tuple[str, str], int] = {}
    total = len(bad_lines)
    for fields in reader:
        line = numbers[min(reader.line_num - 1, len(numbers) - 1)]
        if not fields or (len(fields) == 1 and not fields[0].strip()):
            continue
        total += 1
        raw = ",".join(fields)
        if len(fields) != len(header):
            rejected.append((line, "bad_row_shape", f"the row has {len(fields)} fields, the header {len(header)}", raw))
            continue
        checked = check_row(dict(zip(header, fields, strict=True)), book)
        if isinstance(checked, Rejection):
            rejected.append((line, checked.code, checked.message, raw))
            continue
        key = (checked[0], checked[2])
        if key in seen:
            rejected.append((line, "duplicate_key", f"the same contract_id, care_type as line {seen[key]}", raw))
            continue
        seen[key] = line
        rows.append(_Row(line, raw, *checked))
    by_contract: dict[str, list[_Row]] = defaultdict(list)
    for row in rows:
        by_contract[row.contract_id].append(row)
    result = ImportResult(kind="contracts", file=str(path), batch_id=0, rows=total)
    with Session(engine) as session, session.begin():
        batch_id = open_batch(
            session.connection(), "contracts", str(path), sha256=hashlib.sha256(data).hexdigest(), created_by=created_by
        )
        result.batch_id = batch_id
        for contract_id, group in by_contract.items():
            first = group[0]
            if any(
                (r.provider_id, r.valid_from, r.valid_to, r.ground, r.procurement_id)
                != (first.provider_id, first.valid_from, first.valid_to, first.ground, first.procurement_id)
                for r in group
            ):
                message = f"the rows of contract {contract_id} disagree on provider, term or ground"
                rejected.extend((r.line, "inconsistent_contract", message, r.raw) for r in group)
                continue
            held = contracts.find_contract(session, contract_id)
            if held is not None:
                if _same(held, group):
                    result.unchanged += len(group)
                    result.accepted += len(group)
                else:
                    message = f"contract {contract_id} is held with other figures; change it by an additional agreement"
                    rejected.extend((r.line, "contract_exists", message, r.raw) for r in group)
                continue
            draft = ContractDraft(
                contract_id=contract_id,
                provider_id=first.provider_id,
                valid_from=first.valid_from,
                valid_to=first.valid_to,
                signed_on=first.valid_from,
                lines=tuple(CareLine(r.care_type, r.volume, r.sum) for r in group),
                ground=first.ground,
                procurement_id=first.procurement_id,
            )
            try:
                with session.begin_nested():
                    contracts.create(session, book, draft, created_by=created_by)
            except OsmsError as exc:
                rejected.extend((r.line, exc.code, exc.message, r.raw) for r in group)
                continue
            result.inserted += len(group)
            result.accepted += len(group)
        if rejected:
            session.execute(
                insert(ImportRejection),
                [
                    {"batch_id": batch_id, "line": n, "code": c, "message": m, "raw": raw}
                    for n, c, m, raw in sorted(rejected)
                ],
            )
        by_reason: dict[str, int] = defaultdict(int)
        for _, code, _, _ in rejected:
            by_reason[code] += 1
        result.rejected = len(rejected)
        result.rejected_by_reason = dict(sorted(by_reason.items()))
        session.execute(
            update(ImportBatch)
            .where(ImportBatch.id == batch_id)
            .values(finished_at=datetime.now(UTC), rows=result.rows, accepted=result.accepted, rejected=result.rejected)
        )
        if rejects_file is not None and rejected:
            write_rejections(session.connection(), batch_id, rejects_file)
            result.rejects_file = str(rejects_file)
    return result
