"""The months a status check reads are rulebook data (docs/status.md, "The months a check reads"):
``status.window_history_months`` and ``status.window_future_months``, checked at load against the
rulebook's own grace, arrears cap and prepayment, and read by every channel (the engine, the
ORM facts, the PostgreSQL hot path)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from osms.core.config import get_settings
from osms.core.periods import Month
from osms.coverage import rules, service
from osms.coverage.hotpath import Facts, StatusHotPath
from osms.coverage.rulebook import CoverageTopic
from osms.rulebooks.entries import RulebookError
from osms.rulebooks.loader import clear_cache, load_rulebook
from tests.conftest import IS_PG
from tests.coverage.helpers import Ledger, add_person, facts, iin

ON = date(2026, 6, 15)  # M = 2026-06; the month 75 months back is 2020-03
OLD_MONTH = "2020-03"
PERSON = iin(date(1980, 4, 4), "M", serial=401)


def window_entries(history: int, future: int = 12) -> str:
    return (
        f"window_history_months:\n  - valid_from: 2017-07-01\n    value: {history}\n    source: fund order\n"
        f"window_future_months:\n  - valid_from: 2017-07-01\n    value: {future}\n    source: fund order\n"
    )


@pytest.fixture
def funds(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A directory of ``OSMS_RULEBOOK_PATH`` for children of ``kz-law``."""
    folder = tmp_path / "funds"
    folder.mkdir()
    monkeypatch.setenv("OSMS_RULEBOOK_PATH", str(folder))
    get_settings.cache_clear()
    clear_cache()
    yield folder
    monkeypatch.undo()
    get_settings.cache_clear()
    clear_cache()


def kz_child(root: Path, name: str, status: str) -> str:
    folder = root / name
    folder.mkdir()
    (folder / "rulebook.yaml").write_text(f"name: {name}\nextends: kz-law\n", encoding="utf-8")
    (folder / "status.yaml").write_text(status, encoding="utf-8")
    return name


@pytest.mark.parametrize("name", ["kz-law", "seeds-2016"])
def test_both_shipped_rulebooks_read_72_months_back_and_12_ahead(name: str) -> None:
    book = load_rulebook(name)
    topic = book.topic(CoverageTopic)
    for day in (book.covers_from, date(2020, 3, 1), date(2021, 12, 31), book.covers_to):
        assert (topic.window_history_months(day), topic.window_future_months(day)) == (72, 12)
    assert rules.window(date(2021, 9, 15), book) == (Month(2015, 9), Month(2022, 9))


def test_a_child_reading_80_months_back_counts_a_payment_75_months_back(funds: Path) -> None:
    wide = load_rulebook(kz_child(funds, "kz-wide", window_entries(80)))
    assert rules.window(ON, wide) == (Month(2019, 10), Month(2027, 6))
    old_payment = facts(OLD_MONTH)
    kz = rules.evaluate(iin=PERSON, on=ON, rulebook=load_rulebook("kz-law"), months=old_payment)
    assert (kz.basis.code, kz.last_covered) == ("never_paid", None)  # 2020-03 is outside M-72
    assert "72 months" in kz.message["en"]
    seen = rules.evaluate(iin=PERSON, on=ON, rulebook=wide, months=old_payment)
    assert (seen.basis.code, seen.last_covered) == ("lapsed", Month(2020, 3))
    nothing = rules.evaluate(iin=PERSON, on=ON, rulebook=wide)
    assert nothing.basis.code == "never_paid" and "80 months" in nothing.message["en"]


def test_the_service_reads_the_months_of_the_rulebook_asked(funds: Path, session) -> None:
    kz_child(funds, "kz-wide", window_entries(80))
    add_person(session, PERSON, birth=date(1980, 4, 4))
    ledger = Ledger(session)
    ledger.pay(PERSON, OLD_MONTH)
    ledger.refresh()
    assert service.status_of(session, PERSON, ON).basis.code == "never_paid"
    wide = service.status_of(session, PERSON, ON, "kz-wide")
    assert (wide.basis.code, wide.last_covered) == ("lapsed", Month(2020, 3))


@pytest.mark.skipif(not IS_PG, reason="the hot path serves PostgreSQL only")
def test_the_hot_path_reads_the_months_of_the_rulebook_asked(funds: Path, db_url, session) -> None:
    wide = load_rulebook(kz_child(funds, "kz-wide", window_entries(80)))
    add_person(session, PERSON, birth=date(1980, 4, 4))
    ledger = Ledger(session)
    ledger.pay(PERSON, OLD_MONTH)
    ledger.refresh()
    session.commit()

    async def read_both() -> list[Facts]:
        hot = StatusHotPath(db_url)
        await hot.open()
        try:
            both = hot.facts(PERSON, ON, load_rulebook("kz-law")), hot.facts(PERSON, ON, wide)
            return list(await asyncio.gather(*both))  # one batch, two windows
        finally:
            await hot.close()

    (_, narrow_months), (_, wide_months) = asyncio.run(read_both())
    assert PERSON not in narrow_months
    assert [f.period for f in wide_months[PERSON]] == [Month(2020, 3)]
    assert (wide_months, narrow_months) == (
        service.load_facts(session, [PERSON], ON, wide)[1],
        service.load_facts(session, [PERSON], ON, load_rulebook("kz-law"))[1],
    )


def test_a_window_shorter_than_the_grace_needs_is_refused_naming_the_entry(funds: Path) -> None:
    # kz-law from 2026: 6 months of grace after 60 covered months -> 6 + 59 = 65 months back
    kz_child(funds, "kz-short", window_entries(64, future=6))
    with pytest.raises(RulebookError) as info:
        load_rulebook("kz-short")
    problems = info.value.problems
    where = str(funds / "kz-short" / "status.yaml")
    assert (
        f"{where}: status.window_history_months.2017-07-01: 64 months back are fewer than the 65 the status "
        "rules need (status.grace.2026-01-01, status.arrears_cap_months.2017-07-01)"
    ) in problems
    assert (
        f"{where}: status.window_future_months.2017-07-01: 6 months ahead are fewer than the 12 a self-payer "
        "may prepay (status.self_payer_prepay_months.2022-09-05)"
    ) in problems
    assert len(problems) == 2


def test_exactly_the_months_the_rules_need_is_enough(funds: Path) -> None:
    book = load_rulebook(kz_child(funds, "kz-tight", window_entries(65)))
    assert rules.window(ON, book) == (Month(2021, 1), Month(2027, 6))
