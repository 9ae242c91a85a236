"""The attachment pages in words a reader understands: clinic and region names instead of their
codes, dates in sentences written as the page's language writes them."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from osms.attachment import rules, service
from osms.core.security import create_user
from osms.registry.regions import region_name, regions
from osms.synth.data import REGIONS
from tests.attachment.test_pages import PASSWORD, AttWorld, after, apply, aw, login, section  # noqa: F401

__all__ = ["aw"]


def test_decisions_name_the_clinic_and_write_the_date_per_language(client: Any, aw: AttWorld) -> None:  # noqa: F811
    login(client, "dana")
    answer = apply(client, clinic="AST-1", district="T1", reason="first", iin=[aw.mother])
    # a first attachment takes effect on the day of the application, 2025-03-10 (docs/attachment.md)
    expected = {
        "kk": "10.03.2025 бастап «Қалалық емхана №1» (AST-1) емханасына тіркелді.",
        "ru": "Прикреплён к поликлинике «Қалалық емхана №1» (AST-1) с 10 марта 2025 г.",
        "en": "Attached to clinic «Қалалық емхана №1» (AST-1) from 10 March 2025.",
    }
    for lang, sentence in expected.items():
        decisions = section(client.get(after(answer, lang)).text, 'id="decisions"')
        assert sentence in decisions, (lang, decisions)
        assert "2025-03-10." not in decisions


def test_api_reasons_name_the_clinic_and_write_dates(client: Any, session: Session, aw: AttWorld) -> None:  # noqa: F811
    message = service.reason_message(
        rules.Reason("campaign_change_next_year", {"date": "2026-01-01", "previous": "AST-2"}),
        {"AST-2": "Қалалық емхана №2"},
    )
    assert "во время кампании прикрепления действует с 1 января 2026 г.;" in message["ru"]
    assert "«Қалалық емхана №2» (AST-2)" in message["ru"]
    assert "01.01.2026" in message["kk"] and "1 January 2026" in message["en"]


def test_attachment_page_shows_the_region_name_not_its_code(client: Any, aw: AttWorld) -> None:  # noqa: F811
    login(client, "dana")
    names = {"kk": "Астана қаласы", "ru": "город Астана", "en": "Astana"}
    for lang, name in names.items():
        clinics = section(client.get(f"/attachment?lang={lang}").text, 'id="clinics-title"')
        caption = clinics[clinics.index("<caption>") : clinics.index("</caption>")]
        assert name in caption and "KZ-AST" not in caption, caption


def test_person_card_shows_the_region_name(client: Any, session: Session, aw: AttWorld) -> None:  # noqa: F811
    create_user(session, "op", PASSWORD, "operator", "Оператор")
    session.commit()
    login(client, "op")
    page = client.get(f"/persons/{aw.mother}?lang=ru")
    assert page.status_code == 200, page.text
    assert "город Астана" in page.text and ">KZ-AST<" not in page.text


def test_every_region_has_three_names() -> None:
    # 3 cities of republican significance and 17 oblasts; the synthetic country uses the same codes
    assert len(regions()) == 20
    assert sorted(r.kind for r in regions().values()).count("city") == 3
    assert {r.code for r in REGIONS} == set(regions())
    for region in regions().values():
        assert region.kk and region.ru and region.en and region.kk != region.en
    assert region_name("ru", "KZ-ULY") == "Улытауская область"
    assert region_name("kk", "XX-1") == "XX-1"
