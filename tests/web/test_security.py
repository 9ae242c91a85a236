"""Logins and sessions an attacker cannot walk through (docs/security.md): the
session key, login throttling, server-side sessions, cookie flags, CSRF on cookie-authenticated
API calls, security headers on every answer, the public status box's rate limit, and the API
documentation served from vendored files."""

from __future__ import annotations

import hashlib
import os
import re
import stat
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update
from sqlalchemy.orm import Session
from tests.conftest import IS_PG
from web_helpers import PASSWORD, World, csrf_of, login

from osms.app import create_app
from osms.core.config import get_settings
from osms.core.models import AuditEntry, Throttle
from osms.core.security import InsecureSecretKey, demo_secret_key

Configure = Callable[..., None]


@pytest.fixture
def configure(monkeypatch: pytest.MonkeyPatch) -> Iterator[Configure]:
    """Set OSMS_* variables for the app created next (the settings are read once, then cached)."""

    def apply(**env: object) -> None:
        for name, value in env.items():
            monkeypatch.setenv(f"OSMS_{name.upper()}", str(value))
        get_settings.cache_clear()

    yield apply
    monkeypatch.undo()
    get_settings.cache_clear()


@pytest.fixture
def make_client(db_url: str) -> Iterator[Callable[..., TestClient]]:
    """A client of an app created now (after ``configure``), from a given client address."""
    made: list[tuple[Any, TestClient]] = []

    def make(address: str = "testclient", **kwargs: Any) -> TestClient:
        app = create_app(db_url)
        client = TestClient(app, client=(address, 50000), **kwargs)
        client.__enter__()
        made.append((app, client))
        return client

    yield make
    for app, client in made:
        client.__exit__(None, None, None)
        app.state.engine.dispose()


def audit_actions(session: Session, action: str) -> list[AuditEntry]:
    session.expire_all()
    return list(session.scalars(select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)))


# --- The session key ----------------------------------------------------------------------------


@pytest.mark.parametrize("key", ["dev-only-change-me", "", "short-but-not-empty-31-chars-xx"])
def test_the_app_refuses_to_serve_with_the_default_or_a_short_key(configure: Configure, db_url: str, key: str) -> None:
    # Anyone who knows the published default (or can guess a short key) signs an operator's cookie.
    configure(secret_key=key)
    with pytest.raises(InsecureSecretKey, match="OSMS_SECRET_KEY"):
        create_app(db_url)


def test_a_key_of_32_characters_is_accepted(configure: Configure, db_url: str) -> None:
    configure(secret_key="k" * 32)
    create_app(db_url).state.engine.dispose()


def test_serving_osms_app_without_a_key_stops_with_a_clear_message(tmp_path: Path) -> None:
    """``uvicorn osms.app:app`` imports the module: without OSMS_SECRET_KEY it must not come up."""
    env = {k: v for k, v in os.environ.items() if k != "OSMS_SECRET_KEY"}
    env["OSMS_DATABASE_URL"] = f"sqlite:///{tmp_path / 'x.sqlite'}"
    done = subprocess.run([sys.executable, "-c", "import osms.app"], env=env, capture_output=True, text=True)
    assert done.returncode != 0
    assert "OSMS_SECRET_KEY" in done.stderr and "osms demo" in done.stderr


def test_the_demo_makes_one_random_key_per_installation(tmp_path: Path) -> None:
    first = demo_secret_key(tmp_path / "var")
    assert len(first) >= 32 and first != "dev-only-change-me"
    assert demo_secret_key(tmp_path / "var") == first  # the sessions survive a restart of the demo
    assert demo_secret_key(tmp_path / "other") != first
    key_file = tmp_path / "var" / "secret_key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600


# --- Server-side sessions and the cookie ---------------------------------------------------------


def test_a_copied_cookie_stops_working_after_logout(app: Any, client: TestClient, world: World) -> None:
    login(client, "operator1")
    copied = client.cookies["osms_session"]
    assert client.get("/api/v1/me").json()["username"] == "operator1"
    me = client.get("/me")
    client.post("/logout", data={"csrf": csrf_of(me.text)}, follow_redirects=False)
    thief = TestClient(app, cookies={"osms_session": copied})
    assert thief.get("/api/v1/me").status_code == 401
    answer = thief.get("/me", follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"].startswith("/login")


def test_a_session_cookie_is_httponly_and_samesite_lax_not_secure_over_http(client: TestClient, world: World) -> None:
    cookie = login(client, "aigerim").headers["set-cookie"]
    assert "httponly" in cookie.lower() and "samesite=lax" in cookie.lower()
    assert "secure" not in cookie.lower()


def test_the_cookie_is_secure_over_https(make_client: Callable[..., TestClient], world: World) -> None:
    client = make_client(base_url="https://testserver")
    assert "secure" in login(client, "aigerim").headers["set-cookie"].lower()


def test_the_cookie_is_secure_when_the_setting_says_so(
    configure: Configure, make_client: Callable[..., TestClient], world: World
) -> None:
    configure(secure_cookies="true")
    client = make_client()
    client.cookies.jar.clear()
    form = client.get("/login")
    assert "secure" in form.headers["set-cookie"].lower()


# --- CSRF on API calls authenticated by the session cookie ----------------------------------------


def attachment_body(world: World) -> dict[str, Any]:
    return {"iin": world.mother, "clinic_id": "NOPE", "reason": "move", "date": "2025-03-01"}


def test_a_cookie_authenticated_api_post_needs_the_csrf_token(client: TestClient, world: World) -> None:
    login(client, "aigerim")
    refused = client.post("/api/v1/attachments", json=attachment_body(world))
    assert refused.status_code == 403
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert refused.json()["code"] == "csrf"
    forged = client.post("/api/v1/attachments", json=attachment_body(world), headers={"X-CSRF-Token": "forged"})
    assert forged.json()["code"] == "csrf"
    token = csrf_of(client.get("/me").text)
    accepted = client.post("/api/v1/attachments", json=attachment_body(world), headers={"X-CSRF-Token": token})
    assert accepted.status_code != 403  # past the CSRF check (the clinic is unknown: the service answers)


def test_a_bearer_token_needs_no_csrf_token(client: TestClient, world: World) -> None:
    token = client.post("/api/v1/auth/tokens", json={"username": "aigerim", "password": PASSWORD}).json()["token"]
    answer = client.post(
        "/api/v1/attachments", json=attachment_body(world), headers={"Authorization": f"Bearer {token}"}
    )
    assert answer.status_code != 403


def test_pages_carry_the_token_for_htmx_requests(client: TestClient, world: World) -> None:
    login(client, "aigerim")
    html = client.get("/me").text
    assert f'"X-CSRF-Token": "{csrf_of(html)}"' in html.replace("&#34;", '"')


# --- Security headers on every answer -------------------------------------------------------------


def assert_security_headers(answer: Any, *, hsts: bool = False) -> None:
    csp = answer.headers.get("content-security-policy", "")
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp, (answer.url, csp)
    assert "'unsafe-inline'" not in csp.split("script-src", 1)[1].split(";", 1)[0]
    assert answer.headers.get("x-content-type-options") == "nosniff"
    assert answer.headers.get("referrer-policy") == "same-origin"
    assert answer.headers.get("x-frame-options") == "DENY"
    assert ("strict-transport-security" in answer.headers) == hsts, answer.url


def test_every_kind_of_answer_carries_the_security_headers(client: TestClient, world: World) -> None:
    for path in ("/", "/login", "/health", "/api/v1/me", "/static/osms.css", "/no-such-page", "/api/v1/nope"):
        assert_security_headers(client.get(path))
    assert_security_headers(client.post("/logout", data={"csrf": "x"}))  # an error page
    assert_security_headers(client.get("/openapi.json"))
    assert_security_headers(client.get("/docs"))


def test_hsts_only_when_served_over_tls(client: TestClient, make_client: Callable[..., TestClient]) -> None:
    assert_security_headers(client.get("/", headers={"X-Forwarded-Proto": "https"}), hsts=True)
    https = make_client(base_url="https://testserver")
    answer = https.get("/health")
    assert_security_headers(answer, hsts=True)
    assert answer.headers["strict-transport-security"].startswith("max-age=31536000")


def test_the_status_hot_path_answers_carry_the_headers(client: TestClient, world: World) -> None:
    token = client.post("/api/v1/auth/tokens", json={"username": "clinic1", "password": PASSWORD}).json()["token"]
    auth = {"Authorization": f"Bearer {token}"}
    first = client.get(f"/api/v1/persons/{world.mother}/status", headers=auth)  # the API route fills the cache
    again = client.get(f"/api/v1/persons/{world.mother}/status", headers=auth)  # on PostgreSQL: the hot path
    assert first.status_code == again.status_code == 200
    assert_security_headers(first)
    assert_security_headers(again)
    if IS_PG:
        assert client.app.state.status_hot_path is not None  # type: ignore[attr-defined]


# --- Login throttling ----------------------------------------------------------------------------

THROTTLE = {
    "login_free_attempts": 2,
    "login_delay_seconds": 60,
    "login_lock_attempts": 4,
    "login_lock_minutes": 15,
    "login_address_free_attempts": 20,
    "login_address_lock_attempts": 40,
}


def form_login(client: TestClient, username: str, password: str) -> Any:
    form = client.get("/login", params={"lang": "en"})
    return client.post(
        "/login",
        data={"username": username, "password": password, "csrf": csrf_of(form.text)},
        follow_redirects=False,
    )


def retry_after(answer: Any) -> int:
    return int(answer.headers["retry-after"])


def unblock(session: Session, key: str) -> None:
    """Time passes for one throttle key: its delay or lock is over (the counter stays)."""
    session.execute(update(Throttle).where(Throttle.key == key).values(blocked_until=0))
    session.commit()


@pytest.mark.parametrize("username", ["aigerim", "nobody-by-this-name"])
def test_failed_logins_are_delayed_then_locked_and_audited(
    configure: Configure, make_client: Callable[..., TestClient], session: Session, world: World, username: str
) -> None:
    """With 2 free failures, a 60 s first delay and a lock at the 4th failure for 15 minutes; the
    same answers whether or not the login exists."""
    configure(**THROTTLE)
    client = make_client()
    assert form_login(client, username, "wrong-1").status_code == 400
    assert form_login(client, username, "wrong-2").status_code == 400
    third = form_login(client, username, "wrong-3")  # the 3rd failure: the next attempt waits 60 s
    assert third.status_code == 400
    held = form_login(client, username, PASSWORD)  # even the right password waits
    assert held.status_code == 429 and 0 < retry_after(held) <= 60
    assert "Too many failed login attempts" in held.text
    unblock(session, f"account:{username}")
    fourth = form_login(client, username, "wrong-4")  # the 4th failure locks the login for 15 minutes
    assert fourth.status_code == 429
    locked = form_login(client, username, PASSWORD)
    assert locked.status_code == 429 and 60 < retry_after(locked) <= 15 * 60
    entries = audit_actions(session, "login_throttled")
    assert [e.actor for e in entries] == [username] * 3
    assert {e.channel for e in entries} == {"web"} and all(e.subject_iin is None for e in entries)
    assert all("address=testclient" in (e.detail or "") for e in entries)


def test_a_successful_login_clears_the_account_counter(
    configure: Configure, make_client: Callable[..., TestClient], world: World
) -> None:
    configure(**THROTTLE)
    client = make_client()
    for attempt in range(2):
        assert form_login(client, "aigerim", f"wrong-{attempt}").status_code == 400
    assert form_login(client, "aigerim", PASSWORD).status_code == 303
    for attempt in range(3):  # 2 free failures again, and the 3rd only sets a delay
        assert form_login(client, "aigerim", f"again-{attempt}").status_code == 400


def test_many_logins_tried_from_one_address_are_throttled(
    configure: Configure, make_client: Callable[..., TestClient], world: World
) -> None:
    configure(**(THROTTLE | {"login_address_free_attempts": 3, "login_address_lock_attempts": 5}))
    attacker = make_client("10.0.0.66")
    for n in range(5):  # one failure on each of five logins: no account is throttled, the address is
        assert form_login(attacker, f"guess-{n}", "x").status_code in (400, 429)
    assert form_login(attacker, "aigerim", PASSWORD).status_code == 429
    bystander = make_client("10.0.0.7")
    assert form_login(bystander, "aigerim", PASSWORD).status_code == 303


def test_the_token_api_is_throttled_with_a_problem_and_retry_after(
    configure: Configure, make_client: Callable[..., TestClient], session: Session, world: World
) -> None:
    configure(**THROTTLE)
    client = make_client()
    for n in range(3):
        answer = client.post("/api/v1/auth/tokens", json={"username": "clinic1", "password": f"bad-{n}"})
        assert answer.status_code == 401 and answer.json()["code"] == "bad_credentials"
    held = client.post("/api/v1/auth/tokens", json={"username": "clinic1", "password": PASSWORD})
    assert held.status_code == 429 and 0 < retry_after(held) <= 60
    assert held.headers["content-type"].startswith("application/problem+json")
    assert held.json()["code"] == "login_throttled"
    assert [e.channel for e in audit_actions(session, "login_throttled")] == ["api"]


def test_an_unknown_login_costs_the_same_password_hash_as_a_known_one(
    client: TestClient, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The same work whether or not the login exists: one scrypt either way (no timing oracle)."""
    calls: list[int] = []
    real = hashlib.scrypt

    def counting(*args: Any, **kwargs: Any) -> bytes:
        calls.append(kwargs.get("n", 0))
        return real(*args, **kwargs)

    monkeypatch.setattr(hashlib, "scrypt", counting)
    client.post("/api/v1/auth/tokens", json={"username": "clinic1", "password": "wrong"})
    known = list(calls)
    calls.clear()
    client.post("/api/v1/auth/tokens", json={"username": "no-such-login", "password": "wrong"})
    assert calls == known == [2**14]


# --- The public status box's rate limit -----------------------------------------------------------


def test_the_public_status_box_is_rate_limited_per_address(
    configure: Configure, make_client: Callable[..., TestClient], world: World
) -> None:
    configure(public_status_rate="3/min")
    visitor = make_client("10.0.0.9")
    for _ in range(3):
        assert visitor.get("/check", params={"iin": world.mother}).status_code == 200
    refused = visitor.get("/check", params={"iin": world.mother, "lang": "en"}, headers={"HX-Request": "true"})
    assert refused.status_code == 429 and 0 < retry_after(refused) <= 60
    assert "Too many checks from your address" in refused.text
    page = visitor.get("/check", params={"iin": world.mother, "lang": "ru"})
    assert page.status_code == 429 and "Слишком много проверок" in page.text
    assert make_client("10.0.0.10").get("/check", params={"iin": world.mother}).status_code == 200
    assert visitor.get("/check").status_code == 200  # the empty form is never refused


def test_the_rate_setting_is_checked(configure: Configure, db_url: str) -> None:
    configure(public_status_rate="lots")
    with pytest.raises(ValueError, match="OSMS_PUBLIC_STATUS_RATE"):
        create_app(db_url)


# --- API documentation from vendored files ----------------------------------------------------------

URL_ATTR = re.compile(r"""(?:src|href|spec-url)=["']([^"']+)["']|url:\s*['"]([^'"]+)['"]""")


@pytest.mark.parametrize("path", ["/docs", "/redoc"])
def test_the_api_documentation_uses_only_local_files(client: TestClient, path: str) -> None:
    html = client.get(path)
    assert html.status_code == 200
    urls = [a or b for a, b in URL_ATTR.findall(html.text)]
    assert urls, html.text
    assert "http://" not in html.text and "https://" not in html.text
    for url in urls:
        assert url.startswith("/"), url
        assert client.get(url).status_code == 200, url
    scripts = [u for u in urls if u.endswith(".js")]
    assert scripts and all(u.startswith("/static/") for u in scripts)
