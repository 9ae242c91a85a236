"""Fixtures of the web room: a small registry with logins (the served app and the browser come from
tests/browser_fixtures.py)."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy.orm import Session
from web_helpers import PASSWORD, World, add_person

from osms.core.identity import make_bin
from osms.core.security import create_user
from osms.registry.models import FamilyLink, PersonCategory


@pytest.fixture
def world(session: Session) -> World:
    mother = add_person(session, date(1988, 3, 14), "F", "Ахметова", "Айгерим", "Серікқызы", serial=101)
    child = add_person(session, date(2021, 6, 1), "M", "Ахметов", "Нұрлан", serial=202)
    stranger = add_person(session, date(1970, 1, 20), "M", "Иванов", "Пётр", "Сергеевич", serial=303)
    session.add(FamilyLink(iin=child, relative_iin=mother, relation="parent"))
    session.add(PersonCategory(iin=child, category="child", valid_from=date(2021, 6, 1), source="ГБД ФЛ"))
    session.add(
        PersonCategory(
            iin=mother,
            category="parent_child_under_3",
            valid_from=date(2021, 6, 1),
            valid_to=date(2024, 5, 31),
            source="ЕСУТ",
        )
    )
    bin_ = next(b for s in range(1, 100) if (b := make_bin(date(2015, 4, 1), 4, 0, s)) is not None)
    create_user(session, "aigerim", PASSWORD, "citizen", "Айгерим Ахметова", iin=mother)
    create_user(session, "petr", PASSWORD, "citizen", "Пётр Иванов", iin=stranger)
    create_user(session, "clinic1", PASSWORD, "clinic", "Емхана №1", provider_id="P-0001")
    create_user(session, "employer1", PASSWORD, "employer", "ТОО Жарық", bin=bin_)
    create_user(session, "operator1", PASSWORD, "operator", "Оператор Фонда")
    create_user(session, "auditor1", PASSWORD, "auditor", "Аудитор")
    session.commit()
    return World(mother=mother, child=child, stranger=stranger, employer_bin=bin_)
