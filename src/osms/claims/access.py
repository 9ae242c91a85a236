"""The claims room's named actions (docs/access.md, docs/claims.md). Each slice adds its actions
in its own section."""

from __future__ import annotations

from osms.core import authz
from osms.providers.access import OWN_PROVIDER
from osms.registry.access import REPRESENTED, SELF

# --- monitor ---------------------------------------------------------------------------------
# Monitoring and appeals (docs/claims.md, "Monitoring and appeals"). The subject of a provider's
# action is its ``provider_id``; of a complaint, the IIN of the person the record names.

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

#: An expert's additional defect on a record (code, note, evidence): operators.
DEFECT_ADD = authz.declare(
    authz.Action(
        "monitoring.defect:add",
        anyone=("operator",),
        refusal="{role} {username!r} may not record a defect of provider {subject}",
        resource="monitoring/{subject}/defects",
        person_subject=False,
    )
)

#: The provider's objection to a defect: its own login; an operator records one received on paper.
DEFECT_OBJECT = authz.declare(
    authz.Action(
        "monitoring.defect:object",
        anyone=("operator",),
        relations={"clinic": (OWN_PROVIDER,)},
        refusal="{role} {username!r} may not object to a defect of provider {subject}",
        resource="monitoring/{subject}/defects",
        person_subject=False,
    )
)

#: A reviewer's decision on an objection (first, second, central office): operators.
DEFECT_DECIDE = authz.declare(
    authz.Action(
        "monitoring.defect:decide",
        anyone=("operator",),
        refusal="{role} {username!r} may not decide on a defect of provider {subject}",
        resource="monitoring/{subject}/defects",
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

#: Opening and closing monitoring cases (death reviews, unplanned monitoring): operators.
CASE_MANAGE = authz.declare(
    authz.Action(
        "monitoring.case:manage",
        anyone=("operator",),
        refusal="{role} {username!r} may not open or close monitoring cases of provider {subject}",
        resource="monitoring/{subject}/cases",
        person_subject=False,
    )
)

#: "I did not receive this": a citizen on a record of theirs or of their child or ward; an operator
#: for a caller (the subject: the IIN the record names).
COMPLAINT_FILE = authz.declare(
    authz.Action(
        "monitoring.complaint:file",
        anyone=("operator",),
        relations={"citizen": (SELF, REPRESENTED)},
        refusal="{role} {username!r} may not complain about a service billed for another person",
        resource="monitoring/complaints",
    )
)

#: Closing a reporting month (its records can no longer be corrected): operators.
MONTH_CLOSE = authz.declare(
    authz.Action(
        "monitoring.month:close",
        anyone=("operator",),
        refusal="{role} {username!r} may not close a reporting month",
        resource="monitoring/months/{subject}",
        person_subject=False,
    )
)


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
# --- pages -----------------------------------------------------------------------------------
# The claims pages (docs/claims.md, "Pages"); the defects page reads with ``MONITORING_READ``, the
# fund's pages with ``MONITORING_QUEUE`` (above).

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
