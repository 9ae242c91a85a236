"""An employer's month (``contributions.service.employer_month``): the sums by person and the
12-month rule of who is a current employee, against figures worked out by hand."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from osms.contributions.service import employer_default_month, employer_month, ingest_register
from osms.core.periods import Month
from tests.contributions.test_ingest import (
    AGENT,
    EMPLOYER,
    ENTREPRENEUR,
    PENSIONER,
    WORKER,
    register,
    row,
    seed_registry,
)


@pytest.fixture
def paid(engine: Engine, tmp_path: Path) -> Engine:
    seed_registry(engine)
    rows = [
        row("E-1", WORKER, "employer_deduction", "2550.00", "2024-03", "2024-04-20"),
        row("E-2", WORKER, "employee_contribution", "1700.00", "2024-03", "2024-04-20"),
        row("REV:E-2", WORKER, "reversal", "1700.00", "2024-03", "2024-04-25"),
        row("C-1", WORKER, "civil_contract", "300.00", "2024-03", "2024-04-02", payer_id=AGENT),
        row("E-3", WORKER, "employer_deduction", "2550.00", "2024-04", "2024-05-20"),
        row("E-4", PENSIONER, "employer_deduction", "900.00", "2024-03", "2024-04-20"),
        row("E-5", PENSIONER, "employee_contribution", "600.00", "2024-03", "2024-04-20"),
        row("E-6", ENTREPRENEUR, "employer_deduction", "1000.00", "2024-03", "2024-04-20"),
        row("REV:E-6", ENTREPRENEUR, "reversal", "1000.00", "2024-03", "2024-04-25"),
    ]
    result = ingest_register(engine, register(tmp_path, rows), today=date(2024, 6, 1))
    assert result.rejected == 0
    return engine


def test_the_month_by_person_with_totals(paid: Engine) -> None:
    with Session(paid) as session:
        month = employer_month(session, EMPLOYER, Month(2024, 3), date(2025, 3, 10))
    # By name: Тестов P1 (the entrepreneur), P2 (the worker), P3 (the pensioner). The agent's C-1
    # is not the employer's; a reversed payment counts as reversed, not as paid.
    assert [(e.iin, e.name, e.deduction, e.contribution, e.total, e.reversed) for e in month.employees] == [
        (ENTREPRENEUR, "Тестов P1", Decimal("0.00"), Decimal("0.00"), Decimal("0.00"), Decimal("1000.00")),
        (WORKER, "Тестов P2", Decimal("2550.00"), Decimal("0.00"), Decimal("2550.00"), Decimal("1700.00")),
        (PENSIONER, "Тестов P3", Decimal("900.00"), Decimal("600.00"), Decimal("1500.00"), Decimal("0.00")),
    ]
    assert (month.deduction, month.contribution, month.total, month.reversed) == (
        Decimal("3450.00"),
        Decimal("600.00"),
        Decimal("4050.00"),
        Decimal("2700.00"),
    )


def test_current_employees_are_those_paid_for_in_the_last_12_months(paid: Engine) -> None:
    with Session(paid) as session:
        # 10 March 2025: the window is March 2024 to March 2025. The worker (March and April) and
        # the pensioner (March) have a standing payment; the entrepreneur's only one was reversed.
        march = employer_month(session, EMPLOYER, Month(2024, 3), date(2025, 3, 10))
        assert march.current == sorted([WORKER, PENSIONER])
        assert [e.current for e in march.employees] == [False, True, True]
        # 10 April 2025: April 2024 to April 2025. Only the worker's April 2024 is inside.
        april = employer_month(session, EMPLOYER, Month(2024, 3), date(2025, 4, 10))
        assert april.current == [WORKER]
        # 10 May 2025: nothing is inside the window any more.
        assert employer_month(session, EMPLOYER, Month(2024, 3), date(2025, 5, 10)).current == []
        assert employer_month(session, EMPLOYER, Month(2024, 5), date(2025, 3, 10)).employees == ()


def test_the_month_the_page_opens_on(paid: Engine) -> None:
    with Session(paid) as session:
        assert employer_default_month(session, EMPLOYER, date(2025, 3, 10)) == Month(2024, 4)
        assert employer_default_month(session, EMPLOYER, date(2024, 3, 31)) == Month(2024, 3)
        assert employer_default_month(session, EMPLOYER, date(2024, 2, 10)) == Month(2024, 1)
