"""The contributions room's codes named in Kazakh, Russian and English (``osms.core.i18n.label``)."""

from __future__ import annotations

from osms.core.i18n import N_

#: Ledger kinds (``osms.contributions.models.PAYMENT_KINDS`` and ``reversal``).
KIND_LABELS = {
    "employer_deduction": N_("Employer's deduction"),
    "employee_contribution": N_("Employee's contribution withheld by the employer"),
    "civil_contract": N_("Contribution under a civil-law contract, withheld by an agent"),
    "ie_contribution": N_("Individual entrepreneur's contribution for themselves"),
    "self_payment": N_("Self-payment"),
    "state_contribution": N_("State contribution"),
    "reversal": N_("Reversal"),
}

#: Payers named by a code rather than a number (a category's payer, a person paying for themselves).
PAYER_LABELS = {
    "state": N_("The state"),
    "local_budget": N_("The local budget"),
    "self": N_("Paid by the person"),
}

#: Why a payroll row was refused (``osms.contributions.payroll.REJECTION_REASONS``).
PAYROLL_REASON_LABELS = {
    "bad_iin": N_("The IIN fails a check."),
    "bad_period": N_("The period is not a month written YYYY-MM."),
    "bad_income": N_("The income is not an amount in tenge (0 or more, at most 2 decimals)."),
    "period_outside_rulebook": N_("The period is outside the years the rules cover."),
    "no_rule": N_("Neither a deduction nor a contribution was due in this period."),
    "duplicate_row": N_(
        "The same employee and month appear on more than one row: give one row with the month's total."
    ),
    "unknown_person": N_("There is no person with this IIN in the registry."),
    "deceased": N_("The registry records the person's death before this period."),
}

LABELS = {"kind": KIND_LABELS, "payer": PAYER_LABELS, "payroll_reason": PAYROLL_REASON_LABELS}
