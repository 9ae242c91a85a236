"""A small world for the claims room's tests: persons (with sex, birth and death dates), providers
with contracts by care type, PHC attachments, and service-report rows in the file's columns.

Everything is written through the owning rooms' models or services directly (tests may), so that a
test states its facts in a few lines and computes its expected answer by hand.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Literal

from sqlalchemy.orm import Session

from osms.attachment.models import Attachment
from osms.claims.intake import COLUMNS
from osms.core.identity import make_iin
from osms.providers import contracts
from osms.providers.contracts import CareLine, ContractDraft
from osms.providers.models import Provider, ProviderResource
from osms.registry.models import Person
from osms.rulebooks.loader import load_rulebook


def iin(birth: date, sex: Literal["M", "F"], serial: int = 1) -> str:
    """The first valid IIN for ``birth`` and ``sex`` from ``serial`` on."""
    for s in range(serial, serial + 50):
        number = make_iin(birth, sex, s)
        if number is not None:
            return number
    raise AssertionError("no valid IIN")


def add_person(
    session: Session,
    number: str,
    *,
    birth: date,
    sex: Literal["M", "F"],
    died: date | None = None,
    residency: str = "citizen",
    region: str = "KZ-ALA",
) -> str:
    session.add(
        Person(
            iin=number,
            last_name="Сәрсенов" if sex == "M" else "Сәрсенова",
            first_name="Асан" if sex == "M" else "Айгүл",
            middle_name=None,
            birth_date=birth,
            sex=sex,
            residency=residency,
            region=region,
            address_code=None,
            death_date=died,
        )
    )
    session.flush()
    return number


def add_provider(
    session: Session, provider_id: str, *, kind: str = "hospital", region: str = "KZ-ALA", capacity: int | None = None
) -> str:
    """A register entry; a ``phc`` provider with ``capacity`` can have people attached."""
    session.add(
        Provider(
            provider_id=provider_id,
            bin=f"{abs(hash(provider_id)) % 10**12:012d}",
            name=f"Емхана {provider_id}",
            ownership="private",
            region=region,
            settlement="Алматы",
            kind=kind,
            status="active",
            own_is=False,
            tax_arrears=Decimal("0.00"),
        )
    )
    if capacity is not None:
        session.add(ProviderResource(provider_id=provider_id, resource="phc_capacity", quantity=capacity))
    session.flush()
    return provider_id


def add_contract(
    session: Session,
    provider_id: str,
    care_types: Iterable[str],
    *,
    valid_from: date = date(2026, 1, 1),
    valid_to: date = date(2026, 12, 31),
    contract_id: str | None = None,
) -> str:
    """A contract without selection (reserve) covering ``care_types`` from ``valid_from`` to ``valid_to``."""
    number = contract_id or f"C-{provider_id}-{valid_from.year}"
    draft = ContractDraft(
        contract_id=number,
        provider_id=provider_id,
        valid_from=valid_from,
        valid_to=valid_to,
        signed_on=valid_from,
        lines=tuple(CareLine(c, 1200, Decimal("1200000.00")) for c in care_types),
        ground="p19_reserve",
    )
    contracts.create(session, load_rulebook("kz-law"), draft, created_by="test")
    return number


def attach(session: Session, number: str, clinic_id: str, valid_from: date, valid_to: date | None = None) -> None:
    session.add(
        Attachment(
            iin=number,
            clinic_id=clinic_id,
            district_id=None,
            valid_from=valid_from,
            valid_to=valid_to,
            home_visits=False,
            kind="first",
        )
    )
    session.flush()


@dataclass(frozen=True)
class Row:
    """One row of a service report, with the file's defaults for a PHC visit."""

    record_id: str
    provider_id: str
    iin: str
    care_form: str = "phc"
    care_type: str = "phc"
    service_code: str = "A01.003.000"
    case_group: str = ""
    icd10: str = "J06.9"
    procedures: str = ""
    date_from: str = "2026-03-02"
    date_to: str = "2026-03-02"
    outcome: str = "completed"
    referral: str = "false"
    emergency: str = "false"
    quantity: str = "1"
    doctor_iin: str = ""

    def as_dict(self) -> dict[str, str]:
        return {c: getattr(self, c) for c in COLUMNS}


def stay(record_id: str, provider_id: str, number: str, *, group: str, start: str, end: str, **more: str) -> Row:
    """A round-the-clock hospital case of clinical cost group ``group``."""
    values = {
        "care_form": "inpatient",
        "care_type": "inpatient_emergency",
        "service_code": "",
        "case_group": group,
        "icd10": "K35.8",
        "date_from": start,
        "date_to": end,
        "outcome": "discharged",
        "emergency": "true",
    }
    values.update(more)
    return Row(record_id, provider_id, number, **values)


def csv_text(rows: Iterable[Row | Mapping[str, str]], columns: Iterable[str] = COLUMNS) -> str:
    header = list(columns)
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    for row in rows:
        values = row.as_dict() if isinstance(row, Row) else dict(row)
        writer.writerow([values.get(c, "") for c in header])
    return out.getvalue()


def write_csv(path: Path, rows: Iterable[Row | Mapping[str, str]], columns: Iterable[str] = COLUMNS) -> Path:
    path.write_text(csv_text(rows, columns), encoding="utf-8")
    return path
