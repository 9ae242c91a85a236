"""The synthetic providers register and one procurement's files (docs/synth.md, "Providers and a
procurement").

From the country's files and clinics.csv, ``write_providers`` writes the six files of
``osms providers import`` (providers.csv, licences.csv, resources.csv, founders.csv,
fund-employees.csv, contract-history.csv), a procurement plan for the year after ``as_of``
(procurement_plan.csv) and its applications (procurement_applications.csv). The clinics keep their
ids and become the ``phc`` providers; every region also gets polyclinics, hospitals, an ambulance
station and (outside the three cities) a rural hospital. One provider fails each exclusion of stage 1
(``CASES``), one application is late, and a few providers are accredited or have three years'
experience. It draws from its own ``random.Random``, so the other files do not change.
"""

from __future__ import annotations

import csv
import json
import time
import zlib
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from random import Random
from typing import Final

from osms.core.identity import make_bin
from osms.providers.bank import make_iban
from osms.providers.rulebook import ProvidersTopic
from osms.rulebooks.loader import load_rulebook
from osms.synth import data
from osms.synth.clinics import CITIES, PRIVATE_WORDS, RULEBOOK

PROVIDER_COLUMNS: Final = (
    "provider_id",
    "bin",
    "name",
    "ownership",
    "region",
    "settlement",
    "kind",
    "status",
    "accredited_until",
    "own_is",
    "tax_arrears",
    "iban",
)
COLUMNS: Final[dict[str, tuple[str, ...]]] = {
    "providers.csv": PROVIDER_COLUMNS,
    "licences.csv": ("provider_id", "care_type", "licensed_from", "licensed_to", "experience_from"),
    "resources.csv": ("provider_id", "resource", "quantity"),
    "founders.csv": ("provider_id", "iin", "decision_rights"),
    "fund-employees.csv": ("iin", "valid_from", "valid_to"),
    "contract-history.csv": ("contract_id", "provider_id", "valid_from", "valid_to", "terminated_on", "termination"),
    "procurement_plan.csv": ("care_type", "region", "volume", "unit", "sum"),
    "procurement_applications.csv": (
        "application_id",
        "provider_id",
        "care_type",
        "region",
        "volume",
        "sum",
        "submitted",
    ),
}
#: The register files in the order they load (a licence needs its provider first).
REGISTER_FILES: Final = (
    "providers.csv",
    "licences.csv",
    "resources.csv",
    "founders.csv",
    "fund-employees.csv",
    "contract-history.csv",
)
PLAN_FILE: Final = "procurement_plan.csv"
APPLICATIONS_FILE: Final = "procurement_applications.csv"

#: The exclusions of stage 1 that one provider each fails (a reason code of ``osms procurement admit``).
CASES: Final = (
    "no_licence",
    "in_liquidation",
    "bankrupt",
    "activity_suspended",
    "tax_arrears",
    "founder_fund_employee",
    "founder_relative_of_fund_employee",
    "terminated_nonperformance_3y",
    "terminated_own_initiative_3y",
)
_STATUS: Final = {"in_liquidation": "liquidation", "bankrupt": "bankruptcy", "activity_suspended": "suspended"}
#: Care types each kind applies for (ours: a plausible mix, not a nomenclature).
CARE: Final[dict[str, tuple[str, ...]]] = {
    "phc": ("phc",),
    "polyclinic": ("consult_diag", "day_hospital", "dentistry_child"),
    "hospital": ("inpatient_planned", "inpatient_emergency", "day_hospital"),
    "ambulance": ("ambulance",),
    "rural": ("consult_diag", "inpatient_emergency"),
}
#: Per care type: the plan's unit, our tariff in tenge a unit, and units a year per 1,000 people.
TARIFFS: Final[dict[str, tuple[str, int, int]]] = {
    "phc": ("persons", 14_000, 0),
    "consult_diag": ("visits", 6_500, 800),
    "day_hospital": ("cases", 120_000, 15),
    "dentistry_child": ("visits", 9_000, 100),
    "inpatient_planned": ("cases", 420_000, 40),
    "inpatient_emergency": ("cases", 380_000, 50),
    "ambulance": ("calls", 18_000, 250),
}
PLAN_SHARE: Final = 0.85  # the plan buys this share of what the applicants offer
ACCREDITED_SHARE: Final = 0.3
EXPERIENCED_SHARE: Final = 0.6
STATE_SHARE: Final = {"polyclinic": 0.5, "hospital": 0.85, "ambulance": 1.0, "rural": 0.9}
WINDOW_DAYS: Final = 14  # applications are taken from as_of for this many days
VILLAGES: Final = ("Шамалган", "Каскелен", "Есик", "Сарыагаш", "Шортанды", "Аксу", "Жаркент", "Шиели", "Бейнеу")
_NAMES: Final = {
    "polyclinic": (
        "КГП на ПХВ «Консультативно-диагностический центр №{n}», г. {city}",
        "ТОО «Диагностический центр «{w}» №{n}», г. {city}",
    ),
    "hospital": ("КГП на ПХВ «Многопрофильная больница №{n}», г. {city}", "ТОО «Клиника «{w}» №{n}», г. {city}"),
    "ambulance": (
        "КГП на ПХВ «Станция скорой медицинской помощи №{n}», г. {city}",
        "ТОО «Скорая помощь «{w}» №{n}», г. {city}",
    ),
    "rural": ("КГП на ПХВ «Районная больница №{n}», с. {city}", "ТОО «Сельская больница «{w}» №{n}», с. {city}"),
}
_LETTER: Final = {"polyclinic": "P", "hospital": "H", "ambulance": "A", "rural": "R"}
_CITIES3: Final = ("KZ-AST", "KZ-ALA", "KZ-SHY")


def synthetic_iban(provider_id: str, bin_: str) -> str:
    """A made-up Kazakh IBAN of a provider, valid mod 97 (``providers.bank``): a bank code of 3
    digits from the id's CRC-32 (100..999) and the account ``<BIN>1``, so that it depends on
    nothing drawn and the other files do not change."""
    return make_iban(f"{100 + zlib.crc32(provider_id.encode()) % 900:03d}", f"{bin_}1")


def _years(day: date, years: int) -> date:
    """The same day ``years`` later (earlier when negative); 29 February goes to 28 February."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


@dataclass
class _Provider:
    provider_id: str
    bin: str
    name: str
    ownership: str
    region: str
    settlement: str
    kind: str
    capacity: int = 0  # phc: the clinic's
    case: str | None = None
    status: str = "active"
    accredited_until: date | None = None
    tax_arrears: int = 0
    own_is: bool = False
    founders: list[tuple[str, bool]] = field(default_factory=list)


@dataclass
class ProvidersResult:
    rows: dict[str, int]
    procurement: dict[str, object]
    cases: dict[str, str]  # exclusion code -> provider_id
    seconds: float = 0.0

    def as_manifest(self) -> dict[str, object]:
        return {
            "files": {name: {"rows": rows, "columns": list(COLUMNS[name])} for name, rows in self.rows.items()},
            "procurement": self.procurement,
            "cases": self.cases,
        }


def _read(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


class _Gen:
    def __init__(self, out: Path, seed: int, as_of: date) -> None:
        self.out, self.as_of = out, as_of
        self.rng = Random(f"osms-synth-providers-{seed}")
        self.opens = as_of
        self.closes = as_of + timedelta(days=WINDOW_DAYS)
        self.admit_on = self.closes + timedelta(days=1)
        self.year = as_of.year + 1
        self.providers: list[_Provider] = []
        self.cases: dict[str, str] = {}

    def read(self) -> None:
        persons = _read(self.out / "persons.csv")
        cutoff = _years(self.as_of, -25)
        young = _years(self.as_of, -65)
        self.people_by_region: dict[str, int] = defaultdict(int)
        self.adults: list[str] = []
        for p in persons:
            self.people_by_region[p["region"]] += 1
            if not p["death_date"] and young < date.fromisoformat(p["birth_date"]) <= cutoff:
                self.adults.append(p["iin"])
        adult = set(self.adults)
        self.parents: dict[str, list[str]] = defaultdict(list)
        self.children: dict[str, list[str]] = defaultdict(list)
        self.spouse: dict[str, str] = {}
        for link in _read(self.out / "families.csv"):
            if link["relation"] == "parent":
                self.parents[link["iin"]].append(link["relative_iin"])
                self.children[link["relative_iin"]].append(link["iin"])
            elif link["relation"] == "spouse":
                self.spouse[link["iin"]] = link["relative_iin"]
        self.couples = sorted((a, b) for a, b in self.spouse.items() if a < b and a in adult and b in adult)
        self.clinics = _read(self.out / "clinics.csv")
        self.taken_bins = {c["bin"] for c in self.clinics} | {p["payer_id"] for p in _read(self.out / "payers.csv")}

    def relatives(self, iin: str) -> set[str]:
        """Close relatives and the spouse, as admission reads them from the family links."""
        found = set(self.parents.get(iin, ())) | set(self.children.get(iin, ()))
        for parent in self.parents.get(iin, ()):
            found.update(self.children.get(parent, ()))
        if iin in self.spouse:
            found.add(self.spouse[iin])
        found.discard(iin)
        return found

    def _bin(self, serial: int) -> tuple[str, int]:
        registered = date(1993, 1, 1) + timedelta(days=int(self.rng.random() * 9000))
        while True:
            bin_ = make_bin(registered, 4, 0, serial)
            serial += 1
            if bin_ is not None and bin_ not in self.taken_bins:
                self.taken_bins.add(bin_)
                return bin_, serial

    def build(self) -> None:
        rng = self.rng
        for c in self.clinics:
            city = CITIES[c["region"]]
            private = c["name"].startswith("ТОО")
            self.providers.append(
                _Provider(
                    c["clinic_id"], c["bin"], c["name"], "private" if private else "state", c["region"], city, "phc",
                    capacity=int(c["capacity"]),
                )
            )  # fmt: skip
        serial = 95000  # clinics' serials start at 90000, employers' near 1
        for reg in data.REGIONS:
            people = self.people_by_region.get(reg.code, 0)
            counts = {
                "polyclinic": 1 + people // 40_000,
                "hospital": 1 + people // 60_000,
                "ambulance": 1,
                "rural": 0 if reg.code in _CITIES3 else 1,
            }
            for kind, count in counts.items():
                for n in range(1, count + 1):
                    state = rng.random() < STATE_SHARE[kind]
                    city = VILLAGES[int(rng.random() * len(VILLAGES))] if kind == "rural" else CITIES[reg.code]
                    word = PRIVATE_WORDS[int(rng.random() * len(PRIVATE_WORDS))]
                    name = _NAMES[kind][0 if state else 1].format(n=n, city=city, w=word)
                    bin_, serial = self._bin(serial)
                    pid = f"{reg.code}-{_LETTER[kind]}{n:02d}"
                    settlement = f"с. {city}" if kind == "rural" else city
                    ownership = "state" if state else "private"
                    self.providers.append(_Provider(pid, bin_, name, ownership, reg.code, settlement, kind))
        others = [p for p in self.providers if p.kind != "phc"]
        rng.shuffle(others)
        for code, provider in zip(CASES, others, strict=False):
            provider.case = code
            self.cases[code] = provider.provider_id
        for p in self.providers:
            if p.case is None and rng.random() < ACCREDITED_SHARE:
                p.accredited_until = self.as_of + timedelta(days=100 + int(rng.random() * 900))
            p.own_is = rng.random() < 0.4
            p.tax_arrears = int(rng.random() * 20_000) if rng.random() < 0.3 else 0
            if p.case in _STATUS:
                p.status = _STATUS[p.case]
            elif p.case == "tax_arrears":
                p.tax_arrears = 150_000 + int(rng.random() * 750_000)
            elif p.case in ("founder_fund_employee", "founder_relative_of_fund_employee"):
                p.ownership = "private"
        # A sure preferred provider: the first ordinary one is accredited (experience: ``licences``).
        self.preferred = next((p for p in others if p.case is None), None)
        if self.preferred is not None:
            self.preferred.accredited_until = self.as_of + timedelta(days=730)

    def staff_and_founders(self) -> list[tuple[str, date, date | None]]:
        """Fund employees; founders of private providers, never a fund employee or their relative
        except in the two founder cases."""
        rng = self.rng
        employees: list[str] = []
        relative_founder = None
        if self.couples and "founder_relative_of_fund_employee" in self.cases:
            employee, relative_founder = self.couples[int(rng.random() * len(self.couples))]
            employees.append(employee)
        tainted = set(employees) | {relative_founder or ""}
        for e in employees:
            tainted |= self.relatives(e)
        wanted = max(8, len(self.adults) // 2000)
        pool = self.adults
        for _ in range(wanted * 20):
            if len(employees) >= wanted or not pool:
                break
            iin = pool[int(rng.random() * len(pool))]
            if iin in tainted:
                continue
            employees.append(iin)
            tainted |= {iin} | self.relatives(iin)
        founders_pool = [i for i in self.adults if i not in tainted]
        used: set[str] = set()
        for p in self.providers:
            if p.case == "founder_fund_employee" and len(employees) > 1:
                p.founders = [(employees[-1], True)]
            elif p.case == "founder_relative_of_fund_employee" and relative_founder:
                p.founders = [(relative_founder, True)]
            elif p.ownership == "private" and founders_pool:
                for k in range(1 + int(rng.random() * 3)):
                    iin = founders_pool[int(rng.random() * len(founders_pool))]
                    if iin not in used:
                        used.add(iin)
                        p.founders.append((iin, k == 0 or rng.random() < 0.5))
        rows: list[tuple[str, date, date | None]] = []
        for k, iin in enumerate(employees):
            start = self.as_of - timedelta(days=200 + int(rng.random() * 3000))
            rows.append((iin, start, None))
            if k % 3 == 2:  # an earlier spell with the fund, ended
                rows.append((iin, start - timedelta(days=2000), start - timedelta(days=400)))
        return sorted(rows)

    def licences(self) -> list[tuple[str, str, date, date | None, date]]:
        rng = self.rng
        month = self.opens.replace(day=1)
        rows = []
        for p in self.providers:
            for care in CARE[p.kind]:
                since = date(2005, 1, 1) + timedelta(days=int(rng.random() * 5800))  # up to 2020
                until = None
                if p.case == "no_licence":
                    until = self.as_of - timedelta(days=30 + int(rng.random() * 300))
                experienced = p is self.preferred or rng.random() < EXPERIENCED_SHARE
                experience = since if experienced else _years(month, -1) - timedelta(days=int(rng.random() * 600))
                rows.append((p.provider_id, care, since, until, max(experience, since)))
        return rows

    def history(self) -> list[tuple[str, str, date, date, date | None, str | None]]:
        rng = self.rng
        y = self.as_of.year
        rows: list[tuple[str, str, date, date, date | None, str | None]] = []
        for p in self.providers:
            years = [y - 1] + ([y - 2] if rng.random() < 0.5 else [])
            if p.case is None and rng.random() < 0.03:
                years.append(y - 5)  # terminated for non-performance, but more than 3 years ago
            for year in sorted(years):
                ended: tuple[date | None, str | None] = (None, None)
                if p.case == "terminated_nonperformance_3y" and year == y - 1:
                    ended = (date(year, 6 + int(rng.random() * 4), 1 + int(rng.random() * 28)), "nonperformance")
                elif p.case == "terminated_own_initiative_3y" and year == y - 1:
                    ended = (date(year, 3 + int(rng.random() * 6), 1 + int(rng.random() * 28)), "provider_initiative")
                elif year == y - 5:
                    ended = (date(year, 9, 30), "nonperformance")
                elif rng.random() < 0.05:
                    ended = (date(year, 10, 31), "agreement")
                rows.append((f"D-{year}-{p.provider_id}", p.provider_id, date(year, 1, 1), date(year, 12, 31), *ended))
        return rows

    def resources(self) -> list[tuple[str, str, int]]:
        rng = self.rng
        rows = []
        for p in self.providers:
            if p.kind == "phc":
                rows.append((p.provider_id, "phc_capacity", p.capacity))
                rows.append((p.provider_id, "staff:gp", max(1, -(-p.capacity // 1700))))
                rows.append((p.provider_id, "staff:nurse", max(2, -(-p.capacity // 800))))
                continue
            people = self.people_by_region.get(p.region, 0)
            scale = max(1, people // 1000)
            if p.kind in ("hospital", "rural"):
                for profile in ("therapy", "surgery", "cardiology", "pediatrics"):
                    rows.append((p.provider_id, f"beds:{profile}", 5 + int(rng.random() * 3 * scale)))
            if p.kind == "ambulance":
                rows.append((p.provider_id, "staff:paramedic", 4 + int(rng.random() * scale)))
            rows.append((p.provider_id, "staff:doctor", 3 + int(rng.random() * 2 * scale)))
            rows.append((p.provider_id, "staff:nurse", 6 + int(rng.random() * 4 * scale)))
        return rows

    def applications(self) -> list[tuple[str, str, str, str, int, int, date]]:
        rng = self.rng
        share: dict[tuple[str, str], int] = defaultdict(int)
        for p in self.providers:
            for care in CARE[p.kind]:
                share[(care, p.region)] += 1
        rows = []
        span = (self.closes - self.opens).days + 1
        # A PHC clinic applies only with the rulebook's minimum population (kz-law: two GP districts).
        minimum = load_rulebook(RULEBOOK).topic(ProvidersTopic).phc_minimum(self.opens)
        least = minimum.population if minimum is not None else 0
        for p in self.providers:
            if p.kind == "phc" and p.capacity < least:
                continue
            for care in CARE[p.kind]:
                unit, tariff, per_1000 = TARIFFS[care]
                if care == "phc":
                    volume = p.capacity
                else:
                    region = self.people_by_region.get(p.region, 0) * per_1000 / 1000 / share[(care, p.region)]
                    volume = max(1, round(region * (0.8 + 0.5 * rng.random())))
                submitted = self.opens + timedelta(days=int(rng.random() * span))
                rows.append((p.provider_id, care, p.region, volume, volume * tariff, submitted))
        # One ordinary provider (neither a case nor the sure preferred one) sends its last application late.
        late_by = next(
            (p.provider_id for p in self.providers if p.kind != "phc" and p.case is None and p is not self.preferred),
            None,
        )
        late = max((k for k, r in enumerate(rows) if r[0] == late_by), default=None)
        if late is not None:
            rows[late] = (*rows[late][:5], self.closes + timedelta(days=2))
        return [(f"A{k + 1:06d}", *row) for k, row in enumerate(rows)]

    def plan(self, apps: list[tuple[str, str, str, str, int, int, date]]) -> list[tuple[str, str, int, str, int]]:
        offered: dict[tuple[str, str], int] = defaultdict(int)
        for _, _, care, region, volume, _, _ in apps:
            offered[(care, region)] += volume
        order = {c: i for i, c in enumerate(TARIFFS)}
        rows = []
        for (care, region), volume in sorted(offered.items(), key=lambda kv: (order[kv[0][0]], kv[0][1])):
            unit, tariff, _ = TARIFFS[care]
            planned = max(1, int(volume * PLAN_SHARE))
            rows.append((care, region, planned, unit, planned * tariff))
        return rows


def _write(path: Path, columns: tuple[str, ...], rows: list[tuple[object, ...]]) -> int:
    def cell(v: object) -> object:
        if v is None:
            return ""
        if isinstance(v, bool):
            return "true" if v else "false"
        if isinstance(v, date):
            return v.isoformat()
        return v

    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(columns)
        for row in rows:
            w.writerow([cell(v) for v in row])
    return len(rows)


def write_providers(out_dir: Path, *, seed: int, as_of: date) -> ProvidersResult:
    """Write the register files, the plan and the applications into ``out_dir`` (which holds the
    country's files and clinics.csv) and add a ``providers`` entry to its manifest.json (if any)."""
    started = time.perf_counter()
    gen = _Gen(out_dir, seed, as_of)
    gen.read()
    gen.build()
    employees = gen.staff_and_founders()
    licences = gen.licences()
    history = gen.history()
    resources = gen.resources()
    apps = gen.applications()
    plan = gen.plan(apps)
    providers = [
        (
            p.provider_id, p.bin, p.name, p.ownership, p.region, p.settlement, p.kind, p.status,
            p.accredited_until, p.own_is, f"{p.tax_arrears}.00", synthetic_iban(p.provider_id, p.bin),
        )
        for p in gen.providers
    ]  # fmt: skip
    founders = [(p.provider_id, iin, rights) for p in gen.providers for iin, rights in p.founders]
    tables: dict[str, list[tuple[object, ...]]] = {
        "providers.csv": list(providers),
        "licences.csv": list(licences),
        "resources.csv": list(resources),
        "founders.csv": list(founders),
        "fund-employees.csv": list(employees),
        "contract-history.csv": list(history),
        PLAN_FILE: [(*r[:4], f"{r[4]}.00") for r in plan],
        APPLICATIONS_FILE: [(*r[:5], f"{r[5]}.00", r[6]) for r in apps],
    }
    rows = {name: _write(out_dir / name, COLUMNS[name], table) for name, table in tables.items()}
    result = ProvidersResult(
        rows=rows,
        procurement={
            "announcement_id": f"GP-{gen.year}",
            "year": gen.year,
            "opens": gen.opens.isoformat(),
            "closes": gen.closes.isoformat(),
            "admit_on": gen.admit_on.isoformat(),
        },
        cases=dict(gen.cases),
        seconds=round(time.perf_counter() - started, 3),
    )
    manifest_path = out_dir / "manifest.json"
    if manifest_path.exists():
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        seconds = manifest.pop("seconds", None)
        manifest["providers"] = result.as_manifest()
        if seconds is not None:
            manifest["seconds"] = round(seconds + result.seconds, 3)
        manifest_path.write_text(json.dumps(manifest, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return result
