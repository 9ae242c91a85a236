"""The world of the statement and run pages (docs/payments.md, "Pages"): hospital H1's March 2026
under kz-law, run on 2 April, with a clinic login per provider (h1, h2), an operator and an auditor.

H1's contract C-H1 (12,000,000.00 a year of planned inpatient care, 1,200,000.00 of consultations:
1,000,000.00 and 100,000.00 a month) and March's records (the cases of tests/payments/test_run.py):
- r1 a whole case of SYN.CA01 (synthetic weight 3.1): 175,622.79 × 3.1 = 544,430.649 → 544,430.65;
- r2 a death on day 2: × 0.5 → 272,215.3245 → 272,215.32 (PAY п.81), with the confirmed defect 1.0
  (MON annex 1: 100% of a case): 272,215.32 deducted;
- r3 two consultations A01.003.000: 2,889.51 × 2 = 5,779.02.
Accrued 822,424.99; payable 822,424.99 − 272,215.32 = 550,209.67 (no linear scale: under the
month's sums; no advance).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from osms.core.security import create_token, create_user
from osms.payments.run import run_month
from osms.rulebooks.loader import load_rulebook
from osms.web import pages
from tests.payments.run_world import add_person, add_provider, contract, defect, iin, record

MARCH = date(2026, 3, 1)
DAY = date(2026, 4, 3)  # the pages' day: a Friday
PASSWORD = "acts-pages-42"
CSRF = re.compile(r'name="csrf" value="([^"]+)"')


@dataclass
class World:
    contract_id: str
    defect_id: int
    tokens: dict[str, str]


def build(session: Session) -> World:
    add_provider(session, "H1")
    add_provider(session, "H2")
    cid = contract(session, "H1", [("inpatient_planned", "12000000.00"), ("consult_diag", "1200000.00")])
    person = add_person(session, iin(date(1980, 1, 1), "M"), birth=date(1980, 1, 1), sex="M")
    record(session, "H1", "r1", person, care_form="inpatient", care_type="inpatient_planned",
           case_group="SYN.CA01", day=date(2026, 3, 1), until=date(2026, 3, 10))  # fmt: skip
    r2 = record(session, "H1", "r2", person, care_form="inpatient", care_type="inpatient_planned",
                case_group="SYN.CA01", day=date(2026, 3, 3), until=date(2026, 3, 5), outcome="died")  # fmt: skip
    record(session, "H1", "r3", person, care_form="outpatient", care_type="consult_diag",
           service_code="A01.003.000", quantity=2)  # fmt: skip
    found = defect(session, "H1", "1.0", rec=r2)
    run_month(session, load_rulebook("kz-law"), MARCH, today=date(2026, 4, 2))
    users = {
        "h1": create_user(session, "h1", PASSWORD, "clinic", "Аурухана H1", provider_id="H1"),
        "h2": create_user(session, "h2", PASSWORD, "clinic", "Аурухана H2", provider_id="H2"),
        "op": create_user(session, "op", PASSWORD, "operator", "Қор операторы"),
        "aud": create_user(session, "aud", PASSWORD, "auditor", "Аудитор"),
    }
    tokens = {name: create_token(session, user, "t") for name, user in users.items()}
    session.commit()
    return World(cid, found.id, tokens)


@pytest.fixture
def world(session: Session, monkeypatch: pytest.MonkeyPatch) -> World:
    monkeypatch.setattr(pages, "today", lambda: DAY)
    return build(session)


def csrf_of(html: str) -> str:
    found = CSRF.search(html)
    assert found, "no form token on the page"
    return found.group(1)


def logged(app: Any, username: str) -> TestClient:
    client = TestClient(app, follow_redirects=False)
    form = client.get("/login")
    answer = client.post("/login", data={"username": username, "password": PASSWORD, "csrf": csrf_of(form.text)})
    assert answer.status_code == 303
    return client
