"""What the OpenAPI document states about parameters and body fields the server checks itself.

The constraints go into the schema only (``json_schema_extra``): the server keeps its own checks and
their stable codes (``bad_iin:length``, ``bad_period``...), and a request valid by the schema is
never refused for a reason the schema could have stated (tests/test_openapi.py). What no JSON
schema can say (an IIN's check digit and birth date, a date inside the rulebook, a person in the
registry) stays a documented 422 with its code.
"""

from __future__ import annotations

from typing import Any, Final

IIN_PATTERN: Final = "^[0-9]{12}$"
# A month YYYY-MM of years 0001-9999.
MONTH_PATTERN: Final = "^(000[1-9]|00[1-9][0-9]|0[1-9][0-9]{2}|[1-9][0-9]{3})-(0[1-9]|1[0-2])$"
# An identifier of a register entry (letters, digits, '.', '_', '-'; at most 32).
IDENT_PATTERN: Final = "^[A-Za-z0-9._-]{1,32}$"
# An amount in tenge as the calculators read it (a subset of what they accept).
AMOUNT_PATTERN: Final = "^[0-9]{1,12}([.][0-9]{1,2})?$"  # below the calculators' 10**12 sanity limit
# The largest ``offset`` of a paged list: a row number the databases' integers hold (SQLite and
# PostgreSQL refuse an OFFSET beyond 64 bits; no list comes near 2**31 rows).
OFFSET_MAX: Final = 2**31 - 1


def iin_schema() -> dict[str, Any]:
    """A 12-digit IIN (or BIN); its check digit and date digits are checked by the server."""
    return {"pattern": IIN_PATTERN, "minLength": 12, "maxLength": 12}


def iin_list_schema(max_items: int | None = None) -> dict[str, Any]:
    extra: dict[str, Any] = {"items": {"type": "string", **iin_schema()}}
    if max_items is not None:
        extra["maxItems"] = max_items
    return extra


# What no JSON schema can state: an IIN's or BIN's check digit and date digits, a date or period
# inside the rulebook, rules in force, cross-field and file-content conditions. A schema-valid request
# refused with any other code was refused for a reason the schema could have stated
# (tests/test_openapi.py, bench/schema_refusals.py).
NOT_STATEABLE: Final = frozenset(
    {
        "date_outside_rulebook",
        "period_outside_rulebook",
        "no_rule",
        "no_rule_in_force",
        "exempt_period",
        "income_required",
        "conflicting_input",
        "bad_expected_delivery",  # before the entry date
        "employer_required",
        "bad_header",
        "empty_payroll",
        "not_a_payroll",
        "bad_encoding",
        "bad_file",
        "unsupported_media_type",
        "unknown_icd10",
        "bad_icd10",
        "unknown_defect_code",  # the defect classifier in force on the day (claims, monitor)
        "anonymous_complaint",  # a complaint trigger needs the complainant's IIN: cross-field (claims, monitor)
        "unknown_payer_kind",  # the enum is stated; a rulebook without that kind (seeds-2016: no self-employed)
        "bad_bin",  # the payroll's employer: the schema states 12 digits, the rest is check digit and date
        # The audit search's filters: the schema states the subject's 12 digits, the enums of role, channel and
        # outcome and the dates' format; what is left is the subject's check digit, an empty period ('from' after
        # 'to') and a JSON page over 1,000 (a CSV export may ask for more): no schema can state these.
        "bad_filter",
        # The tariff calculator (docs/payments.md): which of the two codes a form of care takes, the codes in the
        # catalogues and the tariffs in force on the day, and the flags that go with a case or a service.
        "code_required",
        "one_code",
        "case_group_form",
        "service_form",
        "paid_per_capita",
        "no_method",
        "unknown_case_group",
        "unknown_service_code",
        "form_not_allowed",
        "no_base_rate",
        "no_weight",
        "no_price",
        "no_form_tariff",
        "bed_days_required",
        "home_and_remote",
        "service_flags",
        "case_fields",
        "rule_not_in_force",
        # Per capita (docs/payments.md, "Per capita"): the provider's kind in the register and the
        # sex-age coefficients in force for the bands its people fall in.
        "not_phc",
        "no_sex_age",
    }
)
_ID_CHECKS: Final = frozenset({"check_digit", "date", "century", "entity_type", "unit"})


def stateable(code: str | None) -> bool:
    """Whether a 422 with this error ``code`` refused something the schema could have stated."""
    if code is None:
        return True
    kind, _, parts = code.partition(":")
    if kind in ("bad_iin", "bad_bin") and parts:
        return not set(parts.split(",")) <= _ID_CHECKS
    return code not in NOT_STATEABLE


def error_code(body: Any) -> str | None:
    """The stable code of an error answer's JSON body (ours or a FHIR OperationOutcome)."""
    if not isinstance(body, dict):
        return None
    if body.get("resourceType") == "OperationOutcome":
        try:
            return str(body["issue"][0]["details"]["coding"][0]["code"])
        except (KeyError, IndexError, TypeError):
            return None
    code = body.get("code")
    return code if isinstance(code, str) else None
