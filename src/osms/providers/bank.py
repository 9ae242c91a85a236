"""A provider's bank account (docs/providers.md, "Register"): the Kazakh IBAN and the bank's BIC
(pure: no I/O).

A Kazakh IBAN is 20 characters (ISO 13616; the IBAN registry's entry for KZ, BBAN ``3!n13!c``):
``KZ``, 2 check digits, a 3-digit bank code and a 13-character account (digits and capital
letters). It is valid when the number made of it is ≡ 1 (mod 97) (ISO 7064 MOD 97-10): move the
first four characters to the end, write each letter as two digits (A = 10, ..., Z = 35) and take the
remainder by 97. Printed IBANs come in groups of four and in lower case; ``check_iban`` takes them
and gives the compact capital form the register stores.

Worked by hand, the registry's example ``KZ86125KZT5004100100``:

- rearranged: ``125KZT5004100100`` + ``KZ86``; K = 20, Z = 35, T = 29, so the number is
  ``125 2035 29 5004100100 2035 86`` = 1252035295004100100203586;
- by pieces of at most 9 digits (each carries the last remainder in front): 125203529 mod 97 = 3
  (97 × 1290758 = 125203526); 035004100 mod 97 = 1 (97 × 360867 = 35004099);
  011002035 mod 97 = 4 (97 × 113423 = 11002031); 0486 mod 97 = 1 (97 × 5 = 485): valid;
- the check digits themselves: the same number with ``00`` in their place,
  1252035295004100100203500, is 12 (mod 97), and 98 − 12 = 86.

Mod 97 finds every single changed digit and every single changed letter (a change of ``d``·10^k or
of a two-digit letter value by less than 97, and 10^k is prime to 97), but not every digit turned
into a letter: ``KZ86125KZTQ004100100`` (5 → Q = 26) passes too. The form (3 digits of bank code)
and the check together are what the register can verify; the bank's own account check is the bank's.

The BIC (SWIFT code, ISO 9362): 4 letters of bank, 2 of country, 2 letters or digits of place and
an optional 3 of branch (``HSBKKZKX``); no check digit.
"""

from __future__ import annotations

import re
from typing import Final

from osms.core.rows import Rejection

IBAN_LENGTH: Final = 20
_IBAN = re.compile(r"KZ[0-9]{2}[0-9]{3}[0-9A-Z]{13}", re.ASCII).fullmatch
_BIC = re.compile(r"[A-Z]{4}[A-Z]{2}[A-Z0-9]{2}([A-Z0-9]{3})?", re.ASCII).fullmatch


def _number(text: str) -> int:
    """The IBAN's characters as one number: digits as they are, letters as 10..35."""
    return int("".join(str(int(c, 36)) for c in text))


def mod97(iban: str) -> int:
    """The remainder by 97 of the rearranged IBAN (1 for a valid one)."""
    return _number(iban[4:] + iban[:4]) % 97


def check_digits(bban: str, country: str = "KZ") -> str:
    """The two check digits that make ``country`` ?? ``bban`` valid: 98 − (the number with 00) mod 97."""
    return f"{98 - _number(bban + country + '00') % 97:02d}"


def make_iban(bank_code: str, account: str) -> str:
    """The Kazakh IBAN of a 3-digit bank code and a 13-character account (its check digits computed)."""
    bban = bank_code + account
    return f"KZ{check_digits(bban)}{bban}"


def normalise(text: str) -> str:
    return "".join(text.split()).upper()


def check_iban(text: str) -> str | Rejection:
    """A Kazakh IBAN, spaces and case forgiven, in its compact form; or ``bad_iban`` saying why."""
    iban = normalise(text)
    shown = text.strip()[:40]
    if len(iban) != IBAN_LENGTH or not iban.startswith("KZ"):
        return Rejection("bad_iban", f"IBAN {shown!r}: a Kazakh IBAN is KZ and 18 more characters (20 in all)")
    if not _IBAN(iban):
        return Rejection(
            "bad_iban", f"IBAN {shown!r}: KZ, 2 check digits, a 3-digit bank code and 13 letters or digits"
        )
    if not 2 <= int(iban[2:4]) <= 98 or mod97(iban) != 1:
        return Rejection("bad_iban", f"IBAN {shown!r}: the check digits do not match (ISO 13616 mod 97)")
    return iban


def check_bic(text: str) -> str | Rejection:
    """A BIC (8 or 11 characters), case forgiven; or ``bad_bic``."""
    bic = text.strip().upper()
    if not _BIC(bic):
        return Rejection(
            "bad_bic", f"BIC {text.strip()[:40]!r}: 4 letters of bank, 2 of country, 2 of place, optionally 3 of branch"
        )
    return bic
