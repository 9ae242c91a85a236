"""What every answer says about the confirmed horizon (docs/rulebooks.md, "The confirmed horizon").

An answer for a day after its rulebook's confirmed horizon stands on entries carried forward
(``Rulebook.find``): it is *provisional*. Every answer (status, calculation, payroll,
entitlement, attachment decision) carries the same three fields:

- ``provisional``: true when it applied entries carried forward past the horizon;
- ``carried_forward``: the ids of those entries (``rates.employer-deduction.2026-01-01``...);
- ``provisional_message``: ``{"kk", "ru", "en"}`` sentences ("The 2027 figures are not yet
  confirmed; the 2026 figures were applied."), from the Babel catalogs; null when not provisional.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import Any

from osms.core.config import LANGUAGES
from osms.core.i18n import N_, gettext, normalize
from osms.rulebooks.loader import Rulebook

__all__ = ["NOT_PROVISIONAL", "Horizon", "horizon_of", "provisional_sentences"]

#: After a horizon that ends a year: the years are named.
YEAR_MESSAGE = N_("The %(year)s figures are not yet confirmed; the %(confirmed)s figures were applied.")
#: After a horizon within the day's year: the horizon's day is named.
DAY_MESSAGE = N_("The figures after %(until)s are not yet confirmed; the figures in force on %(until)s were applied.")


@lru_cache(maxsize=1024)
def _sentences(on: date, until: date) -> tuple[tuple[str, str], ...]:
    result = []
    for lang in LANGUAGES:
        if on.year > until.year:
            text = gettext(lang, YEAR_MESSAGE, year=str(on.year), confirmed=str(until.year))
        else:
            text = gettext(lang, DAY_MESSAGE, until=label_day(lang, until))
        result.append((lang, text))
    return tuple(result)


def label_day(lang: str, day: date) -> str:
    """A day as the sentences of answers write it (ISO in English, DD.MM.YYYY in kk and ru)."""
    return day.isoformat() if lang == "en" else day.strftime("%d.%m.%Y")


def provisional_sentences(on: date, until: date) -> dict[str, str]:
    """The sentence in each language for an answer on ``on`` past the horizon ``until``."""
    return dict(_sentences(on, until))


@dataclass(frozen=True, slots=True)
class Horizon:
    """Whether one answer is provisional, the entries it carried forward, and the horizon."""

    provisional: bool
    carried_forward: tuple[str, ...]
    on: date
    confirmed_until: date

    def message(self, lang: str | None) -> str | None:
        """The sentence in ``lang`` (None when not provisional)."""
        if not self.provisional:
            return None
        return provisional_sentences(self.on, self.confirmed_until)[normalize(lang) or "en"]

    def as_dict(self) -> dict[str, Any]:
        """The fields every answer adds: ``provisional``, ``carried_forward``, ``provisional_message``."""
        return {
            "provisional": self.provisional,
            "carried_forward": list(self.carried_forward),
            "provisional_message": provisional_sentences(self.on, self.confirmed_until) if self.provisional else None,
        }


NOT_PROVISIONAL = Horizon(False, (), date.min, date.min)


def horizon_of(book: Rulebook, on: date, entry_ids: Iterable[str]) -> Horizon:
    """The horizon fields of an answer for ``on`` that applied the entries ``entry_ids``."""
    if not book.is_provisional(on):
        return NOT_PROVISIONAL
    carried = book.carried_forward(on, entry_ids)
    if not carried:
        return NOT_PROVISIONAL
    return Horizon(True, carried, on, book.confirmed_until)
