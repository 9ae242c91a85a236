"""The intake of service reports (docs/claims.md, "Intake"): what becomes of each row, with
hand-computed expectations on a small world (tests/claims/world.py)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from osms.claims.intake import IntakeResult, ingest_file, ingest_rows
from osms.core.bulkload import ImportFileError
from tests.claims.world import COLUMNS, Row, add_contract, add_person, add_provider, attach, iin, stay, write_csv

TODAY = date(2026, 3, 31)
ADULT = iin(date(1980, 5, 5), "M")
WOMAN = iin(date(1990, 7, 7), "F", 3)
CHILD = iin(date(2020, 1, 10), "M", 5)


def world(session: Session) -> None:
    add_person(session, ADULT, birth=date(1980, 5, 5), sex="M")
    add_person(session, WOMAN, birth=date(1990, 7, 7), sex="F")
    add_person(session, CHILD, birth=date(2020, 1, 10), sex="M")
    add_provider(session, "PHC1", kind="phc", capacity=1000)
    add_provider(session, "HOSP1")
    add_contract(session, "PHC1", ["phc", "consult_diag"])
    add_contract(session, "HOSP1", ["inpatient_emergency", "inpatient_planned"])
    for person in (ADULT, WOMAN, CHILD):
        attach(session, person, "PHC1", date(2025, 1, 1))
    session.commit()


def take(session: Session, rows: list[Row], **kw: object) -> IntakeResult:
    result = ingest_rows(
        session,
        [r.as_dict() for r in rows],
        source="test",
        created_by="tester",
        today=TODAY,
        **kw,  # type: ignore[arg-type]
    )
    session.commit()
    return result


def reasons(result: IntakeResult) -> list[str | None]:
    return [o.reason for o in result.outcomes]


def test_a_clean_visit_is_accepted_without_findings(session: Session) -> None:
    world(session)
    result = take(session, [Row("V1", "PHC1", ADULT)])
    assert [o.status for o in result.outcomes] == ["accepted"]
    assert result.outcomes[0].findings == []
    assert (result.rows, result.accepted, result.rejected) == (1, 1, 0)
    assert result.findings_by_code == {}
    stored = session.execute(text("SELECT iin, care_form, version, month FROM service_record")).one()
    assert stored[:3] == (ADULT, "phc", 1)
    assert str(stored[3]) == "2026-03-01"


@pytest.mark.parametrize(
    ("row", "code"),
    [
        (Row("R1", "PHC1", "123"), "bad_iin"),
        (Row("R1", "PHC1", ""), "missing_field"),
        (Row("R1", "PHC1", iin(date(1970, 1, 1), "F", 9)), "unknown_person"),
        (Row("R1", "NOPE", ADULT), "unknown_provider"),
        (Row("R1", "PHC1", ADULT, service_code="X.999"), "unknown_service_code"),
        (stay("R1", "HOSP1", ADULT, group="NO.SUCH", start="2026-03-01", end="2026-03-05"), "unknown_case_group"),
        (Row("R1", "PHC1", ADULT, icd10="ZZZ"), "unknown_icd10"),
        (Row("R1", "PHC1", ADULT, date_from="2026-03-05", date_to="2026-03-04"), "dates_reversed"),
        (Row("R1", "PHC1", ADULT, date_from="2026-04-01", date_to="2026-04-01"), "future_date"),
        (Row("R1", "PHC1", ADULT, date_from="2026-02-30"), "bad_date"),
        (Row("R1", "PHC1", ADULT, care_form="spa"), "unknown_care_form"),
        (Row("R1", "PHC1", ADULT, care_type="magic"), "unknown_care_type"),
        (Row("R1", "PHC1", ADULT, outcome="cured"), "unknown_outcome"),
        (Row("R1", "PHC1", ADULT, procedures="88.7;X1"), "unknown_procedure"),
        (Row("R1", "PHC1", ADULT, quantity="0"), "bad_value"),
        (Row("R1", "PHC1", ADULT, referral="yes"), "bad_value"),
    ],
)
def test_each_reject_code(session: Session, row: Row, code: str) -> None:
    world(session)
    result = take(session, [row])
    assert reasons(result) == [code]
    assert result.rejected_by_reason == {code: 1}
    assert session.execute(text("SELECT COUNT(*) FROM service_record")).scalar_one() == 0
    kept = session.execute(text("SELECT line, code FROM import_rejection")).one()
    assert tuple(kept) == (1, code)


def test_duplicate_key_in_one_file_and_not_own_record(session: Session) -> None:
    world(session)
    result = take(
        session,
        [Row("R1", "PHC1", ADULT), Row("R1", "PHC1", WOMAN), Row("R2", "HOSP1", ADULT)],
        only_provider="PHC1",
    )
    assert reasons(result) == [None, "duplicate_key", "not_own_record"]
    assert result.outcomes[1].message == "record R1 of PHC1 is already on line 1"


def test_sending_again_changes_nothing_and_a_correction_keeps_history(session: Session) -> None:
    world(session)
    first = take(session, [Row("R1", "PHC1", ADULT)])
    again = take(session, [Row("R1", "PHC1", ADULT)])
    assert [o.status for o in again.outcomes] == ["unchanged"]
    assert again.outcomes[0].record_ref == first.outcomes[0].record_ref
    fixed = take(session, [Row("R1", "PHC1", ADULT, icd10="J20.9")])
    assert [o.status for o in fixed.outcomes] == ["corrected"]
    assert (fixed.corrected, fixed.accepted) == (1, 0)
    assert session.execute(text("SELECT icd10, version FROM service_record")).one() == ("J20.9", 2)
    assert session.execute(text("SELECT icd10, version FROM service_record_version")).one() == ("J06.9", 1)


def test_a_closed_month_refuses_new_and_corrected_records(session: Session) -> None:
    world(session)
    take(session, [Row("R1", "PHC1", ADULT, date_from="2026-02-10", date_to="2026-02-10")])
    session.execute(
        text("INSERT INTO service_month_close (month, closed_at, closed_by) VALUES (:m, CURRENT_TIMESTAMP, 'x')"),
        {"m": date(2026, 2, 1) if session.bind.dialect.name == "postgresql" else "2026-02-01"},  # type: ignore[union-attr]
    )
    session.commit()
    result = take(
        session,
        [
            Row("R1", "PHC1", ADULT, date_from="2026-02-10", date_to="2026-02-10", icd10="J20.9"),
            Row("R2", "PHC1", ADULT, date_from="2026-02-11", date_to="2026-02-11"),
        ],
    )
    assert reasons(result) == ["month_closed", "month_closed"]
    assert result.outcomes[0].message == "record R1: its month 2026-02 is closed, it can no longer be corrected"
    again = take(session, [Row("R1", "PHC1", ADULT, date_from="2026-02-10", date_to="2026-02-10")])
    assert [o.status for o in again.outcomes] == ["unchanged"]


def test_a_file_in_any_column_order(engine: Engine, session: Session, tmp_path: Path) -> None:
    world(session)
    columns = list(reversed(COLUMNS))
    path = write_csv(tmp_path / "day.csv", [Row("R1", "PHC1", ADULT), Row("R2", "PHC1", "bad")], columns)
    result = ingest_file(engine, path, today=TODAY, rejects_file=tmp_path / "rej.csv")
    assert (result.rows, result.accepted, result.rejected) == (2, 1, 1)
    assert result.rejected_by_reason == {"bad_iin": 1}
    assert (tmp_path / "rej.csv").read_text().splitlines()[1].startswith("3,bad_iin,")
    keys = {"rows", "accepted", "rejected", "rejected_by_reason", "findings_by_code", "seconds"}
    assert set(result.as_dict()) >= keys


def test_a_bad_header_refuses_the_file(engine: Engine, session: Session, tmp_path: Path) -> None:
    world(session)
    path = tmp_path / "x.csv"
    path.write_text("record_id,iin\nR1,1\n", encoding="utf-8")
    with pytest.raises(ImportFileError):
        ingest_file(engine, path, today=TODAY)
