"""A clinic with 55 attached persons, a family, an employer and one login per role: the world the
audit log's tests read, deny and search in."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

import pytest
from sqlalchemy.orm import Session

from osms.attachment.models import Attachment, AttachmentApplication, ClinicDistrict
from osms.core.models import AuditEntry
from osms.core.security import create_token, create_user
from osms.registry.models import Payer
from tests.attachment.conftest import add_clinic
from tests.attachment.helpers import CLINIC_BIN, add_person
from tests.registry.helpers import bin_, iin

PASSWORD = "correct-horse-42"
EMPLOYER_BIN = bin_(date(2012, 7, 1), 5)
CITIZEN = iin(date(1986, 1, 1), "M", 700)
ATTACHED = 55  # more than one page of 50


@dataclass(frozen=True)
class AuditWorld:
    attached: list[str]  # the clinic's population, in IIN order
    applicants: list[str]  # persons with an application to the clinic
    citizen: str
    tokens: dict[str, str]  # role -> API token


def _attach(session: Session, number: str, clinic_id: str) -> None:
    session.add(
        Attachment(
            iin=number,
            clinic_id=clinic_id,
            district_id="T1",
            valid_from=date(2024, 1, 1),
            valid_to=None,
            home_visits=True,
            kind="first",
        )
    )


@pytest.fixture
def audit_world(session: Session) -> AuditWorld:
    for clinic_id, name in (("AST-8", "Емхана №8 Астана"), ("AST-9", "Емхана №9 Астана")):
        add_clinic(session, clinic_id, capacity=1000, area="AST-001", region="KZ-AST", name=name, bin=CLINIC_BIN)
        session.add(ClinicDistrict(clinic_id=clinic_id, district_id="T1", specialty="therapist", doctor="Dr", norm=900))
    session.flush()
    attached = sorted(add_person(session, iin(date(1970, 1, 1), "F", 100 + 7 * n)) for n in range(ATTACHED))
    for number in attached:
        _attach(session, number, "AST-8")
    applicants = [add_person(session, iin(date(1990, 5, 5), "M", 900 + 7 * n)) for n in range(3)]
    for number in applicants:
        session.add(
            AttachmentApplication(
                iin=number,
                clinic_id="AST-8",
                reason="first",
                applied_on=date(2024, 3, 1),
                decision="refused",
                reason_codes="clinic_full",
                rulebook="kz-law",
                channel="api",
            )
        )
    citizen = add_person(session, CITIZEN)
    session.add(Payer(payer_id=EMPLOYER_BIN, kind="employer", name="ТОО Жарық", region="KZ-AST"))
    users = {
        "citizen": create_user(session, "nurlan", PASSWORD, "citizen", "Нұрлан Ахметов", iin=citizen),
        "clinic": create_user(session, "dr.ivanova", PASSWORD, "clinic", "Dr Ivanova", provider_id="AST-8"),
        "other_clinic": create_user(session, "ast9", PASSWORD, "clinic", "Reception 9", provider_id="AST-9"),
        "operator": create_user(session, "op.serik", PASSWORD, "operator", "Серік Операторов"),
        "auditor": create_user(session, "aud.karim", PASSWORD, "auditor", "Аудитор Аудиторов"),
        "employer": create_user(session, "acc.zharyk", PASSWORD, "employer", "Бухгалтер Жарық", bin=EMPLOYER_BIN),
    }
    tokens = {role: create_token(session, user, "test") for role, user in users.items()}
    session.commit()
    return AuditWorld(attached=attached, applicants=applicants, citizen=citizen, tokens=tokens)


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


A = "860101300017"
B = iin(date(1990, 5, 5), "F", 28)


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


# Six hand-made entries with known values; ids 1..6 in this order (newest first: 6, 5, ..., 1).
HAND_MADE = [
    ("2024-03-01T09:00:00", "dr.ivanova", "clinic", "web", "person.read", "/persons/A", A, "ok", "10.0.0.1"),
    ("2024-03-01T10:00:00", "dr.ivanova", "clinic", "api", "status.read", "/api/v1/persons/A/status", A, "ok", None),
    ("2024-03-02T11:00:00", "op.serik", "operator", "web", "person.read", "/persons/B", B, "ok", "10.0.0.2"),
    ("2024-03-02T12:00:00", "acc.zharyk", "employer", "api", "status.read.denied", "/x", A, "denied", "10.0.0.3"),
    ("2024-03-03T08:00:00", "dr.ivanova", "clinic", "fhir", "status.read", "/fhir/Coverage", B, "ok", None),
    ("2024-03-04T00:30:00", "ghost", "public", "web", "login", "/login", None, "failed", "10.0.0.7"),
]


@pytest.fixture
def logged(audit_world: AuditWorld, session: Session) -> AuditWorld:
    for when, actor, role, channel, action, resource, subject, outcome, client in HAND_MADE:
        session.add(
            AuditEntry(
                at=at(when),
                actor=actor,
                role=role,
                channel=channel,
                action=action,
                resource=resource,
                subject_iin=subject,
                outcome=outcome,
                client=client,
                detail="d" if subject == A else None,
            )
        )
        session.flush()
    session.commit()
    return audit_world
