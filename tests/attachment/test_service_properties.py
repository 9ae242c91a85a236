"""The same properties on the database: random applications through the service never leave two
overlapping attachments of a person, and a clinic never holds more than its capacity."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, func, select, update

from osms.attachment import applications, rules, service
from osms.attachment.models import Attachment, AttachmentApplication
from osms.providers.models import ProviderResource
from tests.attachment.conftest import ADULT, CHILD, SPOUSE, STRANGER

PEOPLE = (ADULT, SPOUSE, CHILD, STRANGER)

application = st.tuples(
    st.sampled_from(PEOPLE),
    st.sampled_from(("ALM-1", "AST-8", "AST-9")),
    st.sampled_from(rules.REASONS),
    st.integers(min_value=0, max_value=120),
    st.sampled_from([None, "T1", "P1"]),
)


@settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.lists(application, min_size=1, max_size=12))
def test_random_applications_keep_the_register_consistent(country, apps) -> None:
    s = country
    s.execute(delete(Attachment))
    s.execute(delete(AttachmentApplication))
    s.execute(update(ProviderResource).where(ProviderResource.resource == "phc_capacity").values(quantity=2))
    s.commit()
    day = date(2024, 6, 1)
    for number, clinic, reason, delta, district in apps:
        day = min(day + timedelta(days=delta), date(2026, 12, 31))
        d = applications.apply(
            s,
            iin=number,
            clinic_id=clinic,
            reason=reason,
            on=day,
            district_id=district,
            applicant_iin=ADULT if number == CHILD else None,
            rulebook="kz-law",
        )
        s.commit()
        assert d.effective_from is None or d.effective_from >= day
    for number in PEOPLE:
        periods = [p for p in service.history_periods(s, number) if not p.empty]
        for i, a in enumerate(periods):
            for b in periods[i + 1 :]:
                assert (a.valid_to or date.max) < b.valid_from or (b.valid_to or date.max) < a.valid_from
    # Capacity 2: on any day, at most 2 persons attached (running or pending) to a clinic.
    for clinic in ("ALM-1", "AST-8", "AST-9"):
        for probe in (date(2024, 6, 1) + timedelta(days=k * 30) for k in range(60)):
            n = s.scalar(
                select(func.count())
                .select_from(Attachment)
                .where(
                    Attachment.clinic_id == clinic,
                    Attachment.valid_from <= probe,
                    (Attachment.valid_to.is_(None)) | (Attachment.valid_to >= probe),
                )
            )
            assert n <= 2
    assert s.scalar(select(func.count()).select_from(AttachmentApplication)) == len(apps)
