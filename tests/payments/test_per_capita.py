"""Per capita of a PHC provider (docs/payments.md, "Per capita"): hand-computed cases on a fixture
rulebook extending kz-law (region KZ-TST: base 2,000.00; density 1.10, heating 1.05; the sex-age
coefficients of tests/payments/percapita_world.py). Counted: attached on the month's first day,
age on that day; insured status on that day (PAY п.47-1 from 2025-10-01: 90% not insured, 80% no
service in the calendar year, settled in December)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from osms.payments.capitation import PerCapitaError, per_capita, per_capita_all
from tests.payments.percapita_world import clinic, fixture_rulebook, person, served

TODAY = date(2026, 12, 5)


def three(session: Session, *, insured_man: bool = True) -> None:
    clinic(session)
    person(session, date(1990, 6, 15), "M", 1, insured=insured_man)  # 35 on 2026-03-01: M 30-39, 0.80
    person(session, date(2025, 9, 10), "F", 2)  # 0: F 0, 3.00
    person(session, date(1950, 1, 1), "F", 3)  # 76: F 70+, 1.50
    session.commit()


def test_three_people_hand_computed(session: Session, tmp_path: Path) -> None:
    three(session)
    book = fixture_rulebook(tmp_path)
    answer = per_capita(session, book, "PHC1", "2026-03", today=TODAY)
    # sex-age: (0.80 + 3.00 + 1.50) / 3 = 1.76666... → 1.7667
    # rate: 2,000.00 × 1.7667 × 1.10 × 1.05 = 4,081.077 → 4,081.08; gross 3 × 4,081.08 = 12,243.24
    data = answer.as_dict()
    assert data["attached"] == 3
    assert data["sex_age_coefficient"] == "1.7667"
    assert data["base_rate"] == "2000.00"
    assert data["corrections"] == {"density": "1.10", "rural": "1", "heating": "1.05", "ecology": "1"}
    assert data["rate"] == "4081.08"
    assert data["amount"] == "12243.24"
    people = {(b["band"], b["sex"]): b["people"] for b in data["by_band"] if b["people"]}
    assert people == {("30-39", "M"): 1, ("0", "F"): 1, ("70+", "F"): 1}
    assert len(data["by_band"]) == 22
    reductions = {r["code"]: r for r in data["reductions"]}
    assert reductions["uninsured"]["people"] == 0
    assert reductions["no_service_year"] == {
        "code": "no_service_year",
        "people": 3,
        "amount": "0.00",
        "status": "pending_december",
        "share": "0.8",
    }
    assert reductions["excess_norm"]["status"] == "not_applied"
    assert set(data) >= {"provider_id", "month", "by_band", "rules", "reductions"}
    assert data["month"] == "2026-03"


def test_uninsured_at_90_percent(session: Session, tmp_path: Path) -> None:
    three(session, insured_man=False)
    book = fixture_rulebook(tmp_path)
    answer = per_capita(session, book, "PHC1", "2026-03", today=TODAY)
    # 4,081.08 × (1 - 0.90) = 408.108 → 408.11; 12,243.24 - 408.11 = 11,835.13
    assert answer.reduction("uninsured") is not None
    assert answer.reduction("uninsured").people == 1  # type: ignore[union-attr]
    assert answer.reduction("uninsured").amount == Decimal("408.11")  # type: ignore[union-attr]
    assert answer.amount == Decimal("11835.13")
    assert answer.insured_on == date(2026, 3, 1)


def test_not_phc_and_unknown(session: Session, tmp_path: Path) -> None:
    three(session)
    book = fixture_rulebook(tmp_path)
    with pytest.raises(PerCapitaError) as err:
        per_capita(session, book, "NOPE", "2026-03", today=TODAY)
    assert err.value.code == "unknown_provider"
    with pytest.raises(PerCapitaError) as err:
        per_capita(session, book, "PHC1", "2026-3x", today=TODAY)
    assert err.value.code == "bad_month"


def test_all_providers_at_once(session: Session, tmp_path: Path) -> None:
    three(session)
    clinic(session, "PHC2")
    person(session, date(1990, 6, 15), "F", 9, clinic="PHC2")  # F 30-39, 1.00
    session.commit()
    book = fixture_rulebook(tmp_path)
    found = {a.provider_id: a for a in per_capita_all(session, book, "2026-03", today=TODAY)}
    assert found["PHC1"].amount == Decimal("12243.24")
    # 2,000.00 × 1.0000 × 1.155 = 2,310.00
    assert found["PHC2"].rate == Decimal("2310.00")
    assert found["PHC2"].amount == Decimal("2310.00")


def test_december_settles_the_year_at_80_percent(session: Session, tmp_path: Path) -> None:
    """December 2025: the 80% rule is in force from October, so October and November are recomputed.
    A: M 35, insured, no service (M 30-39, 0.80); B: F 75, insured, a service on 2025-05-10 (1.50);
    C: F 35, not insured, no service (F 30-39, 1.00). Same people on 1 Oct, 1 Nov, 1 Dec.
    sex-age (0.80 + 1.50 + 1.00) / 3 = 1.1000; rate 2,000.00 × 1.1 × 1.155 = 2,541.00; gross 7,623.00.
    uninsured: C, 2,541.00 × 0.10 = 254.10.
    no_service_year (December): A 2,541.00 × (1 - 0.80) = 508.20; C 2,541.00 × (0.90 - 0.80) = 254.10;
    762.30, 2 people. Earlier months (October, November): 2 × 762.30 = 1,524.60, 2 people.
    amount: 7,623.00 - 254.10 - 762.30 - 1,524.60 = 5,082.00."""
    clinic(session)
    person(session, date(1990, 6, 15), "M", 1)
    b = person(session, date(1950, 1, 1), "F", 2)
    person(session, date(1990, 6, 15), "F", 3, insured=False)
    served(session, b, date(2025, 5, 10))
    session.commit()
    book = fixture_rulebook(tmp_path)
    answer = per_capita(session, book, "PHC1", "2025-12", today=TODAY)
    assert answer.rate == Decimal("2541.00")
    assert answer.gross == Decimal("7623.00")
    got = {r.code: (r.people, r.amount, r.status) for r in answer.reductions}
    assert got["uninsured"] == (1, Decimal("254.10"), "applied")
    assert got["no_service_year"] == (2, Decimal("762.30"), "applied")
    assert got["no_service_year_earlier"] == (2, Decimal("1524.60"), "applied")
    assert answer.amount == Decimal("5082.00")
    # September is before the rule (2025-10-01): no reductions but the excess norm's note
    before = per_capita(session, book, "PHC1", "2025-09", today=TODAY)
    assert [r.code for r in before.reductions] == ["excess_norm"]
    assert before.amount == Decimal("7623.00")


def test_attached_mid_month_counts_from_the_next_month(session: Session, tmp_path: Path) -> None:
    clinic(session)
    person(session, date(1990, 6, 15), "M", 1, attached=date(2026, 3, 15))
    leaver = person(session, date(1990, 6, 15), "F", 2)
    session.commit()
    from sqlalchemy import text

    session.execute(text("UPDATE attachment SET valid_to = :d WHERE iin = :i"), {"d": date(2026, 3, 10), "i": leaver})
    session.commit()
    book = fixture_rulebook(tmp_path)
    march = per_capita(session, book, "PHC1", "2026-03", today=TODAY)
    april = per_capita(session, book, "PHC1", "2026-04", today=TODAY)
    # March: the leaver only (attached on 1 March; F 30-39, 1.00): 2,000.00 × 1.155 = 2,310.00
    assert (march.attached, march.amount) == (1, Decimal("2310.00"))
    # April: the newcomer only (M 30-39, 0.80): 2,000.00 × 0.8 × 1.155 = 1,848.00
    assert (april.attached, april.amount) == (1, Decimal("1848.00"))


def test_seeds_2016_norm_without_80_90_rules(session: Session, tmp_path: Path) -> None:
    """seeds-2016 (seed 004): per attached person with sex-age and local coefficients, no 80/90 rules.
    M 38 (0.80), F 79 (1.50), F 0 (3.00) on 2019-03-01, the man not insured: nothing reduced.
    (0.80 + 1.50 + 3.00) / 3 = 1.7667; 2,000.00 × 1.7667 × 1.155 = 4,081.08; 3 × = 12,243.24."""
    clinic(session)
    person(session, date(1980, 6, 15), "M", 1, attached=date(2019, 1, 1), insured=False)
    person(session, date(1940, 1, 1), "F", 2, attached=date(2019, 1, 1))
    person(session, date(2018, 9, 10), "F", 3, attached=date(2019, 1, 1))
    session.commit()
    book = fixture_rulebook(tmp_path, "seeds-2016")
    answer = per_capita(session, book, "PHC1", "2019-03", today=TODAY)
    assert answer.rate == Decimal("4081.08")
    assert answer.amount == Decimal("12243.24")
    assert [r.code for r in answer.reductions] == ["excess_norm"]
    assert answer.rulebook == "seeds-2016-pc"


def test_kz_law_ships_synthetic_rates(session: Session) -> None:
    from osms.rulebooks.loader import load_rulebook

    clinic(session, region="KZ-ALA")
    person(session, date(1990, 6, 15), "M", 1)
    session.commit()
    answer = per_capita(session, load_rulebook("kz-law"), "PHC1", "2026-03", today=TODAY)
    assert answer.synthetic and not answer.verified
    assert answer.rules[0].startswith("capitation.KZ-ALA.")
