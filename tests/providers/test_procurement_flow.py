"""The procurement workflow end to end on the command line (docs/providers.md, "Procurement
workflow"), on a hand-built register and the shipped ``kz-law`` rulebook (order ҚР ДСМ-242/2020).

The procurement PROC-2027-ALA buys 100 cases of planned inpatient care in Almaty for 1,000,000.00
tenge (10,000 a case); applications are taken 1-10 December 2026; stage 1 is decided on Monday
14 December 2026. Six applicants:

- H1: accredited to 2027, licensed and experienced since 2015 → admitted, preferred
  (``accredited``, ``experience_3y``: experience from 2015-12-01 or earlier, п.47); applies for 60;
- H2: licensed for consultative care only → ``no_licence`` (п.23);
- H3: tax arrears 25,950.01 tenge, over 6 МРП of 2026 (6 × 4,325 = 25,950.00) → ``tax_arrears`` (п.23);
  it pays and corrects on Thursday 17 December, the 2nd of its 3 working days (the 16th is
  Independence Day; п.39-40) → admitted, no preference; applies for 30;
- H4: its founder with decision rights is the sibling of a fund employee (they share a parent in
  the person registry) → ``founder_relative_of_fund_employee`` (п.37-1);
- H5: submitted on 11 December, after the window closed on the 10th → ``late_application`` (п.32);
- H6: clean, not accredited, experience from 2025 → admitted without preference; applies for 80
  with a capacity of 50 (``capacity:inpatient_planned``).

Stage 2 (the method of docs/decisions/0011-distribution-method.md, п.48): H1 first gets its 60; the
40 left are shared by H3 and H6 in proportion to 30 : 80 (bounds 30 and 50): 40 × 30/110 = 10.91 and
40 × 80/110 = 29.09; whole parts 10 + 29, the unit left to the larger remainder (H3): H3 11, H6 29.
Sums at 10,000.00 a case: H1 600,000.00, H3 110,000.00, H6 290,000.00.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from osms.providers.models import ProcurementAnnouncement, ProcurementApplication, ProcurementPlanLine
from osms.registry.models import FamilyLink, Person
from tests.providers.helpers import load, provider_row, run, write
from tests.registry.helpers import bin_, iin

ID = "PROC-2027-ALA"
CARE = "inpatient_planned"
PARENT = iin(date(1950, 3, 3), "F")
FOUNDER = iin(date(1975, 5, 5), "M")  # H4's founder with decision rights
EMPLOYEE = iin(date(1978, 7, 7), "F")  # a fund employee, FOUNDER's sister (the same parent)
PLAN_HEADER = "care_type,region,volume,unit,sum"
APP_HEADER = "application_id,provider_id,care_type,region,volume,sum,submitted"


def lines(*args: str) -> list[dict[str, Any]]:
    """``osms ARGS --json``: its JSON lines (exit code 0)."""
    result = run(*args, "--json")
    assert result.exit_code == 0, result.output
    return [json.loads(line) for line in result.stdout.strip().splitlines()]


def error(*args: str) -> str:
    """``osms ARGS --json`` that fails: its error code."""
    result = run(*args, "--json")
    assert result.exit_code == 1, result.output
    return str(json.loads(result.stdout.strip().splitlines()[-1])["error"]["code"])


def register(tmp_path: Path, session: Session, *, arrears_h3: str = "25950.01") -> None:
    def row(pid: str, serial: int, **changes: str) -> list[str]:
        base = {"kind": "hospital", "accredited_until": "", "own_is": "false"}
        return provider_row(pid, bin=bin_(date(2010, 5, 1), serial), **(base | changes))

    load(
        tmp_path,
        "providers",
        [
            row("H1", 1, accredited_until="2027-12-31"),
            row("H2", 2),
            row("H3", 3, tax_arrears=arrears_h3),
            row("H4", 4),
            row("H5", 5),
            row("H6", 6),
        ],
    )
    load(
        tmp_path,
        "licences",
        [
            ["H1", CARE, "2015-01-01", "", "2015-01-01"],
            ["H2", "consult_diag", "2015-01-01", "", "2015-01-01"],
            *[[p, CARE, "2015-01-01", "", "2025-01-01"] for p in ("H3", "H4", "H5", "H6")],
        ],
    )
    load(tmp_path, "resources", [["H6", f"capacity:{CARE}", "50"]])
    load(tmp_path, "founders", [["H4", FOUNDER, "true"]])
    load(tmp_path, "fund-employees", [[EMPLOYEE, "2020-01-01", ""]])
    for number, birth in ((PARENT, "1950-03-03"), (FOUNDER, "1975-05-05"), (EMPLOYEE, "1978-07-07")):
        session.add(
            Person(
                iin=number,
                last_name="Сейітов",
                first_name="Ерлан",
                birth_date=date.fromisoformat(birth),
                sex="M",
                residency="citizen",
                region="KZ-ALA",
            )
        )
    session.flush()
    session.add_all(
        [
            FamilyLink(iin=FOUNDER, relative_iin=PARENT, relation="parent"),
            FamilyLink(iin=EMPLOYEE, relative_iin=PARENT, relation="parent"),
        ]
    )
    session.commit()


def announce(tmp_path: Path, plan: list[list[str]] | None = None, pid: str = ID) -> Any:
    path = write(tmp_path, "plan", plan or [[CARE, "KZ-ALA", "100", "cases", "1000000.00"]], header=PLAN_HEADER)
    return run(
        "procurement",
        "announce",
        "--id",
        pid,
        "--year",
        "2027",
        "--opens",
        "2026-12-01",
        "--closes",
        "2026-12-10",
        "--plan",
        str(path),
        "--json",
    )


def applications(tmp_path: Path) -> Path:
    return write(
        tmp_path,
        "applications",
        [
            ["A1", "H1", CARE, "KZ-ALA", "60", "600000.00", "2026-12-02"],
            ["A2", "H2", CARE, "KZ-ALA", "20", "200000.00", "2026-12-03"],
            ["A3", "H3", CARE, "KZ-ALA", "30", "300000.00", "2026-12-04"],
            ["A4", "H4", CARE, "KZ-ALA", "20", "200000.00", "2026-12-05"],
            ["A5", "H5", CARE, "KZ-ALA", "20", "200000.00", "2026-12-11"],
            ["A6", "H6", CARE, "KZ-ALA", "80", "800000.00", "2026-12-10"],
        ],
        header=APP_HEADER,
    )


@pytest.fixture
def world(tmp_path: Path, cli_db: str, session: Session) -> Path:
    register(tmp_path, session)
    assert announce(tmp_path).exit_code == 0
    applied = lines("procurement", "apply", str(applications(tmp_path)), "--announcement", ID)[0]
    assert (applied["accepted"], applied["rejected"]) == (6, 0)
    return tmp_path


def test_end_to_end(world: Path, session: Session) -> None:
    # Stage 2 before stage 1 is refused, nothing placed.
    assert error("procurement", "distribute", ID) == "not_admitted_yet"

    decided = {d["application_id"]: d for d in lines("procurement", "admit", ID, "--on", "2026-12-14")}
    assert {k: (d["decision"], [r["code"] for r in d["reasons"]], d["preference"]) for k, d in decided.items()} == {
        "A1": ("admitted", [], ["accredited", "experience_3y"]),
        "A2": ("rejected", ["no_licence"], []),
        "A3": ("rejected", ["tax_arrears"], []),
        "A4": ("rejected", ["founder_relative_of_fund_employee"], []),
        "A5": ("rejected", ["late_application"], []),
        "A6": ("admitted", [], []),
    }
    assert decided["A3"]["reasons"][0]["message"]["en"] == (
        "The provider's tax arrears of 25,950.01 tenge exceed the 25,950.00 tenge tolerated."
    )
    assert set(decided["A5"]["reasons"][0]["message"]) == {"kk", "ru", "en"}
    assert "procurement.mrp.2026-01-01" in decided["A3"]["rules"]

    # Contracts come from placed volumes only.
    term = ("--from", "2027-01-01", "--to", "2027-12-31")
    assert error("contracts", "from-procurement", ID, *term) == "not_distributed_yet"

    # Re-running stage 1 before any correction gives the same decisions.
    assert lines("procurement", "admit", ID, "--on", "2026-12-14") == list(decided.values())

    # H3 pays its arrears and corrects on Thursday 17 December: admitted.
    load(
        world,
        "providers",
        [
            provider_row(
                "H3",
                bin=bin_(date(2010, 5, 1), 3),
                kind="hospital",
                accredited_until="",
                own_is="false",
                tax_arrears="0.00",
            )
        ],
        name="paid.csv",
    )
    corrected = lines("procurement", "correct", "A3", "--announcement", ID, "--on", "2026-12-17")[0]
    assert (corrected["decision"], corrected["correction"]["deadline"]) == ("admitted", "2026-12-18")
    # H2 corrects without a licence: still rejected; a second correction is refused (п.39-40).
    assert (
        lines("procurement", "correct", "A2", "--announcement", ID, "--on", "2026-12-15")[0]["decision"] == "rejected"
    )
    assert error("procurement", "correct", "A2", "--announcement", ID, "--on", "2026-12-16") == "second_correction"
    # Stage 1 is not decided again over a correction.
    assert error("procurement", "admit", ID, "--on", "2026-12-14") == "admission_corrected"

    placements = lines("procurement", "distribute", ID)
    assert placements == [
        {
            "care_type": CARE,
            "region": "KZ-ALA",
            "provider_id": "H1",
            "volume": 60,
            "sum": "600000.00",
            "preferred": True,
        },
        {
            "care_type": CARE,
            "region": "KZ-ALA",
            "provider_id": "H3",
            "volume": 11,
            "sum": "110000.00",
            "preferred": False,
        },
        {
            "care_type": CARE,
            "region": "KZ-ALA",
            "provider_id": "H6",
            "volume": 29,
            "sum": "290000.00",
            "preferred": False,
        },
    ]
    assert lines("procurement", "distribute", ID) == placements  # reproducible

    # The commission moves one case from H3 to H6, with its justification.
    changes = write(
        world,
        "changes",
        [[CARE, "KZ-ALA", "H3", "10"], [CARE, "KZ-ALA", "H6", "30"]],
        header="care_type,region,provider_id,volume",
    )
    assert error("procurement", "adjust", ID, str(changes), "--justification", " ") == "justification_required"
    adjusted = lines("procurement", "adjust", ID, str(changes), "--justification", "H6 opened a new ward")
    assert [(p["provider_id"], p["volume"], p["sum"]) for p in adjusted] == [
        ("H1", 60, "600000.00"),
        ("H3", 10, "100000.00"),
        ("H6", 30, "300000.00"),
    ]
    assert lines("procurement", "distribute", ID) == adjusted  # the hand change stays

    published = lines("procurement", "publish", ID)[0]
    assert published["state"] == "published" and len(published["results"]) == 3
    assert error("procurement", "publish", ID) == "already_published"
    assert error("procurement", "distribute", ID) == "already_published"

    # The placements become contracts, one per provider with the volume and sum placed (after the
    # commission's hand change), id PROCUREMENT/PROVIDER; made once.
    made = lines("contracts", "from-procurement", ID, *term, "--signed-on", "2026-12-21")
    assert [(c["contract_id"], c["ground"], c["procurement_id"], c["care_types"]) for c in made] == [
        (f"{ID}/H1", "procurement", ID, [{"care_type": CARE, "volume": 60, "sum": "600000.00"}]),
        (f"{ID}/H3", "procurement", ID, [{"care_type": CARE, "volume": 10, "sum": "100000.00"}]),
        (f"{ID}/H6", "procurement", ID, [{"care_type": CARE, "volume": 30, "sum": "300000.00"}]),
    ]
    assert error("contracts", "from-procurement", ID, *term) == "contract_exists"
    assert error("contracts", "from-procurement", "NOPE", *term) == "unknown_procurement"


def test_commission_protocol(world: Path) -> None:
    lines("procurement", "admit", ID, "--on", "2026-12-14")
    members = write(
        world,
        "members",
        [["Айгүл", "chair", ""], ["Бекзат", "member", "none"], ["Гүлнар", "member", "a cousin at H2"]],
        header="name,role,relatives",
    )
    even = write(world, "even", [["Айгүл", "chair", ""], ["Бекзат", "member", ""]], header="name,role,relatives")
    assert error("procurement", "members", ID, str(even)) == "even_membership"  # п.8: odd membership
    lines("procurement", "members", ID, str(members))
    for who, ballot in (("Айгүл", "for"), ("Бекзат", "against")):  # a tie: the chair's vote decides (п.16)
        lines("procurement", "vote", ID, "A1", "--member", who, "--vote", ballot)
    found = lines("procurement", "false-information", ID, "A6", "--reason", "the staff list was forged")[0]
    assert [r["code"] for r in found["reasons"]] == ["false_information"]
    protocol = lines("procurement", "protocol", ID)[0]
    assert [m["name"] for m in protocol["members"]] == ["Айгүл", "Бекзат", "Гүлнар"]
    assert (protocol["present"], protocol["quorum"]) == (2, True)  # 2 of 3 ≥ 2/3
    a1 = next(d for d in protocol["decisions"] if d["application_id"] == "A1")
    assert (a1["votes_for"], a1["votes_against"], a1["carried"]) == (1, 1, True)
    a6 = next(d for d in protocol["decisions"] if d["application_id"] == "A6")
    assert (a6["decision"], a6["false_information"]) == ("rejected", "the staff list was forged")
    assert error("procurement", "false-information", ID, "A1", "--reason", "") == "reason_required"


@pytest.mark.parametrize(
    ("plan", "code"),
    [
        ([["dragons", "KZ-ALA", "1", "cases", "1.00"]], "unknown_care_type"),
        ([[CARE, "KZ-XXX", "1", "cases", "1.00"]], "unknown_region"),
        ([[CARE, "KZ-ALA", "-5", "cases", "1.00"]], "negative_volume"),
        ([[CARE, "KZ-ALA", "5", "cases", "1.00"], [CARE, "KZ-ALA", "5", "cases", "1.00"]], "duplicate_plan_line"),
    ],
)
def test_a_bad_plan_is_refused_and_nothing_written(
    tmp_path: Path, cli_db: str, session: Session, plan: list[list[str]], code: str
) -> None:
    answer = announce(tmp_path, plan + [[CARE, "KZ-AST", "5", "cases", "1.00"]])
    assert answer.exit_code == 1
    assert json.loads(answer.stdout)["error"]["code"] == code
    assert session.scalar(select(func.count()).select_from(ProcurementAnnouncement)) == 0
    assert session.scalar(select(func.count()).select_from(ProcurementPlanLine)) == 0


def test_the_same_announcement_twice_and_late_imports(world: Path, session: Session) -> None:
    assert json.loads(announce(world).stdout)["error"]["code"] == "duplicate_announcement"
    # The same applications file twice changes nothing; a row outside the plan is kept with its code.
    again = lines("procurement", "apply", str(applications(world)), "--announcement", ID)[0]
    assert (again["inserted"], again["updated"], again["unchanged"]) == (0, 0, 6)
    odd = write(world, "odd", [["A9", "H1", "ambulance", "KZ-ALA", "1", "1.00", "2026-12-02"]], header=APP_HEADER)
    assert lines("procurement", "apply", str(odd), "--announcement", ID)[0]["rejected_by_reason"] == {"not_in_plan": 1}
    lines("procurement", "admit", ID, "--on", "2026-12-14")
    assert error("procurement", "apply", str(odd), "--announcement", ID) == "applications_closed"
    assert session.scalar(select(func.count()).select_from(ProcurementApplication)) == 6


def test_the_tables_without_json(world: Path) -> None:
    """Without --json each command prints a table (the decisions with their reasons in the language set)."""
    admitted = run("procurement", "admit", ID, "--on", "2026-12-14")
    assert admitted.exit_code == 0 and "rejected" in admitted.stdout and "A6" in admitted.stdout
    members = write(world, "members", [["Айгүл", "chair", ""]], header="name,role,relatives")
    assert run("procurement", "members", ID, str(members)).exit_code == 0
    protocol = run("procurement", "protocol", ID)
    assert protocol.exit_code == 0 and "Айгүл" in protocol.stdout and "quorum: no" in protocol.stdout
    placed = run("procurement", "distribute", ID)
    assert placed.exit_code == 0 and "600,000.00" in placed.stdout
    shown = run("procurement", "show", ID)
    assert shown.exit_code == 0 and "distributed" in shown.stdout
    bad = run("procurement", "distribute", "NOPE")
    assert bad.exit_code == 1 and "unknown_procurement" in bad.output
