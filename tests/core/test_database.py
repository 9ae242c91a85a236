"""Schema only through migrations, exact money on both databases, append-only audit log."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Column, Integer, MetaData, Table, insert, select, text
from sqlalchemy.exc import DBAPIError

from osms.core.migrate import current_revision, head_revision
from osms.core.money import Money
from osms.core.periods import Month, MonthType
from osms.schema import metadata


def test_models_and_migrations_agree(engine) -> None:
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = compare_metadata(context, metadata)
    assert diff == []
    assert current_revision(engine) == head_revision(str(engine.url))


def _scratch(engine):
    md = MetaData()
    table = Table(
        "scratch_money",
        md,
        Column("id", Integer, primary_key=True),
        Column("amount", Money()),
        Column("period", MonthType()),
    )
    md.create_all(engine)
    return md, table


@settings(max_examples=40, suppress_health_check=[HealthCheck.function_scoped_fixture], deadline=None)
@given(st.decimals(min_value=Decimal("-999999999999.99"), max_value=Decimal("999999999999.99"), places=2))
def test_money_is_exact_on_the_database(engine, amount: Decimal) -> None:
    md, table = _scratch(engine)
    try:
        with engine.begin() as conn:
            conn.execute(table.delete())
            conn.execute(insert(table).values(id=1, amount=amount, period=Month(2024, 2)))
            back, period = conn.execute(select(table.c.amount, table.c.period)).one()
            total = conn.execute(select(table.c.amount + table.c.amount)).scalar_one()
        assert back == amount and isinstance(back, Decimal)
        assert period == Month(2024, 2)
        assert total == amount * 2
    finally:
        md.drop_all(engine)


def test_money_refuses_fractions_of_a_tiyn(engine) -> None:
    md, table = _scratch(engine)
    try:
        with pytest.raises(Exception, match="at most 2 decimals"), engine.begin() as conn:
            conn.execute(insert(table).values(id=1, amount=Decimal("1.005")))
    finally:
        md.drop_all(engine)


def test_audit_log_is_append_only(engine) -> None:
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO audit_log (at, actor, role, channel, action, resource) "
                "VALUES (:at, 'op', 'operator', 'api', 'person.read', 'x')"
            ),
            {"at": datetime.now(UTC)},
        )
    for statement in ("UPDATE audit_log SET actor = 'someone else'", "DELETE FROM audit_log"):
        with pytest.raises(DBAPIError, match="append-only"), engine.begin() as conn:
            conn.execute(text(statement))
    with engine.connect() as conn:
        assert conn.execute(text("SELECT actor FROM audit_log")).scalar_one() == "op"
