"""The provider's statement, the fund's run page, the act as a PDF and the payment orders through
the real app (docs/payments.md, "The act and the payment orders" and "Pages"); the world is
tests/payments/acts_world.py (its docstring has the arithmetic)."""

from __future__ import annotations

import csv
import io
from datetime import date
from html import unescape
from typing import Any

from fastapi.testclient import TestClient
from pypdf import PdfReader
from sqlalchemy import select
from sqlalchemy.engine import Engine

from osms.core.models import AuditEntry
from osms.payments.orders import COLUMNS
from tests.payments.acts_world import World, csrf_of, logged, world

__all__ = ["world"]


def _pdf_text(data: bytes) -> str:
    return " ".join(" ".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages).split())


def _article(html: str, contract_id: str) -> str:
    text = unescape(html)
    start = text.index(f'id="contract-{contract_id}"')
    return text[start : text.index("</article>", start)]


def test_the_statement_shows_the_provider_its_month(app: Any, world: World, engine: Engine) -> None:
    assert TestClient(app, follow_redirects=False).get("/payments/statement").status_code == 303
    h1 = logged(app, "h1")
    page = h1.get("/payments/statement", params={"month": "2026-03", "lang": "en"})
    assert page.status_code == 200 and page.headers["cache-control"] == "no-store"
    article = _article(page.text, world.contract_id)
    assert 'data-status="computed"' in article
    assert 'data-method="per_case"' in article and 'data-method="per_service"' in article
    assert 'data-amount="816645.97"' in article  # 544,430.65 + 272,215.32
    assert 'data-amount="5779.02"' in article
    assert 'data-amount="550209.67"' in article  # payable: 822,424.99 − 272,215.32
    assert 'data-synthetic="true"' in article  # SYN.CA01's weight is a synthetic row
    # the deduction names its defect, links to it, and says where its appeal stands
    assert 'class="deduction" data-code="1.0"' in article and "Unjustified care" in article
    assert f'href="/services/defects?month=2026-03#defect-{world.defect_id}"' in article
    assert "Confirmed" in article
    assert f'href="/payments/statement.pdf?contract={world.contract_id}&month=2026-03"' in article
    assert "Objection to the protocol" not in article  # no protocol yet
    with engine.connect() as conn:
        actions = conn.scalars(select(AuditEntry.action).where(AuditEntry.actor == "h1")).all()
    assert "payment.run.read" in actions


def test_who_sees_a_statement(app: Any, world: World) -> None:
    assert logged(app, "h2").get("/payments/statement", params={"provider": "H1"}).status_code == 403
    op = logged(app, "op")
    assert op.get("/payments/statement", params={"provider": "H1", "month": "2026-03"}).status_code == 200
    assert op.get("/payments/statement", params={"provider": "NOPE"}).status_code == 404
    assert op.get("/payments/statement", params={"provider": "H1", "month": "2026-13"}).status_code == 422
    assert logged(app, "h1").get("/payments/runs").status_code == 403
    pdf = {"contract": world.contract_id, "month": "2026-03"}
    assert logged(app, "h2").get("/payments/statement.pdf", params=pdf).status_code == 403


def test_the_act_pdf_from_the_page_and_the_api(app: Any, world: World) -> None:
    h1 = logged(app, "h1")
    answer = h1.get("/payments/statement.pdf", params={"contract": world.contract_id, "month": "2026-03"})
    assert answer.status_code == 200 and answer.headers["content-type"] == "application/pdf"
    text = _pdf_text(answer.content)
    for words in ("Көрсетілген қызметтер актісі", "Акт оказанных услуг", "Емхана H1", world.contract_id):
        assert words in text, words
    assert "Төлеуге жататын сома / Сумма к оплате 550 209.67" in text
    assert "Емделген жағдай үшін / За пролеченный случай · inpatient_planned 2 816 645.97" in text
    assert "синтетикалық (демонстрациялық) тариф" in text
    # the deduction with the classifier's name (MON annex 1: 1.0) and 100% of r2's 272,215.32
    assert "1.0: Медициналық көмекті негізсіз көрсету / Необоснованное оказание медицинской помощи" in text
    assert "272 215.32" in text
    with TestClient(app) as api:
        headers = {"Authorization": f"Bearer {world.tokens['aud']}"}
        got = api.get(f"/api/v1/payment-runs/{world.contract_id}/2026-03/act.pdf", headers=headers)
        assert got.status_code == 200 and _pdf_text(got.content) == text
        assert api.get(f"/api/v1/payment-runs/{world.contract_id}/2026-02/act.pdf", headers=headers).status_code == 404


def _step(client: TestClient, url: str, **fields: str) -> Any:
    token = csrf_of(client.get("/payments/runs", params={"month": "2026-03"}).text)
    return client.post(url, data={"csrf": token, "month": "2026-03", **fields}, params={"lang": "en"})


def test_protocol_objection_answer_signature_and_orders(app: Any, world: World) -> None:
    cid = world.contract_id
    op, h1 = logged(app, "op"), logged(app, "h1")
    runs = unescape(op.get("/payments/runs", params={"month": "2026-03", "lang": "en"}).text)
    assert f'class="run" data-contract="{cid}" data-status="computed"' in runs
    assert 'data-synthetic="true"' in runs
    # signing before the protocol is refused with the reason
    early = _step(op, f"/payments/runs/{cid}/sign")
    assert early.status_code == 409 and "Issue the protocol first." in early.text
    issued = _step(op, f"/payments/runs/{cid}/protocol")
    assert issued.status_code == 303 and issued.headers["location"] == "/payments/runs?month=2026-03&done=protocol"
    # the protocol of Friday 3 April: objections until Wednesday 8 April (3 working days, PAY п.20)
    page = h1.get("/payments/statement", params={"month": "2026-03", "lang": "en"}).text
    article = _article(page, cid)
    assert 'data-status="protocol"' in article and "Objection to the protocol: the reasons" in article
    token = csrf_of(page)
    fields = {"csrf": token, "contract": cid, "month": "2026-03"}
    assert h1.post("/payments/statement/objection", data={**fields, "note": " "}).status_code == 422
    assert logged(app, "h2").post("/payments/statement/objection", data={**fields, "note": "x"}).status_code == 403
    objected = h1.post("/payments/statement/objection", data={**fields, "note": "r3 was one visit"})
    assert objected.status_code == 303
    assert "r3 was one visit" in _article(h1.get("/payments/statement", params={"month": "2026-03"}).text, cid)
    blocked = _step(op, f"/payments/runs/{cid}/sign")
    assert blocked.status_code == 409 and "Answer the provider's objection before signing." in unescape(blocked.text)
    assert _step(op, f"/payments/runs/{cid}/answer", note="Two visits were recorded.").status_code == 303
    assert _step(op, f"/payments/runs/{cid}/sign").status_code == 303
    signed = _article(h1.get("/payments/statement", params={"month": "2026-03", "lang": "en"}).text, cid)
    assert 'data-status="signed"' in signed and "Objection to the protocol" not in signed
    # the act was signed on 3 April: payment due 13 April (10 calendar days, PAY п.26)
    orders = op.get("/payments/orders.csv", params={"due_by": "2026-04-13"})
    assert orders.status_code == 200
    rows = list(csv.DictReader(io.StringIO(orders.text)))
    assert tuple(rows[0]) == COLUMNS
    assert [(r["order_no"], r["amount"], r["due_date"], r["signed_on"]) for r in rows] == [
        (f"{cid}/2026-03", "550209.67", "2026-04-13", "2026-04-03")
    ]
    assert op.get("/payments/orders.csv", params={"due_by": "2026-04-12"}).text.count("\n") == 1  # header only
    assert logged(app, "aud").get("/payments/orders.csv").status_code == 403
    # H1 has no IBAN in this world's register: the run page says so before the file is taken
    warned = unescape(op.get("/payments/runs", params={"month": "2026-03", "lang": "en"}).text)
    assert "Payment orders of the month without a bank account (IBAN): 1 of 1. Емхана H1" in warned
    # a signed act is frozen: a re-run leaves it as it is
    assert _step(op, "/payments/runs").status_code == 303
    again = _article(h1.get("/payments/statement", params={"month": "2026-03"}).text, cid)
    assert 'data-status="signed"' in again and 'data-amount="550209.67"' in again
    pdf = _pdf_text(h1.get("/payments/statement.pdf", params={"contract": cid, "month": "2026-03"}).content)
    assert "Қол қойылды / Подписан: 03.04.2026 (op)" in pdf and "13.04.2026" in pdf
    with TestClient(app) as api:
        got = api.get(
            "/api/v1/payment-orders",
            params={"due_by": date(2026, 4, 30).isoformat()},
            headers={"Authorization": f"Bearer {world.tokens['op']}"},
        )
        assert got.status_code == 200 and got.text == orders.text
