"""Registry rules: the lists and the checks of one incoming row (pure: no I/O).

Residency statuses, family relations and category codes: docs/domain.md; which categories are state-paid:
docs/status.md.
Each check returns the cleaned values or a ``Rejection`` with a stable reason code.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Final

from osms.core.i18n import N_, translator
from osms.core.identity import check_bin, check_iin
from osms.core.rows import Rejection, Row
from osms.registry.rulebook import CATEGORY_CODES as RULEBOOK_CATEGORY_CODES

RESIDENCY: Final = (
    "citizen",
    "kandas",
    "refugee",
    "asylum_seeker",
    "foreigner_permit",
    "stateless_permit",
    "eaeu_migrant",
    "foreigner_temporary",
)
RELATIONS: Final = ("parent", "guardian", "spouse")
PAYER_KINDS: Final = ("employer", "individual_entrepreneur", "agent", "state", "local_budget")
# docs/status.md: the codes under which state-paid category memberships are held (one list, in the
# rulebooks, which say per period which codes are state-paid).
CATEGORY_CODES: Final = RULEBOOK_CATEGORY_CODES

PERSON_COLUMNS: Final = (
    "iin",
    "last_name",
    "first_name",
    "middle_name",
    "birth_date",
    "sex",
    "residency",
    "region",
    "address_code",
    "death_date",
)
CATEGORY_COLUMNS: Final = ("iin", "category", "valid_from", "valid_to", "source")
FAMILY_COLUMNS: Final = ("iin", "relative_iin", "relation")
PAYER_COLUMNS: Final = ("payer_id", "kind", "name", "region")

# Every reason a row can be rejected for, with the sentence shown in reports (kk and ru: ``reason``).
REASONS: Final = {
    "bad_row_shape": N_("the row does not have the columns of the header"),
    "bad_encoding": N_("the line is not UTF-8 text"),
    "bad_iin": N_("the IIN fails a check"),
    "bad_relative_iin": N_("the relative's IIN fails a check"),
    "missing_field": N_("a required field is empty"),
    "field_too_long": N_("a field is longer than allowed"),
    "bad_date": N_("a date is not a real date in the form YYYY-MM-DD"),
    "future_date": N_("a date lies in the future"),
    "bad_sex": N_("sex must be M or F"),
    "bad_residency": N_("unknown residency status"),
    "death_before_birth": N_("the death date is before the birth date"),
    "unknown_category": N_("unknown state-paid category code"),
    "bad_period": N_("valid_to is before valid_from"),
    "missing_source": N_("the source register is empty"),
    "bad_relation": N_("relation must be parent, guardian or spouse"),
    "self_link": N_("a person cannot be their own relative"),
    "bad_payer_kind": N_("unknown payer kind"),
    "bad_payer_id": N_("the payer's BIN/IIN fails a check"),
    "duplicate_key": N_("the same key appears earlier in the file"),
    "unknown_person": N_("the IIN is not in the person registry"),
    "unknown_relative": N_("the relative's IIN is not in the person registry"),
}


def reason(code: str, language: str = "en") -> str:
    """The sentence for a reason code in ``kk`` or ``ru``, else English (the code itself when unknown)."""
    sentence = REASONS.get(code)
    if sentence is None:
        return code
    return translator(language).gettext(sentence) if language in ("kk", "ru") else sentence


_MAX = {
    "last_name": 100,
    "first_name": 100,
    "middle_name": 100,
    "region": 16,
    "address_code": 32,
    "name": 300,
}


_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", re.ASCII).fullmatch


def _date(text: str, field: str, required: bool) -> date | None | Rejection:
    text = text.strip()
    if not text:
        return Rejection("missing_field", f"{field} is empty") if required else None
    try:
        if not _DATE(text):  # fromisoformat also takes week dates ("2024-W01-1")
            raise ValueError
        return date.fromisoformat(text)
    except ValueError:
        return Rejection("bad_date", f"{field} {text!r} is not a date YYYY-MM-DD")


def _text(values: dict[str, str], field: str, required: bool) -> str | None | Rejection:
    text = values[field].strip()
    if not text:
        return Rejection("missing_field", f"{field} is empty") if required else None
    if len(text) > _MAX.get(field, 200):
        return Rejection("field_too_long", f"{field} is longer than {_MAX.get(field, 200)} characters")
    return text


def _iin(text: str, code: str, label: str) -> str | Rejection:
    result = check_iin(text)
    if not result.valid:
        return Rejection(code, f"{label} {text.strip()!r}: " + "; ".join(e.message for e in result.errors))
    return result.number


def check_person(values: dict[str, str], today: date) -> Row | Rejection:
    """One row of persons.csv -> (iin, last, first, middle, birth, sex, residency, region, address, death)."""
    iin = _iin(values["iin"], "bad_iin", "IIN")
    if isinstance(iin, Rejection):
        return iin
    names = [_text(values, f, f != "middle_name") for f in ("last_name", "first_name", "middle_name")]
    for n in names:
        if isinstance(n, Rejection):
            return n
    birth = _date(values["birth_date"], "birth_date", False)
    if isinstance(birth, Rejection):
        return birth
    sex = values["sex"].strip().upper() or None
    if sex not in (None, "M", "F"):
        return Rejection("bad_sex", f"sex {values['sex']!r} must be M or F")
    residency = values["residency"].strip()
    if residency not in RESIDENCY:
        return Rejection("bad_residency", f"residency {residency!r} is not one of {', '.join(RESIDENCY)}")
    region = _text(values, "region", False)
    if isinstance(region, Rejection):
        return region
    address = _text(values, "address_code", False)
    if isinstance(address, Rejection):
        return address
    death = _date(values["death_date"], "death_date", False)
    if isinstance(death, Rejection):
        return death
    for label, d in (("birth_date", birth), ("death_date", death)):
        if d is not None and d > today:
            return Rejection("future_date", f"{label} {d.isoformat()} is in the future")
    if birth is not None and death is not None and death < birth:
        return Rejection("death_before_birth", f"death_date {death} is before birth_date {birth}")
    return (iin, names[0], names[1], names[2], birth, sex, residency, region, address, death)


def check_category(values: dict[str, str]) -> Row | Rejection:
    """One row of categories.csv -> (iin, category, valid_from, valid_to, source)."""
    iin = _iin(values["iin"], "bad_iin", "IIN")
    if isinstance(iin, Rejection):
        return iin
    category = values["category"].strip()
    if category not in CATEGORY_CODES:
        return Rejection("unknown_category", f"category {category!r} is not a state-paid category code")
    valid_from = _date(values["valid_from"], "valid_from", True)
    if isinstance(valid_from, Rejection):
        return valid_from
    valid_to = _date(values["valid_to"], "valid_to", False)
    if isinstance(valid_to, Rejection):
        return valid_to
    if valid_to is not None and valid_from is not None and valid_to < valid_from:
        return Rejection("bad_period", f"valid_to {valid_to} is before valid_from {valid_from}")
    source = values["source"].strip()
    if not source:
        return Rejection("missing_source", "source is empty: name the register the membership comes from")
    if len(source) > 200:
        return Rejection("field_too_long", "source is longer than 200 characters")
    return (iin, category, valid_from, valid_to, source)


def check_family(values: dict[str, str]) -> Row | Rejection:
    """One row of families.csv -> (iin, relative_iin, relation)."""
    iin = _iin(values["iin"], "bad_iin", "IIN")
    if isinstance(iin, Rejection):
        return iin
    relative = _iin(values["relative_iin"], "bad_relative_iin", "relative_iin")
    if isinstance(relative, Rejection):
        return relative
    relation = values["relation"].strip()
    if relation not in RELATIONS:
        return Rejection("bad_relation", f"relation {relation!r} must be parent, guardian or spouse")
    if iin == relative:
        return Rejection("self_link", f"{iin} cannot be their own {relation}")
    return (iin, relative, relation)


def check_payer(values: dict[str, str]) -> Row | Rejection:
    """One row of payers.csv -> (payer_id, kind, name, region).

    An individual entrepreneur is identified by the owner's IIN; every other payer by a BIN.
    """
    kind = values["kind"].strip()
    if kind not in PAYER_KINDS:
        return Rejection("bad_payer_kind", f"kind {kind!r} is not one of {', '.join(PAYER_KINDS)}")
    raw_id = values["payer_id"].strip()
    result = check_iin(raw_id) if kind == "individual_entrepreneur" else check_bin(raw_id)
    if not result.valid:
        label = "IIN" if kind == "individual_entrepreneur" else "BIN"
        return Rejection(
            "bad_payer_id", f"payer_id {raw_id!r} ({label}): " + "; ".join(e.message for e in result.errors)
        )
    name = _text(values, "name", True)
    if isinstance(name, Rejection):
        return name
    region = _text(values, "region", False)
    if isinstance(region, Rejection):
        return region
    return (result.number, kind, name, region)
