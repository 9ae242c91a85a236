"""The coverage room: who is insured on a day and why (docs/status.md).

Importing the room registers the names of its codes with ``osms.core.i18n``."""

from osms.core.i18n import register_labels
from osms.coverage.labels import LABELS

register_labels(LABELS)
