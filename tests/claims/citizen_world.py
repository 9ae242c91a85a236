"""A family for the citizen's view of services: a parent, a minor child, an adult child and a
stranger, two providers, service records written straight into the register (tests may), and a
login per role."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from osms.claims.models import ServiceRecord
from osms.core.models import ImportBatch
from osms.core.security import create_token, create_user
from osms.registry.models import FamilyLink
from tests.claims.world import add_person, add_provider, iin

TODAY = date(2026, 4, 15)
PARENT = iin(date(1980, 5, 5), "F")
CHILD = iin(date(2015, 6, 1), "M")  # 10 on TODAY: a minor
ADULT = iin(date(2001, 2, 2), "M")  # 25: an adult child
STRANGER = iin(date(1970, 3, 3), "F")
CLINIC = "ALM-PHC"
HOSPITAL = "ALM-HOSP"
PASSWORD = "pw-services-1"


@dataclass
class Family:
    tokens: dict[str, str]
    refs: dict[str, int]  # record_id -> record_ref


def add_record(
    session: Session,
    batch_id: int,
    record_id: str,
    provider_id: str,
    number: str,
    *,
    care_form: str = "phc",
    care_type: str = "phc",
    service_code: str | None = "A01.003.000",
    case_group: str | None = None,
    icd10: str = "J06.9",
    procedures: str | None = None,
    date_from: date = date(2026, 3, 2),
    date_to: date | None = None,
    outcome: str = "completed",
    at_home: bool = False,
    remote: bool = False,
    preventive_child: bool = False,
) -> int:
    end = date_to or date_from
    record = ServiceRecord(
        provider_id=provider_id,
        record_id=record_id,
        iin=number,
        care_form=care_form,
        care_type=care_type,
        service_code=service_code,
        case_group=case_group,
        icd10=icd10,
        procedures=procedures,
        date_from=date_from,
        date_to=end,
        outcome=outcome,
        referral=False,
        emergency=care_form == "inpatient",
        quantity=1,
        at_home=at_home,
        remote=remote,
        preventive_child=preventive_child,
        doctor_iin=None,
        month=end.replace(day=1),
        version=1,
        digest=record_id[:32],
        batch_id=batch_id,
        received_at=datetime(2026, 4, 1, tzinfo=UTC),
    )
    session.add(record)
    session.flush()
    return record.id


def family(session: Session) -> Family:
    add_person(session, PARENT, birth=date(1980, 5, 5), sex="F")
    add_person(session, CHILD, birth=date(2015, 6, 1), sex="M")
    add_person(session, ADULT, birth=date(2001, 2, 2), sex="M")
    add_person(session, STRANGER, birth=date(1970, 3, 3), sex="F")
    for child in (CHILD, ADULT):
        session.add(FamilyLink(iin=child, relative_iin=PARENT, relation="parent"))
    add_provider(session, CLINIC, kind="phc")
    add_provider(session, HOSPITAL)
    batch = ImportBatch(
        kind="service_report", file_name="t.csv", sha256="0" * 64, started_at=datetime.now(UTC), created_by="t"
    )
    session.add(batch)
    session.flush()
    refs = {
        "V-1": add_record(session, batch.id, "V-1", CLINIC, PARENT, date_from=date(2026, 3, 2)),
        "V-2": add_record(session, batch.id, "V-2", CLINIC, PARENT, date_from=date(2026, 3, 20), icd10="I10"),
        "S-1": add_record(
            session,
            batch.id,
            "S-1",
            HOSPITAL,
            CHILD,
            care_form="inpatient",
            care_type="inpatient_emergency",
            service_code=None,
            case_group="SYN.SU01",
            icd10="K35.8",
            procedures="47.09",
            date_from=date(2026, 2, 10),
            date_to=date(2026, 2, 14),
            outcome="discharged",
        ),
        "V-3": add_record(session, batch.id, "V-3", CLINIC, ADULT),
        "V-4": add_record(session, batch.id, "V-4", CLINIC, STRANGER),
    }
    users = {
        "citizen": create_user(session, "parent", PASSWORD, "citizen", "Айгүл", iin=PARENT),
        "adult": create_user(session, "adult", PASSWORD, "citizen", "Асан", iin=ADULT),
        "clinic": create_user(session, "clinic", PASSWORD, "clinic", "Емхана", provider_id=CLINIC),
        "operator": create_user(session, "operator", PASSWORD, "operator", "Оператор"),
        "auditor": create_user(session, "auditor", PASSWORD, "auditor", "Аудитор"),
        "employer": create_user(session, "employer", PASSWORD, "employer", "ТОО", bin="100540000018"),
    }
    tokens = {role: create_token(session, user, "t") for role, user in users.items()}
    session.commit()
    return Family(tokens, refs)


def flagged_visits(session: Session, fam: Family) -> None:
    """Three more GP visits (docs/claims.md, the file's flags): the parent's at home on 25 March
    (PAY п.67), the parent's remotely on 24 March (п.68), the minor child's in a preventive
    examination on 23 March (п.66); their refs join ``fam.refs``."""
    batch = session.scalars(select(ImportBatch)).first()
    assert batch is not None
    fam.refs["H-1"] = add_record(session, batch.id, "H-1", CLINIC, PARENT, date_from=date(2026, 3, 25), at_home=True)
    fam.refs["R-1"] = add_record(session, batch.id, "R-1", CLINIC, PARENT, date_from=date(2026, 3, 24), remote=True)
    fam.refs["P-1"] = add_record(
        session, batch.id, "P-1", CLINIC, CHILD, date_from=date(2026, 3, 23), preventive_child=True
    )
    session.commit()


def bearer(fam: Family, role: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {fam.tokens[role]}"}
