"""The claims room's closed vocabularies (docs/claims.md): forms of care, outcomes, the reasons a
row of a service report is rejected, and the codes of the findings the checks make.

A CSV file, the API and FHIR use these codes as written; the rulebook (``claims.findings``) says
which finding is a defect of the classifier and under which code.
"""

from __future__ import annotations

from typing import Final

#: The form of care a service record belongs to.
CARE_FORMS: Final[tuple[str, ...]] = (
    "phc",
    "outpatient",
    "day_hospital",
    "inpatient",
    "home_hospital",
    "admission",
    "ambulance",
)
#: Forms billed by a service code of the price list (visits, services, calls).
SERVICE_FORMS: Final[tuple[str, ...]] = ("phc", "outpatient", "ambulance")
#: Forms billed by a clinical cost group (КЗГ).
CASE_GROUP_FORMS: Final[tuple[str, ...]] = ("day_hospital", "inpatient", "home_hospital", "admission")
#: Round-the-clock stays: two of one person may not overlap, whoever the providers.
ROUND_THE_CLOCK_FORMS: Final[tuple[str, ...]] = ("inpatient",)
#: Hospital forms whose deaths are all reviewed (MON п.40: round-the-clock and day hospitals).
DEATH_REVIEW_FORMS: Final[tuple[str, ...]] = ("inpatient", "day_hospital")

#: How a case ended.
OUTCOMES: Final[tuple[str, ...]] = ("completed", "discharged", "died", "transferred", "self_discharge")

#: Why a row of a service report is not a service record (the row is kept with its reason).
REJECT_CODES: Final[tuple[str, ...]] = (
    "bad_row_shape",
    "missing_field",
    "bad_value",
    "bad_iin",
    "bad_date",
    "unknown_person",
    "unknown_provider",
    "not_own_record",
    "unknown_care_form",
    "unknown_care_type",
    "unknown_service_code",
    "unknown_case_group",
    "unknown_icd10",
    "unknown_procedure",
    "unknown_outcome",
    "dates_reversed",
    "future_date",
    "duplicate_key",
    "month_closed",
    "home_and_remote",
    "flags_outpatient_only",
)

#: The logical checks of an accepted record; each failed check is a finding.
FINDING_CODES: Final[tuple[str, ...]] = (
    "dead_before_service",
    "duplicate",
    "overlapping_stay",
    "not_in_contract",
    "not_attached",
    "not_covered",
    "no_referral",
    "sex_mismatch",
    "age_mismatch",
    "doctor_overload",
    "readmission_30d",
)

SEXES: Final[tuple[str, ...]] = ("M", "F")
