"""Attachment pages through the real app: a citizen chooses a clinic and applies for themselves and
a child; a clinic sees its applications and attached population; roles, CSRF, three languages.

The data come in through the real imports (registry persons and families, clinics and districts)
and the day is fixed by replacing ``osms.web.pages.today`` (2025-03-10: outside the campaign).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from osms.attachment import ingest, rules, service
from osms.attachment import pages as attachment_pages
from osms.attachment.models import Attachment, AttachmentApplication
from osms.core.models import AuditEntry
from osms.core.security import create_user
from osms.registry.service import import_file
from osms.web import pages
from tests.attachment.helpers import CLINIC_BIN, DISTRICT_HEADER, write_clinics, write_districts
from tests.registry.helpers import PERSON_HEADER, iin, write_csv

DAY = date(2025, 3, 10)
PASSWORD = "correct-horse-42"
CSRF = re.compile(r'name="csrf" value="([^"]+)"')
#: The clinics' names (clinics.csv below), as the reasons' sentences name them.
NAMES = {"AST-1": "Қалалық емхана №1", "AST-2": "Қалалық емхана №2"}

__all__ = ["DISTRICT_HEADER"]


@dataclass(frozen=True)
class AttWorld:
    mother: str  # citizen "dana", address served by AST-1
    child: str  # her son, 6 years old
    grown: str  # her adult son: applies for himself
    ward: str  # a ward of hers (guardian link), 12 years old
    stranger: str  # citizen "erlan", no family link


def person(number: str, last: str, first: str, birth: date, sex: str, address: str = "AST-001") -> list[str]:
    return [number, last, first, "", birth.isoformat(), sex, "citizen", "KZ-AST", address, ""]


def build_world(engine: Engine, session: Session, tmp: Path) -> AttWorld:
    """Persons and families through the registry import, clinics and districts through the
    attachment import, logins through ``create_user``."""
    mother = iin(date(1988, 3, 14), "F", 11)
    child = iin(date(2018, 6, 1), "M", 12)
    grown = iin(date(2004, 2, 2), "M", 13)
    ward = iin(date(2012, 9, 9), "F", 14)
    stranger = iin(date(1970, 1, 20), "M", 15)
    write_csv(
        tmp / "persons.csv",
        PERSON_HEADER,
        [
            person(mother, "Сейітова", "Дана", date(1988, 3, 14), "F"),
            person(child, "Сейітов", "Әли", date(2018, 6, 1), "M"),
            person(grown, "Сейітов", "Арман", date(2004, 2, 2), "M"),
            person(ward, "Қасымова", "Айя", date(2012, 9, 9), "F"),
            person(stranger, "Ерланов", "Ерлан", date(1970, 1, 20), "M", "AST-777"),
        ],
    )
    assert import_file(engine, "persons", tmp / "persons.csv").rejected == 0
    write_csv(
        tmp / "families.csv",
        "iin,relative_iin,relation",
        [[child, mother, "parent"], [grown, mother, "parent"], [ward, mother, "guardian"]],
    )
    assert import_file(engine, "families", tmp / "families.csv").rejected == 0
    clinics = write_clinics(
        tmp,
        [
            [
                "AST-1",
                CLINIC_BIN,
                "Қалалық емхана №1",
                "KZ-AST",
                "100",
                "AST-001;AST-002",
            ],
            ["AST-2", CLINIC_BIN, "Қалалық емхана №2", "KZ-AST", "50", "AST-900"],
            ["AST-3", CLINIC_BIN, "Толық емхана", "KZ-AST", "0", "AST-001"],
            ["ALA-1", CLINIC_BIN, "Алматы емханасы", "KZ-ALA", "100", "ALA-001"],
        ],
    )
    assert ingest.import_clinics(engine, clinics).rejected == 0
    districts = write_districts(
        tmp,
        [
            ["AST-1", "T1", "therapist", "Серікова Гүлнар", "1"],
            ["AST-1", "T3", "therapist", "Омаров Бауыржан", "5"],
            ["AST-1", "P1", "pediatrician", "Ахметова Сәуле", "5"],
            ["AST-2", "G2", "gp", "Ким Ольга", "10"],
        ],
    )
    assert ingest.import_districts(engine, districts).rejected == 0
    create_user(session, "dana", PASSWORD, "citizen", "Дана Сейітова", iin=mother)
    create_user(session, "erlan", PASSWORD, "citizen", "Ерлан Ерланов", iin=stranger)
    create_user(session, "clinic1", PASSWORD, "clinic", "Емхана №1", provider_id="AST-1")
    create_user(session, "clinic2", PASSWORD, "clinic", "Емхана №2", provider_id="AST-2")
    create_user(session, "operator1", PASSWORD, "operator", "Оператор")
    create_user(session, "auditor1", PASSWORD, "auditor", "Аудитор")
    session.commit()
    return AttWorld(mother=mother, child=child, grown=grown, ward=ward, stranger=stranger)


@pytest.fixture
def aw(engine: Engine, session: Session, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AttWorld:
    monkeypatch.setattr(pages, "today", lambda: DAY)
    return build_world(engine, session, tmp_path)


def csrf_of(html: str) -> str:
    found = CSRF.search(html)
    assert found, "no CSRF field on the page"
    return found.group(1)


def login(client: Any, username: str) -> None:
    form = client.get("/login")
    answer = client.post(
        "/login",
        data={"username": username, "password": PASSWORD, "csrf": csrf_of(form.text)},
        follow_redirects=False,
    )
    assert answer.status_code == 303


def section(html: str, marker: str) -> str:
    """The HTML from ``marker`` to the end of its element's section (good enough for asserts)."""
    start = html.index(marker)
    end = html.find("</section>", start)
    return html[start : end if end != -1 else len(html)]


def after(answer: Any, lang: str) -> str:
    """Where a POST redirected to, in ``lang`` (without the #fragment)."""
    assert answer.status_code == 303
    return answer.headers["location"].split("#")[0] + f"&lang={lang}"


def apply(client: Any, **data: Any) -> Any:
    token = csrf_of(client.get("/attachment?clinic=AST-1").text)
    return client.post("/attachment", data={"csrf": token, **data}, follow_redirects=False)


# --- Who may open the pages --------------------------------------------------------------------


def test_anonymous_is_sent_to_login(client, aw: AttWorld) -> None:
    for path in ("/attachment", "/attachment?clinic=AST-1", "/clinic/attachments"):
        answer = client.get(path, follow_redirects=False)
        assert answer.status_code == 303 and answer.headers["location"].startswith("/login?next=")
    answer = client.post("/attachment", data={"clinic": "AST-1"}, follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"].startswith("/login")


def test_roles_see_only_their_pages(client, aw: AttWorld) -> None:
    login(client, "clinic1")
    assert client.get("/attachment?lang=en").status_code == 403
    assert client.get("/clinic/attachments?lang=en").status_code == 200
    other = client.get("/clinic/attachments?clinic=AST-2&lang=en")
    assert other.status_code == 403 and "only its own applications" in other.text
    assert client.get("/clinic/attachments?clinic=AST-1&lang=en").status_code == 200
    login(client, "dana")
    assert client.get("/clinic/attachments?lang=en").status_code == 403
    assert client.get("/attachment?lang=en").status_code == 200


def test_navigation_links(client, aw: AttWorld) -> None:
    login(client, "dana")
    text = client.get("/me?lang=en").text
    assert 'href="/attachment"' in text and "Choose a clinic" in text
    assert 'href="/clinic/attachments"' not in text and 'href="/entitlement"' not in text
    login(client, "clinic1")
    text = client.get("/me?lang=en").text
    assert 'href="/clinic/attachments"' in text and 'href="/entitlement"' in text and 'href="/attachment"' not in text
    login(client, "operator1")
    text = client.get("/me?lang=en").text
    assert 'href="/entitlement"' in text and 'href="/clinic/attachments"' not in text
    assert "Is it covered?" in text


# --- The citizen's page ------------------------------------------------------------------------


def test_citizen_sees_region_clinics_service_area_and_family(client, aw: AttWorld) -> None:
    login(client, "dana")
    page = client.get("/attachment?lang=en")
    assert page.status_code == 200 and page.headers["cache-control"] == "no-store"
    html = page.text
    now = section(html, 'id="now-title"')
    assert f'data-iin="{aw.mother}"' in now and f'data-iin="{aw.child}"' in now and f'data-iin="{aw.ward}"' in now
    assert aw.grown not in now  # an adult child applies for himself
    assert now.count("Not attached to a clinic") == 3
    clinics = section(html, 'id="clinics-title"')
    assert 'data-clinic="AST-1"' in clinics and 'data-clinic="AST-2"' in clinics
    assert 'data-clinic="AST-3"' not in clinics  # no free places
    assert 'data-clinic="ALA-1"' not in clinics  # another region
    row1 = clinics[clinics.index('data-clinic="AST-1"') :]
    assert 'data-serves="yes"' in row1.split("</tr>")[0] and "served: home visits" in row1.split("</tr>")[0]
    row2 = clinics[clinics.index('data-clinic="AST-2"') :].split("</tr>")[0]
    assert 'data-serves="no"' in row2 and "not served: no home visits" in row2
    assert "Clinics of the region without free places, not listed: 1." in clinics
    assert 'id="apply"' in html and "Choose a clinic in the table above" in html


def test_choosing_a_clinic_shows_its_doctors_with_and_without_htmx(client, aw: AttWorld) -> None:
    login(client, "dana")
    page = client.get("/attachment?clinic=AST-1&lang=en").text
    panel = section(page, 'id="apply"')
    for district in ("T1", "T3", "P1"):
        assert f'data-district="{district}"' in panel
    assert "Серікова Гүлнар" in panel and "Pediatrician" in panel
    assert f'value="{aw.mother}" checked' in panel and f'value="{aw.child}"' in panel and f'value="{aw.ward}"' in panel
    assert 'name="csrf"' in panel and '<option value="choice"' in panel
    fragment = client.get("/attachment/clinic?clinic=AST-2&lang=en", headers={"HX-Request": "true"})
    assert fragment.status_code == 200 and "<html" not in fragment.text
    assert 'data-clinic="AST-2"' in fragment.text and 'data-district="G2"' in fragment.text
    assert "outside the service area: no home visits" in fragment.text
    plain = client.get("/attachment/clinic?clinic=AST-2", follow_redirects=False)
    assert plain.status_code == 303 and plain.headers["location"] == "/attachment?clinic=AST-2#apply"
    unknown = client.get("/attachment?clinic=ALA-1&lang=en").text
    assert "Clinic ALA-1 is not among the clinics of your region." in unknown


def test_apply_for_self_and_children_shows_decisions_with_reasons(client, session: Session, aw: AttWorld) -> None:
    login(client, "dana")
    answer = apply(client, clinic="AST-1", district="T1", reason="first", iin=[aw.mother, aw.child, aw.ward])
    assert answer.status_code == 303 and answer.headers["location"] == "/attachment?clinic=AST-1#decisions"
    html = client.get(after(answer, "en")).text
    decisions = section(html, 'id="decisions"')
    for number in (aw.mother, aw.child, aw.ward):
        assert f'data-iin="{number}" data-decision="accepted"' in decisions
    assert decisions.count("Accepted") >= 3
    assert "Attached to clinic «Қалалық емхана №1» (AST-1) from 10 March 2025." in decisions
    # the therapist chosen for the mother; the children get a pediatrician of the same clinic
    mother_part = decisions[decisions.index(f'data-iin="{aw.mother}"') :].split("</article>")[0]
    assert 'data-district="T1"' in mother_part and "Серікова Гүлнар" in mother_part
    child_part = decisions[decisions.index(f'data-iin="{aw.child}"') :].split("</article>")[0]
    assert 'data-district="P1"' in child_part and 'data-effective="2025-03-10"' in child_part
    # the attachment table now says where each is attached
    now = section(html, 'id="now-title"')
    assert now.count('data-attached="AST-1"') == 3 and "Not attached" not in now
    session.expire_all()
    rows = session.scalars(select(AttachmentApplication).order_by(AttachmentApplication.id)).all()
    assert [(r.iin, r.decision, r.channel, r.applicant_iin) for r in rows] == [
        (aw.mother, "accepted", "web", aw.mother),
        (aw.child, "accepted", "web", aw.mother),
        (aw.ward, "accepted", "web", aw.mother),
    ]
    assert len(session.scalars(select(Attachment)).all()) == 3


def test_decisions_follow_the_language_switch(client, aw: AttWorld) -> None:
    login(client, "dana")
    apply(client, clinic="AST-2", reason="first", iin=[aw.mother])
    expected = [
        service.reason_message(rules.Reason("first_attachment", {"clinic": "AST-2", "date": "2025-03-10"}), NAMES),
        service.reason_message(rules.Reason("outside_service_area")),
    ]
    titles = {"kk": "Емхана таңдау", "ru": "Выбор поликлиники", "en": "Choose a clinic"}
    labels = {
        "kk": "Үйге шақырусыз қабылданды",
        "ru": "Принято без вызова врача на дом",
        "en": "Accepted without home visits",
    }
    for lang in ("kk", "ru", "en"):
        page = client.get(f"/attachment?lang={lang}")
        assert page.status_code == 200 and f'<html lang="{lang}">' in page.text
        decisions = section(page.text, 'id="decisions"')
        assert f'data-iin="{aw.mother}" data-decision="accepted_no_home_visits"' in decisions
        for message in expected:
            assert message[lang] in decisions
        assert labels[lang] in decisions
        assert titles[lang] in page.text


def test_offered_doctor_can_be_accepted(client, aw: AttWorld) -> None:
    login(client, "erlan")
    apply(client, clinic="AST-1", district="T1", reason="first", iin=[aw.stranger])  # fills T1 (norm 1)
    login(client, "dana")
    answer = apply(client, clinic="AST-1", district="T1", reason="first", iin=[aw.mother])
    html = client.get(after(answer, "en")).text
    decisions = section(html, 'id="decisions"')
    assert 'data-decision="offered_other_district"' in decisions and "Another doctor is offered" in decisions
    assert "district T3 of the same clinic is offered" in decisions
    token = csrf_of(html)
    offer = decisions[decisions.index('class="offer-form"') :]
    assert 'name="district" value="T3"' in offer
    again = client.post(
        "/attachment",
        data={"csrf": token, "clinic": "AST-1", "district": "T3", "reason": "first", "iin": aw.mother},
        follow_redirects=False,
    )
    html = client.get(after(again, "en")).text
    assert 'data-decision="accepted"' in section(html, 'id="decisions"')


def test_refusal_shows_its_reason(client, aw: AttWorld) -> None:
    login(client, "dana")
    apply(client, clinic="AST-1", reason="first", iin=[aw.mother])
    answer = apply(client, clinic="AST-1", reason="choice", iin=[aw.mother])
    decisions = section(client.get(after(answer, "ru")).text, 'id="decisions"')
    assert 'data-decision="refused"' in decisions and "Отказано" in decisions
    assert 'data-code="already_attached"' in decisions
    message = service.reason_message(rules.Reason("already_attached", {"clinic": "AST-1"}), NAMES)["ru"]
    assert message in decisions


def test_form_errors_csrf_and_strangers(client, session: Session, aw: AttWorld) -> None:
    login(client, "dana")
    token = csrf_of(client.get("/attachment?clinic=AST-1").text)
    data = {"clinic": "AST-1", "reason": "first", "iin": aw.mother}
    expired = client.post("/attachment?lang=en", data={"csrf": "forged", **data})
    assert expired.status_code == 400 and "The form has expired" in expired.text
    no_reason = client.post("/attachment?lang=en", data={"csrf": token, **data, "reason": ""})
    assert no_reason.status_code == 422 and "Choose the reason for the application." in no_reason.text
    nobody = client.post("/attachment?lang=en", data={"csrf": token, "clinic": "AST-1", "reason": "first"})
    assert nobody.status_code == 422 and "Tick at least one person to attach." in nobody.text
    unknown = client.post("/attachment?lang=en", data={"csrf": token, **data, "clinic": "NOPE"})
    assert unknown.status_code == 422 and "no clinic with this code" in unknown.text
    for other in (aw.stranger, aw.grown):
        refused = client.post("/attachment?lang=en", data={"csrf": token, **data, "iin": [aw.mother, other]})
        assert refused.status_code == 403 and "only for yourself and for your children" in refused.text
    session.expire_all()
    assert session.scalars(select(AttachmentApplication)).all() == []
    denied = session.scalars(select(AuditEntry).where(AuditEntry.action == "attachment.apply.denied")).all()
    assert {e.subject_iin for e in denied} == {aw.stranger, aw.grown}
    login(client, "clinic1")
    assert client.post("/attachment", data={"csrf": token, **data}).status_code == 403


def test_citizen_reads_are_audited(client, session: Session, aw: AttWorld) -> None:
    login(client, "dana")
    client.get("/attachment")
    session.expire_all()
    reads = session.scalars(select(AuditEntry).where(AuditEntry.action == "attachment.read")).all()
    assert {e.subject_iin for e in reads} == {aw.mother, aw.child, aw.ward}
    assert all(e.channel == "web" and e.actor == "dana" for e in reads)


# --- The clinic's page -------------------------------------------------------------------------


def test_clinic_sees_applications_with_reasons_and_population(client, session: Session, aw: AttWorld) -> None:
    login(client, "dana")
    apply(client, clinic="AST-1", district="T1", reason="first", iin=[aw.mother, aw.child])
    login(client, "erlan")
    apply(client, clinic="AST-1", district="T1", reason="first", iin=[aw.stranger])  # T1 full: T3 offered
    login(client, "clinic1")
    page = client.get("/clinic/attachments?lang=en")
    assert page.status_code == 200 and page.headers["cache-control"] == "no-store"
    html = page.text
    apps = section(html, 'id="applications-title"')
    assert apps.count("<tr data-application=") == 3
    assert f'data-iin="{aw.stranger}" data-decision="offered_other_district"' in apps
    assert "The chosen doctor&#39;s district T1 is over its norm: district T3 of the same clinic is offered." in apps
    assert "Attached to clinic «Қалалық емхана №1» (AST-1) from 10 March 2025." in apps
    assert f"applied by {aw.mother}" in apps and "Сейітов Әли" in apps
    population = section(html, 'id="population-title"')
    assert 'data-count="capacity">100<' in population and 'data-count="attached">2<' in population
    assert 'data-count="free">98<' in population
    t1 = population[population.index('data-district="T1"') :].split("</tr>")[0]
    assert 'data-count="attached">1<' in t1 and 'data-count="free">0<' in t1
    assert 'data-specialty="pediatrician"' in population and 'data-age-group="5-9"' in population
    persons = section(html, 'id="persons-title"')
    assert f'data-iin="{aw.mother}"' in persons and f'data-iin="{aw.child}"' in persons
    assert aw.stranger not in persons
    # on a date before the applications nobody is attached
    before = client.get("/clinic/attachments?on=2025-03-01&lang=en").text
    assert "Nobody is attached to the clinic on this date." in before
    bad = client.get("/clinic/attachments?on=10.03.2025&lang=en")
    assert bad.status_code == 422 and "YYYY-MM-DD" in bad.text
    session.expire_all()
    reads = session.scalars(
        select(AuditEntry).where(AuditEntry.action == "attachment.read", AuditEntry.actor == "clinic1")
    ).all()
    assert {e.subject_iin for e in reads} == {aw.mother, aw.child, aw.stranger}


def test_clinic_reasons_in_three_languages(client, aw: AttWorld) -> None:
    login(client, "dana")
    apply(client, clinic="AST-1", reason="first", iin=[aw.mother])
    login(client, "clinic1")
    expected = service.reason_message(
        rules.Reason("first_attachment", {"clinic": "AST-1", "date": "2025-03-10"}), NAMES
    )
    headings = {"kk": "Тіркелу өтініштері", "ru": "Заявления о прикреплении", "en": "Attachment applications"}
    for lang in ("kk", "ru", "en"):
        html = client.get(f"/clinic/attachments?lang={lang}").text
        assert expected[lang] in html and headings[lang] in html


def test_population_is_paged(client, session: Session, aw: AttWorld, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(attachment_pages, "POPULATION_PAGE", 2)
    login(client, "dana")
    apply(client, clinic="AST-1", reason="first", iin=[aw.mother, aw.child, aw.ward])
    login(client, "clinic1")
    first = client.get("/clinic/attachments?lang=en").text
    assert "Page 1 of 2 (3 persons, by IIN)" in first and "page=2" in first
    second = client.get("/clinic/attachments?lang=en&page=2").text
    persons = section(second, 'id="persons-title"')
    assert persons.count("<tr data-iin=") == 1 and 'rel="prev"' in second


def test_operator_picks_a_clinic(client, aw: AttWorld) -> None:
    login(client, "operator1")
    form = client.get("/clinic/attachments?lang=en")
    assert form.status_code == 200 and 'name="clinic"' in form.text and "Enter a clinic" in form.text
    assert client.get("/clinic/attachments?clinic=AST-2&lang=en").status_code == 200
    assert client.get("/clinic/attachments?clinic=NOPE&lang=en").status_code == 404
    login(client, "auditor1")
    assert client.get("/clinic/attachments?clinic=AST-1&lang=en").status_code == 200
    login(client, "clinic2")
    html = client.get("/clinic/attachments?lang=en").text
    assert "Қалалық емхана №2" in html and 'name="clinic"' not in html


def test_campaign_choice_shows_the_pending_change(
    client, session: Session, aw: AttWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    login(client, "dana")
    apply(client, clinic="AST-1", reason="first", iin=[aw.mother])
    monkeypatch.setattr(pages, "today", lambda: date(2025, 9, 15))  # the 2025 campaign: 1 Sep - 1 Nov
    answer = apply(client, clinic="AST-2", reason="choice", iin=[aw.mother])
    html = client.get(after(answer, "en")).text
    decision = section(html, 'id="decisions"')
    assert 'data-decision="accepted_no_home_visits"' in decision and 'data-effective="2026-01-01"' in decision
    assert "Previous clinic" in decision and "Қалалық емхана №1" in decision
    message = service.reason_message(
        rules.Reason("campaign_change_next_year", {"date": "2026-01-01", "previous": "AST-1"}), NAMES
    )["en"]
    assert message in decision
    now = section(html, 'id="now-title"')
    assert f'data-iin="{aw.mother}" data-attached="AST-1"' in now  # the old clinic serves to 31 December
    assert 'data-pending="AST-2"' in now and "From 1 Jan 2026: clinic Қалалық емхана №2." in now
    assert "Application of 15 Sep 2025" in decision
    # the new clinic counts the person as attached from a later date
    login(client, "clinic2")
    population = section(client.get("/clinic/attachments?lang=en").text, 'id="population-title"')
    assert 'data-count="attached">0<' in population and 'data-count="pending">1<' in population
    assert 'data-count="free">49<' in population


def test_refusals_on_the_clinic_page_read_from_the_codes(client, aw: AttWorld) -> None:
    login(client, "dana")
    apply(client, clinic="AST-1", reason="first", iin=[aw.mother])
    apply(client, clinic="AST-2", reason="choice", iin=[aw.mother])  # a free change (1 per 6 months)
    apply(client, clinic="AST-1", reason="choice", iin=[aw.mother])  # refused: limit reached
    login(client, "clinic1")
    html = client.get("/clinic/attachments?lang=ru").text
    apps = section(html, 'id="applications-title"')
    assert 'data-decision="refused"' in apps and 'data-code="change_limit_reached"' in apps
    assert "Отказано" in apps
    # the register keeps the codes only: the parameters it does not record read "…"
    refused = apps[apps.index('data-code="change_limit_reached"') :].split("</li>")[0]
    assert "…" in refused and "6" in refused


def test_citizen_missing_from_the_registry(client, session: Session, aw: AttWorld) -> None:
    create_user(session, "ghost", PASSWORD, "citizen", "Нет в регистре", iin=iin(date(1990, 1, 1), "M", 77))
    session.commit()
    login(client, "ghost")
    page = client.get("/attachment?lang=en")
    assert page.status_code == 200 and "is not found in the registry" in page.text
    assert 'name="iin"' not in page.text
