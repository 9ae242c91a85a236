"""The claims room's rulebook topic: the catalogues a service record is checked against and the
rules of the checks (docs/claims.md, "Rulebook").

Files and series:

- ``services.csv`` (series ``services.<code>``): the outpatient price list's service codes
  (visits, services, calls) with their names (kk/ru/en), the forms of care they are billed in
  (``forms``, ``;``-separated), a sex restriction (``sex``: ``M``/``F``, empty: none), an age
  restriction in whole years (``age_min``, ``age_max``, inclusive, empty: none) and whether
  planned care needs a referral (``referral``). The payment room adds their prices.
- ``case_groups.csv`` (series ``case_groups.<code>``): the clinical cost groups (КЗГ) with the
  same columns (``forms``: the hospital forms they are billed in).
- ``defects.csv`` (series ``defects.<code>``): the defect classifier (ЕКД, MON annex 1): the name
  of each code and the deduction for one defective case by form of care: ``phc_rate_times``,
  ``ambulance_rate_times``, ``rural_rate_times`` (multiples of the per-capita rate of a month),
  ``kdu_percent``, ``inpatient_percent`` (% of the service's or case's price); empty: the code does
  not apply to that form. A code whose every figure is 0 is a general defect (no money effect).
- ``claims.yaml``:
  ``findings`` (windows): for each finding code of ``claims.vocabulary.FINDING_CODES`` the
  rulebook checks, its defect code (or null: a finding that is not a defect);
  ``doctor_overload`` (windows, ``value``): the most services one doctor plausibly gives in a day;
  ``readmission_days`` (windows, ``value``): a readmission within this many calendar days;
  ``referral_forms`` (windows, ``forms``): forms whose planned (not emergency) records need a
  referral, besides the services and groups marked ``referral``.

Accessors: ``book.topic(ClaimsTopic).services(on)`` (code → ``Catalogued``), ``.case_groups(on)``,
``.defects(on)``, ``.findings(on)``, ``.doctor_overload(on)``, ``.readmission_days(on)``,
``.referral_forms(on)``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any, Self

from pydantic import field_validator, model_validator

from osms.claims.vocabulary import CARE_FORMS, FINDING_CODES, SEXES
from osms.rulebooks.entries import Dec, Entry, Int, IntRow, Row, unique_members
from osms.rulebooks.show import ShowTables
from osms.rulebooks.topic import Loaded, Problems, SeriesSpec, Topic

__all__ = ["Catalogued", "ClaimsTopic", "DefectCode", "FindingsRule", "FormsRule"]

LANGS = ("kk", "ru", "en")


# --------------------------------------------------------------------------------------------
# Entries


@dataclass(frozen=True, slots=True, kw_only=True)
class Catalogued(Entry):
    """A service code or a clinical cost group, with its names and restrictions."""

    code: str
    name: Mapping[str, str]
    forms: tuple[str, ...]
    sex: str | None
    age_min: int | None
    age_max: int | None
    referral: bool

    def title(self, lang: str) -> str:
        return self.name.get(lang) or self.name["en"]


@dataclass(frozen=True, slots=True, kw_only=True)
class DefectCode(Entry):
    """A code of the defect classifier and the deduction for one defective case by form of care."""

    code: str
    name: Mapping[str, str]
    phc_rate_times: Decimal | None
    kdu_percent: Decimal | None
    inpatient_percent: Decimal | None
    ambulance_rate_times: Decimal | None
    rural_rate_times: Decimal | None

    @property
    def money_effect(self) -> bool:
        """False for a general defect (every figure 0 or empty)."""
        figures = (
            self.phc_rate_times,
            self.kdu_percent,
            self.inpatient_percent,
            self.ambulance_rate_times,
            self.rural_rate_times,
        )
        return any(f is not None and f > 0 for f in figures)

    def title(self, lang: str) -> str:
        return self.name.get(lang) or self.name["en"]


@dataclass(frozen=True, slots=True, kw_only=True)
class FindingsRule(Entry):
    """The finding codes in force and the defect code of each (None: not a defect)."""

    codes: Mapping[str, str | None]


@dataclass(frozen=True, slots=True, kw_only=True)
class FormsRule(Entry):
    """A list of forms of care."""

    forms: tuple[str, ...]


# --------------------------------------------------------------------------------------------
# Rows


def _forms(value: object) -> tuple[str, ...]:
    if isinstance(value, str):
        items = [v.strip() for v in value.split(";") if v.strip()]
    elif isinstance(value, list | tuple):
        items = [str(v) for v in value]
    else:
        raise ValueError("forms: a list of forms of care, or in CSV a ';'-separated list")
    if not items:
        raise ValueError("forms: at least one form of care")
    return tuple(unique_members(items, CARE_FORMS, "form of care"))


class _NamedRow(Row):
    name_kk: str
    name_ru: str
    name_en: str

    def names(self) -> dict[str, str]:
        return {"kk": self.name_kk, "ru": self.name_ru, "en": self.name_en}


class _CatalogueRow(_NamedRow):
    forms: str
    sex: str | None = None
    age_min: Int | None = None
    age_max: Int | None = None
    referral: bool = False

    @field_validator("forms", mode="before")
    @classmethod
    def _check_forms(cls, value: object) -> str:
        return ";".join(_forms(value))

    @field_validator("sex")
    @classmethod
    def _check_sex(cls, value: str | None) -> str | None:
        if value is not None and value not in SEXES:
            raise ValueError(f"sex: M or F (empty: either), got {value!r}")
        return value

    @field_validator("age_min", "age_max")
    @classmethod
    def _check_age(cls, value: int | None) -> int | None:
        if value is not None and not 0 <= value <= 130:
            raise ValueError(f"age in whole years 0-130, got {value}")
        return value

    @model_validator(mode="after")
    def _ages(self) -> Self:
        if self.age_min is not None and self.age_max is not None and self.age_min > self.age_max:
            raise ValueError(f"age_min {self.age_min} is above age_max {self.age_max}")
        return self

    def to_entry(self, series: str, key: str) -> Entry:
        return Catalogued(
            **self.entry_fields(series),
            code=key,
            name=self.names(),
            forms=_forms(self.forms),
            sex=self.sex,
            age_min=self.age_min,
            age_max=self.age_max,
            referral=self.referral,
        )


class _DefectRow(_NamedRow):
    phc_rate_times: Dec | None = None
    kdu_percent: Dec | None = None
    inpatient_percent: Dec | None = None
    ambulance_rate_times: Dec | None = None
    rural_rate_times: Dec | None = None

    def to_entry(self, series: str, key: str) -> Entry:
        return DefectCode(
            **self.entry_fields(series),
            code=key,
            name=self.names(),
            phc_rate_times=self.phc_rate_times,
            kdu_percent=self.kdu_percent,
            inpatient_percent=self.inpatient_percent,
            ambulance_rate_times=self.ambulance_rate_times,
            rural_rate_times=self.rural_rate_times,
        )


class _FindingsRow(Row):
    codes: dict[str, str | None]

    @field_validator("codes")
    @classmethod
    def _known(cls, value: dict[str, str | None]) -> dict[str, str | None]:
        unique_members(list(value), FINDING_CODES, "finding code")
        return value

    def to_entry(self, series: str, key: str) -> Entry:
        return FindingsRule(**self.entry_fields(series), codes=dict(self.codes))


class _FormsRow(Row):
    forms: list[str]

    @field_validator("forms")
    @classmethod
    def _known(cls, value: list[str]) -> list[str]:
        return unique_members(value, CARE_FORMS, "form of care")

    def to_entry(self, series: str, key: str) -> Entry:
        return FormsRule(**self.entry_fields(series), forms=tuple(self.forms))


# --------------------------------------------------------------------------------------------
# The topic


class ClaimsTopic(Topic):
    series = {
        "services.*": SeriesSpec(_CatalogueRow, "windows"),
        "case_groups.*": SeriesSpec(_CatalogueRow, "windows"),
        "defects.*": SeriesSpec(_DefectRow, "windows"),
        "claims.findings": SeriesSpec(_FindingsRow, "windows"),
        "claims.doctor_overload": SeriesSpec(IntRow, "windows"),
        "claims.readmission_days": SeriesSpec(IntRow, "windows"),
        "claims.referral_forms": SeriesSpec(_FormsRow, "windows"),
    }
    csv_files = frozenset({"services", "case_groups", "defects"})

    def _catalogue(self, prefix: str, on: date) -> dict[str, Any]:
        cache: dict[tuple[str, date], dict[str, Any]] = self.__dict__.setdefault("_cache", {})
        found = cache.get((prefix, on))
        if found is None:
            found = {}
            for name in self.book.series_names():
                if name.startswith(prefix):
                    entry = self.book.find(name, on)
                    if entry is not None:
                        found[name[len(prefix) :]] = entry
            cache[(prefix, on)] = found
        return found

    def services(self, on: date) -> Mapping[str, Catalogued]:
        """The service codes in force on ``on``, by code."""
        return self._catalogue("services.", on)

    def case_groups(self, on: date) -> Mapping[str, Catalogued]:
        """The clinical cost groups in force on ``on``, by code."""
        return self._catalogue("case_groups.", on)

    def defects(self, on: date) -> Mapping[str, DefectCode]:
        """The defect classifier in force on ``on``, by code."""
        return self._catalogue("defects.", on)

    def findings(self, on: date) -> Mapping[str, str | None]:
        """The finding codes checked on ``on`` and their defect codes (empty: no checks in force)."""
        entry = self.book.find("claims.findings", on)
        return entry.codes if isinstance(entry, FindingsRule) else {}

    def doctor_overload(self, on: date) -> int | None:
        """The most services one doctor plausibly gives in a day (None: not checked)."""
        entry = self.book.find("claims.doctor_overload", on)
        return None if entry is None else self.book.parameter("claims.doctor_overload", on)

    def readmission_days(self, on: date) -> int | None:
        """A readmission counts within this many calendar days of a discharge (None: not checked)."""
        entry = self.book.find("claims.readmission_days", on)
        return None if entry is None else self.book.parameter("claims.readmission_days", on)

    def referral_forms(self, on: date) -> tuple[str, ...]:
        """Forms whose planned records need a referral."""
        entry = self.book.find("claims.referral_forms", on)
        return entry.forms if isinstance(entry, FormsRule) else ()

    @classmethod
    def check(cls, loaded: Loaded, problems: Problems) -> None:
        """A finding's defect code must be a code of the classifier in force when the rule starts."""
        defects = {
            name.partition(".")[2]: entries for name, entries in loaded.series.items() if name.startswith("defects.")
        }
        for rule in loaded.entries("claims.findings"):
            assert isinstance(rule, FindingsRule)
            for finding, code in rule.codes.items():
                if code is None:
                    continue
                entries = defects.get(code, ())
                if not any(e.applies_on(rule.valid_from) for e in entries):
                    problems.add(
                        f"{loaded.where(rule)}: {rule.id}: {finding} is defect {code!r}, "
                        f"not a code of the defect classifier on {rule.valid_from.isoformat()}"
                    )

    def show(self, on: date) -> dict[str, Any]:
        def plain(entries: Mapping[str, Entry]) -> dict[str, Any]:
            return {code: e.as_dict() for code, e in sorted(entries.items())}

        rules = {
            key: None if (e := self.book.find(f"claims.{key}", on)) is None else e.as_dict()
            for key in ("findings", "doctor_overload", "readmission_days", "referral_forms")
        }
        return {
            "claims": rules,
            "services": plain(self.services(on)),
            "case_groups": plain(self.case_groups(on)),
            "defects": plain(self.defects(on)),
        }

    def print_tables(self, on: date, data: Mapping[str, Any], out: ShowTables) -> None:
        rules = data["claims"]
        table = out.table("Checks of service records", "rule", "value", "entry", "verified")
        if rules["findings"] is None:
            out.note(table, "checks", "none in force on this day")
        else:
            for finding, code in rules["findings"]["codes"].items():
                out.row(table, finding, f"defect {code}" if code else "not a defect", rules["findings"])
            for key, label in (
                ("doctor_overload", "doctor's services a day, at most"),
                ("readmission_days", "readmission within, days"),
            ):
                entry = rules[key]
                if entry is None:
                    out.note(table, label, "not checked")
                else:
                    out.row(table, label, str(entry["value"]), entry)
            forms = rules["referral_forms"]
            if forms is not None:
                out.row(table, "referral needed (planned)", ", ".join(forms["forms"]), forms)
        out.print(table)
        defects = out.table("Defect classifier", "code", "defect", "entry", "verified")
        for code, entry in data["defects"].items():
            out.row(defects, code, entry["name"]["en"], entry)
        out.print(defects)
        counts = out.table("Catalogues", "catalogue", "codes in force", "entry", "verified")
        out.note(counts, "service codes", str(len(data["services"])))
        out.note(counts, "clinical cost groups", str(len(data["case_groups"])))
        out.print(counts)
