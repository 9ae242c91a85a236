"""Attachment pages: a citizen chooses a clinic; a clinic sees its applications and population."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(include_in_schema=False)
