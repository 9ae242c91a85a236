"""Keeping ``person_month`` (the coverage summary) equal to what the ledger says.

``refresh(conn, keys_sql)`` recomputes the summary rows of the (iin, period) pairs that
``keys_sql`` selects (a ``SELECT iin, period FROM ...`` over a staging table, for instance), from
the ledger, set-based. Ingestion calls it in the same transaction as the ledger rows it adds, so
the summary is never behind the ledger. A reversed payment counts as never credited.
"""

from __future__ import annotations

from sqlalchemy.engine import Connection

from osms.contributions.models import PAYMENT_KINDS, REVERSAL

_BIT = "CASE p.kind " + " ".join(f"WHEN '{k}' THEN {b}" for k, b in PAYMENT_KINDS.items()) + " ELSE 0 END"
_ACTIVE = f"p.kind <> '{REVERSAL}' AND NOT EXISTS (SELECT 1 FROM payment r WHERE r.reverses = p.reference)"


def refresh(conn: Connection, keys_sql: str, params: dict[str, object] | None = None) -> None:
    """Recompute the summary for the (iin, period) pairs selected by ``keys_sql``."""
    conn.exec_driver_sql("DROP TABLE IF EXISTS touched_person_month")
    conn.exec_driver_sql("CREATE TEMPORARY TABLE touched_person_month (iin VARCHAR(12), period INTEGER)")
    conn.exec_driver_sql(
        f"INSERT INTO touched_person_month (iin, period) SELECT DISTINCT k.iin, k.period FROM ({keys_sql}) k",
        params or {},
    )
    conn.exec_driver_sql("CREATE INDEX ix_touched_person_month ON touched_person_month (iin, period)")
    conn.exec_driver_sql(
        "DELETE FROM person_month WHERE EXISTS (SELECT 1 FROM touched_person_month t "
        "WHERE t.iin = person_month.iin AND t.period = person_month.period)"
    )
    conn.exec_driver_sql(
        "INSERT INTO person_month (iin, period, amount, payments, kinds, payer_id, first_value_date) "
        f"SELECT p.iin, p.period, SUM(p.amount), COUNT(*), SUM(DISTINCT {_BIT}), "
        "(SELECT q.payer_id FROM payment q WHERE q.iin = p.iin AND q.period = p.period "
        f"AND q.kind <> '{REVERSAL}' AND NOT EXISTS (SELECT 1 FROM payment r2 WHERE r2.reverses = q.reference) "
        "ORDER BY q.amount DESC, q.id LIMIT 1), MIN(p.value_date) "
        "FROM payment p JOIN touched_person_month t ON t.iin = p.iin AND t.period = p.period "
        f"WHERE {_ACTIVE} GROUP BY p.iin, p.period"
    )
    conn.exec_driver_sql("DROP TABLE touched_person_month")


def refresh_all(conn: Connection) -> None:
    """Rebuild the whole summary from the ledger (repair tool; also what tests compare against)."""
    refresh(conn, "SELECT iin, period FROM payment")
