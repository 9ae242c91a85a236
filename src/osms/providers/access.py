"""The providers room's relations and actions (docs/access.md, docs/providers.md "Register"): a
provider's login acting on its own register entry, who reads the register, who reads founders."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy.orm import Session

from osms.core import authz
from osms.core.security import Principal

OWN_PROVIDER = "own_provider"


@authz.relation(OWN_PROVIDER)
def is_own_provider(session: Session, principal: Principal, subject: str | None, context: Mapping[str, Any]) -> bool:
    """The provider asked about (the subject: a ``provider_id``) is the one the login is bound to."""
    return principal.provider_id is not None and subject == principal.provider_id


#: A register entry (the subject: a ``provider_id``) with its licences, resources and contract
#: history: operators and auditors any; a provider's login (role ``clinic``) its own. The list of
#: the register gives a provider's login its own entry only.
PROVIDER_READ = authz.declare(
    authz.Action(
        "provider:read",
        anyone=("operator", "auditor"),
        relations={"clinic": (OWN_PROVIDER,)},
        refusal="{role} {username!r} may not see the register entry of provider {subject}",
        resource="provider/{subject}",
        person_subject=False,
    )
)

#: A provider's founders, participants and shareholders (persons, by IIN): operators and auditors
#: only; every read is audited with each founder as the subject.
PROVIDER_FOUNDERS_READ = authz.declare(
    authz.Action(
        "provider.founders:read",
        anyone=("operator", "auditor"),
        refusal="{role} {username!r} may not see the founders of provider {subject}",
        resource="provider/{subject}/founders",
        person_subject=False,
    )
)


# --- procurement (slice procflow; docs/providers.md, "Procurement workflow") ------------------

#: Sending a signed application to a procurement (the subject: the applicant's ``provider_id``):
#: a provider's login (role ``clinic``) for its own provider only.
PROCUREMENT_APPLY = authz.declare(
    authz.Action(
        "procurement:apply",
        relations={"clinic": (OWN_PROVIDER,)},
        refusal="{role} {username!r} may not apply on behalf of provider {subject}",
        resource="procurement/applications/{subject}",
        person_subject=False,
    )
)

#: A procurement's applications with their decisions, signers and the commission's findings:
#: operators and auditors all; a provider's login (role ``clinic``) its own applications.
PROCUREMENT_REVIEW = authz.declare(
    authz.Action(
        "procurement.applications:read",
        anyone=("operator", "auditor"),
        relations={"clinic": (OWN_PROVIDER,)},
        refusal="{role} {username!r} may not see the applications of a procurement",
        resource="procurement/{subject}/applications",
        person_subject=False,
    )
)


#: A contract of the fund with a provider (the subject: the contract's ``provider_id``), with its
#: months, indicators and additional agreements: operators and auditors any; a provider's login its
#: own. A legal entity's data: reads are not logged, refusals are (docs/providers.md, "Contracts").
CONTRACT_READ = authz.declare(
    authz.Action(
        "contract:read",
        anyone=("operator", "auditor"),
        relations={"clinic": (OWN_PROVIDER,)},
        refusal="{role} {username!r} may not see the contracts of provider {subject}",
        resource="provider/{subject}/contracts",
        person_subject=False,
    )
)


# --- pages (slice pages; docs/providers.md, "Pages") ------------------------------------------

#: Correcting a rejected application from the provider's cabinet (the subject: the applicant's
#: ``provider_id``): a provider's login (role ``clinic``) its own; operators enter a correction for
#: any provider (as ``osms procurement correct`` does).
PROCUREMENT_CORRECT = authz.declare(
    authz.Action(
        "procurement:correct",
        anyone=("operator",),
        relations={"clinic": (OWN_PROVIDER,)},
        refusal="{role} {username!r} may not correct the applications of provider {subject}",
        resource="procurement/applications/{subject}",
        person_subject=False,
    )
)

#: The commission's page of a procurement (the subject: its id): every application with the
#: automatic findings, the votes and the protocol. Operators and auditors; not providers.
COMMISSION_READ = authz.declare(
    authz.Action(
        "procurement.commission:read",
        anyone=("operator", "auditor"),
        refusal="{role} {username!r} may not see the commission's work on procurement {subject}",
        resource="procurement/{subject}/commission",
        person_subject=False,
    )
)

#: Recording the commission's work (a member's vote, a finding of false information): operators.
COMMISSION_RECORD = authz.declare(
    authz.Action(
        "procurement.commission:record",
        anyone=("operator",),
        refusal="{role} {username!r} may not record the commission's decisions on procurement {subject}",
        resource="procurement/{subject}/commission",
        person_subject=False,
    )
)
