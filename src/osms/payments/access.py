"""The payments room's named actions (docs/access.md).

The tariff calculator (``osms tariff price``, ``GET /api/v1/tariffs/price``, ``/tariffs``) is
public: tariffs are law, and reading one reads nobody's data, so it declares no action and writes
no audit entry. The monthly run's actions (a provider's statement, the fund's run, the act) join
here when the run is built.
"""

from __future__ import annotations

from osms.core import authz
from osms.providers.access import OWN_PROVIDER

# --- percapita ------------------------------------------------------------------------------
# Per capita of a PHC provider and month (docs/payments.md, "Per capita"): counts and money, no
# person's data; the subject is the ``provider_id``.

#: A provider's per capita: operators and auditors any; a provider's login its own.
PER_CAPITA_READ = authz.declare(
    authz.Action(
        "payments.per_capita:read",
        anyone=("operator", "auditor"),
        relations={"clinic": (OWN_PROVIDER,)},
        refusal="{role} {username!r} may not see the per capita of provider {subject}",
        resource="payments/{subject}/per-capita",
        person_subject=False,
    )
)
