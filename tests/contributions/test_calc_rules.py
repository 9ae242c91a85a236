"""The calculators (docs/calculators.md) against hand-computed and published amounts, and their properties.

Every expected amount below is computed by hand from docs/calculators.md and cited there; the rulebooks
hold the figures (rates, MW, AMW, caps), ``osms.contributions.rules`` the formula.
"""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP, Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from osms.contributions.rulebook import ContributionsTopic
from osms.contributions.rules import (
    CalcError,
    Membership,
    calculate,
    compute,
    contribution_amount,
    deadlines,
    employee_charges,
    format_rate,
    open_rulebook,
    parse_income,
    parse_period,
    state_paid_hits,
)
from osms.core.periods import Month

KZ = open_rulebook("kz-law")
SEEDS = open_rulebook("seeds-2016")
D = Decimal


def amount(book: str, payer: str, period: str, income: str | None = None) -> str:
    result = calculate(open_rulebook(book), payer, parse_period(period), parse_income(income))
    return result.as_dict()["amount"]


# --------------------------------------------------------------------------------------------
# seeds-2016: the worked examples of the documents (docs/calculators.md)


def test_seeds_ie_2017_07_is_2445_90() -> None:
    # 5% x 2 x 24,459 = 2,445.90 [seed 003]
    data = calculate(SEEDS, "individual-entrepreneur", Month(2017, 7)).as_dict()
    assert data["amount"] == "2445.90"
    assert data["base"] == "48918.00"
    assert data["rate"] == "0.05"
    assert data["cap_applied"] is False
    assert data["rulebook"] == "seeds-2016"
    assert data["rule"]["id"] == "rates.individual-entrepreneur.2017-07-01"
    assert "seed 003" in data["rule"]["source"]


def test_seeds_self_payer_2018_is_1414_20() -> None:
    # 5% x 28,284 = 1,414.20 [seed 001 Q20]
    assert amount("seeds-2016", "self-payer", "2018-06") == "1414.20"


def test_seeds_ie_2018_is_2828_40() -> None:
    # 5% x 2 x 28,284 = 2,828.40 [seed 001 Q99]
    assert amount("seeds-2016", "individual-entrepreneur", "2018-01") == "2828.40"


@pytest.mark.parametrize(
    ("payer", "period", "income", "expected"),
    [
        ("employer-deduction", "2017-07", "100000", "2000.00"),  # 2% [seed 004]
        ("employer-deduction", "2018-03", "100000", "3000.00"),  # 3%
        ("employer-deduction", "2019-03", "100000", "4000.00"),  # 4%
        ("employer-deduction", "2021-03", "100000", "5000.00"),  # 5% from 2020
        ("employer-deduction", "2021-03", "10000000", "500000.00"),  # the seeds state no cap
        ("employee-contribution", "2019-05", "100000", "1000.00"),  # 1% [seed 001 Q41]
        ("employee-contribution", "2020-05", "100000", "2000.00"),  # 2%
        ("civil-contract", "2017-02", "100000", "2000.00"),  # 2/3/5/7% [seed 004]
        ("civil-contract", "2018-02", "100000", "3000.00"),
        ("civil-contract", "2019-02", "100000", "5000.00"),
        ("civil-contract", "2020-02", "100000", "7000.00"),
        ("state", "2018-01", None, "5715.92"),  # 4% x AMW 2016 142,898 (unverified figure)
    ],
)
def test_seeds_rates(payer: str, period: str, income: str | None, expected: str) -> None:
    assert amount("seeds-2016", payer, period, income) == expected


def test_seeds_has_no_self_employed_special() -> None:
    with pytest.raises(CalcError) as err:
        calculate(SEEDS, "self-employed-special", Month(2020, 1), D("1000"))
    assert err.value.code == "unknown_payer_kind"
    assert "seeds-2016 has no rates" in err.value.message


# --------------------------------------------------------------------------------------------
# kz-law: the published checks (docs/calculators.md)


@pytest.mark.parametrize(
    ("years", "ie", "self_payer"),
    [
        ((2020, 2021), "2975.00", "2125.00"),
        ((2022,), "4200.00", "3000.00"),
        ((2023,), "4900.00", "3500.00"),
        ((2024, 2025, 2026), "5950.00", "4250.00"),
    ],
)
def test_kz_published_ie_and_self_payer(years: tuple[int, ...], ie: str, self_payer: str) -> None:
    for year in years:
        for month in (1, 7, 12):
            period = f"{year}-{month:02d}"
            assert amount("kz-law", "individual-entrepreneur", period) == ie
            assert amount("kz-law", "self-payer", period) == self_payer


@pytest.mark.parametrize(
    ("year", "maximum"), [(2022, "18000.00"), (2023, "21000.00"), (2024, "25500.00"), (2025, "25500.00")]
)
def test_kz_maximum_employer_deduction(year: int, maximum: str) -> None:
    # 3% x 10 MW: 3% x 600,000 / 700,000 / 850,000
    data = calculate(KZ, "employer-deduction", Month(year, 5), D("5000000")).as_dict()
    assert data["amount"] == maximum
    assert data["cap_applied"] is True


def test_kz_maximum_employee_contribution_2024() -> None:
    # 2% x 10 MW = 2% x 850,000 = 17,000
    assert amount("kz-law", "employee-contribution", "2024-09", "2000000") == "17000.00"


def test_kz_state_2022_per_person() -> None:
    # 1.7% x AMW 2020 212,600 = 3,614.20
    data = calculate(KZ, "state", Month(2022, 4)).as_dict()
    assert data["amount"] == "3614.20"
    assert data["base"] == "212600.00"
    assert data["rate"] == "0.017"
    assert data["amw"] == {"year": 2020, "value": "212600.00", "id": "wages.amw.2020-01-01"}
    assert data["verified"] is True


def test_kz_state_2025_uses_amw_2023() -> None:
    # 2.0% x AMW 2023 364,295 = 7,285.90
    assert amount("kz-law", "state", "2025-01") == "7285.90"


def test_kz_state_2020_is_unverified() -> None:
    data = calculate(KZ, "state", Month(2020, 1)).as_dict()
    assert data["verified"] is False and data["rule"]["verified"] is False
    assert data["rate"] == "0.014"


# Hand-computed employer cases (docs/calculators.md).
@pytest.mark.parametrize(
    ("payer", "period", "income", "expected", "base", "capped"),
    [
        ("employer-deduction", "2024-03", "300000", "9000.00", "300000.00", False),  # 3%
        ("employee-contribution", "2024-03", "300000", "6000.00", "300000.00", False),  # 2%
        ("employer-deduction", "2024-03", "1000000", "25500.00", "850000.00", True),  # cap 10 MW = 850,000
        ("employee-contribution", "2024-03", "1000000", "17000.00", "850000.00", True),  # cap 10 MW
        ("employer-deduction", "2026-03", "1000000", "30000.00", "1000000.00", False),  # cap 40 MW = 3,400,000
        ("employee-contribution", "2026-03", "1000000", "20000.00", "1000000.00", False),  # cap 20 MW = 1,700,000
        ("employer-deduction", "2026-03", "5000000", "102000.00", "3400000.00", True),
        ("employee-contribution", "2026-03", "5000000", "34000.00", "1700000.00", True),
        ("employer-deduction", "2017-07", "100000", "1000.00", "100000.00", False),  # 1%
        ("employer-deduction", "2018-07", "100000", "1500.00", "100000.00", False),  # 1.5%
        ("employer-deduction", "2018-07", "333333.33", "4242.60", "282840.00", True),  # 1.5% x 10 x 28,284
        ("employer-deduction", "2019-07", "100001", "1500.02", "100001.00", False),  # 1,500.015 -> half-up
        ("employee-contribution", "2020-07", "100000", "1000.00", "100000.00", False),  # 1%
        ("civil-contract", "2021-07", "100000", "2000.00", "100000.00", False),
        ("civil-contract", "2026-07", "2000000", "34000.00", "1700000.00", True),  # 20 MW (unverified)
        ("self-employed-special", "2026-07", "500000", "5000.00", "500000.00", False),  # 1%
        ("employer-deduction", "2024-03", "0", "0.00", "0.00", False),
        ("employer-deduction", "2024-03", "850000", "25500.00", "850000.00", False),  # at the cap: not applied
        ("employee-contribution", "2024-03", "12345.67", "246.91", "12345.67", False),  # 246.9134
        ("employee-contribution", "2024-03", "12345.25", "246.91", "12345.25", False),  # 246.905 -> 246.91
    ],
)
def test_kz_income_based(payer: str, period: str, income: str, expected: str, base: str, capped: bool) -> None:
    data = calculate(KZ, payer, parse_period(period), parse_income(income)).as_dict()
    assert (data["amount"], data["base"], data["cap_applied"]) == (expected, base, capped)
    assert data["income"] == f"{D(income):.2f}"


def test_answer_shape() -> None:
    data = calculate(KZ, "employer-deduction", Month(2024, 3), D("1000000")).as_dict()
    assert {"amount", "base", "rate", "cap_applied", "rulebook", "rule"} <= set(data)
    assert {"id", "source"} <= set(data["rule"])
    assert data["rule"]["id"] == "rates.employer-deduction.2022-01-01"
    assert data["rate"] == "0.03"
    assert data["cap"] == "850000.00"
    assert data["mw"] == "85000.00"
    assert data["entries"] == ["rates.employer-deduction.2022-01-01", "wages.mw.2024-01-01"]


def test_income_ignored_for_flat_kinds_with_a_note() -> None:
    result = calculate(KZ, "individual-entrepreneur", Month(2024, 1), D("999999"))
    assert result.amount == D("5950.00")
    assert result.income is None
    assert result.notes and "income ignored" in result.notes[0]


# --------------------------------------------------------------------------------------------
# Errors


@pytest.mark.parametrize(
    ("book", "payer", "period", "income", "code"),
    [
        ("kz-law", "individual-entrepreneur", "2018-05", None, "exempt_period"),
        ("kz-law", "individual-entrepreneur", "2019-12", None, "exempt_period"),
        ("kz-law", "individual-entrepreneur", "2017-09", None, "no_rule"),  # before the payer kind existed
        ("kz-law", "employee-contribution", "2019-12", "100000", "no_rule"),  # from 2020
        ("kz-law", "self-payer", "2019-01", None, "no_rule"),
        ("kz-law", "state", "2019-01", None, "no_rule"),
        ("kz-law", "self-employed-special", "2025-12", "1000", "no_rule"),
        ("seeds-2016", "employer-deduction", "2017-03", "1000", "no_rule"),
        ("seeds-2016", "employee-contribution", "2018-12", "1000", "no_rule"),
        ("kz-law", "employer-deduction", "2017-06", "1000", "period_outside_rulebook"),
        ("kz-law", "self-payer", "2016-01", None, "period_outside_rulebook"),
        ("seeds-2016", "self-payer", "2016-12", None, "period_outside_rulebook"),
        ("kz-law", "employer-deduction", "2024-03", None, "income_required"),
        ("kz-law", "employer", "2024-03", None, "unknown_payer_kind"),
    ],
)
def test_errors(book: str, payer: str, period: str, income: str | None, code: str) -> None:
    with pytest.raises(CalcError) as err:
        calculate(open_rulebook(book), payer, parse_period(period), parse_income(income))
    assert err.value.code == code
    assert err.value.status == 422
    assert err.value.message


def test_exempt_is_an_amount_of_zero_for_compute() -> None:
    result = compute(KZ, "individual-entrepreneur", Month(2018, 5))
    assert result.exempt and result.amount == D("0.00")
    assert result.rule.id == "rates.individual-entrepreneur.2018-01-01"


def test_unknown_rulebook() -> None:
    with pytest.raises(CalcError) as err:
        open_rulebook("nope")
    assert err.value.code == "unknown_rulebook"


@pytest.mark.parametrize("text", ["2024-3", "2024-13", "24-03", "march", ""])
def test_bad_period(text: str) -> None:
    with pytest.raises(CalcError) as err:
        parse_period(text)
    assert err.value.code == "bad_period"


@pytest.mark.parametrize("text", ["-1", "abc", "12.345", "1e30", "NaN", "Infinity", "1000000000000.01", "1,2,3", "--5"])
def test_bad_income(text: str) -> None:
    with pytest.raises(CalcError) as err:
        parse_income(text)
    assert err.value.code == "bad_income"


@pytest.mark.parametrize(
    ("text", "value"),
    [("300000", "300000.00"), ("1 234,50", "1234.50"), ("0", "0.00"), ("-0", "0.00"), (" 12.5 ", "12.50")],
)
def test_good_income(text: str, value: str) -> None:
    assert str(parse_income(text)) == value


def test_blank_income_is_none() -> None:
    assert parse_income(None) is None and parse_income("  ") is None


@pytest.mark.parametrize(("rate", "text"), [("0.05", "0.05"), ("0.015", "0.015"), ("0.050", "0.05"), ("0", "0")])
def test_format_rate(rate: str, text: str) -> None:
    assert format_rate(D(rate)) == text


# --------------------------------------------------------------------------------------------
# Properties (Hypothesis)

incomes = st.decimals(min_value=0, max_value=D("100000000"), places=2, allow_nan=False, allow_infinity=False)
INCOME_CASES = [
    (book, kind, period)
    for book, kind, period in [
        ("kz-law", "employer-deduction", Month(2017, 7)),
        ("kz-law", "employer-deduction", Month(2018, 4)),
        ("kz-law", "employer-deduction", Month(2024, 4)),
        ("kz-law", "employer-deduction", Month(2026, 4)),
        ("kz-law", "employee-contribution", Month(2020, 4)),
        ("kz-law", "employee-contribution", Month(2026, 4)),
        ("kz-law", "civil-contract", Month(2023, 4)),
        ("kz-law", "self-employed-special", Month(2026, 4)),
        ("seeds-2016", "employer-deduction", Month(2019, 4)),
        ("seeds-2016", "civil-contract", Month(2020, 4)),
    ]
]


def _half_up(value: Decimal) -> Decimal:
    return value.quantize(D("0.01"), rounding=ROUND_HALF_UP)


@pytest.mark.parametrize(("book", "kind", "period"), INCOME_CASES)
@settings(max_examples=150, deadline=None)
@given(income=incomes, other=incomes)
def test_income_properties(book: str, kind: str, period: Month, income: Decimal, other: Decimal) -> None:
    rulebook = open_rulebook(book)
    rule = rulebook.topic(ContributionsTopic).rate(kind, period.first_day)
    cap = None if rule.cap is None else rule.cap * rulebook.topic(ContributionsTopic).mw(period.first_day)
    result = calculate(rulebook, kind, period, income)
    # amount = round_half_up(rate x min(income, cap)), exactly, as Decimal
    expected = _half_up(rule.rate * (income if cap is None else min(income, cap)))
    assert isinstance(result.amount, Decimal)
    assert result.amount == expected == contribution_amount(rule.rate, income, cap)
    assert result.amount.as_tuple().exponent == -2
    assert result.cap_applied == (cap is not None and income > cap)
    # never above rate x cap
    if cap is not None:
        assert result.amount <= _half_up(rule.rate * cap)
    # monotone non-decreasing in income
    low, high = sorted((income, other))
    assert calculate(rulebook, kind, period, low).amount <= calculate(rulebook, kind, period, high).amount


@given(
    rate=st.decimals(min_value=0, max_value=D("0.999"), places=4),
    income=incomes,
    cap=st.none() | st.decimals(min_value=1, max_value=D("10000000"), places=2),
)
def test_formula_properties(rate: Decimal, income: Decimal, cap: Decimal | None) -> None:
    value = contribution_amount(rate, income, cap)
    assert value == _half_up(rate * (income if cap is None else min(income, cap)))
    assert value >= 0
    if cap is not None:
        assert value <= _half_up(rate * cap)
        assert contribution_amount(rate, income + 1, cap) >= value


@given(period=st.builds(Month, st.integers(2020, 2026), st.integers(1, 12)))
def test_flat_kinds_do_not_depend_on_income(period: Month) -> None:
    for kind in ("individual-entrepreneur", "self-payer", "state"):
        assert calculate(KZ, kind, period).amount == calculate(KZ, kind, period, D("123456.78")).amount


# --------------------------------------------------------------------------------------------
# Deadlines and state-paid categories (docs/calculators.md, docs/status.md)


@pytest.mark.parametrize(
    ("period", "statement", "payment"),
    [
        (Month(2024, 3), date(2024, 4, 15), date(2024, 4, 25)),
        (Month(2024, 12), date(2025, 1, 15), date(2025, 1, 25)),
        (Month(2024, 1), date(2024, 2, 15), date(2024, 2, 25)),
    ],
)
def test_deadlines(period: Month, statement: date, payment: date) -> None:
    # docs/calculators.md [seed 001 Q19, Q23]: statement by the 15th, payment by the 25th of the next month,
    # as rulebook data (deadlines.employer-statement, deadlines.employer-deduction).
    due = deadlines(KZ, period)
    assert (due.statement_due, due.payment_due) == (statement, payment)
    assert due.rules == ("deadlines.employer-statement.2017-07-01", "deadlines.employer-deduction.2017-07-01")


def test_state_paid_on_any_day_of_the_period() -> None:
    march = Month(2024, 3)
    last_day = Membership("pensioner", date(2024, 3, 31), None)
    first_day = Membership("disability", date(2020, 1, 1), date(2024, 3, 1))
    before = Membership("student", date(2019, 9, 1), date(2024, 2, 29))
    after = Membership("child", date(2024, 4, 1), None)
    hits = state_paid_hits(KZ, [last_day, first_day, before, after], march)
    assert [(h.code, h.payer, h.rule_id) for h in hits] == [
        ("disability", "state", "categories.disability.2017-07-01"),
        ("pensioner", "state", "categories.pensioner.2017-07-01"),
    ]


def test_category_counts_only_while_the_rulebook_lists_it() -> None:
    # house_arrest is state-paid from 2022-03-28 in kz-law, never in seeds-2016
    arrest = Membership("house_arrest", date(2021, 1, 1), None)
    assert state_paid_hits(KZ, [arrest], Month(2022, 2)) == []
    hits = state_paid_hits(KZ, [arrest], Month(2022, 3))
    assert [h.code for h in hits] == ["house_arrest"] and hits[0].requires_not_working
    assert state_paid_hits(SEEDS, [arrest], Month(2021, 3)) == []
    assert state_paid_hits(KZ, [Membership("no_such_code", date(2020, 1, 1), None)], Month(2022, 3)) == []


def test_local_budget_category_2026() -> None:
    hits = state_paid_hits(KZ, [Membership("unemployed_registered", date(2025, 1, 1), None)], Month(2026, 1))
    assert hits[0].payer == "local_budget"


def test_employee_charges_2024() -> None:
    charges = employee_charges(KZ, Month(2024, 3), D("300000"))
    assert charges.deduction is not None and charges.contribution is not None
    assert (charges.deduction.amount, charges.contribution.amount, charges.total) == (
        D("9000.00"),
        D("6000.00"),
        D("15000.00"),
    )


def test_working_pensioner_pays_nothing() -> None:
    # docs/calculators.md: no employer deduction [seed 001 Q25, Q52]; docs/status.md: the person pays nothing
    charges = employee_charges(KZ, Month(2024, 3), D("300000"), [Membership("pensioner", date(2023, 5, 10), None)])
    assert charges.excluded
    assert charges.deduction is None and charges.contribution is None and charges.total == 0


def test_contribution_not_in_force_before_2020() -> None:
    charges = employee_charges(KZ, Month(2019, 6), D("100000"))
    assert charges.deduction is not None and charges.deduction.amount == D("1500.00")
    assert charges.contribution is None
    assert "before 2020-01-01" in (charges.not_in_force_note("employee-contribution") or "")


def test_no_employer_rule_at_all_is_no_rule() -> None:
    with pytest.raises(CalcError) as err:
        employee_charges(SEEDS, Month(2017, 3), D("100000"))
    assert err.value.code == "no_rule"
