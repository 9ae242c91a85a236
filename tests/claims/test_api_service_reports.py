"""POST /api/v1/service-reports (docs/claims.md, "Channels"): JSON records or a CSV body go through
the intake in the request's transaction; the answer is the intake's summary and one outcome per
record, with hand-computed expectations on the small world of tests/claims/channels_world.py."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from osms.claims.models import ServiceRecord
from osms.core.models import AuditEntry
from tests.claims.channels_world import ADULT, BAD_IIN, CLEAN, WOMAN, WRONG_SEX, bearer, world
from tests.claims.world import COLUMNS, Row, csv_text, stay

URL = "/api/v1/service-reports"


def _json(row: Row) -> dict[str, Any]:
    """A row as a JSON record, with the booleans and the quantity as JSON values."""
    record: dict[str, Any] = {k: v for k, v in row.as_dict().items() if v != ""}
    record["referral"] = row.referral == "true"
    record["emergency"] = row.emergency == "true"
    record["quantity"] = int(row.quantity)
    return record


def test_an_operator_reports_three_records_and_gets_each_outcome(client: Any, session: Session) -> None:
    tokens = world(session)
    answer = client.post(
        URL,
        json={"records": [_json(r) for r in (CLEAN, WRONG_SEX, BAD_IIN)]},
        headers=bearer(tokens, "operator"),
        params={"lang": "en"},
    )
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert {k: body[k] for k in ("rows", "accepted", "rejected", "unchanged", "corrected")} == {
        "rows": 3,
        "accepted": 2,
        "rejected": 1,
        "unchanged": 0,
        "corrected": 0,
    }
    assert body["rejected_by_reason"] == {"bad_iin": 1}
    assert body["findings_by_code"] == {"sex_mismatch": 1}
    clean, wrong, bad = body["records"]
    refs = dict(session.execute(select(ServiceRecord.record_id, ServiceRecord.id)).all())
    assert clean == {
        "line": 1,
        "provider_id": "PHC1",
        "record_id": "V1",
        "status": "accepted",
        "record_ref": refs["V1"],
        "reason": None,
        "reason_text": None,
        "message": None,
        "findings": [],
    }
    assert (wrong["status"], wrong["record_ref"]) == ("accepted", refs["V2"])
    assert wrong["findings"] == [
        {
            "code": "sex_mismatch",
            "name": "The service or group is not given to persons of this sex",
            "defect_code": "5.1",
        }
    ]
    assert (bad["status"], bad["reason"], bad["record_ref"]) == ("rejected", "bad_iin", None)
    assert bad["reason_text"] == "The IIN is not a valid 12-digit number"
    # committed before the answer: the register holds the two records with the JSON values as text
    stored = session.execute(
        text("SELECT record_id, iin, referral, emergency, quantity FROM service_record ORDER BY record_id")
    ).all()
    assert [tuple(r) for r in stored] == [("V1", ADULT, False, False, 1), ("V2", ADULT, False, False, 1)]
    # the same report again changes nothing
    again = client.post(URL, json={"records": [_json(CLEAN)]}, headers=bearer(tokens, "operator")).json()
    assert (again["accepted"], again["unchanged"], again["records"][0]["status"]) == (0, 1, "unchanged")


def test_a_clinic_sends_its_own_records_only(client: Any, session: Session) -> None:
    tokens = world(session)
    own = Row("V10", "PHC1", WOMAN)
    other = stay("S10", "HOSP1", ADULT, group="SYN.SU01", start="2026-03-01", end="2026-03-05")
    answer = client.post(URL, json={"records": [_json(own), _json(other)]}, headers=bearer(tokens, "clinic"))
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert [(r["record_id"], r["status"], r["reason"]) for r in body["records"]] == [
        ("V10", "accepted", None),
        ("S10", "rejected", "not_own_record"),
    ]
    assert body["rejected_by_reason"] == {"not_own_record": 1}
    assert session.scalars(select(ServiceRecord.record_id)).all() == ["V10"]


def test_a_csv_body_in_the_files_format_and_its_refusals(client: Any, session: Session) -> None:
    tokens = world(session)
    headers = bearer(tokens, "operator") | {"Content-Type": "text/csv"}
    body = csv_text([CLEAN, WRONG_SEX]) + "V4,PHC1,short\n"
    answer = client.post(URL, content=body.encode(), headers=headers, params={"lang": "ru"})
    assert answer.status_code == 200, answer.text
    records = answer.json()["records"]
    assert [(r["record_id"], r["status"], r["reason"]) for r in records] == [
        ("V1", "accepted", None),
        ("V2", "accepted", None),
        (None, "rejected", "bad_row_shape"),
    ]
    assert records[1]["findings"][0]["name"] == "Услуга или группа не оказывается лицам этого пола"
    for header in (b"a,b\n1,2\n", b"record_id,provider_id\nV9,PHC1\n", b""):
        bad_header = client.post(URL, content=header, headers=headers)
        assert (bad_header.status_code, bad_header.json()["code"]) == (422, "bad_header")
    latin1 = client.post(URL, content=(",".join(COLUMNS) + "\nä\n").encode("latin-1"), headers=headers)
    assert (latin1.status_code, latin1.json()["code"]) == (422, "bad_encoding")


def test_who_may_send_and_the_limits(client: Any, session: Session) -> None:
    tokens = world(session)
    for role in ("citizen", "auditor", "employer"):
        refused = client.post(URL, json={"records": [_json(CLEAN)]}, headers=bearer(tokens, role))
        assert refused.status_code == 403, role
    assert client.post(URL, json={"records": []}).status_code == 401
    session.expire_all()
    denied = session.scalars(select(AuditEntry.actor).where(AuditEntry.action == "service_report.send.denied"))
    assert sorted(denied) == ["auditor", "citizen", "employer"]
    huge = b'{"records": [' + b" " * (4 * 1024 * 1024) + b"]}"
    too_large = client.post(
        URL, content=huge, headers=bearer(tokens, "operator") | {"Content-Type": "application/json"}
    )
    assert (too_large.status_code, too_large.json()["code"]) == (413, "report_too_large")
    pdf = client.post(URL, content=b"%PDF", headers=bearer(tokens, "operator") | {"Content-Type": "application/pdf"})
    assert (pdf.status_code, pdf.json()["code"]) == (415, "unsupported_media_type")
    assert session.scalars(select(ServiceRecord.id)).all() == []
