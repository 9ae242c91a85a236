"""One bad row never blocks a register, and nothing implausible is credited.

Amounts exactly as documented; a ceiling per kind and period from the rulebook
(``status.register_ceiling``); value dates neither in the future nor before the scheme; periods not
before the scheme (``status.scheme_start``); a line that is not UTF-8 rejected alone with its line
number; the ledger and the summary never overflow on accepted data."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.engine import Engine

from osms.contributions import register_rules as rr
from osms.contributions import service
from osms.contributions.models import Payment, PersonMonth
from osms.contributions.rulebook import ContributionsTopic
from osms.contributions.service import ingest_register
from osms.core.models import ImportRejection
from osms.core.rows import Rejection
from osms.rulebooks.loader import load_rulebook
from tests.contributions.test_ingest import (
    EMPLOYER,
    HEADER,
    SELF_PAYER,
    STATE,
    WORKER,
    register,
    row,
    seed_registry,
)

TODAY = date(2024, 4, 25)


@pytest.fixture
def world(engine: Engine) -> Engine:
    seed_registry(engine)
    return engine


def _rejections(engine: Engine, batch_id: int) -> list[tuple[int, str, str]]:
    with engine.connect() as conn:
        return [
            (r.line, r.code, r.message)
            for r in conn.execute(
                select(ImportRejection.line, ImportRejection.code, ImportRejection.message)
                .where(ImportRejection.batch_id == batch_id)
                .order_by(ImportRejection.line)
            )
        ]


def _checker() -> rr.RegisterChecker:
    return service.register_checker("kz-law", today=TODAY)


def _check(**changes: str) -> tuple[object, ...] | Rejection:
    values = dict(zip(rr.COLUMNS, row("P-1", value_date="2024-04-20"), strict=True)) | changes
    return _checker().check(*(values[c] for c in rr.COLUMNS))


@pytest.mark.parametrize(
    "amount",
    [
        "1e3",  # exponent
        "1E3",
        "4250.120",  # three decimals, even if the third is 0
        "\u0664\u0662\u0665\u0660",  # Arabic-Indic digits 4250
        "\uff14\uff12\uff15\uff10",  # full-width digits 4250
        "+4250",  # no sign
        "4250.",
        ".50",
        "4_250",
        "42 50",  # a space that does not separate thousands
        "NaN",
        "Infinity",
        "0x10",
        "4,250.00",  # two separators
    ],
)
def test_an_amount_not_in_the_documented_form_is_bad_amount(amount: str) -> None:
    checked = _check(amount=amount)
    assert isinstance(checked, Rejection) and checked.code == "bad_amount", checked


@pytest.mark.parametrize(
    ("amount", "tiyn"),
    [("4250", 425000), ("4250.5", 425050), ("4250,50", 425050), ("4 250.50", 425050), ("4\u00a0250", 425000)],
)
def test_the_documented_forms_are_taken(amount: str, tiyn: int) -> None:
    checked = _check(amount=amount)
    assert isinstance(checked, tuple) and checked[6] == tiyn


def test_the_ceiling_of_each_kind_is_rulebook_data() -> None:
    kz = load_rulebook("kz-law")
    # status.register_ceiling: mw[kind] x 12 months x MW of the period's year (MW 2024 = 85,000, 2017 = 24,459)
    assert kz.topic(ContributionsTopic).register_ceiling("employer_deduction", date(2024, 3, 1)) == Decimal(
        "306000.00"
    )  # 0.3 x 12 x 85,000
    assert kz.topic(ContributionsTopic).register_ceiling("employer_deduction", date(2026, 3, 1)) == Decimal(
        "1224000.00"
    )  # 1.2 x 12 x 85,000
    assert kz.topic(ContributionsTopic).register_ceiling("self_payment", date(2024, 3, 1)) == Decimal(
        "51000.00"
    )  # 0.05 x 12 x 85,000
    assert kz.topic(ContributionsTopic).register_ceiling("state_contribution", date(2017, 7, 1)) == Decimal(
        "44026.20"
    )  # 0.15 x 12 x 24,459
    assert kz.topic(ContributionsTopic).scheme_start() == date(2017, 7, 1)
    assert load_rulebook("seeds-2016").topic(ContributionsTopic).scheme_start() == date(2017, 1, 1)
    # every ceiling leaves room for 2**31 ledger rows in one person-month of NUMERIC(18, 2)
    assert (
        kz.topic(ContributionsTopic).register_ceiling("employer_deduction", date(2026, 1, 1)) * (2**31 - 1)
        < Decimal(10) ** 16
    )


def test_an_amount_above_the_ceiling_is_implausible() -> None:
    assert isinstance(_check(amount="306000.00"), tuple)
    checked = _check(amount="306000.01")
    assert checked == Rejection(
        "implausible_amount",
        "amount 306000.01 is above 306000.00, the largest plausible employer_deduction for 2024-03",
    )
    self_paid = _check(kind="self_payment", payer_id=WORKER, payer_kind="self", amount="51000.01")
    assert isinstance(self_paid, Rejection) and self_paid.code == "implausible_amount"


@pytest.mark.parametrize(
    ("changes", "code", "message"),
    [
        ({"value_date": "2024-04-26"}, "future_value_date", "value_date 2024-04-26 is after today (2024-04-25)"),
        (
            {"value_date": "2017-06-30", "period": "2017-06"},
            "period_before_scheme",
            "period 2017-06 is before the insurance scheme began (2017-07)",
        ),
        (
            {"value_date": "2017-06-30", "period": "2017-07"},
            "future_value_date",
            "value_date 2017-06-30 is before the insurance scheme began (2017-07-01)",
        ),
        (
            {"period": "0001-01"},
            "period_before_scheme",
            "period 0001-01 is before the insurance scheme began (2017-07)",
        ),
    ],
)
def test_dates_outside_the_scheme_and_the_future(changes: dict[str, str], code: str, message: str) -> None:
    assert _check(**changes) == Rejection(code, message)


def test_the_value_date_may_be_today() -> None:
    assert isinstance(_check(value_date="2024-04-25", period="2024-04"), tuple)


def test_a_legal_16_digit_amount_is_rejected_and_the_rest_loads(world: Engine, tmp_path: Path) -> None:
    # Today: both rows pass the row check, their sum overflows person_month (NUMERIC(18, 2)) and the
    # whole file is refused with no reason on any row.
    path = register(
        tmp_path,
        [
            row("OK-1", WORKER, amount="2550.00"),
            row("HUGE-1", WORKER, "employee_contribution", amount="9999999999999999.99"),
            row("HUGE-2", WORKER, "employee_contribution", amount="9999999999999999.98"),
            row("OK-2", WORKER, "state_contribution", amount="1700.00"),
        ],
    )
    result = ingest_register(world, path, today=TODAY)
    assert (result.credited, result.rejected, result.rejected_by_reason) == (2, 2, {"implausible_amount": 2})
    # kz-law 2024: employee_contribution ceiling 0.2 x 12 x 85,000 = 204,000.00
    assert _rejections(world, result.batch_id) == [
        (3, "implausible_amount", "amount 9999999999999999.99 is above 204000.00, the largest plausible "
         "employee_contribution for 2024-03"),
        (4, "implausible_amount", "amount 9999999999999999.98 is above 204000.00, the largest plausible "
         "employee_contribution for 2024-03"),
    ]  # fmt: skip
    with world.connect() as conn:
        assert conn.execute(select(PersonMonth.amount)).scalars().all() == [Decimal("4250.00")]


def test_dates_and_ceilings_while_loading(world: Engine, tmp_path: Path) -> None:
    path = register(
        tmp_path,
        [
            row("FUT", WORKER, value_date="2024-04-26"),  # 2: the day after the fund's today
            row("OLD", WORKER, period="2017-06", value_date="2017-07-20"),  # 3
            row("ANC", WORKER, period="2017-06", value_date="2017-06-20"),  # 4: both before the scheme
            row("BIG", SELF_PAYER, "self_payment", amount="51000.01"),  # 5
            row("OK", SELF_PAYER, "self_payment", amount="51000.00"),  # 6: at the ceiling
            row("ST", WORKER, "state_contribution", payer_id=STATE, amount="7286.00"),  # 7
        ],
    )
    result = ingest_register(world, path, today=TODAY)
    assert [(line, code) for line, code, _ in _rejections(world, result.batch_id)] == [
        (2, "future_value_date"),
        (3, "period_before_scheme"),
        (4, "period_before_scheme"),
        (5, "implausible_amount"),
    ]
    assert result.credited == 2


def test_a_line_that_is_not_utf8_is_rejected_alone(
    world: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Small read blocks, so that lines and multi-byte letters straddle block boundaries.
    monkeypatch.setattr(service, "BLOCK_BYTES", 37)
    good = [",".join(row(f"Қ-{n}", WORKER, amount=f"{100 + n}.00")) for n in range(6)]
    lines = [
        HEADER.encode(),
        good[0].encode(),
        good[1].encode(),
        "Müller,1".encode("latin-1"),  # line 4: latin-1
        good[2].encode(),
        b"\xff\xfe\x00\x80 garbage",  # line 6
        good[3].encode(),
        good[4].encode() + b"\xc3",  # line 8: a truncated letter at the end of a line
        good[5].encode(),
    ]
    path = tmp_path / "mixed.csv"
    path.write_bytes(b"\xef\xbb\xbf" + b"\r\n".join(lines) + b"\r\n")
    result = ingest_register(world, path, today=TODAY)
    assert (result.rows, result.credited, result.rejected_by_reason) == (8, 5, {"bad_encoding": 3})
    assert _rejections(world, result.batch_id) == [
        (4, "bad_encoding", "the line is not UTF-8 text (byte 2 of the line)"),
        (6, "bad_encoding", "the line is not UTF-8 text (byte 1 of the line)"),
        (8, "bad_encoding", f"the line is not UTF-8 text (byte {len(good[4].encode()) + 1} of the line)"),
    ]
    with world.connect() as conn:
        raws = conn.execute(select(ImportRejection.raw).order_by(ImportRejection.line)).scalars().all()
        assert raws[0] == "M\\xfcller,1" and raws[1] == "\\xff\\xfe\\0\\x80 garbage"
        refs = conn.execute(select(Payment.reference).order_by(Payment.line)).scalars().all()
    assert refs == ["Қ-0", "Қ-1", "Қ-2", "Қ-3", "Қ-5"]


def test_the_rejection_reasons_have_kk_ru_en_sentences() -> None:
    for code in ("bad_encoding", "implausible_amount", "future_value_date", "period_before_scheme"):
        sentences = {rr.reason(code, lang) for lang in ("kk", "ru", "en")} - {code}
        assert len(sentences) == 3 and rr.REASONS[code] in sentences
    assert rr.reason("implausible_amount", "ru") == (
        "сумма больше наибольшего правдоподобного платежа этого вида за период"
    )


def test_employer_deduction_default_is_fine(world: Engine, tmp_path: Path) -> None:
    """The ordinary rows of a register are untouched by the new checks."""
    path = register(tmp_path, [row("E-1", WORKER, payer_id=EMPLOYER)])
    assert ingest_register(world, path, today=TODAY).credited == 1


# ---------------------------------------------------------------------------------------------
# Property: good rows plus any garbage lines


_SEQUENCE = iter(range(10**9))


def _blank(line: bytes) -> bool:
    """A line the loader skips as blank (it counts for line numbers only)."""
    try:
        return not line.decode("utf-8").strip()
    except UnicodeDecodeError:
        return False


_garbage = (
    st.one_of(
        st.binary(min_size=1, max_size=60),  # random bytes
        st.text(min_size=1, max_size=30).map(lambda t: t.encode("utf-16")),  # another encoding
        st.text(alphabet="äöüéèçñ€", min_size=1, max_size=10).map(lambda t: ("X," + t).encode("latin-1", "replace")),
        st.integers(10**6, 10**40).map(
            lambda n: ",".join(row(f"HUGE-{next(_SEQUENCE)}", WORKER, amount=str(n))).encode()
        ),  # huge amounts
        st.sampled_from([b"\x00", b",,,,,,,", b'"unclosed,quote', b"\xef\xbb\xbf" + b"BOM-inside"]),
    )
    .map(lambda b: b.replace(b"\n", b" "))
    .filter(lambda b: not _blank(b) and not _blank(b.removesuffix(b"\r")))
)


@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    garbage=st.lists(_garbage, max_size=6),
    where=st.lists(st.integers(0, 6), min_size=6, max_size=6),
    good_count=st.integers(1, 5),
)
def test_good_rows_are_credited_whatever_garbage_surrounds_them(
    world: Engine, tmp_path: Path, garbage: list[bytes], where: list[int], good_count: int
) -> None:
    batch = next(_SEQUENCE)
    good = [row(f"G{batch}-{n}", WORKER, amount=f"{100 + n}.00") for n in range(good_count)]
    lines: list[tuple[str, bytes]] = [("good", ",".join(g).encode()) for g in good]
    for position, junk in zip(where, garbage, strict=False):
        lines.insert(min(position, len(lines)), ("junk", junk))
    path = tmp_path / f"mixed-{batch}.csv"
    path.write_bytes(HEADER.encode() + b"\n" + b"\n".join(b for _, b in lines) + b"\n")
    result = ingest_register(world, path, today=TODAY)  # nothing raises
    junk_lines = {n for n, (what, _) in enumerate(lines, start=2) if what == "junk"}
    rejected = _rejections(world, result.batch_id)
    assert {line for line, _, _ in rejected} == junk_lines
    assert all(code in rr.REASONS and message for _, code, message in rejected)
    assert (result.credited, result.rejected) == (good_count, len(junk_lines))
    with world.connect() as conn:
        credited = conn.execute(select(Payment.reference).where(Payment.batch_id == result.batch_id)).scalars().all()
    assert sorted(credited) == sorted(g[0] for g in good)
