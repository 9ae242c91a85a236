"""Attachment pages: a citizen chooses a clinic; a clinic sees its applications and population.

``/attachment`` (citizens): where the citizen and their children under 18 and wards are attached,
the clinics of their region with free places (is the citizen's address in the clinic's service
area, i.e. home visits or not; doctors' districts with free places), and the application form for
themselves and their children. A POST decides through ``applications.apply_family`` and redirects back
(post/redirect/get); the last decisions are kept in the session as reason codes with their
parameters, so they show in whichever language the page is switched to.

``/clinic/attachments`` (the clinic itself; operators and auditors with ``?clinic=``): the
clinic's recent applications with decisions and reasons, and its attached population on a date.

Thin: decisions, counts and authorisation of applications are the service's; this module reads,
renders and audits what it shows (``attachment.read``, channel ``web``). See docs/pages.md.
"""

from __future__ import annotations

import math
from collections import Counter
from datetime import date
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from osms.attachment import applications, rules, service
from osms.attachment.access import ATTACHMENT_CHOOSE, CLINIC_POPULATION_READ
from osms.attachment.models import Clinic, ClinicDistrict
from osms.attachment.population import clinic_population
from osms.attachment.rulebook import AttachmentTopic
from osms.core import audit, i18n
from osms.core.errors import InvalidInput, NotFound
from osms.core.http import DbSession
from osms.core.i18n import N_
from osms.core.security import Principal
from osms.registry import queries as registry
from osms.registry.rulebook import RegistryTopic
from osms.registry.service import cared_for, get_person, get_person_row, minor_age_on
from osms.rulebooks.loader import RulebookError
from osms.web import pages as web
from osms.web.i18n import pick_language

router = APIRouter(include_in_schema=False)

# The session key of the last application's decisions (codes and parameters, no names).
SESSION_KEY = "attachment_decisions"
# Applications shown on the clinic's page (newest first) and attached persons per page.
APPLICATIONS_SHOWN = 100
POPULATION_PAGE = 50

REASON_LABELS = {
    "first": N_("First attachment"),
    "move": N_("Moving to another place of residence"),
    "job_or_study": N_("A new job or place of study"),
    "release": N_("Release after serving a sentence"),
    "military_service_end": N_("End of military service"),
    "reorganisation": N_("Reorganisation or closure of my clinic"),
    "choice": N_("My own choice (for example, dissatisfied with the clinic)"),
}
DECISION_LABELS = {
    "accepted": N_("Accepted"),
    "accepted_no_home_visits": N_("Accepted without home visits"),
    "offered_other_district": N_("Another doctor is offered"),
    "refused": N_("Refused"),
}
SPECIALTY_LABELS = {
    "therapist": N_("Therapist"),
    "gp": N_("General practitioner"),
    "pediatrician": N_("Pediatrician"),
}
CHANNEL_LABELS = {
    "web": N_("website"),
    "api": N_("programme interface (API)"),
    "cli": N_("fund operator"),
    "campaign": N_("campaign file"),
}
SELF = N_("you")
NOT_CITIZEN = N_("Choosing a clinic is for citizens: log in with your own account.")
NOT_CLINIC = N_("This page is for clinics and the fund's staff.")
OTHER_CLINIC = N_("A clinic sees only its own applications and attached population.")
UNKNOWN_CLINIC = N_("There is no clinic with this code in the clinic register.")
EXPIRED = N_("The form has expired. Please try again.")
NO_REASON = N_("Choose the reason for the application.")
NO_MEMBERS = N_("Tick at least one person to attach.")
NOT_YOURS = N_("You may apply only for yourself and for your children under 18 and wards.")
NO_RULES = N_("Applications cannot be decided today: the rules in force are not loaded. Please try again later.")
BAD_DATE = N_("The date must be written YYYY-MM-DD, for example 2025-01-31.")
CANNOT_DECIDE = N_("The application cannot be decided. Check what was entered and try again.")


def today() -> date:
    """The day of applications and of "attached on" (``osms.web.pages.today``, which tests replace)."""
    return web.today()


def _names(lang: str) -> dict[str, dict[str, str]]:
    """The labels of the codes these pages show, in ``lang``."""

    def tr(labels: dict[str, str]) -> dict[str, str]:
        return {code: i18n.gettext(lang, msgid) for code, msgid in labels.items()}

    return {
        "reason": tr(REASON_LABELS),
        "decision": tr(DECISION_LABELS),
        "specialty": tr(SPECIALTY_LABELS),
        "channel": tr(CHANNEL_LABELS),
        "relation": {
            "self": i18n.gettext(lang, SELF),
            "child": i18n.label(lang, "relation", "child"),
            "ward": i18n.label(lang, "relation", "ward"),
        },
    }


def _day(text: str | None) -> date | None:
    return date.fromisoformat(text) if text else None


def _doctors(session: Session, pairs: set[tuple[str, str]]) -> dict[tuple[str, str], ClinicDistrict]:
    """The districts (doctor, specialty) of ``(clinic_id, district_id)`` pairs."""
    if not pairs:
        return {}
    clinics = {c for c, _ in pairs}
    rows = session.scalars(select(ClinicDistrict).where(ClinicDistrict.clinic_id.in_(clinics)))
    return {(d.clinic_id, d.district_id): d for d in rows if (d.clinic_id, d.district_id) in pairs}


# --- The citizen's page ------------------------------------------------------------------------


def _people(session: Session, principal: Principal, card: dict[str, Any], on: date) -> list[dict[str, Any]]:
    """The citizen and whom they may attach from this page: children under the rulebook's minor
    age and wards (``registry.service.cared_for``: adult children apply for themselves), the living only."""
    assert principal.iin is not None
    minor_age = minor_age_on(on)
    acts_for = cared_for(session, principal.iin, on, minor_age)

    def is_minor(birth: date | None) -> bool:
        return minor_age is not None and rules.is_minor(birth, on, minor_age)

    people = [
        {
            "iin": card["iin"],
            "name": " ".join(p for p in (card["last_name"], card["first_name"], card["middle_name"]) if p),
            "relation": "self",
            "birth_date": card["birth_date"],
            "minor": is_minor(card["birth_date"]),
        }
    ]
    for dependant in card["dependants"]:
        if dependant["iin"] not in acts_for:
            continue
        row = get_person_row(session, dependant["iin"])
        if row is None or (row.death_date is not None and row.death_date <= on):
            continue
        minor = is_minor(row.birth_date)
        people.append(
            {
                "iin": row.iin,
                "name": " ".join(p for p in (row.last_name, row.first_name, row.middle_name) if p),
                "relation": dependant["relation"],
                "birth_date": row.birth_date,
                "minor": minor,
            }
        )
    return people


def _attachments(session: Session, principal: Principal, people: list[dict[str, Any]], on: date) -> None:
    """Where each person is attached on ``on`` (and a pending change), read through the service's
    use case (authorised and audited as ``attachment.read``)."""
    found = {}
    for person in people:
        found[person["iin"]] = service.read_attachment(
            session, principal, person["iin"], on, channel="web", resource="/attachment"
        )
    pairs = {
        (a["clinic"], a["district"])
        for answer in found.values()
        for a in (answer, answer.get("next") or {})
        if a.get("clinic") and a.get("district")
    }
    doctors = _doctors(session, pairs)

    def view(a: dict[str, Any] | None) -> dict[str, Any] | None:
        if not a or not a.get("clinic"):
            return None
        district = doctors.get((a["clinic"], a["district"])) if a.get("district") else None
        return a | {
            "since": _day(a["since"]),
            "until": _day(a.get("until")),
            "doctor": district.doctor if district else None,
        }

    for person in people:
        answer = found[person["iin"]]
        person["attachment"] = view(answer)
        person["pending"] = view(answer.get("next"))


def _clinics(session: Session, region: str | None, address: str | None, on: date, lang: str) -> list[dict[str, Any]]:
    """The region's clinics with what the page needs: is the address served, districts' free places."""
    if not region:
        return []
    names = _names(lang)["specialty"]
    result = []
    for clinic in service.clinics_in_region(session, region, on):
        districts = [d | {"free": max(d["norm"] - d["attached"], 0)} for d in clinic["districts"]]
        open_by_specialty = Counter(d["specialty"] for d in districts if d["free"] > 0)
        result.append(
            clinic
            | {
                "districts": districts,
                "serves": bool(address) and address in clinic["service_area"],
                "open_districts": ", ".join(
                    f"{names.get(s, s)}: {n}" for s, n in sorted(open_by_specialty.items()) if n
                )
                or "—",
            }
        )
    return result


def _decision_views(
    session: Session,
    stored: list[dict[str, Any]],
    people: list[dict[str, Any]],
    clinics: list[dict[str, Any]],
    lang: str,
) -> list[dict[str, Any]]:
    """The decisions kept in the session, with names and the reasons' sentences in ``lang``."""
    persons = {p["iin"]: p["name"] for p in people}
    clinic_names = {c["clinic_id"]: c["name"] for c in clinics}
    for d in stored:
        for clinic_id in (d["clinic"], d.get("previous_clinic")):
            if clinic_id and clinic_id not in clinic_names:
                try:
                    clinic_names[clinic_id] = service.get_clinic(session, clinic_id).name
                except NotFound:
                    clinic_names[clinic_id] = clinic_id
    doctors = _doctors(session, {(d["clinic"], d["district"]) for d in stored if d.get("district")})
    views = []
    for d in stored:
        district = doctors.get((d["clinic"], d["district"])) if d.get("district") else None
        reasons = []
        for code, params in d["reasons"]:
            message = (
                service.reason_message(rules.Reason(code, params), clinic_names)[lang]
                if code in rules.MESSAGES
                else code
            )
            reasons.append({"code": code, "message": message})
        views.append(
            {
                "iin": d["iin"],
                "name": persons.get(d["iin"], ""),
                "decision": d["decision"],
                "clinic": d["clinic"],
                "clinic_name": clinic_names.get(d["clinic"]),
                "district": d.get("district"),
                "doctor": district.doctor if district else None,
                "effective_from": _day(d.get("effective_from")),
                "previous_clinic": d.get("previous_clinic"),
                "previous_clinic_name": clinic_names.get(d.get("previous_clinic") or ""),
                "reason": d["reason"],
                "applied_on": _day(d.get("applied_on")),
                "reasons": reasons,
                "can_accept_offer": d["iin"] in persons,
            }
        )
    return views


def _stored_decisions(request: Request) -> list[dict[str, Any]]:
    stored = request.session.get(SESSION_KEY)
    return stored if isinstance(stored, list) else []


def _citizen_context(
    request: Request,
    session: Session,
    principal: Principal,
    *,
    clinic: str = "",
    form: dict[str, Any] | None = None,
    error: str | None = None,
) -> dict[str, Any]:
    """Everything ``attachment.html`` needs; ``me`` is None when the citizen is not in the registry."""
    assert principal.iin is not None
    lang = pick_language(request)
    day = today()
    context: dict[str, Any] = {
        "on": day,
        "names": _names(lang),
        "reasons": rules.REASONS,
        "me": None,
        "people": [],
        "clinics": [],
        "full_clinics": 0,
        "chosen": None,
        "asked_clinic": clinic,
        "decisions": [],
        "form": form or {"district": "", "reason": "", "iins": set()},
        "error": error,
    }
    try:
        card = get_person(session, principal.iin)
    except NotFound:
        return context
    audit.record(
        session, principal, channel="web", action="person.read", resource="/attachment", subject_iin=card["iin"]
    )
    people = _people(session, principal, card, day)
    _attachments(session, principal, people, day)
    clinics = _clinics(session, card["region"], card["address_code"], day, lang)
    chosen = next((c for c in clinics if c["clinic_id"] == clinic.strip()), None) if clinic else None
    if context["form"]["iins"] == set():
        context["form"]["iins"] = {people[0]["iin"]}
    context |= {
        "me": {"iin": card["iin"], "region": card["region"], "address_code": card["address_code"]},
        "people": people,
        "clinics": [c for c in clinics if c["free"] > 0 or c is chosen],
        "full_clinics": sum(1 for c in clinics if c["free"] <= 0),
        "chosen": chosen,
        "decisions": _decision_views(session, _stored_decisions(request), people, clinics, lang),
    }
    return context


def _citizen_only(request: Request, session: Session, principal: Principal) -> Response | None:
    return web.refusal_page(request, session, principal, ATTACHMENT_CHOOSE, NOT_CITIZEN, principal.iin)


@router.get("/attachment", response_class=HTMLResponse)
def attachment(request: Request, session: DbSession, principal: web.PagePrincipal, clinic: str = "") -> Response:
    """Where the citizen and their children are attached, the region's clinics, and (``?clinic=``)
    one clinic's doctors with the application form; the last application's decisions on top."""
    if principal is None:
        return web.login_redirect(request)
    refused = _citizen_only(request, session, principal)
    if refused is not None:
        return refused
    context = _citizen_context(request, session, principal, clinic=clinic)
    return web.render(request, "attachment.html", principal, headers=web.PRIVATE, **context)


@router.get("/attachment/clinic", response_class=HTMLResponse)
def attachment_clinic(request: Request, session: DbSession, principal: web.PagePrincipal, clinic: str = "") -> Response:
    """The chosen clinic's panel alone (HTMX swaps it in); a browser without JS gets the page."""
    if principal is None:
        return web.login_redirect(request)
    refused = _citizen_only(request, session, principal)
    if refused is not None:
        return refused
    if request.headers.get("HX-Request") != "true":
        return RedirectResponse(f"/attachment?clinic={quote(clinic.strip(), safe='')}#apply", status_code=303)
    context = _citizen_context(request, session, principal, clinic=clinic)
    headers = web.PRIVATE | {"Vary": "HX-Request"}
    return web.render(request, "attachment_clinic.html", principal, headers=headers, fragment=True, **context)


def _stored(decision: service.Decision, reason: str, on: date) -> dict[str, Any]:
    """A decision as kept in the session: codes and parameters only (the sentences are made in the
    language of each page view)."""
    return {
        "iin": decision.iin,
        "clinic": decision.clinic,
        "decision": decision.decision,
        "effective_from": decision.effective_from.isoformat() if decision.effective_from else None,
        "previous_clinic": decision.previous_clinic,
        "district": decision.district,
        "reason": reason,
        "applied_on": on.isoformat(),
        "reasons": [[r.code, dict(r.params)] for r in decision.reasons],
    }


@router.post("/attachment", response_class=HTMLResponse)
def apply(
    request: Request,
    session: DbSession,
    principal: web.PagePrincipal,
    csrf: Annotated[str, Form()] = "",
    clinic: Annotated[str, Form()] = "",
    district: Annotated[str, Form()] = "",
    reason: Annotated[str, Form()] = "",
    iin: Annotated[list[str] | None, Form()] = None,
) -> Response:
    """Apply for the citizen and the children and wards ticked; each gets a decision with reasons."""
    if principal is None:
        return web.login_redirect(request)
    refused = _citizen_only(request, session, principal)
    if refused is not None:
        return refused
    assert principal.iin is not None
    chosen = [i.strip() for i in iin or [] if i.strip()]
    form = {"district": district, "reason": reason, "iins": set(chosen)}

    def again(status_code: int, error: str) -> HTMLResponse:
        context = _citizen_context(request, session, principal, clinic=clinic, form=form, error=error)
        return web.render(request, "attachment.html", principal, status_code, headers=web.PRIVATE, **context)

    if not web.csrf_ok(request, csrf):
        return again(400, EXPIRED)
    if reason not in rules.REASONS:
        return again(422, NO_REASON)
    if not chosen:
        return again(422, NO_MEMBERS)
    card = get_person(session, principal.iin)
    allowed = {p["iin"] for p in _people(session, principal, card, today())}
    strangers = [i for i in chosen if i not in allowed]
    if strangers:
        audit.denied(
            session,
            principal,
            channel="web",
            action="attachment.apply.denied",
            resource="/attachment",
            subject_iins=[number if len(number) == 12 and number.isdigit() else None for number in strangers],
            detail=f"clinic={clinic[:40]} not a child under the minor age or ward of the applicant",
        )
        return web.error_page(request, principal, 403, NOT_YOURS)
    day = today()
    try:
        decisions = applications.apply_family(
            session,
            applicant_iin=principal.iin,
            iins=chosen,
            clinic_id=clinic,
            reason=reason,
            on=day,
            district_id=district or None,
            channel="web",
            principal=principal,
        )
    except RulebookError:
        session.rollback()
        return again(422, NO_RULES)
    except NotFound:
        session.rollback()
        return again(422, UNKNOWN_CLINIC)
    except InvalidInput:
        session.rollback()
        return again(422, CANNOT_DECIDE)
    session.commit()
    request.session[SESSION_KEY] = [_stored(d, reason, day) for d in decisions]
    return RedirectResponse(f"/attachment?clinic={quote(decisions[0].clinic, safe='')}#decisions", status_code=303)


# --- The clinic's page -------------------------------------------------------------------------


def _param_value(code: str, name: str, row: dict[str, Any], clinic: dict[str, Any], on: date) -> str | None:
    """A reason's parameter recovered from the stored application (the register keeps the codes
    only); None when the row does not say."""
    if name == "clinic" and code in (
        "first_attachment",
        "immediate_ground",
        "clinic_full",
        "already_attached",
        "unknown_clinic",
        "unknown_district",
    ):
        return str(row.get("clinic_id") or clinic["clinic_id"])
    if name == "date" and code in ("first_attachment", "immediate_ground", "campaign_change_next_year", "free_change"):
        return row.get("effective_from")
    if name == "previous" and code == "campaign_change_next_year":
        return row.get("previous_clinic")
    if name == "chosen":
        return row.get("district_id")
    if name == "district" and code in ("district_over_norm", "district_wrong_specialty"):
        return row.get("district")
    if name == "district" and code == "unknown_district":
        return row.get("district_id")
    if name == "capacity":
        return str(clinic["capacity"])
    if name == "applicant":
        return row.get("applicant_iin")
    if name == "iin":
        return row.get("iin")
    if name in ("changes", "months", "age"):
        try:
            book = service.resolve_rulebook(None)
            if name == "age":
                return str(book.topic(RegistryTopic).minor_age(on))
            limit = book.topic(AttachmentTopic).free_change_limit(on)
            return str(limit.changes if name == "changes" else limit.per_months)
        except RulebookError:
            return None
    return None


class _Params(dict[str, str]):
    """Parameters of a sentence; one the row does not give reads "…"."""

    def __missing__(self, key: str) -> str:
        return "…"


def _reason_sentences(row: dict[str, Any], clinic: dict[str, Any], lang: str) -> list[dict[str, str]]:
    """The reasons of a stored application in ``lang``: from the service when it gives the
    sentences, else made from the codes and what the row records."""
    given = row.get("reasons")
    if isinstance(given, list) and given:
        return [
            {"code": r["code"], "message": r["message"].get(lang) or r["message"].get("en", r["code"])} for r in given
        ]
    on = _day(row.get("applied_on")) or today()
    result = []
    for code in row.get("reason_codes") or []:
        msgid = rules.MESSAGES.get(code)
        if msgid is None:
            result.append({"code": code, "message": code})
            continue
        params = _Params()
        for name in ("clinic", "date", "previous", "chosen", "district", "capacity", "applicant", "iin"):
            value = _param_value(code, name, row, clinic, on)
            if value:
                params[name] = value
        for name in ("changes", "months", "age"):
            if f"%({name})s" in msgid:
                value = _param_value(code, name, row, clinic, on)
                if value:
                    params[name] = value
        if params.get("clinic") == clinic["clinic_id"]:
            params["clinic"] = service.clinic_words(clinic["clinic_id"], clinic.get("name"))
        params.update(i18n.sentence_days(lang, dict(params)))
        result.append({"code": code, "message": i18n.translator(lang).gettext(msgid) % params})
    return result


def _which_clinic(
    request: Request, session: Session, principal: Principal, asked: str
) -> tuple[str | None, Response | None]:
    """The clinic the page is about: the clinic user's own; for operators and auditors ``?clinic=``."""
    asked = asked.strip()
    own = principal.provider_id if principal.role == "clinic" else None
    text = OTHER_CLINIC if own else NOT_CLINIC
    refused = web.refusal_page(request, session, principal, CLINIC_POPULATION_READ, text, clinic=asked or own)
    if refused is not None:
        return None, refused
    return asked or own or None, None


def _clinic_entry(session: Session, clinic: Clinic, on: date) -> dict[str, Any]:
    """One clinic as ``service.clinics_in_region`` gives it, read for this clinic alone: its
    districts' attached counts (running and pending on ``on``) are those its decisions use."""
    facts = service.clinic_facts(session, clinic, on)
    doctors = _doctors(session, {(clinic.clinic_id, d.district_id) for d in facts.districts})
    return {
        "clinic_id": clinic.clinic_id,
        "bin": clinic.bin,
        "name": clinic.name,
        "region": clinic.region,
        "capacity": clinic.capacity,
        "attached": facts.attached,
        "free": max(clinic.capacity - facts.attached, 0),
        "districts": [
            {
                "district_id": d.district_id,
                "specialty": d.specialty,
                "doctor": doctors[(clinic.clinic_id, d.district_id)].doctor,
                "norm": d.norm,
                "attached": d.attached,
            }
            for d in facts.districts
        ],
    }


@router.get("/clinic/attachments", response_class=HTMLResponse)
def clinic_attachments(
    request: Request,
    session: DbSession,
    principal: web.PagePrincipal,
    clinic: str = "",
    on: str = "",
    page: int = 1,
) -> Response:
    """The clinic's recent applications with decisions and reasons, and its attached population on
    a date: counts by district, speciality and age group, free places, a paged list of persons."""
    if principal is None:
        return web.login_redirect(request)
    clinic_id, refused = _which_clinic(request, session, principal, clinic)
    if refused is not None:
        return refused
    lang = pick_language(request)
    base: dict[str, Any] = {"names": _names(lang), "clinic_param": clinic, "on_text": on, "error": None}
    if clinic_id is None:
        return web.render(request, "clinic_attachments.html", principal, clinic=None, **base)
    try:
        day = date.fromisoformat(on.strip()) if on.strip() else today()
    except ValueError:
        return web.render(request, "clinic_attachments.html", principal, 422, clinic=None, **base | {"error": BAD_DATE})
    try:
        row = service.get_clinic(session, clinic_id)
    except NotFound:
        return web.error_page(request, principal, 404, UNKNOWN_CLINIC)
    entry = _clinic_entry(session, row, day)
    population = clinic_population(session, row.clinic_id, day, page=max(page, 1), page_size=POPULATION_PAGE)
    applications = service.clinic_applications(session, row.clinic_id, limit=APPLICATIONS_SHOWN)

    registered = registry.persons().subquery()
    names = {
        number: f"{last} {first}"
        for number, last, first in session.execute(
            select(registered.c.iin, registered.c.last_name, registered.c.first_name).where(
                registered.c.iin.in_({a["iin"] for a in applications})
            )
        )
    }
    districts = {d["district_id"]: d for d in entry["districts"]}
    for a in applications:
        a["name"] = names.get(a["iin"], "")
        a["applied"] = _day(a["applied_on"])
        a["effective"] = _day(a.get("effective_from"))
        a["doctor"] = districts[a["district"]]["doctor"] if a.get("district") in districts else None
        a["sentences"] = _reason_sentences(a, entry, lang)

    by_district = population["by_district"]
    district_rows = [
        d
        | {
            "attached_on": by_district.get(d["district_id"], 0),
            "free": max(d["norm"] - d["attached"], 0),
        }
        for d in entry["districts"]
    ]
    no_district = by_district.get("-", 0)
    specialty: dict[str, dict[str, int]] = {}
    for d in district_rows:
        s = specialty.setdefault(d["specialty"], {"districts": 0, "norm": 0, "attached": 0, "free": 0})
        s["districts"] += 1
        s["norm"] += d["norm"]
        s["attached"] += d["attached_on"]
        s["free"] += d["free"]
    pages = max(math.ceil(population["attached"] / POPULATION_PAGE), 1)
    persons = [
        p | {"birth": _day(p["birth_date"]), "from": _day(p["since"]), "to": _day(p["until"])}
        for p in population["persons"]
    ]
    resource = f"/clinic/attachments?clinic={row.clinic_id}&on={day.isoformat()}&page={population['page']}"
    audit.record_many(
        session,
        principal,
        [a["iin"] for a in applications],
        channel="web",
        resource=resource,
        detail=f"clinic={row.clinic_id} applications",
        action="attachment.read",
    )
    audit.record_many(
        session,
        principal,
        [p["iin"] for p in persons],
        channel="web",
        resource=resource,
        detail=f"clinic={row.clinic_id} population on={day.isoformat()}",
        action="attachment.read",
    )
    return web.render(
        request,
        "clinic_attachments.html",
        principal,
        headers=web.PRIVATE,
        clinic=entry,
        day=day,
        applications=applications,
        population=population,
        districts=district_rows,
        no_district=no_district,
        specialties=specialty,
        persons=persons,
        page=population["page"],
        pages=pages,
        **base,
    )


def _citizen(principal: Principal | None) -> bool:
    return principal is not None and principal.role == "citizen"


def _clinic(principal: Principal | None) -> bool:
    return principal is not None and principal.role == "clinic"


PAGES = web.PageSet(
    router=router,
    templates=Path(__file__).parent / "templates",
    menu=(
        web.MenuEntry(50, "/attachment", N_("Choose a clinic"), _citizen, prefix=True),
        web.MenuEntry(60, "/clinic/attachments", N_("Attachment applications"), _clinic, prefix=True),
    ),
)
