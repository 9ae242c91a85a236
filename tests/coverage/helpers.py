"""Builders for coverage tests: persons, ledger rows (refreshed into person_month by the production
summary code), logins and tokens, and month facts for the pure engine."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from itertools import count

from sqlalchemy.orm import Session

from osms.contributions.models import REVERSAL, Payment
from osms.contributions.summary import refresh_all
from osms.core.models import ImportBatch
from osms.core.periods import Month
from osms.core.security import create_token, create_user
from osms.coverage.rules import Membership, MonthFacts
from osms.registry.models import FamilyLink, Person, PersonCategory
from tests.registry.helpers import bin_, iin

_REFERENCES = count(1)
EMPLOYER = bin_(date(2010, 5, 1), 1)
OTHER_EMPLOYER = bin_(date(2012, 3, 1), 7)

PAYER_KINDS = {
    "employer_deduction": "employer",
    "employee_contribution": "employer",
    "civil_contract": "agent",
    "ie_contribution": "individual_entrepreneur",
    "self_payment": "self",
    "state_contribution": "state",
}


def months(first: str, last: str) -> list[Month]:
    """Every month from ``first`` to ``last`` (YYYY-MM), inclusive."""
    a, b = Month.parse(first), Month.parse(last)
    return [Month.from_index(i) for i in range(a.index, b.index + 1)]


def facts(
    first: str,
    last: str | None = None,
    *,
    kinds: tuple[str, ...] = ("employer_deduction", "employee_contribution"),
    payer: str = EMPLOYER,
    paid_on: date | None = None,
    lag_days: int = 20,
) -> list[MonthFacts]:
    """Month facts for the pure engine: each month paid on ``paid_on``, or on day ``lag_days`` of
    the following month (an employer pays by the 25th of the next month)."""
    result = []
    for month in months(first, last or first):
        day = paid_on or (month + 1).first_day.replace(day=lag_days)
        result.append(MonthFacts(month, frozenset(kinds), payer, day))
    return result


def member(code: str, valid_from: date, valid_to: date | None = None) -> Membership:
    return Membership(code, valid_from, valid_to)


def add_person(
    session: Session,
    number: str,
    *,
    birth: date = date(1986, 1, 1),
    sex: str = "M",
    death: date | None = None,
    last: str = "Ахметов",
    first: str = "Нұрлан",
) -> str:
    session.add(
        Person(
            iin=number,
            last_name=last,
            first_name=first,
            birth_date=birth,
            sex=sex,
            residency="citizen",
            region="KZ-ALA",
            death_date=death,
        )
    )
    session.flush()
    return number


def add_category(session: Session, number: str, code: str, valid_from: date, valid_to: date | None = None) -> None:
    session.add(PersonCategory(iin=number, category=code, valid_from=valid_from, valid_to=valid_to, source="test"))
    session.flush()


def add_parent(session: Session, child: str, parent: str) -> None:
    session.add(FamilyLink(iin=child, relative_iin=parent, relation="parent"))
    session.flush()


class Ledger:
    """Ledger rows inserted directly (one dummy import batch); ``refresh()`` rebuilds person_month
    with ``osms.contributions.summary.refresh_all`` — the production summary code."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.batch: ImportBatch | None = None
        self.lines = count(1)

    def _batch_id(self) -> int:
        if self.batch is None:
            self.batch = ImportBatch(
                kind="payments", file_name="test.csv", sha256="0" * 64, started_at=datetime.now(UTC)
            )
            self.session.add(self.batch)
            self.session.flush()
        return self.batch.id

    def pay(
        self,
        number: str,
        period: str | Month,
        kind: str = "employer_deduction",
        payer: str = EMPLOYER,
        value_date: date | None = None,
        amount: str | Decimal = "1000.00",
        reference: str | None = None,
    ) -> str:
        month = Month.parse(period) if isinstance(period, str) else period
        line = next(self.lines)
        ref = reference or f"T{next(_REFERENCES)}"
        self.session.add(
            Payment(
                reference=ref,
                batch_id=self._batch_id(),
                line=line,
                payer_id=payer,
                payer_kind=PAYER_KINDS.get(kind, "employer"),
                iin=number,
                period=month,
                kind=kind,
                amount=Decimal(amount),
                value_date=value_date or (month + 1).first_day.replace(day=20),
                reverses=None,
            )
        )
        return ref

    def pay_range(self, number: str, first: str, last: str, **kwargs: object) -> None:
        for month in months(first, last):
            self.pay(number, month, **kwargs)  # type: ignore[arg-type]

    def reverse(self, original: Payment | str, value_date: date) -> None:
        row = (
            original
            if isinstance(original, Payment)
            else self.session.query(Payment).filter(Payment.reference == original).one()
        )
        line = next(self.lines)
        self.session.add(
            Payment(
                reference=f"REV:{row.reference}",
                batch_id=self._batch_id(),
                line=line,
                payer_id=row.payer_id,
                payer_kind=row.payer_kind,
                iin=row.iin,
                period=row.period,
                kind=REVERSAL,
                amount=-row.amount,
                value_date=value_date,
                reverses=row.reference,
            )
        )

    def refresh(self) -> None:
        self.session.flush()
        refresh_all(self.session.connection())


def make_tokens(session: Session, *, citizen_iin: str, employer_bin: str = EMPLOYER) -> dict[str, str]:
    users = {
        "citizen": create_user(session, "nurlan", "pw", "citizen", "Нұрлан", iin=citizen_iin),
        "employer": create_user(session, "alatau", "pw", "employer", "ТОО Алатау", bin=employer_bin),
        "clinic": create_user(session, "clinic1", "pw", "clinic", "Емхана №1", provider_id="clinic-1"),
        "operator": create_user(session, "op", "pw", "operator", "Operator"),
        "auditor": create_user(session, "aud", "pw", "auditor", "Auditor"),
    }
    return {role: create_token(session, user, "test") for role, user in users.items()}


def auth(token: str | None) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"} if token else {}


__all__ = ["EMPLOYER", "OTHER_EMPLOYER", "Ledger", "add_category", "add_parent", "add_person", "auth", "iin"]
