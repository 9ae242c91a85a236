"""A small world for the per-capita tests: a fixture rulebook extending kz-law (or seeds-2016) with
round coefficients, a PHC provider in a region, and people of known sex and age attached to it."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Literal

from sqlalchemy.orm import Session

from osms.registry.models import PersonCategory
from osms.rulebooks.loader import Rulebook, load_rulebook_from_path
from tests.claims.world import add_person, add_provider, attach, iin

#: Round coefficients: every band of a sex has the same coefficient unless listed.
SEX_AGE = {
    ("M", 0): "3.00",
    ("F", 0): "3.00",
    ("M", 30): "0.80",
    ("F", 30): "1.00",
    ("M", 70): "2.00",
    ("F", 70): "1.50",
}
BANDS = ((0, 0), (1, 4), (5, 9), (10, 14), (15, 19), (20, 29), (30, 39), (40, 49), (50, 59), (60, 69), (70, None))


def fixture_rulebook(tmp_path: Path, parent: str = "kz-law", *, base: str = "2000.00") -> Rulebook:
    """``parent`` with region KZ-TST at ``base`` tenge, the sex-age table SEX_AGE (1.00 elsewhere)
    and corrections density 1.10, heating 1.05 (rural and ecology not given: 1)."""
    folder = tmp_path / f"{parent}-pc"
    folder.mkdir()
    start = "2018-01-01" if parent == "seeds-2016" else "2025-01-01"
    covers = (
        "  valid_from: 2017-01-01\n  valid_to: 2021-12-31\n"
        if parent == "seeds-2016"
        else "  valid_from: 2017-07-01\n  valid_to: 2026-12-31\n"
    )
    (folder / "rulebook.yaml").write_text(f"name: {parent}-pc\nextends: {parent}\ncovers:\n{covers}", encoding="utf-8")
    src = "fixture"
    (folder / "capitation.csv").write_text(
        f"key,rate,valid_from,valid_to,source,verified,note\nKZ-TST,{base},{start},,{src},true,\n", encoding="utf-8"
    )
    rows = ["key,sex,age_from,age_to,coefficient,valid_from,valid_to,source,verified,note"]
    for sex in ("M", "F"):
        for a, b in BANDS:
            coef = SEX_AGE.get((sex, a), "1.00")
            rows.append(f"{sex}.{a},{sex},{a},{'' if b is None else b},{coef},{start},,{src},true,")
    (folder / "sex_age.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    (folder / "corrections.csv").write_text(
        "key,coefficient,valid_from,valid_to,source,verified,note\n"
        f"KZ-TST.density,1.10,{start},,{src},true,\nKZ-TST.heating,1.05,{start},,{src},true,\n",
        encoding="utf-8",
    )
    return load_rulebook_from_path(folder)


def person(
    session: Session,
    birth: date,
    sex: Literal["M", "F"],
    serial: int,
    *,
    clinic: str = "PHC1",
    attached: date = date(2025, 1, 1),
    insured: bool = True,
) -> str:
    """A person attached to ``clinic`` from ``attached``; insured through a disability membership."""
    number = iin(birth, sex, serial)
    add_person(session, number, birth=birth, sex=sex)
    if insured:
        session.add(PersonCategory(iin=number, category="disability", valid_from=date(2020, 1, 1), source="test"))
    attach(session, number, clinic, attached)
    session.flush()
    return number


def clinic(session: Session, provider_id: str = "PHC1", region: str = "KZ-TST") -> str:
    return add_provider(session, provider_id, kind="phc", region=region, capacity=10000)


def served(session: Session, number: str, day: date, provider_id: str = "PHC1") -> None:
    """An accepted service record of ``number`` on ``day`` (written through the claims model: tests may)."""
    from datetime import UTC, datetime

    from osms.claims.models import ServiceRecord
    from osms.core.models import ImportBatch

    batch = ImportBatch(kind="services", file_name="test", sha256="0" * 64, started_at=datetime.now(UTC))
    session.add(batch)
    session.flush()
    count = session.query(ServiceRecord).count()
    session.add(
        ServiceRecord(
            provider_id=provider_id,
            record_id=f"R{count + 1}",
            iin=number,
            care_form="phc",
            care_type="phc",
            service_code="A01.003.000",
            case_group=None,
            icd10="J06.9",
            procedures=None,
            date_from=day,
            date_to=day,
            outcome="completed",
            referral=False,
            emergency=False,
            quantity=1,
            doctor_iin=None,
            month=day.replace(day=1),
            version=1,
            digest="0" * 32,
            batch_id=batch.id,
            received_at=datetime.now(UTC),
        )
    )
    session.flush()
