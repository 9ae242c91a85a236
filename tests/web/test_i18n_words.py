"""Every Kazakh and Russian message reads as Kazakh or Russian: no English words glued in, dates
and months written as each language writes them inside a sentence."""

from __future__ import annotations

import re
from datetime import date

import pytest
from babel.messages.pofile import read_po
from hypothesis import given
from hypothesis import strategies as st

from osms.core import i18n
from osms.core.periods import Month

PLACEHOLDER = re.compile(r"%\((\w+)\)s")
LATIN_WORD = re.compile(r"\b[A-Za-z][A-Za-z]+\b")
#: Latin-letter words a kk or ru text may hold: file formats and protocols, and the column names
#: of the payroll file (codes a user types as they are).
# Names that stay Latin in every language: formats, standards (the electronic signature's too), CSV
# column names, JSON's literals.
CODES = {"CSV", "UTC", "UTF", "REV", "Excel", "xlsx", "XLSX", "JSON", "API", "FHIR", "iin", "period", "income"}
CODES |= {"true", "false", "null", "CMS", "PKCS", "SignedData", "DER", "PEM", "RSA", "ECDSA", "SHA"}
# the bank account's standard (ISO 13616) and the country code every Kazakh IBAN starts with
CODES |= {"IBAN", "KZ"}


def messages(lang: str) -> list[tuple[str, str]]:
    with i18n.catalog_path(lang).open("rb") as f:
        return [(m.id, m.string) for m in read_po(f) if m.id and isinstance(m.id, str)]


@pytest.mark.parametrize("lang", ["kk", "ru"])
def test_no_english_word_in_a_kazakh_or_russian_message(lang: str) -> None:
    for msgid, text in messages(lang):
        assert text.strip(), f"{lang}: {msgid!r} is empty"
        assert text != msgid, f"{lang}: {msgid!r} is the English text"
        words = set(LATIN_WORD.findall(PLACEHOLDER.sub("", text))) - CODES
        assert not words, f"{lang}: {text!r} holds {sorted(words)}"


def test_dates_inside_sentences() -> None:
    day = date(2025, 1, 1)
    assert i18n.format_sentence_day("ru", day) == "1 января 2025 г."
    assert i18n.format_sentence_day("kk", day) == "01.01.2025"
    assert i18n.format_sentence_day("en", day) == "1 January 2025"
    month = Month(2025, 1)
    assert i18n.format_sentence_month("ru", month) == "январь 2025 г."
    assert i18n.format_sentence_month("kk", month) == "2025 жылғы қаңтар"
    assert i18n.format_sentence_month("en", month) == "January 2025"
    # a sentence that ends on a date keeps one full stop
    assert i18n.gettext("ru", "The person died on %(date)s.", date=i18n.format_sentence_day("ru", day)) == (
        "Лицо умерло 1 января 2025 г."
    )


@given(st.dates(min_value=date(1900, 1, 1), max_value=date(2100, 12, 31)))
def test_russian_dates_take_the_genitive(day: date) -> None:
    # «с 1 января», «до 31 декабря»: the month after a day number is in the genitive (-я / -а)
    text = i18n.format_sentence_day("ru", day)
    number, month, year, suffix = text.split(" ")
    assert (int(number), int(year), suffix) == (day.day, day.year, "г.")
    assert month.endswith(("я", "а")), text
    assert i18n.format_sentence_day("kk", day) == day.strftime("%d.%m.%Y")
