"""Figures the synthetic country is drawn from: regions, the age-sex pyramid, shares, wages.

These are *approximations* written as data, good enough for a synthetic population to look
like Kazakhstan; they are not statistics to cite. Each table says where it comes from.
"""

from __future__ import annotations

from datetime import date
from typing import NamedTuple


class Region(NamedTuple):
    code: str  # stable code used in persons.csv / payers.csv / address codes
    kato: str  # 2-digit KATO prefix, also the ISO 3166-2:KZ numeric code since 2020
    name_en: str
    name_ru: str
    name_kk: str
    population: int  # thousands, start of 2024 (approximation of Bureau of National Statistics figures)
    mean_wage: int  # tenge per month, 2024 (see the note on REGIONS)


# The 20 regions: 3 cities of republican significance + 17 oblasts (Abai, Jetisu and Ulytau
# exist since 2022-06-08). Codes are the former ISO 3166-2:KZ alpha codes where one exists;
# KZ-ABA, KZ-ZHT and KZ-ULY are ours for the three regions created in 2022.
# Population: approximation of the Bureau of National Statistics, 1 January 2024 (thousands).
# Mean wage: approximation of the BNS average monthly nominal wage by region, 2024 (tenge),
# raised about 7% so that the generated wages (after the minimum-wage floor and the mix of
# employers) average about the national ~400,000.
REGIONS: tuple[Region, ...] = (
    Region("KZ-AST", "71", "Astana", "Астана", "Астана", 1424, 600_000),
    Region("KZ-ALA", "75", "Almaty", "Алматы", "Алматы", 2229, 555_000),
    Region("KZ-SHY", "79", "Shymkent", "Шымкент", "Шымкент", 1223, 330_000),
    Region("KZ-ABA", "10", "Abai Region", "Абайская область", "Абай облысы", 604, 360_000),
    Region("KZ-AKM", "11", "Akmola Region", "Акмолинская область", "Ақмола облысы", 786, 350_000),
    Region("KZ-AKT", "15", "Aktobe Region", "Актюбинская область", "Ақтөбе облысы", 939, 395_000),
    Region("KZ-ALM", "19", "Almaty Region", "Алматинская область", "Алматы облысы", 1528, 340_000),
    Region("KZ-ATY", "23", "Atyrau Region", "Атырауская область", "Атырау облысы", 702, 740_000),
    Region(
        "KZ-ZAP",
        "27",
        "West Kazakhstan Region",
        "Западно-Казахстанская область",
        "Батыс Қазақстан облысы",
        690,
        405_000,
    ),
    Region("KZ-ZHA", "31", "Jambyl Region", "Жамбылская область", "Жамбыл облысы", 1214, 310_000),
    Region("KZ-ZHT", "33", "Jetisu Region", "Жетысуская область", "Жетісу облысы", 698, 310_000),
    Region("KZ-KAR", "35", "Karaganda Region", "Карагандинская область", "Қарағанды облысы", 1131, 425_000),
    Region("KZ-KUS", "39", "Kostanay Region", "Костанайская область", "Қостанай облысы", 832, 340_000),
    Region("KZ-KZY", "43", "Kyzylorda Region", "Кызылординская область", "Қызылорда облысы", 837, 350_000),
    Region("KZ-MAN", "47", "Mangystau Region", "Мангистауская область", "Маңғыстау облысы", 777, 630_000),
    Region("KZ-PAV", "55", "Pavlodar Region", "Павлодарская область", "Павлодар облысы", 752, 405_000),
    Region(
        "KZ-SEV",
        "59",
        "North Kazakhstan Region",
        "Северо-Казахстанская область",
        "Солтүстік Қазақстан облысы",
        532,
        320_000,
    ),
    Region("KZ-YUZ", "61", "Turkistan Region", "Туркестанская область", "Түркістан облысы", 2135, 300_000),
    Region("KZ-ULY", "62", "Ulytau Region", "Улытауская область", "Ұлытау облысы", 222, 480_000),
    Region(
        "KZ-VOS",
        "63",
        "East Kazakhstan Region",
        "Восточно-Казахстанская область",
        "Шығыс Қазақстан облысы",
        718,
        405_000,
    ),
)
REGION_CODES: tuple[str, ...] = tuple(r.code for r in REGIONS)

# About this many people share one address code (a district doctor's catchment is 1,500-2,000
# people), so that clinics' service areas can be lists of address codes.
PEOPLE_PER_ADDRESS = 1500

# Age-sex pyramid: (first age, last age, men, women) in thousands, 5-year bands, last band 85+.
# Source: approximation of the Bureau of National Statistics 2024 pyramid (about 20.2 million;
# under 18 about 32%; 65+ about 8.8%; women outnumber men from about age 35 on).
PYRAMID_2024: tuple[tuple[int, int, int, int], ...] = (
    (0, 4, 1000, 950),
    (5, 9, 1030, 980),
    (10, 14, 900, 860),
    (15, 19, 730, 700),
    (20, 24, 620, 600),
    (25, 29, 650, 640),
    (30, 34, 800, 800),
    (35, 39, 760, 770),
    (40, 44, 660, 680),
    (45, 49, 580, 610),
    (50, 54, 530, 570),
    (55, 59, 500, 560),
    (60, 64, 430, 520),
    (65, 69, 310, 420),
    (70, 74, 200, 310),
    (75, 79, 90, 170),
    (80, 84, 50, 110),
    (85, 104, 30, 90),
)
OLDEST_AGE = 104  # the 85+ band tapers (exponential, mean about 88) and stops here

# Residency status shares (of people; sampled per household). Approximation: citizens about
# 95%, kandas (ethnic Kazakh returnees, status for a limited time) about 2%.
RESIDENCY_SHARES: tuple[tuple[str, float], ...] = (
    ("citizen", 95.16),
    ("kandas", 2.0),
    ("foreigner_permit", 1.2),
    ("stateless_permit", 0.2),
    ("eaeu_migrant", 0.8),
    ("foreigner_temporary", 0.6),
    ("refugee", 0.02),
    ("asylum_seeker", 0.02),
)
RESIDENCIES: tuple[str, ...] = tuple(r for r, _ in RESIDENCY_SHARES)
# Labour migrants head a household only between these ages; otherwise the household is citizen.
MIGRANT_STATUSES = frozenset({"eaeu_migrant", "foreigner_temporary"})
# Residents who draw a Kazakh pension at pension age.
PENSION_RESIDENCIES = frozenset({"citizen", "kandas", "foreigner_permit", "stateless_permit"})

# Pension age used for the `pensioner` category (approximation: men 63; women 61, the level
# frozen until 2028 on the way from 58 to 63).
PENSION_AGE = {"M": 63, "F": 61}

# Minimum monthly wage by year (tenge), used as a floor for wages of past jobs.
MIN_WAGE: dict[int, int] = {
    2015: 21_364,
    2016: 22_859,
    2017: 24_459,
    2018: 28_284,
    2019: 42_500,
    2020: 42_500,
    2021: 42_500,
    2022: 60_000,
    2023: 70_000,
    2024: 85_000,
    2025: 85_000,
    2026: 85_000,
}
WAGE_GROWTH = 0.09  # nominal wage growth per year, to deflate the wages of past jobs

# Share of people who ever become disabled, by age at the reference date (about 4% overall).
DISABILITY_BY_AGE: tuple[tuple[int, float], ...] = ((0, 0.016), (18, 0.036), (40, 0.07), (60, 0.12))
# Share of people who died in the 3 years before the reference date, by age (about 1%).
DEATH_BY_AGE: tuple[tuple[int, float], ...] = (
    (0, 0.004),
    (1, 0.001),
    (15, 0.002),
    (40, 0.006),
    (60, 0.015),
    (70, 0.04),
    (80, 0.1),
)
# Share of women married, by age.
MARRIED_BY_AGE: tuple[tuple[int, float], ...] = (
    (18, 0.08),
    (20, 0.4),
    (25, 0.68),
    (30, 0.78),
    (60, 0.6),
    (70, 0.35),
)

# Economic status of working-age residents (18 to pension age, not a full-time student):
# relative weights. Approximation of labour-force figures (about 77% employed, of whom ~13%
# individual entrepreneurs; unemployment ~4.7%; ~110,000 servicemen; ~33,000 prisoners).
STATUS_WEIGHTS: dict[str, tuple[tuple[str, float], ...]] = {
    "M": (
        ("employee", 0.640),
        ("individual_entrepreneur", 0.110),
        ("contractor", 0.020),
        ("self_payer", 0.035),
        ("unemployed", 0.020),
        ("inactive", 0.120),
        ("serviceman", 0.020),
        ("law_enforcement", 0.012),
        ("special_state_body", 0.004),
        ("prisoner", 0.005),
        ("pretrial_detention", 0.0008),
        ("house_arrest", 0.0004),
    ),
    "F": (
        ("employee", 0.600),
        ("individual_entrepreneur", 0.100),
        ("contractor", 0.020),
        ("self_payer", 0.035),
        ("unemployed", 0.022),
        ("inactive", 0.215),
        ("serviceman", 0.003),
        ("law_enforcement", 0.005),
        ("special_state_body", 0.002),
        ("prisoner", 0.0006),
        ("pretrial_detention", 0.0001),
        ("house_arrest", 0.0001),
    ),
    # Labour migrants (EAEU, temporary foreigners): they come to work.
    "migrant": (("employee", 0.85), ("contractor", 0.05), ("inactive", 0.10)),
    # Refugees and asylum seekers.
    "protected": (("employee", 0.35), ("contractor", 0.05), ("unemployed", 0.1), ("inactive", 0.5)),
}
STUDENT_SHARE = 0.45  # share of a birth cohort that studies full time after school

# Fixed dates.
HOUSE_ARREST_FROM = date(2022, 3, 28)  # kz-law: non-working persons under house arrest
WELLBEING_FROM = date(2026, 1, 1)  # kz-law 2026: well-being categories D/E (local budgets)
WW2_BORN_BY = date(1928, 12, 31)  # WWII participants and veterans were born by 1928
OLDEST_REGISTRATION = date(1992, 1, 1)  # earliest BIN registration month we issue
