"""The status check's hot path on PostgreSQL (coverage/hotpath.py) answers exactly what the ORM
path answers, writes one audit entry per check before answering, and fails rather than answer
unaudited. Runs on PostgreSQL only: on SQLite there is no hot path, every check takes the ORM path
(which the rest of tests/coverage covers on both databases)."""

from __future__ import annotations

import asyncio
import random
import time
from datetime import date, timedelta

import httpx
import psycopg
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select, text

from osms.contributions.models import PAYMENT_KINDS
from osms.core.clock import fund_today
from osms.core.models import AuditEntry
from osms.core.periods import Month
from osms.coverage import service
from osms.coverage.hotpath import StatusHotPath
from osms.rulebooks.loader import load_rulebook
from tests.conftest import IS_PG
from tests.coverage.helpers import EMPLOYER, Ledger, add_category, add_person, auth, iin, make_tokens

pytestmark = pytest.mark.skipif(
    not IS_PG, reason="the hot path serves PostgreSQL only; on SQLite every check takes the ORM path"
)

CATEGORIES = ("child", "pregnant_nonworking", "parent_child_under_3", "student", "unemployed_registered")
KINDS = tuple(PAYMENT_KINDS)
BOOK = load_rulebook("kz-law")


def random_country(session, rng: random.Random, people: int = 40) -> list[str]:
    """People with random births and deaths, category memberships (open, ended, future, several)
    and payments of every kind over 2016-2026, some reversed; the summary refreshed."""
    ledger = Ledger(session)
    numbers = []
    for serial in range(people):
        birth = date(1950, 1, 1) + timedelta(days=rng.randrange(25_000))
        number = iin(birth, rng.choice("MF"), serial=100 + serial)
        death = date(2019, 1, 1) + timedelta(days=rng.randrange(2_500)) if rng.random() < 0.1 else None
        add_person(session, number, birth=birth, sex="M", death=death)
        for code in rng.sample(CATEGORIES, rng.randrange(3)):
            start = date(2017, 7, 1) + timedelta(days=rng.randrange(3_300))
            end = start + timedelta(days=rng.randrange(30, 1_500)) if rng.random() < 0.6 else None
            add_category(session, number, code, start, end)
        first = Month.parse("2016-01") + rng.randrange(100)
        for offset in range(rng.randrange(0, 60)):
            if rng.random() < 0.2:
                continue
            month = first + offset
            kind = rng.choice(KINDS)
            payer = number if kind in ("self_payment", "ie_contribution") else EMPLOYER
            late = timedelta(days=rng.choice((0, 0, 0, 40, 400)))
            ref = ledger.pay(
                number, month, kind=kind, payer=payer, value_date=(month + 1).first_day.replace(day=20) + late
            )
            if rng.random() < 0.05:
                ledger.reverse(ref, (month + 2).first_day)
        numbers.append(number)
    ledger.refresh()
    numbers.append(iin(date(1999, 9, 9), "F", serial=900))  # not in the registry at all
    return numbers


def check_dates(rng: random.Random, count: int) -> list[date]:
    return [date(2020, 1, 1) + timedelta(days=rng.randrange(2_500)) for _ in range(count)]


def test_the_one_statement_reads_the_same_facts_as_the_room_services(db_url, session) -> None:
    rng = random.Random(3)
    numbers = random_country(session, rng)
    session.commit()
    cases = [(number, day) for number in numbers for day in check_dates(rng, 5)]

    async def read_all() -> list[tuple[object, object]]:
        hot = StatusHotPath(db_url)
        await hot.open()
        try:
            return [await hot.facts(number, day, BOOK) for number, day in cases]
        finally:
            await hot.close()

    hot_facts = asyncio.run(read_all())
    with_memberships = with_months = 0
    for (number, day), (persons, months) in zip(cases, hot_facts, strict=True):
        orm_persons, orm_months = service.load_facts(session, [number], day, BOOK)
        assert persons == orm_persons, (number, day)
        assert sorted(months.get(number, [])) == sorted(orm_months.get(number, [])), (number, day)
        with_memberships += bool(persons and persons[number].categories)
        with_months += bool(months)
    # the random country really exercises both halves of the statement
    assert with_memberships > 20 and with_months > 60


def test_clinic_checks_through_the_hot_path_answer_as_the_orm_path(app, client, session) -> None:
    rng = random.Random(7)
    numbers = random_country(session, rng, people=25)
    tokens = make_tokens(session, citizen_iin=numbers[0])
    session.commit()
    hot: StatusHotPath = app.state.status_hot_path
    assert hot is not None, "the app serves PostgreSQL: its lifespan opens the hot path"
    headers = auth(tokens["clinic"])
    client.get(f"/api/v1/persons/{numbers[0]}/status", headers=headers)  # first use: the token is looked up
    used_before = hot.pool.get_stats().get("requests_num", 0)
    checked = 0
    for number in numbers:
        for day in check_dates(rng, 4):
            r = client.get(f"/api/v1/persons/{number}/status", params={"on": day.isoformat()}, headers=headers)
            assert r.status_code == 200, r.text
            expected = service.visible_status("clinic", service.status_of(session, number, day).as_dict())
            assert r.json() == expected, (number, day)  # a clinic's view of it (docs/access.md)
            checked += 1
    # every one of those checks took a pool connection for its facts (and the audit batches more)
    assert hot.pool.get_stats()["requests_num"] - used_before >= checked
    audited = session.scalar(
        select(func.count())
        .select_from(AuditEntry)
        .where(AuditEntry.action == "status.read", AuditEntry.actor == "clinic1")
    )
    assert audited == checked + 1


def test_the_hot_path_keeps_the_errors_of_the_orm_path(client, session) -> None:
    person = add_person(session, iin(date(1986, 1, 1), "M"))
    tokens = make_tokens(session, citizen_iin=person)
    session.commit()
    headers = auth(tokens["operator"])
    assert client.get(f"/api/v1/persons/{person}/status", headers=headers).status_code == 200  # token now cached
    bad = client.get("/api/v1/persons/123456789012/status", headers=headers)
    assert bad.status_code == 422 and bad.json()["code"].startswith("bad_iin:")
    early = client.get(f"/api/v1/persons/{person}/status", params={"on": "2010-01-01"}, headers=headers)
    assert early.status_code == 422 and early.json()["code"] == "date_outside_rulebook"
    unknown = client.get(f"/api/v1/persons/{person}/status", params={"rulebook": "nope"}, headers=headers)
    assert unknown.status_code == 404


def test_concurrent_checks_each_get_their_audit_entry_before_the_answer(app, db_url, session) -> None:
    rng = random.Random(11)
    numbers = random_country(session, rng, people=20)
    tokens = make_tokens(session, citizen_iin=numbers[0])
    session.commit()
    headers = auth(tokens["auditor"])

    async def many() -> list[httpx.Response]:
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://osms") as client:
                await client.get(f"/api/v1/persons/{numbers[0]}/status", headers=headers)
                return list(
                    await asyncio.gather(
                        *(
                            client.get(f"/api/v1/persons/{numbers[i % len(numbers)]}/status", headers=headers)
                            for i in range(200)
                        )
                    )
                )

    answers = asyncio.run(many())
    assert [r.status_code for r in answers] == [200] * 200
    rows = session.execute(
        select(AuditEntry.subject_iin, AuditEntry.detail).where(AuditEntry.actor == "aud").order_by(AuditEntry.id)
    ).all()
    assert len(rows) == 201
    expected = sorted(numbers[i % len(numbers)] for i in range(200)) + [numbers[0]]
    assert sorted(r.subject_iin for r in rows) == sorted(expected)
    by_iin = {r.json()["iin"]: r.json()["basis"]["code"] for r in answers}
    for subject, detail in rows:
        assert detail.startswith(f"on={fund_today().isoformat()} rulebook=kz-law basis=")  # the fund's day
        assert detail.endswith(f"basis={by_iin[subject]}")


def test_no_answer_leaves_unaudited(app, engine, session) -> None:
    person = add_person(session, iin(date(1986, 1, 1), "M"))
    tokens = make_tokens(session, citizen_iin=person)
    session.commit()
    headers = auth(tokens["clinic"])
    with TestClient(app, raise_server_exceptions=False) as client:
        assert client.get(f"/api/v1/persons/{person}/status", headers=headers).status_code == 200
        with engine.begin() as conn:  # the database now refuses status.read audit entries
            conn.execute(
                text("ALTER TABLE audit_log ADD CONSTRAINT test_refuse_reads CHECK (action <> 'status.read') NOT VALID")
            )
        try:
            r = client.get(f"/api/v1/persons/{person}/status", headers=headers)
            assert r.status_code == 500 and r.json()["code"] == "internal_error"
            assert "insured" not in r.json()
        finally:
            with engine.begin() as conn:
                conn.execute(text("ALTER TABLE audit_log DROP CONSTRAINT test_refuse_reads"))
        assert client.get(f"/api/v1/persons/{person}/status", headers=headers).status_code == 200
    assert session.scalar(select(func.count()).select_from(AuditEntry)) == 2


def test_only_roles_that_may_read_anyone_take_the_hot_path(client, session) -> None:
    citizen = add_person(session, iin(date(1986, 1, 1), "M"))
    stranger = add_person(session, iin(date(1970, 2, 2), "F"))
    tokens = make_tokens(session, citizen_iin=citizen)
    session.commit()
    for role in ("citizen", "employer"):
        # the second request comes with a token this process has cached: still refused
        for _ in range(2):
            r = client.get(f"/api/v1/persons/{stranger}/status", headers=auth(tokens[role]))
            assert r.status_code == 403, (role, r.text)
    assert client.get(f"/api/v1/persons/{citizen}/status", headers=auth(tokens["citizen"])).status_code == 200
    denied = session.scalar(
        select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "status.read.denied")
    )
    assert denied == 4


@pytest.mark.parametrize("query", ["on=20251215", "on=2025-12-15&on=2025-12-16", "on=2025-13-01", "rulebook=nope"])
def test_irregular_requests_get_the_api_routes_answer(client, session, query) -> None:
    person = add_person(session, iin(date(1986, 1, 1), "M"))
    tokens = make_tokens(session, citizen_iin=person)
    session.commit()
    headers = auth(tokens["clinic"])
    client.get(f"/api/v1/persons/{person}/status", headers=headers)  # the token is cached from here on
    r = client.get(f"/api/v1/persons/{person}/status?{query}", headers=headers)
    # the route's answers (FastAPI validates the query): the fast lane passes these on
    if query.startswith("on=2025-12-15&"):
        assert r.status_code == 200 and r.json()["on"] == "2025-12-16"
    elif query == "rulebook=nope":
        assert r.status_code == 404 and r.json()["code"] == "unknown_rulebook"
    else:
        assert r.status_code == 422 and r.json()["code"] == "invalid_request"


def test_checks_survive_the_database_dropping_the_hot_paths_connections(client, engine, session) -> None:
    person = add_person(session, iin(date(1986, 1, 1), "M"))
    tokens = make_tokens(session, citizen_iin=person)
    session.commit()
    headers = auth(tokens["clinic"])
    for _ in range(3):  # the token is cached; the pool holds open connections
        assert client.get(f"/api/v1/persons/{person}/status", headers=headers).status_code == 200
    with engine.connect() as conn:  # e.g. a restart or a failover: every other session of the database ends
        dropped = conn.execute(
            text(
                "SELECT COUNT(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid() AND backend_type = 'client backend'"
            )
        ).scalar_one()
    assert dropped >= 1
    answers = [client.get(f"/api/v1/persons/{person}/status", headers=headers) for _ in range(3)]
    assert [r.status_code for r in answers] == [200, 200, 200], answers[0].text


def test_a_check_stuck_behind_a_lock_fails_after_the_statement_timeout(db_url, engine, session) -> None:
    number = add_person(session, iin(date(1986, 1, 1), "M"))
    session.commit()

    async def check_while_locked() -> tuple[type[BaseException], float]:
        hot = StatusHotPath(db_url, statement_timeout="300ms")
        await hot.open()
        try:
            with engine.connect() as conn:  # e.g. a migration holding the summary table
                conn.execute(text("LOCK TABLE person_month IN ACCESS EXCLUSIVE MODE"))
                started = time.perf_counter()
                try:
                    await asyncio.wait_for(hot.facts(number, date(2025, 12, 15), BOOK), timeout=10)
                except Exception as exc:  # noqa: BLE001 (the kind is asserted below)
                    return type(exc), time.perf_counter() - started
                raise AssertionError("the read went through a table locked in ACCESS EXCLUSIVE mode")
        finally:
            await hot.close()

    kind, waited = asyncio.run(check_while_locked())
    assert issubclass(kind, psycopg.errors.QueryCanceled)
    assert waited < 5  # the 300 ms timeout, not the lock's holder, ended the wait


def test_a_check_that_cannot_write_its_audit_entry_in_time_is_503_overloaded(
    db_url, engine, session, monkeypatch
) -> None:
    from osms.app import create_app
    from osms.core.config import get_settings

    person = add_person(session, iin(date(1986, 1, 1), "M"))
    tokens = make_tokens(session, citizen_iin=person)
    session.commit()
    monkeypatch.setenv("OSMS_DB_LOCK_TIMEOUT", "0.3")
    monkeypatch.setenv("OSMS_RETRY_AFTER", "5")
    get_settings.cache_clear()
    app = create_app(db_url)
    try:
        with TestClient(app, raise_server_exceptions=False) as client:
            headers = auth(tokens["clinic"])
            assert client.get(f"/api/v1/persons/{person}/status", headers=headers).status_code == 200
            with engine.connect() as holder:  # another transaction keeps the audit log from taking rows
                holder.execute(text("LOCK TABLE audit_log IN SHARE ROW EXCLUSIVE MODE"))
                busy = client.get(f"/api/v1/persons/{person}/status", headers=headers)
                holder.rollback()
            assert client.get(f"/api/v1/persons/{person}/status", headers=headers).status_code == 200
    finally:
        app.state.engine.dispose()
        monkeypatch.undo()
        get_settings.cache_clear()
    assert busy.status_code == 503, busy.text
    assert busy.headers["retry-after"] == "5"
    assert busy.json()["code"] == "overloaded" and "insured" not in busy.json()
    assert session.scalar(select(func.count()).select_from(AuditEntry)) == 2
