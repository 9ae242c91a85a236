"""Benefits pages: a clinic asks whether a patient's care is free, and from which package."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(include_in_schema=False)
