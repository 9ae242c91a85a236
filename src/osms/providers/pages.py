"""The providers room's pages (docs/providers.md, "Pages"; docs/pages.md).

Public (anyone): ``/procurements`` (the announcements with their plans), ``/procurements/{id}``
(one procurement; once published, its results with the providers' names) and ``/providers`` (the
register's active providers by region and kind: public register facts only, never founders or tax
arrears).

``/provider`` (a provider's login its own; operators and auditors with ``?provider=``): the
provider's cabinet: its register entry (licences, resources, accreditation), its applications with
the decisions, reasons and preferences, and the correction form of a rejected application inside
its window (``procurement.correct``).

``/commission/{id}`` (operators; auditors read only): every application with the automatic
findings, the forms to record a member's vote and a finding of false information, and the printable
protocol.

Thin: decisions are the procurement workflow's (``osms.providers.procurement``); this module reads,
authorises (``osms.providers.access``) and renders.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from osms.core import authz, i18n
from osms.core.errors import InvalidInput, NotFound, OsmsError
from osms.core.http import DbSession
from osms.core.i18n import N_, label
from osms.core.security import Principal
from osms.providers import admission, contracts, procurement, service
from osms.providers.access import COMMISSION_READ, COMMISSION_RECORD, PROCUREMENT_CORRECT, PROVIDER_READ
from osms.providers.models import ProcurementAnnouncement, ProcurementApplication, ProcurementDecision
from osms.providers.vocabulary import CARE_TYPE_CODES, CONTRACT_GROUNDS, KINDS, TERMINATIONS
from osms.registry.regions import regions
from osms.rulebooks.loader import load_rulebook
from osms.web import pages as web
from osms.web.i18n import pick_language

router = APIRouter(include_in_schema=False)

#: Active providers shown per page of ``/providers``.
REGISTER_PAGE = 100

UNKNOWN_FILTER = N_("Choose a region and a care type from the lists.")
#: A contract on the day the cabinet is shown (``contracts.ContractView.status``).
CONTRACT_STATUS_LABELS = {
    "in_force": N_("In force"),
    "not_started": N_("Not started yet"),
    "expired": N_("Expired"),
    "terminated": N_("Terminated"),
}

STATE_LABELS = {
    "announced": N_("Taking applications"),
    "admitted": N_("Applications decided (stage 1)"),
    "distributed": N_("Volumes placed (stage 2)"),
    "published": N_("Results published"),
}
DECISION_LABELS = {"admitted": N_("Admitted"), "rejected": N_("Rejected")}
PREFERENCE_LABELS = {
    "accredited": N_("Accredited"),
    "experience_3y": N_("Three years of continuous experience of this care"),
    "own_is": N_("Own medical information system"),
}
BALLOT_LABELS = {"for": N_("For"), "against": N_("Against")}
MEMBER_LABELS = {"chair": N_("Chair"), "member": N_("Member")}

NOT_PROVIDER = N_("The provider's cabinet is for providers and the fund's staff.")
OTHER_PROVIDER = N_("A provider sees only its own register entry and applications.")
NOT_CORRECTOR = N_("Only the provider itself or a fund operator may correct its application.")
NOT_COMMISSION = N_("The commission's page is for the fund's staff.")
NOT_RECORDER = N_("Only a fund operator records the commission's decisions.")
EXPIRED = N_("The form has expired. Please try again.")
STAGE_CLOSED = N_("Corrections are taken after stage 1 and before the volumes are placed.")
BAD_VOLUME = N_("The volume must be a whole number, for example 40.")
BAD_SUM = N_("The sum must be an amount in tenge, for example 400000.00.")
NOTHING_CHANGED = N_("Enter the corrected volume or sum.")
REFUSED = N_("Refused (%(code)s): %(text)s")
#: The workflow's refusals of the pages' commands, in words (the code is shown beside them).
REFUSALS = {
    "unknown_member": N_("This name is not a member of the commission."),
    "bad_vote": N_("A vote is for or against."),
    "not_admitted_yet": N_("Stage 1 has not decided this application yet."),
    "reason_required": N_("Write the commission's reason."),
    "already_distributed": N_("Stage 1 is closed: the volumes are placed."),
    "already_published": N_("The results are published."),
    "second_correction": N_("The application was already corrected; no further correction is allowed."),
    "correction_window_closed": N_("The time for corrections has run out."),
    "not_rejected": N_("Only a rejected application may be corrected."),
}


def today() -> date:
    """The day of corrections and of the correction window (``osms.web.pages.today``)."""
    return web.today()


def _tr(lang: str, labels: dict[str, str]) -> dict[str, str]:
    return {code: i18n.gettext(lang, msgid) for code, msgid in labels.items()}


def _names(lang: str) -> dict[str, dict[str, str]]:
    return {
        "state": _tr(lang, STATE_LABELS),
        "decision": _tr(lang, DECISION_LABELS),
        "preference": _tr(lang, PREFERENCE_LABELS),
        "ballot": _tr(lang, BALLOT_LABELS),
        "member": _tr(lang, MEMBER_LABELS),
        "contract_status": _tr(lang, CONTRACT_STATUS_LABELS),
        "ground": {code: label(lang, "contract_ground", code) for code in CONTRACT_GROUNDS},
        "termination": {code: label(lang, "contract_termination", code) for code in TERMINATIONS},
    }


def _provider_names(session: Session, ids: Iterable[str]) -> dict[str, str]:
    found = {}
    for provider_id in set(ids):
        record = service.find_provider(session, provider_id)
        found[provider_id] = record.name if record is not None else provider_id
    return found


def _plan(summary: dict[str, Any]) -> list[dict[str, Any]]:
    """The plan's lines by care type and region, sums as amounts."""
    lines = [line | {"sum": Decimal(line["sum"])} for line in summary["plan"]]
    return sorted(lines, key=lambda line: (line["care_type"], line["region"]))


def _dated(summary: dict[str, Any]) -> dict[str, Any]:
    """The announcement with its window as dates (for the ``day`` filter) and its plan's lines."""
    return summary | {
        "opens": date.fromisoformat(summary["opens"]),
        "closes": date.fromisoformat(summary["closes"]),
        "lines": _plan(summary),
    }


def _reasons(decision: dict[str, Any] | None, lang: str) -> list[dict[str, str]]:
    if decision is None:
        return []
    return [{"code": r["code"], "message": r["message"].get(lang, r["code"])} for r in decision["reasons"]]


def _refused(lang: str, error: OsmsError) -> str:
    """A refusal of the workflow in the page's language: the sentence of its code with the code,
    else the code with the English explanation."""
    code = error.code or ""
    text = REFUSALS.get(code) or procurement.REASONS.get(code)
    if text is not None:
        return f"{i18n.gettext(lang, text)} ({code})"
    return i18n.gettext(lang, REFUSED, code=code, text=str(error))


# --- Public pages ----------------------------------------------------------------------------


@router.get("/procurements", response_class=HTMLResponse)
def procurements_page(request: Request, session: DbSession, principal: web.PagePrincipal) -> Response:
    """Every announced procurement: id, year, window, state and plan by care type and region."""
    lang = pick_language(request)
    items = [_dated(s) for s in procurement.announcements(session)]
    return web.render(request, "procurements.html", principal, items=items, names=_names(lang))


@router.get("/procurements/{procurement_id}", response_class=HTMLResponse)
def procurement_page(
    request: Request, session: DbSession, principal: web.PagePrincipal, procurement_id: str
) -> Response:
    """One procurement: its plan and, once published, the placements by region and care type with
    the providers' names."""
    lang = pick_language(request)
    answer = procurement.view(session, procurement_id, full=False)
    results = [p | {"sum": Decimal(p["sum"])} for p in answer["results"] or []]
    names = _provider_names(session, (p["provider_id"] for p in results))
    results.sort(key=lambda p: (p["region"], p["care_type"], names[p["provider_id"]]))
    return web.render(
        request,
        "procurement.html",
        principal,
        item=_dated(answer),
        lines=_plan(answer),
        results=[p | {"name": names[p["provider_id"]]} for p in results] if answer["published"] else None,
        provider_names=names,
        reviews=procurement.may_review(session, principal),
        names=_names(lang),
    )


@router.get("/providers", response_class=HTMLResponse)
def register_page(
    request: Request,
    session: DbSession,
    principal: web.PagePrincipal,
    region: str = "",
    kind: str = "",
    offset: int = 0,
) -> Response:
    """The register's active providers by region and kind: name, BIN, place, kind, ownership and
    accreditation (public facts; never founders, tax arrears or resources)."""
    found = service.list_providers(
        session, region=region, kind=kind, status="active", limit=REGISTER_PAGE, offset=max(offset, 0)
    )
    items = sorted(found.items, key=lambda p: (p.region, p.kind, p.name))
    return web.render(
        request,
        "providers_register.html",
        principal,
        items=items,
        page=found,
        region_code=region.strip().upper(),
        kind_code=kind.strip().lower(),
        regions=regions(),
        kinds=KINDS,
        on=today(),
    )


@router.get("/contracted-providers", response_class=HTMLResponse)
def contracted_page(
    request: Request, session: DbSession, principal: web.PagePrincipal, region: str = "", care_type: str = ""
) -> Response:
    """The published list: providers with a contract in force today, by region and care type."""
    region_code, care_code = region.strip().upper(), care_type.strip()
    try:
        found = contracts.contracted_providers(
            session, today(), region=region_code or None, care_type=care_code or None
        )
    except InvalidInput:
        return web.error_page(request, principal, 422, UNKNOWN_FILTER)
    return web.render(
        request,
        "contracted_providers.html",
        principal,
        items=found,
        region_code=region_code,
        care_code=care_code,
        regions=regions(),
        care_types=CARE_TYPE_CODES,
        on=today(),
    )


# --- The provider's cabinet ------------------------------------------------------------------


def _correction(
    ann: ProcurementAnnouncement, app: ProcurementApplication, stored: ProcurementDecision | None, lang: str
) -> dict[str, Any] | None:
    """Whether the rejected application may be corrected today, and the sentence why (not)."""
    if stored is None or stored.decision != "rejected":
        return None
    if ann.state != "admitted":
        return {"allowed": False, "message": i18n.gettext(lang, STAGE_CLOSED)}
    verdict = admission.correction(
        stored.decision, stored.decided_on, today(), app.corrections, load_rulebook(ann.rulebook)
    )
    return {"allowed": verdict.allowed, "message": verdict.reason.message()[lang]}


def _applications(session: Session, provider_id: str, lang: str) -> list[dict[str, Any]]:
    """The provider's applications to every procurement, newest procurement first."""
    apps = session.scalars(
        select(ProcurementApplication)
        .where(ProcurementApplication.provider_id == provider_id)
        .order_by(ProcurementApplication.announcement_id.desc(), ProcurementApplication.application_id)
    )
    result = []
    for app in apps:
        ann = session.get(ProcurementAnnouncement, app.announcement_id)
        assert ann is not None
        stored = session.get(ProcurementDecision, (app.announcement_id, app.application_id))
        decision = json.loads(stored.answer) if stored is not None else None
        result.append(
            {
                "announcement_id": app.announcement_id,
                "year": ann.year,
                "state": ann.state,
                "application_id": app.application_id,
                "care_type": app.care_type,
                "region": app.region,
                "volume": app.volume,
                "sum": app.sum,
                "submitted": app.submitted,
                "corrections": app.corrections,
                "decision": None if decision is None else decision["decision"],
                "decided_on": None if stored is None else stored.decided_on,
                "reasons": _reasons(decision, lang),
                "preference": [] if decision is None else decision["preference"],
                "correction": _correction(ann, app, stored, lang),
            }
        )
    return result


def _cabinet(
    request: Request, session: Session, principal: Principal, provider_id: str, status_code: int = 200, **extra: Any
) -> HTMLResponse:
    lang = pick_language(request)
    record = service.get_provider(session, provider_id)
    return web.render(
        request,
        "provider_cabinet.html",
        principal,
        status_code,
        headers=web.PRIVATE,
        provider=record,
        licences=service.licences_of(session, provider_id),
        resources=service.resources_of(session, provider_id),
        applications=_applications(session, provider_id, lang),
        contracts=contracts.list_contracts(session, provider_id=provider_id, limit=contracts.MAX_LIMIT).items,
        names=_names(lang),
        on=today(),
        asked=provider_id,
        own=principal.role == "clinic",
        error=extra.get("error"),
        error_for=extra.get("error_for"),
    )


def _asked_provider(principal: Principal, provider: str) -> str:
    return provider.strip() or (principal.provider_id or "" if principal.role == "clinic" else "")


@router.get("/provider", response_class=HTMLResponse)
def cabinet(request: Request, session: DbSession, principal: web.PagePrincipal, provider: str = "") -> Response:
    """The provider's cabinet: its register entry and its applications with their decisions."""
    if principal is None:
        return web.login_redirect(request)
    asked = _asked_provider(principal, provider)
    if not asked:
        refused = web.role_refusal_page(request, principal, PROVIDER_READ, NOT_PROVIDER)
        if refused is not None:
            return refused
        if principal.role != "clinic":
            return web.render(request, "provider_cabinet.html", principal, provider=None, asked="", own=False)
    text = OTHER_PROVIDER if principal.role == "clinic" else NOT_PROVIDER
    refused = web.refusal_page(request, session, principal, PROVIDER_READ, text, asked)
    if refused is not None:
        return refused
    return _cabinet(request, session, principal, asked)


def _volume(text: str) -> int | None:
    text = text.strip()
    if not text:
        return None
    if not text.isdigit():
        raise InvalidInput("bad volume", code="bad_volume")
    return int(text)


def _amount(text: str) -> Decimal | None:
    text = text.strip().replace(" ", "").replace(",", ".")
    if not text:
        return None
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise InvalidInput("bad sum", code="bad_sum") from None
    if not value.is_finite():
        raise InvalidInput("bad sum", code="bad_sum")
    return value


@router.post("/provider/applications/{procurement_id}/{application_id}/correct", response_class=HTMLResponse)
def correct(
    request: Request,
    session: DbSession,
    principal: web.PagePrincipal,
    procurement_id: str,
    application_id: str,
    volume: Annotated[str, Form()] = "",
    amount: Annotated[str, Form(alias="sum")] = "",
    csrf: Annotated[str, Form()] = "",
) -> Response:
    """Correct a rejected application (its volume or sum) and have it decided again today
    (``procurement.correct``: once, within the rulebook's working days) → back to the cabinet."""
    if principal is None:
        return web.login_redirect(request)
    refused = web.role_refusal_page(request, principal, PROCUREMENT_CORRECT, NOT_CORRECTOR)
    if refused is not None:
        return refused
    app = session.get(ProcurementApplication, (procurement_id, application_id))
    if app is None:
        # A provider is refused an unknown application as it is another's: it learns no ids.
        refused = web.refusal_page(request, session, principal, PROCUREMENT_CORRECT, NOT_CORRECTOR, None)
        if refused is not None:
            return refused
        raise NotFound(
            f"no application {application_id!r} to procurement {procurement_id!r}", code="unknown_application"
        )
    provider_id = app.provider_id
    refused = web.refusal_page(request, session, principal, PROCUREMENT_CORRECT, NOT_CORRECTOR, provider_id)
    if refused is not None:
        return refused
    lang = pick_language(request)
    messages = {"bad_volume": BAD_VOLUME, "bad_sum": BAD_SUM, "no_change": NOTHING_CHANGED}
    try:
        if not web.csrf_ok(request, csrf):
            raise InvalidInput("expired form", code="expired")
        new_volume, new_amount = _volume(volume), _amount(amount)
        if new_volume is None and new_amount is None:
            raise InvalidInput("nothing to correct", code="no_change")
        procurement.correct(session, procurement_id, application_id, on=today(), volume=new_volume, amount=new_amount)
    except OsmsError as error:
        session.rollback()
        status = 400 if error.code == "expired" else 422
        message = EXPIRED if error.code == "expired" else messages.get(error.code or "")
        text = i18n.gettext(lang, message) if message else _refused(lang, error)
        return _cabinet(request, session, principal, provider_id, status, error=text, error_for=application_id)
    target = "/provider" if principal.role == "clinic" else f"/provider?provider={quote(provider_id)}"
    return RedirectResponse(f"{target}#app-{quote(application_id)}", status_code=303)


# --- The commission's page -------------------------------------------------------------------


def _commission(
    request: Request, session: Session, principal: Principal, procurement_id: str, status_code: int = 200, **extra: Any
) -> HTMLResponse:
    lang = pick_language(request)
    summary = procurement.summary(session, procurement_id)
    protocol = procurement.protocol(session, procurement_id)
    voted = {item["application_id"]: item for item in protocol["decisions"]}
    apps = procurement.applications_of(session, procurement_id)
    names = _provider_names(session, [a["provider_id"] for a in apps])
    rows = [
        a
        | {
            "sum": Decimal(a["sum"]),
            "submitted": date.fromisoformat(a["submitted"]),
            "name": names[a["provider_id"]],
            "reasons": _reasons(a["decision"], lang),
            "preference": [] if a["decision"] is None else a["decision"]["preference"],
            "verdict": None if a["decision"] is None else a["decision"]["decision"],
            "protocol": voted.get(a["application_id"]),
        }
        for a in apps
    ]
    return web.render(
        request,
        "commission.html",
        principal,
        status_code,
        headers=web.PRIVATE,
        item=_dated(summary),
        protocol=protocol,
        decided_on=date.fromisoformat(protocol["decided_on"]) if protocol["decided_on"] else None,
        rows=rows,
        provider_names=names,
        records=authz.allows(session, principal, COMMISSION_RECORD, procurement_id),
        open_stage=summary["state"] in ("announced", "admitted"),
        names=_names(lang),
        error=extra.get("error"),
        error_for=extra.get("error_for"),
    )


@router.get("/commission/{procurement_id}", response_class=HTMLResponse)
def commission(request: Request, session: DbSession, principal: web.PagePrincipal, procurement_id: str) -> Response:
    """Every application with the automatic findings, the commission's forms and its protocol."""
    if principal is None:
        return web.login_redirect(request)
    refused = web.refusal_page(request, session, principal, COMMISSION_READ, NOT_COMMISSION, procurement_id)
    if refused is not None:
        return refused
    return _commission(request, session, principal, procurement_id)


def _record(
    request: Request,
    session: Session,
    principal: Principal | None,
    procurement_id: str,
    application_id: str,
    csrf: str,
    act: Any,
) -> Response:
    """Check, run ``act`` (the workflow's command), and go back to the application on the page; a
    refusal re-renders the page with its sentence."""
    if principal is None:
        return web.login_redirect(request)
    refused = web.refusal_page(request, session, principal, COMMISSION_RECORD, NOT_RECORDER, procurement_id)
    if refused is not None:
        return refused
    procurement.summary(session, procurement_id)  # NotFound: 404
    lang = pick_language(request)
    if not web.csrf_ok(request, csrf):
        text = i18n.gettext(lang, EXPIRED)
        return _commission(request, session, principal, procurement_id, 400, error=text, error_for=application_id)
    try:
        act()
    except OsmsError as error:
        session.rollback()
        text = _refused(lang, error)
        return _commission(request, session, principal, procurement_id, 422, error=text, error_for=application_id)
    return RedirectResponse(f"/commission/{quote(procurement_id)}#app-{quote(application_id)}", status_code=303)


@router.post("/commission/{procurement_id}/votes", response_class=HTMLResponse)
def record_vote(
    request: Request,
    session: DbSession,
    principal: web.PagePrincipal,
    procurement_id: str,
    application_id: Annotated[str, Form()] = "",
    member: Annotated[str, Form()] = "",
    ballot: Annotated[str, Form()] = "",
    csrf: Annotated[str, Form()] = "",
) -> Response:
    """A member's vote (for or against) on an application's stage-1 decision (``procurement.vote``)."""
    return _record(
        request,
        session,
        principal,
        procurement_id,
        application_id,
        csrf,
        lambda: procurement.vote(session, procurement_id, application_id, member, ballot),
    )


@router.post("/commission/{procurement_id}/false-information", response_class=HTMLResponse)
def record_false_information(
    request: Request,
    session: DbSession,
    principal: web.PagePrincipal,
    procurement_id: str,
    application_id: Annotated[str, Form()] = "",
    reason: Annotated[str, Form()] = "",
    csrf: Annotated[str, Form()] = "",
) -> Response:
    """The commission finds false information in an application, with its reason: stage 1 rejects it
    (``procurement.find_false_information``)."""
    return _record(
        request,
        session,
        principal,
        procurement_id,
        application_id,
        csrf,
        lambda: procurement.find_false_information(session, procurement_id, application_id, reason),
    )


def _everyone(principal: Principal | None) -> bool:
    return True


def _provider_login(principal: Principal | None) -> bool:
    return principal is not None and principal.role == "clinic" and principal.provider_id is not None


PAGES = web.PageSet(
    router=router,
    templates=Path(__file__).parent / "templates",
    menu=(
        web.MenuEntry(65, "/provider", N_("Provider's cabinet"), _provider_login),
        web.MenuEntry(95, "/procurements", N_("Procurement of care"), _everyone, prefix=True),
        web.MenuEntry(96, "/providers", N_("Register of providers"), _everyone),
        web.MenuEntry(97, "/contracted-providers", N_("Contracted providers"), _everyone),
    ),
)
