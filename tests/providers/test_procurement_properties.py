"""The rows of a plan and of an applications file (docs/providers.md, "Procurement workflow"):
properties over generated rows."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from osms.core.rows import Rejection
from osms.providers.models import ProcurementPlanLine
from osms.providers.procurement import application_checker, check_plan_line
from osms.providers.vocabulary import CARE_TYPE_CODES
from osms.registry.regions import regions

care_types = st.sampled_from(CARE_TYPE_CODES)
region_codes = st.sampled_from(sorted(regions()))
volumes = st.integers(min_value=-(10**9), max_value=10**9)
cents = st.integers(min_value=0, max_value=10**13)


@given(care_types, region_codes, volumes, cents)
def test_a_plan_row_is_taken_exactly_when_its_figures_are_sound(care: str, region: str, volume: int, tiyn: int) -> None:
    amount = Decimal(tiyn) / 100
    line = check_plan_line(
        {
            "care_type": f" {care.upper()} ",
            "region": region.lower(),
            "volume": str(volume),
            "unit": "cases",
            "sum": f"{amount:.2f}",
        }
    )
    if volume < 0:
        assert isinstance(line, Rejection) and line.code == "negative_volume"
    elif volume > 999_999_999:  # the register's bound on a count
        assert isinstance(line, Rejection) and line.code == "bad_volume"
    elif amount >= Decimal("1e12"):
        assert isinstance(line, Rejection) and line.code == "bad_amount"
    elif volume == 0 and amount != 0:
        assert isinstance(line, Rejection) and line.code == "sum_without_volume"
    else:
        assert isinstance(line, ProcurementPlanLine)
        assert (line.care_type, line.region, line.volume, line.sum) == (care, region, volume, amount)


@given(care_types, region_codes, st.text(max_size=12))
def test_an_application_outside_the_plan_or_with_a_bad_date_is_refused(care: str, region: str, day: str) -> None:
    check = application_checker("P", [("phc", "KZ-ALA")])
    row = check(
        {
            "application_id": "A1",
            "provider_id": "H1",
            "care_type": care,
            "region": region,
            "volume": "1",
            "sum": "1.00",
            "submitted": day,
        }
    )
    if (care, region) != ("phc", "KZ-ALA"):
        assert isinstance(row, Rejection) and row.code == "not_in_plan"
    elif isinstance(row, Rejection):
        assert row.code == "bad_date"
    else:
        assert row[:5] == ("P", "A1", "H1", "phc", "KZ-ALA")
