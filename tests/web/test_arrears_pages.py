"""Nobody is told on a page that they owe what is not yet due, and the employer's
page opens on a month with payments.

The scenario, checked on 2026-12-04 (and 2026-12-26) under kz-law: ТОО Жарық (``employer1``) paid for
Әсел Нұрова (login ``asel``) every month 2026-01 .. 2026-10, each credited on the 20th of the
following month. An employer pays a month by the 25th of the next one (docs/calculators.md [seed 001 Q19,
Q23]; ``deadlines.employer-deduction``): November is due by 25.12.2026 and December by 25.01.2027, so
on 4 December she owes nothing; on 26 December November is in arrears at the self-payer's 5% × 85,000 =
4,250.00. Болат Серіков (login ``bolat``) has a disability since 2019 (state-paid, open-ended); the
world's child (born 2021-06-01, category ``child``) is state-paid too: neither ever has a red month.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

import pytest
from sqlalchemy.orm import Session
from test_status_pages import Ledger
from web_helpers import PASSWORD, World, add_person, login

from osms.core.security import create_user
from osms.registry.models import FamilyLink, Payer, PersonCategory
from osms.web import pages

DECEMBER_4 = date(2026, 12, 4)
DECEMBER_26 = date(2026, 12, 26)
NBSP = "\u00a0"


def build(session: Session, world: World) -> dict[str, str]:
    session.add(Payer(payer_id=world.employer_bin, kind="employer", name="ТОО Жарық", region="ALA"))
    asel = add_person(session, date(1992, 5, 5), "F", "Нұрова", "Әсел", serial=707)
    bolat = add_person(session, date(1975, 8, 8), "M", "Серіков", "Болат", serial=808)
    session.add(PersonCategory(iin=bolat, category="disability", valid_from=date(2019, 3, 1), source="ЦБДИ"))
    create_user(session, "asel", PASSWORD, "citizen", "Әсел Нұрова", iin=asel)
    create_user(session, "bolat", PASSWORD, "citizen", "Болат Серіков", iin=bolat)
    ledger = Ledger(session)
    for m in range(1, 11):
        ledger.pay(asel, f"2026-{m:02d}", "employer_deduction", world.employer_bin, "7650.00")
        ledger.pay(asel, f"2026-{m:02d}", "employee_contribution", world.employer_bin, "5100.00")
    ledger.refresh()
    session.commit()
    return {"asel": asel, "bolat": bolat}


@pytest.fixture
def people(session: Session, world: World) -> dict[str, str]:
    return build(session, world)


def on(monkeypatch: pytest.MonkeyPatch, day: date) -> None:
    monkeypatch.setattr(pages, "today", lambda: day)


def tiles(html: str) -> dict[str, tuple[str, str]]:
    """period -> (class, text) of the months strip."""
    found = re.findall(
        r'<li class="([^"]+)" data-period="(\d{4}-\d{2})" data-state="[^"]+">'
        r'<span class="month-name">[^<]*</span> <span class="month-state">([^<]*)</span></li>',
        html,
    )
    return {period: (css, text) for css, period, text in found}


def test_on_4_december_the_employee_sees_no_arrears_and_due_months(client, people, monkeypatch) -> None:
    on(monkeypatch, DECEMBER_4)
    login(client, "asel")
    text = client.get("/me?lang=en").text
    assert "Insured until 31 Jan 2027" in text  # grace: 3 months after October
    assert "Arrears" not in text and "What to do" not in text and "self-payer" not in text
    strip = tiles(text)
    assert len(strip) == 12
    assert strip["2026-10"] == ("paid", "paid")
    assert strip["2026-11"] == ("due", "due by 25 Dec 2026")
    assert strip["2026-12"] == ("due", "due by 25 Jan 2027")
    assert not [p for p, (css, _) in strip.items() if css == "unpaid"]  # no red tile
    assert "not paid" not in text
    russian = client.get("/me?lang=ru").text
    assert tiles(russian)["2026-11"] == ("due", "оплатить до 25.12.2026")
    assert "Задолженность" not in russian
    kazakh = client.get("/me?lang=kk").text
    assert tiles(kazakh)["2026-12"] == ("due", "25.01.2027 дейін төлеу")


def test_on_26_december_november_is_in_arrears(client, people, monkeypatch) -> None:
    on(monkeypatch, DECEMBER_26)
    login(client, "asel")
    text = client.get("/me?lang=en").text
    # November's deadline (25.12.2026) has passed: 1 month at 4,250.00 (5% × 85,000).
    assert "Arrears: 1 months, 4,250.00 tenge." in text
    assert '<tr data-period="2026-11"><td>November 2026</td><td class="num">4,250.00</td></tr>' in text
    assert '<td class="num" data-total>4,250.00</td>' in text
    assert "pay them as a self-payer" in text
    strip = tiles(text)
    assert strip["2026-11"] == ("unpaid", "not paid")
    assert strip["2026-12"] == ("due", "due by 25 Jan 2027")


def test_the_person_card_shows_the_same_to_an_operator(client, people, monkeypatch) -> None:
    on(monkeypatch, DECEMBER_4)
    login(client, "operator1")
    text = client.get(f"/persons/{people['asel']}?lang=en").text
    assert "Arrears" not in text
    assert tiles(text)["2026-11"] == ("due", "due by 25 Dec 2026")


def test_a_state_paid_person_never_has_a_red_month(client, world, people, monkeypatch) -> None:
    on(monkeypatch, DECEMBER_4)
    login(client, "bolat")
    text = client.get("/me?lang=en").text
    strip = tiles(text)
    assert set(strip.values()) == {("state-paid", "paid by the state")}
    assert "Arrears" not in text and "not paid" not in text and "due by" not in text
    # the parent's view of a state-paid child (born 2021-06-01, category child)
    client.cookies.clear()
    login(client, "aigerim")
    child = client.get(f"/persons/{world.child}?lang=ru").text
    assert set(tiles(child).values()) == {("state-paid", "оплачивает государство")}
    assert "не оплачен" not in child


def test_a_child_born_this_year_has_no_red_month_before_birth(client, session: Session, world, monkeypatch) -> None:
    on(monkeypatch, DECEMBER_4)
    baby = add_person(session, date(2026, 3, 10), "F", "Ахметова", "Аяла", serial=909)
    session.add(PersonCategory(iin=baby, category="child", valid_from=date(2026, 3, 10), source="ГБД ФЛ"))
    session.add(FamilyLink(iin=baby, relative_iin=world.mother, relation="parent"))
    session.commit()
    login(client, "aigerim")
    strip = tiles(client.get(f"/persons/{baby}?lang=en").text)
    assert strip["2026-01"] == strip["2026-02"] == ("not-applicable", "not applicable")
    assert {strip[f"2026-{m:02d}"] for m in range(3, 13)} == {("state-paid", "paid by the state")}


def test_the_employer_page_opens_on_the_latest_month_with_payments(client, people, monkeypatch) -> None:
    # On 4 December the employer has paid through October (November is due by 25 December): the
    # page opens on October, with her row, not on an empty November.
    on(monkeypatch, DECEMBER_4)
    login(client, "employer1")
    text = client.get("/employer?lang=en").text
    assert 'value="2026-10"' in text
    assert f'<tr data-iin="{people["asel"]}" data-status="insured">' in text
    assert "7,650.00" in text and "5,100.00" in text
    assert "the statements to employees are due by 15 Nov 2026 and the payment by 25 Nov 2026" in text
    assert "No payments by you for this month have been credited." not in text
    # a month asked for explicitly is still shown, even empty
    november = client.get("/employer?period=2026-11&lang=en").text
    assert "No payments by you for this month have been credited." in november
    assert "the payment by 25 Dec 2026" in november


def test_an_employer_that_never_paid_opens_on_last_month(client, session: Session, world, monkeypatch) -> None:
    on(monkeypatch, DECEMBER_4)
    login(client, "employer1")
    text = client.get("/employer?lang=en").text
    assert 'value="2026-11"' in text and "No payments by you for this month have been credited." in text


@pytest.mark.e2e
def test_due_tiles_are_neutral_in_the_browser(
    browser: Any, live_server: str, people: dict[str, str], monkeypatch
) -> None:
    on(monkeypatch, DECEMBER_4)
    context = browser.new_context(base_url=live_server, locale="en-US")
    try:
        page = context.new_page()
        page.goto("/login?lang=en")
        page.get_by_label("Login").fill("asel")
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Log in").click()
        page.wait_for_url("**/me")
        strip = page.locator("section.status-panel .months-strip")
        assert strip.locator("li.unpaid").count() == 0
        november = strip.locator('li[data-period="2026-11"]')
        assert re.search(r"due by 25 Dec 2026", november.inner_text())
        # --wash, a neutral grey, not the red --error-wash of an unpaid month
        assert november.evaluate("e => getComputedStyle(e).backgroundColor") == "rgb(243, 246, 249)"
        assert page.locator("section.arrears").count() == 0
    finally:
        context.close()
