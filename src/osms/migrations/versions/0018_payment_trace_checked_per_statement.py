"""payment run traces: the run reference checked once per statement instead of once per row

The monthly run writes one ``payment_run_trace`` row per service record (a million in a month of a
million records). A foreign key checks every inserted row on its own through the
referential-integrity trigger: about 4 s of the bench's run (docs/performance.md). On PostgreSQL the
same guarantee is now one statement-level trigger over the inserted rows (a transition table, one
anti-join per statement); on SQLite a row-level trigger (as cheap as its foreign key). A trace
naming no run is refused either way. Deleting a run deletes its traces as the foreign key's
``ON DELETE CASCADE`` did (a row trigger on ``payment_run``: a few hundred runs a month).

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

MESSAGE = "payment_run_trace.run_id names no payment run"


def upgrade() -> None:
    with op.batch_alter_table("payment_run_trace") as batch_op:
        batch_op.drop_constraint("fk_payment_run_trace_run_id_payment_run", type_="foreignkey")
    if op.get_context().dialect.name == "postgresql":
        op.execute(
            f"""
            CREATE FUNCTION payment_run_trace_run_exists() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF EXISTS (SELECT 1 FROM new_rows n
                           WHERE NOT EXISTS (SELECT 1 FROM payment_run r WHERE r.id = n.run_id)) THEN
                    RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = 'foreign_key_violation';
                END IF;
                RETURN NULL;
            END $$;
            """
        )
        for verb in ("INSERT", "UPDATE"):
            op.execute(
                f"CREATE TRIGGER payment_run_trace_run_exists_{verb.lower()} AFTER {verb} ON payment_run_trace "
                "REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION payment_run_trace_run_exists()"
            )
        op.execute(
            """
            CREATE FUNCTION payment_run_drop_traces() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                DELETE FROM payment_run_trace WHERE run_id = OLD.id;
                RETURN OLD;
            END $$;
            """
        )
        op.execute(
            "CREATE TRIGGER payment_run_drop_traces BEFORE DELETE ON payment_run "
            "FOR EACH ROW EXECUTE FUNCTION payment_run_drop_traces()"
        )
    else:
        for verb in ("INSERT", "UPDATE OF run_id"):
            name = verb.split()[0].lower()
            op.execute(
                f"CREATE TRIGGER payment_run_trace_run_exists_{name} BEFORE {verb} ON payment_run_trace "
                "WHEN NOT EXISTS (SELECT 1 FROM payment_run WHERE id = NEW.run_id) "
                f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END"
            )
        op.execute(
            "CREATE TRIGGER payment_run_drop_traces BEFORE DELETE ON payment_run "
            "BEGIN DELETE FROM payment_run_trace WHERE run_id = OLD.id; END"
        )


def downgrade() -> None:
    if op.get_context().dialect.name == "postgresql":
        for trigger in ("payment_run_trace_run_exists_insert", "payment_run_trace_run_exists_update"):
            op.execute(f"DROP TRIGGER IF EXISTS {trigger} ON payment_run_trace")
        op.execute("DROP TRIGGER IF EXISTS payment_run_drop_traces ON payment_run")
        op.execute("DROP FUNCTION IF EXISTS payment_run_trace_run_exists()")
        op.execute("DROP FUNCTION IF EXISTS payment_run_drop_traces()")
    else:
        for trigger in (
            "payment_run_trace_run_exists_insert",
            "payment_run_trace_run_exists_update",
            "payment_run_drop_traces",
        ):
            op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
    with op.batch_alter_table("payment_run_trace") as batch_op:
        batch_op.create_foreign_key(
            "fk_payment_run_trace_run_id_payment_run", "payment_run", ["run_id"], ["id"], ondelete="CASCADE"
        )
