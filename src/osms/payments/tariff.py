"""The tariff calculator (docs/payments.md, "The tariff calculator"): pure, no database, no I/O.

``price(book, care_form, on, ...)`` answers what the fund pays for one treated case (a clinical
cost group) or one service (a code of the price list) on a day, under a rulebook:

    price = round_half_up(base × weight × share, 0.01)

- a case: ``base`` is the base rate of the clinical cost groups, ``weight`` the form's own
  published weight where one exists (the day-hospital weight for a day hospital, the
  admission-department weight for an admission), else the round-the-clock weight, and ``share``
  the product of the special rules that apply (day hospital, the listed procedures, hospital at
  home, admission within 24 hours, a death or a transfer within 3 days);
- a service: ``base`` is its price, ``weight`` 1, ``share`` the product of its factors (at home,
  remote, a consultation inside a child's preventive examination).

Shares are exact fractions (``1/6``), so the only rounding is the last one, half-up. The answer
names every rulebook entry applied (``rules``) and explains itself in kk, ru and en; a refusal is
a ``TariffError`` with a reason code and a sentence in the three languages.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from fractions import Fraction
from typing import Any, Final

from babel.numbers import format_decimal

from osms.claims.rulebook import Catalogued, ClaimsTopic
from osms.claims.vocabulary import CARE_FORMS, CASE_GROUP_FORMS, OUTCOMES, SERVICE_FORMS
from osms.core.config import LANGUAGES
from osms.core.errors import OsmsError
from osms.core.i18n import N_, format_money, format_sentence_day, gettext
from osms.payments.rulebook import PROCEDURE_RE, PaymentsTopic, ShareRule, format_share, is_synthetic
from osms.rulebooks.entries import Entry, UnknownRulebook
from osms.rulebooks.horizon import Horizon, horizon_of
from osms.rulebooks.loader import Rulebook, load_rulebook

__all__ = ["REFUSALS", "STEPS", "TariffAnswer", "TariffError", "open_rulebook", "parse_day", "price"]

#: The most bed-days a case may have.
MAX_BED_DAYS: Final = 3650
#: Outcomes that end a case early (the short-stay rules look at them).
DEATH: Final = "died"
EARLY_END: Final = ("transferred", "self_discharge")

#: Why a price cannot be given: the reason codes and their sentences.
REFUSALS: Final[dict[str, str]] = {
    "unknown_rulebook": N_("There is no rulebook named %(name)s."),
    "bad_date": N_("Write the date as YYYY-MM-DD."),
    "date_outside_rulebook": N_("The rules do not cover %(date)s."),
    "unknown_care_form": N_("Unknown form of care: %(form)s."),
    "code_required": N_("Give a clinical cost group or a service code."),
    "one_code": N_("Give either a clinical cost group or a service code, not both."),
    "case_group_form": N_("This form of care is paid by a clinical cost group, not by a service code."),
    "service_form": N_("This form of care is paid by a service code, not by a clinical cost group."),
    "paid_per_capita": N_("On %(date)s this form of care is paid per attached person, not per service."),
    "no_method": N_("On %(date)s the rules set no way to pay this form of care."),
    "unknown_case_group": N_("The clinical cost group %(code)s is not in the list on %(date)s."),
    "unknown_service_code": N_("The service code %(code)s is not in the price list on %(date)s."),
    "form_not_allowed": N_("%(code)s is not given in this form of care."),
    "no_base_rate": N_("No base rate of the clinical cost groups is in force on %(date)s."),
    "no_weight": N_("The group %(code)s has no cost weight in force on %(date)s."),
    "no_price": N_("The service %(code)s has no price in force on %(date)s."),
    "no_form_tariff": N_("On %(date)s no tariff of this form of care is in force for the group %(code)s."),
    "unknown_outcome": N_("Unknown outcome: %(outcome)s."),
    "bed_days_required": N_(
        "Give the bed-days: a case that ended by death, transfer or self-discharge is paid by its length."
    ),
    "bad_bed_days": N_("The bed-days must be a whole number from 0 to 3650."),
    "bad_procedure": N_("%(code)s is not an ICD-9 procedure code."),
    "home_and_remote": N_("A service is given either at home or remotely, not both."),
    "service_flags": N_("At home, remotely and in a child's preventive examination apply to services, not to cases."),
    "case_fields": N_("Outcome, bed-days and procedures apply to cases, not to services."),
    "rule_not_in_force": N_("On %(date)s no rule of the tariff applies to a service given %(how)s."),
}

#: How a service was given, in the sentence of ``rule_not_in_force``.
HOW: Final[dict[str, str]] = {
    "home_visit_factor": N_("at home"),
    "remote_factor": N_("remotely"),
    "preventive_child_share": N_("in a child's preventive examination"),
}

#: The sentences of the explanation, one per step applied.
STEPS: Final[dict[str, str]] = {
    "formula": N_("%(base)s × %(weight)s × %(share)s = %(price)s tenge, rounded to the tiyn."),
    "base_rate": N_("Base rate of the clinical cost groups: %(base)s tenge (%(source)s)."),
    "weight_inpatient": N_("Cost weight of the group %(code)s: %(weight)s (%(source)s)."),
    "weight_day": N_("Day-hospital weight of the group %(code)s: %(weight)s (%(source)s)."),
    "weight_admission": N_("Admission-department weight of the group %(code)s: %(weight)s (%(source)s)."),
    "service_price": N_("Price of the service %(code)s: %(price)s tenge (%(source)s)."),
    "full_case": N_("A treated case is paid in full."),
    "day_hospital_share": N_("Day hospital: %(share)s of the round-the-clock tariff (%(source)s)."),
    "day_hospital_procedures": N_(
        "Day hospital with the procedure %(procedure)s: %(share)s of the round-the-clock tariff (%(source)s)."
    ),
    "home_hospital_share": N_("Hospital at home: %(share)s of the round-the-clock tariff (%(source)s)."),
    "admission_share": N_("Admission department, a stay of at most 24 hours: %(share)s of the tariff (%(source)s)."),
    "short_death_share": N_("Death within %(days)s days of admission: %(share)s of the tariff (%(source)s)."),
    "short_stay": N_(
        "Stay of %(bed_days)s bed-days ended by a transfer or a self-discharge: %(share)s of the tariff (%(source)s)."
    ),
    "home_visit_factor": N_("Given at home: the price × %(share)s (%(source)s)."),
    "remote_factor": N_("Given remotely: the price × %(share)s (%(source)s)."),
    "preventive_child_share": N_(
        "A consultation in a child's preventive examination: %(share)s of the price (%(source)s)."
    ),
}

Param = str | int | Decimal | date | Fraction
ENGLISH: Final = "en"


class TariffError(OsmsError):
    """A price cannot be given; ``code`` is one of ``REFUSALS``, ``params`` fill its sentence."""

    status = 422

    def __init__(self, reason: str, /, **params: Param) -> None:
        self.params: dict[str, Param] = params
        super().__init__(_sentence(ENGLISH, REFUSALS[reason], params), code=reason)

    def sentences(self) -> dict[str, str]:
        """The refusal in kk, ru and en."""
        return {lang: _sentence(lang, REFUSALS[self.code], self.params) for lang in LANGUAGES}


def _sentence(lang: str, msgid: str, params: Mapping[str, Param]) -> str:
    return gettext(lang, msgid, **_words(lang, params))


def _words(lang: str, params: Mapping[str, Param]) -> dict[str, str]:
    out: dict[str, str] = {}
    for name, value in params.items():
        if isinstance(value, date):
            out[name] = format_sentence_day(lang, value)
        elif isinstance(value, Fraction):
            out[name] = share_words(lang, value)
        elif isinstance(value, Decimal):
            out[name] = format_money(lang, value) if name in ("base", "price") else _number(lang, value)
        elif name == "how":
            out[name] = gettext(lang, HOW[str(value)])
        else:
            out[name] = str(value)
    return out


def _number(lang: str, value: Decimal) -> str:
    return format_decimal(value, format="#,##0.##########", locale=lang)


def share_words(lang: str, share: Fraction) -> str:
    """A share in a sentence: a percentage when it is one below 100% (``40%``), else exact (``1/6``, ``2``)."""
    text = format_share(share)
    if share < 1 and "/" not in text:
        return format_decimal(Decimal(text) * 100, format="#,##0.###", locale=lang) + "%"
    return text if "/" in text else format_decimal(Decimal(text), format="#,##0.###", locale=lang)


@dataclass(frozen=True, slots=True)
class Step:
    """One sentence of the explanation: a code of ``STEPS`` and its parameters."""

    code: str
    params: Mapping[str, Param] = field(default_factory=dict)

    def sentence(self, lang: str) -> str:
        return gettext(lang, STEPS[self.code], **_words(lang, self.params))


@dataclass(frozen=True, slots=True)
class TariffAnswer:
    """A price with what it was made of."""

    rulebook: str
    care_form: str
    on: date
    case_group: str | None
    service_code: str | None
    price: Decimal
    base: Decimal
    weight: Decimal
    share: Fraction
    entries: tuple[Entry, ...]
    steps: tuple[Step, ...]
    horizon: Horizon

    @property
    def rules(self) -> list[str]:
        """The ids of the rulebook entries applied."""
        return [e.id for e in self.entries]

    @property
    def verified(self) -> bool:
        """True when every entry applied is verified against the published law."""
        return all(e.verified for e in self.entries)

    @property
    def synthetic(self) -> bool:
        """True when a row of a synthetic table was applied."""
        return any(is_synthetic(e) for e in self.entries)

    def explanation(self) -> dict[str, str]:
        """The whole computation in a few sentences, in kk, ru and en."""
        return {lang: " ".join(step.sentence(lang) for step in self.steps) for lang in LANGUAGES}

    def as_dict(self) -> dict[str, Any]:
        return {
            "price": f"{self.price:.2f}",
            "base": f"{self.base:.2f}",
            "weight": str(self.weight),
            "share": format_share(self.share),
            "rules": self.rules,
            "explanation": self.explanation(),
            "rulebook": self.rulebook,
            "care_form": self.care_form,
            "date": self.on.isoformat(),
            "case_group": self.case_group,
            "service_code": self.service_code,
            "verified": self.verified,
            "synthetic": self.synthetic,
            **self.horizon.as_dict(),
        }


# --------------------------------------------------------------------------------------------
# Reading the inputs


def open_rulebook(name: str) -> Rulebook:
    """``load_rulebook`` with the calculator's refusal (``unknown_rulebook``)."""
    try:
        return load_rulebook(name)
    except UnknownRulebook:
        raise TariffError("unknown_rulebook", name=name) from None


def parse_day(text: str) -> date:
    """``YYYY-MM-DD``; ``TariffError(bad_date)`` otherwise."""
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise TariffError("bad_date") from None


def round_half_up(value: Fraction) -> Decimal:
    """``value`` (not negative) rounded half-up to 0.01, exactly."""
    cents = math.floor(value * 100 + Fraction(1, 2))
    return Decimal(cents).scaleb(-2)


# --------------------------------------------------------------------------------------------
# The calculator


def price(
    book: Rulebook,
    care_form: str,
    on: date,
    *,
    case_group: str | None = None,
    service_code: str | None = None,
    outcome: str | None = None,
    bed_days: int | None = None,
    procedures: Iterable[str] = (),
    at_home: bool = False,
    remote: bool = False,
    preventive_child: bool = False,
) -> TariffAnswer:
    """What the fund pays for one case or service (the module's docstring); ``TariffError`` if nothing."""
    if care_form not in CARE_FORMS:
        raise TariffError("unknown_care_form", form=care_form)
    if not book.covers(on):
        raise TariffError("date_outside_rulebook", date=on)
    case_group = (case_group or "").strip() or None
    service_code = (service_code or "").strip() or None
    if case_group is None and service_code is None:
        raise TariffError("code_required")
    if case_group is not None and service_code is not None:
        raise TariffError("one_code")
    if outcome is not None and outcome not in OUTCOMES:
        raise TariffError("unknown_outcome", outcome=outcome)
    if bed_days is not None and not 0 <= bed_days <= MAX_BED_DAYS:
        raise TariffError("bad_bed_days")
    codes = tuple(dict.fromkeys(p.strip() for p in procedures if p.strip()))
    for code in codes:
        if not PROCEDURE_RE.match(code):
            raise TariffError("bad_procedure", code=code)
    topic = book.topic(PaymentsTopic)
    method = topic.method(care_form, on)
    if method is None:
        raise TariffError("no_method", date=on)
    if method == "per_capita":
        raise TariffError("paid_per_capita", date=on)
    if care_form in CASE_GROUP_FORMS:
        if case_group is None:
            raise TariffError("case_group_form")
        if at_home or remote or preventive_child:
            raise TariffError("service_flags")
        return _case(book, topic, care_form, on, case_group, outcome, bed_days, codes)
    assert care_form in SERVICE_FORMS
    if service_code is None:
        raise TariffError("service_form")
    if outcome is not None or bed_days is not None or codes:
        raise TariffError("case_fields")
    if at_home and remote:
        raise TariffError("home_and_remote")
    return _service(book, topic, care_form, on, service_code, at_home, remote, preventive_child)


def _catalogued(book: Rulebook, kind: str, code: str, care_form: str, on: date) -> Catalogued:
    claims = book.topic(ClaimsTopic)
    catalogue = claims.case_groups(on) if kind == "case_group" else claims.services(on)
    found = catalogue.get(code)
    if found is None:
        raise TariffError("unknown_case_group" if kind == "case_group" else "unknown_service_code", code=code, date=on)
    if care_form not in found.forms:
        raise TariffError("form_not_allowed", code=code)
    return found


def _case(
    book: Rulebook,
    topic: PaymentsTopic,
    care_form: str,
    on: date,
    code: str,
    outcome: str | None,
    bed_days: int | None,
    procedures: Sequence[str],
) -> TariffAnswer:
    group = _catalogued(book, "case_group", code, care_form, on)
    base = topic.base_rate(on)
    if base is None:
        raise TariffError("no_base_rate", date=on)
    weights = topic.weight(code, on)
    if weights is None:
        raise TariffError("no_weight", code=code, date=on)
    entries: list[Entry] = [group, base, weights]
    steps = [Step("base_rate", {"base": base.value, "source": base.source})]
    weight = weights.inpatient_weight
    weight_step = "weight_inpatient"
    share = Fraction(1)

    def apply(rule: ShareRule, step: str, **params: Param) -> None:
        nonlocal share
        share *= rule.share
        entries.append(rule)
        steps.append(Step(step, {"share": rule.share, "source": rule.source, **params}))

    if care_form == "day_hospital":
        listed = topic.share("day_hospital_procedures", on)
        matched = [p for p in procedures if listed is not None and p in listed.procedures]
        day_share = topic.share("day_hospital_share", on)
        if listed is not None and matched:
            apply(listed, "day_hospital_procedures", procedure=matched[0])
        elif weights.day_weight is not None:
            weight, weight_step = weights.day_weight, "weight_day"
        elif day_share is not None:
            apply(day_share, "day_hospital_share")
        else:
            raise TariffError("no_form_tariff", code=code, date=on)
    elif care_form == "home_hospital":
        home = topic.share("home_hospital_share", on)
        if home is None:
            raise TariffError("no_form_tariff", code=code, date=on)
        apply(home, "home_hospital_share")
    elif care_form == "admission":
        admission = topic.share("admission_share", on)
        if weights.admission_weight is not None:
            weight, weight_step = weights.admission_weight, "weight_admission"
        elif admission is not None:
            apply(admission, "admission_share")
        else:
            raise TariffError("no_form_tariff", code=code, date=on)
    else:  # inpatient: the short stays of PAY п.81
        death = topic.share("short_death_share", on) if outcome == DEATH else None
        early = topic.short_stay(on) if outcome in EARLY_END else None
        if (death is not None or early is not None) and bed_days is None:
            raise TariffError("bed_days_required")
        assert bed_days is not None or (death is None and early is None)
        if death is not None and bed_days is not None and bed_days <= (death.max_days or 0):
            apply(death, "short_death_share", days=death.max_days or 0)
        elif early is not None and bed_days is not None and bed_days <= early.max_days:
            days = max(bed_days, 1)  # a stay shorter than a day counts as one bed-day (ours)
            part = min(Fraction(days, early.divisor), Fraction(1))
            share *= part
            entries.append(early)
            steps.append(Step("short_stay", {"bed_days": days, "share": part, "source": early.source}))
        else:
            steps.append(Step("full_case"))
    steps.insert(1, Step(weight_step, {"code": code, "weight": weight, "source": weights.source}))
    return _answer(book, care_form, on, code, None, base.value, weight, share, entries, steps)


def _service(
    book: Rulebook,
    topic: PaymentsTopic,
    care_form: str,
    on: date,
    code: str,
    at_home: bool,
    remote: bool,
    preventive_child: bool,
) -> TariffAnswer:
    service = _catalogued(book, "service", code, care_form, on)
    found = topic.price(code, on)
    if found is None:
        raise TariffError("no_price", code=code, date=on)
    entries: list[Entry] = [service, found]
    steps = [Step("service_price", {"code": code, "price": found.price, "source": found.source})]
    share = Fraction(1)
    for wanted, name, own in (
        (at_home, "home_visit_factor", found.home_factor),
        (remote, "remote_factor", found.remote_factor),
        (preventive_child, "preventive_child_share", None),
    ):
        if not wanted:
            continue
        if own is not None:
            share *= own
            steps.append(Step(name, {"share": own, "source": found.source}))
            continue
        rule = topic.share(name, on)
        if rule is None:
            raise TariffError("rule_not_in_force", date=on, how=name)
        share *= rule.share
        entries.append(rule)
        steps.append(Step(name, {"share": rule.share, "source": rule.source}))
    return _answer(book, care_form, on, None, code, found.price, Decimal(1), share, entries, steps)


def _answer(
    book: Rulebook,
    care_form: str,
    on: date,
    case_group: str | None,
    service_code: str | None,
    base: Decimal,
    weight: Decimal,
    share: Fraction,
    entries: list[Entry],
    steps: list[Step],
) -> TariffAnswer:
    amount = round_half_up(Fraction(base) * Fraction(weight) * share)
    formula = Step("formula", {"base": base, "weight": weight, "share": share, "price": amount})
    unique = tuple(dict((e.id, e) for e in entries).values())
    return TariffAnswer(
        rulebook=book.name,
        care_form=care_form,
        on=on,
        case_group=case_group,
        service_code=service_code,
        price=amount,
        base=base,
        weight=weight,
        share=share,
        entries=unique,
        steps=(formula, *steps),
        horizon=horizon_of(book, on, (e.id for e in unique)),
    )
