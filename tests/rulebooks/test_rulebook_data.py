"""The shipped rulebooks reproduce the published figures of docs/calculators.md, docs/status.md,
docs/benefits.md and docs/attachment.md.

Every expected value is computed by hand from the project's domain docs (the doc is cited) and compared
with what the loaded data gives: rate × base, as Decimal, rounded half-up to 0.01.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from osms.attachment.rulebook import AttachmentTopic
from osms.contributions.rulebook import PAYER_KINDS, ContributionsTopic, RateRule
from osms.core.money import round_money
from osms.coverage.rulebook import CoverageTopic
from osms.registry.rulebook import CATEGORY_CODES, RegistryTopic
from osms.rulebooks.loader import (
    DateOutsideRulebook,
    NoRuleInForce,
    Rulebook,
    RulebookError,
    UnknownRulebook,
    available_rulebooks,
    load_rulebook,
)

HUGE_INCOME = Decimal("1000000000")


@pytest.fixture(scope="module")
def kz() -> Rulebook:
    return load_rulebook("kz-law")


@pytest.fixture(scope="module")
def seeds() -> Rulebook:
    return load_rulebook("seeds-2016")


def amount(rb: Rulebook, kind: str, on: date, income: Decimal | None = None) -> Decimal:
    """rate × base (after the cap), half-up to 0.01 — docs/calculators.md."""
    return round_money(
        rb.topic(ContributionsTopic).rate(kind, on).rate * rb.topic(ContributionsTopic).base_amount(kind, on, income)
    )


# --- the catalogue --------------------------------------------------------------------------


def test_two_rulebooks_ship() -> None:
    assert available_rulebooks() == ["kz-law", "seeds-2016"]


def test_load_is_cached() -> None:
    assert load_rulebook("kz-law") is load_rulebook("kz-law")


def test_unknown_rulebook_names_the_available_ones() -> None:
    with pytest.raises(UnknownRulebook, match=r"unknown rulebook 'kz-lav' \(available: kz-law, seeds-2016\)"):
        load_rulebook("kz-lav")


def test_periods(kz: Rulebook, seeds: Rulebook) -> None:
    # docs/rulebooks.md: kz-law 2017-07 to 2026; seeds-2016 reaches the seeds' last figure (state 2021)
    assert (kz.covers_from, kz.covers_to) == (date(2017, 7, 1), date(2026, 12, 31))
    assert (seeds.covers_from, seeds.covers_to) == (date(2017, 1, 1), date(2021, 12, 31))


@pytest.mark.parametrize("name", ["kz-law", "seeds-2016"])
def test_every_entry_has_a_source_and_a_unique_stable_id(name: str) -> None:
    rb = load_rulebook(name)
    ids = []
    for series in rb.series_names():
        for entry in rb.series(series):
            assert entry.source.strip(), entry.id
            assert entry.id == f"{series}.{entry.valid_from.isoformat()}"
            ids.append(entry.id)
    assert len(ids) == len(set(ids))


@pytest.mark.parametrize("name", ["kz-law", "seeds-2016"])
def test_money_and_rates_are_decimal(name: str) -> None:
    rb = load_rulebook(name)
    for kind in rb.topic(ContributionsTopic).payer_kinds():
        for rule in rb.series(f"rates.{kind}"):
            assert isinstance(rule, RateRule)
            assert type(rule.rate) is Decimal
            assert rule.cap is None or type(rule.cap) is Decimal
            assert rule.multiplier is None or type(rule.multiplier) is Decimal
    assert type(rb.topic(ContributionsTopic).mw(rb.covers_from)) is Decimal


def test_unverified_figures_are_exactly_the_expected_ones(kz: Rulebook, seeds: Rulebook) -> None:
    def unverified(rb: Rulebook) -> set[str]:
        # benefits.* (our readings): tests/rulebooks/test_rulebook_benefits.py;
        # procurement.*: tests/providers/test_procurement_rulebook.py; the claims topic's files
        # (claims, services, case_groups, defects): tests/claims/test_claims_rulebook.py; monitoring.*:
        # tests/claims/test_monitoring_rulebook.py; the payments topic's files (tariffs, weights, prices,
        # capitation, sex_age, corrections): tests/payments/test_tariff.py
        own = ("benefits.", "procurement.", "claims.", "services.", "case_groups.", "defects.", "monitoring.")
        own += ("tariffs.", "weights.", "prices.", "capitation.", "sex_age.", "corrections.")
        return {e.id for s in rb.series_names() if not s.startswith(own) for e in rb.series(s) if not e.verified}

    # docs/calculators.md: state 2020 1.4%, civil-contract cap 20 MW from 2026, self-employed cap 20 MW
    # and every AMW other than 2020 and 2023 are unverified.
    assert unverified(kz) == {
        "wages.amw.2018-01-01",
        "wages.amw.2019-01-01",
        "wages.amw.2021-01-01",
        "wages.amw.2022-01-01",
        "wages.amw.2024-01-01",
        "rates.state.2020-01-01",
        "rates.civil-contract.2026-01-01",
        "rates.self-employed-special.2026-01-01",
        # docs/status.md: the agent's, IE's and self-payer's deadlines are our best public reading.
        "deadlines.civil-contract.2017-07-01",
        "deadlines.individual-entrepreneur.2017-07-01",
        "deadlines.self-payer.2017-07-01",
        # our plausibility ceilings of register rows (docs/payment-registers.md), not legal figures
        "status.register_ceiling.2017-07-01",
        "status.register_ceiling.2026-01-01",
    }
    # seeds-2016: the seeds give MW only for 2017-2018 and no AMW at all.
    assert unverified(seeds) == {
        "wages.mw.2019-01-01",
        "wages.mw.2020-01-01",
        "wages.mw.2021-01-01",
        "wages.amw.2016-01-01",
        "wages.amw.2017-01-01",
        "wages.amw.2018-01-01",
        "wages.amw.2019-01-01",
        "deadlines.civil-contract.2017-01-01",
        "deadlines.individual-entrepreneur.2017-01-01",
        "deadlines.self-payer.2017-01-01",
        "status.register_ceiling.2017-01-01",
    }


# --- kz-law: wages (docs/calculators.md) ----------------------------------------------------------


@pytest.mark.parametrize(
    ("year", "mw"),
    [
        (2017, 24459),
        (2018, 28284),
        (2019, 42500),
        (2020, 42500),
        (2021, 42500),
        (2022, 60000),
        (2023, 70000),
        (2024, 85000),
        (2025, 85000),
        (2026, 85000),
    ],
)
def test_kz_mw(kz: Rulebook, year: int, mw: int) -> None:
    assert kz.topic(ContributionsTopic).mw(year) == Decimal(mw)
    assert kz.topic(ContributionsTopic).mw(date(year, 12, 31)) == Decimal(mw)
    assert kz.topic(ContributionsTopic).mw_entry(year).verified


def test_kz_amw_verified_figures(kz: Rulebook) -> None:
    # docs/calculators.md: AMW 2023 = 364,295 (verified); AMW 2020 = 212,600 implied by 3,614.2 at 1.7%
    assert kz.topic(ContributionsTopic).amw(2023) == Decimal("364295")
    assert kz.topic(ContributionsTopic).amw_entry(2023).verified
    assert kz.topic(ContributionsTopic).amw(2020) == Decimal("212600")
    assert kz.topic(ContributionsTopic).amw_entry(2020).verified
    assert Decimal("3614.2") / Decimal("0.017") == kz.topic(ContributionsTopic).amw(2020)


def test_kz_has_amw_for_every_state_year(kz: Rulebook) -> None:
    # state contributions 2020-2026 use the AMW of 2018-2024
    for year in range(2020, 2027):
        assert kz.topic(ContributionsTopic).amw(year - 2) > 0


def test_no_mw_outside_the_data(kz: Rulebook) -> None:
    with pytest.raises(NoRuleInForce, match="no MW for 2016"):
        kz.topic(ContributionsTopic).mw(2016)
    with pytest.raises(NoRuleInForce, match="no AMW for 2015"):
        kz.topic(ContributionsTopic).amw(2015)


# --- kz-law: rates (docs/calculators.md) ----------------------------------------------------------


@pytest.mark.parametrize(
    ("on", "rate", "cap"),
    [
        (date(2017, 7, 1), "0.01", "10"),
        (date(2018, 6, 1), "0.015", "10"),
        (date(2019, 6, 1), "0.015", "10"),
        (date(2020, 6, 1), "0.02", "10"),
        (date(2021, 6, 1), "0.02", "10"),
        (date(2022, 6, 1), "0.03", "10"),
        (date(2025, 12, 31), "0.03", "10"),
        (date(2026, 1, 1), "0.03", "40"),
    ],
)
def test_kz_employer_deduction(kz: Rulebook, on: date, rate: str, cap: str) -> None:
    rule = kz.topic(ContributionsTopic).rate("employer-deduction", on)
    assert (rule.rate, rule.cap, rule.base) == (Decimal(rate), Decimal(cap), "income")


def test_kz_employer_deduction_2022_entry(kz: Rulebook) -> None:
    rule = kz.topic(ContributionsTopic).rate("employer-deduction", date(2022, 3, 15))
    assert rule.id == "rates.employer-deduction.2022-01-01"
    assert rule.verified and "docs/calculators.md" in rule.source
    assert kz.entry("rates.employer-deduction", date(2022, 3, 15)) is rule


@pytest.mark.parametrize(
    ("year", "maximum"),
    # docs/calculators.md published maxima: 3% × 10 MW
    [(2022, "18000.00"), (2023, "21000.00"), (2024, "25500.00"), (2025, "25500.00")],
)
def test_kz_maximum_employer_deduction(kz: Rulebook, year: int, maximum: str) -> None:
    assert amount(kz, "employer-deduction", date(year, 5, 1), HUGE_INCOME) == Decimal(maximum)


def test_kz_maximum_employer_deduction_2026_is_40_mw(kz: Rulebook) -> None:
    # 3% × 40 × 85,000 = 102,000
    assert kz.topic(ContributionsTopic).cap_amount("employer-deduction", date(2026, 1, 1)) == Decimal("3400000")
    assert amount(kz, "employer-deduction", date(2026, 1, 1), HUGE_INCOME) == Decimal("102000.00")


def test_kz_maximum_employee_contribution_2024(kz: Rulebook) -> None:
    # docs/calculators.md: 2% × 10 × 85,000 = 17,000
    assert amount(kz, "employee-contribution", date(2024, 7, 1), HUGE_INCOME) == Decimal("17000.00")


def test_kz_income_below_the_cap_is_not_capped(kz: Rulebook) -> None:
    # 3% of 123,456.78 = 3,703.7034 -> 3,703.70
    assert amount(kz, "employer-deduction", date(2023, 2, 1), Decimal("123456.78")) == Decimal("3703.70")


@pytest.mark.parametrize(
    ("on", "rate", "cap", "verified"),
    [
        (date(2020, 1, 1), "0.01", "10", True),
        (date(2021, 1, 1), "0.02", "10", True),
        (date(2025, 12, 1), "0.02", "10", True),
        (date(2026, 1, 1), "0.02", "20", True),
    ],
)
def test_kz_employee_contribution(kz: Rulebook, on: date, rate: str, cap: str, verified: bool) -> None:
    rule = kz.topic(ContributionsTopic).rate("employee-contribution", on)
    assert (rule.rate, rule.cap, rule.verified) == (Decimal(rate), Decimal(cap), verified)


def test_kz_employee_contribution_starts_2020(kz: Rulebook) -> None:
    with pytest.raises(NoRuleInForce, match="no rate for employee-contribution before 2020-01-01"):
        kz.topic(ContributionsTopic).rate("employee-contribution", date(2019, 12, 31))


def test_kz_civil_contract_cap_2026_is_unverified(kz: Rulebook) -> None:
    rule = kz.topic(ContributionsTopic).rate("civil-contract", date(2026, 3, 1))
    assert (rule.rate, rule.cap, rule.verified) == (Decimal("0.02"), Decimal("20"), False)
    assert kz.topic(ContributionsTopic).rate("civil-contract", date(2025, 3, 1)).cap == Decimal("10")


def test_kz_ie_exempt_2018_2019(kz: Rulebook) -> None:
    rule = kz.topic(ContributionsTopic).rate("individual-entrepreneur", date(2019, 6, 1))
    assert rule.exempt and rule.rate == 0
    assert rule.id == "rates.individual-entrepreneur.2018-01-01"
    assert rule.describe() == "exempt"
    assert amount(kz, "individual-entrepreneur", date(2018, 1, 1)) == Decimal("0.00")


def test_kz_ie_before_2018_has_no_rate(kz: Rulebook) -> None:
    with pytest.raises(NoRuleInForce) as info:
        kz.topic(ContributionsTopic).rate("individual-entrepreneur", date(2017, 12, 31))
    assert str(info.value) == "no rate for individual-entrepreneur before 2018-01-01 (rulebook kz-law)"


def test_kz_ie_base_is_1_4_mw(kz: Rulebook) -> None:
    rule = kz.topic(ContributionsTopic).rate("individual-entrepreneur", date(2024, 1, 1))
    assert (rule.base, rule.multiplier, rule.rate) == ("mw_multiple", Decimal("1.4"), Decimal("0.05"))
    assert kz.topic(ContributionsTopic).base_amount("individual-entrepreneur", date(2024, 1, 1)) == Decimal("119000.0")


@pytest.mark.parametrize(
    ("year", "expected"),
    # docs/calculators.md published: 5% × 1.4 MW
    [(2020, "2975.00"), (2021, "2975.00"), (2022, "4200.00"), (2023, "4900.00")]
    + [(y, "5950.00") for y in (2024, 2025, 2026)],
)
def test_kz_ie_published_amounts(kz: Rulebook, year: int, expected: str) -> None:
    assert amount(kz, "individual-entrepreneur", date(year, 6, 1)) == Decimal(expected)


@pytest.mark.parametrize(
    ("year", "expected"),
    # docs/calculators.md published: 5% × 1 MW (2020-21: 0.05 × 42,500 = 2,125)
    [(2020, "2125.00"), (2021, "2125.00"), (2022, "3000.00"), (2023, "3500.00")]
    + [(y, "4250.00") for y in (2024, 2025, 2026)],
)
def test_kz_self_payer_published_amounts(kz: Rulebook, year: int, expected: str) -> None:
    assert amount(kz, "self-payer", date(year, 6, 1)) == Decimal(expected)


@pytest.mark.parametrize(
    ("year", "rate", "verified"),
    [
        (2020, "0.014", False),
        (2021, "0.016", True),
        (2022, "0.017", True),
        (2023, "0.018", True),
        (2024, "0.019", True),
        (2025, "0.02", True),
        (2026, "0.02", True),
    ],
)
def test_kz_state_rates(kz: Rulebook, year: int, rate: str, verified: bool) -> None:
    rule = kz.topic(ContributionsTopic).rate("state", date(year, 2, 1))
    assert (rule.rate, rule.base, rule.verified) == (Decimal(rate), "amw_two_years_earlier", verified)


def test_kz_state_contribution_2022_published(kz: Rulebook) -> None:
    # docs/calculators.md: 1.7% × AMW 2020 (212,600) = 3,614.20 per person
    assert kz.topic(ContributionsTopic).base_amount("state", date(2022, 4, 1)) == kz.topic(ContributionsTopic).amw(2020)
    assert amount(kz, "state", date(2022, 4, 1)) == Decimal("3614.20")


def test_kz_state_contribution_2025(kz: Rulebook) -> None:
    # 2.0% × AMW 2023 (364,295) = 7,285.90
    assert amount(kz, "state", date(2025, 1, 1)) == Decimal("7285.90")


def test_kz_self_employed_special_2026(kz: Rulebook) -> None:
    rule = kz.topic(ContributionsTopic).rate("self-employed-special", date(2026, 6, 1))
    assert (rule.rate, rule.base, rule.cap, rule.verified) == (Decimal("0.01"), "income", Decimal("20"), False)
    with pytest.raises(NoRuleInForce, match="before 2026-01-01"):
        kz.topic(ContributionsTopic).rate("self-employed-special", date(2025, 12, 31))


def test_kz_defines_every_payer_kind(kz: Rulebook, seeds: Rulebook) -> None:
    assert kz.topic(ContributionsTopic).payer_kinds() == list(PAYER_KINDS)
    assert seeds.topic(ContributionsTopic).payer_kinds() == [k for k in PAYER_KINDS if k != "self-employed-special"]


def test_unknown_payer_kind(kz: Rulebook) -> None:
    with pytest.raises(RulebookError, match="unknown payer kind 'employer'"):
        kz.topic(ContributionsTopic).rate("employer", date(2022, 1, 1))


def test_date_outside_the_rulebook(kz: Rulebook) -> None:
    with pytest.raises(DateOutsideRulebook, match=r"2017-06-30 is outside the rulebook kz-law \(from 2017-07-01;"):
        kz.topic(ContributionsTopic).rate("state", date(2017, 6, 30))
    with pytest.raises(DateOutsideRulebook):
        kz.topic(RegistryTopic).categories(date(2017, 6, 30))
    # after the confirmed horizon the last entries are carried forward (docs/rulebooks.md)
    assert kz.topic(ContributionsTopic).rate("state", date(2027, 1, 1)) is kz.topic(ContributionsTopic).rate(
        "state", date(2026, 12, 31)
    )


def test_income_base_needs_an_income(kz: Rulebook) -> None:
    with pytest.raises(RulebookError, match="give the income"):
        kz.topic(ContributionsTopic).base_amount("employer-deduction", date(2022, 1, 1))


# --- kz-law: status (docs/status.md) -----------------------------------------------------------


def test_kz_grace(kz: Rulebook) -> None:
    before = kz.topic(CoverageTopic).grace(date(2025, 12, 31))
    assert before.grace_months == 3 and before.grace_months_extended is None
    assert before.months_for(120) == 3
    rule = kz.topic(CoverageTopic).grace(date(2026, 1, 1))
    assert (rule.grace_months, rule.grace_months_extended, rule.extended_requires_covered_months) == (3, 6, 60)
    assert rule.months_for(59) == 3
    assert rule.months_for(60) == 6
    assert rule.id == "status.grace.2026-01-01"


def test_kz_arrears_and_prepayment(kz: Rulebook) -> None:
    assert kz.topic(CoverageTopic).arrears_cap_months(date(2024, 1, 1)) == 12
    assert kz.topic(ContributionsTopic).self_payer_prepay_months(date(2022, 9, 4)) == 0
    assert kz.topic(ContributionsTopic).self_payer_prepay_months(date(2022, 9, 5)) == 12


def test_kz_insurance_start_and_transition(kz: Rulebook) -> None:
    assert kz.topic(CoverageTopic).insurance_starts() == date(2020, 1, 1)
    assert kz.topic(CoverageTopic).transitional_insured(date(2019, 12, 31)) is None
    window = kz.topic(CoverageTopic).transitional_insured(date(2020, 1, 1))
    assert window is not None and (window.valid_from, window.valid_to) == (date(2020, 1, 1), date(2020, 6, 30))
    assert kz.topic(CoverageTopic).transitional_insured(date(2020, 6, 30)) is not None
    assert kz.topic(CoverageTopic).transitional_insured(date(2020, 7, 1)) is None


# --- kz-law: categories (docs/status.md) -----------------------------------------------------


def test_kz_categories_2020(kz: Rulebook) -> None:
    codes = kz.topic(RegistryTopic).categories(date(2020, 1, 1))
    assert set(codes) == set(CATEGORY_CODES) - {"house_arrest", "wellbeing_d_e"}
    assert {rule.payer for rule in codes.values()} == {"state"}


def test_kz_house_arrest_from_2022_03_28(kz: Rulebook) -> None:
    assert kz.topic(RegistryTopic).category("house_arrest", date(2022, 3, 27)) is None
    rule = kz.topic(RegistryTopic).category("house_arrest", date(2022, 3, 28))
    assert rule is not None and rule.payer == "state"
    assert rule.id == "categories.house_arrest.2022-03-28"


def test_kz_local_budgets_from_2026(kz: Rulebook) -> None:
    assert kz.topic(RegistryTopic).categories(date(2025, 12, 31))["unemployed_registered"].payer == "state"
    assert "wellbeing_d_e" not in kz.topic(RegistryTopic).categories(date(2025, 12, 31))
    codes = kz.topic(RegistryTopic).categories(date(2026, 1, 1))
    assert set(codes) == set(CATEGORY_CODES)
    assert codes["unemployed_registered"].payer == "local_budget"
    assert codes["wellbeing_d_e"].payer == "local_budget"
    assert codes["pensioner"].payer == "state"


def test_unknown_category_code(kz: Rulebook) -> None:
    with pytest.raises(RulebookError, match="unknown category code 'kid'"):
        kz.topic(RegistryTopic).category("kid", date(2022, 1, 1))


# --- kz-law: attachment (docs/attachment.md) -------------------------------------------------------


@pytest.mark.parametrize(
    ("year", "start", "end"),
    [
        (2017, date(2017, 9, 15), date(2017, 11, 15)),
        (2024, date(2024, 9, 15), date(2024, 11, 15)),
        (2025, date(2025, 9, 1), date(2025, 11, 1)),
        (2026, date(2026, 9, 1), date(2026, 11, 1)),
    ],
)
def test_kz_campaign(kz: Rulebook, year: int, start: date, end: date) -> None:
    campaign = kz.topic(AttachmentTopic).campaign(year)
    assert (campaign.start, campaign.end) == (start, end)
    assert campaign.is_open(start) and campaign.is_open(end)
    assert not campaign.is_open(end.replace(day=end.day + 1))


def test_campaign_outside_the_rulebook(kz: Rulebook) -> None:
    with pytest.raises(DateOutsideRulebook, match="year 2016 is outside the rulebook kz-law"):
        kz.topic(AttachmentTopic).campaign(2016)
    # after the confirmed horizon the 2026 campaign dates are carried forward (docs/rulebooks.md)
    assert kz.topic(AttachmentTopic).campaign(2027).rule is kz.topic(AttachmentTopic).campaign(2026).rule


def test_kz_free_change_limit(kz: Rulebook) -> None:
    rule = kz.topic(AttachmentTopic).free_change_limit(date(2024, 1, 1))
    assert (rule.changes, rule.per_months) == (1, 6)
    assert [(a.changes, a.per_months) for a in rule.alternatives] == [(1, 12)]
    assert "seed 001 Q92" in rule.alternatives[0].source


def test_kz_attachment_eligibility_rules(kz: Rulebook, seeds: Rulebook) -> None:
    # docs/attachment.md: children under 18 by a parent or guardian; kz-law from 2026 free choice only for
    # the insured or state-paid; EAEU labour migrants for their contract's term (kz-law).
    assert (
        kz.topic(RegistryTopic).minor_age(date(2026, 5, 1)) == 18
        and seeds.topic(RegistryTopic).minor_age(date(2018, 1, 1)) == 18
    )
    assert kz.topic(AttachmentTopic).free_choice_requires_insured(date(2025, 12, 31)) is None
    rule = kz.topic(AttachmentTopic).free_choice_requires_insured(date(2026, 1, 1))
    assert rule is not None and rule.id == "attachment.free_choice_requires_insured.2026-01-01"
    assert kz.topic(AttachmentTopic).eaeu_contract_term(date(2024, 1, 1)) is not None
    assert seeds.topic(AttachmentTopic).free_choice_requires_insured(date(2021, 1, 1)) is None
    assert seeds.topic(AttachmentTopic).eaeu_contract_term(date(2021, 1, 1)) is None


# --- seeds-2016 (docs/calculators.md): the worked examples ----------------------------------------


def test_seeds_ie_2017_worked_example(seeds: Rulebook) -> None:
    # [seed 003]: 5% × 2 × 24,459 = 2,445.90
    assert amount(seeds, "individual-entrepreneur", date(2017, 7, 1)) == Decimal("2445.90")


def test_seeds_self_payer_2018_worked_example(seeds: Rulebook) -> None:
    # [seed 001 Q20]: 5% × 28,284 = 1,414.20 (the document rounds to 1,414)
    assert amount(seeds, "self-payer", date(2018, 3, 1)) == Decimal("1414.20")


def test_seeds_ie_2018_worked_example(seeds: Rulebook) -> None:
    # [seed 001 Q99]: 5% × 2 × 28,284 = 2,828.40 (the document: 2,828)
    assert amount(seeds, "individual-entrepreneur", date(2018, 12, 31)) == Decimal("2828.40")


@pytest.mark.parametrize(
    ("on", "rate"),
    [(date(2017, 7, 1), "0.02"), (date(2018, 1, 1), "0.03"), (date(2019, 1, 1), "0.04"), (date(2021, 12, 31), "0.05")],
)
def test_seeds_employer_deduction(seeds: Rulebook, on: date, rate: str) -> None:
    rule = seeds.topic(ContributionsTopic).rate("employer-deduction", on)
    assert rule.rate == Decimal(rate) and rule.cap is None


def test_seeds_employer_deduction_conflict_is_recorded(seeds: Rulebook) -> None:
    # docs/calculators.md: seed 003 says 1% from 2017-07; record both, use seed 004's 2%
    rule = seeds.topic(ContributionsTopic).rate("employer-deduction", date(2017, 7, 1))
    assert rule.rate == Decimal("0.02") and "seed 004" in rule.source
    assert [a.rate for a in rule.alternatives] == [Decimal("0.01")]
    assert "seed 003" in rule.alternatives[0].source


def test_seeds_no_employer_deduction_before_2017_07(seeds: Rulebook) -> None:
    with pytest.raises(NoRuleInForce, match="no rate for employer-deduction before 2017-07-01"):
        seeds.topic(ContributionsTopic).rate("employer-deduction", date(2017, 6, 30))


def test_seeds_employee_contribution(seeds: Rulebook) -> None:
    # [seed 001 Q41]: 1% from 2019, 2% from 2020
    assert seeds.topic(ContributionsTopic).rate("employee-contribution", date(2019, 1, 1)).rate == Decimal("0.01")
    assert seeds.topic(ContributionsTopic).rate("employee-contribution", date(2020, 1, 1)).rate == Decimal("0.02")
    with pytest.raises(NoRuleInForce):
        seeds.topic(ContributionsTopic).rate("employee-contribution", date(2018, 12, 31))


@pytest.mark.parametrize(("year", "rate"), [(2017, "0.02"), (2018, "0.03"), (2019, "0.05"), (2020, "0.07")])
def test_seeds_civil_contract(seeds: Rulebook, year: int, rate: str) -> None:
    # [seed 004 Packages]
    rule = seeds.topic(ContributionsTopic).rate("civil-contract", date(year, 1, 1))
    assert (rule.rate, rule.base) == (Decimal(rate), "income")


@pytest.mark.parametrize(("year", "rate"), [(2018, "0.04"), (2019, "0.05"), (2020, "0.06"), (2021, "0.07")])
def test_seeds_state(seeds: Rulebook, year: int, rate: str) -> None:
    # [seed 004 Packages]; base: AMW two years earlier [seed 001 Q43]
    rule = seeds.topic(ContributionsTopic).rate("state", date(year, 1, 1))
    assert (rule.rate, rule.base) == (Decimal(rate), "amw_two_years_earlier")
    assert seeds.topic(ContributionsTopic).base_amount("state", date(year, 1, 1)) == seeds.topic(
        ContributionsTopic
    ).amw(year - 2)


def test_seeds_status_and_attachment(seeds: Rulebook) -> None:
    assert seeds.topic(CoverageTopic).insurance_starts() == date(2018, 1, 1)  # [seed 001 Q48]
    assert seeds.topic(CoverageTopic).transitional_insured(date(2018, 1, 1)) is None
    assert seeds.topic(CoverageTopic).grace(date(2019, 1, 1)).months_for(100) == 3
    assert seeds.topic(CoverageTopic).arrears_cap_months(date(2019, 1, 1)) == 12
    campaign = seeds.topic(AttachmentTopic).campaign(2019)
    assert (campaign.start, campaign.end) == (date(2019, 9, 15), date(2019, 11, 15))
    assert seeds.topic(AttachmentTopic).free_change_limit(date(2019, 1, 1)).per_months == 6


def test_seeds_categories(seeds: Rulebook) -> None:
    codes = seeds.topic(RegistryTopic).categories(date(2018, 1, 1))
    assert set(codes) == set(CATEGORY_CODES) - {"house_arrest", "wellbeing_d_e"}
    assert {rule.payer for rule in codes.values()} == {"state"}


def test_seeds_dates_after_2021_are_carried(seeds: Rulebook) -> None:
    with pytest.raises(DateOutsideRulebook, match="outside the rulebook seeds-2016"):
        seeds.topic(ContributionsTopic).rate("self-payer", date(2016, 12, 31))
    # after its confirmed horizon (2021-12-31) the last entries are carried forward, provisional
    assert seeds.topic(ContributionsTopic).rate("self-payer", date(2022, 1, 1)) is seeds.topic(ContributionsTopic).rate(
        "self-payer", date(2021, 12, 31)
    )
    assert seeds.is_provisional(date(2022, 1, 1))
