"""Insured status in a real browser (system Chromium through Playwright) against a served app.

The data are those of test_status_pages.py (``build_status_world``), checked on 2024-09-15: the
served app runs in this process, so replacing ``osms.web.pages.today`` reaches it.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

import pytest
from playwright.sync_api import expect
from sqlalchemy.orm import Session
from test_status_pages import CHECK_DAY, StatusWorld, build_status_world
from web_helpers import PASSWORD, World, new_iin

from osms.web import pages

pytestmark = pytest.mark.e2e


@pytest.fixture
def sw(session: Session, world: World, monkeypatch: pytest.MonkeyPatch) -> StatusWorld:
    monkeypatch.setattr(pages, "today", lambda: CHECK_DAY)
    return build_status_world(session, world)


def test_anonymous_checks_a_status_through_the_htmx_form(page: Any, sw: StatusWorld) -> None:
    page.goto("/?lang=ru")
    page.wait_for_function("window.htmx !== undefined")
    page.evaluate("window.__notReloaded = true")
    result = page.locator("#check-result")

    page.get_by_label("ИИН (12 цифр)").fill(sw.serik)
    page.get_by_role("button", name="Проверить").click()
    expect(result.locator('[data-status="insured"] .status-headline')).to_have_text("Застрахован на 15.09.2024")
    expect(result).not_to_contain_text("30.09.2024")  # no end date (docs/access.md)
    expect(result).not_to_contain_text("Омаров")
    expect(result).not_to_contain_text("12 750")
    assert page.evaluate("window.__notReloaded") is True, "the page was reloaded"

    page.get_by_label("ИИН (12 цифр)").fill(new_iin(date(1999, 9, 9), "M", 4242))  # nobody has it
    page.get_by_role("button", name="Проверить").click()
    expect(result.locator('[data-status="not_insured"] .status-headline')).to_have_text("Не застрахован на 15.09.2024")
    assert page.evaluate("window.__notReloaded") is True
    assert page.url.endswith("/?lang=ru")


def test_status_check_works_without_javascript(browser: Any, live_server: str, sw: StatusWorld) -> None:
    context = browser.new_context(base_url=live_server, java_script_enabled=False, locale="en-US")
    try:
        page = context.new_page()
        page.goto("/check?lang=en")
        page.get_by_label("IIN (12 digits)").fill(sw.serik)
        page.get_by_role("button", name="Check").click()
        page.wait_for_url(re.compile(r"/check\?iin="))
        expect(page.locator(".status-headline")).to_have_text("Insured on 15 Sep 2024")
    finally:
        context.close()


def test_citizen_logs_in_and_sees_arrears_and_payments(page: Any, sw: StatusWorld) -> None:
    page.goto("/login?lang=en")
    page.get_by_label("Login").fill("serik")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/me")

    panel = page.locator("section.status-panel")
    expect(panel.locator(".status-headline")).to_have_text("Insured until 30 Sep 2024")
    # Only July is past its deadline (25.08.2024); August and September are due by the 25th of the
    # following month (docs/calculators.md): neutral tiles, not red.
    expect(panel.locator(".status-message")).to_contain_text("Arrears: 1 months, 4,250.00 tenge.")
    arrears = panel.locator("section.arrears")
    expect(arrears.locator("tbody tr")).to_have_count(1)
    expect(arrears.locator("tbody tr").first).to_have_text(re.compile(r"July 2024\s*4,250\.00"))
    expect(arrears.locator("tfoot td")).to_have_text("4,250.00")
    expect(arrears.get_by_role("heading", name="What to do")).to_be_visible()
    expect(panel.locator(".months-strip li.paid")).to_have_count(6)
    expect(panel.locator(".months-strip li.unpaid")).to_have_count(4)  # 2023-10..12 and 2024-07
    august = panel.locator('.months-strip li[data-period="2024-08"]')
    expect(august).to_have_text(re.compile(r"August 2024\s*due by 25 Sep 2024"))
    expect(august).to_have_css("background-color", "rgb(243, 246, 249)")  # --wash, not --error-wash
    expect(panel.locator('.months-strip li[data-period="2024-07"]')).not_to_have_css(
        "background-color", "rgb(243, 246, 249)"
    )

    reversed_row = page.locator('tr.reversed[data-reference="DUP-2024-06"]')
    expect(reversed_row.locator("del")).to_have_text("9,000.00")
    expect(reversed_row.locator("td").first).to_have_css("text-decoration-line", "line-through")

    page.get_by_role("link", name="Русский").click()
    expect(panel.locator("tfoot td")).to_have_text("4\u00a0250,00")
