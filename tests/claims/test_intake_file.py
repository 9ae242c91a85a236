"""The intake of a whole file: all-or-nothing, chunks, the CLI, and the row parser's property
(docs/claims.md, "Intake")."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from osms.claims import checks, intake
from osms.claims import cli as services_cli
from osms.claims.parse import COLUMNS, Parsed, RowChecker
from osms.claims.vocabulary import REJECT_CODES
from osms.cli import app as osms_cli
from osms.core import bulkload
from osms.core.rows import Rejection
from osms.rulebooks.loader import load_rulebook
from tests.claims.test_intake import ADULT, TODAY, WOMAN, world
from tests.claims.world import Row, stay, write_csv

runner = CliRunner()


def day_file(tmp_path: Path, n: int = 25) -> Path:
    rows = [
        Row(
            f"V{i}",
            "PHC1",
            ADULT if i % 2 else WOMAN,
            date_from=f"2026-03-{1 + i % 20:02d}",
            date_to=f"2026-03-{1 + i % 20:02d}",
        )
        for i in range(n)
    ]
    rows.append(Row("BAD", "PHC1", "12345"))
    return write_csv(tmp_path / "day.csv", rows)


def counts(engine: Engine) -> tuple[int, int, int]:
    with engine.connect() as conn:
        return (
            conn.execute(text("SELECT COUNT(*) FROM service_record")).scalar_one(),
            conn.execute(text("SELECT COUNT(*) FROM import_rejection")).scalar_one(),
            conn.execute(text("SELECT COUNT(*) FROM import_batch")).scalar_one(),
        )


def test_a_failure_anywhere_leaves_nothing(
    engine: Engine, session: Session, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    world(session)
    path = day_file(tmp_path)
    monkeypatch.setattr(intake, "CHUNK_ROWS", 5)
    real_write = bulkload.Stager.write
    calls = {"n": 0}

    def crash_on_the_third_chunk(self: bulkload.Stager, rows: object) -> None:
        calls["n"] += 1
        if calls["n"] == 3:
            raise RuntimeError("disk on fire")
        real_write(self, rows)  # type: ignore[arg-type]

    monkeypatch.setattr(bulkload.Stager, "write", crash_on_the_third_chunk)
    with pytest.raises(RuntimeError):
        intake.ingest_file(engine, path, today=TODAY)
    assert counts(engine) == (0, 0, 0)
    monkeypatch.setattr(bulkload.Stager, "write", real_write)

    def crash_in_the_checks(*args: object, **kw: object) -> None:
        raise RuntimeError("checks crashed")

    monkeypatch.setattr(checks, "_doctor_overload", crash_in_the_checks)
    with pytest.raises(RuntimeError):
        intake.ingest_file(engine, path, today=TODAY)
    assert counts(engine) == (0, 0, 0)
    monkeypatch.undo()
    result = intake.ingest_file(engine, path, today=TODAY)
    assert (result.rows, result.accepted, result.rejected) == (26, 25, 1)
    assert counts(engine) == (25, 1, 1)


def test_chunks_do_not_change_the_outcome(
    engine: Engine, session: Session, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    world(session)
    path = day_file(tmp_path)
    monkeypatch.setattr(intake, "CHUNK_ROWS", 3)
    small = intake.ingest_file(engine, path, today=TODAY)
    again = intake.ingest_file(engine, path, today=TODAY)
    assert (small.accepted, small.rejected, again.unchanged, again.accepted) == (25, 1, 25, 0)
    # duplicates: row i and i + 20 are the same visit (same person by parity, same day 1 + i % 20):
    # V20..V24 repeat V0..V4
    assert small.findings_by_code.get("duplicate") == 5


def test_cli_prints_one_json_line(
    engine: Engine, session: Session, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    world(session)
    monkeypatch.setattr(services_cli, "get_engine", lambda url=None: engine)
    path = day_file(tmp_path, 4)
    out = runner.invoke(osms_cli, ["services", "ingest", str(path), "--json", "--rejects", str(tmp_path / "r.csv")])
    assert out.exit_code == 0, out.output
    lines = out.stdout.strip().splitlines()
    assert len(lines) == 1
    answer = json.loads(lines[0])
    assert {k: answer[k] for k in ("rows", "accepted", "rejected", "rejected_by_reason", "findings_by_code")} == {
        "rows": 5,
        "accepted": 4,
        "rejected": 1,
        "rejected_by_reason": {"bad_iin": 1},
        "findings_by_code": {},
    }
    assert (tmp_path / "r.csv").is_file()
    table = runner.invoke(osms_cli, ["services", "ingest", str(path)])
    assert table.exit_code == 0, table.output
    assert "unchanged" in table.output and "The IIN is not a valid 12-digit number" in table.output


def test_cli_refuses_a_bad_header(engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(services_cli, "get_engine", lambda url=None: engine)
    path = tmp_path / "x.csv"
    path.write_text("a,b\n1,2\n", encoding="utf-8")
    out = runner.invoke(osms_cli, ["services", "ingest", str(path), "--json"])
    assert out.exit_code != 0
    assert json.loads(out.stdout.strip().splitlines()[-1])["error"]["code"] == "bad_file"


CHECKER = RowChecker(load_rulebook("kz-law"), today=date(2026, 3, 31))
GOOD = Row("V1", "PHC1", ADULT).as_dict()
FIELD = st.one_of(
    st.text(max_size=15),
    st.sampled_from(
        [
            "",
            " ",
            "true",
            "false",
            "2026-03-02",
            "2026-02-30",
            "1",
            "0",
            "J06.9",
            "phc",
            "inpatient",
            "A01.003.000",
            "SYN.SU01",
            ADULT,
            "88.7;99",
            "99999",
            "-1",
        ]
    ),
)


@settings(max_examples=400, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(COLUMNS), FIELD), max_size=6), st.integers(min_value=0, max_value=20))
def test_the_row_parser_never_crashes(changes: list[tuple[str, str]], width: int) -> None:
    values = dict(GOOD)
    values.update(changes)
    row = [values[c] for c in COLUMNS]
    if width < 3:
        row = row[: 16 - width]
    checked = CHECKER.check(row)
    if isinstance(checked, Rejection):
        assert checked.code in REJECT_CODES
        assert checked.message
    else:
        assert isinstance(checked, Parsed)
        assert checked.date_from <= checked.date_to <= date(2026, 3, 31)
        assert checked.quantity >= 1 and len(checked.digest) == 32


def test_rows_that_are_not_rows(engine: Engine, session: Session, tmp_path: Path) -> None:
    world(session)
    good = ",".join(Row("V1", "PHC1", ADULT).as_dict()[c] for c in COLUMNS)
    path = tmp_path / "odd.csv"
    path.write_bytes(
        (",".join(COLUMNS) + "\n" + good + "\n" + "V2,PHC1\n" + "\n").encode()
        + b"V3,PHC1,\xff\xfe,phc\n"
        + b'V4,PHC1,"unclosed\n'
        + good.replace("V1", "V5").replace("J06.9", "J06\x009").encode()
        + b"\n"
    )
    result = intake.ingest_file(engine, path, today=TODAY)
    # line 4 is blank: not a row
    assert (result.rows, result.accepted, result.rejected_by_reason) == (5, 1, {"bad_row_shape": 4})
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT line, message FROM import_rejection ORDER BY line")).all()
    assert [(line, message.split(" ")[0:3]) for line, message in rows] == [
        (3, ["the", "row", "has"]),
        (5, ["the", "line", "is"]),
        (6, ["the", "row", "is"]),
        (7, ["the", "row", "contains"]),
    ]


def test_a_row_without_the_code_its_form_is_billed_by(session: Session) -> None:
    world(session)
    rows = [Row("V1", "PHC1", ADULT, service_code="").as_dict(), stay("S1", "HOSP1", ADULT, group="",
            start="2026-03-01", end="2026-03-02").as_dict()]  # fmt: skip
    result = intake.ingest_rows(session, rows, source="t", created_by="t", today=TODAY)
    assert [(o.reason, o.message) for o in result.outcomes] == [
        ("missing_field", "service_code is empty: phc records are billed by one"),
        ("missing_field", "case_group is empty: inpatient records are billed by one"),
    ]
