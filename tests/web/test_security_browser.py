"""The Content-Security-Policy in a real browser: the pages, HTMX and the API documentation work
under it with no violation (docs/security.md)."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e


def violations(page: Any) -> list[str]:
    found: list[str] = []
    page.on("console", lambda m: found.append(m.text) if "Content Security Policy" in m.text else None)
    return found


def test_the_status_box_works_under_the_policy(page: Any) -> None:
    seen = violations(page)
    page.goto("/?lang=en")
    page.wait_for_function("window.htmx !== undefined")
    page.get_by_label("IIN (12 digits)").fill("12345")
    page.get_by_role("button", name="Check").click()
    expect(page.locator("#check-result [data-result='invalid']")).to_be_visible()
    assert seen == []


#: How long the API documentation pages may take to draw the whole OpenAPI document (ms).
RENDERING = 60_000


def test_swagger_ui_renders_from_vendored_files(page: Any, live_server: str) -> None:
    seen = violations(page)
    outside: list[str] = []
    page.on("request", lambda r: outside.append(r.url) if not r.url.startswith(live_server + "/") else None)
    page.goto("/docs")
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("OSMS", timeout=RENDERING)
    expect(page.locator(".opblock-summary-path").first).to_be_visible()
    assert seen == [] and [u for u in outside if not u.startswith("data:")] == []


def test_redoc_renders_from_vendored_files(page: Any) -> None:
    seen = violations(page)
    page.goto("/redoc")
    # ReDoc parses the whole OpenAPI document before it draws anything: on a loaded machine that
    # can take longer than Playwright's 5 s default. This waits for the page; it measures nothing.
    expect(page.locator("h1").first).to_contain_text("OSMS", timeout=RENDERING)
    # ReDoc's own script and styles run; only its "powered by" logo from cdn.redoc.ly may be
    # refused by the policy (img-src), which is the point: nothing is loaded from outside.
    assert [v for v in seen if "img-src" not in v or "https://" not in v] == []
