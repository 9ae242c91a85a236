"""A small world for the API and FHIR channels of service reports: two persons, a PHC clinic with
its contract and attachments, a hospital, and a login per role (the clinic's bound to PHC1)."""

from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from osms.core.security import create_token, create_user
from tests.claims.world import Row, add_contract, add_person, add_provider, attach, iin

ADULT = iin(date(1980, 5, 5), "M")  # a man of 45 in March 2026
WOMAN = iin(date(1990, 7, 7), "F", 3)
DOCTOR = iin(date(1975, 4, 2), "F", 7)
PASSWORD = "pw-channels-1"


def world(session: Session) -> dict[str, str]:
    """The world's facts and one API token per role (``clinic``: PHC1's login)."""
    add_person(session, ADULT, birth=date(1980, 5, 5), sex="M")
    add_person(session, WOMAN, birth=date(1990, 7, 7), sex="F")
    add_provider(session, "PHC1", kind="phc", capacity=1000)
    add_provider(session, "HOSP1")
    add_contract(session, "PHC1", ["phc", "consult_diag"])
    add_contract(session, "HOSP1", ["inpatient_emergency", "inpatient_planned"])
    for person in (ADULT, WOMAN):
        attach(session, person, "PHC1", date(2025, 1, 1))
    users = {
        "operator": create_user(session, "operator", PASSWORD, "operator", "Оператор"),
        "clinic": create_user(session, "phc1", PASSWORD, "clinic", "Емхана", provider_id="PHC1"),
        "citizen": create_user(session, "citizen", PASSWORD, "citizen", "Асан", iin=ADULT),
        "auditor": create_user(session, "auditor", PASSWORD, "auditor", "Аудитор"),
        "employer": create_user(session, "employer", PASSWORD, "employer", "ТОО", bin="100540000018"),
    }
    tokens = {role: create_token(session, user, "t") for role, user in users.items()}
    session.commit()
    return tokens


def bearer(tokens: dict[str, str], role: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {tokens[role]}"}


#: A clean GP visit; a cervical screening billed for a man (sex_mismatch, defect 5.1); a bad IIN.
CLEAN = Row("V1", "PHC1", ADULT)
WRONG_SEX = Row(
    "V2", "PHC1", ADULT, service_code="SYN.SCR.CERVIX", icd10="Z12.4", date_from="2026-03-03", date_to="2026-03-03"
)
BAD_IIN = Row("V3", "PHC1", "123")
