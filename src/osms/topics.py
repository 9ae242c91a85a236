"""The composition list of rulebook topics: every topic ``load_rulebook`` validates.

A room that declares a rulebook topic (``osms/<room>/rulebook.py``) joins by one line here. The
mechanism (``osms.rulebooks``) imports this module by name when it first loads a rulebook and
receives the list through ``use_topics``; it never imports a room (docs/rulebooks.md,
docs/decisions/0005-rulebook-topics.md). The order is the order of ``osms rulebook show``.
"""

from __future__ import annotations

from osms.attachment.rulebook import AttachmentTopic
from osms.benefits.rulebook import BenefitsTopic
from osms.claims.monitoring_rulebook import MonitoringTopic
from osms.claims.rulebook import ClaimsTopic
from osms.contributions.rulebook import ContributionsTopic
from osms.coverage.rulebook import CoverageTopic
from osms.payments.rulebook import PaymentsTopic
from osms.providers.rulebook import ProvidersTopic
from osms.registry.rulebook import RegistryTopic
from osms.rulebooks.topic import Topic, use_topics

TOPICS: tuple[type[Topic], ...] = (
    RegistryTopic,
    ProvidersTopic,
    ContributionsTopic,
    CoverageTopic,
    BenefitsTopic,
    AttachmentTopic,
    ClaimsTopic,
    MonitoringTopic,
    PaymentsTopic,
)

use_topics(TOPICS)
