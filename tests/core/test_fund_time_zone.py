"""The fund's today is the calendar date in the fund's time zone (``OSMS_TIMEZONE``, default
Asia/Almaty), never the server's (docs/decisions/0004-fund-time-zone.md)."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from datetime import UTC, date, datetime

import pytest
from pydantic import ValidationError

from osms import cli
from osms.core.clock import fund_now, fund_today
from osms.core.config import Settings, get_settings
from tests.coverage.helpers import add_person, iin

WORKER = iin(date(1986, 1, 1), "M")
# Almaty is UTC+5 (the whole of Kazakhstan since 1 March 2024): at 20:30 UTC on New Year's Eve
# it is already 01:30 on 1 January there.
NEW_YEARS_EVE_UTC = datetime(2026, 12, 31, 20, 30, tzinfo=UTC)


@pytest.fixture
def zone(monkeypatch: pytest.MonkeyPatch) -> Iterator[pytest.MonkeyPatch]:
    """Settings re-read from the environment the test sets, and forgotten afterwards."""
    get_settings.cache_clear()
    yield monkeypatch
    monkeypatch.undo()
    get_settings.cache_clear()


def test_the_default_zone_is_almaty(zone: pytest.MonkeyPatch) -> None:
    zone.delenv("OSMS_TIMEZONE", raising=False)
    assert get_settings().timezone == "Asia/Almaty"
    assert fund_today(NEW_YEARS_EVE_UTC) == date(2027, 1, 1)


def test_it_is_already_tomorrow_in_almaty_while_still_today_in_utc(zone: pytest.MonkeyPatch) -> None:
    zone.setenv("OSMS_TIMEZONE", "Asia/Almaty")
    assert NEW_YEARS_EVE_UTC.date() == date(2026, 12, 31)
    assert fund_today(NEW_YEARS_EVE_UTC) == date(2027, 1, 1)
    assert fund_now(NEW_YEARS_EVE_UTC).replace(tzinfo=None) == datetime(2027, 1, 1, 1, 30)
    # the same instant for a fund kept in UTC is still New Year's Eve
    zone.setenv("OSMS_TIMEZONE", "UTC")
    get_settings.cache_clear()
    assert fund_today(NEW_YEARS_EVE_UTC) == date(2026, 12, 31)


def test_a_naive_instant_is_refused() -> None:
    with pytest.raises(ValueError, match="aware"):
        fund_today(datetime(2026, 12, 31, 20, 30))


def test_an_unknown_zone_is_refused_when_the_settings_are_read() -> None:
    with pytest.raises(ValidationError, match="OSMS_TIMEZONE='Mars/Olympus' is not a known time zone"):
        Settings(timezone="Mars/Olympus")


def test_a_command_with_an_unknown_zone_fails_with_a_clear_error(
    zone: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    zone.setenv("OSMS_TIMEZONE", "Mars/Olympus")
    zone.setattr(sys, "argv", ["osms", "status", WORKER, "--json"])
    with pytest.raises(SystemExit) as exited:
        cli.main()
    out, err = capsys.readouterr()
    assert exited.value.code == 1 and err == ""
    error = json.loads(out)["error"]
    assert error["code"] == "bad_setting"
    assert error["message"].startswith("OSMS_TIMEZONE='Mars/Olympus' is not a known time zone")


def test_a_status_without_a_date_is_for_the_funds_today(
    zone: pytest.MonkeyPatch, db_url: str, session, capsys: pytest.CaptureFixture[str]
) -> None:
    # A zone whose date differs from UTC's at this instant: UTC+14 is already tomorrow from 10:00 UTC,
    # UTC-11 is still yesterday before 11:00 UTC. A server answering in its own (UTC) date would differ.
    fund_zone = "Pacific/Kiritimati" if datetime.now(UTC).hour >= 10 else "Pacific/Pago_Pago"
    add_person(session, WORKER)
    session.commit()
    zone.setenv("OSMS_DATABASE_URL", db_url)
    zone.setenv("OSMS_TIMEZONE", fund_zone)
    zone.setattr(sys, "argv", ["osms", "status", WORKER, "--json"])
    get_settings.cache_clear()
    before = fund_today()
    with pytest.raises(SystemExit) as exited:
        cli.main()
    after = fund_today()
    out, _ = capsys.readouterr()
    assert exited.value.code == 0, out
    answered = date.fromisoformat(json.loads(out)["on"])
    assert answered in {before, after}
    assert answered != datetime.now(UTC).date() or before != after
