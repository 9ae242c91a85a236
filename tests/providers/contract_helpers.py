"""Builders for the contracts' tests: register entries written directly, drafts and placements."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from osms.providers.contracts import CareLine, ContractDraft
from osms.providers.models import Provider
from tests.providers.helpers import BIN_1, BIN_2

TERM = (date(2027, 1, 1), date(2027, 12, 31))


def add_provider(session: Session, provider_id: str = "ALM-1", *, bin_: str = BIN_1, region: str = "KZ-ALA") -> None:
    session.add(
        Provider(
            provider_id=provider_id,
            bin=bin_,
            name=f"Емхана {provider_id}",
            ownership="private",
            region=region,
            settlement="Алматы",
            kind="hospital",
            status="active",
            own_is=False,
            tax_arrears=Decimal("0.00"),
        )
    )
    session.flush()


def two_providers(session: Session) -> None:
    add_provider(session, "ALM-1")
    add_provider(session, "ALM-2", bin_=BIN_2)


def draft(**changes: Any) -> ContractDraft:
    """A contract of ALM-1 for 2027 without selection (reserve): 1,000 planned hospital cases for
    1,000,000.00 tenge."""
    values: dict[str, Any] = {
        "contract_id": "C-2027-1",
        "provider_id": "ALM-1",
        "valid_from": TERM[0],
        "valid_to": TERM[1],
        "signed_on": date(2026, 12, 20),
        "lines": (CareLine("inpatient_planned", 1000, Decimal("1000000.00")),),
        "ground": "p19_reserve",
    }
    values.update(changes)
    return ContractDraft(**values)


@dataclass(frozen=True)
class Placement:
    """A placement as the procurement workflow hands it over."""

    care_type: str
    region: str
    provider_id: str
    volume: int
    sum: Decimal
    procurement_id: str = "PROC-2027"
