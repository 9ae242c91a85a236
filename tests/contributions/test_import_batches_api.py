"""The register upload says which rows failed: GET /api/v1/import-batches/{id}
and /rejections (paged JSON, CSV), linked from the upload's answer; operators, auditors and the
login that loaded the batch may read it, every read audited."""

from __future__ import annotations

import csv
import io

import pytest
from sqlalchemy import select

from osms.core.models import AuditEntry
from osms.core.security import create_token, create_user
from tests.contributions.test_ingest import HEADER, NOBODY, SELF_PAYER, WORKER
from tests.contributions.test_ingest_api import _auth, _post, api, tokens  # noqa: F401 (fixtures)
from tests.registry.helpers import bin_

# line 2 credited; 3 unknown_person; 4 bad_amount; 5 implausible_amount; 6 bad_encoding; 7 credited
BODY = (
    (
        HEADER
        + "\n"
        + f"W-1,{bin_()},employer,{WORKER},2024-03,employer_deduction,2550.00,2024-04-20\n"
        + f"X-1,{NOBODY},self,{NOBODY},2024-03,self_payment,4250.00,2024-03-10\n"
        + f"X-2,{SELF_PAYER},self,{SELF_PAYER},2024-03,self_payment,1e3,2024-03-10\n"
        + f"X-3,{bin_()},employer,{WORKER},2024-03,employee_contribution,9999999999999999.99,2024-04-20\n"
    ).encode()
    + "X-4,Müller\n".encode("latin-1")
    + f"S-1,{SELF_PAYER},self,{SELF_PAYER},2024-03,self_payment,4250.00,2024-03-10\n".encode()
)


def _upload(client, token: str) -> dict:
    response = client.post(
        "/api/v1/payment-registers", headers=_auth(token), files={"file": ("march.csv", BODY, "text/csv")}
    )
    assert response.status_code == 200, response.text
    return response.json()


def test_the_upload_links_its_batch_and_rejections(api, tokens, session) -> None:  # noqa: F811
    body = _upload(api, tokens["operator"])
    batch_id = body["batch_id"]
    assert (body["credited"], body["rejected"]) == (2, 4)  # the existing fields stay as they were
    assert body["rejections_url"] == f"/api/v1/import-batches/{batch_id}/rejections"
    assert body["links"] == {
        "batch": f"/api/v1/import-batches/{batch_id}",
        "rejections": f"/api/v1/import-batches/{batch_id}/rejections",
    }
    batch = api.get(body["links"]["batch"], headers=_auth(tokens["auditor"]))
    assert batch.status_code == 200, batch.text
    data = batch.json()
    assert {k: data[k] for k in ("id", "kind", "file_name", "created_by", "rows", "accepted", "rejected")} == {
        "id": batch_id,
        "kind": "payment_register",
        "file_name": "upload:march.csv",
        "created_by": "op",
        "rows": 6,
        "accepted": 2,
        "rejected": 4,
    }
    assert data["rejected_by_reason"] == {
        "bad_amount": 1,
        "bad_encoding": 1,
        "implausible_amount": 1,
        "unknown_person": 1,
    }
    assert data["started_at"] and data["finished_at"] and len(data["sha256"]) == 64

    page = api.get(body["rejections_url"], headers=_auth(tokens["operator"])).json()
    assert (page["total"], page["offset"], page["next"]) == (4, 0, None)
    assert [(r["line"], r["code"]) for r in page["items"]] == [
        (3, "unknown_person"),
        (4, "bad_amount"),
        (5, "implausible_amount"),
        (6, "bad_encoding"),
    ]
    assert page["items"][3]["raw"] == "X-4,M\\xfcller"

    first = api.get(body["rejections_url"] + "?limit=3", headers=_auth(tokens["operator"])).json()
    assert [r["line"] for r in first["items"]] == [3, 4, 5]
    assert first["next"] == f"/api/v1/import-batches/{batch_id}/rejections?limit=3&offset=3"
    second = api.get(first["next"], headers=_auth(tokens["operator"])).json()
    assert [r["line"] for r in second["items"]] == [6] and second["next"] is None

    for request in (
        {"url": body["rejections_url"], "headers": _auth(tokens["operator"]) | {"Accept": "text/csv"}},
        {"url": body["rejections_url"] + "?format=csv", "headers": _auth(tokens["operator"])},
    ):
        as_csv = api.get(**request)
        assert as_csv.status_code == 200 and as_csv.headers["content-type"].startswith("text/csv")
        rows = list(csv.DictReader(io.StringIO(as_csv.text)))
        assert [(r["line"], r["code"]) for r in rows] == [
            ("3", "unknown_person"),
            ("4", "bad_amount"),
            ("5", "implausible_amount"),
            ("6", "bad_encoding"),
        ]
        assert rows[1]["message"] == "amount '1e3' is not a number with at most 2 decimals"
    reads = session.scalars(select(AuditEntry.action).where(AuditEntry.action.like("import.read%"))).all()
    assert reads == ["import.read"] * 6


@pytest.mark.parametrize("role", ["citizen", "employer", "clinic"])
def test_other_roles_may_not_read_a_batch(api, tokens, session, role: str) -> None:  # noqa: F811
    batch_id = _upload(api, tokens["operator"])["batch_id"]
    for url in (f"/api/v1/import-batches/{batch_id}", f"/api/v1/import-batches/{batch_id}/rejections"):
        refused = api.get(url, headers=_auth(tokens[role]))
        assert refused.status_code == 403 and refused.headers["content-type"] == "application/problem+json"
    denied = session.scalars(select(AuditEntry.role).where(AuditEntry.action == "import.read.denied")).all()
    assert denied == [role, role]
    assert api.get(f"/api/v1/import-batches/{batch_id}").status_code == 401


def test_the_loader_reads_its_own_batch(api, tokens, session) -> None:  # noqa: F811
    other = create_user(session, "op2", "pw", "operator", "Operator 2")
    token = create_token(session, other, "test")
    session.commit()
    batch_id = _upload(api, token)["batch_id"]
    answer = api.get(f"/api/v1/import-batches/{batch_id}", headers=_auth(token))
    assert answer.status_code == 200 and answer.json()["created_by"] == "op2"


def test_unknown_batches_and_bad_parameters(api, tokens) -> None:  # noqa: F811
    operator = _auth(tokens["operator"])
    missing = api.get("/api/v1/import-batches/999", headers=operator)
    assert missing.status_code == 404 and missing.json()["code"] == "unknown_batch"
    batch_id = _upload(api, tokens["operator"])["batch_id"]
    for query in ("limit=0", "limit=10001", "offset=-1", "format=xml"):
        bad = api.get(f"/api/v1/import-batches/{batch_id}/rejections?{query}", headers=operator)
        assert bad.status_code == 422, query
    assert api.get("/api/v1/import-batches/0", headers=operator).status_code == 422
