"""Attachment pages in a real browser (system Chromium through Playwright) against a served app.

The data are those of test_pages.py (``build_world``), on 2025-03-10. The served app runs in this
process, so replacing ``osms.web.pages.today`` reaches it. Server and browser: tests/browser_fixtures.py.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from osms.attachment import rules, service
from osms.web import pages
from tests.attachment.test_pages import DAY, NAMES, PASSWORD, AttWorld, build_world

ATTACHED = "Attached to clinic «Қалалық емхана №1» (AST-1) from 10 March 2025."

pytestmark = pytest.mark.e2e


@pytest.fixture
def aw(engine: Engine, session: Session, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AttWorld:
    monkeypatch.setattr(pages, "today", lambda: DAY)
    return build_world(engine, session, tmp_path)


@pytest.fixture
def browser_data(aw: AttWorld) -> AttWorld:
    return aw


def log_in(page: Any, username: str) -> None:
    page.goto("/login?lang=en")
    page.get_by_label("Login").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/me")


def log_out(page: Any) -> None:
    page.get_by_role("button", name="Log out").click()
    page.wait_for_url(re.compile(r"/$"))


def test_citizen_chooses_a_clinic_and_applies_for_self_and_child(page: Any, aw: AttWorld) -> None:
    from playwright.sync_api import expect

    log_in(page, "dana")
    page.get_by_role("link", name="Choose a clinic").click()
    page.wait_for_url("**/attachment")
    page.wait_for_function("window.htmx !== undefined")
    page.evaluate("window.__notReloaded = true")
    clinics = page.locator("table.clinics-table")
    expect(clinics.locator("tbody tr")).to_have_count(2)
    expect(clinics.locator('tr[data-clinic="AST-1"] [data-serves]')).to_have_text("served: home visits")

    # choosing a clinic swaps in its doctors and the form, without reloading the page
    clinics.get_by_role("link", name="Choose Қалалық емхана №1").click()
    panel = page.locator('#apply[data-clinic="AST-1"]')
    expect(panel.get_by_role("heading", name="Apply to Қалалық емхана №1")).to_be_visible()
    expect(panel.locator("table.districts-table tbody tr")).to_have_count(3)
    assert page.evaluate("window.__notReloaded") is True
    assert page.url.endswith("/attachment?clinic=AST-1")

    expect(panel.get_by_label(re.compile(r"^Myself"))).to_be_checked()
    panel.get_by_label(re.compile("Сейітов Әли")).check()
    panel.get_by_label("Doctor (optional)").select_option("T3")
    panel.get_by_label("Reason for the application").select_option("first")
    panel.get_by_role("button", name="Apply").click()
    page.wait_for_url(re.compile(r"/attachment\?clinic=AST-1"))

    decisions = page.locator("#decisions")
    expect(decisions.locator("article.decision")).to_have_count(2)
    mother = decisions.locator(f'article[data-iin="{aw.mother}"]')
    expect(mother).to_have_attribute("data-decision", "accepted")
    expect(mother.locator("[data-district]")).to_contain_text("Омаров Бауыржан")
    expect(mother.locator('[data-code="first_attachment"]')).to_have_text(ATTACHED)
    child = decisions.locator(f'article[data-iin="{aw.child}"]')
    expect(child).to_have_attribute("data-decision", "accepted")
    expect(child.locator("[data-district]")).to_contain_text("Ахметова Сәуле")  # a pediatrician for the child

    # the language switch keeps the decisions, with their reasons in that language
    page.get_by_role("link", name="Русский").click()
    page.wait_for_url(re.compile(r"lang=ru"))
    expected = service.reason_message(
        rules.Reason("first_attachment", {"clinic": "AST-1", "date": "2025-03-10"}), NAMES
    )
    expect(page.locator(f'article[data-iin="{aw.mother}"] [data-code="first_attachment"]')).to_have_text(expected["ru"])
    expect(page.locator(f'.attachment-now tr[data-iin="{aw.child}"]')).to_have_attribute("data-attached", "AST-1")

    # the clinic sees the applications and its new population
    page.get_by_role("link", name="English").click()
    log_out(page)
    log_in(page, "clinic1")
    page.get_by_role("link", name="Attachment applications").click()
    page.wait_for_url("**/clinic/attachments")
    rows = page.locator("table.applications-table tbody tr")
    expect(rows).to_have_count(2)
    row = page.locator(f'table.applications-table tr[data-iin="{aw.child}"]')
    expect(row).to_have_attribute("data-decision", "accepted")
    expect(row.locator('[data-code="first_attachment"]')).to_have_text(ATTACHED)
    expect(row).to_contain_text(f"applied by {aw.mother}")
    expect(page.locator('dd[data-count="attached"]')).to_have_text("2")
    expect(page.locator("table.population-table tbody tr")).to_have_count(2)


def test_applying_works_without_javascript(browser: Any, live_server: str, aw: AttWorld) -> None:
    from playwright.sync_api import expect

    context = browser.new_context(base_url=live_server, java_script_enabled=False, locale="en-US")
    try:
        page = context.new_page()
        log_in(page, "dana")
        page.goto("/attachment")
        page.get_by_role("link", name="Choose Қалалық емхана №2").click()
        page.wait_for_url(re.compile(r"/attachment\?clinic=AST-2"))
        panel = page.locator('#apply[data-clinic="AST-2"]')
        expect(panel).to_contain_text("outside the service area: no home visits by the district doctor")
        panel.get_by_label("Reason for the application").select_option("first")
        panel.get_by_role("button", name="Apply").click()
        page.wait_for_url(re.compile(r"/attachment\?clinic=AST-2"))
        decision = page.locator(f'#decisions article[data-iin="{aw.mother}"]')
        expect(decision).to_have_attribute("data-decision", "accepted_no_home_visits")
        expect(decision.locator('[data-code="outside_service_area"]')).to_be_visible()
    finally:
        context.close()
