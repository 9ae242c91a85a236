"""``osms user add/token/revoke`` against a real database, and the token against the API."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from typer.testing import CliRunner, Result

from osms.cli import app
from osms.core.config import get_settings
from osms.core.db import make_engine, session_factory
from osms.core.identity import make_bin, make_iin
from osms.core.models import ApiToken, User
from osms.core.security import authenticate
from tests.attachment.helpers import clinic_row, write_clinics

runner = CliRunner()
PASSWORD = "correct horse battery staple"


def _first(make: Callable[..., str | None], *args: object) -> str:
    return next(n for serial in range(1, 100) if (n := make(*args, serial)) is not None)


CITIZEN_IIN = _first(make_iin, date(1990, 5, 17), "F")
EMPLOYER_BIN = _first(make_bin, date(2005, 3, 1), 4, 0)


@pytest.fixture
def database(db_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """The commands use OSMS_DATABASE_URL: here a fresh migrated database."""
    monkeypatch.setenv("OSMS_DATABASE_URL", db_url)
    get_settings.cache_clear()
    yield db_url
    get_settings.cache_clear()


@pytest.fixture
def clinic(database: str, tmp_path: Path) -> str:
    """The clinic AST-1 in the providers register (a clinic login names a register entry)."""
    loaded = runner.invoke(app, ["attach", "import", "clinics", str(write_clinics(tmp_path, [clinic_row("AST-1")]))])
    assert loaded.exit_code == 0, loaded.output
    return "AST-1"


def _users(url: str) -> dict[str, tuple[str, str, str | None, str | None, str | None]]:
    engine = make_engine(url)
    with session_factory(engine)() as session:
        rows = session.scalars(select(User)).all()
        answer = {u.username: (u.role, u.display_name, u.iin, u.bin, u.provider_id) for u in rows}
    engine.dispose()
    return answer


def _add(*args: str, password: str = PASSWORD) -> Result:
    return runner.invoke(app, ["user", "add", *args, "--password", password])


def test_a_login_of_each_role_with_its_binding(database: str, clinic: str) -> None:
    for args in (
        ("amina", "--role", "citizen", "--iin", CITIZEN_IIN, "--name", "Амина Серікқызы"),
        ("kazstroy", "--role", "employer", "--bin", EMPLOYER_BIN),
        ("clinic1", "--role", "clinic", "--provider", "AST-1"),
        ("op", "--role", "operator"),
        ("aud", "--role", "auditor"),
    ):
        result = _add(*args)
        assert result.exit_code == 0, result.output
        assert f"user {args[0]} ({args[2]}) saved" in result.output
    assert _users(database) == {
        "amina": ("citizen", "Амина Серікқызы", CITIZEN_IIN, None, None),
        "kazstroy": ("employer", "kazstroy", None, EMPLOYER_BIN, None),
        "clinic1": ("clinic", "clinic1", None, None, "AST-1"),
        "op": ("operator", "op", None, None, None),
        "aud": ("auditor", "aud", None, None, None),
    }
    engine = make_engine(database)
    with session_factory(engine)() as session:
        principal = authenticate(session, "amina", PASSWORD)
        assert principal is not None and (principal.role, principal.iin) == ("citizen", CITIZEN_IIN)
        assert authenticate(session, "amina", "wrong") is None
    engine.dispose()


def test_the_password_is_asked_twice_when_not_given(database: str) -> None:
    result = runner.invoke(app, ["user", "add", "op", "--role", "operator"], input=f"{PASSWORD}\n{PASSWORD}\n")
    assert result.exit_code == 0, result.output
    mismatch = runner.invoke(app, ["user", "add", "op2", "--role", "operator"], input="one\ntwo\none\none\n")
    assert mismatch.exit_code == 0 and "do not match" in mismatch.output.lower()
    engine = make_engine(database)
    with session_factory(engine)() as session:
        assert authenticate(session, "op", PASSWORD) is not None
        assert authenticate(session, "op2", "one") is not None
    engine.dispose()


def test_adding_an_existing_login_replaces_its_password_and_binding(database: str) -> None:
    assert _add("amina", "--role", "citizen", "--iin", CITIZEN_IIN).exit_code == 0
    again = _add("amina", "--role", "operator", "--name", "Amina at the fund", password="a new password")
    assert again.exit_code == 0, again.output
    assert _users(database) == {"amina": ("operator", "Amina at the fund", None, None, None)}
    engine = make_engine(database)
    with session_factory(engine)() as session:
        assert session.scalar(select(func.count()).select_from(User)) == 1
        assert authenticate(session, "amina", PASSWORD) is None
        assert authenticate(session, "amina", "a new password") is not None
    engine.dispose()


@pytest.mark.parametrize(
    ("args", "code"),
    [
        (("x", "--role", "king"), "bad_role"),
        (("x", "--role", "citizen"), "bad_iin"),
        (("x", "--role", "citizen", "--iin", "123456789012"), "bad_iin"),
        (("x", "--role", "employer"), "bad_bin"),
        (("x", "--role", "employer", "--bin", "000000000001"), "bad_bin"),
        (("x", "--role", "clinic"), "missing_provider"),
        (("x", "--role", "clinic", "--provider", "AST-1"), "unknown_provider"),  # not in the providers register
    ],
)
def test_a_bad_role_or_binding_is_refused_and_nothing_is_written(
    database: str, args: tuple[str, ...], code: str
) -> None:
    result = _add(*args)
    assert result.exit_code == 1
    assert f"error ({code})" in result.output
    assert _users(database) == {}


def test_a_token_works_against_the_api_until_it_is_revoked(database: str, clinic: str) -> None:
    from osms.app import create_app

    assert _add("clinic1", "--role", "clinic", "--provider", "AST-1").exit_code == 0
    issued = runner.invoke(app, ["user", "token", "clinic1", "--name", "clinic HIS"])
    assert issued.exit_code == 0, issued.output
    token = issued.stdout.strip()
    assert len(token) >= 32 and "\n" not in token  # printed once, alone on standard output
    engine = make_engine(database)
    with session_factory(engine)() as session:
        assert session.scalars(select(ApiToken.name)).all() == ["clinic HIS"]
        assert token not in session.scalars(select(ApiToken.token_hash)).all()  # only its hash is kept
    engine.dispose()

    application = create_app(database)
    try:
        with TestClient(application) as client:
            auth = {"Authorization": f"Bearer {token}"}
            me = client.get("/api/v1/me", headers=auth)
            assert me.status_code == 200
            assert (me.json()["username"], me.json()["role"], me.json()["provider_id"]) == (
                "clinic1",
                "clinic",
                "AST-1",
            )

            revoked = runner.invoke(app, ["user", "revoke", token])
            assert revoked.exit_code == 0 and "token revoked" in revoked.output
            assert client.get("/api/v1/me", headers=auth).status_code == 401

            again = runner.invoke(app, ["user", "revoke", token])
            assert again.exit_code == 1 and "error (unknown_token)" in again.output
    finally:
        application.state.engine.dispose()


def test_a_token_for_an_unknown_login_or_a_revoke_of_an_unknown_token_fails(database: str) -> None:
    unknown = runner.invoke(app, ["user", "token", "nobody"])
    assert unknown.exit_code == 1 and "error (unknown_user)" in unknown.output
    assert unknown.stdout.strip() == ""
    assert runner.invoke(app, ["user", "revoke", "not-a-token"]).exit_code == 1
