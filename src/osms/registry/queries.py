"""The registry's read-only query surfaces for other rooms (docs/decisions/0006-cross-room-reads.md).

Each function returns a ``SELECT`` of published columns that another room may join as a subquery
in its own set-based statements (or compile into its own SQL); the tables, their writes and their
row locks stay the registry's (``registry.service.lock_person``, ``lock_persons``).
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import Select, select

from osms.registry.models import FamilyLink, Payer, Person, PersonCategory


def persons() -> Select[str, str, str, str | None, date | None, str | None, str, str | None, date | None]:
    """One row per person: ``iin``, ``last_name``, ``first_name``, ``middle_name``, ``birth_date``,
    ``sex``, ``residency``, ``address_code``, ``death_date``."""
    return select(
        Person.iin,
        Person.last_name,
        Person.first_name,
        Person.middle_name,
        Person.birth_date,
        Person.sex,
        Person.residency,
        Person.address_code,
        Person.death_date,
    )


def memberships() -> Select[str, str, date, date | None]:
    """State-paid category memberships: ``iin``, ``category``, ``valid_from``, ``valid_to`` (None: open)."""
    return select(PersonCategory.iin, PersonCategory.category, PersonCategory.valid_from, PersonCategory.valid_to)


def family_links() -> Select[str, str, str]:
    """Family links: ``relative_iin`` is ``relation`` (parent, guardian, spouse) of ``iin``."""
    return select(FamilyLink.iin, FamilyLink.relative_iin, FamilyLink.relation)


def payers() -> Select[str, str, str]:
    """The payer register: ``payer_id`` (BIN or IIN), ``kind``, ``name``."""
    return select(Payer.payer_id, Payer.kind, Payer.name)
