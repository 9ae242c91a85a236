"""The role × field matrix of docs/access.md, asked of every channel as every role.

One person, Z, is looked at by each role through each channel (the API's status, card, payments
and attachment; FHIR; the web pages; the command line), and the test asserts exactly which of
the person's fields the answer carries. Z is chosen so that every field exists: Z is 17 (a minor
under the attachment rulebook's ``minor_age`` of 18), the child of the citizen login, employed by
the employer login (paid for in 2026), in the state-paid category ``disability`` until 31.05.2027,
attached to the clinic login's clinic, with an address and a family link.

Each role asks about the person it has a reason to ask about (the citizen about their minor child,
the employer about its employee, the clinic about its attached patient); the denials (an adult
child, a stranger, a refused application, a payment list for a clinic) are the second matrix.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import typer
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from osms.attachment.models import Attachment, AttachmentApplication, ClinicArea, ClinicDistrict
from osms.cli import app as osms_cli
from osms.core import authz
from osms.core.config import Settings, get_settings
from osms.core.db import get_engine
from osms.core.models import AuditEntry, ImportBatch
from osms.core.security import create_token, create_user
from osms.coverage import cli as coverage_cli
from osms.fhir.api import IIN_SYSTEM
from osms.providers.models import Contract, ContractMonth, Provider, ProviderFounder, ProviderResource
from osms.registry.models import FamilyLink, Person, PersonCategory
from osms.web import pages
from tests.coverage.helpers import EMPLOYER, OTHER_EMPLOYER, Ledger
from tests.registry.helpers import iin

PASSWORD = "pw-access-42"
PARENT = iin(date(1975, 4, 2), "F")
Z = iin(date(2009, 3, 1), "M")  # 17 on 4 December 2026: a minor (kz-law attachment.minor_age = 18)
ADULT_CHILD = iin(date(2000, 7, 7), "M")  # 26: an adult child of PARENT
STRANGER = iin(date(1970, 2, 2), "F")
CLINIC = "ALM-1"
OTHER_CLINIC = "ALM-2"
TODAY = date(2026, 12, 4)
ROLES = ("anonymous", "citizen", "employer", "clinic", "operator", "auditor")
#: The login of each role (``other_clinic``: a clinic the person is not attached to).
USERNAMES = {role: role for role in (*ROLES, "other_clinic")} | {"citizen": "parent"}
FIELDS = (
    "insured",
    "until",
    "basis",
    "category",
    "payer",
    "months_paid",
    "arrears",
    "payments",
    "attachment",
    "name",
    "birth_date",
    "address",
    "family",
)


def _person(session: Session, number: str, birth: date, sex: str, last: str, first: str) -> None:
    session.add(
        Person(
            iin=number,
            last_name=last,
            first_name=first,
            birth_date=birth,
            sex=sex,
            residency="citizen",
            region="KZ-ALA",
            address_code="ALA-001",
        )
    )
    session.flush()


@pytest.fixture
def world(session: Session, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    monkeypatch.setattr(pages, "today", lambda: TODAY)
    _person(session, PARENT, date(1975, 4, 2), "F", "Серікова", "Ботагөз")
    _person(session, Z, date(2009, 3, 1), "M", "Жұмабаев", "Ерлан")
    _person(session, ADULT_CHILD, date(2000, 7, 7), "M", "Жұмабаев", "Асқар")
    _person(session, STRANGER, date(1970, 2, 2), "F", "Иванова", "Ольга")
    for child in (Z, ADULT_CHILD):
        session.add(FamilyLink(iin=child, relative_iin=PARENT, relation="parent"))
    session.add(
        PersonCategory(
            iin=Z, category="disability", valid_from=date(2025, 1, 1), valid_to=date(2027, 5, 31), source="t"
        )
    )
    ledger = Ledger(session)
    ledger.pay_range(Z, "2026-01", "2026-10", payer=EMPLOYER, amount="4250.00")
    ledger.pay_range(ADULT_CHILD, "2026-01", "2026-10", payer=OTHER_EMPLOYER)
    ledger.pay_range(STRANGER, "2026-01", "2026-10", payer=OTHER_EMPLOYER)
    ledger.refresh()
    for provider_id, bin_, name in ((CLINIC, "100540000018", "Емхана"), (OTHER_CLINIC, "100540000026", "Басқа")):
        session.add(
            Provider(
                provider_id=provider_id,
                bin=bin_,
                name=name,
                ownership="private",
                region="KZ-ALA",
                settlement="Алматы",
                kind="phc",
                status="active",
                own_is=True,
                tax_arrears=Decimal("0.00"),
            )
        )
    session.flush()
    for provider_id in (CLINIC, OTHER_CLINIC):
        session.add(ProviderResource(provider_id=provider_id, resource="phc_capacity", quantity=0))
        session.add(ClinicArea(clinic_id=provider_id, service_area="ALA-001"))
    session.add(ProviderFounder(provider_id=CLINIC, iin=STRANGER, decision_rights=True))
    # contracts: the clinic's contract C-ALM-1 for 2026 (docs/providers.md, "Contracts")
    session.add(
        Contract(
            contract_id=f"C-{CLINIC}",
            provider_id=CLINIC,
            fund_party="ФСМС",
            valid_from=date(2026, 1, 1),
            valid_to=date(2026, 12, 31),
            signed_on=date(2025, 12, 20),
            ground="p19_reserve",
            advance_percent=0,
            place_of_service="Алматы",
            created_by="t",
        )
    )
    session.flush()
    session.add(
        ContractMonth(
            contract_id=f"C-{CLINIC}", care_type="phc", month=date(2026, 12, 1), volume=10, sum=Decimal("100.00")
        )
    )
    session.add(ClinicDistrict(clinic_id=CLINIC, district_id="P1", specialty="pediatrician", doctor="Dr", norm=10))
    session.add(
        Attachment(
            iin=Z, clinic_id=CLINIC, district_id="P1", valid_from=date(2020, 1, 1), home_visits=True, kind="first"
        )
    )
    # The clinic filed an application for the stranger, which was refused (the clinic is full).
    session.add(
        AttachmentApplication(
            iin=STRANGER,
            clinic_id=CLINIC,
            reason="first",
            applied_on=TODAY,
            decision="refused",
            reason_codes="clinic_full",
            rulebook="kz-law",
            channel="api",
        )
    )
    users = {
        "citizen": create_user(session, "parent", PASSWORD, "citizen", "Ботагөз", iin=PARENT),
        "employer": create_user(session, "employer", PASSWORD, "employer", "ТОО", bin=EMPLOYER),
        "clinic": create_user(session, "clinic", PASSWORD, "clinic", "Емхана", provider_id=CLINIC),
        "other_clinic": create_user(session, "other_clinic", PASSWORD, "clinic", "Басқа", provider_id=OTHER_CLINIC),
        "operator": create_user(session, "operator", PASSWORD, "operator", "Оператор"),
        "auditor": create_user(session, "auditor", PASSWORD, "auditor", "Аудитор"),
    }
    tokens = {role: create_token(session, user, "t") for role, user in users.items()}
    session.add(
        ImportBatch(
            kind="payments", file_name="r.csv", sha256="0" * 64, started_at=datetime.now(UTC), created_by="operator"
        )
    )
    session.commit()
    return tokens


def _auth(tokens: dict[str, str], role: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {tokens[role]}"} if role in tokens else {}


def _login(client: TestClient, role: str) -> None:
    if role == "anonymous":
        return
    form = client.get("/login")
    csrf = re.search(r'name="csrf" value="([^"]+)"', form.text)
    assert csrf
    answer = client.post(
        "/login",
        data={"username": USERNAMES[role], "password": PASSWORD, "csrf": csrf.group(1)},
    )
    assert answer.status_code in (200, 303), answer.text


# --- What each channel carries --------------------------------------------------------------


def status_fields(answer: dict[str, Any]) -> set[str]:
    """The person's fields in a status answer (API, hot path, CLI): a field is there when not null."""
    found = {"insured"} if isinstance(answer.get("insured"), bool) else set()
    basis = answer.get("basis") or {}
    found |= {"until"} if answer.get("insured_until") else set()
    found |= {"basis"} if basis.get("code") else set()
    found |= {"category"} if basis.get("category") else set()
    found |= {"payer"} if basis.get("payer") else set()
    found |= {"months_paid"} if answer.get("months_paid_last_12") is not None else set()
    found |= {"arrears"} if answer.get("arrears") is not None else set()
    return found


def api_fields(client: TestClient, headers: dict[str, str], number: str) -> tuple[set[str], dict[str, int]]:
    """The fields the four person endpoints give, and the status code of each."""
    codes: dict[str, int] = {}
    found: set[str] = set()
    status = client.get(f"/api/v1/persons/{number}/status", headers=headers)
    codes["status"] = status.status_code
    if status.status_code == 200:
        found |= status_fields(status.json())
    card = client.get(f"/api/v1/persons/{number}", headers=headers)
    codes["card"] = card.status_code
    if card.status_code == 200:
        body = card.json()
        found |= {"name"} if body.get("last_name") else set()
        found |= {"birth_date"} if body.get("birth_date") else set()
        found |= {"address"} if body.get("address_code") or body.get("region") else set()
        found |= {"family"} if body.get("family") else set()
        found |= {"category"} if body.get("categories") else set()
    payments = client.get(f"/api/v1/persons/{number}/payments", headers=headers)
    codes["payments"] = payments.status_code
    if payments.status_code == 200 and payments.json()["months"]:
        found |= {"payments", "payer"}
    attachment = client.get(f"/api/v1/persons/{number}/attachment", headers=headers)
    codes["attachment"] = attachment.status_code
    if attachment.status_code == 200 and attachment.json().get("clinic"):
        found.add("attachment")
    return found, codes


def fhir_fields(client: TestClient, headers: dict[str, str], number: str) -> tuple[set[str], int]:
    """The fields of the FHIR Coverage search and eligibility answers."""
    search = client.get("/fhir/Coverage", params={"beneficiary:identifier": number}, headers=headers)
    request = {
        "resourceType": "CoverageEligibilityRequest",
        "status": "active",
        "purpose": ["validation"],
        "patient": {"identifier": {"system": IIN_SYSTEM, "value": number}},
        "created": "2026-12-04",
        "insurer": {"display": "ФСМС"},
    }
    eligibility = client.post(
        "/fhir/CoverageEligibilityRequest",
        content=json.dumps(request),
        headers={"Content-Type": "application/fhir+json", **headers},
    )
    assert search.status_code == eligibility.status_code
    if search.status_code != 200:
        return set(), search.status_code
    found: set[str] = set()
    text = search.text + eligibility.text
    response = eligibility.json()
    if isinstance(response["insurance"][0].get("inforce"), bool):
        found.add("insured")
    parts = {p["url"] for ext in response.get("extension", []) for p in ext.get("extension", [])}
    coverage = search.json()["entry"][0]["resource"]
    if (
        "insuredUntil" in parts
        or "end" in coverage.get("period", {})
        or "end" in response["insurance"][0].get("benefitPeriod", {})
    ):
        found.add("until")
    mapping = {"basis": "basis", "category": "category", "payer": "payer", "monthPaid": "months_paid"}
    found |= {field for url, field in mapping.items() if url in parts}
    if "arrearsAmount" in parts:
        found.add("arrears")
    assert "disability" not in text or "category" in found, "the category leaks outside its extension"
    return found, 200


WEB_MARKERS = {
    "insured": ('data-status="insured"', 'data-status="not_insured"'),
    "until": ("Insured until", "no end date"),
    "basis": ("data-basis=",),
    "category": ("disability",),
    "payer": (">Payer<",),
    "months_paid": ('class="months-strip"',),
    "arrears": ('class="arrears"',),
    "payments": ('class="payments"', 'data-total="deduction"'),
    "attachment": ("data-clinic=",),
    "name": ("Жұмабаев",),
    "birth_date": ("01.03.2009", "1 Mar 2009", "2009-03-01"),
    "address": ("KZ-ALA", "ALA-001", "<dd>Almaty</dd>"),  # the region by its name on pages
    "family": ("Серікова",),
}


def web_fields(client: TestClient, role: str) -> tuple[set[str], int]:
    """The fields of the page each role opens about Z: the public box for anonymous visitors, the
    employer's page of the month for the employer, the person's card for the others."""
    if role == "anonymous":
        page = client.get("/check", params={"iin": Z, "lang": "en"})
    elif role == "employer":
        page = client.get("/employer", params={"period": "2026-10", "lang": "en"})
    else:
        page = client.get(f"/persons/{Z}", params={"lang": "en"})
    if page.status_code != 200:
        return set(), page.status_code
    text = page.text.lower()
    return {field for field, marks in WEB_MARKERS.items() if any(m.lower() in text for m in marks)}, 200


ALL = set(FIELDS)
STATUS_ONLY = {"insured"}
CLINIC_SEES = {"insured", "until", "basis", "category", "attachment", "name", "birth_date", "address", "family"}

# role -> channel -> the fields the answer carries (docs/access.md; Z has no arrears in the web
# page's sense — no unpaid month — so the arrears table is absent there for everyone).
EXPECTED: dict[str, dict[str, set[str] | int]] = {
    "anonymous": {"api": 401, "fhir": 401, "web": STATUS_ONLY},
    "citizen": {
        "api": ALL,
        "fhir": {"insured", "until", "basis", "category", "payer", "months_paid", "arrears"},
        "web": ALL - {"arrears", "attachment"},
    },
    "employer": {"api": STATUS_ONLY, "fhir": STATUS_ONLY, "web": {"insured", "name", "payments"}},
    "clinic": {
        "api": CLINIC_SEES,
        "fhir": {"insured", "until", "basis", "category"},
        "web": CLINIC_SEES - {"attachment"},
    },
    "operator": {
        "api": ALL,
        "fhir": {"insured", "until", "basis", "category", "payer", "months_paid", "arrears"},
        "web": ALL - {"arrears", "attachment"},
    },
    "auditor": {
        "api": ALL,
        "fhir": {"insured", "until", "basis", "category", "payer", "months_paid", "arrears"},
        "web": ALL - {"arrears", "attachment"},
    },
}


@pytest.mark.parametrize("channel", ["api", "fhir", "web"])
@pytest.mark.parametrize("role", ROLES)
def test_role_sees_exactly_its_fields(client: TestClient, world: dict[str, str], role: str, channel: str) -> None:
    expected = EXPECTED[role][channel]
    if channel == "api":
        found, codes = api_fields(client, _auth(world, role), Z)
        if isinstance(expected, int):
            assert set(codes.values()) == {expected}, codes
            return
        # every endpoint the role may not use answers a clear 403
        assert set(codes.values()) <= {200, 403}, codes
    elif channel == "fhir":
        found, code = fhir_fields(client, _auth(world, role), Z)
        if isinstance(expected, int):
            assert code == expected
            return
        assert code == 200
    else:
        _login(client, role)
        found, code = web_fields(client, role)
        assert code == 200
    assert found == expected, f"{role} on {channel}: extra {found - expected}, missing {expected - found}"


def test_the_employer_never_reads_the_category_anywhere(client: TestClient, world: dict[str, str]) -> None:
    """Z is the employer's employee with a disability: nothing the employer gets names it."""
    headers = _auth(world, "employer")
    texts = [
        client.get(f"/api/v1/persons/{Z}/status", headers=headers).text,
        client.get("/fhir/Coverage", params={"beneficiary:identifier": Z}, headers=headers).text,
    ]
    _login(client, "employer")
    texts.append(client.get("/employer", params={"period": "2026-10", "lang": "en"}).text)
    for text in texts:
        assert "disability" not in text.lower()
        assert "state_paid_category" not in text


def test_the_command_line_is_the_operators_tool(
    world: dict[str, str], db_url: str, engine: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``osms status`` runs as an operator (docs/access.md): the whole answer."""
    app = typer.Typer()
    app.command("status")(coverage_cli.status_command)
    monkeypatch.setattr(coverage_cli, "get_settings", lambda: Settings(database_url=db_url, language="en"))
    monkeypatch.setattr(coverage_cli, "get_engine", lambda url=None: engine)
    result = CliRunner().invoke(app, [Z, "--json"])
    assert result.exit_code == 0, result.output
    assert status_fields(json.loads(result.stdout)) == {
        "insured",
        "until",
        "basis",
        "category",
        "payer",
        "months_paid",
        "arrears",
    }


# --- Denials: each a 403 problem+json (pages: a 403 page) -------------------------------------

DENIED = [
    # a parent sees children under the minor age and wards, not adult children
    ("citizen", "GET", f"/api/v1/persons/{ADULT_CHILD}"),
    ("citizen", "GET", f"/api/v1/persons/{ADULT_CHILD}/status"),
    ("citizen", "GET", f"/api/v1/persons/{ADULT_CHILD}/payments"),
    ("citizen", "GET", f"/api/v1/persons/{ADULT_CHILD}/attachment"),
    ("citizen", "FHIR", ADULT_CHILD),
    ("citizen", "POST", "/api/v1/entitlements"),
    # a clinic needs insured, until and the attachment: not the payers and amounts
    ("clinic", "GET", f"/api/v1/persons/{Z}/payments"),
    # a refused application to the clinic gives it nothing to read
    ("clinic", "GET", f"/api/v1/persons/{STRANGER}/attachment"),
    # an employer sees its employees' status only
    ("employer", "GET", f"/api/v1/persons/{STRANGER}/status"),
    ("employer", "FHIR", STRANGER),
    ("employer", "GET", f"/api/v1/persons/{Z}"),
    ("employer", "GET", f"/api/v1/persons/{Z}/payments"),
    ("employer", "GET", f"/api/v1/persons/{Z}/attachment"),
]


@pytest.mark.parametrize(("role", "method", "target"), DENIED)
def test_denied(client: TestClient, world: dict[str, str], role: str, method: str, target: str) -> None:
    headers = _auth(world, role)
    if method == "FHIR":
        answer = client.get("/fhir/Coverage", params={"beneficiary:identifier": target}, headers=headers)
        assert answer.status_code == 403
        assert answer.json()["resourceType"] == "OperationOutcome"
        return
    if method == "POST":
        answer = client.post(target, json={"iin": ADULT_CHILD, "care_type": "consult_diag"}, headers=headers)
    else:
        answer = client.get(target, headers=headers)
    assert answer.status_code == 403, answer.text
    assert answer.headers["content-type"].startswith("application/problem+json")
    assert answer.json()["code"] == "forbidden"


@pytest.mark.parametrize("target", [f"/persons/{ADULT_CHILD}", f"/persons/{STRANGER}"])
def test_parent_page_of_an_adult_child_is_denied(client: TestClient, world: dict[str, str], target: str) -> None:
    _login(client, "citizen")
    page = client.get(target, params={"lang": "en"})
    assert page.status_code == 403
    assert "Асқар" not in page.text and "Ольга" not in page.text


def test_parent_cabinet_lists_only_the_minor_childs_status(client: TestClient, world: dict[str, str]) -> None:
    """/me shows the statuses of the children under 18 and wards: Z, not the adult son."""
    _login(client, "citizen")
    page = client.get("/me", params={"lang": "en"})
    assert page.status_code == 200
    section = re.search(r'<section class="family-status".*?</section>', page.text, re.S)
    assert section is not None
    assert re.findall(r'data-iin="(\d{12})"', section.group(0)) == [Z]


# --- Every route × every role × relation: the answer and the audit entry ----------------------
#
# One table, ``ROUTES``: for each route of the app (API, FHIR, pages), how to ask it about a
# subject, and what each role gets in each relation to the subject: the status code and the
# audit entry (a read logged ``ok``, a refusal logged ``denied``). A route that is neither here
# nor in ``PUBLIC`` fails ``test_every_route_is_in_the_matrix``: a new room adds its rows.

#: The subject each relation names (the person asked about; for a clinic's data the clinic).
SUBJECTS = {
    "self": PARENT,
    "child": Z,  # a minor child of the citizen
    "adult_child": ADULT_CHILD,
    "stranger": STRANGER,  # no relation; the clinic's refused applicant; paid for by another employer
    "employee": Z,  # paid for by the employer in the last 12 months
    "attached": Z,  # attached to the clinic login's clinic
    "another_clinic": Z,  # attached to the first clinic, asked about by the other one
    "any": Z,
    "own_clinic": CLINIC,
    "other_clinics": CLINIC,  # the other clinic asks about the first one's data
    "a_clinic": CLINIC,  # any other role asks about a clinic's data
    "own_bin": EMPLOYER,
    "other_bin": OTHER_EMPLOYER,
    "none": "",
}

#: Each role asks in the relations it can have to a person.
PERSON_CASES = (
    ("anonymous", "any"),
    ("citizen", "self"),
    ("citizen", "child"),
    ("citizen", "adult_child"),
    ("citizen", "stranger"),
    ("employer", "employee"),
    ("employer", "stranger"),
    ("clinic", "attached"),
    ("clinic", "stranger"),
    ("other_clinic", "another_clinic"),
    ("operator", "any"),
    ("auditor", "any"),
)
ROLE_CASES = tuple(
    (role, "none") for role in ("anonymous", "citizen", "employer", "clinic", "other_clinic", "operator", "auditor")
)
CLINIC_CASES = tuple(
    (role, {"clinic": "own_clinic", "other_clinic": "other_clinics"}.get(role, "a_clinic")) for role, _ in ROLE_CASES
)
EMPLOYER_CASES = (*((r, "own_bin" if r == "employer" else "none") for r, _ in ROLE_CASES), ("employer", "other_bin"))

#: Who reads a person's data in which relation (docs/access.md).
FAMILY = {("citizen", "self"), ("citizen", "child")}
READ_ANYONE = {("operator", "any"), ("auditor", "any")}
CLINICS = {("clinic", "attached"), ("clinic", "stranger"), ("other_clinic", "another_clinic")}
CARD = FAMILY | READ_ANYONE | CLINICS
STATUS = CARD | {("employer", "employee")}
PAYMENTS = FAMILY | READ_ANYONE
ATTACHMENT = FAMILY | READ_ANYONE | {("clinic", "attached")}
#: A citizen applies for any family member linked in the registry (docs/attachment.md), a clinic
#: to itself for anyone who comes to it (the clinic asks its own clinic: ``apply_body``).
APPLY = {("citizen", "self"), ("citizen", "child"), ("citizen", "adult_child"), ("operator", "any")} | {
    ("clinic", "attached"),
    ("clinic", "stranger"),
}


def roles_of(*roles: str) -> set[tuple[str, str]]:
    """The roles allowed whatever their relation to the subject."""
    return {(role, relation) for role in roles for relation in SUBJECTS}


Build = Callable[[str, str], tuple[str, dict[str, Any]]]  # (subject, csrf) -> (url, request keywords)


@dataclass(frozen=True)
class Route:
    """One route of the matrix: how to ask it, the cases asked, who is allowed, what is logged."""

    method: str
    path: str
    build: Build
    cases: tuple[tuple[str, str], ...]
    allowed: set[tuple[str, str]]
    read: str | None  # the audit action of an allowed read (None: not a read of a person)
    denied: str  # the audit action of a refusal
    ok: int = 200  # the allowed answer's status
    page: bool = False

    def expected(self, role: str, relation: str) -> int:
        if role == "anonymous":
            return 303 if self.page else 401
        return self.ok if (role, relation) in self.allowed else 403


def get(url: str, **params: Any) -> Build:
    return lambda subject, csrf: (url.format(subject=subject), {"params": {"lang": "en", **params}})


def post(url: str, body: Callable[[str], dict[str, Any]]) -> Build:
    return lambda subject, csrf: (url.format(subject=subject), {"json": body(subject)})


def form(url: str, fields: Callable[[str], dict[str, Any]]) -> Build:
    return lambda subject, csrf: (url, {"data": {"csrf": csrf, **fields(subject)}, "params": {"lang": "en"}})


def eligibility(subject: str) -> dict[str, Any]:
    return {
        "resourceType": "CoverageEligibilityRequest",
        "status": "active",
        "purpose": ["validation"],
        "patient": {"identifier": {"system": IIN_SYSTEM, "value": subject}},
        "created": TODAY.isoformat(),
        "insurer": {"display": "ФСМС"},
    }


def fhir_post(url: str) -> Build:
    return lambda subject, csrf: (
        url,
        {"content": json.dumps(eligibility(subject)), "headers": {"Content-Type": "application/fhir+json"}},
    )


def register_file(subject: str, csrf: str) -> tuple[str, dict[str, Any]]:
    return "/api/v1/payment-registers", {"files": {"file": ("r.csv", b"", "text/csv")}}


def batch_path(subject: str, csrf: str) -> tuple[str, dict[str, Any]]:
    return "/api/v1/import-batches/1", {}


def rejections_path(subject: str, csrf: str) -> tuple[str, dict[str, Any]]:
    return "/api/v1/import-batches/1/rejections", {}


PAYROLL_ROWS = f"iin,period,income\n{Z},2026-11,300000.00"

CARD_READERS = ("clinic", "other_clinic", "operator", "auditor")
LOGINS = ("citizen", "employer", "clinic", "other_clinic", "operator", "auditor")
CLINIC_DATA = {("clinic", "own_clinic"), *roles_of("operator", "auditor")}
PAYROLL = {("employer", "own_bin"), ("operator", "none")}


def payroll_body(bin_: str) -> dict[str, Any]:
    return {"employer": bin_ or EMPLOYER, "rows": [{"iin": Z, "period": "2026-11", "income": "300000.00"}]}


def apply_body(subject: str) -> dict[str, Any]:
    return {"iin": subject, "clinic_id": CLINIC, "reason": "move", "date": TODAY.isoformat()}


def signed_application(subject: str) -> dict[str, Any]:
    return {"application": {"announcement_id": "PROC-X", "provider_id": subject}, "signature": "MA=="}


def entitlement_body(subject: str) -> dict[str, Any]:
    return {"iin": subject, "care_type": "consult_diag"}


def entitlement_form(subject: str) -> dict[str, Any]:
    return {"iin": subject, "care_type": "consult_diag", "date": TODAY.isoformat()}


# fmt: off
ROUTES: tuple[Route, ...] = (
    # registry
    Route("GET", "/api/v1/persons/{iin}", get("/api/v1/persons/{subject}"), PERSON_CASES, CARD,
          "person.read", "person.read.denied"),
    Route("GET", "/persons/{iin}", get("/persons/{subject}"), PERSON_CASES, CARD,
          "person.read", "person.read.denied", page=True),
    Route("GET", "/persons", get("/persons"), ROLE_CASES, roles_of(*CARD_READERS),
          None, "person.read.denied", page=True),
    Route("GET", "/me", get("/me"), ROLE_CASES, roles_of(*LOGINS),
          None, "-", page=True),
    # contributions
    Route("GET", "/api/v1/persons/{iin}/payments", get("/api/v1/persons/{subject}/payments"), PERSON_CASES, PAYMENTS,
          "payments.read", "payments.read.denied"),
    Route("POST", "/api/v1/payment-registers", register_file, ROLE_CASES, roles_of("operator"),
          None, "payments.load.denied", ok=422),  # allowed, and the empty file refused
    Route("POST", "/api/v1/payrolls", post("/api/v1/payrolls", payroll_body), EMPLOYER_CASES, PAYROLL,
          "payroll.compute", "payroll.compute.denied"),
    Route("GET", "/employer", get("/employer", period="2026-10"), ROLE_CASES, roles_of("employer"),
          None, "employer.read.denied", page=True),
    Route("GET", "/employer/payroll", get("/employer/payroll"), ROLE_CASES, roles_of("employer"),
          None, "payroll.compute.denied", page=True),
    Route("POST", "/employer/payroll", form("/employer/payroll", lambda s: {"rows": PAYROLL_ROWS}), ROLE_CASES,
          roles_of("employer"), "payroll.compute", "payroll.compute.denied", page=True),
    Route("GET", "/api/v1/import-batches/{batch_id}", batch_path, ROLE_CASES, roles_of("operator", "auditor"),
          None, "import.read.denied"),
    Route("GET", "/api/v1/import-batches/{batch_id}/rejections", rejections_path, ROLE_CASES,
          roles_of("operator", "auditor"), None, "import.read.denied"),
    # coverage
    Route("GET", "/api/v1/persons/{iin}/status", get("/api/v1/persons/{subject}/status"), PERSON_CASES, STATUS,
          "status.read", "status.read.denied"),
    Route("GET", "/fhir/Coverage", lambda s, c: ("/fhir/Coverage", {"params": {"beneficiary:identifier": s}}),
          PERSON_CASES, STATUS, "status.read", "status.read.denied"),
    Route("POST", "/fhir/CoverageEligibilityRequest", fhir_post("/fhir/CoverageEligibilityRequest"), PERSON_CASES,
          STATUS, "status.read", "status.read.denied"),
    Route("POST", "/api/v1/status:batch", post("/api/v1/status:batch", lambda s: {"iins": [Z]}), ROLE_CASES,
          roles_of(*CARD_READERS), "status.read", "status.batch.denied"),
    Route("GET", "/statuses", get("/statuses"), ROLE_CASES, roles_of(*CARD_READERS),
          None, "status.batch.denied", page=True),
    Route("POST", "/statuses", form("/statuses", lambda s: {"iins": Z}), ROLE_CASES, roles_of(*CARD_READERS),
          "status.read", "status.batch.denied", page=True),
    Route("POST", "/api/v1/pregnancies",
          post("/api/v1/pregnancies", lambda s: {"iin": STRANGER, "entered_on": TODAY.isoformat()}), ROLE_CASES,
          roles_of("clinic", "other_clinic", "operator"), None, "pregnancy.register.denied", ok=201),
    # attachment
    Route("GET", "/api/v1/persons/{iin}/attachment", get("/api/v1/persons/{subject}/attachment"), PERSON_CASES,
          ATTACHMENT, "attachment.read", "attachment.read.denied"),
    Route("POST", "/api/v1/attachments", post("/api/v1/attachments", apply_body), PERSON_CASES, APPLY,
          "attachment.apply", "attachment.apply.denied"),
    Route("GET", "/api/v1/clinics/{clinic_id}/applications", get("/api/v1/clinics/{subject}/applications"),
          CLINIC_CASES, CLINIC_DATA, None, "attachment.applications.read.denied"),
    Route("GET", "/api/v1/clinics/{clinic_id}/population", get("/api/v1/clinics/{subject}/population"),
          CLINIC_CASES, CLINIC_DATA, None, "attachment.population.read.denied"),
    Route("GET", "/clinic/attachments", get("/clinic/attachments", clinic=CLINIC), CLINIC_CASES, CLINIC_DATA,
          None, "attachment.population.read.denied", page=True),
    Route("GET", "/attachment", get("/attachment"), ROLE_CASES, roles_of("citizen"),
          None, "attachment.apply.denied", page=True),
    Route("GET", "/attachment/clinic", get("/attachment/clinic", clinic=CLINIC), ROLE_CASES, roles_of("citizen"),
          None, "attachment.apply.denied", ok=303, page=True),  # without HTMX: to the whole page
    Route("POST", "/attachment", form("/attachment", lambda s: {"clinic": CLINIC, "reason": "move", "iin": [Z]}),
          ROLE_CASES, roles_of("citizen"), "attachment.apply", "attachment.apply.denied", ok=303, page=True),
    # benefits
    Route("POST", "/api/v1/entitlements", post("/api/v1/entitlements", entitlement_body), PERSON_CASES, CARD,
          "entitlement.read", "entitlement.read.denied"),
    Route("GET", "/entitlement", get("/entitlement"), ROLE_CASES, roles_of("citizen", *CARD_READERS),
          None, "entitlement.read.denied", page=True),
    Route("POST", "/entitlement", form("/entitlement", entitlement_form), PERSON_CASES, CARD,
          "entitlement.read", "entitlement.read.denied", page=True),
    # providers
    Route("GET", "/api/v1/providers", get("/api/v1/providers"), ROLE_CASES, roles_of(*CARD_READERS),
          None, "provider.read.denied"),
    Route("GET", "/api/v1/providers/{provider_id}", get("/api/v1/providers/{subject}"), CLINIC_CASES, CLINIC_DATA,
          None, "provider.read.denied"),
    Route("GET", "/api/v1/providers/{provider_id}/founders", get("/api/v1/providers/{subject}/founders"),
          CLINIC_CASES, roles_of("operator", "auditor"), "provider.founders.read", "provider.founders.read.denied"),
    # audit
    Route("GET", "/api/v1/audit", get("/api/v1/audit"), ROLE_CASES, roles_of("auditor"),
          None, "audit.search.denied"),
    Route("GET", "/audit", get("/audit"), ROLE_CASES, roles_of("auditor"),
          None, "audit.search.denied", page=True),
    Route("GET", "/api/v1/me/audit", get("/api/v1/me/audit"), ROLE_CASES, roles_of("citizen"),
          None, "audit.own.read.denied"),
    # any login
    Route("GET", "/api/v1/me", get("/api/v1/me"), ROLE_CASES, roles_of(*LOGINS), None, "-"),
    Route("GET", "/api/v1/clinics", get("/api/v1/clinics", region="KZ-ALA"), ROLE_CASES, roles_of(*LOGINS),
          None, "-"),
    # procurement (slice procflow): no procurement exists in the world, so an allowed request is answered 404
    Route("GET", "/api/v1/procurements/{procurement_id}/applications", get("/api/v1/procurements/PROC-X/applications"),
          ROLE_CASES, roles_of(*CARD_READERS), None, "procurement.applications.read.denied", ok=404),
    Route("POST", "/api/v1/procurements/{procurement_id}/applications",
          post("/api/v1/procurements/PROC-X/applications", signed_application), CLINIC_CASES,
          {("clinic", "own_clinic")}, None, "procurement.apply.denied", ok=404),
    # contracts
    Route("GET", "/api/v1/contracts", get("/api/v1/contracts"), ROLE_CASES, roles_of(*CARD_READERS),
          None, "contract.read.denied"),
    Route("GET", "/api/v1/contracts/{contract_id:path}", get("/api/v1/contracts/C-{subject}"), CLINIC_CASES,
          CLINIC_DATA, None, "contract.read.denied"),
    Route("GET", "/fhir/Contract/{contract_id:path}", get("/fhir/Contract/C-{subject}"), CLINIC_CASES, CLINIC_DATA,
          None, "contract.read.denied"),
    Route("GET", "/fhir/Contract", lambda s, c: ("/fhir/Contract", {"params": {"provider": s}}), CLINIC_CASES,
          CLINIC_DATA, None, "contract.read.denied"),
    Route("GET", "/fhir/Organization/{provider_id}", get("/fhir/Organization/{subject}"), CLINIC_CASES, CLINIC_DATA,
          None, "provider.read.denied"),
    Route("GET", "/fhir/Organization", lambda s, c: ("/fhir/Organization", {"params": {"identifier": "100540000018"}}),
          ROLE_CASES, roles_of(*CARD_READERS), None, "provider.read.denied"),
    # providers' pages (slice pages): the cabinet of the provider named; the commission's page and forms of a
    # procurement that does not exist in the world (allowed: 404 after the check)
    Route("GET", "/provider", get("/provider", provider=CLINIC), CLINIC_CASES, CLINIC_DATA,
          None, "provider.read.denied", page=True),
    Route("POST", "/provider/applications/{procurement_id}/{application_id}/correct",
          form("/provider/applications/PROC-X/A1/correct", lambda s: {"volume": "1"}), ROLE_CASES,
          roles_of("operator"), None, "procurement.correct.denied", ok=404, page=True),
    Route("GET", "/commission/{procurement_id}", get("/commission/PROC-X"), ROLE_CASES, roles_of("operator", "auditor"),
          None, "procurement.commission.read.denied", ok=404, page=True),
    Route("POST", "/commission/{procurement_id}/votes",
          form("/commission/PROC-X/votes", lambda s: {"application_id": "A1", "member": "M", "ballot": "for"}),
          ROLE_CASES, roles_of("operator"), None, "procurement.commission.record.denied", ok=404, page=True),
    Route("POST", "/commission/{procurement_id}/false-information",
          form("/commission/PROC-X/false-information", lambda s: {"application_id": "A1", "reason": "r"}),
          ROLE_CASES, roles_of("operator"), None, "procurement.commission.record.denied", ok=404, page=True),
    # claims (slice channels; docs/claims.md, "Channels" and "What the citizen sees")
    Route("GET", "/api/v1/persons/{iin}/services", get("/api/v1/persons/{subject}/services"), PERSON_CASES,
          FAMILY | READ_ANYONE, "services.read", "services.read.denied"),
    Route("POST", "/api/v1/persons/{iin}/services/{record_ref}/complaint",
          post("/api/v1/persons/{subject}/services/999999/complaint", lambda s: {"note": "not received"}),
          PERSON_CASES, FAMILY | {("operator", "any")}, None, "monitoring.complaint.file.denied", ok=404),
    Route("POST", "/me/services/{record_ref}/complaint",
          form("/me/services/999999/complaint", lambda s: {"iin": s, "note": "not received"}),
          PERSON_CASES, FAMILY | {("operator", "any")}, None, "monitoring.complaint.file.denied", ok=404, page=True),
    Route("POST", "/api/v1/service-reports", post("/api/v1/service-reports", lambda s: {"records": []}), ROLE_CASES,
          {("clinic", "none"), ("other_clinic", "none"), *roles_of("operator")}, None, "service_report.send.denied"),
    Route("POST", "/fhir/Claim", lambda s, c: ("/fhir/Claim", {"content": json.dumps({"resourceType": "Bundle",
          "type": "batch"}), "headers": {"Content-Type": "application/fhir+json"}}), ROLE_CASES,
          {("clinic", "none"), ("other_clinic", "none"), *roles_of("operator")}, None, "service_report.send.denied"),
    # claims pages (issue 13, slice pages): a provider's intake and defects (its own; the fund's staff any), the
    # fund's monitoring pages (operators and auditors; this world has no defect or record: 404 once allowed)
    Route("GET", "/services/intake", get("/services/intake", provider=CLINIC), CLINIC_CASES, CLINIC_DATA,
          None, "services.intake.read.denied", page=True),
    Route("GET", "/services/intake.csv", get("/services/intake.csv", provider=CLINIC), CLINIC_CASES, CLINIC_DATA,
          None, "services.intake.read.denied", page=True),
    Route("GET", "/services/defects", get("/services/defects", provider=CLINIC), CLINIC_CASES, CLINIC_DATA,
          None, "monitoring.read.denied", page=True),
    Route("GET", "/monitoring", get("/monitoring"), ROLE_CASES, roles_of("operator", "auditor"),
          None, "monitoring.queue.read.denied", page=True),
    Route("GET", "/monitoring/defects/{defect_id}", get("/monitoring/defects/1"), ROLE_CASES,
          roles_of("operator", "auditor"), None, "monitoring.queue.read.denied", ok=404, page=True),
    Route("GET", "/monitoring/records/{ref}", get("/monitoring/records/1"), ROLE_CASES,
          roles_of("operator", "auditor"), None, "monitoring.queue.read.denied", ok=404, page=True),
    # the pages' forms (a provider is refused an unknown defect as another's: it learns no ids)
    Route("POST", "/services/defects/{defect_id}/objection",
          form("/services/defects/1/objection", lambda s: {"note": "n"}), ROLE_CASES, roles_of("operator"), None,
          "monitoring.defect.object.denied", ok=404, page=True),
    Route("POST", "/monitoring/defects/{defect_id}/decision",
          form("/monitoring/defects/1/decision", lambda s: {"decision": "upheld", "region": "KZ-AST"}),
          ROLE_CASES, roles_of("operator"), None, "monitoring.defect.decide.denied", ok=404, page=True),
    Route("POST", "/monitoring/records/{ref}/defects", form("/monitoring/records/1/defects", lambda s: {"code": "1.0"}),
          ROLE_CASES, roles_of("operator"), None, "monitoring.defect.add.denied", ok=404, page=True),
    Route("POST", "/monitoring/cases/{case_id}/close",
          form("/monitoring/cases/1/close", lambda s: {"outcome": "confirmed"}),
          ROLE_CASES, roles_of("operator"), None, "monitoring.case.manage.denied", ok=404, page=True),
    Route("POST", "/monitoring/deaths", form("/monitoring/deaths", lambda s: {}), ROLE_CASES, roles_of("operator"),
          None, "monitoring.case.manage.denied", ok=303, page=True),
    # --- percapita (payments: per capita of a PHC provider; docs/payments.md) ---------------------
    Route("GET", "/api/v1/providers/{provider_id}/per-capita",
          get("/api/v1/providers/{subject}/per-capita", month="2026-11"), CLINIC_CASES, CLINIC_DATA,
          "payments.per_capita.read", "payments.per_capita.read.denied"),
    Route("GET", "/per-capita",
          lambda s, c: ("/per-capita", {"params": {"lang": "en", "provider": s or "-", "month": "2026-11"}}),
          CLINIC_CASES, CLINIC_DATA, "payments.per_capita.read", "payments.per_capita.read.denied", page=True),
    # --- monitor (claims: monitoring and appeals; docs/claims.md) ---------------------------------
    # The world holds no service records: the defect, record and case ids are unknown, so the
    # allowed roles get 404 and a provider's login is refused like for another's.
    Route("GET", "/api/v1/monitoring/findings",
          lambda s, c: ("/api/v1/monitoring/findings", {"params": {"provider": s or "-", "month": "2026-11"}}),
          CLINIC_CASES, CLINIC_DATA, None, "monitoring.read.denied"),
    Route("GET", "/api/v1/providers/{provider_id}/defects", get("/api/v1/providers/{subject}/defects", month="2026-11"),
          CLINIC_CASES, CLINIC_DATA, None, "monitoring.read.denied"),
    Route("GET", "/api/v1/monitoring/defects/{defect_id}", get("/api/v1/monitoring/defects/999"), ROLE_CASES,
          roles_of("operator", "auditor"), None, "monitoring.read.denied", ok=404),
    Route("POST", "/api/v1/monitoring/records/{record_ref}/defects",
          post("/api/v1/monitoring/records/999/defects", lambda s: {"code": "5.1", "note": "n"}), ROLE_CASES,
          roles_of("operator"), None, "monitoring.defect.add.denied", ok=404),
    Route("POST", "/api/v1/monitoring/defects/{defect_id}/objection",
          post("/api/v1/monitoring/defects/999/objection", lambda s: {"note": "n"}), ROLE_CASES,
          roles_of("operator"), None, "monitoring.defect.object.denied", ok=404),
    Route("POST", "/api/v1/monitoring/defects/{defect_id}/decision",
          post("/api/v1/monitoring/defects/999/decision", lambda s: {"decision": "upheld", "region": "KZ-AST"}),
          ROLE_CASES, roles_of("operator"), None, "monitoring.defect.decide.denied", ok=404),
    Route("GET", "/api/v1/monitoring/deaths", get("/api/v1/monitoring/deaths"), ROLE_CASES,
          roles_of("operator", "auditor"), None, "monitoring.queue.read.denied"),
    Route("POST", "/api/v1/monitoring/deaths/cases", post("/api/v1/monitoring/deaths/cases", lambda s: {}),
          ROLE_CASES, roles_of("operator"), None, "monitoring.case.manage.denied"),
    Route("GET", "/api/v1/monitoring/reviews", get("/api/v1/monitoring/reviews"), ROLE_CASES,
          roles_of("operator", "auditor"), None, "monitoring.queue.read.denied"),
    Route("GET", "/api/v1/monitoring/cases", get("/api/v1/monitoring/cases"), ROLE_CASES,
          roles_of("operator", "auditor"), None, "monitoring.queue.read.denied"),
    Route("GET", "/api/v1/monitoring/escalation", get("/api/v1/monitoring/escalation", month="2026-11"), ROLE_CASES,
          roles_of("operator", "auditor"), None, "monitoring.queue.read.denied"),
    Route("POST", "/api/v1/monitoring/cases",
          post("/api/v1/monitoring/cases", lambda s: {"provider_id": s, "trigger": "risk", "note": "n"}),
          CLINIC_CASES, roles_of("operator"), None, "monitoring.case.manage.denied", ok=201),
    Route("POST", "/api/v1/monitoring/cases/{case_id}/close",
          post("/api/v1/monitoring/cases/999/close", lambda s: {"outcome": "not_confirmed"}), ROLE_CASES,
          roles_of("operator"), None, "monitoring.case.manage.denied", ok=404),
    Route("POST", "/api/v1/monitoring/complaints", post("/api/v1/monitoring/complaints", lambda s: {"record_ref": 999}),
          ROLE_CASES, roles_of("operator"), None, "monitoring.complaint.file.denied", ok=404),
    Route("POST", "/api/v1/monitoring/months/{month}/close", post("/api/v1/monitoring/months/2020-01/close",
          lambda s: {}), ROLE_CASES, roles_of("operator"), None, "monitoring.month.close.denied"),
    # --- run (payments: the monthly run; docs/payments.md) -----------------------------------------
    # The world holds no contract: the allowed roles get 404 for a contract's run, a provider's
    # login is refused like for another's; running a month with no contracts answers an empty list.
    Route("POST", "/api/v1/payment-runs",
          lambda s, c: ("/api/v1/payment-runs", {"params": {"month": "2026-11"}}),
          ROLE_CASES, roles_of("operator"), None, "payment.run.compute.denied"),
    Route("GET", "/api/v1/payment-runs/{contract_id}/{month}", get("/api/v1/payment-runs/C-NONE/2026-11"),
          ROLE_CASES, roles_of("operator", "auditor"), None, "payment.run.read.denied", ok=404),
    Route("POST", "/api/v1/payment-runs/{contract_id}/{month}/protocol",
          post("/api/v1/payment-runs/C-NONE/2026-11/protocol", lambda s: {}),
          ROLE_CASES, roles_of("operator"), None, "payment.run.manage.denied", ok=404),
    Route("POST", "/api/v1/payment-runs/{contract_id}/{month}/objection",
          post("/api/v1/payment-runs/C-NONE/2026-11/objection", lambda s: {"note": "n"}),
          ROLE_CASES, roles_of("operator"), None, "payment.run.object.denied", ok=404),
    Route("POST", "/api/v1/payment-runs/{contract_id}/{month}/answer",
          post("/api/v1/payment-runs/C-NONE/2026-11/answer", lambda s: {"note": "n"}),
          ROLE_CASES, roles_of("operator"), None, "payment.run.manage.denied", ok=404),
    Route("POST", "/api/v1/payment-runs/{contract_id}/{month}/sign",
          post("/api/v1/payment-runs/C-NONE/2026-11/sign", lambda s: {}),
          ROLE_CASES, roles_of("operator"), None, "payment.run.manage.denied", ok=404),
    Route("POST", "/api/v1/payment-runs/{contract_id}/{month}/adjustments",
          post("/api/v1/payment-runs/C-NONE/2026-11/adjustments", lambda s: {"amount": "10.00", "reason": "r"}),
          ROLE_CASES, roles_of("operator"), None, "payment.run.manage.denied", ok=404),
    # --- acts (payments: the statement, the run page, the act and the payment orders) -------------
    # The world has no payment run: the statement is empty, an act or a step names an unknown
    # contract (404 once allowed; a provider's login is refused it like another's).
    Route("GET", "/payments/statement", get("/payments/statement", provider=CLINIC, month="2026-11"), CLINIC_CASES,
          CLINIC_DATA, None, "payment.run.read.denied", page=True),
    Route("GET", "/payments/statement.pdf", get("/payments/statement.pdf", contract="X-1", month="2026-11"),
          ROLE_CASES, roles_of("operator", "auditor"), None, "payment.run.read.denied", ok=404, page=True),
    Route("POST", "/payments/statement/objection",
          form("/payments/statement/objection", lambda s: {"contract": "X-1", "month": "2026-11", "note": "n"}),
          ROLE_CASES, roles_of("operator"), None, "payment.run.object.denied", ok=404, page=True),
    Route("GET", "/payments/runs", get("/payments/runs", month="2026-11"), ROLE_CASES,
          roles_of("operator", "auditor"), None, "payment.run.read.denied", page=True),
    Route("POST", "/payments/runs", form("/payments/runs", lambda s: {"month": "2020-01"}), ROLE_CASES,
          roles_of("operator"), None, "payment.run.compute.denied", ok=303, page=True),
    Route("POST", "/payments/runs/{contract_id}/protocol",
          form("/payments/runs/X-1/protocol", lambda s: {"month": "2026-11"}), ROLE_CASES,
          roles_of("operator"), None, "payment.run.manage.denied", ok=404, page=True),
    Route("POST", "/payments/runs/{contract_id}/answer",
          form("/payments/runs/X-1/answer", lambda s: {"month": "2026-11", "note": "n"}), ROLE_CASES,
          roles_of("operator"), None, "payment.run.manage.denied", ok=404, page=True),
    Route("POST", "/payments/runs/{contract_id}/sign",
          form("/payments/runs/X-1/sign", lambda s: {"month": "2026-11"}), ROLE_CASES,
          roles_of("operator"), None, "payment.run.manage.denied", ok=404, page=True),
    Route("GET", "/payments/orders.csv", get("/payments/orders.csv", due_by="2026-12-31"), ROLE_CASES,
          roles_of("operator"), None, "payments.orders.read.denied", page=True),
    Route("GET", "/api/v1/payment-runs/{contract_id}/{month}/act.pdf", get("/api/v1/payment-runs/X-1/2026-11/act.pdf"),
          ROLE_CASES, roles_of("operator", "auditor"), None, "payment.run.read.denied", ok=404),
    Route("GET", "/api/v1/payment-orders", get("/api/v1/payment-orders", due_by="2026-12-31"), ROLE_CASES,
          roles_of("operator"), None, "payments.orders.read.denied"),
    # --- advances (payments: the advances the fund pays; docs/payments.md, "Advances") ----------
    # The world's contract C-<clinic> is the clinic's first (a first-time provider): an operator's
    # advance on it is refused with 409 first_time_provider, after the access check.
    Route("POST", "/api/v1/payment-advances",
          post("/api/v1/payment-advances", lambda s: {"contract_id": f"C-{CLINIC}", "kind": "signing",
                                                      "year": 2026, "percent": 30}),
          ROLE_CASES, roles_of("operator"), None, "payment.advance.decide.denied", ok=409),
    Route("GET", "/api/v1/payment-advances",
          lambda s, c: ("/api/v1/payment-advances", {"params": {"provider": s or "-", "year": 2026}}),
          CLINIC_CASES, CLINIC_DATA, None, "payment.advance.read.denied"),
)
# fmt: on

#: Routes open to anyone: public facts (rates, care types, the FHIR capability statement), the
#: public status box, logging in and out, the API documents, static files.
PUBLIC = {
    ("GET", "/"),
    ("GET", "/check"),
    ("GET", "/login"),
    ("POST", "/login"),
    ("POST", "/logout"),
    ("GET", "/health"),
    ("GET", "/openapi.json"),
    ("GET", "/docs"),
    ("GET", "/redoc"),
    ("GET", "/static"),
    ("GET", "/api/v1/calc"),
    ("GET", "/api/v1/care-types"),
    ("GET", "/fhir/metadata"),
    ("GET", "/api/v1/contracted-providers"),
    ("POST", "/api/v1/auth/tokens"),
    # procurement (slice procflow): the announcements and, once published, their results are public
    ("GET", "/api/v1/procurements"),
    ("GET", "/api/v1/procurements/{procurement_id}"),
    # providers' pages (slice pages): the announcements, published results and the active register
    ("GET", "/procurements"),
    ("GET", "/procurements/{procurement_id}"),
    ("GET", "/providers"),
    ("GET", "/contracted-providers"),
    # payments (slice tariffs): tariffs are law; the calculator reads nobody's data
    ("GET", "/api/v1/tariffs/price"),
    ("GET", "/tariffs"),
}


def app_routes(routes: Any) -> set[tuple[str, str]]:
    """(method, path) of every route of the app, the included routers' and the mounts' too."""
    found: set[tuple[str, str]] = set()
    for route in routes:
        if hasattr(route, "original_router"):  # FastAPI's included router
            found |= app_routes(route.original_router.routes)
            continue
        methods = getattr(route, "methods", None) or {"GET"}
        found |= {(method, route.path) for method in methods if method != "HEAD"}
    return found


def test_every_route_is_in_the_matrix(app: Any) -> None:
    """A route neither in ``ROUTES`` nor in ``PUBLIC`` fails here, named: add its rows."""
    listed = {(route.method, route.path) for route in ROUTES}
    assert len(listed) == len(ROUTES), "a route is listed twice"
    served = app_routes(app.routes)
    missing = sorted(served - listed - PUBLIC)
    assert not missing, f"routes with no access rows (add them to ROUTES, or to PUBLIC if open to anyone): {missing}"
    stale = sorted((listed | PUBLIC) - served)
    assert not stale, f"rows of routes the app does not serve: {stale}"


def test_every_action_is_refused_somewhere_in_the_matrix(app: Any) -> None:
    """Each action the app's rooms declare (``authz.declare``) has a route whose refusal it logs."""
    refused = {route.denied for route in ROUTES}
    unasked = sorted(
        name
        for name, action in authz.actions().items()
        if not name.startswith("test:") and f"{action.audit_action}.denied" not in refused
    )
    assert not unasked, f"actions no route of the matrix refuses: {unasked}"


def _csrf(client: TestClient) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', client.get("/login").text)
    assert found
    return found.group(1)


def _entries_after(engine: Engine, last: int) -> list[tuple[str, str, str, str | None]]:
    with engine.connect() as conn:
        rows = conn.execute(
            select(AuditEntry.actor, AuditEntry.action, AuditEntry.outcome, AuditEntry.subject_iin)
            .where(AuditEntry.id > last)
            .order_by(AuditEntry.id)
        ).all()
    return [tuple(r) for r in rows]


def _last_entry(engine: Engine) -> int:
    with engine.connect() as conn:
        return conn.scalar(select(AuditEntry.id).order_by(AuditEntry.id.desc()).limit(1)) or 0


@pytest.mark.parametrize("route", ROUTES, ids=lambda r: f"{r.method} {r.path}")
def test_route_answers_each_role_in_each_relation(
    app: Any, world: dict[str, str], engine: Engine, route: Route
) -> None:
    """Each (role, relation) of the route: the status code, and the audit entry — the read logged
    (``ok``, with the person as subject) when allowed, the refusal logged (``denied``) when not."""
    clients: dict[str, TestClient] = {}
    with TestClient(app, follow_redirects=False) as api:
        for role, relation in route.cases:
            subject = SUBJECTS[relation]
            if route.page:
                if role not in clients:
                    clients[role] = TestClient(app, follow_redirects=False).__enter__()
                    if role != "anonymous":
                        _login(clients[role], role)
                client, headers = clients[role], {}
            else:
                client, headers = api, _auth(world, role)
            url, keywords = route.build(subject, _csrf(client) if route.page else "")
            keywords["headers"] = {**keywords.get("headers", {}), **headers}
            last = _last_entry(engine)
            answer = client.request(route.method, url, **keywords)
            case = f"{route.method} {route.path} as {role} ({relation})"
            assert answer.status_code == route.expected(role, relation), f"{case}: {answer.text[:300]}"
            entries = [(a, o, s) for actor, a, o, s in _entries_after(engine, last) if actor == USERNAMES[role]]
            if answer.status_code == 403:
                assert (route.denied, "denied") in [(a, o) for a, o, _ in entries], f"{case}: {entries}"
            elif route.read is not None and answer.status_code == route.ok and role != "anonymous":
                person = subject if route.cases is PERSON_CASES else None
                assert any(a == route.read and o == "ok" and (person is None or s == person) for a, o, s in entries), (
                    f"{case}: {entries}"
                )
    for client in clients.values():
        client.__exit__(None, None, None)


# --- The command line: the operator's tool (``osms audit search``: the auditor's) --------------
#
# Each command runs as the operating-system user (``cli:<user>``) in the role of its room's
# ``cli_principal``, through the same ``authorize``; the row names the exit code and the entry.

#: (arguments, exit code, the audit entry's action, its role)
COMMANDS = (
    (["status", Z, "--json"], 0, "status.read", "operator"),
    (["attach", "show", Z, "--json"], 0, "attachment.read", "operator"),
    (["entitle", "--iin", Z, "--care-type", "consult_diag", "--json"], 0, "entitlement.read", "operator"),
    (["payroll", "compute", "{payroll}", "--employer", EMPLOYER, "--json"], 0, "payroll.compute", "operator"),
    (["audit", "search", "--json"], 0, "audit.search", "auditor"),
    (["providers", "show", CLINIC, "--json"], 0, "provider.founders.read", "operator"),
    # monitor (claims: monitoring and appeals)
    (
        ["monitoring", "open-case", "--provider", CLINIC, "--trigger", "risk", "--json"],
        0,
        "monitoring.case.open",
        "operator",
    ),
    (["monitoring", "close-month", "2020-01", "--json"], 0, "monitoring.month.close", "operator"),
    # run (payments: the monthly run)
    (["payments", "run", "--month", "2020-01", "--json"], 0, "payment.run.compute", "operator"),
    # percapita (payments: per capita)
    (
        ["payments", "per-capita", "--provider", CLINIC, "--month", "2026-11", "--json"],
        0,
        "payments.per_capita.read",
        "operator",
    ),
    # acts (payments: the payment-order file)
    (["payments", "orders", "--due-by", "2026-12-31"], 0, "payments.orders.read", "operator"),
)


@pytest.fixture
def cli_db(world: dict[str, str], db_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    monkeypatch.setenv("OSMS_DATABASE_URL", db_url)
    get_settings.cache_clear()
    get_engine.cache_clear()
    yield db_url
    get_engine(db_url).dispose()
    get_settings.cache_clear()
    get_engine.cache_clear()


@pytest.mark.parametrize(
    ("args", "code", "action", "role"), COMMANDS, ids=lambda v: " ".join(v) if isinstance(v, list) else str(v)
)
def test_command_answers_and_is_audited(
    cli_db: str, engine: Engine, tmp_path: Path, args: list[str], code: int, action: str, role: str
) -> None:
    payroll = tmp_path / "payroll.csv"
    payroll.write_text(PAYROLL_ROWS + "\n", encoding="utf-8")
    last = _last_entry(engine)
    result = CliRunner().invoke(osms_cli, [a.format(payroll=payroll) for a in args])
    assert result.exit_code == code, result.output
    with engine.connect() as conn:
        entries = conn.execute(
            select(AuditEntry.actor, AuditEntry.role, AuditEntry.channel, AuditEntry.outcome).where(
                AuditEntry.id > last, AuditEntry.action == action
            )
        ).all()
    assert entries and all(
        actor.startswith("cli:") and (r, channel, outcome) == (role, "cli", "ok")
        for actor, r, channel, outcome in entries
    ), entries
