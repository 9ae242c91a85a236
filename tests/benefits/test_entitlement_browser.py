"""The clinic's entitlement page in a real browser (system Chromium through Playwright) against a
served app: log in, ask, read the answer and the reasons, switch language, print to PDF."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from osms.core.security import create_user
from tests.benefits.helpers import CITIZEN_UNINSURED, TOURIST, populate

pytestmark = pytest.mark.e2e
PASSWORD = "correct horse battery"


@pytest.fixture
def browser_data(session) -> None:  # type: ignore[no-untyped-def]
    populate(session)
    create_user(session, "clinic1", PASSWORD, "clinic", "Емхана №1", provider_id="P-0001")
    session.commit()


def log_in(page: Any) -> None:
    page.goto("/login?lang=en")
    page.get_by_label("Login", exact=True).fill("clinic1")
    page.get_by_label("Password").fill(PASSWORD)
    page.locator("form.form-narrow button[type=submit]").click()
    page.wait_for_url("**/me**")


def test_clinic_checks_care_and_prints_a_sheet(page: Any, tmp_path: Path) -> None:
    log_in(page)
    page.goto("/entitlement?lang=ru")
    page.get_by_label("ИИН (12 цифр)").fill(TOURIST)
    page.get_by_label("Вид помощи").select_option("consult_diag")
    page.get_by_label("Диагноз (МКБ-10, необязательно)").fill("A15.0")
    page.get_by_label("День оказания помощи").fill("2024-05-15")
    page.get_by_role("button", name="Проверить").click()
    answer = page.locator("#entitlement-answer")
    expect(answer.locator(".package")).to_have_attribute("data-package", "GOBMP")
    expect(answer.locator(".package")).to_contain_text("Бесплатно: гарантированный объём")
    expect(answer.locator('[data-reason="dangerous_disease"]')).to_contain_text("опасность для окружающих")
    # the form keeps what was entered
    expect(page.get_by_label("Диагноз (МКБ-10, необязательно)")).to_have_value("A15.0")
    # a printed sheet: no form, no navigation, the answer and who checked
    page.emulate_media(media="print")
    expect(page.locator(".entitlement-form-box")).to_be_hidden()
    expect(page.locator(".main-nav")).to_be_hidden()
    expect(answer.locator(".sheet-footer")).to_be_visible()
    expect(answer.locator(".sheet-footer")).to_contain_text("Емхана №1")
    pdf = tmp_path / "sheet.pdf"
    page.pdf(path=str(pdf))
    assert pdf.stat().st_size > 1000


def test_planned_care_for_the_uninsured_in_english(page: Any) -> None:
    log_in(page)
    page.goto("/entitlement?lang=en")
    page.get_by_label("IIN (12 digits)").fill(CITIZEN_UNINSURED)
    page.get_by_label("Kind of care").select_option("inpatient_planned")
    page.get_by_label("Day of the care").fill("2024-05-15")
    page.get_by_label("With a referral from PHC or a specialist").check()
    page.get_by_role("button", name="Check").click()
    answer = page.locator("#entitlement-answer")
    expect(answer.locator(".package")).to_have_attribute("data-package", "none")
    expect(answer.locator('[data-reason="osms_not_insured"]')).to_contain_text("not insured on this date")
    page.get_by_label("Diagnosis (ICD-10, optional)").fill("Q99.99")
    page.get_by_role("button", name="Check").click()
    expect(page.get_by_role("alert")).to_contain_text("The diagnosis is not a WHO ICD-10 code")
