"""payment ledger: the batch reference checked once per statement instead of once per row

A foreign key checks every inserted ledger row on its own (one index probe through the
referential-integrity trigger per row): about 3.8 s of a 1,000,000-row register on the bench
machine (docs/performance.md). On PostgreSQL the same guarantee is now one statement-level
trigger over the inserted rows (a transition table, one anti-join per statement); on SQLite a
row-level trigger (as cheap as its foreign key). Either way, a ledger row naming no import batch
is refused, and an import batch that ledger rows name cannot be deleted.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-24
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

MESSAGE = "payment.batch_id names no import batch"
IN_USE = "the import batch is referred to by ledger rows"


def upgrade() -> None:
    with op.batch_alter_table("payment") as batch_op:
        batch_op.drop_constraint("fk_payment_batch_id_import_batch", type_="foreignkey")
    if op.get_context().dialect.name == "postgresql":
        op.execute(
            f"""
            CREATE FUNCTION payment_batch_exists() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF EXISTS (SELECT 1 FROM new_rows n
                           WHERE NOT EXISTS (SELECT 1 FROM import_batch b WHERE b.id = n.batch_id)) THEN
                    RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = 'foreign_key_violation';
                END IF;
                RETURN NULL;
            END $$;
            """
        )
        for verb in ("INSERT", "UPDATE"):
            op.execute(
                f"CREATE TRIGGER payment_batch_exists_{verb.lower()} AFTER {verb} ON payment "
                "REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION payment_batch_exists()"
            )
        op.execute(
            f"""
            CREATE FUNCTION import_batch_in_use() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF EXISTS (SELECT 1 FROM payment p WHERE p.batch_id = OLD.id) THEN
                    RAISE EXCEPTION '{IN_USE}' USING ERRCODE = 'foreign_key_violation';
                END IF;
                RETURN OLD;
            END $$;
            """
        )
        op.execute(
            "CREATE TRIGGER import_batch_in_use BEFORE DELETE ON import_batch "
            "FOR EACH ROW EXECUTE FUNCTION import_batch_in_use()"
        )
    else:
        for verb in ("INSERT", "UPDATE OF batch_id"):
            name = verb.split()[0].lower()
            op.execute(
                f"CREATE TRIGGER payment_batch_exists_{name} BEFORE {verb} ON payment "
                "WHEN NOT EXISTS (SELECT 1 FROM import_batch WHERE id = NEW.batch_id) "
                f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END"
            )
        op.execute(
            "CREATE TRIGGER import_batch_in_use BEFORE DELETE ON import_batch "
            "WHEN EXISTS (SELECT 1 FROM payment WHERE batch_id = OLD.id) "
            f"BEGIN SELECT RAISE(ABORT, '{IN_USE}'); END"
        )


def downgrade() -> None:
    if op.get_context().dialect.name == "postgresql":
        for trigger in ("payment_batch_exists_insert", "payment_batch_exists_update"):
            op.execute(f"DROP TRIGGER IF EXISTS {trigger} ON payment")
        op.execute("DROP TRIGGER IF EXISTS import_batch_in_use ON import_batch")
        op.execute("DROP FUNCTION IF EXISTS payment_batch_exists()")
        op.execute("DROP FUNCTION IF EXISTS import_batch_in_use()")
    else:
        for trigger in ("payment_batch_exists_insert", "payment_batch_exists_update", "import_batch_in_use"):
            op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
    with op.batch_alter_table("payment") as batch_op:
        batch_op.create_foreign_key("fk_payment_batch_id_import_batch", "import_batch", ["batch_id"], ["id"])
