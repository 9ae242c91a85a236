"""One row of a service report, checked on its own (docs/claims.md, "Intake"). Pure: no database.

``RowChecker.check(values)`` takes the row's 16 fields in ``COLUMNS`` order (strings), or 19 with the
optional flags of ``FLAG_COLUMNS`` after them (empty: false), and returns
either a ``Rejection`` (a reason code of ``claims.vocabulary.REJECT_CODES`` and a sentence) or a
``Parsed`` record: the cleaned fields, the reporting month, the digest of the content, and what the
set-based checks need from the rulebook in force on ``date_from`` (the catalogue's sex restriction,
the birth-date bounds of its age restriction, whether planned care needs a referral, the first day
of the readmission window). Catalogues, ICD-10 codes and IIN checks are cached per checker, so a
file costs one rulebook lookup per distinct date and code.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Final

from osms.benefits.catalogue import CARE_TYPES
from osms.benefits.rulebook import icd10_code
from osms.claims.rulebook import Catalogued, ClaimsTopic
from osms.claims.vocabulary import CARE_FORMS, CASE_GROUP_FORMS, OUTCOMES, SERVICE_FORMS
from osms.contributions.register_rules import iin_is_valid
from osms.core.identity import check_iin
from osms.core.rows import Rejection
from osms.rulebooks.loader import Rulebook

#: The service-report file's columns (any order in a file; this order in ``RowChecker.check``).
COLUMNS: Final[tuple[str, ...]] = (
    "record_id",
    "provider_id",
    "iin",
    "care_form",
    "care_type",
    "service_code",
    "case_group",
    "icd10",
    "procedures",
    "date_from",
    "date_to",
    "outcome",
    "referral",
    "emergency",
    "quantity",
    "doctor_iin",
)
#: Optional columns after them: how an outpatient service was given (PAY п.66-68); a file or a
#: body without them is read as before, every flag false.
FLAG_COLUMNS: Final[tuple[str, ...]] = ("at_home", "remote", "preventive_child")
#: Every column a row may carry, in ``RowChecker.check`` order.
ALL_COLUMNS: Final[tuple[str, ...]] = COLUMNS + FLAG_COLUMNS
#: The only form of care the flags apply to: the outpatient price list (КДУ, PAY п.63-68).
FLAG_FORMS: Final[tuple[str, ...]] = ("outpatient",)
#: Fields a row must fill (service_code / case_group: by form; procedures and doctor_iin optional).
REQUIRED: Final[tuple[str, ...]] = (
    "record_id",
    "provider_id",
    "iin",
    "care_form",
    "care_type",
    "icd10",
    "date_from",
    "date_to",
    "outcome",
    "referral",
    "emergency",
    "quantity",
)
_REQUIRED_AT = tuple(COLUMNS.index(c) for c in REQUIRED)
MAX_QUANTITY: Final = 10_000
_PROCEDURE = re.compile(r"\d{2}(\.\d{1,2})?")  # an ICD-9-CM procedure code: 2 digits, maybe .d or .dd
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_KEY = re.compile(r"[0-9A-Za-z._/\-]+")
_BOOLS: Final = {"true": True, "false": False}
_FLAGS: Final = {"true": True, "false": False, "": False}
_CARE_FORMS = frozenset(CARE_FORMS)
_OUTCOMES = frozenset(OUTCOMES)
_SERVICE_FORMS = frozenset(SERVICE_FORMS)
_CASE_GROUP_FORMS = frozenset(CASE_GROUP_FORMS)


@dataclass(frozen=True, slots=True)
class Parsed:
    """A row that can be a service record: its cleaned content and what the checks need."""

    record_id: str
    provider_id: str
    iin: str
    care_form: str
    care_type: str
    service_code: str | None
    case_group: str | None
    icd10: str
    procedures: str | None
    date_from: date
    date_to: date
    outcome: str
    referral: bool
    emergency: bool
    quantity: int
    doctor_iin: str | None
    at_home: bool
    remote: bool
    preventive_child: bool
    month: date  # the reporting month: the first day of date_to's month
    digest: str  # md5 of the content: the same record sent again is recognised
    cat_sex: str | None  # the catalogue's sex restriction (None: either)
    born_by: date | None  # age_min: born on or before this day
    born_after: date | None  # age_max: born after this day
    needs_referral: bool  # planned care of this form, service or group needs a referral
    readmit_from: date | None  # an earlier discharge on or after this day is a readmission


def years_before(day: date, years: int) -> date:
    """``day`` ``years`` calendar years earlier (29 February → 28 February)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


@dataclass(frozen=True, slots=True)
class _DayRules:
    services: dict[str, Catalogued]
    case_groups: dict[str, Catalogued]
    referral_forms: frozenset[str]
    readmission_days: int | None


class RowChecker:
    """Checks rows of one file (or one API call) against ``rulebook`` as of ``today``;
    ``only_provider``: a provider's own login may report only its own records."""

    def __init__(self, rulebook: Rulebook, *, today: date, only_provider: str | None = None) -> None:
        self.topic = rulebook.topic(ClaimsTopic)
        self.rulebook = rulebook
        self.today = today
        self.only_provider = only_provider
        self._days: dict[date, _DayRules | None] = {}
        self._dates: dict[str, date | None] = {}
        self._icd: dict[str, str | None] = {}
        self._iins: dict[str, bool] = {}
        self._born: dict[tuple[date, int], date] = {}

    # -- caches ------------------------------------------------------------------------------

    def day_rules(self, on: date) -> _DayRules | None:
        """The catalogues and rules in force on ``on`` (None: the rulebook does not cover it)."""
        if on in self._days:
            return self._days[on]
        try:
            rules: _DayRules | None = _DayRules(
                services=dict(self.topic.services(on)),
                case_groups=dict(self.topic.case_groups(on)),
                referral_forms=frozenset(self.topic.referral_forms(on)),
                readmission_days=self.topic.readmission_days(on),
            )
        except Exception:  # a date the rulebook cannot answer for: no catalogue that day
            rules = None
        self._days[on] = rules
        return rules

    def _date(self, text: str) -> date | None:
        found = self._dates.get(text, date.min)
        if found is not date.min:
            return found
        value: date | None = None
        if _DATE.fullmatch(text):
            try:
                value = date(int(text[:4]), int(text[5:7]), int(text[8:]))
            except ValueError:
                value = None
        if len(self._dates) < 100_000:
            self._dates[text] = value
        return value

    def _icd10(self, text: str) -> str | None:
        if text not in self._icd:
            try:
                self._icd[text] = icd10_code(text) if len(text) <= 8 else None
            except Exception:  # the ICD library refuses odd input: not a code
                self._icd[text] = None
        return self._icd[text]

    def _iin_ok(self, number: str) -> bool:
        ok = self._iins.get(number)
        if ok is None:
            ok = iin_is_valid(number)
            if len(self._iins) < 2_000_000:
                self._iins[number] = ok
        return ok

    def _years_before(self, day: date, years: int) -> date:
        key = (day, years)
        found = self._born.get(key)
        if found is None:
            found = self._born[key] = years_before(day, years)
        return found

    # -- the check ---------------------------------------------------------------------------

    def check(self, values: list[str]) -> Parsed | Rejection:
        """The row's 16 fields in ``COLUMNS`` order, or 19 in ``ALL_COLUMNS`` order → a ``Parsed``
        record or a ``Rejection``."""
        if len(values) == len(ALL_COLUMNS):
            v = [x.strip() for x in values[: len(COLUMNS)]]
            flag_texts = [x.strip() for x in values[len(COLUMNS) :]]
        elif len(values) == len(COLUMNS):
            v = [x.strip() for x in values]
            flag_texts = ["", "", ""]
        else:
            return Rejection(
                "bad_row_shape", f"the row has {len(values)} fields, expected {len(COLUMNS)} or {len(ALL_COLUMNS)}"
            )
        for i in _REQUIRED_AT:
            if not v[i]:
                return Rejection("missing_field", f"{COLUMNS[i]} is empty")
        (
            record_id,
            provider_id,
            iin,
            care_form,
            care_type,
            service_code,
            case_group,
            icd_text,
            procedures,
            from_text,
            to_text,
            outcome,
            referral_text,
            emergency_text,
            quantity_text,
            doctor_iin,
        ) = v
        if len(record_id) > 64 or not _KEY.fullmatch(record_id):
            return Rejection("bad_value", f"record_id {record_id[:70]!r}: up to 64 letters, digits and . _ / -")
        if len(provider_id) > 32 or not _KEY.fullmatch(provider_id):
            return Rejection("bad_value", f"provider_id {provider_id[:40]!r}: up to 32 letters, digits and . _ / -")
        if self.only_provider is not None and provider_id != self.only_provider:
            return Rejection(
                "not_own_record", f"provider {provider_id}: this login reports for {self.only_provider} only"
            )
        if not self._iin_ok(iin):
            return _bad_iin("iin", iin)
        if doctor_iin and not self._iin_ok(doctor_iin):
            return _bad_iin("doctor_iin", doctor_iin)
        if care_form not in _CARE_FORMS:
            return Rejection("unknown_care_form", f"care_form {care_form[:40]!r}: one of {', '.join(CARE_FORMS)}")
        if care_type not in CARE_TYPES:
            return Rejection("unknown_care_type", f"care_type {care_type[:40]!r} is not a care type of the catalogue")
        if outcome not in _OUTCOMES:
            return Rejection("unknown_outcome", f"outcome {outcome[:40]!r}: one of {', '.join(OUTCOMES)}")
        referral = _BOOLS.get(referral_text.lower())
        emergency = _BOOLS.get(emergency_text.lower())
        if referral is None or emergency is None:
            bad = ("referral", referral_text) if referral is None else ("emergency", emergency_text)
            return Rejection("bad_value", f"{bad[0]} {bad[1][:20]!r}: true or false")
        flags = [_FLAGS.get(t.lower()) for t in flag_texts]
        for name, text, flag in zip(FLAG_COLUMNS, flag_texts, flags, strict=True):
            if flag is None:
                return Rejection("bad_value", f"{name} {text[:20]!r}: true, false or empty")
        at_home, remote, preventive_child = (bool(f) for f in flags)
        if at_home and remote:
            return Rejection("home_and_remote", "at_home and remote are both true: a service is given one way")
        if (at_home or remote or preventive_child) and care_form not in FLAG_FORMS:
            return Rejection(
                "flags_outpatient_only",
                f"at_home, remote and preventive_child apply to outpatient services, not to {care_form}",
            )
        if not (quantity_text.isascii() and quantity_text.isdigit()) or not 1 <= int(quantity_text) <= MAX_QUANTITY:
            return Rejection("bad_value", f"quantity {quantity_text[:20]!r}: a whole number from 1 to {MAX_QUANTITY}")
        quantity = int(quantity_text)
        date_from = self._date(from_text)
        if date_from is None:
            return Rejection("bad_date", f"date_from {from_text[:20]!r} is not a date YYYY-MM-DD")
        date_to = self._date(to_text)
        if date_to is None:
            return Rejection("bad_date", f"date_to {to_text[:20]!r} is not a date YYYY-MM-DD")
        if date_to < date_from:
            return Rejection("dates_reversed", f"date_to {to_text} is before date_from {from_text}")
        if date_to > self.today:
            return Rejection("future_date", f"date_to {to_text} is after today ({self.today.isoformat()})")
        icd10 = self._icd10(icd_text)
        if icd10 is None:
            return Rejection("unknown_icd10", f"icd10 {icd_text[:20]!r} is not an ICD-10 category or subcategory")
        if procedures:
            items = [p.strip() for p in procedures.split(";") if p.strip()]
            for p in items:
                if not _PROCEDURE.fullmatch(p):
                    return Rejection("unknown_procedure", f"procedure {p[:20]!r} is not an ICD-9 procedure code")
            procedures = ";".join(items)
            if len(procedures) > 200:
                return Rejection("bad_value", "procedures: at most 200 characters")
        rules = self.day_rules(date_from)
        if rules is None:
            return Rejection("bad_date", f"date_from {from_text}: the rulebook does not cover this date")
        entry: Catalogued | None
        if care_form in _SERVICE_FORMS:
            if case_group:
                return Rejection(
                    "bad_value", f"case_group {case_group[:40]!r}: {care_form} records are billed by a service_code"
                )
            if not service_code:
                return Rejection("missing_field", f"service_code is empty: {care_form} records are billed by one")
            entry = rules.services.get(service_code)
            if entry is None or care_form not in entry.forms:
                where = "in the price list" if entry is None else f"billed as {care_form}"
                return Rejection(
                    "unknown_service_code", f"service_code {service_code[:40]!r} is not {where} on {from_text}"
                )
        else:
            if service_code:
                return Rejection(
                    "bad_value", f"service_code {service_code[:40]!r}: {care_form} records are billed by a case_group"
                )
            if not case_group:
                return Rejection("missing_field", f"case_group is empty: {care_form} records are billed by one")
            entry = rules.case_groups.get(case_group)
            if entry is None or care_form not in entry.forms:
                where = "a clinical cost group" if entry is None else f"billed as {care_form}"
                return Rejection("unknown_case_group", f"case_group {case_group[:40]!r} is not {where} on {from_text}")
        days = rules.readmission_days
        content = "\x1f".join(
            (
                iin,
                care_form,
                care_type,
                service_code,
                case_group,
                icd10,
                procedures,
                from_text,
                to_text,
                outcome,
                "1" if referral else "0",
                "1" if emergency else "0",
                str(quantity),
                doctor_iin,
            )
        )
        if at_home or remote or preventive_child:  # a record without flags keeps its digest
            content += "\x1f" + "".join("1" if f else "0" for f in (at_home, remote, preventive_child))
        return Parsed(
            record_id=record_id,
            provider_id=provider_id,
            iin=iin,
            care_form=care_form,
            care_type=care_type,
            service_code=service_code or None,
            case_group=case_group or None,
            icd10=icd10,
            procedures=procedures or None,
            date_from=date_from,
            date_to=date_to,
            outcome=outcome,
            referral=referral,
            emergency=emergency,
            quantity=quantity,
            doctor_iin=doctor_iin or None,
            at_home=at_home,
            remote=remote,
            preventive_child=preventive_child,
            month=date_to.replace(day=1),
            digest=hashlib.md5(content.encode(), usedforsecurity=False).hexdigest(),
            cat_sex=entry.sex,
            born_by=None if entry.age_min is None else self._years_before(date_from, entry.age_min),
            born_after=None if entry.age_max is None else self._years_before(date_from, entry.age_max + 1),
            needs_referral=care_form in rules.referral_forms or entry.referral,
            readmit_from=None if days is None else date_from - timedelta(days=days),
        )


def _bad_iin(column: str, text: str) -> Rejection:
    result = check_iin(text)
    problems = "; ".join(e.message for e in result.errors) or "not a valid IIN"
    return Rejection("bad_iin", f"{column} {text[:20]!r}: {problems}")
