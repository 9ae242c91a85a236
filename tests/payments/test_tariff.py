"""The tariff calculator (docs/payments.md, "The tariff calculator"): every rule of both rulebooks
computed by hand, with the arithmetic and the source in a comment; the refusals; properties.

kz-law: base rate 174,722.63 from 01.01.2025 (TAR, order № 943 of 26.12.2024), 175,622.79 in 2026
(unverified); the shares of the payment rules ҚР ДСМ-291/2020 (PAY). seeds-2016: the 2016 plan's
shares (seed 004, seed 001 Q81), priced on a fixture rulebook that extends it with round figures.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from osms.payments.rulebook import PaymentsTopic, format_share, is_synthetic, parse_share
from osms.payments.tariff import TariffAnswer, TariffError, price, round_half_up
from osms.rulebooks.entries import RulebookError
from osms.rulebooks.loader import load_rulebook, load_rulebook_from_path
from osms.rulebooks.readers import write_csv

KZ = load_rulebook("kz-law")
D25 = date(2025, 3, 1)
D26 = date(2026, 3, 2)


def kz(form: str, on: date = D26, **kw: Any) -> TariffAnswer:
    return price(KZ, form, on, **kw)


def refused(book: Any, form: str, on: date, **kw: Any) -> str:
    with pytest.raises(TariffError) as caught:
        price(book, form, on, **kw)
    assert set(caught.value.sentences()) == {"kk", "ru", "en"}
    return caught.value.code


# --- kz-law: cases ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("group", "expected"),
    [
        # TAR annex 3 (neonatal groups, edition 01.01.2025), PAY п.70: round(174,722.63 × weight, 2)
        ("P001", "3853961.88"),  # 174,722.63 × 22.0576 = 3,853,961.883488
        ("P002", "3674783.83"),  # 174,722.63 × 21.0321 = 3,674,783.826423
        ("P003", "1342551.22"),  # 174,722.63 × 7.6839 = 1,342,551.216657
        ("P004", "3141705.08"),  # 174,722.63 × 17.9811 = 3,141,705.082293
        ("P005", "1534152.05"),  # 174,722.63 × 8.7805 = 1,534,152.052715
        ("P006", "2230124.70"),  # 174,722.63 × 12.7638 = 2,230,124.704794
    ],
)
def test_published_neonatal_groups_2025(group: str, expected: str) -> None:
    answer = kz("inpatient", D25, case_group=group)
    data = answer.as_dict()
    assert (data["price"], data["base"], data["share"]) == (expected, "174722.63", "1")
    assert data["rules"] == [
        f"case_groups.{group}.2021-01-01",
        "tariffs.base_rate.2025-01-01",
        f"weights.{group}.2025-01-01",
    ]
    assert data["verified"] is True and data["synthetic"] is False and data["provisional"] is False
    assert set(data["explanation"]) == {"kk", "ru", "en"}


def test_2026_base_rate_is_unverified() -> None:
    # 175,622.79 (2026, unverified) × 22.0576 = 3,873,817.252704 -> 3,873,817.25
    data = kz("inpatient", case_group="P001").as_dict()
    assert data["price"] == "3873817.25" and data["base"] == "175622.79"
    assert data["verified"] is False


def test_day_hospital_uses_its_own_published_weight() -> None:
    # TAR 2026 (unverified): A40.0 day weight 1.5646; 175,622.79 × 1.5646 = 274,779.417234 -> 274,779.42
    data = kz("day_hospital", case_group="A40.0").as_dict()
    assert (data["price"], data["weight"], data["share"]) == ("274779.42", "1.5646", "1")
    # A41.0 day weight 1.0305: 175,622.79 × 1.0305 = 180,979.285095 -> 180,979.29
    assert kz("day_hospital", case_group="A41.0").as_dict()["price"] == "180979.29"


def test_day_hospital_listed_procedure_is_75_percent_of_the_inpatient_tariff() -> None:
    # PAY п.71: 75% for 13.73 ...; 175,622.79 × 3.9114 × 0.75 = 515,198.2356045 -> 515,198.24
    data = kz("day_hospital", case_group="A40.0", procedures=["99.99", "13.73"]).as_dict()
    assert (data["price"], data["weight"], data["share"]) == ("515198.24", "3.9114", "0.75")
    assert "tariffs.day_hospital_procedures.2024-04-05" in data["rules"]
    # an unlisted procedure changes nothing: the day weight
    assert kz("day_hospital", case_group="A40.0", procedures=["99.99"]).as_dict()["price"] == "274779.42"


def test_day_hospital_without_a_day_weight_is_40_percent(tmp_path: Path) -> None:
    # PAY п.71: 40% of the inpatient group's tariff. A fixture extending kz-law drops SYN.ON01's
    # day weight: 175,622.79 × 1.2 × 0.40 = 84,298.9392 -> 84,298.94
    book = _extending(tmp_path, "kz-law", "2026-12-31", {"weights.csv": _weights([("SYN.ON01", "1.2000", "")])})
    data = price(book, "day_hospital", D26, case_group="SYN.ON01").as_dict()
    assert (data["price"], data["weight"], data["share"]) == ("84298.94", "1.2000", "0.4")
    assert data["synthetic"] is True


def test_synthetic_day_weight() -> None:
    # synthetic SYN.PU01 day weight 0.34: 175,622.79 × 0.34 = 59,711.7486 -> 59,711.75
    data = kz("day_hospital", case_group="SYN.PU01").as_dict()
    assert data["price"] == "59711.75" and data["synthetic"] is True and data["verified"] is False


def test_hospital_at_home_is_a_sixth_rounded_half_up() -> None:
    # PAY п.73: 1/6; 175,622.79 × 0.85 / 6 = 24,879.89525 -> 24,879.90 (half-up at the last step only)
    data = kz("home_hospital", case_group="SYN.PU01").as_dict()
    assert (data["price"], data["share"]) == ("24879.90", "1/6")


def test_unavoidable_death_within_3_days_is_half() -> None:
    # PAY п.81: 50% when the stay is at most 3 days; 175,622.79 × 3.1 = 544,430.649;
    # / 2 = 272,215.3245 -> 272,215.32
    assert kz("inpatient", case_group="SYN.CA01", outcome="died", bed_days=3).as_dict()["price"] == "272215.32"
    # 4 days: the whole case, 544,430.65
    assert kz("inpatient", case_group="SYN.CA01", outcome="died", bed_days=4).as_dict()["price"] == "544430.65"


def test_short_stay_by_transfer_is_paid_by_bed_days() -> None:
    # PAY п.81: by the actual bed-days; the divisor 10 is ours (unverified):
    # 544,430.649 × 2/10 = 108,886.1298 -> 108,886.13
    data = kz("inpatient", case_group="SYN.CA01", outcome="transferred", bed_days=2).as_dict()
    assert (data["price"], data["share"]) == ("108886.13", "0.2")
    # self-discharge on the day of admission counts one bed-day: 544,430.649 / 10 = 54,443.0649 -> 54,443.06
    assert kz("inpatient", case_group="SYN.CA01", outcome="self_discharge", bed_days=0).as_dict()["price"] == "54443.06"
    # a discharge is a whole case whatever its length
    assert kz("inpatient", case_group="SYN.CA01", outcome="discharged", bed_days=1).as_dict()["price"] == "544430.65"


def test_admission_department_uses_its_own_weight() -> None:
    # PAY п.92 (the admission department's own tariffs; synthetic weight 0.2):
    # 175,622.79 × 0.2 = 35,124.558 -> 35,124.56
    assert kz("admission", case_group="SYN.AD01").as_dict()["price"] == "35124.56"


# --- kz-law: services -------------------------------------------------------------------------


def test_price_list_services() -> None:
    # TAR annex 7 (2026, unverified): A01.003.000 2,889.51; remote ½ (PAY п.68): 1,444.755 -> 1,444.76
    assert kz("outpatient", service_code="A01.003.000").as_dict()["price"] == "2889.51"
    data = kz("outpatient", service_code="A01.003.000", remote=True).as_dict()
    assert (data["price"], data["base"], data["weight"], data["share"]) == ("1444.76", "2889.51", "1", "0.5")
    # at home × 2 (PAY п.67): 2,487.71 × 2 = 4,975.42
    assert kz("outpatient", service_code="A01.001.000", at_home=True).as_dict()["price"] == "4975.42"
    # a child's preventive examination: 50% (PAY п.66): 2,487.71 / 2 = 1,243.855 -> 1,243.86
    assert kz("outpatient", service_code="A01.002.000", preventive_child=True).as_dict()["price"] == "1243.86"
    # psychologist 1,291.27
    assert kz("outpatient", service_code="A01.005.000").as_dict()["price"] == "1291.27"


def test_synthetic_services_and_their_own_factors() -> None:
    # synthetic cardiologist 3,450.00: at home and in a child's examination: × 2 × 0.5 = 3,450.00
    data = kz("outpatient", D25, service_code="SYN.CONS.CARDIO", at_home=True, preventive_child=True).as_dict()
    assert (data["price"], data["share"], data["synthetic"]) == ("3450.00", "1", True)
    # the MRI's own home factor 1 replaces the general × 2: 28,500.00
    data = kz("outpatient", D25, service_code="SYN.DIAG.MRI", at_home=True).as_dict()
    assert data["price"] == "28500.00" and "tariffs.home_visit_factor.2024-04-05" not in data["rules"]


def test_after_the_horizon_the_answer_is_provisional() -> None:
    data = kz("inpatient", date(2027, 3, 1), case_group="P001").as_dict()
    assert data["price"] == "3873817.25" and data["provisional"] is True
    assert "tariffs.base_rate.2026-01-01" in data["carried_forward"]


# --- refusals ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("form", "on", "kw", "code"),
    [
        ("phc", D26, {"service_code": "A01.001.000"}, "paid_per_capita"),  # PAY п.47
        ("ambulance", D26, {"service_code": "SYN.AMB.CALL"}, "paid_per_capita"),  # PAY п.38-39
        ("outpatient", D26, {"service_code": "NOPE"}, "unknown_service_code"),
        ("inpatient", D26, {"case_group": "NOPE"}, "unknown_case_group"),
        ("inpatient", date(2024, 6, 1), {"case_group": "P001"}, "no_base_rate"),
        ("day_hospital", D25, {"case_group": "A40.0"}, "no_weight"),
        ("outpatient", D25, {"service_code": "A01.001.000"}, "no_price"),
        ("day_hospital", D26, {"case_group": "SYN.OB01"}, "form_not_allowed"),
        ("home_hospital", D26, {"case_group": "A40.0"}, "form_not_allowed"),
        ("admission", D26, {"case_group": "SYN.AD01", "at_home": True}, "service_flags"),
        ("outpatient", D26, {"case_group": "P001"}, "service_form"),
        ("inpatient", D26, {"service_code": "A01.001.000"}, "case_group_form"),
        ("inpatient", D26, {}, "code_required"),
        ("inpatient", D26, {"case_group": "P001", "service_code": "A01.001.000"}, "one_code"),
        ("outpatient", D26, {"service_code": "A01.001.000", "at_home": True, "remote": True}, "home_and_remote"),
        ("outpatient", D26, {"service_code": "A01.001.000", "bed_days": 2}, "case_fields"),
        ("inpatient", D26, {"case_group": "SYN.CA01", "outcome": "died"}, "bed_days_required"),
        ("inpatient", D26, {"case_group": "SYN.CA01", "bed_days": -1}, "bad_bed_days"),
        ("inpatient", D26, {"case_group": "SYN.CA01", "outcome": "gone"}, "unknown_outcome"),
        ("day_hospital", D26, {"case_group": "A40.0", "procedures": ["13,73"]}, "bad_procedure"),
        ("surgery", D26, {"case_group": "P001"}, "unknown_care_form"),
        ("inpatient", date(2010, 1, 1), {"case_group": "P001"}, "date_outside_rulebook"),
    ],
)
def test_refusals(form: str, on: date, kw: dict[str, Any], code: str) -> None:
    assert refused(KZ, form, on, **kw) == code


# --- seeds-2016 -------------------------------------------------------------------------------

SEEDS_CATALOGUE = (
    "key,name_kk,name_ru,name_en,forms,valid_from,source\n"
    "SYN.G1,a,b,c,inpatient;day_hospital;home_hospital;admission,2018-01-01,synthetic\n"
)
SEEDS_SERVICES = (
    "key,name_kk,name_ru,name_en,forms,valid_from,source\n"
    "SYN.CALL,a,b,c,ambulance,2018-01-01,synthetic\n"
    "SYN.VISIT,a,b,c,phc,2018-01-01,synthetic\n"
)


def _weights(rows: list[tuple[str, str, str]], valid_from: str = "2025-01-01") -> str:
    return write_csv(
        ["key", "inpatient_weight", "day_weight", "valid_from", "source"],
        [
            {"key": k, "inpatient_weight": w, "day_weight": d, "valid_from": valid_from, "source": "synthetic fixture"}
            for k, w, d in rows
        ],
    )


def _extending(tmp_path: Path, parent: str, until: str, files: dict[str, str]) -> Any:
    folder = tmp_path / f"{parent}-priced"
    folder.mkdir()
    start = "2017-01-01" if parent == "seeds-2016" else "2017-07-01"
    header = f"name: {parent}-priced\nextends: {parent}\ncovers:\n  valid_from: {start}\n  valid_to: {until}\n"
    (folder / "rulebook.yaml").write_text(header, encoding="utf-8")
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    return load_rulebook_from_path(folder)


@pytest.fixture
def seeds(tmp_path: Path) -> Any:
    """seeds-2016 with a base rate of 100,000.00, a group SYN.G1 of weight 1.5 and a call of 5,000.00."""
    base = 'base_rate:\n  - valid_from: 2018-01-01\n    value: "100000.00"\n    source: synthetic fixture\n'
    return _extending(
        tmp_path,
        "seeds-2016",
        "2021-12-31",
        {
            "tariffs.yaml": base,
            "case_groups.csv": SEEDS_CATALOGUE,
            "services.csv": SEEDS_SERVICES,
            "weights.csv": _weights([("SYN.G1", "1.5", "")], "2018-01-01"),
            "prices.csv": "key,price,valid_from,source\nSYN.CALL,5000.00,2018-01-01,synthetic fixture\n",
        },
    )


def test_seeds_shares(seeds: Any) -> None:
    on = date(2019, 5, 6)
    # a treated case: 100% of the group [seed 004]: 100,000.00 × 1.5 = 150,000.00
    assert price(seeds, "inpatient", on, case_group="SYN.G1").as_dict()["price"] == "150000.00"
    # the admission department, at most 24 h: 67% [seed 004]: 150,000.00 × 0.67 = 100,500.00
    data = price(seeds, "admission", on, case_group="SYN.G1").as_dict()
    assert (data["price"], data["share"]) == ("100500.00", "0.67")
    # partial, in hospital: 25%: 37,500.00; in home care: 17%: 25,500.00 [seed 004]
    assert price(seeds, "day_hospital", on, case_group="SYN.G1").as_dict()["price"] == "37500.00"
    assert price(seeds, "home_hospital", on, case_group="SYN.G1").as_dict()["price"] == "25500.00"
    # no short-stay rules in the seeds: a death on day 1 is a whole case, no bed-days needed
    assert price(seeds, "inpatient", on, case_group="SYN.G1", outcome="died").as_dict()["price"] == "150000.00"
    # the ambulance per call [seed 004]: 5,000.00
    assert price(seeds, "ambulance", on, service_code="SYN.CALL").as_dict()["price"] == "5000.00"
    # PHC per capita [seed 004]
    assert refused(seeds, "phc", on, service_code="SYN.VISIT") == "paid_per_capita"
    # no home-visit factor in the seeds
    assert refused(seeds, "ambulance", on, service_code="SYN.CALL", at_home=True) == "rule_not_in_force"


def test_seeds_without_prices_refuses() -> None:
    # the shipped seeds-2016 has no base rate, weights or catalogue
    assert (
        refused(load_rulebook("seeds-2016"), "inpatient", date(2019, 1, 1), case_group="P001") == "unknown_case_group"
    )


def test_seeds_invoice_day() -> None:
    topic = load_rulebook("seeds-2016").topic(PaymentsTopic)
    assert topic.parameter("invoice_day", date(2019, 1, 1)) == 25
    assert topic.method("ambulance", date(2019, 1, 1)) == "per_call"


# --- the topic's check ------------------------------------------------------------------------


def test_a_weight_must_be_a_group_of_the_claims_catalogue(tmp_path: Path) -> None:
    with pytest.raises(RulebookError) as caught:
        _extending(tmp_path, "kz-law", "2026-12-31", {"weights.csv": _weights([("NOPE.1", "1.0", "")])})
    assert any("'NOPE.1' is not a clinical cost group" in p for p in caught.value.problems)


def test_a_price_must_be_a_service_of_the_claims_catalogue(tmp_path: Path) -> None:
    prices = "key,price,valid_from,source\nNOPE.2,10.00,2025-01-01,synthetic fixture\nA01.001.000,1.00,2019-01-01,x\n"
    with pytest.raises(RulebookError) as caught:
        _extending(tmp_path, "kz-law", "2026-12-31", {"prices.csv": prices})
    problems = caught.value.problems
    assert any("'NOPE.2' is not a service code" in p for p in problems)
    # A01.001.000 is in the catalogue from 2021: a price from 2019 starts before it
    assert any("'A01.001.000' is not a service code of the claims catalogue on 2019-01-01" in p for p in problems)


def test_a_sex_age_band_is_checked(tmp_path: Path) -> None:
    rows = "key,sex,age_from,age_to,coefficient,valid_from,source\n"
    rows += "F.0,M,0,0,1.0,2026-01-01,x\nM.3,M,3,4,1.0,2026-01-01,x\n"
    with pytest.raises(RulebookError) as caught:
        _extending(tmp_path, "kz-law", "2026-12-31", {"sex_age.csv": rows})
    problems = caught.value.problems
    assert any("the key of this band is M.0" in p for p in problems)
    assert any("age band 3-4 is not one of" in p for p in problems)


def test_kz_law_figures() -> None:
    topic = KZ.topic(PaymentsTopic)
    assert topic.parameter("payment_due_days", D26) == 10  # PAY п.26
    assert topic.parameter("objection_working_days", D26) == 3  # PAY п.20
    assert topic.parameter("objection_answer_working_days", D26) == 2
    shares = {n: topic.share(n, D26) for n in ("advance_on_signing", "advance_december")}
    assert {n: s.share for n, s in shares.items() if s} == {
        "advance_on_signing": Fraction(3, 10),
        "advance_december": Fraction(7, 10),
    }  # PAY п.8-12
    # PAY п.47-1 from 01.10.2025: 80% and 90%
    assert topic.share("per_capita_no_service_share", date(2025, 9, 30)) is None
    no_service = topic.share("per_capita_no_service_share", date(2025, 10, 1))
    uninsured = topic.share("per_capita_uninsured_share", date(2025, 10, 1))
    assert no_service is not None and no_service.share == Fraction(4, 5)
    assert uninsured is not None and uninsured.share == Fraction(9, 10)
    ambulance = topic.ambulance_per_capita(date(2025, 7, 1))
    assert ambulance is not None and ambulance.value == Decimal("360.27") and not ambulance.verified
    assert topic.ambulance_per_capita(date(2025, 6, 30)) is None
    assert len(topic.sex_age(D26)) == 22
    rate = topic.capitation_rate("KZ-ALA", D26)
    assert rate is not None and rate.rate == Decimal("1700.00") and not rate.verified


def test_unverified_and_synthetic_rows_are_exactly_the_expected_ones() -> None:
    # docs/payments.md, "What is not obtained": the 2026 base rate, the short-stay divisor, the
    # ambulance per-capita rate, the 2026 rows of A40.0, A41.0 and A01.*; every SYN.* row and the
    # per-capita tables are synthetic.
    entries = [e for s in KZ.series_names() if s.split(".")[0] in FILES for e in KZ.series(s)]
    unverified = {e.id for e in entries if not e.verified and not is_synthetic(e)}
    assert unverified == {
        "tariffs.base_rate.2026-01-01",
        "tariffs.short_stay.2024-04-05",
        "tariffs.ambulance_per_capita.2025-07-01",
        "weights.A40.0.2026-01-01",
        "weights.A41.0.2026-01-01",
        "prices.A01.001.000.2026-01-01",
        "prices.A01.002.000.2026-01-01",
        "prices.A01.003.000.2026-01-01",
        "prices.A01.005.000.2026-01-01",
    }
    synthetic = {e.series.split(".")[0] for e in entries if is_synthetic(e)}
    assert synthetic == {"weights", "prices", "capitation", "sex_age", "corrections"}
    assert all(not e.verified for e in entries if is_synthetic(e))
    assert all(is_synthetic(e) for e in entries if ".SYN." in f".{e.series}.")
    for entry in load_rulebook("seeds-2016").series("tariffs.admission_share"):
        assert entry.verified and "seed 004" in entry.source


FILES = ("tariffs", "weights", "prices", "capitation", "sex_age", "corrections")


# --- properties -------------------------------------------------------------------------------


@given(st.fractions(min_value=0, max_value=10**9))
def test_round_half_up_is_two_decimals_and_close(value: Fraction) -> None:
    rounded = round_half_up(value)
    assert rounded >= 0 and rounded == rounded.quantize(Decimal("0.01"))
    assert abs(Fraction(rounded) - value) <= Fraction(1, 200)


@given(st.fractions(min_value=0, max_value=10), st.fractions(min_value=0, max_value=10))
def test_rounding_is_monotone(a: Fraction, b: Fraction) -> None:
    base = Fraction(Decimal("175622.79")) * Fraction(Decimal("3.1"))
    low, high = sorted((a, b))
    assert round_half_up(base * low) <= round_half_up(base * high)


@given(st.text(alphabet="0123456789", min_size=1, max_size=6), st.integers(min_value=1, max_value=999))
def test_shares_read_and_write_exactly(top: str, bottom: int) -> None:
    share = Fraction(int(top), bottom)
    assert parse_share(format_share(share)) == share


SERVICES = ["SYN.CONS.CARDIO", "SYN.DIAG.ECG", "SYN.DIAG.US", "SYN.LAB.BLOOD", "SYN.SCR.COLON", "A01.003.000"]
GROUPS = ["SYN.CA01", "SYN.PU01", "SYN.NE01", "P004", "A41.0"]
DAYS = st.dates(min_value=date(2026, 1, 1), max_value=date(2027, 12, 31))


@settings(max_examples=60, deadline=None)
@given(st.sampled_from(SERVICES), DAYS)
def test_service_price_follows_its_share(code: str, on: date) -> None:
    plain = kz("outpatient", on, service_code=code)
    remote = kz("outpatient", on, service_code=code, remote=True)
    home = kz("outpatient", on, service_code=code, at_home=True)
    for a in (plain, remote, home):
        assert a.price >= 0 and a.price == a.price.quantize(Decimal("0.01"))
        assert a.price == round_half_up(Fraction(a.base) * Fraction(a.weight) * a.share)
    assert remote.price <= plain.price <= home.price


@settings(max_examples=60, deadline=None)
@given(
    st.sampled_from(GROUPS),
    DAYS,
    st.integers(min_value=0, max_value=3),
    st.sampled_from(["transferred", "self_discharge", "died"]),
)
def test_a_short_stay_never_costs_more_than_the_whole_case(code: str, on: date, days: int, outcome: str) -> None:
    whole = kz("inpatient", on, case_group=code)
    short = kz("inpatient", on, case_group=code, outcome=outcome, bed_days=days)
    longer = kz("inpatient", on, case_group=code, outcome=outcome, bed_days=min(days + 1, 3))
    assert 0 <= short.price <= longer.price <= whole.price
    assert short.price == round_half_up(Fraction(short.base) * Fraction(short.weight) * short.share)
