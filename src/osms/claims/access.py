"""The claims room's actions (docs/access.md, docs/claims.md): who reads and writes service
records, findings, defects, appeals and monitoring cases. Each slice declares its actions in its
own section."""

from __future__ import annotations

from osms.core import authz
from osms.providers.access import OWN_PROVIDER

# --- pages ---

#: A provider's intake on the pages (the subject: a ``provider_id``): its batches, rejected rows
#: and accepted records with findings. Operators and auditors any provider; a provider's login
#: (role ``clinic``) its own. Each person listed is a read of that person's services
#: (``services.read``, logged by the page).
SERVICES_INTAKE_READ = authz.declare(
    authz.Action(
        "services.intake:read",
        anyone=("operator", "auditor"),
        relations={"clinic": (OWN_PROVIDER,)},
        refusal="{role} {username!r} may not see the service reports of provider {subject}",
        resource="services/intake/{subject}",
        person_subject=False,
    )
)

# Until the monitoring slice's section is merged, its two read actions as it declares them (the
# merge keeps one copy, theirs).

#: A provider's records with findings, its defects with their appeals and its monitoring cases:
#: operators (experts, reviewers) and auditors any; a provider's login its own.
MONITORING_READ = authz.declare(
    authz.Action(
        "monitoring:read",
        anyone=("operator", "auditor"),
        relations={"clinic": (OWN_PROVIDER,)},
        refusal="{role} {username!r} may not see the monitoring of provider {subject}",
        resource="monitoring/{subject}",
        person_subject=False,
    )
)

#: The fund's queues (deaths to review, open cases) and the escalation report: operators and auditors.
MONITORING_QUEUE = authz.declare(
    authz.Action(
        "monitoring.queue:read",
        anyone=("operator", "auditor"),
        refusal="{role} {username!r} may not see the fund's monitoring queues",
        resource="monitoring/queue",
        person_subject=False,
    )
)
