"""Every reason code has its sentence in Kazakh, Russian and English (the catalogs are complete)."""

from __future__ import annotations

import re

import pytest

from osms.attachment import rules, service

PARAMS = {
    name: "X"
    for name in (
        "clinic",
        "date",
        "previous",
        "changes",
        "months",
        "chosen",
        "district",
        "capacity",
        "age",
        "applicant",
        "iin",
        "detail",
        "residency",
    )
}


@pytest.mark.parametrize("code", sorted(rules.MESSAGES))
def test_reason_is_translated(code: str) -> None:
    english = rules.MESSAGES[code]
    message = service.reason_message(rules.Reason(code, PARAMS))
    assert message["en"] == english % PARAMS
    for lang in ("kk", "ru"):
        assert message[lang] != message["en"], f"{code} is not translated to {lang}"
        assert "%(" not in message[lang]
    placeholders = set(re.findall(r"%\((\w+)\)s", english))
    assert placeholders <= set(PARAMS)


def test_seed_000_campaign_sentence_in_three_languages() -> None:
    reason = rules.Reason("campaign_change_next_year", {"date": "2025-01-01", "previous": "N"})
    assert service.reason_message(reason) == {
        "kk": "Тіркелу науқаны кезінде емхананы өз қалауы бойынша ауыстыру 01.01.2025 бастап күшіне енеді; "
        "оған дейін сізге N емханасы қызмет көрсетеді.",
        "ru": "Смена поликлиники по выбору во время кампании прикрепления действует с 1 января 2025 г.; "
        "до этого вас обслуживает поликлиника N.",
        "en": "A change of clinic by choice during the attachment campaign takes effect on 1 January 2025; "
        "until then clinic N serves you.",
    }
