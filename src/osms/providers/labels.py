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

#: The ground of a contract (``osms.providers.vocabulary.CONTRACT_GROUNDS``).
GROUND_LABELS = {
    "procurement": N_("Placement of volumes by a procurement"),
    "before_system": N_("Signed before the system (ground not recorded)"),
    "p19_population_growth": N_("Without selection: growth of the attached population"),
    "p19_population_structure": N_("Without selection: change of the sex and age structure of the attached population"),
    "p19_reserve": N_("Without selection: the reserve for unforeseen expenses"),
    "p19_new_facility": N_("Without selection: a new health-care facility put into operation"),
    "p19_other": N_("Without selection: another ground of paragraph 19 of the procurement rules"),
}

LABELS["contract_ground"] = GROUND_LABELS
