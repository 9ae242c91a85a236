"""The provider's bank account in the register (docs/providers.md, "Register"): the optional columns
``iban`` and ``bank_bic`` of ``osms providers import providers``, a bad IBAN refused ``bad_iban`` and
kept in the rejection report, a file without the columns keeping what is stored, and who reads the
account (operators, auditors, the provider itself). IBANs hand-checked in tests/providers/test_bank.py:
KZ86125KZT5004100100 and KZ057220000000001234."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from osms.core.security import create_token, create_user
from osms.providers import service
from tests.providers.helpers import BIN_2, HEADERS, provider_row, run, run_json, write
from tests.providers.test_pages import PASSWORD, logged

HEADER = HEADERS["providers"] + ",iban,bank_bic"
IBAN_1 = "KZ86125KZT5004100100"
IBAN_2 = "KZ057220000000001234"


def _load(tmp_path: Path, rows: list[list[str]], name: str, header: str = HEADER) -> dict[str, Any]:
    return run_json("providers", "import", "providers", str(write(tmp_path, "providers", rows, name, header=header)))


def _accounts(session: Session, *ids: str) -> list[tuple[str | None, str | None]]:
    session.expire_all()
    return [(p.iban, p.bank_bic) for p in (service.get_provider(session, i) for i in ids)]


def test_the_account_loads_is_checked_and_a_file_without_it_keeps_it(
    cli_db: str, session: Session, tmp_path: Path
) -> None:
    rows = [
        [*provider_row("ALM-1"), "kz86 125k zt50 0410 0100", "hsbkkzkx"],  # line 2: printed form, lower case
        [*provider_row("AST-H1", bin=BIN_2), IBAN_2, ""],  # 3: no BIC
        [*provider_row("ALM-2"), "KZ87125KZT5004100100", ""],  # 4: check digits 87 (the number is 2 mod 97)
        [*provider_row("ALM-3"), "KZ86125KZT500410010", ""],  # 5: 19 characters
        [*provider_row("ALM-4"), IBAN_2, "HSBK"],  # 6: a BIC of 4 letters
        [*provider_row("ALM-5"), "", ""],  # 7: no account (allowed)
    ]
    first = _load(tmp_path, rows, "with-accounts.csv")
    assert (first["rows"], first["inserted"], first["rejected"]) == (6, 3, 3)
    assert first["rejected_by_reason"] == {"bad_bic": 1, "bad_iban": 2}
    report = tmp_path / "with-accounts.csv.rejected.csv"
    with report.open(encoding="utf-8") as fh:
        rejected = [(int(r["line"]), r["code"], r["raw"].split(",")[0]) for r in csv.DictReader(fh)]
    assert rejected == [(4, "bad_iban", "ALM-2"), (5, "bad_iban", "ALM-3"), (6, "bad_bic", "ALM-4")]
    assert _accounts(session, "ALM-1", "AST-H1", "ALM-5") == [(IBAN_1, "HSBKKZKX"), (IBAN_2, None), (None, None)]

    again = _load(tmp_path, rows[:2], "again.csv")
    assert (again["inserted"], again["updated"], again["unchanged"]) == (0, 0, 2)

    # the ministry's file has no bank columns: the entries change, their accounts stay
    plain = _load(
        tmp_path,
        [provider_row("ALM-1", status="liquidation"), provider_row("AST-H1", bin=BIN_2)],
        "plain.csv",
        header=HEADERS["providers"],
    )
    assert (plain["inserted"], plain["updated"], plain["unchanged"]) == (0, 1, 1)
    assert service.get_provider(session, "ALM-1").status == "liquidation"
    assert _accounts(session, "ALM-1", "AST-H1") == [(IBAN_1, "HSBKKZKX"), (IBAN_2, None)]

    # a file with the columns and an empty cell says: no account
    cleared = _load(tmp_path, [[*provider_row("AST-H1", bin=BIN_2), "", ""]], "cleared.csv")
    assert (cleared["updated"], cleared["unchanged"]) == (1, 0)
    assert _accounts(session, "AST-H1") == [(None, None)]

    # a new entry from a file without the columns has no account
    _load(tmp_path, [provider_row("ALM-6")], "new.csv", header=HEADERS["providers"])
    assert _accounts(session, "ALM-6") == [(None, None)]


def test_the_human_summary_names_bad_iban(cli_db: str, tmp_path: Path) -> None:
    path = write(tmp_path, "providers", [[*provider_row("ALM-2"), "KZ87125KZT5004100100", ""]], header=HEADER)
    result = run("providers", "import", "providers", str(path))
    assert result.exit_code == 0, result.output
    assert "bad_iban" in " ".join(result.output.split())


def test_an_unknown_column_still_refuses_the_file_and_names_the_optional_ones(cli_db: str, tmp_path: Path) -> None:
    path = write(tmp_path, "providers", [[*provider_row("ALM-1"), "x"]], header=HEADERS["providers"] + ",account")
    result = run("providers", "import", "providers", str(path), "--json")
    assert result.exit_code == 1
    assert "unknown: account" in result.stdout and "(optional: iban,bank_bic)" in result.stdout


def test_who_reads_the_account(app: Any, client: TestClient, cli_db: str, session: Session, tmp_path: Path) -> None:
    _load(tmp_path, [[*provider_row("ALM-1"), IBAN_1, "HSBKKZKX"], [*provider_row("ALM-2"), "", ""]], "p.csv")
    users = {
        "operator": create_user(session, "op", PASSWORD, "operator", "Оператор"),
        "auditor": create_user(session, "aud", PASSWORD, "auditor", "Аудитор"),
        "own": create_user(session, "alm1", PASSWORD, "clinic", "Емхана", provider_id="ALM-1"),
        "other": create_user(session, "alm2", PASSWORD, "clinic", "Емхана 2", provider_id="ALM-2"),
    }
    tokens = {role: create_token(session, user, "t") for role, user in users.items()}
    session.commit()

    def get(role: str, url: str) -> Any:
        return client.get(url, headers={"Authorization": f"Bearer {tokens[role]}"})

    for role in ("operator", "auditor", "own"):
        entry = get(role, "/api/v1/providers/ALM-1")
        assert entry.status_code == 200 and (entry.json()["iban"], entry.json()["bank_bic"]) == (IBAN_1, "HSBKKZKX")
    assert get("other", "/api/v1/providers/ALM-1").status_code == 403
    listed = get("operator", "/api/v1/providers").json()["items"]
    assert [(p["provider_id"], p["iban"]) for p in listed] == [("ALM-1", IBAN_1), ("ALM-2", None)]
    shown = run("providers", "show", "ALM-1", "--json")
    assert shown.exit_code == 0 and f'"iban": "{IBAN_1}"' in shown.stdout

    # the provider's cabinet: its own account; another's without one says so
    cabinet = logged(app, "alm1").get("/provider", params={"lang": "en"}).text
    assert "Bank account (IBAN)" in cabinet and f"{IBAN_1} (BIC HSBKKZKX)" in cabinet
    other = logged(app, "op").get("/provider", params={"provider": "ALM-2", "lang": "ru"}).text
    assert "Банковский счёт (IBAN)" in other and "Нет в реестре: платёжные поручения не могут быть оплачены" in other
