"""``osms demo`` loads clinics and attachments: everyone attached, a campaign decided, the clinic login
bound to a real clinic, and attachment cases to show."""

from __future__ import annotations

import csv
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from osms import demo
from osms.attachment.models import Attachment, AttachmentApplication, Clinic
from osms.core.db import unit_of_work
from osms.core.models import User
from osms.registry.models import Person


def test_demo_attaches_the_country_and_binds_the_clinic_login(engine: Engine, tmp_path: Path) -> None:
    out = tmp_path / "country"
    demo.load_country(engine, 600, 5, out)
    assert (out / "attach_initial.results.csv").is_file() and (out / "attach_campaign.results.csv").is_file()
    with unit_of_work(engine) as session:
        living = session.scalar(select(func.count()).select_from(Person).where(Person.death_date.is_(None)))
        attached = session.scalar(select(func.count(func.distinct(Attachment.iin))))
        clinics = session.scalar(select(func.count()).select_from(Clinic))
        campaign = session.scalar(
            select(func.count()).select_from(AttachmentApplication).where(AttachmentApplication.external_id.like("C%"))
        )
    assert clinics == 40
    with (out / "attach_initial.results.csv").open(encoding="utf-8", newline="") as fh:
        results = list(csv.DictReader(fh))
    assert len(results) == living
    # Everyone is attached but children with no parent or guardian in the files and temporary foreigners.
    assert attached == sum(1 for r in results if r["decision"] == "accepted") >= 0.95 * living
    assert {r["reason_codes"] for r in results if r["decision"] == "refused"} <= {
        "minor_needs_guardian",
        "not_eligible_residency",
    }
    assert campaign and campaign >= 0.05 * living
    logins = {login.username: login for login in demo.demo_logins(engine)}
    with unit_of_work(engine) as session:
        user = session.scalar(select(User).where(User.username == "clinic"))
        assert user is not None and user.provider_id is not None
        assert session.get(Clinic, user.provider_id) is not None
        citizen = session.scalar(select(User).where(User.username == "citizen"))
        assert citizen is not None
        today_clinic = demo._clinic_of(session, citizen.iin)
    assert today_clinic is not None and today_clinic[0] == user.provider_id
    assert user.provider_id in logins["clinic"].bound_to
    cases = {case for case, *_ in demo.attachment_showcase(engine)}
    assert {"accepted without home visits", "choice effective 1 January", "moved: effective at once"} <= cases
