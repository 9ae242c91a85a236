"""An answer leaves only after its transaction commits.

Three ways to see it, on both databases, through the real app:

- a spy in front of the app looks at the database from another connection at the moment the
  answer starts: the attachment, the audit entry of a card read, of a page and of a FHIR read are
  already there (they were not: the request's unit of work committed after the answer had gone);
- a second connection holds a lock the commit needs: no answer arrives until it lets go;
- the commit fails (the lock is held longer than the request may wait): the client gets 503
  ``overloaded`` with Retry-After (an error page for a page), never a 200 for lost work.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from typing import Any

import pytest
from fastapi.testclient import TestClient
from fhir.resources.R4B.operationoutcome import OperationOutcome
from sqlalchemy import func, select, text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from osms.attachment.models import Attachment, AttachmentApplication
from osms.core.config import get_settings
from osms.core.models import AuditEntry
from osms.core.security import create_token, create_user
from tests.attachment.conftest import add_clinic, add_district
from tests.attachment.helpers import add_person, iin
from tests.conftest import IS_PG
from tests.web.web_helpers import PASSWORD, login

PERSON = iin(date(1986, 1, 1), "M", serial=101)


@pytest.fixture
def world(session: Session) -> dict[str, str]:
    add_clinic(session, "AST-8", area="AST-001")
    add_district(session, "AST-8", "T1", "therapist", 50)
    add_person(session, PERSON)
    operator = create_user(session, "op", PASSWORD, "operator", "Operator")
    token = create_token(session, operator, "test")
    session.commit()
    return {"token": token}


@pytest.fixture
def settings_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[..., None]]:
    """Set OSMS_* variables for an app created afterwards."""

    def apply(**values: str) -> None:
        for name, value in values.items():
            monkeypatch.setenv(f"OSMS_{name.upper()}", value)
        get_settings.cache_clear()

    yield apply
    monkeypatch.undo()
    get_settings.cache_clear()


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def audit_count(engine: Engine, action: str) -> int:
    with Session(engine) as s:
        return (
            s.scalar(
                select(func.count())
                .select_from(AuditEntry)
                .where(AuditEntry.subject_iin == PERSON, AuditEntry.action == action)
            )
            or 0
        )


def stored_applications(engine: Engine) -> tuple[int, int]:
    with Session(engine) as s:
        apps = s.scalar(
            select(func.count()).select_from(AttachmentApplication).where(AttachmentApplication.iin == PERSON)
        )
        rows = s.scalar(select(func.count()).select_from(Attachment).where(Attachment.iin == PERSON))
        return apps or 0, rows or 0


class SpyAtAnswer:
    """Test-side ASGI wrapper: when the answer to ``path`` starts, look at the database through
    another connection (``look``) and keep what it saw."""

    def __init__(self, app: Any, path: str, look: Callable[[], Any]) -> None:
        self.app, self.path, self.look = app, path, look
        self.seen: list[Any] = []

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        async def spy(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start" and scope.get("path") == self.path:
                self.seen.append(self.look())
            await send(message)

        await self.app(scope, receive, spy if scope["type"] == "http" else send)


# --- What the database holds when the answer starts -------------------------------------------


def test_an_accepted_application_is_stored_before_the_answer(app, engine, world) -> None:
    spy = SpyAtAnswer(app, "/api/v1/attachments", lambda: stored_applications(engine))
    with TestClient(spy) as client:
        answer = client.post(
            "/api/v1/attachments",
            json={"iin": PERSON, "clinic_id": "AST-8", "reason": "first", "date": "2024-03-01", "rulebook": "kz-law"},
            headers=bearer(world["token"]),
        )
    assert answer.status_code == 200, answer.text
    assert answer.json()["decision"] == "accepted"
    # one application and one attachment row, visible to another connection as the answer left
    assert spy.seen == [(1, 1)]


def test_a_card_read_is_audited_before_the_answer(app, engine, world) -> None:
    spy = SpyAtAnswer(app, f"/api/v1/persons/{PERSON}", lambda: audit_count(engine, "person.read"))
    with TestClient(spy) as client:
        answer = client.get(f"/api/v1/persons/{PERSON}", headers=bearer(world["token"]))
    assert answer.status_code == 200, answer.text
    assert spy.seen == [1]


def test_a_page_read_is_audited_before_the_page(app, engine, world) -> None:
    path = f"/persons/{PERSON}"
    spy = SpyAtAnswer(app, path, lambda: audit_count(engine, "person.read"))
    with TestClient(spy) as client:
        assert login(client, "op").status_code == 303
        page = client.get(path)
    assert page.status_code == 200, page.text
    assert spy.seen == [1]


def test_a_fhir_read_is_audited_before_the_answer(app, engine, world) -> None:
    spy = SpyAtAnswer(app, "/fhir/Coverage", lambda: audit_count(engine, "status.read"))
    with TestClient(spy) as client:
        answer = client.get(
            "/fhir/Coverage",
            params={"beneficiary:identifier": PERSON, "date": "2024-03-01"},
            headers=bearer(world["token"]),
        )
    assert answer.status_code == 200, answer.text
    assert answer.json()["total"] == 1
    assert spy.seen == [1]


# --- A commit held by a lock, a commit that fails ----------------------------------------------


@contextmanager
def writes_blocked(engine: Engine) -> Iterator[Callable[[], bool]]:
    """Another connection holds a lock every write needs (PostgreSQL: the audit log's table lock
    that conflicts with INSERT but not with reads; SQLite: the database's write lock). Yields a
    function telling whether some backend is waiting for that lock (always True on SQLite, which
    cannot say)."""
    with engine.connect() as holder:
        if IS_PG:
            holder.execute(text("LOCK TABLE audit_log IN SHARE ROW EXCLUSIVE MODE"))
        else:
            holder.exec_driver_sql("BEGIN IMMEDIATE")

        def someone_waits() -> bool:
            if not IS_PG:
                return True
            with engine.connect() as probe:
                return bool(
                    probe.scalar(
                        text(
                            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                            "AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()"
                        )
                    )
                )

        try:
            yield someone_waits
        finally:
            holder.rollback()


def test_no_answer_while_the_commit_is_held(app, engine, world) -> None:
    answers: list[Any] = []
    with TestClient(app) as client:
        with writes_blocked(engine) as someone_waits:
            reader = threading.Thread(
                target=lambda: answers.append(client.get(f"/api/v1/persons/{PERSON}", headers=bearer(world["token"])))
            )
            reader.start()
            while not someone_waits():  # the request waits for the lock (PostgreSQL: seen in pg_stat_activity)
                time.sleep(0.05)
            time.sleep(0.3)
            assert answers == [], "an answer left while its audit entry could not be committed"
            assert audit_count(engine, "person.read") == 0
        reader.join(30)
    assert [a.status_code for a in answers] == [200]
    assert audit_count(engine, "person.read") == 1


@pytest.mark.parametrize("kind", ["card", "application", "page", "fhir", "fhir-eligibility"])
def test_a_failed_commit_is_an_error_never_a_success(db_url, engine, world, settings_env, kind) -> None:
    settings_env(db_lock_timeout="0.3", sqlite_busy_timeout="0.3", retry_after="3")
    from osms.app import create_app

    app = create_app(db_url)
    try:
        with TestClient(app, raise_server_exceptions=False) as client:
            if kind == "page":
                assert login(client, "op").status_code == 303
            with writes_blocked(engine):
                if kind == "card":
                    answer = client.get(f"/api/v1/persons/{PERSON}", headers=bearer(world["token"]))
                elif kind == "application":
                    answer = client.post(
                        "/api/v1/attachments",
                        json={"iin": PERSON, "clinic_id": "AST-8", "reason": "first", "date": "2024-03-01"},
                        headers=bearer(world["token"]),
                    )
                elif kind == "page":
                    answer = client.get(f"/persons/{PERSON}")
                elif kind == "fhir":
                    answer = client.get(
                        "/fhir/Coverage", params={"beneficiary:identifier": PERSON}, headers=bearer(world["token"])
                    )
                else:
                    answer = client.post(
                        "/fhir/CoverageEligibilityRequest",
                        json={
                            "resourceType": "CoverageEligibilityRequest",
                            "patient": {"identifier": {"value": PERSON}},
                        },
                        headers={"Content-Type": "application/fhir+json", **bearer(world["token"])},
                    )
    finally:
        app.state.engine.dispose()
    assert answer.status_code == 503, answer.text
    assert answer.headers["retry-after"] == "3"
    if kind == "page":
        assert answer.headers["content-type"].startswith("text/html")
    elif kind.startswith("fhir"):
        # a FHIR client gets a FHIR resource: an OperationOutcome with the API's stable code
        assert answer.headers["content-type"] == "application/fhir+json"
        outcome = OperationOutcome.model_validate(answer.json())
        assert (outcome.issue[0].code, outcome.issue[0].details.coding[0].code) == ("transient", "overloaded")
    else:
        assert answer.headers["content-type"] == "application/problem+json"
        assert answer.json()["code"] == "overloaded"
    # nothing of the refused request was kept
    assert audit_count(engine, "person.read") == 0
    assert audit_count(engine, "status.read") == 0
    assert stored_applications(engine) == (0, 0)
