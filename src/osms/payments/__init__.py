"""The payments room: tariffs, the payment methods and the monthly payment of providers (docs/payments.md).

Importing the room registers the names of its codes with ``osms.core.i18n``."""

from osms.core.i18n import register_labels
from osms.payments.labels import LABELS

register_labels(LABELS)
