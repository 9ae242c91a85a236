"""The pure status engine against hand-computed cases (docs/status.md, docs/calculators.md for arrears prices).

Self-payer contribution (docs/calculators.md, kz-law): 5% × MW of the month's year: 2,125.00 (2020-21),
3,000.00 (2022), 3,500.00 (2023), 4,250.00 (2024-26). seeds-2016 (docs/calculators.md): 5% × 28,284 = 1,414.20 (2018).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from osms.core.periods import Month
from osms.coverage.rules import BASIS_CODES, KIND_PRIORITY, MonthFacts, evaluate, main_kind
from osms.rulebooks.loader import DateOutsideRulebook, load_rulebook
from tests.coverage.helpers import EMPLOYER, facts, member, months

KZ = load_rulebook("kz-law")
SEEDS = load_rulebook("seeds-2016")
SELF = ("self_payment",)


def status(on: date, month_facts=(), memberships=(), book=KZ, **kwargs):
    return evaluate(iin="860101300017", on=on, rulebook=book, months=month_facts, memberships=memberships, **kwargs)


def answer(on: date, month_facts=(), memberships=(), book=KZ, **kwargs) -> dict:
    return status(on, month_facts, memberships, book, **kwargs).as_dict()


def test_payment_kinds_match_the_ledger() -> None:
    from osms.contributions.models import PAYMENT_KINDS

    assert set(KIND_PRIORITY) == set(PAYMENT_KINDS)
    assert main_kind({"self_payment", "employee_contribution"}) == "employee_contribution"


# --- status item 3: grace, and item 5: arrears ------------------------------------------------------


def test_grace_after_employer_payments_with_unpaid_grace_months_as_arrears() -> None:
    # Employer paid 2024-01..2024-06; on 2024-09-15, M = 2024-09, P = 2024-06, M - P = 3 <= 3.
    history = facts("2024-01", "2024-06")
    a = answer(date(2024, 9, 15), history)
    assert a["insured"] is True
    assert a["basis"] == {"code": "grace", "payer": EMPLOYER, "kind": "employer_deduction", "category": None}
    assert a["insured_until"] == "2024-09-30"  # end of month P + 3
    # The debt keeps accruing, but only past a month's deadline (the 25th of the next month,
    # deadlines.employer-deduction, docs/calculators.md): 2024-07 (due 2024-08-25) at 5% x 85,000 = 4,250.00;
    # 2024-08 is due by 2024-09-25 and 2024-09 by 2024-10-25.
    assert a["arrears"] == {"months": ["2024-07"], "amount": "4250.00"}
    assert a["due"] == [{"month": "2024-08", "due_by": "2024-09-25"}, {"month": "2024-09", "due_by": "2024-10-25"}]
    assert a["months_paid_last_12"] == [str(m) for m in months("2024-01", "2024-06")]
    assert {"status.grace.2017-07-01", "rates.self-payer.2020-01-01", "wages.mw.2024-01-01"} <= set(a["rules"])
    assert a["message"]["en"].startswith("Insured: rights are kept for 3 months after the last covered month, 2024-06")
    assert "Arrears: 1 months, 4,250.00 tenge." in a["message"]["en"]
    assert "30.09.2024 дейін сақтандырылған" in a["message"]["kk"]
    assert "Застрахован до 30 сентября 2024 г." in a["message"]["ru"]


def test_not_insured_after_grace_with_arrears_of_the_12_months_before_and_m() -> None:
    # 2024-10-01: M - P = 4 > 3. Arrears: uncovered months of 2023-10..2024-09 and M itself, past
    # their deadline (the 25th of the next month): 2023-10, 11, 12 at 3,500.00 (MW 2023 70,000) and
    # 2024-07, 08 at 4,250.00 = 19,000.00; 2024-09 (due 2024-10-25) and 2024-10 are not yet due.
    a = answer(date(2024, 10, 1), facts("2024-01", "2024-06"))
    assert a["insured"] is False
    assert a["basis"]["code"] == "lapsed"
    assert a["insured_until"] is None
    assert a["arrears"]["months"] == ["2023-10", "2023-11", "2023-12", "2024-07", "2024-08"]
    assert a["arrears"]["amount"] == "19000.00"
    assert "the grace period ended on 30 September 2024" in a["message"]["en"]
    assert "ГОБМП" in a["message"]["ru"] and "ТМККК" in a["message"]["kk"]


def test_paid_month_insured_until_end_of_grace_after_the_run() -> None:
    a = answer(date(2024, 6, 28), facts("2024-01", "2024-06", paid_on=date(2024, 6, 25)))
    assert (a["insured"], a["basis"]["code"], a["insured_until"]) == (True, "paid", "2024-09-30")
    assert a["arrears"] == {"months": [], "amount": "0.00"}  # insured, no unpaid insured month


def test_payment_counts_only_from_its_value_date() -> None:
    # An employer pays for a month by the 25th of the next one. On 2024-03-15 the months credited
    # are 2024-01 (credited 2024-02-20) and before: 2024-02 and 03 are not paid yet as D knows it.
    history = facts("2023-01", "2024-03")
    s = status(date(2024, 3, 15), history)
    assert (s.insured, s.basis.code, s.last_covered) == (True, "grace", Month(2024, 1))
    assert s.insured_until == date(2024, 4, 30)
    # A month paid later did not make anyone insured in the past.
    late = [MonthFacts(Month(2024, 3), frozenset(SELF), "X", date(2024, 6, 1))]
    assert answer(date(2024, 3, 10), late)["basis"]["code"] == "never_paid"
    assert answer(date(2024, 6, 1), late)["basis"]["code"] == "lapsed"


# --- status item 4: restoring after a lapse ------------------------------------------------------


def _insured_self_payer() -> list[MonthFacts]:
    # Employed in 2022, then a self-payer paying 2023-01..2023-12 on time (insured throughout).
    return facts("2022-01", "2022-12", lag_days=1) + facts("2023-01", "2023-12", kinds=SELF, payer="SELF", lag_days=1)


def _self_payer_history() -> list[MonthFacts]:
    # ... then nothing in 2024-01..05 (grace to 2024-03-31, not insured in 2024-04 and 05), then
    # she pays 2024-06 on 2024-06-10.
    return _insured_self_payer() + facts("2024-06", kinds=SELF, payer="SELF", paid_on=date(2024, 6, 10))


def test_self_payment_after_lapse_does_not_restore_until_the_12_months_are_paid() -> None:
    a = answer(date(2024, 6, 15), _self_payer_history())
    assert a["insured"] is False
    assert a["basis"]["code"] == "arrears_unpaid_after_lapse"
    assert a["basis"]["kind"] == "self_payment"
    # 2024-05 is due by 2024-06-25 (a self-payer's month: deadlines.self-payer): not yet owed.
    assert a["arrears"] == {"months": ["2024-01", "2024-02", "2024-03", "2024-04"], "amount": "17000.00"}
    assert a["due"] == [{"month": "2024-05", "due_by": "2024-06-25"}]
    assert "12" in a["message"]["en"]


def test_paying_part_of_the_arrears_is_not_enough() -> None:
    history = _self_payer_history() + facts("2024-04", "2024-05", kinds=SELF, payer="SELF", paid_on=date(2024, 6, 20))
    a = answer(date(2024, 6, 25), history)
    assert (a["insured"], a["basis"]["code"]) == (False, "arrears_unpaid_after_lapse")
    assert a["arrears"]["months"] == ["2024-01", "2024-02", "2024-03"]


def test_paying_all_the_arrears_restores_from_the_day_they_are_credited() -> None:
    history = _self_payer_history() + facts("2024-01", "2024-05", kinds=SELF, payer="SELF", paid_on=date(2024, 6, 20))
    restored = answer(date(2024, 6, 25), history)
    assert (restored["insured"], restored["basis"]["code"], restored["insured_until"]) == (True, "paid", "2024-09-30")
    assert restored["arrears"]["amount"] == "0.00"
    # Not before: on 2024-06-15 the arrears were not paid yet.
    assert answer(date(2024, 6, 15), history)["basis"]["code"] == "arrears_unpaid_after_lapse"
    # Nor back in April, when the months were unpaid (a later payment changes no past status).
    assert answer(date(2024, 4, 10), history)["basis"]["code"] == "lapsed"


def test_blocked_self_payments_give_no_grace() -> None:
    # After the lapse she pays 2024-06 only; on 2024-07-10 (nothing for July) she is still not
    # insured: a self-payment that did not restore status is not a "last covered month" for grace.
    a = answer(date(2024, 7, 10), _self_payer_history())
    assert (a["insured"], a["basis"]["code"]) == (False, "lapsed")
    # 2024-07 is due by 2024-08-25.
    assert a["arrears"]["months"] == ["2024-01", "2024-02", "2024-03", "2024-04", "2024-05"]


def test_employer_payment_after_lapse_restores_at_once() -> None:
    history = _insured_self_payer() + facts("2024-06", paid_on=date(2024, 6, 10))
    a = answer(date(2024, 6, 15), history)
    assert (a["insured"], a["basis"]["code"], a["basis"]["payer"]) == (True, "paid", EMPLOYER)
    assert a["insured_until"] == "2024-09-30"
    # The unpaid grace months 2024-01..03 stay owed; the lapsed months 04-05 need not be paid now.
    assert a["arrears"] == {"months": ["2024-01", "2024-02", "2024-03"], "amount": "12750.00"}


@pytest.mark.parametrize("kind", ["civil_contract", "ie_contribution", "state_contribution", "employee_contribution"])
def test_agent_ie_and_state_payments_restore_at_once(kind: str) -> None:
    history = facts("2023-01", "2023-06", kinds=SELF, lag_days=1) + facts(
        "2024-06", kinds=(kind,), paid_on=date(2024, 6, 10)
    )
    assert answer(date(2024, 6, 15), history)["basis"] == {
        "code": "paid",
        "payer": EMPLOYER,
        "kind": kind,
        "category": None,
    }


def test_a_new_self_payer_after_years_unpaid_needs_12_clear_months() -> None:
    # Nothing paid since 2020; self-payments from 2023-01, monthly. Each month of 2023 has an
    # uncovered month among the 12 before it, so none restores; from 2024-01 (if paid) the 12
    # months before are all covered and she is insured.
    history = facts("2023-01", "2024-01", kinds=SELF, payer="SELF", lag_days=1)
    history[-1] = MonthFacts(Month(2024, 1), frozenset(SELF), "SELF", date(2024, 1, 5))
    assert answer(date(2023, 12, 20), history)["basis"]["code"] == "lapsed"
    assert answer(date(2024, 1, 3), history)["basis"]["code"] == "lapsed"
    assert answer(date(2024, 1, 10), history)["basis"]["code"] == "paid"


def test_self_payment_in_grace_is_not_a_restoration() -> None:
    # Employer until 2024-03, self-payment from 2024-05 (2024-04 unpaid, in grace): no lapse.
    history = facts("2023-01", "2024-03", lag_days=1) + facts(
        "2024-05", kinds=SELF, payer="SELF", paid_on=date(2024, 5, 10)
    )
    a = answer(date(2024, 5, 20), history)
    assert (a["insured"], a["basis"]["code"], a["basis"]["kind"]) == (True, "paid", "self_payment")
    # 2024-04 follows the employer's deadline (the month before it was the employer's): 2024-05-25.
    assert a["arrears"]["months"] == []
    assert a["due"] == [{"month": "2024-04", "due_by": "2024-05-25"}]
    assert answer(date(2024, 5, 26), history)["arrears"]["months"] == ["2024-04"]


# --- status item 2: prepaid months ------------------------------------------------------------------


def test_prepaid_future_months_count() -> None:
    # Since 2022-09-05 a self-payer may prepay up to 12 months: 2024-01..12 all paid on 2024-01-05.
    history = _insured_self_payer() + facts("2024-01", "2024-12", kinds=SELF, payer="SELF", paid_on=date(2024, 1, 5))
    a = answer(date(2024, 3, 10), history)
    assert (a["basis"]["code"], a["insured_until"]) == ("paid", "2025-03-31")  # last paid 2024-12, + 3
    assert answer(date(2024, 12, 31), history)["basis"]["code"] == "paid"
    assert answer(date(2025, 2, 10), history)["insured_until"] == "2025-03-31"
    # Before they were paid, the prepaid months did not count.
    # On 2024-01-03 they were not credited yet: January is in grace after 2023-12.
    early = answer(date(2024, 1, 3), history)
    assert (early["basis"]["code"], early["insured_until"]) == ("grace", "2024-03-31")


# --- kz-law 2026: six months of grace after 60 covered months -------------------------------


def test_six_month_grace_in_2026_after_60_covered_months() -> None:
    history = facts("2021-01", "2025-12")  # 60 months
    a = answer(date(2026, 5, 10), history)
    assert (a["insured"], a["basis"]["code"], a["insured_until"]) == (True, "grace", "2026-06-30")
    assert "status.grace.2026-01-01" in a["rules"]
    # Past their deadline on 2026-05-10: 2026-01..03 (2026-03 due 2026-04-25) at 4,250.00.
    assert a["arrears"]["months"] == ["2026-01", "2026-02", "2026-03"]
    assert a["arrears"]["amount"] == "12750.00"
    assert answer(date(2026, 7, 1), history)["basis"]["code"] == "lapsed"
    # Paid in December 2025: the forecast uses the grace in force when it runs (2026: six months).
    assert answer(date(2025, 12, 20), facts("2021-01", "2025-12", paid_on=date(2025, 12, 15)))["insured_until"] == (
        "2026-06-30"
    )


def test_59_covered_months_keep_three_months_of_grace_in_2026() -> None:
    history = facts("2021-02", "2025-12")  # 59 months
    assert answer(date(2026, 3, 10), history)["insured_until"] == "2026-03-31"
    assert answer(date(2026, 4, 1), history)["basis"]["code"] == "lapsed"


# --- kz-law transitional 2020 and before 2020 ---------------------------------------------------


def test_transitional_2020_everyone_insured() -> None:
    a = answer(date(2020, 3, 15))
    assert (a["insured"], a["basis"]["code"], a["insured_until"]) == (True, "transitional_2020", "2020-06-30")
    assert "status.transitional_insured.2020-01-01" in a["rules"]
    assert "everyone is treated as insured" in a["message"]["en"]
    # After it, a person who never paid owes 2020-01..05 at 2,125.00 = 10,625.00 (2020-06 is due by
    # 2020-07-25, 2020-07 by 2020-08-25).
    after = answer(date(2020, 7, 15))
    assert (after["insured"], after["basis"]["code"]) == (False, "never_paid")
    assert after["arrears"] == {"months": [str(m) for m in months("2020-01", "2020-05")], "amount": "10625.00"}


def test_paid_in_transitional_window_keeps_payment_basis_and_the_window_end() -> None:
    a = answer(date(2020, 2, 10), facts("2019-06", "2019-12", lag_days=1))
    assert (a["basis"]["code"], a["insured_until"]) == ("grace", "2020-06-30")


def test_before_2020_not_applicable_under_kz_law() -> None:
    a = answer(date(2019, 5, 1), facts("2019-01", "2019-04"))
    assert (a["insured"], a["basis"]["code"]) == (False, "not_applicable_before_insurance")
    assert a["arrears"]["amount"] == "0.00"
    assert a["rules"] == ["status.insurance_starts.2020-01-01"]
    assert "с 1 января 2020 г." in a["message"]["ru"]


def test_date_outside_the_rulebook_is_refused() -> None:
    with pytest.raises(DateOutsideRulebook):
        status(date(2017, 6, 30))


# --- status item 1: state-paid categories ----------------------------------------------------


def test_state_paid_child() -> None:
    child = [member("child", date(2015, 6, 1), date(2033, 5, 31))]
    a = answer(date(2024, 5, 1), memberships=child)
    assert a["insured"] is True
    assert a["basis"] == {"code": "state_paid_category", "payer": "state", "kind": None, "category": "child"}
    assert a["arrears"] == {"months": [], "amount": "0.00"}
    assert "categories.child.2017-07-01" in a["rules"]
    # Until the end of the category (2033-05) + grace; past the rulebook's period the last grace
    # rule in force (2026: six months after 60 covered months) is used for the forecast.
    assert a["insured_until"] == "2033-11-30"
    assert a["message"]["en"] == (
        "Insured: state-paid category «child»; the state pays the contributions. Insured until 30 November 2033."
    )


def test_open_ended_category_has_no_end() -> None:
    a = answer(date(2024, 5, 1), memberships=[member("pensioner", date(2015, 1, 1))])
    assert (a["basis"]["code"], a["insured_until"]) == ("state_paid_category", None)


def test_registered_unemployed_paid_by_local_budget_in_2026() -> None:
    m = [member("unemployed_registered", date(2025, 10, 1))]
    assert answer(date(2025, 12, 1), memberships=m)["basis"]["payer"] == "state"
    a = answer(date(2026, 2, 1), memberships=m)
    assert a["basis"]["payer"] == "local_budget"
    assert "categories.unemployed_registered.2026-01-01" in a["rules"]
    assert "жергілікті бюджет" in a["message"]["kk"] and "местный бюджет" in a["message"]["ru"]


def test_category_ending_gives_grace_after_its_last_month() -> None:
    student = [member("student", date(2020, 9, 1), date(2024, 6, 30))]
    assert answer(date(2024, 6, 20), memberships=student)["insured_until"] == "2024-09-30"
    a = answer(date(2024, 7, 10), memberships=student)
    assert a["basis"] == {"code": "grace", "payer": "state", "kind": None, "category": "student"}
    assert a["insured_until"] == "2024-09-30"
    # July is due by 2024-08-25 (as a self-payer's: nobody paid after the category).
    assert (a["arrears"]["months"], a["due"]) == ([], [{"month": "2024-07", "due_by": "2024-08-25"}])
    assert answer(date(2024, 8, 26), memberships=student)["arrears"] == {"months": ["2024-07"], "amount": "4250.00"}
    assert answer(date(2024, 10, 1), memberships=student)["basis"]["code"] == "lapsed"


def test_category_ended_earlier_in_the_month_still_covers_it() -> None:
    # Turned 18 on 2024-06-15: child ends 2024-06-14; June is covered (category on some day of M).
    child = [member("child", date(2006, 6, 15), date(2024, 6, 14))]
    a = answer(date(2024, 6, 20), memberships=child)
    assert (a["insured"], a["basis"]["code"], a["insured_until"]) == (True, "grace", "2024-09-30")
    assert a["arrears"]["months"] == []


def test_a_category_that_had_not_begun_does_not_count() -> None:
    pregnant = [member("pregnant_nonworking", date(2024, 3, 28))]
    assert answer(date(2024, 3, 20), memberships=pregnant)["basis"]["code"] == "never_paid"
    assert answer(date(2024, 3, 28), memberships=pregnant)["basis"]["category"] == "pregnant_nonworking"


def test_category_ignores_codes_the_rulebook_does_not_know() -> None:
    assert answer(date(2024, 3, 20), memberships=[member("martian", date(2020, 1, 1))])["basis"]["code"] == "never_paid"


def test_category_not_state_paid_before_its_rulebook_entry() -> None:
    # house_arrest is state-paid under kz-law only from 2022-03-28.
    m = [member("house_arrest", date(2021, 1, 1))]
    assert answer(date(2022, 3, 1), memberships=m)["insured"] is False
    assert answer(date(2022, 3, 28), memberships=m)["basis"]["code"] == "state_paid_category"


# --- seeds-2016 rulebook ----------------------------------------------------------------------


def test_seeds_2016_insurance_starts_2018() -> None:
    assert answer(date(2017, 10, 1), book=SEEDS)["basis"]["code"] == "not_applicable_before_insurance"


def test_seeds_2016_grace_and_arrears_at_1414_20() -> None:
    # Employer paid 2017-07..2017-12; on 2018-03-26 P = 2017-12, grace to 2018-03-31; unpaid
    # grace months past their deadline (2018-01 due 2018-02-25, 02 due 2018-03-25) at 5% x 28,284 =
    # 1,414.20 each [seed 001 Q20]; 2018-03 is due by 2018-04-25.
    history = facts("2017-07", "2017-12", lag_days=1)
    a = answer(date(2018, 3, 26), history, book=SEEDS)
    assert (a["insured"], a["basis"]["code"], a["insured_until"]) == (True, "grace", "2018-03-31")
    assert a["arrears"] == {"months": ["2018-01", "2018-02"], "amount": "2828.40"}
    assert a["rulebook"] == "seeds-2016"
    # 2018-05-02: lapsed; owed 2018-01..03 (before 2018 nothing is owed; 04 and 05 not yet due) = 3 x 1,414.20.
    lapsed = answer(date(2018, 5, 2), history, book=SEEDS)
    assert lapsed["basis"]["code"] == "lapsed"
    assert lapsed["arrears"] == {"months": [str(m) for m in months("2018-01", "2018-03")], "amount": "4242.60"}


def test_seeds_2016_has_no_transitional_window() -> None:
    assert answer(date(2020, 3, 1), book=SEEDS)["basis"]["code"] == "never_paid"


# --- the person -----------------------------------------------------------------------------


def test_deceased_unknown_not_born() -> None:
    history = facts("2024-01", "2024-02")
    assert answer(date(2024, 3, 2), history, death_date=date(2024, 3, 1))["basis"]["code"] == "deceased"
    assert answer(date(2024, 3, 1), history, death_date=date(2024, 3, 1))["basis"]["code"] == "grace"
    gone = answer(date(2024, 3, 2), death_date=date(2024, 3, 1))
    assert (gone["insured"], gone["message"]["en"]) == (False, "Not insured: the person died on 1 March 2024.")
    unknown = answer(date(2024, 3, 2), known=False)
    assert (unknown["insured"], unknown["basis"]["code"], unknown["rules"]) == (False, "unknown_person", [])
    assert answer(date(2024, 3, 2), birth_date=date(2024, 5, 1))["basis"]["code"] == "not_born"


def test_months_before_birth_are_not_owed() -> None:
    # Born 2024-03-10 with no child category on record: owed from the birth month only, and only
    # past the deadline (2024-05 is due by 2024-06-25, 2024-06 by 2024-07-25).
    a = answer(date(2024, 6, 5), birth_date=date(2024, 3, 10))
    assert a["arrears"]["months"] == ["2024-03", "2024-04"]


def test_only_the_window_is_read() -> None:
    # A month paid 73 months before M is outside the 72 months read: it changes nothing.
    old = [MonthFacts(Month(2018, 5), frozenset({"employer_deduction"}), EMPLOYER, date(2018, 6, 20))]
    assert answer(date(2024, 6, 5), old)["basis"]["code"] == "never_paid"
    assert answer(date(2024, 5, 5), old)["basis"]["code"] == "lapsed"


def test_every_basis_code_has_a_sentence_in_three_languages() -> None:
    from osms.core.i18n import translator
    from osms.coverage.rules import TEMPLATES

    assert set(TEMPLATES) == set(BASIS_CODES)
    for msgid in TEMPLATES.values():
        assert all(translator(lang).gettext(msgid) != msgid for lang in ("kk", "ru"))


def test_arrears_amount_is_decimal_sum() -> None:
    s = status(date(2024, 9, 26), facts("2024-01", "2024-06"))  # 2024-08 was due by 2024-09-25
    assert s.arrears_amount == Decimal("8500.00")
    assert s.arrears_months == (Month(2024, 7), Month(2024, 8))


def test_a_child_turning_18_pays_for_herself_at_once() -> None:
    child = [member("child", date(2006, 6, 15), date(2024, 6, 14))]
    july = facts("2024-07", kinds=SELF, payer="SELF", paid_on=date(2024, 7, 5))
    a = answer(date(2024, 7, 10), july, child, birth_date=date(2006, 6, 15))
    assert (a["insured"], a["basis"]["code"], a["insured_until"]) == (True, "paid", "2024-10-31")


def test_blocked_self_payment_in_the_transitional_window_is_insured_by_it() -> None:
    march = facts("2020-03", kinds=SELF, payer="SELF", paid_on=date(2020, 3, 5))
    assert answer(date(2020, 3, 10), march)["basis"]["code"] == "paid"  # not in a lapse: transitional
    # ...and after the window she has been insured (transitional months are not lapses), so her
    # grace after 2020-03 ended on 2020-06-30.
    assert answer(date(2020, 7, 10), march)["basis"]["code"] == "lapsed"
