"""The public procurement page and the provider's cabinet in a real browser, in kk, ru and en
(the world of tests/providers/test_pages.py, with the results placed and published)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.providers import test_pages
from tests.providers.test_pages import NAMES, PASSWORD, World
from tests.providers.test_procurement_flow import ID, lines

pytestmark = pytest.mark.e2e

world = test_pages.world  # the page tests' world, served

#: A visible word of each language: the page's heading, the stage, a rejected decision.
WORDS = {
    "kk": ("Сатып алу", "Қорытындылар жарияланды", "Өнім берушінің кабинеті", "Қабылданбады"),
    "ru": ("Закуп", "Итоги опубликованы", "Кабинет поставщика", "Отклонена"),
    "en": ("Procurement", "Results published", "Provider's cabinet", "Rejected"),
}


@pytest.fixture
def browser_data(world: World) -> World:
    lines("procurement", "distribute", ID)
    lines("procurement", "publish", ID)
    return world


def test_public_procurement_and_cabinet_in_three_languages(page: Any, browser_data: World) -> None:
    for lang, (title, stage, _, _) in WORDS.items():
        page.goto(f"/procurements/{ID}?lang={lang}")
        expect(page.locator("h1")).to_have_text(f"{title} {ID}")
        expect(page.locator("dd[data-state]")).to_have_text(stage)
        expect(page.locator("tr.placement")).to_have_count(2)
        expect(page.locator("tr.placement").first).to_contain_text(NAMES["H1"])

    page.goto("/login?lang=en")
    page.get_by_label("Login").fill("h3")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(re.compile(r"/me"))
    for lang, (_, _, cabinet, rejected) in WORDS.items():
        page.goto(f"/provider?lang={lang}")
        expect(page.locator("h1")).to_have_text(f"{cabinet}: {NAMES['H3']}")
        a3 = page.locator("#app-A3")
        expect(a3.locator(".decision")).to_contain_text(rejected)
        # stage 2 has placed the volumes: the correction form is gone, the sentence says why
        expect(a3.locator("form")).to_have_count(0)
        expect(a3.locator(".correction")).to_be_visible()


def test_the_protocol_prints_alone(page: Any, browser_data: World) -> None:
    page.goto("/login?lang=en")
    page.get_by_label("Login").fill("op")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(re.compile(r"/me"))
    page.goto(f"/commission/{ID}?lang=kk")
    expect(page.locator("h1")).to_contain_text("Сатып алу жөніндегі комиссия")
    expect(page.locator(".commission-review")).to_be_visible()
    page.emulate_media(media="print")
    expect(page.locator(".commission-review")).to_be_hidden()
    expect(page.locator(".protocol h2")).to_have_text("Сатып алу жөніндегі комиссияның хаттамасы")
    expect(page.locator(".protocol tbody tr")).to_have_count(6)
