"""The coverage summary after a register, by the three ways a (person, month) pair gets its row
(summary.refresh_staged): a month nobody paid before (from the register's rows alone), a month
already paid (recomputed from the ledger), a month whose earlier payments were all reversed.
Expected rows computed by hand from the definition in summary.py: amount = sum of the credited,
unreversed payments; payments = their count; kinds = OR of their bits (employer_deduction 1,
employee_contribution 2, civil_contract 4, self_payment 16); payer = payer of the largest (ties:
the earliest ledger row); first_value_date = the earliest value date among them."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from osms.contributions.service import ingest_register
from osms.core.periods import Month
from tests.contributions.test_ingest import (
    AGENT,
    EMPLOYER,
    SELF_PAYER,
    WORKER,
    expected_person_months,
    person_months,
    register,
    row,
    seed_registry,
)


@pytest.fixture
def world(engine: Engine) -> Engine:
    seed_registry(engine)
    return engine


def march(engine: Engine, number: str) -> tuple:
    rows = [r for r in person_months(engine) if r[0] == number and r[1] == Month(2024, 3)]
    assert len(rows) == 1, rows
    return rows[0][2:]


def test_a_new_month_paid_by_several_payers_in_one_file(world: Engine, tmp_path: Path) -> None:
    rows = [
        row("A1", WORKER, "employee_contribution", "1000.00", value_date="2024-04-25"),
        row("A2", WORKER, "civil_contract", "2550.00", value_date="2024-04-10"),
        row("A3", WORKER, "employer_deduction", "2550.00", value_date="2024-04-20"),
    ]
    ingest_register(world, register(tmp_path, rows))
    # 1000 + 2550 + 2550; kinds 2 | 4 | 1; the largest is a tie of 2550: the earlier row (A2, the agent)
    assert march(world, WORKER) == (Decimal("6100.00"), 3, 7, AGENT, date(2024, 4, 10))
    assert person_months(world) == expected_person_months(world)


def test_a_late_payment_for_a_month_already_paid_merges_with_the_ledger(world: Engine, tmp_path: Path) -> None:
    ingest_register(world, register(tmp_path, [row("B1", WORKER, "civil_contract", "1000.00")], "first.csv"))
    assert march(world, WORKER) == (Decimal("1000.00"), 1, 4, AGENT, date(2024, 4, 20))
    later = [row("B2", WORKER, "employer_deduction", "2550.00", value_date="2024-06-05")]
    ingest_register(world, register(tmp_path, later, "second.csv"))
    # the larger payment names the payer; the first value date stays the earlier one
    assert march(world, WORKER) == (Decimal("3550.00"), 2, 5, EMPLOYER, date(2024, 4, 20))
    assert person_months(world) == expected_person_months(world)


def test_a_month_whose_payments_were_all_reversed_counts_only_the_new_one(world: Engine, tmp_path: Path) -> None:
    paid = row("C1", SELF_PAYER, "self_payment", "4250.00", value_date="2024-04-01")
    ingest_register(world, register(tmp_path, [paid], "paid.csv"))
    reversal = ["REV:C1", *paid[1:5], "reversal", paid[6], "2024-05-02"]
    ingest_register(world, register(tmp_path, [reversal], "reversed.csv"))
    assert [r for r in person_months(world) if r[0] == SELF_PAYER] == []
    again = [row("C2", SELF_PAYER, "self_payment", "2550.00", value_date="2024-07-15")]
    ingest_register(world, register(tmp_path, again, "again.csv"))
    assert march(world, SELF_PAYER) == (Decimal("2550.00"), 1, 16, SELF_PAYER, date(2024, 7, 15))
    assert person_months(world) == expected_person_months(world)


def test_a_payment_and_its_reversal_in_the_same_file_leave_no_row(world: Engine, tmp_path: Path) -> None:
    paid = row("D1", WORKER, "employer_deduction", "2550.00")
    reversal = ["REV:D1", *paid[1:5], "reversal", paid[6], "2024-05-02"]
    result = ingest_register(world, register(tmp_path, [paid, reversal]))
    assert result.credited == 2
    assert [r for r in person_months(world) if r[0] == WORKER] == []
    assert person_months(world) == expected_person_months(world)
