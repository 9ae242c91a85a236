"""Contributions API (thin): load a payment register; read a person's payments (audited)."""

from __future__ import annotations

from datetime import date
from pathlib import Path as FilePath
from typing import Annotated

from fastapi import APIRouter, File, Path, Query, Request, UploadFile
from pydantic import BaseModel, Field

from osms.contributions import register_rules
from osms.contributions.access import PAYMENTS_LOAD, PAYMENTS_READ
from osms.contributions.service import ingest_register, payments_of
from osms.core import audit
from osms.core.authz import authorize
from osms.core.batches_api import BatchLinks, links_of
from osms.core.errors import InvalidInput
from osms.core.http import CurrentPrincipal, DbSession
from osms.core.money import format_money
from osms.core.openapi import MONTH_PATTERN, iin_schema
from osms.core.periods import Month

router = APIRouter(prefix="/api/v1", tags=["contributions"])

MONEY_PATTERN = r"^-?\d+\.\d{2}$"
_REASON_LIST = "\n".join(f"- `{code}`: {sentence}" for code, sentence in register_rules.REASONS.items())


class IngestSummary(BaseModel):
    rows: int = Field(description="Data rows in the file (blank lines not counted)")
    credited: int = Field(description="Rows added to the ledger (payments + reversals)")
    rejected: int = Field(description="Rows rejected with a reason code")
    rejected_by_reason: dict[str, int] = Field(description="Rejected rows per reason code")
    amount: str = Field(
        pattern=MONEY_PATTERN, description="Net amount credited (payments minus reversals), tenge", examples=["3860.10"]
    )
    seconds: float
    already_credited: int = Field(description="Rows whose reference an earlier load credited (not rejections)")
    payments: int
    reversals: int
    amount_paid: str = Field(pattern=MONEY_PATTERN)
    amount_reversed: str = Field(pattern=MONEY_PATTERN)
    person_months: int = Field(description="(IIN, period) pairs of the coverage summary recomputed")
    batch_id: int = Field(description="The import batch; its rejections are kept with line, raw text and reason")
    file: str
    rejects_file: str | None = None
    rejections_url: str = Field(
        description="The rejected rows of this load: paged JSON, or CSV with `Accept: text/csv` or `?format=csv`",
        examples=["/api/v1/import-batches/7/rejections"],
    )
    links: BatchLinks = Field(description="The batch (counts by reason, when, by whom) and its rejected rows")


@router.post(
    "/payment-registers",
    response_model=IngestSummary,
    summary="Load a payment register into the contributions ledger",
    description=(
        "Fund operators only. Send the register as `multipart/form-data` with the CSV in the part `file` "
        "(e.g. `curl -H 'Authorization: Bearer …' -F file=@register.csv …/api/v1/payment-registers`). "
        "The CSV is UTF-8 with the header `" + ",".join(register_rules.COLUMNS) + "` (any order).\n\n"
        "Every row is credited, counted as `already_credited` (its reference was credited by an earlier "
        "load: sending the same file again changes nothing), or rejected with a reason code. The file is "
        "one transaction: all of it is loaded or none. The answer links the batch "
        "(`GET /api/v1/import-batches/{id}`) and its rejected rows with line, code, message and raw text "
        "(`rejections_url`: paged JSON, or CSV). Reason codes:\n\n" + _REASON_LIST
    ),
    responses={
        401: {"description": "Not logged in"},
        403: {"description": "Only fund operators may load registers"},
        422: {"description": "The file as a whole cannot be read (not UTF-8, empty, wrong header): nothing is written"},
        503: {"description": "Another load holds the load lock too long (`load_in_progress`), or the system is busy"},
    },
)
def post_register(
    request: Request,
    session: DbSession,
    principal: CurrentPrincipal,
    file: Annotated[UploadFile, File(description="The register CSV")],
) -> IngestSummary:
    authorize(session, principal, PAYMENTS_LOAD, channel="api", resource=request.url.path)
    name = FilePath(file.filename or "register.csv").name
    # Read where the server received it (in memory, or an unnamed temporary file past 1 MB):
    # no named copy that a killed process would leave behind.
    file.file.seek(0)
    result = ingest_register(
        request.app.state.engine, file.file, file_name=f"upload:{name}", created_by=principal.username
    )
    audit.record(
        session,
        principal,
        channel="api",
        action="payments.ingest",
        resource=f"/api/v1/payment-registers (batch {result.batch_id}: {name})",
    )
    links = links_of(result.batch_id)
    return IngestSummary.model_validate(result.as_dict() | {"rejections_url": links.rejections, "links": links})


class PaymentLine(BaseModel):
    reference: str
    kind: str = Field(description="Kind of payment, or `reversal`")
    amount: str = Field(pattern=MONEY_PATTERN, examples=["4250.00"])
    value_date: date
    reverses: str | None = Field(description="For a reversal: the reference of the payment it cancels")
    reversed_by: str | None = Field(description="For a payment: the reversal that cancelled it, if any")


class PayerGroup(BaseModel):
    payer_id: str = Field(description="BIN, or IIN of an entrepreneur or of the person paying for themselves")
    payer_name: str | None = Field(description="From the payer registry (none for a person paying for themselves)")
    payer_kind: str
    amount: str = Field(pattern=MONEY_PATTERN, description="Credited and not reversed")
    payments: list[PaymentLine]


class MonthGroup(BaseModel):
    period: str = Field(examples=["2024-03"])
    amount: str = Field(pattern=MONEY_PATTERN, description="Credited and not reversed")
    payers: list[PayerGroup]


class PersonPayments(BaseModel):
    iin: str
    since: str | None
    months: list[MonthGroup] = Field(description="Newest month first")


@router.get(
    "/persons/{iin}/payments",
    response_model=PersonPayments,
    summary="The contributions credited for a person",
    description=(
        "Every ledger row for the person (payments, reversed payments and reversals), grouped by month "
        "(newest first) and payer. Citizens see themselves, their children under 18 (the rulebook's minor age) "
        "and their wards; fund operators and auditors see anyone; clinics and employers no one here (payers and "
        "amounts give the salary away: docs/access.md). Every read (and every refused attempt) is written to the "
        "audit log."
    ),
    responses={
        401: {"description": "Not logged in"},
        403: {"description": "The role may not read this person"},
        404: {"description": "No such person"},
        422: {"description": "The IIN fails a check, or `since` is not a month"},
    },
)
def read_payments(
    session: DbSession,
    principal: CurrentPrincipal,
    iin: str = Path(description="12-digit IIN", examples=["860101300017"], json_schema_extra=iin_schema()),
    since: str | None = Query(
        default=None,
        description="Only months from this one on (YYYY-MM)",
        json_schema_extra={"pattern": MONTH_PATTERN},
    ),
) -> PersonPayments:
    authorize(session, principal, PAYMENTS_READ, iin, channel="api")
    month: Month | None = None
    if since is not None:
        try:
            month = Month.parse(since)
        except ValueError as exc:
            raise InvalidInput(str(exc), code="bad_period") from None
    months = payments_of(session, iin, month)
    audit.record(
        session,
        principal,
        channel="api",
        action="payments.read",
        resource=f"/api/v1/persons/{iin}/payments",
        subject_iin=iin,
    )
    return PersonPayments(
        iin=iin,
        since=since,
        months=[
            MonthGroup(
                period=str(m.period),
                amount=format_money(m.amount),
                payers=[
                    PayerGroup(
                        payer_id=p.payer_id,
                        payer_name=p.payer_name,
                        payer_kind=p.payer_kind,
                        amount=format_money(p.amount),
                        payments=[
                            PaymentLine(
                                reference=ln.reference,
                                kind=ln.kind,
                                amount=format_money(ln.amount),
                                value_date=ln.value_date,
                                reverses=ln.reverses,
                                reversed_by=ln.reversed_by,
                            )
                            for ln in p.lines
                        ],
                    )
                    for p in m.payers
                ],
            )
            for m in months
        ],
    )
