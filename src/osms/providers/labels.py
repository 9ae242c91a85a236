"""The providers room's codes named in Kazakh, Russian and English (``osms.core.i18n.label``)."""

from __future__ import annotations

from osms.core.i18n import N_

#: Form of ownership of a health-care subject.
OWNERSHIP_LABELS = {
    "state": N_("State"),
    "private": N_("Private"),
}

#: Kind of health-care subject (``osms.providers.vocabulary.KINDS``).
KIND_LABELS = {
    "phc": N_("Primary health-care organisation"),
    "polyclinic": N_("Polyclinic"),
    "hospital": N_("Hospital"),
    "ambulance": N_("Ambulance station"),
    "rural": N_("Rural health-care organisation"),
}

#: A provider's status in the register.
STATUS_LABELS = {
    "active": N_("Active"),
    "liquidation": N_("In liquidation"),
    "bankruptcy": N_("Bankrupt"),
    "suspended": N_("Activity suspended"),
}

#: How a contract with the fund ended before its term.
TERMINATION_LABELS = {
    "nonperformance": N_("Terminated by the fund for non-performance or improper performance"),
    "provider_initiative": N_("Terminated at the provider's initiative"),
    "agreement": N_("Terminated by agreement of the parties"),
}

LABELS = {
    "provider_ownership": OWNERSHIP_LABELS,
    "provider_kind": KIND_LABELS,
    "provider_status": STATUS_LABELS,
    "contract_termination": TERMINATION_LABELS,
}
