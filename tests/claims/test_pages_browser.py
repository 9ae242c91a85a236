"""The provider's intake and defects pages and the fund's monitoring queues in a real browser, in
kk, ru and en (the world of tests/claims/pages_world.py)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.claims.pages_world import PASSWORD, World, world

pytestmark = pytest.mark.e2e

__all__ = ["world"]

#: A visible word of each language: the intake page's title, the reason of the bad IIN row, the
#: defects page's title, the status of the notified defect.
WORDS = {
    "kk": ("Қызметтер туралы есептер", "ЖСН жарамды 12 таңбалы нөмір емес", "Ақаулар және шағымдану", "Хабарланды"),
    "ru": ("Отчёты об услугах", "ИИН не является корректным 12-значным номером", "Дефекты и обжалование", "Уведомлено"),
    "en": ("Service reports", "The IIN is not a valid 12-digit number", "Defects and appeals", "Notified"),
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


def test_intake_and_defects_in_three_languages(page: Any, browser_data: World) -> None:
    _login(page, "p1")
    for lang, (intake, bad_iin, defects, notified) in WORDS.items():
        page.goto(f"/services/intake?lang={lang}")
        expect(page.locator("h1")).to_have_text(f"{intake}: Емхана P1")
        expect(page.locator("tr.batch")).to_have_count(2)
        expect(page.locator('tr.rejected[data-code="bad_iin"] .reason')).to_contain_text(bad_iin)
        expect(page.locator("tr.record")).to_have_count(2)
        page.goto(f"/services/defects?lang={lang}")
        expect(page.locator("h1")).to_have_text(f"{defects}: Емхана P1")
        d1 = page.locator(f"#defect-{browser_data.defects['D1']}")
        expect(d1.locator(".status")).to_contain_text(notified)
        expect(d1.locator(".days-left")).to_have_text("3")

    # the filter form narrows the lists; the search finds a record by its number
    page.goto("/services/intake?lang=en")
    page.get_by_label("Form of care").select_option("outpatient")
    page.get_by_role("button", name="Search").click()
    expect(page.locator("tr.rejected")).to_have_count(1)
    expect(page.locator("tr.record")).to_have_count(1)
    expect(page.locator("tr.record")).to_have_attribute("data-record", "R5")
    page.goto("/services/intake?lang=en")
    page.get_by_label("Record number or IIN").fill("R2")
    page.get_by_role("button", name="Search").click()
    expect(page.locator("tr.record")).to_have_attribute("data-record", "R2")
    with page.expect_download() as download:
        page.locator("a.csv-findings").click()
    assert download.value.suggested_filename == "intake-P1-findings.csv"

    # the objection form of the notified defect: sent, the appeal awaits the review in another region
    page.goto("/services/defects?lang=kk")
    d1 = page.locator(f"#defect-{browser_data.defects['D1']}")
    d1.get_by_label("Қарсылық: негіздемелер").fill("Науқас 2 сәуірде қайтыс болды, қызмет көрсетілген жоқ.")
    d1.get_by_role("button", name="Қарсылықты жіберу").click()
    page.wait_for_url(re.compile(r"/services/defects\?month=2026-04"))
    d1 = page.locator(f"#defect-{browser_data.defects['D1']}")
    expect(d1.locator(".status")).to_contain_text("Қарсылық берілді")
    expect(d1.locator("form.objection")).to_have_count(0)
    expect(d1.locator(".appeal-steps li")).to_have_count(1)


def test_monitoring_queues_in_kazakh(page: Any, browser_data: World) -> None:
    _login(page, "op")
    page.goto("/monitoring?lang=kk")
    expect(page.locator("h1")).to_have_text("Мониторинг")
    expect(page.locator(".queue-review tr.defect-row")).to_have_count(1)
    expect(page.locator(".queue-review .reviewer-rule")).to_contain_text("KZ-ALA")
    expect(page.locator(".queue-deaths tr.death")).to_have_count(1)
    page.locator(".queue-review tr.defect-row a").first.click()
    expect(page.locator("h1")).to_contain_text("3.1")
    expect(page.locator("table.appeal-steps tbody tr")).to_have_count(1)
    # the reviewer of another region upholds the defect: a second objection is now possible
    page.get_by_label("Ақау расталды").check()
    page.get_by_label("Қараушының өңірі").select_option("KZ-AST")
    page.get_by_role("button", name="Шешімді тіркеу").click()
    expect(page.locator("dd.status")).to_contain_text("Қарауда расталды")
    expect(page.locator("table.appeal-steps tbody tr")).to_have_count(2)
    expect(page.locator("form.decide")).to_have_count(0)
