"""The payments room's pages of the monthly run (docs/payments.md, "Pages"; docs/pages.md).

``/payments/statement?month=`` (a provider's login its own; operators and auditors with
``?provider=``): each contract's month as the run computed it: the lines by method, what was not
paid and why, the deductions with their defects and where each defect's appeal stands (links to
``/services/defects``), recalculations of earlier months, the advance withheld, the cuts, the sum
payable, the protocol and the act's state, the objection form while the objection window is open,
and the act as a PDF (``/payments/statement.pdf?month=&contract=``).

``/payments/runs?month=`` (operators and auditors): every contract's month of the run with its
totals and state, what to do next (run the month, record the protocol, sign), and the payment
orders of the signed acts due by a day (``/payments/orders.csv?due_by=``), with how many of the
month's orders name no bank account (``problem`` = ``no_iban`` in the file: the bank refuses them).

A page that shows an amount priced with a synthetic or unverified tariff row says so. Reads are
``osms.payments.statements``; the run and its steps are ``osms.payments.run``'s.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from osms.claims import views as claims_views
from osms.claims.labels import APPEAL_STATUS_LABELS
from osms.core import audit, authz, i18n
from osms.core.config import get_settings
from osms.core.errors import InvalidInput, NotFound, OsmsError
from osms.core.http import DbSession
from osms.core.i18n import N_
from osms.core.periods import Month
from osms.core.security import Principal
from osms.payments import protocol, run, statements
from osms.payments.access import ORDERS_READ, PAYMENT_RUN, PAYMENT_RUN_MANAGE, PAYMENT_RUN_OBJECT, PAYMENT_RUN_READ
from osms.payments.act import FontMissing, render_pdf
from osms.payments.orders import NO_IBAN, to_csv, without_iban
from osms.rulebooks.loader import Rulebook, load_rulebook
from osms.web import pages as web
from osms.web.i18n import pick_language

router = APIRouter(include_in_schema=False)

NOT_PROVIDER = N_("These pages are for providers and the fund's staff.")
OTHER_PROVIDER = N_("A provider sees only its own payment statements.")
UNKNOWN_PROVIDER = N_("There is no provider with this code in the register.")
NOT_FUND = N_("The payment runs are the fund's.")
NOT_ORDERS = N_("The payment orders are taken by the fund's operators.")
BAD_MONTH = N_("Check the month: YYYY-MM.")
BAD_DAY = N_("Check the day: YYYY-MM-DD.")
NO_RUN = N_("There is no run of this contract in this month.")
NO_FONT = N_("The act cannot be drawn: the font of the PDF is not installed on the server.")

#: Why an earlier month is recalculated (``payment_recalculation.cause``).
RECALC_CAUSE_LABELS = {
    "correction": N_("Records corrected or a defect withdrawn after the act"),
    "hidden_defect": N_("A hidden defect found after payment"),
}

#: Where a run stands (``payment_run.status``).
RUN_STATUS_LABELS = {
    "computed": N_("Computed"),
    "protocol": N_("Protocol sent"),
    "objected": N_("Objection received"),
    "signed": N_("Act signed"),
}


def _month(text: str) -> Month:
    text = text.strip()
    return Month.of(web.today()) if not text else Month.parse(text)


def _asked(principal: Principal, provider: str) -> str:
    return provider.strip() or (principal.provider_id or "" if principal.role == "clinic" else "")


def _check_provider(
    request: Request, session: Session, principal: Principal, provider: str
) -> tuple[str, claims_views.ProviderFacts | None, Response | None]:
    """The provider asked about (a clinic login's own by default), or the refusal page; an
    operator or auditor who names none gets the choice form (``None`` facts)."""
    asked = _asked(principal, provider)
    if not asked:
        return "", None, web.role_refusal_page(request, principal, PAYMENT_RUN_READ, NOT_PROVIDER)
    text = OTHER_PROVIDER if principal.role == "clinic" else NOT_PROVIDER
    refused = web.refusal_page(request, session, principal, PAYMENT_RUN_READ, text, asked)
    if refused is not None:
        return asked, None, refused
    facts = claims_views.provider_facts(session, asked)
    if facts is None:
        return asked, None, web.error_page(request, principal, 404, UNKNOWN_PROVIDER)
    return asked, facts, None


def can_object(session: Session, principal: Principal, provider_id: str) -> bool:
    """Whether the page offers the objection form (the provider's own login, or an operator
    recording one received on paper)."""
    return authz.allows(session, principal, PAYMENT_RUN_OBJECT, provider_id)


def _defects(session: Session, views: list[statements.RunView]) -> dict[int, dict[str, Any]]:
    """Each deducted defect with its month, status and where its appeal stands today."""
    ids = sorted({i for v in views for d in v.deductions for i in d.defect_ids})[:500]
    lines = [line for i in ids if (line := claims_views.defect(session, i)) is not None]
    clocks = claims_views.clocks(session, lines, web.today()) if lines else {}
    return {line.id: {"line": line, "clock": clocks.get(line.id), "month": str(Month.of(line.month))} for line in lines}


@router.get("/payments/statement", response_class=HTMLResponse)
def statement_page(
    request: Request, session: DbSession, principal: web.PagePrincipal, provider: str = "", month: str = ""
) -> Response:
    """A provider's monthly statement: every contract's month as the run computed it."""
    if principal is None:
        return web.login_redirect(request)
    asked, facts, refused = _check_provider(request, session, principal, provider)
    if refused is not None:
        return refused
    own = principal.role == "clinic"
    common: dict[str, Any] = {"asked": asked, "own": own, "status_names": RUN_STATUS_LABELS}
    if facts is None:
        return web.render(request, "statement_page.html", principal, provider=None, **common)
    try:
        chosen = _month(month)
    except ValueError:
        return web.error_page(request, principal, 422, BAD_MONTH)
    found = statements.runs(session, month=chosen.first_day, provider_id=facts.provider_id)
    audit.record(
        session,
        principal,
        channel="web",
        action="payment.run.read",
        resource=request.url.path,
        detail=f"statement of {facts.provider_id} {chosen}",
    )
    who = "" if own else f"&provider={facts.provider_id}"
    lang = pick_language(request)
    return web.render(
        request,
        "statement_page.html",
        principal,
        headers=web.PRIVATE,
        provider=facts,
        month=chosen,
        previous=chosen + -1,
        following=chosen + 1,
        who=who,
        runs=found,
        defects=_defects(session, found),
        appeal_names={code: i18n.gettext(lang, text) for code, text in APPEAL_STATUS_LABELS.items()},
        recalc_names=RECALC_CAUSE_LABELS,
        can_object=can_object(session, principal, facts.provider_id),
        today=web.today(),
        **common,
    )


@router.get("/payments/statement.pdf")
def statement_pdf(
    request: Request,
    session: DbSession,
    principal: web.PagePrincipal,
    contract: str = "",
    month: str = "",
    provider: str = "",
) -> Response:
    """The act of services rendered of a contract's month as a PDF (Kazakh and Russian)."""
    if principal is None:
        return web.login_redirect(request)
    try:
        chosen = _month(month)
    except ValueError:
        return web.error_page(request, principal, 422, BAD_MONTH)
    found = statements.run_of(session, contract.strip(), chosen.first_day) if contract.strip() else None
    # A provider is refused an unknown contract as it is another's: it learns no ids.
    subject = found.provider_id if found is not None else (provider.strip() or "-")
    text = OTHER_PROVIDER if principal.role == "clinic" else NOT_PROVIDER
    refused = web.refusal_page(request, session, principal, PAYMENT_RUN_READ, text, subject)
    if refused is not None:
        return refused
    if found is None:
        return web.error_page(request, principal, 404, NO_RUN)
    try:
        pdf = render_pdf(found.act())
    except FontMissing:
        return web.error_page(request, principal, 500, NO_FONT)
    audit.record(
        session,
        principal,
        channel="web",
        action="payment.run.read",
        resource=request.url.path,
        detail=f"act of {found.contract_id} {found.month_text}",
    )
    name = f"act-{found.contract_id}-{found.month_text}.pdf"
    headers = {**web.PRIVATE, "Content-Disposition": f'attachment; filename="{name}"'}
    return Response(pdf, media_type="application/pdf", headers=headers)


@router.get("/payments/runs", response_class=HTMLResponse)
def runs_page(
    request: Request, session: DbSession, principal: web.PagePrincipal, month: str = "", done: str = ""
) -> Response:
    """The fund's run of a month: every contract's totals and state, and the payment orders."""
    if principal is None:
        return web.login_redirect(request)
    refused = web.role_refusal_page(request, principal, PAYMENT_RUN_READ, NOT_FUND) or web.refusal_page(
        request, session, principal, PAYMENT_RUN_READ, NOT_FUND
    )
    if refused is not None:
        return refused
    try:
        chosen = _month(month)
    except ValueError:
        return web.error_page(request, principal, 422, BAD_MONTH)
    return _runs(request, session, principal, chosen, done=DONE.get(done))


def _runs(
    request: Request,
    session: Session,
    principal: Principal,
    chosen: Month,
    *,
    done: str | None = None,
    error: str | None = None,
    status: int = 200,
) -> Response:
    found = statements.runs(session, month=chosen.first_day)
    orders = [o for r in found if (o := r.order()) is not None and o.amount > 0]
    totals = {
        "gross": sum((v.gross for v in found), start=_zero()),
        "payable": sum((v.payable for v in found), start=_zero()),
        "signed": sum(1 for v in found if v.signed),
    }
    return web.render(
        request,
        "runs_page.html",
        principal,
        status,
        headers=web.PRIVATE,
        done=done,
        error=error,
        can_run=authz.allows(session, principal, PAYMENT_RUN, None),
        month=chosen,
        previous=chosen + -1,
        following=chosen + 1,
        runs=found,
        totals=totals,
        synthetic=any(v.synthetic for v in found),
        unverified=any(not v.verified for v in found),
        status_names=RUN_STATUS_LABELS,
        can_orders=principal.role in ("operator",),
        due_by=web.today().isoformat(),
        orders_count=len(orders),
        orders_without_iban=without_iban(orders),
        payees_without_iban=sorted({o.provider_name or o.provider_id for o in orders if o.problem == NO_IBAN}),
    )


def _zero() -> Decimal:
    return Decimal("0")


#: What a step of the run page did (``?done=``).
DONE = {
    "run": N_("The month was run."),
    "protocol": N_("The protocol was issued: the provider may object until the date shown."),
    "answer": N_("The answer to the objection was recorded."),
    "sign": N_("The act was signed: the month is frozen."),
}

#: Why a step was refused (``osms.payments.protocol``'s codes).
STEP_REFUSALS = {
    "expired": N_("The form has expired. Please try again."),
    "run_signed": N_("The act of this month is signed: the month is frozen."),
    "no_protocol": N_("Issue the protocol first."),
    "objection_open": N_("Answer the provider's objection before signing."),
    "objection_window": N_("The provider may still object to the protocol: sign after the window closes."),
    "objection_late": N_("The window for an objection to this protocol has closed."),
    "not_objected": N_("There is no objection to answer."),
    "missing_note": N_("Write the reasons."),
}


def _refused(lang: str, error: OsmsError) -> str:
    message = STEP_REFUSALS.get(error.code or "")
    return i18n.gettext(lang, message) if message else i18n.gettext(lang, web.GENERIC_ERROR)


def _runs_step(
    request: Request,
    session: Session,
    principal: Principal | None,
    month: str,
    csrf: str,
    step: str,
    work: Callable[[Session, Principal, Month], object],
    action: str = PAYMENT_RUN_MANAGE,
    subject: str | None = None,
) -> Response:
    """A step of the run page (operators): check, do ``work``, back to the page (303) or the
    page with the refusal (409 / 422)."""
    if principal is None:
        return web.login_redirect(request)
    refused = web.role_refusal_page(request, principal, action, NOT_FUND)
    if refused is not None:
        return refused
    refused = web.refusal_page(request, session, principal, action, NOT_FUND, subject)
    if refused is not None:
        return refused
    try:
        chosen = _month(month)
    except ValueError:
        return web.error_page(request, principal, 422, BAD_MONTH)
    try:
        if not web.csrf_ok(request, csrf):
            raise InvalidInput("expired form", code="expired")
        work(session, principal, chosen)
    except NotFound:
        return web.error_page(request, principal, 404, NO_RUN)
    except OsmsError as exc:
        session.rollback()
        lang = pick_language(request)
        status = 409 if exc.status == 409 else 422
        return _runs(request, session, principal, chosen, error=_refused(lang, exc), status=status)
    return RedirectResponse(f"/payments/runs?month={chosen}&done={step}", status_code=303)


def _provider_of(session: Session, contract_id: str, month: str) -> str:
    """The provider of a contract's run (the subject of a step), ``-`` when unknown."""
    try:
        found = statements.run_of(session, contract_id, _month(month).first_day)
    except ValueError:
        return "-"
    return found.provider_id if found is not None else "-"


def _book_of(session: Session, contract_id: str, month: Month) -> Rulebook:
    found = statements.run_of(session, contract_id, month.first_day)
    return load_rulebook(found.rulebook if found is not None else get_settings().rulebook)


@router.post("/payments/runs", response_class=HTMLResponse)
def run_month_form(
    request: Request,
    session: DbSession,
    principal: web.PagePrincipal,
    month: Annotated[str, Form()] = "",
    csrf: Annotated[str, Form()] = "",
) -> Response:
    """Run (or re-run: a signed contract's month stays frozen) the month of every contract."""

    def work(s: Session, p: Principal, chosen: Month) -> object:
        return run.run_month(s, load_rulebook(get_settings().rulebook), chosen.first_day, today=web.today())

    return _runs_step(request, session, principal, month, csrf, "run", work, PAYMENT_RUN)


@router.post("/payments/runs/{contract_id}/protocol", response_class=HTMLResponse)
def protocol_form(
    request: Request,
    session: DbSession,
    principal: web.PagePrincipal,
    contract_id: str,
    month: Annotated[str, Form()] = "",
    csrf: Annotated[str, Form()] = "",
) -> Response:
    """Issue the protocol of a contract's computed month: the objection window opens."""

    def work(s: Session, p: Principal, chosen: Month) -> object:
        book = _book_of(s, contract_id, chosen)
        return protocol.protocol(s, book, contract_id, chosen.first_day, today=web.today())

    return _runs_step(
        request, session, principal, month, csrf, "protocol", work, subject=_provider_of(session, contract_id, month)
    )


@router.post("/payments/runs/{contract_id}/answer", response_class=HTMLResponse)
def answer_form(
    request: Request,
    session: DbSession,
    principal: web.PagePrincipal,
    contract_id: str,
    month: Annotated[str, Form()] = "",
    note: Annotated[str, Form()] = "",
    csrf: Annotated[str, Form()] = "",
) -> Response:
    """The fund's answer to the provider's objection."""

    def work(s: Session, p: Principal, chosen: Month) -> object:
        if not note.strip():
            raise InvalidInput("give the answer", code="missing_note")
        return protocol.answer(s, contract_id, chosen.first_day, note, today=web.today())

    return _runs_step(
        request, session, principal, month, csrf, "answer", work, subject=_provider_of(session, contract_id, month)
    )


@router.post("/payments/runs/{contract_id}/sign", response_class=HTMLResponse)
def sign_form(
    request: Request,
    session: DbSession,
    principal: web.PagePrincipal,
    contract_id: str,
    month: Annotated[str, Form()] = "",
    csrf: Annotated[str, Form()] = "",
) -> Response:
    """Sign the act: the month is frozen, the payment falls due (PAY: 10 calendar days)."""

    def work(s: Session, p: Principal, chosen: Month) -> object:
        book = _book_of(s, contract_id, chosen)
        return protocol.sign(s, book, contract_id, chosen.first_day, signed_by=p.username, today=web.today())

    return _runs_step(
        request, session, principal, month, csrf, "sign", work, subject=_provider_of(session, contract_id, month)
    )


@router.post("/payments/statement/objection", response_class=HTMLResponse)
def objection_form(
    request: Request,
    session: DbSession,
    principal: web.PagePrincipal,
    contract: Annotated[str, Form()] = "",
    month: Annotated[str, Form()] = "",
    note: Annotated[str, Form()] = "",
    csrf: Annotated[str, Form()] = "",
) -> Response:
    """The provider's objection to the protocol of a contract's month, with its reasons."""
    if principal is None:
        return web.login_redirect(request)
    refused = web.role_refusal_page(request, principal, PAYMENT_RUN_OBJECT, OTHER_PROVIDER)
    if refused is not None:
        return refused
    try:
        chosen = _month(month)
    except ValueError:
        return web.error_page(request, principal, 422, BAD_MONTH)
    found = statements.run_of(session, contract.strip(), chosen.first_day) if contract.strip() else None
    # A provider is refused an unknown contract as it is another's: it learns no ids.
    subject = found.provider_id if found is not None else "-"
    refused = web.refusal_page(request, session, principal, PAYMENT_RUN_OBJECT, OTHER_PROVIDER, subject)
    if refused is not None:
        return refused
    if found is None:
        return web.error_page(request, principal, 404, NO_RUN)
    who = "" if principal.role == "clinic" else f"&provider={found.provider_id}"
    try:
        if not web.csrf_ok(request, csrf):
            raise InvalidInput("expired form", code="expired")
        if not note.strip():
            raise InvalidInput("say what the objection is", code="missing_note")
        protocol.object_to(
            session, load_rulebook(found.rulebook), found.contract_id, chosen.first_day, note, today=web.today()
        )
    except OsmsError as exc:
        session.rollback()
        status = 409 if exc.status == 409 else 422
        return web.error_page(request, principal, status, STEP_REFUSALS.get(exc.code or "") or web.GENERIC_ERROR)
    return RedirectResponse(f"/payments/statement?month={chosen}{who}#contract-{found.contract_id}", status_code=303)


@router.get("/payments/orders.csv")
def orders_csv(request: Request, session: DbSession, principal: web.PagePrincipal, due_by: str = "") -> Response:
    """The payment-order file of every signed act due by ``due_by`` (today by default)."""
    if principal is None:
        return web.login_redirect(request)
    refused = web.role_refusal_page(request, principal, ORDERS_READ, NOT_ORDERS)
    if refused is not None:
        return refused
    try:
        day = date.fromisoformat(due_by.strip()) if due_by.strip() else web.today()
    except ValueError:
        return web.error_page(request, principal, 422, BAD_DAY)
    orders = statements.orders_due(session, day)
    audit.record(
        session,
        principal,
        channel="web",
        action="payments.orders.read",
        resource=request.url.path,
        detail=f"{len(orders)} orders due by {day.isoformat()}",
    )
    headers = {
        **web.PRIVATE,
        "Content-Disposition": f'attachment; filename="payment-orders-{day.isoformat()}.csv"',
        "X-Orders-Without-Iban": str(without_iban(orders)),
    }
    return Response(to_csv(orders), media_type="text/csv; charset=utf-8", headers=headers)


def _staff(principal: Principal | None) -> bool:
    return principal is not None and principal.role in ("operator", "auditor")


def _provider(principal: Principal | None) -> bool:
    return principal is not None and principal.role == "clinic"


PAGES = web.PageSet(
    router=router,
    templates=Path(__file__).parent / "templates",
    menu=(
        web.MenuEntry(61, "/payments/statement", N_("Payment statement"), _provider),
        web.MenuEntry(62, "/payments/runs", N_("Payment runs"), _staff, prefix=False),
    ),
)
