"""The registry's rulebook topic: the state-paid categories and who pays for them (docs/status.md),
and the age below which a parent acts for a child (docs/attachment.md, family).

Series: ``categories.<code>`` (one per category code, windows: a category is state-paid now and
then), ``attachment.minor_age`` (continuous, the whole period). Accessors:
``book.topic(RegistryTopic).categories(on)``, ``.category(code, on)``, ``.minor_age(on)``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

from osms.rulebooks.entries import Entry, IntRow, Row, RulebookError
from osms.rulebooks.show import ShowTables
from osms.rulebooks.topic import SeriesSpec, Topic

__all__ = ["CATEGORY_CODES", "CategoryPayer", "CategoryRule", "RegistryTopic"]

#: The state-paid categories a person may hold (docs/status.md).
CATEGORY_CODES: tuple[str, ...] = (
    "child",
    "pregnant_nonworking",
    "parent_child_under_3",
    "parental_leave",
    "mother_awarded",
    "student",
    "graduate_3_months",
    "unemployed_registered",
    "social_assistance",
    "kandas_nonworking",
    "disability",
    "pensioner",
    "ww2_veteran",
    "carer_disabled_child",
    "carer_group1_from_childhood",
    "pretrial_detention",
    "prisoner",
    "house_arrest",
    "serviceman",
    "special_state_body",
    "law_enforcement",
    "wellbeing_d_e",
)

CategoryPayer = Literal["state", "local_budget"]


@dataclass(frozen=True, slots=True, kw_only=True)
class CategoryRule(Entry):
    """A state-paid category code in force, and who pays for it (docs/status.md)."""

    code: str
    payer: CategoryPayer


class _CategoryRow(Row):
    payer: CategoryPayer

    def to_entry(self, series: str, key: str) -> Entry:
        return CategoryRule(**self.entry_fields(series), code=key, payer=self.payer)


class RegistryTopic(Topic):
    """``categories.yaml`` and ``attachment.minor_age``."""

    series = {
        **{
            f"categories.{code}": SeriesSpec(_CategoryRow, "windows", missing="entry for category {key}")
            for code in CATEGORY_CODES
        },
        "attachment.minor_age": SeriesSpec(IntRow, "continuous", True, spans_rulebook=True),
    }

    def categories(self, on: date) -> dict[str, CategoryRule]:
        """The state-paid category codes in force on ``on`` and who pays, by code."""
        self.book.check_date(on)
        result: dict[str, CategoryRule] = {}
        for code in CATEGORY_CODES:
            found = self.book.find(f"categories.{code}", on)
            if found is not None:
                assert isinstance(found, CategoryRule)
                result[code] = found
        return result

    def category(self, code: str, on: date) -> CategoryRule | None:
        """The rule for one category code on ``on``, or None if it is not state-paid then."""
        if code not in CATEGORY_CODES:
            raise RulebookError(f"unknown category code {code!r} (known: {', '.join(CATEGORY_CODES)})")
        found = self.book.optional(f"categories.{code}", on)
        assert found is None or isinstance(found, CategoryRule)
        return found

    def minor_age(self, on: date) -> int:
        """Below this age a person is attached by a parent or guardian (docs/attachment.md, family)."""
        return self.book.parameter("attachment.minor_age", on)

    def show(self, on: date) -> dict[str, Any]:
        return {
            "categories": {code: rule.as_dict() for code, rule in self.categories(on).items()},
            "minor_age": self.book.entry("attachment.minor_age", on).as_dict(),
        }

    def print_tables(self, on: date, data: Mapping[str, Any], out: ShowTables) -> None:
        categories = out.table("State-paid categories", "code", "payer", "entry", "verified")
        for code, rule in data["categories"].items():
            out.row(categories, code, rule["payer"], rule)
        out.print(categories)
