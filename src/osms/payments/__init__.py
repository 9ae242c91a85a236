"""The payments room: tariffs, the payment methods and the monthly payment of providers (docs/payments.md).

Importing the room registers the names of its codes with ``osms.core.i18n`` and the deductions
per defect with the claims room's escalation report (``claims.escalation_amounts``)."""

from osms.claims.escalation_amounts import register_deduction_amounts
from osms.core.i18n import register_labels
from osms.payments.escalation_amounts import deducted
from osms.payments.labels import LABELS

register_labels(LABELS)
register_deduction_amounts(deducted)
