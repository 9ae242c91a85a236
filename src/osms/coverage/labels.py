"""The coverage room's codes named in Kazakh, Russian and English (``osms.core.i18n.label``)."""

from __future__ import annotations

from osms.core.i18n import N_

#: Why a person is or is not insured (``osms.coverage.rules.BASIS_CODES``), as a short phrase.
BASIS_LABELS = {
    "state_paid_category": N_("State-paid category"),
    "paid": N_("Contributions received for this month"),
    "grace": N_("Grace period after the last covered month"),
    "transitional_2020": N_("Transitional period: everyone was treated as insured"),
    "not_applicable_before_insurance": N_("Before compulsory health insurance began"),
    "lapsed": N_("No contributions since the grace period ended"),
    "arrears_unpaid_after_lapse": N_("A self-payment restores insurance only once the arrears are paid"),
    "never_paid": N_("No contributions received"),
    "deceased": N_("Deceased"),
    "not_born": N_("Not yet born on this date"),
    "unknown_person": N_("Not in the registry"),
}

LABELS = {"basis": BASIS_LABELS}
