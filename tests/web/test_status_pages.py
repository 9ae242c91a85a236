"""What each role sees of insured status and payments on the pages (TestClient), with the audit.

The scenario (``status_world``, checked on 2024-09-15 under ``kz-law``): Серік Омаров (login
``serik``) was paid for by ТОО Жарық (``employer1``) for 2024-01 … 2024-06: a deduction of
9,000.00 and a withheld contribution of 6,000.00 a month, each credited on the 20th of the next
month, plus a duplicate deduction for 2024-06 that was reversed. So on 2024-09-15 he is insured in
the grace period until 30.09.2024 and owes 2024-07 at the self-payer's 4,250.00 (docs/status.md,
worked example): 2024-08 and 2024-09 are not yet due (by 25.09.2024 and 25.10.2024, the 25th of the
following month, docs/calculators.md). ТОО Самал (``employer2``) paid for Пётр
Иванов (``petr``) for 2024-06. ТОО Жарық also paid for a former employee for 2023-01 only.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from itertools import count

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session
from web_helpers import PASSWORD, World, add_person, csrf_of, login, new_iin

from osms.contributions.labels import KIND_LABELS, PAYROLL_REASON_LABELS
from osms.contributions.models import PAYMENT_KINDS, REVERSAL, Payment
from osms.contributions.payroll import REJECTION_REASONS
from osms.contributions.summary import refresh_all
from osms.core import i18n
from osms.core.identity import make_bin
from osms.core.models import AuditEntry, ImportBatch
from osms.core.periods import Month
from osms.core.security import create_user
from osms.coverage.labels import BASIS_LABELS
from osms.coverage.rules import BASIS_CODES
from osms.registry.models import Payer, Person, PersonCategory
from osms.web import pages

CHECK_DAY = date(2024, 9, 15)
NBSP = "\u00a0"
PAYER_KIND = {
    "employer_deduction": "employer",
    "employee_contribution": "employer",
    "self_payment": "self",
    "state_contribution": "state",
}


@dataclass(frozen=True)
class StatusWorld:
    base: World
    serik: str  # insured in grace until 2024-09-30, arrears 4,250.00 (2024-07; 08 and 09 not yet due)
    former: str  # paid for by employer1 for 2023-01 only
    deceased: str
    other_bin: str


class Ledger:
    """Ledger rows inserted directly, under one import batch; ``refresh`` rebuilds the coverage
    summary with the production code (``osms.contributions.summary.refresh_all``)."""

    def __init__(self, session: Session) -> None:
        self.session = session
        batch = ImportBatch(kind="payments", file_name="web.csv", sha256="0" * 64, started_at=datetime.now(UTC))
        session.add(batch)
        session.flush()
        self.batch_id = batch.id
        self.lines = count(1)

    def pay(
        self,
        iin: str,
        period: str,
        kind: str,
        payer: str,
        amount: str,
        *,
        reference: str | None = None,
        value_date: date | None = None,
    ) -> str:
        month = Month.parse(period)
        line = next(self.lines)
        ref = reference or f"W{self.batch_id}-{line}"
        self.session.add(
            Payment(
                reference=ref,
                batch_id=self.batch_id,
                line=line,
                payer_id=payer,
                payer_kind=PAYER_KIND[kind],
                iin=iin,
                period=month,
                kind=kind,
                amount=Decimal(amount),
                value_date=value_date or (month + 1).first_day.replace(day=20),
                reverses=None,
            )
        )
        return ref

    def reverse(self, reference: str, value_date: date) -> None:
        self.session.flush()
        row = self.session.scalars(select(Payment).where(Payment.reference == reference)).one()
        self.session.add(
            Payment(
                reference=f"REV:{reference}",
                batch_id=self.batch_id,
                line=next(self.lines),
                payer_id=row.payer_id,
                payer_kind=row.payer_kind,
                iin=row.iin,
                period=row.period,
                kind=REVERSAL,
                amount=-row.amount,
                value_date=value_date,
                reverses=reference,
            )
        )

    def refresh(self) -> None:
        self.session.flush()
        refresh_all(self.session.connection())


def build_status_world(session: Session, base: World) -> StatusWorld:
    """The scenario of the module docstring, committed (the app reads it through its own sessions)."""
    other_bin = next(b for s in range(200, 300) if (b := make_bin(date(2016, 2, 1), 4, 0, s)) is not None)
    session.add(Payer(payer_id=base.employer_bin, kind="employer", name="ТОО Жарық", region="ALA"))
    session.add(Payer(payer_id=other_bin, kind="employer", name="ТОО Самал", region="ALA"))
    serik = add_person(session, date(1990, 4, 12), "M", "Омаров", "Серік", "Болатұлы", serial=404)
    former = add_person(session, date(1985, 2, 3), "F", "Сейітова", "Дана", serial=505)
    deceased = add_person(session, date(1950, 7, 7), "M", "Қасымов", "Бекзат", serial=606)
    session.flush()
    dead = session.get(Person, deceased)
    assert dead is not None
    dead.death_date = date(2024, 2, 1)
    create_user(session, "serik", PASSWORD, "citizen", "Серік Омаров", iin=serik)
    create_user(session, "employer2", PASSWORD, "employer", "ТОО Самал", bin=other_bin)

    ledger = Ledger(session)
    for m in range(1, 7):
        period = f"2024-{m:02d}"
        ledger.pay(serik, period, "employer_deduction", base.employer_bin, "9000.00")
        ledger.pay(serik, period, "employee_contribution", base.employer_bin, "6000.00")
    ledger.pay(serik, "2024-06", "employer_deduction", base.employer_bin, "9000.00", reference="DUP-2024-06")
    ledger.reverse("DUP-2024-06", date(2024, 7, 25))
    ledger.pay(base.stranger, "2024-06", "employer_deduction", other_bin, "4500.00")
    ledger.pay(base.stranger, "2024-06", "employee_contribution", other_bin, "3000.00")
    ledger.pay(former, "2023-01", "employer_deduction", base.employer_bin, "7500.00")
    ledger.pay(deceased, "2024-01", "employer_deduction", base.employer_bin, "9000.00")
    ledger.refresh()
    session.commit()
    return StatusWorld(base, serik, former, deceased, other_bin)


@pytest.fixture
def sw(session: Session, world: World) -> StatusWorld:
    return build_status_world(session, world)


@pytest.fixture(autouse=True)
def check_day(monkeypatch: pytest.MonkeyPatch) -> date:
    """Every page computes statuses for 2024-09-15."""
    monkeypatch.setattr(pages, "today", lambda: CHECK_DAY)
    return CHECK_DAY


def audit_rows(session: Session, action: str | None = None) -> list[AuditEntry]:
    session.expire_all()
    query = select(AuditEntry).order_by(AuditEntry.id)
    if action is not None:
        query = query.where(AuditEntry.action == action)
    return list(session.scalars(query))


# --- The i18n helpers the pages use -------------------------------------------------------------


def test_money_months_and_rates_are_written_per_language() -> None:
    assert i18n.format_money("kk", Decimal("12750")) == f"12{NBSP}750,00"
    assert i18n.format_money("ru", Decimal("-9000.5")) == f"-9{NBSP}000,50"
    assert i18n.format_money("en", Decimal("12750")) == "12,750.00"
    assert i18n.format_month("ru", Month(2024, 9)) == "сентябрь 2024"
    assert i18n.format_month("kk", Month(2024, 9)) == "Қыркүйек 2024"
    assert i18n.format_month("en", Month(2024, 9)) == "September 2024"
    assert i18n.format_rate("ru", Decimal("0.015")) == "1,5%"
    assert i18n.format_rate("en", Decimal("0.05")) == "5%"


def test_every_basis_kind_and_payroll_reason_has_a_translated_label() -> None:
    assert set(BASIS_LABELS) == set(BASIS_CODES)
    assert set(KIND_LABELS) == {*PAYMENT_KINDS, REVERSAL}
    assert set(PAYROLL_REASON_LABELS) == set(REJECTION_REASONS)
    for kind, codes in (("basis", BASIS_CODES), ("kind", PAYMENT_KINDS), ("payroll_reason", REJECTION_REASONS)):
        for code in codes:
            english = i18n.label("en", kind, code)
            assert english and english != code
            assert i18n.label("kk", kind, code) != english
            assert i18n.label("ru", kind, code) != english


# --- Anonymous: insured or not on the day, nothing more (docs/access.md) ------------------------


@pytest.mark.parametrize(
    ("lang", "answer"),
    [
        ("kk", "15.09.2024 күні сақтандырылған"),
        ("ru", "Застрахован на 15.09.2024"),
        ("en", "Insured on 15 Sep 2024"),
    ],
)
def test_anonymous_check_shows_insured_on_the_day_and_nothing_more(
    client, session: Session, sw: StatusWorld, lang: str, answer: str
) -> None:
    page = client.get("/check", params={"iin": sw.serik, "lang": lang})
    assert page.status_code == 200 and page.headers["cache-control"] == "no-store"
    text = page.text
    assert 'data-status="insured"' in text
    assert answer in text
    assert "30.09.2024" not in text and "30 Sep 2024" not in text  # no end date
    for secret in ("Омаров", "Серік", sw.base.employer_bin, "ТОО Жарық", f"9{NBSP}000", "9,000"):
        assert secret not in text, secret  # no name, no payer, no amounts
    assert f"12{NBSP}750" not in text and "12,750" not in text and "4,250" not in text  # no arrears
    assert 'data-basis="' not in text and "status-message" not in text
    rows = audit_rows(session, "status.read")
    assert [(r.actor, r.role, r.channel, r.subject_iin, r.resource) for r in rows] == [
        ("anonymous", "public", "web", sw.serik, "/check")
    ]
    assert rows[0].detail == "on=2024-09-15 public check: insured or not only"


def test_anonymous_htmx_fragment_has_the_status_only(client, sw: StatusWorld) -> None:
    fragment = client.get("/check", params={"iin": sw.serik, "lang": "ru"}, headers={"HX-Request": "true"})
    assert "<html" not in fragment.text
    assert "Застрахован на 15.09.2024" in fragment.text
    assert "30.09.2024" not in fragment.text
    assert f"ИИН {sw.serik} составлен верно." not in fragment.text


def test_unknown_and_deceased_persons_are_simply_not_insured(client, session: Session, sw: StatusWorld) -> None:
    unknown = new_iin(date(1999, 9, 9), "M", 4242)
    for number in (unknown, sw.deceased, sw.former):
        page = client.get("/check", params={"iin": number, "lang": "en"}, headers={"HX-Request": "true"})
        assert 'data-status="not_insured"' in page.text
        assert "Not insured" in page.text
        assert "Only the guaranteed volume of free medical care (GOBMP) is available." in page.text
        assert "registry" not in page.text.replace("the registry is the source of truth", "")
    dead = client.get("/check", params={"iin": sw.deceased, "lang": "ru"}).text
    assert "01.02.2024" not in dead and "Қасымов" not in dead and "умер" not in dead.lower()
    assert [r.subject_iin for r in audit_rows(session, "status.read")] == [unknown, sw.deceased, sw.former, sw.deceased]


def test_open_ended_category_is_insured_in_the_same_words(client, sw: StatusWorld) -> None:
    """A child's open-ended category and Serik's employer payments read alike: nothing tells them apart."""
    page = client.get("/check", params={"iin": sw.base.child, "lang": "kk"}, headers={"HX-Request": "true"})
    serik = client.get("/check", params={"iin": sw.serik, "lang": "kk"}, headers={"HX-Request": "true"})
    assert 'data-status="insured"' in page.text
    assert "15.09.2024 күні сақтандырылған" in page.text and "дейін сақтандырылған" not in page.text
    assert "18 жасқа толмаған" not in page.text  # the category is not named
    assert page.text.replace(sw.base.child, "") == serik.text.replace(sw.serik, "")


def test_malformed_iin_gets_no_status_and_no_audit(client, session: Session) -> None:
    page = client.get("/check", params={"iin": "12345", "lang": "en"})
    assert 'data-result="invalid"' in page.text and "data-status=" not in page.text
    assert audit_rows(session, "status.read") == []


def test_a_date_outside_the_rulebook_says_so(client, session: Session, sw: StatusWorld, monkeypatch) -> None:
    # before kz-law's start (after its confirmed horizon the last entries are carried forward)
    monkeypatch.setattr(pages, "today", lambda: date(2017, 6, 30))
    page = client.get("/check", params={"iin": sw.serik, "lang": "en"})
    assert page.status_code == 200 and 'data-status="unavailable"' in page.text
    assert audit_rows(session, "status.read") == []
    login(client, "serik")
    me = client.get("/me?lang=ru")
    assert me.status_code == 200
    assert "Статус застрахованности на эту дату вычислить нельзя" in me.text
    assert "Поступившие платежи" in me.text  # the payments are still shown


def test_logged_in_user_checking_in_the_public_box_is_audited_as_themselves(
    client, session: Session, sw: StatusWorld
) -> None:
    login(client, "petr")
    page = client.get("/check", params={"iin": sw.serik, "lang": "en"})
    assert "Insured on 15 Sep 2024" in page.text and "Омаров" not in page.text
    assert [(r.actor, r.role) for r in audit_rows(session, "status.read")] == [("petr", "citizen")]


# --- The citizen's own page ---------------------------------------------------------------------


def test_citizen_sees_reason_arrears_what_to_do_and_payments(client, session: Session, sw: StatusWorld) -> None:
    login(client, "serik")
    page = client.get("/me?lang=ru")
    assert page.status_code == 200 and page.headers["cache-control"] == "no-store"
    text = page.text
    assert "Застрахован до 30.09.2024" in text
    # the reason sentence of the status engine, in the page language
    assert (
        "Застрахован: право сохраняется 3 мес. после последнего оплаченного месяца 06.2024 (льготный период). "
        "Застрахован до 30 сентября 2024 г. Задолженность: 1 мес., 4\u00a0250,00 тенге."
    ) in text
    assert 'data-basis="grace"' in text and "Льготный период после последнего оплаченного месяца" in text
    assert "Отчисление работодателя" in text and f'ТОО Жарық <span class="mono">{sw.base.employer_bin}</span>' in text
    assert 'data-months-paid="6"' in text
    # arrears: each month and its amount, and the total
    assert '<tr data-period="2024-07"><td>июль 2024</td><td class="num">4\u00a0250,00</td></tr>' in text
    assert '<tr data-period="2024-08">' not in text and '<tr data-period="2024-09">' not in text
    assert '<td class="num" data-total>4\u00a0250,00</td>' in text
    assert "Итого за 1 мес." in text
    # the months strip: July red (past 25.08.2024), August and September due (neutral)
    assert '<li class="unpaid" data-period="2024-07" data-state="unpaid">' in text
    assert '<li class="due" data-period="2024-08" data-state="due">' in text
    assert "оплатить до 25.09.2024" in text and "оплатить до 25.10.2024" in text
    # what to do: pay as a self-payer, at the rate
    assert "Вы застрахованы в льготный период, но эти месяцы не оплачены." in text
    assert (
        "Самостоятельный плательщик платит 5% от 1 × МЗП (85\u00a0000,00 тенге): "
        "4\u00a0250,00 тенге за сентябрь 2024 г.<"
    ) in text
    # payments in his name, by month and payer; the reversed duplicate struck through
    assert "Поступившие платежи" in text
    assert '<tbody data-period="2024-06">' in text and '<tbody data-period="2024-01">' in text
    assert '<tr class="reversed" data-reference="DUP-2024-06">' in text
    assert "<del>9\u00a0000,00</del>" in text
    assert '<tr class="reversal" data-reference="REV:DUP-2024-06">' in text and "-9\u00a0000,00" in text
    assert "Зачислено за июнь 2024 г." in text and "15\u00a0000,00" in text  # the reversal does not count
    assert "20.07.2024" in text  # value date of June's payments
    assert "Омаров Серік Болатұлы" in text  # and his registry card
    actions = [(r.action, r.subject_iin, r.resource, r.role, r.channel) for r in audit_rows(session)]
    assert actions == [
        ("person.read", sw.serik, "/me", "citizen", "web"),
        ("status.read", sw.serik, "/me", "citizen", "web"),
        ("payments.read", sw.serik, "/me", "citizen", "web"),
        ("audit.own.read", sw.serik, "/me", "citizen", "web"),  # who looked at his data (docs/audit.md)
        ("services.read", sw.serik, "/me", "citizen", "web"),  # the services billed in his name (docs/claims.md)
    ]


@pytest.mark.parametrize(
    ("lang", "total", "until", "headline"),
    [
        ("kk", "4\u00a0250,00", "30.09.2024", "30.09.2024 дейін сақтандырылған"),
        ("en", "4,250.00", "30 Sep 2024", "Insured until 30 Sep 2024"),
    ],
)
def test_citizen_page_in_kazakh_and_english(client, sw: StatusWorld, lang: str, total, until, headline) -> None:
    login(client, "serik")
    text = client.get(f"/me?lang={lang}").text
    assert headline in text
    assert f'<td class="num" data-total>{total}</td>' in text
    assert sw.serik in text


def test_citizen_sees_childrens_statuses_with_links(client, session: Session, sw: StatusWorld) -> None:
    login(client, "aigerim")
    text = client.get("/me?lang=ru").text
    assert f'<tr data-iin="{sw.base.child}" data-status="insured">' in text
    assert f'<td><a href="/persons/{sw.base.child}">Ахметов Нұрлан</a></td>' in text
    assert "Застрахован: льготная категория «Ребёнок до 18 лет», взносы за него платит государство." in text
    reads = [(r.subject_iin, r.resource) for r in audit_rows(session, "status.read")]
    assert reads == [(sw.base.mother, "/me"), (sw.base.child, "/me")]


def test_parent_opens_childs_card_with_status_and_payments(client, session: Session, sw: StatusWorld) -> None:
    login(client, "aigerim")
    page = client.get(f"/persons/{sw.base.child}?lang=en")
    assert page.status_code == 200
    assert 'data-status="insured"' in page.text and "State-paid category: Child under 18" in page.text
    assert "Payments received" in page.text and "No payments have been received in this period." in page.text
    assert [r.action for r in audit_rows(session)] == ["person.read", "status.read", "payments.read"]


def test_another_citizens_page_is_403_and_audited(client, session: Session, sw: StatusWorld) -> None:
    login(client, "petr")
    page = client.get(f"/persons/{sw.serik}?lang=en")
    assert page.status_code == 403
    assert "Омаров" not in page.text and "Insured" not in page.text and "4,250" not in page.text
    denied = audit_rows(session, "person.read.denied")
    assert [(r.actor, r.role, r.channel, r.subject_iin) for r in denied] == [("petr", "citizen", "web", sw.serik)]
    assert audit_rows(session, "status.read") == [] and audit_rows(session, "payments.read") == []


def test_show_all_payments_link(client, sw: StatusWorld) -> None:
    login(client, "serik")
    recent = client.get("/me?lang=en").text
    assert "Payments for the months since 1 October 2022." in recent
    assert 'href="/me?payments=all"' in recent
    everything = client.get("/me?payments=all&lang=en").text
    assert "All payments." in everything and "Show all payments" not in everything


# --- Clinics, operators, auditors -----------------------------------------------------------------


def test_clinic_sees_status_and_categories_but_no_amounts(client, session: Session, sw: StatusWorld) -> None:
    login(client, "clinic1")
    page = client.get(f"/persons/{sw.serik}?lang=en")
    assert page.status_code == 200
    text = page.text
    assert "Insured until 30 Sep 2024" in text
    assert "Grace period after the last covered month" in text
    assert text.index('class="status-panel"') < text.index('class="person-card"')  # the status comes first
    for hidden in ("12,750.00", "4,250.00", "9,000.00", "payments-table", "Payments received", "Arrears", "What to do"):
        assert hidden not in text, hidden
    assert sw.base.employer_bin not in text and "ТОО Жарық" not in text and "status-message" not in text
    assert [r.action for r in audit_rows(session)] == ["person.read", "status.read"]


def test_clinic_sees_the_mothers_category_on_the_card(client, sw: StatusWorld) -> None:
    login(client, "clinic1")
    text = client.get(f"/persons/{sw.base.mother}?lang=en").text
    assert "Non-working parent raising a child under 3" in text  # the card's categories
    assert 'data-status="not_insured"' in text  # the category ended on 2024-05-31, no payments since
    assert "No contributions since the grace period ended" in text


@pytest.mark.parametrize("username", ["operator1", "auditor1"])
def test_operator_and_auditor_see_status_arrears_and_payments(
    client, session: Session, sw: StatusWorld, username: str
) -> None:
    login(client, username)
    text = client.get(f"/persons/{sw.serik}?lang=en").text
    assert "Insured until 30 Sep 2024" in text
    assert "Arrears: 1 months, 4,250.00 tenge." in text  # the engine's sentence (July only: past due)
    assert '<td class="num" data-total>4,250.00</td>' in text
    assert '<tr class="reversed" data-reference="DUP-2024-06">' in text and "<del>9,000.00</del>" in text
    assert [(r.actor, r.action) for r in audit_rows(session)] == [
        (username, "person.read"),
        (username, "status.read"),
        (username, "payments.read"),
    ]


def test_clinic_batch_status_form(client, session: Session, sw: StatusWorld) -> None:
    login(client, "clinic1")
    form = client.get("/statuses?lang=en")
    assert form.status_code == 200 and 'name="iins"' in form.text
    unknown = new_iin(date(1999, 9, 9), "M", 4242)
    body = f"{sw.serik}\n{unknown}\n\n12345\n{sw.base.child}\n{sw.serik}\n"
    page = client.post("/statuses", data={"iins": body, "csrf": csrf_of(form.text)})
    assert page.status_code == 200
    text = page.text
    assert "5 IINs: 3 insured, 1 not insured, 1 not valid." in text
    assert "Insurance status on 15 Sep 2024" in text
    assert f'<tr data-iin="{sw.serik}" data-status="insured">' in text
    assert f'<a href="/persons/{sw.serik}">{sw.serik}</a>' in text
    assert f'<tr data-iin="{unknown}" data-status="not_insured">' in text and "Not in the registry" in text
    assert '<tr data-iin="12345" data-status="invalid" class="invalid">' in text and 'data-code="length"' in text
    assert "30 Sep 2024" in text and "State-paid category: Child under 18" in text
    assert "4,250" not in text and "Омаров" not in text
    reads = audit_rows(session, "status.read")
    assert [r.subject_iin for r in reads] == [sw.serik, unknown, sw.base.child]  # one per distinct valid IIN
    assert {(r.actor, r.channel, r.resource) for r in reads} == {("clinic1", "web", "/statuses")}


def test_batch_form_limits_and_access(client, session: Session, sw: StatusWorld) -> None:
    login(client, "clinic1")
    token = csrf_of(client.get("/statuses").text)
    too_many = "\n".join([sw.serik] * 1001)
    answer = client.post("/statuses?lang=en", data={"iins": too_many, "csrf": token})
    assert answer.status_code == 413 and "At most 1,000 IINs at a time" in answer.text
    assert client.post("/statuses", data={"iins": sw.serik, "csrf": "forged"}).status_code == 400
    assert client.post("/statuses", data={"iins": " \n ", "csrf": token}).status_code == 422
    assert audit_rows(session, "status.read") == []
    login(client, "serik")
    assert client.get("/statuses").status_code == 403
    login(client, "employer1")
    assert client.get("/statuses").status_code == 403


# --- Employers ------------------------------------------------------------------------------------


def test_employer_sees_own_employees_sums_and_status_only(client, session: Session, sw: StatusWorld) -> None:
    login(client, "employer1")
    page = client.get("/employer?period=2024-06&lang=ru")
    assert page.status_code == 200 and page.headers["cache-control"] == "no-store"
    text = page.text
    assert "Платежи за июнь 2024 г." in text
    assert "сведения работникам нужно выдать до 15.07.2024, а оплатить — до 25.07.2024" in text
    row = text[text.index(f'<tr data-iin="{sw.serik}"') :]
    row = row[: row.index("</tr>")]
    assert 'data-status="insured"' in row
    assert "Омаров Серік" in row
    assert '<td class="num">9\u00a0000,00</td>' in row  # the reversed duplicate does not count
    assert '<td class="num">6\u00a0000,00</td>' in row
    assert "15\u00a0000,00" in row and "<del" in row  # the reversed 9 000,00 struck through
    assert "Застрахован" in row and "30.09.2024" not in row  # insured, never until when (docs/access.md)
    # another employer's employee is not listed; nothing beyond status and sums
    assert sw.base.stranger not in text and "Иванов" not in text
    for hidden in ("12\u00a0750", "4\u00a0250", "Льготный период", "льготная категория", "Задолженность"):
        assert hidden not in text, hidden
    assert '<dd class="num" data-total="total">15\u00a0000,00</dd>' in text
    assert '<dd data-count="insured">1</dd>' in text
    status_reads = audit_rows(session, "status.read")
    assert [(r.actor, r.subject_iin, r.resource) for r in status_reads] == [
        ("employer1", sw.serik, "/employer?period=2024-06")
    ]
    assert [r.subject_iin for r in audit_rows(session, "payments.read")] == [sw.serik]


def test_former_employee_shows_sums_but_no_status(client, session: Session, sw: StatusWorld) -> None:
    login(client, "employer1")
    text = client.get("/employer?period=2023-01&lang=en").text
    assert f'<tr data-iin="{sw.former}" data-status="hidden">' in text
    assert "7,500.00" in text and "—*" in text
    assert audit_rows(session, "status.read") == []  # 2023-01 is more than 12 months before 2024-09
    assert [r.subject_iin for r in audit_rows(session, "payments.read")] == [sw.former]


def test_employer_page_for_the_other_employer_and_default_period(client, sw: StatusWorld) -> None:
    login(client, "employer2")
    text = client.get("/employer?period=2024-06&lang=en").text
    assert f'<tr data-iin="{sw.base.stranger}" data-status="insured">' in text  # June paid: grace to September
    assert "Insured" in text and "30 Sep 2024" not in text and "4,500.00" in text and "3,000.00" in text
    assert sw.serik not in text and "Омаров" not in text
    default = client.get("/employer?lang=en").text  # the latest month it paid for: 2024-06
    assert 'value="2024-06"' in default and f'<tr data-iin="{sw.base.stranger}"' in default
    bad = client.get("/employer?period=2024-13&lang=en")
    assert bad.status_code == 422 and "The period must be a month written YYYY-MM" in bad.text


def test_only_employers_open_the_employer_pages(client, sw: StatusWorld) -> None:
    assert client.get("/employer", follow_redirects=False).status_code == 303
    for username in ("serik", "clinic1", "operator1"):
        login(client, username)
        assert client.get("/employer").status_code == 403
        assert client.get("/employer/payroll").status_code == 403


def test_employer_computes_a_payroll_from_a_file(client, session: Session, sw: StatusWorld) -> None:
    # the mother works for employer1 since April (an employee: docs/access.md)
    ledger = Ledger(session)
    ledger.pay(sw.base.mother, "2024-04", "employer_deduction", sw.base.employer_bin, "6000.00")
    ledger.refresh()
    session.commit()
    login(client, "employer1")
    form = client.get("/employer/payroll?lang=en")
    assert form.status_code == 200 and 'enctype="multipart/form-data"' in form.text
    csv_text = (
        "iin,period,income\n"
        f"{sw.serik},2024-09,300000.00\n"
        f"{sw.base.mother},2024-05,200000\n"  # a non-working parent of a child under 3 until 2024-05-31
        "123,2024-09,1000\n"
    )
    page = client.post(
        "/employer/payroll",
        data={"csrf": csrf_of(form.text)},
        files={"file": ("payroll.csv", csv_text.encode(), "text/csv")},
    )
    assert page.status_code == 200
    text = page.text
    assert "3 rows: 1 computed, 1 excluded, 1 refused." in text
    line = text[text.index(f'<tr data-line="2" data-iin="{sw.serik}">') :]
    line = line[: line.index("</tr>")]
    assert "300,000.00" in line and "9,000.00" in line and "3% of 300,000.00" in line
    assert "6,000.00" in line and "2% of 300,000.00" in line and "15,000.00" in line
    assert '<tr data-period="2024-09">' in text and "15 Oct 2024" in text and "25 Oct 2024" in text
    assert '<td class="num" data-total="total">15,000.00</td>' in text
    assert "Excluded: state-paid category." in text
    assert "Non-working parent" not in text and "parent_child_under_3" not in text  # no category named
    assert '<tr data-line="4" data-reason="bad_iin">' in text and "The IIN fails a check." in text
    computed = [r for r in audit_rows(session, "payroll.compute")]
    assert computed[0].actor == "employer1" and computed[0].channel == "web"


def test_payroll_pasted_in_russian_and_its_errors(client, sw: StatusWorld) -> None:
    login(client, "employer1")
    token = csrf_of(client.get("/employer/payroll?lang=ru").text)
    page = client.post(
        "/employer/payroll", data={"csrf": token, "rows": f"iin;period;income\n{sw.serik};2024-09;300000"}
    )
    assert page.status_code == 200
    assert "Строк: 1; рассчитано — 1, исключено — 0, отклонено — 0." in page.text
    assert "9\u00a0000,00" in page.text
    bad = client.post("/employer/payroll", data={"csrf": token, "rows": "a,b\n1,2"})
    assert bad.status_code == 422 and "Первой строкой должен быть заголовок iin,period,income." in bad.text
    empty = client.post("/employer/payroll", data={"csrf": token, "rows": ""})
    assert empty.status_code == 422 and "Выберите файл CSV или вставьте строки." in empty.text
    assert client.post("/employer/payroll", data={"csrf": "x", "rows": "iin,period,income"}).status_code == 400


def test_navigation_shows_each_role_its_pages(client, sw: StatusWorld) -> None:
    login(client, "employer1")
    text = client.get("/me?lang=en").text
    assert 'href="/employer"' in text and 'href="/employer/payroll"' in text and 'href="/statuses"' not in text
    login(client, "clinic1")
    text = client.get("/me?lang=en").text
    assert 'href="/statuses"' in text and 'href="/employer"' not in text


def test_person_category_rows_are_unchanged_by_reads(session: Session, sw: StatusWorld, client) -> None:
    """Reading pages writes audit rows only."""
    before = session.scalars(select(PersonCategory)).all()
    login(client, "operator1")
    client.get(f"/persons/{sw.serik}")
    session.expire_all()
    assert len(session.scalars(select(PersonCategory)).all()) == len(before)
