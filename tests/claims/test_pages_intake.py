"""The provider's pages over what the real intake writes (``osms.claims.intake``): a file of two
providers loaded by the fund and a report sent by the clinic's own login; the clinic sees its part
of both, its rejected rows with their reasons, its findings, and the potential defect it may object
to (tests/claims/world.py's helpers; docs/claims.md, "Pages")."""

from __future__ import annotations

import csv
import io
import re
from datetime import date
from html import unescape
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.orm import Session

from osms.claims.intake import ingest_file, ingest_rows
from osms.core.security import create_user
from osms.web import pages
from tests.claims.pages_world import PASSWORD, csrf_of, logged
from tests.claims.world import Row, add_contract, add_person, add_provider, attach, iin, stay, write_csv

TODAY = date(2026, 3, 31)
ADULT = iin(date(1980, 5, 5), "M")
DEAD = iin(date(1950, 6, 6), "F", 7)


@pytest.fixture
def loaded(session: Session, engine: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pages, "today", lambda: TODAY)
    add_person(session, ADULT, birth=date(1980, 5, 5), sex="M")
    add_person(session, DEAD, birth=date(1950, 6, 6), sex="F", died=date(2026, 2, 1))
    add_provider(session, "PHC1", kind="phc", capacity=1000)
    add_provider(session, "HOSP1")
    add_contract(session, "PHC1", ["phc", "consult_diag"])
    add_contract(session, "HOSP1", ["inpatient_emergency", "inpatient_planned"])
    attach(session, ADULT, "PHC1", date(2025, 1, 1))
    attach(session, DEAD, "PHC1", date(2025, 1, 1))
    create_user(session, "phc1", PASSWORD, "clinic", "Емхана PHC1", provider_id="PHC1")
    create_user(session, "hosp1", PASSWORD, "clinic", "Аурухана HOSP1", provider_id="HOSP1")
    session.commit()
    # the fund's file of both providers
    path = write_csv(
        tmp_path / "day.csv",
        [
            Row("V1", "PHC1", ADULT),
            Row("V2", "PHC1", DEAD),  # after her death: dead_before_service (5.1)
            Row("V3", "PHC1", "123"),  # bad_iin
            stay("S1", "HOSP1", ADULT, group="P001", start="2026-03-02", end="2026-03-05"),
            Row("S2", "HOSP1", "999"),  # bad_iin: HOSP1's, not PHC1's
        ],
    )
    ingest_file(engine, path, created_by="op", today=TODAY)
    # the clinic's own report through the API's use case
    ingest_rows(
        session,
        [
            Row("V4", "PHC1", ADULT, date_from="2026-03-03", date_to="2026-03-03").as_dict(),
            Row("V5", "PHC1", "1").as_dict(),
        ],
        source="api",
        created_by="phc1",
        only_provider="PHC1",
        today=TODAY,
    )
    session.commit()


def test_the_clinic_sees_its_part_of_the_real_intake(app: Any, loaded: None) -> None:
    phc1 = logged(app, "phc1")
    page = phc1.get("/services/intake", params={"lang": "en"})
    assert page.status_code == 200
    batches = re.findall(
        r'data-field="rows">(\d+)<.*?data-field="accepted">(\d+)<.*?data-field="rejected">(\d+)<.*?'
        r'data-field="findings">(\d+)<',
        page.text,
        re.S,
    )
    # newest first: its own report (2 rows: V4 accepted, V5 rejected), its part of the fund's file
    assert batches == [("2", "1", "1", "0"), ("3", "2", "1", "1")]
    html = unescape(page.text)
    rejected = html[html.index('class="box intake-rejected"') :]
    rejected = rejected[: rejected.index("</section>")]
    assert rejected.count('class="rejected"') == 2 and "V3,PHC1,123" in rejected and "S2,HOSP1" not in rejected
    assert "The IIN is not a valid 12-digit number" in rejected
    assert re.findall(r'<tr class="record" data-record="(\w+)"', page.text) == ["V2"]
    answer = phc1.get("/services/intake.csv", params={"list": "rejected"})
    # the API's row 2 (V5) and the file's line 4 (V3, after the header)
    assert sorted(r["line"] for r in csv.DictReader(io.StringIO(answer.text))) == ["2", "4"]


def test_the_clinic_objects_to_the_potential_defect(app: Any, loaded: None) -> None:
    phc1 = logged(app, "phc1")
    page = unescape(phc1.get("/services/defects", params={"lang": "en", "month": "2026-03"}).text)
    ids = re.findall(r'data-defect="(\d+)" data-status="notified"', page)
    assert len(ids) == 1 and "Defect 5.1" in page and "Potential (from the checks)" in page
    token = csrf_of(page)
    done = phc1.post(f"/services/defects/{ids[0]}/objection", data={"csrf": token, "note": "A data-entry error."})
    assert done.status_code == 303
    after = unescape(phc1.get("/services/defects", params={"lang": "en", "month": "2026-03"}).text)
    assert "Objection filed: awaiting the review" in after and "A data-entry error." in after
    assert logged(app, "hosp1").post(f"/services/defects/{ids[0]}/objection", data={"note": "x"}).status_code == 403
