"""The pages in a real browser (system Chromium through Playwright) against a served app."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect
from web_helpers import PASSWORD, World

pytestmark = pytest.mark.e2e


def test_language_switch_kk_ru_en(page: Any) -> None:
    page.goto("/?lang=kk")
    header = page.locator("header.site-header")
    expect(page.locator("html")).to_have_attribute("lang", "kk")
    expect(header.locator(".brand-short")).to_have_text("ӘМСҚ")
    expect(header.get_by_role("link", name="Кіру")).to_be_visible()

    page.get_by_role("link", name="Русский").click()
    expect(page.locator("html")).to_have_attribute("lang", "ru")
    expect(header.locator(".brand-short")).to_have_text("ФСМС")
    expect(header.get_by_role("link", name="Войти")).to_be_visible()

    page.get_by_role("link", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(header.locator(".brand-short")).to_have_text("Social Health Insurance Fund")
    expect(header.get_by_role("link", name="Log in")).to_be_visible()

    page.goto("/check")  # the choice is remembered without ?lang=
    expect(page.locator("html")).to_have_attribute("lang", "en")


def test_iin_check_swaps_in_the_result_without_a_reload(page: Any) -> None:
    page.goto("/?lang=ru")
    page.wait_for_function("window.htmx !== undefined")
    page.evaluate("window.__notReloaded = true")
    page.get_by_label("ИИН (12 цифр)").fill("12345")
    page.get_by_role("button", name="Проверить").click()
    result = page.locator("#check-result")
    expect(result.locator('[data-code="length"]')).to_contain_text("ИИН состоит из 12 цифр")
    assert page.evaluate("window.__notReloaded") is True, "the page was reloaded"
    assert page.url.endswith("/?lang=ru")

    page.get_by_label("ИИН (12 цифр)").fill("860101300017")
    page.get_by_role("button", name="Проверить").click()
    expect(result.locator("[data-status]")).to_be_visible()  # the status alone (docs/access.md)
    expect(result).not_to_contain_text("01.01.1986")  # nothing decoded from the number
    assert page.evaluate("window.__notReloaded") is True


def test_iin_check_works_without_javascript(browser: Any, live_server: str) -> None:
    context = browser.new_context(base_url=live_server, java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto("/?lang=en")
        page.get_by_label("IIN (12 digits)").fill("86010130001x")
        page.get_by_role("button", name="Check").click()
        page.wait_for_url(re.compile(r"/check\?iin="))
        expect(page.locator('[data-code="non_digit"]')).to_contain_text("only the digits 0–9")
    finally:
        context.close()


def test_citizen_logs_in_sees_own_card_and_logs_out(page: Any, world: World) -> None:
    page.goto("/?lang=en")
    page.locator("header").get_by_role("link", name="Log in").click()
    page.get_by_label("Login").fill("aigerim")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/me")
    card = page.locator("article.person-card")
    expect(card.locator("h2")).to_have_text("Ахметова Айгерим Серікқызы")
    expect(card).to_contain_text(world.mother)
    expect(card).to_contain_text("14 Mar 1988")
    expect(card).to_contain_text("Non-working parent raising a child under 3")

    card.get_by_role("link", name="Ахметов Нұрлан").click()
    page.wait_for_url(f"**/persons/{world.child}")
    expect(page.locator("article.person-card h2")).to_have_text("Ахметов Нұрлан")

    page.locator("header").get_by_role("button", name="Log out").click()
    page.wait_for_url(re.compile(r"/$"))
    expect(page.locator("header").get_by_role("link", name="Log in")).to_be_visible()
    page.goto("/me")
    page.wait_for_url(re.compile(r"/login\?next=%2Fme$"))


def test_stranger_sees_a_translated_403_page(page: Any, world: World) -> None:
    page.goto("/login?lang=kk")
    page.get_by_label("Логин").fill("petr")
    page.get_by_label("Құпиясөз").fill(PASSWORD)
    page.get_by_role("button", name="Кіру").click()
    page.wait_for_url("**/me")
    response = page.goto(f"/persons/{world.mother}")
    assert response is not None and response.status == 403
    expect(page.locator("h1")).to_have_text("Қол жеткізуге рұқсат жоқ")
