"""The attachment room's read-only query surfaces for other rooms (docs/decisions/0006-cross-room-reads.md).

Each function returns a ``SELECT`` of published columns that another room may join as a
subquery; the tables, their writes and their row locks stay this room's (the clinics themselves are
the providers register's, read through ``providers.queries``).
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import Select, select

from osms.attachment.models import Attachment
from osms.providers.queries import phc_clinics


def clinics() -> Select[str, str, str, str]:
    """The clinics (the register's PHC entries): ``clinic_id``, ``bin``, ``name``, ``region``."""
    register = phc_clinics().subquery()
    return select(register.c.provider_id.label("clinic_id"), register.c.bin, register.c.name, register.c.region)


def attachments() -> Select[str, str, date, date | None]:
    """Periods of attachment: ``iin, clinic_id, valid_from, valid_to`` (inclusive; open while null).
    A person is attached to ``clinic_id`` on D when ``valid_from <= D`` and (``valid_to`` null or
    ``valid_to >= D``); a row superseded before it started has ``valid_to < valid_from`` and never
    matches."""
    return select(Attachment.iin, Attachment.clinic_id, Attachment.valid_from, Attachment.valid_to)
