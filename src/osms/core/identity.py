"""IIN (individuals) and BIN (legal entities): 12-digit numbers with a check digit.

docs/domain.md. IIN: ``YYMMDD`` birth date, 7th digit century and sex (1/2: 1800s male/female,
3/4: 1900s, 5/6: 2000s; 0 is found on some foreigners' numbers), 4-digit serial, check digit.
BIN: ``YYMM`` registration, 5th digit type (4 resident, 5 non-resident, 6 IE joint venture),
6th digit (0 head office, 1 branch, 2 representative office, 3 peasant farm), serial, check digit.

Check digit: S = sum(d[i] * w[i]) for i = 1..11 with w = 1..11; c = S mod 11. If c = 10,
recompute with w = 3,4,5,6,7,8,9,10,11,1,2; if again 10 the number is never issued.
Since 2013 the digits need not match the person's real birth date or sex (decree No. 853 of
26.08.2013): the registry is the truth; the IIN's date only rejects impossible dates.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Literal

# 7th IIN digit -> (century start, sex)
CENTURY_SEX: dict[str, tuple[int, Literal["M", "F"]]] = {
    "1": (1800, "M"),
    "2": (1800, "F"),
    "3": (1900, "M"),
    "4": (1900, "F"),
    "5": (2000, "M"),
    "6": (2000, "F"),
}
BIN_TYPES = {"4": "resident legal entity", "5": "non-resident legal entity", "6": "IE joint venture"}
BIN_UNITS = {"0": "head office", "1": "branch", "2": "representative office", "3": "peasant farm"}

Kind = Literal["iin", "bin"]


@dataclass(frozen=True)
class CheckError:
    """One failed check: a stable code and a sentence naming what is wrong."""

    code: str
    message: str


@dataclass(frozen=True)
class IdCheck:
    """The result of checking one IIN or BIN."""

    number: str
    kind: Kind
    errors: tuple[CheckError, ...] = field(default_factory=tuple)
    birth_date: date | None = None
    sex: Literal["M", "F"] | None = None
    registered: str | None = None  # BIN: YYYY-MM of registration
    entity_type: str | None = None  # BIN: 5th digit meaning
    unit: str | None = None  # BIN: 6th digit meaning

    @property
    def valid(self) -> bool:
        return not self.errors

    def as_dict(self) -> dict[str, object]:
        out: dict[str, object] = {
            "iin" if self.kind == "iin" else "bin": self.number,
            "valid": self.valid,
            "kind": self.kind,
        }
        if self.kind == "iin":
            out["birth_date"] = self.birth_date.isoformat() if self.birth_date else None
            out["sex"] = self.sex
        else:
            out["registered"] = self.registered
            out["entity_type"] = self.entity_type
            out["unit"] = self.unit
        out["errors"] = [{"code": e.code, "message": e.message} for e in self.errors]
        return out


def check_digit(first11: str) -> int | None:
    """The 12th digit for 11 leading digits, or ``None`` if the number can never be issued."""
    # Unrolled: this runs once per row of every imported file.
    d0, d1, d2, d3, d4, d5, d6, d7, d8, d9, d10 = (ord(c) - 48 for c in first11)
    c = (d0 + 2 * d1 + 3 * d2 + 4 * d3 + 5 * d4 + 6 * d5 + 7 * d6 + 8 * d7 + 9 * d8 + 10 * d9 + 11 * d10) % 11
    if c == 10:
        c = (3 * d0 + 4 * d1 + 5 * d2 + 6 * d3 + 7 * d4 + 8 * d5 + 9 * d6 + 10 * d7 + 11 * d8 + d9 + 2 * d10) % 11
        if c == 10:
            return None
    return c


def _shape_errors(number: str, label: str) -> list[CheckError]:
    if len(number) != 12:
        errs = [CheckError("length", f"{label} must have 12 digits, this one has {len(number)} characters")]
        if number and not number.isdigit():
            errs.append(CheckError("non_digit", f"{label} must contain only digits 0-9"))
        return errs
    if not (number.isascii() and number.isdigit()):
        bad = sorted({c for c in number if not (c.isascii() and c.isdigit())})
        return [CheckError("non_digit", f"{label} must contain only digits 0-9; found {''.join(bad)!r}")]
    return []


def _checksum_error(number: str, label: str) -> CheckError | None:
    expected = check_digit(number[:11])
    if expected is None:
        return CheckError(
            "check_digit",
            f"{label} check digit cannot be computed (both weight sets give 10): such numbers are never issued",
        )
    if expected != int(number[11]):
        return CheckError(
            "check_digit", f"{label} check digit is {number[11]}, but the first 11 digits require {expected}"
        )
    return None


def check_iin(raw: str) -> IdCheck:
    """Check an IIN; every failed check is reported with its own code."""
    number = raw.strip()
    errors = _shape_errors(number, "IIN")
    if errors:
        return IdCheck(number=number, kind="iin", errors=tuple(errors))
    birth: date | None = None
    sex: Literal["M", "F"] | None = None
    century_digit = number[6]
    yy, mm, dd = int(number[0:2]), int(number[2:4]), int(number[4:6])
    if century_digit in CENTURY_SEX:
        century, sex = CENTURY_SEX[century_digit]
        try:
            birth = date(century + yy, mm, dd)
        except ValueError:
            errors.append(
                CheckError(
                    "date",
                    f"IIN digits 1-6 ({number[:6]}) are not a real date: {century + yy}-{mm:02d}-{dd:02d}",
                )
            )
    elif century_digit == "0":
        # Found on some foreigners' numbers: no century, so only month and day are checked
        # (29 February is allowed since the year is unknown).
        try:
            date(2000, mm, dd)
        except ValueError:
            errors.append(CheckError("date", f"IIN digits 1-6 ({number[:6]}) are not a real date"))
    else:
        errors.append(
            CheckError(
                "century",
                f"IIN digit 7 is {century_digit}; it must be 1-6 (century and sex) or 0 (some foreigners)",
            )
        )
    cs = _checksum_error(number, "IIN")
    if cs:
        errors.append(cs)
    if errors:
        return IdCheck(number=number, kind="iin", errors=tuple(errors))
    return IdCheck(number=number, kind="iin", birth_date=birth, sex=sex)


def check_bin(raw: str) -> IdCheck:
    """Check a BIN: shape, registration month, type digit, unit digit, check digit."""
    number = raw.strip()
    errors = _shape_errors(number, "BIN")
    if errors:
        return IdCheck(number=number, kind="bin", errors=tuple(errors))
    mm = int(number[2:4])
    registered = None
    if not 1 <= mm <= 12:
        errors.append(CheckError("date", f"BIN digits 3-4 ({number[2:4]}) are not a month of registration"))
    else:
        yy = int(number[0:2])
        registered = f"{(1900 if yy >= 90 else 2000) + yy:04d}-{mm:02d}"
    if number[4] not in BIN_TYPES:
        errors.append(CheckError("entity_type", f"BIN digit 5 is {number[4]}; it must be 4, 5 or 6"))
    if number[5] not in BIN_UNITS:
        errors.append(CheckError("unit", f"BIN digit 6 is {number[5]}; it must be 0, 1, 2 or 3"))
    cs = _checksum_error(number, "BIN")
    if cs:
        errors.append(cs)
    if errors:
        return IdCheck(number=number, kind="bin", errors=tuple(errors))
    return IdCheck(
        number=number,
        kind="bin",
        registered=registered,
        entity_type=BIN_TYPES[number[4]],
        unit=BIN_UNITS[number[5]],
    )


def make_iin(birth: date, sex: Literal["M", "F"], serial: int) -> str | None:
    """Build the IIN for a birth date, sex and serial (0..9999), or ``None`` when that serial
    has no valid check digit (the caller takes the next serial)."""
    if not 0 <= serial <= 9999:
        raise ValueError("serial must be 0..9999")
    century = (birth.year // 100) * 100
    digit = {(1800, "M"): 1, (1800, "F"): 2, (1900, "M"): 3, (1900, "F"): 4, (2000, "M"): 5, (2000, "F"): 6}[
        (century, sex)
    ]
    first11 = f"{birth:%y%m%d}{digit}{serial:04d}"
    c = check_digit(first11)
    return None if c is None else first11 + str(c)


def make_bin(registered: date, entity_digit: int, unit_digit: int, serial: int) -> str | None:
    """Build a BIN (``YYMM`` + type + unit + 5-digit serial + check digit) or ``None``."""
    first11 = f"{registered:%y%m}{entity_digit}{unit_digit}{serial:05d}"
    c = check_digit(first11)
    return None if c is None else first11 + str(c)
