"""The pure decision (docs/attachment.md), worked by hand from the rules and seed 000's examples."""

from __future__ import annotations

from datetime import date

import pytest

from osms.attachment import rules
from osms.attachment.rules import Application, DistrictFacts, Facts, Period
from osms.rulebooks.loader import load_rulebook
from tests.attachment.helpers import adult, clinic_facts

KZ = load_rulebook("kz-law")
SEEDS = load_rulebook("seeds-2016")
A = "860101300017"
PARENT = "600101300011"


def decide(app: Application, facts: Facts, book=KZ) -> rules.Outcome:
    return rules.decide(app, facts, book)


def attached_to(clinic: str, since: date, *, kind: str = "first", until: date | None = None, id_: int = 1) -> Period:
    return Period(id_, clinic, None, since, until, kind)


def test_first_attachment_is_immediate_with_home_visits() -> None:
    out = decide(Application(A, "Z", "first", date(2024, 3, 5)), Facts(adult(A), clinic_facts("Z")))
    assert out.decision == "accepted"
    assert out.effective_from == date(2024, 3, 5)
    assert out.previous_clinic is None and out.home_visits is True and out.kind == "first"
    assert out.codes == ("first_attachment",)


def test_seed_000_move_example_served_from_the_day_of_attachment() -> None:
    # [seed 000 §5] A lived in Almaty (clinic ALM), moved to Astana on 10 September, attached to clinic No. 8
    # on 11 September: detached from ALM automatically, served by No. 8 from 11 September.
    history = (attached_to("ALM", date(2020, 1, 1)),)
    out = decide(Application(A, "AST-8", "move", date(2024, 9, 11)), Facts(adult(A), clinic_facts("AST-8"), history))
    assert out.decision == "accepted"
    assert out.effective_from == date(2024, 9, 11)
    assert out.previous_clinic == "ALM"
    assert out.closes == (rules.Close(1, date(2024, 9, 10), "changed"),)
    assert out.codes == ("immediate_ground",)


def test_seed_000_campaign_example_new_clinic_from_1_january() -> None:
    # [seed 000 §5] B attached to N switched to Z when the campaign started (kz-law 2024: 15 Sept.):
    # N serves until 31 December, Z from 1 January of the next year.
    history = (attached_to("N", date(2019, 2, 1)),)
    out = decide(Application(A, "Z", "choice", date(2024, 9, 15)), Facts(adult(A), clinic_facts("Z"), history))
    assert out.decision == "accepted"
    assert out.effective_from == date(2025, 1, 1)
    assert out.previous_clinic == "N"
    assert out.kind == "campaign_choice"
    assert out.closes == (rules.Close(1, date(2024, 12, 31), "changed"),)


def test_campaign_dates_come_from_the_rulebook() -> None:
    history = (attached_to("N", date(2019, 2, 1)),)
    facts = Facts(adult(A), clinic_facts("Z"), history)
    # kz-law from 2025: 1 September - 1 November; to 2024: 15 September - 15 November.
    assert decide(Application(A, "Z", "choice", date(2025, 9, 1)), facts).kind == "campaign_choice"
    assert decide(Application(A, "Z", "choice", date(2025, 11, 2)), facts).kind == "free_choice"
    assert decide(Application(A, "Z", "choice", date(2024, 9, 1)), facts).kind == "free_choice"
    assert decide(Application(A, "Z", "choice", date(2024, 11, 15)), facts).kind == "campaign_choice"


def test_free_change_outside_the_campaign_is_immediate_and_limited_to_one_per_half_year() -> None:
    # docs/attachment.md (c), seed 000: at most once per half-year (kz-law free_change_limit 1 per 6 months).
    history = (
        attached_to("N", date(2019, 2, 1), until=date(2024, 2, 9), id_=1),
        attached_to("M", date(2024, 2, 10), kind="free_choice", id_=2),
    )
    facts = Facts(adult(A), clinic_facts("Z"), history)
    # Changed on 10 February: the next free change is possible six months later, on 10 August.
    out = decide(Application(A, "Z", "choice", date(2024, 8, 9)), facts)
    assert out.decision == "refused" and out.codes == ("change_limit_reached",)
    assert out.reasons[0].params == {"changes": "1", "months": "6", "date": "2024-02-10"}
    out = decide(Application(A, "Z", "choice", date(2024, 8, 10)), facts)
    assert out.decision == "accepted" and out.effective_from == date(2024, 8, 10) and out.kind == "free_choice"
    assert out.codes == ("free_change",)


def test_grounds_are_not_limited() -> None:
    history = (
        attached_to("N", date(2019, 2, 1), until=date(2024, 2, 9), id_=1),
        attached_to("M", date(2024, 2, 10), kind="free_choice", id_=2),
    )
    out = decide(Application(A, "Z", "job_or_study", date(2024, 3, 1)), Facts(adult(A), clinic_facts("Z"), history))
    assert out.decision == "accepted" and out.effective_from == date(2024, 3, 1)


def test_second_campaign_choice_is_refused_and_a_move_supersedes_the_pending_change() -> None:
    history = (
        attached_to("N", date(2019, 2, 1), until=date(2024, 12, 31), id_=1),
        Period(2, "Z", None, date(2025, 1, 1), None, "campaign_choice"),
    )
    facts = Facts(adult(A), clinic_facts("Y"), history)
    out = decide(Application(A, "Y", "choice", date(2024, 10, 1)), facts)
    assert out.codes == ("campaign_change_pending",)
    out = decide(Application(A, "Y", "move", date(2024, 11, 20)), facts)
    assert out.decision == "accepted" and out.effective_from == date(2024, 11, 20)
    assert out.closes == (
        rules.Close(1, date(2024, 11, 19), "changed"),
        rules.Close(2, date(2024, 12, 31), "superseded"),
    )


def test_already_attached_there_and_first_when_attached_elsewhere() -> None:
    history = (attached_to("Z", date(2020, 1, 1)),)
    out = decide(Application(A, "Z", "move", date(2024, 3, 1)), Facts(adult(A), clinic_facts("Z"), history))
    assert out.codes == ("already_attached",)
    out = decide(Application(A, "Y", "first", date(2024, 3, 1)), Facts(adult(A), clinic_facts("Y"), history))
    assert out.codes == ("not_first_attachment",)


def test_clinic_full_counts_pending_attachments() -> None:
    out = decide(
        Application(A, "Z", "first", date(2024, 3, 1)), Facts(adult(A), clinic_facts("Z", capacity=2, attached=2))
    )
    assert out.decision == "refused" and out.codes == ("clinic_full",)
    assert out.reasons[0].params == {"clinic": "Z", "capacity": "2"}


def test_district_over_norm_offers_another_of_the_right_specialty() -> None:
    districts = (
        DistrictFacts("T1", "therapist", 2, 2),
        DistrictFacts("P1", "pediatrician", 5, 0),
        DistrictFacts("T2", "therapist", 3, 1),
        DistrictFacts("G1", "gp", 3, 0),
    )
    facts = Facts(adult(A), clinic_facts("Z", districts=districts))
    out = decide(Application(A, "Z", "first", date(2024, 3, 1), district_id="T1"), facts)
    # An adult: a therapist first (T2 has room), never the pediatrician.
    assert out.decision == "offered_other_district" and out.district == "T2"
    assert out.codes == ("district_over_norm",) and out.effective_from is None and out.closes == ()
    # Chosen with room: attached to it.
    out = decide(Application(A, "Z", "first", date(2024, 3, 1), district_id="T2"), facts)
    assert out.decision == "accepted" and out.district == "T2"
    # No district chosen: the least filled therapist district with room.
    assert decide(Application(A, "Z", "first", date(2024, 3, 1)), facts).district == "T2"


def test_child_gets_a_pediatrician_and_a_therapist_district_is_the_wrong_specialty() -> None:
    child = adult("150601600014", birth_date=date(2015, 6, 1))
    districts = (DistrictFacts("T1", "therapist", 5, 0), DistrictFacts("P1", "pediatrician", 5, 4))
    facts = Facts(child, clinic_facts("Z", districts=districts), applicant_is_guardian=True)
    out = decide(Application(child.iin, "Z", "first", date(2024, 3, 1), "T1", PARENT), facts)
    assert out.decision == "offered_other_district" and out.district == "P1"
    assert out.codes == ("district_wrong_specialty",)


def test_outside_service_area_accepted_without_home_visits() -> None:
    # [seed 000 §6, seed 001 Q6]: allowed, but no home visits by the district doctor.
    person = adult(A, address_code="ALA-777")
    out = decide(Application(A, "Z", "first", date(2024, 3, 1)), Facts(person, clinic_facts("Z", area=("AST-001",))))
    assert out.decision == "accepted_no_home_visits" and out.home_visits is False
    assert out.codes == ("first_attachment", "outside_service_area")


def test_child_only_by_a_parent_or_guardian() -> None:
    child = adult("150601600014", birth_date=date(2015, 6, 1))
    app = Application(child.iin, "Z", "first", date(2024, 3, 1))
    assert decide(app, Facts(child, clinic_facts())).codes == ("minor_needs_guardian",)
    by_stranger = Application(child.iin, "Z", "first", date(2024, 3, 1), applicant_iin=PARENT)
    assert decide(by_stranger, Facts(child, clinic_facts())).codes == ("minor_needs_guardian",)
    out = decide(by_stranger, Facts(child, clinic_facts(), applicant_is_guardian=True))
    assert out.decision == "accepted"
    # From the 18th birthday the person applies alone.
    teen = adult("070601600016", birth_date=date(2007, 6, 1))
    assert decide(Application(teen.iin, "Z", "first", date(2025, 6, 1)), Facts(teen, clinic_facts())).decision == (
        "accepted"
    )
    assert decide(Application(teen.iin, "Z", "first", date(2025, 5, 31)), Facts(teen, clinic_facts())).codes == (
        "minor_needs_guardian",
    )


def test_adult_family_member_needs_a_family_link() -> None:
    spouse = adult("880202400015", birth_date=date(1988, 2, 2))
    app = Application(spouse.iin, "Z", "first", date(2024, 3, 1), applicant_iin=A)
    assert decide(app, Facts(spouse, clinic_facts(), applicant_birth_date=date(1986, 1, 1))).codes == (
        "not_family_member",
    )
    facts = Facts(spouse, clinic_facts(), applicant_is_family=True, applicant_birth_date=date(1986, 1, 1))
    assert decide(app, facts).decision == "accepted"


@pytest.mark.parametrize("residency", ["citizen", "kandas", "refugee", "foreigner_permit", "stateless_permit"])
def test_residents_with_permits_must_be_accepted(residency: str) -> None:
    # [seed 000 §7]: the clinic is obliged to attach foreigners and stateless persons living in the country.
    out = decide(Application(A, "Z", "first", date(2024, 3, 1)), Facts(adult(A, residency=residency), clinic_facts()))
    assert out.decision == "accepted"


@pytest.mark.parametrize("residency", ["foreigner_temporary", "asylum_seeker"])
def test_temporary_foreigners_and_asylum_seekers_are_not_attached(residency: str) -> None:
    out = decide(Application(A, "Z", "first", date(2024, 3, 1)), Facts(adult(A, residency=residency), clinic_facts()))
    assert out.codes == ("not_eligible_residency",)


def test_eaeu_migrant_for_the_contract_term() -> None:
    migrant = adult(A, residency="eaeu_migrant")
    app = Application(A, "Z", "first", date(2024, 3, 1))
    assert decide(app, Facts(migrant, clinic_facts())).codes == ("contract_term_required",)
    out = decide(
        Application(A, "Z", "first", date(2024, 3, 1), contract_until=date(2024, 12, 31)),
        Facts(migrant, clinic_facts()),
    )
    assert out.decision == "accepted" and out.until == date(2024, 12, 31)
    assert out.codes == ("first_attachment", "eaeu_contract_term")
    out = decide(
        Application(A, "Z", "first", date(2024, 3, 1), contract_until=date(2024, 2, 29)), Facts(migrant, clinic_facts())
    )
    assert out.codes == ("contract_expired",)


def test_kz_law_2026_free_choice_only_for_the_insured_grounds_stay_open() -> None:
    history = (attached_to("N", date(2019, 2, 1)),)
    not_insured = Facts(adult(A), clinic_facts("Z"), history, insured=False)
    out = decide(Application(A, "Z", "choice", date(2026, 3, 1)), not_insured)
    assert out.codes == ("not_insured_for_choice",)
    assert decide(Application(A, "Z", "move", date(2026, 3, 1)), not_insured).decision == "accepted"
    insured = Facts(adult(A), clinic_facts("Z"), history, insured=True)
    assert decide(Application(A, "Z", "choice", date(2026, 3, 1)), insured).decision == "accepted"
    # Before 2026 the status is not asked.
    assert decide(Application(A, "Z", "choice", date(2025, 3, 1)), not_insured).decision == "accepted"
    # A first attachment is open to everyone.
    first = Facts(adult(A), clinic_facts("Z"), (), insured=False)
    assert decide(Application(A, "Z", "choice", date(2026, 3, 1)), first).decision == "accepted"


def test_dead_unknown_and_backdated() -> None:
    dead = adult(A, death_date=date(2024, 2, 1))
    assert decide(Application(A, "Z", "first", date(2024, 3, 1)), Facts(dead, clinic_facts())).codes == ("deceased",)
    assert decide(Application(A, "Z", "first", date(2024, 3, 1)), Facts(None, clinic_facts())).codes == (
        "unknown_person",
    )
    assert decide(Application(A, "Z", "first", date(2024, 3, 1)), Facts(adult(A), None)).codes == ("unknown_clinic",)
    history = (attached_to("N", date(2024, 5, 1)),)
    out = decide(Application(A, "Z", "move", date(2024, 3, 1)), Facts(adult(A), clinic_facts("Z"), history))
    assert out.codes == ("backdated",)


def test_seeds_2016_rulebook_has_the_same_campaign_and_no_eaeu_term() -> None:
    history = (attached_to("N", date(2017, 2, 1)),)
    out = decide(Application(A, "Z", "choice", date(2018, 10, 1)), Facts(adult(A), clinic_facts("Z"), history), SEEDS)
    assert out.effective_from == date(2019, 1, 1)
    migrant = adult(A, residency="eaeu_migrant")
    out = decide(Application(A, "Z", "first", date(2018, 3, 1)), Facts(migrant, clinic_facts()), SEEDS)
    assert out.decision == "accepted" and out.until is None


def test_every_reason_code_has_a_sentence() -> None:
    assert set(rules.MESSAGES) >= {
        "clinic_full",
        "change_limit_reached",
        "already_attached",
        "not_eligible_residency",
        "outside_service_area",
    }
