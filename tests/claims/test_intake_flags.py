"""The optional flags of a service record, ``at_home``, ``remote``, ``preventive_child`` (PAY
п.66-68; docs/claims.md, "Intake"): the file's optional columns, the API (JSON and CSV) and FHIR
(``item.locationCodeableConcept``, ``item.modifier``), one code path, stored on the record and in
its content digest."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from fhir.resources.R4B.claim import Claim
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select, text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from osms.claims.intake import FLAG_COLUMNS, ingest_file, ingest_rows
from osms.claims.models import ServiceRecord
from osms.claims.parse import Parsed, RowChecker
from osms.core.rows import Rejection
from osms.fhir.claims import (
    CLAIM_EXAMPLE,
    HL7_SERVICE_PLACE_SYSTEM,
    SERVICE_MODIFIER_SYSTEM,
    SERVICE_PLACE_SYSTEM,
    claim_row,
)
from osms.rulebooks.loader import load_rulebook
from tests.claims import channels_world
from tests.claims.test_intake import ADULT, CHILD, TODAY, world
from tests.claims.world import COLUMNS, Row, stay, write_csv

CHECKER = RowChecker(load_rulebook("kz-law"), today=TODAY)
FLAG_TEXT = st.sampled_from(["", "true", "false", "TRUE", "False", " true ", "maybe", "1", "0", "yes"])


def visit(record_id: str, person: str = ADULT, **flags: str) -> dict[str, str]:
    """An outpatient GP visit (A01.003.000, consult_diag) with the given flags."""
    row = Row(record_id, "PHC1", person, care_form="outpatient", care_type="consult_diag").as_dict()
    return {**row, **flags}


def take(session: Session, rows: list[dict[str, str]]) -> list[tuple[str, str | None]]:
    result = ingest_rows(session, rows, source="test", created_by="tester", today=TODAY)
    session.commit()
    return [(o.status, o.reason) for o in result.outcomes]


def flags_of(session: Session, record_id: str) -> tuple[bool, bool, bool]:
    found = session.scalars(select(ServiceRecord).where(ServiceRecord.record_id == record_id)).one()
    return (found.at_home, found.remote, found.preventive_child)


def test_a_file_with_the_optional_columns_stores_the_flags(engine: Engine, session: Session, tmp_path: Path) -> None:
    world(session)
    rows = [
        visit("H1", at_home="true"),
        visit("R1", remote="TRUE"),
        visit("P1", CHILD, preventive_child="true", service_code="SYN.CONS.CARDIO"),
        visit("N1", at_home="false", remote="", preventive_child=""),
    ]
    header = ["preventive_child", *reversed(COLUMNS), "at_home", "remote"]  # any order
    result = ingest_file(engine, write_csv(tmp_path / "f.csv", rows, header), today=TODAY)
    assert (result.rows, result.accepted, result.rejected) == (4, 4, 0)
    session.expire_all()
    assert flags_of(session, "H1") == (True, False, False)
    assert flags_of(session, "R1") == (False, True, False)
    assert flags_of(session, "P1") == (False, False, True)
    assert flags_of(session, "N1") == (False, False, False)


def test_a_file_may_carry_some_of_the_flags_and_one_without_them_reads_as_before(
    engine: Engine, session: Session, tmp_path: Path
) -> None:
    world(session)
    only_home = ingest_file(
        engine, write_csv(tmp_path / "a.csv", [visit("H1", at_home="true")], [*COLUMNS, "at_home"]), today=TODAY
    )
    plain = ingest_file(engine, write_csv(tmp_path / "b.csv", [visit("V1")]), today=TODAY)
    assert (only_home.accepted, plain.accepted) == (1, 1)
    session.expire_all()
    assert flags_of(session, "H1") == (True, False, False)
    assert flags_of(session, "V1") == (False, False, False)


@pytest.mark.parametrize(
    ("flags", "form", "reason"),
    [
        ({"at_home": "maybe"}, "outpatient", "bad_value"),
        ({"remote": "1"}, "outpatient", "bad_value"),
        ({"preventive_child": "yes"}, "outpatient", "bad_value"),
        ({"at_home": "true", "remote": "true"}, "outpatient", "home_and_remote"),
        ({"at_home": "true"}, "phc", "flags_outpatient_only"),
        ({"remote": "true"}, "phc", "flags_outpatient_only"),
    ],
)
def test_bad_flags_are_rejected_and_the_row_kept(
    session: Session, flags: dict[str, str], form: str, reason: str
) -> None:
    world(session)
    row = {**visit("X1", **flags), "care_form": form, "care_type": "phc" if form == "phc" else "consult_diag"}
    assert take(session, [row, visit("OK")]) == [("rejected", reason), ("accepted", None)]
    kept = session.execute(text("SELECT code, raw FROM import_rejection")).one()
    assert kept[0] == reason and kept[1].startswith("X1,PHC1,")
    assert session.scalar(select(ServiceRecord.record_id)) == "OK"


def test_flags_on_a_hospital_case_are_rejected(session: Session) -> None:
    world(session)
    case = {**stay("S1", "HOSP1", ADULT, group="SYN.CA01", start="2026-03-01", end="2026-03-05").as_dict()}
    assert take(session, [{**case, "at_home": "true"}]) == [("rejected", "flags_outpatient_only")]


def test_a_changed_flag_is_a_correction_and_the_old_content_is_kept(session: Session) -> None:
    world(session)
    assert take(session, [visit("V1")]) == [("accepted", None)]
    before = session.scalar(select(ServiceRecord.digest))
    # the same visit with every flag false (spelt out or empty) is the same content: unchanged
    assert take(session, [visit("V1", at_home="false", remote="", preventive_child="false")]) == [("unchanged", None)]
    assert take(session, [visit("V1", at_home="true")]) == [("corrected", None)]
    session.expire_all()
    stored = session.scalars(select(ServiceRecord)).one()
    assert (stored.version, stored.at_home, stored.digest != before) == (2, True, True)
    history = session.execute(text("SELECT version, at_home, digest FROM service_record_version")).one()
    assert (history[0], bool(history[1]), history[2]) == (1, False, before)
    # sent again at home: unchanged; then remote instead: corrected again (version 3)
    assert take(session, [visit("V1", at_home="true")]) == [("unchanged", None)]
    assert take(session, [visit("V1", remote="true")]) == [("corrected", None)]
    session.expire_all()
    assert flags_of(session, "V1") == (False, True, False)


@settings(max_examples=300, deadline=None)
@given(st.tuples(FLAG_TEXT, FLAG_TEXT, FLAG_TEXT), st.sampled_from(["outpatient", "phc"]))
def test_the_flags_are_read_as_written_or_refused(texts: tuple[str, str, str], form: str) -> None:
    """Any flag text: true/false/empty in any case and spacing is read, anything else is
    ``bad_value``; home and remote together, or a flag on PHC, are refused; a record whose flags are
    all false has the digest of the same row without the flag columns."""
    row = visit("V1", care_form=form, care_type="phc" if form == "phc" else "consult_diag")
    plain = CHECKER.check([row[c] for c in COLUMNS])
    assert isinstance(plain, Parsed)
    checked = CHECKER.check([row[c] for c in COLUMNS] + list(texts))
    read = [{"true": True, "false": False, "": False}.get(t.strip().lower()) for t in texts]
    if None in read:
        assert isinstance(checked, Rejection) and checked.code == "bad_value"
    elif read[0] and read[1]:
        assert isinstance(checked, Rejection) and checked.code == "home_and_remote"
    elif any(read) and form != "outpatient":
        assert isinstance(checked, Rejection) and checked.code == "flags_outpatient_only"
    else:
        assert isinstance(checked, Parsed)
        assert (checked.at_home, checked.remote, checked.preventive_child) == tuple(read)
        assert (checked.digest == plain.digest) == (not any(read))


# --------------------------------------------------------------------------------------------
# The API and FHIR

URL = "/api/v1/service-reports"


def test_the_api_takes_the_flags_as_json_booleans_and_as_csv_columns(client: Any, session: Session) -> None:
    tokens = channels_world.world(session)
    headers = channels_world.bearer(tokens, "operator")
    home = {**visit("J1", channels_world.ADULT), "referral": False, "emergency": False, "quantity": 1}
    home.update(at_home=True, remote=False)
    both = {**visit("J2", channels_world.ADULT), "at_home": True, "remote": True}
    answer = client.post(URL, json={"records": [home, both]}, headers=headers)
    assert answer.status_code == 200, answer.text
    assert [(r["status"], r["reason"]) for r in answer.json()["records"]] == [
        ("accepted", None),
        ("rejected", "home_and_remote"),
    ]
    body = ",".join((*COLUMNS, *FLAG_COLUMNS)) + "\n"
    body += ",".join(visit("C1", channels_world.ADULT).values()) + ",false,true,false\n"
    answer = client.post(URL, content=body, headers=headers | {"Content-Type": "text/csv"})
    assert answer.status_code == 200, answer.text
    assert answer.json()["accepted"] == 1
    session.expire_all()
    assert flags_of(session, "J1") == (True, False, False)
    assert flags_of(session, "C1") == (False, True, False)
    unknown = ",".join((*COLUMNS, "at_work")) + "\n"
    refused = client.post(URL, content=unknown, headers=headers | {"Content-Type": "text/csv"})
    assert (refused.status_code, refused.json()["code"]) == (422, "bad_header")


def _outpatient_claim(record_id: str) -> dict[str, Any]:
    claim = copy.deepcopy(CLAIM_EXAMPLE)
    claim["identifier"][0]["value"] = record_id
    claim["provider"]["identifier"]["value"] = "PHC1"
    claim["patient"]["identifier"]["value"] = channels_world.ADULT
    claim["careTeam"][0]["provider"]["identifier"]["value"] = channels_world.DOCTOR
    claim["subType"]["coding"][0]["code"] = "outpatient"
    claim["item"][0]["category"]["coding"][0]["code"] = "consult_diag"
    return claim


def test_a_claim_carries_the_flags_in_its_item() -> None:
    claim = _outpatient_claim("F1")
    assert not set(FLAG_COLUMNS) & set(claim_row(claim))  # none given: a row without the flags
    claim["item"][0]["locationCodeableConcept"] = {"coding": [{"system": SERVICE_PLACE_SYSTEM, "code": "remote"}]}
    claim["item"][0]["modifier"] = [{"coding": [{"system": SERVICE_MODIFIER_SYSTEM, "code": "preventive-child"}]}]
    Claim.model_validate(claim)
    row = claim_row(claim)
    assert (row.get("at_home"), row["remote"], row["preventive_child"]) == (None, "true", "true")
    claim["item"][0]["locationCodeableConcept"] = {"coding": [{"system": HL7_SERVICE_PLACE_SYSTEM, "code": "12"}]}
    del claim["item"][0]["modifier"]
    assert claim_row(claim)["at_home"] == "true"
    claim["item"][0]["locationCodeableConcept"] = {"coding": [{"system": SERVICE_PLACE_SYSTEM, "code": "moon"}]}
    assert claim_row(claim)["at_home"] == "service-place moon"


def test_fhir_stores_a_home_visit_and_rejects_an_unknown_place(client: Any, session: Session) -> None:
    tokens = channels_world.world(session)
    home = _outpatient_claim("F1")
    home["item"][0]["locationCodeableConcept"] = {"coding": [{"system": SERVICE_PLACE_SYSTEM, "code": "home"}]}
    moon = _outpatient_claim("F2")
    moon["item"][0]["locationCodeableConcept"] = {"coding": [{"system": SERVICE_PLACE_SYSTEM, "code": "moon"}]}
    headers = {"Content-Type": "application/fhir+json"} | channels_world.bearer(tokens, "operator")
    bundle = {
        "resourceType": "Bundle",
        "type": "batch",
        "entry": [{"resource": c, "request": {"method": "POST", "url": "Claim"}} for c in (home, moon)],
    }
    answer = client.post("/fhir/Claim", content=json.dumps(bundle), headers=headers)
    assert answer.status_code == 200, answer.text
    first, second = answer.json()["entry"]
    assert first["response"]["status"].startswith("201")
    assert second["resource"]["error"][0]["code"]["coding"][0]["code"] == "bad_value"
    session.expire_all()
    assert flags_of(session, "F1") == (True, False, False)
