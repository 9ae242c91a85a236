"""The API's and FHIR's way into the register of service records (docs/claims.md, "Channels"): the
same intake as the file (``osms.claims.intake.ingest_rows``), in the request's unit of work, for
the caller ``authorize`` lets send reports (``claims.access.SERVICE_REPORT_SEND``: operators for any
provider, a provider's login for its own records only, the others rejected ``not_own_record``).

A channel hands over rows in the file's columns as text (``row_of`` turns JSON booleans and numbers
into the file's spelling); the answer is the intake's result and one outcome per row, in order.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from osms.claims import intake
from osms.claims.access import SERVICE_REPORT_SEND
from osms.claims.intake import ALL_COLUMNS, COLUMNS, FLAG_COLUMNS, IntakeResult, RowOutcome
from osms.core.authz import authorize
from osms.core.errors import InvalidInput
from osms.core.i18n import label

#: The most records one request may carry (a day's report of a large hospital; a clinic's larger
#: files go through ``osms services ingest``).
MAX_RECORDS = 10_000
#: The most bytes of one request's body.
MAX_BODY_BYTES = 4 * 1024 * 1024


def text_of(value: Any) -> str:
    """A JSON value in the file's spelling: true/false, a whole number without a point, "" for null."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def row_of(values: Mapping[str, Any]) -> dict[str, str]:
    """A record of a JSON body or a FHIR Claim as a row of the file (unknown fields left out)."""
    return {c: text_of(values.get(c)) for c in ALL_COLUMNS if c in values}


def rows_of_csv(body: bytes) -> list[dict[str, str]]:
    """The rows of a CSV body in the file's format (UTF-8, a header naming exactly the 16 columns and
    any of the optional flags, in any order, as the file's: else ``bad_header``).
    A row with more or fewer fields than the header is handed over under one field naming the
    mismatch, which the intake rejects as ``bad_row_shape``."""
    try:
        text = body.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InvalidInput("the CSV body is not UTF-8", code="bad_encoding") from None
    reader = csv.reader(io.StringIO(text, newline=""))
    header = next(reader, None)
    names = [h.strip() for h in header or []]
    if len(set(names)) != len(names) or not set(COLUMNS) <= set(names) <= set(ALL_COLUMNS):
        raise InvalidInput(
            "the first line of the CSV body must be the header naming exactly the columns, in any order: "
            + ",".join(COLUMNS)
            + " (optional: "
            + ",".join(FLAG_COLUMNS)
            + ")",
            code="bad_header",
        )
    rows: list[dict[str, str]] = []
    for fields in reader:
        if not fields:
            continue
        if len(fields) != len(names):
            rows.append({f"row_has_{len(fields)}_fields_the_header_{len(names)}": ",".join(fields)})
            continue
        rows.append(dict(zip(names, fields, strict=True)))
    return rows


@dataclass(frozen=True, slots=True)
class Sent:
    """The intake's answer to one request: the result and one outcome per row, in the rows' order."""

    result: IntakeResult
    outcomes: tuple[RowOutcome, ...]


def in_order(result: IntakeResult, count: int) -> tuple[RowOutcome, ...]:
    """The outcomes of ``count`` rows in the order they were sent (by their line)."""
    ordered = sorted(result.outcomes, key=lambda o: o.line)
    if len(ordered) != count:
        raise AssertionError(f"the intake answered {len(ordered)} outcomes for {count} rows")
    return tuple(ordered)


def send_rows(
    session: Session,
    principal: Any,
    rows: Sequence[Mapping[str, str]],
    *,
    channel: str,
    resource: str,
    today: date | None = None,
) -> Sent:
    """Authorise ``principal`` to send service reports (a refusal is logged and raised), then take
    ``rows`` through the intake in the caller's session (committed with the answer); a provider's
    login sends for its own provider only."""
    own = principal.provider_id if principal.role == "clinic" else None
    authorize(session, principal, SERVICE_REPORT_SEND, own, channel=channel, resource=resource)
    if len(rows) > MAX_RECORDS:
        raise InvalidInput(f"at most {MAX_RECORDS:,} records per request, got {len(rows):,}", code="too_many_records")
    result = intake.ingest_rows(
        session, rows, source=channel, created_by=principal.username, only_provider=own, today=today
    )
    return Sent(result, in_order(result, len(rows)))


def outcome_dict(outcome: RowOutcome, lang: str = "en") -> dict[str, Any]:
    """One row's outcome as the API answers it: the status, the rejection's reason and message,
    the findings with their defect codes and names."""
    return {
        "line": outcome.line,
        "provider_id": outcome.provider_id,
        "record_id": outcome.record_id,
        "status": outcome.status,
        "record_ref": outcome.record_ref,
        "reason": outcome.reason,
        "reason_text": label(lang, "service_reject", outcome.reason) if outcome.reason else None,
        "message": outcome.message,
        "findings": [
            {"code": code, "name": label(lang, "service_finding", code), "defect_code": defect}
            for code, defect in outcome.findings
        ],
    }
