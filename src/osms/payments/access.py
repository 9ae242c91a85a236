"""The payments room's named actions (docs/access.md).

The tariff calculator (``osms tariff price``, ``GET /api/v1/tariffs/price``, ``/tariffs``) is
public: tariffs are law, and reading one reads nobody's data, so it declares no action and writes
no audit entry. The monthly run's actions follow (section ``run``).
"""

from __future__ import annotations

from osms.core import authz
from osms.providers.access import OWN_PROVIDER

# --- run ---------------------------------------------------------------------------------------
# The monthly run (docs/payments.md, "The monthly run"). The subject of a run's action is the
# contract's ``provider_id``; a run holds sums, not persons, so a read audits nothing personal.

#: Compute (or re-compute) the month's runs: operators.
PAYMENT_RUN = authz.declare(
    authz.Action(
        "payment.run:compute",
        anyone=("operator",),
        refusal="{role} {username!r} may not run the monthly payment",
        resource="payment-runs",
        person_subject=False,
    )
)

#: A contract's run of a month (lines, unpaid, deductions, protocol): operators and auditors any;
#: a provider's login its own.
PAYMENT_RUN_READ = authz.declare(
    authz.Action(
        "payment.run:read",
        anyone=("operator", "auditor"),
        relations={"clinic": (OWN_PROVIDER,)},
        refusal="{role} {username!r} may not see the payment runs of provider {subject}",
        resource="payment-runs/{subject}",
        person_subject=False,
    )
)

#: Issue the protocol, answer an objection, sign the act, add a manual payment or deduction: operators.
PAYMENT_RUN_MANAGE = authz.declare(
    authz.Action(
        "payment.run:manage",
        anyone=("operator",),
        refusal="{role} {username!r} may not manage the payment runs of provider {subject}",
        resource="payment-runs/{subject}",
        person_subject=False,
    )
)

#: The provider's objection to the protocol: its own login; an operator records one received on paper.
PAYMENT_RUN_OBJECT = authz.declare(
    authz.Action(
        "payment.run:object",
        anyone=("operator",),
        relations={"clinic": (OWN_PROVIDER,)},
        refusal="{role} {username!r} may not object to the protocol of provider {subject}",
        resource="payment-runs/{subject}",
        person_subject=False,
    )
)

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

# --- acts ------------------------------------------------------------------------------------
# The statement and run pages, the act as a PDF (docs/payments.md, "The act and the payment
# orders" and "Pages") read and act through the run's actions above: ``payment.run:read`` (a
# provider's statement and its act), ``payment.run:compute`` (run the month),
# ``payment.run:manage`` (protocol, answer, sign), ``payment.run:object`` (the objection).

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

# --- advances ----------------------------------------------------------------------------------
# The advances the fund pays (docs/payments.md, "Advances"): sums, no person's data; the subject
# is the contract's ``provider_id``.

#: Decide and record an advance (on signing, or December's): operators.
PAYMENT_ADVANCE = authz.declare(
    authz.Action(
        "payment.advance:decide",
        anyone=("operator",),
        refusal="{role} {username!r} may not decide an advance to provider {subject}",
        resource="payment-advances/{subject}",
        person_subject=False,
    )
)

#: The advances recorded: operators and auditors any; a provider's login its own.
PAYMENT_ADVANCE_READ = authz.declare(
    authz.Action(
        "payment.advance:read",
        anyone=("operator", "auditor"),
        relations={"clinic": (OWN_PROVIDER,)},
        refusal="{role} {username!r} may not see the advances of provider {subject}",
        resource="payment-advances/{subject}",
        person_subject=False,
    )
)
