"""Fixtures of the web room: a small registry with logins, a served app, a browser."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy.orm import Session
from web_helpers import PASSWORD, World, add_person

from osms.core.identity import make_bin
from osms.core.security import create_user
from osms.registry.models import FamilyLink, PersonCategory

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture
def world(session: Session) -> World:
    mother = add_person(session, date(1988, 3, 14), "F", "Ахметова", "Айгерим", "Серікқызы", serial=101)
    child = add_person(session, date(2021, 6, 1), "M", "Ахметов", "Нұрлан", serial=202)
    stranger = add_person(session, date(1970, 1, 20), "M", "Иванов", "Пётр", "Сергеевич", serial=303)
    session.add(FamilyLink(iin=child, relative_iin=mother, relation="parent"))
    session.add(PersonCategory(iin=child, category="child", valid_from=date(2021, 6, 1), source="ГБД ФЛ"))
    session.add(
        PersonCategory(
            iin=mother,
            category="parent_child_under_3",
            valid_from=date(2021, 6, 1),
            valid_to=date(2024, 5, 31),
            source="ЕСУТ",
        )
    )
    bin_ = next(b for s in range(1, 100) if (b := make_bin(date(2015, 4, 1), 4, 0, s)) is not None)
    create_user(session, "aigerim", PASSWORD, "citizen", "Айгерим Ахметова", iin=mother)
    create_user(session, "petr", PASSWORD, "citizen", "Пётр Иванов", iin=stranger)
    create_user(session, "clinic1", PASSWORD, "clinic", "Емхана №1", provider_id="P-0001")
    create_user(session, "employer1", PASSWORD, "employer", "ТОО Жарық", bin=bin_)
    create_user(session, "operator1", PASSWORD, "operator", "Оператор Фонда")
    create_user(session, "auditor1", PASSWORD, "auditor", "Аудитор")
    session.commit()
    return World(mother=mother, child=child, stranger=stranger, employer_bin=bin_)


# --- Served app and browser ------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def live_server(db_url: str) -> Iterator[str]:
    """The app served by uvicorn in a thread on a free port, against this test's database."""
    import uvicorn

    from osms.app import create_app

    app = create_app(db_url)
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, name="live-server", daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 20
    while True:
        try:
            if httpx.get(f"{base}/health", timeout=1, trust_env=False).status_code == 200:
                break
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline or not thread.is_alive():
            server.should_exit = True
            pytest.fail("the live server did not answer /health")
        time.sleep(0.05)
    yield base
    server.should_exit = True
    thread.join(timeout=10)
    app.state.engine.dispose()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """One system Chromium per test module, driven by Playwright."""
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} is not installed (apt-get install chromium): browser tests need it")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: Any, live_server: str) -> Iterator[Any]:
    """A fresh browser context (no cookies) with an English-speaking browser."""
    context = browser.new_context(base_url=live_server, locale="en-US")
    context.set_default_timeout(10_000)
    tab = context.new_page()
    yield tab
    context.close()
