"""Many simultaneous applications to a clinic with one place left accept exactly one (the clinic's row
is locked, SELECT ... FOR UPDATE, before counting)."""

from __future__ import annotations

import threading
from datetime import date

import pytest
from sqlalchemy import func, select

from osms.attachment import applications
from osms.attachment.models import Attachment
from osms.core.db import session_factory
from tests.attachment.conftest import add_clinic
from tests.attachment.helpers import add_person, iin
from tests.conftest import IS_PG

N = 20


@pytest.mark.skipif(
    not IS_PG,
    reason="SQLite serialises writers (one write transaction at a time), so there is no race to prove; "
    "run with OSMS_DATABASE_URL=postgresql+psycopg://... (sequential capacity is tested on both)",
)
def test_twenty_parallel_applications_for_the_last_place_accept_exactly_one(engine, session) -> None:
    add_clinic(session, "LAST", capacity=3, area="AST-001")
    seated = [add_person(session, iin(date(1970, 1, 1), "M", serial=500 + i)) for i in range(2)]
    people = [add_person(session, iin(date(1980, 1, 1), "F", serial=600 + i)) for i in range(N)]
    session.commit()
    for number in seated:
        applications.apply(
            session, iin=number, clinic_id="LAST", reason="first", on=date(2024, 3, 1), rulebook="kz-law"
        )
    session.commit()  # two of three places taken: one left

    factory = session_factory(engine)
    barrier = threading.Barrier(N)
    results: list[str] = []
    failures: list[BaseException] = []
    lock = threading.Lock()

    def worker(number: str) -> None:
        try:
            with factory() as s:
                barrier.wait()
                d = applications.apply(
                    s, iin=number, clinic_id="LAST", reason="first", on=date(2024, 3, 2), rulebook="kz-law"
                )
                s.commit()
            with lock:
                results.append(d.decision if d.decision == "accepted" else ",".join(d.codes))
        except BaseException as exc:  # noqa: BLE001 - reported below
            failures.append(exc)

    threads = [threading.Thread(target=worker, args=(p,)) for p in people]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert failures == []
    assert sorted(results) == ["accepted"] + ["clinic_full"] * (N - 1)
    session.expire_all()
    attached = session.scalar(select(func.count()).select_from(Attachment).where(Attachment.clinic_id == "LAST"))
    assert attached == 3
