"""The fund's clock: "today" is the calendar date in the fund's time zone, not the server's.

Instants (audit entries, load start and finish, session expiry) are stored in UTC with
``datetime.now(UTC)``; only the calendar date a rule is applied on ("today": the default
date of a status, an application's day, the last day a payment can have arrived) comes
from here. The zone is ``OSMS_TIMEZONE`` (default ``Asia/Almaty``;
docs/decisions/0004-fund-time-zone.md).
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from osms.core.config import get_settings


def fund_zone() -> ZoneInfo:
    """The fund's time zone (``OSMS_TIMEZONE``, checked when the settings are read)."""
    return ZoneInfo(get_settings().timezone)


def fund_now(now: datetime | None = None) -> datetime:
    """The wall-clock time in the fund's zone at the instant ``now`` (aware; default: this instant)."""
    if now is None:
        now = datetime.now(UTC)
    elif now.tzinfo is None:
        raise ValueError("fund_now needs an aware instant (with a time zone), got a naive datetime")
    return now.astimezone(fund_zone())


def fund_today(now: datetime | None = None) -> date:
    """The fund's today: the calendar date in the fund's zone at the instant ``now`` (default: now)."""
    return fund_now(now).date()
