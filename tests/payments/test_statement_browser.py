"""The provider's payment statement and the fund's run page in a real browser, in kk, ru and en
(the world of tests/payments/acts_world.py: H1's March 2026, run, with a synthetic case weight)."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

import pytest
from playwright.sync_api import expect
from sqlalchemy.orm import Session

from osms.payments import protocol as act_protocol
from osms.rulebooks.loader import load_rulebook
from tests.payments.acts_world import PASSWORD, World, world

pytestmark = pytest.mark.e2e

__all__ = ["world"]

#: A visible word of each language: the statement's title, the per-case line, the deductions'
#: heading, the run page's title, its "send the protocol" button.
WORDS = {
    "kk": (
        "Төлем жөніндегі анықтама",
        "Емделген жағдай үшін",
        "Ақаулар үшін шегерімдер",
        "Айлық төлем есептері",
        "Хаттаманы жіберу",
    ),  # fmt: skip
    "ru": (
        "Справка об оплате",
        "За пролеченный случай",
        "Снятия за дефекты",
        "Ежемесячные расчёты оплаты",
        "Направить протокол",
    ),  # fmt: skip
    "en": ("Payment statement", "Per treated case", "Deductions for defects", "Payment runs", "Send the protocol"),
}


@pytest.fixture
def browser_data(world: World) -> World:
    return world


def _login(page: Any, username: str) -> None:
    page.goto("/login?lang=en")
    page.get_by_label("Login").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(re.compile(r"/me"))


def test_statement_and_runs_in_three_languages(page: Any, browser_data: World) -> None:
    cid = browser_data.contract_id
    _login(page, "op")
    for lang, (_, _, _, runs, protocol) in WORDS.items():
        page.goto(f"/payments/runs?month=2026-03&lang={lang}")
        expect(page.locator("h1")).to_contain_text(runs)
        row = page.locator(f'tr.run[data-contract="{cid}"]')
        expect(row).to_have_attribute("data-status", "computed")
        expect(row.get_by_role("button", name=protocol)).to_be_visible()
        expect(page.locator(".notice-synthetic")).to_be_visible()
    page.locator(f'tr.run[data-contract="{cid}"]').get_by_role("button", name="Send the protocol").click()
    page.wait_for_url(re.compile(r"done=protocol"))
    expect(page.locator(f'tr.run[data-contract="{cid}"]')).to_have_attribute("data-status", "protocol")
    page.get_by_role("button", name="Log out").click()

    _login(page, "h1")
    for lang, (title, per_case, deductions, _, _) in WORDS.items():
        page.goto(f"/payments/statement?month=2026-03&lang={lang}")
        expect(page.locator("h1")).to_have_text(f"{title}: Емхана H1")
        article = page.locator(f"#contract-{cid}")
        expect(article.locator('tr.run-line[data-method="per_case"] td').first).to_have_text(per_case)
        expect(article.locator("h3", has_text=deductions)).to_be_visible()
        expect(article.locator(".notice-synthetic")).to_be_visible()
        expect(article.locator("form.objection textarea")).to_be_visible()  # the window is open
    article = page.locator(f"#contract-{cid}")
    article.locator("form.objection textarea").fill("r3 was one visit")
    article.get_by_role("button", name="Send the objection").click()
    expect(page.locator(f"#contract-{cid}")).to_have_attribute("data-status", "objected")
    expect(page.locator(f"#contract-{cid} .objection-text")).to_contain_text("r3 was one visit")
    with page.expect_download() as download:
        page.locator(f"#contract-{cid} a.act-pdf").click()
    assert download.value.suggested_filename == f"act-{cid}-2026-03.pdf"


#: The run page's warning per language: H1 (no IBAN in the register) has the month's one order.
NO_ACCOUNT = {
    "kk": "Айдың банк шоты (IBAN) жоқ төлем тапсырмалары: 1 ішінен 1.",
    "ru": "Платёжные поручения месяца без банковского счёта (IBAN): 1 из 1.",
    "en": "Payment orders of the month without a bank account (IBAN): 1 of 1.",
}


def test_the_run_page_warns_of_the_order_without_a_bank_account(
    page: Any, browser_data: World, session: Session
) -> None:
    book = load_rulebook("kz-law")
    act_protocol.protocol(session, book, browser_data.contract_id, "2026-03", today=date(2026, 4, 1))
    act_protocol.sign(session, book, browser_data.contract_id, "2026-03", signed_by="op", today=date(2026, 4, 7))
    session.commit()
    _login(page, "op")
    for lang, words in NO_ACCOUNT.items():
        page.goto(f"/payments/runs?month=2026-03&lang={lang}")
        warning = page.locator(".orders-without-iban")
        expect(warning).to_be_visible()
        expect(warning).to_contain_text(words)
        expect(warning).to_contain_text("Емхана H1")
        expect(page.locator("form.payment-orders")).to_be_visible()
