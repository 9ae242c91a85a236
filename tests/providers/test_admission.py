"""Stage-1 admission on the shipped rulebooks: every ground of non-admission and every preference of
``kz-law`` (order ҚР ДСМ-242/2020, paragraphs cited) and ``seeds-2016`` (seed 004, seed 001 Q27/Q67),
with the boundaries computed by hand.

The kz-law case: a procurement announced for September 2026 (opens 2026-09-01, closes 2026-09-30),
decided on 2026-10-01. The seeds case: announced 2019-07-01 (by 1 August), decided on 2019-10-01.
"""

from __future__ import annotations

import dataclasses
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from osms.core.errors import InvalidInput
from osms.providers.admission import (
    AdmissionFacts,
    Announcement,
    Application,
    Founder,
    Licence,
    ProviderFacts,
    Termination,
    correction,
    decide,
)
from osms.rulebooks.loader import NoRuleInForce, Rulebook, load_rulebook

KZ = load_rulebook("kz-law")
SEEDS = load_rulebook("seeds-2016")
KZ_ON = date(2026, 10, 1)
SEEDS_ON = date(2019, 10, 1)


def facts(
    book: Rulebook, *, provider: Any = "default", care_type: str = "inpatient_planned", **changes: Any
) -> AdmissionFacts:
    """A clean application (admitted, no preference) of provider P1, with ``changes``."""
    kz = book is KZ
    opens, closes = (date(2026, 9, 1), date(2026, 9, 30)) if kz else (date(2019, 7, 1), date(2019, 7, 31))
    submitted = changes.pop("submitted", opens.replace(day=10))
    register = (
        ProviderFacts(
            provider_id="P1",
            status="active",
            tax_arrears=Decimal("0"),
            licences=(Licence(care_type, date(2015, 1, 1), None, None),),
        )
        if provider == "default"
        else provider
    )
    if isinstance(changes.get("register"), dict):
        register = dataclasses.replace(register, **changes.pop("register"))
    return AdmissionFacts(
        application=Application("A1", "P1", care_type, "ALM", 100, Decimal("1000000"), submitted),
        announcement=Announcement("PR-1", opens, closes, opens),
        provider=register,
        **changes,
    )


def codes(book: Rulebook, on: date, **kwargs: Any) -> list[str]:
    return [r.code for r in decide(facts(book, **kwargs), book, on).reasons]


BOTH = pytest.mark.parametrize(("book", "on"), [(KZ, KZ_ON), (SEEDS, SEEDS_ON)], ids=["kz-law", "seeds-2016"])


@BOTH
def test_a_clean_application_is_admitted(book: Rulebook, on: date) -> None:
    decision = decide(facts(book), book, on).as_dict()
    assert decision["decision"] == "admitted"
    assert decision["reasons"] == [] and decision["preference"] == []
    assert decision["provisional"] is False


@BOTH
def test_not_in_register(book: Rulebook, on: date) -> None:
    """Only a provider in the register is admitted ([seed 004]; ҚР ДСМ-186/2020)."""
    decision = decide(facts(book, provider=None), book, on).as_dict()
    assert [r["code"] for r in decision["reasons"]] == ["not_in_register"]
    assert decision["reasons"][0]["message"] == {
        "kk": "P1 өнім берушісі денсаулық сақтау субъектілерінің тізілімінде жоқ.",
        "ru": "Поставщик P1 отсутствует в реестре субъектов здравоохранения.",
        "en": "Provider P1 is not in the register of health-care subjects.",
    }


@BOTH
def test_no_licence(book: Rulebook, on: date) -> None:
    """п.23 / [seed 004] resources: a licence for the care type in force on the day of the decision."""
    other = (Licence("phc", date(2015, 1, 1)),)
    assert codes(book, on, register={"licences": other}) == ["no_licence"]
    expired = (Licence("inpatient_planned", date(2015, 1, 1), on - timedelta(days=1)),)
    assert codes(book, on, register={"licences": expired}) == ["no_licence"]
    until_today = (Licence("inpatient_planned", date(2015, 1, 1), on),)
    assert codes(book, on, register={"licences": until_today}) == []


@BOTH
@pytest.mark.parametrize(
    ("status", "code"),
    [("liquidation", "in_liquidation"), ("bankruptcy", "bankrupt"), ("suspended", "activity_suspended")],
)
def test_status(book: Rulebook, on: date, status: str, code: str) -> None:
    """п.37-1 / [seed 004]: not in liquidation or bankruptcy, activity not suspended."""
    assert codes(book, on, register={"status": status}) == [code]


def test_kz_law_arrears_of_exactly_six_mrp_are_tolerated() -> None:
    """п.23: 6 МРП of 2026 = 6 × 4,325 = 25,950.00 tenge admitted; a tiyn more rejected."""
    assert codes(KZ, KZ_ON, register={"tax_arrears": Decimal("25950.00")}) == []
    decision = decide(facts(KZ, register={"tax_arrears": Decimal("25950.01")}), KZ, KZ_ON)
    assert [r.code for r in decision.reasons] == ["tax_arrears"]
    assert decision.reasons[0].message() == {
        "kk": "Өнім берушінің 25\xa0950,01 теңге салық берешегі жол берілетін 25\xa0950,00 теңгеден асады.",
        "ru": "Налоговая задолженность поставщика 25\xa0950,01 тенге превышает допустимые 25\xa0950,00 тенге.",
        "en": "The provider's tax arrears of 25,950.01 tenge exceed the 25,950.00 tenge tolerated.",
    }
    assert "procurement.mrp.2026-01-01" in decision.rules


def test_kz_law_arrears_use_the_mrp_of_the_decisions_year() -> None:
    """п.23 in 2025: 6 × 3,932 = 23,592 tenge; 6 МРП of 2025 plus one tenge is refused."""
    on = date(2025, 10, 1)
    announcement = Announcement("PR-2025", date(2025, 9, 1), date(2025, 9, 30), date(2025, 9, 1))
    for arrears, expected in ((Decimal("23592"), []), (Decimal("23593"), ["tax_arrears"])):
        case = facts(KZ, register={"tax_arrears": arrears}, submitted=date(2025, 9, 10))
        case = dataclasses.replace(case, announcement=announcement)
        assert [r.code for r in decide(case, KZ, on).reasons] == expected


def test_seeds_tolerate_no_arrears_at_all() -> None:
    """[seed 004] "solvency, no tax arrears": 0.01 tenge owed is refused."""
    assert codes(SEEDS, SEEDS_ON, register={"tax_arrears": Decimal("0")}) == []
    assert codes(SEEDS, SEEDS_ON, register={"tax_arrears": Decimal("0.01")}) == ["tax_arrears"]


@BOTH
def test_founder_who_is_a_fund_employee(book: Rulebook, on: date) -> None:
    """п.37-1 / [seed 004] ground 1: only a founder with decision rights counts."""
    founders = (Founder("111111111111", True), Founder("222222222222", False))
    assert codes(book, on, founders=founders, fund_employees=frozenset({"111111111111"})) == ["founder_fund_employee"]
    assert codes(book, on, founders=founders, fund_employees=frozenset({"222222222222"})) == []


@BOTH
def test_founder_who_is_a_relative_of_a_fund_employee(book: Rulebook, on: date) -> None:
    """п.37-1 / [seed 004] ground 1: a close relative or spouse of an employee."""
    founders = (Founder("111111111111", True),)
    result = codes(book, on, founders=founders, fund_employee_relatives=frozenset({"111111111111"}))
    assert result == ["founder_relative_of_fund_employee"]


@BOTH
@pytest.mark.parametrize(
    ("kind", "code"),
    [("nonperformance", "terminated_nonperformance_3y"), ("provider_initiative", "terminated_own_initiative_3y")],
)
def test_termination_three_years_ago_excludes_three_years_and_a_day_does_not(
    book: Rulebook, on: date, kind: str, code: str
) -> None:
    """п.37-1 / [seed 004] grounds 2-3: a termination on 2023-10-01 is within 3 years of 2026-10-01
    (2016-10-01 of 2019-10-01); a day earlier it is not. A termination by agreement never excludes."""
    three_years = on.replace(year=on.year - 3)
    assert codes(book, on, terminations=(Termination("C-1", three_years, kind),)) == [code]
    earlier = date.fromordinal(three_years.toordinal() - 1)
    assert codes(book, on, terminations=(Termination("C-1", earlier, kind),)) == []
    assert codes(book, on, terminations=(Termination("C-1", three_years, "agreement"),)) == []


def test_termination_message_names_the_contract() -> None:
    decision = decide(facts(KZ, terminations=(Termination("C-9", date(2025, 2, 3), "nonperformance"),)), KZ, KZ_ON)
    assert decision.reasons[0].message()["ru"] == (
        "Фонд расторг договор C-9 3 февраля 2025 г. за неисполнение или ненадлежащее исполнение менее 3 лет назад."
    )


def test_kz_law_late_application_after_the_announcements_close() -> None:
    """п.32: late applications are not considered; the closing day counts."""
    assert codes(KZ, KZ_ON, submitted=date(2026, 9, 30)) == []
    assert codes(KZ, KZ_ON, submitted=datetime(2026, 9, 30, 23, 59)) == []
    assert codes(KZ, KZ_ON, submitted=date(2026, 10, 1)) == ["late_application"]
    assert codes(KZ, KZ_ON, submitted=date(2026, 8, 31)) == ["application_before_opening"]


def test_seeds_applications_run_one_month_from_the_opening() -> None:
    """[seed 004, 001 Q27/Q67]: one month from 2019-07-01 is to 2019-07-31, whatever the announcement says."""
    ann = Announcement("PR-1", date(2019, 7, 1), date(2019, 8, 15), date(2019, 7, 1))
    on_time = dataclasses.replace(facts(SEEDS, submitted=date(2019, 7, 31)), announcement=ann)
    late = dataclasses.replace(facts(SEEDS, submitted=date(2019, 8, 1)), announcement=ann)
    assert decide(on_time, SEEDS, SEEDS_ON).admitted
    assert [r.code for r in decide(late, SEEDS, SEEDS_ON).reasons] == ["late_application"]


def test_kz_law_phc_population() -> None:
    """п.23: a PHC provider serves at least 3,000 (two GP districts), unless the only PHC in its settlement."""
    assert codes(KZ, KZ_ON, care_type="phc", phc_population=3000) == []
    assert codes(KZ, KZ_ON, care_type="phc", phc_population=2999) == ["phc_population_below_minimum"]
    assert codes(KZ, KZ_ON, care_type="phc", phc_population=2999, only_phc_in_settlement=True) == []
    # other care types have no population minimum
    assert codes(KZ, KZ_ON, phc_population=10) == []


def test_seeds_have_no_phc_population_minimum() -> None:
    """The seeds give no least population of a PHC provider."""
    assert codes(SEEDS, SEEDS_ON, care_type="phc", phc_population=10) == []


@BOTH
def test_no_capacity(book: Rulebook, on: date) -> None:
    """п.37-1 (no free capacity or beds) / [seed 004] material resources."""
    assert codes(book, on, capacity=0) == ["no_capacity"]
    assert codes(book, on, capacity=1) == []


@BOTH
def test_false_information(book: Rulebook, on: date) -> None:
    """п.37-1 / [seed 004] ground 5, found by the commission."""
    assert codes(book, on, false_information=True) == ["false_information"]


def test_every_failed_ground_is_a_reason_in_a_fixed_order() -> None:
    decision = decide(
        facts(
            KZ,
            register={"status": "bankruptcy", "tax_arrears": Decimal("100000"), "licences": ()},
            false_information=True,
            submitted=date(2026, 10, 2),
            capacity=0,
        ),
        KZ,
        KZ_ON,
    )
    assert decision.decision == "rejected"
    assert [r.code for r in decision.reasons] == [
        "no_licence",
        "bankrupt",
        "tax_arrears",
        "late_application",
        "no_capacity",
        "false_information",
    ]
    assert decision.preference == ()


def test_kz_law_accreditation_is_a_preference_while_in_force() -> None:
    """п.47: accredited on the day of the decision."""
    assert decide(facts(KZ, register={"accredited_until": KZ_ON}), KZ, KZ_ON).preference == ("accredited",)
    assert decide(facts(KZ, register={"accredited_until": date(2026, 9, 30)}), KZ, KZ_ON).preference == ()


@BOTH
def test_experience_of_exactly_three_years_to_the_month_before(book: Rulebook, on: date) -> None:
    """п.47 / [seed 004] priority 2: 3 years of continuous experience counted to the end of the month
    before the procurement month (September 2026: since 2023-09-01; July 2019: since 2016-07-01)."""
    month = date(2026, 9, 1) if book is KZ else date(2019, 7, 1)
    since = month.replace(year=month.year - 3)
    enough = (Licence("inpatient_planned", date(2015, 1, 1), None, since),)
    short = (Licence("inpatient_planned", date(2015, 1, 1), None, date.fromordinal(since.toordinal() + 1)),)
    assert decide(facts(book, register={"licences": enough}), book, on).preference == ("experience_3y",)
    assert decide(facts(book, register={"licences": short}), book, on).preference == ()


def test_own_information_system_is_a_preference_in_the_seeds_only() -> None:
    """[seed 004] priority 3; ҚР ДСМ-242/2020 п.47 has no such preference."""
    assert decide(facts(SEEDS, register={"own_is": True}), SEEDS, SEEDS_ON).preference == ("own_is",)
    assert decide(facts(KZ, register={"own_is": True}), KZ, KZ_ON).preference == ()


def test_all_seeds_preferences_together() -> None:
    licences = (Licence("inpatient_planned", date(2010, 1, 1), None, date(2010, 1, 1)),)
    register = {"accredited_until": date(2020, 1, 1), "own_is": True, "licences": licences}
    assert decide(facts(SEEDS, register=register), SEEDS, SEEDS_ON).preference == (
        "accredited",
        "experience_3y",
        "own_is",
    )


def test_rules_name_the_entries_applied() -> None:
    decision = decide(facts(KZ, care_type="phc", phc_population=5000), KZ, KZ_ON)
    assert decision.rules == (
        "procurement.requirements.2021-01-01",
        "procurement.application_window.2021-01-01",
        "procurement.tax_arrears_tolerance.2021-01-01",
        "procurement.mrp.2026-01-01",
        "procurement.exclusion_lookback_years.2021-01-01",
        "procurement.phc_min_population.2021-01-01",
        "procurement.preferences.2021-01-01",
    )


def test_a_decision_after_the_horizon_is_provisional() -> None:
    """2027 is past kz-law's confirmed horizon: the 2026 МРП is carried (limit still 25,950)."""
    on = date(2027, 3, 1)
    decision = decide(facts(KZ, register={"tax_arrears": Decimal("25950")}, submitted=date(2026, 9, 30)), KZ, on)
    data = decision.as_dict()
    assert data["decision"] == "admitted"
    assert data["provisional"] is True
    assert "procurement.mrp.2026-01-01" in data["carried_forward"]
    assert data["provisional_message"]["en"] == "The 2027 figures are not yet confirmed; the 2026 figures were applied."


def test_no_rules_before_2021_in_kz_law() -> None:
    with pytest.raises(NoRuleInForce):
        decide(facts(KZ), KZ, date(2020, 10, 1))


def test_facts_of_another_provider_are_refused() -> None:
    other = ProviderFacts(provider_id="P2", status="active")
    with pytest.raises(InvalidInput) as caught:
        decide(facts(KZ, provider=other), KZ, KZ_ON)
    assert caught.value.code == "facts_mismatch"
    with pytest.raises(InvalidInput) as caught:
        decide(facts(KZ, register={"status": "sleeping"}), KZ, KZ_ON)
    assert caught.value.code == "unknown_status"
    with pytest.raises(InvalidInput) as caught:
        decide(facts(KZ, terminations=(Termination("C", KZ_ON, "fired"),)), KZ, KZ_ON)
    assert caught.value.code == "unknown_termination"


# -- correction (п.39-40) -------------------------------------------------------------------


def test_correction_within_three_working_days() -> None:
    """п.39: rejected on Monday 2026-12-14; Wednesday 16 December is Independence Day, so the three
    working days are 15, 17 and 18 December."""
    allowed = correction("rejected", date(2026, 12, 14), date(2026, 12, 18), 0, KZ).as_dict()
    assert allowed["allowed"] is True and allowed["deadline"] == "2026-12-18"
    assert allowed["message"]["ru"] == "Отклонённую заявку можно исправить до 18 декабря 2026 г."
    closed = correction("rejected", date(2026, 12, 14), date(2026, 12, 21), 0, KZ)
    assert (closed.allowed, closed.reason.code) == (False, "correction_window_closed")
    assert closed.reason.message()["en"] == (
        "Corrections were accepted until 18 December 2026 (3 working days after the rejection of 14 December 2026)."
    )


def test_a_second_correction_is_refused() -> None:
    """п.40: a second failure is final."""
    verdict = correction("rejected", date(2026, 10, 2), date(2026, 10, 5), 1, KZ)
    assert (verdict.allowed, verdict.reason.code) == (False, "second_correction")


def test_only_a_rejected_application_is_corrected() -> None:
    assert correction("admitted", date(2026, 10, 2), date(2026, 10, 5), 0, KZ).reason.code == "not_rejected"
    assert (
        correction("rejected", date(2026, 10, 2), date(2026, 10, 1), 0, KZ).reason.code == "correction_before_rejection"
    )


def test_seeds_correction_is_ours_and_the_same() -> None:
    """The seeds are silent: the rulebook applies п.39-40 (verified: false). Friday 2019-12-13 + 3
    working days (16 and 17 December are holidays) = 2019-12-20."""
    verdict = correction("rejected", date(2019, 12, 13), date(2019, 12, 20), 0, SEEDS)
    assert verdict.allowed and verdict.deadline == date(2019, 12, 20)
    assert correction("rejected", date(2019, 12, 13), date(2019, 12, 23), 0, SEEDS).reason.code == (
        "correction_window_closed"
    )
