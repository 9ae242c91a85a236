"""The checks of accepted service records (docs/claims.md, "Checks"): one test per finding, with
the expected findings worked out by hand on a small world (tests/claims/world.py)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.orm import Session

from osms.claims.intake import IntakeResult, ingest_rows
from osms.claims.rulebook import ClaimsTopic
from osms.providers import contracts
from osms.rulebooks.loader import load_rulebook, load_rulebook_from_path
from tests.claims.world import Row, add_contract, add_person, add_provider, attach, iin, stay

TODAY = date(2026, 3, 31)
ADULT = iin(date(1980, 5, 5), "M")
WOMAN = iin(date(1990, 7, 7), "F", 3)
TEEN = iin(date(2008, 3, 2), "M", 5)  # 18 on 2026-03-02
DEAD = iin(date(1950, 2, 2), "M", 7)  # died 2026-03-01
DOCTOR = iin(date(1975, 4, 4), "F", 11)


def world(session: Session) -> None:
    add_person(session, ADULT, birth=date(1980, 5, 5), sex="M")
    add_person(session, WOMAN, birth=date(1990, 7, 7), sex="F")
    add_person(session, TEEN, birth=date(2008, 3, 2), sex="M")
    add_person(session, DEAD, birth=date(1950, 2, 2), sex="M", died=date(2026, 3, 1))
    add_provider(session, "PHC1", kind="phc", capacity=1000)
    add_provider(session, "PHC2", kind="phc", capacity=1000)
    add_provider(session, "HOSP1")
    add_provider(session, "HOSP2")
    add_contract(session, "PHC1", ["phc", "consult_diag"])
    add_contract(session, "PHC2", ["phc"])
    for hospital in ("HOSP1", "HOSP2"):
        add_contract(session, hospital, ["inpatient_emergency", "inpatient_planned", "palliative"])
    for person in (ADULT, WOMAN, TEEN, DEAD):
        attach(session, person, "PHC1", date(2025, 1, 1))
    session.commit()


def take(session: Session, rows: list[Row]) -> IntakeResult:
    result = ingest_rows(session, [r.as_dict() for r in rows], source="test", created_by="tester", today=TODAY)
    session.commit()
    assert [o.reason for o in result.outcomes] == [None] * len(rows)
    return result


def found(result: IntakeResult) -> list[list[tuple[str, str | None]]]:
    return [o.findings for o in result.outcomes]


def defects(session: Session) -> list[tuple[str, str, str]]:
    return [tuple(r) for r in session.execute(text("SELECT code, origin, status FROM defect ORDER BY id"))]


def test_a_service_after_death_is_defect_5_1(session: Session) -> None:
    world(session)
    result = take(
        session,
        [
            Row("V1", "PHC1", DEAD, date_from="2026-03-02", date_to="2026-03-02"),
            Row("V2", "PHC1", DEAD, date_from="2026-03-01", date_to="2026-03-01"),
        ],
    )
    assert found(result) == [[("dead_before_service", "5.1")], []]
    assert defects(session) == [("5.1", "potential", "notified")]
    detail = session.execute(text("SELECT detail, provider_id, month FROM service_finding")).one()
    assert detail[0] == "the person died on 2026-03-01"
    assert result.findings_by_code == {"dead_before_service": 1} and result.defects == 1


def test_duplicate_the_later_record_against_the_register(session: Session) -> None:
    world(session)
    take(session, [Row("V1", "PHC1", ADULT)])
    result = take(
        session,
        [
            Row("V2", "PHC1", ADULT),  # same provider, person, service, date as V1 (sent earlier)
            Row("V3", "PHC1", ADULT, service_code="A01.005.000"),  # another service: not a duplicate
            Row("V4", "PHC1", ADULT, date_from="2026-03-03", date_to="2026-03-03"),  # another day
        ],
    )
    assert found(result) == [[("duplicate", "3.1")], [], []]
    assert session.execute(text("SELECT detail FROM service_finding")).scalar_one() == "the same as record V1"


def test_overlapping_stays_of_one_person_at_two_hospitals(session: Session) -> None:
    world(session)
    result = take(
        session,
        [
            stay("S1", "HOSP1", ADULT, group="SYN.SU01", start="2026-03-01", end="2026-03-10"),
            stay("S2", "HOSP2", ADULT, group="SYN.SU01", start="2026-03-09", end="2026-03-12"),  # overlaps S1
            stay("S3", "HOSP2", ADULT, group="SYN.SU01", start="2026-03-12", end="2026-03-15"),  # transfer day only
        ],
    )
    # S3 shares only the day S2 ended (a transfer): no overlap; but S1 was discharged on 10 March,
    # 2 days before S3 began: a readmission
    assert found(result) == [[], [("overlapping_stay", None)], [("readmission_30d", "4.0")]]


def test_not_in_contract(session: Session) -> None:
    world(session)
    # PHC2's contract covers phc, not consult_diag; PHC1's covers both.
    row = Row("O1", "PHC2", ADULT, care_form="outpatient", care_type="consult_diag", referral="true")
    ok = Row("O2", "PHC1", ADULT, care_form="outpatient", care_type="consult_diag", referral="true")
    result = take(session, [row, ok])
    assert ("not_in_contract", "11.0") in found(result)[0]
    assert ("not_in_contract", "11.0") not in found(result)[1]
    # a service before the contract began
    early = take(session, [Row("V9", "PHC1", ADULT, date_from="2025-12-30", date_to="2025-12-30")])
    assert found(early) == [[("not_in_contract", "11.0")]]


def test_not_attached(session: Session) -> None:
    world(session)
    result = take(session, [Row("V1", "PHC2", ADULT), Row("V2", "PHC1", ADULT)])
    assert found(result) == [[("not_attached", None)], []]


def test_not_covered_by_package_and_by_insurance(session: Session) -> None:
    world(session)
    result = take(
        session,
        [
            # planned specialist care (OSMS package) on a referral, for a person with no contributions
            Row("O1", "PHC1", ADULT, care_form="outpatient", care_type="consult_diag", referral="true"),
            # PHC is GOBMP for a citizen: covered whatever the insurance
            Row("V1", "PHC1", ADULT, date_from="2026-03-03", date_to="2026-03-03"),
        ],
    )
    assert found(result) == [[("not_covered", None)], []]
    detail = session.execute(text("SELECT detail FROM service_finding")).scalar_one()
    assert detail.startswith("not insured; none")


def test_no_referral(session: Session) -> None:
    world(session)
    planned = dict(care_type="inpatient_planned", emergency="false")
    result = take(
        session,
        [
            stay("S1", "HOSP1", ADULT, group="SYN.SU01", start="2026-03-01", end="2026-03-03", **planned),
            stay(
                "S2", "HOSP1", WOMAN, group="SYN.SU01", start="2026-03-01", end="2026-03-03", referral="true", **planned
            ),
            stay("S3", "HOSP1", TEEN, group="SYN.SU01", start="2026-03-04", end="2026-03-05"),  # emergency
        ],
    )
    assert [("no_referral", None) in f for f in found(result)] == [True, False, False]


def test_sex_and_age_mismatch(session: Session) -> None:
    world(session)
    result = take(
        session,
        [
            Row("V1", "PHC1", ADULT, care_form="outpatient", service_code="SYN.CONS.GYN"),  # F only
            Row("V2", "PHC1", WOMAN, care_form="outpatient", service_code="SYN.CONS.GYN"),
            Row("V3", "PHC1", TEEN, service_code="A01.002.000", date_from="2026-03-01", date_to="2026-03-01"),
            Row("V4", "PHC1", TEEN, service_code="A01.002.000", date_from="2026-03-02", date_to="2026-03-02"),
            Row("V5", "PHC1", TEEN, service_code="A01.001.000", date_from="2026-03-01", date_to="2026-03-01"),
            Row("V6", "PHC1", TEEN, service_code="A01.001.000", date_from="2026-03-02", date_to="2026-03-02"),
        ],
    )
    # the pediatrician 0-17: 17 on 1 March, 18 on 2 March; the therapist 18+: the other way round
    assert found(result) == [
        [("sex_mismatch", "5.1")],
        [],
        [],
        [("age_mismatch", "1.2")],
        [("age_mismatch", "1.2")],
        [],
    ]


def test_doctor_overload_marks_every_record_of_the_day(session: Session) -> None:
    world(session)
    first = take(session, [Row("V1", "PHC1", ADULT, quantity="59", doctor_iin=DOCTOR)])
    assert found(first) == [[]]
    second = take(session, [Row("V2", "PHC1", WOMAN, quantity="1", doctor_iin=DOCTOR)])
    assert found(second) == [[]]  # 60: at the maximum, not above
    third = take(session, [Row("V3", "PHC1", TEEN, quantity="1", doctor_iin=DOCTOR)])
    assert found(third) == [[("doctor_overload", None)]]
    rows = session.execute(
        text(
            "SELECT r.record_id, f.detail FROM service_finding f JOIN service_record r "
            "ON r.id = f.record_ref ORDER BY r.record_id"
        )
    ).all()
    assert [tuple(r) for r in rows] == [(f"V{i}", "the doctor's services that day: 61 (at most 60)") for i in (1, 2, 3)]


def test_readmission_within_30_days(session: Session) -> None:
    world(session)
    take(
        session,
        [
            stay("S1", "HOSP1", ADULT, group="SYN.SU01", start="2026-02-01", end="2026-02-10"),
            stay("S2", "HOSP1", WOMAN, group="SYN.SU01", start="2026-02-01", end="2026-02-10"),
        ],
    )
    result = take(
        session,
        [
            # 2026-02-10 + 30 days = 2026-03-12: still a readmission; 2026-03-13 is not
            stay("S3", "HOSP2", ADULT, group="SYN.SU01", start="2026-03-12", end="2026-03-14"),
            stay("S4", "HOSP2", WOMAN, group="SYN.SU01", start="2026-03-13", end="2026-03-14"),
        ],
    )
    assert found(result) == [[("readmission_30d", "4.0")], []]
    assert ("4.0", "potential", "notified") in defects(session)


def test_palliative_care_is_no_readmission(session: Session) -> None:
    world(session)
    take(
        session,
        [
            stay(
                "S1",
                "HOSP1",
                ADULT,
                group="SYN.PU01",
                start="2026-02-01",
                end="2026-02-10",
                care_type="palliative",
                emergency="false",
            )
        ],
    )
    result = take(
        session,
        [
            stay(
                "S2",
                "HOSP1",
                ADULT,
                group="SYN.PU01",
                start="2026-02-20",
                end="2026-02-22",
                care_type="palliative",
                emergency="false",
            )
        ],
    )
    assert ("readmission_30d", "4.0") not in found(result)[0]


def test_a_correction_replaces_the_findings_and_the_notified_defects(session: Session) -> None:
    world(session)
    take(session, [Row("V1", "PHC1", DEAD, date_from="2026-03-02", date_to="2026-03-02")])
    assert defects(session) == [("5.1", "potential", "notified")]
    fixed = take(session, [Row("V1", "PHC1", DEAD, date_from="2026-02-27", date_to="2026-02-27")])
    assert [o.status for o in fixed.outcomes] == ["corrected"]
    assert found(fixed) == [[]]
    assert defects(session) == []
    assert session.execute(text("SELECT COUNT(*) FROM service_finding")).scalar_one() == 0
    assert session.execute(text("SELECT date_from FROM service_record_version")).scalar_one() in (
        date(2026, 3, 2),
        "2026-03-02",
    )


def test_a_check_not_in_force_finds_nothing(session: Session, tmp_path: Path) -> None:
    # A rulebook extending kz-law in which, from 10 March 2026, only dead_before_service is checked.
    folder = tmp_path / "kz-narrow"
    folder.mkdir()
    (folder / "rulebook.yaml").write_text("name: kz-narrow\nextends: kz-law\n", encoding="utf-8")
    codes = load_rulebook("kz-law").topic(ClaimsTopic).findings(date(2026, 3, 1))
    wide = ", ".join(f"{k}: {'null' if v is None else repr(v)}" for k, v in codes.items())
    (folder / "claims.yaml").write_text(
        "findings:\n"
        f"  - {{valid_from: 2021-01-01, valid_to: 2026-03-09, codes: {{{wide}}}, source: test}}\n"
        '  - {valid_from: 2026-03-10, codes: {dead_before_service: "5.1"}, source: test}\n',
        encoding="utf-8",
    )
    book = load_rulebook_from_path(folder)
    world(session)
    rows = [
        Row("V1", "PHC1", DEAD, date_from="2026-03-05", date_to="2026-03-05"),
        Row("V2", "PHC1", DEAD, date_from="2026-03-05", date_to="2026-03-05"),
        Row("V3", "PHC1", DEAD, date_from="2026-03-12", date_to="2026-03-12"),
        Row("V4", "PHC1", DEAD, date_from="2026-03-12", date_to="2026-03-12"),
    ]
    result = ingest_rows(session, [r.as_dict() for r in rows], source="t", created_by="t", today=TODAY, rulebook=book)
    assert found(result) == [
        [("dead_before_service", "5.1")],
        [("dead_before_service", "5.1"), ("duplicate", "3.1")],
        [("dead_before_service", "5.1")],
        [("dead_before_service", "5.1")],  # a duplicate of V3, but duplicates are not checked that day
    ]


def test_a_terminated_contract_covers_nothing_from_its_termination(session: Session) -> None:
    world(session)
    contracts.terminate(session, "C-PHC1-2026", date(2026, 3, 5), "agreement")
    session.commit()
    result = take(
        session,
        [
            Row("V1", "PHC1", ADULT, date_from="2026-03-04", date_to="2026-03-04"),
            Row("V2", "PHC1", ADULT, date_from="2026-03-05", date_to="2026-03-05"),
        ],
    )
    assert found(result) == [[], [("not_in_contract", "11.0")]]
