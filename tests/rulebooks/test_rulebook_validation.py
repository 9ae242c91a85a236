"""Bad rulebook files fail with a RulebookError naming the file, the entry and the problem."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from osms.contributions.rulebook import ContributionsTopic
from osms.registry.rulebook import RegistryTopic
from osms.rulebooks.loader import RulebookError, load_rulebook_from_path

# A small valid rulebook covering 2020-2021; each test breaks one thing.
MINIMAL: dict[str, str] = {
    "rulebook.yaml": """\
name: mini
title: Minimal test rulebook
description: Two years, one payer kind.
covers:
  valid_from: 2020-01-01
  valid_to: 2021-12-31
source: tests
""",
    "wages.yaml": """\
mw:
  - valid_from: 2020-01
    valid_to: 2020-12
    value: "42500"
    source: docs/calculators.md
    verified: true
  - valid_from: 2021-01
    valid_to: 2021-12
    value: "42500"
    source: docs/calculators.md
    verified: true
amw:
  - valid_from: 2018-01
    valid_to: 2018-12
    value: "162673"
    source: statistics
  - valid_from: 2019-01
    valid_to: 2019-12
    value: "186815"
    source: statistics
""",
    "rates.yaml": """\
employer-deduction:
  - valid_from: 2020-01-01
    valid_to: 2020-12-31
    rate: "0.02"
    base: income
    cap: "10"
    source: docs/calculators.md
    verified: true
  - valid_from: 2021-01-01
    rate: "0.02"
    base: income
    cap: "10"
    source: docs/calculators.md
    verified: true
state:
  - valid_from: 2020-01-01
    rate: "0.016"
    base: amw_two_years_earlier
    source: docs/calculators.md
""",
    "status.yaml": """\
grace:
  - valid_from: 2020-01-01
    grace_months: 3
    source: docs/status.md
arrears_cap_months:
  - valid_from: 2020-01-01
    value: 12
    source: docs/status.md
self_payer_prepay_months:
  - valid_from: 2020-01-01
    value: 0
    source: docs/status.md
window_history_months:
  - valid_from: 2020-01-01
    value: 72
    source: docs/status.md
window_future_months:
  - valid_from: 2020-01-01
    value: 12
    source: docs/status.md
insurance_starts:
  - valid_from: 2020-01-01
    source: docs/status.md
""",
    "categories.yaml": """\
child:
  - valid_from: 2020-01-01
    payer: state
    source: docs/status.md
""",
    "attachment.yaml": """\
campaign:
  - valid_from: 2020-01-01
    start: "09-15"
    end: "11-15"
    source: docs/attachment.md
free_change_limit:
  - valid_from: 2020-01-01
    changes: 1
    per_months: 6
    source: docs/attachment.md
minor_age:
  - valid_from: 2020-01-01
    value: 18
    source: docs/attachment.md
""",
    "deadlines.yaml": """\
employer-deduction:
  - valid_from: 2020-01-01
    months_after: 1
    day: 25
    source: docs/calculators.md
employer-statement:
  - valid_from: 2020-01-01
    months_after: 1
    day: 15
    source: docs/calculators.md
self-payer:
  - valid_from: 2020-01-01
    months_after: 1
    day: 25
    source: docs/calculators.md
""",
    "benefits.yaml": """\
gobmp_care_types:
  - valid_from: 2020-01-01
    care_types: [ambulance, phc]
    source: docs/benefits.md
osms_care_types:
  - valid_from: 2020-01-01
    care_types: [inpatient_planned]
    source: docs/benefits.md
never_covered:
  - valid_from: 2020-01-01
    care_types: [cosmetology]
    source: docs/benefits.md
referral_required:
  - valid_from: 2020-01-01
    care_types: [inpatient_planned]
    source: docs/benefits.md
disease_care_types:
  - valid_from: 2020-01-01
    care_types: [phc, inpatient_planned]
    source: docs/benefits.md
gobmp_residency:
  - valid_from: 2020-01-01
    residencies: [citizen]
    source: docs/benefits.md
osms_residency:
  - valid_from: 2020-01-01
    residencies: [citizen]
    source: docs/benefits.md
socially_significant:
  - valid_from: 2020-01-01
    source: docs/benefits.md
    diseases:
      - name: tuberculosis
        codes: [A15-A19]
        title: {kk: туберкулез, ru: туберкулез, en: tuberculosis, source: "[seed 001 Q100]", verified: false}
        source: "[seed 001 Q100]"
        mapping: ours
dangerous:
  - valid_from: 2020-01-01
    source: docs/benefits.md
    diseases:
      - name: mental disorders
        codes: [F00-F99]
        title: {kk: психикалық ауытқулар, ru: психические расстройства, en: mental disorders, source: ours,
                verified: false}
        source: "[seed 001 Q100]"
        mapping: ours
""",
}


def write(folder: Path, **files: str) -> Path:
    """Write MINIMAL into ``folder``, replacing the files given (``rates="..."`` → rates.yaml)."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in MINIMAL.items():
        (folder / name).write_text(text, encoding="utf-8")
    for stem, text in files.items():
        (folder / f"{stem}.yaml").write_text(text, encoding="utf-8")
    return folder


def error_for(tmp_path: Path, **files: str) -> RulebookError:
    with pytest.raises(RulebookError) as info:
        load_rulebook_from_path(write(tmp_path / "rb", **files))
    return info.value


def edit(stem: str, old: str, new: str, count: int = 1) -> dict[str, str]:
    text = MINIMAL[f"{stem}.yaml"]
    assert old in text, old
    return {stem: text.replace(old, new, count)}


def test_minimal_rulebook_is_valid(tmp_path: Path) -> None:
    rb = load_rulebook_from_path(write(tmp_path / "rb"))
    assert rb.name == "mini"
    assert rb.topic(ContributionsTopic).rate("state", date(2021, 5, 1)).rate == Decimal("0.016")
    assert rb.topic(ContributionsTopic).mw(2021) == Decimal("42500")
    assert not rb.topic(ContributionsTopic).amw_entry(2019).verified  # verified defaults to false


# --- overlaps and gaps ----------------------------------------------------------------------


def test_overlap(tmp_path: Path) -> None:
    err = error_for(tmp_path, **edit("rates", "  - valid_from: 2021-01-01\n", "  - valid_from: 2020-12-01\n"))
    message = str(err)
    assert "rates.yaml" in message
    assert "rates.employer-deduction.2020-01-01 (2020-01-01..2020-12-31)" in message
    assert "rates.employer-deduction.2020-12-01" in message
    assert message.endswith("overlap")


def test_overlap_with_an_open_ended_entry(tmp_path: Path) -> None:
    extra = MINIMAL["rates.yaml"] + '  - valid_from: 2021-01-01\n    rate: "0.02"\n    base: amw_two_years_earlier\n'
    extra += "    source: x\n"
    err = error_for(tmp_path, rates=extra)
    assert "overlaps the open-ended rates.state.2020-01-01" in str(err)


def test_same_valid_from_twice_is_an_overlap(tmp_path: Path) -> None:
    err = error_for(tmp_path, **edit("wages", "  - valid_from: 2021-01\n", "  - valid_from: 2020-01\n"))
    assert "wages.mw.2020-01-01" in str(err) and "overlap" in str(err)


def test_gap_in_a_rate_series(tmp_path: Path) -> None:
    err = error_for(tmp_path, **edit("rates", "valid_to: 2020-12-31", "valid_to: 2020-11-30"))
    assert str(err) == (
        f"{tmp_path / 'rb' / 'rates.yaml'}: rates.employer-deduction: gap between "
        "rates.employer-deduction.2020-01-01 (ends 2020-11-30) and rates.employer-deduction.2021-01-01 "
        "(starts 2021-01-01): no entry for 2020-12-01..2020-12-31"
    )


def test_gap_in_mw_by_year(tmp_path: Path) -> None:
    wages = MINIMAL["wages.yaml"].replace("valid_from: 2021-01\n    valid_to: 2021-12", "valid_from: 2022-01")
    err = error_for(tmp_path, wages=wages)
    assert "wages.mw: gap between wages.mw.2020-01-01" in str(err)


def test_mw_must_cover_the_rulebook(tmp_path: Path) -> None:
    wages = MINIMAL["wages.yaml"].replace("valid_to: 2021-12", "valid_to: 2021-06")
    err = error_for(tmp_path, wages=wages)
    assert "wages.mw.2021-01-01: must end on 31 December" in str(err)
    assert "wages.mw: ends 2021-06-30, before the rulebook's end 2021-12-31" in str(err)


def test_status_series_must_start_with_the_rulebook(tmp_path: Path) -> None:
    err = error_for(
        tmp_path,
        **edit("status", "valid_from: 2020-01-01\n    grace_months", "valid_from: 2020-02-01\n    grace_months"),
    )
    assert "status.grace: starts 2020-02-01, after the rulebook's start 2020-01-01" in str(err)


def test_windows_may_have_gaps_but_not_overlaps(tmp_path: Path) -> None:
    categories = """\
child:
  - valid_from: 2020-01-01
    valid_to: 2020-03-31
    payer: state
    source: a
  - valid_from: 2020-06-01
    payer: local_budget
    source: b
"""
    rb = load_rulebook_from_path(write(tmp_path / "ok", categories=categories))
    assert rb.topic(RegistryTopic).category("child", date(2020, 4, 1)) is None
    rule = rb.topic(RegistryTopic).category("child", date(2020, 6, 1))
    assert rule is not None and rule.payer == "local_budget"
    err = error_for(tmp_path, categories=categories.replace("2020-06-01", "2020-03-31"))
    assert "categories.child" in str(err) and "overlap" in str(err)


# --- sources --------------------------------------------------------------------------------


def test_missing_source(tmp_path: Path) -> None:
    err = error_for(
        tmp_path,
        **edit(
            "rates",
            "    source: docs/calculators.md\n    verified: true\n  - valid_from: 2021",
            "    verified: true\n  - valid_from: 2021",
        ),
    )
    assert str(err) == (
        f"{tmp_path / 'rb' / 'rates.yaml'}: employer-deduction entry 1 (valid_from 2020-01-01): "
        "required key 'source' is missing"
    )


def test_empty_source(tmp_path: Path) -> None:
    err = error_for(tmp_path, **edit("categories", "source: docs/status.md", 'source: "  "'))
    assert "categories.yaml: child entry 1 (valid_from 2020-01-01): source: source must not be empty" in str(err)


def test_missing_source_in_an_alternative(tmp_path: Path) -> None:
    rates = MINIMAL["rates.yaml"].replace(
        "    verified: true\n  - valid_from: 2021",
        '    verified: true\n    alternatives:\n      - rate: "0.01"\n  - valid_from: 2021',
    )
    err = error_for(tmp_path, rates=rates)
    assert "required key 'alternatives.0.source' is missing" in str(err)


# --- strict schema: unknown keys ------------------------------------------------------------


def test_typo_in_an_entry_key(tmp_path: Path) -> None:
    err = error_for(tmp_path, **edit("rates", '    cap: "10"\n', '    cpa: "10"\n'))
    message = str(err)
    assert "rates.yaml: employer-deduction entry 1 (valid_from 2020-01-01): unknown key 'cpa'" in message
    allowed = "(allowed: valid_from, valid_to, source, verified, note, carry_forward, rate, base, multiplier, cap"
    assert allowed in message


def test_typo_in_valid_from(tmp_path: Path) -> None:
    err = error_for(tmp_path, **edit("categories", "valid_from:", "valdi_from:"))
    assert "unknown key 'valdi_from'" in str(err)
    assert "required key 'valid_from' is missing" in str(err)


def test_unknown_payer_kind(tmp_path: Path) -> None:
    err = error_for(tmp_path, rates=MINIMAL["rates.yaml"].replace("employer-deduction:", "employer-deductoin:"))
    assert "rates.yaml: unknown key 'employer-deductoin' (allowed: employer-deduction, " in str(err)


def test_unknown_category_code(tmp_path: Path) -> None:
    err = error_for(tmp_path, categories=MINIMAL["categories.yaml"].replace("child:", "children:"))
    assert "categories.yaml: unknown key 'children'" in str(err)


def test_unknown_top_level_key_in_the_header(tmp_path: Path) -> None:
    err = error_for(tmp_path, rulebook=MINIMAL["rulebook.yaml"] + "version: 2\n")
    assert "rulebook.yaml: unknown key 'version'" in str(err)


def test_unknown_file(tmp_path: Path) -> None:
    folder = write(tmp_path / "rb")
    (folder / "ratez.yaml").write_text("{}\n", encoding="utf-8")
    with pytest.raises(RulebookError, match=r"ratez\.yaml: unknown file"):
        load_rulebook_from_path(folder)


def test_missing_file(tmp_path: Path) -> None:
    folder = write(tmp_path / "rb")
    (folder / "status.yaml").unlink()
    with pytest.raises(RulebookError, match=r"status\.yaml: missing file"):
        load_rulebook_from_path(folder)


def test_missing_required_key(tmp_path: Path) -> None:
    status = "arrears_cap_months:" + MINIMAL["status.yaml"].split("arrears_cap_months:")[1]
    err = error_for(tmp_path, status=status)
    assert "status.yaml: required key 'grace' is missing" in str(err)


def test_duplicate_yaml_key(tmp_path: Path) -> None:
    err = error_for(tmp_path, categories=MINIMAL["categories.yaml"] + MINIMAL["categories.yaml"])
    assert "categories.yaml: not valid YAML" in str(err) and "duplicate key 'child'" in str(err)


def test_not_yaml(tmp_path: Path) -> None:
    err = error_for(tmp_path, categories="child: [\n")
    assert "categories.yaml: not valid YAML" in str(err)


def test_entries_must_be_a_list(tmp_path: Path) -> None:
    err = error_for(tmp_path, categories="child:\n  valid_from: 2020-01-01\n  payer: state\n  source: x\n")
    assert "categories.yaml: child: must be a non-empty list of entries" in str(err)


# --- dates and decimals ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "problem"),
    [
        ("2020-13-01", "bad date '2020-13-01': no such day"),
        ("2021-02-29", "bad date '2021-02-29': no such day"),
        ("2020-13", "bad date '2020-13': no such day"),
        ("2020", "bad date 2020: expected YYYY-MM-DD or YYYY-MM"),
        ("01.01.2020", "bad date '01.01.2020': expected YYYY-MM-DD or YYYY-MM"),
    ],
)
def test_bad_dates(tmp_path: Path, written: str, problem: str) -> None:
    err = error_for(tmp_path, **edit("categories", "valid_from: 2020-01-01", f"valid_from: {written}"))
    assert "categories.yaml: child entry 1" in str(err)
    assert f"valid_from: {problem}" in str(err)


def test_valid_to_before_valid_from(tmp_path: Path) -> None:
    err = error_for(tmp_path, **edit("categories", "    payer: state\n", "    valid_to: 2019-12\n    payer: state\n"))
    assert "valid_to 2019-12-31 is before valid_from 2020-01-01" in str(err)


def test_month_dates(tmp_path: Path) -> None:
    rb = load_rulebook_from_path(write(tmp_path / "rb"))
    entry = rb.topic(ContributionsTopic).mw_entry(2020)
    assert (entry.valid_from, entry.valid_to) == (date(2020, 1, 1), date(2020, 12, 31))


@pytest.mark.parametrize(
    ("written", "problem"),
    [
        ('"0,02"', "bad decimal '0,02'"),
        ('"two percent"', "bad decimal 'two percent'"),
        ("true", "bad decimal True"),
        ('"2"', 'rate must be a fraction in [0, 1), e.g. "0.02" for 2%, got 2'),
        ('"-0.01"', "rate must be a fraction in [0, 1)"),
    ],
)
def test_bad_rates(tmp_path: Path, written: str, problem: str) -> None:
    err = error_for(tmp_path, **edit("rates", 'rate: "0.016"', f"rate: {written}"))
    assert "rates.yaml: state entry 1 (valid_from 2020-01-01)" in str(err)
    assert problem in str(err)


def test_infinite_number(tmp_path: Path) -> None:
    err = error_for(tmp_path, **edit("rates", 'rate: "0.016"', "rate: .inf"))
    assert "not a finite number: '.inf'" in str(err)


def test_unquoted_decimal_is_read_exactly(tmp_path: Path) -> None:
    rb = load_rulebook_from_path(write(tmp_path / "rb", **edit("rates", 'rate: "0.016"', "rate: 0.016")))
    assert rb.topic(ContributionsTopic).rate("state", date(2020, 1, 1)).rate == Decimal("0.016")


def test_bad_wage(tmp_path: Path) -> None:
    err = error_for(tmp_path, **edit("wages", 'value: "42500"', 'value: "-1"'))
    assert "wages.yaml: mw entry 1 (valid_from 2020-01): value: a wage must be positive, got -1" in str(err)


# --- consistency of a rate entry ------------------------------------------------------------


def test_exempt_entry_must_not_carry_a_rate(tmp_path: Path) -> None:
    err = error_for(
        tmp_path,
        **edit("rates", "    base: amw_two_years_earlier\n", "    base: amw_two_years_earlier\n    exempt: true\n"),
    )
    assert "an exempt entry must not carry a rate (got 0.016)" in str(err)


def test_rate_is_required_unless_exempt(tmp_path: Path) -> None:
    err = error_for(tmp_path, **edit("rates", '    rate: "0.016"\n', ""))
    assert "rate is required (or set exempt: true)" in str(err)


def test_mw_multiple_needs_a_multiplier(tmp_path: Path) -> None:
    err = error_for(tmp_path, **edit("rates", "base: amw_two_years_earlier", "base: mw_multiple"))
    assert "base mw_multiple needs a multiplier (e.g. 1.4)" in str(err)


def test_unknown_base(tmp_path: Path) -> None:
    err = error_for(tmp_path, **edit("rates", "base: amw_two_years_earlier", "base: salary"))
    assert "base: Input should be 'income', 'mw_multiple' or 'amw_two_years_earlier'" in str(err)


def test_cap_only_on_income(tmp_path: Path) -> None:
    err = error_for(
        tmp_path,
        **edit("rates", "    base: amw_two_years_earlier\n", '    base: amw_two_years_earlier\n    cap: "10"\n'),
    )
    assert "cap applies only to base income" in str(err)


def test_state_rate_needs_the_amw_two_years_earlier(tmp_path: Path) -> None:
    wages = MINIMAL["wages.yaml"].split("  - valid_from: 2019-01")[0]
    err = error_for(tmp_path, wages=wages)
    assert (
        f"{tmp_path / 'rb' / 'rates.yaml'}: rates.state.2020-01-01: needs the AMW of 2019 (two years before 2021), "
        f"which {tmp_path / 'rb' / 'wages.yaml'} does not have"
    ) in str(err)


def test_grace_extension_fields_go_together(tmp_path: Path) -> None:
    err = error_for(tmp_path, **edit("status", "grace_months: 3", "grace_months: 3\n    grace_months_extended: 6"))
    assert "grace_months_extended and extended_requires_covered_months go together" in str(err)


def test_campaign_dates(tmp_path: Path) -> None:
    err = error_for(tmp_path, **edit("attachment", 'end: "11-15"', 'end: "09-01"'))
    assert "campaign start 09-15 must be before its end 09-01" in str(err)
    err = error_for(tmp_path, **edit("attachment", 'start: "09-15"', 'start: "09-31"'))
    assert "bad day of year '09-31': no such day" in str(err)


def test_insurance_starts_is_a_single_open_entry(tmp_path: Path) -> None:
    status = MINIMAL["status.yaml"] + "  - valid_from: 2021-01-01\n    source: x\n"
    err = error_for(tmp_path, status=status)
    assert "status.insurance_starts: needs exactly one entry, found 2" in str(err)


# --- many problems at once ------------------------------------------------------------------


def test_every_problem_is_reported(tmp_path: Path) -> None:
    err = error_for(
        tmp_path,
        categories=MINIMAL["categories.yaml"].replace("child:", "kid:"),
        **edit("rates", '    cap: "10"\n', '    cpa: "10"\n'),
    )
    assert len(err.problems) == 2
    assert str(err).startswith(f"2 problems in rulebook {tmp_path / 'rb'}:\n- ")
    assert any("unknown key 'kid'" in p for p in err.problems)
    assert any("unknown key 'cpa'" in p for p in err.problems)


def test_deadline_day_and_months_after_are_checked(tmp_path: Path) -> None:
    text = MINIMAL["deadlines.yaml"].replace("day: 15", "day: 31")
    text = text.replace("months_after: 1\n    day: 25", "months_after: -1\n    day: 25", 1)
    with pytest.raises(RulebookError) as caught:
        load_rulebook_from_path(write(tmp_path, **{"deadlines": text}))
    problems = " ".join(caught.value.problems)
    assert "day must be 1..28" in problems and "months_after must not be negative" in problems


def test_a_required_deadline_is_missing(tmp_path: Path) -> None:
    text = MINIMAL["deadlines.yaml"].split("self-payer:")[0]
    with pytest.raises(RulebookError, match="required key 'self-payer' is missing"):
        load_rulebook_from_path(write(tmp_path, **{"deadlines": text}))


def test_a_disease_title_in_kk_or_ru_holds_no_english(tmp_path: Path) -> None:
    # the names are printed for the patient inside kk and ru sentences
    err = error_for(tmp_path, **edit("benefits", "ru: туберкулез,", "ru: tuberculosis,"))
    assert "Latin-letter words" in str(err) and "tuberculosis" in str(err)
    err = error_for(tmp_path, **edit("benefits", "kk: туберкулез, ", ""))
    assert "kk" in str(err)
