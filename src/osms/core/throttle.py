"""Throttles shared by every worker process, kept in the ``throttle`` table (docs/security.md).

* Failed logins, per account (``account:NAME``) and per client address (``address:IP``): a few
  free failures, then each further failure makes the next attempt wait (the delay doubles), then
  a lock; while a key waits, attempts are refused before any password is checked. A failure older
  than the lock's duration is forgotten; a successful login clears its account's counter (not its
  address's: an attacker's own login must not clear the count of their guesses). Every refused
  attempt is written to the audit log (``login_throttled``).
* The public status box: at most N checks per window per client address (``status:IP``).

Each update is one atomic statement in its own short transaction, committed whatever the request
then answers (a refused login's answer is an error, whose unit of work rolls back).
"""

from __future__ import annotations

import math
import random
import re
import time
from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.orm import Session, sessionmaker
from starlette.requests import HTTPConnection

from osms.core import audit
from osms.core.config import Settings
from osms.core.security import Principal

FAILED = text(
    """
    INSERT INTO throttle (key, count, started_at, last_at, blocked_until) VALUES (:key, 1, :now, :now, 0)
    ON CONFLICT (key) DO UPDATE SET
        count = CASE WHEN throttle.last_at < :stale THEN 1 ELSE throttle.count + 1 END,
        started_at = CASE WHEN throttle.last_at < :stale THEN :now ELSE throttle.started_at END,
        last_at = :now
    RETURNING count
    """
)
COUNTED = text(
    """
    INSERT INTO throttle (key, count, started_at, last_at, blocked_until) VALUES (:key, 1, :now, :now, 0)
    ON CONFLICT (key) DO UPDATE SET
        count = CASE WHEN throttle.started_at <= :cut THEN 1 ELSE throttle.count + 1 END,
        started_at = CASE WHEN throttle.started_at <= :cut THEN :now ELSE throttle.started_at END,
        last_at = :now
    RETURNING count, started_at
    """
)
BLOCK = text("UPDATE throttle SET blocked_until = :until WHERE key = :key AND blocked_until < :until")
BLOCKED_UNTIL = text("SELECT max(blocked_until) FROM throttle WHERE key IN (:account, :address)")
CLEAR = text("DELETE FROM throttle WHERE key = :key")
# Keys not touched for a day and not blocked are dropped now and then (the table stays small).
PRUNE = text("DELETE FROM throttle WHERE last_at < :old AND blocked_until < :now")
PRUNE_CHANCE = 0.01

Sessions = sessionmaker[Session]


def client_address(request: HTTPConnection) -> str:
    """The client's address as the server sees it (behind a reverse proxy: run uvicorn with
    ``--proxy-headers --forwarded-allow-ips=PROXY`` so that this is the visitor's address)."""
    return request.client.host if request.client else "unknown"


def wait_seconds(until: float, now: float) -> int:
    """A Retry-After value: whole seconds, at least 1."""
    return max(1, math.ceil(until - now))


@dataclass(frozen=True)
class LoginPolicy:
    """The login throttle's settings (OSMS_LOGIN_*)."""

    free: int
    delay: float
    lock_attempts: int
    lock_seconds: float
    address_free: int
    address_lock_attempts: int

    @classmethod
    def of(cls, settings: Settings) -> LoginPolicy:
        return cls(
            free=settings.login_free_attempts,
            delay=settings.login_delay_seconds,
            lock_attempts=settings.login_lock_attempts,
            lock_seconds=settings.login_lock_minutes * 60,
            address_free=settings.login_address_free_attempts,
            address_lock_attempts=settings.login_address_lock_attempts,
        )

    def block_after(self, failures: int, free: int, lock_attempts: int) -> tuple[float, bool]:
        """How long the next attempt waits after ``failures`` failures, and whether it is a lock."""
        if failures >= lock_attempts:
            return self.lock_seconds, True
        if failures > free:
            return min(self.delay * 2 ** (failures - free - 1), self.lock_seconds), False
        return 0.0, False


class LoginGuard:
    """One login attempt under the throttle: ask ``wait()`` before checking the password, then
    tell ``failed()`` or ``succeeded()``. ``wait()`` and ``failed()`` return the seconds the
    client must wait (0: none) and audit the refusal."""

    def __init__(
        self,
        sessions: Sessions,
        policy: LoginPolicy,
        username: str,
        address: str,
        *,
        channel: str,
        resource: str,
    ) -> None:
        self.sessions = sessions
        self.policy = policy
        self.username = username[:64]
        self.address = address
        self.account_key = f"account:{username.casefold()}"[:200]
        self.address_key = f"address:{address}"[:200]
        self.channel = channel
        self.resource = resource

    def wait(self) -> int:
        now = time.time()
        with self.sessions() as session:
            until = session.execute(
                BLOCKED_UNTIL, {"account": self.account_key, "address": self.address_key}
            ).scalar_one()
            if until is None or until <= now:
                return 0
            seconds = wait_seconds(until, now)
            self._audit(session, seconds, "refused before the password was checked")
            session.commit()
        return seconds

    def failed(self) -> int:
        now = time.time()
        stale = now - self.policy.lock_seconds
        policy = self.policy
        locked_for = 0.0
        with self.sessions() as session:
            for key, free, lock in (
                (self.account_key, policy.free, policy.lock_attempts),
                (self.address_key, policy.address_free, policy.address_lock_attempts),
            ):
                failures = session.execute(FAILED, {"key": key, "now": now, "stale": stale}).scalar_one()
                seconds, lock_begins = policy.block_after(failures, free, lock)
                if seconds:
                    session.execute(BLOCK, {"key": key, "until": now + seconds})
                if lock_begins:
                    locked_for = max(locked_for, seconds)
            if random.random() < PRUNE_CHANCE:
                session.execute(PRUNE, {"old": now - 86400, "now": now})
            if locked_for:
                self._audit(session, math.ceil(locked_for), "locked by this failure")
            session.commit()
        return math.ceil(locked_for)

    def succeeded(self) -> None:
        with self.sessions() as session:
            session.execute(CLEAR, {"key": self.account_key})
            session.commit()

    def _audit(self, session: Session, seconds: int, why: str) -> None:
        actor = Principal(user_id=0, username=self.username or "anonymous", role="public", display_name="")
        audit.record(
            session,
            actor,
            channel=self.channel,
            action="login_throttled",
            resource=self.resource,
            detail=f"address={self.address} retry_after={seconds}s: {why}",
        )


RATE = re.compile(r"\s*(\d+)\s*/\s*(s|sec|second|m|min|minute|h|hour)\s*")
UNITS = {"s": 1, "sec": 1, "second": 1, "m": 60, "min": 60, "minute": 60, "h": 3600, "hour": 3600}


@dataclass(frozen=True)
class Rate:
    """N requests per window of ``seconds``, e.g. ``30/min``."""

    count: int
    seconds: int

    @classmethod
    def parse(cls, raw: str, setting: str) -> Rate:
        found = RATE.fullmatch(raw)
        if found is None or int(found.group(1)) < 1:
            raise ValueError(f"{setting} must be N/sec, N/min or N/hour with N >= 1, e.g. 30/min; got {raw!r}")
        return cls(int(found.group(1)), UNITS[found.group(2)])


def take(sessions: Sessions, key: str, rate: Rate) -> int:
    """Count one request of ``key``: 0 if it is within ``rate``, else the seconds until the
    current window ends (a fixed window per key, shared by every process)."""
    now = time.time()
    with sessions() as session:
        count, started = session.execute(COUNTED, {"key": key[:200], "now": now, "cut": now - rate.seconds}).one()
        if random.random() < PRUNE_CHANCE:
            session.execute(PRUNE, {"old": now - 86400, "now": now})
        session.commit()
    return 0 if count <= rate.count else wait_seconds(started + rate.seconds, now)
