"""Properties of register ingestion: the fast row checks agree with the reference checks, nothing a
file holds crashes the checker, and after any sequence of loads (payments, duplicates, conflicts,
reversals right and wrong) the coverage summary equals a from-scratch recomputation."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

from hypothesis import HealthCheck, assume, event, given, settings
from hypothesis import strategies as st
from sqlalchemy.engine import Engine

from osms.contributions import register_rules as rr
from osms.contributions.service import ingest_register
from osms.contributions.summary import refresh_all
from osms.core.identity import check_iin, make_iin
from osms.core.rows import Rejection
from tests.contributions.test_ingest import (
    AGENT,
    EMPLOYER,
    LOCAL,
    PERSONS,
    STATE,
    expected_person_months,
    ledger,
    person_months,
    register,
    row,
    seed_registry,
)

_digits = st.text(alphabet="0123456789", min_size=12, max_size=12)
_made_iins = st.builds(
    lambda d, sex, serial: make_iin(d, sex, serial) or "000000000000",
    st.dates(date(1800, 1, 1), date(2099, 12, 31)),
    st.sampled_from("MF"),
    st.integers(0, 9999),
)


@settings(max_examples=2000, deadline=None)
@given(st.one_of(_digits, _made_iins, st.text(max_size=14)))
def test_fast_iin_check_agrees_with_check_iin(number: str) -> None:
    assume(number == number.strip())
    assert rr.iin_is_valid(number) == check_iin(number).valid


_ASCII = frozenset("0123456789")


def _documented_amount(text: str) -> int | str:
    """The documented amount format, written out plainly (docs/payment-registers.md): ASCII digits,
    optionally grouped by threes with a space or a no-break space, at most 2 decimals after a point
    or a comma; more than 16 digits before the point is bad; a minus sign only says "not positive".
    Returns tiyn, or the reason code."""
    negative = text.startswith("-")
    body = text[1:] if negative else text
    whole, cents = body, ""
    for i in range(len(body) - 1, -1, -1):
        if body[i] in ".,":
            whole, cents = body[:i], body[i + 1 :]
            break
    if not 1 <= len(cents) <= 2 and body != whole:
        return "bad_amount"
    if not set(cents) <= _ASCII:
        return "bad_amount"
    groups = whole.replace("\u00a0", " ").split(" ")
    if not groups[0] or not all(g and set(g) <= _ASCII for g in groups):
        return "bad_amount"
    if len(groups) > 1 and (len(groups[0]) > 3 or any(len(g) != 3 for g in groups[1:])):
        return "bad_amount"
    digits = "".join(groups).lstrip("0")
    if len(digits) > rr.MAX_AMOUNT_DIGITS:
        return "bad_amount"
    tiyn = int(digits or "0") * 100 + int(cents.ljust(2, "0") or "0")
    return "non_positive_amount" if negative or tiyn == 0 else tiyn


@settings(max_examples=2000, deadline=None)
@given(
    st.one_of(
        st.decimals(min_value=-1000, max_value=10**17, allow_nan=False, allow_infinity=False, places=2).map(str),
        st.decimals(min_value=0, max_value=10**6, places=3).map(str),
        st.text(alphabet="0123456789., -eE+_\u00a0\u0664\uff14\u0969", max_size=14),
        st.integers(0, 10**17).map(lambda n: f"{n:,}".replace(",", " ")),
    )
)
def test_amounts_are_exactly_the_documented_format(text: str) -> None:
    result = rr.parse_amount(text)
    expected = _documented_amount(text)
    if isinstance(expected, int):
        assert result == expected
    else:
        assert isinstance(result, Rejection) and result.code == expected, (text, result)


_field = st.one_of(
    st.text(max_size=14),
    st.sampled_from(rr.KINDS + rr.PAYER_KINDS + ("2024-03", "2024-03-10", "2550.00", "REV:X", "X", PERSONS[0])),
)


@settings(max_examples=500, deadline=None)
@given(st.lists(_field, min_size=8, max_size=8))
def test_the_checker_never_crashes(fields: list[str]) -> None:
    checked = rr.RegisterChecker(lambda day: 12).check(*(f.strip() for f in fields))
    if isinstance(checked, Rejection):
        assert checked.code in rr.REASONS and checked.message
    else:
        reference, payer_id, payer_kind, iin, period, kind, tiyn, value_date, reverses = checked
        assert kind in rr.KINDS and payer_kind in rr.PAYER_KINDS and tiyn > 0
        assert rr.iin_is_valid(iin) and len(payer_id) == 12 and 0 < len(reference) <= rr.MAX_REFERENCE
        assert (reverses is None) == (kind != rr.REVERSAL)


# ---------------------------------------------------------------------------------------------
# Random loads against the database

_PAYERS_OF = {
    "employer_deduction": [(EMPLOYER, "employer")],
    "employee_contribution": [(EMPLOYER, "employer")],
    "civil_contract": [(AGENT, "agent"), (EMPLOYER, "employer")],
    "ie_contribution": [(None, "individual_entrepreneur")],  # the person themselves
    "self_payment": [(None, "self")],
    "state_contribution": [(STATE, "state"), (LOCAL, "local_budget")],
}
_pay = st.tuples(
    st.just("pay"),
    st.integers(0, 11),  # reference
    st.integers(0, len(PERSONS) - 1),
    st.sampled_from(sorted(_PAYERS_OF)),
    st.integers(0, 1),  # payer choice
    st.integers(0, 3),  # period
    st.sampled_from(["2550.00", "2550.00", "1000.00", "4250.00", "0.50", "6800.80"]),
    st.integers(-1, 2),  # value date: months after the period (-1: paid ahead)
)
_reverse = st.tuples(
    st.just("reverse"), st.integers(0, 11), st.sampled_from([True, True, True, False]), st.integers(0, 2)
)
_file = st.lists(st.one_of(_pay, _pay, _reverse), max_size=14)


def _materialise(ops: list[tuple], last: dict[str, list[str]]) -> list[list[str]]:
    rows = []
    for op in ops:
        if op[0] == "pay":
            _, ref, who, kind, choice, period, amount, later = op
            number = PERSONS[who]
            payer_id, payer_kind = _PAYERS_OF[kind][choice % len(_PAYERS_OF[kind])]
            month = 2024 * 12 + period
            paid = month + later
            r = row(
                f"P{ref}",
                number,
                kind,
                amount,
                f"{month // 12}-{month % 12 + 1:02d}",
                f"{paid // 12}-{paid % 12 + 1:02d}-10",
                payer_id=payer_id or number,
                payer_kind=payer_kind,
            )
            last[r[0]] = r
        else:
            _, ref, exact, variant = op
            original = list(last.values())[ref % len(last)] if last else None
            if original is not None and exact:
                value_date = "2025-06-01" if variant else "2025-06-02"  # two versions: already_reversed
                r = ["REV:" + original[0], *original[1:5], "reversal", original[6], value_date]
            else:
                r = row(f"REV:P{ref}", PERSONS[variant], "reversal", ["2550.00", "100.00", "4250.00"][variant])
        rows.append(r)
    return rows


def _reset(engine: Engine) -> None:
    with engine.begin() as conn:
        for t in ("person_month", "payment", "import_rejection", "import_batch", "payer", "person"):
            conn.exec_driver_sql(f"DELETE FROM {t}")
    seed_registry(engine)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(_file, min_size=1, max_size=4))
def test_summary_equals_a_recomputation_after_random_loads(engine: Engine, tmp_path_factory, files) -> None:
    _reset(engine)
    directory: Path = tmp_path_factory.mktemp("loads")
    last: dict[str, list[str]] = {}
    path = None
    for n, ops in enumerate(files):
        path = register(directory, _materialise(ops, last), f"f{n}.csv")
        result = ingest_register(engine, path)
        assert result.rows == len(ops)
        assert result.credited + result.already_credited + result.rejected == result.rows
        assert result.amount == result.amount_paid - result.amount_reversed
        assert set(result.rejected_by_reason) <= set(rr.REASONS)
        assert person_months(engine) == expected_person_months(engine)
        event(f"reversals credited: {min(result.reversals, 2)}+")
        for code in result.rejected_by_reason:
            event(f"rejected: {code}")
    # Invariants of the ledger: every reversal cancels a credited payment of the same person,
    # period and amount (stored negative), and at most once.
    rows = {r[0]: r for r in ledger(engine)}
    reversed_refs = [r[5] for r in rows.values() if r[5] is not None]
    assert len(reversed_refs) == len(set(reversed_refs))
    for reference, number, period, kind, amount, reverses in rows.values():
        if kind == rr.REVERSAL:
            original = rows[reverses]
            assert reference == "REV:" + reverses and original[3] != rr.REVERSAL
            assert (original[1], original[2], original[4]) == (number, period, -amount)
        else:
            assert amount > Decimal(0)
    # The summary equals a rebuild from scratch.
    summary_rows = person_months(engine)
    with engine.begin() as conn:
        refresh_all(conn)
    assert person_months(engine) == summary_rows
    # Sending the last file again changes nothing.
    before = ledger(engine)
    assert path is not None
    again = ingest_register(engine, path)
    assert again.credited == 0 and ledger(engine) == before and person_months(engine) == summary_rows
