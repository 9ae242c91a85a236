"""Every room's tables, imported in one place so that the metadata is complete
(for Alembic and for the test that proves models and migrations agree)."""

from osms.attachment import models as attachment_models
from osms.claims import models as claims_models
from osms.contributions import models as contributions_models
from osms.core import models as core_models
from osms.core.db import Base
from osms.coverage import models as coverage_models
from osms.payments import models as payments_models
from osms.providers import models as providers_models
from osms.registry import models as registry_models

metadata = Base.metadata

__all__ = [
    "metadata",
    "core_models",
    "registry_models",
    "contributions_models",
    "coverage_models",
    "attachment_models",
    "providers_models",
    "claims_models",
    "payments_models",
]
