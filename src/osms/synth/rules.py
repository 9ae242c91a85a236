"""Pure rules of the synthetic country: codes, file columns and date arithmetic (no I/O).

Dates are handled as proleptic Gregorian ordinals (``date.toordinal()``) inside the generator
for speed; these helpers take and return ordinals.
"""

from __future__ import annotations

from datetime import date

from osms.registry.rulebook import CATEGORY_CODES as RULEBOOK_CATEGORY_CODES

GENERATOR_VERSION = "1.0.0"

# Columns of every file: an interface other rooms import.
COLUMNS: dict[str, tuple[str, ...]] = {
    "persons.csv": (
        "iin",
        "last_name",
        "first_name",
        "middle_name",
        "birth_date",
        "sex",
        "residency",
        "region",
        "address_code",
        "death_date",
    ),
    "categories.csv": ("iin", "category", "valid_from", "valid_to", "source"),
    "families.csv": ("iin", "relative_iin", "relation"),
    "payers.csv": ("payer_id", "kind", "name", "region"),
    "employment.csv": ("iin", "payer_id", "kind", "monthly_income", "start", "end"),
    "economic_status.csv": ("iin", "status"),
}
FILES: tuple[str, ...] = tuple(COLUMNS)

# docs/status.md codes, exactly (the one list lives in the rulebooks).
CATEGORY_CODES: tuple[str, ...] = RULEBOOK_CATEGORY_CODES

# The register each category comes from (categories.csv `source`).
CATEGORY_SOURCES: dict[str, str] = {
    "child": "synth:civil-registry",
    "pregnant_nonworking": "synth:pregnancy-register",
    "parent_child_under_3": "synth:benefits-centre",
    "parental_leave": "synth:employer-report",
    "mother_awarded": "synth:awards-register",
    "student": "synth:education-register",
    "graduate_3_months": "synth:education-register",
    "unemployed_registered": "synth:employment-centre",
    "social_assistance": "synth:social-assistance",
    "kandas_nonworking": "synth:migration-service",
    "disability": "synth:disability-register",
    "pensioner": "synth:pension-fund",
    "ww2_veteran": "synth:veterans-register",
    "carer_disabled_child": "synth:benefits-centre",
    "carer_group1_from_childhood": "synth:benefits-centre",
    "pretrial_detention": "synth:penal-system",
    "prisoner": "synth:penal-system",
    "house_arrest": "synth:penal-system",
    "serviceman": "synth:ministry-of-defence",
    "special_state_body": "synth:special-state-bodies",
    "law_enforcement": "synth:law-enforcement",
    "wellbeing_d_e": "synth:digital-family-map",
}

# economic_status.csv `status`: one per person on the reference date.
STATUSES: tuple[str, ...] = (
    "child",
    "student",
    "employee",
    "contractor",
    "individual_entrepreneur",
    "self_payer",
    "unemployed",
    "inactive",
    "pensioner",
    "serviceman",
    "special_state_body",
    "law_enforcement",
    "prisoner",
    "pretrial_detention",
    "house_arrest",
    "deceased",
)
# A status that comes with a state-paid category of its own (status -> category code).
STATUS_CATEGORY: dict[str, str] = {
    "unemployed": "unemployed_registered",
    "serviceman": "serviceman",
    "special_state_body": "special_state_body",
    "law_enforcement": "law_enforcement",
    "prisoner": "prisoner",
    "pretrial_detention": "pretrial_detention",
    "house_arrest": "house_arrest",
}

RELATIONS: tuple[str, ...] = ("parent", "guardian", "spouse")
PAYER_KINDS: tuple[str, ...] = ("employer", "individual_entrepreneur", "agent", "state", "local_budget")


def add_years(ordinal: int, years: int) -> int:
    """The same day ``years`` later (or earlier); 29 February goes to 1 March."""
    d = date.fromordinal(ordinal)
    try:
        return d.replace(year=d.year + years).toordinal()
    except ValueError:
        return date(d.year + years, 3, 1).toordinal()


def add_months(ordinal: int, months: int) -> int:
    """The same day ``months`` later; a day past the month's end goes to the first of the next."""
    d = date.fromordinal(ordinal)
    m0 = d.year * 12 + d.month - 1 + months
    y, m = divmod(m0, 12)
    try:
        return date(y, m + 1, d.day).toordinal()
    except ValueError:
        y2, m2 = divmod(m0 + 1, 12)
        return date(y2, m2 + 1, 1).toordinal()


def end_of_month_after(ordinal: int, months: int) -> int:
    """The last day of the month ``months`` after the month of ``ordinal``."""
    d = date.fromordinal(ordinal)
    y, m = divmod(d.year * 12 + d.month + months, 12)  # first day of the month after that
    return date(y, m + 1, 1).toordinal() - 1


def quarter_start(ordinal: int) -> int:
    d = date.fromordinal(ordinal)
    return date(d.year, (d.month - 1) // 3 * 3 + 1, 1).toordinal()


def age_on(birth: date, on: date) -> int:
    """Whole years of age on a date."""
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


def pick(table: tuple[tuple[int, float], ...], age: int) -> float:
    """The value of the last row of an ascending (first age, value) table with first age <= age."""
    value = table[0][1]
    for first, v in table:
        if age < first:
            break
        value = v
    return value
