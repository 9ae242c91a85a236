"""Pages through the ASGI test client: language, IIN check, login, cabinet, registry cards, audit, errors."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session
from web_helpers import PASSWORD, World, csrf_of, login, new_iin

from osms.core import i18n
from osms.core.config import get_settings
from osms.core.identity import check_digit
from osms.core.models import AuditEntry
from osms.web import pages


def audit_rows(session: Session, action: str) -> list[AuditEntry]:
    session.expire_all()
    return list(session.scalars(select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)))


def with_check_digit(first11: str) -> str:
    """``first11`` and its check digit (searching the serial for one that has a check digit)."""
    for serial in range(10000):
        candidate = first11[:7] + f"{serial:04d}"
        digit = check_digit(candidate)
        if digit is not None:
            return candidate + str(digit)
    raise AssertionError("no serial with a check digit")


# --- Language ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("lang", "present", "absent"),
    [
        ("kk", ["Сақтандырылған", "Кіру", "ӘМСҚ", "ЖСН"], ["Войти", "Log in"]),
        ("ru", ["Войти", "ФСМС", "ИИН", "Застрахованным"], ["Кіру", "Log in"]),
        ("en", ["Log in", "Social Health Insurance Fund", "For the insured"], ["Кіру", "Войти"]),
    ],
)
def test_language_switch_changes_visible_text(client, lang: str, present: list[str], absent: list[str]) -> None:
    page = client.get(f"/?lang={lang}")
    assert page.status_code == 200
    assert f'<html lang="{lang}">' in page.text
    for text in present:
        assert text in page.text
    for text in absent:
        assert text not in page.text


def test_chosen_language_is_remembered_in_the_session(client) -> None:
    assert "Войти" in client.get("/?lang=ru").text
    assert "Войти" in client.get("/check").text  # no ?lang=: the session keeps ru
    assert "Log in" in client.get("/check?lang=en").text
    assert "Log in" in client.get("/").text


def test_language_from_accept_language_then_default(client) -> None:
    assert "Войти" in client.get("/", headers={"Accept-Language": "en;q=0.5, ru-RU;q=0.9"}).text
    assert "Log in" in client.get("/", headers={"Accept-Language": "de-DE, en-GB;q=0.8"}).text
    default_login = i18n.gettext(get_settings().language, "Log in")  # kk unless OSMS_LANGUAGE says otherwise
    assert default_login in client.get("/", headers={"Accept-Language": "de-DE"}).text


def test_language_links_keep_the_page_and_its_query(client) -> None:
    page = client.get("/check?iin=123&lang=en")
    assert 'href="/check?iin=123&amp;lang=ru"' in page.text
    assert 'href="/check?iin=123&amp;lang=kk"' in page.text


# --- IIN check ----------------------------------------------------------------------------------


def test_check_valid_iin_full_page_and_htmx_fragment(client, monkeypatch) -> None:
    monkeypatch.setattr(pages, "today", lambda: date(2024, 9, 15))
    iin = new_iin(date(1990, 5, 17), "F")
    full = client.get(f"/check?iin={iin}&lang=en")
    assert full.status_code == 200
    assert "<html" in full.text and 'data-status="not_insured"' in full.text
    # nothing decoded from the number (docs/access.md): no birth date, no sex
    assert "May 1990" not in full.text and "Female" not in full.text
    assert "HX-Request" in full.headers["vary"]

    fragment = client.get(f"/check?iin={iin}&lang=ru", headers={"HX-Request": "true"})
    assert "<html" not in fragment.text
    assert "Не застрахован на 15.09.2024" in fragment.text
    assert "17.05.1990" not in fragment.text


@pytest.mark.parametrize(
    ("number", "code", "kk", "ru", "en"),
    [
        ("123", "length", "12 цифрдан", "12 цифр", "12 digits"),
        ("86010130001x", "non_digit", "тек 0–9", "только цифры 0–9", "only the digits 0–9"),
        (
            with_check_digit("8613013000"),
            "date",
            "нақты туған күн емес",
            "не являются реальной датой",
            "not a real date",
        ),
        (with_check_digit("8601017000"), "century", "7-цифр", "7-я цифра", "Digit 7 is 7"),
    ],
)
def test_check_invalid_iin_gives_translated_reasons(client, number: str, code: str, kk: str, ru: str, en: str) -> None:
    for lang, text in (("kk", kk), ("ru", ru), ("en", en)):
        page = client.get("/check", params={"iin": number, "lang": lang}, headers={"HX-Request": "true"})
        assert page.status_code == 200
        assert 'data-result="invalid"' in page.text
        assert f'data-code="{code}"' in page.text
        assert text in page.text


def test_check_digit_reason_names_the_expected_digit(client) -> None:
    iin = new_iin(date(1986, 1, 1), "M")
    wrong = iin[:11] + str((int(iin[11]) + 1) % 10)
    page = client.get("/check", params={"iin": wrong, "lang": "en"}, headers={"HX-Request": "true"})
    assert 'data-code="check_digit"' in page.text
    assert f"but the first 11 digits require {iin[11]}" in page.text


def test_home_has_the_htmx_form_that_also_works_without_js(client) -> None:
    page = client.get("/?lang=en")
    assert 'action="/check"' in page.text and 'method="get"' in page.text
    assert 'hx-get="/check"' in page.text and 'hx-target="#check-result"' in page.text
    assert '<script src="/static/htmx.min.js" defer></script>' in page.text


def test_static_files_are_served(client) -> None:
    htmx = client.get("/static/htmx.min.js")
    assert htmx.status_code == 200 and htmx.text.startswith("/*! htmx 2.")
    assert client.get("/static/osms.css").status_code == 200


# --- Login and logout ---------------------------------------------------------------------------


def test_login_and_logout(client, world: World) -> None:
    answer = login(client, "aigerim")
    assert answer.status_code == 303 and answer.headers["location"] == "/me"
    me = client.get("/me?lang=en")
    assert me.status_code == 200 and "Айгерим Ахметова" in me.text and "Log out" in me.text

    logout = client.post("/logout", data={"csrf": csrf_of(me.text)}, follow_redirects=False)
    assert logout.status_code == 303 and logout.headers["location"] == "/"
    after = client.get("/me", follow_redirects=False)
    assert after.status_code == 303 and after.headers["location"] == "/login?next=%2Fme"
    assert "Log in" in client.get("/").text  # the language survives the logout


def test_wrong_password_is_refused_in_the_chosen_language(client, world: World) -> None:
    client.get("/?lang=ru")
    answer = login(client, "aigerim", "wrong")
    assert answer.status_code == 400
    assert "Неверный логин или пароль." in answer.text
    assert client.get("/me", follow_redirects=False).status_code == 303


def test_login_needs_the_form_token(client, world: World) -> None:
    client.get("/login")
    answer = client.post("/login", data={"username": "aigerim", "password": PASSWORD, "csrf": "forged"})
    assert answer.status_code == 400
    assert client.get("/me", follow_redirects=False).status_code == 303
    assert client.post("/logout", data={"csrf": "forged"}).status_code == 403


def test_login_follows_next_only_on_this_site(client, world: World) -> None:
    assert login(client, "clinic1", next=f"/persons/{world.child}").headers["location"] == f"/persons/{world.child}"
    assert login(client, "clinic1", next="https://evil.example/").headers["location"] == "/me"
    assert login(client, "clinic1", next="//evil.example/").headers["location"] == "/me"


def test_pages_that_need_a_login_redirect_to_it(client, world: World) -> None:
    answer = client.get(f"/persons/{world.child}", follow_redirects=False)
    assert answer.status_code == 303
    assert answer.headers["location"] == f"/login?next=%2Fpersons%2F{world.child}"
    assert client.get("/persons", follow_redirects=False).status_code == 303


# --- The personal cabinet and registry cards ----------------------------------------------------


def test_me_for_a_citizen_shows_their_card_and_is_audited(client, session: Session, world: World) -> None:
    login(client, "aigerim")
    page = client.get("/me?lang=ru")
    assert page.status_code == 200
    text = page.text
    assert "Ахметова Айгерим Серікқызы" in text
    assert world.mother in text
    assert "14.03.1988" in text
    assert "Гражданин Республики Казахстан" in text
    assert "Неработающий родитель, воспитывающий ребёнка до 3 лет" in text
    assert "01.06.2021" in text and "31.05.2024" in text and "ЕСУТ" in text
    assert f'<a href="/persons/{world.child}">Ахметов Нұрлан</a>' in text  # her son, with a link
    rows = audit_rows(session, "person.read")
    assert [(r.actor, r.role, r.channel, r.subject_iin, r.resource) for r in rows] == [
        ("aigerim", "citizen", "web", world.mother, "/me")
    ]


def test_citizen_opens_own_child_card(client, session: Session, world: World) -> None:
    login(client, "aigerim")
    page = client.get(f"/persons/{world.child}?lang=kk")
    assert page.status_code == 200
    assert "Ахметов Нұрлан" in page.text and "18 жасқа толмаған бала" in page.text
    assert "мерзімсіз" in page.text  # the child category has no end date
    assert [r.subject_iin for r in audit_rows(session, "person.read")] == [world.child]


def test_citizen_opening_someone_elses_card_gets_403_and_is_audited(client, session: Session, world: World) -> None:
    login(client, "petr")
    page = client.get(f"/persons/{world.mother}?lang=kk")
    assert page.status_code == 403
    assert page.headers["content-type"].startswith("text/html")
    assert "Қол жеткізуге рұқсат жоқ" in page.text
    assert "Ахметова" not in page.text
    denied = audit_rows(session, "person.read.denied")
    assert [(r.actor, r.role, r.channel, r.subject_iin) for r in denied] == [("petr", "citizen", "web", world.mother)]
    assert audit_rows(session, "person.read") == []


def test_clinic_opens_any_card_and_it_is_audited(client, session: Session, world: World) -> None:
    login(client, "clinic1")
    page = client.get(f"/persons/{world.mother}?lang=en")
    assert page.status_code == 200
    assert "Ахметова Айгерим Серікқызы" in page.text
    assert "Non-working parent raising a child under 3" in page.text
    rows = audit_rows(session, "person.read")
    assert len(rows) == 1
    row = rows[0]
    assert (row.actor, row.role, row.channel, row.subject_iin) == ("clinic1", "clinic", "web", world.mother)
    assert row.resource == f"/persons/{world.mother}"


def test_employer_is_refused_with_a_translated_403_page(client, session: Session, world: World) -> None:
    login(client, "employer1")
    page = client.get(f"/persons/{world.stranger}?lang=ru")
    assert page.status_code == 403
    assert "Доступ запрещён" in page.text and "Иванов" not in page.text
    assert [r.actor for r in audit_rows(session, "person.read.denied")] == ["employer1"]
    assert client.get("/persons?lang=ru").status_code == 403


def test_person_lookup_form_redirects_to_the_card(client, world: World) -> None:
    login(client, "operator1")
    form = client.get("/persons?lang=en")
    assert form.status_code == 200 and 'name="iin"' in form.text
    answer = client.get("/persons", params={"iin": f" {world.stranger} "}, follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"] == f"/persons/{world.stranger}"
    bad = client.get("/persons", params={"iin": "12345"})
    assert bad.status_code == 422 and 'data-code="length"' in bad.text


def test_unknown_and_malformed_iins_give_pages_in_the_language(client, world: World) -> None:
    login(client, "auditor1")
    unknown = new_iin(date(1999, 9, 9), "M", 4242)
    page = client.get(f"/persons/{unknown}?lang=kk")
    assert page.status_code == 404 and "Тізілімде мұндай ЖСН-і бар адам жоқ." in page.text
    page = client.get("/persons/86010130001x?lang=ru")
    assert page.status_code == 422 and "только цифры 0–9" in page.text


def test_me_for_staff_roles_says_what_they_can_do(client, world: World) -> None:
    login(client, "clinic1")
    page = client.get("/me?lang=en")
    assert "Health-care provider" in page.text and "P-0001" in page.text and 'href="/persons"' in page.text
    login(client, "employer1")
    page = client.get("/me?lang=en")
    assert world.employer_bin in page.text and "not shown to employers" in page.text


# --- Errors: pages get pages, the API keeps problem+json ----------------------------------------


def test_unknown_page_is_a_translated_404_page(client) -> None:
    page = client.get("/no-such-page?lang=ru")
    assert page.status_code == 404
    assert page.headers["content-type"].startswith("text/html")
    assert "Страница не найдена" in page.text


def test_wrong_method_on_a_page_is_a_405_page(client) -> None:
    page = client.get("/logout?lang=en")
    assert page.status_code == 405 and "This action is not allowed here" in page.text
    assert "POST" in page.headers.get("allow", "")


def test_api_errors_stay_problem_json_even_with_a_web_login(client, world: World) -> None:
    login(client, "employer1")
    answer = client.get(f"/api/v1/persons/{world.stranger}")
    assert answer.status_code == 403
    assert answer.headers["content-type"] == "application/problem+json"
    assert answer.json()["code"] == "forbidden"
    client.post("/logout", data={"csrf": csrf_of(client.get("/").text)})
    answer = client.get(f"/api/v1/persons/{world.stranger}")
    assert answer.status_code == 401 and answer.json()["code"] == "unauthenticated"


def test_unexpected_errors_are_a_page_for_pages_and_problem_json_for_the_api(app) -> None:
    from fastapi.testclient import TestClient

    def boom() -> None:
        raise RuntimeError("secret internal detail")

    app.add_api_route("/boom", boom, include_in_schema=False)
    app.add_api_route("/api/v1/boom", boom, include_in_schema=False)
    with TestClient(app, raise_server_exceptions=False) as c:
        page = c.get("/boom?lang=en")
        assert page.status_code == 500 and page.headers["content-type"].startswith("text/html")
        assert "Something went wrong" in page.text and "secret internal detail" not in page.text
        api = c.get("/api/v1/boom")
        assert api.status_code == 500 and api.json()["code"] == "internal_error"


def test_what_is_typed_is_escaped(client) -> None:
    page = client.get("/check", params={"iin": "<script>alert(1)</script>", "lang": "en"})
    assert "<script>alert(1)</script>" not in page.text
    assert "&lt;script&gt;" in page.text


def test_pages_with_personal_data_are_not_cached(client, world: World) -> None:
    login(client, "aigerim")
    assert client.get("/me").headers["cache-control"] == "no-store"
    assert client.get(f"/persons/{world.child}").headers["cache-control"] == "no-store"
