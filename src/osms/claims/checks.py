"""The checks of accepted service records (docs/claims.md, "Checks"): set-based, in SQL, over the
records an intake added or corrected (the temporary table ``claims_touched`` that
``claims.intake`` builds), against the whole register and the other rooms' published surfaces.

Which checks run, and the defect code of each, is the rulebook's (``ClaimsTopic.findings(on)`` on
the record's ``date_from``): for each distinct ``date_from`` of the batch, the finding codes in
force, their defect codes, whether that defect has a money effect, and the doctor's daily maximum
are read once, and given to each statement as literals (one statement per group of days with the
same rule, usually one), so that the planner joins the batch to the register directly. A check not
in force that day finds nothing.

Each failed check is a ``service_finding`` row; a finding whose defect code has a money effect
also becomes a ``defect`` (origin ``potential``, status ``notified``). The corrected records'
findings and their still-``notified`` potential defects are replaced first.

``not_covered`` is the one check computed in Python: the benefits decision
(``benefits.rules.decide``) is memoised over the distinct (care type, diagnosis, referral,
residency, date) of the batch's planned records, once as insured and once as not; the insured
status (``coverage.service.load_facts``/``evaluate_facts``, batched per date) is read only for the
records whose answer depends on it.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import date
from typing import Any

from sqlalchemy import Select, column, table, text
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from osms.attachment import queries as attachment
from osms.benefits import rules as benefits
from osms.benefits.catalogue import CARE_TYPES
from osms.claims.rulebook import ClaimsTopic
from osms.claims.vocabulary import ROUND_THE_CLOCK_FORMS
from osms.core.bulkload import stage_rows
from osms.core.progress import Reporter, Silent
from osms.coverage.service import InsuredMemo, load_facts
from osms.providers import queries as providers
from osms.rulebooks.loader import Rulebook

TOUCHED = "claims_touched"
NOT_COVERED_KEYS = "claims_nc_key"
NOT_COVERED_IDS = "claims_nc_id"
#: Care types the readmission check leaves out.
NOT_READMISSION = ("palliative",)
#: How an earlier stay must have ended for a new one to be a readmission.
DISCHARGED = ("discharged", "self_discharge", "completed")

_INSERT = "INSERT INTO service_finding (record_ref, code, defect_code, detail, provider_id, month, found_on, batch_id) "


def _in(values: tuple[str, ...]) -> str:
    return "(" + ", ".join(f"'{v}'" for v in values) + ")"


def _derived(conn: Connection, surface: Select[Any] | Any) -> str:
    return f"({surface.compile(dialect=conn.dialect, compile_kwargs={'literal_binds': True})})"


class _Checks:
    def __init__(self, conn: Connection, book: Rulebook, batch_id: int, today: date) -> None:
        self.conn = conn
        self.book = book
        self.pg = conn.dialect.name == "postgresql"
        self.params = {"b": batch_id, "today": today if self.pg else today.isoformat()}
        self.days: set[date] = set()
        #: finding code -> day -> (defect code, value, money effect): the checks in force each day
        self.rules: dict[str, dict[date, tuple[str | None, Any, bool]]] = {}

    def day(self, value: Any) -> Any:
        """A date as the dialect binds it (SQLite: ISO text, as the register stores it)."""
        if isinstance(value, str):
            value = date.fromisoformat(value)
        return value if self.pg else value.isoformat()

    def exec(self, sql: str, **more: Any) -> int:
        return int(self.conn.execute(text(sql), self.params | more).rowcount or 0)

    def scopes(self, code: str) -> list[tuple[str | None, Any, str, bool]]:
        """Where check ``code`` is in force among the batch's days: ``(defect code, value, SQL
        filter on t.date_from)`` per group of days with the same defect code and value (one group,
        with no filter, when the rule is the same on every day of the batch). The rule is given to
        the statements as literals rather than joined, so that the planner joins the batch to the
        register directly."""
        groups: dict[tuple[str | None, Any, bool], list[date]] = {}
        for day, (defect, value, money) in self.rules.get(code, {}).items():
            groups.setdefault((defect, value, money), []).append(day)
        out = []
        for (defect, value, money), days in groups.items():
            if len(days) == len(self.days):
                where = "1 = 1"
            else:
                where = "{d} IN (" + ", ".join(f"'{d.isoformat()}'" for d in sorted(days)) + ")"
            out.append((defect, value, where, money))
        return out

    def simple(self, code: str, condition: str, detail: str) -> int:
        """A check on the record and its person alone."""
        n = 0
        for defect, _, days, _ in self.scopes(code):
            n += self.exec(
                _INSERT + f"SELECT t.id, '{code}', :defect, {detail}, t.provider_id, t.month, :today, :b "
                f"FROM {TOUCHED} t WHERE {days.format(d='t.date_from')} AND ({condition}) AND NOT EXISTS "
                f"(SELECT 1 FROM service_finding f WHERE f.record_ref = t.id AND f.code = '{code}')",
                defect=defect,
            )
        return n

    def against_register(self, code: str, join: str, detail: str, where: str = "1 = 1") -> int:
        """A check of each record against other records of the register (``r``)."""
        n = 0
        for defect, _, days, _ in self.scopes(code):
            n += self.exec(
                _INSERT + f"SELECT t.id, '{code}', :defect, {detail}, t.provider_id, t.month, :today, :b "
                f"FROM {TOUCHED} t JOIN service_record r ON {join} "
                f"WHERE {days.format(d='t.date_from')} AND ({where}) AND NOT EXISTS "
                f"(SELECT 1 FROM service_finding f WHERE f.record_ref = t.id AND f.code = '{code}') "
                "GROUP BY t.id, t.provider_id, t.month",
                defect=defect,
            )
        return n


def _rules(c: _Checks) -> None:
    """The checks in force on each distinct ``date_from`` of the batch, their defect codes, the
    money effect of those codes, and the doctor's daily maximum (``_Checks.rules``)."""
    topic = c.book.topic(ClaimsTopic)
    for (raw,) in c.conn.exec_driver_sql(f"SELECT DISTINCT date_from FROM {TOUCHED}"):
        day = date.fromisoformat(raw) if isinstance(raw, str) else raw
        c.days.add(day)
        try:
            codes = topic.findings(day)
            defects = topic.defects(day)
            overload = topic.doctor_overload(day)
        except Exception:  # a date the rulebook does not cover: no checks that day
            continue
        for code, defect in codes.items():
            value = None
            if code == "doctor_overload":
                if overload is None:
                    continue
                value = overload
            entry = defects.get(defect) if defect is not None else None
            money = entry is not None and entry.money_effect
            c.rules.setdefault(code, {})[day] = (defect, value, money)


def _replace_corrected(c: _Checks) -> None:
    """The corrected records' potential defects still ``notified`` and their findings go (a finding
    a defect past ``notified`` still points to stays; the checks do not repeat it)."""
    corrected = f"SELECT id FROM {TOUCHED} WHERE status = 'corrected'"
    if c.conn.exec_driver_sql(f"{corrected} LIMIT 1").first() is None:
        return
    c.conn.exec_driver_sql(
        f"DELETE FROM defect WHERE origin = 'potential' AND status = 'notified' AND record_ref IN ({corrected})"
    )
    c.conn.exec_driver_sql(
        f"DELETE FROM service_finding WHERE record_ref IN ({corrected}) "
        "AND NOT EXISTS (SELECT 1 FROM defect d WHERE d.finding_id = service_finding.id)"
    )


def _prepare(c: _Checks) -> int:
    _rules(c)
    _replace_corrected(c)
    return 0


def _not_covered(c: _Checks, session: Session) -> int:
    """Findings ``not_covered``: the benefits decision is "none" (see the module's docstring)."""
    insured_on = InsuredMemo(c.book)
    return sum(_not_covered_on(c, session, insured_on, defect, days) for defect, _, days, _ in c.scopes("not_covered"))


def _not_covered_on(c: _Checks, session: Session, insured_on: InsuredMemo, defect: str | None, days: str) -> int:
    conn = c.conn
    planned = tuple(code for code, kind in CARE_TYPES.items() if kind.nature != "emergency")
    keys = conn.exec_driver_sql(
        f"SELECT t.care_type, t.icd10, t.referral, COALESCE(t.residency, ''), t.date_from FROM {TOUCHED} t "
        f"WHERE {days.format(d='t.date_from')} AND NOT t.emergency AND t.care_type IN {_in(planned)} "
        "GROUP BY t.care_type, t.icd10, t.referral, COALESCE(t.residency, ''), t.date_from"
    ).all()
    if not keys:
        return 0
    found: list[dict[str, Any]] = []
    for care, icd10, referral, residency, raw_day in keys:
        day = date.fromisoformat(raw_day) if isinstance(raw_day, str) else raw_day
        answers = []
        for insured in (True, False):
            try:
                answers.append(
                    benefits.decide(
                        rulebook=c.book,
                        on=day,
                        care=care,
                        residency=residency or None,
                        insured=insured,
                        icd10=icd10,
                        emergency=False,
                        referral=bool(referral),
                    )
                )
            except Exception:  # a date or code the benefits rulebook cannot answer for: no finding
                answers = []
                break
        if len(answers) < 2 or answers[1].covered_by != "none":
            continue  # covered even when not insured: no finding, whatever the status
        detail = "none: " + ", ".join(r.code for r in answers[1].reasons)
        found.append(
            {
                "care": care,
                "icd10": icd10,
                "referral": bool(referral) if c.pg else int(bool(referral)),
                "residency": residency,
                "day": c.day(day),
                "status": answers[0].covered_by != "none",  # covered if insured: the status decides
                "detail": detail[:280],  # room for "not insured; " in a 300-character detail
            }
        )
    if not found:
        return 0
    for name in (NOT_COVERED_KEYS, NOT_COVERED_IDS):
        conn.exec_driver_sql(f"DROP TABLE IF EXISTS {name}")
    conn.exec_driver_sql(
        f"CREATE TEMPORARY TABLE {NOT_COVERED_KEYS} (care_type VARCHAR(24), icd10 VARCHAR(8), referral BOOLEAN, "
        "residency VARCHAR(24), date_from DATE, need_status BOOLEAN, detail VARCHAR(300))"
    )
    conn.exec_driver_sql(f"CREATE TEMPORARY TABLE {NOT_COVERED_IDS} (id BIGINT PRIMARY KEY)")
    conn.execute(
        text(
            f"INSERT INTO {NOT_COVERED_KEYS} (care_type, icd10, referral, residency, date_from, need_status, detail) "
            "VALUES (:care, :icd10, :referral, :residency, :day, :status, :detail)"
        ),
        found,
    )
    match = (
        f"FROM {TOUCHED} t JOIN {NOT_COVERED_KEYS} n ON n.care_type = t.care_type AND n.icd10 = t.icd10 "
        "AND n.referral = t.referral AND n.residency = COALESCE(t.residency, '') AND n.date_from = t.date_from "
    )
    if any(row["status"] for row in found):
        by_day: dict[date, list[tuple[int, str]]] = {}
        for ref, iin, raw_day in conn.exec_driver_sql(
            f"SELECT t.id, t.iin, t.date_from {match} WHERE n.need_status AND NOT t.emergency"
        ):
            day = date.fromisoformat(raw_day) if isinstance(raw_day, str) else raw_day
            by_day.setdefault(day, []).append((int(ref), iin))
        uninsured: list[tuple[int]] = []
        for day, records in by_day.items():
            iins = sorted({iin for _, iin in records})
            try:
                persons, months = load_facts(session, iins, day, c.book)
                covered = {iin for iin in iins if insured_on(iin, day, persons, months)}
            except Exception:  # the coverage rulebook cannot answer for that day: no finding
                continue
            uninsured.extend((ref,) for ref, iin in records if iin not in covered)
        stage_rows(conn, table(NOT_COVERED_IDS, column("id")), uninsured)
    count = c.exec(
        _INSERT + "SELECT t.id, 'not_covered', :defect, "
        "CASE WHEN n.need_status THEN 'not insured; ' || n.detail ELSE n.detail END, "
        f"t.provider_id, t.month, :today, :b {match}"
        f"WHERE NOT t.emergency AND (NOT n.need_status OR t.id IN (SELECT id FROM {NOT_COVERED_IDS})) "
        "AND NOT EXISTS (SELECT 1 FROM service_finding f WHERE f.record_ref = t.id AND f.code = 'not_covered')",
        defect=defect,
    )
    for name in (NOT_COVERED_KEYS, NOT_COVERED_IDS):
        conn.exec_driver_sql(f"DROP TABLE {name}")
    return count


def _doctor_overload(c: _Checks) -> int:
    """Every record of a doctor-day of the batch whose total quantity in the register is above the
    rulebook's maximum (records sent earlier included: the day became implausible as a whole)."""
    n = 0
    for defect, limit, days, _ in c.scopes("doctor_overload"):
        n += c.exec(
            _INSERT + "SELECT r.id, 'doctor_overload', :defect, "
            "'the doctor''s services that day: ' || CAST(o.total AS TEXT) || ' (at most ' || :limit_text || ')', "
            "r.provider_id, r.month, :today, :b "
            "FROM (SELECT x.doctor_iin, x.date_from, SUM(x.quantity) AS total FROM service_record x "
            f"JOIN (SELECT DISTINCT doctor_iin, date_from FROM {TOUCHED} WHERE doctor_iin IS NOT NULL "
            f"AND {days.format(d='date_from')}) d "
            "ON x.doctor_iin = d.doctor_iin AND x.date_from = d.date_from GROUP BY x.doctor_iin, x.date_from "
            "HAVING SUM(x.quantity) > :limit) o "
            "JOIN service_record r ON r.doctor_iin = o.doctor_iin AND r.date_from = o.date_from "
            "WHERE NOT EXISTS "
            "(SELECT 1 FROM service_finding f WHERE f.record_ref = r.id AND f.code = 'doctor_overload')",
            defect=defect,
            limit=int(limit),
            limit_text=str(int(limit)),
        )
    return n


def _defects(c: _Checks, created_by: str) -> int:
    """A potential defect for each finding of the batch whose defect code has a money effect (on
    the record's ``date_from``)."""
    n = 0
    for code in sorted(c.rules):
        for defect, _, days, money in c.scopes(code):
            if defect is None or not money:
                continue
            on_days = "" if days == "1 = 1" else f"AND {days.format(d='r.date_from')} "
            n += c.exec(
                "INSERT INTO defect (record_ref, finding_id, provider_id, month, code, origin, status, found_on, "
                "created_by) SELECT f.record_ref, f.id, f.provider_id, f.month, f.defect_code, 'potential', "
                "'notified', :today, :by FROM service_finding f "
                + ("JOIN service_record r ON r.id = f.record_ref " if on_days else "")
                + f"WHERE f.batch_id = :b AND f.code = '{code}' AND f.defect_code = :defect {on_days}ORDER BY f.id",
                by=created_by,
                defect=defect,
            )
    return n


def run_checks(
    conn: Connection,
    book: Rulebook,
    *,
    batch_id: int,
    today: date,
    created_by: str,
    reporter: Reporter | None = None,
) -> tuple[dict[str, float], int]:
    """Run every check in force over ``claims_touched``; returns (seconds per check, defects written)."""
    report = reporter or Silent()
    c = _Checks(conn, book, batch_id, today)
    phases: dict[str, float] = {}
    rtc = _in(ROUND_THE_CLOCK_FORMS)
    contracts = _derived(conn, providers.contract_care_types())
    attached = _derived(conn, attachment.attachments())
    session = Session(bind=conn)
    steps: list[tuple[str, Callable[[], int]]] = [
        ("rules", lambda: _prepare(c)),
        (
            "dead_before_service",
            lambda: c.simple(
                "dead_before_service",
                "t.death_date IS NOT NULL AND t.death_date < t.date_from",
                "'the person died on ' || CAST(t.death_date AS TEXT)",
            ),
        ),
        (
            "sex_mismatch",
            lambda: c.simple(
                "sex_mismatch",
                "t.cat_sex IS NOT NULL AND t.sex IS NOT NULL AND t.sex <> t.cat_sex",
                "t.item || ' is for sex ' || t.cat_sex || ' only; the person: ' || t.sex",
            ),
        ),
        (
            "age_mismatch",
            lambda: c.simple(
                "age_mismatch",
                "t.birth_date IS NOT NULL AND ((t.born_by IS NOT NULL AND t.birth_date > t.born_by) "
                "OR (t.born_after IS NOT NULL AND t.birth_date <= t.born_after))",
                "t.item || ': outside its age range; the person was born on ' || CAST(t.birth_date AS TEXT)",
            ),
        ),
        (
            "no_referral",
            lambda: c.simple(
                "no_referral",
                "t.needs_referral AND NOT t.emergency AND NOT t.referral",
                "'planned ' || t.care_form || ' care (' || t.item || ') without a referral'",
            ),
        ),
        (
            "not_in_contract",
            lambda: c.simple(
                "not_in_contract",
                f"NOT EXISTS (SELECT 1 FROM {contracts} ct WHERE ct.provider_id = t.provider_id "
                "AND ct.care_type = t.care_type AND ct.valid_from <= t.date_from AND ct.valid_to >= t.date_from "
                "AND (ct.terminated_on IS NULL OR ct.terminated_on > t.date_from))",
                "'no contract of ' || t.provider_id || ' covers ' || t.care_type "
                "|| ' on ' || CAST(t.date_from AS TEXT)",
            ),
        ),
        (
            "not_attached",
            lambda: c.simple(
                "not_attached",
                f"t.care_form = 'phc' AND NOT EXISTS (SELECT 1 FROM {attached} a WHERE a.iin = t.iin "
                "AND a.clinic_id = t.provider_id AND a.valid_from <= t.date_from "
                "AND (a.valid_to IS NULL OR a.valid_to >= t.date_from))",
                "'not attached to ' || t.provider_id || ' on ' || CAST(t.date_from AS TEXT)",
            ),
        ),
        (
            "duplicate",
            lambda: c.against_register(
                "duplicate",
                "r.iin = t.iin AND r.date_from = t.date_from AND r.provider_id = t.provider_id "
                "AND COALESCE(r.service_code, r.case_group) = t.item AND r.id < t.id",
                "'the same as record ' || MIN(r.record_id)",
            ),
        ),
        (
            "overlapping_stay",
            lambda: c.against_register(
                "overlapping_stay",
                f"r.iin = t.iin AND r.id < t.id AND r.care_form IN {rtc} "
                "AND r.date_from < t.date_to AND t.date_from < r.date_to",
                "'overlaps the stay ' || MIN(r.provider_id || '/' || r.record_id)",
                where=f"t.care_form IN {rtc}",
            ),
        ),
        (
            "readmission_30d",
            lambda: c.against_register(
                "readmission_30d",
                f"r.iin = t.iin AND r.id <> t.id AND r.care_form IN {rtc} "
                f"AND r.care_type NOT IN {_in(NOT_READMISSION)} AND r.outcome IN {_in(DISCHARGED)} "
                "AND r.date_from < t.date_from AND r.date_to <= t.date_from AND r.date_to >= t.readmit_from",
                "'readmitted after ' || MAX(r.provider_id || '/' || r.record_id)",
                where=f"t.care_form IN {rtc} AND t.care_type NOT IN {_in(NOT_READMISSION)} "
                "AND t.readmit_from IS NOT NULL",
            ),
        ),
        ("doctor_overload", lambda: _doctor_overload(c)),
        ("not_covered", lambda: _not_covered(c, session)),
    ]
    report.phase("checks", len(steps) + 1)
    defects = 0
    for name, step in steps:
        started = time.perf_counter()
        step()
        phases[f"check {name}"] = round(time.perf_counter() - started, 3)
        report.advance(1)
    started = time.perf_counter()
    defects = _defects(c, created_by)
    phases["potential defects"] = round(time.perf_counter() - started, 3)
    report.advance(1)
    return phases, defects


def counts(conn: Connection, batch_id: int) -> dict[str, int]:
    """The findings a batch made, by code."""
    return {
        str(code): int(n)
        for code, n in conn.execute(
            text("SELECT code, COUNT(*) FROM service_finding WHERE batch_id = :b GROUP BY code ORDER BY code"),
            {"b": batch_id},
        )
    }
