"""The message catalogs: complete in kk, ru and en, in step with the sources, and the i18n helpers."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

from osms.core import i18n
from osms.core.config import LANGUAGES
from osms.core.identity import check_iin
from osms.registry.labels import CATEGORY_LABELS, RESIDENCY_LABELS
from osms.registry.rules import CATEGORY_CODES, RESIDENCY
from osms.web.i18n import from_accept_language

ROOT = Path(__file__).resolve().parents[2]
POT = i18n.TRANSLATIONS / "messages.pot"
PLACEHOLDER = re.compile(r"%\((\w+)\)s")
CYRILLIC = re.compile(r"[\u0400-\u04FF]")


def read(path: Path) -> Catalog:
    with path.open("rb") as f:
        return read_po(f)


def keys(catalog: Catalog) -> set[tuple[str | None, str]]:
    return {(m.context, m.id) for m in catalog if m.id and isinstance(m.id, str)}


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_message_has_a_translation(lang: str) -> None:
    template = read(POT)
    catalog = read(i18n.catalog_path(lang))
    assert keys(catalog) == keys(template), f"{lang} catalog differs from messages.pot: run pybabel update"
    for message in catalog:
        if not message.id:
            continue
        assert isinstance(message.string, str) and message.string.strip(), f"{lang}: no translation of {message.id!r}"
        assert not message.fuzzy, f"{lang}: {message.id!r} is fuzzy (fuzzy entries are not used)"
        assert set(PLACEHOLDER.findall(message.string)) == set(PLACEHOLDER.findall(message.id)), (
            f"{lang}: placeholders of {message.id!r} differ"
        )


@pytest.mark.parametrize("lang", ["kk", "ru"])
def test_no_english_left_in_kazakh_and_russian(lang: str) -> None:
    for message in read(i18n.catalog_path(lang)):
        if not message.id:
            continue
        assert message.string != message.id, f"{lang}: {message.id!r} is not translated"
        assert CYRILLIC.search(PLACEHOLDER.sub("", message.string)), f"{lang}: {message.string!r} looks untranslated"


def test_catalogs_are_in_step_with_the_sources() -> None:
    """Every marked string in the code and templates is in messages.pot, and nothing stale is."""
    with (ROOT / "babel.cfg").open() as f:
        method_map, options_map = parse_mapping_cfg(f)
    extracted = {
        (context, msgid if isinstance(msgid, str) else msgid[0])
        for _file, _line, msgid, _comments, context in extract_from_dir(
            ROOT, method_map, options_map, keywords=DEFAULT_KEYWORDS
        )
    }
    pot = keys(read(POT))
    assert extracted - pot == set(), "strings missing from messages.pot: run the pybabel commands in docs/i18n.md"
    assert pot - extracted == set(), "stale strings in messages.pot: run the pybabel commands in docs/i18n.md"


def test_every_code_has_a_translated_label() -> None:
    assert set(RESIDENCY_LABELS) == set(RESIDENCY)
    assert set(CATEGORY_LABELS) == set(CATEGORY_CODES)
    for kind, codes in (("residency", RESIDENCY), ("category", CATEGORY_CODES)):
        for code in codes:
            english = i18n.label("en", kind, code)
            assert english and english != code
            assert i18n.label("kk", kind, code) != english
            assert i18n.label("ru", kind, code) != english
    assert i18n.label("ru", "category", "no_such_code") == "no_such_code"


def test_gettext_helpers_for_other_rooms() -> None:
    assert i18n.gettext("ru", "Log in") == "Войти"
    assert i18n.gettext("kk", "Log in") == "Кіру"
    assert i18n.gettext("en-GB", "Log in") == "Log in"
    assert i18n.gettext("ru", "Error %(status)s", status=404) == "Ошибка 404"
    assert i18n.pgettext("kk", "abbreviation", "Social Health Insurance Fund") == "ӘМСҚ"
    assert i18n.gettext("ru", "a string nobody translated") == "a string nobody translated"
    assert i18n.translator("xx") is i18n.translator(i18n.default_language())


@pytest.mark.parametrize(
    ("number", "codes"),
    [
        ("", ["length"]),
        ("12ab", ["length", "non_digit"]),
        ("860101300017", []),
    ],
)
def test_iin_check_reasons_cover_every_code(number: str, codes: list[str]) -> None:
    check = check_iin(number)
    assert [e.code for e in check.errors] == codes
    for lang in LANGUAGES:
        reasons = i18n.iin_check_reasons(lang, check)
        assert [r["code"] for r in reasons] == [e.code for e in check.errors]
        assert all(r["message"] for r in reasons)
    assert set(i18n.IIN_CHECK_MESSAGES) >= {"length", "non_digit", "date", "century", "check_digit"}


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("ru-RU,ru;q=0.9,en-US;q=0.8,en;q=0.7", "ru"),
        ("en;q=0.5, kk;q=0.8", "kk"),
        ("de, fr;q=0.9", None),
        ("kz", "kk"),
        ("ru;q=0, en", "en"),
        ("", None),
    ],
)
def test_accept_language(header: str, expected: str | None) -> None:
    assert from_accept_language(header) == expected


def test_dates_are_written_per_language() -> None:
    day = date(2024, 1, 15)
    assert i18n.format_day("kk", day) == "15.01.2024"
    assert i18n.format_day("ru", day) == "15.01.2024"
    assert i18n.format_day("en", day) == "15 Jan 2024"
    assert i18n.format_day("en", None) == ""
