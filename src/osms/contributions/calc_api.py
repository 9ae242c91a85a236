"""Calculator and payroll API (thin): ``GET /api/v1/calc`` (public) and ``POST /api/v1/payrolls``.

``osms.app.create_app`` includes ``router``: ``app.include_router(calc_router)``.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Final

from fastapi import APIRouter, Depends, Query, Request
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from osms.contributions.payroll import (
    MAX_API_ROWS,
    XLSX_MEDIA_TYPE,
    PayrollRowIn,
    compute_payroll,
    read_payroll_file,
)
from osms.contributions.rules import CALC_PAYER_KINDS, calculate, open_rulebook, parse_income, parse_period
from osms.core.config import get_settings
from osms.core.errors import InvalidInput, OsmsError
from osms.core.http import CurrentPrincipal, DbSession
from osms.core.openapi import AMOUNT_PATTERN, MONTH_PATTERN, iin_schema
from osms.rulebooks.api import rulebook_schema
from osms.rulebooks.loader import available_rulebooks

router = APIRouter(prefix="/api/v1", tags=["contributions"])

MAX_BODY_BYTES: Final = 4 * 1024 * 1024
MONEY_PATTERN: Final = r"^\d+\.\d{2}$"


class Problem(BaseModel):
    """An error (RFC 9457 problem details) with a stable machine ``code``."""

    type: str = Field(examples=["urn:osms:problem:exempt_period"])
    title: str = Field(examples=["exempt period"])
    status: int = Field(examples=[422])
    detail: str = Field(examples=["individual-entrepreneur pays nothing for 2018-05: exempt from 2018-01 to 2019-12"])
    instance: str | None = Field(default=None, examples=["/api/v1/calc"])
    code: str = Field(examples=["exempt_period"])


_PROBLEM_SCHEMA: Final = Problem.model_json_schema()


def _problem(description: str) -> dict[str, Any]:
    """An error response: problem+json (the schema inline: no component name to collide with)."""
    return {"description": description, "content": {"application/problem+json": {"schema": _PROBLEM_SCHEMA}}}


# --------------------------------------------------------------------------------------------
# GET /api/v1/calc


class CalcRuleRef(BaseModel):
    id: str = Field(
        description="Stable id of the rulebook entry applied", examples=["rates.employer-deduction.2022-01-01"]
    )
    source: str = Field(description="Where the figure comes from")
    verified: bool = Field(description="False while the figure is still to be confirmed against a published amount")
    description: str = Field(examples=["3% of income, capped at 10 MW"])
    valid_from: date
    valid_to: date | None


class CalcAmw(BaseModel):
    year: int = Field(
        description="The year the wage was earned: the period's year - 2 (after the confirmed horizon, the horizon's)"
    )
    value: str = Field(pattern=MONEY_PATTERN, examples=["212600.00"])
    id: str


ProvisionalField = Annotated[
    bool,
    Field(
        description="True when the period is after the rulebook's confirmed horizon: the entries in force on "
        "the horizon were carried forward (docs/rulebooks.md)"
    ),
]
CarriedField = Annotated[list[str], Field(description="Ids of the entries carried forward (empty unless provisional)")]
ProvisionalMessageField = Annotated[
    dict[str, str] | None,
    Field(
        description="The sentence saying so, in kk, ru and en (null unless provisional)",
        examples=[{"en": "The 2027 figures are not yet confirmed; the 2026 figures were applied."}],
    ),
]


class CalcAnswer(BaseModel):
    amount: str = Field(pattern=MONEY_PATTERN, description="Tenge, rounded half-up to 0.01 after the cap")
    base: str = Field(pattern=MONEY_PATTERN, description="The base the rate applies to, after the cap")
    rate: str = Field(description="The rate as an exact decimal fraction (0.05 = 5%)", examples=["0.05"])
    cap_applied: bool = Field(description="True when the income exceeded the cap and the base was cut to it")
    rulebook: str = Field(examples=["kz-law"])
    rule: CalcRuleRef
    payer: str = Field(examples=["individual-entrepreneur"])
    period: str = Field(examples=["2024-03"])
    income: str | None = Field(description="The income used (income-based kinds), else null")
    cap: str | None = Field(description="The cap on an income base in tenge (cap x MW), null when uncapped")
    mw: str = Field(pattern=MONEY_PATTERN, description="Minimum monthly wage of the period's year")
    amw: CalcAmw | None = Field(description="The average monthly wage used (state), else null")
    exempt: bool
    verified: bool = Field(description="True when every rulebook entry the amount depends on is verified")
    entries: list[str] = Field(description="Ids of every rulebook entry the amount depends on")
    notes: list[str]
    provisional: ProvisionalField = False
    carried_forward: CarriedField = []
    provisional_message: ProvisionalMessageField = None

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "amount": "25500.00",
                    "base": "850000.00",
                    "rate": "0.03",
                    "cap_applied": True,
                    "rulebook": "kz-law",
                    "rule": {
                        "id": "rates.employer-deduction.2022-01-01",
                        "source": "docs/calculators.md; Law 'On compulsory social health insurance'",
                        "verified": True,
                        "description": "3% of income, capped at 10 MW",
                        "valid_from": "2022-01-01",
                        "valid_to": "2025-12-31",
                    },
                    "payer": "employer-deduction",
                    "period": "2024-03",
                    "income": "1000000.00",
                    "cap": "850000.00",
                    "mw": "85000.00",
                    "amw": None,
                    "exempt": False,
                    "verified": True,
                    "entries": ["rates.employer-deduction.2022-01-01", "wages.mw.2024-01-01"],
                    "notes": [],
                    "provisional": False,
                    "carried_forward": [],
                    "provisional_message": None,
                }
            ]
        }
    )


@router.get(
    "/calc",
    response_model=CalcAnswer,
    summary="Calculator: what a payer kind owes for a month",
    description=(
        "Public (no login). The amount one payer kind owes for one month under a rulebook (docs/calculators.md): "
        "`amount = round_half_up(rate × base, 0.01)`, with the base the income capped at cap × MW, a multiple "
        "of the MW (individual entrepreneur, self-payer) or the AMW of two years earlier (state). Errors are "
        "problem+json 422 with `code`: `unknown_payer_kind`, `unknown_rulebook`, `bad_period`, "
        "`period_outside_rulebook`, `no_rule` (the payer kind did not exist yet), `exempt_period`, "
        "`income_required`, `bad_income`."
    ),
    responses={422: _problem("The calculation cannot be made (see `code`)")},
)
def calc(
    payer: Annotated[
        str,
        Query(
            description="Payer kind",
            examples=["individual-entrepreneur"],
            json_schema_extra={"enum": list(CALC_PAYER_KINDS)},
        ),
    ],
    period: Annotated[
        str,
        Query(description="The month, YYYY-MM", examples=["2024-03"], json_schema_extra={"pattern": MONTH_PATTERN}),
    ],
    income: Annotated[
        str | None,
        Query(
            description="Monthly income in tenge, for income-based payer kinds (ignored with a note otherwise)",
            json_schema_extra={"pattern": AMOUNT_PATTERN},
        ),
    ] = None,
    rulebook: Annotated[
        str | None,
        Query(
            description="Rulebook (default: the server's setting, kz-law)",
            json_schema_extra={"enum": available_rulebooks()},
        ),
    ] = None,
) -> CalcAnswer:
    book = open_rulebook(rulebook or get_settings().rulebook)
    result = calculate(book, payer.strip(), parse_period(period), parse_income(income))
    return CalcAnswer.model_validate(result.as_dict())


# --------------------------------------------------------------------------------------------
# POST /api/v1/payrolls


class PayrollRow(BaseModel):
    model_config = ConfigDict(extra="forbid")

    iin: str = Field(max_length=64, description="The employee's IIN", examples=["860101300017"])
    period: str = Field(max_length=64, description="The month, YYYY-MM", examples=["2024-03"])
    income: str = Field(
        max_length=64,
        description="The month's income in tenge, as a string (a JSON number is accepted too)",
        examples=["300000.00"],
    )

    @field_validator("income", mode="before")
    @classmethod
    def _number_as_text(cls, value: object) -> object:
        if isinstance(value, int | float) and not isinstance(value, bool):
            return repr(value) if isinstance(value, float) else str(value)
        return value


class PayrollRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    employer: str = Field(
        max_length=64,
        description="The employer's BIN (or an IE's IIN)",
        examples=["100540000018"],
        json_schema_extra=iin_schema(),
    )
    rulebook: str | None = Field(
        default=None,
        max_length=64,
        description="Default: the server's setting (kz-law)",
        json_schema_extra=rulebook_schema(),
    )
    rows: list[PayrollRow] = Field(min_length=1, max_length=MAX_API_ROWS, description="One row per employee and month")


class PayrollCharge(BaseModel):
    amount: str = Field(pattern=MONEY_PATTERN)
    base: str = Field(pattern=MONEY_PATTERN)
    rate: str
    cap: str | None = Field(description="The cap on the base in tenge, null when uncapped")
    cap_applied: bool
    rule_id: str | None = Field(description="The rulebook entry applied; null when not in force in the period")
    note: str | None


class PayrollLine(BaseModel):
    line: int
    iin: str
    period: str
    income: str = Field(pattern=MONEY_PATTERN)
    deduction: PayrollCharge = Field(description="The employer's own deduction (ООСМС)")
    contribution: PayrollCharge = Field(description="The employee's contribution (ВОСМС), withheld by the employer")
    total: str = Field(pattern=MONEY_PATTERN)
    statement_due: date = Field(description="Tell the employee by this day (the 15th of the following month)")
    payment_due: date = Field(description="Pay by this day (the 25th of the following month)")


class PayrollCategoryHit(BaseModel):
    code: str = Field(examples=["pensioner"])
    valid_from: date
    valid_to: date | None
    payer: str = Field(description="state or local_budget")
    rule_id: str
    requires_not_working: bool


class PayrollExclusion(BaseModel):
    line: int
    iin: str
    period: str
    income: str
    reason: str = Field(examples=["state_paid_category"])
    message: str
    categories: list[PayrollCategoryHit] | None = Field(
        description="The memberships that make the person state-paid: for operators; null for employers, "
        "who learn only that nothing is due (docs/access.md)"
    )
    warnings: list[str]


class PayrollRejection(BaseModel):
    line: int
    iin: str
    period: str
    income: str
    reason: str = Field(
        description="bad_iin, bad_period, bad_income, period_outside_rulebook, no_rule, duplicate_row, "
        "unknown_person, deceased"
    )
    message: str


class PayrollTotals(BaseModel):
    employees: int
    excluded: int
    income: str = Field(pattern=MONEY_PATTERN)
    deduction: str = Field(pattern=MONEY_PATTERN)
    contribution: str = Field(pattern=MONEY_PATTERN)
    total: str = Field(pattern=MONEY_PATTERN)


class PayrollPeriodTotals(PayrollTotals):
    period: str
    statement_due: date
    payment_due: date
    rules: list[str]
    provisional: ProvisionalField = False


class PayrollDeadline(BaseModel):
    period: str
    statement_due: date
    payment_due: date


class PayrollAnswer(BaseModel):
    employer: str
    rulebook: str
    rows: int
    computed: int
    excluded: int
    rejected: int
    rejected_by_reason: dict[str, int]
    totals: PayrollTotals
    periods: list[PayrollPeriodTotals]
    deadlines: list[PayrollDeadline]
    rules: list[str] = Field(description="Every rulebook entry applied")
    lines: list[PayrollLine]
    exclusions: list[PayrollExclusion]
    rejections: list[PayrollRejection]
    provisional: ProvisionalField = False
    carried_forward: CarriedField = []
    provisional_message: ProvisionalMessageField = None


def _inline(schema: dict[str, Any]) -> dict[str, Any]:
    """A model's JSON schema with its ``$defs`` written in place (for a hand-written request body)."""
    defs = schema.pop("$defs", {})

    def resolve(node: Any) -> Any:
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and ref.startswith("#/$defs/"):
                return resolve(defs[ref.removeprefix("#/$defs/")])
            return {k: resolve(v) for k, v in node.items()}
        if isinstance(node, list):
            return [resolve(v) for v in node]
        return node

    result: dict[str, Any] = resolve(schema)
    return result


_REQUEST_EXAMPLE: Final = {
    "employer": "100540000018",
    "rows": [
        {"iin": "860101300017", "period": "2024-03", "income": "300000.00"},
        {"iin": "900202400012", "period": "2024-03", "income": "1000000.00"},
    ],
}
_REQUEST_BODY: Final = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {"schema": _inline(PayrollRequest.model_json_schema()), "example": _REQUEST_EXAMPLE},
            "text/csv": {
                "schema": {"type": "string"},
                "example": "iin,period,income\n860101300017,2024-03,300000.00\n",
            },
            XLSX_MEDIA_TYPE: {"schema": {"type": "string", "format": "binary"}},
        },
    }
}


async def _payroll_body(request: Request) -> bytes:
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > MAX_BODY_BYTES:
        raise OsmsError(f"the payroll is larger than {MAX_BODY_BYTES} bytes", code="payroll_too_large", status=413)
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_BODY_BYTES:
            raise OsmsError(f"the payroll is larger than {MAX_BODY_BYTES} bytes", code="payroll_too_large", status=413)
    return bytes(body)


def _rows_from_json(body: bytes) -> PayrollRequest:
    try:
        return PayrollRequest.model_validate_json(body or b"null")
    except ValidationError as exc:
        errors = [{**e, "loc": ("body", *e["loc"])} for e in exc.errors(include_url=False, include_input=False)]
        raise RequestValidationError(errors) from None


@router.post(
    "/payrolls",
    response_model=PayrollAnswer,
    summary="Compute an employer's payroll: deductions and withheld contributions per employee",
    description=(
        "For each employee and month: the employer's deduction (ООСМС) and the employee's contribution "
        "(ВОСМС, withheld), caps applied; employees in a state-paid category on any day of the month are "
        "excluded (no deduction, no contribution; docs/calculators.md, docs/status.md); rows that cannot be "
        "computed are returned with a reason code. Also the employees' statement: deadlines are the 15th "
        "(statement) and the 25th (payment) of the following month. Nothing is stored.\n\n"
        f"Body: JSON `{{employer, rulebook?, rows: [{{iin, period, income}}]}}` (at most {MAX_API_ROWS:,} rows), "
        "or `text/csv` with the header `iin,period,income`, or an Excel workbook (`" + XLSX_MEDIA_TYPE + "`: the "
        "first sheet, its first row that header), with the `employer` (and `rulebook`) as query parameters; "
        "any other file (a PDF, an image, an archive) is refused with 422 `not_a_payroll`. "
        "Employers may compute their own BIN's payroll, operators any. Audited (payroll.compute).\n\n"
        "For an employer, only its employees (a standing payment by it for a period of the last 12 months) are "
        "looked up in the registry: any other row is computed at the standard rates, the same whether the IIN is "
        "in the registry or not; an excluded employee's categories are null (docs/access.md)."
    ),
    openapi_extra=_REQUEST_BODY,
    responses={
        401: _problem("Not logged in"),
        403: _problem("Not the employer bound to this BIN, nor an operator"),
        413: _problem("The body is larger than 4 MiB"),
        415: _problem("The body is neither JSON nor CSV"),
        422: _problem("Bad body, employer number or rulebook (see `code`)"),
    },
)
def post_payroll(
    principal: CurrentPrincipal,
    session: DbSession,
    request: Request,
    body: Annotated[bytes, Depends(_payroll_body)],
    employer: Annotated[
        str | None,
        Query(
            max_length=64,
            description="text/csv and XLSX bodies: the employer's BIN (JSON: in the body)",
            json_schema_extra=iin_schema(),
        ),
    ] = None,
    rulebook: Annotated[
        str | None,
        Query(max_length=64, description="text/csv and XLSX bodies: the rulebook", json_schema_extra=rulebook_schema()),
    ] = None,
) -> PayrollAnswer:
    media = request.headers.get("content-type", "application/json").split(";")[0].strip().lower()
    if media == "application/json" or media.endswith("+json"):
        payload = _rows_from_json(body)
        for name, given, inside in (("employer", employer, payload.employer), ("rulebook", rulebook, payload.rulebook)):
            if given is not None and inside is not None and given.strip() != inside.strip():
                raise InvalidInput(
                    f"the query parameter {name}={given!r} contradicts the body's {inside!r}", code="conflicting_input"
                )
        employer_bin = payload.employer
        book = payload.rulebook or rulebook
        rows = [PayrollRowIn(r.iin, r.period, r.income, line=i) for i, r in enumerate(payload.rows, start=1)]
    elif media in ("text/csv", "text/plain", "application/csv", XLSX_MEDIA_TYPE, "application/octet-stream"):
        if employer is None:
            raise InvalidInput(
                "a CSV or XLSX payroll needs the query parameter employer=<BIN>", code="employer_required"
            )
        rows = read_payroll_file(body)
        if not rows:
            raise InvalidInput("the CSV payroll has no rows", code="empty_payroll")
        if len(rows) > MAX_API_ROWS:
            raise InvalidInput(f"at most {MAX_API_ROWS} rows per payroll, got {len(rows)}", code="too_many_rows")
        employer_bin, book = employer, rulebook
    else:
        raise OsmsError(
            f"send the payroll as application/json or text/csv, not {media or 'no content type'}",
            code="unsupported_media_type",
            status=415,
        )
    result = compute_payroll(session, employer_bin, rows, book, principal=principal, channel="api")
    return PayrollAnswer.model_validate(result.as_dict())
