"""The ledger's reference to its import batch holds without a per-row foreign key (migration
0006): a statement naming a batch that does not exist is refused whole, and a batch the ledger
names cannot be deleted. Same behaviour on SQLite (row triggers) and PostgreSQL (one
statement-level trigger over the inserted rows)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

ROW = (
    "INSERT INTO payment (reference, batch_id, line, payer_id, payer_kind, iin, period, kind, amount, value_date) "
    "VALUES (:ref, :batch, :line, '940140000385', 'employer', '860101300017', 24300, 'employer_deduction', 10, "
    "'2025-02-20')"
)


def new_batch(conn) -> int:
    return conn.execute(
        text(
            "INSERT INTO import_batch (kind, file_name, sha256, started_at, rows, accepted, rejected) "
            "VALUES ('payments', 'r.csv', '', :at, 0, 0, 0) RETURNING id"
        ),
        {"at": datetime.now(UTC)},
    ).scalar_one()


def count(engine) -> int:
    with engine.connect() as conn:
        return conn.execute(text("SELECT COUNT(*) FROM payment")).scalar_one()


def test_rows_naming_their_batch_are_credited(engine) -> None:
    with engine.begin() as conn:
        batch = new_batch(conn)
        conn.execute(text(ROW), [{"ref": f"R{i}", "batch": batch, "line": i} for i in range(1, 4)])
    assert count(engine) == 3


def test_a_statement_with_one_row_naming_no_batch_is_refused_whole(engine) -> None:
    with engine.begin() as conn:
        batch = new_batch(conn)
    with pytest.raises(IntegrityError, match="names no import batch"), engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO payment (reference, batch_id, line, payer_id, payer_kind, iin, period, kind, amount, "
                "value_date) SELECT 'R' || n, CASE WHEN n = 3 THEN :missing ELSE :batch END, n, '940140000385', "
                "'employer', '860101300017', 24300, 'employer_deduction', 10, '2025-02-20' "
                "FROM (SELECT 1 AS n UNION ALL SELECT 2 UNION ALL SELECT 3) AS lines"
            ),
            {"batch": batch, "missing": batch + 1000},
        )
    assert count(engine) == 0


def test_moving_a_row_to_a_missing_batch_is_refused(engine) -> None:
    with engine.begin() as conn:
        batch = new_batch(conn)
        conn.execute(text(ROW), {"ref": "R1", "batch": batch, "line": 1})
    with pytest.raises(IntegrityError, match="names no import batch"), engine.begin() as conn:
        conn.execute(text("UPDATE payment SET batch_id = :b"), {"b": batch + 1000})


def test_a_batch_the_ledger_names_cannot_be_deleted(engine) -> None:
    with engine.begin() as conn:
        used, unused = new_batch(conn), new_batch(conn)
        conn.execute(text(ROW), {"ref": "R1", "batch": used, "line": 1})
    with pytest.raises(IntegrityError, match="referred to by ledger rows"), engine.begin() as conn:
        conn.execute(text("DELETE FROM import_batch WHERE id = :b"), {"b": used})
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM import_batch WHERE id = :b"), {"b": unused})
        assert conn.execute(text("SELECT COUNT(*) FROM import_batch")).scalar_one() == 1
