"""The attachment room's read-only query surfaces for other rooms (docs/decisions/0006-cross-room-reads.md).

Each function returns a ``SELECT`` of published columns that another room may join as a
subquery; the tables, their writes and their row locks stay this room's (the clinics themselves are
the providers register's, read through ``providers.queries``).
"""

from __future__ import annotations

from sqlalchemy import Select, select

from osms.providers.queries import phc_clinics


def clinics() -> Select[str, str, str, str]:
    """The clinics (the register's PHC entries): ``clinic_id``, ``bin``, ``name``, ``region``."""
    register = phc_clinics().subquery()
    return select(register.c.provider_id.label("clinic_id"), register.c.bin, register.c.name, register.c.region)
