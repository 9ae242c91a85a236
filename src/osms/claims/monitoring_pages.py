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

from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from osms.claims import views
from osms.claims.access import MONITORING_QUEUE
from osms.claims.provider_pages import audit_persons, defect_titles, names
from osms.core import i18n
from osms.core.errors import NotFound
from osms.core.http import DbSession
from osms.core.i18n import N_
from osms.core.periods import Month
from osms.core.security import Principal
from osms.web import pages as web
from osms.web.i18n import pick_language

router = APIRouter(include_in_schema=False)

NOT_FUND = N_("The monitoring pages are for the fund's experts, reviewers and auditors.")

#: Why a monitoring case was opened (``monitoring_case.trigger``) and what it is (``kind``).
CASE_KIND_LABELS = {
    "death_review": N_("Review of a death"),
    "unplanned": N_("Unplanned monitoring"),
    "expertise": N_("Expertise of a sampled record"),
}
TRIGGER_LABELS = {
    "death": N_("Death in hospital"),
    "infant_death": N_("Death of an infant"),
    "complaint": N_("Complaint"),
    "risk_signal": N_("Risk signal"),
    "extra_volume": N_("Request for extra volume"),
    "sample": N_("Sample"),
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

    return names(lang) | {"kind": tr(CASE_KIND_LABELS), "trigger": tr(TRIGGER_LABELS)}


def _reviewer_rule(lang: str, status: str, region: str) -> str:
    text = REVIEWER_RULES.get(status)
    return i18n.gettext(lang, text, region=region) if text else ""


@router.get("/monitoring", response_class=HTMLResponse)
def queues(request: Request, session: DbSession, principal: web.PagePrincipal) -> Response:
    """The fund's queues: objections to review, notified defects, deaths to review, open cases."""
    if principal is None:
        return web.login_redirect(request)
    refused = _fund(request, principal)
    if refused is not None:
        return refused
    lang = pick_language(request)
    today = web.today()
    review = views.awaiting_review(session)
    notified = views.defects_in_status(session, ("notified",))
    deaths = views.open_cases(session, "death_review")
    unplanned = views.open_cases(session, "unplanned")
    facts = views.provider_names(
        session, [d.provider_id for d in (*review, *notified)] + [c.provider_id for c in (*deaths, *unplanned)]
    )
    rules = {
        d.id: _reviewer_rule(lang, d.status, facts[d.provider_id].region if d.provider_id in facts else "")
        for d in review
    }
    audit_persons(
        session,
        principal,
        request,
        [d.iin or "" for d in (*review, *notified)] + [c.iin or "" for c in (*deaths, *unplanned)],
        "monitoring queues",
    )
    return web.render(
        request,
        "monitoring_queues.html",
        principal,
        headers=web.PRIVATE,
        review=review,
        notified=notified,
        deaths=deaths,
        unplanned=unplanned,
        providers=facts,
        rules=rules,
        clocks={d.id: views.clock(d, today) for d in (*review, *notified)},
        titles=defect_titles(lang, (*review, *notified)),
        statuses=views.defect_statuses(session),
        names=_labels(lang),
        today=today,
    )


def defect_context(request: Request, session: Session, principal: Principal, defect_id: int) -> dict[str, Any]:
    lang = pick_language(request)
    line = views.defect(session, defect_id)
    if line is None:
        raise NotFound(f"no defect {defect_id}", code="unknown_defect")
    facts = views.provider_facts(session, line.provider_id)
    record = views.record(session, line.record_ref) if line.record_ref is not None else None
    audit_persons(session, principal, request, [line.iin or ""], f"defect {defect_id}")
    return {
        "d": line,
        "month": Month.of(line.month),
        "provider": facts,
        "record": record,
        "clock": views.clock(line, web.today()),
        "title": defect_titles(lang, [line])[line.id],
        "rule": _reviewer_rule(lang, line.status, facts.region if facts else ""),
        "names": _labels(lang),
        "can_decide": False,  # the decision form appears once osms.claims.monitoring.decide is merged
    }


@router.get("/monitoring/defects/{defect_id}", response_class=HTMLResponse)
def defect_page(request: Request, session: DbSession, principal: web.PagePrincipal, defect_id: int) -> Response:
    """A defect: its record, the classifier's code and name, the appeal's steps and clock."""
    if principal is None:
        return web.login_redirect(request)
    refused = _fund(request, principal)
    if refused is not None:
        return refused
    context = defect_context(request, session, principal, defect_id)
    return web.render(request, "monitoring_defect.html", principal, headers=web.PRIVATE, **context)


def record_context(request: Request, session: Session, principal: Principal, ref: int) -> dict[str, Any]:
    lang = pick_language(request)
    record = views.record(session, ref)
    if record is None:
        raise NotFound(f"no service record {ref}", code="unknown_record")
    defects = views.defects_of_record(session, ref)
    audit_persons(session, principal, request, [record.iin], f"record {ref}")
    return {
        "record": record,
        "provider": views.provider_facts(session, record.provider_id),
        "defects": defects,
        "titles": defect_titles(lang, defects),
        "names": _labels(lang),
        "can_add": False,  # the additional-defect form appears once osms.claims.monitoring.add_defect is merged
    }


@router.get("/monitoring/records/{ref}", response_class=HTMLResponse)
def record_page(request: Request, session: DbSession, principal: web.PagePrincipal, ref: int) -> Response:
    """A service record with its findings and defects."""
    if principal is None:
        return web.login_redirect(request)
    refused = _fund(request, principal)
    if refused is not None:
        return refused
    context = record_context(request, session, principal, ref)
    return web.render(request, "monitoring_record.html", principal, headers=web.PRIVATE, **context)


def _fund_staff(principal: Principal | None) -> bool:
    return principal is not None and principal.role in ("operator", "auditor")


PAGES = web.PageSet(
    router=router,
    templates=Path(__file__).parent / "templates",
    menu=(web.MenuEntry(68, "/monitoring", N_("Monitoring"), _fund_staff, prefix=True),),
)
