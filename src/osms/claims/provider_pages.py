"""A provider's pages of the claims room (docs/claims.md, "Pages"; docs/pages.md).

``/services/intake`` (a provider's login its own; operators and auditors with ``?provider=``): the
provider's daily intake, batch by batch (rows, accepted, rejected, findings), its rejected rows
with the reason in the page's language and its accepted records with findings, filtered by reason
or finding code, the days of the intake and the form of care, searched by record id or IIN;
``/services/intake.csv`` the filtered list as CSV.

``/services/defects`` (the same readers): its defects of a month with the classifier's code and
name, origin, status and the appeal clock (the next deadline, working days left), and the objection
form of each defect the provider may still object to.

Every person listed (records, rejected rows) is a read of that person's services: one
``services.read`` entry per IIN. Reads are ``osms.claims.views``; writes ``osms.claims.monitoring``.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from osms.claims import monitoring, views
from osms.claims.access import DEFECT_OBJECT, MONITORING_READ, SERVICES_INTAKE_READ
from osms.claims.labels import (
    APPEAL_ACTOR_LABELS,
    APPEAL_DECISION_LABELS,
    APPEAL_STATUS_LABELS,
    APPEAL_STEP_LABELS,
    CASE_OUTCOME_LABELS,
    CASE_TRIGGER_LABELS,
)
from osms.claims.rulebook import ClaimsTopic
from osms.claims.vocabulary import CARE_FORMS, FINDING_CODES, REJECT_CODES
from osms.core import audit, authz, i18n
from osms.core.config import get_settings
from osms.core.errors import InvalidInput, NotFound, OsmsError
from osms.core.http import DbSession
from osms.core.i18n import N_, label
from osms.core.identity import check_iin
from osms.core.periods import Month
from osms.core.security import Principal
from osms.rulebooks.loader import load_rulebook
from osms.web import pages as web
from osms.web.i18n import pick_language

router = APIRouter(include_in_schema=False)

NOT_PROVIDER = N_("These pages are for providers and the fund's staff.")
OTHER_PROVIDER = N_("A provider sees only its own service reports and defects.")
UNKNOWN_PROVIDER = N_("There is no provider with this code in the register.")
BAD_FILTER = N_("Check the filter: a code from the list, dates as YYYY-MM-DD, a month as YYYY-MM.")

#: Where a defect came from (``defect.origin``).
DEFECT_ORIGIN_LABELS = {
    "potential": N_("Potential (from the checks)"),
    "additional": N_("Additional (by an expert)"),
    "general": N_("General"),
}
#: What a monitoring case is (``monitoring_case.kind``).
CASE_KIND_LABELS = {
    "death_review": N_("Review of a death"),
    "unplanned": N_("Unplanned monitoring"),
    "expertise": N_("Expertise of a sampled record"),
}
#: Why an action of the pages was refused (``osms.claims.monitoring``'s reason codes).
ACTION_REFUSALS = {
    "expired": N_("The form has expired. Please try again."),
    "missing_note": N_("Write the reasons."),
    "objection_late": N_("The deadline for an objection has passed: the defect was confirmed automatically."),
    "appeal_final": N_("The appeal of this defect is over: its decision is final."),
    "out_of_order": N_("This step is not the one the appeal awaits."),
    "same_region": N_("The reviewer must be from another region than the provider's."),
    "same_reviewer": N_("The second review is made by another reviewer than the first."),
    "not_central": N_("Choose the fund's central office as the region of its decision."),
    "unknown_region": N_("Choose the reviewer's region from the list."),
    "bad_decision": N_("Choose a decision from the list."),
    "unknown_defect_code": N_("Choose a code of the defect classifier in force today."),
    "unknown_case": N_("There is no such monitoring case of this provider."),
    "case_closed": N_("The case is closed already."),
    "bad_outcome": N_("Choose an outcome from the list."),
}


def names(lang: str) -> dict[str, dict[str, str]]:
    def tr(labels: dict[str, str]) -> dict[str, str]:
        return {code: i18n.gettext(lang, text) for code, text in labels.items()}

    return {
        "status": tr(APPEAL_STATUS_LABELS),
        "origin": tr(DEFECT_ORIGIN_LABELS),
        "step": tr(APPEAL_STEP_LABELS),
        "decision": tr(APPEAL_DECISION_LABELS),
        "actor": tr(APPEAL_ACTOR_LABELS),
        "kind": tr(CASE_KIND_LABELS),
        "trigger": tr(CASE_TRIGGER_LABELS),
        "outcome": tr(CASE_OUTCOME_LABELS),
    }


def defect_titles(lang: str, lines: Iterable[views.DefectLine]) -> dict[int, str]:
    """The classifier's name of each defect's code, as in force in the defect's month."""
    topic = load_rulebook(get_settings().rulebook).topic(ClaimsTopic)
    titles: dict[int, str] = {}
    for line in lines:
        entry = topic.defects(line.month).get(line.code) or topic.defects(line.found_on).get(line.code)
        titles[line.id] = entry.title(lang) if entry is not None else ""
    return titles


def asked_provider(principal: Principal, provider: str) -> str:
    return provider.strip() or (principal.provider_id or "" if principal.role == "clinic" else "")


def check_provider(
    request: Request, session: Session, principal: Principal, action: str, provider: str
) -> tuple[str, views.ProviderFacts | None, Response | None]:
    """The provider asked about (a clinic login's own by default), or the refusal page; an
    operator or auditor who names none gets the page's choice form (``None`` facts)."""
    asked = asked_provider(principal, provider)
    if not asked:
        refused = web.role_refusal_page(request, principal, action, NOT_PROVIDER)
        return "", None, refused
    text = OTHER_PROVIDER if principal.role == "clinic" else NOT_PROVIDER
    refused = web.refusal_page(request, session, principal, action, text, asked)
    if refused is not None:
        return asked, None, refused
    facts = views.provider_facts(session, asked)
    if facts is None:
        return asked, None, web.error_page(request, principal, 404, UNKNOWN_PROVIDER)
    return asked, facts, None


def audit_persons(session: Session, principal: Principal, request: Request, iins: Iterable[str], detail: str) -> None:
    """One ``services.read`` entry per valid IIN shown: a read of that person's services."""
    valid = [n for n in dict.fromkeys(iins) if n and check_iin(n).valid]
    audit.record_many(
        session, principal, valid, channel="web", action="services.read", resource=request.url.path, detail=detail
    )


def _iins_of_raw(raw: str) -> list[str]:
    return [field for field in views.fields_of(raw) if len(field) == 12 and field.isdigit()]


# --- /services/intake ------------------------------------------------------------------------


class BadFilter(ValueError):
    pass


def _day(text: str) -> date | None:
    text = text.strip()
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise BadFilter(text) from None


@dataclass(frozen=True, slots=True)
class Chosen:
    """The intake page's filters: for the rejected rows, the records with findings, the batches,
    and the query string that repeats them (the CSV links)."""

    rejected: views.IntakeFilter
    findings: views.IntakeFilter
    batches: views.IntakeFilter
    query: dict[str, str]


def _filters(reason: str, finding: str, date_from: str, date_to: str, care_form: str, q: str) -> Chosen:
    reason, finding, care_form, search = reason.strip(), finding.strip(), care_form.strip(), q.strip()
    if reason and reason not in REJECT_CODES:
        raise BadFilter(reason)
    if finding and finding not in FINDING_CODES:
        raise BadFilter(finding)
    if care_form and care_form not in CARE_FORMS:
        raise BadFilter(care_form)
    first, last = _day(date_from), _day(date_to)
    query = {
        "reason": reason,
        "finding": finding,
        "from": date_from.strip(),
        "to": date_to.strip(),
        "care_form": care_form,
        "q": search,
    }
    return Chosen(
        rejected=views.IntakeFilter(reason, first, last, care_form, search),
        findings=views.IntakeFilter(finding, first, last, care_form, search),
        batches=views.IntakeFilter(date_from=first, date_to=last),
        query={k: v for k, v in query.items() if v},
    )


@router.get("/services/intake", response_class=HTMLResponse)
def intake_page(
    request: Request,
    session: DbSession,
    principal: web.PagePrincipal,
    provider: str = "",
    reason: str = "",
    finding: str = "",
    date_from: Annotated[str, Query(alias="from")] = "",
    date_to: Annotated[str, Query(alias="to")] = "",
    care_form: str = "",
    q: str = "",
) -> Response:
    """The provider's daily intake with its rejected rows and its records with findings."""
    if principal is None:
        return web.login_redirect(request)
    asked, facts, refused = check_provider(request, session, principal, SERVICES_INTAKE_READ, provider)
    if refused is not None:
        return refused
    common: dict[str, Any] = {
        "asked": asked,
        "own": principal.role == "clinic",
        "care_forms": CARE_FORMS,
        "reject_codes": REJECT_CODES,
        "finding_codes": FINDING_CODES,
        "values": {
            "reason": reason,
            "finding": finding,
            "from": date_from,
            "to": date_to,
            "care_form": care_form,
            "q": q,
        },
    }
    if facts is None:
        return web.render(request, "provider_intake.html", principal, provider=None, **common)
    try:
        chosen = _filters(reason, finding, date_from, date_to, care_form, q)
    except BadFilter:
        return web.error_page(request, principal, 422, BAD_FILTER)
    days = views.intake_batches(session, facts.provider_id, chosen.batches)
    rejected, rejected_total = views.rejected_rows(session, facts.provider_id, chosen.rejected)
    records, records_total = views.records_with_findings(session, facts.provider_id, chosen.findings)
    audit_persons(
        session,
        principal,
        request,
        [r.iin for r in records] + [n for r in rejected for n in _iins_of_raw(r.raw)],
        f"intake of {facts.provider_id}",
    )
    query = chosen.query | ({} if principal.role == "clinic" else {"provider": facts.provider_id})
    return web.render(
        request,
        "provider_intake.html",
        principal,
        headers=web.PRIVATE,
        provider=facts,
        days=days,
        rejected=rejected,
        rejected_total=rejected_total,
        records=records,
        records_total=records_total,
        limit=views.PAGE_LIMIT,
        csv_rejected="/services/intake.csv?" + urlencode({**query, "list": "rejected"}),
        csv_findings="/services/intake.csv?" + urlencode({**query, "list": "findings"}),
        **common,
    )


@router.get("/services/intake.csv")
def intake_csv(
    request: Request,
    session: DbSession,
    principal: web.PagePrincipal,
    provider: str = "",
    kind: Annotated[str, Query(alias="list")] = "findings",
    reason: str = "",
    finding: str = "",
    date_from: Annotated[str, Query(alias="from")] = "",
    date_to: Annotated[str, Query(alias="to")] = "",
    care_form: str = "",
    q: str = "",
) -> Response:
    """The filtered list of the intake page (``list=rejected`` or ``findings``) as CSV, every row."""
    if principal is None:
        return web.login_redirect(request)
    asked, facts, refused = check_provider(request, session, principal, SERVICES_INTAKE_READ, provider)
    if refused is not None:
        return refused
    if facts is None:
        return web.error_page(request, principal, 422, UNKNOWN_PROVIDER)
    try:
        chosen = _filters(reason, finding, date_from, date_to, care_form, q)
        if kind not in ("rejected", "findings"):
            raise BadFilter(kind)
    except BadFilter:
        return web.error_page(request, principal, 422, BAD_FILTER)
    lang = pick_language(request)
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\n")
    iins: list[str] = []
    if kind == "rejected":
        rows, _ = views.rejected_rows(session, facts.provider_id, chosen.rejected, limit=None)
        writer.writerow(["batch_id", "day", "line", "reason", "reason_text", "message", "raw"])
        for row in rows:
            reason_text = label(lang, "service_reject", row.code)
            writer.writerow([row.batch_id, row.day.isoformat(), row.line, row.code, reason_text, row.message, row.raw])
            iins.extend(_iins_of_raw(row.raw))
    else:
        records, _ = views.records_with_findings(session, facts.provider_id, chosen.findings, limit=None)
        writer.writerow(
            [
                "record_id",
                "iin",
                "care_form",
                "service_code",
                "case_group",
                "icd10",
                "date_from",
                "date_to",
                "received",
                "findings",
                "defect_codes",
                "findings_text",
            ]
        )
        for r in records:
            writer.writerow(
                [
                    r.record_id,
                    r.iin,
                    r.care_form,
                    r.service_code or "",
                    r.case_group or "",
                    r.icd10,
                    r.date_from.isoformat(),
                    r.date_to.isoformat(),
                    r.received.isoformat(),
                    ";".join(code for code, _ in r.findings),
                    ";".join(d or "" for _, d in r.findings),
                    "; ".join(label(lang, "service_finding", code) for code, _ in r.findings),
                ]
            )
            iins.append(r.iin)
    audit_persons(session, principal, request, iins, f"intake of {facts.provider_id}, CSV {kind}")
    name = f"intake-{facts.provider_id}-{kind}.csv"
    return Response(
        out.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={**web.PRIVATE, "Content-Disposition": f'attachment; filename="{name}"'},
    )


# --- /services/defects -----------------------------------------------------------------------


def parse_month(text: str, today: date) -> Month:
    text = text.strip()
    if not text:
        return Month.of(today)
    try:
        return Month.parse(text)
    except ValueError:
        raise BadFilter(text) from None


def defects_context(
    request: Request,
    session: Session,
    principal: Principal,
    facts: views.ProviderFacts,
    month: Month,
    **extra: Any,
) -> dict[str, Any]:
    lang = pick_language(request)
    today = web.today()
    lines = views.defects_of(session, facts.provider_id, month.first_day)
    cases = views.cases_of(session, facts.provider_id, month.first_day)
    audit_persons(
        session,
        principal,
        request,
        [d.iin or "" for d in lines] + [c.iin or "" for c in cases],
        f"defects of {facts.provider_id}",
    )
    return {
        "provider": facts,
        "month": month,
        "previous": month + -1,
        "following": month + 1,
        "defects": lines,
        "clocks": views.clocks(session, lines, today),
        "cases": cases,
        "titles": defect_titles(lang, lines),
        "names": names(lang),
        "can_object": authz.allows(session, principal, DEFECT_OBJECT, facts.provider_id),
        "today": today,
        "error": extra.get("error"),
        "error_for": extra.get("error_for"),
    }


@router.get("/services/defects", response_class=HTMLResponse)
def defects_page(
    request: Request, session: DbSession, principal: web.PagePrincipal, provider: str = "", month: str = ""
) -> Response:
    """The provider's defects of a month with the appeal clock and the objection form."""
    if principal is None:
        return web.login_redirect(request)
    asked, facts, refused = check_provider(request, session, principal, MONITORING_READ, provider)
    if refused is not None:
        return refused
    common: dict[str, Any] = {"asked": asked, "own": principal.role == "clinic", "month_text": month}
    if facts is None:
        return web.render(request, "provider_defects.html", principal, provider=None, **common)
    try:
        chosen = parse_month(month, web.today())
    except BadFilter:
        return web.error_page(request, principal, 422, BAD_FILTER)
    context = defects_context(request, session, principal, facts, chosen)
    return web.render(request, "provider_defects.html", principal, headers=web.PRIVATE, **common, **context)


def refused_text(lang: str, error: OsmsError) -> str:
    """The sentence of a refused action in the page's language (the service's own words for a
    reason with no translation)."""
    message = ACTION_REFUSALS.get(error.code or "")
    return i18n.gettext(lang, message) if message else i18n.gettext(lang, web.GENERIC_ERROR)


@router.post("/services/defects/{defect_id}/objection", response_class=HTMLResponse)
def object_to_defect(
    request: Request,
    session: DbSession,
    principal: web.PagePrincipal,
    defect_id: int,
    note: Annotated[str, Form()] = "",
    csrf: Annotated[str, Form()] = "",
) -> Response:
    """The provider's objection to a defect (first or second, as the appeal awaits), with its
    reasons (``monitoring.object_to``) → back to the defect on its month's page."""
    if principal is None:
        return web.login_redirect(request)
    refused = web.role_refusal_page(request, principal, DEFECT_OBJECT, OTHER_PROVIDER)
    if refused is not None:
        return refused
    line = views.defect(session, defect_id)
    # A provider is refused an unknown defect as it is another's: it learns no ids.
    refused = web.refusal_page(
        request, session, principal, DEFECT_OBJECT, OTHER_PROVIDER, line.provider_id if line else "-"
    )
    if refused is not None:
        return refused
    if line is None:
        raise NotFound(f"no defect {defect_id}", code="unknown_defect")
    facts = views.provider_facts(session, line.provider_id)
    assert facts is not None
    month = Month.of(line.month)
    lang = pick_language(request)
    try:
        if not web.csrf_ok(request, csrf):
            raise InvalidInput("expired form", code="expired")
        monitoring.object_to(session, principal, defect_id, note, channel="web", today=web.today())
    except OsmsError as error:
        session.rollback()
        status = 400 if error.code == "expired" else 409 if isinstance(error, monitoring.Conflict) else 422
        context = defects_context(
            request, session, principal, facts, month, error=refused_text(lang, error), error_for=defect_id
        )
        common = {"asked": facts.provider_id, "own": principal.role == "clinic", "month_text": str(month)}
        return web.render(request, "provider_defects.html", principal, status, headers=web.PRIVATE, **common, **context)
    who = "" if principal.role == "clinic" else f"&provider={quote(facts.provider_id)}"
    return RedirectResponse(f"/services/defects?month={month}{who}#defect-{defect_id}", status_code=303)


def _provider_login(principal: Principal | None) -> bool:
    return principal is not None and principal.role == "clinic" and principal.provider_id is not None


def _fund_staff(principal: Principal | None) -> bool:
    return principal is not None and principal.role in ("operator", "auditor")


def _intake_shown(principal: Principal | None) -> bool:
    return _provider_login(principal) or _fund_staff(principal)


PAGES = web.PageSet(
    router=router,
    templates=Path(__file__).parent / "templates",
    menu=(
        web.MenuEntry(66, "/services/intake", N_("Service reports"), _intake_shown),
        web.MenuEntry(67, "/services/defects", N_("Defects and appeals"), _intake_shown),
    ),
)
