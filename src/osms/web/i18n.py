"""Kazakh, Russian and English for pages and messages, from Babel message catalogs.

The catalogs are the ``.po`` files under ``translations/<lang>/LC_MESSAGES/messages.po``; they are
read and compiled in memory when first needed (``load_all()`` at app start), so there is no build
step and no ``.mo`` file in the tree. English message ids are the source text.

Other rooms use :func:`gettext` for decision messages (mark the English text with :func:`N_`
where it is defined, translate where the language is known), and :func:`label` for codes.
See ``docs/i18n.md`` for adding a string.
"""

from __future__ import annotations

import contextlib
import gettext as _gettext
import re
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
from jinja2 import Environment, FileSystemLoader, StrictUndefined, pass_context, select_autoescape
from jinja2.runtime import Context
from starlette.requests import Request

from osms.core.config import LANGUAGES, get_settings
from osms.core.identity import IdCheck, check_digit
from osms.core.periods import Month
from osms.registry.regions import region_name

TRANSLATIONS = Path(__file__).parent / "translations"
TEMPLATES = Path(__file__).parent / "templates"
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

RESIDENCY_LABELS = {
    "citizen": N_("Citizen of the Republic of Kazakhstan"),
    "kandas": N_("Kandas"),
    "refugee": N_("Refugee"),
    "asylum_seeker": N_("Asylum seeker"),
    "foreigner_permit": N_("Foreigner with a residence permit"),
    "stateless_permit": N_("Stateless person with a residence permit"),
    "eaeu_migrant": N_("Migrant worker from an EAEU state"),
    "foreigner_temporary": N_("Foreigner staying temporarily"),
}

CATEGORY_LABELS = {
    "child": N_("Child under 18"),
    "pregnant_nonworking": N_("Non-working pregnant woman"),
    "parent_child_under_3": N_("Non-working parent raising a child under 3"),
    "parental_leave": N_("On maternity, adoption or child-care leave"),
    "mother_awarded": N_("Mother awarded «Altyn alqa», «Kumis alqa» or «Mother-heroine»"),
    "student": N_("Full-time student"),
    "graduate_3_months": N_("Graduate, for 3 months after graduation"),
    "unemployed_registered": N_("Registered unemployed"),
    "social_assistance": N_("Non-working recipient of targeted social assistance"),
    "kandas_nonworking": N_("Non-working kandas"),
    "disability": N_("Person with a disability"),
    "pensioner": N_("Pension recipient"),
    "ww2_veteran": N_("Veteran or participant of the Great Patriotic War"),
    "carer_disabled_child": N_("Non-working carer of a child with a disability"),
    "carer_group1_from_childhood": N_("Carer of a person with a group I disability from childhood"),
    "pretrial_detention": N_("Person in pre-trial detention"),
    "prisoner": N_("Person serving a sentence (except in minimum-security institutions)"),
    "house_arrest": N_("Non-working person under house arrest"),
    "serviceman": N_("Serviceman"),
    "special_state_body": N_("Employee of a special state body"),
    "law_enforcement": N_("Employee of a law-enforcement body"),
    "wellbeing_d_e": N_("Person in well-being category D or E"),
}

RELATION_LABELS = {
    "parent": N_("Parent"),
    "guardian": N_("Guardian"),
    "spouse": N_("Spouse"),
    "child": N_("Child"),
    "ward": N_("Ward"),
}

ROLE_LABELS = {
    "citizen": N_("Individual"),
    "employer": N_("Employer"),
    "clinic": N_("Health-care provider"),
    "operator": N_("Fund operator"),
    "auditor": N_("Auditor"),
}

SEX_LABELS = {"M": N_("Male"), "F": N_("Female")}

#: Why a person is or is not insured (``osms.coverage.rules.BASIS_CODES``), as a short phrase.
BASIS_LABELS = {
    "state_paid_category": N_("State-paid category"),
    "paid": N_("Contributions received for this month"),
    "grace": N_("Grace period after the last covered month"),
    "transitional_2020": N_("Transitional period: everyone was treated as insured"),
    "not_applicable_before_insurance": N_("Before compulsory health insurance began"),
    "lapsed": N_("No contributions since the grace period ended"),
    "arrears_unpaid_after_lapse": N_("A self-payment restores insurance only once the arrears are paid"),
    "never_paid": N_("No contributions received"),
    "deceased": N_("Deceased"),
    "not_born": N_("Not yet born on this date"),
    "unknown_person": N_("Not in the registry"),
}

#: Ledger kinds (``osms.contributions.models.PAYMENT_KINDS`` and ``reversal``).
KIND_LABELS = {
    "employer_deduction": N_("Employer's deduction"),
    "employee_contribution": N_("Employee's contribution withheld by the employer"),
    "civil_contract": N_("Contribution under a civil-law contract, withheld by an agent"),
    "ie_contribution": N_("Individual entrepreneur's contribution for themselves"),
    "self_payment": N_("Self-payment"),
    "state_contribution": N_("State contribution"),
    "reversal": N_("Reversal"),
}

#: Payers named by a code rather than a number (a category's payer, a person paying for themselves).
PAYER_LABELS = {
    "state": N_("The state"),
    "local_budget": N_("The local budget"),
    "self": N_("Paid by the person"),
}

#: Why a payroll row was refused (``osms.contributions.payroll.REJECTION_REASONS``).
PAYROLL_REASON_LABELS = {
    "bad_iin": N_("The IIN fails a check."),
    "bad_period": N_("The period is not a month written YYYY-MM."),
    "bad_income": N_("The income is not an amount in tenge (0 or more, at most 2 decimals)."),
    "period_outside_rulebook": N_("The period is outside the years the rules cover."),
    "no_rule": N_("Neither a deduction nor a contribution was due in this period."),
    "duplicate_row": N_(
        "The same employee and month appear on more than one row: give one row with the month's total."
    ),
    "unknown_person": N_("There is no person with this IIN in the registry."),
    "deceased": N_("The registry records the person's death before this period."),
}

LABELS: dict[str, dict[str, str]] = {
    "residency": RESIDENCY_LABELS,
    "category": CATEGORY_LABELS,
    "relation": RELATION_LABELS,
    "role": ROLE_LABELS,
    "sex": SEX_LABELS,
    "basis": BASIS_LABELS,
    "kind": KIND_LABELS,
    "payer": PAYER_LABELS,
    "payroll_reason": PAYROLL_REASON_LABELS,
}


def label(lang: str | None, kind: str, code: str | None) -> str:
    """The translated label of a code (``label("ru", "category", "student")``); the code itself if unknown."""
    if code is None:
        return ""
    msgid = LABELS.get(kind, {}).get(code)
    return gettext(lang, msgid) if msgid else code


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
    messages whose parameters were stored as text (an attachment decision's reasons)."""
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


# --- Choosing the language of a request ------------------------------------------------------


def from_accept_language(header: str) -> str | None:
    """The first of our languages in an ``Accept-Language`` header, by quality."""
    choices: list[tuple[float, int, str]] = []
    for position, part in enumerate(header.split(",")):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        lang = normalize(tag)
        if lang and quality > 0:
            choices.append((-quality, position, lang))
    return min(choices)[2] if choices else None


def pick_language(request: Request) -> str:
    """``?lang=`` (remembered in the session), else the session's, else ``Accept-Language``, else the default."""
    has_session = "session" in request.scope
    asked = normalize(request.query_params.get("lang"))
    if asked:
        if has_session and request.session.get("lang") != asked:
            request.session["lang"] = asked
        return asked
    if has_session:
        kept = normalize(request.session.get("lang"))
        if kept:
            return kept
    return from_accept_language(request.headers.get("accept-language", "")) or default_language()


# --- Jinja2 ----------------------------------------------------------------------------------


@pass_context
def _ctx_gettext(ctx: Context, message: str) -> str:
    return translator(ctx.get("lang")).gettext(message)


@pass_context
def _ctx_ngettext(ctx: Context, singular: str, plural: str, n: int) -> str:
    return translator(ctx.get("lang")).ngettext(singular, plural, n)


@pass_context
def _ctx_pgettext(ctx: Context, context: str, message: str) -> str:
    return translator(ctx.get("lang")).pgettext(context, message)


@pass_context
def _ctx_npgettext(ctx: Context, context: str, singular: str, plural: str, n: int) -> str:
    return translator(ctx.get("lang")).npgettext(context, singular, plural, n)


@pass_context
def _ctx_label(ctx: Context, kind: str, code: str | None) -> str:
    return label(ctx.get("lang"), kind, code)


@pass_context
def _ctx_region(ctx: Context, code: str | None) -> str:
    return region_name(ctx.get("lang"), code)


@pass_context
def _ctx_sentence_day(ctx: Context, day: date | None) -> str:
    return format_sentence_day(ctx.get("lang"), day)


@pass_context
def _ctx_day(ctx: Context, day: date | None) -> str:
    return format_day(ctx.get("lang"), day)


@pass_context
def _ctx_month(ctx: Context, month: Month | None) -> str:
    return format_month(ctx.get("lang"), month)


@pass_context
def _ctx_sentence_month(ctx: Context, month: Month | None) -> str:
    return format_sentence_month(ctx.get("lang"), month)


@pass_context
def _ctx_money(ctx: Context, amount: Decimal | None) -> str:
    return format_money(ctx.get("lang"), amount)


@pass_context
def _ctx_rate(ctx: Context, rate: Decimal) -> str:
    return format_rate(ctx.get("lang"), rate)


def _tidied(translate: Any) -> Any:
    """A template's translation callable whose filled-in text goes through :func:`tidy`."""

    @pass_context
    def call(ctx: Context, *args: Any, **params: Any) -> Any:
        return tidy(translate(ctx, *args, **params))

    return call


def environment(directory: Path = TEMPLATES) -> Environment:
    """The templates' environment: ``{% trans %}``/``_()`` translate into the template's ``lang``.

    The translation callables read ``lang`` from each render's context, so one environment
    serves every language at once (no global "current language").
    """
    env = Environment(
        loader=FileSystemLoader(directory),
        autoescape=select_autoescape(["html"]),
        undefined=StrictUndefined,
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.policies["ext.i18n.trimmed"] = True
    env.install_gettext_callables(  # type: ignore[attr-defined]
        _ctx_gettext, _ctx_ngettext, newstyle=True, pgettext=_ctx_pgettext, npgettext=_ctx_npgettext
    )
    for name in ("gettext", "ngettext", "pgettext", "npgettext"):
        env.globals[name] = _tidied(env.globals[name])
    env.globals["label"] = _ctx_label
    env.globals["region"] = _ctx_region
    env.globals["LANGUAGE_NAMES"] = LANGUAGE_NAMES
    env.filters["day"] = _ctx_day
    env.filters["sentence_day"] = _ctx_sentence_day
    env.filters["month"] = _ctx_month
    env.filters["sentence_month"] = _ctx_sentence_month
    env.filters["money"] = _ctx_money
    env.filters["rate"] = _ctx_rate
    return env
