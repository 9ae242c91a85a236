"""The providers room: the register of health-care subjects, procurement and contracts (docs/providers.md).

Importing the room registers the names of its codes with ``osms.core.i18n``."""

from osms.core.i18n import register_labels
from osms.providers.labels import LABELS

register_labels(LABELS)
