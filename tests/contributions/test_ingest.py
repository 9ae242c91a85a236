"""Payment registers into the ledger: every row credited, already credited or rejected with a reason;
idempotent by reference; all-or-nothing; reversals; the coverage summary kept equal to the ledger."""

from __future__ import annotations

import csv
import json
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from osms.contributions import cli as payments_cli
from osms.contributions import register_rules as rr
from osms.contributions import service, summary
from osms.contributions.models import PAYMENT_KINDS, REVERSAL, Payment, PersonMonth
from osms.contributions.service import employer_payments, ingest_register, payments_of
from osms.core import bulkload
from osms.core.bulkload import ImportFileError
from osms.core.errors import InvalidInput, NotFound
from osms.core.models import ImportBatch, ImportRejection
from osms.core.periods import Month
from osms.core.rows import Rejection
from osms.registry.models import Payer, Person
from tests.registry.helpers import bin_, iin, write_csv

HEADER = ",".join(rr.COLUMNS)
SELF_PAYER = iin(date(1986, 1, 1), "M")
ENTREPRENEUR = iin(date(1979, 5, 5), "F")
WORKER = iin(date(1990, 2, 2), "M")
PENSIONER = iin(date(1950, 7, 7), "F")
NOBODY = iin(date(1970, 3, 3), "M")  # a valid IIN that is not in the registry
EMPLOYER = bin_()
AGENT = bin_(serial=200)
STATE = bin_(serial=300)
LOCAL = bin_(serial=400)
UNREGISTERED = bin_(serial=500)
PERSONS = (SELF_PAYER, ENTREPRENEUR, WORKER, PENSIONER)
PAYERS = {
    EMPLOYER: ("employer", "ТОО Алатау"),
    AGENT: ("agent", "ТОО Агент"),
    STATE: ("state", "Министерство финансов"),
    LOCAL: ("local_budget", "Акимат г. Алматы"),
    ENTREPRENEUR: ("individual_entrepreneur", "ИП Сейткали"),
}


def seed_registry(engine: Engine, persons: tuple[str, ...] = PERSONS) -> None:
    with engine.begin() as conn:
        conn.execute(
            Person.__table__.insert(),
            [
                {"iin": n, "last_name": "Тестов", "first_name": f"P{i}", "residency": "citizen"}
                for i, n in enumerate(persons)
            ],
        )
        conn.execute(
            Payer.__table__.insert(),
            [{"payer_id": p, "kind": k, "name": name, "region": "KZ-ALA"} for p, (k, name) in PAYERS.items()],
        )


@pytest.fixture
def world(engine: Engine) -> Engine:
    seed_registry(engine)
    return engine


def row(
    reference: str,
    iin_: str = WORKER,
    kind: str = "employer_deduction",
    amount: str = "2550.00",
    period: str = "2024-03",
    value_date: str = "2024-04-20",
    payer_id: str | None = None,
    payer_kind: str | None = None,
) -> list[str]:
    defaults = {
        "employer_deduction": (EMPLOYER, "employer"),
        "employee_contribution": (EMPLOYER, "employer"),
        "civil_contract": (AGENT, "agent"),
        "ie_contribution": (iin_, "individual_entrepreneur"),
        "self_payment": (iin_, "self"),
        "state_contribution": (STATE, "state"),
        "reversal": (EMPLOYER, "employer"),
    }.get(kind, (EMPLOYER, "employer"))
    return [
        reference,
        payer_id if payer_id is not None else defaults[0],
        payer_kind if payer_kind is not None else defaults[1],
        iin_,
        period,
        kind,
        amount,
        value_date,
    ]


def register(directory: Path, rows: list[list[str]], name: str = "register.csv") -> Path:
    return write_csv(directory / name, HEADER, rows)


def count(engine: Engine, model: type) -> int:
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(model)).scalar_one()


def ledger(engine: Engine) -> list[tuple]:
    with engine.connect() as conn:
        return [
            tuple(r)
            for r in conn.execute(
                select(
                    Payment.reference, Payment.iin, Payment.period, Payment.kind, Payment.amount, Payment.reverses
                ).order_by(Payment.reference)
            )
        ]


def person_months(engine: Engine) -> list[tuple]:
    with engine.connect() as conn:
        return [
            tuple(r)
            for r in conn.execute(
                select(
                    PersonMonth.iin,
                    PersonMonth.period,
                    PersonMonth.amount,
                    PersonMonth.payments,
                    PersonMonth.kinds,
                    PersonMonth.payer_id,
                    PersonMonth.first_value_date,
                ).order_by(PersonMonth.iin, PersonMonth.period)
            )
        ]


def expected_person_months(engine: Engine) -> list[tuple]:
    """person_month computed in Python from the ledger (the definition in summary.py)."""
    with engine.connect() as conn:
        rows = conn.execute(
            select(
                Payment.id,
                Payment.reference,
                Payment.iin,
                Payment.period,
                Payment.kind,
                Payment.amount,
                Payment.payer_id,
                Payment.value_date,
                Payment.reverses,
            )
        ).all()
    reversed_refs = {r.reverses for r in rows if r.reverses is not None}
    groups: dict[tuple[str, Month], list] = {}
    for r in rows:
        if r.kind != REVERSAL and r.reference not in reversed_refs:
            groups.setdefault((r.iin, r.period), []).append(r)
    out = []
    for (number, period), items in sorted(groups.items(), key=lambda kv: (kv[0][0], kv[0][1].index)):
        bits = 0
        for r in items:
            bits |= PAYMENT_KINDS[r.kind]
        largest = sorted(items, key=lambda r: (-r.amount, r.id))[0]
        out.append(
            (
                number,
                period,
                sum((r.amount for r in items), Decimal("0.00")),
                len(items),
                bits,
                largest.payer_id,
                min(r.value_date for r in items),
            )
        )
    return out


def read_report(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


# ---------------------------------------------------------------------------------------------
# Pure row checks


PREPAY_12 = lambda day: 12  # noqa: E731


def test_rule_kinds_match_the_ledger_kinds() -> None:
    assert set(rr.KINDS) == set(PAYMENT_KINDS) | {REVERSAL}
    assert set(rr.ALLOWED_PAYERS) == set(rr.KINDS)
    assert all(rr.reason(code, lang) != rr.REASONS[code] for code in rr.REASONS for lang in ("kk", "ru"))
    assert rr.reason("unknown_person", "ru") == "ИИН отсутствует в регистре физических лиц"
    assert rr.reason("no_such_code") == "no_such_code"


def test_check_row_cleans_a_good_row() -> None:
    values = dict(
        zip(rr.COLUMNS, row("P-1", SELF_PAYER, "self_payment", "4 250,5", "2024-03", "2024-03-05"), strict=True)
    )
    assert rr.check_row(values, PREPAY_12) == (
        "P-1",
        SELF_PAYER,
        "self",
        SELF_PAYER,
        2024 * 12 + 2,
        "self_payment",
        425050,
        "2024-03-05",
        None,
    )
    reversal = dict(zip(rr.COLUMNS, row("REV:P-1", SELF_PAYER, "reversal", "4250.50", payer_kind="self"), strict=True))
    checked = rr.check_row(reversal | {"payer_id": SELF_PAYER}, PREPAY_12)
    assert isinstance(checked, tuple) and checked[-1] == "P-1" and checked[6] == 425050


@pytest.mark.parametrize(
    ("changes", "code", "fragment"),
    [
        ({"kind": "donation"}, "bad_kind", "kind 'donation' is not one of"),
        ({"reference": ""}, "bad_reference", "1 to 80 characters"),
        ({"reference": "X" * 81}, "bad_reference", "got 81"),
        ({"reference": "REV:P-9"}, "bad_reference", "REV: prefix is for reversals only"),
        ({"kind": "reversal", "reference": "P-9"}, "bad_reference", "must be REV:<original reference>"),
        ({"kind": "reversal", "reference": "REV:REV:P-9"}, "bad_reference", "not a reversal"),
        ({"kind": "reversal", "reference": "REV:"}, "bad_reference", "REV:<reference"),
        ({"payer_kind": "bank"}, "bad_payer_kind", "payer_kind 'bank'"),
        (
            {"payer_kind": "state"},
            "payer_mismatch",
            "employer_deduction is paid by employer or individual_entrepreneur",
        ),
        ({"iin": "860101300012"}, "bad_iin", "check digit is 2, but the first 11 digits require 7"),
        ({"iin": "86010130001"}, "bad_iin", "must have 12 digits"),
        ({"payer_id": "12345"}, "bad_payer_id", "'12345' is not 12 digits"),
        ({"period": "2024-13"}, "bad_period", "'2024-13' is not a month"),
        ({"period": "2024-3"}, "bad_period", "YYYY-MM"),
        ({"amount": "12.345"}, "bad_amount", "at most 2 decimals"),
        ({"amount": "abc"}, "bad_amount", "'abc'"),
        ({"amount": "1" * 17}, "bad_amount", "more than 16 digits"),
        ({"amount": "0.00"}, "non_positive_amount", "'0.00' is not positive"),
        ({"amount": "-5"}, "non_positive_amount", "'-5'"),
        ({"value_date": "2024-02-30"}, "bad_date", "'2024-02-30'"),
        ({"value_date": "20240220"}, "bad_date", "YYYY-MM-DD"),
        ({"period": "2024-05"}, "period_too_far_ahead", "later than the value date's month"),
    ],
)
def test_each_row_check(changes: dict[str, str], code: str, fragment: str) -> None:
    values = dict(zip(rr.COLUMNS, row("P-1", value_date="2024-04-20"), strict=True)) | changes
    checked = rr.check_row(values, PREPAY_12)
    assert isinstance(checked, Rejection), checked
    assert checked.code == code
    assert fragment in checked.message


def test_payer_must_be_the_person_for_self_and_ie_payments() -> None:
    self_paid = dict(zip(rr.COLUMNS, row("P-1", SELF_PAYER, "self_payment", payer_id=WORKER), strict=True))
    rejection = rr.check_row(self_paid, PREPAY_12)
    assert rejection == Rejection(
        "payer_mismatch", f"a self_payment must be paid by the person: payer_id {WORKER} is not {SELF_PAYER}"
    )
    ie = dict(zip(rr.COLUMNS, row("P-2", ENTREPRENEUR, "ie_contribution", payer_id=EMPLOYER), strict=True))
    assert rr.check_row(ie, PREPAY_12).code == "payer_mismatch"  # type: ignore[union-attr]
    ie_by_employer = dict(
        zip(rr.COLUMNS, row("P-3", ENTREPRENEUR, "ie_contribution", payer_kind="employer"), strict=True)
    )
    assert rr.check_row(ie_by_employer, PREPAY_12).code == "payer_mismatch"  # type: ignore[union-attr]


def test_self_payer_may_prepay_as_the_rulebook_says() -> None:
    months = service.prepay_months_from_rulebook("kz-law")
    assert months(date(2022, 9, 4)) == 0 and months(date(2022, 9, 5)) == 12
    assert months(date(2016, 1, 1)) == 0  # before the rulebook: no prepayment
    assert months(date(2030, 1, 1)) == 12  # after it: the last, open-ended rule

    def check(period: str, value_date: str, kind: str = "self_payment") -> str:
        result = rr.check_row(
            dict(zip(rr.COLUMNS, row("P", SELF_PAYER, kind, "4250.00", period, value_date), strict=True)), months
        )
        return result.code if isinstance(result, Rejection) else "ok"

    assert check("2025-01", "2024-01-10") == "ok"  # 12 months ahead
    assert check("2025-02", "2024-01-10") == "period_too_far_ahead"  # 13
    assert check("2022-10", "2022-09-04") == "period_too_far_ahead"  # before prepayment was allowed
    assert check("2022-09", "2022-09-04") == "ok"
    assert check("2023-09", "2022-09-05") == "ok"
    assert check("2020-01", "2024-01-10") == "ok"  # arrears: any earlier period
    assert check("2024-02", "2024-01-10", "employer_deduction") == "period_too_far_ahead"  # only self-payers prepay
    assert check("2024-01", "2024-01-10", "employer_deduction") == "ok"
    employer = rr.check_row(
        dict(zip(rr.COLUMNS, row("P", WORKER, period="2024-02", value_date="2024-01-31"), strict=True)), months
    )
    assert isinstance(employer, Rejection) and employer.code == "period_too_far_ahead"


# ---------------------------------------------------------------------------------------------
# Ingestion


def test_three_rows_with_hand_computed_totals(world: Engine, tmp_path: Path) -> None:
    path = register(
        tmp_path,
        [
            row("IE-2017-08", ENTREPRENEUR, "ie_contribution", "2445.90", "2017-08", "2017-08-20"),
            row("SP-2018-03", SELF_PAYER, "self_payment", "1414.20", "2018-03", "2018-03-10"),
            row("SP-2018-04", SELF_PAYER, "self_payment", "1414.2O", "2018-04", "2018-04-10"),  # letter O
        ],
    )
    rejects = tmp_path / "rejects.csv"
    result = ingest_register(world, path, rejects_file=rejects)
    summary_json = result.as_dict()
    assert {k: summary_json[k] for k in ("rows", "credited", "rejected", "rejected_by_reason", "amount")} == {
        "rows": 3,
        "credited": 2,
        "rejected": 1,
        "rejected_by_reason": {"bad_amount": 1},
        "amount": "3860.10",
    }
    assert summary_json["already_credited"] == 0 and summary_json["person_months"] == 2
    assert isinstance(summary_json["seconds"], float) and summary_json["batch_id"] == result.batch_id
    assert ledger(world) == [
        ("IE-2017-08", ENTREPRENEUR, Month(2017, 8), "ie_contribution", Decimal("2445.90"), None),
        ("SP-2018-03", SELF_PAYER, Month(2018, 3), "self_payment", Decimal("1414.20"), None),
    ]
    assert person_months(world) == [
        (ENTREPRENEUR, Month(2017, 8), Decimal("2445.90"), 1, 8, ENTREPRENEUR, date(2017, 8, 20)),
        (SELF_PAYER, Month(2018, 3), Decimal("1414.20"), 1, 16, SELF_PAYER, date(2018, 3, 10)),
    ]
    report = read_report(rejects)
    assert report == [
        {
            "line": "4",
            "code": "bad_amount",
            "message": "amount '1414.2O' is not a number with at most 2 decimals",
            "raw": f"SP-2018-04,{SELF_PAYER},self,{SELF_PAYER},2018-04,self_payment,1414.2O,2018-04-10",
        }
    ]
    with world.connect() as conn:
        batch = conn.execute(select(ImportBatch)).one()
    assert (batch.kind, batch.rows, batch.accepted, batch.rejected) == ("payment_register", 3, 2, 1)
    assert batch.finished_at is not None


def test_same_file_twice_changes_nothing(world: Engine, tmp_path: Path) -> None:
    path = register(
        tmp_path,
        [
            row("E-1", WORKER, "employer_deduction", "2550.00"),
            row("E-2", WORKER, "employee_contribution", "1700.00"),
            row("S-1", PENSIONER, "state_contribution", "6800.80", "2024-03", "2024-03-05"),
            row("S-1", PENSIONER, "state_contribution", "6800.80", "2024-03", "2024-03-05"),  # duplicate
            row("X-1", NOBODY),  # unknown person
        ],
    )
    first = ingest_register(world, path)
    assert (first.credited, first.already_credited, first.rejected) == (3, 0, 2)
    assert first.amount == Decimal("11050.80")
    before = (ledger(world), person_months(world))
    second = ingest_register(world, path)
    assert (second.rows, second.credited, second.already_credited, second.rejected) == (5, 0, 3, 2)
    assert second.rejected_by_reason == {"duplicate_reference": 1, "unknown_person": 1}
    assert second.as_dict()["amount"] == "0.00"
    assert (ledger(world), person_months(world)) == before
    assert person_months(world)[1][:6] == (WORKER, Month(2024, 3), Decimal("4250.00"), 2, 3, EMPLOYER)
    with world.connect() as conn:
        codes = (
            conn.execute(
                select(ImportRejection.code)
                .where(ImportRejection.batch_id == second.batch_id)
                .order_by(ImportRejection.line)
            )
            .scalars()
            .all()
        )
    assert codes == ["duplicate_reference", "unknown_person"]  # no rejection rows for already credited ones


def test_every_reason_code(world: Engine, tmp_path: Path) -> None:
    earlier = register(
        tmp_path,
        [
            row("OLD-1", WORKER, amount="1000.00"),
            row("OLD-2", WORKER, "employee_contribution", amount="500.00"),
            row("REV:OLD-2", WORKER, "reversal", amount="500.00", value_date="2024-05-02"),
        ],
        "earlier.csv",
    )
    assert ingest_register(world, earlier).credited == 3
    rows = [
        row("OK-1", WORKER),  # 2: credited
        [*row("SHAPE", WORKER)[:7]],  # 3: bad_row_shape
        row("KIND", WORKER, "donation"),  # 4
        row("", WORKER),  # 5: bad_reference
        row("PK", WORKER, payer_kind="bank"),  # 6: bad_payer_kind
        row("PM-1", SELF_PAYER, "self_payment", "4250.00", payer_id=WORKER),  # 7: payer_mismatch
        row("IIN", "860101300012"),  # 8: bad_iin
        row("PID", WORKER, payer_id="BIN-OF-ACME"),  # 9: bad_payer_id
        row("PER", WORKER, period="March"),  # 10: bad_period
        row("AMT", WORKER, amount="12,345.6"),  # 11: bad_amount (quoted comma, two separators)
        row("ZERO", WORKER, amount="0"),  # 12: non_positive_amount
        row("DATE", WORKER, value_date="2024-04-31"),  # 13: bad_date
        row("AHEAD", WORKER, period="2024-05", value_date="2024-04-20"),  # 14: period_too_far_ahead
        row("OK-1", WORKER, amount="99.00"),  # 15: duplicate_reference
        row("OLD-1", WORKER, amount="1000.01"),  # 16: reference_conflict
        row("WHO", NOBODY),  # 17: unknown_person
        row("PAYER", WORKER, payer_id=UNREGISTERED),  # 18: unknown_payer
        row("PM-2", WORKER, "civil_contract", payer_id=AGENT, payer_kind="employer"),  # 19: payer_mismatch (registry)
        row("REV:NEVER", WORKER, "reversal"),  # 20: unknown_original
        row("REV:OLD-2", WORKER, "reversal", amount="500.00", value_date="2024-06-01"),  # 21: already_reversed
        row("REV:OLD-1", WORKER, "reversal", amount="100.00"),  # 22: reversal_mismatch
        row("FUT", WORKER, period="2099-01", value_date="2099-01-10"),  # 23: future_value_date
        row("ANC", WORKER, period="2016-01", value_date="2016-01-10"),  # 24: period_before_scheme
        row("BIG", WORKER, amount="999999999.00"),  # 25: implausible_amount
    ]
    path = register(tmp_path, rows)
    with path.open("ab") as fh:
        fh.write("ENC,Müller\n".encode("latin-1"))  # 26: bad_encoding
    rejects = tmp_path / "register.rejected.csv"
    result = ingest_register(world, path, rejects_file=rejects)
    assert (result.rows, result.credited, result.already_credited) == (25, 1, 0)
    assert result.rejected_by_reason == {code: (2 if code == "payer_mismatch" else 1) for code in rr.REASONS}
    assert result.rejected == 24
    report = {int(r["line"]): (r["code"], r["message"]) for r in read_report(rejects)}
    assert report[3] == ("bad_row_shape", "the row has 7 fields, the header has 8")
    assert report[15] == ("duplicate_reference", "the reference OK-1 is already on line 2")
    assert report[16][0] == "reference_conflict" and "credited earlier (batch 1, line 2)" in report[16][1]
    assert report[17] == ("unknown_person", f"IIN {NOBODY} is not in the person registry")
    assert report[18] == ("unknown_payer", f"employer {UNREGISTERED} is not in the payer registry")
    assert report[19] == ("payer_mismatch", f"payer {AGENT} is registered as agent, not employer")
    assert report[20] == ("unknown_original", "no credited payment with reference NEVER to reverse")
    assert report[21][0] == "already_reversed" and "payment OLD-2 was already reversed by REV:OLD-2" in report[21][1]
    assert report[22] == (
        "reversal_mismatch",
        "the reversal of OLD-1 does not match it: amount 100.00 (original: 1000.00)",
    )
    assert [r for r in ledger(world) if r[0] == "OK-1"] == [
        ("OK-1", WORKER, Month(2024, 3), "employer_deduction", Decimal("2550.00"), None)
    ]
    assert person_months(world) == expected_person_months(world)


def test_reversal_flows(world: Engine, tmp_path: Path) -> None:
    first = register(
        tmp_path,
        [
            row("REV:A-2", WORKER, "reversal", "1700.00", value_date="2024-05-01"),  # before its original: fine
            row("A-1", WORKER, "employer_deduction", "2550.00"),
            row("A-2", WORKER, "employee_contribution", "1700.00"),
            row("B-1", SELF_PAYER, "self_payment", "4250.00", "2024-03", "2024-03-01"),
            row("C-1", PENSIONER, "state_contribution", "6800.00", "2024-03", "2024-03-05"),
            row("C-2", NOBODY, "state_contribution", "6800.00", "2024-03", "2024-03-05"),  # rejected original
            row("REV:C-2", NOBODY, "reversal", "6800.00", payer_id=STATE, payer_kind="state"),
        ],
        "first.csv",
    )
    result = ingest_register(world, first)
    assert (result.payments, result.reversals, result.rejected) == (4, 1, 2)
    assert result.rejected_by_reason == {"unknown_original": 1, "unknown_person": 1}
    assert (result.as_dict()["amount_paid"], result.as_dict()["amount_reversed"]) == ("15300.00", "1700.00")
    assert result.as_dict()["amount"] == "13600.00"
    worker_month = [pm for pm in person_months(world) if pm[0] == WORKER]
    assert worker_month == [(WORKER, Month(2024, 3), Decimal("2550.00"), 1, 1, EMPLOYER, date(2024, 4, 20))]
    # The reversal is stored negative: a person's ledger rows sum to what is credited.
    with world.connect() as conn:
        assert conn.execute(select(func.sum(Payment.amount)).where(Payment.iin == WORKER)).scalar_one() in (
            Decimal("2550.00"),
            255000,
        )
    # A later load reverses the self-payment: the month is no longer paid.
    second = register(
        tmp_path,
        [
            row(
                "REV:B-1",
                SELF_PAYER,
                "reversal",
                "4250.00",
                "2024-03",
                "2024-04-01",
                payer_id=SELF_PAYER,
                payer_kind="self",
            ),
            row("REV:C-1", PENSIONER, "reversal", "6800.00", "2024-02", payer_id=STATE, payer_kind="state"),
            row("REV:A-1", WORKER, "reversal", "2550.00", payer_id=AGENT, payer_kind="agent"),
        ],
        "second.csv",
    )
    result = ingest_register(world, second)
    assert result.credited == 1 and result.rejected_by_reason == {"reversal_mismatch": 2}
    assert [pm[0] for pm in person_months(world)] == [PENSIONER, WORKER]
    # Reversing again: the same row is already credited; a different one finds it already reversed.
    third = register(
        tmp_path,
        [
            row(
                "REV:B-1",
                SELF_PAYER,
                "reversal",
                "4250.00",
                "2024-03",
                "2024-04-01",
                payer_id=SELF_PAYER,
                payer_kind="self",
            ),
            row("REV:A-2", WORKER, "reversal", "1700.00", value_date="2024-05-02"),
            row("B-1", SELF_PAYER, "self_payment", "4250.00", "2024-03", "2024-03-01"),  # the reversed original again
        ],
        "third.csv",
    )
    result = ingest_register(world, third)
    assert (result.credited, result.already_credited) == (0, 2)
    assert result.rejected_by_reason == {"already_reversed": 1}
    assert person_months(world) == expected_person_months(world)
    with Session(world) as session:
        months = payments_of(session, SELF_PAYER)
    assert len(months) == 1 and months[0].amount == Decimal("0.00")
    lines = months[0].payers[0].lines
    assert [(ln.reference, ln.amount, ln.reverses, ln.reversed_by, ln.active) for ln in lines] == [
        ("B-1", Decimal("4250.00"), None, "REV:B-1", False),
        ("REV:B-1", Decimal("-4250.00"), "B-1", None, False),
    ]


def test_crash_midway_leaves_the_ledger_as_it_was_and_the_next_run_completes(
    world: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ingest_register(world, register(tmp_path, [row("BEFORE-1", WORKER)], "before.csv"))
    before = (ledger(world), person_months(world), count(world, ImportBatch), count(world, ImportRejection))
    rows = [row(f"P-{n:03d}", PERSONS[n % 4], "employer_deduction", f"{1000 + n}.00") for n in range(95)]
    rows += [row(f"P-{n:03d}", WORKER) for n in range(5)]  # duplicates, rejected
    path = register(tmp_path, rows)
    monkeypatch.setattr(service, "CHUNK_ROWS", 10)
    real_write = bulkload.Stager.write
    calls = {"n": 0}

    def crash_on_the_third_chunk(self, chunk):
        calls["n"] += 1
        if calls["n"] == 3:
            raise KeyboardInterrupt("operator pressed Ctrl-C")
        return real_write(self, chunk)

    monkeypatch.setattr(bulkload.Stager, "write", crash_on_the_third_chunk)
    with pytest.raises(KeyboardInterrupt):
        ingest_register(world, path)
    assert (ledger(world), person_months(world), count(world, ImportBatch), count(world, ImportRejection)) == before

    # A crash after the ledger rows are written (while the summary is refreshed) undoes them too.
    monkeypatch.setattr(bulkload.Stager, "write", real_write)

    def crash_in_refresh(conn, keys_sql, params=None):
        assert conn.exec_driver_sql("SELECT COUNT(*) FROM payment").scalar_one() == 96
        raise RuntimeError("killed")

    monkeypatch.setattr(summary, "refresh", crash_in_refresh)
    with pytest.raises(RuntimeError):
        ingest_register(world, path)
    assert (ledger(world), person_months(world), count(world, ImportBatch), count(world, ImportRejection)) == before

    monkeypatch.undo()
    result = ingest_register(world, path)
    assert (result.rows, result.credited, result.rejected) == (100, 95, 5)
    assert result.rejected_by_reason == {"duplicate_reference": 5}
    assert result.amount == sum(Decimal(1000 + n) for n in range(95))
    assert count(world, Payment) == 96
    assert person_months(world) == expected_person_months(world)


def test_chunks_do_not_change_the_outcome(world: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    rows = []
    for n in range(60):
        number = PERSONS[n % 4]
        rows.append(
            row(f"R{n % 45}", number, "employer_deduction", f"{n + 1}.50", f"2024-{n % 12 + 1:02d}", "2024-12-31")
        )
        if n % 7 == 0:
            rows.append(
                row(f"REV:R{n % 45}", number, "reversal", f"{n + 1}.50", f"2024-{n % 12 + 1:02d}", "2025-01-05")
            )
    rows.append(["bad"])
    path = register(tmp_path, rows)
    monkeypatch.setattr(service, "CHUNK_ROWS", 7)
    small = ingest_register(world, path).as_dict()
    small_state = (ledger(world), person_months(world))
    with world.begin() as conn:
        for t in ("person_month", "payment", "import_rejection", "import_batch"):
            conn.exec_driver_sql(f"DELETE FROM {t}")
    monkeypatch.setattr(service, "CHUNK_ROWS", 100_000)
    big = ingest_register(world, path).as_dict()
    assert (ledger(world), person_months(world)) == small_state
    for key in ("rows", "credited", "rejected", "rejected_by_reason", "amount", "reversals"):
        assert small[key] == big[key]
    # R4 and R11 are reversed by rows that repeat neither their amount nor their period.
    assert small["rejected_by_reason"] == {"bad_row_shape": 1, "duplicate_reference": 15, "reversal_mismatch": 2}
    assert (small["credited"], small["reversals"]) == (52, 7)
    assert person_months(world) == expected_person_months(world)


def test_file_level_errors_write_nothing(world: Engine, tmp_path: Path) -> None:
    wrong = write_csv(tmp_path / "wrong.csv", "reference,payer,iin", [["A", "B", "C"]])
    with pytest.raises(
        ImportFileError, match="missing: payer_id,payer_kind,period,kind,amount,value_date; unknown: payer"
    ):
        ingest_register(world, wrong)
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    with pytest.raises(ImportFileError, match="is empty"):
        ingest_register(world, empty)
    latin1 = tmp_path / "latin1.csv"
    latin1.write_bytes("reference,Müller\n".encode("latin-1"))
    with pytest.raises(ImportFileError, match="the header is not UTF-8"):
        ingest_register(world, latin1)
    lone_cr = tmp_path / "cr.csv"
    lone_cr.write_bytes(b"reference,\rpayer_id\n")
    with pytest.raises(ImportFileError, match="the header is not valid CSV"):
        ingest_register(world, lone_cr)
    with pytest.raises(InvalidInput, match="no such file"):
        ingest_register(world, tmp_path / "missing.csv")
    assert count(world, ImportBatch) == 0 and count(world, ImportRejection) == 0


def test_bom_crlf_quotes_spaces_blank_lines_and_column_order(world: Engine, tmp_path: Path) -> None:
    columns = ["amount", "iin", "kind", "period", "value_date", "reference", "payer_id", "payer_kind"]
    lines = [
        ",".join(columns),
        f'"2 445,90",{ENTREPRENEUR},ie_contribution,2017-08,2017-08-20,IE 1,{ENTREPRENEUR},individual_entrepreneur',
        "",
        f" 1414.20 , {SELF_PAYER} ,self_payment,2018-03,2018-03-10,SP\\1,{SELF_PAYER},self",
        f'1000.00,{WORKER},employer_deduction,2018-03,2018-04-10,"E,1",{EMPLOYER},employer',
        "   ",
        f'1.00,{WORKER},employer_deduction,2018-03,2018-04-10,"unterminated,{EMPLOYER},employer',
        f"1.00,{WORKER},employer_deduction,2018-03,2018-04-10,tab\there,{EMPLOYER},employer",
    ]
    path = tmp_path / "excel.csv"
    path.write_bytes(("\ufeff" + "\r\n".join(lines)).encode())  # no newline after the last row
    result = ingest_register(world, path, rejects_file=tmp_path / "r.csv")
    assert (result.rows, result.credited, result.rejected) == (5, 4, 1)
    assert result.amount == Decimal("4861.10")
    refs = [r[0] for r in ledger(world)]
    assert refs == ["E,1", "IE 1", "SP\\1", "tab\there"]
    report = read_report(tmp_path / "r.csv")
    assert [(r["line"], r["code"]) for r in report] == [("7", "bad_row_shape")]
    assert report[0]["raw"].startswith("1.00,") and '"unterminated' in report[0]["raw"]


def test_ledger_queries(world: Engine, tmp_path: Path) -> None:
    ingest_register(
        world,
        register(
            tmp_path,
            [
                row("E-1", WORKER, "employer_deduction", "2550.00", "2024-03", "2024-04-20"),
                row("E-2", WORKER, "employee_contribution", "1700.00", "2024-03", "2024-04-20"),
                row("C-1", WORKER, "civil_contract", "300.00", "2024-03", "2024-04-02"),
                row("E-3", WORKER, "employer_deduction", "2550.00", "2024-04", "2024-05-20"),
                row("E-4", PENSIONER, "employer_deduction", "900.00", "2024-03", "2024-04-20"),
                row("REV:E-2", WORKER, "reversal", "1700.00", "2024-03", "2024-04-25"),
                row("S-1", WORKER, "self_payment", "4250.00", "2024-02", "2024-02-10"),
            ],
        ),
    )
    with Session(world) as session:
        months = payments_of(session, WORKER)
        assert [(str(m.period), m.amount) for m in months] == [
            ("2024-04", Decimal("2550.00")),
            ("2024-03", Decimal("2850.00")),
            ("2024-02", Decimal("4250.00")),
        ]
        march = months[1]
        assert [(p.payer_id, p.payer_name, p.payer_kind, p.amount) for p in march.payers] == sorted(
            [
                (EMPLOYER, "ТОО Алатау", "employer", Decimal("2550.00")),
                (AGENT, "ТОО Агент", "agent", Decimal("300.00")),
            ]
        )
        employer = next(p for p in march.payers if p.payer_id == EMPLOYER)
        assert [(ln.reference, ln.kind, ln.amount, ln.value_date, ln.reversed_by) for ln in employer.lines] == [
            ("E-1", "employer_deduction", Decimal("2550.00"), date(2024, 4, 20), None),
            ("E-2", "employee_contribution", Decimal("1700.00"), date(2024, 4, 20), "REV:E-2"),
            ("REV:E-2", "reversal", Decimal("-1700.00"), date(2024, 4, 25), None),
        ]
        assert months[2].payers[0].payer_name is None  # a self-payer is not in the payer registry
        assert [str(m.period) for m in payments_of(session, WORKER, Month(2024, 3))] == ["2024-04", "2024-03"]
        assert payments_of(session, SELF_PAYER) == []
        with pytest.raises(NotFound):
            payments_of(session, NOBODY)
        with pytest.raises(InvalidInput):
            payments_of(session, "860101300012")
        staff = employer_payments(session, EMPLOYER, Month(2024, 3))
        assert [(e.iin, e.name, e.kind, e.amount, e.reversed_by) for e in staff] == sorted(
            [
                (WORKER, "Тестов P2", "employee_contribution", Decimal("1700.00"), "REV:E-2"),
                (WORKER, "Тестов P2", "employer_deduction", Decimal("2550.00"), None),
                (WORKER, "Тестов P2", "reversal", Decimal("-1700.00"), None),
                (PENSIONER, "Тестов P3", "employer_deduction", Decimal("900.00"), None),
            ]
        )
        assert employer_payments(session, EMPLOYER, Month(2024, 5)) == []


def test_cli_ingest_json_and_table(world: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(payments_cli, "get_engine", lambda url=None: world)
    path = register(
        tmp_path,
        [
            row("IE-2017-08", ENTREPRENEUR, "ie_contribution", "2445.90", "2017-08", "2017-08-20"),
            row("SP-2018-03", SELF_PAYER, "self_payment", "1414.20", "2018-03", "2018-03-10"),
            row("SP-2018-03", SELF_PAYER, "self_payment", "1414.20", "2018-03", "2018-03-10"),
        ],
    )
    runner = CliRunner()
    result = runner.invoke(payments_cli.payments_app, ["ingest", str(path), "--json"])
    assert result.exit_code == 0, result.output
    lines = result.stdout.strip().splitlines()
    assert len(lines) == 1
    body = json.loads(lines[0])
    assert {k: body[k] for k in ("rows", "credited", "rejected", "rejected_by_reason", "amount")} == {
        "rows": 3,
        "credited": 2,
        "rejected": 1,
        "rejected_by_reason": {"duplicate_reference": 1},
        "amount": "3860.10",
    }
    assert {"seconds", "already_credited", "batch_id"} <= set(body)
    assert body["rejects_file"] == str(path) + ".rejected.csv"
    assert read_report(Path(body["rejects_file"]))[0]["code"] == "duplicate_reference"
    again = runner.invoke(payments_cli.payments_app, ["ingest", str(path)])
    assert again.exit_code == 0
    assert "already credited" in again.output and "duplicate_reference" in again.output
    bad = runner.invoke(payments_cli.payments_app, ["ingest", str(tmp_path / "nope.csv"), "--json"])
    assert bad.exit_code == 1 and "no such file" in bad.output
    rebuilt = runner.invoke(payments_cli.payments_app, ["rebuild-summary"])
    assert rebuilt.exit_code == 0 and "2 rows" in rebuilt.output


# ---------------------------------------------------------------------------------------------
# The coverage summary


def _pay(
    conn, ref: str, number: str, period: Month, kind: str, amount: str, payer: str, value_date: date, reverses=None
):
    conn.execute(
        Payment.__table__.insert(),
        {
            "reference": ref,
            "batch_id": 1,
            "line": 0,
            "payer_id": payer,
            "payer_kind": "employer",
            "iin": number,
            "period": period,
            "kind": kind,
            "amount": Decimal(amount),
            "value_date": value_date,
            "reverses": reverses,
        },
    )


def test_refresh_recomputes_only_the_touched_pairs_and_refresh_all_drops_stale_rows(engine: Engine) -> None:
    march, april = Month(2024, 3), Month(2024, 4)
    with engine.begin() as conn:
        conn.execute(
            ImportBatch.__table__.insert(),
            {"id": 1, "kind": "test", "file_name": "t", "sha256": "0", "started_at": datetime.now(UTC)},
        )
        _pay(conn, "A", WORKER, march, "employer_deduction", "2550.00", EMPLOYER, date(2024, 4, 20))
        _pay(conn, "B", WORKER, march, "employee_contribution", "1700.00", AGENT, date(2024, 4, 18))
        _pay(conn, "C", WORKER, march, "employer_deduction", "2550.00", STATE, date(2024, 4, 25))  # tie: A is earlier
        _pay(conn, "D", WORKER, april, "self_payment", "4250.00", WORKER, date(2024, 4, 2))
        _pay(conn, "E", PENSIONER, march, "state_contribution", "6800.00", STATE, date(2024, 3, 5))
        assert summary.refresh(conn, "SELECT iin, period FROM payment WHERE iin = :who", {"who": WORKER}) == 2
    assert person_months(engine) == [
        (WORKER, march, Decimal("6800.00"), 3, 3, EMPLOYER, date(2024, 4, 18)),
        (WORKER, april, Decimal("4250.00"), 1, 16, WORKER, date(2024, 4, 2)),
    ]  # the pensioner's pair was not touched
    with engine.begin() as conn:
        _pay(conn, "REV:D", WORKER, april, "reversal", "-4250.00", WORKER, date(2024, 4, 9), reverses="D")
        _pay(conn, "REV:A", WORKER, march, "reversal", "-2550.00", EMPLOYER, date(2024, 4, 30), reverses="A")
        summary.refresh(conn, "SELECT iin, period FROM payment WHERE reverses IS NOT NULL")
    assert person_months(engine) == [
        (WORKER, march, Decimal("4250.00"), 2, 3, STATE, date(2024, 4, 18)),
    ]
    with engine.begin() as conn:  # a stale row no payment backs: refresh_all removes it
        conn.execute(
            PersonMonth.__table__.insert(),
            {
                "iin": NOBODY,
                "period": march,
                "amount": Decimal("1.00"),
                "payments": 1,
                "kinds": 1,
                "payer_id": EMPLOYER,
                "first_value_date": date(2024, 3, 1),
            },
        )
        summary.refresh_all(conn)
    assert person_months(engine) == expected_person_months(engine)
    assert [pm[0] for pm in person_months(engine)] == [PENSIONER, WORKER]
