"""The per-capita page in a real browser, in kk, ru and en: a clinic's login sees its own per
capita of a month (the table, the population pyramid, the reductions, the synthetic notice of the
kz-law rows); an operator chooses any provider."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

import pytest
from playwright.sync_api import expect
from sqlalchemy.orm import Session

from osms.core.security import create_user
from osms.payments.capitation import per_capita
from osms.rulebooks.loader import load_rulebook
from tests.payments.percapita_world import clinic, person

pytestmark = pytest.mark.e2e

PASSWORD = "per-capita-pass-1"
#: The heading, the synthetic notice's first words, the "men" of the pyramid, in each language.
WORDS = {
    "kk": ("Жан басына", "Синтетикалық тарифтер", "Ерлер"),
    "ru": ("Подушевое финансирование", "Синтетические тарифы", "Мужчины"),
    "en": ("Per capita", "Synthetic rates", "Men"),
}


@pytest.fixture
def browser_data(session: Session) -> str:
    clinic(session, "PHC1", region="KZ-ALA")
    clinic(session, "PHC2", region="KZ-ALA")
    person(session, date(1990, 6, 15), "M", 1)
    person(session, date(2025, 9, 10), "F", 2)
    person(session, date(1950, 1, 1), "F", 3, insured=False)
    create_user(session, "pc-clinic", PASSWORD, "clinic", "Емхана", provider_id="PHC1")
    create_user(session, "pc-operator", PASSWORD, "operator", "Оператор")
    session.commit()
    expected = per_capita(session, load_rulebook("kz-law"), "PHC1", "2026-03", today=date(2026, 12, 5))
    return str(expected.amount)


def _login(page: Any, user: str) -> None:
    page.goto("/login?lang=en")
    page.get_by_label("Login").fill(user)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(re.compile(r"/(me|$)|/\?|/[a-z-]*$"))


def test_per_capita_page_in_three_languages(page: Any, browser_data: str) -> None:
    _login(page, "pc-clinic")
    for lang, (title, synthetic, men) in WORDS.items():
        page.goto(f"/per-capita?lang={lang}&month=2026-03")
        expect(page.locator("h1")).to_have_text(title)
        answer = page.locator("#per-capita")
        expect(answer).to_have_attribute("data-provider", "PHC1")
        expect(answer.locator("[data-attached]")).to_have_attribute("data-attached", "3")
        expect(answer.locator("dd.price")).to_have_attribute("data-amount", browser_data)
        expect(answer.locator(".notice-synthetic")).to_contain_text(synthetic)
        expect(answer.locator("tr.band-row")).to_have_count(11)
        expect(answer.locator("tr.reduction[data-code=uninsured] td").nth(1)).to_have_text("1")
        expect(answer.locator("tr.reduction[data-code=no_service_year]")).to_have_attribute(
            "data-status", "pending_december"
        )
        pyramid = answer.locator("svg.pyramid")
        expect(pyramid).to_be_visible()
        expect(pyramid.locator("rect")).to_have_count(22)
        expect(pyramid.locator("rect.bar-f[data-band='70+']")).to_have_attribute("data-people", "1")
        expect(pyramid.locator("text.pyramid-head").first).to_have_text(men)
    # another provider's page is refused to the clinic
    page.goto("/per-capita?lang=en&provider=PHC2&month=2026-03")
    expect(page.locator("body")).to_contain_text("A provider sees only its own per capita.")


def test_the_operator_chooses_a_provider(page: Any, browser_data: str) -> None:
    _login(page, "pc-operator")
    page.goto("/per-capita?lang=en")
    page.get_by_label("Provider code").fill("PHC1")
    page.get_by_label("Month").fill("2026-03")
    page.get_by_role("button", name="Show").click()
    expect(page.locator("dd.price")).to_have_attribute("data-amount", browser_data)
