""" "I did not receive this" (docs/claims.md, "What the citizen sees"): the API's
POST /api/v1/persons/{iin}/services/{record_ref}/complaint and the button on /me open an unplanned
monitoring case on the record (monitoring.file_complaint); who may, and what the list shows after."""

from __future__ import annotations

import re
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from osms.claims.models import MonitoringCase
from osms.core.clock import fund_today
from osms.core.models import AuditEntry
from tests.claims.citizen_world import (
    ADULT,
    CHILD,
    CLINIC,
    HOSPITAL,
    PARENT,
    PASSWORD,
    STRANGER,
    bearer,
    family,
)


def _url(number: str, ref: int) -> str:
    return f"/api/v1/persons/{number}/services/{ref}/complaint"


def test_the_person_complains_and_the_case_shows_in_their_list(client: Any, session: Session) -> None:
    fam = family(session)
    ref = fam.refs["V-1"]
    answer = client.post(_url(PARENT, ref), json={"note": "I was abroad"}, headers=bearer(fam, "citizen"))
    assert answer.status_code == 201, answer.text
    case = answer.json()
    assert {k: case[k] for k in ("kind", "trigger", "record_ref", "provider_id", "month", "status", "outcome")} == {
        "kind": "unplanned",
        "trigger": "complaint",
        "record_ref": ref,
        "provider_id": CLINIC,
        "month": "2026-03",
        "status": "open",
        "outcome": None,
    }
    assert (case["complainant_iin"], case["note"], case["opened_on"]) == (
        PARENT,
        "I was abroad",
        fund_today().isoformat(),
    )
    # the same complaint again answers the same open case
    again = client.post(_url(PARENT, ref), json={}, headers=bearer(fam, "citizen"))
    assert again.status_code == 201
    assert again.json()["id"] == case["id"]
    session.expire_all()
    assert session.scalars(select(MonitoringCase.id)).all() == [case["id"]]
    listed = client.get(f"/api/v1/persons/{PARENT}/services", headers=bearer(fam, "citizen")).json()["services"]
    by_id = {s["record_id"]: s["complaint"] for s in listed}
    assert by_id["V-2"] is None
    assert by_id["V-1"] == {
        "case_id": case["id"],
        "opened_on": fund_today().isoformat(),
        "status": "open",
        "outcome": None,
    }


def test_a_parent_complains_for_a_minor_child_not_for_an_adult_one(client: Any, session: Session) -> None:
    fam = family(session)
    child = client.post(_url(CHILD, fam.refs["S-1"]), headers=bearer(fam, "citizen"))
    assert child.status_code == 201, child.text
    assert (child.json()["provider_id"], child.json()["complainant_iin"]) == (HOSPITAL, PARENT)
    adult = client.post(_url(ADULT, fam.refs["V-3"]), headers=bearer(fam, "citizen"))
    assert adult.status_code == 403
    # the child's record under the parent's own IIN: not found (a record of another person is not told)
    mixed = client.post(_url(PARENT, fam.refs["S-1"]), headers=bearer(fam, "citizen"))
    assert mixed.status_code == 404
    assert mixed.json()["code"] == "unknown_service_record"
    session.expire_all()
    logged = select(AuditEntry.outcome).where(AuditEntry.action.like("monitoring.complaint%")).order_by(AuditEntry.id)
    assert session.scalars(logged).all() == ["ok", "denied"]


def test_an_operator_files_for_a_caller_and_a_clinic_or_auditor_may_not(client: Any, session: Session) -> None:
    fam = family(session)
    by_operator = client.post(
        _url(STRANGER, fam.refs["V-4"]), json={"note": "by phone"}, headers=bearer(fam, "operator")
    )
    assert by_operator.status_code == 201
    assert by_operator.json()["complainant_iin"] == STRANGER
    for role in ("clinic", "auditor", "employer"):
        assert client.post(_url(PARENT, fam.refs["V-1"]), headers=bearer(fam, role)).status_code == 403
    assert client.post(_url(PARENT, fam.refs["V-1"])).status_code == 401


def _login(client: TestClient) -> str:
    form = client.get("/login")
    token = re.search(r'name="csrf" value="([^"]+)"', form.text)
    assert token
    answer = client.post("/login", data={"username": "parent", "password": PASSWORD, "csrf": token.group(1)})
    assert answer.status_code in (200, 303)
    found = re.search(r'name="csrf" value="([^"]+)"', client.get("/me").text)
    assert found
    return found.group(1)


def test_the_button_on_me_files_the_complaint_and_says_so(app: Any, session: Session) -> None:
    fam = family(session)
    with TestClient(app, follow_redirects=False) as web:
        csrf = _login(web)
        page = web.get("/me", params={"lang": "en"}).text
        assert 'id="services"' in page
        assert page.count('class="billed-row"') == 3  # two of the parent's, one of the minor child's
        assert page.count('class="complaint-form"') == 3
        ref = fam.refs["S-1"]
        expired = web.post(f"/me/services/{ref}/complaint", data={"csrf": "x", "iin": CHILD, "note": ""})
        assert expired.status_code == 400
        sent = web.post(f"/me/services/{ref}/complaint", data={"csrf": csrf, "iin": CHILD, "note": "not there"})
        assert sent.status_code == 303
        session.expire_all()
        case = session.scalars(select(MonitoringCase)).one()
        assert (case.record_ref, case.complainant_iin, case.note) == (ref, PARENT, "not there")
        assert sent.headers["location"] == f"/me?complaint={case.id}#services"
        after = web.get(sent.headers["location"] + "&lang=en").text
        assert f"Your complaint is registered (case {case.id})" in after
        assert f"Complaint filed (case {case.id})" in after
        assert after.count('class="complaint-form"') == 2
        # an adult child's record: refused
        refused = web.post(f"/me/services/{fam.refs['V-3']}/complaint", data={"csrf": csrf, "iin": ADULT})
        assert refused.status_code == 403
