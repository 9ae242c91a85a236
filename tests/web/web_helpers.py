"""Helpers for the web room's tests (imported by conftest.py and the test modules)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

from sqlalchemy.orm import Session

from osms.core.identity import make_iin
from osms.registry.models import Person

PASSWORD = "correct-horse-42"


def new_iin(birth: date, sex: Literal["M", "F"], serial: int = 1) -> str:
    """The first valid IIN for ``birth`` and ``sex`` from ``serial`` on."""
    while True:
        iin = make_iin(birth, sex, serial)
        if iin is not None:
            return iin
        serial += 1


def add_person(
    session: Session,
    birth: date,
    sex: Literal["M", "F"],
    last: str,
    first: str,
    middle: str | None = None,
    *,
    serial: int = 1,
    residency: str = "citizen",
    region: str | None = "ALA",
) -> str:
    iin = new_iin(birth, sex, serial)
    session.add(
        Person(
            iin=iin,
            last_name=last,
            first_name=first,
            middle_name=middle,
            birth_date=birth,
            sex=sex,
            residency=residency,
            region=region,
        )
    )
    session.flush()
    return iin


@dataclass(frozen=True)
class World:
    """A mother (citizen login ``aigerim``) with a son, a stranger (login ``petr``), and staff logins."""

    mother: str
    child: str
    stranger: str
    employer_bin: str


CSRF = re.compile(r'name="csrf" value="([^"]+)"')


def csrf_of(html: str) -> str:
    found = CSRF.search(html)
    assert found, "no CSRF field on the page"
    return found.group(1)


def login(client: Any, username: str, password: str = PASSWORD, next: str | None = None) -> Any:
    """Log in through the form, as a browser would; returns the POST's response (not followed)."""
    form_page = client.get("/login")
    data = {"username": username, "password": password, "csrf": csrf_of(form_page.text)}
    if next is not None:
        data["next"] = next
    return client.post("/login", data=data, follow_redirects=False)
