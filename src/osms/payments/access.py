"""The payments room's named actions (docs/access.md).

The tariff calculator (``osms tariff price``, ``GET /api/v1/tariffs/price``, ``/tariffs``) is
public: tariffs are law, and reading one reads nobody's data, so it declares no action and writes
no audit entry. The monthly run's actions (a provider's statement, the fund's run, the act) join
here when the run is built.
"""

from __future__ import annotations
