"""The employer payroll (``compute_payroll``) on the database: deductions and withheld contributions
per employee, state-paid exclusions, rejections with reasons, totals, deadlines, audit.

Hand-computed values (docs/calculators.md, kz-law 2024: MW 85,000, deduction 3%, contribution 2%, caps
10 MW = 850,000): income 300,000 -> 9,000.00 + 6,000.00; income 1,000,000 -> 25,500.00 + 17,000.00;
income 200,000 -> 6,000.00 + 4,000.00.
"""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from osms.contributions.payroll import (
    PayrollResult,
    PayrollRowIn,
    compute_payroll,
    parse_payroll_csv,
    statements_csv,
)
from osms.contributions.rules import CalcError
from osms.core.errors import Forbidden, InvalidInput
from osms.core.models import AuditEntry
from osms.core.security import Principal
from osms.registry.models import Person, PersonCategory
from tests.registry.helpers import bin_, iin

EMPLOYER = bin_(date(2010, 5, 1), 1)
OTHER_EMPLOYER = bin_(date(2012, 3, 1), 7)

WORKER = iin(date(1986, 1, 1), "M", 1)
RICH = iin(date(1980, 2, 2), "F", 1)
PENSIONER = iin(date(1955, 3, 3), "M", 1)
DISABLED_UNTIL_1ST = iin(date(1990, 4, 4), "F", 1)
FORMER_STUDENT = iin(date(2001, 5, 5), "M", 1)
UNEMPLOYED = iin(date(1995, 6, 6), "F", 1)
DEAD = iin(date(1950, 7, 7), "M", 1)
DUPLICATE = iin(date(1988, 8, 8), "M", 1)
UNKNOWN = iin(date(1977, 9, 9), "F", 1)
NEW_PENSIONER = iin(date(1961, 10, 10), "M", 1)

OPERATOR = Principal(user_id=1, username="op", role="operator", display_name="Operator")
BOSS = Principal(user_id=2, username="boss", role="employer", display_name="ТОО Алатау", bin=EMPLOYER)


def add_people(session) -> None:
    """The registry the payroll reads: persons and their state-paid category memberships."""
    people = [WORKER, RICH, PENSIONER, DISABLED_UNTIL_1ST, FORMER_STUDENT, UNEMPLOYED, DEAD, DUPLICATE, NEW_PENSIONER]
    for number in people:
        session.add(
            Person(
                iin=number,
                last_name="Сейітов",
                first_name="Ерлан",
                birth_date=date(1980, 1, 1),
                sex="M",
                residency="citizen",
                region="KZ-ALA",
                death_date=date(2023, 1, 1) if number == DEAD else None,
            )
        )
    session.flush()
    for number, code, start, end in [
        (PENSIONER, "pensioner", date(2020, 1, 1), None),
        (DISABLED_UNTIL_1ST, "disability", date(2019, 1, 1), date(2024, 3, 1)),
        (FORMER_STUDENT, "student", date(2019, 9, 1), date(2024, 2, 29)),
        (UNEMPLOYED, "unemployed_registered", date(2023, 11, 1), None),
        (NEW_PENSIONER, "pensioner", date(2024, 3, 31), None),
    ]:
        session.add(PersonCategory(iin=number, category=code, valid_from=start, valid_to=end, source="test register"))
    session.flush()


def rows_of(*rows: tuple[str, str, str]) -> list[PayrollRowIn]:
    return [PayrollRowIn(*row) for row in rows]


MARCH_2024 = rows_of(
    (WORKER, "2024-03", "300000"),
    (RICH, "2024-03", "1000000"),
    (PENSIONER, "2024-03", "250000"),
    (DISABLED_UNTIL_1ST, "2024-03", "180000"),
    (FORMER_STUDENT, "2024-03", "200000"),
    (UNEMPLOYED, "2024-03", "150000"),
    (DEAD, "2024-03", "100000"),
    (DUPLICATE, "2024-03", "100000"),
    (DUPLICATE, "2024-03", "50000"),
    (UNKNOWN, "2024-03", "100000"),
    ("123", "2024-03", "100000"),
    (WORKER, "2024-13", "100000"),
    (RICH, "2024-04", "abc"),
    (RICH, "2016-01", "100000"),
    (NEW_PENSIONER, "2024-03", "400000"),
)


@pytest.fixture
def march(session) -> PayrollResult:
    add_people(session)
    # the fund's operator: the registry is read for every row (an employer's payroll reads it for
    # its employees only: tests/test_access_findings.py)
    result = compute_payroll(session, EMPLOYER, MARCH_2024, "kz-law", principal=OPERATOR, channel="api")
    session.commit()
    return result


def test_every_row_ends_in_exactly_one_place(march: PayrollResult) -> None:
    data = march.as_dict()
    assert data["rows"] == len(MARCH_2024) == 15
    assert data["computed"] + data["excluded"] + data["rejected"] == 15
    lines = sorted(
        [x["line"] for x in data["lines"]]
        + [x["line"] for x in data["exclusions"]]
        + [x["line"] for x in data["rejections"]]
    )
    assert lines == list(range(1, 16))


def test_lines_hand_computed(march: PayrollResult) -> None:
    by_iin = {line["iin"]: line for line in march.as_dict()["lines"]}
    assert set(by_iin) == {WORKER, RICH, FORMER_STUDENT}
    worker = by_iin[WORKER]
    assert worker["deduction"]["amount"] == "9000.00" and worker["deduction"]["rate"] == "0.03"
    assert worker["contribution"]["amount"] == "6000.00" and worker["contribution"]["rate"] == "0.02"
    assert worker["total"] == "15000.00"
    assert worker["deduction"]["rule_id"] == "rates.employer-deduction.2022-01-01"
    assert worker["contribution"]["rule_id"] == "rates.employee-contribution.2021-01-01"
    rich = by_iin[RICH]
    assert (rich["deduction"]["amount"], rich["deduction"]["base"], rich["deduction"]["cap_applied"]) == (
        "25500.00",
        "850000.00",
        True,
    )
    assert (rich["contribution"]["amount"], rich["contribution"]["cap"]) == ("17000.00", "850000.00")
    # the student membership ended on 29 February: March is paid
    assert by_iin[FORMER_STUDENT]["deduction"]["amount"] == "6000.00"
    assert by_iin[FORMER_STUDENT]["contribution"]["amount"] == "4000.00"
    assert worker["statement_due"] == "2024-04-15" and worker["payment_due"] == "2024-04-25"


def test_exclusions(march: PayrollResult) -> None:
    exclusions = {e["iin"]: e for e in march.as_dict()["exclusions"]}
    # a working pensioner; a disability ending on the 1st; a pensioner from the 31st; registered unemployed
    assert set(exclusions) == {PENSIONER, DISABLED_UNTIL_1ST, NEW_PENSIONER, UNEMPLOYED}
    pensioner = exclusions[PENSIONER]
    assert pensioner["reason"] == "state_paid_category"
    assert pensioner["categories"][0]["code"] == "pensioner"
    assert pensioner["categories"][0]["rule_id"] == "categories.pensioner.2017-07-01"
    assert pensioner["warnings"] == []
    assert "no employer deduction and no employee contribution" in pensioner["message"]
    unemployed = exclusions[UNEMPLOYED]
    assert unemployed["categories"][0]["requires_not_working"] is True
    assert unemployed["warnings"] and unemployed["warnings"][0].startswith("category_requires_not_working")


def test_rejections_with_reasons(march: PayrollResult) -> None:
    data = march.as_dict()
    reasons = {(r["iin"], r["period"], r["reason"]) for r in data["rejections"]}
    assert reasons == {
        (DEAD, "2024-03", "deceased"),
        (DUPLICATE, "2024-03", "duplicate_row"),
        (UNKNOWN, "2024-03", "unknown_person"),
        ("123", "2024-03", "bad_iin"),
        (WORKER, "2024-13", "bad_period"),
        (RICH, "2024-04", "bad_income"),
        (RICH, "2016-01", "period_outside_rulebook"),
    }
    assert data["rejected_by_reason"]["duplicate_row"] == 2
    duplicate = next(r for r in data["rejections"] if r["reason"] == "duplicate_row")
    assert "lines 8, 9" in duplicate["message"]
    bad = next(r for r in data["rejections"] if r["reason"] == "bad_iin")
    assert bad["income"] == "100000" and bad["message"]


def test_totals_and_deadlines(march: PayrollResult) -> None:
    data = march.as_dict()
    # 9,000 + 25,500 + 6,000 = 40,500; 6,000 + 17,000 + 4,000 = 27,000
    assert data["totals"] == {
        "employees": 3,
        "excluded": 4,
        "income": "1500000.00",
        "deduction": "40500.00",
        "contribution": "27000.00",
        "total": "67500.00",
    }
    assert data["deadlines"] == [{"period": "2024-03", "statement_due": "2024-04-15", "payment_due": "2024-04-25"}]
    (period,) = data["periods"]
    assert period["deduction"] == "40500.00" and period["payment_due"] == "2024-04-25"
    assert "rates.employer-deduction.2022-01-01" in data["rules"]
    assert "categories.pensioner.2017-07-01" in data["rules"]
    assert data["rulebook"] == "kz-law" and data["employer"] == EMPLOYER


def test_audit(march: PayrollResult, session) -> None:
    entries = session.scalars(select(AuditEntry).where(AuditEntry.action == "payroll.compute")).all()
    summary = [e for e in entries if e.subject_iin is None]
    assert len(summary) == 1
    assert summary[0].actor == "op" and summary[0].role == "operator" and summary[0].channel == "api"
    assert summary[0].resource == f"payroll/{EMPLOYER}/2024-03"
    assert "rows 15" in (summary[0].detail or "")
    disclosed = {e.subject_iin for e in entries if e.subject_iin is not None}
    assert disclosed == {PENSIONER, DISABLED_UNTIL_1ST, NEW_PENSIONER, UNEMPLOYED}


def test_several_periods_and_rulebooks(session) -> None:
    add_people(session)
    rows = rows_of(
        (WORKER, "2019-06", "100000"),  # kz-law: 1.5% deduction, no contribution before 2020
        (WORKER, "2026-03", "1000000"),  # caps 40 MW / 20 MW: 30,000 + 20,000
        (RICH, "2026-03", "5000000"),  # 3% x 3,400,000 = 102,000; 2% x 1,700,000 = 34,000
    )
    data = compute_payroll(session, EMPLOYER, rows, "kz-law", principal=OPERATOR, channel="cli").as_dict()
    lines = {(x["iin"], x["period"]): x for x in data["lines"]}
    old = lines[(WORKER, "2019-06")]
    assert old["deduction"]["amount"] == "1500.00"
    assert old["contribution"] == {
        "amount": "0.00",
        "base": "0.00",
        "rate": "0",
        "cap": None,
        "cap_applied": False,
        "rule_id": None,
        "note": old["contribution"]["note"],
    }
    assert "before 2020-01-01" in old["contribution"]["note"]
    new = lines[(WORKER, "2026-03")]
    assert (new["deduction"]["amount"], new["contribution"]["amount"]) == ("30000.00", "20000.00")
    assert (new["deduction"]["cap"], new["contribution"]["cap"]) == ("3400000.00", "1700000.00")
    assert lines[(RICH, "2026-03")]["total"] == "136000.00"
    assert [p["period"] for p in data["periods"]] == ["2019-06", "2026-03"]
    assert data["periods"][1]["total"] == "186000.00"
    assert data["totals"]["total"] == "187500.00"
    # seeds-2016: 4% in 2019 and 1% employee contribution; 2026 is after its confirmed horizon
    # (2021-12-31): computed with its last entries carried forward, provisional (docs/rulebooks.md)
    seeds = compute_payroll(session, EMPLOYER, rows, "seeds-2016", principal=OPERATOR, channel="cli").as_dict()
    assert seeds["lines"][0]["deduction"]["amount"] == "4000.00"
    assert seeds["lines"][0]["contribution"]["amount"] == "1000.00"
    assert seeds["provisional"] is True
    assert [p["provisional"] for p in seeds["periods"]] == [False, True]


def test_no_rule_row(session) -> None:
    add_people(session)
    data = compute_payroll(
        session, EMPLOYER, rows_of((WORKER, "2017-03", "100000")), "seeds-2016", principal=OPERATOR, channel="cli"
    ).as_dict()
    assert data["rejections"][0]["reason"] == "no_rule"


def test_access(session) -> None:
    add_people(session)
    stranger = Principal(user_id=3, username="other", role="employer", display_name="X", bin=OTHER_EMPLOYER)
    with pytest.raises(Forbidden):
        compute_payroll(session, EMPLOYER, MARCH_2024, principal=stranger, channel="api")
    citizen = Principal(user_id=4, username="cit", role="citizen", display_name="C", iin=WORKER)
    with pytest.raises(Forbidden):
        compute_payroll(session, EMPLOYER, MARCH_2024, principal=citizen, channel="api")
    denied = session.scalars(select(AuditEntry).where(AuditEntry.action == "payroll.compute.denied")).all()
    assert {e.actor for e in denied} == {"other", "cit"}


def test_bad_employer_and_rulebook(session) -> None:
    with pytest.raises(InvalidInput) as err:
        compute_payroll(session, "123456789012", MARCH_2024, principal=OPERATOR, channel="api")
    assert err.value.code == "bad_bin"
    with pytest.raises(CalcError) as calc_err:
        compute_payroll(session, EMPLOYER, MARCH_2024, "nope", principal=OPERATOR, channel="api")
    assert calc_err.value.code == "unknown_rulebook"


def test_many_rows_are_read_in_chunks(session) -> None:
    add_people(session)
    many = [
        PayrollRowIn(WORKER, f"{year}-{month:02d}", "300000") for year in (2021, 2022, 2023) for month in range(1, 13)
    ]
    strangers = {iin(date(1990, 1, 1) + timedelta(days=n), "M", 1) for n in range(1199)}
    many += [PayrollRowIn(number, "2024-03", "1000") for number in sorted(strangers)]
    data = compute_payroll(session, EMPLOYER, many, principal=OPERATOR, channel="api").as_dict()
    assert data["computed"] == 36
    assert data["rejected_by_reason"] == {"unknown_person": len(many) - 36}
    # 2% x 12 x 300,000 (2021) + 3% x 24 x 300,000 (2022-23) = 72,000 + 216,000
    assert data["totals"]["deduction"] == "288000.00"


def test_parse_payroll_csv() -> None:
    rows = parse_payroll_csv("\ufeffIncome;IIN;period;name\n300 000,50;860101300017;2024-03;Ерлан\n\n;;;\nx;y\n")
    assert rows == [
        PayrollRowIn("860101300017", "2024-03", "300 000,50", line=2),
        PayrollRowIn("y", "", "x", line=5),
    ]
    with pytest.raises(InvalidInput) as err:
        parse_payroll_csv("iin,income\n1,2\n")
    assert err.value.code == "bad_header" and "period" in err.value.message
    with pytest.raises(InvalidInput):
        parse_payroll_csv("")


def test_statements_csv(march: PayrollResult) -> None:
    text = statements_csv(march)
    table = list(csv.DictReader(io.StringIO(text)))
    assert [r["line"] for r in table[:15]] == [str(n) for n in range(1, 16)]
    worker = table[0]
    assert (worker["iin"], worker["status"], worker["deduction"], worker["contribution"], worker["total"]) == (
        WORKER,
        "computed",
        "9000.00",
        "6000.00",
        "15000.00",
    )
    assert worker["statement_due"] == "2024-04-15"
    assert table[2]["status"] == "excluded" and table[2]["reason"] == "state_paid_category: pensioner"
    assert table[10]["status"] == "rejected" and table[10]["reason"].startswith("bad_iin")
    totals = [r for r in table if r["iin"] == "TOTAL"]
    assert [t["period"] for t in totals] == ["2024-03", "all"]
    assert Decimal(totals[-1]["total"]) == Decimal("67500.00")


def test_statement_cells_are_inert() -> None:
    result = PayrollResult(employer=EMPLOYER, rulebook="kz-law", rows=0, lines=(), exclusions=(), rejections=())
    assert "TOTAL" in statements_csv(result)
    from osms.contributions.payroll import PayrollRejection

    evil = PayrollResult(
        employer=EMPLOYER,
        rulebook="kz-law",
        rows=1,
        lines=(),
        exclusions=(),
        rejections=(PayrollRejection(1, "=cmd()", "2024-03", "-1", "bad_iin", "x"),),
    )
    row = list(csv.DictReader(io.StringIO(statements_csv(evil))))[0]
    assert row["iin"] == "'=cmd()" and row["income"] == "'-1"
