"""What the OpenAPI document states about parameters and body fields the server checks itself.

The constraints go into the schema only (``json_schema_extra``): the server keeps its own checks and
their stable codes (``bad_iin:length``, ``bad_period``...), and a request valid by the schema is
never refused for a reason the schema could have stated (tests/test_openapi.py). What no JSON
schema can say (an IIN's check digit and birth date, a date inside the rulebook, a person in the
registry) stays a documented 422 with its code.
"""

from __future__ import annotations

from typing import Any, Final

from osms.rulebooks.loader import available_rulebooks

IIN_PATTERN: Final = "^[0-9]{12}$"
# A month YYYY-MM of years 0001-9999.
MONTH_PATTERN: Final = "^(000[1-9]|00[1-9][0-9]|0[1-9][0-9]{2}|[1-9][0-9]{3})-(0[1-9]|1[0-2])$"
# An identifier of a clinic or district (attachment.service._ID).
IDENT_PATTERN: Final = "^[A-Za-z0-9._-]{1,32}$"
# An amount in tenge as the calculators read it (a subset of what they accept).
AMOUNT_PATTERN: Final = "^[0-9]{1,12}([.][0-9]{1,2})?$"  # below the calculators' 10**12 sanity limit


def iin_schema() -> dict[str, Any]:
    """A 12-digit IIN (or BIN); its check digit and date digits are checked by the server."""
    return {"pattern": IIN_PATTERN, "minLength": 12, "maxLength": 12}


def iin_list_schema(max_items: int | None = None) -> dict[str, Any]:
    extra: dict[str, Any] = {"items": {"type": "string", **iin_schema()}}
    if max_items is not None:
        extra["maxItems"] = max_items
    return extra


def rulebook_schema() -> dict[str, Any]:
    """The rulebooks the server ships (``osms rulebook list``)."""
    return {"enum": available_rulebooks()}
