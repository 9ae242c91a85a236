"""The claims room's read-only query surfaces for other rooms (docs/decisions/0006-cross-room-reads.md).

Each function returns a ``SELECT`` of published columns that another room may join as a subquery
in its own set-based statements; the tables, their writes and their row locks stay this room's.
Other rooms never import ``claims.models`` (import-linter contract ``claims-tables``).
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import Select, select

from osms.claims.models import ServiceRecord


def service_days() -> Select[str, str, str, date, date]:
    """Accepted service records (as last accepted): ``iin, provider_id, care_form, date_from, date_to``
    (the per-capita "no service in the calendar year" rule joins it by ``iin`` and ``date_from``)."""
    return select(
        ServiceRecord.iin,
        ServiceRecord.provider_id,
        ServiceRecord.care_form,
        ServiceRecord.date_from,
        ServiceRecord.date_to,
    )
