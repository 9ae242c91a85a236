"""Who is attached to a clinic (docs/attachment.md): the population of one clinic on a day, and the
attached-population register per clinic and month (feeds per-capita payment).
"""

from __future__ import annotations

import csv
from collections import Counter, defaultdict
from datetime import date
from pathlib import Path
from typing import Any, Final

from sqlalchemy import and_, func, or_, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from osms.attachment import rules
from osms.attachment.models import Attachment, ClinicDistrict
from osms.attachment.rulebook import AgeGroupsRule, AttachmentTopic
from osms.attachment.service import _alive_on, _non_empty, _person, get_clinic, resolve_rulebook
from osms.core.errors import InvalidInput
from osms.core.periods import Month


def age_group(birth: date | None, on: date, groups: AgeGroupsRule) -> str:
    """The age group of a person on ``on`` (``unknown`` without a birth date)."""
    return "unknown" if birth is None else groups.group(rules.age_on(birth, on))


def clinic_population(
    session: Session, clinic_id: str, on: date, *, page: int = 1, page_size: int = 50
) -> dict[str, Any]:
    """Persons attached to the clinic on ``on`` (running rows; pending ones counted apart):
    counts by district and age group, and one page of the list ordered by IIN."""
    clinic = get_clinic(session, clinic_id)
    running = and_(
        Attachment.clinic_id == clinic.clinic_id,
        Attachment.valid_from <= on,
        or_(Attachment.valid_to.is_(None), Attachment.valid_to >= on),
        _alive_on(on),
    )
    groups = resolve_rulebook(None).topic(AttachmentTopic).age_groups(on)
    by_district: Counter[str] = Counter()
    by_age: Counter[str] = Counter()
    total = 0
    for district_id, birth in session.execute(
        select(Attachment.district_id, _person.c.birth_date)
        .join(_person, _person.c.iin == Attachment.iin)
        .where(running)
    ):
        total += 1
        by_district[district_id or "-"] += 1
        by_age[age_group(birth, on, groups)] += 1
    pending = session.scalar(
        select(func.count())
        .select_from(Attachment)
        .where(Attachment.clinic_id == clinic.clinic_id, Attachment.valid_from > on, _non_empty())
    )
    page = max(page, 1)
    rows = session.execute(
        select(Attachment, _person.c.last_name, _person.c.first_name, _person.c.birth_date, _person.c.sex)
        .join(_person, _person.c.iin == Attachment.iin)
        .where(running)
        .order_by(Attachment.iin)
        .offset((page - 1) * page_size)
        .limit(page_size)
    ).all()
    return {
        "clinic_id": clinic.clinic_id,
        "name": clinic.name,
        "on": on.isoformat(),
        "capacity": clinic.capacity,
        "attached": total,
        "pending": int(pending or 0),
        "by_district": dict(sorted(by_district.items())),
        "by_age_group": {name: by_age[name] for name in groups.groups() if by_age[name]}
        | ({"unknown": by_age["unknown"]} if by_age["unknown"] else {}),
        "page": page,
        "page_size": page_size,
        "persons": [
            {
                "iin": a.iin,
                "name": f"{last} {first}",
                "birth_date": birth.isoformat() if birth else None,
                "sex": sex,
                "district": a.district_id,
                "since": a.valid_from.isoformat(),
                "until": a.valid_to.isoformat() if a.valid_to else None,
                "home_visits": a.home_visits,
            }
            for a, last, first, birth, sex in rows
        ],
    }


EXPORT_COLUMNS: Final = (
    "clinic_id",
    "month",
    "iin",
    "district_id",
    "specialty",
    "age_group",
    "sex",
    "since",
    "home_visits",
)


def export_population(engine: Engine, month: str, out: Path) -> dict[str, Any]:
    """Everyone attached on the first day of ``month`` (YYYY-MM), alive that day, one row per
    person ordered by clinic and IIN, to ``out``; and a per-clinic summary (attached, by sex, by
    age group) to ``out`` with ``.summary.csv``. Age groups are on the first day of the month."""
    try:
        period = Month.parse(month)
    except (ValueError, TypeError) as exc:
        raise InvalidInput(f"month {month!r} is not YYYY-MM", code="bad_month") from exc
    day = period.first_day
    age_groups = resolve_rulebook(None).topic(AttachmentTopic).age_groups(day)
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    summary_path = out.with_name(out.name.removesuffix(".csv") + ".summary.csv")
    per_clinic: dict[str, Counter[str]] = defaultdict(Counter)
    rows = 0
    query = (
        select(
            Attachment.clinic_id,
            Attachment.iin,
            Attachment.district_id,
            ClinicDistrict.specialty,
            _person.c.birth_date,
            _person.c.sex,
            Attachment.valid_from,
            Attachment.home_visits,
        )
        .join(_person, _person.c.iin == Attachment.iin)
        .outerjoin(
            ClinicDistrict,
            and_(
                ClinicDistrict.clinic_id == Attachment.clinic_id, ClinicDistrict.district_id == Attachment.district_id
            ),
        )
        .where(
            Attachment.valid_from <= day,
            or_(Attachment.valid_to.is_(None), Attachment.valid_to >= day),
            or_(_person.c.death_date.is_(None), _person.c.death_date > day),
        )
        .order_by(Attachment.clinic_id, Attachment.iin)
    )
    label = str(period)
    with engine.connect() as conn, out.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(EXPORT_COLUMNS)
        result = conn.execution_options(yield_per=10_000).execute(query)
        for clinic_id, iin, district_id, specialty, birth, sex, since, home in result:
            group = age_group(birth, day, age_groups)
            w.writerow(
                [
                    clinic_id,
                    label,
                    iin,
                    district_id or "",
                    specialty or "",
                    group,
                    sex or "",
                    since.isoformat(),
                    int(home),
                ]
            )
            counts = per_clinic[clinic_id]
            counts["attached"] += 1
            counts[f"sex_{sex or 'unknown'}"] += 1
            counts[f"age_{group}"] += 1
            rows += 1
    groups = [*age_groups.groups(), "unknown"]
    with summary_path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["clinic_id", "month", "attached", "male", "female", *[f"age_{g}" for g in groups]])
        for clinic_id in sorted(per_clinic):
            c = per_clinic[clinic_id]
            w.writerow([clinic_id, label, c["attached"], c["sex_M"], c["sex_F"], *[c[f"age_{g}"] for g in groups]])
    return {
        "month": label,
        "on": day.isoformat(),
        "rows": rows,
        "clinics": {k: v["attached"] for k, v in sorted(per_clinic.items())},
        "out": str(out),
        "summary": str(summary_path),
    }
