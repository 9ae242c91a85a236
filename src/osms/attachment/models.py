"""Attachment tables (rules.md §5)."""

from __future__ import annotations
