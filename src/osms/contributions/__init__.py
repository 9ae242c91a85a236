"""The contributions room: payment registers, the ledger, payroll and the charge calculator
(docs/payment-registers.md, docs/calculators.md).

Importing the room registers the names of its codes with ``osms.core.i18n``."""

from osms.contributions.labels import LABELS
from osms.core.i18n import register_labels

register_labels(LABELS)
