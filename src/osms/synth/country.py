"""The synthetic country in memory (docs/synth.md), built phase by phase: people (sex, age,
region, disability) -> families (marriages, mothers and fathers, guardians) -> households
(residency, name group, address, names, IIN) -> deaths, studies and economic status -> work (jobs,
contracts, entrepreneurs, payers and BINs).

People are held in flat arrays (one slot per person, dates as ordinals); one ``random.Random(seed)``
drives every phase in a fixed order.
"""

from __future__ import annotations

import math
from array import array
from bisect import bisect_left, bisect_right
from dataclasses import dataclass
from datetime import date
from itertools import accumulate
from random import Random
from typing import Literal

from osms.core.identity import make_bin, make_iin
from osms.core.progress import Reporter
from osms.synth import data, names
from osms.synth.rules import STATUSES, add_years, pick

MAX_REGISTER_MONTHS = 120
CHUNK = 8192  # progress is reported every CHUNK rows
WARD_SHARE = 0.006  # children raised by a guardian instead of parents
MAX_CHILDREN = 8  # minor children per mother
BIRTH_SPACING = 300  # days between a mother's births (no twins)
EMPLOYEES_PER_EMPLOYER = 25
CONTRACTS_PER_AGENT = 40
ST = {s: i for i, s in enumerate(STATUSES)}
RES = {r: i for i, r in enumerate(data.RESIDENCIES)}
KIND_NONE, KIND_EMPLOYEE, KIND_CONTRACT = 0, 1, 2
PAYER_STATE, PAYER_LOCAL, PAYER_EMPLOYER, PAYER_AGENT, PAYER_IE = range(5)


@dataclass(frozen=True)
class SynthConfig:
    people: int
    seed: int = 1
    as_of: date = date(2026, 1, 1)  # reference date for ages and statuses
    history_from: date = date(2017, 7, 1)  # categories ending before this are left out
    registers: int = 0  # months of payment registers before as_of (0: none; see registers.py)

    def __post_init__(self) -> None:
        if self.people < 1:
            raise ValueError("people must be at least 1")
        if not 0 <= self.registers <= MAX_REGISTER_MONTHS:
            raise ValueError(f"registers must be 0 to {MAX_REGISTER_MONTHS} months")
        if self.history_from > self.as_of:
            raise ValueError("history_from must not be after as_of")
        if self.as_of.year > 2080 or self.as_of < date(2000, 1, 1):
            raise ValueError("as_of must be between 2000-01-01 and 2080-12-31")


def _first_valid_bins(registered: date, count: int) -> list[str]:
    out: list[str] = []
    serial = 1
    while len(out) < count:
        b = make_bin(registered, 4, 0, serial)
        if b is not None:
            out.append(b)
        serial += 1
    return out


def state_payer_id() -> str:
    """The BIN used for the state payer (Ministry of Finance, treasury): fixed, seed-independent."""
    return _first_valid_bins(date(1996, 1, 1), 1)[0]


def local_budget_payer_ids() -> dict[str, str]:
    """Region code -> BIN of that region's local budget payer: fixed, seed-independent."""
    bins = _first_valid_bins(date(1997, 1, 1), len(data.REGIONS))
    return {r.code: b for r, b in zip(data.REGIONS, bins, strict=True)}


def _cum(weights: list[float]) -> list[float]:
    return list(accumulate(weights))


def _draw(cum: list[float], u: float) -> int:
    """Index of the cumulative-weights table hit by uniform ``u`` in [0, 1)."""
    k = bisect_right(cum, u * cum[-1])
    return k if k < len(cum) else len(cum) - 1


def _ints(n: int, value: int = 0) -> array[int]:
    return array("i", [value]) * n


class Country:
    def __init__(self, config: SynthConfig, reporter: Reporter) -> None:
        self.cfg = config
        self.rep = reporter
        self.rng = Random(config.seed)
        self.n = config.people
        self.asof = config.as_of.toordinal()
        self.hist = config.history_from.toordinal()
        self.adult_cut = add_years(self.asof, -18)  # born on or before: 18+ on the reference date

    # ------------------------------------------------------------------ people
    def people(self) -> None:
        n, asof, rng = self.n, self.asof, self.rng
        random, expovariate = rng.random, rng.expovariate
        self.rep.phase("people", n)
        entries: list[tuple[int, int, int]] = []
        weights: list[float] = []
        for lo, hi, men, women in data.PYRAMID_2024:
            entries.append((0, lo, hi))
            weights.append(men)
            entries.append((1, lo, hi))
            weights.append(women)
        picks = rng.choices(range(len(entries)), cum_weights=_cum(weights), k=n)
        regions = rng.choices(range(len(data.REGIONS)), cum_weights=_cum([r.population for r in data.REGIONS]), k=n)
        oldest = data.OLDEST_AGE
        top_by_age = [add_years(asof, -a) for a in range(oldest + 2)]
        top_by_age[0] = asof - 1  # nobody is born on the reference date itself
        dis_p = [pick(data.DISABILITY_BY_AGE, a) for a in range(oldest + 1)]
        sex = bytearray(n)
        age = bytearray(n)
        birth = _ints(n)
        adult18 = _ints(n)
        dis_from = _ints(n)
        dis_to = _ints(n)
        g1 = bytearray(n)  # disabled from childhood, group I, needs a carer
        region = bytearray(regions)
        for i in range(n):
            s, lo, hi = entries[picks[i]]
            a = 85 + min(int(expovariate(0.3)), oldest - 85) if lo >= 85 else lo + int(random() * (hi - lo + 1))
            top = top_by_age[a]
            bottom = top_by_age[a + 1] + 1
            b = bottom + int(random() * (top - bottom + 1))
            sex[i] = s
            age[i] = a
            birth[i] = b
            e18 = add_years(b, 18)
            adult18[i] = e18
            if random() < dis_p[a]:
                if 18 <= a <= 45 and random() < 0.2:  # disabled from childhood
                    f = b + 365 + int(random() * (e18 - b - 366))
                    dis_from[i] = f
                    if random() < 0.3:
                        g1[i] = 1
                else:
                    lo_f = max(b + 30, asof - 4383)
                    f = lo_f + int(random() * (asof - lo_f)) if asof > lo_f else asof - 1
                    dis_from[i] = f
                    if a >= 18 and random() < 0.25:
                        dis_to[i] = add_years(f, 1 + int(random() * 2)) - 1
            if not i % CHUNK:
                self.rep.advance(min(CHUNK, n - i))
        self.sex, self.age, self.birth, self.adult18, self.region = sex, age, birth, adult18, region
        self.dis_from, self.dis_to, self.g1 = dis_from, dis_to, g1

    # ---------------------------------------------------------------- families
    def families(self) -> None:
        n, rng, birth, sex, region, g1 = self.n, self.rng, self.birth, self.sex, self.region, self.g1
        random, gauss = rng.random, rng.gauss
        self.rep.phase("families", n)
        nreg = len(data.REGIONS)
        cut = self.adult_cut
        women: list[list[int]] = [[] for _ in range(nreg)]
        men: list[list[int]] = [[] for _ in range(nreg)]
        kids: list[int] = []
        for i in range(n):
            if birth[i] <= cut:
                (women if sex[i] else men)[region[i]].append(i)
            else:
                kids.append(i)
        key = birth.__getitem__
        for lst in women + men:
            lst.sort(key=key)
        kids.sort(key=key)
        wb = [[birth[i] for i in lst] for lst in women]
        mb = [[birth[i] for i in lst] for lst in men]

        spouse = _ints(n, -1)
        married_p = [pick(data.MARRIED_BY_AGE, a) for a in range(data.OLDEST_AGE + 1)]
        age = self.age
        for w in range(n):
            if not sex[w] or birth[w] > cut or g1[w] or random() >= married_p[age[w]]:
                continue
            gap = min(max(gauss(3.0, 3.5), -6.0), 18.0)
            target = birth[w] - int(gap * 365.25)
            r = region[w]
            births, idx = mb[r], men[r]
            size = len(births)
            if not size:
                continue
            pos = bisect_left(births, target)
            for _ in range(6):
                j = pos + int(random() * 17) - 8
                if 0 <= j < size:
                    m = idx[j]
                    if spouse[m] < 0 and not g1[m]:
                        spouse[m] = w
                        spouse[w] = m
                        break
        self.rep.advance(n // 3)

        mother = _ints(n, -1)
        father = _ints(n, -1)
        guardian = _ints(n, -1)
        nkids = bytearray(n)
        lastkid = _ints(n)
        for c in kids:
            bc = birth[c]
            r = region[c]
            births, idx = wb[r], women[r]
            lo = add_years(bc, -46) + 1
            hi = add_years(bc, -18)
            lp = bisect_left(births, lo)
            hp = bisect_right(births, hi)
            found = -1
            ward = random() < WARD_SHARE
            if lp < hp and not ward:
                gap = min(max(gauss(27.5, 5.5), 18.2), 45.5)
                pos = bisect_left(births, bc - int(gap * 365.2425), lp, hp)
                for attempt in range(12):
                    j = pos + int(random() * 25) - 12
                    j = lp if j < lp else hp - 1 if j >= hp else j
                    m = idx[j]
                    if nkids[m] >= MAX_CHILDREN or g1[m]:
                        continue
                    lk = lastkid[m]
                    if lk and bc - lk < BIRTH_SPACING:
                        continue
                    if spouse[m] < 0 and attempt < 8 and random() < 0.65:
                        continue  # most children are born to married mothers
                    found = m
                    break
            if found >= 0:
                mother[c] = found
                nkids[found] += 1
                lastkid[found] = bc
                f = spouse[found]
                if f >= 0 and lo <= birth[f] <= hi:
                    father[c] = f
                    lastkid[f] = bc
            elif ward or random() < 0.6:  # a grandmother, aunt or other woman is the guardian
                glp = bisect_left(births, add_years(bc, -71) + 1)
                ghp = bisect_right(births, add_years(bc, -20))
                if glp < ghp:
                    guardian[c] = idx[glp + int(random() * (ghp - glp))]
        self.rep.advance(n // 3)

        # Adults disabled from childhood (group I) are linked to their mother, their carer.
        for p in range(n):
            if not g1[p]:
                continue
            bp = birth[p]
            r = region[p]
            births, idx = wb[r], women[r]
            lo = add_years(bp, -46) + 1
            hi = add_years(bp, -18)
            lp = bisect_left(births, lo)
            hp = bisect_right(births, hi)
            if lp >= hp:
                continue
            m = idx[lp + int(random() * (hp - lp))]
            if g1[m]:
                continue
            mother[p] = m
            f = spouse[m]
            if f >= 0 and lo <= birth[f] <= hi:
                father[p] = f
        self.rep.advance(n - 2 * (n // 3))
        self.spouse, self.mother, self.father, self.guardian = spouse, mother, father, guardian
        self.nkids, self.lastkid = nkids, lastkid

    # -------------------------------------------------------------- households
    def households(self) -> None:
        n, rng, sex, age, birth = self.n, self.rng, self.sex, self.age, self.birth
        random = rng.random
        mother, father, guardian, spouse = self.mother, self.father, self.guardian, self.spouse
        self.rep.phase("households", n)
        # Household pointer: child -> mother (or guardian), husband -> wife; a root heads it.
        hh = array("i", range(n))
        for p in range(n):
            if mother[p] >= 0:
                hh[p] = mother[p]
            elif guardian[p] >= 0:
                hh[p] = guardian[p]
            elif spouse[p] >= 0 and not sex[p]:
                hh[p] = spouse[p]
        total_pop = sum(r.population for r in data.REGIONS)
        per_address = [max(1, math.ceil(n * r.population / total_pop / data.PEOPLE_PER_ADDRESS)) for r in data.REGIONS]
        res_cum = _cum([w for _, w in data.RESIDENCY_SHARES])
        migrants = {RES[r] for r in data.MIGRANT_STATUSES}
        citizen = RES["citizen"]
        group_index = {g: i for i, g in enumerate(names.GROUP_CODES)}
        default_groups = _cum([g.weight for g in names.GROUPS])
        groups_by_res: list[tuple[list[int], list[float]]] = []
        for rname in data.RESIDENCIES:
            special = names.GROUP_WEIGHTS_BY_RESIDENCY.get(rname)
            if special:
                groups_by_res.append(([group_index[g] for g in special], _cum(list(special.values()))))
            else:
                groups_by_res.append((list(range(len(names.GROUPS))), default_groups))
        res = bytearray(n)
        grp = bytearray(n)
        addr = _ints(n)
        region = self.region
        for p in range(n):
            if hh[p] != p:
                continue
            k = _draw(res_cum, random())
            if k in migrants and not 18 <= age[p] <= 62:
                k = citizen
            res[p] = k
            choices, cum = groups_by_res[k]
            grp[p] = choices[_draw(cum, random())]
            addr[p] = 1 + int(random() * per_address[region[p]])
        for p in range(n):
            r = p
            for _ in range(8):
                if hh[r] == r:
                    break
                r = hh[r]
            if r != p:
                res[p], grp[p], addr[p] = res[r], grp[r], addr[r]
        self.rep.advance(n // 4)

        # Names: indices into flat tables, turned into text only when rows are written.
        male_first: list[tuple[str, str, str]] = []
        female_first: list[str] = []
        surnames: list[tuple[str, str]] = []
        spans: list[tuple[int, int, int, int, int, int, float]] = []
        for g in names.GROUPS:
            spans.append(
                (
                    len(male_first),
                    len(g.male),
                    len(female_first),
                    len(g.female),
                    len(surnames),
                    len(g.surnames),
                    g.kazakh_patronymic_share,
                )
            )
            male_first.extend(g.male)
            female_first.extend(g.female)
            surnames.extend(g.surnames)
        no_patronymic = [0.4 if r in data.MIGRANT_STATUSES else 0.01 for r in data.RESIDENCIES]
        first = array("H", bytes(2 * n))
        sur = array("H", bytes(2 * n))
        patr = _ints(n, -1)  # male first-name index * 2 + (1 if Kazakh style)
        for p in range(n):
            ms, mc, fs, fc, ss, sc, kz = spans[grp[p]]
            first[p] = fs + int(random() * fc) if sex[p] else ms + int(random() * mc)
            sur[p] = ss + int(random() * sc)
            if random() >= no_patronymic[res[p]]:
                patr[p] = (ms + int(random() * mc)) * 2 + (1 if random() < kz else 0)
        for p in range(n):  # most wives take the husband's surname
            if sex[p] and spouse[p] >= 0 and random() < 0.7:
                sur[p] = sur[spouse[p]]
        for p in range(n):  # children: father's surname and name, else the mother's surname
            f = father[p]
            if f >= 0:
                sur[p] = sur[f]
                style = patr[f] & 1 if patr[f] >= 0 else (patr[p] & 1 if patr[p] >= 0 else 0)
                patr[p] = first[f] * 2 + style
            elif mother[p] >= 0:
                sur[p] = sur[mother[p]]
        self.rep.advance(n // 4)

        # IIN: birth date and sex digits agree with the person; serials counted per (date, sex).
        iins: list[str] = [""] * n
        next_serial: dict[int, int] = {}
        for p in range(n):
            b = birth[p]
            s = sex[p]
            key = b * 2 + s
            serial = next_serial.get(key)
            if serial is None:
                serial = (b * 7919 + s * 389) % 2000
            born = date.fromordinal(b)
            sx: Literal["M", "F"] = "F" if s else "M"
            while True:
                if serial >= 10000:
                    raise RuntimeError(f"more than 10,000 people born on {born} of sex {sx}: IIN serials exhausted")
                iin = make_iin(born, sx, serial)
                serial += 1
                if iin is not None:
                    break
            next_serial[key] = serial
            iins[p] = iin
            if not p % CHUNK:
                self.rep.advance(min(CHUNK, n - p) // 2)
        self.res, self.grp, self.addr, self.iins = res, grp, addr, iins
        self.first, self.sur, self.patr = first, sur, patr
        self.male_first, self.female_first, self.surnames = male_first, female_first, surnames

    # ---------------------------------------------------------------- statuses
    def statuses(self) -> None:
        n, rng, asof, hist = self.n, self.rng, self.asof, self.hist
        random, expovariate = rng.random, rng.expovariate
        sex, age, birth, adult18, res = self.sex, self.age, self.birth, self.adult18, self.res
        lastkid = self.lastkid
        self.rep.phase("statuses", n)
        death_p = [pick(data.DEATH_BY_AGE, a) for a in range(data.OLDEST_AGE + 1)]
        death = _ints(n)
        for p in range(n):
            if random() < death_p[age[p]]:
                lo = max(asof - 1095, birth[p] + 1, lastkid[p])
                if lo <= asof - 1:
                    death[p] = lo + int(random() * (asof - lo))
        self.rep.advance(n // 3)

        # Full-time studies: from 1 September of the year of turning 18 (+0-2 years).
        st_from = _ints(n)
        st_to = _ints(n)
        asof_year = date.fromordinal(asof).year
        hist_year = date.fromordinal(hist).year
        durations = (2, 3, 4, 4, 4, 4, 4, 5, 6)
        outsiders = {RES[r] for r in data.MIGRANT_STATUSES} | {RES["refugee"], RES["asylum_seeker"]}
        for p in range(n):
            a = age[p]
            if a < 16 or a > asof_year - hist_year + 28:
                continue
            if random() >= (0.05 if res[p] in outsiders else data.STUDENT_SHARE):
                continue
            u = random()
            enrol = date.fromordinal(birth[p]).year + 18 + (0 if u < 0.8 else 1 if u < 0.95 else 2)
            start = date(enrol, 9, 1).toordinal()
            if start > asof:
                continue
            end = date(enrol + durations[int(random() * len(durations))], 6, 30).toordinal()
            if end < hist or (death[p] and death[p] < start):
                continue
            st_from[p] = start
            st_to[p] = end
        self.rep.advance(n // 3)

        tables: dict[tuple[str, int], tuple[list[int], list[float]]] = {}
        for key in ("M", "F"):
            for band, factor in ((0, 2.0), (1, 0.8), (2, 0.15)):
                rows = [(ST[s], w * factor if s == "serviceman" else w) for s, w in data.STATUS_WEIGHTS[key]]
                tables[key, band] = ([s for s, _ in rows], _cum([w for _, w in rows]))
        for key in ("migrant", "protected"):
            rows = [(ST[s], w) for s, w in data.STATUS_WEIGHTS[key]]
            tables[key, 0] = ([s for s, _ in rows], _cum([w for _, w in rows]))
        migrant = {RES[r] for r in data.MIGRANT_STATUSES}
        protected = {RES["refugee"], RES["asylum_seeker"]}
        pension_ok = {RES[r] for r in data.PENSION_RESIDENCIES}
        pension_age = (data.PENSION_AGE["M"], data.PENSION_AGE["F"])
        status = bytearray(n)
        cat_from = _ints(n)
        cat_to = _ints(n)
        s_child, s_student, s_dead = ST["child"], ST["student"], ST["deceased"]
        s_pens, s_emp, s_ie = ST["pensioner"], ST["employee"], ST["individual_entrepreneur"]
        s_inact, s_unemp, s_serv = ST["inactive"], ST["unemployed"], ST["serviceman"]
        s_law, s_spec = ST["law_enforcement"], ST["special_state_body"]
        s_pris, s_pre, s_house = ST["prisoner"], ST["pretrial_detention"], ST["house_arrest"]
        house_from = data.HOUSE_ARREST_FROM.toordinal()
        no_category = {s_emp, s_ie, s_inact, ST["contractor"], ST["self_payer"]}
        for p in range(n):
            if death[p]:
                status[p] = s_dead
                continue
            a = age[p]
            if a < 18:
                status[p] = s_child
                continue
            if st_from[p] and st_from[p] <= asof <= st_to[p]:
                status[p] = s_student
                continue
            r = res[p]
            if a >= pension_age[sex[p]]:
                u = random()
                if r in pension_ok:
                    status[p] = s_pens if u < 0.8 else s_emp if u < 0.97 else s_ie
                else:
                    status[p] = s_emp if u < 0.2 else s_inact
                continue
            if r in migrant:
                codes, cum = tables["migrant", 0]
            elif r in protected:
                codes, cum = tables["protected", 0]
            else:
                codes, cum = tables["F" if sex[p] else "M", 0 if a <= 27 else 1 if a <= 50 else 2]
            s = codes[_draw(cum, random())]
            status[p] = s
            if s in no_category:
                continue
            # A status with a state-paid category: when it began (and ends, if known).
            f, t = asof - 1, 0
            if s == s_unemp:
                f = asof - 1 - int(random() * 270)
            elif s == s_serv:
                if a <= 27 and random() < 0.6:  # conscript: one year
                    f = asof - 1 - int(random() * 364)
                    t = add_years(f, 1) - 1
                else:
                    f = asof - 1 - int(expovariate(1 / 2500))
            elif s in (s_law, s_spec):
                f = asof - 1 - int(expovariate(1 / 2500))
            elif s == s_pris:
                f = asof - 30 - int(random() * 2500)
                t = asof + 30 + int(random() * 2500)
            elif s == s_pre:
                f = asof - 1 - int(random() * 180)
            elif s == s_house:
                f = max(asof - 1 - int(random() * 180), house_from)
            cat_from[p] = max(f, adult18[p])
            cat_to[p] = t
        self.rep.advance(n - 2 * (n // 3))
        self.death, self.st_from, self.st_to = death, st_from, st_to
        self.status, self.cat_from, self.cat_to = status, cat_from, cat_to

    # -------------------------------------------------------------------- work
    def work(self) -> None:
        n, rng, asof = self.n, self.rng, self.asof
        random, expovariate, lognormvariate, paretovariate = (
            rng.random,
            rng.expovariate,
            rng.lognormvariate,
            rng.paretovariate,
        )
        status, region, birth, adult18, death = self.status, self.region, self.birth, self.adult18, self.death
        sex, cat_from = self.sex, self.cat_from
        self.rep.phase("work", n)
        nreg = len(data.REGIONS)
        s_emp, s_con, s_ie = ST["employee"], ST["contractor"], ST["individual_entrepreneur"]
        demand = [0] * nreg
        contracts = [0] * nreg
        ies: list[int] = []
        for p in range(n):
            s = status[p]
            if s == s_emp:
                demand[region[p]] += 1
            elif s == s_con:
                contracts[region[p]] += 1
            elif s == s_ie:
                ies.append(p)
        # Payers: 0 state, 1..20 local budgets, then employers and agents by region, then IEs.
        p_kind: list[int] = [PAYER_STATE] + [PAYER_LOCAL] * nreg
        p_region: list[int] = [-1, *range(nreg)]
        p_person: list[int] = [-1] * (1 + nreg)
        p_factor: list[float] = [1.0] * (1 + nreg)
        p_form: list[int] = [-1] * (1 + nreg)
        forms_cum = _cum([w for _, w in names.EMPLOYER_FORMS])
        emp_pool: list[list[int]] = []
        emp_cum: list[list[float]] = []
        agent_pool: list[list[int]] = []
        sigma_e = 0.3
        for r in range(nreg):
            pool: list[int] = []
            weights: list[float] = []
            for _ in range(max(1, math.ceil(demand[r] / EMPLOYEES_PER_EMPLOYER))):
                form = _draw(forms_cum, random())
                factor = lognormvariate(-sigma_e * sigma_e / 2, sigma_e)
                if names.EMPLOYER_FORMS[form][0] in ("ГУ", "КГП на ПХВ"):
                    factor *= 0.8
                pool.append(len(p_kind))
                weights.append(paretovariate(1.2))
                p_kind.append(PAYER_EMPLOYER)
                p_region.append(r)
                p_person.append(-1)
                p_factor.append(factor)
                p_form.append(form)
            emp_pool.append(pool)
            emp_cum.append(weights)
            agents: list[int] = []
            for _ in range(max(1, math.ceil(contracts[r] / CONTRACTS_PER_AGENT))):
                agents.append(len(p_kind))
                p_kind.append(PAYER_AGENT)
                p_region.append(r)
                p_person.append(-1)
                p_factor.append(1.0)
                p_form.append(0)
            agent_pool.append(agents)
        ie_payer = _ints(n, -1)
        for p in ies:  # every IE pays for themselves; one in ten also employs people
            k = len(p_kind)
            ie_payer[p] = k
            p_kind.append(PAYER_IE)
            p_region.append(region[p])
            p_person.append(p)
            p_factor.append(lognormvariate(-0.3, 0.5))
            p_form.append(-1)
            if random() < 0.1:
                emp_pool[region[p]].append(k)
                emp_cum[region[p]].append(0.05 * paretovariate(1.2))
        emp_cum = [_cum(w) for w in emp_cum]
        self.rep.advance(n // 5)

        wages = [r.mean_wage for r in data.REGIONS]
        asof_year = date.fromordinal(asof).year
        min_now = data.MIN_WAGE.get(asof_year, data.MIN_WAGE[max(data.MIN_WAGE)])
        oldest_year = min(data.MIN_WAGE)
        sigma_p = 0.5
        mu_p = -sigma_p * sigma_p / 2
        growth = 1 + data.WAGE_GROWTH
        earliest_start = date(data.OLDEST_REGISTRATION.year + 1, 1, 1).toordinal()

        def employer(r: int) -> int:
            pool = emp_pool[r]
            return pool[_draw(emp_cum[r], random())]

        def wage(r: int, k: int, end: int) -> int:
            x = wages[r] * p_factor[k] * lognormvariate(mu_p, sigma_p)
            if end and end < asof:
                x /= growth ** ((asof - end) / 365.25)
                year = date.fromordinal(end).year
                floor = data.MIN_WAGE.get(year, min_now if year > oldest_year else data.MIN_WAGE[oldest_year])
            else:
                floor = min_now
            return int(max(x, floor) + 0.5)

        def contract_income(r: int) -> int:
            return int(max(wages[r] * 0.45 * lognormvariate(-0.32, 0.8), 20_000) + 0.5)

        # Up to three spells per person: A (current or last job), B (the job before), C (a side contract).
        a_kind, b_kind, c_kind = bytearray(n), bytearray(n), bytearray(n)
        a_from, a_to, a_payer, a_income = _ints(n), _ints(n), _ints(n), _ints(n)
        b_from, b_to, b_payer, b_income = _ints(n), _ints(n), _ints(n), _ints(n)
        c_from, c_to, c_payer, c_income = _ints(n), _ints(n), _ints(n), _ints(n)
        ie_from = _ints(n)
        s_self, s_unemp, s_inact, s_pens = ST["self_payer"], ST["unemployed"], ST["inactive"], ST["pensioner"]
        s_dead = ST["deceased"]
        jailed = {ST["prisoner"], ST["pretrial_detention"], ST["house_arrest"]}
        past_job_p = {s_self: 0.6, s_unemp: 0.8, s_inact: 0.35}
        pension_age = (data.PENSION_AGE["M"], data.PENSION_AGE["F"])

        def previous_job(p: int, r: int, before: int) -> None:
            end = before - 1 - int(random() * 200)
            start = max(end - 30 - int(expovariate(1 / 1000)), earliest_start)
            if start >= adult18[p] and start < end:
                k = employer(r)
                b_kind[p] = KIND_EMPLOYEE
                b_from[p], b_to[p], b_payer[p], b_income[p] = start, end, k, wage(r, k, end)

        for p in range(n):
            s = status[p]
            r = region[p]
            e18 = adult18[p]
            if s == s_emp:
                start = asof - 1 - int(expovariate(1 / 1800))
                if start < e18:
                    start = e18 + int(random() * (asof - e18))
                start = max(start, earliest_start)
                k = employer(r)
                a_kind[p] = KIND_EMPLOYEE
                a_from[p], a_payer[p], a_income[p] = start, k, wage(r, k, 0)
                if random() < 0.45:
                    previous_job(p, r, start)
                if random() < 0.04:
                    cs = asof - 1 - int(random() * 365)
                    if cs >= e18:
                        c_kind[p] = KIND_CONTRACT
                        c_from[p], c_to[p] = cs, cs + 60 + int(random() * 300)
                        c_payer[p], c_income[p] = agent_pool[r][int(random() * len(agent_pool[r]))], contract_income(r)
            elif s == s_con:
                start = max(asof - 1 - int(random() * 300), e18)
                end = max(start + 90 + int(random() * 450), asof + 1 + int(random() * 180))
                k = agent_pool[r][int(random() * len(agent_pool[r]))] if random() < 0.7 else employer(r)
                a_kind[p] = KIND_CONTRACT
                a_from[p], a_to[p], a_payer[p], a_income[p] = start, end, k, contract_income(r)
                if random() < 0.4:
                    previous_job(p, r, start)
            elif s == s_ie:
                start = max(asof - 1 - int(expovariate(1 / 2200)), e18, earliest_start)
                ie_from[p] = start
                if random() < 0.3:
                    previous_job(p, r, start)
            elif s in past_job_p:
                if random() < past_job_p[s]:
                    end = asof - 30 - int(random() * 1100)
                    start = max(end - 60 - int(expovariate(1 / 1200)), earliest_start)
                    if start >= e18 and start < end:
                        k = employer(r)
                        a_kind[p] = KIND_EMPLOYEE
                        a_from[p], a_to[p], a_payer[p], a_income[p] = start, end, k, wage(r, k, end)
            elif s == s_pens:
                if random() < 0.5:
                    end = add_years(birth[p], pension_age[sex[p]]) - int(random() * 200)
                    start = max(end - 365 - int(expovariate(1 / 4000)), earliest_start)
                    if start < end and end >= self.hist - 3650:
                        k = employer(r)
                        a_kind[p] = KIND_EMPLOYEE
                        a_from[p], a_to[p], a_payer[p], a_income[p] = start, end, k, wage(r, k, end)
            elif s == s_dead:
                d = death[p]
                if e18 <= d and d < add_years(birth[p], 63) and random() < 0.6:
                    start = max(d - 30 - int(expovariate(1 / 1800)), e18, earliest_start)
                    if start < d:
                        k = employer(r)
                        a_kind[p] = KIND_EMPLOYEE
                        a_from[p], a_to[p], a_payer[p], a_income[p] = start, d, k, wage(r, k, d)
            elif s in jailed and random() < 0.4:
                previous_job(p, r, cat_from[p])
                if b_kind[p]:  # make it the last job (spell A)
                    a_kind[p], a_from[p], a_to[p], a_payer[p], a_income[p] = (
                        b_kind[p],
                        b_from[p],
                        b_to[p],
                        b_payer[p],
                        b_income[p],
                    )
                    b_kind[p] = KIND_NONE
            if not p % CHUNK:
                self.rep.advance(min(CHUNK, n - p) * 3 // 5)

        # Registration (BIN) dates: before the payer's first job or contract.
        never = 1 << 30
        first_start = [never] * len(p_kind)
        for kinds, starts, payers in ((a_kind, a_from, a_payer), (b_kind, b_from, b_payer), (c_kind, c_from, c_payer)):
            for p in range(n):
                if kinds[p]:
                    k = payers[p]
                    if starts[p] < first_start[k]:
                        first_start[k] = starts[p]
        oldest = data.OLDEST_REGISTRATION.toordinal()
        state_id = state_payer_id()
        local_ids = local_budget_payer_ids()
        issued = {state_id, *local_ids.values()}
        serials: dict[tuple[int, int, int], int] = {}
        iins = self.iins
        p_id: list[str] = [state_id] + [local_ids[r.code] for r in data.REGIONS]
        for k in range(1 + nreg, len(p_kind)):
            if p_kind[k] == PAYER_IE:
                p_id.append(iins[p_person[k]])
                continue
            fs = first_start[k]
            if fs == never:  # no job in the file: any date in the last 25 years
                fs = asof - 30 - int(random() * 9000)
            reg = fs - int(random() * 720)
            if reg < oldest:
                reg = oldest + int(random() * max(1, fs - oldest))
            reg = min(reg, asof - 1)
            rd = date.fromordinal(reg)
            unit = 1 if random() < 0.04 else 0  # a few branches
            key = (rd.year, rd.month, unit)
            serial = serials.get(key)
            if serial is None:
                serial = 1 + int(random() * 300)
            while True:
                if serial > 99999:
                    raise RuntimeError(f"BIN serials exhausted for {rd:%Y-%m}")
                bin_ = make_bin(rd, 4, unit, serial)
                serial += 1
                if bin_ is not None and bin_ not in issued:
                    break
            serials[key] = serial
            issued.add(bin_)
            p_id.append(bin_)
        self.rep.advance(n - n // 5 - (n * 3 // 5))
        self.p_kind, self.p_region, self.p_person, self.p_form, self.p_id = p_kind, p_region, p_person, p_form, p_id
        self.a = (a_kind, a_from, a_to, a_payer, a_income)
        self.b = (b_kind, b_from, b_to, b_payer, b_income)
        self.c = (c_kind, c_from, c_to, c_payer, c_income)
        self.ie_from = ie_from
