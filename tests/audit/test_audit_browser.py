"""The auditor's /audit page and the citizen's "who looked at your data" in a real browser."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect
from sqlalchemy.orm import Session

from tests.audit.conftest import HAND_MADE, PASSWORD, A, AuditWorld

pytestmark = pytest.mark.e2e


@pytest.fixture
def browser_data(logged: AuditWorld, session: Session) -> AuditWorld:
    return logged


def log_in(page: Any, username: str) -> None:
    page.goto("/login?lang=en")
    page.get_by_label("Login").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(re.compile(r"/me"))


def test_auditor_filters_pages_and_downloads(page: Any, browser_data: AuditWorld) -> None:
    log_in(page, "aud.karim")
    page.get_by_role("link", name="Audit log").click()
    expect(page.locator("h1")).to_have_text("Audit log")
    page.get_by_label("Subject IIN").fill(A)
    page.get_by_label("Period to").fill("2024-03-31")
    page.get_by_role("button", name="Search").click()
    rows = page.locator("tr.audit-row")
    expect(rows).to_have_count(3)  # entries 4, 2, 1 (test_audit_search.HAND_MADE)
    expect(rows.nth(0)).to_have_attribute("data-outcome", "denied")
    expect(rows.nth(0)).to_contain_text("acc.zharyk")
    csv_link = page.get_by_role("link", name="Download CSV")
    expect(csv_link).to_have_attribute("href", re.compile(r"^/api/v1/audit\?.*subject=" + A + r".*format=csv"))
    with page.expect_download() as download:
        csv_link.click()
    text = Path(download.value.path()).read_text(encoding="utf-8")
    assert text.splitlines()[0].startswith("id,at,actor,role,channel,action,outcome")
    assert len(text.splitlines()) == 4

    # paging, in Russian: 2 per page over the 6 hand-made entries
    page.goto("/audit?lang=ru&to=2024-03-31&limit=2")
    expect(page.locator("h1")).to_have_text("Журнал аудита")
    expect(page.locator("tr.audit-row")).to_have_count(2)
    page.get_by_role("link", name="Старше").click()
    expect(page.locator("tr.audit-row").first).to_have_attribute("data-id", "4")
    page.get_by_role("link", name="Старше").click()
    expect(page.locator("tr.audit-row").first).to_have_attribute("data-id", "2")
    expect(page.get_by_role("link", name="Старше")).to_have_count(0)
    page.get_by_role("link", name="Қазақша").click()
    expect(page.locator("h1")).to_have_text("Аудит журналы")
    assert len(HAND_MADE) == 6


def test_citizen_sees_the_clinic_not_the_doctor(page: Any, browser_data: AuditWorld, session: Session) -> None:
    from datetime import UTC, datetime

    from osms.core.models import AuditEntry

    session.add(
        AuditEntry(
            at=datetime(2024, 4, 1, 8, 0, tzinfo=UTC),
            actor="dr.ivanova",
            role="clinic",
            channel="fhir",
            action="status.read",
            resource="/fhir/Coverage",
            subject_iin=browser_data.citizen,
        )
    )
    session.commit()
    log_in(page, "nurlan")
    section = page.locator("#looked-at")
    expect(section.get_by_role("heading")).to_have_text("Who looked at your data")
    row = section.locator("tr.looked-row")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("Емхана №8 Астана")
    expect(row).to_contain_text("FHIR")
    expect(section).not_to_contain_text("ivanova")
    expect(section).not_to_contain_text("Ivanova")
