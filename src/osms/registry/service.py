"""Registry use cases: bulk imports of persons, categories, families and payers; reading a person."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, NamedTuple

from sqlalchemy import ARRAY, Select, String, any_, bindparam, or_, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from osms.core.bulkload import ImportResult, ImportSpec, Reference, run_import
from osms.core.clock import fund_today
from osms.core.config import get_settings
from osms.core.errors import InvalidInput, NotFound
from osms.core.identity import check_iin
from osms.registry import rules
from osms.registry.models import FamilyLink, Payer, Person, PersonCategory
from osms.registry.rulebook import RegistryTopic
from osms.rulebooks.loader import RulebookError, load_rulebook


def _person_check(values: dict[str, str]) -> Any:
    return rules.check_person(values, fund_today())


SPECS: dict[str, ImportSpec] = {
    "persons": ImportSpec(
        kind="persons",
        columns=rules.PERSON_COLUMNS,
        check=_person_check,
        table=Person.__table__,  # type: ignore[arg-type]
        target_columns=rules.PERSON_COLUMNS,
        key=("iin",),
    ),
    "categories": ImportSpec(
        kind="categories",
        columns=rules.CATEGORY_COLUMNS,
        check=rules.check_category,
        table=PersonCategory.__table__,  # type: ignore[arg-type]
        target_columns=rules.CATEGORY_COLUMNS,
        key=("iin", "category", "valid_from"),
        references=(Reference("iin", "person", "iin", "unknown_person", "not in the person registry"),),
    ),
    "families": ImportSpec(
        kind="families",
        columns=rules.FAMILY_COLUMNS,
        check=rules.check_family,
        table=FamilyLink.__table__,  # type: ignore[arg-type]
        target_columns=rules.FAMILY_COLUMNS,
        key=("iin", "relative_iin"),
        references=(
            Reference("iin", "person", "iin", "unknown_person", "not in the person registry"),
            Reference("relative_iin", "person", "iin", "unknown_relative", "relative not in the person registry"),
        ),
    ),
    "payers": ImportSpec(
        kind="payers",
        columns=rules.PAYER_COLUMNS,
        check=rules.check_payer,
        table=Payer.__table__,  # type: ignore[arg-type]
        target_columns=rules.PAYER_COLUMNS,
        key=("payer_id",),
    ),
}


def import_file(
    engine: Engine,
    kind: str,
    path: Path,
    *,
    rejects_file: Path | None = None,
    progress: Callable[[int], None] | None = None,
) -> ImportResult:
    """Import one registry CSV (upsert by key, idempotent, all-or-nothing)."""
    if kind not in SPECS:
        raise InvalidInput(f"unknown registry file kind {kind!r}; one of {', '.join(SPECS)}")
    if not path.is_file():
        raise InvalidInput(f"no such file: {path}", code="no_file")
    return run_import(engine, SPECS[kind], path, rejects_file=rejects_file, progress=progress)


def get_person(session: Session, raw_iin: str) -> dict[str, Any]:
    """A person's registry card: identity, residency, family links, category memberships."""
    check = check_iin(raw_iin)
    if not check.valid:
        raise InvalidInput(
            "; ".join(e.message for e in check.errors), code="bad_iin:" + ",".join(e.code for e in check.errors)
        )
    person = session.get(Person, check.number)
    if person is None:
        raise NotFound(f"no person with IIN {check.number} in the registry", code="unknown_person")
    links = session.execute(
        select(FamilyLink.relative_iin, FamilyLink.relation, Person.last_name, Person.first_name)
        .join(Person, Person.iin == FamilyLink.relative_iin)
        .where(FamilyLink.iin == person.iin)
        .order_by(FamilyLink.relation, FamilyLink.relative_iin)
    ).all()
    dependants = session.execute(
        select(FamilyLink.iin, FamilyLink.relation, Person.last_name, Person.first_name)
        .join(Person, Person.iin == FamilyLink.iin)
        .where(FamilyLink.relative_iin == person.iin, FamilyLink.relation.in_(("parent", "guardian")))
        .order_by(FamilyLink.iin)
    ).all()
    categories = session.scalars(
        select(PersonCategory).where(PersonCategory.iin == person.iin).order_by(PersonCategory.valid_from)
    ).all()
    return {
        "iin": person.iin,
        "last_name": person.last_name,
        "first_name": person.first_name,
        "middle_name": person.middle_name,
        "birth_date": person.birth_date,
        "sex": person.sex,
        "residency": person.residency,
        "region": person.region,
        "address_code": person.address_code,
        "death_date": person.death_date,
        "family": [
            {"iin": r.relative_iin, "relation": r.relation, "name": f"{r.last_name} {r.first_name}"} for r in links
        ],
        "dependants": [
            {
                "iin": r.iin,
                "relation": "child" if r.relation == "parent" else "ward",
                "name": f"{r.last_name} {r.first_name}",
            }
            for r in dependants
        ],
        "categories": [
            {"category": c.category, "valid_from": c.valid_from, "valid_to": c.valid_to, "source": c.source}
            for c in categories
        ],
    }


def guardians_of(session: Session, iin: str) -> set[str]:
    """IINs of the person's parents and guardians (who may apply for a child's attachment)."""
    return set(
        session.scalars(
            select(FamilyLink.relative_iin).where(
                FamilyLink.iin == iin, FamilyLink.relation.in_(("parent", "guardian"))
            )
        )
    )


def minor_age_on(on: date, rulebook: str | None = None) -> int | None:
    """The rulebook's ``attachment.minor_age`` on ``on`` (the age below which a parent acts for a
    child), or None when the rulebook does not cover the day: then no parent acts for an adult
    by mistake, and wards, who do not depend on it, are still served."""
    try:
        return load_rulebook(rulebook or get_settings().rulebook).topic(RegistryTopic).minor_age(on)
    except RulebookError:
        return None


def _age_on(birth: date, day: date) -> int:
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def _acts_for(relation: str, birth: date | None, on: date, minor_age: int | None) -> bool:
    if relation == "guardian":
        return True
    return relation == "parent" and birth is not None and minor_age is not None and _age_on(birth, on) < minor_age


def may_act_for(session: Session, citizen_iin: str, iin: str, on: date, minor_age: int | None) -> bool:
    """The one rule of whose data a citizen sees and for whom they act (docs/access.md):
    themselves; a child they are the parent of while the child is under ``minor_age`` on ``on``
    (the rulebook's ``attachment.minor_age``, Civil Code art. 17: full capacity at 18); a ward
    they are the guardian of, whatever the ward's age (a guardian acts for an adult declared
    incapable, Civil Code art. 26). Never an adult child, a spouse or anyone else."""
    if iin == citizen_iin:
        return True
    for relation, birth in session.execute(
        select(FamilyLink.relation, Person.birth_date)
        .join(Person, Person.iin == FamilyLink.iin)
        .where(FamilyLink.iin == iin, FamilyLink.relative_iin == citizen_iin)
    ):
        if _acts_for(relation, birth, on, minor_age):
            return True
    return False


def cared_for(session: Session, citizen_iin: str, on: date, minor_age: int | None) -> set[str]:
    """The IINs a citizen acts for besides themselves (``may_act_for``): their children under
    ``minor_age`` on ``on`` and their wards, in one query."""
    return {
        iin
        for iin, relation, birth in session.execute(
            select(FamilyLink.iin, FamilyLink.relation, Person.birth_date)
            .join(Person, Person.iin == FamilyLink.iin)
            .where(FamilyLink.relative_iin == citizen_iin, FamilyLink.relation.in_(("parent", "guardian")))
        )
        if _acts_for(relation, birth, on, minor_age)
    }


class PersonFacts(NamedTuple):
    """What other rooms need to know of a person for a decision over a date range (a named tuple:
    a population's worth of them is built at once, e.g. a month's per capita)."""

    iin: str
    birth_date: date | None
    death_date: date | None
    residency: str
    categories: tuple[tuple[str, date, date | None], ...]  # (code, valid_from, valid_to)


IN_CHUNK = 500  # IINs per IN (...) list


def person_facts(
    session: Session, iins: Sequence[str] | Select[Any], first: date, last: date
) -> dict[str, PersonFacts]:
    """Known persons among ``iins`` with their category memberships overlapping ``first..last``:
    two queries (persons, memberships), never one per person. ``iins`` is a list (read
    by chunks of ``IN_CHUNK``) or a one-column SELECT of IINs (one statement: a population such
    as the people attached to the clinics on a day, with no list of IINs bound)."""
    memberships: dict[str, list[tuple[str, date, date | None]]] = defaultdict(list)
    persons = select(Person.iin, Person.birth_date, Person.death_date, Person.residency)
    overlapping = (
        select(PersonCategory.iin, PersonCategory.category, PersonCategory.valid_from, PersonCategory.valid_to)
        .where(
            PersonCategory.valid_from <= last,
            or_(PersonCategory.valid_to.is_(None), PersonCategory.valid_to >= first),
        )
        .order_by(PersonCategory.iin, PersonCategory.valid_from, PersonCategory.category)
    )
    if isinstance(iins, Select):
        wanted: list[Any] = [iins]
    else:
        unique = list(dict.fromkeys(iins))
        wanted = [unique[k : k + IN_CHUNK] for k in range(0, len(unique), IN_CHUNK)]
    rows: list[Any] = []
    for chunk in wanted:
        rows.extend(session.execute(persons.where(Person.iin.in_(chunk))))
        for iin, code, valid_from, valid_to in session.execute(overlapping.where(PersonCategory.iin.in_(chunk))):
            memberships[iin].append((code, valid_from, valid_to))
    return {
        iin: PersonFacts(iin, birth, death, residency, tuple(memberships.get(iin, ())))
        for iin, birth, death, residency in rows
    }


@dataclass(frozen=True, slots=True)
class PersonRecord:
    """A person's registry row as other rooms see it."""

    iin: str
    last_name: str
    first_name: str
    middle_name: str | None
    birth_date: date | None
    sex: str | None
    residency: str
    address_code: str | None
    death_date: date | None


def _record(person: Person) -> PersonRecord:
    return PersonRecord(
        person.iin,
        person.last_name,
        person.first_name,
        person.middle_name,
        person.birth_date,
        person.sex,
        person.residency,
        person.address_code,
        person.death_date,
    )


def get_person_row(session: Session, iin: str) -> PersonRecord | None:
    """The registry row of a checked IIN (for other rooms' decisions), or None."""
    person = session.get(Person, iin)
    return _record(person) if person is not None else None


def lock_person(session: Session, iin: str) -> PersonRecord | None:
    """The registry row of a checked IIN, locked until the end of the transaction (PostgreSQL
    ``FOR UPDATE``): the lock other rooms serialise a person's changes under. None if unknown."""
    person = session.scalars(select(Person).where(Person.iin == iin).with_for_update()).one_or_none()
    return _record(person) if person is not None else None


def lock_persons(session: Session, iins: Sequence[str]) -> None:
    """Lock the registry rows of ``iins`` in IIN order (the order every writer takes them); on
    PostgreSQL one array parameter, however many IINs."""
    if session.get_bind().dialect.name == "postgresql":
        wanted = Person.iin == any_(bindparam(None, list(iins), type_=ARRAY(String())))
    else:
        wanted = Person.iin.in_(iins)
    session.execute(select(Person.iin).where(wanted).order_by(Person.iin).with_for_update())


def membership_end(session: Session, iin: str, category: str, valid_from: date) -> date | None:
    """``valid_to`` of the membership keyed (iin, category, valid_from), None if open or absent."""
    return session.scalar(
        select(PersonCategory.valid_to).where(
            PersonCategory.iin == iin, PersonCategory.category == category, PersonCategory.valid_from == valid_from
        )
    )


def put_membership(
    session: Session, iin: str, category: str, valid_from: date, valid_to: date | None, source: str
) -> None:
    """Add a state-paid category membership, or set the end of the one with the same key."""
    row = session.scalar(
        select(PersonCategory).where(
            PersonCategory.iin == iin, PersonCategory.category == category, PersonCategory.valid_from == valid_from
        )
    )
    if row is None:
        session.add(PersonCategory(iin=iin, category=category, valid_from=valid_from, valid_to=valid_to, source=source))
    else:
        row.valid_to = valid_to
