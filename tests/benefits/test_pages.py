"""The clinic's page /entitlement: the form, the answer in kk/ru/en, who may use it, bad input."""

from __future__ import annotations

import re
from typing import Any

import pytest
from sqlalchemy import select

from osms.core.models import AuditEntry
from osms.core.security import create_user
from tests.benefits.helpers import CHILD, CITIZEN_INSURED, CITIZEN_UNINSURED, TOURIST, populate
from tests.coverage.helpers import EMPLOYER

PASSWORD = "correct horse battery"


def csrf_of(html: str) -> str:
    match = re.search(r'name="csrf" value="([^"]+)"', html)
    assert match, "no CSRF field"
    return match.group(1)


def login(client: Any, username: str) -> None:
    form = client.get("/login")
    r = client.post(
        "/login", data={"username": username, "password": PASSWORD, "csrf": csrf_of(form.text)}, follow_redirects=False
    )
    assert r.status_code == 303, r.text


@pytest.fixture
def people(session) -> None:  # type: ignore[no-untyped-def]
    populate(session)
    create_user(session, "clinic1", PASSWORD, "clinic", "Емхана №1", provider_id="P-0001")
    create_user(session, "nurlan", PASSWORD, "citizen", "Нұрлан", iin=CITIZEN_INSURED)
    create_user(session, "boss", PASSWORD, "employer", "ТОО", bin=EMPLOYER)
    session.commit()


def ask(client: Any, lang: str = "en", **data: str) -> Any:
    page = client.get(f"/entitlement?lang={lang}")
    assert page.status_code == 200, page.text
    form = {"date": "2024-05-15", "csrf": csrf_of(page.text)} | data
    return client.post(f"/entitlement?lang={lang}", data=form)


def test_anonymous_is_sent_to_login(client) -> None:  # type: ignore[no-untyped-def]
    r = client.get("/entitlement", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/login")


def test_clinic_asks_and_sees_the_answer(client, people, session) -> None:  # type: ignore[no-untyped-def]
    login(client, "clinic1")
    page = client.get("/entitlement?lang=ru")
    assert "Диагноз (МКБ-10, необязательно)" in page.text
    assert "Экстракорпоральное оплодотворение (ЭКО)" in page.text
    r = ask(client, "ru", iin=CITIZEN_UNINSURED, care_type="inpatient_planned", referral="true")
    assert r.status_code == 200, r.text
    assert r.headers["cache-control"] == "no-store"
    assert 'data-package="none"' in r.text
    assert "не застраховано" in r.text and 'data-reason="osms_not_insured"' in r.text
    assert "benefits.osms_care_types.2020-01-01" in r.text
    assert "data-print" in r.text and "/static/osms.js" in r.text  # no inline script (CSP)
    assert "Не застрахован · " in r.text and "тенге" not in r.text  # a clinic sees no amounts
    entries = session.scalars(select(AuditEntry).where(AuditEntry.action == "entitlement.read")).all()
    assert [(e.channel, e.subject_iin, e.role) for e in entries] == [("web", CITIZEN_UNINSURED, "clinic")]


@pytest.mark.parametrize("lang", ["kk", "ru", "en"])
def test_answer_in_each_language(client, people, lang: str) -> None:  # type: ignore[no-untyped-def]
    login(client, "clinic1")
    r = ask(client, lang, iin=TOURIST, care_type="consult_diag", icd10="A15.0")
    assert 'data-package="GOBMP"' in r.text
    expected = {
        "kk": "айналасындағыларға қауіп төндіретін ауру",
        "ru": "представляющему опасность для окружающих",
        "en": "a disease dangerous to others",
    }[lang]
    assert expected in r.text
    # the diagnosis: WHO's English title in English; in kk and ru the code and the list's words
    diagnosis = {"kk": "A15.0 (туберкулез)", "ru": "A15.0 (туберкулез)", "en": "A15.0 Tuberculosis of lung"}[lang]
    assert diagnosis in r.text


def test_citizen_for_self_and_child_not_for_others(client, people) -> None:  # type: ignore[no-untyped-def]
    login(client, "nurlan")
    assert 'data-package="OSMS"' in ask(client, iin=CHILD, care_type="dentistry_child").text
    own = ask(client, "ru", iin=CITIZEN_INSURED, care_type="phc")
    assert own.status_code == 200
    assert "Застрахован" in own.text  # the person sees the whole status sentence
    assert ask(client, iin=CITIZEN_UNINSURED, care_type="phc").status_code == 403


def test_employers_may_not_use_the_page(client, people) -> None:  # type: ignore[no-untyped-def]
    login(client, "boss")
    assert client.get("/entitlement").status_code == 403


@pytest.mark.parametrize(
    ("data", "words"),
    [
        ({"iin": CITIZEN_INSURED, "care_type": "massage"}, "Choose a care type from the list."),
        ({"iin": CITIZEN_INSURED, "care_type": "phc", "icd10": "Q99.99"}, "The diagnosis is not a WHO ICD-10 code"),
        ({"iin": CITIZEN_INSURED, "care_type": "phc", "date": "2016-06-01"}, "The rules for this date are not loaded"),
        ({"iin": "12345", "care_type": "phc"}, "This IIN fails a check."),
        ({"iin": CITIZEN_INSURED, "care_type": "phc", "date": "soon"}, "Enter the date as YYYY-MM-DD."),
    ],
)
def test_bad_input_is_said_on_the_form(client, people, data: dict[str, str], words: str) -> None:  # type: ignore[no-untyped-def]
    login(client, "clinic1")
    r = ask(client, **data)
    assert r.status_code == 422
    assert words in r.text
    assert 'role="alert"' in r.text


def test_expired_form(client, people) -> None:  # type: ignore[no-untyped-def]
    login(client, "clinic1")
    r = client.post("/entitlement?lang=en", data={"iin": CITIZEN_INSURED, "care_type": "phc", "csrf": "nope"})
    assert r.status_code == 400 and "The form has expired" in r.text
