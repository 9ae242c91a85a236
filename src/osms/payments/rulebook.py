"""The payments room's rulebook topic: what the fund pays for care (docs/payments.md, "Rulebook").

Files and series (``kz-law``; ``seeds-2016`` has ``tariffs.yaml`` only, with the 2016 plan's own
shares):

- ``tariffs.yaml``: the payment rules and the figures shared by every tariff:
  ``methods`` (windows, ``methods: {form of care: method}``): how each form of care is paid
  (``per_capita``, ``per_service``, ``per_case``, ``per_call``);
  ``base_rate`` (windows, ``value``): the base rate of the clinical cost groups in tenge;
  the shares of a case group's tariff (``share``: a decimal ``"0.40"`` or a fraction ``"1/6"``):
  ``day_hospital_share``, ``day_hospital_procedures`` (``share`` and ``procedures``: the ICD-9
  codes that raise it), ``home_hospital_share``, ``admission_share`` (``seeds-2016``: a stay in
  the admission department of at most 24 hours), ``short_death_share`` (``share``, ``max_days``:
  an unavoidable death after a short stay), ``short_stay`` (``max_days``, ``divisor``: a stay
  ended early by a transfer or a self-discharge is paid by bed-days, ``bed_days / divisor`` of
  the tariff);
  the factors of a service's price: ``home_visit_factor``, ``remote_factor``,
  ``preventive_child_share`` (``share``);
  per capita: ``per_capita_no_service_share``, ``per_capita_uninsured_share`` (``share``),
  ``ambulance_per_capita`` (``value``, tenge per attached person per month);
  the monthly cycle: ``advance_on_signing``, ``advance_december`` (``share``: the most an advance
  may be), ``payment_due_days`` (calendar days after the act is signed), ``objection_working_days``,
  ``objection_answer_working_days``, ``invoice_day`` (``seeds-2016``: invoices by this day);
- ``weights.csv`` (series ``weights.<case group>``): the cost weights of a clinical cost group:
  ``inpatient_weight``, ``day_weight`` and ``admission_weight`` (empty: not published);
- ``prices.csv`` (series ``prices.<service code>``): ``price`` in tenge, ``home_factor`` and
  ``remote_factor`` (empty: the general factors of ``tariffs.yaml``);
- ``capitation.csv`` (series ``capitation.<region>``): the per-capita base rate of a region
  (``rate``, tenge per attached person per month);
- ``sex_age.csv`` (series ``sex_age.<sex>.<band>``): the sex-age coefficient of an age band
  (``sex``, ``age_from``, ``age_to`` in whole years, ``age_to`` empty for the last band);
- ``corrections.csv`` (series ``corrections.<region>.<factor>``): a correction coefficient of a
  region (``region``, ``factor``: density, rural, heating, ecology).

The names, forms of care and sex and age restrictions of the codes are the claims catalogues'
(``ClaimsTopic``): the check refuses a weight or a price whose code is not a code of that
catalogue on the day the entry starts.

Accessors: ``book.topic(PaymentsTopic).method(form, on)``, ``.base_rate(on)``, ``.share(name,
on)``, ``.weight(code, on)``, ``.price(code, on)``, ``.capitation_rate(region, on)``,
``.sex_age(on)``, ``.corrections(region, on)``, ``.parameter(name, on)``, ``.entry(name, on)``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from fractions import Fraction
from typing import Annotated, Any, Final

from pydantic import BeforeValidator, field_validator, model_validator

from osms.claims.rulebook import ClaimsTopic
from osms.claims.vocabulary import CARE_FORMS, SEXES
from osms.rulebooks.entries import Dec, Entry, Int, IntRow, ParameterEntry, Row, unique_members
from osms.rulebooks.show import ShowTables
from osms.rulebooks.topic import Loaded, Problems, SeriesSpec, Topic

__all__ = [
    "AGE_BANDS",
    "CORRECTION_FACTORS",
    "METHODS",
    "SHARES",
    "Amount",
    "CapitationRate",
    "Correction",
    "Methods",
    "PaymentsTopic",
    "Price",
    "SexAge",
    "ShareRule",
    "Weight",
    "format_share",
    "is_synthetic",
    "parse_share",
]

#: How a form of care is paid.
METHODS: Final[tuple[str, ...]] = ("per_capita", "per_service", "per_case", "per_call")
#: The correction coefficients of the per-capita rate.
CORRECTION_FACTORS: Final[tuple[str, ...]] = ("density", "rural", "heating", "ecology")
#: The 11 age bands of the sex-age coefficients: (from, to) in whole years, ``None``: no upper end.
AGE_BANDS: Final[tuple[tuple[int, int | None], ...]] = (
    (0, 0),
    (1, 4),
    (5, 9),
    (10, 14),
    (15, 19),
    (20, 29),
    (30, 39),
    (40, 49),
    (50, 59),
    (60, 69),
    (70, None),
)
#: The series of ``tariffs.yaml`` that hold one share or factor (``share``).
SHARES: Final[tuple[str, ...]] = (
    "day_hospital_share",
    "home_hospital_share",
    "admission_share",
    "home_visit_factor",
    "remote_factor",
    "preventive_child_share",
    "per_capita_no_service_share",
    "per_capita_uninsured_share",
    "advance_on_signing",
    "advance_december",
)
#: The series of ``tariffs.yaml`` that hold a whole number (``value``).
PARAMETERS: Final[tuple[str, ...]] = (
    "payment_due_days",
    "objection_working_days",
    "objection_answer_working_days",
    "invoice_day",
)
#: An ICD-9 procedure code as the tariff lists it (``13.73``, ``13.7301``).
PROCEDURE_RE = re.compile(r"^\d{2}\.\d{1,4}$")


def is_synthetic(entry: Entry) -> bool:
    """True for a row of our synthetic tables (its source says so)."""
    return "synthetic" in entry.source.lower()


# --------------------------------------------------------------------------------------------
# Shares: exact fractions


def parse_share(value: object) -> Fraction:
    """A share written ``"0.40"``, ``"2"`` or ``"1/6"`` as an exact fraction (not negative)."""
    if isinstance(value, bool) or not isinstance(value, str | int | Decimal):
        raise ValueError(f'bad share {value!r}: write it as a string, e.g. "0.40" or "1/6"')
    text = str(value).strip()
    try:
        if "/" in text:
            top, _, bottom = text.partition("/")
            result = Fraction(int(top.strip()), int(bottom.strip()))
        else:
            result = Fraction(Decimal(text))
    except (ValueError, ZeroDivisionError, ArithmeticError):
        raise ValueError(f'bad share {value!r}: write it as a string, e.g. "0.40" or "1/6"') from None
    if result < 0:
        raise ValueError(f"a share must not be negative, got {text}")
    return result


def format_share(share: Fraction) -> str:
    """A share as an exact text: a decimal when it has one (``0.4``, ``1``), else ``1/6``."""
    bottom = share.denominator
    twos = fives = 0
    while bottom % 2 == 0:
        bottom //= 2
        twos += 1
    while bottom % 5 == 0:
        bottom //= 5
        fives += 1
    if bottom != 1:
        return f"{share.numerator}/{share.denominator}"
    places = max(twos, fives)
    text = str(Decimal(share.numerator * 10**places // share.denominator).scaleb(-places))
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


ShareField = Annotated[Fraction, BeforeValidator(parse_share)]


# --------------------------------------------------------------------------------------------
# Entries


@dataclass(frozen=True, slots=True, kw_only=True)
class Methods(Entry):
    """How each form of care is paid."""

    methods: Mapping[str, str]


@dataclass(frozen=True, slots=True, kw_only=True)
class Amount(Entry):
    """An amount in tenge (the base rate, the ambulance per-capita rate)."""

    value: Decimal


@dataclass(frozen=True, slots=True, kw_only=True)
class ShareRule(Entry):
    """A share or factor, with the procedures that call for it or the days it holds within."""

    share: Fraction
    procedures: tuple[str, ...] = ()
    max_days: int | None = None

    def as_dict(self) -> dict[str, Any]:
        data = Entry.as_dict(self)
        data["share"] = format_share(self.share)
        return data


@dataclass(frozen=True, slots=True, kw_only=True)
class ShortStay(Entry):
    """A stay ended early by a transfer or a self-discharge, paid by bed-days."""

    max_days: int
    divisor: int


@dataclass(frozen=True, slots=True, kw_only=True)
class Weight(Entry):
    """The cost weights of a clinical cost group."""

    code: str
    inpatient_weight: Decimal
    day_weight: Decimal | None
    admission_weight: Decimal | None


@dataclass(frozen=True, slots=True, kw_only=True)
class Price(Entry):
    """The price of a service of the price list, with its own home and remote factors if any."""

    code: str
    price: Decimal
    home_factor: Fraction | None
    remote_factor: Fraction | None

    def as_dict(self) -> dict[str, Any]:
        data = Entry.as_dict(self)
        for name in ("home_factor", "remote_factor"):
            value = getattr(self, name)
            data[name] = None if value is None else format_share(value)
        return data


@dataclass(frozen=True, slots=True, kw_only=True)
class CapitationRate(Entry):
    """The per-capita base rate of a region, tenge per attached person per month."""

    region: str
    rate: Decimal


@dataclass(frozen=True, slots=True, kw_only=True)
class SexAge(Entry):
    """The sex-age coefficient of one age band of one sex."""

    sex: str
    age_from: int
    age_to: int | None
    coefficient: Decimal


@dataclass(frozen=True, slots=True, kw_only=True)
class Correction(Entry):
    """A correction coefficient of the per-capita rate of a region."""

    region: str
    factor: str
    coefficient: Decimal


# --------------------------------------------------------------------------------------------
# Rows


def _positive(value: Decimal, what: str) -> Decimal:
    if value <= 0:
        raise ValueError(f"{what} must be above 0, got {value}")
    return value


class _MethodsRow(Row):
    methods: dict[str, str]

    @field_validator("methods")
    @classmethod
    def _known(cls, value: dict[str, str]) -> dict[str, str]:
        unique_members(list(value), CARE_FORMS, "form of care")
        unknown = sorted({m for m in value.values() if m not in METHODS})
        if unknown:
            raise ValueError(f"unknown method {', '.join(unknown)} (known: {', '.join(METHODS)})")
        return value

    def to_entry(self, series: str, key: str) -> Entry:
        return Methods(**self.entry_fields(series), methods=dict(self.methods))


class _AmountRow(Row):
    value: Dec

    @field_validator("value")
    @classmethod
    def _check(cls, value: Decimal) -> Decimal:
        return _positive(value, "an amount")

    def to_entry(self, series: str, key: str) -> Entry:
        return Amount(**self.entry_fields(series), value=self.value)


class _ShareRow(Row):
    share: ShareField
    procedures: list[str] = []
    max_days: Int | None = None

    @field_validator("procedures")
    @classmethod
    def _codes(cls, value: list[str]) -> list[str]:
        bad = [v for v in value if not PROCEDURE_RE.match(v)]
        if bad:
            raise ValueError(f"not an ICD-9 procedure code: {', '.join(bad)}")
        return unique_members(value, tuple(value), "procedure")

    def to_entry(self, series: str, key: str) -> Entry:
        return ShareRule(
            **self.entry_fields(series), share=self.share, procedures=tuple(self.procedures), max_days=self.max_days
        )


class _ShortStayRow(Row):
    max_days: Int
    divisor: Int

    @model_validator(mode="after")
    def _check(self) -> _ShortStayRow:
        if self.max_days < 1 or self.divisor < 1:
            raise ValueError("max_days and divisor must be at least 1")
        return self

    def to_entry(self, series: str, key: str) -> Entry:
        return ShortStay(**self.entry_fields(series), max_days=self.max_days, divisor=self.divisor)


class _WeightRow(Row):
    inpatient_weight: Dec
    day_weight: Dec | None = None
    admission_weight: Dec | None = None

    @field_validator("inpatient_weight", "day_weight", "admission_weight")
    @classmethod
    def _check(cls, value: Decimal | None) -> Decimal | None:
        return None if value is None else _positive(value, "a weight")

    def to_entry(self, series: str, key: str) -> Entry:
        return Weight(
            **self.entry_fields(series),
            code=key,
            inpatient_weight=self.inpatient_weight,
            day_weight=self.day_weight,
            admission_weight=self.admission_weight,
        )


class _PriceRow(Row):
    price: Dec
    home_factor: ShareField | None = None
    remote_factor: ShareField | None = None

    @field_validator("price")
    @classmethod
    def _check(cls, value: Decimal) -> Decimal:
        if value != value.quantize(Decimal("0.01")):
            raise ValueError(f"a price has at most 2 decimals, got {value}")
        return _positive(value, "a price")

    def to_entry(self, series: str, key: str) -> Entry:
        return Price(
            **self.entry_fields(series),
            code=key,
            price=self.price,
            home_factor=self.home_factor,
            remote_factor=self.remote_factor,
        )


class _CapitationRow(Row):
    rate: Dec

    @field_validator("rate")
    @classmethod
    def _check(cls, value: Decimal) -> Decimal:
        return _positive(value, "a rate")

    def to_entry(self, series: str, key: str) -> Entry:
        return CapitationRate(**self.entry_fields(series), region=key, rate=self.rate)


class _SexAgeRow(Row):
    sex: str
    age_from: Int
    age_to: Int | None = None
    coefficient: Dec

    @model_validator(mode="after")
    def _check(self) -> _SexAgeRow:
        if self.sex not in SEXES:
            raise ValueError(f"sex: M or F, got {self.sex!r}")
        if (self.age_from, self.age_to) not in AGE_BANDS:
            bands = ", ".join(f"{a}-{'' if b is None else b}" for a, b in AGE_BANDS)
            raise ValueError(f"age band {self.age_from}-{self.age_to or ''} is not one of {bands}")
        _positive(self.coefficient, "a coefficient")
        return self

    def to_entry(self, series: str, key: str) -> Entry:
        return SexAge(
            **self.entry_fields(series),
            sex=self.sex,
            age_from=self.age_from,
            age_to=self.age_to,
            coefficient=self.coefficient,
        )


class _CorrectionRow(Row):
    coefficient: Dec

    @field_validator("coefficient")
    @classmethod
    def _check(cls, value: Decimal) -> Decimal:
        return _positive(value, "a coefficient")

    def to_entry(self, series: str, key: str) -> Entry:
        region, _, factor = key.rpartition(".")
        return Correction(**self.entry_fields(series), region=region, factor=factor, coefficient=self.coefficient)


# --------------------------------------------------------------------------------------------
# The topic


class PaymentsTopic(Topic):
    series = {
        "tariffs.methods": SeriesSpec(_MethodsRow, "windows"),
        "tariffs.base_rate": SeriesSpec(_AmountRow, "windows", missing="base rate of the clinical cost groups"),
        "tariffs.ambulance_per_capita": SeriesSpec(_AmountRow, "windows"),
        "tariffs.day_hospital_procedures": SeriesSpec(_ShareRow, "windows"),
        "tariffs.short_death_share": SeriesSpec(_ShareRow, "windows"),
        "tariffs.short_stay": SeriesSpec(_ShortStayRow, "windows"),
        **{f"tariffs.{name}": SeriesSpec(_ShareRow, "windows") for name in SHARES},
        **{f"tariffs.{name}": SeriesSpec(IntRow, "windows") for name in PARAMETERS},
        "weights.*": SeriesSpec(_WeightRow, "windows", missing="cost weight of the group {key}"),
        "prices.*": SeriesSpec(_PriceRow, "windows", missing="price of the service {key}"),
        "capitation.*": SeriesSpec(_CapitationRow, "windows", missing="per-capita base rate of {key}"),
        "sex_age.*": SeriesSpec(_SexAgeRow, "windows"),
        "corrections.*": SeriesSpec(_CorrectionRow, "windows"),
    }
    csv_files = frozenset({"weights", "prices", "capitation", "sex_age", "corrections"})

    def entry(self, name: str, on: date) -> Entry | None:
        """The entry of ``tariffs.<name>`` in force on ``on``, or None."""
        return self.book.find(f"tariffs.{name}", on)

    def method(self, care_form: str, on: date) -> str | None:
        """How ``care_form`` is paid on ``on`` (None: the rulebook does not say)."""
        entry = self.entry("methods", on)
        return entry.methods.get(care_form) if isinstance(entry, Methods) else None

    def base_rate(self, on: date) -> Amount | None:
        entry = self.entry("base_rate", on)
        return entry if isinstance(entry, Amount) else None

    def ambulance_per_capita(self, on: date) -> Amount | None:
        entry = self.entry("ambulance_per_capita", on)
        return entry if isinstance(entry, Amount) else None

    def share(self, name: str, on: date) -> ShareRule | None:
        """A share or factor of ``tariffs.yaml`` in force on ``on`` (None: no such rule then)."""
        entry = self.entry(name, on)
        return entry if isinstance(entry, ShareRule) else None

    def short_stay(self, on: date) -> ShortStay | None:
        entry = self.entry("short_stay", on)
        return entry if isinstance(entry, ShortStay) else None

    def parameter(self, name: str, on: date) -> int | None:
        """A whole-number parameter of ``tariffs.yaml`` (days), or None when none is in force."""
        entry = self.entry(name, on)
        return entry.value if isinstance(entry, ParameterEntry) else None

    def weight(self, code: str, on: date) -> Weight | None:
        entry = self.book.find(f"weights.{code}", on) if f"weights.{code}" in self._names() else None
        return entry if isinstance(entry, Weight) else None

    def price(self, code: str, on: date) -> Price | None:
        entry = self.book.find(f"prices.{code}", on) if f"prices.{code}" in self._names() else None
        return entry if isinstance(entry, Price) else None

    def capitation_rate(self, region: str, on: date) -> CapitationRate | None:
        name = f"capitation.{region}"
        entry = self.book.find(name, on) if name in self._names() else None
        return entry if isinstance(entry, CapitationRate) else None

    def sex_age(self, on: date) -> dict[tuple[str, int], SexAge]:
        """The sex-age coefficients in force, by (sex, the band's first year of age)."""
        found: dict[tuple[str, int], SexAge] = {}
        for name in self._names():
            if name.startswith("sex_age."):
                entry = self.book.find(name, on)
                if isinstance(entry, SexAge):
                    found[(entry.sex, entry.age_from)] = entry
        return found

    def corrections(self, region: str, on: date) -> dict[str, Correction]:
        """The correction coefficients of ``region`` in force, by factor."""
        found: dict[str, Correction] = {}
        for factor in CORRECTION_FACTORS:
            name = f"corrections.{region}.{factor}"
            entry = self.book.find(name, on) if name in self._names() else None
            if isinstance(entry, Correction):
                found[factor] = entry
        return found

    def _names(self) -> frozenset[str]:
        names: frozenset[str] | None = self.__dict__.get("_series_names")
        if names is None:
            names = self.__dict__["_series_names"] = frozenset(self.book.series_names())
        return names

    @classmethod
    def check(cls, loaded: Loaded, problems: Problems) -> None:
        """A weight's key must be a clinical cost group, a price's a service code, of the claims
        catalogues (``ClaimsTopic``) in force on the day the entry starts."""
        for prefix, catalogue, what in (
            ("weights.", "case_groups.", "clinical cost group"),
            ("prices.", "services.", "service code"),
        ):
            for name, entries in loaded.series.items():
                if not name.startswith(prefix):
                    continue
                code = name[len(prefix) :]
                known = loaded.entries(catalogue + code)
                for entry in entries:
                    if not any(k.applies_on(entry.valid_from) for k in known):
                        problems.add(
                            f"{loaded.where(entry)}: {entry.id}: {code!r} is not a {what} of the claims "
                            f"catalogue on {entry.valid_from.isoformat()}"
                        )
        assert "case_groups.*" in ClaimsTopic.series  # the catalogue this check reads
        for name, entries in loaded.series.items():
            for entry in entries:
                if isinstance(entry, SexAge) and name != f"sex_age.{entry.sex}.{entry.age_from}":
                    problems.add(
                        f"{loaded.where(entry)}: {entry.id}: the key of this band is {entry.sex}.{entry.age_from}"
                    )
                if isinstance(entry, Correction) and (not entry.region or entry.factor not in CORRECTION_FACTORS):
                    problems.add(
                        f"{loaded.where(entry)}: {entry.id}: the key is <region>.<factor>, the factor one of "
                        + ", ".join(CORRECTION_FACTORS)
                    )

    def show(self, on: date) -> dict[str, Any]:
        rules = {
            name.removeprefix("tariffs."): None if (e := self.book.find(name, on)) is None else e.as_dict()
            for name in sorted(self.series)
            if name.startswith("tariffs.")
        }

        def table(prefix: str) -> dict[str, Any]:
            out: dict[str, Any] = {}
            for name in self._names():
                if name.startswith(prefix) and (e := self.book.find(name, on)) is not None:
                    out[name[len(prefix) :]] = e.as_dict()
            return dict(sorted(out.items()))

        return {
            "tariffs": rules,
            "weights": table("weights."),
            "prices": table("prices."),
            "capitation": table("capitation."),
            "sex_age": table("sex_age."),
            "corrections": table("corrections."),
        }

    def print_tables(self, on: date, data: Mapping[str, Any], out: ShowTables) -> None:
        rules = out.table("Payment rules and tariffs", "rule", "value", "entry", "verified")
        for key, entry in data["tariffs"].items():
            if entry is None:
                continue
            if "methods" in entry:
                value = ", ".join(f"{f}: {m}" for f, m in entry["methods"].items())
            elif "share" in entry:
                value = entry["share"]
            elif "divisor" in entry:
                value = f"up to {entry['max_days']} days: bed-days / {entry['divisor']}"
            else:
                value = str(entry["value"])
            out.row(rules, key, value, entry)
        out.print(rules)
        counts = out.table("Tariff tables", "table", "rows in force", "entry", "verified")
        for key, label in (
            ("weights", "cost weights of case groups"),
            ("prices", "prices of services"),
            ("capitation", "per-capita base rates"),
            ("sex_age", "sex-age coefficients"),
            ("corrections", "correction coefficients"),
        ):
            out.note(counts, label, str(len(data[key])))
        out.print(counts)
