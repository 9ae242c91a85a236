"""The registry's codes named in Kazakh, Russian and English (``osms.core.i18n.label``)."""

from __future__ import annotations

from osms.core.i18n import N_

RESIDENCY_LABELS = {
    "citizen": N_("Citizen of the Republic of Kazakhstan"),
    "kandas": N_("Kandas"),
    "refugee": N_("Refugee"),
    "asylum_seeker": N_("Asylum seeker"),
    "foreigner_permit": N_("Foreigner with a residence permit"),
    "stateless_permit": N_("Stateless person with a residence permit"),
    "eaeu_migrant": N_("Migrant worker from an EAEU state"),
    "foreigner_temporary": N_("Foreigner staying temporarily"),
}

CATEGORY_LABELS = {
    "child": N_("Child under 18"),
    "pregnant_nonworking": N_("Non-working pregnant woman"),
    "parent_child_under_3": N_("Non-working parent raising a child under 3"),
    "parental_leave": N_("On maternity, adoption or child-care leave"),
    "mother_awarded": N_("Mother awarded «Altyn alqa», «Kumis alqa» or «Mother-heroine»"),
    "student": N_("Full-time student"),
    "graduate_3_months": N_("Graduate, for 3 months after graduation"),
    "unemployed_registered": N_("Registered unemployed"),
    "social_assistance": N_("Non-working recipient of targeted social assistance"),
    "kandas_nonworking": N_("Non-working kandas"),
    "disability": N_("Person with a disability"),
    "pensioner": N_("Pension recipient"),
    "ww2_veteran": N_("Veteran or participant of the Great Patriotic War"),
    "carer_disabled_child": N_("Non-working carer of a child with a disability"),
    "carer_group1_from_childhood": N_("Carer of a person with a group I disability from childhood"),
    "pretrial_detention": N_("Person in pre-trial detention"),
    "prisoner": N_("Person serving a sentence (except in minimum-security institutions)"),
    "house_arrest": N_("Non-working person under house arrest"),
    "serviceman": N_("Serviceman"),
    "special_state_body": N_("Employee of a special state body"),
    "law_enforcement": N_("Employee of a law-enforcement body"),
    "wellbeing_d_e": N_("Person in well-being category D or E"),
}

RELATION_LABELS = {
    "parent": N_("Parent"),
    "guardian": N_("Guardian"),
    "spouse": N_("Spouse"),
    "child": N_("Child"),
    "ward": N_("Ward"),
}

SEX_LABELS = {"M": N_("Male"), "F": N_("Female")}

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

LABELS = {
    "residency": RESIDENCY_LABELS,
    "category": CATEGORY_LABELS,
    "relation": RELATION_LABELS,
    "sex": SEX_LABELS,
}
