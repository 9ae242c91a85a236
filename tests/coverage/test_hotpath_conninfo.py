"""The hot path connects with the same database URL as the rest of the system (both databases run
this: it needs no server)."""

from __future__ import annotations

from osms.coverage.hotpath import conninfo


def test_conninfo_keeps_every_part_of_the_database_url() -> None:
    url = "postgresql+psycopg://osms:p%40ss%2Fw@db.fund.kz:5433/osms?sslmode=require"
    assert conninfo(url) == "postgresql://osms:p%40ss%2Fw@db.fund.kz:5433/osms?sslmode=require"
