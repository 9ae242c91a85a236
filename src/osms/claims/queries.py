"""The claims room's read-only query surfaces for other rooms (docs/decisions/0006-cross-room-reads.md).

Each function returns a ``SELECT`` of published columns that another room (the payments room's
monthly run) may join as a subquery; the tables and their writes stay this room's. Columns as in
docs/claims.md.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import Select, select

from osms.claims.models import Defect, ServiceFinding, ServiceRecord

__all__ = ["defects", "findings", "service_days", "service_records"]


def service_records() -> Select[*tuple[Any, ...]]:
    """The register of accepted service records as last accepted: ``id, provider_id, record_id, iin,
    care_form, care_type, service_code, case_group, icd10, procedures, date_from, date_to, outcome,
    referral, emergency, quantity, month, version, received_at, at_home, remote, preventive_child``
    (``month``: the reporting month; the flags: at home, remotely, in a child's preventive examination)."""
    return select(
        ServiceRecord.id,
        ServiceRecord.provider_id,
        ServiceRecord.record_id,
        ServiceRecord.iin,
        ServiceRecord.care_form,
        ServiceRecord.care_type,
        ServiceRecord.service_code,
        ServiceRecord.case_group,
        ServiceRecord.icd10,
        ServiceRecord.procedures,
        ServiceRecord.date_from,
        ServiceRecord.date_to,
        ServiceRecord.outcome,
        ServiceRecord.referral,
        ServiceRecord.emergency,
        ServiceRecord.quantity,
        ServiceRecord.month,
        ServiceRecord.version,
        ServiceRecord.received_at,
        ServiceRecord.at_home,
        ServiceRecord.remote,
        ServiceRecord.preventive_child,
    )


def findings() -> Select[*tuple[Any, ...]]:
    """The findings of the checks: ``id, record_ref, code, defect_code, provider_id, month, found_on``."""
    return select(
        ServiceFinding.id,
        ServiceFinding.record_ref,
        ServiceFinding.code,
        ServiceFinding.defect_code,
        ServiceFinding.provider_id,
        ServiceFinding.month,
        ServiceFinding.found_on,
    )


def defects() -> Select[*tuple[Any, ...]]:
    """Defects with their stored appeal status: ``id, record_ref, finding_id, provider_id, month, code,
    origin, status, found_on, decided_on`` (``status`` ``confirmed`` includes the lapsed objections
    once ``claims.monitoring.confirm_lapsed`` has run; ``withdrawn``: overturned on appeal)."""
    return select(
        Defect.id,
        Defect.record_ref,
        Defect.finding_id,
        Defect.provider_id,
        Defect.month,
        Defect.code,
        Defect.origin,
        Defect.status,
        Defect.found_on,
        Defect.decided_on,
    )


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
