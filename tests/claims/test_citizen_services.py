"""What the citizen sees (docs/claims.md, "What the citizen sees"): GET /api/v1/persons/{iin}/services
and ``citizen.family_services``: every record billed in the person's name, with provider, dates,
care and the service or group by name; a parent sees a minor child's, not an adult child's; every
read is audited with the person as the subject."""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from osms.claims import citizen
from osms.core.models import AuditEntry
from osms.core.security import Principal
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
    flagged_visits,
)


def _audit(session: Session, action: str) -> list[tuple[str, str, str | None]]:
    session.expire_all()
    return [
        (e.actor, e.outcome, e.subject_iin)
        for e in session.scalars(select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id))
    ]


def test_the_person_sees_their_own_services_with_names_in_their_language(client: Any, session: Session) -> None:
    fam = family(session)
    answer = client.get(f"/api/v1/persons/{PARENT}/services", params={"lang": "ru"}, headers=bearer(fam, "citizen"))
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["iin"] == PARENT
    assert body["name"] == "Сәрсенова Айгүл"
    assert body["total"] == 2
    # newest first: V-2 (20 March) before V-1 (2 March)
    assert [s["record_id"] for s in body["services"]] == ["V-2", "V-1"]
    first = body["services"][1]
    assert first == {
        "record_ref": fam.refs["V-1"],
        "record_id": "V-1",
        "iin": PARENT,
        "provider": {"provider_id": CLINIC, "name": f"Емхана {CLINIC}"},
        "date_from": "2026-03-02",
        "date_to": "2026-03-02",
        "care_form": {"code": "phc", "name": "Первичная медико-санитарная помощь (ПМСП)"},
        "care_type": {"code": "phc", "name": "Первичная медико-санитарная помощь (ПМСП)"},
        "service_code": "A01.003.000",
        "case_group": None,
        "service_name": "Приём врача общей практики",
        "icd10": "J06.9",
        "procedures": [],
        "outcome": {"code": "completed", "name": "Завершено"},
        "quantity": 1,
        "complaint": None,
        "at_home": False,
        "remote": False,
        "preventive_child": False,
    }
    assert body["services"][0]["icd10"] == "I10"
    assert _audit(session, "services.read") == [("parent", "ok", PARENT)]


def test_a_parent_sees_a_minor_childs_hospital_case_in_english(client: Any, session: Session) -> None:
    fam = family(session)
    answer = client.get(f"/api/v1/persons/{CHILD}/services", params={"lang": "en"}, headers=bearer(fam, "citizen"))
    assert answer.status_code == 200, answer.text
    (case,) = answer.json()["services"]
    assert case["record_id"] == "S-1"
    assert case["provider"] == {"provider_id": HOSPITAL, "name": f"Емхана {HOSPITAL}"}
    assert (case["date_from"], case["date_to"]) == ("2026-02-10", "2026-02-14")
    assert case["care_form"] == {"code": "inpatient", "name": "Round-the-clock hospital"}
    assert case["care_type"]["code"] == "inpatient_emergency"
    assert (case["service_code"], case["case_group"], case["service_name"]) == (None, "SYN.SU01", "Appendectomy")
    assert case["procedures"] == ["47.09"]
    assert case["outcome"] == {"code": "discharged", "name": "Discharged"}
    assert _audit(session, "services.read") == [("parent", "ok", CHILD)]


def test_an_adult_child_a_stranger_a_clinic_and_an_employer_are_refused(client: Any, session: Session) -> None:
    fam = family(session)
    for role, number in (("citizen", ADULT), ("citizen", STRANGER), ("clinic", PARENT), ("employer", PARENT)):
        answer = client.get(f"/api/v1/persons/{number}/services", headers=bearer(fam, role))
        assert answer.status_code == 403, (role, number, answer.text)
    assert [o for _, o, _ in _audit(session, "services.read.denied")] == ["denied"] * 4
    assert _audit(session, "services.read") == []
    assert client.get(f"/api/v1/persons/{PARENT}/services").status_code == 401


def test_the_funds_staff_read_anyones_services_and_a_bad_iin_is_422(client: Any, session: Session) -> None:
    fam = family(session)
    for role in ("operator", "auditor"):
        answer = client.get(f"/api/v1/persons/{STRANGER}/services", headers=bearer(fam, role))
        assert answer.status_code == 200
        assert [s["record_id"] for s in answer.json()["services"]] == ["V-4"]
    assert _audit(session, "services.read") == [("operator", "ok", STRANGER), ("auditor", "ok", STRANGER)]
    bad = client.get(f"/api/v1/persons/{PARENT[:11]}0/services", headers=bearer(fam, "operator"))
    assert bad.status_code == 422
    assert bad.json()["code"].startswith("bad_iin")


def test_family_services_lists_the_login_then_the_minor_children(session: Session) -> None:
    family(session)
    parent = Principal(user_id=1, username="parent", role="citizen", display_name="Айгүл", iin=PARENT)
    people = citizen.family_services(session, parent, channel="web", resource="/me", lang="kk")
    assert [(p.iin, p.relation, p.total) for p in people] == [(PARENT, "self", 2), (CHILD, "represented", 1)]
    assert people[0].services[0].service_name == "Жалпы практика дәрігерінің қабылдауы"
    assert _audit(session, "services.read") == [("parent", "ok", PARENT), ("parent", "ok", CHILD)]


def test_the_person_sees_who_read_their_services(app: Any, session: Session) -> None:
    fam = family(session)
    with TestClient(app, follow_redirects=False) as web:
        assert web.get(f"/api/v1/persons/{PARENT}/services", headers=bearer(fam, "operator")).status_code == 200
        form = web.get("/login")
        token = re.search(r'name="csrf" value="([^"]+)"', form.text)
        assert token
        web.post("/login", data={"username": "parent", "password": PASSWORD, "csrf": token.group(1)})
        page = web.get("/me", params={"lang": "en"}).text
    looked = page[page.index('id="looked-at"') :]
    row = re.search(r'<tr class="looked-row" data-by="operator".*?</tr>', looked, re.S)
    assert row is not None
    assert "services billed to the fund" in row.group(0)


def test_a_long_list_shows_the_newest_and_counts_them_all(
    client: Any, session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    fam = family(session)
    monkeypatch.setattr(citizen, "MAX_SERVICES", 1)
    body = client.get(f"/api/v1/persons/{PARENT}/services", headers=bearer(fam, "citizen")).json()
    assert (body["total"], [s["record_id"] for s in body["services"]]) == (2, ["V-2"])


def test_a_home_a_remote_and_a_preventive_visit_carry_their_flags_in_the_api(client: Any, session: Session) -> None:
    fam = family(session)
    flagged_visits(session, fam)
    answer = client.get(f"/api/v1/persons/{PARENT}/services", params={"lang": "en"}, headers=bearer(fam, "citizen"))
    assert answer.status_code == 200, answer.text
    flags = {s["record_id"]: (s["at_home"], s["remote"], s["preventive_child"]) for s in answer.json()["services"]}
    # newest first: H-1 25 March, R-1 24 March, V-2 20 March, V-1 2 March
    assert flags == {
        "H-1": (True, False, False),
        "R-1": (False, True, False),
        "V-2": (False, False, False),
        "V-1": (False, False, False),
    }
    child = client.get(f"/api/v1/persons/{CHILD}/services", headers=bearer(fam, "citizen")).json()["services"]
    assert [(s["record_id"], s["preventive_child"]) for s in child] == [("P-1", True), ("S-1", False)]


#: The badges of /me per language (the words of scripts/translations/i14-tariffs.json: PAY п.67, п.68, п.66).
FLAG_WORDS = {
    "en": ("at home", "remotely", "in a child's preventive examination"),
    "ru": ("на дому", "дистанционно", "в рамках профилактического осмотра ребёнка"),
    "kk": ("үйде", "қашықтан", "баланың профилактикалық тексеруінде"),
}


def _badges(page: str, record_id: str) -> list[tuple[str, str]]:
    row = re.search(rf'<tr class="billed-row"[^>]*data-record-id="{record_id}">(.*?)</tr>', page, re.S)
    assert row, record_id
    return re.findall(r'<span class="badge service-flag" data-flag="(\w+)">([^<]*)</span>', row.group(1))


def test_me_says_at_home_remotely_and_preventive_in_the_citizens_language(app: Any, session: Session) -> None:
    fam = family(session)
    flagged_visits(session, fam)
    with TestClient(app, follow_redirects=False) as web:
        form = web.get("/login")
        token = re.search(r'name="csrf" value="([^"]+)"', form.text)
        assert token
        web.post("/login", data={"username": "parent", "password": PASSWORD, "csrf": token.group(1)})
        for lang, (home, remote, preventive) in FLAG_WORDS.items():
            page = web.get("/me", params={"lang": lang}).text
            assert _badges(page, "H-1") == [("at_home", home)], lang
            assert _badges(page, "R-1") == [("remote", remote)], lang
            assert _badges(page, "P-1") == [("preventive_child", preventive)], lang
            assert _badges(page, "V-1") == []
            assert page.count('class="badge service-flag"') == 3
