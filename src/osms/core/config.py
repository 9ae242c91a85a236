"""Settings, read once from the environment (prefix ``OSMS_``)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

Language = Literal["kk", "ru", "en"]
LANGUAGES: tuple[Language, ...] = ("kk", "ru", "en")


class Settings(BaseSettings):
    """Every setting the system reads. Documented in README.md."""

    model_config = SettingsConfigDict(env_prefix="OSMS_", extra="ignore", env_ignore_empty=True)

    database_url: str = Field(
        default="sqlite:///var/osms.sqlite",
        description="SQLAlchemy URL: sqlite:///path or postgresql+psycopg://user@host:port/db",
    )
    rulebook: str = Field(default="kz-law", description="Rulebook used when a request names none")
    rulebook_path: str = Field(
        default="",
        description=(
            "Directories holding rulebooks (one subdirectory per rulebook), separated by ':', "
            "searched before the rulebooks shipped in the package (docs/rulebooks.md)"
        ),
    )
    secret_key: str = Field(
        default="",
        description=(
            "Signs the web session cookie: at least 32 random characters. The app refuses to serve "
            "without one; ``osms demo`` makes one per installation (docs/security.md)"
        ),
    )
    secure_cookies: bool = Field(
        default=False,
        description="Send the session cookie only over HTTPS (it always is when a request comes over HTTPS)",
    )
    session_hours: float = Field(default=12, gt=0, description="A web login expires this many hours after it began")
    login_free_attempts: int = Field(default=3, ge=1, description="Failed logins of one account before delays")
    login_delay_seconds: float = Field(
        default=2, gt=0, description="The first delay after the free attempts; it doubles with each further failure"
    )
    login_lock_attempts: int = Field(default=10, ge=1, description="Failed logins of one account that lock it")
    login_lock_minutes: float = Field(
        default=15, gt=0, description="How long a lock lasts; failures older than this are forgotten"
    )
    login_address_free_attempts: int = Field(
        default=20, ge=1, description="Failed logins from one client address (any accounts) before delays"
    )
    login_address_lock_attempts: int = Field(
        default=60, ge=1, description="Failed logins from one client address that lock it out"
    )
    public_status_rate: str = Field(
        default="30/min",
        description="Public status checks (``/check``) per client address: N/sec, N/min or N/hour",
    )
    language: Language = Field(default="kk", description="Default language of pages and messages")
    timezone: str = Field(
        default="Asia/Almaty",
        description=(
            "The fund's time zone (an IANA name): the calendar date 'today' is taken in it, never in the "
            "server's (docs/decisions/0004-fund-time-zone.md)"
        ),
    )
    trust_store: str = Field(
        default="",
        description=(
            "The certification authorities whose certificates may sign documents sent to the fund (the "
            "national CA's root and issuing certificates): a directory of PEM/DER certificates and CRLs, "
            "or one PEM bundle (docs/security.md, 'Electronic signatures')"
        ),
    )
    var_dir: Path = Field(default=Path("var"), description="Where the embedded database and reports live")
    status_hot_path: bool = Field(
        default=True,
        description=(
            "On PostgreSQL, answer clinics', operators' and auditors' single status checks through the "
            "one-statement hot path (docs/performance.md); false: the ORM path for every caller"
        ),
    )
    # Bounded waits (docs/decisions/0003-bounded-waits.md): a burst answers 503, never stalls.
    db_pool_size: int = Field(default=10, ge=1, description="PostgreSQL: connections the web process keeps open")
    db_max_overflow: int = Field(default=10, ge=0, description="PostgreSQL: extra connections under a burst")
    db_pool_timeout: float = Field(
        default=3.0, gt=0, description="Seconds a request waits for a free connection before answering 503"
    )
    db_lock_timeout: float = Field(
        default=5.0, gt=0, description="Seconds a request's statement waits for a lock (PostgreSQL lock_timeout)"
    )
    db_statement_timeout: float = Field(
        default=30.0, gt=0, description="Seconds a request's statement may run (PostgreSQL statement_timeout)"
    )
    sqlite_busy_timeout: float = Field(
        default=5.0, gt=0, description="Seconds a SQLite statement waits for another writer (busy_timeout)"
    )
    retry_after: int = Field(default=2, ge=1, description="Seconds in Retry-After of a 503 'overloaded' answer")
    load_lock_timeout: float = Field(
        default=120.0, gt=0, description="Seconds a register load waits for a running load before giving up"
    )
    migration_lock_timeout: float = Field(
        default=5.0,
        gt=0,
        description=(
            "PostgreSQL: seconds a migration's statement waits for a lock before the migration fails, "
            "so a migration never queues the fund's requests behind it (docs/migrations.md)"
        ),
    )
    migration_statement_timeout: float = Field(
        default=900.0, gt=0, description="PostgreSQL: seconds one migration statement may run (docs/migrations.md)"
    )
    db_client_check_interval: float = Field(
        default=1.0,
        gt=0,
        description=(
            "PostgreSQL: how often a busy backend checks that its client is still there, so a killed "
            "load's locks are released within about this long (client_connection_check_interval)"
        ),
    )

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, name: str) -> str:
        try:
            ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError, OSError):
            raise ValueError(
                f"OSMS_TIMEZONE={name!r} is not a known time zone; give an IANA name such as Asia/Almaty"
            ) from None
        return name


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
