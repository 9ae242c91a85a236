"""The tariff calculator through its channels (docs/payments.md): ``osms tariff price``,
``GET /api/v1/tariffs/price`` (public) and the public page ``/tariffs`` in kk, ru and en."""

from __future__ import annotations

import json
from typing import Any

from fastapi.testclient import TestClient
from typer.testing import CliRunner

from osms.cli import app as osms_cli


def cli(*args: str) -> tuple[int, Any]:
    result = CliRunner().invoke(osms_cli, ["tariff", "price", *args, "--json"])
    return result.exit_code, json.loads(result.stdout)


def test_cli_prices_a_published_group() -> None:
    # TAR annex 3 (2025): 174,722.63 × 22.0576 = 3,853,961.883488 -> 3,853,961.88 (PAY п.70)
    code, data = cli("--care-form", "inpatient", "--case-group", "P001", "--date", "2025-03-01")
    assert code == 0
    assert {k: data[k] for k in ("price", "base", "weight", "share")} == {
        "price": "3853961.88",
        "base": "174722.63",
        "weight": "22.0576",
        "share": "1",
    }
    assert set(data["explanation"]) == {"kk", "ru", "en"} and data["rules"]


def test_cli_flags_and_refusals() -> None:
    # PAY п.71: 75% for 13.73: 175,622.79 × 3.9114 × 0.75 = 515,198.2356045 -> 515,198.24
    day_case = ("--care-form", "day_hospital", "--case-group", "A40.0", "--procedures", "13.73")
    code, data = cli(*day_case, "--date", "2026-03-02")
    assert (code, data["price"], data["share"]) == (0, "515198.24", "0.75")
    # PAY п.68: ½ of 2,889.51 = 1,444.755 -> 1,444.76
    code, data = cli("--care-form", "outpatient", "--service-code", "A01.003.000", "--remote", "--date", "2026-03-02")
    assert (code, data["price"]) == (0, "1444.76")
    code, data = cli("--care-form", "phc", "--service-code", "A01.003.000", "--date", "2026-03-02")
    assert (code, data["error"]["code"]) == (2, "paid_per_capita")
    code, data = cli("--care-form", "inpatient", "--case-group", "P001", "--date", "2025-02-30")
    assert (code, data["error"]["code"]) == (2, "bad_date")
    code, data = cli("--care-form", "inpatient", "--case-group", "P001", "--date", "2025-03-01", "--rulebook", "x")
    assert (code, data["error"]["code"]) == (2, "unknown_rulebook")


def test_api_is_public(client: TestClient) -> None:
    # PAY п.73: 175,622.79 × 0.85 / 6 = 24,879.89525 -> 24,879.90
    answer = client.get(
        "/api/v1/tariffs/price", params={"care_form": "home_hospital", "case_group": "SYN.PU01", "date": "2026-03-02"}
    )
    assert answer.status_code == 200, answer.text
    data = answer.json()
    assert (data["price"], data["share"], data["synthetic"]) == ("24879.90", "1/6", True)
    refused = client.get(
        "/api/v1/tariffs/price", params={"care_form": "outpatient", "service_code": "NOPE", "date": "2026-03-02"}
    )
    assert refused.status_code == 422 and refused.json()["code"] == "unknown_service_code"
    documented = client.get("/openapi.json").json()["paths"]["/api/v1/tariffs/price"]["get"]
    assert "422" in documented["responses"]


WORDS = {
    "kk": ("Тарифтер", "Синтетикалық тариф", "Тексерілмеген", "тізімде жоқ"),
    "ru": ("Тарифы", "Синтетический тариф", "Не проверено", "нет в перечне"),
    "en": ("Tariffs", "Synthetic tariff", "Not verified", "is not in the list"),
}


def test_page_in_three_languages(client: TestClient) -> None:
    for lang, (title, synthetic, unverified, unknown) in WORDS.items():
        page = client.get("/tariffs", params={"lang": lang})
        assert page.status_code == 200 and f"<h1>{title}</h1>" in page.text
        # a synthetic row: the page says so
        page = client.get(
            "/tariffs", params={"lang": lang, "care_form": "inpatient", "code": "SYN.CA01", "date": "2026-03-02"}
        )
        assert page.status_code == 200 and synthetic in page.text and 'data-price="544430.65"' in page.text
        # a published 2026 row not yet verified: the page says so
        page = client.get(
            "/tariffs", params={"lang": lang, "care_form": "day_hospital", "code": "A40.0", "date": "2026-03-02"}
        )
        assert unverified in page.text and synthetic not in page.text and 'data-price="274779.42"' in page.text
        # a verified row: neither
        page = client.get(
            "/tariffs", params={"lang": lang, "care_form": "inpatient", "code": "P001", "date": "2025-03-01"}
        )
        assert 'data-price="3853961.88"' in page.text
        assert 'data-synthetic="true"' not in page.text and 'data-unverified="true"' not in page.text
        unknown_group = {"lang": lang, "care_form": "inpatient", "code": "X9", "date": "2026-03-02"}
        page = client.get("/tariffs", params=unknown_group)
        assert page.status_code == 422 and unknown in page.text
