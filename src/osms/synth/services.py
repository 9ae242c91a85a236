"""Daily service reports of the synthetic country (docs/synth.md, "Service reports"; docs/claims.md,
"Synthetic service reports").

From the country's files (persons.csv, categories.csv, clinics.csv, districts.csv,
attach_initial.csv, attach_campaign.csv, providers.csv and the manifest's procurement cases),
``write_services`` writes into ``services/``:

* ``contracts.csv``: the contracts in force in the service months, one row per care type (the
  columns of ``osms contracts import``, ground ``before_system``): every provider of the register
  that is not one of the procurement's exclusion cases, for the care types its kind gives;
* ``services-YYYY-MM-DD.csv``: one file a day for the ``months`` full months before ``as_of``,
  in the service-report columns (``COLUMNS``): PHC visits by attached people at their clinic,
  outpatient (consultative-diagnostic) services, day-hospital and round-the-clock cases with
  clinical cost groups, admission-department observations and ambulance calls, each with a
  WHO ICD-10 diagnosis and a doctor's IIN from a pool per provider. Service codes and groups come
  from the claims rulebook's catalogues (``ClaimsTopic``) and respect their sex and age limits;
  planned care goes to people a state-paid category insures on the day, with a referral; a case
  ends ``died`` on the day a person of the country dies in hospital;
* ``truth.csv``: every planted fault (``provider_id,record_id,fault,finding,iin,code,date_from``),
  so that the demo can compare what the checks find with what was planted, and count the phantom
  visits no check can see.

A clean record references only persons, providers and care types that exist and are contracted,
and is meant to pass every check. The faults (``FAULTS``) are planted at the rates of the named
constants below, each with its source; a month has at least ``MIN_FAULTS_PER_MONTH`` of each kind
(when the country has someone to plant it on), so that a demo-sized country shows every kind.

Deterministic: one ``random.Random`` seeded from the seed (independent of the other files' streams,
which do not change), everything in a fixed order.
"""

from __future__ import annotations

import csv
import json
import math
import time
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from random import Random
from typing import Final

from osms.benefits.rulebook import BenefitsTopic
from osms.claims.rulebook import Catalogued, ClaimsTopic
from osms.core.identity import make_iin
from osms.core.progress import Reporter, Silent
from osms.registry.rulebook import RegistryTopic
from osms.rulebooks.loader import Rulebook, RulebookError, load_rulebook
from osms.synth.providers import CARE, TARIFFS

__all__ = [
    "COLUMNS",
    "CONTRACTS_FILE",
    "FAULTS",
    "SERVICES_DIR",
    "TRUTH_COLUMNS",
    "TRUTH_FILE",
    "ServicesResult",
    "service_days",
    "write_services",
]

RULEBOOK: Final = "kz-law"
SERVICES_DIR: Final = "services"
CONTRACTS_FILE: Final = "contracts.csv"
TRUTH_FILE: Final = "truth.csv"
#: The service-report file's columns (the issue's order; the intake takes any order), with the
#: optional flags of an outpatient service (PAY п.66-68) after them.
COLUMNS: Final = (
    "record_id",
    "provider_id",
    "iin",
    "care_form",
    "care_type",
    "service_code",
    "case_group",
    "icd10",
    "procedures",
    "date_from",
    "date_to",
    "outcome",
    "referral",
    "emergency",
    "quantity",
    "doctor_iin",
    "at_home",
    "remote",
    "preventive_child",
)
CONTRACT_COLUMNS: Final = (
    "contract_id",
    "provider_id",
    "care_type",
    "valid_from",
    "valid_to",
    "volume",
    "sum",
    "ground",
)
TRUTH_COLUMNS: Final = ("provider_id", "record_id", "fault", "finding", "iin", "code", "date_from")
SERVICE_MONTHS: Final = 3  # the default: the last three full months before as_of

# --------------------------------------------------------------------------------------------
# Volumes (ours: plausible orders of magnitude for a country of Kazakhstan's kind, not taken from a
# published statistic; a day's count is drawn around its expectation).

PHC_VISITS_A_YEAR: Final = 3.5  # PHC records (visits, vaccinations, tests) per attached person a year
OUTPATIENT_A_YEAR: Final = 1.2  # consultative-diagnostic services per insured person a year
DAY_HOSPITAL_A_YEAR: Final = 0.02  # day-hospital cases per insured person a year
PLANNED_A_YEAR: Final = 0.03  # planned round-the-clock cases per insured person a year
EMERGENCY_A_YEAR: Final = 0.08  # emergency round-the-clock cases per person a year
ADMISSION_A_YEAR: Final = 0.02  # admission-department observations (up to 24 hours) per person a year
AMBULANCE_A_YEAR: Final = 0.3  # ambulance calls per person a year
HOSPITAL_DEATH_SHARE: Final = 0.45  # of the country's deaths in the service months, in hospital (ours)
#: How outpatient consultations (codes ``CONSULTATION``*) were given (ours: plausible shares, not a
#: published statistic), drawn from a stream of their own so that the rest of the files does not
#: change: at home (PAY п.67) 4%, remotely (п.68) 8% (never both), and half of a child's
#: (under 18) consultations inside a preventive examination (п.66); each month at least
#: ``MIN_FLAGS_PER_MONTH`` of each (when it has such consultations), so that a demo-sized country
#: shows every kind. The flags are written only on outpatient consultations; the other rows leave
#: the columns empty (false).
CONSULTATION: Final = "SYN.CONS."
AT_HOME_SHARE: Final = 0.04
REMOTE_SHARE: Final = 0.08
PREVENTIVE_CHILD_SHARE: Final = 0.5
CHILD_UNDER: Final = 18
MIN_FLAGS_PER_MONTH: Final = 2
_FLAG_AT: Final = {"at_home": 16, "remote": 17, "preventive_child": 18}  # positions in a row
#: Weekday weights (Monday..Sunday) of PHC and outpatient work: Saturday half a day, Sunday closed.
CLINIC_WEEK: Final = (1.0, 1.0, 1.0, 1.0, 1.0, 0.5, 0.0)
#: Doctors per provider kind (a PHC clinic has one per doctor's district, districts.csv).
DOCTORS: Final = {"polyclinic": 12, "hospital": 15, "rural": 6, "ambulance": 10}

# --------------------------------------------------------------------------------------------
# Faults, their rates and sources. A rate is per record of the base named in FAULTS.

#: Services billed after the person's death. The 2025-26 audit found 3,640 services billed for 996
#: deceased persons (3.65 services each). The audit's denominator is not published: we read it
#: against one year of the fund's PHC and outpatient records, about 20.3 million people x 6
#: records = 121.8 million, so 3,640 / 121,800,000 = 3.0e-5 per record (our derivation).
AFTER_DEATH_RATE: Final = 3_640 / 121_800_000
SERVICES_PER_DECEASED: Final = 3_640 / 996
#: Screenings of the wrong sex. The audit found 769,446 screenings not matching the patient's sex.
#: Against an assumed 16 million sex-restricted screenings over the audited years (4 years x 4
#: million, our assumption, not a published figure): 769,446 / 16,000,000 = 4.8% of such screenings.
WRONG_SEX_RATE: Final = 769_446 / 16_000_000
#: The same service, person, provider and day billed twice (a second record id). Ours: no figure
#: published; 0.5% of PHC and outpatient records.
DUPLICATE_RATE: Final = 0.005
#: A PHC visit billed by a clinic the person is not attached to. Ours: 0.5% of PHC records.
UNATTACHED_RATE: Final = 0.005
#: Planned (OSMS package) outpatient care billed for a person the package cannot cover (a resident
#: without the package's residency). Ours: 0.5% of outpatient records.
UNINSURED_RATE: Final = 0.005
#: A record for a visit the person never received (a "phantom" visit, reported by patients in the
#: fund's app). No check can see it; only the person's "I did not receive this" does. Ours: 1% of
#: PHC and outpatient records.
PHANTOM_RATE: Final = 0.01
#: One doctor "seeing" hundreds of patients in a day (the audit's worst: 1,442). Ours: one such
#: doctor-day a month, with 2.5 to 6.5 times the rulebook's plausible maximum of services.
OVERLOADED_DOCTOR_DAYS: Final = 1
OVERLOAD_TIMES: Final = (2.5, 6.5)
AUDIT_OVERLOAD: Final = 1_442
#: Each fault kind at least this many times a month (when the country has someone to plant it on).
MIN_FAULTS_PER_MONTH: Final = 2

#: fault -> (the finding the checks make of it, or "" for none; the base its rate is of).
FAULTS: Final[dict[str, tuple[str, str]]] = {
    "after_death": ("dead_before_service", "all records"),
    "duplicate": ("duplicate", "PHC and outpatient records"),
    "wrong_sex": ("sex_mismatch", "sex-restricted screenings"),
    "overload": ("doctor_overload", "doctor-days a month"),
    "unattached": ("not_attached", "PHC records"),
    "uninsured": ("not_covered", "outpatient records"),
    "phantom": ("", "PHC and outpatient records"),
}

# --------------------------------------------------------------------------------------------
# What is billed: service codes and groups of the claims catalogues with weights, diagnoses and
# procedures (ICD-9). A code missing from the rulebook in force is left out.

PHC_MIX: Final = (
    ("A01.001.000", 30),
    ("A01.002.000", 30),
    ("A01.003.000", 30),
    ("A01.005.000", 2),
    ("SYN.PHC.PATRONAGE", 3),
    ("SYN.PHC.VACCINE", 10),
    ("SYN.SCR.CERVIX", 4),
    ("SYN.DIAG.ECG", 6),
    ("SYN.LAB.BLOOD", 12),
)
OUTPATIENT_MIX: Final = (
    ("SYN.CONS.CARDIO", 12),
    ("SYN.CONS.NEURO", 10),
    ("SYN.CONS.GYN", 10),
    ("SYN.CONS.URO", 5),
    ("SYN.CONS.OPHT", 10),
    ("SYN.DIAG.US", 15),
    ("SYN.DIAG.MRI", 4),
    ("SYN.DIAG.ECG", 8),
    ("SYN.LAB.BLOOD", 12),
    ("SYN.SCR.BREAST", 6),
    ("SYN.SCR.PROSTATE", 4),
    ("SYN.SCR.COLON", 4),
)
DAY_HOSPITAL_MIX: Final = (("SYN.OP01", 40), ("SYN.ON01", 30), ("SYN.PU01", 20), ("SYN.PU02", 10))
PLANNED_MIX: Final = (("SYN.SU02", 30), ("SYN.OR01", 20), ("SYN.GY01", 25), ("SYN.UR01", 25))
EMERGENCY_MIX: Final = (
    ("SYN.SU01", 20),
    ("SYN.CA01", 15),
    ("SYN.NE01", 15),
    ("SYN.PU01", 20),
    ("SYN.PU02", 15),
    ("SYN.OB01", 20),
    ("SYN.OB02", 8),
    ("A41.0", 1),
)
DEATH_MIX: Final = (("SYN.CA01", 30), ("SYN.NE01", 30), ("SYN.PU01", 30), ("A41.0", 10), ("SYN.PU02", 20))
#: Diagnoses (WHO ICD-10) by service code or group; "*" for visits of any cause.
DIAGNOSES: Final[dict[str, tuple[str, ...]]] = {
    "*": ("J06.9", "I10", "M54.5", "K29.7", "J20.9", "N39.0", "E11.9", "G43.9", "J03.9", "R51", "I20.8"),
    "A01.002.000": ("J06.9", "J03.9", "J20.9", "H66.9", "B34.9", "R50.9", "Z00.1"),
    "A01.005.000": ("F41.1", "Z73.3"),
    "SYN.PHC.PATRONAGE": ("Z00.1",),
    "SYN.PHC.VACCINE": ("Z23.8", "Z27.1"),
    "SYN.SCR.CERVIX": ("Z12.4",),
    "SYN.SCR.BREAST": ("Z12.3",),
    "SYN.SCR.PROSTATE": ("Z12.5",),
    "SYN.SCR.COLON": ("Z12.1",),
    "SYN.DIAG.ECG": ("I10", "R07.4", "I48.9", "Z00.0"),
    "SYN.LAB.BLOOD": ("Z01.7", "Z00.0", "D64.9"),
    "SYN.CONS.CARDIO": ("I10", "I20.8", "I48.9", "I50.9"),
    "SYN.CONS.NEURO": ("G43.9", "G44.2", "M54.5"),
    "SYN.CONS.GYN": ("N81.1", "D25.9", "Z30.0"),
    "SYN.CONS.URO": ("N40", "N20.0", "N39.0"),
    "SYN.CONS.OPHT": ("H52.1", "H25.9", "H40.1"),
    "SYN.DIAG.US": ("K80.2", "R10.4", "N20.0"),
    "SYN.DIAG.MRI": ("M54.5", "G43.9", "M16.9"),
    "SYN.OP01": ("H25.9",),
    "SYN.ON01": ("C50.9", "C18.9", "C34.9"),
    "SYN.PU01": ("J18.9",),
    "SYN.PU02": ("J18.9",),
    "SYN.SU01": ("K35.8",),
    "SYN.SU02": ("K80.2",),
    "SYN.OR01": ("M16.9",),
    "SYN.GY01": ("D25.9",),
    "SYN.UR01": ("N40",),
    "SYN.CA01": ("I21.9",),
    "SYN.NE01": ("I63.9",),
    "SYN.OB01": ("O80.9",),
    "SYN.OB02": ("O82.9",),
    "A41.0": ("A41.0",),
    "SYN.AD01": ("R10.4", "R07.4", "S06.0", "T14.0"),
    "SYN.AMB.CALL": ("I10", "R07.4", "J18.9", "R50.9", "S52.5", "R06.0", "I63.9", "J45.9"),
}
#: ICD-9 procedures of the surgical groups (``;``-separated in the file).
PROCEDURES: Final[dict[str, str]] = {
    "SYN.OP01": "13.41",
    "SYN.ON01": "99.25",
    "SYN.SU01": "47.09",
    "SYN.SU02": "51.23",
    "SYN.OR01": "81.51",
    "SYN.GY01": "68.49",
    "SYN.UR01": "60.5",
    "SYN.OB02": "74.1",
}
#: Lengths of stay in days (first, last) by group; others 5..10.
STAY: Final[dict[str, tuple[int, int]]] = {
    "SYN.OP01": (1, 2),
    "SYN.ON01": (3, 6),
    "SYN.SU01": (3, 7),
    "SYN.SU02": (4, 8),
    "SYN.OR01": (8, 14),
    "SYN.OB01": (2, 4),
    "SYN.OB02": (4, 7),
    "SYN.CA01": (7, 14),
    "SYN.NE01": (10, 21),
}
SCREENINGS: Final = ("SYN.SCR.CERVIX", "SYN.SCR.BREAST", "SYN.SCR.PROSTATE")
PROVIDER_KINDS: Final = {
    "phc": ("phc",),
    "consult_diag": ("polyclinic", "rural"),
    "day_hospital": ("polyclinic", "hospital"),
    "inpatient_planned": ("hospital",),
    "inpatient_emergency": ("hospital", "rural"),
    "ambulance": ("ambulance",),
}


@dataclass
class ServicesResult:
    files: int
    rows: int
    first_day: date
    last_day: date
    rows_by_form: dict[str, int]
    faults: dict[str, int]
    contracts: int
    seconds: float = 0.0
    rows_by_month: dict[str, int] = field(default_factory=dict)

    def as_manifest(self) -> dict[str, object]:
        return {
            "dir": SERVICES_DIR,
            "first_day": self.first_day.isoformat(),
            "last_day": self.last_day.isoformat(),
            "files": self.files,
            "rows": self.rows,
            "rows_by_month": self.rows_by_month,
            "rows_by_form": self.rows_by_form,
            "faults": self.faults,
            "contracts": self.contracts,
            "columns": list(COLUMNS),
        }


def service_days(as_of: date, months: int = SERVICE_MONTHS) -> tuple[date, date]:
    """The first and last day of the ``months`` full months before the month of ``as_of``."""
    last = as_of.replace(day=1) - timedelta(days=1)
    first = last.replace(day=1)
    for _ in range(months - 1):
        first = (first - timedelta(days=1)).replace(day=1)
    return first, last


def _read(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def _age(birth: date, on: date) -> int:
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


def _fits(entry: Catalogued, sex: str, age: int) -> bool:
    return (
        (entry.sex is None or entry.sex == sex)
        and (entry.age_min is None or age >= entry.age_min)
        and (entry.age_max is None or age <= entry.age_max)
    )


@dataclass(slots=True)
class _Person:
    iin: str
    sex: str
    birth: date
    death: date | None
    region: str
    gobmp: bool  # the guaranteed volume's residency
    osms: bool  # the insurance package's residency
    insured: list[tuple[date, date]]  # state-paid category spells
    clinic: str = ""
    attached: date | None = None
    doctor: str = ""

    def alive(self, on: date) -> bool:
        return self.birth <= on and (self.death is None or self.death >= on)

    def insured_on(self, on: date) -> bool:
        return self.osms and any(a <= on <= b for a, b in self.insured)


class _Gen:
    def __init__(self, out: Path, seed: int, as_of: date, months: int, rulebook: Rulebook) -> None:
        self.out = out
        self.rng = Random(f"osms-synth-services-{seed}")
        self.flag_rng = Random(f"osms-synth-service-flags-{seed}")
        self.child_consults: set[str] = set()  # record ids of children's outpatient consultations
        self.first, self.last = service_days(as_of, months)
        self.book = rulebook
        topic = rulebook.topic(ClaimsTopic)
        self.services = topic.services(self.first)
        self.groups = topic.case_groups(self.first)
        limit = topic.doctor_overload(self.first)
        self.overload_limit = limit if limit is not None else 60
        benefits = rulebook.topic(BenefitsTopic)
        self.gobmp_res = set(benefits.residency_rule("gobmp_residency", self.first).residencies)
        self.osms_res = set(benefits.residency_rule("osms_residency", self.first).residencies)
        self.rows: dict[date, list[tuple[str, ...]]] = defaultdict(list)
        self.truth: list[tuple[str, ...]] = []
        self.keys: set[tuple[str, str, str, date]] = set()
        self.busy: dict[str, list[tuple[date, date]]] = defaultdict(list)
        self.serial: dict[date, int] = defaultdict(int)
        self.form_rows: dict[str, int] = defaultdict(int)
        self.overloaded: set[tuple[str, date]] = set()  # (doctor, day) of the overload fault

    # ---- reading the country

    def read(self) -> None:
        reg = self.book.topic(RegistryTopic)
        state_paid: dict[str, bool] = {}

        def paid(code: str) -> bool:
            if code not in state_paid:
                try:
                    state_paid[code] = reg.category(code, self.first) is not None
                except RulebookError:
                    state_paid[code] = False
            return state_paid[code]

        spells: dict[str, list[tuple[date, date]]] = defaultdict(list)
        far = date(9999, 12, 31)
        for row in _read(self.out / "categories.csv"):
            if paid(row["category"]):
                start = date.fromisoformat(row["valid_from"])
                end = date.fromisoformat(row["valid_to"]) if row["valid_to"] else far
                if start <= self.last and end >= self.first:
                    spells[row["iin"]].append((start, end))
        self.people: list[_Person] = []
        self.by_iin: dict[str, _Person] = {}
        for row in _read(self.out / "persons.csv"):
            p = _Person(
                iin=row["iin"],
                sex=row["sex"],
                birth=date.fromisoformat(row["birth_date"]),
                death=date.fromisoformat(row["death_date"]) if row["death_date"] else None,
                region=row["region"],
                gobmp=row["residency"] in self.gobmp_res,
                osms=row["residency"] in self.osms_res,
                insured=spells.get(row["iin"], []),
            )
            self.people.append(p)
            self.by_iin[p.iin] = p
        manifest = self.out / "manifest.json"
        cases: set[str] = set()
        if manifest.exists():
            info = json.loads(manifest.read_text(encoding="utf-8")).get("providers", {})
            cases = set(info.get("cases", {}).values())
        self.providers = [
            p for p in _read(self.out / "providers.csv") if p["provider_id"] not in cases and p["status"] == "active"
        ]
        taken = set(self.by_iin)
        serial = 9000
        # Doctors: a PHC clinic's doctor per district, the others a pool per provider.
        self.district_doctor: dict[str, str] = {}
        for row in _read(self.out / "districts.csv"):
            number, serial = self._doctor_iin(taken, serial)
            self.district_doctor[row["district_id"]] = number
        self.pool: dict[str, list[str]] = {}
        self.clinic_doctors: dict[str, list[str]] = defaultdict(list)
        for row in _read(self.out / "districts.csv"):
            self.clinic_doctors[row["clinic_id"]].append(self.district_doctor[row["district_id"]])
        self.by_care: dict[tuple[str, str], list[str]] = defaultdict(list)
        for prov in self.providers:
            kind = prov["kind"]
            if kind != "phc":
                pool = []
                for _ in range(DOCTORS.get(kind, 6)):
                    number, serial = self._doctor_iin(taken, serial)
                    pool.append(number)
                self.pool[prov["provider_id"]] = pool
            for care, kinds in PROVIDER_KINDS.items():
                if kind in kinds and care in CARE.get(kind, ()):
                    self.by_care[(care, prov["region"])].append(prov["provider_id"])
        moved = {row["iin"] for row in _read(self.out / "attach_campaign.csv")}
        minor_age = reg.minor_age(self.first)
        for row in _read(self.out / "attach_initial.csv"):
            person = self.by_iin.get(row["iin"])
            if person is None or row["iin"] in moved or (row["clinic_id"], person.region) not in self._phc_keys():
                continue
            day = date.fromisoformat(row["date"])
            if not row["applicant_iin"] and _age(person.birth, day) < minor_age:
                continue  # a minor with no parent or guardian to apply: not attached
            person.clinic = row["clinic_id"]
            person.attached = day
            person.doctor = self.district_doctor.get(row["district_id"], "")
        self.phc_pool = [p for p in self.people if p.clinic and p.gobmp and p.doctor]
        self.insured_pool = [p for p in self.people if p.gobmp and p.insured and p.osms]
        self.gobmp_pool = [p for p in self.people if p.gobmp]
        self.uninsured_pool = [p for p in self.people if not p.osms and not p.gobmp]
        self.region_clinics: dict[str, list[str]] = defaultdict(list)
        for (care, region), ids in sorted(self.by_care.items()):
            if care == "phc":
                self.region_clinics[region] = ids
        self.attached_to: dict[str, list[_Person]] = defaultdict(list)
        for p in self.phc_pool:
            self.attached_to[p.clinic].append(p)

    def _phc_keys(self) -> set[tuple[str, str]]:
        found: set[tuple[str, str]] | None = self.__dict__.get("_phc_cache")
        if found is None:
            found = {(pid, region) for (care, region), ids in self.by_care.items() if care == "phc" for pid in ids}
            self.__dict__["_phc_cache"] = found
        return found

    def _doctor_iin(self, taken: set[str], serial: int) -> tuple[str, int]:
        rng = self.rng
        while True:
            birth = date(1960, 1, 1) + timedelta(days=int(rng.random() * 12_000))
            number = make_iin(birth, "F" if rng.random() < 0.7 else "M", serial % 10_000)
            serial += 1
            if number is not None and number not in taken:
                taken.add(number)
                return number, serial

    # ---- writing rows

    def _pick(self, mix: tuple[tuple[str, int], ...], catalogue: object, form: str, p: _Person, on: date) -> str:
        entries = self.services if catalogue == "services" else self.groups
        age = _age(p.birth, on)
        codes, weights = [], []
        for code, weight in mix:
            entry = entries.get(code)
            if entry is not None and form in entry.forms and _fits(entry, p.sex, age):
                codes.append(code)
                weights.append(weight)
        if not codes:
            return ""
        return self.rng.choices(codes, weights)[0]

    def _dx(self, code: str) -> str:
        options = DIAGNOSES.get(code) or DIAGNOSES["*"]
        return options[int(self.rng.random() * len(options))]

    def _emit(
        self,
        day: date,
        provider: str,
        p: _Person,
        form: str,
        care: str,
        code: str,
        *,
        group: bool = False,
        start: date | None = None,
        outcome: str = "completed",
        referral: bool = False,
        emergency: bool = False,
        doctor: str = "",
        fault: str = "",
    ) -> str:
        self.serial[day] += 1
        record_id = f"R{day:%Y%m%d}-{self.serial[day]:06d}"
        if not doctor:
            pool = self.pool.get(provider) or self.clinic_doctors.get(provider) or [""]
            doctor = pool[int(self.rng.random() * len(pool))]
        begin = start or day
        self.rows[day].append(
            (
                record_id,
                provider,
                p.iin,
                form,
                care,
                "" if group else code,
                code if group else "",
                self._dx(code),
                PROCEDURES.get(code, "") if group else "",
                begin.isoformat(),
                day.isoformat(),
                outcome,
                "true" if referral else "false",
                "true" if emergency else "false",
                "1",
                doctor,
                *self._flags(record_id, form, code, p, begin),
            )
        )
        self.keys.add((provider, p.iin, code, begin))
        self.form_rows[form] += 1
        if fault:
            self.truth.append((provider, record_id, fault, FAULTS[fault][0], p.iin, code, begin.isoformat()))
        return record_id

    def _flags(self, record_id: str, form: str, code: str, p: _Person, on: date) -> tuple[str, str, str]:
        """``at_home, remote, preventive_child`` of a row: only an outpatient consultation has any."""
        if form != "outpatient" or not code.startswith(CONSULTATION):
            return ("", "", "")
        draw = self.flag_rng.random()
        home = draw < AT_HOME_SHARE
        remote = not home and draw < AT_HOME_SHARE + REMOTE_SHARE
        child = _age(p.birth, on) < CHILD_UNDER
        if child:
            self.child_consults.add(record_id)
        child = child and self.flag_rng.random() < PREVENTIVE_CHILD_SHARE
        return ("true" if home else "", "true" if remote else "", "true" if child else "")

    def flag_minimum(self, days: list[date]) -> None:
        """At least ``MIN_FLAGS_PER_MONTH`` consultations of each flag in the month: unflagged ones
        (a child's for ``preventive_child``) are flagged, drawn from the flags' own stream."""
        rng = self.flag_rng
        for flag, at in _FLAG_AT.items():
            spots = [
                (d, i)
                for d in days
                for i, r in enumerate(self.rows[d])
                if r[3] == "outpatient" and str(r[5]).startswith(CONSULTATION)
            ]
            have = sum(1 for d, i in spots if self.rows[d][i][at])
            if flag == "preventive_child":
                free = [
                    (d, i) for d, i in spots if not self.rows[d][i][at] and self.rows[d][i][0] in self.child_consults
                ]
            else:
                free = [(d, i) for d, i in spots if not self.rows[d][i][16] and not self.rows[d][i][17]]
            for d, i in rng.sample(free, min(len(free), max(0, MIN_FLAGS_PER_MONTH - have))):
                row = list(self.rows[d][i])
                row[at] = "true"
                self.rows[d][i] = tuple(row)

    def _free(self, provider: str, p: _Person, code: str, on: date) -> bool:
        return (provider, p.iin, code, on) not in self.keys

    def _draw(self, expected: float) -> int:
        return int(expected + self.rng.random())

    # ---- clean care, a day at a time

    def day(self, d: date) -> None:
        rng = self.rng
        week = CLINIC_WEEK[d.weekday()] * 7 / sum(CLINIC_WEEK)
        # PHC: an attached person at their clinic, by their district's doctor.
        for _ in range(self._draw(len(self.phc_pool) * PHC_VISITS_A_YEAR / 365 * week)):
            p = self.phc_pool[int(rng.random() * len(self.phc_pool))]
            if not p.alive(d) or p.attached is None or p.attached > d:
                continue
            code = self._pick(PHC_MIX, "services", "phc", p, d)
            if code and self._free(p.clinic, p, code, d):
                self._emit(d, p.clinic, p, "phc", "phc", code, doctor=p.doctor)
        # Outpatient (consultative-diagnostic) care: insured people, on a referral.
        if self.insured_pool:
            for _ in range(self._draw(len(self.insured_pool) * OUTPATIENT_A_YEAR / 365 * week)):
                p = self.insured_pool[int(rng.random() * len(self.insured_pool))]
                providers = self.by_care.get(("consult_diag", p.region))
                if not providers or not p.alive(d) or not p.insured_on(d):
                    continue
                provider = providers[int(rng.random() * len(providers))]
                code = self._pick(OUTPATIENT_MIX, "services", "outpatient", p, d)
                if code and self._free(provider, p, code, d):
                    self._emit(d, provider, p, "outpatient", "consult_diag", code, referral=True)
        # Hospital cases, reported on discharge (date_to = d).
        self._stays(d, self.insured_pool, DAY_HOSPITAL_A_YEAR * week, "day_hospital", "day_hospital", planned=True)
        self._stays(d, self.insured_pool, PLANNED_A_YEAR * week, "inpatient", "inpatient_planned", planned=True)
        self._stays(d, self.gobmp_pool, EMERGENCY_A_YEAR, "inpatient", "inpatient_emergency", planned=False)
        self._stays(d, self.gobmp_pool, ADMISSION_A_YEAR, "admission", "inpatient_emergency", planned=False)
        # Ambulance calls.
        for _ in range(self._draw(len(self.gobmp_pool) * AMBULANCE_A_YEAR / 365)):
            p = self.gobmp_pool[int(rng.random() * len(self.gobmp_pool))]
            providers = self.by_care.get(("ambulance", p.region))
            if not providers or not p.alive(d):
                continue
            provider = providers[int(rng.random() * len(providers))]
            code = self._pick((("SYN.AMB.CALL", 1),), "services", "ambulance", p, d)
            if code and self._free(provider, p, code, d):
                self._emit(d, provider, p, "ambulance", "ambulance", code, emergency=True)

    def _stays(self, d: date, pool: list[_Person], per_year: float, form: str, care: str, *, planned: bool) -> None:
        rng = self.rng
        if not pool:
            return
        mix = (
            (("SYN.AD01", 1),)
            if form == "admission"
            else DAY_HOSPITAL_MIX
            if form == "day_hospital"
            else PLANNED_MIX
            if planned
            else EMERGENCY_MIX
        )
        for _ in range(self._draw(len(pool) * per_year / 365)):
            p = pool[int(rng.random() * len(pool))]
            providers = self.by_care.get((care, p.region))
            if not providers or not p.alive(d) or (planned and not p.insured_on(d)):
                continue
            code = self._pick(mix, "groups", form, p, d)
            if not code:
                continue
            low, high = (0, 0) if form == "admission" else STAY.get(code, (5, 10))
            start = d - timedelta(days=low + int(rng.random() * (high - low + 1)))
            if start < p.birth or (form != "admission" and not self._bed_free(p, start, d)):
                continue
            if not _fits(self.groups[code], p.sex, _age(p.birth, start)):
                continue  # the checks read the age on the first day
            if planned and not p.insured_on(start):
                continue
            provider = providers[int(rng.random() * len(providers))]
            if not self._free(provider, p, code, start):
                continue
            u = rng.random()
            outcome = "discharged" if u < 0.95 else "transferred" if u < 0.98 else "self_discharge"
            if form == "admission":
                outcome = "completed"
            if form != "admission":
                self.busy[p.iin].append((start, d))
            self._emit(
                d, provider, p, form, care, code, group=True, start=start, outcome=outcome,
                referral=planned, emergency=not planned,
            )  # fmt: skip

    def _bed_free(self, p: _Person, start: date, end: date) -> bool:
        """No other stay of the person within the readmission window around [start, end]."""
        gap = timedelta(days=31)
        return all(b + gap < start or end + gap < a for a, b in self.busy.get(p.iin, ()))

    def deaths(self) -> None:
        """A share of the people who die in the service months die in hospital: an emergency stay
        ending on the day of death with the outcome ``died``."""
        rng = self.rng
        for p in self.people:
            d = p.death
            if d is None or not self.first <= d <= self.last or not p.gobmp or rng.random() >= HOSPITAL_DEATH_SHARE:
                continue
            providers = self.by_care.get(("inpatient_emergency", p.region))
            code = self._pick(DEATH_MIX, "groups", "inpatient", p, d)
            if not providers or not code:
                continue
            start = max(p.birth, d - timedelta(days=int(rng.random() * 8)))
            if not self._bed_free(p, start, d) or not _fits(self.groups[code], p.sex, _age(p.birth, start)):
                continue
            provider = providers[int(rng.random() * len(providers))]
            self.busy[p.iin].append((start, d))
            self._emit(d, provider, p, "inpatient", "inpatient_emergency", code, group=True, start=start,
                       outcome="died", emergency=True)  # fmt: skip

    # ---- faults, a month at a time

    def faults(self, days: list[date]) -> None:
        rng = self.rng
        rows = [(d, r) for d in days for r in self.rows[d]]
        phc = [(d, r) for d, r in rows if r[3] == "phc"]
        visits = [(d, r) for d, r in rows if r[3] in ("phc", "outpatient")]
        outpatient = [(d, r) for d, r in rows if r[3] == "outpatient"]
        screenings = sum(1 for _, r in rows if r[5] in SCREENINGS)
        workdays = [d for d in days if CLINIC_WEEK[d.weekday()] == 1.0] or days

        def count(rate: float, base: int) -> int:
            return max(MIN_FAULTS_PER_MONTH, round(rate * base))

        # Services after death: a deceased person's former clinic bills a few visits.
        # (The dead have no attachment in the country's files: a clinic of their region bills.)
        dead = [
            p
            for p in self.gobmp_pool
            if p.death is not None and p.death < days[0] and self.region_clinics.get(p.region)
        ]
        wanted = count(AFTER_DEATH_RATE, len(rows))
        if dead:
            persons = rng.sample(dead, min(len(dead), math.ceil(wanted / SERVICES_PER_DECEASED)))
            for k in range(wanted):
                p = persons[k % len(persons)]
                d = workdays[int(rng.random() * len(workdays))]
                clinics = self.region_clinics[p.region]
                clinic = p.clinic or clinics[int(rng.random() * len(clinics))]
                code = self._pick(PHC_MIX, "services", "phc", p, d)
                if code and self._free(clinic, p, code, d):
                    self._emit(d, clinic, p, "phc", "phc", code, fault="after_death")
        # Duplicates: a clean visit billed again under another record id.
        for d, r in rng.sample(visits, min(len(visits), count(DUPLICATE_RATE, len(visits)))):
            self.serial[d] += 1
            record_id = f"R{d:%Y%m%d}-{self.serial[d]:06d}"
            self.rows[d].append((record_id, *r[1:]))
            self.form_rows[r[3]] += 1
            self.truth.append((r[1], record_id, "duplicate", FAULTS["duplicate"][0], r[2], r[5] or r[6], r[9]))
        # Screenings of the wrong sex: a screening whose age fits, for a person of the other sex.
        for _ in range(count(WRONG_SEX_RATE, screenings)):
            code = SCREENINGS[int(rng.random() * len(SCREENINGS))]
            entry = self.services.get(code)
            if entry is None or entry.sex is None:
                continue
            form = "phc" if "phc" in entry.forms else "outpatient"
            pool = self.phc_pool if form == "phc" else self.insured_pool
            for _attempt in range(50):
                p = pool[int(rng.random() * len(pool))]
                d = workdays[int(rng.random() * len(workdays))]
                age = _age(p.birth, d)
                if p.sex == entry.sex or not p.alive(d) or not (entry.age_min or 0) <= age <= (entry.age_max or 130):
                    continue
                if form == "phc":
                    if p.attached is not None and p.attached <= d and self._free(p.clinic, p, code, d):
                        self._emit(d, p.clinic, p, "phc", "phc", code, doctor=p.doctor, fault="wrong_sex")
                        break
                else:
                    providers = self.by_care.get(("consult_diag", p.region))
                    if providers and p.insured_on(d):
                        provider = providers[int(rng.random() * len(providers))]
                        if self._free(provider, p, code, d):
                            self._emit(d, provider, p, "outpatient", "consult_diag", code, referral=True,
                                       fault="wrong_sex")  # fmt: skip
                            break
        # An overloaded doctor: one clinic doctor bills hundreds of services in one day, to the
        # clinic's attached people (in a small country, several services each).
        sizes = sorted(((len(people), c) for c, people in self.attached_to.items()), reverse=True)
        clinics = sorted(c for n, c in sizes if n > self.overload_limit * 2) or [c for _, c in sizes[:1]]
        for _ in range(OVERLOADED_DOCTOR_DAYS if clinics else 0):
            clinic = clinics[int(rng.random() * len(clinics))]
            doctor = self.clinic_doctors[clinic][int(rng.random() * len(self.clinic_doctors[clinic]))]
            d = workdays[int(rng.random() * len(workdays))]
            low, high = OVERLOAD_TIMES
            wanted = min(round(self.overload_limit * (low + rng.random() * (high - low))), AUDIT_OVERLOAD)
            people = [p for p in self.attached_to[clinic] if p.alive(d) and p.attached and p.attached <= d]
            rng.shuffle(people)
            planned: list[tuple[_Person, str]] = []
            rounds = 0
            while len(planned) < wanted and rounds < len(PHC_MIX) and people:
                rounds += 1
                for p in people:  # one service each, then a second, and so on, until the day is full
                    age = _age(p.birth, d)
                    taken = {c for q, c in planned if q is p}
                    for code, _weight in PHC_MIX:
                        entry = self.services.get(code)
                        if code in taken or entry is None or "phc" not in entry.forms or not _fits(entry, p.sex, age):
                            continue
                        if self._free(clinic, p, code, d):
                            planned.append((p, code))
                            break
                    if len(planned) >= wanted:
                        break
            if len(planned) > self.overload_limit:
                self.overloaded.add((doctor, d))
                for p, code in planned:
                    self._emit(d, clinic, p, "phc", "phc", code, doctor=doctor, fault="overload")
        # Unattached PHC: another clinic of the person's region bills the visit.
        for _ in range(count(UNATTACHED_RATE, len(phc))):
            p = self.phc_pool[int(rng.random() * len(self.phc_pool))]
            others = [c for c in self.region_clinics.get(p.region, []) if c != p.clinic]
            d = workdays[int(rng.random() * len(workdays))]
            if not others or not p.alive(d):
                continue
            clinic = others[int(rng.random() * len(others))]
            code = self._pick(PHC_MIX, "services", "phc", p, d)
            if code and self._free(clinic, p, code, d):
                self._emit(d, clinic, p, "phc", "phc", code, fault="unattached")
        # Uninsured planned care: outpatient services for a person the insurance package cannot cover.
        for _ in range(count(UNINSURED_RATE, len(outpatient)) if self.uninsured_pool else 0):
            p = self.uninsured_pool[int(rng.random() * len(self.uninsured_pool))]
            providers = self.by_care.get(("consult_diag", p.region))
            d = workdays[int(rng.random() * len(workdays))]
            if not providers or not p.alive(d):
                continue
            provider = providers[int(rng.random() * len(providers))]
            code = self._pick(OUTPATIENT_MIX[:5], "services", "outpatient", p, d)
            if code and self._free(provider, p, code, d):
                self._emit(d, provider, p, "outpatient", "consult_diag", code, referral=True, fault="uninsured")
        # Phantom visits: a PHC visit that looks like any other, to a person who received nothing.
        for _ in range(count(PHANTOM_RATE, len(visits))):
            p = self.phc_pool[int(rng.random() * len(self.phc_pool))]
            d = workdays[int(rng.random() * len(workdays))]
            if not p.alive(d) or p.attached is None or p.attached > d or (p.doctor, d) in self.overloaded:
                continue  # (a visit on the overloaded doctor's day would be flagged with the day)
            code = self._pick(PHC_MIX, "services", "phc", p, d)
            if code and self._free(p.clinic, p, code, d):
                self._emit(d, p.clinic, p, "phc", "phc", code, doctor=p.doctor, fault="phantom")

    # ---- contracts

    def contracts(self) -> list[tuple[object, ...]]:
        """A contract a year for each provider, covering its kind's care types (volumes: the
        providers' tariffs, by the region's people)."""
        people: dict[str, int] = defaultdict(int)
        for p in self.people:
            people[p.region] += 1
        rows: list[tuple[object, ...]] = []
        for year in range(self.first.year, self.last.year + 1):
            for prov in self.providers:
                for care in CARE.get(prov["kind"], ()):
                    unit, tariff, per_1000 = TARIFFS[care]
                    volume = max(1, people[prov["region"]] * (per_1000 or 1000) // 1000)
                    rows.append(
                        (
                            f"C-{year}-{prov['provider_id']}",
                            prov["provider_id"],
                            care,
                            date(year, 1, 1).isoformat(),
                            date(year, 12, 31).isoformat(),
                            volume,
                            f"{volume * tariff}.00",
                            "before_system",
                        )
                    )
        return rows


def _write(path: Path, columns: tuple[str, ...], rows: Sequence[Sequence[object]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(columns)
        w.writerows(rows)


def write_services(
    out_dir: Path,
    *,
    seed: int,
    as_of: date,
    months: int = SERVICE_MONTHS,
    reporter: Reporter | None = None,
) -> ServicesResult:
    """Write ``services/`` into ``out_dir`` (which holds the country's files, clinics and the
    providers register) and add a ``services`` entry to its manifest.json (if any)."""
    started = time.perf_counter()
    rep = reporter or Silent()
    gen = _Gen(out_dir, seed, as_of, months, load_rulebook(RULEBOOK))
    gen.read()
    folder = out_dir / SERVICES_DIR
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("services-*.csv"):
        old.unlink()
    days = [gen.first + timedelta(days=k) for k in range((gen.last - gen.first).days + 1)]
    rep.phase("services", len(days))
    gen.deaths()
    by_month: dict[str, list[date]] = defaultdict(list)
    for d in days:
        gen.day(d)
        by_month[f"{d:%Y-%m}"].append(d)
        rep.advance(1)
    for month_days in by_month.values():
        gen.flag_minimum(month_days)
        gen.faults(month_days)
    rows_by_month: dict[str, int] = {}
    total = 0
    for month, month_days in by_month.items():
        rows_by_month[month] = 0
        for d in month_days:
            rows = gen.rows[d]
            gen.rng.shuffle(rows)
            _write(folder / f"services-{d.isoformat()}.csv", COLUMNS, rows)
            rows_by_month[month] += len(rows)
            total += len(rows)
    _write(folder / TRUTH_FILE, TRUTH_COLUMNS, sorted(gen.truth))
    contracts = gen.contracts()
    _write(folder / CONTRACTS_FILE, CONTRACT_COLUMNS, contracts)
    faults = {kind: 0 for kind in FAULTS}
    for truth_row in gen.truth:
        faults[truth_row[2]] += 1
    result = ServicesResult(
        files=len(days),
        rows=total,
        first_day=gen.first,
        last_day=gen.last,
        rows_by_form={f: gen.form_rows[f] for f in sorted(gen.form_rows)},
        faults=faults,
        contracts=len(contracts),
        seconds=round(time.perf_counter() - started, 3),
        rows_by_month=rows_by_month,
    )
    manifest_path = out_dir / "manifest.json"
    if manifest_path.exists():
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        seconds = manifest.pop("seconds", None)
        manifest["services"] = result.as_manifest()
        if seconds is not None:
            manifest["seconds"] = round(seconds + result.seconds, 3)
        manifest_path.write_text(json.dumps(manifest, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return result


def fault_counts(truth: Path) -> dict[str, int]:
    """Planted faults by kind, from a truth file."""
    found = {kind: 0 for kind in FAULTS}
    for row in _read(truth):
        found[row["fault"]] = found.get(row["fault"], 0) + 1
    return found


def fault_of(truth: Path) -> dict[tuple[str, str], str]:
    """(provider_id, record_id) -> fault, from a truth file."""
    return {(r["provider_id"], r["record_id"]): r["fault"] for r in _read(truth)}
