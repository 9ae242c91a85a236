"""Settings, read once from the environment (prefix ``OSMS_``)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field
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
    secret_key: str = Field(
        default="dev-only-change-me",
        description="Signs session cookies; set a long random value in production",
    )
    language: Language = Field(default="kk", description="Default language of pages and messages")
    var_dir: Path = Field(default=Path("var"), description="Where the embedded database and reports live")
    status_hot_path: bool = Field(
        default=True,
        description=(
            "On PostgreSQL, answer clinics', operators' and auditors' single status checks through the "
            "one-statement hot path (coverage/hotpath.py); false: the ORM path for every caller"
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
    db_client_check_interval: float = Field(
        default=1.0,
        gt=0,
        description=(
            "PostgreSQL: how often a busy backend checks that its client is still there, so a killed "
            "load's locks are released within about this long (client_connection_check_interval)"
        ),
    )


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
