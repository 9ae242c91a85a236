"""Attachment decisions after the confirmed horizon are provisional (docs/rulebooks.md, "The confirmed
horizon"): over the API, the command line and the campaign's results file.

Fixture rulebook ``horizon-test`` (tests/horizon_fixture.py), confirmed until 2026-12-31, with the
attachment parameters ``campaign`` (15.09-15.11), ``free_change_limit`` (1 per 6 months) and
``minor_age`` (18), all open-ended from 2025-01-01: a decision on 2027-01-15 rests on those three,
carried forward. Everyone of the ``country`` lives at AST-001, which AST-8 serves.
"""

from __future__ import annotations

import csv
from pathlib import Path

from osms.attachment import campaign
from osms.cli import app
from tests.attachment.conftest import ADULT, SPOUSE, STRANGER
from tests.attachment.helpers import CAMPAIGN_HEADER, write_csv
from tests.attachment.test_api import auth, tokens
from tests.attachment.test_cli import cli_db, last_json, runner
from tests.horizon_fixture import NAME, FixtureRulebook, horizon_rulebook

__all__ = ["cli_db", "horizon_rulebook", "tokens"]

CARRIED = [
    "attachment.campaign.2025-01-01",
    "attachment.free_change_limit.2025-01-01",
    "attachment.minor_age.2025-01-01",
]
MESSAGE = {
    "kk": "2027 жылғы көрсеткіштер әлі расталмаған; 2026 жылғы көрсеткіштер қолданылды.",
    "ru": "Показатели 2027 года ещё не подтверждены; применены показатели 2026 года.",
    "en": "The 2027 figures are not yet confirmed; the 2026 figures were applied.",
}
NOT_PROVISIONAL = {"provisional": False, "carried_forward": [], "provisional_message": None}


def horizon_fields(answer: dict) -> dict:
    return {key: answer[key] for key in ("provisional", "carried_forward", "provisional_message")}


def apply_api(client, token: str, number: str, day: str):
    body = {"iin": number, "clinic_id": "AST-8", "reason": "first", "date": day, "rulebook": NAME}
    return client.post("/api/v1/attachments", json=body, headers=auth(token))


def test_api_decision_after_the_horizon_is_provisional_until_confirmed(
    client, tokens, horizon_rulebook: FixtureRulebook
) -> None:
    answer = apply_api(client, tokens["operator"], ADULT, "2027-01-15")
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert (body["decision"], body["effective_from"], body["district"]) == ("accepted", "2027-01-15", "T1")
    assert horizon_fields(body) == {"provisional": True, "carried_forward": CARRIED, "provisional_message": MESSAGE}
    # Within the horizon: not provisional.
    body = apply_api(client, tokens["operator"], STRANGER, "2026-12-31").json()
    assert body["decision"] == "accepted" and horizon_fields(body) == NOT_PROVISIONAL
    # The operator confirms 2027: the same kind of decision on the same day is no longer provisional.
    horizon_rulebook.confirm_2027()
    body = apply_api(client, tokens["operator"], SPOUSE, "2027-01-15").json()
    assert body["decision"] == "accepted" and horizon_fields(body) == NOT_PROVISIONAL


def apply_cli(number: str, clinic: str, reason: str, day: str, *extra: str):
    args = ["attach", "apply", "--iin", number, "--clinic", clinic, "--reason", reason, "--date", day]
    return runner.invoke(app, [*args, "--rulebook", NAME, *extra])


def test_cli_decision_after_the_horizon_is_provisional_until_confirmed(
    cli_db, horizon_rulebook: FixtureRulebook
) -> None:
    result = apply_cli(ADULT, "AST-8", "first", "2027-01-15", "--json")
    assert result.exit_code == 0, result.output
    answer = last_json(result.stdout)
    assert answer["decision"] == "accepted"
    assert horizon_fields(answer) == {"provisional": True, "carried_forward": CARRIED, "provisional_message": MESSAGE}
    # The 2026 campaign's dates are carried: a choice on 20 September 2027 takes effect on 1 January 2028
    # (AST-9 does not serve AST-001: no home visits).
    result = apply_cli(ADULT, "AST-9", "choice", "2027-09-20", "--json")
    answer = last_json(result.stdout)
    assert (answer["decision"], answer["effective_from"], answer["provisional"]) == (
        "accepted_no_home_visits",
        "2028-01-01",
        True,
    )
    # Without --json the sentence is printed too, in the default language (OSMS_LANGUAGE: kk).
    result = apply_cli(SPOUSE, "AST-8", "first", "2027-01-15")
    assert result.exit_code == 0, result.output
    assert MESSAGE["kk"] in " ".join(result.stdout.split())
    # Within the horizon, and after the confirmation: not provisional.
    answer = last_json(apply_cli(STRANGER, "AST-8", "first", "2026-12-31", "--json").stdout)
    assert answer["decision"] == "accepted" and horizon_fields(answer) == NOT_PROVISIONAL
    horizon_rulebook.confirm_2027()
    answer = last_json(apply_cli(ADULT, "AST-8", "move", "2027-10-01", "--json").stdout)
    assert horizon_fields(answer) == NOT_PROVISIONAL


def results_of(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def test_campaign_results_say_which_decisions_are_provisional(
    engine, country, horizon_rulebook: FixtureRulebook, tmp_path: Path
) -> None:
    path = write_csv(
        tmp_path / "apps.csv",
        CAMPAIGN_HEADER,
        [
            ["C1", STRANGER, "AST-8", "first", "2026-12-31", "", "", ""],
            ["C2", ADULT, "AST-8", "first", "2027-01-15", "", "", ""],
            ["C3", "123", "AST-8", "first", "2027-01-15", "", "", ""],  # cannot be read
        ],
    )
    results = tmp_path / "results.csv"
    campaign.run_campaign(engine, path, results=results, rulebook=NAME)
    header = results.read_text(encoding="utf-8").splitlines()[0]
    # The existing columns unchanged and in the same order; provisional last.
    assert header == "application_id,iin,decision,effective_from,previous_clinic,district,reason_codes,provisional"
    assert [(r["application_id"], r["decision"], r["provisional"]) for r in results_of(results)] == [
        ("C1", "accepted", "false"),
        ("C2", "accepted", "true"),
        ("C3", "refused", "false"),
    ]
    # Re-running the file answers the same, provisional column included.
    again = tmp_path / "again.csv"
    campaign.run_campaign(engine, path, results=again, rulebook=NAME)
    assert results_of(again) == results_of(results)
    # After the operator confirms 2027, a 2027 decision is no longer provisional.
    horizon_rulebook.confirm_2027()
    later = write_csv(
        tmp_path / "later.csv", CAMPAIGN_HEADER, [["C4", SPOUSE, "AST-8", "first", "2027-01-15", "", "", ""]]
    )
    campaign.run_campaign(engine, later, results=tmp_path / "later.results.csv", rulebook=NAME)
    assert [(r["decision"], r["provisional"]) for r in results_of(tmp_path / "later.results.csv")] == [
        ("accepted", "false")
    ]


def test_campaign_cli_results_file_has_the_provisional_column(
    cli_db, horizon_rulebook: FixtureRulebook, tmp_path: Path
) -> None:
    path = write_csv(tmp_path / "apps.csv", CAMPAIGN_HEADER, [["1", ADULT, "AST-8", "first", "2027-01-15", "", "", ""]])
    result = runner.invoke(app, ["attach", "campaign", str(path), "--rulebook", NAME, "--json"])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "apps.csv.results.csv").read_text(encoding="utf-8").splitlines()[1:] == [
        f"1,{ADULT},accepted,2027-01-15,,T1,first_attachment,true"
    ]
