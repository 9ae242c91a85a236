"""The payments room's API (thin): ``GET /api/v1/tariffs/price`` (public), ``GET
/api/v1/providers/{provider_id}/per-capita`` (the fund's staff; a provider its own) (docs/payments.md).

``osms.app.create_app`` includes ``router``.
"""

from __future__ import annotations

from datetime import date as Day
from typing import Annotated, Any, Final

from fastapi import APIRouter, Path, Query
from pydantic import BaseModel, ConfigDict, Field

from osms.claims.vocabulary import CARE_FORMS, OUTCOMES
from osms.core.config import get_settings
from osms.core.http import CurrentPrincipal, DbSession
from osms.core.openapi import IDENT_PATTERN
from osms.payments.capitation import read_per_capita
from osms.payments.tariff import REFUSALS, open_rulebook, price
from osms.rulebooks.api import rulebook_schema

router = APIRouter(prefix="/api/v1", tags=["payments"])

MONEY_PATTERN: Final = r"^\d+\.\d{2}$"
PROCEDURES_PATTERN: Final = r"^\s*(\d{2}\.\d{1,4}\s*(,\s*\d{2}\.\d{1,4}\s*)*)?$"


class Problem(BaseModel):
    """An error (RFC 9457 problem details) with a stable machine ``code``."""

    type: str = Field(examples=["urn:osms:problem:unknown_case_group"])
    title: str
    status: int = Field(examples=[422])
    detail: str = Field(examples=["The clinical cost group X99 is not in the list on 1 March 2026."])
    instance: str | None = None
    code: str = Field(examples=["unknown_case_group"])


class Sentences(BaseModel):
    kk: str
    ru: str
    en: str


class TariffPrice(BaseModel):
    price: str = Field(pattern=MONEY_PATTERN, description="Tenge: round_half_up(base × weight × share, 0.01)")
    base: str = Field(
        pattern=MONEY_PATTERN, description="The base rate of the clinical cost groups, or the service's price"
    )
    weight: str = Field(description="The cost weight used (the form's own where published); 1 for a service")
    share: str = Field(description="The product of the special rules applied: an exact decimal or fraction (1/6)")
    rules: list[str] = Field(description="Ids of every rulebook entry applied (catalogue, rate, weight, rules)")
    explanation: Sentences = Field(description="The computation in kk, ru and en")
    rulebook: str
    care_form: str
    date: str
    case_group: str | None
    service_code: str | None
    verified: bool = Field(description="True when every entry applied is verified against the published law")
    synthetic: bool = Field(description="True when a row of a synthetic (demonstration) table was applied")
    provisional: bool = Field(description="True after the rulebook's confirmed horizon (docs/rulebooks.md)")
    carried_forward: list[str]
    provisional_message: Sentences | None

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "price": "3853961.88",
                    "base": "174722.63",
                    "weight": "22.0576",
                    "share": "1",
                    "rules": [
                        "case_groups.P001.2021-01-01",
                        "tariffs.base_rate.2025-01-01",
                        "weights.P001.2025-01-01",
                    ],
                    "explanation": {
                        "kk": "…",
                        "ru": "…",
                        "en": "174,722.63 × 22.0576 × 1 = 3,853,961.88 tenge, rounded to the tiyn. …",
                    },
                    "rulebook": "kz-law",
                    "care_form": "inpatient",
                    "date": "2025-03-01",
                    "case_group": "P001",
                    "service_code": None,
                    "verified": True,
                    "synthetic": False,
                    "provisional": False,
                    "carried_forward": [],
                    "provisional_message": None,
                }
            ]
        }
    )


def _problem(description: str) -> dict[str, Any]:
    schema = Problem.model_json_schema()
    return {"description": description, "content": {"application/problem+json": {"schema": schema}}}


@router.get(
    "/tariffs/price",
    response_model=TariffPrice,
    summary="Tariff: what the fund pays for one case or service",
    description=(
        "Public (no login). The price of one treated case (a clinical cost group) or one service (a code of the "
        "price list) on a day, under a rulebook (docs/payments.md): `price = round_half_up(base × weight × share, "
        "0.01)`; a case's base is the base rate and its weight the form's own published weight where one exists; "
        "a service's base is its price and its weight 1; the share is the product of the special rules (day "
        "hospital, listed procedures, hospital at home, admission, a death or a transfer within 3 days, at home, "
        "remote, a child's preventive examination). Errors are problem+json 422 with `code`: "
        + ", ".join(f"`{code}`" for code in REFUSALS)
        + "."
    ),
    responses={422: _problem("No price can be given (see `code`)")},
)
def tariff_price(
    care_form: Annotated[
        str, Query(description="Form of care", examples=["inpatient"], json_schema_extra={"enum": list(CARE_FORMS)})
    ],
    date: Annotated[Day, Query(description="The day of the case or service", examples=["2025-03-01"])],
    case_group: Annotated[str | None, Query(max_length=32, description="Clinical cost group (a case)")] = None,
    service_code: Annotated[str | None, Query(max_length=32, description="Code of the price list (a service)")] = None,
    outcome: Annotated[
        str | None, Query(description="How the case ended", json_schema_extra={"enum": list(OUTCOMES)})
    ] = None,
    bed_days: Annotated[int | None, Query(ge=0, le=3650, description="Bed-days of the case")] = None,
    procedures: Annotated[
        str | None,
        Query(
            max_length=400,
            pattern=PROCEDURES_PATTERN,
            description="ICD-9 procedure codes, comma-separated",
            examples=["13.73"],
        ),
    ] = None,
    at_home: Annotated[bool, Query(description="The service was given at home")] = False,
    remote: Annotated[bool, Query(description="The service was given remotely")] = False,
    preventive_child: Annotated[
        bool, Query(description="A specialist's consultation inside a child's preventive examination")
    ] = False,
    rulebook: Annotated[
        str | None,
        Query(description="Rulebook (default: the server's setting)", json_schema_extra=rulebook_schema()),
    ] = None,
) -> TariffPrice:
    book = open_rulebook(rulebook or get_settings().rulebook)
    answer = price(
        book,
        care_form.strip(),
        date,
        case_group=case_group,
        service_code=service_code,
        outcome=outcome,
        bed_days=bed_days,
        procedures=(procedures or "").split(","),
        at_home=at_home,
        remote=remote,
        preventive_child=preventive_child,
    )
    return TariffPrice.model_validate(answer.as_dict())


# --- percapita: GET /api/v1/providers/{provider_id}/per-capita --------------------------------


class BandOut(BaseModel):
    band: str = Field(description="Age band in whole years on the month's first day: 0, 1-4, ..., 70+")
    sex: str = Field(json_schema_extra={"enum": ["M", "F"]})
    people: int
    coefficient: str | None = Field(description="The band's sex-age coefficient (null: none in force)")


class ReductionOut(BaseModel):
    code: str = Field(
        json_schema_extra={"enum": ["uninsured", "no_service_year", "no_service_year_earlier", "excess_norm"]}
    )
    people: int
    amount: str = Field(pattern=MONEY_PATTERN)
    status: str = Field(json_schema_extra={"enum": ["applied", "pending_december", "not_applied"]})
    share: str | None = Field(description="The share of the rate paid for those people (0.9, 0.8)")


class PerCapitaOut(BaseModel):
    provider_id: str
    month: str
    attached: int = Field(description="People attached on the month's first day")
    by_band: list[BandOut]
    sex_age_coefficient: str = Field(description="The average of the people's band coefficients, 4 decimals")
    base_rate: str = Field(pattern=MONEY_PATTERN)
    corrections: dict[str, str] = Field(description="density, rural, heating, ecology (1: none given)")
    rate: str = Field(pattern=MONEY_PATTERN, description="round_half_up(base × sex-age × corrections, 0.01)")
    reductions: list[ReductionOut]
    amount: str = Field(pattern=MONEY_PATTERN, description="attached × rate − reductions, never below 0")
    rules: list[str]
    gross: str = Field(pattern=MONEY_PATTERN)
    uncovered: str = Field(pattern=MONEY_PATTERN, description="December's reductions beyond the month's amount")
    region: str
    rulebook: str
    verified: bool
    synthetic: bool
    counted_on: str
    insured_on: str | None
    computed_on: str
    notes: list[str]


@router.get(
    "/providers/{provider_id}/per-capita",
    response_model=PerCapitaOut,
    summary="Per capita of a PHC provider in a month",
    description=(
        "The provider's attached population on the month's first day by sex and age band, its sex-age coefficient, "
        "the region's base rate, the correction coefficients, the rate, the reductions (not insured: 90%; no service "
        'in the calendar year: 80%, settled in December) and the amount (docs/payments.md, "Per capita"). '
        "Operators and auditors any provider; a provider's login its own. Errors: problem+json with `code`: 404 "
        "`unknown_provider`; 422 `bad_month`, `not_phc`, `no_base_rate`, `no_sex_age`."
    ),
    responses={404: _problem("No such provider (unknown_provider)"), 422: _problem("No answer (see `code`)")},
)
def provider_per_capita(
    session: DbSession,
    principal: CurrentPrincipal,
    provider_id: Annotated[
        str,
        Path(
            description="The provider's id in the register", max_length=32, json_schema_extra={"pattern": IDENT_PATTERN}
        ),
    ],
    month: Annotated[str, Query(description="YYYY-MM", pattern=r"^[12]\d{3}-(0[1-9]|1[0-2])$")],
    rulebook: Annotated[
        str | None,
        Query(description="Rulebook (default: the server's setting)", json_schema_extra=rulebook_schema()),
    ] = None,
) -> PerCapitaOut:
    book = open_rulebook(rulebook or get_settings().rulebook)
    answer = read_per_capita(
        session,
        principal,
        provider_id,
        month,
        book=book,
        channel="api",
        resource=f"/api/v1/providers/{provider_id}/per-capita",
    )
    return PerCapitaOut.model_validate(answer.as_dict())
