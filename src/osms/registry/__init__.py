"""The registry room: persons, families, state-paid categories and payers (docs/domain.md).

Importing the room registers the names of its codes with ``osms.core.i18n``."""

from osms.core.i18n import register_labels
from osms.registry.labels import LABELS

register_labels(LABELS)
