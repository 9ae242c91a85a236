"""Benefits' action (docs/access.md): who asks what care a person is entitled to."""

from __future__ import annotations

from osms.core import authz
from osms.registry.access import REPRESENTED, SELF

#: An entitlement: a clinic before care, the fund's operators, auditors (read only) about anyone;
#: citizens about themselves, their children under the minor age and their wards; employers
#: never (a diagnosis is medical data).
ENTITLEMENT_READ = authz.declare(
    authz.Action(
        "entitlement:read",
        anyone=("clinic", "operator", "auditor"),
        relations={"citizen": (SELF, REPRESENTED)},
        refusal="{role} {username!r} may not ask about the entitlement of {subject}",
    )
)
