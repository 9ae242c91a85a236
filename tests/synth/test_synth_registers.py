"""``osms synth --registers``: payment registers derived from the synthetic country."""

from __future__ import annotations

import csv
import json
from collections import defaultdict
from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from typer.testing import CliRunner

from osms.cli import app
from osms.contributions.rulebook import ContributionsTopic
from osms.contributions.rules import Membership, compute, employee_charges, state_paid_hits
from osms.core.identity import check_bin, check_iin
from osms.core.periods import Month
from osms.core.workdays import is_working_day
from osms.rulebooks.loader import load_rulebook
from osms.synth.country import SynthConfig
from osms.synth.generator import generate
from osms.synth.registers import (
    BAD_REASONS,
    BAD_ROWS_COLUMNS,
    KINDS,
    REGISTER_COLUMNS,
    _Amounts,
    _income_amount,
    read_bad_rows,
    value_months,
)
from osms.synth.rules import FILES

runner = CliRunner()
PEOPLE, SEED, MONTHS = 300, 7, 6
RB = load_rulebook("kz-law")
Row = dict[str, str]


@pytest.fixture(scope="module")
def country(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("country")
    generate(SynthConfig(people=PEOPLE, seed=SEED, registers=MONTHS), out)
    return out


def _read(path: Path) -> list[Row]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def _register_files(out: Path) -> list[Path]:
    return [out / "registers" / f"register-{m}.csv" for m in value_months(date(2026, 1, 1), MONTHS)]


def _memberships(out: Path) -> dict[str, list[Membership]]:
    found: dict[str, list[Membership]] = defaultdict(list)
    for row in _read(out / "categories.csv"):
        found[row["iin"]].append(
            Membership(
                row["category"],
                date.fromisoformat(row["valid_from"]),
                date.fromisoformat(row["valid_to"]) if row["valid_to"] else None,
            )
        )
    return found


class _Checked:
    """An independent check of every register line: the expected bad lines, and the good rows."""

    def __init__(self, out: Path) -> None:
        persons = {p["iin"] for p in _read(out / "persons.csv")}
        payers = {p["payer_id"]: p["kind"] for p in _read(out / "payers.csv")}
        self.bad: set[tuple[str, int, str]] = set()
        self.good: list[tuple[str, Row]] = []
        credited: dict[str, Row] = {}
        for path in _register_files(out):
            value_month = Month.parse(path.stem.removeprefix("register-"))
            seen: set[str] = set()
            new: dict[str, Row] = {}
            lines = path.read_text(encoding="utf-8").splitlines()
            assert lines[0] == ",".join(REGISTER_COLUMNS)
            for number, line in enumerate(lines[1:], start=2):
                fields = line.split(",")
                reason = self._reason(fields, value_month, seen, persons, payers, credited)
                if len(fields) == len(REGISTER_COLUMNS):
                    seen.add(fields[0])
                if reason:
                    self.bad.add((path.name, number, reason))
                    continue
                row = dict(zip(REGISTER_COLUMNS, fields, strict=True))
                self.good.append((path.name, row))
                new[row["reference"]] = row
            credited.update(new)  # a reversal refers to an earlier file

    @staticmethod
    def _reason(
        fields: list[str],
        value_month: Month,
        seen: set[str],
        persons: set[str],
        payers: dict[str, str],
        credited: dict[str, Row],
    ) -> str | None:
        if len(fields) != len(REGISTER_COLUMNS):
            return "bad_row_shape"
        ref, payer_id, payer_kind, iin, period, kind, amount, _ = fields
        if not check_iin(iin).valid:
            return "bad_iin"
        if Decimal(amount) <= 0:
            return "non_positive_amount"
        month = Month.parse(period)
        if kind not in ("self_payment", "reversal") and month > value_month:
            return "period_too_far_ahead"
        if ref in seen:
            return "duplicate_reference"
        if iin not in persons:
            return "unknown_person"
        if payer_kind != "self" and payer_id not in payers:
            return "unknown_payer"
        if kind == "reversal":
            original = credited.get(ref.removeprefix("REV:"))
            if original is None:
                return "unknown_original"
            assert (original["payer_id"], original["iin"], original["period"], original["amount"]) == (
                payer_id,
                iin,
                period,
                amount,
            )
        return None


@pytest.fixture(scope="module")
def checked(country: Path) -> _Checked:
    return _Checked(country)


def test_files_of_the_window_and_the_resent_copy(country: Path) -> None:
    names = sorted(p.name for p in (country / "registers").iterdir())
    assert names == [
        "bad_rows.csv",
        "register-2025-07.csv",
        "register-2025-08.csv",
        "register-2025-09.csv",
        "register-2025-10.csv",
        "register-2025-11.csv",
        "register-2025-12.csv",
        "register-2025-12.resent.csv",
    ]
    reg = country / "registers"
    assert (reg / "register-2025-12.resent.csv").read_bytes() == (reg / "register-2025-12.csv").read_bytes()
    manifest = json.loads((country / "manifest.json").read_text(encoding="utf-8"))["registers"]
    assert manifest["resent"] == {"file": "register-2025-12.resent.csv", "copy_of": "register-2025-12.csv"}
    assert manifest["first_month"] == "2025-07" and manifest["last_month"] == "2025-12"
    for path in _register_files(country):
        lines = path.read_bytes().split(b"\n")
        assert lines[-1] == b"" and b"\r" not in path.read_bytes()
        assert manifest["files"][path.name] == len(lines) - 2  # header and the final newline


def test_same_seed_same_registers_and_the_country_is_unchanged(country: Path, tmp_path: Path) -> None:
    again, plain = tmp_path / "again", tmp_path / "plain"
    generate(SynthConfig(people=PEOPLE, seed=SEED, registers=MONTHS), again)
    generate(SynthConfig(people=PEOPLE, seed=SEED), plain)
    for path in (country / "registers").iterdir():
        assert (again / "registers" / path.name).read_bytes() == path.read_bytes(), path.name
    for name in FILES:  # --registers leaves the country's files byte-identical
        assert (plain / name).read_bytes() == (country / name).read_bytes(), name
    assert not (plain / "registers").exists()
    assert "registers" not in json.loads((plain / "manifest.json").read_text(encoding="utf-8"))
    other = tmp_path / "other"
    generate(SynthConfig(people=PEOPLE, seed=SEED + 1, registers=MONTHS), other)
    assert (other / "registers" / "register-2025-12.csv").read_bytes() != (
        country / "registers" / "register-2025-12.csv"
    ).read_bytes()


def test_bad_rows_csv_lists_exactly_the_bad_rows(country: Path, checked: _Checked) -> None:
    rows = _read(country / "registers" / "bad_rows.csv")
    assert tuple(rows[0]) == BAD_ROWS_COLUMNS
    listed = {(r["file"], int(r["line"]), r["reason"]) for r in rows}
    assert len(listed) == len(rows)
    assert listed == checked.bad
    assert {r["reason"] for r in rows} == set(BAD_REASONS)
    assert read_bad_rows(country / "registers") == [
        (r["file"], int(r["line"]), r["reference"], r["reason"]) for r in rows
    ]
    # the listed reference is the one on that line
    for r in rows:
        line = (country / "registers" / r["file"]).read_text(encoding="utf-8").splitlines()[int(r["line"]) - 1]
        assert line.split(",")[0] == r["reference"]
    bad_files = {r["file"] for r in rows}
    assert "register-2025-12.csv" not in bad_files  # the resent file is a clean one
    total = sum(1 for _ in checked.good) + len(rows)
    assert len(rows) < 0.05 * total


def test_good_rows_fit_the_registries(country: Path, checked: _Checked) -> None:
    persons = {p["iin"] for p in _read(country / "persons.csv")}
    payers = {p["payer_id"]: p["kind"] for p in _read(country / "payers.csv")}
    allowed = {
        "employer_deduction": {"employer", "individual_entrepreneur"},
        "employee_contribution": {"employer", "individual_entrepreneur"},
        "civil_contract": {"employer", "agent"},
        "ie_contribution": {"individual_entrepreneur"},
        "self_payment": {"self"},
        "state_contribution": {"state", "local_budget"},
    }
    references: set[str] = set()
    kinds: set[str] = set()
    for name, row in checked.good:
        kind = row["kind"]
        kinds.add(kind)
        value_date = date.fromisoformat(row["value_date"])
        assert f"register-{value_date:%Y-%m}.csv" == name
        assert row["iin"] in persons
        assert row["amount"] == f"{Decimal(row['amount']):.2f}"
        assert row["reference"] not in references
        references.add(row["reference"])
        if kind == "reversal":
            assert row["reference"].startswith("REV:P")
            continue
        assert row["reference"].startswith(f"P{SEED}-{value_date:%Y-%m}-")
        assert row["payer_kind"] in allowed[kind]
        if kind in ("self_payment", "ie_contribution"):
            assert row["payer_id"] == row["iin"]
        if row["payer_kind"] != "self":
            assert payers[row["payer_id"]] == row["payer_kind"]
            assert check_bin(row["payer_id"]).valid or payers[row["payer_id"]] == "individual_entrepreneur"
        period, month = Month.parse(row["period"]), Month.of(value_date)
        if kind in ("employer_deduction", "employee_contribution", "civil_contract"):
            assert period == month - 1 and value_date.day <= 25 and is_working_day(value_date)
        elif kind == "state_contribution":
            assert period == month - 1 and is_working_day(value_date)
            first = [d for d in range(1, 15) if is_working_day(date(month.year, month.month, d))][:5]
            assert value_date.day in first
        elif kind == "ie_contribution":
            assert month - 12 <= period <= month
        else:  # self-payment: arrears up to 12 months back, prepayment up to 12 ahead (since 2022-09-05)
            assert month - 12 <= period <= month + RB.topic(ContributionsTopic).self_payer_prepay_months(value_date)
    assert kinds >= set(KINDS) - {"reversal"}  # reversals are 0.05%: see the 4,000-people test


def test_amounts_equal_the_calculators(country: Path, checked: _Checked) -> None:
    jobs: dict[tuple[str, str, str], list[tuple[Month, Month, Decimal]]] = defaultdict(list)
    for r in _read(country / "employment.csv"):
        start = Month.of(date.fromisoformat(r["start"]))
        end = Month.of(date.fromisoformat(r["end"])) if r["end"] else Month(9999, 12)
        jobs[r["iin"], r["payer_id"], r["kind"]].append((start, end, Decimal(r["monthly_income"])))
    calc_kind = {
        "employer_deduction": "employer-deduction",
        "employee_contribution": "employee-contribution",
        "civil_contract": "civil-contract",
        "ie_contribution": "individual-entrepreneur",
        "self_payment": "self-payer",
        "state_contribution": "state",
    }
    checked_rows = 0
    for _, row in checked.good:
        kind = row["kind"]
        if kind == "reversal":
            continue
        period = Month.parse(row["period"])
        incomes: list[Decimal | None] = [None]
        if kind in ("employer_deduction", "employee_contribution", "civil_contract"):
            job_kind = "civil_contract" if kind == "civil_contract" else "employee"
            spans = jobs[row["iin"], row["payer_id"], job_kind]
            incomes = [income for start, end, income in spans if start <= period <= end]
            assert incomes, row
        expected = {compute(RB, calc_kind[kind], period, income).amount for income in incomes}
        assert Decimal(row["amount"]) in expected, row
        checked_rows += 1
    assert checked_rows > 1000


def test_hand_checked_amounts() -> None:
    amounts = _Amounts(RB)
    may_2024 = Month(2024, 5).index
    deduction = amounts.income_rule("employer-deduction", may_2024)
    contribution = amounts.income_rule("employee-contribution", may_2024)
    assert deduction is not None and contribution is not None
    assert _income_amount(deduction, 30_000_000) == "9000.00"  # 3% of 300,000.00
    assert _income_amount(contribution, 30_000_000) == "6000.00"  # 2% of 300,000.00
    assert _income_amount(deduction, 200_000_000) == "25500.00"  # capped at 10 MW = 850,000
    assert _income_amount(contribution, 200_000_000) == "17000.00"
    assert amounts.flat("self-payer", may_2024) == "4250.00"
    assert amounts.flat("individual-entrepreneur", may_2024) == "5950.00"
    assert amounts.income_rule("employee-contribution", Month(2019, 5).index) is None  # from 2020
    assert amounts.flat("individual-entrepreneur", Month(2019, 5).index) is None  # exempt 2018-2019
    # The same figure in a register row: the employer's 3% of an income, capped at 10 MW (2025).
    for period in (Month(2025, 7), Month(2025, 12)):
        rule = amounts.income_rule("employer-deduction", period.index)
        assert rule is not None
        for income in ("85000.00", "412345.67", "850000.00", "2000000.00"):
            expected = (min(Decimal(income), Decimal(850_000)) * Decimal("0.03")).quantize(Decimal("0.01"))
            assert _income_amount(rule, int(Decimal(income) * 100)) == f"{expected:.2f}"


def test_no_deduction_in_a_state_paid_month_and_the_state_pays_instead(country: Path, checked: _Checked) -> None:
    members = _memberships(country)
    persons = _read(country / "persons.csv")
    employer_rows: set[tuple[str, str, str]] = set()
    state_rows: dict[tuple[str, str], str] = {}
    for _, row in checked.good:
        if row["kind"] in ("employer_deduction", "employee_contribution", "civil_contract"):
            employer_rows.add((row["iin"], row["payer_id"], row["period"]))
        elif row["kind"] == "state_contribution":
            assert (row["iin"], row["period"]) not in state_rows  # one a person-month
            state_rows[row["iin"], row["period"]] = row["payer_kind"]
    periods = [m - 1 for m in value_months(date(2026, 1, 1), MONTHS)]
    # The state (or the local budget) pays for exactly the state-paid person-months.
    expected: dict[tuple[str, str], str] = {}
    for person in persons:
        for period in periods:
            hits = state_paid_hits(RB, members.get(person["iin"], []), period)
            if hits:
                payer = "state" if any(h.payer == "state" for h in hits) else "local_budget"
                expected[person["iin"], str(period)] = payer
    assert state_rows == expected
    # Employees: a row for each month of the job, except the state-paid ones (employee_charges).
    excluded = paid = 0
    for job in _read(country / "employment.csv"):
        start = Month.of(date.fromisoformat(job["start"]))
        end = Month.of(date.fromisoformat(job["end"])) if job["end"] else Month(9999, 12)
        for period in periods:
            if not start <= period <= end:
                continue
            key = (job["iin"], job["payer_id"], str(period))
            charges = employee_charges(RB, period, Decimal(job["monthly_income"]), members.get(job["iin"], []))
            if charges.excluded:
                assert key not in employer_rows, key
                assert (job["iin"], str(period)) in state_rows
                excluded += 1
            else:
                assert key in employer_rows, key
                paid += 1
    assert excluded > 0 and paid > excluded


def test_self_payers_and_entrepreneurs_have_habits(tmp_path: Path) -> None:
    generate(SynthConfig(people=4000, seed=3, registers=24), tmp_path)
    window = value_months(date(2026, 1, 1), 24)
    self_paid: dict[str, dict[Month, Month]] = defaultdict(dict)  # iin -> period -> value month
    ie_batches: dict[tuple[str, Month], int] = defaultdict(int)
    for month in window:
        for row in _read(tmp_path / "registers" / f"register-{month}.csv"):
            if row.get("kind") == "self_payment" and row["payer_kind"] == "self":
                self_paid[row["iin"]][Month.parse(row["period"])] = month
            elif row.get("kind") == "ie_contribution":
                ie_batches[row["iin"], month] += 1
    prepaid = [iin for iin, paid in self_paid.items() if any(p > v for p, v in paid.items())]
    arrears = [iin for iin, paid in self_paid.items() if any(p < v - 1 for p, v in paid.items())]
    lapsed = []
    for iin, paid in self_paid.items():  # 4+ unpaid months, then only the current month, never the gap
        months = sorted(paid)
        for before, after in zip(months, months[1:], strict=False):
            if after - before > 4 and paid[after] == after and before >= window[0] - 1:
                lapsed.append(iin)
                break
    assert prepaid and arrears and lapsed
    assert any(n > 1 for n in ie_batches.values())  # an entrepreneur paying several months at once
    manifest = json.loads((tmp_path / "manifest.json").read_text(encoding="utf-8"))["registers"]
    assert manifest["reversals"] == manifest["kinds"]["reversal"] > 0
    assert all(v.year * 12 + v.month >= 2022 * 12 + 9 for paid in self_paid.values() for p, v in paid.items() if p > v)


def test_register_rules_accept_the_good_rows_and_name_the_bad(country: Path, checked: _Checked) -> None:
    rr = pytest.importorskip("osms.contributions.register_rules")
    assert tuple(rr.COLUMNS) == REGISTER_COLUMNS
    assert tuple(rr.KINDS) == KINDS
    assert set(BAD_REASONS) <= set(rr.REASONS)
    checker = rr.RegisterChecker(RB.topic(ContributionsTopic).self_payer_prepay_months)
    for _, row in checked.good:
        result = checker.check(*(row[c] for c in REGISTER_COLUMNS))
        assert not isinstance(result, rr.Rejection), (row, result)
    row_level = {"bad_iin", "non_positive_amount", "period_too_far_ahead"}
    for bad in _read(country / "registers" / "bad_rows.csv"):
        if bad["reason"] not in row_level:
            continue
        line = (country / "registers" / bad["file"]).read_text(encoding="utf-8").splitlines()[int(bad["line"]) - 1]
        result = checker.check(*line.split(","))
        assert isinstance(result, rr.Rejection) and result.code == bad["reason"], (line, result)


def test_cli_option(tmp_path: Path) -> None:
    out = tmp_path / "c"
    result = runner.invoke(
        app, ["synth", "-n", "120", "--seed", "2", "--as-of", "2024-03-01", "--registers", "2", "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    names = sorted(p.name for p in (out / "registers").iterdir())
    assert names == ["bad_rows.csv", "register-2024-01.csv", "register-2024-01.resent.csv", "register-2024-02.csv"]
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["registers"]["months"] == 2
    bad = runner.invoke(app, ["synth", "-n", "10", "--registers", "-1", "--out", str(tmp_path / "x")])
    assert bad.exit_code == 2 and "Traceback" not in bad.output
    plain = runner.invoke(app, ["synth", "-n", "10", "--out", str(tmp_path / "y")])
    assert plain.exit_code == 0 and not (tmp_path / "y" / "registers").exists()


def _write(path: Path, header: str, rows: Sequence[tuple[str, ...]]) -> None:
    path.write_text(header + "\n" + "".join(",".join(r) + "\n" for r in rows), encoding="utf-8")


def test_a_hand_made_country(tmp_path: Path) -> None:
    """Registers from files alone, for six people whose payments are known by hand."""
    from osms.core.identity import make_bin, make_iin
    from osms.synth.country import local_budget_payer_ids, state_payer_id
    from osms.synth.registers import write_registers

    def iin(born: date, sex: str) -> str:
        return next(x for s in range(100, 200) if (x := make_iin(born, sex, s)) is not None)  # type: ignore[arg-type]

    def bin_(registered: date) -> str:
        return next(x for s in range(100, 200) if (x := make_bin(registered, 4, 0, s)) is not None)

    employee, pensioner, arrested = iin(date(1985, 4, 2), "M"), iin(date(1960, 3, 10), "M"), iin(date(1990, 1, 5), "M")
    unemployed, self_payer, child = iin(date(1992, 6, 1), "F"), iin(date(1980, 9, 9), "F"), iin(date(2015, 2, 2), "F")
    employer, other = bin_(date(2010, 5, 1)), bin_(date(2012, 7, 1))
    local = local_budget_payer_ids()
    people = [
        (employee, "employee"),
        (pensioner, "employee"),
        (arrested, "house_arrest"),
        (unemployed, "unemployed"),
        (self_payer, "self_payer"),
        (child, "child"),
    ]
    _write(
        tmp_path / "persons.csv",
        "iin,last_name,first_name,middle_name,birth_date,sex,residency,region,address_code,death_date",
        [(i, "Ахметов", "Ерлан", "", "", "M", "citizen", "KZ-AST", "KZ-AST-0001", "") for i, _ in people],
    )
    _write(tmp_path / "economic_status.csv", "iin,status", people)
    _write(
        tmp_path / "payers.csv",
        "payer_id,kind,name,region",
        [
            (state_payer_id(), "state", "Министерство финансов", ""),
            *((b, "local_budget", f"Местный бюджет {r}", r) for r, b in local.items()),
            (employer, "employer", "ТОО «Дала»", "KZ-AST"),
            (other, "employer", "ТОО «Тау»", "KZ-AST"),
        ],
    )
    _write(
        tmp_path / "employment.csv",
        "iin,payer_id,kind,monthly_income,start,end",
        [
            (employee, employer, "employee", "300000.00", "2020-01-15", ""),
            (pensioner, other, "employee", "200000.00", "2015-02-01", ""),
        ],
    )
    _write(
        tmp_path / "categories.csv",
        "iin,category,valid_from,valid_to,source",
        [
            (pensioner, "pensioner", "2023-03-10", "", "synth:pension-fund"),
            (arrested, "house_arrest", "2022-03-28", "2022-09-30", "synth:penal-system"),
            (unemployed, "unemployed_registered", "2025-10-01", "", "synth:employment-centre"),
            (child, "child", "2015-02-02", "2033-02-01", "synth:civil-registry"),
        ],
    )
    result = write_registers(tmp_path, seed=5, as_of=date(2026, 3, 1), months=48)
    assert (result.first_month, result.last_month) == ("2022-03", "2026-02")
    files: dict[str, list[Row]] = {}
    for name in result.files:
        files[name] = [r for r in _read(tmp_path / "registers" / name) if r["kind"] in KINDS]
    bad = {(b["file"], b["reference"]) for b in _read(tmp_path / "registers" / "bad_rows.csv")}

    def rows(value_month: str, who: str, kind: str | None = None) -> list[Row]:
        name = f"register-{value_month}.csv"
        return [
            r
            for r in files[name]
            if r["iin"] == who and (kind is None or r["kind"] == kind) and (name, r["reference"]) not in bad
        ]

    # An employee with 300,000.00 a month in 2024: 3% and 2%, paid in the next month by the 25th.
    june = rows("2024-06", employee)
    assert {(r["kind"], r["period"], r["amount"], r["payer_id"]) for r in june} == {
        ("employer_deduction", "2024-05", "9000.00", employer),
        ("employee_contribution", "2024-05", "6000.00", employer),
    }
    assert {(r["kind"], r["amount"]) for r in rows("2022-06", employee)} == {
        ("employer_deduction", "9000.00"),  # 3% from 2022
        ("employee_contribution", "6000.00"),
    }
    # A working pensioner (from 2023-03-10): the employer pays up to February 2023, then the state.
    assert {r["kind"] for r in rows("2023-03", pensioner)} == {"employer_deduction", "employee_contribution"}
    for month in ("2023-04", "2024-01", "2026-02"):
        assert [(r["kind"], r["payer_kind"]) for r in rows(month, pensioner)] == [("state_contribution", "state")]
    assert rows("2024-01", pensioner)[0]["amount"] == "4505.60"  # period 2023-12: 1.8% of the AMW of 2021, 250,311
    # House arrest from 2022-03-28 (state-paid from that day): March 2022 counts, February does not.
    assert rows("2022-03", arrested) == []
    assert [r["period"] for r in rows("2022-04", arrested)] == ["2022-03"]
    assert rows("2022-11", arrested) == []
    # Registered unemployed from 2025-10: the state pays for 2025, the local budget from 2026.
    assert [(r["period"], r["payer_kind"]) for r in rows("2026-01", unemployed)] == [("2025-12", "state")]
    assert [(r["period"], r["payer_id"]) for r in rows("2026-02", unemployed)] == [("2026-01", local["KZ-AST"])]
    # A child: the state, every month.
    assert all(len(rows(m[9:16], child, "state_contribution")) == 1 for m in files)
    # A self-payer pays 5% of the MW: 4,250.00 for any month of 2024.
    paid = [r for m in files for r in rows(m[9:16], self_payer)]
    assert paid and all(r["kind"] == "self_payment" and r["payer_id"] == self_payer for r in paid)
    assert all(r["amount"] == "4250.00" for r in paid if r["period"].startswith("2024"))
    assert not any(r["period"] > r["value_date"][:7] for r in paid if r["value_date"] < "2022-09-05")  # no prepaying
