"""The attachment room's read-only query surfaces for other rooms (docs/decisions/0006-cross-room-reads.md).

Each function returns a ``SELECT`` of published columns that another room may join as a
subquery; the tables, their writes and their row locks stay this room's.
"""

from __future__ import annotations

from sqlalchemy import Select, select

from osms.attachment.models import Clinic


def clinics() -> Select[str, str, str, str]:
    """The clinic register: ``clinic_id``, ``bin``, ``name``, ``region``."""
    return select(Clinic.clinic_id, Clinic.bin, Clinic.name, Clinic.region)
