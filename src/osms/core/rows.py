"""What a row check returns when a row is refused (pure; shared by every import)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class Rejection:
    """Why one row was not taken: a stable reason code and a sentence naming the problem."""

    code: str
    message: str


Row = tuple[Any, ...]
