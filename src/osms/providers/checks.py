"""The register's row checks (pure: no I/O): one incoming row in, its cleaned values or a
``Rejection`` with a stable reason code out (docs/providers.md, "Register").

The columns of each file, every reason a row can be refused for (with the English sentence; kk and
ru in the catalogs) and one check per file, as ``core.bulkload.ImportSpec`` calls them.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import date
from decimal import Decimal
from typing import Final

from osms.core.i18n import N_, gettext
from osms.core.identity import check_bin, check_iin
from osms.core.money import parse_money
from osms.core.rows import Rejection, Row
from osms.providers.bank import check_bic, check_iban
from osms.providers.vocabulary import CARE_TYPE_CODES, KINDS, OWNERSHIPS, STATUSES, TERMINATIONS
from osms.registry.regions import regions

PROVIDER_COLUMNS: Final = (
    "provider_id",
    "bin",
    "name",
    "ownership",
    "region",
    "settlement",
    "kind",
    "status",
    "accredited_until",
    "own_is",
    "tax_arrears",
)
#: The provider's bank account: columns of the providers file it may leave out (a file without
#: them keeps what is stored; ``check_provider_file``).
PROVIDER_BANK_COLUMNS: Final = ("iban", "bank_bic")
PROVIDER_FILE_COLUMNS: Final = PROVIDER_COLUMNS + PROVIDER_BANK_COLUMNS
LICENCE_COLUMNS: Final = ("provider_id", "care_type", "licensed_from", "licensed_to", "experience_from")
RESOURCE_COLUMNS: Final = ("provider_id", "resource", "quantity")
FOUNDER_COLUMNS: Final = ("provider_id", "iin", "decision_rights")
FUND_EMPLOYEE_COLUMNS: Final = ("iin", "valid_from", "valid_to")
CONTRACT_COLUMNS: Final = ("contract_id", "provider_id", "valid_from", "valid_to", "terminated_on", "termination")

#: Every reason a row of the register's files can be refused for.
REASONS: Final = {
    "bad_row_shape": N_("the row does not have the columns of the header"),
    "bad_encoding": N_("the line is not UTF-8 text"),
    "missing_field": N_("a required field is empty"),
    "field_too_long": N_("a field is longer than allowed"),
    "duplicate_key": N_("the same key appears earlier in the file"),
    "bad_provider_id": N_("provider_id may hold only letters, digits, '-', '_' and '.', up to 32"),
    "bad_contract_id": N_("contract_id may hold only letters, digits, '-', '_', '.' and '/', up to 64"),
    "bad_bin": N_("the provider's BIN fails a check"),
    "bad_iin": N_("the IIN fails a check"),
    "bad_ownership": N_("ownership must be state or private"),
    "bad_kind": N_("kind must be phc, polyclinic, hospital, ambulance or rural"),
    "bad_status": N_("status must be active, liquidation, bankruptcy or suspended"),
    "bad_termination": N_("termination must be empty, nonperformance, provider_initiative or agreement"),
    "termination_mismatch": N_("terminated_on and termination must be both given or both empty"),
    "bad_flag": N_("a yes/no field must be true or false"),
    "bad_amount": N_("the amount must be tenge with at most 2 decimals, 0 or more"),
    "bad_quantity": N_("quantity must be a whole number, 0 or more"),
    "bad_resource": N_("a resource is a lower-case code such as beds:cardiology, staff:gp or phc_capacity"),
    "bad_date": N_("a date is not a real date in the form YYYY-MM-DD"),
    "bad_period": N_("a period ends before it starts, or the termination lies outside the contract's term"),
    "unknown_region": N_("unknown region code"),
    "unknown_care_type": N_("unknown care type"),
    "unknown_provider": N_("the provider is not in the register (import providers first)"),
    "bad_iban": N_("the IBAN is not a Kazakh IBAN: KZ, 2 check digits, 3-digit bank code, 13 characters, mod 97"),
    "bad_bic": N_("the BIC must be 8 or 11 letters and digits (bank, country, place, branch)"),
}


def reason_message(code: str) -> dict[str, str]:
    """The sentence of a reason code in kk, ru and en (the code itself when unknown)."""
    sentence = REASONS.get(code)
    if sentence is None:
        return {lang: code for lang in ("kk", "ru", "en")}
    return {lang: gettext(lang, sentence) for lang in ("kk", "ru", "en")}


_PROVIDER_ID = re.compile(r"[A-Za-z0-9._-]{1,32}", re.ASCII).fullmatch
_CONTRACT_ID = re.compile(r"[A-Za-z0-9._/-]{1,64}", re.ASCII).fullmatch
_RESOURCE = re.compile(r"[a-z][a-z0-9_]{0,31}(:[a-z0-9_]{1,31})?", re.ASCII).fullmatch
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", re.ASCII).fullmatch
_WHOLE = re.compile(r"[0-9]{1,9}", re.ASCII).fullmatch
_MAX = {"name": 300, "settlement": 200}
#: The largest tax arrears a row may state (the API's amounts stop below the calculators' 10**12).
MAX_AMOUNT: Final = Decimal(10**12)

Check = Callable[[Mapping[str, str]], Row | Rejection]


def _text(values: Mapping[str, str], name: str) -> str | Rejection:
    text = values[name].strip()
    if not text:
        return Rejection("missing_field", f"{name} is empty")
    if len(text) > _MAX[name]:
        return Rejection("field_too_long", f"{name} is longer than {_MAX[name]} characters")
    return text


def _provider_id(values: Mapping[str, str]) -> str | Rejection:
    text = values["provider_id"].strip()
    if not text:
        return Rejection("missing_field", "provider_id is empty")
    if not _PROVIDER_ID(text):
        return Rejection(
            "bad_provider_id", f"provider_id {text[:40]!r}: only letters, digits, '-', '_' and '.', up to 32"
        )
    return text


def _date(values: Mapping[str, str], name: str, *, required: bool) -> date | None | Rejection:
    text = values[name].strip()
    if not text:
        return Rejection("missing_field", f"{name} is empty") if required else None
    try:
        if not _DATE(text):  # fromisoformat also takes week dates ("2024-W01-1")
            raise ValueError
        return date.fromisoformat(text)
    except ValueError:
        return Rejection("bad_date", f"{name} {text[:40]!r} is not a date YYYY-MM-DD")


def _one_of(values: Mapping[str, str], name: str, codes: tuple[str, ...], code: str) -> str | Rejection:
    text = values[name].strip().lower()
    if not text:
        return Rejection("missing_field", f"{name} is empty")
    if text not in codes:
        return Rejection(code, f"{name} {text[:40]!r} is not one of {', '.join(codes)}")
    return text


def _flag(values: Mapping[str, str], name: str) -> bool | Rejection:
    text = values[name].strip().lower()
    if not text:
        return Rejection("missing_field", f"{name} is empty")
    if text not in ("true", "false"):
        return Rejection("bad_flag", f"{name} {text[:40]!r} is not true or false")
    return text == "true"


def _iin(values: Mapping[str, str]) -> str | Rejection:
    if not values["iin"].strip():
        return Rejection("missing_field", "iin is empty")
    result = check_iin(values["iin"])
    if not result.valid:
        return Rejection(
            "bad_iin", f"IIN {values['iin'].strip()[:40]!r}: " + "; ".join(e.message for e in result.errors)
        )
    return result.number


def _period(start: date, end: date | None, what: str) -> Rejection | None:
    if end is not None and end < start:
        return Rejection("bad_period", f"{what}: {end.isoformat()} is before {start.isoformat()}")
    return None


def check_provider(values: Mapping[str, str]) -> Row | Rejection:
    """One row of providers.csv -> the columns of ``PROVIDER_COLUMNS``, cleaned."""
    provider_id = _provider_id(values)
    if isinstance(provider_id, Rejection):
        return provider_id
    if not values["bin"].strip():
        return Rejection("missing_field", "bin is empty")
    bin_check = check_bin(values["bin"])
    if not bin_check.valid:
        return Rejection(
            "bad_bin", f"BIN {values['bin'].strip()[:40]!r}: " + "; ".join(e.message for e in bin_check.errors)
        )
    name = _text(values, "name")
    if isinstance(name, Rejection):
        return name
    ownership = _one_of(values, "ownership", OWNERSHIPS, "bad_ownership")
    if isinstance(ownership, Rejection):
        return ownership
    region = values["region"].strip().upper()
    if not region:
        return Rejection("missing_field", "region is empty")
    if region not in regions():
        return Rejection("unknown_region", f"region {region[:40]!r} is not a region code (e.g. KZ-ALA)")
    settlement = _text(values, "settlement")
    if isinstance(settlement, Rejection):
        return settlement
    kind = _one_of(values, "kind", KINDS, "bad_kind")
    if isinstance(kind, Rejection):
        return kind
    status = _one_of(values, "status", STATUSES, "bad_status")
    if isinstance(status, Rejection):
        return status
    accredited_until = _date(values, "accredited_until", required=False)
    if isinstance(accredited_until, Rejection):
        return accredited_until
    own_is = _flag(values, "own_is")
    if isinstance(own_is, Rejection):
        return own_is
    text = values["tax_arrears"].strip()
    if not text:
        return Rejection("missing_field", "tax_arrears is empty")
    try:
        arrears = parse_money(text)
    except ValueError:
        return Rejection("bad_amount", f"tax_arrears {text[:40]!r} is not an amount in tenge")
    if arrears < 0 or arrears >= MAX_AMOUNT:
        return Rejection("bad_amount", f"tax_arrears {text[:40]!r} is not between 0 and 999,999,999,999.99")
    return (
        provider_id,
        bin_check.number,
        name,
        ownership,
        region,
        settlement,
        kind,
        status,
        accredited_until,
        own_is,
        arrears,
    )


def check_provider_file(values: Mapping[str, str]) -> Row | Rejection:
    """One row of providers.csv -> the columns of ``PROVIDER_FILE_COLUMNS``: the entry's and its
    bank account (``iban``, ``bank_bic``: None when empty)."""
    entry = check_provider(values)
    if isinstance(entry, Rejection):
        return entry
    text = values.get("iban", "")
    iban = check_iban(text) if text.strip() else None
    if isinstance(iban, Rejection):
        return iban
    text = values.get("bank_bic", "")
    bic = check_bic(text) if text.strip() else None
    if isinstance(bic, Rejection):
        return bic
    return (*entry, iban, bic)


def check_licence(values: Mapping[str, str]) -> Row | Rejection:
    """One row of licences.csv -> ``LICENCE_COLUMNS``; the care type is one of the catalogue's."""
    provider_id = _provider_id(values)
    if isinstance(provider_id, Rejection):
        return provider_id
    care_type = values["care_type"].strip().lower()
    if not care_type:
        return Rejection("missing_field", "care_type is empty")
    if care_type not in CARE_TYPE_CODES:
        return Rejection("unknown_care_type", f"care_type {care_type[:40]!r} is not a care type of the catalogue")
    licensed_from = _date(values, "licensed_from", required=True)
    if isinstance(licensed_from, Rejection):
        return licensed_from
    assert licensed_from is not None
    licensed_to = _date(values, "licensed_to", required=False)
    if isinstance(licensed_to, Rejection):
        return licensed_to
    experience_from = _date(values, "experience_from", required=False)
    if isinstance(experience_from, Rejection):
        return experience_from
    bad = _period(licensed_from, licensed_to, "licensed_to")
    if bad is not None:
        return bad
    return (provider_id, care_type, licensed_from, licensed_to, experience_from)


def check_resource(values: Mapping[str, str]) -> Row | Rejection:
    """One row of resources.csv -> ``RESOURCE_COLUMNS``."""
    provider_id = _provider_id(values)
    if isinstance(provider_id, Rejection):
        return provider_id
    resource = values["resource"].strip().lower()
    if not resource:
        return Rejection("missing_field", "resource is empty")
    if not _RESOURCE(resource):
        return Rejection("bad_resource", f"resource {resource[:40]!r} is not a code like beds:cardiology")
    text = values["quantity"].strip()
    if not text:
        return Rejection("missing_field", "quantity is empty")
    if not _WHOLE(text):
        return Rejection("bad_quantity", f"quantity {text[:40]!r} is not a whole number 0..999999999")
    return (provider_id, resource, int(text))


def check_founder(values: Mapping[str, str]) -> Row | Rejection:
    """One row of founders.csv -> ``FOUNDER_COLUMNS``."""
    provider_id = _provider_id(values)
    if isinstance(provider_id, Rejection):
        return provider_id
    iin = _iin(values)
    if isinstance(iin, Rejection):
        return iin
    rights = _flag(values, "decision_rights")
    if isinstance(rights, Rejection):
        return rights
    return (provider_id, iin, rights)


def check_fund_employee(values: Mapping[str, str]) -> Row | Rejection:
    """One row of fund-employees.csv -> ``FUND_EMPLOYEE_COLUMNS``."""
    iin = _iin(values)
    if isinstance(iin, Rejection):
        return iin
    valid_from = _date(values, "valid_from", required=True)
    if isinstance(valid_from, Rejection):
        return valid_from
    assert valid_from is not None
    valid_to = _date(values, "valid_to", required=False)
    if isinstance(valid_to, Rejection):
        return valid_to
    bad = _period(valid_from, valid_to, "valid_to")
    if bad is not None:
        return bad
    return (iin, valid_from, valid_to)


def check_contract(values: Mapping[str, str]) -> Row | Rejection:
    """One row of contract-history.csv -> ``CONTRACT_COLUMNS``."""
    contract_id = values["contract_id"].strip()
    if not contract_id:
        return Rejection("missing_field", "contract_id is empty")
    if not _CONTRACT_ID(contract_id):
        return Rejection("bad_contract_id", f"contract_id {contract_id[:40]!r}: letters, digits, '-', '_', '.', '/'")
    provider_id = _provider_id(values)
    if isinstance(provider_id, Rejection):
        return provider_id
    valid_from = _date(values, "valid_from", required=True)
    if isinstance(valid_from, Rejection):
        return valid_from
    assert valid_from is not None
    valid_to = _date(values, "valid_to", required=True)
    if isinstance(valid_to, Rejection):
        return valid_to
    assert valid_to is not None
    terminated_on = _date(values, "terminated_on", required=False)
    if isinstance(terminated_on, Rejection):
        return terminated_on
    termination = values["termination"].strip().lower() or None
    if termination is not None and termination not in TERMINATIONS:
        return Rejection("bad_termination", f"termination {termination[:40]!r} is not one of {', '.join(TERMINATIONS)}")
    if (termination is None) != (terminated_on is None):
        return Rejection("termination_mismatch", "terminated_on and termination must be both given or both empty")
    bad = _period(valid_from, valid_to, "valid_to")
    if bad is not None:
        return bad
    if terminated_on is not None and not valid_from <= terminated_on <= valid_to:
        return Rejection(
            "bad_period",
            f"terminated_on {terminated_on.isoformat()} is outside {valid_from.isoformat()}..{valid_to.isoformat()}",
        )
    return (contract_id, provider_id, valid_from, valid_to, terminated_on, termination)
