"""The citizen's services on /me in a real browser (Chromium), in kk, ru and en: the list of what was
billed in the parent's and the minor child's names, and the button "I did not receive this" filing a
complaint (the world of tests/claims/citizen_world.py)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect
from sqlalchemy import select
from sqlalchemy.orm import Session

from osms.claims.models import MonitoringCase
from tests.claims.citizen_world import PASSWORD, Family, family, flagged_visits

pytestmark = pytest.mark.e2e

#: Per language: the section's heading, the button, the name of the GP visit, the notice after a complaint.
WORDS = {
    "kk": (
        "Сіздің атыңызға қорға ұсынылған қызметтер",
        "Мен бұл қызметті алмадым",
        "Жалпы практика дәрігерінің қабылдауы",
        "Шағымыңыз тіркелді",
    ),
    "ru": (
        "Услуги, выставленные фонду к оплате на ваше имя",
        "Я не получал(а) эту услугу",
        "Приём врача общей практики",
        "Ваша жалоба зарегистрирована",
    ),
    "en": (
        "Services billed to the fund in your name",
        "I did not receive this",
        "General practitioner's visit",
        "Your complaint is registered",
    ),
}
#: The record each language's test complains about.
RECORDS = {"kk": "V-1", "ru": "V-2", "en": "S-1"}


@pytest.fixture
def browser_data(session: Session) -> Family:
    return family(session)


def test_services_and_the_complaint_button_in_three_languages(
    page: Any, browser_data: Family, session: Session
) -> None:
    page.goto("/login?lang=en")
    page.get_by_label("Login").fill("parent")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(re.compile(r"/me"))
    for filed, (lang, (heading, button, visit, notice)) in enumerate(WORDS.items()):
        page.goto(f"/me?lang={lang}")
        section = page.locator("#services")
        expect(section.locator("h2")).to_have_text(heading)
        expect(section.locator("tr.billed-row")).to_have_count(3)
        row = section.locator(f'tr[data-record-id="{RECORDS[lang]}"]')
        if lang != "en":
            expect(row).to_contain_text(visit)
        else:
            expect(row).to_contain_text("Appendectomy")
            expect(row).to_contain_text("K35.8")
        expect(section.locator("form.complaint-form")).to_have_count(3 - filed)
        row.get_by_role("textbox").fill("I was not there")
        row.get_by_role("button", name=button).click()
        page.wait_for_url(re.compile(r"/me\?complaint=\d+"))
        expect(page.locator("#complaint-filed")).to_contain_text(notice)
        expect(page.locator(f'tr[data-record-id="{RECORDS[lang]}"] .complaint-badge')).to_be_visible()
        expect(page.locator("form.complaint-form")).to_have_count(3 - filed - 1)
    session.expire_all()
    cases = session.scalars(select(MonitoringCase).order_by(MonitoringCase.id)).all()
    assert [c.record_ref for c in cases] == [browser_data.refs[RECORDS[lang]] for lang in WORDS]
    assert {(c.kind, c.trigger, c.note) for c in cases} == {("unplanned", "complaint", "I was not there")}


#: A home visit's, a remote one's and a child's preventive examination's badge per language (PAY п.67, п.68, п.66).
FLAGS = {
    "kk": ("үйде", "қашықтан", "баланың профилактикалық тексеруінде"),
    "ru": ("на дому", "дистанционно", "в рамках профилактического осмотра ребёнка"),
    "en": ("at home", "remotely", "in a child's preventive examination"),
}


def test_a_home_a_remote_and_a_preventive_visit_say_so_in_three_languages(
    page: Any, browser_data: Family, session: Session
) -> None:
    flagged_visits(session, browser_data)
    page.goto("/login?lang=en")
    page.get_by_label("Login").fill("parent")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(re.compile(r"/me"))
    for lang, (home, remote, preventive) in FLAGS.items():
        page.goto(f"/me?lang={lang}")
        section = page.locator("#services")
        expect(section.locator("tr.billed-row")).to_have_count(6)
        expect(section.locator('tr[data-record-id="H-1"] .service-flag')).to_have_text([home])
        expect(section.locator('tr[data-record-id="R-1"] .service-flag')).to_have_text([remote])
        expect(section.locator('tr[data-record-id="P-1"] .service-flag')).to_have_text([preventive])
        expect(section.locator(".service-flag")).to_have_count(3)
