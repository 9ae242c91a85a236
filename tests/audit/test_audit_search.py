"""The auditor's search: GET /api/v1/audit (filters, paging, CSV), the /audit page and
``osms audit search``; only auditors, and every search is itself audited."""

from __future__ import annotations

import csv
import io
import json

import pytest
import typer
from sqlalchemy import select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from osms.audit import cli as audit_cli
from osms.core.config import Settings
from osms.core.models import AuditEntry
from tests.audit.conftest import PASSWORD, A, AuditWorld, B, auth

CSV_COLUMNS = [
    "id",
    "at",
    "actor",
    "role",
    "channel",
    "action",
    "outcome",
    "resource",
    "subject_iin",
    "client",
    "detail",
]


def search(client, world: AuditWorld, **params) -> dict:
    answer = client.get("/api/v1/audit", params=params, headers=auth(world.tokens["auditor"]))
    assert answer.status_code == 200, answer.text
    return answer.json()


def ids(body: dict) -> list[int]:
    return [e["id"] for e in body["entries"]]


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({}, [6, 5, 4, 3, 2, 1]),
        ({"subject": A}, [4, 2, 1]),
        ({"user": "dr.ivanova"}, [5, 2, 1]),
        ({"role": "clinic", "channel": "api"}, [2]),
        ({"action": "status.read"}, [5, 2]),
        ({"outcome": "denied"}, [4]),
        ({"outcome": "failed"}, [6]),
        ({"channel": "fhir"}, [5]),
        ({"from": "2024-03-02", "to": "2024-03-02"}, [4, 3]),  # whole days, both included
        ({"from": "2024-03-01T09:30:00Z", "to": "2024-03-02T11:00:00Z"}, [3, 2]),  # instants, both included
        ({"to": "2024-03-01"}, [2, 1]),
        ({"subject": B, "user": "dr.ivanova"}, [5]),
    ],
)
def test_filters(client, logged: AuditWorld, params, expected) -> None:
    params = {"to": "2024-03-31"} | params  # leave out the searches' own entries (today)
    assert ids(search(client, logged, **params)) == expected


def test_paging(client, logged: AuditWorld) -> None:
    first = search(client, logged, to="2024-03-31", limit=4)
    assert ids(first) == [6, 5, 4, 3] and (first["limit"], first["offset"], first["next_offset"]) == (4, 0, 4)
    second = search(client, logged, to="2024-03-31", limit=4, offset=first["next_offset"])
    assert ids(second) == [2, 1] and second["next_offset"] is None
    user = search(client, logged, user="dr.ivanova", limit=2)
    assert ids(user) == [5, 2] and user["next_offset"] == 2
    assert ids(search(client, logged, user="dr.ivanova", limit=2, offset=2)) == [1]


def test_entry_fields(client, logged: AuditWorld) -> None:
    (entry,) = search(client, logged, outcome="denied")["entries"]
    assert entry == {
        "id": 4,
        "at": "2024-03-02T12:00:00Z",
        "actor": "acc.zharyk",
        "role": "employer",
        "channel": "api",
        "action": "status.read.denied",
        "outcome": "denied",
        "resource": "/x",
        "subject_iin": A,
        "client": "10.0.0.3",
        "detail": "d",
    }


@pytest.mark.parametrize(
    "params",
    [
        {"subject": "12345"},
        {"role": "king"},
        {"channel": "fax"},
        {"outcome": "maybe"},
        {"limit": 0},
        {"limit": 1001},
        {"offset": -1},
        {"offset": 2**63},  # past any database's integers: was an error 500 (bench/schema_refusals.py)
        {"from": "yesterday"},
        {"from": "2024-03-05", "to": "2024-03-01"},
    ],
)
def test_bad_filters_are_422_with_a_code(client, logged: AuditWorld, params) -> None:
    answer = client.get("/api/v1/audit", params=params, headers=auth(logged.tokens["auditor"]))
    assert answer.status_code == 422
    assert answer.headers["content-type"].startswith("application/problem+json")
    assert answer.json()["code"] in ("invalid_request", "bad_filter")


@pytest.mark.parametrize("how", ["accept", "format"])
def test_csv(client, logged: AuditWorld, how: str) -> None:
    headers = auth(logged.tokens["auditor"]) | ({"Accept": "text/csv"} if how == "accept" else {})
    params = {"subject": A, "to": "2024-03-31"} | ({"format": "csv"} if how == "format" else {})
    answer = client.get("/api/v1/audit", params=params, headers=headers)
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/csv")
    assert "attachment" in answer.headers["content-disposition"]
    rows = list(csv.reader(io.StringIO(answer.text)))
    assert rows[0] == CSV_COLUMNS
    assert rows[1:] == [
        [
            "4",
            "2024-03-02T12:00:00Z",
            "acc.zharyk",
            "employer",
            "api",
            "status.read.denied",
            "denied",
            "/x",
            A,
            "10.0.0.3",
            "d",
        ],
        [
            "2",
            "2024-03-01T10:00:00Z",
            "dr.ivanova",
            "clinic",
            "api",
            "status.read",
            "ok",
            "/api/v1/persons/A/status",
            A,
            "",
            "d",
        ],
        [
            "1",
            "2024-03-01T09:00:00Z",
            "dr.ivanova",
            "clinic",
            "web",
            "person.read",
            "ok",
            "/persons/A",
            A,
            "10.0.0.1",
            "d",
        ],
    ]


def test_searching_is_itself_audited(client, logged: AuditWorld, session: Session) -> None:
    search(client, logged, subject=A, channel="api")
    session.expire_all()
    (entry,) = session.scalars(select(AuditEntry).where(AuditEntry.action == "audit.search")).all()
    assert (entry.actor, entry.role, entry.channel, entry.subject_iin, entry.outcome) == (
        "aud.karim",
        "auditor",
        "api",
        A,
        "ok",
    )
    assert "channel=api" in (entry.detail or "") and "results=" in (entry.detail or "")


@pytest.mark.parametrize("role", ["operator", "clinic", "citizen", "employer"])
def test_only_auditors_search(client, logged: AuditWorld, session: Session, role: str) -> None:
    answer = client.get("/api/v1/audit", headers=auth(logged.tokens[role]))
    assert answer.status_code == 403
    session.expire_all()
    denied = session.scalars(select(AuditEntry).where(AuditEntry.action == "audit.search.denied")).all()
    assert [(e.role, e.outcome) for e in denied] == [(role, "denied")]
    assert client.get("/api/v1/audit").status_code == 401


def _login(client, username: str) -> None:
    form = client.get("/login")
    token = form.text.split('name="csrf" value="')[1].split('"')[0]
    answer = client.post("/login", data={"username": username, "password": PASSWORD, "csrf": token})
    assert answer.status_code in (200, 303), answer.text


def test_audit_page_for_the_auditor(client, logged: AuditWorld) -> None:
    _login(client, "aud.karim")
    page = client.get("/audit", params={"subject": A, "to": "2024-03-31", "lang": "en"})
    assert page.status_code == 200
    assert page.text.count('class="audit-row"') == 3
    assert "acc.zharyk" in page.text and "status.read.denied" in page.text
    assert "/api/v1/audit?" in page.text and "format=csv" in page.text
    ru = client.get("/audit", params={"lang": "ru", "to": "2024-03-31", "limit": 2})
    assert "Журнал аудита" in ru.text and "offset=2" in ru.text
    kk = client.get("/audit", params={"lang": "kk"})
    assert "Аудит журналы" in kk.text


@pytest.mark.parametrize("username", ["op.serik", "dr.ivanova", "nurlan"])
def test_audit_page_refuses_other_roles(client, logged: AuditWorld, username: str) -> None:
    _login(client, username)
    assert client.get("/audit").status_code == 403


# --- The command line --------------------------------------------------------------------------

app = typer.Typer()
app.add_typer(audit_cli.audit_app, name="audit")
runner = CliRunner()


@pytest.fixture
def cli_db(monkeypatch: pytest.MonkeyPatch, db_url: str, engine, logged: AuditWorld) -> AuditWorld:
    monkeypatch.setattr(audit_cli, "get_settings", lambda: Settings(database_url=db_url, language="en"))
    monkeypatch.setattr(audit_cli, "get_engine", lambda url=None: engine)
    return logged


def test_cli_json(cli_db, session: Session) -> None:
    result = runner.invoke(app, ["audit", "search", "--subject", A, "--to", "2024-03-31", "--json"])
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [x["id"] for x in lines] == [4, 2, 1]
    assert lines[0]["outcome"] == "denied" and lines[0]["at"] == "2024-03-02T12:00:00Z"
    session.expire_all()
    (entry,) = session.scalars(select(AuditEntry).where(AuditEntry.action == "audit.search")).all()
    assert (entry.channel, entry.role, entry.subject_iin) == ("cli", "auditor", A)
    assert entry.actor.startswith("cli:")


def test_cli_filters_and_paging(cli_db) -> None:
    result = runner.invoke(app, ["audit", "search", "--user", "dr.ivanova", "--limit", "2", "--offset", "1", "--json"])
    assert [json.loads(line)["id"] for line in result.stdout.splitlines()] == [2, 1]
    result = runner.invoke(
        app, ["audit", "search", "--role", "clinic", "--channel", "fhir", "--action", "status.read", "--json"]
    )
    assert [json.loads(line)["id"] for line in result.stdout.splitlines()] == [5]
    result = runner.invoke(app, ["audit", "search", "--outcome", "failed", "--from", "2024-03-04", "--json"])
    assert [json.loads(line)["id"] for line in result.stdout.splitlines()] == [6]


def test_cli_csv_and_table(cli_db, tmp_path) -> None:
    out = tmp_path / "audit.csv"
    result = runner.invoke(app, ["audit", "search", "--outcome", "denied", "--csv", str(out)])
    assert result.exit_code == 0, result.output
    rows = list(csv.reader(out.open(encoding="utf-8")))
    assert rows[0] == CSV_COLUMNS and [r[0] for r in rows[1:]] == ["4"]
    table = runner.invoke(app, ["audit", "search", "--user", "op.serik"])
    assert table.exit_code == 0 and "op.serik" in table.stdout and "person.read" in table.stdout


def test_cli_bad_filter_is_one_error_line(cli_db) -> None:
    result = runner.invoke(app, ["audit", "search", "--role", "king", "--json"])
    assert result.exit_code == 1
    assert json.loads(result.stdout.strip())["code"] == "bad_filter"
