"""The claims room's codes named in Kazakh, Russian and English (``osms.core.i18n.label``)."""

from __future__ import annotations

from osms.core.i18n import N_

#: The form of care of a service record (``claims.vocabulary.CARE_FORMS``).
CARE_FORM_LABELS = {
    "phc": N_("Primary health care"),
    "outpatient": N_("Outpatient specialist and diagnostic care"),
    "day_hospital": N_("Day hospital"),
    "inpatient": N_("Round-the-clock hospital"),
    "home_hospital": N_("Hospital at home"),
    "admission": N_("Admission department"),
    "ambulance": N_("Ambulance"),
}

#: How a case ended (``claims.vocabulary.OUTCOMES``).
OUTCOME_LABELS = {
    "completed": N_("Completed"),
    "discharged": N_("Discharged"),
    "died": N_("Died"),
    "transferred": N_("Transferred"),
    "self_discharge": N_("Left on own decision"),
}

#: Why a row of a service report was rejected (``claims.vocabulary.REJECT_CODES``).
REJECT_LABELS = {
    "bad_row_shape": N_("The row does not have the file's columns"),
    "missing_field": N_("A required field is empty"),
    "bad_value": N_("A field has a value outside its list"),
    "bad_iin": N_("The IIN is not a valid 12-digit number"),
    "bad_date": N_("A date is not a calendar date (YYYY-MM-DD)"),
    "unknown_person": N_("The person is not in the registry"),
    "unknown_provider": N_("The provider is not in the register"),
    "not_own_record": N_("A provider may report only its own services"),
    "unknown_care_form": N_("Unknown form of care"),
    "unknown_care_type": N_("Unknown care type"),
    "unknown_service_code": N_("The service code is not in the price list on that date"),
    "unknown_case_group": N_("The clinical cost group is not in the list on that date"),
    "unknown_icd10": N_("The diagnosis is not an ICD-10 code"),
    "unknown_procedure": N_("A procedure is not an ICD-9 code"),
    "unknown_outcome": N_("Unknown outcome"),
    "dates_reversed": N_("The end date is before the start date"),
    "future_date": N_("A date is in the future"),
    "duplicate_key": N_("The same record id appears twice in the file"),
    "month_closed": N_("The reporting month is closed: the record can no longer be changed"),
}

#: A check that failed on an accepted record (``claims.vocabulary.FINDING_CODES``).
FINDING_LABELS = {
    "dead_before_service": N_("Service dated after the person's death"),
    "duplicate": N_("The same service to the same person on the same day, twice"),
    "overlapping_stay": N_("Two round-the-clock stays of one person overlap"),
    "not_in_contract": N_("No contract of the provider covers this care type on that date"),
    "not_attached": N_("Primary care by a clinic the person was not attached to"),
    "not_covered": N_("Not payable by the fund: neither package covers this care for the person"),
    "no_referral": N_("Planned care without the referral it needs"),
    "sex_mismatch": N_("The service or group is not given to persons of this sex"),
    "age_mismatch": N_("The service or group is not given at this age"),
    "doctor_overload": N_("The doctor's services that day exceed the plausible maximum"),
    "readmission_30d": N_("Readmission within 30 days of a discharge"),
}

LABELS = {
    "care_form": CARE_FORM_LABELS,
    "service_outcome": OUTCOME_LABELS,
    "service_reject": REJECT_LABELS,
    "service_finding": FINDING_LABELS,
}
