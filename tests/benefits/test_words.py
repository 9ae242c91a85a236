"""What a Kazakh or Russian reader of an entitlement answer sees: the disease in their language,
dates written their way, and no English words inside a kk or ru sentence."""

from __future__ import annotations

import json
import re
from datetime import date
from typing import Any

import pytest

from osms.benefits import rules
from osms.rulebooks.loader import iter_rulebooks, load_rulebook
from tests.benefits.helpers import CITIZEN_INSURED, MIGRANT, TOURIST, populate
from tests.benefits.test_pages import ask as ask_page
from tests.benefits.test_pages import login, people  # noqa: F401  (fixture)
from tests.coverage.helpers import auth, make_tokens

#: A Latin-letter word of three letters or more: English inside a kk/ru sentence. ICD-10 codes
#: (A15.0), the package abbreviations the fund's own kk/ru texts use in Latin letters (none) and
#: placeholders are not words.
ICD10 = "http://hl7.org/fhir/sid/icd-10"
ENGLISH_WORD = re.compile(r"\b[A-Za-z]{3,}\b")


def english_words(text: str) -> list[str]:
    return ENGLISH_WORD.findall(text)


@pytest.fixture
def tokens(session) -> dict[str, str]:  # type: ignore[no-untyped-def]
    populate(session)
    out = make_tokens(session, citizen_iin=CITIZEN_INSURED)
    session.commit()
    return out


def entitle(client: Any, token: str, **body: object) -> dict[str, Any]:
    r = client.post("/api/v1/entitlements", json={"date": "2024-05-15"} | body, headers=auth(token))
    assert r.status_code == 200, r.text
    return r.json()  # type: ignore[no-any-return]


def test_socially_significant_diagnosis_in_kazakh_and_russian(client, tokens) -> None:  # type: ignore[no-untyped-def]
    # E11.9 (type 2 diabetes) is in the socially significant list of kz-law 2017-2025 (diabetes
    # E10-E14, benefits.yaml, docs/benefits.md): GOBMP for a citizen, with the list's words in each language.
    body = entitle(client, tokens["clinic"], iin=CITIZEN_INSURED, care_type="inpatient_planned", icd10="E11.9")
    assert body["covered_by"] == "GOBMP"
    reason = body["reasons"][0]
    assert reason["code"] == "socially_significant"
    ru, kk, en = reason["message"]["ru"], reason["message"]["kk"], reason["message"]["en"]
    assert english_words(ru) == [] and english_words(kk) == [], (kk, ru)
    # the Russian ICD-10 (МКБ-10) names the block E10-E14 «Сахарный диабет»; the Kazakh words are the source's
    assert "«сахарный диабет»" in ru
    assert "«қант диабеті»" in kk
    assert "«diabetes mellitus»" in en
    # the diagnosis itself: WHO's English title in English only; in kk and ru the code and the list's words
    title = body["diagnosis"]["title"]
    assert title["en"] == "E11.9 Type 2 diabetes mellitus without complications"
    assert title["ru"] == "E11.9 (сахарный диабет)"
    assert title["kk"] == "E11.9 (қант диабеті)"
    assert body["diagnosis"]["socially_significant"] == {
        "kk": "қант диабеті",
        "ru": "сахарный диабет",
        "en": "diabetes mellitus",
    }


@pytest.mark.parametrize("rulebook", [rb.name for rb in iter_rulebooks()])
def test_every_listed_disease_has_kk_and_ru_titles_without_english(rulebook: str) -> None:
    book = load_rulebook(rulebook)
    for series in ("benefits.socially_significant", "benefits.dangerous"):
        for entry in book.series(series):
            for disease in entry.diseases:
                for lang in ("kk", "ru"):
                    text = disease.title[lang]
                    assert text and english_words(text) == [], (rulebook, disease.name, lang, text)
                    assert re.search(r"[а-яәғқңөұүһі]", text, re.IGNORECASE), (disease.name, lang, text)
                assert english_words(disease.title["en"]), disease.name


@pytest.mark.parametrize("code", ["A00", "B20", "A98.0", "F20.0", "B17.1", "A50.1"])
def test_dangerous_disease_reasons_have_no_english_in_kk_ru(code: str) -> None:
    decision = rules.decide(
        rulebook=load_rulebook("kz-law"),
        on=date(2024, 5, 15),
        care="day_hospital",
        residency="foreigner_temporary",
        insured=False,
        icd10=code,
    )
    assert decision.covered_by == "GOBMP"
    for reason in decision.reasons:
        for lang in ("kk", "ru"):
            assert english_words(reason.message(lang)) == [], (code, lang, reason.message(lang))


def test_unlisted_diagnosis_is_the_code_alone_in_kk_and_ru(client, tokens) -> None:  # type: ignore[no-untyped-def]
    # J45.0 is on no list: no Russian or Kazakh title is at hand, so kk and ru show the code alone
    body = entitle(
        client, tokens["clinic"], iin=CITIZEN_INSURED, care_type="consult_diag", referral=True, icd10="J45.0"
    )
    assert body["diagnosis"]["title"] == {"kk": "J45.0", "ru": "J45.0", "en": "J45.0 Predominantly allergic asthma"}


def test_dates_in_sentences_per_language(client, tokens) -> None:  # type: ignore[no-untyped-def]
    # kz-law: the insurance package began on 2020-01-01 (benefits.osms_care_types); asked about 2019-05-01
    body = entitle(client, tokens["clinic"], iin=MIGRANT, care_type="home_hospital", date="2019-05-01", referral=True)
    reason = next(r for r in body["reasons"] if r["code"] == "no_osms_package")
    message = reason["message"]
    assert "1 мая 2019 г." in message["ru"] and "1 января 2020 г." in message["ru"], message["ru"]
    assert "01.05.2019" in message["kk"] and "01.01.2020" in message["kk"], message["kk"]
    assert "1 May 2019" in message["en"] and "1 January 2020" in message["en"], message["en"]


def test_printed_sheet_has_no_english_disease_name(client, people) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    login(client, "clinic1")
    for lang in ("kk", "ru"):
        r = ask_page(client, lang, iin=TOURIST, care_type="day_hospital", icd10="A15.0")
        assert r.status_code == 200, r.text
        answer = r.text[r.text.index('id="entitlement-answer"') :]
        for english in ("Tuberculosis", "tuberculosis", "confirmed by sputum"):
            assert english not in answer, (lang, english)


def test_fhir_benefit_description_has_no_english_disease(client, tokens) -> None:  # type: ignore[no-untyped-def]
    request = {
        "resourceType": "CoverageEligibilityRequest",
        "status": "active",
        "purpose": ["benefits"],
        "patient": {"identifier": {"system": "http://osms.kz/fhir/sid/iin", "value": TOURIST}},
        "servicedDate": "2024-05-15",
        "created": "2024-05-15",
        "insurer": {"display": "OSMS"},
        "item": [
            {
                "category": {
                    "coding": [{"system": "http://osms.kz/fhir/CodeSystem/care-type", "code": "day_hospital"}]
                },
                "diagnosis": [{"diagnosisCodeableConcept": {"coding": [{"system": ICD10, "code": "A15.0"}]}}],
            }
        ],
    }
    r = client.post(
        "/fhir/CoverageEligibilityRequest",
        content=json.dumps(request),
        headers=auth(tokens["clinic"]) | {"Accept-Language": "ru", "Content-Type": "application/fhir+json"},
    )
    assert r.status_code in (200, 201), r.text
    item = r.json()["insurance"][0]["item"][0]
    assert "туберкулез" in item["description"]
    assert english_words(item["description"]) == [], item["description"]
