"""Entitlement: is this care free, and from which package (docs/benefits.md)? Pure: no database.

The decision for (care type, date, residency, insured?, ICD-10 diagnosis, emergency?, referral?)
follows docs/benefits.md in this order, and every step that applies names its rulebook entry:

1. the care type is never covered (adult dentistry, sanatorium, cosmetology, abroad) → none;
2. emergency (the flag, or a care type of emergency nature) → GOBMP, whoever the person is;
3. a diagnosis dangerous to others, for care that treats it → GOBMP for everyone on the territory;
4. a GOBMP care type, or a socially significant diagnosis (care that treats it), for a resident
   eligible for GOBMP → GOBMP;
5. an OSMS care type for an insured person eligible for OSMS, with a referral when the care
   type needs one → OSMS (before the insurance package began there is no OSMS package);
6. otherwise → none, with the reasons why.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal

from osms.benefits.catalogue import LANGS, CareType, care_type
from osms.benefits.rulebook import BenefitsTopic, Disease, icd10_code, icd10_description
from osms.core.errors import InvalidInput
from osms.core.i18n import N_, format_sentence_day, gettext, label
from osms.rulebooks.horizon import NOT_PROVISIONAL, Horizon, horizon_of
from osms.rulebooks.loader import Entry, Rulebook

Package = Literal["GOBMP", "OSMS", "none"]

#: Headline of each answer.
PACKAGE_MESSAGES: dict[str, str] = {
    "GOBMP": N_("Free: the guaranteed volume of free medical care (GOBMP)"),
    "OSMS": N_("Free: the compulsory social health insurance package (OSMS)"),
    "none": N_("Not covered: the patient pays, or voluntary insurance"),
}

#: Every reason code and its sentence (English msgid; ``%(name)s`` placeholders).
REASONS: dict[str, str] = {
    "never_covered": N_(
        "«%(care)s» is in neither package: the guaranteed free volume (GOBMP) and the insurance (OSMS) never cover it."
    ),
    "emergency": N_("Emergency care is free for everyone, whatever the insurance status (GOBMP)."),
    "dangerous_disease": N_(
        "%(code)s falls under «%(disease)s», a disease dangerous to others: its care is free for everyone "
        "on the territory of Kazakhstan (GOBMP)."
    ),
    "gobmp_care_type": N_("«%(care)s» is in the guaranteed free volume (GOBMP) for this person (%(residency)s)."),
    "socially_significant": N_(
        "%(code)s falls under «%(disease)s», a socially significant disease: its care is free within GOBMP, "
        "insured or not."
    ),
    "not_gobmp_resident": N_(
        "%(residency)s: no guaranteed free volume beyond emergency care and diseases dangerous to others."
    ),
    "unknown_person": N_(
        "The person is not in the registry: only emergency care and care for diseases dangerous to others are free."
    ),
    "no_osms_package": N_("There was no insurance package (OSMS) on %(date)s: it began on %(starts)s."),
    "osms_covered": N_("«%(care)s» is in the insurance package (OSMS) and the person is insured."),
    "osms_not_insured": N_(
        "«%(care)s» is in the insurance package (OSMS), but the person is not insured on this date: "
        "contributions (and any arrears) must be paid first."
    ),
    "osms_not_resident": N_("%(residency)s: not eligible for the insurance package (OSMS)."),
    "referral_needed": N_(
        "«%(care)s» is planned care: the insurance package covers it only on a referral from primary care "
        "or a specialist."
    ),
    "not_in_packages": N_("«%(care)s» is in neither package on this date."),
}


class UnknownIcd10(InvalidInput):
    code = "unknown_icd10"


def diagnosis_code(text: str) -> str:
    """The ICD-10 category or subcategory of ``text`` (``a15.0``, ``A150``), or UnknownIcd10 (422)."""
    code = icd10_code(text) if isinstance(text, str) else None
    if code is None:
        raise UnknownIcd10(
            f"unknown ICD-10 code {text!r}: give a WHO ICD-10 category or subcategory, e.g. A15 or A15.0"
        )
    return code


@dataclass(frozen=True, slots=True)
class Reason:
    code: str
    params: Mapping[str, Any] = field(default_factory=dict)

    def message(self, lang: str) -> str:
        params = {k: (v(lang) if callable(v) else v) for k, v in self.params.items()}
        return gettext(lang, REASONS[self.code], **params)

    def as_dict(self) -> dict[str, Any]:
        return {"code": self.code, "message": {lang: self.message(lang) for lang in LANGS}}


@dataclass(frozen=True, slots=True)
class Diagnosis:
    code: str
    description: str
    socially_significant: Disease | None
    dangerous: Disease | None

    def title(self, lang: str) -> str:
        """The diagnosis as a reader of ``lang`` sees it. English: the code and WHO's title. Kazakh
        and Russian: no source of the ICD-10 titles in these languages is at hand (docs/benefits.md),
        so the code with the words of the list it falls under (``E11.9 (сахарный диабет)``), or
        the code alone: never WHO's English title inside a kk or ru text."""
        if lang == "en":
            return f"{self.code} {self.description}"
        disease = self.dangerous or self.socially_significant
        return f"{self.code} ({disease.title[lang]})" if disease is not None else self.code

    def as_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "description": self.description,
            "title": {lang: self.title(lang) for lang in LANGS},
            "socially_significant": dict(self.socially_significant.title) if self.socially_significant else None,
            "dangerous": dict(self.dangerous.title) if self.dangerous else None,
        }


@dataclass(frozen=True, slots=True)
class Decision:
    covered_by: Package
    care_type: CareType
    on: date
    rulebook: str
    emergency: bool
    referral: bool
    residency: str | None
    insured: bool
    diagnosis: Diagnosis | None
    reasons: tuple[Reason, ...]
    rules: tuple[str, ...]
    horizon: Horizon = NOT_PROVISIONAL  # provisional past the rulebook's confirmed horizon

    def headline(self) -> dict[str, str]:
        return {lang: gettext(lang, PACKAGE_MESSAGES[self.covered_by]) for lang in LANGS}

    def as_dict(self) -> dict[str, Any]:
        return {
            "covered_by": self.covered_by,
            "care_type": self.care_type.as_dict(),
            "date": self.on.isoformat(),
            "emergency": self.emergency,
            "referral": self.referral,
            "residency": self.residency,
            "diagnosis": self.diagnosis.as_dict() if self.diagnosis else None,
            "message": self.headline(),
            "reasons": [r.as_dict() for r in self.reasons],
            "rulebook": self.rulebook,
            "rules": list(self.rules),
        } | self.horizon.as_dict()


def _day(on: date) -> Any:
    return lambda lang: format_sentence_day(lang, on)


def _disease(disease: Disease) -> Any:
    return lambda lang: disease.title[lang]


def decide(
    *,
    rulebook: Rulebook,
    on: date,
    care: str,
    residency: str | None,
    insured: bool,
    icd10: str | None = None,
    emergency: bool = False,
    referral: bool = False,
) -> Decision:
    """Which package covers ``care`` on ``on`` for this person (docs/benefits.md), with reasons and rules.

    ``residency`` is the registry's (None: the person is not in the registry); ``insured`` the
    status answer's. Raises UnknownCareType, UnknownIcd10, DateOutsideRulebook.
    """
    kind = care_type(care)
    rulebook.check_date(on)
    code = diagnosis_code(icd10) if icd10 else None
    reasons: list[Reason] = []
    rules: list[str] = []
    care_name = {lang: gettext(lang, kind.name) for lang in LANGS}

    def care_param(lang: str) -> str:
        return care_name[lang]

    def residency_param(lang: str) -> str:
        return label(lang, "residency", residency) if residency else ""

    def use(entry: Entry | None) -> None:
        if entry is not None and entry.id not in rules:
            rules.append(entry.id)

    diagnosis: Diagnosis | None = None
    treats = rulebook.topic(BenefitsTopic).care_type_list("disease_care_types", on)
    ssd_list = rulebook.topic(BenefitsTopic).disease_list("socially_significant", on)
    dangerous_list = rulebook.topic(BenefitsTopic).disease_list("dangerous", on)
    if code is not None:
        diagnosis = Diagnosis(
            code=code,
            description=icd10_description(code),
            socially_significant=ssd_list.find(code),
            dangerous=dangerous_list.find(code),
        )
    disease_care = treats is not None and kind.code in treats.care_types

    def done(package: Package) -> Decision:
        return Decision(
            covered_by=package,
            care_type=kind,
            on=on,
            rulebook=rulebook.name,
            emergency=emergency,
            referral=referral,
            residency=residency,
            insured=insured,
            diagnosis=diagnosis,
            reasons=tuple(reasons),
            rules=tuple(rules),
            horizon=horizon_of(rulebook, on, rules),
        )

    # 1. never covered
    never = rulebook.topic(BenefitsTopic).care_type_list("never_covered", on)
    if never is not None and kind.code in never.care_types:
        use(never)
        reasons.append(Reason("never_covered", {"care": care_param}))
        return done("none")

    # 2. emergency: never depends on status or residency
    if emergency or kind.nature == "emergency":
        reasons.append(Reason("emergency"))
        return done("GOBMP")

    # 3. diseases dangerous to others: everyone on the territory
    if diagnosis is not None and diagnosis.dangerous is not None and disease_care:
        use(treats)
        use(dangerous_list)
        reasons.append(Reason("dangerous_disease", {"code": code, "disease": _disease(diagnosis.dangerous)}))
        return done("GOBMP")

    # 4. GOBMP care type or socially significant disease, for an eligible resident
    gobmp = rulebook.topic(BenefitsTopic).care_type_list("gobmp_care_types", on)
    gobmp_who = rulebook.topic(BenefitsTopic).residency_rule("gobmp_residency", on)
    gobmp_eligible = residency is not None and residency in gobmp_who.residencies
    in_gobmp = gobmp is not None and kind.code in gobmp.care_types
    ssd = diagnosis.socially_significant if diagnosis is not None and disease_care else None
    if (in_gobmp or ssd is not None) and not gobmp_eligible:
        use(gobmp_who)
        if residency is None:
            reasons.append(Reason("unknown_person"))
        else:
            reasons.append(Reason("not_gobmp_resident", {"residency": residency_param}))
    elif in_gobmp:
        use(gobmp)
        use(gobmp_who)
        reasons.append(Reason("gobmp_care_type", {"care": care_param, "residency": residency_param}))
        return done("GOBMP")
    elif ssd is not None:
        use(treats)
        use(ssd_list)
        use(gobmp_who)
        reasons.append(Reason("socially_significant", {"code": code, "disease": _disease(ssd)}))
        return done("GOBMP")

    # 5. OSMS care type for an insured, eligible person, with a referral for planned care
    osms = rulebook.topic(BenefitsTopic).care_type_list("osms_care_types", on)
    if osms is None:
        starts = next(iter(rulebook.series("benefits.osms_care_types")), None)
        if starts is not None and on < starts.valid_from:
            use(starts)
            reasons.append(Reason("no_osms_package", {"date": _day(on), "starts": _day(starts.valid_from)}))
        elif not in_gobmp:
            reasons.append(Reason("not_in_packages", {"care": care_param}))
        return done("none")
    if kind.code not in osms.care_types:
        if not in_gobmp:
            use(osms)
            reasons.append(Reason("not_in_packages", {"care": care_param}))
        return done("none")
    use(osms)
    osms_who = rulebook.topic(BenefitsTopic).residency_rule("osms_residency", on)
    if residency is None:
        if not any(r.code == "unknown_person" for r in reasons):
            reasons.append(Reason("unknown_person"))
        return done("none")
    if residency not in osms_who.residencies:
        use(osms_who)
        reasons.append(Reason("osms_not_resident", {"residency": residency_param}))
        return done("none")
    use(osms_who)
    if not insured:
        reasons.append(Reason("osms_not_insured", {"care": care_param}))
        return done("none")
    needs = rulebook.topic(BenefitsTopic).care_type_list("referral_required", on)
    if needs is not None and kind.code in needs.care_types and not referral:
        use(needs)
        reasons.append(Reason("referral_needed", {"care": care_param}))
        return done("none")
    if needs is not None and kind.code in needs.care_types:
        use(needs)
    reasons.append(Reason("osms_covered", {"care": care_param}))
    return done("OSMS")
