"""The providers room's pages through the real app (docs/providers.md, "Pages"): the public
procurement pages and register, the provider's cabinet with its correction form, the commission's
page with its votes and findings; each page as each role, three languages.

The world is test_procurement_flow's (order ҚР ДСМ-242/2020 on ``kz-law``): PROC-2027-ALA buys 100
cases of planned inpatient care in Almaty; stage 1 decided on Monday 14 December 2026 (H1 admitted
and preferred, H2 ``no_licence``, H3 ``tax_arrears``, H4 ``founder_relative_of_fund_employee``, H5
``late_application``, H6 admitted). The pages' day is Tuesday 15 December 2026, inside the
correction window (3 working days after the 14th, skipping Independence Day on the 16th: until
Friday 18 December, п.39-40).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from html import unescape
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from osms.core.models import AuditEntry
from osms.core.security import create_user
from osms.providers import contracts, procurement
from osms.providers.models import ProcurementApplication, Provider
from osms.rulebooks.loader import load_rulebook
from osms.web import pages
from tests.providers.test_procurement_flow import CARE, FOUNDER, ID, announce, applications, lines, register

DAY = date(2026, 12, 15)
PASSWORD = "correct-horse-42"
CSRF = re.compile(r'name="csrf" value="([^"]+)"')
NAMES = {f"H{n}": f"Аурухана №{n}" for n in range(1, 7)}
MEMBERS = (("Айгүл", "chair", ""), ("Бекзат", "member", ""), ("Гүлнар", "member", ""))


@dataclass
class World:
    tmp_path: Path


@pytest.fixture
def world(tmp_path: Path, cli_db: str, session: Session, monkeypatch: pytest.MonkeyPatch) -> World:
    monkeypatch.setattr(pages, "today", lambda: DAY)
    register(tmp_path, session)
    for provider_id, name in NAMES.items():
        session.execute(update(Provider).where(Provider.provider_id == provider_id).values(name=name))
    session.commit()
    assert announce(tmp_path).exit_code == 0
    lines("procurement", "apply", str(applications(tmp_path)), "--announcement", ID)
    lines("procurement", "admit", ID, "--on", "2026-12-14")
    procurement.set_members(session, ID, list(MEMBERS))
    for login, provider_id in (("h1", "H1"), ("h2", "H2"), ("h3", "H3"), ("h4", "H4")):
        create_user(session, login, PASSWORD, "clinic", NAMES[provider_id], provider_id=provider_id)
    create_user(session, "op", PASSWORD, "operator", "Оператор")
    create_user(session, "aud", PASSWORD, "auditor", "Аудитор")
    create_user(session, "cit", PASSWORD, "citizen", "Азамат", iin=FOUNDER)
    session.commit()
    return World(tmp_path)


def csrf_of(html: str) -> str:
    found = CSRF.search(html)
    assert found, "no CSRF field on the page"
    return found.group(1)


def logged(app: Any, username: str) -> TestClient:
    client = TestClient(app, follow_redirects=False)
    form = client.get("/login")
    answer = client.post("/login", data={"username": username, "password": PASSWORD, "csrf": csrf_of(form.text)})
    assert answer.status_code == 303
    return client


def article(html: str, application_id: str) -> str:
    start = html.index(f'id="app-{application_id}"')
    return unescape(html[start : html.index("</article>", start)])


# --- Public pages ------------------------------------------------------------------------------


def test_public_procurement_pages_show_the_plan_then_the_results(app: Any, world: World) -> None:
    anonymous = TestClient(app, follow_redirects=False)
    listed = anonymous.get("/procurements", params={"lang": "en"})
    assert listed.status_code == 200
    assert 'data-procurement="PROC-2027-ALA"' in listed.text
    assert 'data-care-type="inpatient_planned" data-region="KZ-ALA"' in listed.text
    assert "Applications decided (stage 1)" in listed.text
    one = anonymous.get(f"/procurements/{ID}", params={"lang": "ru"})
    assert one.status_code == 200
    assert "Результаты публикуются после размещения объёмов." in one.text
    assert 'class="placement"' not in one.text and "/commission/" not in one.text

    lines("procurement", "distribute", ID)
    assert 'class="placement"' not in anonymous.get(f"/procurements/{ID}").text  # placed, not published
    lines("procurement", "publish", ID)
    published = anonymous.get(f"/procurements/{ID}", params={"lang": "en"}).text
    # п.48: H1 (preferred) gets its 60, H6 the 40 left (its capacity is 50): 10,000.00 a case
    rows = re.findall(r'<tr class="placement" data-provider="(H\d)">', published)
    assert rows == ["H1", "H6"]
    assert NAMES["H1"] in published and NAMES["H6"] in published and NAMES["H3"] not in published
    assert "Results published" in published
    assert anonymous.get("/procurements/NO-SUCH").status_code == 404


def test_public_register_shows_public_facts_only(app: Any, world: World, session: Session) -> None:
    session.execute(update(Provider).where(Provider.provider_id == "H5").values(status="liquidation"))
    session.commit()
    anonymous = TestClient(app, follow_redirects=False)
    page = anonymous.get("/providers", params={"lang": "en", "region": "KZ-ALA", "kind": "hospital"})
    assert page.status_code == 200
    assert re.findall(r'data-provider="(H\d)"', page.text) == ["H1", "H2", "H3", "H4", "H6"]  # H5 in liquidation
    assert "Hospital" in page.text and NAMES["H1"] in page.text
    # no tax arrears (H3 owes 25,950.01), no founders (H4's), no resources
    assert "25" + "\u00a0950" not in page.text and "25 950" not in page.text and "25,950" not in page.text
    assert FOUNDER not in page.text and "capacity:" not in page.text
    assert anonymous.get("/providers", params={"kind": "dragon"}).status_code == 422


# --- The provider's cabinet ----------------------------------------------------------------------


def test_cabinet_shows_a_provider_only_its_own(app: Any, world: World, engine: Any) -> None:
    anonymous = TestClient(app, follow_redirects=False)
    assert anonymous.get("/provider").status_code == 303
    h3 = logged(app, "h3")
    page = h3.get("/provider", params={"lang": "en"})
    assert page.status_code == 200
    assert "Provider's cabinet: " + NAMES["H3"] in page.text
    a3 = article(page.text, "A3")
    assert 'data-decision="rejected"' in a3
    assert "The provider's tax arrears of 25,950.01 tenge exceed the 25,950.00 tenge tolerated." in a3
    assert "until 18 Dec 2026" in a3 or "18.12.2026" in a3 or "2026-12-18" in a3 or "18 December 2026" in a3
    assert "correct-form" in a3
    assert "A1" not in page.text  # another provider's application
    ru = h3.get("/provider", params={"lang": "ru"}).text
    assert "Отклонена" in article(ru, "A3") or "Отклонено" in article(ru, "A3")
    h1 = logged(app, "h1")
    assert h1.get("/provider", params={"provider": "H3"}).status_code == 403
    own = h1.get("/provider", params={"lang": "en"}).text
    assert "Accredited" in article(own, "A1") and "Three years of continuous experience" in article(own, "A1")
    operator = logged(app, "op")
    assert operator.get("/provider", params={"provider": "H3"}).status_code == 200
    assert operator.get("/provider").status_code == 200  # the form to name a provider
    assert logged(app, "cit").get("/provider").status_code == 403
    assert operator.get("/provider", params={"provider": "NOPE"}).status_code == 404
    # H4's founder (personal data) is neither shown nor read on the cabinet, even for an operator
    h4 = operator.get("/provider", params={"provider": "H4"})
    assert h4.status_code == 200 and FOUNDER not in h4.text
    with engine.connect() as conn:
        assert not conn.scalars(select(AuditEntry).where(AuditEntry.action == "provider.founders.read")).all()


def test_correction_through_the_cabinet(app: Any, world: World, session: Session) -> None:
    h3 = logged(app, "h3")
    url = f"/provider/applications/{ID}/A3/correct"
    token = csrf_of(h3.get("/provider").text)
    # an expired form changes nothing
    assert h3.post(url, data={"volume": "25", "sum": "250000.00", "csrf": "x"}).status_code == 400
    # H3 pays its arrears, then corrects its volume: decided again on the 15th, admitted (п.39-40)
    session.execute(update(Provider).where(Provider.provider_id == "H3").values(tax_arrears=Decimal("0.00")))
    session.commit()
    assert h3.post(url, data={"volume": "abc", "sum": "", "csrf": token}).status_code == 422
    answer = h3.post(url, data={"volume": "25", "sum": "250000.00", "csrf": token})
    assert answer.status_code == 303 and answer.headers["location"] == "/provider#app-A3"
    session.expire_all()
    app_row = session.get(ProcurementApplication, (ID, "A3"))
    assert app_row is not None and (app_row.volume, app_row.sum, app_row.corrections) == (25, Decimal("250000.00"), 1)
    a3 = article(h3.get("/provider", params={"lang": "en"}).text, "A3")
    assert 'data-decision="admitted"' in a3 and "correct-form" not in a3

    # H2 corrects without a licence: still rejected, and the form says why not again
    h2 = logged(app, "h2")
    token = csrf_of(h2.get("/provider").text)
    assert h2.post(f"/provider/applications/{ID}/A2/correct", data={"volume": "20", "csrf": token}).status_code == 303
    a2 = article(h2.get("/provider", params={"lang": "en"}).text, "A2")
    assert 'data-decision="rejected"' in a2 and "correct-form" not in a2
    assert "already corrected 1 time(s); no further correction is allowed" in a2
    again = h2.post(f"/provider/applications/{ID}/A2/correct", data={"volume": "20", "csrf": token})
    assert again.status_code == 422 and "second_correction" in again.text
    # another provider may not correct H2's application
    h1 = logged(app, "h1")
    token = csrf_of(h1.get("/provider").text)
    assert h1.post(f"/provider/applications/{ID}/A2/correct", data={"volume": "1", "csrf": token}).status_code == 403


def test_after_the_window_the_form_says_why_not(app: Any, world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pages, "today", lambda: date(2026, 12, 21))
    a4 = article(logged(app, "h4").get("/provider", params={"lang": "en"}).text, "A4")
    assert "correct-form" not in a4
    assert "Corrections were accepted until" in a4 and "3 working days" in a4


# --- The commission's page -----------------------------------------------------------------------


def test_commission_page_roles(app: Any, world: World) -> None:
    assert TestClient(app, follow_redirects=False).get(f"/commission/{ID}").status_code == 303
    assert logged(app, "h1").get(f"/commission/{ID}").status_code == 403
    assert logged(app, "cit").get(f"/commission/{ID}").status_code == 403
    page = logged(app, "op").get(f"/commission/{ID}", params={"lang": "en"}).text
    assert re.findall(r'<article class="application" id="app-(A\d)"', page) == [f"A{n}" for n in range(1, 7)]
    assert "The application was submitted on" in article(page, "A5")  # late_application, п.32
    assert "vote-form" in page and "false-form" in page
    assert FOUNDER not in page  # the founder's IIN behind H4's rejection is not shown
    auditor = logged(app, "aud")
    seen = auditor.get(f"/commission/{ID}", params={"lang": "kk"})
    assert seen.status_code == 200 and "vote-form" not in seen.text and "false-form" not in seen.text
    token = csrf_of(seen.text)
    denied = auditor.post(
        f"/commission/{ID}/votes", data={"application_id": "A1", "member": "Айгүл", "ballot": "for", "csrf": token}
    )
    assert denied.status_code == 403


def test_commission_records_a_vote_and_false_information(app: Any, world: World, engine: Any) -> None:
    operator = logged(app, "op")
    token = csrf_of(operator.get(f"/commission/{ID}").text)
    for member, ballot in (("Айгүл", "for"), ("Бекзат", "against")):
        answer = operator.post(
            f"/commission/{ID}/votes", data={"application_id": "A1", "member": member, "ballot": ballot, "csrf": token}
        )
        assert answer.status_code == 303 and answer.headers["location"] == f"/commission/{ID}#app-A1"
    unknown = operator.post(
        f"/commission/{ID}/votes?lang=ru",
        data={"application_id": "A1", "member": "Нұрлан", "ballot": "for", "csrf": token},
    )
    assert unknown.status_code == 422
    assert "Такого члена комиссии нет. (unknown_member)" in article(unknown.text, "A1")
    found = operator.post(
        f"/commission/{ID}/false-information",
        data={"application_id": "A6", "reason": "the staff list was forged", "csrf": token},
    )
    assert found.status_code == 303
    page = operator.get(f"/commission/{ID}", params={"lang": "en"}).text
    assert 'data-member="Айгүл" data-ballot="for"' in article(page, "A1")
    # the protocol: 2 of 3 voted (quorum 2/3, п.16); a tie carried by the chair's vote
    protocol = page[page.index('class="box protocol"') :]
    assert 'data-count="present">2<' in protocol and 'data-quorum="yes"' in protocol
    a1 = protocol[protocol.index('data-application="A1"') :]
    a1 = a1[: a1.index("</tr>")]
    assert 'data-count="for">1<' in a1 and 'data-count="against">1<' in a1 and "Yes</td>" in a1
    a6 = article(page, "A6")
    assert 'data-decision="rejected"' in a6 and "the staff list was forged" in a6
    assert "The commission found false information in the application." in a6
    with engine.connect() as conn:
        denied = conn.scalars(select(AuditEntry.action).where(AuditEntry.outcome == "denied")).all()
    assert denied == []


def test_cabinet_lists_the_providers_contracts_with_amendments(app: Any, world: World, session: Session) -> None:
    """The cabinet shows the provider's own contracts: term, ground, status on the day, care types
    with volume and sum over the term, and the additional agreements (ҚР ДСМ-242/2020: contract
    and its amendments); another provider sees none of them."""
    book = load_rulebook("kz-law")
    contracts.create(
        session,
        book,
        contracts.ContractDraft(
            "C-H1-2027",
            "H1",
            date(2026, 12, 1),
            date(2027, 11, 30),
            date(2026, 11, 20),
            (contracts.CareLine(CARE, 1200, Decimal("1200000.00")),),
            "p19_reserve",
        ),
        created_by="op",
    )
    contracts.amend(
        session,
        book,
        "C-H1-2027",
        contracts.AmendmentDraft(date(2026, 12, 10), indicators=(("waiting_days", "10"),), note="new indicators"),
        created_by="op",
    )
    session.commit()
    page = logged(app, "h1").get("/provider", params={"lang": "en"}).text
    start = page.index('data-contract="C-H1-2027"')
    card = unescape(page[start : page.index("</article>", start)])
    assert 'data-status="in_force"' in card and "In force" in card
    assert "1200" in card and "1,200,000.00" in card
    assert 'data-amendment="1"' in card and "new indicators" in card
    assert "Contract C-H1-2027" not in logged(app, "h3").get("/provider", params={"lang": "en"}).text
    ru = logged(app, "h1").get("/provider", params={"lang": "ru"}).text
    assert "Договоры с фондом" in ru and "Действует" in ru


def test_public_list_of_contracted_providers(app: Any, world: World, session: Session) -> None:
    """Anyone sees the providers with a contract in force today by region and care type (the
    contracted list is published, seed 004); a filter outside the lists is a clear 422."""
    contracts.create(
        session,
        load_rulebook("kz-law"),
        contracts.ContractDraft(
            "C-H1-2027",
            "H1",
            date(2026, 12, 1),
            date(2027, 11, 30),
            date(2026, 11, 20),
            (contracts.CareLine(CARE, 1200, Decimal("1200000.00")),),
            "p19_reserve",
        ),
        created_by="op",
    )
    session.commit()
    anonymous = TestClient(app, follow_redirects=False)
    page = anonymous.get("/contracted-providers", params={"lang": "en"})
    assert page.status_code == 200
    assert f'data-provider="H1" data-care-type="{CARE}"' in page.text and NAMES["H1"] in page.text
    assert 'data-provider="H2"' not in page.text
    other = anonymous.get("/contracted-providers", params={"care_type": "ambulance", "lang": "ru"})
    assert other.status_code == 200 and "Поставщиков с договором нет." in other.text
    assert anonymous.get("/contracted-providers", params={"region": "KZ-MOON"}).status_code == 422
