"""The register's row checks never crash: any row either loads (the file's columns, cleaned) or is
refused with one of the documented reason codes (docs/providers.md, "Register")."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from osms.core.rows import Rejection
from osms.providers import checks
from osms.providers.vocabulary import CARE_TYPE_CODES, KINDS, OWNERSHIPS, STATUSES, TERMINATIONS
from tests.providers.helpers import BIN_1, EMPLOYEE, FOUNDER

# Values near the rules (good and almost good) mixed with any text.
NEAR = {
    "provider_id": ["ALM-1", "a.b_c-9", "x" * 32, "x" * 33, "ALM 1", "АЛМ-1", ""],
    "contract_id": ["C-2024/1", "c.1", "x" * 64, "x" * 65, "C 1", ""],
    "bin": [BIN_1, "123456789012", "10054000001", ""],
    "iin": [FOUNDER, EMPLOYEE, "700115300012", "7001153000", ""],
    "name": ["Емхана", "x" * 300, "x" * 301, " "],
    "settlement": ["Алматы", "x" * 201, ""],
    "ownership": [*OWNERSHIPS, "STATE", "public", ""],
    "region": ["KZ-ALA", "kz-ast", "KZ-XXX", ""],
    "kind": [*KINDS, "clinic", ""],
    "status": [*STATUSES, "closed", ""],
    "own_is": ["true", "FALSE", "yes", ""],
    "decision_rights": ["true", "false", "1", ""],
    "tax_arrears": ["0", "0.00", "150000.50", "-1", "1.234", "1e3", "NaN", "999999999999.99", "1000000000000", ""],
    "care_type": [*CARE_TYPE_CODES, "PHC", "surgery", ""],
    "resource": ["beds:cardiology", "staff:gp", "phc_capacity", "Beds", "beds:", ":x", ""],
    "quantity": ["0", "15000", "-1", "1.5", "1" * 10, "²", ""],
    "termination": [*TERMINATIONS, "expired", ""],
}
DATES = ["2020-01-01", "2024-02-29", "2023-02-29", "2024-W01-1", "20240101", "9999-12-31", ""]
for _column in (
    "accredited_until",
    "licensed_from",
    "licensed_to",
    "experience_from",
    "valid_from",
    "valid_to",
    "terminated_on",
):
    NEAR[_column] = DATES


def rows(columns: tuple[str, ...]) -> st.SearchStrategy[dict[str, str]]:
    return st.fixed_dictionaries({c: st.one_of(st.sampled_from(NEAR[c]), st.text(max_size=40)) for c in columns})


CASES = (
    (checks.check_provider, checks.PROVIDER_COLUMNS),
    (checks.check_licence, checks.LICENCE_COLUMNS),
    (checks.check_resource, checks.RESOURCE_COLUMNS),
    (checks.check_founder, checks.FOUNDER_COLUMNS),
    (checks.check_fund_employee, checks.FUND_EMPLOYEE_COLUMNS),
    (checks.check_contract, checks.CONTRACT_COLUMNS),
)


@given(data=st.data())
def test_a_row_loads_or_is_refused_with_a_known_code(data: st.DataObject) -> None:
    check, columns = data.draw(st.sampled_from(CASES))
    row = data.draw(rows(columns))
    result = check(row)
    if isinstance(result, Rejection):
        assert result.code in checks.REASONS, result
        assert result.message
        return
    assert isinstance(result, tuple) and len(result) == len(columns)
    values = dict(zip(columns, result, strict=True))
    for column, value in values.items():
        if column in ("provider_id",):
            assert 1 <= len(value) <= 32
        if column in ("licensed_from", "valid_from") or (column.endswith(("_to", "_from", "_on", "_until")) and value):
            assert isinstance(value, date)
    if "licensed_to" in values and values["licensed_to"] is not None:
        assert values["licensed_to"] >= values["licensed_from"]
    if check is checks.check_provider:
        assert Decimal(0) <= values["tax_arrears"] < checks.MAX_AMOUNT
        assert values["region"] == values["region"].upper() and values["kind"] in KINDS
    if check is checks.check_contract:
        assert (values["termination"] is None) == (values["terminated_on"] is None)
        assert values["valid_from"] <= values["valid_to"]
        if values["terminated_on"] is not None:
            assert values["valid_from"] <= values["terminated_on"] <= values["valid_to"]
