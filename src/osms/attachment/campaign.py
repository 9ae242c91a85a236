"""The campaign at scale (docs/attachment.md): a CSV of applications, decided chunk by chunk with
the same rules as one application, set-based reads and bulk writes.
"""

from __future__ import annotations

import csv
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import IO, Any, Final

from sqlalchemy import String, Table, any_, bindparam, func, select, text, update
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from osms.attachment import rules
from osms.attachment.ingest import parse_service_area
from osms.attachment.models import Attachment, AttachmentApplication, Clinic, ClinicDistrict
from osms.attachment.rulebook import AttachmentTopic
from osms.attachment.service import _alive_on, _link, _on_or_after, _person, decision_horizon, resolve_rulebook
from osms.core.bulkload import ImportFileError, check_header, stage_rows
from osms.core.errors import InvalidInput
from osms.core.identity import check_iin
from osms.providers.service import lock_providers
from osms.registry.service import (
    lock_persons,
)
from osms.rulebooks.loader import Rulebook

CAMPAIGN_COLUMNS: Final = (
    "application_id",
    "iin",
    "clinic_id",
    "reason",
    "date",
    "district_id",
    "applicant_iin",
    "contract_until",
)
RESULT_COLUMNS: Final = (
    "application_id",
    "iin",
    "decision",
    "effective_from",
    "previous_clinic",
    "district",
    "reason_codes",
    "provisional",  # true past the confirmed horizon (docs/rulebooks.md); added last, the others unchanged
)
CAMPAIGN_CHUNK = 5_000
APPLICATION_TABLE: Table = AttachmentApplication.__table__  # type: ignore[assignment]
ATTACHMENT_TABLE: Table = Attachment.__table__  # type: ignore[assignment]
IN_CHUNK = 500


class _Lines:
    """Decoded lines of a binary file, counting bytes for a progress bar."""

    def __init__(self, fh: IO[bytes], progress: Callable[[int], None] | None) -> None:
        self.fh, self.progress = fh, progress

    def __iter__(self) -> Iterator[str]:
        pending = 0
        first = True
        for line in self.fh:
            pending += len(line)
            if self.progress and pending > 1 << 18:
                self.progress(pending)
                pending = 0
            if first and line.startswith(b"\xef\xbb\xbf"):
                line = line[3:]
            first = False
            try:
                yield line.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise ImportFileError(f"the file is not UTF-8 text: {exc}") from exc
        if self.progress and pending:
            self.progress(pending)


@dataclass
class _Row:
    external_id: str
    raw_iin: str
    app: rules.Application | None = None
    error: rules.Reason | None = None
    result: tuple[str, ...] = ()


def _parse_campaign_row(values: dict[str, str]) -> _Row:
    external_id = values["application_id"].strip()
    row = _Row(external_id, values["iin"].strip())

    def bad(detail: str) -> _Row:
        row.error = rules.Reason("bad_row", {"detail": detail})
        return row

    if not external_id or len(external_id) > 64:
        return bad("application_id must be 1..64 characters")
    check = check_iin(values["iin"])
    if not check.valid:
        return bad("IIN: " + "; ".join(e.message for e in check.errors))
    clinic_id = values["clinic_id"].strip()
    if not clinic_id or len(clinic_id) > 32:
        return bad("clinic_id must be 1..32 characters")
    reason = values["reason"].strip()
    if reason not in rules.REASONS:
        return bad(f"reason {reason!r} is not one of {', '.join(rules.REASONS)}")
    try:
        on = date.fromisoformat(values["date"].strip())
    except ValueError:
        return bad(f"date {values['date'].strip()!r} is not YYYY-MM-DD")
    district_id = values["district_id"].strip() or None
    if district_id and len(district_id) > 32:
        return bad("district_id is longer than 32 characters")
    applicant = values["applicant_iin"].strip() or None
    if applicant:
        a_check = check_iin(applicant)
        if not a_check.valid:
            return bad("applicant IIN: " + "; ".join(e.message for e in a_check.errors))
        applicant = a_check.number
    contract_text = values["contract_until"].strip()
    contract_until = None
    if contract_text:
        try:
            contract_until = date.fromisoformat(contract_text)
        except ValueError:
            return bad(f"contract_until {contract_text!r} is not YYYY-MM-DD")
    row.app = rules.Application(check.number, clinic_id, reason, on, district_id, applicant, contract_until)
    return row


@dataclass
class _ClinicLoad:
    """Rows of one clinic attached on or after the chunk's first day, by district and end day
    (None: open), so that the counts on any later day are sums (kept current as rows change)."""

    ends: dict[str | None, Counter[date | None]] = field(default_factory=lambda: defaultdict(Counter))

    def add(self, district: str | None, end: date | None, n: int = 1) -> None:
        counter = self.ends[district]
        counter[end] += n
        if counter[end] <= 0:
            del counter[end]

    def counts(self, on: date) -> dict[str | None, int]:
        """Attached (running or pending) on ``on``, by district."""
        return {d: sum(n for end, n in c.items() if end is None or end >= on) for d, c in self.ends.items()}


def _iter_chunks(items: Sequence[str], size: int = IN_CHUNK) -> Iterator[Sequence[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


class _Campaign:
    """Decides one chunk of applications with set-based reads and bulk writes."""

    def __init__(
        self,
        session: Session,
        book: Rulebook,
        clinics: dict[str, tuple[Clinic, list[tuple[str, str, int]], frozenset[str]]],
    ) -> None:
        self.session = session
        self.book = book
        self.clinics = clinics
        self.pg = session.get_bind().dialect.name == "postgresql"
        self.horizons: dict[date, str] = {}

    def _provisional(self, day: date | None) -> str:
        """The results' ``provisional`` column: ``true`` for a decision on a day after the confirmed
        horizon (as ``Decision.horizon``), ``false`` otherwise and for a row that cannot be read."""
        if day is None:
            return "false"
        if day not in self.horizons:
            self.horizons[day] = "true" if decision_horizon(self.book, day).provisional else "false"
        return self.horizons[day]

    def _parts(self, values: Sequence[str]) -> Iterator[Sequence[str]]:
        """PostgreSQL takes a whole list as one array parameter; SQLite gets ``IN`` lists of 500."""
        if self.pg:
            if values:
                yield values
            return
        yield from _iter_chunks(values)

    def _in(self, column: Any, values: Sequence[str]) -> Any:
        if self.pg:
            return column == any_(bindparam(None, list(values), type_=ARRAY(String())))
        return column.in_(values)

    def run(self, rows: list[_Row], seen: set[str]) -> None:
        s = self.session
        valid = [r for r in rows if r.app is not None]
        # Idempotence: applications already decided keep their stored decision.
        stored: dict[str, AttachmentApplication] = {}
        ids = [r.external_id for r in valid]
        for part in self._parts(ids):
            for a in s.scalars(select(AttachmentApplication).where(self._in(AttachmentApplication.external_id, part))):
                assert a.external_id is not None
                stored[a.external_id] = a
        todo: list[_Row] = []
        for r in rows:
            if r.app is None:
                assert r.error is not None
                r.result = (r.external_id, r.raw_iin, "refused", "", "", "", r.error.code, self._provisional(None))
            elif r.external_id in stored:
                a = stored[r.external_id]
                r.result = (
                    r.external_id,
                    a.iin,
                    a.decision,
                    a.effective_from.isoformat() if a.effective_from else "",
                    a.previous_clinic or "",
                    a.decided_district or "",
                    a.reason_codes.replace(",", ";"),
                    self._provisional(a.applied_on),
                )
            elif r.external_id in seen:
                r.result = (
                    r.external_id,
                    r.raw_iin,
                    "refused",
                    "",
                    "",
                    "",
                    "duplicate_application",
                    self._provisional(r.app.on if r.app else None),
                )
            else:
                seen.add(r.external_id)
                todo.append(r)
        if not todo:
            return
        apps = [r.app for r in todo if r.app is not None]
        iins = sorted({a.iin for a in apps})
        applicants = sorted({a.applicant_iin for a in apps if a.applicant_iin and a.applicant_iin != a.iin})
        first_day = min(a.on for a in apps)

        # Lock the persons in IIN order, then the clinics of the chunk in a fixed order (the order
        # single applications take them in: persons, then their clinic), then read their loads.
        clinic_ids = sorted({a.clinic_id for a in apps if a.clinic_id in self.clinics})
        if self.pg:
            lock_persons(s, iins)
        if self.pg and clinic_ids:
            lock_providers(s, clinic_ids)
        loads: dict[str, _ClinicLoad] = {c: _ClinicLoad() for c in clinic_ids}
        for part in self._parts(clinic_ids):
            for clinic_id, district_id, end, n in s.execute(
                select(Attachment.clinic_id, Attachment.district_id, Attachment.valid_to, func.count())
                .join(_person, _person.c.iin == Attachment.iin)
                .where(self._in(Attachment.clinic_id, part), _on_or_after(first_day), _alive_on(first_day))
                .group_by(Attachment.clinic_id, Attachment.district_id, Attachment.valid_to)
            ):
                loads[clinic_id].add(district_id, end, int(n))

        persons: dict[str, rules.PersonFacts] = {}
        for part in self._parts(sorted(set(iins) | set(applicants))):
            for p in s.execute(
                select(
                    _person.c.iin,
                    _person.c.birth_date,
                    _person.c.death_date,
                    _person.c.residency,
                    _person.c.address_code,
                ).where(self._in(_person.c.iin, part))
            ):
                persons[p.iin] = rules.PersonFacts(*p)
        histories: dict[str, list[rules.Period]] = defaultdict(list)
        for part in self._parts(iins):
            for row in s.execute(
                select(
                    Attachment.iin,
                    Attachment.id,
                    Attachment.clinic_id,
                    Attachment.district_id,
                    Attachment.valid_from,
                    Attachment.valid_to,
                    Attachment.kind,
                    Attachment.home_visits,
                )
                .where(self._in(Attachment.iin, part))
                .order_by(Attachment.valid_from, Attachment.id)
            ):
                histories[row[0]].append(rules.Period(*row[1:]))
        links: set[tuple[str, str, str]] = set()  # (person, relative, relation)
        if applicants:
            # One IN list per query, the other side filtered here: two IN lists at once let PostgreSQL's
            # generic plan probe the unique index for every pair (seconds per chunk at 1M links).
            wanted = set(applicants)
            for part in self._parts(iins):
                for x, y, relation in s.execute(
                    select(_link.c.iin, _link.c.relative_iin, _link.c.relation).where(self._in(_link.c.iin, part))
                ):
                    if y in wanted:
                        links.add((x, y, relation))
                for x, y, relation in s.execute(
                    select(_link.c.iin, _link.c.relative_iin, _link.c.relation).where(
                        self._in(_link.c.relative_iin, part)
                    )
                ):
                    if x in wanted:
                        links.add((x, y, relation))
        family_pairs = {(x, y) for x, y, _ in links}
        guardian_pairs = {(x, y) for x, y, relation in links if relation in ("parent", "guardian")}
        insured = self._insured(apps)

        # Decide in file order, keeping the chunk's state current.
        next_id = -1
        new_rows: dict[int, dict[str, Any]] = {}
        closes: dict[int, tuple[date, str]] = {}
        app_rows: list[dict[str, Any]] = []
        for r in todo:
            app = r.app
            assert app is not None
            person = persons.get(app.iin)
            clinic_entry = self.clinics.get(app.clinic_id)
            clinic_facts = None
            load = loads.get(app.clinic_id)
            if clinic_entry is not None and load is not None:
                clinic, districts, area = clinic_entry
                counts = load.counts(app.on)
                clinic_facts = rules.ClinicFacts(
                    clinic.clinic_id,
                    clinic.capacity,
                    sum(counts.values()),
                    area,
                    tuple(
                        rules.DistrictFacts(district_id, specialty, norm, counts.get(district_id, 0))
                        for district_id, specialty, norm in districts
                    ),
                )
            applicant = app.applicant_iin
            facts = rules.Facts(
                person=person,
                clinic=clinic_facts,
                history=tuple(histories.get(app.iin, ())),
                applicant_is_guardian=bool(applicant and (app.iin, applicant) in guardian_pairs),
                applicant_is_family=bool(
                    applicant and ((app.iin, applicant) in family_pairs or (applicant, app.iin) in family_pairs)
                ),
                applicant_birth_date=persons[applicant].birth_date if applicant and applicant in persons else None,
                insured=insured.get((app.iin, app.on)),
            )
            outcome = rules.decide(app, facts, self.book)
            app_rows.append(
                {
                    "external_id": r.external_id,
                    "iin": app.iin,
                    "clinic_id": app.clinic_id,
                    "reason": app.reason,
                    "applied_on": app.on,
                    "district_id": app.district_id,
                    "applicant_iin": app.applicant_iin,
                    "contract_until": app.contract_until,
                    "decision": outcome.decision,
                    "reason_codes": ",".join(outcome.codes)[:300],
                    "effective_from": outcome.effective_from,
                    "previous_clinic": outcome.previous_clinic,
                    "decided_district": outcome.district,
                    "rulebook": self.book.name,
                    "channel": "campaign",
                    "actor": None,
                }
            )
            r.result = (
                r.external_id,
                app.iin,
                outcome.decision,
                outcome.effective_from.isoformat() if outcome.effective_from else "",
                outcome.previous_clinic or "",
                outcome.district or "",
                ";".join(outcome.codes),
                self._provisional(app.on),
            )
            if not outcome.attaches:
                continue
            # Keep the loads and the person's history current for the rest of the chunk.
            old = {p.id: p for p in histories.get(app.iin, ())}
            for close in outcome.closes:
                before = old[close.period_id]
                if not before.empty and before.clinic_id in loads:
                    loads[before.clinic_id].add(before.district_id, before.valid_to, -1)
                    if close.valid_to >= before.valid_from:
                        loads[before.clinic_id].add(before.district_id, close.valid_to)
                if close.period_id < 0:
                    new_rows[close.period_id]["valid_to"] = close.valid_to
                    new_rows[close.period_id]["end_reason"] = close.end_reason
                else:
                    closes[close.period_id] = (close.valid_to, close.end_reason)
            histories[app.iin] = list(rules.apply_outcome(histories.get(app.iin, ()), outcome, app.clinic_id, next_id))
            if load is not None:
                load.add(outcome.district, outcome.until)
            assert outcome.effective_from is not None and outcome.kind is not None
            new_rows[next_id] = {
                "iin": app.iin,
                "clinic_id": app.clinic_id,
                "district_id": outcome.district,
                "valid_from": outcome.effective_from,
                "valid_to": outcome.until,
                "home_visits": bool(outcome.home_visits),
                "kind": outcome.kind,
                "external_id": r.external_id,
                "end_reason": None,
            }
            next_id -= 1
        self._write(app_rows, new_rows, closes)

    def _insured(self, apps: Sequence[rules.Application]) -> dict[tuple[str, date], bool]:
        """Insured status for the choices that need it (kz-law 2026), one batch per day."""
        by_day: dict[date, set[str]] = defaultdict(set)
        for a in apps:
            if a.reason == "choice" and self.book.topic(AttachmentTopic).free_choice_requires_insured(a.on) is not None:
                by_day[a.on].add(a.iin)
        result: dict[tuple[str, date], bool] = {}
        if not by_day:
            return result
        from osms.coverage.service import statuses

        for day, numbers in sorted(by_day.items()):
            for answer in statuses(self.session, sorted(numbers), day, self.book.name):
                if "insured" in answer:
                    result[(answer["iin"], day)] = bool(answer["insured"])
        return result

    def _insert(self, table: Table, rows: list[dict[str, Any]]) -> None:
        """Bulk insert (``core.bulkload.stage_rows``: COPY on PostgreSQL, one executemany on SQLite)."""
        if not rows:
            return
        names = list(rows[0])
        stage_rows(self.session.connection(), table, [tuple(row[n] for n in names) for row in rows], names)

    def _write(
        self, app_rows: list[dict[str, Any]], new_rows: dict[int, dict[str, Any]], closes: dict[int, tuple[date, str]]
    ) -> None:
        s = self.session
        table = APPLICATION_TABLE
        ids: dict[str, int] = {}
        self._insert(table, app_rows)
        if new_rows:
            wanted = [row["external_id"] for row in new_rows.values()]
            for part in self._parts(wanted):
                for app_id, external_id in s.execute(
                    select(table.c.id, table.c.external_id).where(self._in(table.c.external_id, part))
                ):
                    ids[external_id] = app_id
        if closes:
            if self.pg:
                s.execute(
                    text(
                        "UPDATE attachment SET valid_to = v.valid_to, end_reason = v.end_reason "
                        "FROM unnest(CAST(:ids AS integer[]), CAST(:ends AS date[]), CAST(:reasons AS text[])) "
                        "AS v(id, valid_to, end_reason) WHERE attachment.id = v.id"
                    ),
                    {
                        "ids": list(closes),
                        "ends": [v for v, _ in closes.values()],
                        "reasons": [e for _, e in closes.values()],
                    },
                )
            else:
                t = ATTACHMENT_TABLE
                s.execute(
                    update(t)
                    .where(t.c.id == bindparam("b_id"))
                    .values(valid_to=bindparam("b_valid_to"), end_reason=bindparam("b_end")),
                    [{"b_id": k, "b_valid_to": v, "b_end": e} for k, (v, e) in closes.items()],
                )
        rows = []
        for row in new_rows.values():
            row = dict(row)
            row["application_id"] = ids[row.pop("external_id")]
            rows.append(row)
        self._insert(ATTACHMENT_TABLE, rows)


def run_campaign(
    engine: Engine,
    path: Path,
    *,
    results: Path,
    progress: Callable[[int], None] | None = None,
    rulebook: str | None = None,
    chunk_rows: int = CAMPAIGN_CHUNK,
) -> dict[str, Any]:
    """Decide a CSV of applications (``application_id,iin,clinic_id,reason,date,district_id,
    applicant_iin,contract_until``) in file order, chunk by chunk (one transaction each): the same
    rules as one application, set-based reads, bulk writes. An application_id already decided keeps
    its decision (re-running the file changes nothing). Writes ``results`` (``application_id,iin,
    decision,effective_from,previous_clinic,district,reason_codes,provisional``) and returns a summary."""
    started = time.perf_counter()
    path = Path(path)
    if not path.is_file():
        raise InvalidInput(f"no such file: {path}", code="no_file")
    book = resolve_rulebook(rulebook)
    from osms.core.db import session_factory

    factory = session_factory(engine)
    with factory() as session:
        clinics: dict[str, tuple[Clinic, list[tuple[str, str, int]], frozenset[str]]] = {
            c.clinic_id: (c, [], frozenset(parse_service_area(c.service_area))) for c in session.scalars(select(Clinic))
        }
        for d in session.scalars(select(ClinicDistrict).order_by(ClinicDistrict.clinic_id, ClinicDistrict.district_id)):
            if d.clinic_id in clinics:
                clinics[d.clinic_id][1].append((d.district_id, d.specialty, d.norm))
        session.expunge_all()
    by_decision: Counter[str] = Counter()
    by_reason: Counter[str] = Counter()
    total = 0
    seen: set[str] = set()
    results = Path(results)
    results.parent.mkdir(parents=True, exist_ok=True)
    with path.open("rb") as fh, results.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(RESULT_COLUMNS)
        reader = csv.reader(_Lines(fh, progress))
        try:
            header = [h.strip() for h in next(reader)]
        except StopIteration:
            raise ImportFileError(f"{path.name} is empty: expected the header {','.join(CAMPAIGN_COLUMNS)}") from None
        check_header(header, CAMPAIGN_COLUMNS, path.name)

        def flush(chunk: list[_Row]) -> None:
            nonlocal total
            if not chunk:
                return
            with factory() as session, session.begin():
                for r in chunk:
                    if r.app is not None:
                        try:
                            book.check_date(r.app.on)
                        except Exception as exc:  # noqa: BLE001 - a date outside the rulebook refuses the row
                            r.app, r.error = None, rules.Reason("bad_row", {"detail": str(exc)})
                _Campaign(session, book, clinics).run(chunk, seen)
            for r in chunk:
                writer.writerow(r.result)
                by_decision[r.result[2]] += 1
                for code in filter(None, r.result[6].split(";")):
                    by_reason[code] += 1
            total += len(chunk)

        chunk: list[_Row] = []
        for fields in reader:
            if not fields or (len(fields) == 1 and not fields[0].strip()):
                continue
            if len(fields) != len(header):
                row = _Row(fields[0].strip() if fields else "", fields[1].strip() if len(fields) > 1 else "")
                row.error = rules.Reason("bad_row", {"detail": "wrong number of fields"})
                chunk.append(row)
            else:
                chunk.append(_parse_campaign_row(dict(zip(header, fields, strict=True))))
            if len(chunk) >= chunk_rows:
                flush(chunk)
                chunk = []
        flush(chunk)
    seconds = time.perf_counter() - started
    return {
        "rows": total,
        "by_decision": dict(sorted(by_decision.items())),
        "by_reason": dict(sorted(by_reason.items())),
        "seconds": round(seconds, 3),
        "per_second": round(total / seconds) if seconds else None,
        "results": str(results),
        "rulebook": book.name,
    }
