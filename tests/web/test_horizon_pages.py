"""The pages show a visible notice when the answer rests on rulebook entries carried forward past
the confirmed horizon (docs/rulebooks.md), in the page's language; none within the horizon or once
the year is confirmed. Fixture rulebook ``horizon-test`` (tests/horizon_fixture.py) as the default
rulebook, confirmed until 2026-12-31; the child of ``world`` is state-paid (category child)."""

from __future__ import annotations

from datetime import date

import pytest
from test_status_pages import Ledger
from tests.horizon_fixture import NAME, FixtureRulebook, horizon_rulebook
from web_helpers import World, csrf_of, login

from osms.core.config import get_settings
from osms.registry.models import Payer
from osms.web import pages

__all__ = ["horizon_rulebook"]

NOTICE = 'data-provisional="true"'
RU = "Показатели 2027 года ещё не подтверждены; применены показатели 2026 года."
KK = "2027 жылғы көрсеткіштер әлі расталмаған; 2026 жылғы көрсеткіштер қолданылды."
EN = "The 2027 figures are not yet confirmed; the 2026 figures were applied."


@pytest.fixture
def fixture_default(horizon_rulebook: FixtureRulebook, monkeypatch: pytest.MonkeyPatch) -> FixtureRulebook:
    monkeypatch.setenv("OSMS_RULEBOOK", NAME)
    get_settings.cache_clear()
    return horizon_rulebook


def test_public_box_and_own_page_show_the_notice(
    client, world: World, fixture_default: FixtureRulebook, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(pages, "today", lambda: date(2027, 1, 15))
    page = client.get("/check", params={"iin": world.child, "lang": "ru"})
    assert page.status_code == 200 and 'data-status="insured"' in page.text
    assert NOTICE in page.text and "Предварительный ответ" in page.text and RU in page.text
    login(client, "aigerim")
    me = client.get("/me?lang=kk")
    assert me.status_code == 200 and NOTICE in me.text and KK in me.text
    fixture_default.confirm_2027()
    assert NOTICE not in client.get("/check", params={"iin": world.child, "lang": "ru"}).text
    assert NOTICE not in client.get("/me?lang=kk").text


def test_no_notice_within_the_horizon(
    client, world: World, fixture_default: FixtureRulebook, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(pages, "today", lambda: date(2026, 12, 31))
    page = client.get("/check", params={"iin": world.child, "lang": "ru"})
    assert 'data-status="insured"' in page.text and NOTICE not in page.text


def test_entitlement_page_shows_the_notice(client, world: World, fixture_default: FixtureRulebook) -> None:
    login(client, "clinic1")
    form = client.get("/entitlement?lang=en")
    answer = client.post(
        "/entitlement?lang=en",
        data={"csrf": csrf_of(form.text), "iin": world.child, "care_type": "consult_diag", "date": "2027-01-15"},
    )
    assert answer.status_code == 200, answer.text
    assert 'data-package="OSMS"' in answer.text and NOTICE in answer.text and EN in answer.text


def test_employer_page_shows_the_notice_for_todays_status_and_for_a_month_past_the_horizon(
    client, session, world: World, fixture_default: FixtureRulebook, monkeypatch: pytest.MonkeyPatch
) -> None:
    # ТОО Жарық (employer1) paid for Айгерим for 2026-10..2026-12 (the deduction and the contribution,
    # each credited on the 20th of the next month). Her status today rests on the grace and rates in
    # force on the horizon; the deadlines of a month after it on the deadlines carried forward.
    session.add(Payer(payer_id=world.employer_bin, kind="employer", name="ТОО Жарық", region="ALA"))
    ledger = Ledger(session)
    for month in ("2026-10", "2026-11", "2026-12"):
        ledger.pay(world.mother, month, "employer_deduction", world.employer_bin, "6000.00")
        ledger.pay(world.mother, month, "employee_contribution", world.employer_bin, "4000.00")
    ledger.refresh()
    session.commit()
    login(client, "employer1")
    # Today 2027-01-15: the page opens on December 2026 (within the horizon), but the status today is provisional.
    monkeypatch.setattr(pages, "today", lambda: date(2027, 1, 15))
    page = client.get("/employer?lang=en")
    assert page.status_code == 200 and 'value="2026-12"' in page.text
    assert f'<tr data-iin="{world.mother}" data-status="insured">' in page.text
    assert NOTICE in page.text and EN in page.text
    # Today 2026-12-20, within the horizon: November is not provisional; January 2027's deadlines are.
    monkeypatch.setattr(pages, "today", lambda: date(2026, 12, 20))
    november = client.get("/employer?period=2026-11&lang=ru")
    assert f'<tr data-iin="{world.mother}" data-status="insured">' in november.text and NOTICE not in november.text
    january = client.get("/employer?period=2027-01&lang=ru")
    assert "No payments" not in january.text and NOTICE in january.text and RU in january.text
    # The operator confirms 2027: no notice.
    fixture_default.confirm_2027()
    assert NOTICE not in client.get("/employer?period=2027-01&lang=ru").text
    monkeypatch.setattr(pages, "today", lambda: date(2027, 1, 15))
    assert NOTICE not in client.get("/employer?lang=en").text
