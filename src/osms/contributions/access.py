"""Contributions' relations and actions (docs/access.md): who is an employer's employee, who
reads the payment lines in a person's name, who loads registers and computes payrolls."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy.orm import Session

from osms.contributions.service import employees_among
from osms.core import authz
from osms.core.clock import fund_today
from osms.core.security import Principal
from osms.registry.access import REPRESENTED, SELF

EMPLOYEE = "employee"
OWN_EMPLOYER = "own_employer"


@authz.relation(EMPLOYEE)
def is_employee(session: Session, principal: Principal, subject: str | None, context: Mapping[str, Any]) -> bool:
    """The subject is the employer login's employee on ``context["today"]`` (default today): a
    credited, unreversed payment by it for a period of the last 12 months (``employees_among``)."""
    if principal.bin is None or subject is None:
        return False
    return subject in employees_among(session, principal.bin, [subject], context.get("today") or fund_today())


@authz.relation(OWN_EMPLOYER)
def is_own_employer(session: Session, principal: Principal, subject: str | None, context: Mapping[str, Any]) -> bool:
    """The subject (a BIN, or an IE's IIN) is the one the employer login is bound to."""
    return principal.bin is not None and subject == principal.bin


#: The payment lines (payers and amounts) in a person's name: operators and auditors anyone,
#: citizens as their card. A clinic needs whether and until when, not who pays how much (the
#: amounts give the salary away); an employer sees only its own payments (``EMPLOYER_READ``).
PAYMENTS_READ = authz.declare(
    authz.Action(
        "payments:read",
        anyone=("operator", "auditor"),
        relations={"citizen": (SELF, REPRESENTED)},
        refusal="{role} {username!r} may not see the payments of {subject}",
        resource="person/{subject}/payments",
    )
)

#: Loading a payment register (``POST /api/v1/payment-registers``): the fund's operators.
PAYMENTS_LOAD = authz.declare(
    authz.Action(
        "payments:load",
        anyone=("operator",),
        detail="the role {role!r} may not do this; allowed: {allowed}",
        person_subject=False,
    )
)

#: A payroll computed for an employer (the subject: its BIN): the employer bound to it, operators any.
PAYROLL_COMPUTE = authz.declare(
    authz.Action(
        "payroll:compute",
        anyone=("operator",),
        relations={"employer": (OWN_EMPLOYER,)},
        refusal="the role {role!r} may not compute payrolls; allowed: employer (own BIN), operator",
        role_refusals={"employer": "the login {username!r} is bound to {bin}, not to {subject}"},
        resource="payroll/{subject}",
        detail="role {role}, bound BIN {bin}",
        person_subject=False,
    )
)

#: The employer's own pages (``/employer``: whom it paid for and their statuses): the employer
#: bound to the BIN (the subject).
EMPLOYER_READ = authz.declare(
    authz.Action("employer:read", relations={"employer": (OWN_EMPLOYER,)}, person_subject=False)
)

#: The payroll page (``/employer/payroll``): the employer's own tool; operators use the API or
#: the command line (``PAYROLL_COMPUTE``).
PAYROLL_PAGE = authz.declare(
    authz.Action("payroll:page", relations={"employer": (OWN_EMPLOYER,)}, person_subject=False, audit="payroll.compute")
)
