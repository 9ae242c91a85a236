"""``osms demo`` runs the last full service month for every contract of its synthetic country (the
operator's ``osms payments run``) and prints a clinic's per capita with its reductions, a hospital
with partial cases or deductions, and that its tariffs are synthetic."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from rich.console import Console
from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from osms import demo
from osms.providers.models import Provider


def test_demo_runs_the_payment_month_and_shows_statements(
    engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    demo.load_country(engine, 600, 5, tmp_path / "country")
    with engine.connect() as conn:  # the synthetic register gives every provider an account (payee_iban)
        assert conn.scalar(select(func.count()).select_from(Provider).where(Provider.iban.is_(None))) == 0
    started = time.perf_counter()
    shown = demo.payment_showcase(engine)
    assert shown is not None
    assert time.perf_counter() - started < 60
    assert shown.contracts > 0 and shown.payable > 0
    what = [row[0] for row in shown.statements]
    assert what[0] == "a clinic's per capita with its reductions"
    assert "attached" in shown.statements[0][2] and "reduction uninsured (0.9)" in shown.statements[0][2]
    assert "confirm_lapsed" in shown.confirmed
    # a confirmed defect's deduction with money in it (600 people, seed 5: a hospital's 5.1)
    assert any("deduction" in row[0] and "−0.00;" not in row[2].split("deduction", 1)[1] for row in shown.statements)
    recorder = Console(record=True, width=240)
    monkeypatch.setattr(demo, "console", recorder)
    demo.print_payments(shown)
    text = recorder.export_text()
    assert "contracts run" in text and "SYNTHETIC" in text
    # the synthetic country flags at least 2 consultations of each kind a month (synth.services);
    # each is priced by its rule (PAY п.66-68) and shown with its count and amount
    (flags,) = [row[2] for row in shown.statements if row[0] == "outpatient services by how they were given"]
    for how in ("at home (× 2, PAY п.67) ×", "remotely (× 1/2, п.68) ×", "preventive examination (50%, п.66) ×"):
        count = flags.split(how, 1)[1].split(" ", 1)[0]
        assert int(count) >= 1, flags
    assert "by how they were given" in text
