"""The pages show a visible notice when the answer rests on rulebook entries carried forward past
the confirmed horizon (docs/rulebooks.md), in the page's language; none within the horizon or once
the year is confirmed. Fixture rulebook ``horizon-test`` (tests/horizon_fixture.py) as the default
rulebook, confirmed until 2026-12-31; the child of ``world`` is state-paid (category child)."""

from __future__ import annotations

from datetime import date

import pytest
from tests.horizon_fixture import NAME, FixtureRulebook, horizon_rulebook
from web_helpers import World, csrf_of, login

from osms.core.config import get_settings
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
