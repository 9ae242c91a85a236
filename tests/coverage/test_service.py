"""The status service on the database (SQLite and PostgreSQL): it reads person_month (built from the
ledger by the production summary code), only within the window, set-based for batches."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date

import pytest
from sqlalchemy import event, select
from sqlalchemy.engine import Engine

from osms.contributions.models import PersonMonth
from osms.core.authz import authorize
from osms.core.errors import Forbidden, InvalidInput
from osms.core.models import AuditEntry
from osms.core.periods import Month
from osms.core.security import Principal
from osms.coverage import service
from osms.coverage.access import STATUS_READ
from osms.rulebooks.loader import DateOutsideRulebook, UnknownRulebook
from tests.coverage.helpers import EMPLOYER, OTHER_EMPLOYER, Ledger, add_category, add_person, iin

WORKER = iin(date(1986, 1, 1), "M")
CHILD = iin(date(2015, 6, 1), "F")
OLD = iin(date(1950, 2, 2), "F")

OPERATOR = Principal(user_id=0, username="op", role="operator", display_name="Operator")


@contextmanager
def statements(engine: Engine) -> Iterator[list[str]]:
    seen: list[str] = []

    def listen(conn, cursor, statement, parameters, context, executemany) -> None:  # noqa: ANN001
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", listen)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", listen)


@pytest.fixture
def people(session) -> None:
    add_person(session, WORKER)
    add_person(session, CHILD, birth=date(2015, 6, 1), sex="F")
    add_person(session, OLD, birth=date(1950, 2, 2), sex="F")
    add_category(session, CHILD, "child", date(2015, 6, 1), date(2033, 5, 31))
    add_category(session, OLD, "pensioner", date(2010, 2, 2))
    ledger = Ledger(session)
    ledger.pay_range(WORKER, "2024-01", "2024-06", kind="employer_deduction")
    ledger.pay_range(WORKER, "2024-01", "2024-06", kind="employee_contribution", amount="600.00")
    ledger.refresh()
    session.commit()


def test_status_from_the_summary(session, people) -> None:
    s = service.status_of(session, WORKER, date(2024, 9, 15))
    assert s.as_dict()["basis"] == {"code": "grace", "payer": EMPLOYER, "kind": "employer_deduction", "category": None}
    assert s.as_dict()["arrears"] == {"months": ["2024-07"], "amount": "4250.00"}  # 2024-08 due by 2024-09-25
    child = service.status_of(session, CHILD, date(2024, 9, 15)).as_dict()
    assert child["basis"]["category"] == "child"
    assert "«Ребёнок до 18 лет»" in child["message"]["ru"]  # the category's label from the catalogs
    assert "«18 жасқа толмаған бала»" in child["message"]["kk"]
    assert child["message"]["en"].startswith("Insured: state-paid category «Child under 18»")


def test_bad_input(session, people) -> None:
    with pytest.raises(InvalidInput) as bad:
        service.status_of(session, "123", date(2024, 9, 15))
    assert bad.value.code.startswith("bad_iin:")
    with pytest.raises(UnknownRulebook):
        service.status_of(session, WORKER, date(2024, 9, 15), "nope")
    with pytest.raises(DateOutsideRulebook):
        service.status_of(session, WORKER, date(2017, 6, 30))
    assert service.status_of(session, WORKER, date(2019, 1, 1), "seeds-2016").rulebook == "seeds-2016"


def test_a_check_reads_only_the_window_never_the_ledger(session, engine, people) -> None:
    # A summary row far outside the window: present in the table, never read.
    session.add(
        PersonMonth(
            iin=WORKER,
            period=Month(2010, 1),
            amount=1,
            payments=1,
            kinds=1,
            payer_id=EMPLOYER,
            first_value_date=date(2010, 2, 1),
        )
    )
    session.commit()
    with statements(engine) as seen:
        s = service.status_of(session, WORKER, date(2024, 9, 15))
    assert s.basis.code == "grace"
    assert not any("FROM payment" in sql for sql in seen)
    month_queries = [sql for sql in seen if "FROM person_month" in sql]
    assert len(month_queries) == 1 and "person_month.period >=" in month_queries[0]
    assert "person_month.period <=" in month_queries[0]


def test_batch_is_set_based_and_in_input_order(session, engine, people) -> None:
    others = [iin(date(1990, 1, 1), "M", serial) for serial in range(1, 4000, 2)][:2500]
    sent = [OLD, "bad", WORKER, *others, CHILD, WORKER]
    with statements(engine) as seen:
        answers = service.read_statuses(session, OPERATOR, sent, date(2024, 9, 15), channel="api", resource="batch")
    selects = [sql for sql in seen if sql.lstrip().upper().startswith("SELECT")]
    # registry facts: persons and categories per chunk of 500 IINs; summary months per chunk of 1,000
    assert len(selects) <= 2 * 6 + 3
    assert len(answers) == len(sent)
    assert [a["iin"] for a in answers] == sent
    assert answers[1]["error"]["code"].startswith("bad_iin:")
    assert answers[0]["basis"]["category"] == "pensioner"
    assert answers[2]["basis"]["code"] == "grace" and answers[-1] == answers[2]
    assert {a["basis"]["code"] for a in answers[3:-2]} == {"unknown_person"}
    session.commit()
    audited = session.scalars(select(AuditEntry.subject_iin).where(AuditEntry.action == "status.read")).all()
    assert sorted(audited) == sorted({OLD, WORKER, CHILD, *others})  # one per distinct valid IIN


def test_batch_limits(session, people) -> None:
    with pytest.raises(InvalidInput) as too_many:
        service.read_statuses(session, OPERATOR, [WORKER] * 10_001, date(2024, 9, 15), channel="api", resource="b")
    assert (too_many.value.status, too_many.value.code) == (413, "too_many_iins")
    citizen = Principal(user_id=1, username="c", role="citizen", display_name="c", iin=WORKER)
    with pytest.raises(Forbidden):
        service.read_statuses(session, citizen, [WORKER], date(2024, 9, 15), channel="api", resource="b")


def test_employer_sees_only_employees_of_the_last_12_months(session, people) -> None:
    today = date.today()
    this_month = Month.of(today)
    recent = iin(date(1991, 1, 1), "F")
    former = iin(date(1992, 1, 1), "F")
    reversed_only = iin(date(1993, 1, 1), "F")
    for number in (recent, former, reversed_only):
        add_person(session, number, sex="F")
    ledger = Ledger(session)
    ledger.pay(recent, this_month - 2, payer=OTHER_EMPLOYER, value_date=today)
    ledger.pay(former, this_month - 13, payer=OTHER_EMPLOYER, value_date=today)
    ref = ledger.pay(reversed_only, this_month - 1, payer=OTHER_EMPLOYER, value_date=today)
    session.flush()
    ledger.reverse(ref, today)
    ledger.refresh()
    session.commit()
    employer = Principal(user_id=9, username="e", role="employer", display_name="e", bin=OTHER_EMPLOYER)
    assert service.is_employee(session, OTHER_EMPLOYER, recent)
    assert not service.is_employee(session, OTHER_EMPLOYER, former)
    assert not service.is_employee(session, OTHER_EMPLOYER, reversed_only)
    authorize(session, employer, STATUS_READ, recent, channel="api", resource="r")
    for number in (former, reversed_only, WORKER):
        with pytest.raises(Forbidden):
            authorize(session, employer, STATUS_READ, number, channel="api", resource="r")
    denied = session.scalars(select(AuditEntry.subject_iin).where(AuditEntry.action == "status.read.denied")).all()
    assert sorted(denied) == sorted([former, reversed_only, WORKER])
