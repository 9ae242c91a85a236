"""IIN/BIN checks (docs/domain.md): every failed check has its own code; property tests."""

from __future__ import annotations

import json
from datetime import date

from hypothesis import assume, given
from hypothesis import strategies as st
from typer.testing import CliRunner

from osms.cli import app
from osms.core.identity import check_bin, check_digit, check_iin, make_bin, make_iin

runner = CliRunner()


def test_check_digit_first_weights() -> None:
    # 86010130001: 8*1+6*2+0*3+1*4+0*5+1*6+3*7+0*8+0*9+0*10+1*11 = 62; 62 mod 11 = 7
    assert check_digit("86010130001") == 7
    assert check_iin("860101300017").valid


def test_check_digit_second_weights() -> None:
    # 00000000001: first pass 1*11 = 11 -> 0 (not 10). Find a case that needs the second pass:
    # 00000000010: 1*10 = 10 -> second weights: 1*1 = 1 -> check digit 1.
    assert check_digit("00000000010") == 1
    # 10000000010: first 1*1 + 1*10 = 11 -> 0. 00000000005... a both-10 case:
    # digit 10 at w1=10 gives 10; w2 at that position is 1 -> 10 needs value 10: d=... use search:
    never = [f"{n:011d}" for n in range(0, 2000) if check_digit(f"{n:011d}") is None]
    assert never, "some 11-digit prefixes can never be issued"
    first11 = never[0]
    s1 = sum(int(d) * w for d, w in zip(first11, range(1, 12), strict=True)) % 11
    s2 = sum(int(d) * w for d, w in zip(first11, (3, 4, 5, 6, 7, 8, 9, 10, 11, 1, 2), strict=True)) % 11
    assert (s1, s2) == (10, 10)
    result = check_iin(first11 + "0")
    assert [e.code for e in result.errors if e.code == "check_digit"] == ["check_digit"]


def test_published_bins_are_valid() -> None:
    # docs/domain.md: published examples.
    for number in ("940140000385", "990140004654"):
        result = check_bin(number)
        assert result.valid, result.errors
        assert result.entity_type == "resident legal entity"
        assert result.unit == "head office"
    assert check_bin("940140000385").registered == "1994-01"


def test_each_failed_check_has_its_own_code() -> None:
    assert [e.code for e in check_iin("86010130001").errors] == ["length"]
    assert [e.code for e in check_iin("8601013000a7").errors] == ["non_digit"]
    # 31 February 1986, serial 0001; check digit made right so only the date fails.
    bad_date = "860231" + "3" + "0001"
    bad_date += str(check_digit(bad_date))
    assert [e.code for e in check_iin(bad_date).errors] == ["date"]
    bad_century = "860101" + "7" + "0001"
    bad_century += str(check_digit(bad_century))
    assert [e.code for e in check_iin(bad_century).errors] == ["century"]
    assert [e.code for e in check_iin("860101300012").errors] == ["check_digit"]


def test_century_zero_foreigner_number_is_accepted_without_birth_date() -> None:
    first11 = "860101" + "0" + "1234"
    c = check_digit(first11)
    assume_valid = c is not None
    assert assume_valid
    result = check_iin(first11 + str(c))
    assert result.valid
    assert result.birth_date is None and result.sex is None


def test_iin_decodes_birth_date_and_sex() -> None:
    result = check_iin("860101300017")
    assert result.birth_date == date(1986, 1, 1)
    assert result.sex == "M"
    iin = make_iin(date(2005, 2, 28), "F", 42)
    assert iin is not None and iin[6] == "6"
    assert check_iin(iin).birth_date == date(2005, 2, 28)


@given(
    birth=st.dates(min_value=date(1800, 1, 1), max_value=date(2099, 12, 31)),
    sex=st.sampled_from(["M", "F"]),
    serial=st.integers(0, 9999),
)
def test_made_iins_round_trip(birth: date, sex: str, serial: int) -> None:
    iin = make_iin(birth, sex, serial)  # type: ignore[arg-type]
    assume(iin is not None)
    assert iin is not None
    result = check_iin(iin)
    assert result.valid
    assert result.birth_date == birth
    assert result.sex == sex


def _first_pass(first11: str) -> int:
    return sum(int(d) * w for d, w in zip(first11, range(1, 12), strict=True)) % 11


@given(
    birth=st.dates(min_value=date(1900, 1, 1), max_value=date(2099, 12, 31)),
    serial=st.integers(0, 9999),
    position=st.integers(0, 9),
    delta=st.integers(1, 9),
)
def test_single_digit_change_is_caught(birth: date, serial: int, position: int, delta: int) -> None:
    # Weights 1..10 are non-zero mod 11, so changing one of digits 1-10 by delta changes the
    # first-pass sum by delta*w != 0 (mod 11): the check digit no longer fits, as long as both
    # numbers stay on the first weight set (a first-pass sum of 10 switches to the second set).
    iin = make_iin(birth, "M", serial)
    assume(iin is not None)
    assert iin is not None
    changed = iin[:position] + str((int(iin[position]) + delta) % 10) + iin[position + 1 :]
    assume(_first_pass(iin[:11]) != 10 and _first_pass(changed[:11]) != 10)
    assert "check_digit" in [e.code for e in check_iin(changed).errors]


@given(birth=st.dates(min_value=date(1900, 1, 1), max_value=date(2099, 12, 31)), serial=st.integers(0, 9999))
def test_changed_check_digit_is_caught(birth: date, serial: int) -> None:
    iin = make_iin(birth, "F", serial)
    assume(iin is not None)
    assert iin is not None
    for digit in "0123456789":
        if digit != iin[11]:
            assert [e.code for e in check_iin(iin[:11] + digit).errors] == ["check_digit"]


@given(st.text(max_size=20))
def test_check_never_crashes_and_always_explains(text: str) -> None:
    result = check_iin(text)
    assert result.valid == (not result.errors)
    for error in result.errors:
        assert error.code in {"length", "non_digit", "date", "century", "check_digit"}
        assert error.message
    assert check_bin(text).valid == (not check_bin(text).errors)


@given(
    registered=st.dates(min_value=date(1990, 1, 1), max_value=date(2089, 12, 31)),
    entity=st.sampled_from([4, 5, 6]),
    unit=st.sampled_from([0, 1, 2, 3]),
    serial=st.integers(0, 99999),
)
def test_made_bins_are_valid(registered: date, entity: int, unit: int, serial: int) -> None:
    number = make_bin(registered, entity, unit, serial)
    assume(number is not None)
    assert number is not None
    assert check_bin(number).valid


def test_cli_json_lines_and_exit_code_zero_for_invalid_numbers() -> None:
    result = runner.invoke(app, ["iin", "check", "860101300017", "860101300012", "--json"])
    assert result.exit_code == 0
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert lines[0] == {
        "iin": "860101300017",
        "valid": True,
        "kind": "iin",
        "birth_date": "1986-01-01",
        "sex": "M",
        "errors": [],
    }
    assert lines[1]["valid"] is False
    assert lines[1]["errors"][0]["code"] == "check_digit"
    assert "require 7" in lines[1]["errors"][0]["message"]


def test_cli_reads_standard_input() -> None:
    result = runner.invoke(app, ["iin", "check", "-", "--json"], input="860101300017\n\n12345\n")
    assert result.exit_code == 0
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [x["valid"] for x in lines] == [True, False]
    assert lines[1]["errors"][0]["code"] == "length"


def test_cli_usage_error_exits_2() -> None:
    assert runner.invoke(app, ["iin", "check"]).exit_code == 2
    assert runner.invoke(app, ["bin", "check", "--nonsense", "1"]).exit_code == 2


def test_bin_cli() -> None:
    result = runner.invoke(app, ["bin", "check", "990140004654", "990140004655", "--json"])
    assert result.exit_code == 0
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert lines[0]["valid"] is True and lines[0]["kind"] == "bin"
    assert lines[1]["errors"][0]["code"] == "check_digit"
