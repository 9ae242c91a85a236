"""Applications through the service on a real database: seed 000's examples, history kept,
capacity, districts, families (docs/attachment.md)."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from osms.attachment import applications, campaign, service
from osms.attachment.models import Attachment, AttachmentApplication, Clinic
from osms.attachment.population import clinic_population
from osms.core.errors import InvalidInput, NotFound, OsmsError
from osms.registry.models import Person
from tests.attachment.conftest import ADULT, CHILD, SPOUSE, STRANGER, add_clinic
from tests.attachment.helpers import CAMPAIGN_HEADER, add_person, iin, write_csv


def apply(session, **kwargs):
    kwargs.setdefault("rulebook", "kz-law")
    decision = applications.apply(session, **kwargs)
    session.commit()
    return decision


def rows(session, number: str) -> list[tuple]:
    return [
        (a.clinic_id, a.valid_from, a.valid_to, a.kind, a.end_reason)
        for a in session.scalars(select(Attachment).where(Attachment.iin == number).order_by(Attachment.id))
    ]


def test_seed_000_move_example(country) -> None:
    # [seed 000 §5] A is attached in Almaty, moves to Astana on 10 September 2024 and attaches to clinic
    # No. 8 on 11 September: automatically detached from Almaty, served by No. 8 from 11 September.
    s = country
    first = apply(s, iin=ADULT, clinic_id="ALM-1", reason="first", on=date(2023, 3, 1))
    assert first.decision == "accepted_no_home_visits"  # lives at AST-001, outside ALM-1's area
    d = apply(s, iin=ADULT, clinic_id="AST-8", reason="move", on=date(2024, 9, 11))
    answer = d.as_dict()
    assert list(answer)[:5] == ["decision", "effective_from", "previous_clinic", "district", "reasons"]
    assert (answer["decision"], answer["effective_from"], answer["previous_clinic"], answer["district"]) == (
        "accepted",
        "2024-09-11",
        "ALM-1",
        "T1",
    )
    assert answer["reasons"][0]["code"] == "immediate_ground"
    assert set(answer["reasons"][0]["message"]) == {"kk", "ru", "en"}
    assert rows(s, ADULT) == [
        ("ALM-1", date(2023, 3, 1), date(2024, 9, 10), "first", "changed"),
        ("AST-8", date(2024, 9, 11), None, "ground", None),
    ]
    assert service.show(s, ADULT, date(2024, 9, 10))["clinic"] == "ALM-1"
    assert service.show(s, ADULT, date(2024, 9, 11))["clinic"] == "AST-8"


def test_seed_000_campaign_example(country) -> None:
    # [seed 000 §5] B, attached to N (AST-9), switches to Z (AST-8) when the campaign starts (kz-law 2024:
    # 15 September): served by N until 31 December, by Z from 1 January 2025.
    s = country
    apply(s, iin=ADULT, clinic_id="AST-9", reason="first", on=date(2022, 1, 10))
    d = apply(s, iin=ADULT, clinic_id="AST-8", reason="choice", on=date(2024, 9, 15))
    assert (d.decision, d.effective_from, d.previous_clinic, d.kind) == (
        "accepted",
        date(2025, 1, 1),
        "AST-9",
        "campaign_choice",
    )
    on_dec_31 = service.show(s, ADULT, date(2024, 12, 31))
    assert (on_dec_31["clinic"], on_dec_31["until"], on_dec_31["next"]["clinic"], on_dec_31["next"]["since"]) == (
        "AST-9",
        "2024-12-31",
        "AST-8",
        "2025-01-01",
    )
    assert service.show(s, ADULT, date(2025, 1, 1))["clinic"] == "AST-8"
    # A second choice in the same campaign is refused; a move later supersedes the pending change.
    again = apply(s, iin=ADULT, clinic_id="ALM-1", reason="choice", on=date(2024, 10, 1))
    assert (again.decision, again.codes) == ("refused", ["campaign_change_pending"])
    moved = apply(s, iin=ADULT, clinic_id="ALM-1", reason="move", on=date(2024, 11, 20))
    assert moved.effective_from == date(2024, 11, 20)
    assert rows(s, ADULT) == [
        ("AST-9", date(2022, 1, 10), date(2024, 11, 19), "first", "changed"),
        ("AST-8", date(2025, 1, 1), date(2024, 12, 31), "campaign_choice", "superseded"),
        ("ALM-1", date(2024, 11, 20), None, "ground", None),
    ]
    assert service.show(s, ADULT, date(2025, 2, 1))["clinic"] == "ALM-1"


def test_every_application_is_stored_with_its_decision(country) -> None:
    s = country
    apply(s, iin=ADULT, clinic_id="AST-8", reason="first", on=date(2024, 3, 1))
    apply(s, iin=ADULT, clinic_id="AST-8", reason="move", on=date(2024, 4, 1))
    stored = s.execute(
        select(AttachmentApplication.decision, AttachmentApplication.reason_codes).order_by(AttachmentApplication.id)
    ).all()
    assert stored == [("accepted", "first_attachment"), ("refused", "already_attached")]


def test_sequential_capacity_refuses_when_full(country) -> None:
    s = country
    add_clinic(s, "TINY", capacity=2, area="AST-001")
    people = [add_person(s, iin(date(1980, 1, 1), "M", serial=100 + i)) for i in range(4)]
    s.commit()
    decisions = [apply(s, iin=p, clinic_id="TINY", reason="first", on=date(2024, 3, 1)).decision for p in people]
    assert decisions == ["accepted", "accepted", "refused", "refused"]
    refused = apply(s, iin=ADULT, clinic_id="TINY", reason="first", on=date(2024, 3, 2))
    assert refused.codes == ["clinic_full"]
    assert refused.as_dict()["reasons"][0]["message"]["en"] == (
        "Clinic «Емхана TINY» (TINY) has reached its limit of attached persons (2)."
    )


def test_pending_attachments_count_against_capacity(country) -> None:
    s = country
    add_clinic(s, "TINY", capacity=1, area="AST-001")
    s.commit()
    apply(s, iin=ADULT, clinic_id="AST-8", reason="first", on=date(2024, 3, 1))
    apply(s, iin=SPOUSE, clinic_id="AST-9", reason="first", on=date(2024, 3, 1))
    # ADULT chooses TINY during the campaign: pending from 1 January, the one place is taken.
    assert apply(s, iin=ADULT, clinic_id="TINY", reason="choice", on=date(2024, 10, 1)).decision == "accepted"
    assert apply(s, iin=SPOUSE, clinic_id="TINY", reason="move", on=date(2024, 10, 2)).codes == ["clinic_full"]


def test_a_death_frees_the_place(country, engine, tmp_path) -> None:
    # An attachment ends with its person's death: the dead hold no place in a clinic's capacity
    # (docs/attachment.md capacity), in a single application as in the campaign file.
    s = country
    add_clinic(s, "TINY", capacity=1, area="AST-001")
    holder = add_person(s, iin(date(1940, 1, 1), "M", serial=310))
    s.commit()
    assert apply(s, iin=holder, clinic_id="TINY", reason="first", on=date(2024, 3, 1)).decision == "accepted"
    assert apply(s, iin=ADULT, clinic_id="TINY", reason="first", on=date(2024, 4, 1)).codes == ["clinic_full"]
    person_row = s.get(Person, holder)
    assert person_row is not None
    person_row.death_date = date(2024, 4, 20)
    s.commit()
    assert service.clinic_facts(s, s.get(Clinic, "TINY"), date(2024, 4, 21)).attached == 0
    assert clinic_population(s, "TINY", date(2024, 4, 21))["attached"] == 0
    # Through the campaign, for another person, the day after the death.
    path = write_csv(
        tmp_path / "apps.csv", CAMPAIGN_HEADER, [["D1", SPOUSE, "TINY", "first", "2024-04-21", "", "", ""]]
    )
    campaign.run_campaign(engine, path, results=tmp_path / "results.csv")
    assert service.show(s, SPOUSE, date(2024, 4, 21))["clinic"] == "TINY"


def test_district_over_norm_offers_another(country) -> None:
    s = country
    from tests.attachment.conftest import add_district

    add_clinic(s, "SMALL", capacity=10, area="AST-001")
    add_district(s, "SMALL", "T1", "therapist", 1)
    add_district(s, "SMALL", "T2", "therapist", 1)
    s.commit()
    assert (
        apply(s, iin=ADULT, clinic_id="SMALL", reason="first", on=date(2024, 3, 1), district_id="T1").district == "T1"
    )
    d = apply(s, iin=SPOUSE, clinic_id="SMALL", reason="first", on=date(2024, 3, 1), district_id="T1")
    assert (d.decision, d.district, d.effective_from, d.codes) == (
        "offered_other_district",
        "T2",
        None,
        ["district_over_norm"],
    )
    assert service.show(s, SPOUSE, date(2024, 3, 1)) is None  # an offer does not attach
    assert apply(s, iin=SPOUSE, clinic_id="SMALL", reason="first", on=date(2024, 3, 1), district_id="T2").decision == (
        "accepted"
    )


def test_child_by_parent_and_family_application(country) -> None:
    s = country
    alone = apply(s, iin=CHILD, clinic_id="AST-8", reason="first", on=date(2024, 3, 1))
    assert alone.codes == ["minor_needs_guardian"]
    by_stranger = apply(s, iin=CHILD, clinic_id="AST-8", reason="first", on=date(2024, 3, 1), applicant_iin=STRANGER)
    assert by_stranger.codes == ["minor_needs_guardian"]
    family = applications.apply_family(
        s,
        applicant_iin=ADULT,
        iins=[ADULT, SPOUSE, CHILD],
        clinic_id="AST-8",
        reason="first",
        on=date(2024, 3, 1),
        district_id="T1",
        rulebook="kz-law",
    )
    s.commit()
    assert [(d.iin, d.decision, d.district) for d in family] == [
        (ADULT, "accepted", "T1"),
        (SPOUSE, "accepted", "T1"),
        (CHILD, "accepted", "P1"),  # the therapist does not serve children: the pediatrician's district
    ]
    stranger = applications.apply_family(
        s, applicant_iin=ADULT, iins=[STRANGER], clinic_id="AST-8", reason="first", on=date(2024, 3, 1)
    )
    assert stranger[0].codes == ["not_family_member"]


def test_errors_have_codes(country) -> None:
    s = country
    with pytest.raises(NotFound) as err:
        applications.apply(s, iin=ADULT, clinic_id="NOPE", reason="first", on=date(2024, 3, 1))
    assert err.value.code == "unknown_clinic"
    with pytest.raises(NotFound) as err:
        applications.apply(s, iin=iin(date(1999, 9, 9), "M"), clinic_id="AST-8", reason="first", on=date(2024, 3, 1))
    assert err.value.code == "unknown_person"
    with pytest.raises(InvalidInput) as err:
        applications.apply(s, iin="123", clinic_id="AST-8", reason="first", on=date(2024, 3, 1))
    assert err.value.code.startswith("bad_iin:")
    with pytest.raises(InvalidInput) as err:
        applications.apply(s, iin=ADULT, clinic_id="AST-8", reason="bored", on=date(2024, 3, 1))
    assert err.value.code == "bad_reason"
    with pytest.raises(OsmsError) as outside:
        applications.apply(s, iin=ADULT, clinic_id="AST-8", reason="first", on=date(2010, 3, 1), rulebook="kz-law")
    assert (outside.value.status, outside.value.code) == (422, "date_outside_rulebook")


def test_dead_person_is_refused(country) -> None:
    s = country
    dead = add_person(s, iin(date(1950, 1, 1), "M", serial=300), death=date(2024, 1, 5))
    s.commit()
    d = apply(s, iin=dead, clinic_id="AST-8", reason="first", on=date(2024, 3, 1))
    assert (d.decision, d.codes, d.as_dict()["reasons"][0]["message"]["en"]) == (
        "refused",
        ["deceased"],
        "The person died on 5 January 2024.",
    )


def test_attachment_ends_with_death(country) -> None:
    # A clinic serves the living: once the registry records a death, show() answers "not attached"
    # from the day after (the population export drops the person the same way).
    s = country
    person = add_person(s, iin(date(1950, 2, 2), "M", serial=301))
    s.commit()
    assert apply(s, iin=person, clinic_id="AST-8", reason="first", on=date(2024, 3, 1)).decision.startswith("accepted")
    person_row = s.get(Person, person)
    assert person_row is not None
    person_row.death_date = date(2024, 6, 10)
    s.commit()
    assert service.show(s, person, date(2024, 6, 10))["clinic"] == "AST-8"
    assert service.show(s, person, date(2024, 6, 11)) is None


def test_eaeu_migrant_attachment_ends_with_the_contract(country) -> None:
    s = country
    migrant = add_person(s, iin(date(1990, 5, 5), "M", serial=400), residency="eaeu_migrant")
    s.commit()
    assert apply(s, iin=migrant, clinic_id="AST-8", reason="first", on=date(2024, 3, 1)).codes == [
        "contract_term_required"
    ]
    d = apply(s, iin=migrant, clinic_id="AST-8", reason="first", on=date(2024, 3, 1), contract_until=date(2024, 8, 31))
    assert (d.decision, d.until) == ("accepted", date(2024, 8, 31))
    assert service.show(s, migrant, date(2024, 8, 31))["clinic"] == "AST-8"
    assert service.show(s, migrant, date(2024, 9, 1)) is None


def test_kz_law_2026_choice_needs_insured_status(country) -> None:
    s = country
    # ADULT has no payments and no category: not insured in 2026.
    apply(s, iin=ADULT, clinic_id="AST-9", reason="first", on=date(2025, 5, 1))
    refused = apply(s, iin=ADULT, clinic_id="AST-8", reason="choice", on=date(2026, 3, 1))
    assert refused.codes == ["not_insured_for_choice"]
    # CHILD is state-paid (category child): insured, may choose.
    from tests.coverage.helpers import add_category

    add_category(s, CHILD, "child", date(2015, 6, 1), date(2033, 5, 31))
    s.commit()
    apply(s, iin=CHILD, clinic_id="AST-9", reason="first", on=date(2025, 5, 1), applicant_iin=ADULT)
    ok = apply(s, iin=CHILD, clinic_id="AST-8", reason="choice", on=date(2026, 3, 1), applicant_iin=ADULT)
    assert (ok.decision, ok.kind) == ("accepted", "free_choice")


def test_clinics_in_region_and_population(country) -> None:
    s = country
    apply(s, iin=ADULT, clinic_id="AST-8", reason="first", on=date(2024, 3, 1))
    apply(s, iin=CHILD, clinic_id="AST-8", reason="first", on=date(2024, 3, 1), applicant_iin=ADULT)
    listing = service.clinics_in_region(s, "KZ-AST", date(2024, 3, 1))
    assert [(c["clinic_id"], c["attached"], c["free"]) for c in listing] == [("AST-8", 2, 98), ("AST-9", 0, 100)]
    assert [(d["district_id"], d["attached"]) for d in listing[0]["districts"]] == [("P1", 1), ("T1", 1)]
    assert listing[0]["service_area"] == ["AST-001", "AST-002"]
    population = clinic_population(s, "AST-8", date(2024, 3, 1))
    assert (population["attached"], population["by_district"], population["by_age_group"]) == (
        2,
        {"P1": 1, "T1": 1},
        {"5-9": 1, "30-39": 1},
    )
    assert [p["iin"] for p in population["persons"]] == sorted([ADULT, CHILD])
    apps = service.clinic_applications(s, "AST-8")
    assert [(a["iin"], a["decision"]) for a in apps] == [(CHILD, "accepted"), (ADULT, "accepted")]
    assert s.scalar(select(func.count()).select_from(Attachment)) == 2
