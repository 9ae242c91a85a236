"""The pure decision (docs/benefits.md), against a table written out by hand.

Each expected package below is derived by hand from docs/benefits.md (and the rulebook data it cites),
not computed by the code under test:
- GOBMP care types (kz-law from 2020): ambulance, air ambulance, PHC, urgent/emergency care,
  palliative care, vaccinations; who: citizens, kandas, refugees, foreigners and stateless persons
  with permits [seed 002 ТМККК package].
- OSMS care types: consultative-diagnostic, high-tech, day hospital, planned hospital, home
  hospital, rehabilitation, nursing, outpatient drugs, IVF [seed 001 Q54]; who: insured citizens,
  kandas, permit holders, EAEU migrants [seed 002 МӘМС package]; planned care by referral [Q82].
- Never covered: adult dentistry, sanatorium, cosmetology, abroad [Q13, Q18, Q29, Q50].
- Emergency care never depends on status [Q38, Q55].
"""

from __future__ import annotations

from datetime import date

import pytest

from osms.benefits.catalogue import UnknownCareType
from osms.benefits.rules import UnknownIcd10, decide
from osms.rulebooks.loader import DateOutsideRulebook, load_rulebook

KZ = load_rulebook("kz-law")
SEEDS = load_rulebook("seeds-2016")
DAY = date(2024, 5, 1)

# care group -> (care type, referral given)
GROUPS = {
    "never": ("cosmetology", True),
    "emergency": ("ambulance", False),
    "gobmp": ("phc", False),
    "osms_referral": ("inpatient_planned", True),
    "osms_drugs": ("outpatient_drugs", False),
}

# residency, care group: expected when insured (paid) | state-paid category | uninsured.
# "-" is a person not in the registry.
TABLE = """
citizen              never          none   none   none
citizen              emergency      GOBMP  GOBMP  GOBMP
citizen              gobmp          GOBMP  GOBMP  GOBMP
citizen              osms_referral  OSMS   OSMS   none
citizen              osms_drugs     OSMS   OSMS   none
kandas               never          none   none   none
kandas               emergency      GOBMP  GOBMP  GOBMP
kandas               gobmp          GOBMP  GOBMP  GOBMP
kandas               osms_referral  OSMS   OSMS   none
kandas               osms_drugs     OSMS   OSMS   none
refugee              never          none   none   none
refugee              emergency      GOBMP  GOBMP  GOBMP
refugee              gobmp          GOBMP  GOBMP  GOBMP
refugee              osms_referral  none   none   none
refugee              osms_drugs     none   none   none
asylum_seeker        never          none   none   none
asylum_seeker        emergency      GOBMP  GOBMP  GOBMP
asylum_seeker        gobmp          none   none   none
asylum_seeker        osms_referral  none   none   none
asylum_seeker        osms_drugs     none   none   none
foreigner_permit     never          none   none   none
foreigner_permit     emergency      GOBMP  GOBMP  GOBMP
foreigner_permit     gobmp          GOBMP  GOBMP  GOBMP
foreigner_permit     osms_referral  OSMS   OSMS   none
foreigner_permit     osms_drugs     OSMS   OSMS   none
stateless_permit     never          none   none   none
stateless_permit     emergency      GOBMP  GOBMP  GOBMP
stateless_permit     gobmp          GOBMP  GOBMP  GOBMP
stateless_permit     osms_referral  OSMS   OSMS   none
stateless_permit     osms_drugs     OSMS   OSMS   none
eaeu_migrant         never          none   none   none
eaeu_migrant         emergency      GOBMP  GOBMP  GOBMP
eaeu_migrant         gobmp          none   none   none
eaeu_migrant         osms_referral  OSMS   OSMS   none
eaeu_migrant         osms_drugs     OSMS   OSMS   none
foreigner_temporary  never          none   none   none
foreigner_temporary  emergency      GOBMP  GOBMP  GOBMP
foreigner_temporary  gobmp          none   none   none
foreigner_temporary  osms_referral  none   none   none
foreigner_temporary  osms_drugs     none   none   none
-                    never          none   none   none
-                    emergency      GOBMP  GOBMP  GOBMP
-                    gobmp          none   none   none
-                    osms_referral  none   none   none
-                    osms_drugs     none   none   none
"""
ROWS = [line.split() for line in TABLE.strip().splitlines()]
CASES = [
    pytest.param(res, group, status, expected, id=f"{res}-{group}-{status}")
    for res, group, *answers in ROWS
    for status, expected in zip(("insured", "state_paid", "uninsured"), answers, strict=True)
]


def test_table_is_complete() -> None:
    residencies = {r for r, *_ in ROWS}
    assert len(residencies) == 9 and len(ROWS) == 9 * len(GROUPS)


@pytest.mark.parametrize(("residency", "group", "status", "expected"), CASES)
def test_package_by_residency_group_and_status(residency: str, group: str, status: str, expected: str) -> None:
    care, referral = GROUPS[group]
    decision = decide(
        rulebook=KZ,
        on=DAY,
        care=care,
        residency=None if residency == "-" else residency,
        insured=status != "uninsured",  # a state-paid category is insured (docs/status.md item 1)
        referral=referral,
    )
    assert decision.covered_by == expected
    assert decision.reasons, "every answer gives a reason"


def reasons(decision) -> list[str]:  # type: ignore[no-untyped-def]
    return [r.code for r in decision.reasons]


def test_never_covered_names_the_rule() -> None:
    d = decide(rulebook=KZ, on=DAY, care="dentistry_adult", residency="citizen", insured=True, emergency=True)
    assert d.covered_by == "none" and reasons(d) == ["never_covered"]
    assert d.rules == ("benefits.never_covered.2017-07-01",)


def test_emergency_flag_makes_planned_care_free_for_a_temporary_foreigner() -> None:
    d = decide(
        rulebook=KZ, on=DAY, care="inpatient_planned", residency="foreigner_temporary", insured=False, emergency=True
    )
    assert (d.covered_by, reasons(d)) == ("GOBMP", ["emergency"])


def test_dangerous_disease_is_free_for_everyone() -> None:
    # tuberculosis A15-A19 [seed 001 Q100], an asylum seeker [seed 002: all persons on the territory]
    d = decide(rulebook=KZ, on=DAY, care="consult_diag", residency="asylum_seeker", insured=False, icd10="A15.0")
    assert (d.covered_by, reasons(d)) == ("GOBMP", ["dangerous_disease"])
    assert "benefits.dangerous.2017-07-01" in d.rules
    assert d.diagnosis is not None and d.diagnosis.description.startswith("Tuberculosis of lung")
    unknown = decide(rulebook=KZ, on=DAY, care="inpatient_planned", residency=None, insured=False, icd10="B20")
    assert unknown.covered_by == "GOBMP"


def test_dangerous_disease_applies_only_to_care_that_treats_it() -> None:
    # our reading: vaccination is not care for tuberculosis
    d = decide(rulebook=KZ, on=DAY, care="vaccination", residency="foreigner_temporary", insured=False, icd10="A15")
    assert d.covered_by == "none"


def test_socially_significant_disease_for_an_uninsured_citizen() -> None:
    # diabetes E10-E14 is on the list until 2025 [seed 001 Q100] and leaves it in 2026 (docs/benefits.md)
    before = decide(
        rulebook=KZ,
        on=date(2025, 6, 1),
        care="consult_diag",
        residency="citizen",
        insured=False,
        icd10="E11.9",
        referral=True,
    )
    assert (before.covered_by, reasons(before)) == ("GOBMP", ["socially_significant"])
    assert "benefits.socially_significant.2017-07-01" in before.rules
    after = decide(
        rulebook=KZ,
        on=date(2026, 3, 1),
        care="consult_diag",
        residency="citizen",
        insured=False,
        icd10="E11.9",
        referral=True,
    )
    assert (after.covered_by, reasons(after)) == ("none", ["osms_not_insured"])
    insured = decide(
        rulebook=KZ,
        on=date(2026, 3, 1),
        care="consult_diag",
        residency="citizen",
        insured=True,
        icd10="E11.9",
        referral=True,
    )
    assert insured.covered_by == "OSMS"


@pytest.mark.parametrize(
    ("code", "in_2025", "in_2026"),
    [
        ("E11", True, False),  # diabetes leaves
        ("G80.0", True, False),  # cerebral palsy leaves
        ("I05.0", True, False),  # rheumatism leaves
        ("M32.1", True, False),  # connective tissue leaves
        ("K74.6", False, True),  # cirrhosis joins
        ("B18.2", True, True),  # chronic hepatitis C stays
        ("G40.9", False, True),  # epilepsy joins
        ("I63.9", False, True),  # stroke joins
        ("E84.0", False, True),  # cystic fibrosis (orphan) joins
        ("C50.9", True, True),  # cancer stays
        ("J45", False, False),  # asthma never
    ],
)
def test_2026_change_of_the_socially_significant_list(code: str, in_2025: bool, in_2026: bool) -> None:
    for day, expected in ((date(2025, 12, 31), in_2025), (date(2026, 1, 1), in_2026)):
        d = decide(rulebook=KZ, on=day, care="day_hospital", residency="kandas", insured=False, icd10=code)
        assert (d.covered_by == "GOBMP") is expected, (code, day)


def test_socially_significant_disease_needs_gobmp_residency() -> None:
    d = decide(rulebook=KZ, on=DAY, care="consult_diag", residency="eaeu_migrant", insured=False, icd10="C50.9")
    assert (d.covered_by, reasons(d)) == ("none", ["not_gobmp_resident", "osms_not_insured"])


def test_ivf_is_osms_with_a_referral() -> None:
    # [seed 001 Q54]
    d = decide(rulebook=KZ, on=DAY, care="ivf", residency="citizen", insured=True, referral=True)
    assert (d.covered_by, reasons(d)) == ("OSMS", ["osms_covered"])
    without = decide(rulebook=KZ, on=DAY, care="ivf", residency="citizen", insured=True)
    assert (without.covered_by, reasons(without)) == ("none", ["referral_needed"])


def test_before_insurance_there_is_no_osms_package() -> None:
    d = decide(
        rulebook=KZ,
        on=date(2019, 5, 1),
        care="inpatient_planned",
        residency="eaeu_migrant",
        insured=True,
        referral=True,
    )
    assert d.covered_by == "none"
    assert reasons(d) == ["not_gobmp_resident", "no_osms_package"]
    assert "began on 1 January 2020" in d.reasons[-1].message("en")
    assert "с 1 января 2020 г." in d.reasons[-1].message("ru")
    # our reading: before 2020 the guaranteed volume held planned hospital care (verified: false)
    citizen = decide(rulebook=KZ, on=date(2019, 5, 1), care="inpatient_planned", residency="citizen", insured=False)
    assert citizen.covered_by == "GOBMP"


def test_seeds_2016_packages() -> None:
    # until 2020 outpatient care is in ТМККК [seed 001 Q68, Q34]; from 2020 it is insurance only [seed 004]
    assert (
        decide(rulebook=SEEDS, on=date(2019, 3, 1), care="phc", residency="citizen", insured=False).covered_by
        == "GOBMP"
    )
    assert (
        decide(rulebook=SEEDS, on=date(2021, 3, 1), care="phc", residency="citizen", insured=False).covered_by == "none"
    )
    assert (
        decide(rulebook=SEEDS, on=date(2021, 3, 1), care="phc", residency="citizen", insured=True).covered_by == "OSMS"
    )
    early = decide(rulebook=SEEDS, on=date(2017, 3, 1), care="palliative", residency="citizen", insured=True)
    assert (early.covered_by, reasons(early)) == ("none", ["no_osms_package"])


def test_dentistry_for_children() -> None:
    # kz-law: OSMS (our reading, unverified); seeds-2016: ТМККК (only adult dentistry is excluded, Q29/Q77)
    assert decide(rulebook=KZ, on=DAY, care="dentistry_child", residency="citizen", insured=True).covered_by == "OSMS"
    assert (
        decide(
            rulebook=SEEDS, on=date(2021, 3, 1), care="dentistry_child", residency="citizen", insured=False
        ).covered_by
        == "GOBMP"
    )


def test_messages_in_three_languages() -> None:
    d = decide(rulebook=KZ, on=DAY, care="cosmetology", residency="citizen", insured=True)
    message = d.reasons[0].as_dict()["message"]
    assert message["en"].startswith("«Cosmetology» is in neither package")
    assert "ГОБМП" in message["ru"] and "ТМККК" in message["kk"]
    assert d.headline()["ru"].startswith("Не покрывается")


def test_bad_input() -> None:
    with pytest.raises(UnknownCareType, match="unknown care type 'massage'"):
        decide(rulebook=KZ, on=DAY, care="massage", residency="citizen", insured=True)
    with pytest.raises(UnknownIcd10, match="unknown ICD-10 code 'X99.99'"):
        decide(rulebook=KZ, on=DAY, care="phc", residency="citizen", insured=True, icd10="X99.99")
    with pytest.raises(UnknownIcd10):
        decide(
            rulebook=KZ, on=DAY, care="phc", residency="citizen", insured=True, icd10="A15-A19"
        )  # a block is no diagnosis
    with pytest.raises(DateOutsideRulebook, match="outside the rulebook kz-law"):
        decide(rulebook=KZ, on=date(2017, 6, 30), care="phc", residency="citizen", insured=True)
    assert (
        decide(rulebook=KZ, on=DAY, care=" PHC ", residency="citizen", insured=True, icd10="a150").diagnosis.code
        == "A15.0"
    )  # type: ignore[union-attr]
