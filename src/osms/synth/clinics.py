"""Clinics, doctors' districts and attachment applications of the synthetic country (docs/synth.md).

Written next to the country by ``osms synth`` (``--clinics``, the default) or from Python with
``write_clinics(out_dir, seed=..., as_of=...)`` on any directory holding ``persons.csv``,
``families.csv``, ``economic_status.csv``, ``employment.csv`` and ``payers.csv``:

* ``clinics.csv`` (``clinic_id,bin,name,region,capacity,service_area``): every region has at
  least two primary-care clinics, about one per ``ADDRESSES_PER_CLINIC`` address codes; the
  clinics' service areas partition the region's address codes (``;``-separated). Capacities
  fit the clinic's residents: some clinics are *full* (capacity = residents + 0.2%), so that
  choices into them are refused; the others have 8-35% room.
* ``districts.csv`` (``clinic_id,district_id,specialty,doctor,norm``): doctors' districts,
  therapists or general practitioners (``gp``) for adults, pediatricians for children. Norms
  (``NORMS``) are ours. In some clinics one district is *tight*: its norm equals the people
  the initial file puts on it, so that choosing that doctor offers another one.
* ``attach_initial.csv``: a ``first`` application for every living person at the clinic that
  serves their address and a district for their age, dated January-February of the campaign
  year (or the days after birth; at 18 for someone of age by ``as_of`` whom families.csv links
  to no parent); children under the rulebook's ``minor_age`` are applied for by a parent or
  guardian (``applicant_iin``), EAEU labour migrants carry ``contract_until``.
* ``attach_campaign.csv``: a year's changes, about ``CAMPAIGN_SHARE`` of the people: choices
  during the rulebook's campaign window (some into full clinics, some naming a full doctor, some
  in another region, some for children with their parent, some for minors without one), moves,
  job or study changes, releases, ends of military service, a reorganised clinic, and free
  choices outside the campaign, a third of them repeated within six months.

Both application files have the columns of ``osms attach campaign``
(``application_id,iin,clinic_id,reason,date,district_id,applicant_iin,contract_until``), rows
in date order. Deterministic: one ``random.Random`` seeded from the seed, separate from the
country's (whose files do not change), everything in file order.
"""

from __future__ import annotations

import csv
import json
import math
import time
from array import array
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from random import Random
from typing import Final

from osms.attachment.rulebook import AttachmentTopic
from osms.core.identity import make_bin
from osms.core.progress import Reporter, Silent
from osms.registry.rulebook import RegistryTopic
from osms.rulebooks.loader import RulebookError, load_rulebook
from osms.synth import data, names
from osms.synth.rules import add_years

__all__ = [
    "APPLICATION_COLUMNS",
    "CAMPAIGN_FILE",
    "CLINIC_COLUMNS",
    "COLUMNS",
    "DISTRICT_COLUMNS",
    "INITIAL_FILE",
    "NORMS",
    "ClinicsResult",
    "campaign_window",
    "write_clinics",
]

CLINIC_COLUMNS: Final = ("clinic_id", "bin", "name", "region", "capacity", "service_area")
DISTRICT_COLUMNS: Final = ("clinic_id", "district_id", "specialty", "doctor", "norm")
APPLICATION_COLUMNS: Final = (
    "application_id",
    "iin",
    "clinic_id",
    "reason",
    "date",
    "district_id",
    "applicant_iin",
    "contract_until",
)
INITIAL_FILE: Final = "attach_initial.csv"
CAMPAIGN_FILE: Final = "attach_campaign.csv"
COLUMNS: Final[dict[str, tuple[str, ...]]] = {
    "clinics.csv": CLINIC_COLUMNS,
    "districts.csv": DISTRICT_COLUMNS,
    INITIAL_FILE: APPLICATION_COLUMNS,
    CAMPAIGN_FILE: APPLICATION_COLUMNS,
}
RULEBOOK: Final = "kz-law"

# People per doctor's district. Ours, not from the sources (the source documents give no figures):
# plausible list sizes for a district therapist, a general practitioner and a pediatrician.
NORMS: Final[dict[str, int]] = {"therapist": 2200, "gp": 1700, "pediatrician": 900}
ADDRESSES_PER_CLINIC: Final = 8  # address codes (about 1,500 people each) per clinic
MIN_CLINICS_PER_REGION: Final = 2  # so that everyone has a choice within the region
MIN_ADULT_DISTRICTS: Final = 2  # so that a full doctor has a colleague to offer
GP_CLINIC_SHARE: Final = 0.35  # clinics whose adult districts are general practitioners
FULL_SHARE: Final = 0.15  # clinics at capacity after the initial file (at most a quarter of a region's, at least 1)
TIGHT_SHARE: Final = 0.3  # clinics with one district at its norm after the initial file
PRIVATE_SHARE: Final = 0.25  # clinics named as private (ТОО) rather than state (КГП на ПХВ)
CAMPAIGN_SHARE: Final = 0.07  # people with an event in the campaign file (children joining a parent add rows)
INITIAL_SPREAD_DAYS: Final = 50  # initial applications: 10 January + 0..49 days of the campaign year
CAMPAIGN_PERIOD_FROM: Final = (4, 1)  # the campaign file's events run from 1 April of the campaign year
# Events of the campaign file, as shares of its events (each event is one person; a parent's
# choice or move may bring their minor children along, with the parent as applicant).
EVENTS: Final[tuple[tuple[str, float], ...]] = (
    ("campaign_choice", 0.45),
    ("free_choice", 0.12),
    ("move", 0.15),
    ("job_or_study", 0.10),
    ("release", 0.02),
    ("military_service_end", 0.03),
    ("reorganisation", 0.03),
    ("minor_without_applicant", 0.03),
    ("same_clinic", 0.02),
    ("child_choice", 0.05),
)
PREFER_FULL: Final = 0.12  # choices that aim at a full clinic (the others go to clinics with room)
CHILDREN_JOIN_SHARE: Final = 0.6  # a choosing or moving parent brings their minor children
TWICE_SHARE: Final = 0.05  # campaign choices followed by a second one in the same campaign
REPEAT_SHARE: Final = 1 / 3  # free choices outside the campaign repeated within six months

# Oblast centres, for clinic names (the three cities are their own).
CITIES: Final[dict[str, str]] = {
    "KZ-AST": "Астана",
    "KZ-ALA": "Алматы",
    "KZ-SHY": "Шымкент",
    "KZ-ABA": "Семей",
    "KZ-AKM": "Кокшетау",
    "KZ-AKT": "Актобе",
    "KZ-ALM": "Конаев",
    "KZ-ATY": "Атырау",
    "KZ-ZAP": "Уральск",
    "KZ-ZHA": "Тараз",
    "KZ-ZHT": "Талдыкорган",
    "KZ-KAR": "Караганда",
    "KZ-KUS": "Костанай",
    "KZ-KZY": "Кызылорда",
    "KZ-MAN": "Актау",
    "KZ-PAV": "Павлодар",
    "KZ-SEV": "Петропавловск",
    "KZ-YUZ": "Туркестан",
    "KZ-ULY": "Жезказган",
    "KZ-VOS": "Усть-Каменогорск",
}
STATE_CLINIC_NAMES: Final = (
    "КГП на ПХВ «Городская поликлиника №{n}», г. {city}",
    "КГП на ПХВ «Поликлиника №{n}», г. {city}",
    "ГКП на ПХВ «Центр первичной медико-санитарной помощи №{n}», г. {city}",
)
PRIVATE_CLINIC_NAMES: Final = (
    "ТОО «Медицинский центр «{w}»», г. {city}",
    "ТОО «Семейная врачебная амбулатория «{w}»», г. {city}",
    "ТОО «Клиника «{w}»», г. {city}",
)
PRIVATE_WORDS: Final = (
    "Шипагер",
    "Денсаулық",
    "Мейірім",
    "Шапағат",
    "Жанұя",
    "Береке",
    "Ақниет",
    "Саулық",
    "Демеу",
    "Сенім",
    "Керуен",
    "Достар",
    "Авиценна",
    "Гиппократ",
    "Медикер",
    "Эскулап",
)
# Residency statuses the attachment rules do not attach (as the rulebook's attachment.not_attached_residency):
# they get a first application like everyone, refused, and do not count against capacities and norms.
NOT_ATTACHED_RESIDENCY: Final = ("foreigner_temporary", "asylum_seeker")
BLOCK: Final = 8192
_SPEC_LETTER: Final = {"therapist": "T", "gp": "G", "pediatrician": "P"}


@dataclass
class ClinicsResult:
    rows: dict[str, int]  # file name -> rows without the header
    campaign_year: int
    campaign_start: date
    campaign_end: date
    events: dict[str, int]  # campaign file: events by kind (a family's rows count once)
    full_clinics: int
    tight_districts: int
    initial_without_applicant: int  # minors of the initial file with no living parent or guardian
    seconds: float = 0.0

    def as_manifest(self) -> dict[str, object]:
        return {
            "files": {name: {"rows": rows, "columns": list(COLUMNS[name])} for name, rows in self.rows.items()},
            "campaign": {
                "year": self.campaign_year,
                "start": self.campaign_start.isoformat(),
                "end": self.campaign_end.isoformat(),
            },
            "events": dict(self.events),
            "full_clinics": self.full_clinics,
            "tight_districts": self.tight_districts,
            "initial_without_applicant": self.initial_without_applicant,
            "norms": dict(NORMS),
        }


@dataclass
class _District:
    district_id: str
    specialty: str
    doctor: str
    norm: int = 0
    assigned: int = 0
    tight: bool = False


@dataclass
class _Clinic:
    clinic_id: str
    region: int
    addresses: list[str]
    pressure: str = "roomy"  # "full", "tight" or "roomy"
    bin: str = ""
    name: str = ""
    capacity: int = 0
    adults: list[_District] = field(default_factory=list)
    children: list[_District] = field(default_factory=list)
    residents: int = 0


def campaign_window(as_of: date, rulebook: str = RULEBOOK) -> tuple[int, date, date]:
    """The latest campaign that started before ``as_of``: (year, first day, last day).

    From the rulebook's ``attachment.campaign``; outside the rulebook's years, the seeds'
    15 September - 15 November."""
    book = load_rulebook(rulebook)
    for year in (as_of.year, as_of.year - 1):
        try:
            campaign = book.topic(AttachmentTopic).campaign(year)
        except RulebookError:
            start, end = date(year, 9, 15), date(year, 11, 15)
        else:
            start, end = campaign.start, campaign.end
        if start < as_of:
            return year, start, end
    raise AssertionError("unreachable: a campaign of the year before always starts before as_of")


class _Clinics:
    def __init__(self, out_dir: Path, seed: int, as_of: date, rulebook: str, rep: Reporter) -> None:
        self.out = out_dir
        self.rng = Random(f"osms-synth-clinics:{seed}")
        self.as_of = as_of
        self.asof = as_of.toordinal()
        self.rep = rep
        self.year, self.cstart, self.cend = campaign_window(as_of, rulebook)
        try:
            self.minor_age = load_rulebook(rulebook).topic(RegistryTopic).minor_age(self.cstart)
        except RulebookError:
            self.minor_age = 18

    # ------------------------------------------------------------------ reading
    def read(self) -> None:
        region_index = {code: i for i, code in enumerate(data.REGION_CODES)}
        iins: list[str] = []
        birth = array("i")  # ordinals
        region = array("b")
        addr: list[str] = []
        residency: list[str] = []
        with (self.out / "persons.csv").open(encoding="utf-8", newline="") as fh:
            reader = csv.reader(fh)
            header = next(reader)
            col = {name: k for k, name in enumerate(header)}
            ci, cb, cr, ca, cres, cd = (
                col["iin"],
                col["birth_date"],
                col["region"],
                col["address_code"],
                col["residency"],
                col["death_date"],
            )
            codes: list[set[str]] = [set() for _ in data.REGIONS]
            shared: dict[str, str] = {}  # one string object per address code and residency
            for row in reader:
                code = shared.setdefault(row[ca], row[ca])
                codes[region_index[row[cr]]].add(code)  # the dead's codes too: areas cover every code
                if row[cd]:
                    continue  # the dead apply for nothing
                iins.append(row[ci])
                birth.append(date.fromisoformat(row[cb]).toordinal())
                region.append(region_index[row[cr]])
                addr.append(code)
                residency.append(shared.setdefault(row[cres], row[cres]))
        self.iins, self.birth, self.region, self.addr, self.residency = iins, birth, region, addr, residency
        self.codes = codes
        self.n = len(iins)
        self.index = {iin: p for p, iin in enumerate(iins)}
        self.adult_on = array("i", [add_years(b, self.minor_age) for b in birth])  # first day as an adult

        # Parents and guardians (living), in file order: mother first, then father, then guardian.
        self.keepers: dict[int, list[int]] = defaultdict(list)
        self.wards: dict[int, list[int]] = defaultdict(list)
        index = self.index
        with (self.out / "families.csv").open(encoding="utf-8", newline="") as fh:
            reader = csv.reader(fh)
            next(reader)
            for iin, relative, relation in reader:
                if relation == "spouse":
                    continue
                p = index.get(iin)
                q = index.get(relative)
                if p is None or q is None:
                    continue
                self.keepers[p].append(q)
                self.wards[q].append(p)

        self.status: dict[int, str] = {}
        with (self.out / "economic_status.csv").open(encoding="utf-8", newline="") as fh:
            reader = csv.reader(fh)
            next(reader)
            for iin, status in reader:
                if status in ("serviceman", "prisoner"):
                    p = index.get(iin)
                    if p is not None:
                        self.status[p] = status

        # EAEU labour migrants: their current contract's end, when the file knows it.
        eaeu = {iins[p] for p in range(self.n) if residency[p] == "eaeu_migrant"}
        self.contract_end: dict[str, int] = {}
        with (self.out / "employment.csv").open(encoding="utf-8", newline="") as fh:
            reader = csv.reader(fh)
            header = next(reader)
            col = {name: k for k, name in enumerate(header)}
            ci, ce = col["iin"], col["end"]
            for row in reader:
                if row[ci] in eaeu and row[ce]:
                    end = date.fromisoformat(row[ce]).toordinal()
                    if end >= self.asof:
                        self.contract_end[row[ci]] = max(end, self.contract_end.get(row[ci], 0))

        self.taken_bins: set[str] = set()
        with (self.out / "payers.csv").open(encoding="utf-8", newline="") as fh:
            reader = csv.reader(fh)
            next(reader)
            for row in reader:
                self.taken_bins.add(row[0])

    # ------------------------------------------------------------------ clinics
    def clinics(self) -> None:
        rng = self.rng
        random = rng.random
        codes = self.codes
        self.by_region: list[list[_Clinic]] = []
        self.clinic_of_addr: dict[str, _Clinic] = {}
        self.all: list[_Clinic] = []
        for r, reg in enumerate(data.REGIONS):
            present = sorted(codes[r])
            count = max(MIN_CLINICS_PER_REGION, round(len(present) / ADDRESSES_PER_CLINIC))
            clinics: list[_Clinic] = []
            for k in range(count):
                lo = len(present) * k // count
                hi = len(present) * (k + 1) // count
                if len(present) < count:  # fewer address codes than clinics: one each, the rest none
                    lo, hi = (k, k + 1) if k < len(present) else (0, 0)
                clinic = _Clinic(clinic_id=f"{reg.code}-C{k + 1:03d}", region=r, addresses=present[lo:hi])
                u = random()
                clinic.pressure = "full" if u < FULL_SHARE else "tight" if u < FULL_SHARE + TIGHT_SHARE else "roomy"
                clinics.append(clinic)
                for code in clinic.addresses:
                    self.clinic_of_addr[code] = clinic
            self.by_region.append(clinics)
            self.all.extend(clinics)
        self._names_and_bins()

    def _names_and_bins(self) -> None:
        rng = self.rng
        random = rng.random
        used_names: dict[str, int] = {}
        serial = 90000  # employers' serials start near 1: these do not meet them
        for clinic in self.all:
            reg = data.REGIONS[clinic.region]
            city = CITIES[reg.code]
            number = int(clinic.clinic_id.rsplit("-C", 1)[1])
            if random() < PRIVATE_SHARE:
                template = PRIVATE_CLINIC_NAMES[int(random() * len(PRIVATE_CLINIC_NAMES))]
                name = template.format(w=PRIVATE_WORDS[int(random() * len(PRIVATE_WORDS))], city=city)
            else:
                template = STATE_CLINIC_NAMES[int(random() * len(STATE_CLINIC_NAMES))]
                name = template.format(n=number, city=city)
            taken = used_names.get(name, 0)
            used_names[name] = taken + 1
            if taken:
                name = name.replace("»,", f" {taken + 1}»,", 1)
            clinic.name = name
            registered = date(1996, 1, 1) + timedelta(days=int(random() * 7300))
            while True:
                bin_ = make_bin(registered, 4, 0, serial)
                serial += 1
                if bin_ is not None and bin_ not in self.taken_bins:
                    break
            self.taken_bins.add(bin_)
            clinic.bin = bin_

    def _doctor(self) -> str:
        random = self.rng.random
        group = names.GROUPS[0] if random() < 0.7 else names.GROUPS[1]
        female = random() < 0.75  # most district doctors are women
        male_first = group.male[int(random() * len(group.male))]
        father = group.male[int(random() * len(group.male))]
        surname = group.surnames[int(random() * len(group.surnames))][1 if female else 0]
        first = group.female[int(random() * len(group.female))] if female else male_first[0]
        patronymic = father[2] if female else father[1]
        return f"{surname} {first} {patronymic}"

    # ---------------------------------------------------------------- initial file
    def initial(self) -> None:
        """Each living person's first application: date, clinic, district, applicant."""
        rng = self.rng
        random = rng.random
        n = self.n
        self.rep.phase("attach_initial.csv", n)
        base = date(self.year, 1, 10).toordinal()
        last = self.asof - 1
        self.first_on = array("i", bytes(4 * n))
        self.home: list[_Clinic] = [self.all[0]] * n
        self.district: list[str] = [""] * n
        self.minor_first = bytearray(n)
        self.accepted = bytearray(n)
        members: dict[str, tuple[list[int], list[int]]] = {c.clinic_id: ([], []) for c in self.all}
        for p in range(n):
            d = base + int(random() * INITIAL_SPREAD_DAYS)
            b = self.birth[p]
            if b + 1 > d:
                d = b + 1 + int(random() * 14)
            d = min(d, last)
            d = max(d, b)
            if d < self.adult_on[p] <= last and not self.keepers.get(p):
                # Of age by --as-of: families.csv links no parent to them, so they apply themselves at 18.
                d = min(self.adult_on[p] + int(random() * 14), last)
            self.first_on[p] = d
            clinic = self.clinic_of_addr[self.addr[p]]
            self.home[p] = clinic
            minor = d < self.adult_on[p]
            self.minor_first[p] = minor
            members[clinic.clinic_id][1 if minor else 0].append(p)
            # Who the attachment rules will accept: residents with a right to PHC, children with a keeper.
            self.accepted[p] = self.residency[p] not in NOT_ATTACHED_RESIDENCY and (
                not minor or bool(self._applicant(p, d))
            )
        for clinic in self.all:
            adults, children = members[clinic.clinic_id]
            clinic.residents = sum(self.accepted[p] for p in adults) + sum(self.accepted[p] for p in children)
            gp = random() < GP_CLINIC_SHARE
            spec = "gp" if gp else "therapist"
            n_ad = max(MIN_ADULT_DISTRICTS, math.ceil(len(adults) / NORMS[spec]))
            n_ch = max(1, math.ceil(len(children) / NORMS["pediatrician"]))
            clinic.adults = [
                _District(f"{clinic.clinic_id}-{_SPEC_LETTER[spec]}{k + 1:02d}", spec, self._doctor())
                for k in range(n_ad)
            ]
            clinic.children = [
                _District(f"{clinic.clinic_id}-P{k + 1:02d}", "pediatrician", self._doctor()) for k in range(n_ch)
            ]
            for people, districts in ((adults, clinic.adults), (children, clinic.children)):
                per = math.ceil(len(people) / len(districts)) if people else 0
                for k, p in enumerate(people):
                    dist = districts[k // per]
                    dist.assigned += self.accepted[p]
                    self.district[p] = dist.district_id
            for dist in clinic.adults + clinic.children:
                dist.norm = NORMS[dist.specialty]
            self.rep.advance(len(adults) + len(children))
        self._pressure()

    def _pressure(self) -> None:
        """Capacities and norms: full clinics, tight districts, room elsewhere."""
        random = self.rng.random
        with_people = [c for c in self.all if c.residents]
        for clinics in self.by_region:  # a region keeps most of its clinics open to newcomers
            full = [c for c in clinics if c.pressure == "full" and c.residents]
            for c in full[max(1, sum(1 for c in clinics if c.residents) // 4) :]:
                c.pressure = "roomy"
        if with_people and not any(c.pressure == "full" for c in with_people):
            with_people[0].pressure = "full"
        if len(with_people) > 1 and not any(c.pressure == "tight" and c.adults[0].assigned for c in with_people):
            candidates = [c for c in with_people[1:] if c.adults[0].assigned] or with_people[1:]
            candidates[0].pressure = "tight"
        for clinic in self.all:
            region_people = sum(c.residents for c in self.by_region[clinic.region])
            if not clinic.addresses:  # serves no address (a small country): a small clinic one can only choose
                clinic.capacity = max(5, round(region_people * (0.04 + 0.06 * random())))
                clinic.pressure = "roomy"
                part_time = clinic.adults[0]  # a part-time doctor with a short list: fills up with choices
                part_time.norm = max(2, clinic.capacity // 10)
                part_time.tight = True
                continue
            if clinic.pressure == "full":
                clinic.capacity = clinic.residents + int(clinic.residents * 0.002)
            else:
                clinic.capacity = math.ceil(clinic.residents * (1.08 + 0.27 * random())) + 2
            if clinic.pressure == "tight":
                busiest = max(clinic.adults, key=lambda d: d.assigned)
                if busiest.assigned:
                    busiest.norm = busiest.assigned
                    busiest.tight = True

    def write_clinics(self) -> dict[str, int]:
        rows: dict[str, int] = {}
        with (self.out / "clinics.csv").open("w", encoding="utf-8", newline="") as fh:
            w = csv.writer(fh, lineterminator="\n")
            w.writerow(CLINIC_COLUMNS)
            for c in self.all:
                w.writerow((c.clinic_id, c.bin, c.name, data.REGION_CODES[c.region], c.capacity, ";".join(c.addresses)))
        rows["clinics.csv"] = len(self.all)
        count = 0
        with (self.out / "districts.csv").open("w", encoding="utf-8", newline="") as fh:
            w = csv.writer(fh, lineterminator="\n")
            w.writerow(DISTRICT_COLUMNS)
            for c in self.all:
                for d in c.adults + c.children:
                    w.writerow((c.clinic_id, d.district_id, d.specialty, d.doctor, d.norm))
                    count += 1
        rows["districts.csv"] = count
        return rows

    def _applicant(self, p: int, on: int) -> str:
        """A living parent or guardian for a minor on day ``on`` (empty for an adult or an orphan)."""
        if on >= self.adult_on[p]:
            return ""
        for q in self.keepers.get(p, ()):
            if self.adult_on[q] <= on:
                return self.iins[q]
        return ""

    def _contract_until(self, p: int) -> str:
        if self.residency[p] != "eaeu_migrant":
            return ""
        end = self.contract_end.get(self.iins[p])
        if end is None:
            # No end in the file (open contract): a term of 6 months to 2 years from as_of,
            # stable for the person (not drawn from the shared stream).
            end = self.asof + 180 + int(self.iins[p][6:11]) % 540
        return date.fromordinal(end).isoformat()

    def write_initial(self) -> tuple[int, int]:
        order = sorted(range(self.n), key=self.first_on.__getitem__)
        orphans = 0
        iso: dict[int, str] = {}
        with (self.out / INITIAL_FILE).open("w", encoding="utf-8", newline="") as fh:
            w = csv.writer(fh, lineterminator="\n")
            w.writerow(APPLICATION_COLUMNS)
            rows: list[tuple[str, ...]] = []
            for k, p in enumerate(order):
                d = self.first_on[p]
                day = iso.get(d) or iso.setdefault(d, date.fromordinal(d).isoformat())
                applicant = self._applicant(p, d)
                if self.minor_first[p] and not applicant:
                    orphans += 1
                rows.append(
                    (
                        f"I{k + 1:07d}",
                        self.iins[p],
                        self.home[p].clinic_id,
                        "first",
                        day,
                        self.district[p],
                        applicant,
                        self._contract_until(p),
                    )
                )
                if len(rows) == BLOCK:
                    w.writerows(rows)
                    rows.clear()
            w.writerows(rows)
        return self.n, orphans

    # ---------------------------------------------------------------- campaign file
    def campaign(self) -> tuple[int, dict[str, int]]:
        rng = self.rng
        random = rng.random
        period_from = date(self.year, *CAMPAIGN_PERIOD_FROM).toordinal()
        last = self.asof - 1
        cs, ce = self.cstart.toordinal(), min(self.cend.toordinal(), last)
        outside = [(period_from, cs - 1), (ce + 1, last)] if ce < last else [(period_from, cs - 1)]
        eligible = [p for p in range(self.n) if self.first_on[p] < period_from]
        rng.shuffle(eligible)
        target = max(len(EVENTS), round(CAMPAIGN_SHARE * self.n))
        plan: list[str] = []
        for kind, share in EVENTS:
            plan.extend([kind] * max(1, round(target * share)))
        rng.shuffle(plan)
        used: set[int] = set()
        adults = [p for p in eligible if self.adult_on[p] <= period_from]
        minors = [p for p in eligible if self.adult_on[p] > last]
        pools = {"adult": adults, "minor": minors}
        cursor = {"adult": 0, "minor": 0}
        by_status = {
            "military_service_end": [p for p in adults if self.status.get(p) == "serviceman"],
            "release": [p for p in adults if self.status.get(p) == "prisoner"],
        }
        events: dict[str, int] = {kind: 0 for kind, _ in EVENTS}
        # day, iin, clinic, reason, district, applicant, contract_until
        rows: list[tuple[int, str, str, str, str, str, str]] = []

        def take(pool: str) -> int:
            if pool in by_status:  # a serviceman or prisoner if one is left, else any adult
                for q in by_status[pool]:
                    if q not in used:
                        used.add(q)
                        return q
                pool = "adult"
            lst = pools[pool]
            while cursor[pool] < len(lst):
                p = lst[cursor[pool]]
                cursor[pool] += 1
                if p in used:
                    continue
                used.add(p)
                return p
            return -1

        def day_in(lo: int, hi: int) -> int:
            return lo + int(random() * (hi - lo + 1)) if hi >= lo else lo

        def day_outside() -> int:
            spans = [(a, b) for a, b in outside if b >= a]
            lo, hi = spans[int(random() * len(spans))]
            return day_in(lo, hi)

        def other_clinic(p: int, same_region: bool, prefer_full: float = 0.0) -> _Clinic:
            home = self.home[p]
            if same_region:
                options = [c for c in self.by_region[home.region] if c is not home]
            else:
                options = [c for c in self.all if c.region != home.region]
            if not options:
                options = [c for c in self.all if c is not home] or [home]
            full = [c for c in options if c.pressure == "full"]
            if full and random() < prefer_full:
                return full[int(random() * len(full))]
            # Otherwise a clinic with room: people know which clinics are full and mostly avoid them.
            room = [c for c in options if c.pressure != "full"] or [
                c for c in self.all if c.pressure != "full" and c is not home
            ]
            return (room or options)[int(random() * len(room or options))]

        def district_for(p: int, clinic: _Clinic, on: int, name_one: float, prefer_tight: float) -> str:
            if random() >= name_one:
                return ""
            districts = clinic.children if on < self.adult_on[p] else clinic.adults
            if not districts:
                return ""
            tight = [d for d in districts if d.tight]
            if tight and random() < prefer_tight:
                return tight[0].district_id
            return districts[int(random() * len(districts))].district_id

        def add(
            p: int, on: int, clinic: _Clinic, reason: str, district: str = "", applicant: str | None = None
        ) -> None:
            who = self._applicant(p, on) if applicant is None else applicant
            rows.append((on, self.iins[p], clinic.clinic_id, reason, district, who, self._contract_until(p)))

        def with_children(p: int, on: int, clinic: _Clinic, reason: str) -> None:
            if random() >= CHILDREN_JOIN_SHARE:
                return
            for c in self.wards.get(p, ()):
                if c in used or on >= self.adult_on[c] or self.first_on[c] >= on:
                    continue
                used.add(c)
                add(c, on, clinic, reason, district_for(c, clinic, on, 0.5, 0.0), self.iins[p])

        reorganised = max(
            (c for c in self.all if c.residents and len(self.by_region[c.region]) > 1),
            key=lambda c: c.residents,
            default=None,
        )
        reorg_day = day_in(period_from, last - 30) if last - 30 > period_from else period_from
        reorg_people = [p for p in adults if self.home[p] is reorganised]
        reorg_cursor = 0
        for kind in plan:
            if kind in ("minor_without_applicant", "child_choice"):
                p = take("minor")
                if p < 0:
                    continue
                on = day_in(cs, ce)
                if kind == "minor_without_applicant":
                    clinic = other_clinic(p, True)
                    add(p, on, clinic, "choice", "", "")
                else:  # a minor whose parent changes their clinic by choice for them
                    clinic = other_clinic(p, True, prefer_full=PREFER_FULL)
                    add(p, on, clinic, "choice", district_for(p, clinic, on, 0.5, 0.3))
                events[kind] += 1
                continue
            if kind == "reorganisation":
                p = -1
                while reorg_cursor < len(reorg_people):
                    q = reorg_people[reorg_cursor]
                    reorg_cursor += 1
                    if q not in used:
                        used.add(q)
                        p = q
                        break
                if p < 0 or reorganised is None:
                    continue
                on = min(reorg_day + int(random() * 14), last)
                add(p, on, other_clinic(p, True), "reorganisation")
                events[kind] += 1
                continue
            p = take(kind if kind in by_status else "adult")
            if p < 0:
                continue
            events[kind] += 1
            if kind == "campaign_choice":
                on = day_in(cs, ce)
                clinic = other_clinic(p, random() >= 0.1, prefer_full=PREFER_FULL)
                add(p, on, clinic, "choice", district_for(p, clinic, on, 0.4, 0.5))
                with_children(p, on, clinic, "choice")
                if random() < TWICE_SHARE and on < ce:  # a second choice in the same campaign
                    again = [c for c in self.all if c is not clinic and c is not self.home[p]]
                    near = [c for c in again if c.region == clinic.region] or again
                    add(p, day_in(on + 1, ce), near[int(random() * len(near))], "choice")
            elif kind == "free_choice":
                if random() < REPEAT_SHARE and cs - 41 >= period_from:
                    # Two free choices before the campaign, 20 days to five months apart: over the limit.
                    on = day_in(period_from, cs - 41)
                    add(p, on, other_clinic(p, True), "choice")  # then back to the first clinic
                    add(p, day_in(on + 20, min(on + 150, cs - 1)), self.home[p], "choice")
                else:
                    add(p, day_outside(), other_clinic(p, True), "choice")
            elif kind == "move":
                on = day_in(period_from, last)
                clinic = other_clinic(p, random() < 0.3)
                add(p, on, clinic, "move", district_for(p, clinic, on, 0.3, 0.0))
                with_children(p, on, clinic, "move")
            elif kind == "job_or_study":
                on = day_in(period_from, last)
                add(p, on, other_clinic(p, random() < 0.5), "job_or_study")
            elif kind in ("release", "military_service_end"):
                on = day_in(period_from, last)
                add(p, on, other_clinic(p, True), kind)
            elif kind == "same_clinic":
                on = day_in(cs, ce)
                add(p, on, self.home[p], "choice")
        rows.sort(key=lambda r: r[0])  # stable: same-day rows keep their drawing order
        iso: dict[int, str] = {}
        with (self.out / CAMPAIGN_FILE).open("w", encoding="utf-8", newline="") as fh:
            w = csv.writer(fh, lineterminator="\n")
            w.writerow(APPLICATION_COLUMNS)
            for k, (on, iin, clinic_id, reason, district, applicant, contract) in enumerate(rows):
                day = iso.get(on) or iso.setdefault(on, date.fromordinal(on).isoformat())
                w.writerow((f"C{k + 1:07d}", iin, clinic_id, reason, day, district, applicant, contract))
        self.rep.advance(1)
        return len(rows), events


def write_clinics(
    out_dir: Path,
    *,
    seed: int,
    as_of: date,
    reporter: Reporter | None = None,
    rulebook: str = RULEBOOK,
) -> ClinicsResult:
    """Write clinics.csv, districts.csv, attach_initial.csv and attach_campaign.csv into ``out_dir``
    from the country there, and add a ``clinics`` entry to its manifest.json (if any)."""
    started = time.perf_counter()
    rep = reporter or Silent()
    rep.phase("clinics (read)", 1)
    gen = _Clinics(out_dir, seed, as_of, rulebook, rep)
    gen.read()
    rep.advance(1)
    gen.clinics()
    gen.initial()
    rows = gen.write_clinics()
    rows[INITIAL_FILE], orphans = gen.write_initial()
    rep.phase("attach_campaign.csv", 1)
    rows[CAMPAIGN_FILE], events = gen.campaign()
    result = ClinicsResult(
        rows=rows,
        campaign_year=gen.year,
        campaign_start=gen.cstart,
        campaign_end=gen.cend,
        events=events,
        full_clinics=sum(1 for c in gen.all if c.pressure == "full"),
        tight_districts=sum(1 for c in gen.all for d in c.adults + c.children if d.tight),
        initial_without_applicant=orphans,
        seconds=round(time.perf_counter() - started, 3),
    )
    manifest_path = out_dir / "manifest.json"
    if manifest_path.exists():
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        seconds = manifest.pop("seconds", None)
        manifest["clinics"] = result.as_manifest()
        if seconds is not None:  # keep "seconds" last: the generation's, plus the clinics'
            manifest["seconds"] = round(seconds + result.seconds, 3)
        manifest_path.write_text(json.dumps(manifest, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return result
