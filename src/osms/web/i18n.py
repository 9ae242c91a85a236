"""The web's side of the languages: which language a request wants, and the templates' translation
callables and filters. The catalogs, labels and formats are ``osms.core.i18n``'s."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, pass_context, select_autoescape
from jinja2.runtime import Context
from starlette.requests import Request

from osms.core.i18n import (
    LANGUAGE_NAMES,
    default_language,
    format_day,
    format_money,
    format_month,
    format_rate,
    format_sentence_day,
    format_sentence_month,
    label,
    normalize,
    tidy,
    translator,
)
from osms.core.periods import Month

TEMPLATES = Path(__file__).parent / "templates"


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


def in_language(function: Callable[..., Any]) -> Callable[..., Any]:
    """A template callable ``f(*args)`` that calls ``function(lang, *args)`` with the render's ``lang``."""

    @pass_context
    def call(ctx: Context, *args: Any) -> Any:
        return function(ctx.get("lang"), *args)

    return call


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


def _tidied(translate: Any) -> Any:
    """A template's translation callable whose filled-in text goes through :func:`tidy`."""

    @pass_context
    def call(ctx: Context, *args: Any, **params: Any) -> Any:
        return tidy(translate(ctx, *args, **params))

    return call


def _sentence_day(lang: str | None, day: date | None) -> str:
    return format_sentence_day(lang, day)


def _money(lang: str | None, amount: Decimal | None) -> str:
    return format_money(lang, amount)


def _month(lang: str | None, month: Month | None) -> str:
    return format_month(lang, month)


def environment(directories: Iterable[Path] = (TEMPLATES,)) -> Environment:
    """The templates' environment: ``{% trans %}``/``_()`` translate into the template's ``lang``.

    The translation callables read ``lang`` from each render's context, so one environment
    serves every language at once (no global "current language"). ``directories`` are searched
    in order; the kit adds each room's template directory (``osms.web.pages.install_pages``).
    """
    env = Environment(
        loader=FileSystemLoader(list(directories)),
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
    env.globals["label"] = in_language(label)
    env.globals["LANGUAGE_NAMES"] = LANGUAGE_NAMES
    env.filters["day"] = in_language(format_day)
    env.filters["sentence_day"] = in_language(_sentence_day)
    env.filters["month"] = in_language(_month)
    env.filters["sentence_month"] = in_language(format_sentence_month)
    env.filters["money"] = in_language(_money)
    env.filters["rate"] = in_language(format_rate)
    return env
