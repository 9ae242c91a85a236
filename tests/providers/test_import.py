"""`osms providers import KIND FILE`: the registry import's guarantees for the six files of the register
(docs/providers.md, "Register"): any column order, upsert by key, every bad row kept with its reason
code, all-or-nothing, the same file twice changes nothing. Hand-written files through the real
command line."""

from __future__ import annotations

import csv
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from osms.core.models import ImportBatch
from osms.providers import checks, cli, service
from osms.providers.models import FundEmployee, Provider, ProviderContractHistory, ProviderFounder
from tests.providers.helpers import (
    BIN_1,
    BIN_2,
    EMPLOYEE,
    FOUNDER,
    HEADERS,
    load,
    provider_row,
    run,
    run_json,
    write,
)


def _codes(report: Path) -> list[tuple[int, str]]:
    with report.open(encoding="utf-8") as fh:
        return [(int(r["line"]), r["code"]) for r in csv.DictReader(fh)]


def _providers(tmp_path: Path) -> None:
    assert load(tmp_path, "providers", [provider_row("ALM-1"), provider_row("AST-H1", bin=BIN_2)])["accepted"] == 2


def test_providers_load_upsert_and_the_same_file_twice_changes_nothing(
    cli_db, session: Session, tmp_path: Path
) -> None:
    rows = [
        provider_row("ALM-1"),
        provider_row(
            "AST-H1",
            bin=BIN_2,
            name="Қалалық аурухана",
            ownership="state",
            region="KZ-AST",
            settlement="Астана",
            kind="hospital",
            accredited_until="",
            own_is="false",
            tax_arrears="150000.50",
        ),
    ]
    first = load(tmp_path, "providers", rows)
    assert (first["rows"], first["inserted"], first["rejected"]) == (2, 2, 0)
    assert first["kind"] == "providers"
    hospital = service.get_provider(session, "AST-H1")
    assert hospital == service.ProviderRecord(
        "AST-H1", BIN_2, "Қалалық аурухана", "state", "KZ-AST", "Астана", "hospital", "active", None, False,
        Decimal("150000.50"),
    )  # fmt: skip
    assert service.get_provider(session, "ALM-1").accredited_until == date(2027, 12, 31)

    again = load(tmp_path, "providers", rows)
    assert (again["inserted"], again["updated"], again["unchanged"]) == (0, 0, 2)

    changed = load(tmp_path, "providers", [provider_row("ALM-1", status="liquidation")], "changed.csv")
    assert (changed["inserted"], changed["updated"], changed["unchanged"]) == (0, 1, 0)
    session.expire_all()
    assert service.get_provider(session, "ALM-1").status == "liquidation"
    assert session.scalar(select(func.count()).select_from(Provider)) == 2


def test_columns_in_any_order(cli_db, session: Session, tmp_path: Path) -> None:
    columns = HEADERS["providers"].split(",")
    shuffled = list(reversed(columns))
    good = dict(zip(columns, provider_row("ALM-7"), strict=True))
    path = write(tmp_path, "providers", [[good[c] for c in shuffled]], header=",".join(shuffled))
    assert run_json("providers", "import", "providers", str(path))["inserted"] == 1
    assert service.get_provider(session, "ALM-7").bin == BIN_1


def test_every_bad_provider_row_is_kept_with_its_reason(cli_db, session: Session, tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "providers",
        [
            provider_row("ALM-1"),  # line 2: good
            provider_row("ALM 2"),  # 3
            provider_row("ALM-3", bin="123456789012"),  # 4
            provider_row("ALM-4", name=""),  # 5
            provider_row("ALM-5", ownership="public"),  # 6
            provider_row("ALM-6", region="KZ-XXX"),  # 7
            provider_row("ALM-7", kind="clinic"),  # 8
            provider_row("ALM-8", status="closed"),  # 9
            provider_row("ALM-9", accredited_until="2027-02-30"),  # 10
            provider_row("ALM-10", own_is="yes"),  # 11
            provider_row("ALM-11", tax_arrears="-5.00"),  # 12
            provider_row("ALM-12", tax_arrears="12.345"),  # 13
            provider_row("ALM-13", name="x" * 301),  # 14
            provider_row("ALM-1", name="again"),  # 15
            ["ALM-14", BIN_1],  # 16
        ],
    )
    with path.open("ab") as fh:
        fh.write(b"ALM-15,100540000018,\xff\xfe,private,KZ-ALA,x,phc,active,,true,0\n")  # 17
    result = run_json("providers", "import", "providers", str(path))
    assert (result["rows"], result["accepted"], result["rejected"]) == (16, 1, 15)
    report = tmp_path / "providers.csv.rejected.csv"
    assert result["rejects_file"] == str(report)
    assert _codes(report) == [
        (3, "bad_provider_id"),
        (4, "bad_bin"),
        (5, "missing_field"),
        (6, "bad_ownership"),
        (7, "unknown_region"),
        (8, "bad_kind"),
        (9, "bad_status"),
        (10, "bad_date"),
        (11, "bad_flag"),
        (12, "bad_amount"),
        (13, "bad_amount"),
        (14, "field_too_long"),
        (15, "duplicate_key"),
        (16, "bad_row_shape"),
        (17, "bad_encoding"),
    ]
    assert service.get_provider(session, "ALM-1").name == "Емхана №1"  # the first of the duplicates


def test_the_human_summary_names_each_reason(cli_db, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cli.errors, "width", 200)
    path = write(tmp_path, "providers", [provider_row("ALM-1"), provider_row("ALM-2", kind="clinic")])
    result = run("providers", "import", "providers", str(path))
    assert result.exit_code == 0, result.output
    assert "bad_kind" in result.output and "kind must be phc, polyclinic, hospital, ambulance or rural" in result.output


def test_a_bad_header_writes_nothing(cli_db, session: Session, tmp_path: Path) -> None:
    path = write(tmp_path, "providers", [provider_row("ALM-1")], header=HEADERS["providers"].replace(",own_is", ""))
    result = run("providers", "import", "providers", str(path), "--json")
    assert result.exit_code == 1
    assert '"code": "bad_file"' in result.stdout and "missing: own_is" in result.stdout
    assert session.scalar(select(func.count()).select_from(Provider)) == 0
    assert session.scalar(select(func.count()).select_from(ImportBatch)) == 0


def test_a_missing_file_is_a_clear_error(cli_db, tmp_path: Path) -> None:
    result = run("providers", "import", "licences", str(tmp_path / "none.csv"), "--json")
    assert result.exit_code == 1 and '"code": "no_file"' in result.stdout


def test_licences(cli_db, session: Session, tmp_path: Path) -> None:
    _providers(tmp_path)
    rows = [
        ["ALM-1", "phc", "2015-01-01", "", "2015-03-01"],  # 2
        ["ALM-1", "consult_diag", "2020-01-01", "2024-12-31", ""],  # 3
        ["ALM-1", "surgery", "2020-01-01", "", ""],  # 4
        ["ZZZ-9", "phc", "2020-01-01", "", ""],  # 5
        ["AST-H1", "inpatient_planned", "2020-01-01", "2019-12-31", ""],  # 6
        ["AST-H1", "inpatient_planned", "2020-13-01", "", ""],  # 7
        ["AST-H1", "inpatient_planned", "", "", ""],  # 8
    ]
    result = load(tmp_path, "licences", rows)
    assert result["kind"] == "provider_licences"
    assert result["rejected_by_reason"] == {
        "bad_date": 1,
        "bad_period": 1,
        "missing_field": 1,
        "unknown_care_type": 1,
        "unknown_provider": 1,
    }
    licences = service.licences_of(session, "ALM-1")
    assert [(x.care_type, x.licensed_from, x.licensed_to, x.experience_from) for x in licences] == [
        ("consult_diag", date(2020, 1, 1), date(2024, 12, 31), None),
        ("phc", date(2015, 1, 1), None, date(2015, 3, 1)),
    ]
    assert not licences[0].in_force(date(2025, 1, 1)) and licences[1].in_force(date(2025, 1, 1))
    assert load(tmp_path, "licences", rows)["unchanged"] == 2


def test_resources_upsert(cli_db, session: Session, tmp_path: Path) -> None:
    _providers(tmp_path)
    rows = [
        ["AST-H1", "beds:cardiology", "40"],
        ["ALM-1", "staff:gp", "12"],
        ["ALM-1", "phc_capacity", "15000"],
        ["ALM-1", "Beds Cardio", "3"],
        ["ALM-1", "beds:surgery", "-1"],
        ["ALM-1", "beds:therapy", "1.5"],
        ["ZZZ-9", "staff:gp", "1"],
    ]
    result = load(tmp_path, "resources", rows)
    assert result["rejected_by_reason"] == {"bad_quantity": 2, "bad_resource": 1, "unknown_provider": 1}
    more = load(tmp_path, "resources", [["ALM-1", "phc_capacity", "16500"]], "more.csv")
    assert (more["updated"], more["inserted"]) == (1, 0)
    session.expire_all()
    assert [(r.resource, r.quantity) for r in service.resources_of(session, "ALM-1")] == [
        ("phc_capacity", 16500),
        ("staff:gp", 12),
    ]


def test_founders_and_fund_employees(cli_db, session: Session, tmp_path: Path) -> None:
    _providers(tmp_path)
    founders = load(
        tmp_path,
        "founders",
        [
            ["ALM-1", FOUNDER, "true"],
            ["AST-H1", EMPLOYEE, "false"],
            ["ALM-1", "700115300012", "true"],
            ["ALM-1", EMPLOYEE, "maybe"],
            ["ZZZ-9", FOUNDER, "true"],
        ],
    )
    assert founders["kind"] == "provider_founders"
    assert founders["rejected_by_reason"] == {"bad_flag": 1, "bad_iin": 1, "unknown_provider": 1}
    assert [(f.provider_id, f.decision_rights) for f in service.providers_founded_by(session, FOUNDER)] == [
        ("ALM-1", True)
    ]
    employees = load(
        tmp_path,
        "fund-employees",
        [
            [EMPLOYEE, "2019-01-01", "2021-06-30"],
            [EMPLOYEE, "2023-02-01", ""],
            [FOUNDER, "2020-01-01", "2019-01-01"],
            ["123", "2020-01-01", ""],
        ],
    )
    assert employees["kind"] == "fund_employees"
    assert employees["rejected_by_reason"] == {"bad_iin": 1, "bad_period": 1}
    periods = service.fund_employments(session, [EMPLOYEE, FOUNDER])
    assert [(p.valid_from, p.valid_to) for p in periods] == [
        (date(2019, 1, 1), date(2021, 6, 30)),
        (date(2023, 2, 1), None),
    ]
    assert not periods[0].covers(date(2022, 1, 1)) and periods[1].covers(date(2026, 1, 1))
    assert session.scalar(select(func.count()).select_from(FundEmployee)) == 2
    assert session.scalar(select(func.count()).select_from(ProviderFounder)) == 2


def test_contract_history(cli_db, session: Session, tmp_path: Path) -> None:
    _providers(tmp_path)
    rows = [
        ["C-2021/7", "ALM-1", "2021-01-01", "2023-12-31", "2022-05-15", "nonperformance"],  # 2
        ["C-2024/1", "ALM-1", "2024-01-01", "2026-12-31", "", ""],  # 3
        ["C-3", "ALM-1", "2024-01-01", "2024-12-31", "2024-06-01", "expired"],  # 4
        ["C-4", "ALM-1", "2024-01-01", "2024-12-31", "2024-06-01", ""],  # 5
        ["C-5", "ALM-1", "2024-01-01", "2024-12-31", "2025-02-01", "agreement"],  # 6
        ["C 6", "ALM-1", "2024-01-01", "2024-12-31", "", ""],  # 7
        ["C-7", "ZZZ-9", "2024-01-01", "2024-12-31", "", ""],  # 8
        ["C-8", "ALM-1", "2024-01-01", "", "", ""],  # 9
    ]
    result = load(tmp_path, "contract-history", rows)
    assert result["kind"] == "contract_history"
    assert _codes(tmp_path / "contract-history.csv.rejected.csv") == [
        (4, "bad_termination"),
        (5, "termination_mismatch"),
        (6, "bad_period"),
        (7, "bad_contract_id"),
        (8, "unknown_provider"),
        (9, "missing_field"),
    ]
    contracts = service.contracts_of(session, "ALM-1")
    assert [(c.contract_id, c.terminated_on, c.termination) for c in contracts] == [
        ("C-2021/7", date(2022, 5, 15), "nonperformance"),
        ("C-2024/1", None, None),
    ]
    assert load(tmp_path, "contract-history", rows)["unchanged"] == 2
    assert session.scalar(select(func.count()).select_from(ProviderContractHistory)) == 2


def test_every_reason_has_a_sentence_in_each_language() -> None:
    for code in checks.REASONS:
        message = checks.reason_message(code)
        assert set(message) == {"kk", "ru", "en"}
        assert message["en"] == checks.REASONS[code]
        assert message["kk"] != message["en"] and message["ru"] != message["en"], code
