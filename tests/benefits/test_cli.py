"""``osms benefits care-types`` and ``osms entitle`` (mounted as osms.cli wires them)."""

from __future__ import annotations

import json

import pytest
import typer
from sqlalchemy import select
from typer.testing import CliRunner

from osms.benefits import cli
from osms.core.config import Settings
from osms.core.models import AuditEntry
from osms.coverage import cli as coverage_cli
from tests.benefits.helpers import CHILD, CITIZEN_INSURED, CITIZEN_UNINSURED, MIGRANT, TOURIST, UNKNOWN, populate

app = typer.Typer()
app.add_typer(cli.benefits_app, name="benefits")
app.command("entitle")(cli.entitle_command)
app.command("status")(coverage_cli.status_command)
runner = CliRunner()


@pytest.fixture
def cli_db(monkeypatch: pytest.MonkeyPatch, db_url: str, engine, session) -> None:  # type: ignore[no-untyped-def]
    populate(session)
    session.commit()
    settings = Settings(database_url=db_url, language="en")
    for module in (cli, coverage_cli):
        monkeypatch.setattr(module, "get_settings", lambda: settings)
        monkeypatch.setattr(module, "get_engine", lambda url=None: engine)


def entitle(*args: str) -> dict[str, object]:
    result = runner.invoke(app, ["entitle", *args, "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)  # type: ignore[no-any-return]


def test_care_types_table_and_json() -> None:
    table = runner.invoke(app, ["benefits", "care-types"])
    assert table.exit_code == 0, table.output
    assert "inpatient_emergency" in table.stdout and "emergency" in table.stdout
    data = json.loads(runner.invoke(app, ["benefits", "care-types", "--json"]).stdout)
    assert [c["code"] for c in data][:3] == ["ambulance", "air_ambulance", "phc"]
    assert len(data) == 21
    ivf = next(c for c in data if c["code"] == "ivf")
    assert ivf["nature"] == "planned" and ivf["name"]["ru"] == "Экстракорпоральное оплодотворение (ЭКО)"
    russian = runner.invoke(app, ["benefits", "care-types", "--lang", "ru"])
    assert "Скорая медицинская помощь" in russian.stdout


def test_entitle_json_carries_the_status_answer_exactly(cli_db, session) -> None:  # type: ignore[no-untyped-def]
    answer = entitle("--iin", CITIZEN_INSURED, "--care-type", "inpatient_planned", "--date", "2024-05-15", "--referral")
    assert answer["covered_by"] == "OSMS"
    assert answer["rulebook"] == "kz-law"
    assert [r["code"] for r in answer["reasons"]] == ["osms_covered"]  # type: ignore[union-attr]
    assert "benefits.osms_care_types.2020-01-01" in answer["rules"]  # type: ignore[operator]
    status = runner.invoke(app, ["status", CITIZEN_INSURED, "--on", "2024-05-15", "--json"])
    assert answer["insured"] == json.loads(status.stdout)
    entries = session.scalars(select(AuditEntry).where(AuditEntry.action == "entitlement.read")).all()
    assert [(e.channel, e.subject_iin) for e in entries] == [("cli", CITIZEN_INSURED)]
    assert "covered_by=OSMS" in (entries[0].detail or "")


@pytest.mark.parametrize(
    ("iin", "args", "expected"),
    [
        (CITIZEN_UNINSURED, ["--care-type", "inpatient_planned", "--referral"], "none"),
        (CITIZEN_UNINSURED, ["--care-type", "phc"], "GOBMP"),
        (CITIZEN_UNINSURED, ["--care-type", "consult_diag", "--icd10", "C50.9"], "GOBMP"),
        (CHILD, ["--care-type", "consult_diag", "--referral"], "OSMS"),  # state-paid category
        (MIGRANT, ["--care-type", "phc"], "none"),
        (MIGRANT, ["--care-type", "outpatient_drugs"], "OSMS"),
        (TOURIST, ["--care-type", "consult_diag", "--icd10", "A15.0"], "GOBMP"),
        (TOURIST, ["--care-type", "inpatient_planned", "--emergency"], "GOBMP"),
        (UNKNOWN, ["--care-type", "ambulance"], "GOBMP"),
        (UNKNOWN, ["--care-type", "phc"], "none"),
        (CITIZEN_INSURED, ["--care-type", "sanatorium", "--emergency"], "none"),
    ],
)
def test_entitle_per_person(cli_db, iin: str, args: list[str], expected: str) -> None:  # type: ignore[no-untyped-def]
    assert entitle("--iin", iin, "--date", "2024-05-15", *args)["covered_by"] == expected


def test_entitle_panel_in_russian(cli_db) -> None:  # type: ignore[no-untyped-def]
    result = runner.invoke(
        app,
        [
            "entitle",
            "--iin",
            CITIZEN_UNINSURED,
            "--care-type",
            "inpatient_planned",
            "--date",
            "2024-05-15",
            "--lang",
            "ru",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "Не покрывается" in result.stdout and "не застраховано" in result.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--care-type", "massage"], "unknown care type 'massage'"),
        (["--care-type", "phc", "--icd10", "Q99.99"], "unknown ICD-10 code 'Q99.99'"),
        (["--care-type", "phc", "--date", "2017-06-30"], "2017-06-30 is outside the rulebook kz-law"),
        (["--care-type", "phc", "--date", "2017-03-01"], "seeds-2016 covers it"),
        (["--care-type", "phc", "--rulebook", "nope"], "unknown rulebook 'nope'"),
    ],
)
def test_bad_input_exits_1_with_a_sentence(cli_db, args: list[str], message: str) -> None:  # type: ignore[no-untyped-def]
    result = runner.invoke(app, ["entitle", "--iin", CITIZEN_INSURED, *args])
    assert result.exit_code == 1
    assert message in " ".join(result.output.split())


def test_bad_iin(cli_db) -> None:  # type: ignore[no-untyped-def]
    result = runner.invoke(app, ["entitle", "--iin", "123", "--care-type", "phc"])
    assert result.exit_code == 1 and "bad_iin" in result.output
