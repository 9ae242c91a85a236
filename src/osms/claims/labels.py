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
    "home_and_remote": N_("A service is given either at home or remotely, not both"),
    "flags_outpatient_only": N_(
        "At home, remotely and in a child's preventive examination apply to outpatient services only"
    ),
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

# --- monitor (monitoring and appeals; docs/claims.md) --------------------------------------------

#: Where a defect's appeal stands (``claims.appeals.STATUSES``).
APPEAL_STATUS_LABELS = {
    "notified": N_("Notified: the provider may object"),
    "objected": N_("Objection filed: awaiting the review"),
    "reviewed": N_("Upheld on review: a second objection is possible"),
    "second_objection": N_("Second objection filed: awaiting the second review"),
    "central": N_("Awaiting the central office"),
    "confirmed": N_("Confirmed"),
    "withdrawn": N_("Withdrawn"),
}

#: A step of an appeal (``claims.appeals.STEPS``).
APPEAL_STEP_LABELS = {
    "objection": N_("Objection"),
    "review": N_("Review in another region"),
    "second_objection": N_("Second objection"),
    "second_review": N_("Second review outside the region"),
    "central": N_("Decision of the central office"),
}

#: Who acts next in an appeal (``claims.appeals.ACTORS``).
APPEAL_ACTOR_LABELS = {
    "provider": N_("The provider"),
    "reviewer_other_region": N_("A reviewer of another region"),
    "reviewer_outside_region": N_("A second reviewer outside the region"),
    "central_office": N_("The central office"),
}

#: A reviewer's decision (``claims.appeals.DECISIONS``).
APPEAL_DECISION_LABELS = {
    "upheld": N_("Defect upheld"),
    "overturned": N_("Objection accepted"),
}

#: What opened a monitoring case (``claims.monitoring.TRIGGERS``, and a death's review).
CASE_TRIGGER_LABELS = {
    "complaint": N_("Complaint of a person"),
    "risk": N_("Risk signal"),
    "extra_volume": N_("Request for extra volume"),
    "unconfirmed": N_("Unconfirmed cases"),
    "breach": N_("Breach of the contract"),
    "ministry": N_("Request of the ministry"),
    "death": N_("Death to review"),
    "sample": N_("Drawn for expertise"),
}

#: How a monitoring case ended (``claims.monitoring.CASE_OUTCOMES``).
CASE_OUTCOME_LABELS = {
    "confirmed": N_("Confirmed"),
    "not_confirmed": N_("Not confirmed"),
}

LABELS |= {
    "appeal_status": APPEAL_STATUS_LABELS,
    "appeal_step": APPEAL_STEP_LABELS,
    "appeal_actor": APPEAL_ACTOR_LABELS,
    "appeal_decision": APPEAL_DECISION_LABELS,
    "case_trigger": CASE_TRIGGER_LABELS,
    "case_outcome": CASE_OUTCOME_LABELS,
}
