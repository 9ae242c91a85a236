"""The payments room's API for the act and the payment orders (thin; docs/payments.md, "The act
and the payment orders").

``GET /api/v1/payment-runs/{contract_id}/{month}/act.pdf``: the act of services rendered of a
contract's month as a PDF (operators and auditors any; a provider's login its own contracts).
``GET /api/v1/payment-orders?due_by=``: the payment-order file (CSV) of every signed act whose
payment falls due by a day (the fund's operators). ``osms.app.create_app`` includes ``router``.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Final

from fastapi import APIRouter, Path, Query
from fastapi.responses import Response

from osms.core import audit
from osms.core.authz import authorize, authorize_role
from osms.core.errors import NotFound
from osms.core.http import CurrentPrincipal, DbSession
from osms.core.periods import Month
from osms.payments import statements
from osms.payments.access import ORDERS_READ, PAYMENT_RUN_READ
from osms.payments.act import render_pdf
from osms.payments.orders import COLUMNS, to_csv, without_iban

router = APIRouter(prefix="/api/v1", tags=["payments"])

CHANNEL: Final = "api"
MONTH: Final = r"^[12]\d{3}-(0[1-9]|1[0-2])$"


@router.get(
    "/payment-runs/{contract_id}/{month}/act.pdf",
    summary="The act of services rendered of a contract's month (PDF)",
    description=(
        "The act as the monthly run computed it, in Kazakh and Russian (English under the headings): the parties, "
        "the contract and month, the lines by method of payment, what was not paid, the deductions, the advance "
        "withheld, the linear-scale cut, the sum payable, the dates and the signature block (the act is signed "
        "with an electronic digital signature; this is its printable view). Operators and auditors any contract; "
        "a provider's login its own (another's, or an unknown one, is refused alike). 404 `unknown_run`: the "
        "month of this contract has not been run."
    ),
    response_class=Response,
    responses={
        200: {"content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}}},
        403: {"description": "Not this login's contract"},
        404: {"description": "No run of this contract in this month (unknown_run)"},
    },
)
def act_pdf(
    session: DbSession,
    principal: CurrentPrincipal,
    contract_id: Annotated[str, Path(description="The contract", max_length=64)],
    month: Annotated[str, Path(description="YYYY-MM", pattern=MONTH)],
) -> Response:
    where = f"/api/v1/payment-runs/{contract_id}/{month}/act.pdf"
    authorize_role(session, principal, PAYMENT_RUN_READ, channel=CHANNEL, resource=where)
    found = statements.run_of(session, contract_id, Month.parse(month).first_day)
    # A provider is refused an unknown contract as it is another's: it learns no ids.
    authorize(
        session, principal, PAYMENT_RUN_READ, found.provider_id if found else "-", channel=CHANNEL, resource=where
    )
    if found is None:
        raise NotFound(f"no run of contract {contract_id} in {month}", code="unknown_run")
    pdf = render_pdf(found.act())
    audit.record(session, principal, channel=CHANNEL, action="payment.run.read", resource=where, detail="act")
    name = f"act-{found.contract_id}-{found.month_text}.pdf"
    return Response(
        pdf, media_type="application/pdf", headers={"Content-Disposition": f'attachment; filename="{name}"'}
    )


@router.get(
    "/payment-orders",
    summary="The payment-order file for the bank (CSV)",
    description=(
        "One row per signed act whose payment falls due on or before `due_by` and whose sum payable is above "
        "zero, and one per advance decided on or before it (`<contract>/<year>/advance-<kind>`), by due date and "
        "contract. UTF-8 CSV with a header; columns: "
        + ", ".join(f"`{c}`" for c in COLUMNS)
        + ". `payee_iban` is the provider's IBAN in the providers' register; a provider without one still gets "
        "its row, with `payee_iban` empty and `problem` = `no_iban` (the bank refuses it), and the header "
        "`X-Orders-Without-Iban` counts them. The fund's operators."
    ),
    response_class=Response,
    responses={
        200: {
            "content": {"text/csv": {"schema": {"type": "string"}}},
            "headers": {
                "X-Orders-Without-Iban": {
                    "description": "How many rows have no payee account (problem no_iban)",
                    "schema": {"type": "integer"},
                }
            },
        }
    },
)
def payment_orders(
    session: DbSession,
    principal: CurrentPrincipal,
    due_by: Annotated[date, Query(description="The last due date included (YYYY-MM-DD)")],
) -> Response:
    where = "/api/v1/payment-orders"
    authorize_role(session, principal, ORDERS_READ, channel=CHANNEL, resource=where)
    authorize(session, principal, ORDERS_READ, None, channel=CHANNEL, resource=where)
    orders = statements.orders_due(session, due_by)
    audit.record(
        session,
        principal,
        channel=CHANNEL,
        action="payments.orders.read",
        resource=where,
        detail=f"{len(orders)} orders due by {due_by.isoformat()}",
    )
    return Response(
        to_csv(orders),
        media_type="text/csv; charset=utf-8",
        headers={"X-Orders-Without-Iban": str(without_iban(orders))},
    )
