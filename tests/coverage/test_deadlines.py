"""Nobody is told they owe what is not yet due: the status engine against
hand-computed cases.

Deadlines (docs/calculators.md, kz-law ``deadlines.yaml``): an employer pays a month's deductions and the
contributions it withheld by the 25th of the month after it [seed 001 Q19, Q23]; individual
entrepreneurs and self-payers by the 25th of the following month too (Law No. 405-V art. 28, Order
No. 478). A month is in arrears only when the date asked is after its deadline; on the deadline day
it is still due. Self-payer price 2026: 5% × MW 85,000 = 4,250.00 (docs/calculators.md).
"""

from __future__ import annotations

import shutil
from datetime import date
from importlib import resources
from pathlib import Path

import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from osms.core.periods import Month
from osms.coverage.rules import MonthFacts, evaluate
from osms.rulebooks.loader import Rulebook, load_rulebook, load_rulebook_from_path
from tests.coverage.helpers import EMPLOYER, facts, member

KZ = load_rulebook("kz-law")
IIN = "860101300017"


def status(on: date, month_facts=(), memberships=(), book: Rulebook = KZ, **kwargs):
    return evaluate(iin=IIN, on=on, rulebook=book, months=month_facts, memberships=memberships, **kwargs)


def states(s) -> dict[str, tuple[str, str | None]]:
    return {str(m): (state, day.isoformat() if day else None) for m, state, day in s.last_12}


# An employer pays every month: 2026-01 .. 2026-10 credited on the 20th of the following month
# (October's on 2026-11-20). November is due by 2026-12-25, December by 2027-01-25.
EMPLOYED = facts("2026-01", "2026-10")


def test_on_4_december_an_employee_owes_nothing_and_november_and_december_are_due() -> None:
    s = status(date(2026, 12, 4), EMPLOYED)
    a = s.as_dict()
    # Insured in grace after P = 2026-10 (3 months: the run of 10 covered months is under 60).
    assert (a["insured"], a["basis"]["code"], a["insured_until"]) == (True, "grace", "2027-01-31")
    assert a["arrears"] == {"months": [], "amount": "0.00"}
    assert a["due"] == [{"month": "2026-11", "due_by": "2026-12-25"}, {"month": "2026-12", "due_by": "2027-01-25"}]
    assert "deadlines.employer-deduction.2017-07-01" in a["rules"]
    assert "Arrears" not in a["message"]["en"] and "Задолженность" not in a["message"]["ru"]
    assert "Берешек" not in a["message"]["kk"]
    tiles = states(s)
    assert tiles["2026-10"] == ("paid", None)
    assert tiles["2026-11"] == ("due", "2026-12-25")
    assert tiles["2026-12"] == ("due", "2027-01-25")
    assert "unpaid" not in {state for state, _ in tiles.values()}


def test_on_the_deadline_day_the_month_is_still_due() -> None:
    a = status(date(2026, 12, 25), EMPLOYED).as_dict()
    assert a["arrears"]["months"] == []
    assert [d["month"] for d in a["due"]] == ["2026-11", "2026-12"]


def test_on_26_december_november_is_in_arrears() -> None:
    s = status(date(2026, 12, 26), EMPLOYED)
    a = s.as_dict()
    assert (a["insured"], a["basis"]["code"]) == (True, "grace")
    # November's deadline 2026-12-25 has passed: 1 month × 4,250.00 (5% × 85,000).
    assert a["arrears"] == {"months": ["2026-11"], "amount": "4250.00"}
    assert a["due"] == [{"month": "2026-12", "due_by": "2027-01-25"}]
    assert a["message"]["en"].endswith("Arrears: 1 months, 4,250.00 tenge.")
    assert states(s)["2026-11"] == ("unpaid", "2026-12-25")
    assert states(s)["2026-12"] == ("due", "2027-01-25")


def test_a_lapsed_person_owes_only_the_months_past_their_deadline() -> None:
    # Employer paid 2024-01..2024-06; on 2024-10-01 lapsed (M - P = 4 > 3). Candidates: the
    # uncovered months of 2023-10..2024-09 and M. Past their deadline on 2024-10-01: 2023-10, 11, 12
    # (3,500.00 each: 5% × 70,000) and 2024-07 (due 2024-08-25), 2024-08 (due 2024-09-25): 19,000.00.
    # 2024-09 (due 2024-10-25) and 2024-10 (due 2024-11-25) are not yet due.
    a = status(date(2024, 10, 1), facts("2024-01", "2024-06")).as_dict()
    assert a["basis"]["code"] == "lapsed"
    assert a["arrears"]["months"] == ["2023-10", "2023-11", "2023-12", "2024-07", "2024-08"]
    assert a["arrears"]["amount"] == "19000.00"
    assert a["due"] == [{"month": "2024-09", "due_by": "2024-10-25"}, {"month": "2024-10", "due_by": "2024-11-25"}]


def test_a_state_paid_person_never_has_an_unpaid_month() -> None:
    # Disability since 2019 (open-ended): every month of the last 12 is state-paid, nothing owed.
    s = status(date(2026, 12, 4), memberships=[member("disability", date(2019, 5, 1))])
    assert s.basis.code == "state_paid_category"
    assert {state for _, state, _ in s.last_12} == {"state_paid"}
    assert s.arrears == () and s.due == ()


def test_a_child_born_this_year_has_no_month_before_birth_unpaid() -> None:
    # Born 2026-03-10, child category from birth: 2026-01, 02 not applicable, 03..12 state-paid.
    born = date(2026, 3, 10)
    s = status(date(2026, 12, 4), memberships=[member("child", born, date(2044, 3, 9))], birth_date=born)
    tiles = states(s)
    assert tiles["2026-01"] == tiles["2026-02"] == ("not_applicable", None)
    assert {tiles[str(Month(2026, n))][0] for n in range(3, 13)} == {"state_paid"}


def test_after_a_category_ends_the_months_are_due_as_a_self_payer() -> None:
    # A student until 2026-06-30, then nothing: July..November past their deadlines on 2026-12-04
    # except November (due 2026-12-25) and December (due 2027-01-25). Grace 3 months after 2026-06:
    # lapsed in December. Arrears: 2026-07 .. 2026-10 (4 × 4,250.00 = 17,000.00).
    s = status(date(2026, 12, 4), memberships=[member("student", date(2022, 9, 1), date(2026, 6, 30))])
    a = s.as_dict()
    assert a["basis"]["code"] == "lapsed"
    assert a["arrears"] == {"months": ["2026-07", "2026-08", "2026-09", "2026-10"], "amount": "17000.00"}
    assert [d["month"] for d in a["due"]] == ["2026-11", "2026-12"]
    assert "deadlines.self-payer.2017-07-01" in a["rules"]
    tiles = states(s)
    assert tiles["2026-06"] == ("state_paid", None)
    assert tiles["2026-10"] == ("unpaid", "2026-11-25")


def _book_with(tmp_path: Path, kind: str, day: int) -> Rulebook:
    """kz-law with one deadline moved to another day of the following month."""
    target = tmp_path / "kz-law"
    shutil.copytree(str(resources.files("osms.rulebooks") / "data" / "kz-law"), target)
    data = yaml.safe_load((target / "deadlines.yaml").read_text(encoding="utf-8"))
    data[kind][0]["day"] = day
    (target / "deadlines.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return load_rulebook_from_path(target)


def test_an_employees_month_follows_the_employers_deadline_and_nobodys_month_the_self_payers(tmp_path) -> None:
    # The employer's deadline moved to the 3rd: on 2026-12-04 an employee's November (employer paid
    # October) is past due (2026-12-03); a self-payer's November (self-paid October) is due by the 25th.
    book = _book_with(tmp_path, "employer-deduction", 3)
    employee = status(date(2026, 12, 4), EMPLOYED, book=book)
    assert employee.as_dict()["arrears"] == {"months": ["2026-11"], "amount": "4250.00"}
    self_paid = facts("2026-01", "2026-10", kinds=("self_payment",), payer=IIN)
    own = status(date(2026, 12, 4), self_paid, book=book).as_dict()
    assert "2026-11" not in own["arrears"]["months"]  # (2025-12, before the self-payments, is owed)
    assert own["due"][0] == {"month": "2026-11", "due_by": "2026-12-25"}


def test_payroll_and_status_read_the_same_rulebook_deadline(tmp_path) -> None:
    from osms.contributions.rules import deadlines

    book = _book_with(tmp_path, "employer-deduction", 20)
    assert deadlines(book, Month(2026, 11)).payment_due == date(2026, 12, 20)
    s = status(date(2026, 12, 4), EMPLOYED, book=book)
    assert s.due[0] == (Month(2026, 11), date(2026, 12, 20))


# --- Property: arrears are past due, due months are not, state-paid months are never unpaid -----

_months = st.lists(st.integers(min_value=0, max_value=40), max_size=25, unique=True)


@settings(max_examples=150, deadline=None)
@given(
    paid=_months,
    kinds=st.sampled_from([("employer_deduction",), ("self_payment",), ("ie_contribution",)]),
    lag=st.integers(min_value=1, max_value=60),
    day_offset=st.integers(min_value=0, max_value=27),
    category=st.one_of(st.none(), st.tuples(st.integers(0, 40), st.integers(0, 12))),
)
def test_property_arrears_only_after_the_deadline(paid, kinds, lag, day_offset, category) -> None:
    # Months 2023-09 + n; the check date in 2026-12 (kz-law deadlines: the 25th of the next month).
    base = Month(2023, 9)
    on = date(2026, 12, 1 + day_offset)
    month_facts = [
        MonthFacts(
            base + n,
            frozenset(kinds),
            EMPLOYER if kinds != ("self_payment",) else IIN,
            min((base + n + 1).first_day.replace(day=1 + lag % 28), date(2026, 12, 31)),
        )
        for n in paid
    ]
    memberships = []
    if category is not None:
        start = base + category[0]
        memberships = [member("student", start.first_day, (start + category[1]).last_day)]
    s = status(on, month_facts, memberships)
    for month, _ in s.arrears:
        assert on > (month + 1).first_day.replace(day=25), (month, on)
    for month, due_by in s.due:
        assert due_by == (month + 1).first_day.replace(day=25) and on <= due_by
    assert not set(s.arrears_months) & {m for m, _ in s.due}
    for month, state, _ in s.last_12:
        if (
            any(
                m.valid_from <= month.last_day and (m.valid_to is None or m.valid_to >= month.first_day)
                for m in memberships
            )
            and memberships[0].valid_from <= on
        ):
            assert state in ("paid", "state_paid")
        if state == "unpaid":
            assert on > (month + 1).first_day.replace(day=25)
