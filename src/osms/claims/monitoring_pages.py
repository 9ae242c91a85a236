"""The fund's monitoring pages (docs/claims.md, "Pages"; docs/pages.md): for its experts and
reviewers (operators; auditors read only), never for providers.

``/monitoring``: the queues: objections awaiting a reviewer (with the rule on the reviewer's
region), defects notified and awaiting the provider, the review of deaths, the open unplanned
monitoring cases (complaints, risk signals, requests for extra volume).
``/monitoring/defects/{id}``: a defect with its record, its appeal steps and the decision form.
``/monitoring/records/{ref}``: a service record with its findings and defects, and the form of an
additional defect.

Every person listed is a read of that person's services (``services.read``). Reads are
``osms.claims.views``; writes ``osms.claims.monitoring``.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from osms.claims import appeals, monitoring, views
from osms.claims.access import CASE_MANAGE, DEFECT_ADD, DEFECT_DECIDE, MONITORING_QUEUE
from osms.claims.monitoring import CASE_OUTCOMES
from osms.claims.provider_pages import ACTION_REFUSALS, audit_persons, defect_titles, names, refused_text
from osms.claims.rulebook import ClaimsTopic
from osms.core import authz, i18n
from osms.core.config import get_settings
from osms.core.errors import InvalidInput, NotFound, OsmsError
from osms.core.http import DbSession
from osms.core.i18n import N_
from osms.core.periods import Month
from osms.core.security import Principal
from osms.registry.regions import regions
from osms.rulebooks.loader import load_rulebook
from osms.web import pages as web
from osms.web.i18n import pick_language

router = APIRouter(include_in_schema=False)

NOT_FUND = N_("The monitoring pages are for the fund's experts, reviewers and auditors.")
NOT_EXPERT = N_("Only the fund's experts and reviewers record defects, decisions and cases.")

#: Why a death is in the review queue.
DEATH_REASON_LABELS = {
    "form": N_("Death in a round-the-clock or day hospital"),
    "infant": N_("Death of an infant"),
}

#: Who reviews the step awaited: the rule on the reviewer's region (MON).
REVIEWER_RULES = {
    "objected": N_("An employee of the fund from a region other than the provider's (%(region)s)"),
    "second_objection": N_("A reviewer from outside the provider's region (%(region)s), not the first reviewer"),
    "central": N_("The fund's central office"),
}


def _fund(request: Request, principal: Principal) -> Response | None:
    return web.role_refusal_page(request, principal, MONITORING_QUEUE, NOT_FUND)


def _labels(lang: str) -> dict[str, dict[str, str]]:
    def tr(labels: dict[str, str]) -> dict[str, str]:
        return {code: i18n.gettext(lang, text) for code, text in labels.items()}

    return names(lang) | {"death": tr(DEATH_REASON_LABELS)}


def _reviewer_rule(lang: str, status: str, region: str) -> str:
    text = REVIEWER_RULES.get(status)
    return i18n.gettext(lang, text, region=region) if text else ""


def _for_reviewer(
    review: list[views.DefectLine], facts: dict[str, views.ProviderFacts], region: str
) -> list[views.DefectLine]:
    """What a reviewer of ``region`` may decide: the central office its decisions, a region's
    reviewer the reviews of providers of other regions."""
    if not region:
        return review
    if region == appeals.CENTRAL_REGION:
        return [d for d in review if d.status == "central"]
    return [
        d for d in review if d.status != "central" and d.provider_id in facts and facts[d.provider_id].region != region
    ]


def _queues(request: Request, session: Session, principal: Principal, region: str = "", **extra: Any) -> dict[str, Any]:
    lang = pick_language(request)
    today = web.today()
    review = views.defects_in_status(session, views.AWAITING_REVIEW)
    waiting = views.defects_in_status(session, views.AWAITING_PROVIDER)
    clocks = views.clocks(session, [*review, *waiting], today)
    # a provider's silence past the deadline confirmed the defect: it waits for nobody any more
    notified = [d for d in waiting if not clocks[d.id].final]
    deaths = monitoring.death_queue(session, principal, channel="web", open_cases=False, today=today)
    death_items = [
        i | {"date_from": date.fromisoformat(i["date_from"]), "date_to": date.fromisoformat(i["date_to"])}
        for i in deaths["items"]
        if i["case_status"] != "closed"
    ]
    unplanned = views.open_cases(session, "unplanned")
    facts = views.provider_names(
        session,
        [d.provider_id for d in (*review, *notified)]
        + [c.provider_id for c in unplanned]
        + [i["provider_id"] for i in death_items],
    )
    review = _for_reviewer(review, facts, region)
    rules = {
        d.id: _reviewer_rule(lang, clocks[d.id].status, facts[d.provider_id].region if d.provider_id in facts else "")
        for d in review
    }
    audit_persons(
        session,
        principal,
        request,
        [d.iin or "" for d in (*review, *notified)] + [c.iin or "" for c in unplanned],
        "monitoring queues",
    )
    return {
        "review": review,
        "notified": notified,
        "deaths": death_items,
        "death_rule": deaths["rule"],
        "deaths_without_case": sum(1 for i in death_items if i["case_id"] is None),
        "unplanned": unplanned,
        "providers": facts,
        "rules": rules,
        "clocks": clocks,
        "titles": defect_titles(lang, (*review, *notified)),
        "statuses": views.defect_statuses(session),
        "names": _labels(lang),
        "outcomes": CASE_OUTCOMES,
        "can_manage": authz.allows(session, principal, CASE_MANAGE, None),
        "today": today,
        "region_code": region,
        "regions": [*regions(), appeals.CENTRAL_REGION],
        "error": extra.get("error"),
        "error_for": extra.get("error_for"),
    }


def _region(text: str) -> str:
    region = text.strip()
    if region and region != appeals.CENTRAL_REGION and region not in regions():
        raise InvalidInput(f"unknown region {region[:20]!r}", code="unknown_region")
    return region


@router.get("/monitoring", response_class=HTMLResponse)
def queues(request: Request, session: DbSession, principal: web.PagePrincipal, region: str = "") -> Response:
    """The fund's queues: objections to review (``region``: only what a reviewer of that region may
    decide), notified defects, deaths to review, open cases."""
    if principal is None:
        return web.login_redirect(request)
    refused = _fund(request, principal)
    if refused is not None:
        return refused
    try:
        chosen = _region(region)
    except InvalidInput as error:
        return web.error_page(request, principal, 422, ACTION_REFUSALS[error.code or ""])
    context = _queues(request, session, principal, chosen)
    return web.render(request, "monitoring_queues.html", principal, headers=web.PRIVATE, **context)


def _act(
    request: Request,
    session: Session,
    principal: Principal,
    csrf: str,
    act: Callable[[], Any],
    again: Callable[[int, str], Response],
) -> Response | None:
    """Check the form's token and run ``act`` (the monitoring service's command); a refusal
    re-renders the page (``again(status, sentence)``); None when done."""
    lang = pick_language(request)
    try:
        if not web.csrf_ok(request, csrf):
            raise InvalidInput("expired form", code="expired")
        act()
    except NotFound:
        session.rollback()
        raise  # the 404 page
    except OsmsError as error:
        session.rollback()
        status = 400 if error.code == "expired" else 409 if isinstance(error, monitoring.Conflict) else 422
        return again(status, refused_text(lang, error))
    return None


@router.post("/monitoring/deaths", response_class=HTMLResponse)
def open_death_reviews(
    request: Request, session: DbSession, principal: web.PagePrincipal, csrf: Annotated[str, Form()] = ""
) -> Response:
    """Open the review case of every death in the queue that has none (``monitoring.death_queue``)."""
    if principal is None:
        return web.login_redirect(request)
    refused = web.role_refusal_page(request, principal, CASE_MANAGE, NOT_EXPERT)
    if refused is not None:
        return refused

    def again(status: int, text: str) -> Response:
        context = _queues(request, session, principal, error=text, error_for="deaths")
        return web.render(request, "monitoring_queues.html", principal, status, headers=web.PRIVATE, **context)

    done = _act(
        request,
        session,
        principal,
        csrf,
        lambda: monitoring.death_queue(session, principal, channel="web", open_cases=True, today=web.today()),
        again,
    )
    return done or RedirectResponse("/monitoring#deaths-title", status_code=303)


@router.post("/monitoring/cases/{case_id}/close", response_class=HTMLResponse)
def close_case(
    request: Request,
    session: DbSession,
    principal: web.PagePrincipal,
    case_id: int,
    outcome: Annotated[str, Form()] = "",
    note: Annotated[str, Form()] = "",
    csrf: Annotated[str, Form()] = "",
) -> Response:
    """Close a monitoring case with its outcome (``monitoring.close_case``; a confirmed complaint on
    a record becomes defect 5.1)."""
    if principal is None:
        return web.login_redirect(request)
    refused = web.role_refusal_page(request, principal, CASE_MANAGE, NOT_EXPERT)
    if refused is not None:
        return refused

    def again(status: int, text: str) -> Response:
        context = _queues(request, session, principal, error=text, error_for=case_id)
        return web.render(request, "monitoring_queues.html", principal, status, headers=web.PRIVATE, **context)

    done = _act(
        request,
        session,
        principal,
        csrf,
        lambda: monitoring.close_case(
            session, principal, case_id, outcome, note=note.strip() or None, channel="web", today=web.today()
        ),
        again,
    )
    return done or RedirectResponse("/monitoring", status_code=303)


def defect_context(
    request: Request, session: Session, principal: Principal, defect_id: int, region: str = "", **extra: Any
) -> dict[str, Any]:
    lang = pick_language(request)
    line = views.defect(session, defect_id)
    if line is None:
        raise NotFound(f"no defect {defect_id}", code="unknown_defect")
    facts = views.provider_facts(session, line.provider_id)
    record = views.record(session, line.record_ref) if line.record_ref is not None else None
    clock = views.clocks(session, [line], web.today())[line.id]
    audit_persons(session, principal, request, [line.iin or ""], f"defect {defect_id}")
    own = facts.region if facts else ""
    return {
        "d": line,
        "month": Month.of(line.month),
        "provider": facts,
        "record": record,
        "clock": clock,
        "title": defect_titles(lang, [line])[line.id],
        "rule": _reviewer_rule(lang, clock.status, own),
        "names": _labels(lang),
        "can_decide": authz.allows(session, principal, DEFECT_DECIDE, line.provider_id)
        and clock.next_step in ("review", "second_review", "central"),
        "regions": [code for code in regions() if code != own] + [appeals.CENTRAL_REGION],
        "decisions": appeals.DECISIONS,
        "chosen_region": region,
        "error": extra.get("error"),
    }


@router.get("/monitoring/defects/{defect_id}", response_class=HTMLResponse)
def defect_page(
    request: Request, session: DbSession, principal: web.PagePrincipal, defect_id: int, region: str = ""
) -> Response:
    """A defect: its record, the classifier's code and name, the appeal's steps and clock, and the
    reviewer's decision form when a review is awaited."""
    if principal is None:
        return web.login_redirect(request)
    refused = _fund(request, principal)
    if refused is not None:
        return refused
    context = defect_context(request, session, principal, defect_id, region.strip())
    return web.render(request, "monitoring_defect.html", principal, headers=web.PRIVATE, **context)


@router.post("/monitoring/defects/{defect_id}/decision", response_class=HTMLResponse)
def decide(
    request: Request,
    session: DbSession,
    principal: web.PagePrincipal,
    defect_id: int,
    decision: Annotated[str, Form()] = "",
    region: Annotated[str, Form()] = "",
    note: Annotated[str, Form()] = "",
    csrf: Annotated[str, Form()] = "",
) -> Response:
    """A reviewer's decision on the review the appeal awaits (``monitoring.decide``), with the
    reviewer's region (a login carries none) → back to the defect."""
    if principal is None:
        return web.login_redirect(request)
    refused = web.role_refusal_page(request, principal, DEFECT_DECIDE, NOT_EXPERT)
    if refused is not None:
        return refused

    def again(status: int, text: str) -> Response:
        context = defect_context(request, session, principal, defect_id, region, error=text)
        return web.render(request, "monitoring_defect.html", principal, status, headers=web.PRIVATE, **context)

    done = _act(
        request,
        session,
        principal,
        csrf,
        lambda: monitoring.decide(
            session, principal, defect_id, decision, region=region, note=note, channel="web", today=web.today()
        ),
        again,
    )
    return done or RedirectResponse(f"/monitoring/defects/{defect_id}", status_code=303)


def record_context(request: Request, session: Session, principal: Principal, ref: int, **extra: Any) -> dict[str, Any]:
    lang = pick_language(request)
    record = views.record(session, ref)
    if record is None:
        raise NotFound(f"no service record {ref}", code="unknown_record")
    defects = views.defects_of_record(session, ref)
    audit_persons(session, principal, request, [record.iin], f"record {ref}")
    today = web.today()
    classifier = load_rulebook(get_settings().rulebook).topic(ClaimsTopic).defects(today)
    return {
        "record": record,
        "provider": views.provider_facts(session, record.provider_id),
        "defects": defects,
        "clocks": views.clocks(session, defects, today),
        "titles": defect_titles(lang, defects),
        "names": _labels(lang),
        "can_add": authz.allows(session, principal, DEFECT_ADD, record.provider_id),
        "codes": [(code, entry.title(lang)) for code, entry in sorted(classifier.items())],
        "cases": views.cases_of_record(session, ref),
        "values": extra.get("values", {}),
        "error": extra.get("error"),
    }


@router.get("/monitoring/records/{ref}", response_class=HTMLResponse)
def record_page(request: Request, session: DbSession, principal: web.PagePrincipal, ref: int) -> Response:
    """A service record with its findings and defects, and the form of an additional defect."""
    if principal is None:
        return web.login_redirect(request)
    refused = _fund(request, principal)
    if refused is not None:
        return refused
    context = record_context(request, session, principal, ref)
    return web.render(request, "monitoring_record.html", principal, headers=web.PRIVATE, **context)


@router.post("/monitoring/records/{ref}/defects", response_class=HTMLResponse)
def add_defect(
    request: Request,
    session: DbSession,
    principal: web.PagePrincipal,
    ref: int,
    code: Annotated[str, Form()] = "",
    note: Annotated[str, Form()] = "",
    evidence: Annotated[str, Form()] = "",
    case_id: Annotated[str, Form()] = "",
    csrf: Annotated[str, Form()] = "",
) -> Response:
    """An expert's additional defect on the record (``monitoring.add_defect``) → its page."""
    if principal is None:
        return web.login_redirect(request)
    refused = web.role_refusal_page(request, principal, DEFECT_ADD, NOT_EXPERT)
    if refused is not None:
        return refused
    values = {"code": code, "note": note, "evidence": evidence, "case_id": case_id}
    added: dict[str, Any] = {}

    def again(status: int, text: str) -> Response:
        context = record_context(request, session, principal, ref, error=text, values=values)
        return web.render(request, "monitoring_record.html", principal, status, headers=web.PRIVATE, **context)

    def act() -> None:
        case = int(case_id) if case_id.strip().isdigit() else None
        added.update(
            monitoring.add_defect(
                session,
                principal,
                ref,
                code,
                note=note,
                evidence=evidence,
                case_id=case,
                channel="web",
                today=web.today(),
            )
        )

    done = _act(request, session, principal, csrf, act, again)
    return done or RedirectResponse(f"/monitoring/defects/{added['id']}", status_code=303)


def _fund_staff(principal: Principal | None) -> bool:
    return principal is not None and principal.role in ("operator", "auditor")


PAGES = web.PageSet(
    router=router,
    templates=Path(__file__).parent / "templates",
    menu=(web.MenuEntry(68, "/monitoring", N_("Monitoring"), _fund_staff, prefix=True),),
)
