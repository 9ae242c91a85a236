"""The public tariff page in a real browser, in kk, ru and en: the form is filled and sent, the
answer shows the price, the rules applied and, for a synthetic row, the notice that says so."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e

#: The page's heading, the button, the synthetic notice's first words, in each language.
WORDS = {
    "kk": ("Тарифтер", "Есептеу", "Синтетикалық тариф"),
    "ru": ("Тарифы", "Рассчитать", "Синтетический тариф"),
    "en": ("Tariffs", "Compute", "Synthetic tariff"),
}


def test_tariff_page_in_three_languages(page: Any) -> None:
    for lang, (title, button, synthetic) in WORDS.items():
        page.goto(f"/tariffs?lang={lang}")
        expect(page.locator("h1")).to_have_text(title)
        # hospital at home, synthetic SYN.PU01: 175,622.79 × 0.85 / 6 = 24,879.89525 -> 24,879.90 (PAY п.73)
        page.locator("#t-form").select_option("home_hospital")
        page.locator("#t-code").fill("SYN.PU01")
        page.locator("#t-date").fill("2026-03-02")
        page.get_by_role("button", name=button).click()
        answer = page.locator("#tariff-answer")
        expect(answer.locator("dd.price")).to_have_attribute("data-price", "24879.90")
        expect(answer.locator("[data-share]")).to_have_text("1/6")
        expect(answer.locator(".notice-synthetic")).to_contain_text(synthetic)
        expect(answer.locator("tr.tariff-rule")).to_have_count(4)
        # a published neonatal group of 2025, verified: no notice
        page.goto(f"/tariffs?lang={lang}&care_form=inpatient&code=P001&date=2025-03-01")
        expect(page.locator("dd.price")).to_have_attribute("data-price", "3853961.88")
        expect(page.locator(".notice-synthetic")).to_have_count(0)
        expect(page.locator(".notice-unverified")).to_have_count(0)
