"""The claims room's pages through the real app (docs/claims.md, "Pages"): a provider's intake
(batches, rejected rows, records with findings, filters, search, CSV), its defects with the appeal
clock, and the fund's monitoring queues, defect and record pages; who sees what, what is audited.
The world is tests/claims/pages_world.py."""

from __future__ import annotations

import csv
import io
import re
from html import unescape
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from osms.claims.models import AppealStep, Defect, ServiceRecord
from osms.core.models import AuditEntry
from tests.claims.pages_world import AIGUL, ASAN, BEKET, World, csrf_of, logged, world

__all__ = ["world"]


def _audited(engine: Engine, actor: str, action: str) -> list[str | None]:
    with engine.connect() as conn:
        return list(
            conn.scalars(select(AuditEntry.subject_iin).where(AuditEntry.actor == actor, AuditEntry.action == action))
        )


def _section(html: str, css: str) -> str:
    start = html.index(f'class="box {css}"')
    return unescape(html[start : html.index("</section>", start)])


# --- /services/intake ------------------------------------------------------------------------


def test_intake_shows_the_provider_its_batches_rejections_and_findings(app: Any, world: World, engine: Engine) -> None:
    assert TestClient(app, follow_redirects=False).get("/services/intake").status_code == 303
    p1 = logged(app, "p1")
    page = p1.get("/services/intake", params={"lang": "en"})
    assert page.status_code == 200
    assert page.headers["cache-control"] == "no-store"
    html = unescape(page.text)
    assert "Service reports: Емхана P1" in html
    # batch 1: P1's own login, the whole batch; batch 2: the operator's file, P1's part only
    batches = re.findall(
        r'<tr class="batch" data-batch="(\d+)">.*?data-field="rows">(\d+)<.*?data-field="accepted">(\d+)<'
        r'.*?data-field="rejected">(\d+)<.*?data-field="findings">(\d+)<',
        page.text,
        re.S,
    )
    assert [b[1:] for b in batches] == [("2", "1", "1", "2"), ("4", "2", "2", "1")]
    rejected = _section(page.text, "intake-rejected")
    assert "Rejected rows (3)" in rejected
    assert re.findall(r'class="rejected" data-code="(\w+)"', rejected) == [
        "unknown_icd10",
        "bad_iin",
        "unknown_service_code",
    ]
    assert "The diagnosis is not an ICD-10 code" in rejected and "The IIN is not a valid 12-digit number" in rejected
    assert "Q2,P2" not in rejected  # P2's row in the operator's file is not P1's
    found = _section(page.text, "intake-findings")
    assert "Accepted records with findings (2)" in found
    assert re.findall(r'data-record="(\w+)"', found) == ["R5", "R2"]
    assert "Service dated after the person's death" in found and "(defect 5.1)" in found
    assert "R1" not in re.findall(r'data-record="(\w+)"', found)  # no findings
    # each person shown is a read of their services
    assert set(_audited(engine, "p1", "services.read")) == {ASAN, BEKET, AIGUL}


def test_intake_in_kazakh_and_russian(app: Any, world: World) -> None:
    p1 = logged(app, "p1")
    kk = unescape(p1.get("/services/intake", params={"lang": "kk"}).text)
    assert "ЖСН жарамды 12 таңбалы нөмір емес" in kk
    ru = unescape(p1.get("/services/intake", params={"lang": "ru"}).text)
    assert "ИИН не является корректным 12-значным номером" in ru


def test_intake_filters_and_search(app: Any, world: World) -> None:
    p1 = logged(app, "p1")

    def lists(**params: str) -> tuple[list[str], list[str]]:
        html = p1.get("/services/intake", params={"lang": "en", **params}).text
        rejected = re.findall(r'class="rejected" data-code="(\w+)"', html)
        records = re.findall(r'<tr class="record" data-record="(\w+)"', html)
        return rejected, records

    assert lists(reason="bad_iin") == (["bad_iin"], ["R5", "R2"])
    assert lists(finding="duplicate") == (["unknown_icd10", "bad_iin", "unknown_service_code"], ["R5"])
    assert lists(care_form="outpatient") == (["unknown_service_code"], ["R5"])
    assert lists(**{"from": "2026-04-06", "to": "2026-04-06"}) == (["unknown_icd10"], ["R5"])
    assert lists(q="R2") == ([], ["R2"])
    assert lists(q=ASAN) == (["unknown_icd10"], ["R5"])
    assert p1.get("/services/intake", params={"reason": "nonsense"}).status_code == 422
    assert p1.get("/services/intake", params={"from": "2026-13-01"}).status_code == 422


def test_intake_csv_exports_the_filtered_list(app: Any, world: World, engine: Engine) -> None:
    p1 = logged(app, "p1")
    page = p1.get("/services/intake", params={"lang": "en", "care_form": "outpatient"}).text
    link = unescape(re.search(r'href="([^"]+)" download>Download CSV</a>', page).group(1))  # type: ignore[union-attr]
    assert link.startswith("/services/intake.csv?") and "care_form=outpatient" in link
    rejected = p1.get(link)
    assert rejected.status_code == 200 and rejected.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(rejected.text)))
    assert [(r["line"], r["reason"], r["reason_text"]) for r in rows] == [
        ("5", "unknown_service_code", "The service code is not in the price list on that date")
    ]
    answer = p1.get("/services/intake.csv", params={"list": "findings", "lang": "ru"})
    rows = list(csv.DictReader(io.StringIO(answer.text)))
    assert [(r["record_id"], r["iin"], r["findings"], r["defect_codes"]) for r in rows] == [
        ("R5", ASAN, "duplicate;sex_mismatch", "3.1;5.1"),
        ("R2", BEKET, "dead_before_service", "5.1"),
    ]
    assert "Услуга датирована после смерти лица" in rows[1]["findings_text"] or rows[1]["findings_text"]
    assert p1.get("/services/intake.csv", params={"list": "other"}).status_code == 422


def test_intake_access(app: Any, world: World, engine: Engine) -> None:
    p2 = logged(app, "p2")
    assert p2.get("/services/intake", params={"provider": "P1"}).status_code == 403
    assert p2.get("/services/intake.csv", params={"provider": "P1"}).status_code == 403
    own = unescape(p2.get("/services/intake", params={"lang": "en"}).text)
    assert "Емхана P2" in own and "Q2,P2" in own and "R6,P1" not in own
    op = logged(app, "op")
    choice = op.get("/services/intake", params={"lang": "en"})
    assert choice.status_code == 200 and 'name="provider"' in choice.text and "intake-rejected" not in choice.text
    assert op.get("/services/intake", params={"provider": "P1"}).status_code == 200
    assert op.get("/services/intake", params={"provider": "NOPE"}).status_code == 404
    assert logged(app, "aud").get("/services/intake", params={"provider": "P2"}).status_code == 200
    assert logged(app, "cit").get("/services/intake").status_code == 403
    with engine.connect() as conn:
        denied = conn.scalars(select(AuditEntry.action).where(AuditEntry.outcome == "denied")).all()
    assert "services.intake.read.denied" in denied


# --- /services/defects -----------------------------------------------------------------------


def test_defects_show_the_code_status_and_appeal_clock(app: Any, world: World) -> None:
    p1 = logged(app, "p1")
    page = p1.get("/services/defects", params={"lang": "en", "month": "2026-04"})
    assert page.status_code == 200
    html = unescape(page.text)
    assert re.findall(r'data-defect="(\d+)" data-status="(\w+)"', page.text) == [
        (str(world.defects["D2"]), "objected"),
        (str(world.defects["D1"]), "notified"),
    ]
    d1 = html[html.index(f'id="defect-{world.defects["D1"]}"') :]
    d1 = d1[: d1.index("</article>")]
    assert "Defect 5.1:" in d1 and "Potential (from the checks)" in d1
    assert "Notified: the provider may object" in d1
    assert "13 Apr 2026" in d1 and 'data-days="3"' in d1  # 5 working days after Monday 6 April
    d2 = html[html.index(f'id="defect-{world.defects["D2"]}"') :]
    d2 = d2[: d2.index("</article>")]
    assert "Objection filed: awaiting the review" in d2 and "The patient came twice" in d2 and "14 Apr 2026" in d2
    assert str(world.defects["D3"]) not in re.findall(r'data-defect="(\d+)"', page.text)  # P2's
    # the complaint on R1 is how the provider learns of the unplanned monitoring
    cases = html[html.index('class="box provider-cases"') :]
    assert f'data-case="{world.cases["complaint"]}"' in cases and "Complaint of a person" in cases and "R1" in cases
    assert f'data-case="{world.cases["death"]}"' not in cases  # P2's
    # the default month is the pages' day's (April 2026); another month has none
    assert "data-defect=" in p1.get("/services/defects").text
    assert "No defects in this month." in p1.get("/services/defects", params={"month": "2026-03", "lang": "en"}).text
    assert p1.get("/services/defects", params={"month": "April"}).status_code == 422
    kk = unescape(p1.get("/services/defects", params={"lang": "kk"}).text)
    assert "Ақаулар" in kk


def test_defects_access(app: Any, world: World) -> None:
    assert logged(app, "p2").get("/services/defects", params={"provider": "P1"}).status_code == 403
    op = logged(app, "op")
    assert op.get("/services/defects", params={"provider": "P2", "month": "2026-04"}).status_code == 200
    assert logged(app, "cit").get("/services/defects").status_code == 403


# --- /monitoring -----------------------------------------------------------------------------


def test_monitoring_queues(app: Any, world: World, engine: Engine) -> None:
    op = logged(app, "op")
    page = op.get("/monitoring", params={"lang": "en"})
    assert page.status_code == 200
    review = _section(page.text, "queue-review")
    assert re.findall(r'data-defect="(\d+)"', review) == [str(world.defects["D2"])]
    assert "from a region other than the provider's (KZ-ALA)" in review
    # a reviewer of Almaty (P1's region) may not review P1's objection; one of Astana may
    almaty = _section(op.get("/monitoring", params={"lang": "en", "region": "KZ-ALA"}).text, "queue-review")
    assert re.findall(r'data-defect="(\d+)"', almaty) == []
    astana = _section(op.get("/monitoring", params={"lang": "en", "region": "KZ-AST"}).text, "queue-review")
    assert re.findall(r'data-defect="(\d+)"', astana) == [str(world.defects["D2"])]
    assert f"/monitoring/defects/{world.defects['D2']}?region=KZ-AST" in astana
    assert op.get("/monitoring", params={"region": "MARS"}).status_code == 422
    chosen = op.get(f"/monitoring/defects/{world.defects['D2']}", params={"region": "KZ-AST"}).text
    assert '<option value="KZ-AST" selected>' in chosen
    notified = _section(page.text, "queue-notified")
    assert re.findall(r'data-defect="(\d+)"', notified) == [str(world.defects["D1"])]
    deaths = _section(page.text, "queue-deaths")
    assert re.findall(r'data-case="(\d+)"', deaths) == [str(world.cases["death"])]
    unplanned = _section(page.text, "queue-unplanned")
    assert "Complaint of a person" in unplanned and "I did not receive this" in unplanned
    assert set(_audited(engine, "op", "services.read")) == {ASAN, BEKET}
    assert set(_audited(engine, "op", "monitoring.deaths.read")) == {AIGUL}  # the death queue's own read
    assert logged(app, "aud").get("/monitoring").status_code == 200
    assert logged(app, "p1").get("/monitoring").status_code == 403
    assert logged(app, "cit").get("/monitoring").status_code == 403


def test_monitoring_defect_and_record_pages(app: Any, world: World) -> None:
    op = logged(app, "op")
    page = op.get(f"/monitoring/defects/{world.defects['D2']}", params={"lang": "en"})
    assert page.status_code == 200
    html = unescape(page.text)
    assert "Defect 3.1" in html and "Objection" in html and "The patient came twice" in html
    assert "<form" not in html[: html.index("</title>")] and html.count('class="decide"') == 1
    assert "R5" in html and "The same service to the same person on the same day, twice" in html
    assert op.get("/monitoring/defects/999999").status_code == 404
    record = op.get(f"/monitoring/records/{world.refs['Q1']}", params={"lang": "ru"})
    assert record.status_code == 200
    assert (
        "<form" not in record.text[: record.text.index("</title>")]
        and record.text.count('action="/monitoring/records/') == 1
    )
    assert "Unjustified admission" not in record.text  # the note is on the defect's page
    assert f'data-defect="{world.defects["D3"]}"' in record.text
    assert op.get("/monitoring/records/999999").status_code == 404
    assert logged(app, "p1").get(f"/monitoring/defects/{world.defects['D1']}").status_code == 403


#: The record page's three flags per language (PAY п.67, п.68, п.66): the three labels, then yes and no.
RECORD_FLAGS = {
    "en": ("At home", "Remotely", "In a child's preventive examination", "Yes", "No"),
    "ru": ("На дому", "Дистанционно", "В профилактическом осмотре ребёнка", "Да", "Нет"),
    "kk": ("Үйде", "Қашықтан", "Баланың профилактикалық тексеруінде", "Иә", "Жоқ"),
}


def test_the_record_page_shows_at_home_remotely_and_preventive(app: Any, world: World, session: Session) -> None:
    found = session.get(ServiceRecord, world.refs["R1"])
    assert found is not None
    found.at_home = True  # a home visit (PAY п.67); R1 is an outpatient visit
    session.commit()
    op = logged(app, "op")
    for lang, (home, remote, preventive, yes, no) in RECORD_FLAGS.items():
        page = unescape(op.get(f"/monitoring/records/{world.refs['R1']}", params={"lang": lang}).text)
        flags = re.findall(r'<div class="service-flags"><dt>([^<]+)</dt><dd data-flag="(\w+)">([^<]+)</dd>', page)
        assert flags == [(home, "at_home", yes), (remote, "remote", no), (preventive, "preventive_child", no)], lang
    other = op.get(f"/monitoring/records/{world.refs['R2']}", params={"lang": "en"}).text
    assert re.findall(r'data-flag="(\w+)">([^<]+)<', other) == [
        ("at_home", "No"),
        ("remote", "No"),
        ("preventive_child", "No"),
    ]


# --- The forms: objection, decision, additional defect, closing a case -------------------------


def _form(client: TestClient, page: str, url: str, **fields: str) -> Any:
    token = csrf_of(client.get(page).text)
    return client.post(url, data={"csrf": token, **fields}, params={"lang": "en"})


def test_the_provider_objects_to_a_defect(app: Any, world: World, session: Session) -> None:
    d1, d2 = world.defects["D1"], world.defects["D2"]
    p1 = logged(app, "p1")
    page = p1.get("/services/defects", params={"lang": "en"}).text
    assert f'action="/services/defects/{d1}/objection"' in page
    assert f'action="/services/defects/{d2}/objection"' not in page  # a reviewer's decision is awaited
    empty = _form(p1, "/services/defects", f"/services/defects/{d1}/objection", note=" ")
    assert empty.status_code == 422 and "Write the reasons." in empty.text
    late = _form(p1, "/services/defects", f"/services/defects/{d2}/objection", note="again")
    assert late.status_code == 409 and "This step is not the one the appeal awaits." in late.text
    assert logged(app, "p2").post(f"/services/defects/{d1}/objection", data={"note": "x"}).status_code == 403
    done = _form(p1, "/services/defects", f"/services/defects/{d1}/objection", note="The patient died on 2 April.")
    assert done.status_code == 303
    assert done.headers["location"] == f"/services/defects?month=2026-04#defect-{d1}"
    steps = session.scalars(select(AppealStep).where(AppealStep.defect_id == d1)).all()
    assert [(s.step, s.actor, s.note) for s in steps] == [("objection", "p1", "The patient died on 2 April.")]
    after = unescape(p1.get("/services/defects", params={"lang": "en"}).text)
    article = after[after.index(f'id="defect-{d1}"') :]
    assert "Objection filed: awaiting the review" in article[: article.index("</article>")]


def test_a_reviewer_decides_and_an_expert_adds_a_defect(app: Any, world: World, session: Session) -> None:
    d2 = world.defects["D2"]
    op = logged(app, "op")
    page = op.get(f"/monitoring/defects/{d2}", params={"lang": "en"}).text
    assert 'action="/monitoring/defects/' in page and 'value="KZ-ALA"' not in page  # not the provider's region
    same = _form(
        op, f"/monitoring/defects/{d2}", f"/monitoring/defects/{d2}/decision", decision="upheld", region="KZ-ALA"
    )
    assert same.status_code == 409 and "another region than the provider's" in unescape(same.text)
    done = _form(
        op, f"/monitoring/defects/{d2}", f"/monitoring/defects/{d2}/decision", decision="upheld", region="KZ-AST"
    )
    assert done.status_code == 303
    after = unescape(op.get(f"/monitoring/defects/{d2}", params={"lang": "en"}).text)
    assert "Upheld on review: a second objection is possible" in after and "Defect upheld" in after
    aud = logged(app, "aud")
    assert aud.get(f"/monitoring/defects/{d2}").status_code == 200
    assert aud.post(f"/monitoring/defects/{d2}/decision", data={"decision": "upheld"}).status_code == 403

    r1 = world.refs["R1"]
    empty = _form(op, f"/monitoring/records/{r1}", f"/monitoring/records/{r1}/defects", code="1.0", note="")
    assert empty.status_code == 422 and "Write the reasons." in empty.text
    added = _form(
        op, f"/monitoring/records/{r1}", f"/monitoring/records/{r1}/defects", code="1.0", note="No indication",
        evidence="card 17",
    )  # fmt: skip
    assert added.status_code == 303
    new = session.scalars(select(Defect).where(Defect.record_ref == r1)).one()
    assert (new.code, new.origin, new.note, new.evidence, new.status) == (
        "1.0",
        "additional",
        "No indication",
        "card 17",
        "notified",
    )
    assert added.headers["location"] == f"/monitoring/defects/{new.id}"


def test_closing_a_confirmed_complaint_makes_defect_5_1(app: Any, world: World, session: Session) -> None:
    op = logged(app, "op")
    case = world.cases["complaint"]
    queue = op.get("/monitoring", params={"lang": "en"}).text
    assert f'action="/monitoring/cases/{case}/close"' in queue
    done = _form(op, "/monitoring", f"/monitoring/cases/{case}/close", outcome="confirmed", note="not given")
    assert done.status_code == 303
    defect = session.scalars(select(Defect).where(Defect.record_ref == world.refs["R1"])).one()
    assert (defect.code, defect.origin) == ("5.1", "additional")
    again = _form(op, "/monitoring", f"/monitoring/cases/{case}/close", outcome="confirmed")
    assert again.status_code == 409 and "The case is closed already." in again.text
    assert f'data-case="{case}"' not in op.get("/monitoring").text
    assert _form(op, "/monitoring", "/monitoring/deaths").status_code == 303  # Q1's death has its case already
