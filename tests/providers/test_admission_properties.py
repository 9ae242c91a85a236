"""Properties of the stage-1 decision (Hypothesis), on both shipped rulebooks: any facts get a
decision; it is rejected if and only if it has a reason; only admitted applications get a
preference, and only the rulebook's; every reason has its sentence in kk, ru and en; the same
facts give the same decision."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from osms.providers.admission import (
    MESSAGES,
    PROVIDER_STATUSES,
    AdmissionFacts,
    Announcement,
    Application,
    Founder,
    Licence,
    ProviderFacts,
    Termination,
    decide,
)
from osms.providers.rulebook import TERMINATION_KINDS, ProvidersTopic
from osms.rulebooks.loader import load_rulebook

BOOKS = {
    "kz-law": (load_rulebook("kz-law"), date(2021, 1, 1)),
    "seeds-2016": (load_rulebook("seeds-2016"), date(2017, 1, 1)),
}
CARE_TYPES = ("phc", "inpatient_planned", "consult_diag")
IINS = ("111111111111", "222222222222", "333333333333")


def days(start: date, span: int) -> st.SearchStrategy[date]:
    return st.integers(0, span).map(lambda n: start + timedelta(days=n))


@st.composite
def cases(draw: st.DrawFn) -> tuple[str, AdmissionFacts, date]:
    name = draw(st.sampled_from(sorted(BOOKS)))
    start = BOOKS[name][1]
    opens = draw(days(start, 1500))
    on = opens + timedelta(days=draw(st.integers(0, 400)))
    care_type = draw(st.sampled_from(CARE_TYPES))
    licences = tuple(
        Licence(
            draw(st.sampled_from(CARE_TYPES)),
            lic_from := draw(days(date(2010, 1, 1), 6000)),
            draw(st.none() | days(lic_from, 4000)),
            draw(st.none() | days(date(2005, 1, 1), 8000)),
        )
        for _ in range(draw(st.integers(0, 3)))
    )
    provider = draw(
        st.none()
        | st.builds(
            ProviderFacts,
            provider_id=st.just("P1"),
            status=st.sampled_from(PROVIDER_STATUSES),
            tax_arrears=st.decimals(0, 100000, places=2),
            accredited_until=st.none() | days(date(2015, 1, 1), 5000),
            own_is=st.booleans(),
            licences=st.just(licences),
        )
    )
    founders = tuple(Founder(iin, draw(st.booleans())) for iin in draw(st.sets(st.sampled_from(IINS))))
    terminations = tuple(
        Termination(f"C{i}", draw(days(on - timedelta(days=2000), 2000)), draw(st.sampled_from(TERMINATION_KINDS)))
        for i in range(draw(st.integers(0, 3)))
    )
    facts = AdmissionFacts(
        application=Application(
            "A1", "P1", care_type, "R1", 10, Decimal("100"), opens + timedelta(days=draw(st.integers(-5, 60)))
        ),
        announcement=Announcement("X", opens, opens + timedelta(days=draw(st.integers(0, 40))), opens),
        provider=provider,
        founders=founders,
        fund_employees=frozenset(draw(st.sets(st.sampled_from(IINS)))),
        fund_employee_relatives=frozenset(draw(st.sets(st.sampled_from(IINS)))),
        terminations=terminations,
        false_information=draw(st.booleans()),
        phc_population=draw(st.none() | st.integers(0, 10000)),
        only_phc_in_settlement=draw(st.booleans()),
        capacity=draw(st.none() | st.integers(0, 100)),
    )
    return name, facts, on


@settings(max_examples=300, deadline=None)
@given(cases())
def test_any_facts_get_an_explained_decision(case: tuple[str, AdmissionFacts, date]) -> None:
    name, facts, on = case
    book = BOOKS[name][0]
    decision = decide(facts, book, on)
    data = decision.as_dict()
    assert data["decision"] in ("admitted", "rejected")
    assert (data["decision"] == "rejected") == bool(data["reasons"])
    assert all(r["code"] in MESSAGES and set(r["message"]) == {"kk", "ru", "en"} for r in data["reasons"])
    assert all(all(r["message"].values()) for r in data["reasons"])
    allowed = book.topic(ProvidersTopic).preferences(on).codes
    assert set(data["preference"]) <= set(allowed)
    if data["decision"] == "rejected":
        assert data["preference"] == []
    if facts.provider is None:
        assert data["reasons"][0]["code"] == "not_in_register"
    assert data["rules"][0].startswith("procurement.requirements.")
    assert decide(facts, book, on).as_dict() == data
