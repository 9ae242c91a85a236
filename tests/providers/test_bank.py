"""The provider's bank account checks (``osms.providers.bank``; docs/providers.md, "Register"): a
Kazakh IBAN is KZ, 2 check digits, a 3-digit bank code and 13 letters or digits, 20 in all, valid
when ≡ 1 (mod 97) (ISO 13616 / ISO 7064 MOD 97-10).

Hand-checked examples (rearrange: the first four characters to the end; letters A = 10 ... Z = 35):

- ``KZ86125KZT5004100100`` (the IBAN registry's example for Kazakhstan): ``125KZT5004100100KZ86``
  → 1252035295004100100203586 (K = 20, Z = 35, T = 29); by pieces: 125203529 mod 97 = 3
  (97 × 1290758 = 125203526), 035004100 mod 97 = 1 (97 × 360867 = 35004099), 011002035 mod 97 = 4
  (97 × 113423 = 11002031), 0486 mod 97 = 1 (97 × 5 = 485): valid. With 00 for the check digits
  the number is 12 (mod 97): 98 − 12 = 86.
- ``KZ057220000000001234`` (bank 722, account 0000000001234): with 00, 7220000000001234203500 is
  93 (mod 97), 98 − 93 = 05; check: 722000000 mod 97 = 94 (97 × 7443298 = 721999906), 940001234
  mod 97 = 36 (97 × 9690734 = 940001198), 36203505 mod 97 = 1 (97 × 373232 = 36203504): valid.
"""

from __future__ import annotations

import string

from hypothesis import given
from hypothesis import strategies as st

from osms.core.rows import Rejection
from osms.providers import checks
from osms.providers.bank import check_bic, check_digits, check_iban, make_iban, mod97
from tests.providers.test_properties import NEAR

REGISTRY_EXAMPLE = "KZ86125KZT5004100100"
HAND = "KZ057220000000001234"
LETTERS = string.ascii_uppercase
DIGITS = string.digits


def _code(result: str | Rejection) -> str:
    return result.code if isinstance(result, Rejection) else "ok"


def test_hand_checked_ibans() -> None:
    assert check_digits("125KZT5004100100") == "86"
    assert make_iban("125", "KZT5004100100") == REGISTRY_EXAMPLE
    assert mod97(REGISTRY_EXAMPLE) == 1
    assert check_digits("7220000000001234") == "05" and make_iban("722", "0000000001234") == HAND
    assert check_iban(REGISTRY_EXAMPLE) == REGISTRY_EXAMPLE and check_iban(HAND) == HAND


def test_printed_forms_are_taken_in_the_compact_form() -> None:
    assert check_iban("kz86 125K ZT50 0410 0100") == REGISTRY_EXAMPLE
    assert check_iban("  KZ05 7220 0000 0000 1234 ") == HAND


def test_bad_ibans_are_refused_with_bad_iban_and_why() -> None:
    wrong_digits = check_iban("KZ87125KZT5004100100")  # 87: the number is 2 (mod 97), not 1
    assert isinstance(wrong_digits, Rejection) and wrong_digits.code == "bad_iban"
    assert "check digits" in wrong_digits.message
    short = check_iban("KZ86125KZT500410010")  # 19 characters
    assert isinstance(short, Rejection) and "20 in all" in short.message
    foreign = check_iban("DE89370400440532013000")  # a valid German IBAN is not a Kazakh one
    assert _code(foreign) == "bad_iban"
    letter_bank = check_iban("KZ86A25KZT5004100100")  # the bank code is 3 digits
    assert isinstance(letter_bank, Rejection) and "3-digit bank code" in letter_bank.message
    assert _code(check_iban("KZ86125KZT50041001-0")) == "bad_iban"


def test_mod_97_does_not_see_every_digit_turned_into_a_letter() -> None:
    # 5 → Q (26) in the account: 5 becomes the two digits 26 and the number is still 1 (mod 97).
    # The register cannot tell; the bank's own account check does (docs/providers.md).
    assert mod97("KZ86125KZTQ004100100") == 1 and check_iban("KZ86125KZTQ004100100") == "KZ86125KZTQ004100100"


def test_bics() -> None:
    assert check_bic("hsbkkzkx") == "HSBKKZKX" and check_bic("CASPKZKAXXX") == "CASPKZKAXXX"
    assert _code(check_bic("HSBKKZK")) == "bad_bic" and _code(check_bic("HSB1KZKX")) == "bad_bic"


ACCOUNTS = st.text(alphabet=DIGITS + LETTERS, min_size=13, max_size=13)
BANKS = st.text(alphabet=DIGITS, min_size=3, max_size=3)


@given(bank=BANKS, account=ACCOUNTS)
def test_generated_ibans_are_accepted(bank: str, account: str) -> None:
    iban = make_iban(bank, account)
    assert len(iban) == 20 and mod97(iban) == 1 and 2 <= int(iban[2:4]) <= 98
    assert check_iban(iban) == iban


@given(bank=BANKS, account=ACCOUNTS, data=st.data())
def test_any_single_character_changed_within_its_kind_is_refused(bank: str, account: str, data: st.DataObject) -> None:
    # A digit for another digit changes the number by d·10^k, a letter for another letter a
    # two-digit group by less than 97; 97 is prime and divides neither: the check fails.
    iban = make_iban(bank, account)
    at = data.draw(st.integers(0, 19))
    kind = LETTERS if iban[at] in LETTERS else DIGITS
    new = data.draw(st.sampled_from([c for c in kind if c != iban[at]]))
    changed = iban[:at] + new + iban[at + 1 :]
    assert _code(check_iban(changed)) == "bad_iban"


@given(bank=BANKS, account=ACCOUNTS, data=st.data())
def test_any_single_character_changed_is_refused_or_still_mod_97(bank: str, account: str, data: st.DataObject) -> None:
    # Across kinds (or into any other character) the form refuses it, or mod 97 does, except a
    # digit turned into a letter that happens to keep the remainder 1 (as 5 → Q above).
    iban = make_iban(bank, account)
    at = data.draw(st.integers(0, 19))
    new = data.draw(st.characters(codec="utf-8").filter(lambda c: c.upper() != iban[at] and not c.isspace()))
    changed = iban[:at] + new + iban[at + 1 :]
    result = check_iban(changed)
    if not isinstance(result, Rejection):
        assert at >= 7 and iban[at] in DIGITS and new.upper() in LETTERS and mod97(result) == 1


NEAR_BANK = {
    "iban": [REGISTRY_EXAMPLE, HAND, "kz05 7220 0000 0000 1234", "KZ87125KZT5004100100", "KZ86125", "x" * 40, ""],
    "bank_bic": ["HSBKKZKX", "caspkzkaxxx", "HSBK", ""],
}


@given(data=st.data())
def test_a_providers_row_with_an_account_loads_or_is_refused_with_a_known_code(data: st.DataObject) -> None:
    near = {**NEAR, **NEAR_BANK}
    row = data.draw(
        st.fixed_dictionaries(
            {c: st.one_of(st.sampled_from(near[c]), st.text(max_size=40)) for c in checks.PROVIDER_FILE_COLUMNS}
        )
    )
    result = checks.check_provider_file(row)
    if isinstance(result, Rejection):
        assert result.code in checks.REASONS and result.message
        return
    values = dict(zip(checks.PROVIDER_FILE_COLUMNS, result, strict=True))
    assert values["iban"] is None or (len(values["iban"]) == 20 and mod97(values["iban"]) == 1)
    assert values["bank_bic"] is None or len(values["bank_bic"]) in (8, 11)
    assert (values["iban"] is None) == (not row["iban"].strip())
