"""Contributions pages: an employer's payroll statements (``/employer/payroll``).

Thin: the statements are ``contributions.payroll``'s (the same use case as
``POST /api/v1/payroll``); this module reads the form or file, renders the answer and its
exclusions without category codes. The employer's page of employees and payments with their
statuses composes coverage and is ``osms.coverage.pages``'s. See docs/pages.md.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from osms.contributions.access import PAYROLL_PAGE
from osms.contributions.payroll import MAX_API_ROWS, PayrollResult, compute_payroll, read_payroll_file
from osms.contributions.rules import Calculation
from osms.core.errors import InvalidInput
from osms.core.http import DbSession
from osms.core.i18n import N_
from osms.core.periods import Month
from osms.core.security import Principal
from osms.web import pages as web
from osms.web.pages import PRIVATE, PagePrincipal, csrf_ok, login_redirect, refusal_page, render

router = APIRouter(include_in_schema=False)

# A payroll file larger than this is refused before it is read.
PAYROLL_MAX_BYTES = 2 * 1024 * 1024


def _employer_only(request: Request, session: Session, principal: Principal, action: str) -> Response | None:
    return refusal_page(request, session, principal, action, N_("This page is for employers."), principal.bin)


def _calc_view(calc: Calculation | None) -> dict[str, Any] | None:
    if calc is None:
        return None
    return {"amount": calc.amount, "base": calc.base, "rate": calc.rate, "cap_applied": calc.cap_applied}


def payroll_view(result: PayrollResult) -> dict[str, Any]:
    """The payroll's answer for the page. Exclusions say only "state-paid category": the employer
    learns no category code here (the API's answer keeps them, for the payroll software)."""
    data = result.as_dict()
    money = ("income", "deduction", "contribution", "total")
    periods = [
        p
        | {k: Decimal(p[k]) for k in money}
        | {"period": Month.parse(p["period"])}
        | {"statement_due": date.fromisoformat(p["statement_due"]), "payment_due": date.fromisoformat(p["payment_due"])}
        for p in data["periods"]
    ]
    lines = []
    for line in result.lines:
        c = line.charges
        due = line.due
        lines.append(
            {
                "line": line.line,
                "iin": line.iin,
                "period": c.period,
                "income": c.income,
                "deduction": _calc_view(c.deduction),
                "contribution": _calc_view(c.contribution),
                "total": c.total,
                "statement_due": due.statement_due,
                "payment_due": due.payment_due,
            }
        )
    exclusions = [{"line": e.line, "iin": e.iin, "period": e.period, "income": e.income} for e in result.exclusions]
    rejections = [
        {"line": r.line, "iin": r.iin, "period": r.period, "income": r.income, "reason": r.reason}
        for r in result.rejections
    ]
    totals = data["totals"] | {k: Decimal(data["totals"][k]) for k in money}
    return {
        "rows": result.rows,
        "lines": lines,
        "exclusions": exclusions,
        "rejections": rejections,
        "periods": periods,
        "totals": totals,
        "provisional": data["provisional_message"],
    }


@router.get("/employer/payroll", response_class=HTMLResponse)
def payroll_form(request: Request, session: DbSession, principal: PagePrincipal) -> Response:
    if principal is None:
        return login_redirect(request)
    refused = _employer_only(request, session, principal, PAYROLL_PAGE)
    if refused is not None:
        return refused
    return render(request, "payroll.html", principal, rows_text="", result=None, error=None)


@router.post("/employer/payroll", response_class=HTMLResponse)
def payroll(
    request: Request,
    session: DbSession,
    principal: PagePrincipal,
    csrf: Annotated[str, Form()] = "",
    rows: Annotated[str, Form()] = "",
    file: Annotated[UploadFile | None, File()] = None,
) -> Response:
    """Compute the statements of a payroll (CSV ``iin,period,income``, uploaded or pasted)."""
    if principal is None:
        return login_redirect(request)
    refused = _employer_only(request, session, principal, PAYROLL_PAGE)
    if refused is not None:
        return refused
    assert principal.bin is not None

    def again(status_code: int, error: str) -> HTMLResponse:
        return render(request, "payroll.html", principal, status_code, rows_text=rows, result=None, error=error)

    if not csrf_ok(request, csrf):
        return again(400, N_("The form has expired. Please try again."))
    raw = rows.encode("utf-8")
    if file is not None and file.filename:
        raw = file.file.read(PAYROLL_MAX_BYTES + 1)
        if len(raw) > PAYROLL_MAX_BYTES:
            return again(413, N_("The file is larger than 2 MB; split the payroll."))
    if not raw.strip():
        return again(422, N_("Choose a CSV file or paste the rows."))
    try:
        parsed = read_payroll_file(raw)
    except InvalidInput as exc:
        if exc.code in ("not_a_payroll", "bad_encoding", "bad_file"):
            return again(
                422,
                N_(
                    "This file is not a payroll: choose a CSV or Excel (.xlsx) file with the columns iin, period, "
                    "income."
                ),
            )
        return again(422, N_("The first line must be the header iin,period,income."))
    if not parsed:
        return again(422, N_("The file has a header but no rows."))
    if len(parsed) > MAX_API_ROWS:
        return again(413, N_("At most 10,000 rows at a time; split the payroll."))
    result = compute_payroll(session, principal.bin, parsed, principal=principal, channel="web", today=web.today())
    return render(
        request, "payroll.html", principal, headers=PRIVATE, rows_text=rows, result=payroll_view(result), error=None
    )


def _employer(principal: Principal | None) -> bool:
    return principal is not None and principal.role == "employer"


PAGES = web.PageSet(
    router=router,
    templates=Path(__file__).parent / "templates",
    menu=(
        web.MenuEntry(90, "/employer", N_("Employees and payments"), _employer),
        web.MenuEntry(91, "/employer/payroll", N_("Payroll"), _employer),
    ),
)
