"""The care types of the benefit packages (docs/benefits.md): code, name in kk/ru/en, planned or emergency.

The codes are the rulebooks' closed vocabulary (``osms.benefits.rulebook.CARE_TYPE_CODES``); which
package holds a care type on a date is rulebook data (``benefits.yaml``), not this catalogue.
Names are English message ids, translated by the kk/ru catalogs (``osms.core.i18n``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from osms.benefits.rulebook import CARE_TYPE_CODES
from osms.core.errors import InvalidInput
from osms.core.i18n import N_, gettext

Nature = Literal["planned", "emergency"]
LANGS = ("kk", "ru", "en")


@dataclass(frozen=True, slots=True)
class CareType:
    code: str
    name: str  # English msgid
    nature: Nature

    def names(self) -> dict[str, str]:
        return {lang: gettext(lang, self.name) for lang in LANGS}

    def as_dict(self) -> dict[str, Any]:
        return {"code": self.code, "name": self.names(), "nature": self.nature}


CARE_TYPES: dict[str, CareType] = {
    c.code: c
    for c in (
        CareType("ambulance", N_("Ambulance"), "emergency"),
        CareType("air_ambulance", N_("Air ambulance (sanitary aviation)"), "emergency"),
        CareType("phc", N_("Primary health care"), "planned"),
        CareType("emergency", N_("Urgent and emergency care"), "emergency"),
        CareType("palliative", N_("Palliative care"), "planned"),
        CareType("nursing", N_("Nursing care"), "planned"),
        CareType("vaccination", N_("Preventive vaccination"), "planned"),
        CareType("consult_diag", N_("Consultative and diagnostic care (specialists, diagnostics)"), "planned"),
        CareType("high_tech", N_("High-technology medical care"), "planned"),
        CareType("day_hospital", N_("Day hospital"), "planned"),
        CareType("inpatient_planned", N_("Planned round-the-clock hospital care"), "planned"),
        CareType("inpatient_emergency", N_("Emergency hospital care"), "emergency"),
        CareType("home_hospital", N_("Home hospital"), "planned"),
        CareType("rehabilitation", N_("Medical rehabilitation"), "planned"),
        CareType("outpatient_drugs", N_("Outpatient drugs by the ministry's list"), "planned"),
        CareType("dentistry_adult", N_("Dentistry for adults"), "planned"),
        CareType("dentistry_child", N_("Dentistry for children"), "planned"),
        CareType("sanatorium", N_("Sanatorium and resort treatment"), "planned"),
        CareType("cosmetology", N_("Cosmetology"), "planned"),
        CareType("abroad", N_("Treatment abroad"), "planned"),
        CareType("ivf", N_("In vitro fertilisation (IVF)"), "planned"),
    )
}
assert tuple(CARE_TYPES) == CARE_TYPE_CODES, "the catalogue and the rulebooks' vocabulary differ"


class UnknownCareType(InvalidInput):
    code = "unknown_care_type"


def care_type(code: str) -> CareType:
    """The care type of ``code``, or UnknownCareType (422) naming the known codes."""
    found = CARE_TYPES.get(code.strip().lower()) if isinstance(code, str) else None
    if found is None:
        raise UnknownCareType(f"unknown care type {code!r} (known: {', '.join(CARE_TYPES)})")
    return found


def catalogue() -> list[dict[str, Any]]:
    """Every care type, in the catalogue's order, as JSON-friendly dicts."""
    return [c.as_dict() for c in CARE_TYPES.values()]
