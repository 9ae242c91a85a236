"""Kazakh, Russian and English for every decision message, label and reason, from Babel catalogs.

The catalogs are the ``.po`` files under ``translations/<lang>/LC_MESSAGES/messages.po`` next to
this module; they are read and compiled in memory when first needed (``load_all()`` at app start),
so there is no build step and no ``.mo`` file in the tree. English message ids are the source text.

Mark an English text with :func:`N_` where it is defined and translate it with :func:`gettext`
where the language is known. A room names its codes (categories, bases, kinds of payment) in
labels it registers with :func:`register_labels`; :func:`label` translates a code. The web glue
(the language of a request, the templates' filters) is ``osms.web.i18n``. See ``docs/i18n.md``.
"""

from __future__ import annotations

import contextlib
import gettext as _gettext
import re
from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from functools import lru_cache
from io import BytesIO
from pathlib import Path
from typing import Any

from babel.dates import format_date
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal

from osms.core.config import LANGUAGES, get_settings
from osms.core.identity import IdCheck, check_digit
from osms.core.periods import Month

TRANSLATIONS = Path(__file__).parent / "translations"
DOMAIN = "messages"
# Each language named in itself, for the language switch.
LANGUAGE_NAMES = {"kk": "Қазақша", "ru": "Русский", "en": "English"}
_ALIASES = {"kz": "kk"}


def N_(msgid: str) -> str:
    """Mark ``msgid`` for extraction into the catalogs; it is translated later by :func:`gettext`."""
    return msgid


def normalize(lang: str | None) -> str | None:
    """``"ru-RU"`` → ``"ru"``; ``None`` for anything that is not one of our languages."""
    if not lang:
        return None
    primary = lang.strip().lower().replace("_", "-").split("-")[0]
    primary = _ALIASES.get(primary, primary)
    return primary if primary in LANGUAGES else None


def default_language() -> str:
    return get_settings().language


def catalog_path(lang: str) -> Path:
    return TRANSLATIONS / lang / "LC_MESSAGES" / f"{DOMAIN}.po"


@lru_cache(maxsize=len(LANGUAGES))
def _load(lang: str) -> _gettext.GNUTranslations:
    with catalog_path(lang).open("rb") as f:
        catalog = read_po(f, locale=lang, domain=DOMAIN)
    buffer = BytesIO()
    write_mo(buffer, catalog, use_fuzzy=False)
    buffer.seek(0)
    return _gettext.GNUTranslations(buffer)


def load_all() -> None:
    """Read every catalog now, so that a broken ``.po`` file stops the app at start."""
    for lang in LANGUAGES:
        _load(lang)


def translator(lang: str | None) -> _gettext.GNUTranslations:
    """The translations for ``lang`` (any form ``normalize`` accepts; else the default language)."""
    return _load(normalize(lang) or default_language())


def gettext(lang: str | None, msgid: str, **params: Any) -> str:
    """``msgid`` in ``lang``, with ``%(name)s`` placeholders filled from ``params``."""
    text = translator(lang).gettext(msgid)
    return tidy(text % params) if params else text


def tidy(text: str) -> str:
    """One full stop where a sentence ends on an abbreviation: ``… 2025 г..`` → ``… 2025 г.``."""
    return text.replace("г..", "г.")


def pgettext(lang: str | None, context: str, msgid: str, **params: Any) -> str:
    text = translator(lang).pgettext(context, msgid)
    return text % params if params else text


# --- Labels of codes -------------------------------------------------------------------------

#: Every kind of code with its labels (English message ids), as the rooms registered them.
LABELS: dict[str, Mapping[str, str]] = {}


def register_labels(labels: Mapping[str, Mapping[str, str]]) -> None:
    """Add a room's labels: ``{kind: {code: English msgid}}``. A kind is one room's; registering
    it again replaces it (a module reloaded in tests)."""
    LABELS.update(labels)


def label(lang: str | None, kind: str, code: str | None) -> str:
    """The translated label of a code (``label("ru", "category", "student")``); the code itself if unknown."""
    if code is None:
        return ""
    msgid = LABELS.get(kind, {}).get(code)
    return gettext(lang, msgid) if msgid else code


#: The roles of users (``osms.core.models.ROLES``).
ROLE_LABELS = {
    "citizen": N_("Individual"),
    "employer": N_("Employer"),
    "clinic": N_("Health-care provider"),
    "operator": N_("Fund operator"),
    "auditor": N_("Auditor"),
}
register_labels({"role": ROLE_LABELS})


# --- IIN check reasons -----------------------------------------------------------------------

IIN_CHECK_MESSAGES = {
    "length": N_("An IIN has 12 digits; the number entered has %(count)s characters."),
    "non_digit": N_("An IIN may contain only the digits 0–9; found: %(chars)s."),
    "date": N_("Digits 1–6 (%(digits)s) are not a real date of birth."),
    "century": N_("Digit 7 is %(digit)s; it must be 1–6 (century of birth and sex) or 0."),
    "check_digit": N_("The check digit (the 12th) is %(digit)s, but the first 11 digits require %(expected)s."),
    "check_digit_never": N_("The first 11 digits give no valid check digit: such numbers are never issued."),
}


def iin_check_reasons(lang: str | None, check: IdCheck) -> list[dict[str, str]]:
    """Each failed check of an IIN as ``{"code", "message"}`` in ``lang`` (codes as in ``check_iin``)."""
    number = check.number
    reasons = []
    for error in check.errors:
        params: dict[str, Any] = {}
        key = error.code
        if error.code == "length":
            params["count"] = len(number)
        elif error.code == "non_digit":
            params["chars"] = " ".join(sorted({c for c in number if not (c.isascii() and c.isdigit())}))
        elif error.code == "date":
            params["digits"] = number[:6]
        elif error.code == "century":
            params["digit"] = number[6]
        elif error.code == "check_digit":
            expected = check_digit(number[:11])
            if expected is None:
                key = "check_digit_never"
            else:
                params.update(digit=number[11], expected=expected)
        msgid = IIN_CHECK_MESSAGES.get(key)
        message = gettext(lang, msgid, **params) if msgid else error.message
        reasons.append({"code": error.code, "message": message})
    return reasons


# --- Dates -----------------------------------------------------------------------------------

_DATE_PATTERNS = {"kk": "dd.MM.yyyy", "ru": "dd.MM.yyyy", "en": "d MMM yyyy"}


def format_day(lang: str | None, day: date | None) -> str:
    """A date as written in ``lang``: ``15.01.2024`` in kk and ru, ``15 Jan 2024`` in en."""
    if day is None:
        return ""
    code = normalize(lang) or default_language()
    return format_date(day, _DATE_PATTERNS[code], locale=code)


# A date inside a sentence. Russian: the day and the month in the genitive with «г.»
# (``с 1 января 2025 г.``, ``до 31 декабря 2025 г.``), which every preposition our sentences use
# takes. Kazakh: the day's digits (``01.01.2025``), because a Kazakh postposition puts a case ending
# on the month's name (``1 қаңтардан бастап``, ``1 қаңтарға дейін``) and one pattern cannot give
# them all; the digits read right with any of them. English: ``1 January 2025``.
_SENTENCE_DATE_PATTERNS = {"kk": "dd.MM.yyyy", "ru": "d MMMM y 'г.'", "en": "d MMMM y"}


@lru_cache(maxsize=8192)
def format_sentence_day(lang: str | None, day: date | None) -> str:
    """A date as written inside a sentence: ``01.01.2025``, ``1 января 2025 г.``, ``1 January 2025``."""
    if day is None:
        return ""
    code = normalize(lang) or default_language()
    return format_date(day, _SENTENCE_DATE_PATTERNS[code], locale=code)


def sentence_days(lang: str | None, params: dict[str, Any]) -> dict[str, Any]:
    """``params`` with every ISO date (``2025-01-01``) written as in a sentence of ``lang``: for
    messages whose parameters were stored as text (a stored decision's reasons)."""
    out = dict(params)
    for name, value in params.items():
        if isinstance(value, str) and _ISO_DAY.fullmatch(value):
            with contextlib.suppress(ValueError):  # a string shaped like a date that is none
                out[name] = format_sentence_day(lang, date.fromisoformat(value))
    return out


_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


# --- Months, money and rates ----------------------------------------------------------------


def _code(lang: str | None) -> str:
    return normalize(lang) or default_language()


def format_month(lang: str | None, month: Month | None) -> str:
    """A month with its name: ``Қыркүйек 2024``, ``сентябрь 2024``, ``September 2024``."""
    if month is None:
        return ""
    return format_date(month.first_day, "LLLL yyyy", locale=_code(lang))


#: A month inside a sentence: the Kazakh genitive-like «2025 жылғы қаңтар» (lower case, as the
#: month's name is written mid-sentence), the Russian nominative with «г.» («за январь 2025 г.»).
_SENTENCE_MONTH_PATTERNS = {"kk": "y 'жылғы' MMMM", "ru": "LLLL y 'г.'", "en": "MMMM y"}


def format_sentence_month(lang: str | None, month: Month | None) -> str:
    """A month inside a sentence: ``2025 жылғы қаңтар``, ``январь 2025 г.``, ``January 2025``."""
    if month is None:
        return ""
    code = _code(lang)
    return format_date(month.first_day, _SENTENCE_MONTH_PATTERNS[code], locale=code)


def format_money(lang: str | None, amount: Decimal | None) -> str:
    """Tenge with two decimals as written in ``lang``: ``12 750,00`` in kk and ru (a no-break
    space groups thousands), ``12,750.00`` in en."""
    if amount is None:
        return ""
    return format_decimal(amount, format="#,##0.00", locale=_code(lang))


def format_rate(lang: str | None, rate: Decimal) -> str:
    """A rate given as a fraction, as a percentage: ``0.05`` → ``5%``; ``0.015`` → ``1,5%`` in kk and ru."""
    return format_decimal(rate * 100, format="#,##0.###", locale=_code(lang)) + "%"
