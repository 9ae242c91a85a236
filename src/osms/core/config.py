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
    rulebook_path: str = Field(
        default="",
        description=(
            "Directories holding rulebooks (one subdirectory per rulebook), separated by ':', "
            "searched before the rulebooks shipped in the package (docs/rulebooks.md)"
        ),
    )
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


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
