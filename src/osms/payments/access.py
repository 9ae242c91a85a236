"""The payments room's named actions (docs/access.md).

The tariff calculator (``osms tariff price``, ``GET /api/v1/tariffs/price``, ``/tariffs``) is
public: tariffs are law, and reading one reads nobody's data, so it declares no action and writes
no audit entry. The monthly run's actions (a provider's statement, the fund's run, the act) join
here when the run is built.
"""

from __future__ import annotations

from osms.core import authz
from osms.providers.access import OWN_PROVIDER

# --- acts ------------------------------------------------------------------------------------
# A provider's monthly statement, the act as a PDF, the fund's run page and the payment orders
# (docs/payments.md, "The act and the payment orders" and "Pages"). The subject of a provider's
# statement or act is its ``provider_id``.

#: A provider's monthly statement and its act (the PDF): operators and auditors any; a provider's
#: login its own.
STATEMENT_READ = authz.declare(
    authz.Action(
        "payments.statement:read",
        anyone=("operator", "auditor"),
        relations={"clinic": (OWN_PROVIDER,)},
        refusal="{role} {username!r} may not see the payment statement of provider {subject}",
        resource="payments/statements/{subject}",
        person_subject=False,
    )
)

#: The fund's run page (every contract's month: the run, the protocol, the act): operators and
#: auditors read it.
RUNS_READ = authz.declare(
    authz.Action(
        "payments.runs:read",
        anyone=("operator", "auditor"),
        refusal="{role} {username!r} may not see the fund's payment runs",
        resource="payments/runs",
        person_subject=False,
    )
)

#: The payment-order file for the bank: the fund's operators.
ORDERS_READ = authz.declare(
    authz.Action(
        "payments.orders:read",
        anyone=("operator",),
        refusal="{role} {username!r} may not take the fund's payment orders",
        resource="payments/orders",
        person_subject=False,
    )
)

#: Running a month, issuing the protocol, answering an objection and signing the act (the
#: fund's run page): the fund's operators.
RUN_MANAGE = authz.declare(
    authz.Action(
        "payments.run:manage",
        anyone=("operator",),
        refusal="{role} {username!r} may not run, protocol or sign the fund's payments",
        resource="payments/runs",
        person_subject=False,
    )
)

#: An objection to a protocol (the subject: the contract's ``provider_id``): the provider's own
#: login; an operator records one received on paper.
STATEMENT_OBJECT = authz.declare(
    authz.Action(
        "payments.statement:object",
        anyone=("operator",),
        relations={"clinic": (OWN_PROVIDER,)},
        refusal="{role} {username!r} may not object to the protocol of provider {subject}",
        resource="payments/statements/{subject}/objection",
        person_subject=False,
    )
)
