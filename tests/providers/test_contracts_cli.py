"""``osms contracts ...`` on the test database: the import's guarantees (a reason code per bad row,
all of a file or nothing, the same file twice changes nothing), creation by hand and from a JSON
file, amendments, termination, list and show (docs/providers.md, "Contracts")."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from osms.core.models import ImportRejection
from osms.providers.models import Contract, ContractMonth
from tests.providers.helpers import BIN_2, load, provider_row, run, run_json

HEADER = "contract_id,provider_id,care_type,valid_from,valid_to,volume,sum,ground"
GOOD = [
    ["C-1", "ALM-1", "inpatient_planned", "2027-01-01", "2027-12-31", "1000", "1000000.00", "p19_reserve"],
    ["C-1", "ALM-1", "day_hospital", "2027-01-01", "2027-12-31", "120", "2400000.00", "p19_reserve"],
    ["C-2", "ALM-2", "phc", "2025-01-01", "2027-12-31", "36000", "360000000.00", "procurement:PROC-2025"],
]


def write(tmp_path: Path, rows: list[list[str]], name: str = "contracts.csv", header: str = HEADER) -> Path:
    path = tmp_path / name
    with path.open("w", newline="", encoding="utf-8") as fh:
        fh.write(header + "\n")
        csv.writer(fh, lineterminator="\n").writerows(rows)
    return path


def register(tmp_path: Path) -> None:
    load(tmp_path, "providers", [provider_row("ALM-1"), provider_row("ALM-2", bin=BIN_2)])


def counts(engine: Engine) -> tuple[int, int]:
    with engine.connect() as conn:
        return (
            conn.scalar(select(func.count()).select_from(Contract)) or 0,
            conn.scalar(select(func.count()).select_from(ContractMonth)) or 0,
        )


def test_import_creates_contracts_and_twice_changes_nothing(cli_db: str, engine: Engine, tmp_path: Path) -> None:
    register(tmp_path)
    path = write(tmp_path, GOOD)
    first = run_json("contracts", "import", str(path))
    assert (first["rows"], first["inserted"], first["unchanged"], first["rejected"]) == (3, 3, 0, 0)
    assert counts(engine) == (2, 12 + 12 + 36)
    second = run_json("contracts", "import", str(path))
    assert (second["rows"], second["inserted"], second["unchanged"], second["rejected"]) == (3, 0, 3, 0)
    assert counts(engine) == (2, 60)
    shown = run_json("contracts", "show", "C-2")
    assert (shown["ground"], shown["procurement_id"], shown["signed_on"]) == ("procurement", "PROC-2025", "2025-01-01")
    assert shown["months"][0] == {"care_type": "phc", "month": "2025-01", "volume": 1000, "sum": "10000000.00"}


def test_every_bad_row_has_its_code_and_the_good_ones_load(cli_db: str, engine: Engine, tmp_path: Path) -> None:
    register(tmp_path)
    rows = [
        GOOD[0],
        ["C-3", "NOBODY", "phc", "2027-01-01", "2027-12-31", "1", "1.00", "p19_reserve"],
        ["C-4", "ALM-1", "surgery", "2027-01-01", "2027-12-31", "1", "1.00", "p19_reserve"],
        ["C-5", "ALM-1", "phc", "2027-01-01", "2030-01-01", "1", "1.00", "p19_reserve"],
        ["C-6", "ALM-1", "phc", "2027-01-01", "2027-12-31", "-1", "1.00", "p19_reserve"],
        ["C-7", "ALM-1", "phc", "2027-01-01", "2027-12-31", "1", "1.001", "p19_reserve"],
        ["C-8", "ALM-1", "phc", "2027-02-30", "2027-12-31", "1", "1.00", "p19_reserve"],
        ["C-9", "ALM-1", "phc", "2027-01-01", "2027-12-31", "1", "1.00", "friendship"],
        ["C-10", "ALM-1", "phc", "2027-01-01", "2027-12-31", "1", "1.00", "procurement"],
        ["C-1", "ALM-1", "inpatient_planned", "2027-01-01", "2027-12-31", "5", "5.00", "p19_reserve"],
        ["C-11", "ALM-1", "phc", "2027-01-01", "2027-12-31", "1", "1.00", "p19_reserve"],
        ["C-11", "ALM-2", "day_hospital", "2027-01-01", "2027-12-31", "1", "1.00", "p19_reserve"],
        ["C-12", "ALM-1", "phc"],
        ["C-13", "ALM-1", "phc", "2027-01-01", "2027-12-31", "1", "", "p19_reserve"],
    ]
    result = run_json("contracts", "import", str(write(tmp_path, rows)))
    assert result["rejected_by_reason"] == {
        "bad_amount": 1,
        "bad_date": 1,
        "bad_row_shape": 1,
        "bad_volume": 1,
        "duplicate_key": 1,
        "ground_mismatch": 1,
        "inconsistent_contract": 2,
        "missing_field": 1,
        "term_over_max": 1,
        "unknown_care_type": 1,
        "unknown_ground": 1,
        "unknown_provider": 1,
    }
    assert (result["rows"], result["inserted"], result["rejected"]) == (14, 1, 13)
    assert counts(engine) == (1, 12)
    with engine.connect() as conn:
        lines = dict(conn.execute(select(ImportRejection.line, ImportRejection.code)).all())
    assert lines[3] == "unknown_provider" and lines[11] == "duplicate_key"
    report = (tmp_path / "contracts.csv.rejected.csv").read_text(encoding="utf-8")
    assert "unknown_provider" in report


def test_a_contract_held_with_other_figures_is_refused(cli_db: str, engine: Engine, tmp_path: Path) -> None:
    """Changes are additional agreements, not a file sent again."""
    register(tmp_path)
    run_json("contracts", "import", str(write(tmp_path, GOOD)))
    changed = [[*GOOD[0][:5], "999", *GOOD[0][6:]], GOOD[1]]
    result = run_json("contracts", "import", str(write(tmp_path, changed, "changed.csv")))
    assert result["rejected_by_reason"] == {"contract_exists": 2}
    assert run_json("contracts", "show", "C-1")["care_types"][1] == {
        "care_type": "inpatient_planned",
        "volume": 1000,
        "sum": "1000000.00",
    }


def test_a_wrong_header_refuses_the_file(cli_db: str, engine: Engine, tmp_path: Path) -> None:
    register(tmp_path)
    result = run("contracts", "import", str(write(tmp_path, GOOD, header=HEADER + ",extra")), "--json")
    assert result.exit_code == 1
    assert json.loads(result.stdout)["error"]["code"] == "bad_file"
    assert counts(engine) == (0, 0)


def _create(*args: str) -> dict[str, Any]:
    return run_json(
        "contracts", "create", "--id", "H-1", "--provider", "ALM-1", "--from", "2027-01-01", "--to", "2027-12-31",
        "--signed-on", "2026-12-20", "--ground", "p19_new_facility", "--note", "new hospital in Алатау",
        "--line", "inpatient_planned:1000:1000000.00", "--indicator", "hospital_mortality=≤ 1.2 %", *args,
    )  # fmt: skip


def test_create_amend_terminate_list_on_the_command_line(cli_db: str, engine: Engine, tmp_path: Path) -> None:
    register(tmp_path)
    made = _create("--advance-percent", "30")
    assert [m["volume"] for m in made["months"]] == [84] * 4 + [83] * 8
    assert (made["ground"], made["ground_note"], made["advance_percent"]) == (
        "p19_new_facility",
        "new hospital in Алатау",
        30,
    )
    amended = run_json(
        "contracts", "amend", "H-1", "--date", "2027-03-10", "--care-type", "inpatient_planned", "--volume", "900",
        "--sum", "900000.00", "--from-month", "2027-04",
    )  # fmt: skip
    assert [m["volume"] for m in amended["months"]] == [84] * 3 + [100] * 9
    assert amended["amendments"][0]["number"] == 1
    agreement = tmp_path / "agreement.json"
    agreement.write_text(
        json.dumps(
            {
                "number": 2,
                "signed_on": "2027-05-01",
                "months": [{"care_type": "inpatient_planned", "month": "2027-12", "volume": 0, "sum": "0.00"}],
            }
        ),
        encoding="utf-8",
    )
    second = run_json("contracts", "amend", "H-1", str(agreement))
    assert second["months"][-1] == {"care_type": "inpatient_planned", "month": "2027-12", "volume": 0, "sum": "0.00"}
    assert [a["number"] for a in second["amendments"]] == [1, 2]
    ended = run_json("contracts", "terminate", "H-1", "--on", "2027-06-15", "--reason", "provider_initiative")
    assert (ended["terminated_on"], ended["termination"]) == ("2027-06-15", "provider_initiative")
    refused = run("contracts", "terminate", "H-1", "--on", "2027-06-16", "--reason", "agreement", "--json")
    assert refused.exit_code == 1 and json.loads(refused.stdout)["error"]["code"] == "contract_terminated"
    listed = run_json("contracts", "list", "--provider", "ALM-1", "--care-type", "inpatient_planned")
    assert [c["contract_id"] for c in listed["items"]] == ["H-1"]
    assert run_json("contracts", "list", "--care-type", "phc")["items"] == []
    entry = run_json("providers", "show", "ALM-1")
    assert [(c["contract_id"], c["termination"]) for c in entry["contracts"]] == [("H-1", "provider_initiative")]


def test_create_from_a_json_file_and_its_refusals(cli_db: str, engine: Engine, tmp_path: Path) -> None:
    register(tmp_path)
    contract = {
        "contract_id": "J-1",
        "provider_id": "ALM-2",
        "valid_from": "2027-01-01",
        "valid_to": "2029-12-31",
        "signed_on": "2026-12-25",
        "ground": "p19_population_growth",
        "care_types": [{"care_type": "phc", "volume": 36000, "sum": "360000000.00"}],
        "indicators": {"screening_coverage": "≥ 90 %"},
    }
    path = tmp_path / "contract.json"
    path.write_text(json.dumps(contract), encoding="utf-8")
    made = run_json("contracts", "create", str(path))
    assert len(made["months"]) == 36 and made["months"][0]["volume"] == 1000
    path.write_text(json.dumps({**contract, "contract_id": "J-2", "valid_to": "2030-01-01"}), encoding="utf-8")
    over = run("contracts", "create", str(path), "--json")
    assert over.exit_code == 1 and json.loads(over.stdout)["error"]["code"] == "term_over_max"
    missing = run("contracts", "show", "NONE", "--json")
    assert json.loads(missing.stdout)["error"]["code"] == "unknown_contract"
    assert counts(engine) == (1, 36)
