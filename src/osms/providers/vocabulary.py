"""The providers room's closed lists (docs/providers.md, "Register"): care types, forms of
ownership, kinds of provider, statuses in the register, and how a contract ended early.

Care types (виды медицинской помощи) are the codes a provider is licensed for, a procurement plans
and the benefit packages list. They live here, in the lowest room that names them, so that this
room and every room above it share one list; their names in kk/ru/en and their nature (planned or
emergency) are the benefits catalogue's (``osms.benefits.catalogue``), which checks that it names
exactly these codes (decision 0010). The names of the other codes are in ``labels``.
"""

from __future__ import annotations

from typing import Final

#: Care types of the benefit packages (docs/benefits.md), in the catalogue's order.
CARE_TYPE_CODES: Final[tuple[str, ...]] = (
    "ambulance",
    "air_ambulance",
    "phc",
    "emergency",
    "palliative",
    "nursing",
    "vaccination",
    "consult_diag",
    "high_tech",
    "day_hospital",
    "inpatient_planned",
    "inpatient_emergency",
    "home_hospital",
    "rehabilitation",
    "outpatient_drugs",
    "dentistry_adult",
    "dentistry_child",
    "sanatorium",
    "cosmetology",
    "abroad",
    "ivf",
)

#: Form of ownership (the register of health-care subjects, order ҚР ДСМ-186/2020).
OWNERSHIPS: Final[tuple[str, ...]] = ("state", "private")

#: Kinds of health-care subject the fund buys from: primary care, polyclinic (consultative and
#: diagnostic care), hospital, ambulance station, rural health-care organisation. A closed list of
#: this room (not the law's nomenclature of organisations, which is far longer): a new kind is a
#: new code here, a label and a migration of the table's check.
KINDS: Final[tuple[str, ...]] = ("phc", "polyclinic", "hospital", "ambulance", "rural")

#: A provider's status in the register: active, in liquidation, bankrupt, activity suspended by law.
STATUSES: Final[tuple[str, ...]] = ("active", "liquidation", "bankruptcy", "suspended")

#: How a contract with the fund ended before its term: terminated unilaterally by the fund for
#: non-performance (late or improper performance), at the provider's initiative, by agreement.
TERMINATIONS: Final[tuple[str, ...]] = ("nonperformance", "provider_initiative", "agreement")

#: The grounds of a contract (docs/providers.md, "Contracts"): ``procurement`` (the placement of a
#: procurement, whose id the contract names); ``before_system`` (signed before the system, its
#: ground not recorded); the others are grounds of ҚР ДСМ-242/2020 п.19 for placing volumes without
#: selection (an open list: a new ground is a code here and its label in ``labels``).
CONTRACT_GROUNDS: Final[tuple[str, ...]] = (
    "procurement",
    "before_system",
    "p19_population_growth",
    "p19_population_structure",
    "p19_reserve",
    "p19_new_facility",
    "p19_other",
)
#: The resource that is a PHC provider's attachment capacity (the persons it can take), which the
#: attachment room's capacity limit reads.
PHC_CAPACITY: Final = "phc_capacity"
