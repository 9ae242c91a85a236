"""The audit room's actions (docs/access.md, docs/audit.md): who searches the log, who sees the
reads of their own data."""

from __future__ import annotations

from osms.core import authz
from osms.registry.access import SELF

#: Searching the log: auditors. Operators may not: they are among those it watches.
AUDIT_SEARCH = authz.declare(
    authz.Action(
        "audit:search",
        anyone=("auditor",),
        refusal="the role {role!r} may not search the audit log; allowed: {allowed}",
        person_subject=False,
    )
)

#: The reads of a citizen's own data by others (the subject: the citizen themselves).
AUDIT_OWN_READ = authz.declare(
    authz.Action(
        "audit.own:read",
        relations={"citizen": (SELF,)},
        refusal="only a citizen has an own audit view: the reads of their data",
        person_subject=False,
    )
)
