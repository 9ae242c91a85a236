"""The claims room's actions (docs/access.md, docs/claims.md): who sends service reports, who reads
the services billed in a person's name, who files a complaint about one. Each slice of the room
adds its actions in its own section."""

from __future__ import annotations

from osms.core import authz
from osms.providers.access import OWN_PROVIDER
from osms.registry.access import REPRESENTED, SELF

# --- channels ---------------------------------------------------------------------------------

#: Sending service records through the API or FHIR (the subject: the login's ``provider_id``):
#: operators for any provider; a provider's login (role ``clinic``) for its own records only (a
#: record of another provider is rejected ``not_own_record``, the rest of the report is taken).
SERVICE_REPORT_SEND = authz.declare(
    authz.Action(
        "service_report:send",
        anyone=("operator",),
        relations={"clinic": (OWN_PROVIDER,)},
        refusal="{role} {username!r} may not send service reports; allowed: {allowed}",
        resource="service-reports",
        person_subject=False,
    )
)

#: The services billed in a person's name (diagnoses included: health data): the person, a parent
#: of a child under the minor age and a guardian of a ward; the fund's operators and auditors.
#: Not a clinic (it would see what other providers billed) and not an adult relative. Every read
#: is audited with the person as the subject.
SERVICES_READ = authz.declare(
    authz.Action(
        "services:read",
        anyone=("operator", "auditor"),
        relations={"citizen": (SELF, REPRESENTED)},
        refusal="{role} {username!r} may not see the services billed in the name of {subject}",
        resource="person/{subject}/services",
    )
)

#: "I did not receive this": a complaint about a service billed in the person's name (the subject:
#: the person): the person, a parent of a child under the minor age, a guardian of a ward.
SERVICE_COMPLAIN = authz.declare(
    authz.Action(
        "services:complain",
        relations={"citizen": (SELF, REPRESENTED)},
        refusal="{role} {username!r} may not complain about the services of {subject}",
        resource="person/{subject}/services",
    )
)
