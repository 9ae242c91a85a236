"""The claims room: service reports, their checks, monitoring of quality and volume, appeals (docs/claims.md).

Importing the room registers the names of its codes with ``osms.core.i18n``."""

from osms.claims.labels import LABELS
from osms.core.i18n import register_labels

register_labels(LABELS)
