"""The command line on the test database (``OSMS_DATABASE_URL``)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from osms.core.config import get_settings
from osms.core.db import get_engine


@pytest.fixture
def cli_db(db_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    monkeypatch.setenv("OSMS_DATABASE_URL", db_url)
    get_settings.cache_clear()
    get_engine.cache_clear()
    yield db_url
    get_engine(db_url).dispose()
    get_settings.cache_clear()
    get_engine.cache_clear()
