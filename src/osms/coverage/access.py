"""Coverage's actions (docs/access.md): who sees a person's insured status, one or in bulk, and
who enters the register of non-working pregnant women; and what of a status each role sees."""

from __future__ import annotations

from osms.contributions.access import EMPLOYEE, PAYMENTS_READ
from osms.core import authz
from osms.registry.access import PERSON_READ, REPRESENTED, SELF

#: One person's status: clinics, operators and auditors anyone; citizens themselves, their
#: children under the minor age and their wards; employers their own employees.
STATUS_READ = authz.declare(
    authz.Action(
        "status:read",
        anyone=("clinic", "operator", "auditor"),
        relations={"citizen": (SELF, REPRESENTED), "employer": (EMPLOYEE,)},
        refusal="{role} {username!r} may not see the status of {subject}",
    )
)

#: Many statuses at once (the API's batch, the ``/statuses`` page): the roles that read anyone's.
STATUS_BATCH = authz.declare(
    authz.Action(
        "status:batch",
        anyone=("clinic", "operator", "auditor"),
        refusal="the role {role!r} may not check statuses in bulk; allowed: {allowed}",
        person_subject=False,
    )
)

#: An entry in the register of non-working pregnant women: clinics and operators.
PREGNANCY_REGISTER = authz.declare(
    authz.Action(
        "pregnancy:register",
        anyone=("clinic", "operator"),
        refusal="the role {role!r} may not enter the register of pregnant women",
        resource="pregnancy",
    )
)

#: The roles that see the whole status answer (payer, kind, months paid, arrears, the sentence):
#: those that may read the payment lines, which the rest of the answer is made of.
FULL_STATUS_ROLES = authz.roles(PAYMENTS_READ)
#: The roles that see the status as a card reader does (insured, until when, the basis in a
#: word); a role that reads neither (an employer, of its employees) sees insured or not.
CARD_STATUS_ROLES = authz.roles(PERSON_READ)
