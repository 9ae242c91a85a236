"""``osms payments orders``: the payment-order file of the signed acts (docs/payments.md, "The act
and the payment orders"); the world is tests/payments/acts_world.py (payable 550,209.67)."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from osms.cli import app as osms_cli
from osms.core.config import get_settings
from osms.core.db import get_engine
from osms.payments import protocol
from osms.rulebooks.loader import load_rulebook
from tests.payments.acts_world import build


@pytest.fixture
def signed(session: Session, db_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    world = build(session)
    book = load_rulebook("kz-law")
    # protocol on Wednesday 1 April: objections until Monday 6 April; signed on the 7th, due the 17th
    protocol.protocol(session, book, world.contract_id, "2026-03", today=date(2026, 4, 1))
    protocol.sign(session, book, world.contract_id, "2026-03", signed_by="op", today=date(2026, 4, 7))
    session.commit()
    monkeypatch.setenv("OSMS_DATABASE_URL", db_url)
    get_settings.cache_clear()
    get_engine.cache_clear()
    yield world.contract_id
    get_engine(db_url).dispose()
    get_settings.cache_clear()
    get_engine.cache_clear()


def test_orders_on_standard_output_and_to_a_file(signed: str, tmp_path: Path) -> None:
    shown = CliRunner().invoke(osms_cli, ["payments", "orders", "--due-by", "2026-04-17"])
    assert shown.exit_code == 0, shown.output
    rows = list(csv.DictReader(io.StringIO(shown.stdout)))
    assert [(r["order_no"], r["amount"], r["signed_on"], r["due_date"]) for r in rows] == [
        (f"{signed}/2026-03", "550209.67", "2026-04-07", "2026-04-17")
    ]
    assert rows[0]["payee_iban"] == "" and rows[0]["purpose_ru"].startswith("Оплата за медицинскую помощь")
    out = tmp_path / "orders.csv"
    written = CliRunner().invoke(
        osms_cli, ["payments", "orders", "--due-by", "2026-04-16", "--out", str(out), "--json"]
    )
    assert written.exit_code == 0, written.output
    assert json.loads(written.output) == {"orders": 0, "amount": "0.00", "out": str(out), "no_iban": 0}
    bad = CliRunner().invoke(osms_cli, ["payments", "orders", "--due-by", "17.04.2026"])
    assert bad.exit_code == 2
