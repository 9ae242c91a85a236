"""Monitoring and appeals through the service (osms.claims.monitoring), on SQLite and PostgreSQL:
findings, defects, objections and decisions on the clock, the deaths' queue, cases and complaints,
escalation, the month's close (docs/claims.md, "Monitoring and appeals")."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from osms.claims import monitoring
from osms.claims.models import Defect, MonitoringCase
from osms.core.errors import Forbidden, InvalidInput, NotFound
from osms.core.models import AuditEntry
from osms.registry.models import FamilyLink
from osms.rulebooks.loader import load_rulebook
from tests.claims import world
from tests.claims.monitor_world import AUDITOR, OPERATOR, REVIEWER, REVIEWER2, citizen, clinic, potential, record

FOUND = date(2026, 3, 20)  # objection until Wed 1 April 2026 (Nauryz skipped)
ADULT = world.iin(date(1980, 1, 1), "M")
CHILD = world.iin(date(2015, 6, 1), "F")
INFANT = world.iin(date(2025, 9, 1), "M")


@pytest.fixture
def land(session: Session) -> Session:
    world.add_provider(session, "P1", region="KZ-ALA")
    world.add_provider(session, "P2", region="KZ-AST")
    world.add_person(session, ADULT, birth=date(1980, 1, 1), sex="M")
    world.add_person(session, CHILD, birth=date(2015, 6, 1), sex="F")
    world.add_person(session, INFANT, birth=date(2025, 9, 1), sex="M", died=date(2026, 3, 10))
    session.add(FamilyLink(iin=CHILD, relative_iin=ADULT, relation="parent"))
    session.flush()
    return session


def _audits(session: Session, action: str) -> list[str | None]:
    return list(session.scalars(select(AuditEntry.subject_iin).where(AuditEntry.action == action)))


def test_findings_of_a_provider_month(land: Session) -> None:
    rec = record(land, "P1", "r1", ADULT, day=date(2026, 3, 19))
    clean = record(land, "P1", "r2", ADULT, day=date(2026, 3, 19))
    potential(land, rec, "duplicate", "3.1", FOUND)
    potential(land, rec, "doctor_overload", None, FOUND)
    other = record(land, "P2", "x1", CHILD, day=date(2026, 3, 5))
    potential(land, other, "duplicate", "3.1", FOUND)
    answer = monitoring.record_findings(land, clinic("P1"), "P1", "2026-03", channel="api", today=FOUND)
    assert [r["record_id"] for r in answer["records"]] == ["r1"]  # r2 has no finding; P2's is not listed
    assert clean.id not in [r["record_ref"] for r in answer["records"]]
    (row,) = answer["records"]
    assert [f["code"] for f in row["findings"]] == ["doctor_overload", "duplicate"]
    (defect,) = row["defects"]
    assert defect["code"] == "3.1" and defect["appeal"]["due_on"] == "2026-04-01"
    assert answer["findings_by_code"] == {"doctor_overload": 1, "duplicate": 1}
    assert answer["defects_by_status"] == {"notified": 1}
    assert _audits(land, "monitoring.findings.read") == [ADULT]
    with pytest.raises(Forbidden):
        monitoring.record_findings(land, clinic("P2"), "P1", "2026-03", channel="api")
    assert monitoring.record_findings(land, AUDITOR, "P1", "2026-04", channel="api")["records"] == []


def test_an_experts_additional_defect(land: Session) -> None:
    rec = record(land, "P1", "r1", ADULT)
    with pytest.raises(InvalidInput) as bad:
        monitoring.add_defect(land, OPERATOR, rec.id, "99.9", note="n", channel="cli", today=FOUND)
    assert bad.value.code == "unknown_defect_code"
    with pytest.raises(InvalidInput) as bad:
        monitoring.add_defect(land, OPERATOR, rec.id, "6.1", note=" ", channel="cli", today=FOUND)
    assert bad.value.code == "missing_note"
    with pytest.raises(NotFound):
        monitoring.add_defect(land, OPERATOR, 987654, "6.1", note="n", channel="cli", today=FOUND)
    with pytest.raises(Forbidden):
        monitoring.add_defect(land, clinic("P1"), rec.id, "6.1", note="n", channel="api", today=FOUND)
    view = monitoring.add_defect(
        land, OPERATOR, rec.id, "6.1", note="not per the protocol", evidence="card p.3", channel="cli", today=FOUND
    )
    assert (view["origin"], view["status"], view["found_on"], view["evidence"]) == (
        "additional",
        "notified",
        "2026-03-20",
        "card p.3",
    )
    assert view["record"]["iin"] == ADULT and view["appeal"]["due_on"] == "2026-04-01"
    assert monitoring.record_ref_of(land, "P1/r1") == rec.id


def test_a_late_objection_is_refused_and_the_defect_confirmed(land: Session) -> None:
    rec = record(land, "P1", "r1", ADULT)
    defect = potential(land, rec, "dead_before_service", "5.1", FOUND)
    assert defect is not None
    with pytest.raises(monitoring.Conflict) as late:
        monitoring.object_to(land, clinic("P1"), defect.id, "we did", channel="api", today=date(2026, 4, 2))
    assert late.value.code == "objection_late" and "2026-04-01" in late.value.message
    view = monitoring.defect_view(land, AUDITOR, defect.id, channel="api", today=date(2026, 4, 2))
    assert view["appeal"]["automatic"] and view["status"] == "confirmed"
    assert monitoring.confirm_lapsed(land, today=date(2026, 4, 2)) == 1
    assert land.get(Defect, defect.id).status == "confirmed"  # type: ignore[union-attr]


def test_the_appeal_through_its_reviewers(land: Session) -> None:
    rec = record(land, "P1", "r1", ADULT)
    defect = potential(land, rec, "duplicate", "3.1", FOUND)
    assert defect is not None
    with pytest.raises(Forbidden):
        monitoring.object_to(land, clinic("P2"), defect.id, "not ours", channel="api", today=FOUND)
    with pytest.raises(monitoring.Conflict) as early:
        monitoring.decide(land, REVIEWER, defect.id, "upheld", region="KZ-AST", channel="api", today=FOUND)
    assert early.value.code == "out_of_order"
    view = monitoring.object_to(land, clinic("P1"), defect.id, "a second visit", channel="api", today=date(2026, 4, 1))
    assert (view["status"], view["appeal"]["actor"], view["appeal"]["due_on"]) == (
        "objected",
        "reviewer_other_region",
        "2026-04-08",
    )
    with pytest.raises(monitoring.Conflict) as same:
        monitoring.decide(land, REVIEWER, defect.id, "upheld", region="KZ-ALA", channel="api", today=date(2026, 4, 2))
    assert same.value.code == "same_region"
    with pytest.raises(InvalidInput) as unknown:
        monitoring.decide(land, REVIEWER, defect.id, "upheld", region="XX", channel="api", today=date(2026, 4, 2))
    assert unknown.value.code == "unknown_region"
    monitoring.decide(land, REVIEWER, defect.id, "upheld", region="KZ-AST", channel="api", today=date(2026, 4, 2))
    view = monitoring.object_to(land, clinic("P1"), defect.id, "still", channel="api", today=date(2026, 4, 7))
    assert view["appeal"]["next_step"] == "second_review" and view["appeal"]["due_on"] == "2026-04-10"
    with pytest.raises(monitoring.Conflict) as again:
        monitoring.decide(land, REVIEWER, defect.id, "upheld", region="KZ-KAR", channel="api", today=date(2026, 4, 8))
    assert again.value.code == "same_reviewer"
    view = monitoring.decide(
        land, REVIEWER2, defect.id, "overturned", region="KZ-KAR", note="agree", channel="api", today=date(2026, 4, 8)
    )
    assert view["status"] == "central" and view["appeal"]["due_on"] == "2026-04-13"  # Thu 9, Fri 10, Mon 13
    view = monitoring.decide(
        land, OPERATOR, defect.id, "overturned", region="central", channel="api", today=date(2026, 4, 9)
    )
    assert (view["status"], view["appeal"]["final"]) == ("withdrawn", True)
    assert [s["step"] for s in view["steps"]] == ["objection", "review", "second_objection", "second_review", "central"]
    assert [s["region"] for s in view["steps"]] == [None, "KZ-AST", None, "KZ-KAR", "central"]
    assert land.get(Defect, defect.id).status == "withdrawn"  # type: ignore[union-attr]
    listed = monitoring.provider_defects(land, clinic("P1"), "P1", "2026-03", status="withdrawn", channel="api")
    assert [d["id"] for d in listed["defects"]] == [defect.id]
    assert monitoring.provider_defects(land, clinic("P1"), "P1", status="notified", channel="api")["defects"] == []


def test_the_deaths_queue(land: Session) -> None:
    hospital = record(
        land, "P1", "h1", ADULT, care_form="inpatient", day=date(2026, 3, 1), until=date(2026, 3, 9), outcome="died"
    )
    day = record(land, "P1", "d1", CHILD, care_form="day_hospital", day=date(2026, 3, 3), outcome="died")
    infant = record(land, "P2", "i1", INFANT, care_form="ambulance", day=date(2026, 3, 10), outcome="died")
    record(
        land, "P2", "a1", ADULT, care_form="ambulance", day=date(2026, 3, 10), outcome="died"
    )  # adult, not a hospital
    record(
        land,
        "P1",
        "h2",
        CHILD,
        care_form="inpatient",
        day=date(2026, 3, 1),
        until=date(2026, 3, 4),
        outcome="discharged",
    )
    seen = monitoring.death_queue(land, AUDITOR, month="2026-03", channel="api", today=FOUND)
    assert {i["record_id"]: (i["reason"], i["case_id"]) for i in seen["items"]} == {
        "h1": ("form", None),
        "d1": ("form", None),
        "i1": ("infant", None),
    }
    assert seen["opened"] == 0  # an auditor reads, never opens
    queue = monitoring.death_queue(land, OPERATOR, month="2026-03", open_cases=True, channel="cli", today=FOUND)
    assert queue["opened"] == 3 and queue["open"] == 3
    assert {i["record_ref"] for i in queue["items"]} == {hospital.id, day.id, infant.id}
    assert monitoring.death_queue(land, OPERATOR, open_cases=True, channel="cli", today=FOUND)["opened"] == 0
    with pytest.raises(Forbidden):
        monitoring.death_queue(land, AUDITOR, open_cases=True, channel="api", today=FOUND)
    assert sorted(set(_audits(land, "monitoring.deaths.read"))) == sorted({ADULT, CHILD, INFANT})
    case_id = next(i["case_id"] for i in queue["items"] if i["record_id"] == "h1")
    # a defect of a death's review runs on the deaths' clock: review within 3 working days
    view = monitoring.add_defect(
        land, OPERATOR, hospital.id, "9.0", note="avoidable", case_id=case_id, channel="cli", today=FOUND
    )
    view = monitoring.object_to(land, clinic("P1"), view["id"], "no", channel="api", today=date(2026, 4, 1))
    assert view["appeal"]["due_on"] == "2026-04-06"
    closed = monitoring.close_case(land, OPERATOR, case_id, "confirmed", channel="cli", today=FOUND)
    assert closed["status"] == "closed" and "defect" not in closed
    with pytest.raises(Forbidden):
        monitoring.death_queue(land, clinic("P1"), channel="api")


def test_a_citizens_complaint_becomes_defect_5_1(land: Session) -> None:
    rec = record(land, "P1", "r1", CHILD)
    with pytest.raises(Forbidden):
        monitoring.file_complaint(land, citizen(INFANT), rec.id, "no", channel="web", today=FOUND)
    case = monitoring.file_complaint(land, citizen(ADULT), rec.id, "we were not there", channel="web", today=FOUND)
    assert (case["kind"], case["trigger"], case["status"], case["complainant_iin"]) == (
        "unplanned",
        "complaint",
        "open",
        ADULT,
    )
    again = monitoring.file_complaint(land, citizen(ADULT), rec.id, "again", channel="web", today=FOUND)
    assert again["id"] == case["id"]
    listed = monitoring.provider_defects(land, clinic("P1"), "P1", channel="api")
    assert [c["id"] for c in listed["cases"]] == [case["id"]]  # the provider is told
    closed = monitoring.close_case(
        land, OPERATOR, case["id"], "confirmed", note="the family confirmed", channel="cli", today=FOUND
    )
    defect = closed["defect"]
    assert (defect["code"], defect["origin"], defect["case_id"], defect["status"]) == (
        "5.1",
        "additional",
        case["id"],
        "notified",
    )
    with pytest.raises(monitoring.Conflict) as twice:
        monitoring.close_case(land, OPERATOR, case["id"], "confirmed", channel="cli", today=FOUND)
    assert twice.value.code == "case_closed"


def test_unplanned_cases_need_a_trigger_and_a_name(land: Session) -> None:
    with pytest.raises(InvalidInput) as anonymous:
        monitoring.open_case(land, OPERATOR, provider_id="P1", trigger="complaint", channel="cli", today=FOUND)
    assert anonymous.value.code == "anonymous_complaint"
    with pytest.raises(InvalidInput) as unknown:
        monitoring.open_case(land, OPERATOR, provider_id="P1", trigger="whim", channel="cli", today=FOUND)
    assert unknown.value.code == "unknown_trigger"
    with pytest.raises(NotFound):
        monitoring.open_case(land, OPERATOR, provider_id="NOPE", trigger="risk", channel="cli", today=FOUND)
    case = monitoring.open_case(
        land, OPERATOR, provider_id="P1", trigger="extra_volume", note="asks +10%", channel="cli", today=FOUND
    )
    assert (case["kind"], case["month"], case["record_ref"]) == ("unplanned", "2026-03", None)


def test_escalation_counts_unconfirmed_cases(land: Session) -> None:
    world.add_contract(land, "P1", ["inpatient_planned"])
    recs = [record(land, "P1", f"r{n}", ADULT, day=date(2026, 3, n + 1)) for n in range(3)]
    earlier = record(land, "P1", "f1", ADULT, day=date(2026, 2, 10))
    d1 = potential(land, recs[0], "dead_before_service", "5.1", FOUND)
    d2 = potential(land, recs[1], "sex_mismatch", "5.1", FOUND)
    potential(land, recs[2], "duplicate", "3.1", FOUND)  # not an unconfirmed case
    d4 = potential(land, earlier, "dead_before_service", "5.1", date(2026, 2, 11))
    assert d1 and d2 and d4
    d2.status = "withdrawn"
    land.flush()
    report = monitoring.escalation(land, AUDITOR, "2026-03", channel="api", today=FOUND)
    assert report["amounts"] == "awaiting_payment_room"
    assert (report["mrp"], report["month_threshold"], report["contract_threshold"]) == (
        "4325",
        "865000.00",
        "3460000.00",
    )
    (row,) = report["providers"]
    assert (row["provider_id"], row["contract_id"], row["month_count"], row["contract_count"]) == (
        "P1",
        "C-P1-2026",
        1,
        2,
    )
    assert row["exceeds_month"] is None
    priced = monitoring.escalation(
        land, AUDITOR, "2026-03", channel="api", today=FOUND, amounts={d1.id: Decimal("900000.00"), d4.id: Decimal("1")}
    )
    (row,) = priced["providers"]
    assert (row["month_amount"], row["exceeds_month"], row["exceeds_contract"]) == ("900000.00", True, False)


def test_closing_a_month(land: Session) -> None:
    rec = record(land, "P1", "r1", ADULT)
    potential(land, rec, "duplicate", "3.1", FOUND)
    with pytest.raises(monitoring.Conflict) as early:
        monitoring.close_month(land, OPERATOR, "2026-03", channel="cli", today=date(2026, 3, 31))
    assert early.value.code == "month_not_over"
    with pytest.raises(monitoring.Conflict) as window:
        monitoring.close_month(land, OPERATOR, "2026-03", channel="cli", today=date(2026, 4, 1))
    assert window.value.code == "objection_window_open" and "2026-04-01" in window.value.message
    with pytest.raises(Forbidden):
        monitoring.close_month(land, AUDITOR, "2026-03", channel="api", today=date(2026, 4, 2))
    assert not monitoring.is_closed(land, date(2026, 3, 15))
    closed = monitoring.close_month(land, OPERATOR, "2026-03", channel="cli", today=date(2026, 4, 2))
    assert closed["confirmed_automatically"] == 1 and closed["defects_by_status"] == {"confirmed": 1}
    assert monitoring.is_closed(land, date(2026, 3, 15)) and monitoring.is_closed(land, "2026-03")
    with pytest.raises(monitoring.Conflict) as twice:
        monitoring.close_month(land, OPERATOR, "2026-03", channel="cli", today=date(2026, 4, 3))
    assert twice.value.code == "month_closed"


def test_seeds_2016_has_no_appeal_and_reviews_no_deaths(land: Session) -> None:
    book = load_rulebook("seeds-2016")
    rec = record(land, "P1", "r1", ADULT, day=date(2019, 3, 4), care_form="inpatient", outcome="died")
    defect = potential(land, rec, "duplicate", "3.1", date(2019, 3, 5))
    assert defect is not None
    with pytest.raises(monitoring.Conflict) as none:
        monitoring.object_to(land, clinic("P1"), defect.id, "n", channel="api", today=date(2019, 3, 6), rulebook=book)
    assert none.value.code in ("no_appeal", "appeal_final")
    queue = monitoring.death_queue(land, OPERATOR, channel="cli", today=date(2019, 3, 6), rulebook=book)
    assert queue["rule"] is None and queue["items"] == []
    assert land.scalar(select(func.count()).select_from(MonitoringCase)) == 0


def test_lapsed_deadlines_are_stored_set_based(land: Session) -> None:
    recs = [record(land, "P1", f"r{n}", ADULT, day=date(2026, 3, 2 + n)) for n in range(3)]
    silent = potential(land, recs[0], "duplicate", "3.1", FOUND)  # deadline Wed 1 April
    recent = potential(land, recs[1], "duplicate", "3.1", date(2026, 3, 31))  # deadline Tue 7 April
    reviewed = potential(land, recs[2], "duplicate", "3.1", date(2026, 3, 5))
    assert silent and recent and reviewed
    monitoring.object_to(land, clinic("P1"), reviewed.id, "no", channel="api", today=date(2026, 3, 6))
    monitoring.decide(land, REVIEWER, reviewed.id, "upheld", region="KZ-AST", channel="api", today=date(2026, 3, 26))
    # second objection within 3 working days of 26 March: Fri 27, Mon 30, Tue 31
    assert monitoring.confirm_lapsed(land, today=date(2026, 4, 1)) == 1
    assert monitoring.confirm_lapsed(land, today=date(2026, 4, 2)) == 1
    statuses = {d.id: (d.status, d.decided_on) for d in land.scalars(select(Defect))}
    assert statuses == {
        silent.id: ("confirmed", date(2026, 4, 2)),
        recent.id: ("notified", None),
        reviewed.id: ("confirmed", date(2026, 4, 1)),
    }


def test_seeds_2016_draws_a_reproducible_sample_for_expertise(land: Session) -> None:
    book = load_rulebook("seeds-2016")
    for n in range(200):
        record(land, "P1", f"s{n}", ADULT, care_form="inpatient", day=date(2019, 3, 4), outcome="discharged")
    record(land, "P1", "k1", ADULT, care_form="phc", day=date(2019, 3, 4))
    first = monitoring.sample_for_expertise(
        land, OPERATOR, "2019-03", channel="cli", rulebook=book, today=date(2019, 4, 1)
    )
    drawn = first["drawn"]["inpatient"]
    assert 5 <= drawn <= 40  # 10% of 200, by a hash of each key
    assert first["records"] == 201 and first["opened"] == sum(first["drawn"].values())
    again = monitoring.sample_for_expertise(
        land, OPERATOR, "2019-03", channel="cli", rulebook=book, today=date(2019, 4, 2)
    )
    assert again["drawn"] == first["drawn"] and again["opened"] == 0
    kinds = land.scalars(select(MonitoringCase.kind).where(MonitoringCase.trigger == "sample")).all()
    assert kinds == ["expertise"] * first["opened"]
    assert monitoring.sample_for_expertise(land, OPERATOR, "2026-03", channel="cli")["rule"] is None  # kz-law
    with pytest.raises(Forbidden):
        monitoring.sample_for_expertise(land, AUDITOR, "2019-03", channel="api", rulebook=book)


def test_the_reviewers_queue_and_the_cases(land: Session) -> None:
    recs = [record(land, provider, f"q{n}", ADULT) for n, provider in enumerate(("P1", "P2", "P1"))]
    defects = [potential(land, rec, "duplicate", "3.1", FOUND) for rec in recs]
    assert all(defects)
    ids = [d.id for d in defects if d is not None]
    monitoring.object_to(land, clinic("P1"), ids[0], "no", channel="api", today=date(2026, 3, 26))
    monitoring.object_to(land, clinic("P2"), ids[1], "no", channel="api", today=date(2026, 3, 27))
    # ids[2]: not objected, nothing for a reviewer
    every = monitoring.review_queue(land, AUDITOR, channel="api", today=date(2026, 4, 3))
    # review due 5 working days after 26 March: 27, 30, 31 March, 1, 2 April; after 27 March: ... 3 April
    assert [(i["id"], i["due_on"], i["overdue"]) for i in every["items"]] == [
        (ids[0], "2026-04-02", True),
        (ids[1], "2026-04-03", False),
    ]
    assert every["overdue"] == 1
    almaty = monitoring.review_queue(land, REVIEWER, region="KZ-ALA", channel="api", today=date(2026, 4, 3))
    assert [i["id"] for i in almaty["items"]] == [ids[1]]  # P1 is of Almaty: not for an Almaty reviewer
    assert monitoring.review_queue(land, REVIEWER, region="central", channel="api")["items"] == []
    with pytest.raises(Forbidden):
        monitoring.review_queue(land, clinic("P1"), channel="api")
    monitoring.file_complaint(land, citizen(ADULT), recs[0].id, "not me", channel="web", today=FOUND)
    monitoring.open_case(land, OPERATOR, provider_id="P2", trigger="risk", channel="cli", today=FOUND)
    listed = monitoring.list_cases(land, AUDITOR, kind="unplanned", channel="api")
    assert [(c["provider_id"], c["trigger"]) for c in listed["cases"]] == [("P1", "complaint"), ("P2", "risk")]
    assert monitoring.list_cases(land, AUDITOR, provider_id="P2", channel="api")["cases"][0]["trigger"] == "risk"
    assert monitoring.list_cases(land, AUDITOR, status="closed", channel="api")["cases"] == []
    with pytest.raises(InvalidInput):
        monitoring.list_cases(land, AUDITOR, kind="audit", channel="api")
