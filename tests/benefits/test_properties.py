"""Properties of the decision (docs/benefits.md) over generated people, care, diagnoses and dates."""

from __future__ import annotations

from datetime import date

from hypothesis import given, settings
from hypothesis import strategies as st

from osms.benefits.rulebook import CARE_TYPE_CODES, RESIDENCY_CODES
from osms.benefits.rules import decide
from osms.rulebooks.loader import load_rulebook

BOOKS = {name: load_rulebook(name) for name in ("kz-law", "seeds-2016")}
NEVER = ("dentistry_adult", "sanatorium", "cosmetology", "abroad")
# diagnoses from every list and from none; all valid WHO ICD-10 codes
DIAGNOSES = [
    "A15.0",
    "B20",
    "A98.0",
    "F20.0",
    "B16.9",
    "E11.9",
    "K74.6",
    "G40.9",
    "I63.9",
    "C50.9",
    "J45",
    "Z00.0",
    "S72.0",
]
TREATING = ("phc", "consult_diag", "inpatient_planned", "day_hospital", "outpatient_drugs", "rehabilitation", "nursing")
DANGEROUS = ["A15.0", "B20", "A98.0", "F20.0", "B16.9", "A00.1", "A39.0"]


@st.composite
def cases(draw: st.DrawFn, *, icd10: st.SearchStrategy[str | None] | None = None) -> dict[str, object]:
    name = draw(st.sampled_from(sorted(BOOKS)))
    book = BOOKS[name]
    return {
        "rulebook": book,
        "on": draw(st.dates(book.covers_from, book.covers_to)),
        "care": draw(st.sampled_from(CARE_TYPE_CODES)),
        "residency": draw(st.sampled_from([*RESIDENCY_CODES, None])),
        "insured": draw(st.booleans()),
        "icd10": draw(icd10 if icd10 is not None else st.sampled_from([None, *DIAGNOSES])),
        "emergency": draw(st.booleans()),
        "referral": draw(st.booleans()),
    }


@settings(max_examples=300, deadline=None)
@given(cases())
def test_emergency_is_never_none_unless_never_covered(case: dict[str, object]) -> None:
    case["emergency"] = True
    decision = decide(**case)  # type: ignore[arg-type]
    assert decision.covered_by == ("none" if case["care"] in NEVER else "GOBMP")


@settings(max_examples=300, deadline=None)
@given(cases())
def test_a_never_covered_care_type_is_always_none(case: dict[str, object]) -> None:
    case["care"] = NEVER[hash(case["on"]) % len(NEVER)]
    assert decide(**case).covered_by == "none"  # type: ignore[arg-type]


@settings(max_examples=300, deadline=None)
@given(cases())
def test_the_uninsured_never_get_osms(case: dict[str, object]) -> None:
    case["insured"] = False
    assert decide(**case).covered_by != "OSMS"  # type: ignore[arg-type]


@settings(max_examples=300, deadline=None)
@given(cases(icd10=st.sampled_from(DANGEROUS)))
def test_dangerous_diseases_do_not_depend_on_status_or_residency(case: dict[str, object]) -> None:
    # for care that treats the disease (our reading: not vaccination, IVF or dentistry)
    case["care"] = TREATING[hash(case["on"]) % len(TREATING)]
    answers = {
        decide(**(case | {"insured": insured, "residency": residency})).covered_by  # type: ignore[arg-type]
        for insured in (True, False)
        for residency in (*RESIDENCY_CODES, None)
    }
    assert answers == {"GOBMP"}


@settings(max_examples=300, deadline=None)
@given(cases())
def test_gobmp_never_depends_on_insured_status(case: dict[str, object]) -> None:
    insured = decide(**(case | {"insured": True}))  # type: ignore[arg-type]
    uninsured = decide(**(case | {"insured": False}))  # type: ignore[arg-type]
    assert (insured.covered_by == "GOBMP") is (uninsured.covered_by == "GOBMP")
    if uninsured.covered_by == "GOBMP":
        assert [r.as_dict() for r in insured.reasons] == [r.as_dict() for r in uninsured.reasons]


@settings(max_examples=300, deadline=None)
@given(cases())
def test_every_answer_has_reasons_and_named_rules(case: dict[str, object]) -> None:
    decision = decide(**case)  # type: ignore[arg-type]
    assert decision.reasons
    for rule in decision.rules:
        assert rule.startswith("benefits.")
        series, _, since = rule.rpartition(".")
        entries = case["rulebook"].series(series)  # type: ignore[attr-defined]
        assert since in {e.valid_from.isoformat() for e in entries}
    for reason in decision.reasons:
        assert all(reason.message(lang) for lang in ("kk", "ru", "en"))


def test_osms_needs_insurance_eligibility_and_the_package() -> None:
    book = BOOKS["kz-law"]
    d = decide(
        rulebook=book, on=date(2024, 1, 1), care="home_hospital", residency="citizen", insured=True, referral=True
    )
    assert d.covered_by == "OSMS"
