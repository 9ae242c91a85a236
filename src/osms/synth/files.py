"""A built country written as the CSV files of docs/synth.md: persons, categories, families,
payers, employment and economic status, streamed row by row to ``csv.writer``.
"""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

from osms.synth import data, names
from osms.synth.country import (
    BIRTH_SPACING,
    CHUNK,
    PAYER_AGENT,
    PAYER_EMPLOYER,
    PAYER_IE,
    PAYER_LOCAL,
    PAYER_STATE,
    RES,
    ST,
    Country,
)
from osms.synth.rules import (
    CATEGORY_SOURCES,
    COLUMNS,
    STATUS_CATEGORY,
    STATUSES,
    add_months,
    add_years,
    end_of_month_after,
    quarter_start,
)

STATE_NAME = "Министерство финансов Республики Казахстан (республиканский бюджет)"
EMPLOYMENT_KIND = ("", "employee", "civil_contract")
PAYER_KIND = ("state", "local_budget", "employer", "agent", "individual_entrepreneur")


class _Iso(dict[int, str]):
    """Ordinal -> 'YYYY-MM-DD', cached; 0 -> '' (unknown / open)."""

    def __missing__(self, key: int) -> str:
        value = date.fromordinal(key).isoformat() if key else ""
        self[key] = value
        return value


def _name_parts(country: Country) -> tuple[list[str], list[str], list[str], list[tuple[str, str, str, str]]]:
    surname_m = [m for m, _ in country.surnames]
    surname_f = [f for _, f in country.surnames]
    female = list(country.female_first)
    patronymics = [
        (ru_m, ru_f, name + names.KAZAKH_SON, name + names.KAZAKH_DAUGHTER) for name, ru_m, ru_f in country.male_first
    ]
    return surname_m, surname_f, female, patronymics


def write_persons(country: Country, out: Path, iso: _Iso) -> int:
    n = country.n
    country.rep.phase("persons.csv", n)
    surname_m, surname_f, female, patronymics = _name_parts(country)
    male = [name for name, _, _ in country.male_first]
    codes = data.REGION_CODES
    resname = data.RESIDENCIES
    iins, sex, birth, region, res, addr, death = (
        country.iins,
        country.sex,
        country.birth,
        country.region,
        country.res,
        country.addr,
        country.death,
    )
    first, sur, patr = country.first, country.sur, country.patr
    with (out / "persons.csv").open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(COLUMNS["persons.csv"])
        row = w.writerow
        for p in range(n):
            s = sex[p]
            pt = patr[p]
            middle = patronymics[pt >> 1][(pt & 1) * 2 + s] if pt >= 0 else ""
            code = codes[region[p]]
            row(
                (
                    iins[p],
                    surname_f[sur[p]] if s else surname_m[sur[p]],
                    female[first[p]] if s else male[first[p]],
                    middle,
                    iso[birth[p]],
                    "F" if s else "M",
                    resname[res[p]],
                    code,
                    f"{code}-{addr[p]:04d}",
                    iso[death[p]],
                )
            )
            if not p % CHUNK:
                country.rep.advance(min(CHUNK, n - p))
    return n


def write_families(country: Country, out: Path) -> int:
    n = country.n
    country.rep.phase("families.csv", n)
    iins, mother, father, guardian, spouse = (
        country.iins,
        country.mother,
        country.father,
        country.guardian,
        country.spouse,
    )
    rows = 0
    with (out / "families.csv").open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(COLUMNS["families.csv"])
        row = w.writerow
        for p in range(n):
            me = iins[p]
            if mother[p] >= 0:
                row((me, iins[mother[p]], "parent"))
                rows += 1
            if father[p] >= 0:
                row((me, iins[father[p]], "parent"))
                rows += 1
            if guardian[p] >= 0:
                row((me, iins[guardian[p]], "guardian"))
                rows += 1
            if spouse[p] >= 0:
                row((me, iins[spouse[p]], "spouse"))
                rows += 1
            if not p % CHUNK:
                country.rep.advance(min(CHUNK, n - p))
    return rows


def write_categories(country: Country, out: Path, iso: _Iso) -> int:
    n, rng, asof, hist = country.n, country.rng, country.asof, country.hist
    random = rng.random
    country.rep.phase("categories.csv", n)
    iins, sex, age, birth, adult18, death, res = (
        country.iins,
        country.sex,
        country.age,
        country.birth,
        country.adult18,
        country.death,
        country.res,
    )
    mother, father, nkids, lastkid = country.mother, country.father, country.nkids, country.lastkid
    status, cat_from, cat_to = country.status, country.cat_from, country.cat_to
    st_from, st_to, dis_from, dis_to, g1 = country.st_from, country.st_to, country.dis_from, country.dis_to, country.g1
    a_kind, a_from, a_to, _, _ = country.a
    b_kind, b_from, b_to, _, _ = country.b
    c_kind, c_from, c_to, _, _ = country.c
    ie_from = country.ie_from
    status_code = [STATUS_CATEGORY.get(s, "") for s in STATUSES]
    src = CATEGORY_SOURCES
    adult_cut = country.adult_cut

    uniformed = {ST["serviceman"], ST["law_enforcement"], ST["special_state_body"]}
    pension_ok = {RES[r] for r in data.PENSION_RESIDENCIES}
    pension_age = (data.PENSION_AGE["M"], data.PENSION_AGE["F"])
    kandas = RES["kandas"]
    idle = {ST["inactive"], ST["unemployed"]}
    carers = {ST["inactive"], ST["unemployed"], ST["pensioner"]}
    s_inact = ST["inactive"]
    ww2 = data.WW2_BORN_BY.toordinal()
    war_end = date(1945, 9, 3).toordinal()
    asof_date = date.fromordinal(asof)
    wellbeing = asof >= data.WELLBEING_FROM.toordinal()
    year_start = date(asof_date.year, 1, 1).toordinal()
    year_end = date(asof_date.year, 12, 31).toordinal()
    q0 = quarter_start(asof)
    seen: set[tuple[int, str, int]] = set()
    rows = 0

    def working(q: int, d: int) -> bool:
        if a_kind[q] and a_from[q] <= d and (not a_to[q] or d <= a_to[q]):
            return True
        if b_kind[q] and b_from[q] <= d <= b_to[q]:
            return True
        if c_kind[q] and c_from[q] <= d <= c_to[q]:
            return True
        if ie_from[q] and ie_from[q] <= d:
            return True
        return status[q] in uniformed and cat_from[q] <= d

    with (out / "categories.csv").open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(COLUMNS["categories.csv"])
        row = w.writerow

        def emit(p: int, code: str, f: int, t: int, cap: int = 0) -> None:
            """Write a spell [f, t] (t = 0: open) for person p, cut at death and at ``cap``."""
            nonlocal rows
            d = death[p]
            if cap and (not d or cap < d):
                d = cap
            if d:
                if f > d:
                    return
                if not t or t > d:
                    t = d
            if f > asof or (t and (t < hist or t < f)):
                return
            row((iins[p], code, iso[f], iso[t], src[code]))
            rows += 1

        def emit_once(p: int, code: str, f: int, t: int, cap: int = 0) -> None:
            key = (p, code, f)
            if key not in seen:
                seen.add(key)
                emit(p, code, f, t, cap)

        for p in range(n):
            b = birth[p]
            e18 = adult18[p]
            s = status[p]
            a = age[p]
            if e18 - 1 >= hist:
                emit(p, "child", b, e18 - 1)
            if st_from[p]:
                emit(p, "student", st_from[p], st_to[p])
                if st_to[p] < asof:
                    emit(p, "graduate_3_months", st_to[p] + 1, end_of_month_after(st_to[p], 3))
            if res[p] in pension_ok and a >= 60:
                pf = add_years(b, pension_age[sex[p]])
                if pf <= asof:
                    emit(p, "pensioner", pf, 0)
            if b <= ww2 and random() < 0.5:
                emit(p, "ww2_veteran", war_end, 0)
            if dis_from[p]:
                emit(p, "disability", dis_from[p], dis_to[p])
            code = status_code[s]
            if code:
                emit(p, code, cat_from[p], cat_to[p])
            if s in idle:
                if res[p] == kandas:
                    reg = max(asof - 1 - int(random() * 1000), e18)
                    emit(p, "kandas_nonworking", reg, add_years(reg, 1) - 1)
                if random() < 0.06 + (0.25 if nkids[p] >= 3 else 0.0):
                    f = add_months(q0, -3 * int(random() * 8))
                    if f >= e18:
                        emit(p, "social_assistance", f, add_months(f, 3 * (1 + int(random() * 4))) - 1)
                if wellbeing and s == s_inact and random() < 0.08:
                    emit(p, "wellbeing_d_e", year_start + int(random() * (asof - year_start + 1)), year_end)
            if sex[p]:
                if nkids[p] >= 6:
                    f = lastkid[p] + 30 + int(random() * 700)
                    if f <= asof:
                        emit(p, "mother_awarded", f, 0)
                elif a >= 45 and random() < 0.02:
                    f0 = add_years(b, 40)
                    emit(p, "mother_awarded", f0 + int(random() * (asof - f0)), 0)
                if (
                    18 <= a <= 45
                    and not death[p]
                    and (not lastkid[p] or asof - lastkid[p] >= BIRTH_SPACING)
                    and not working(p, asof)
                    and s not in uniformed
                    and random() < 0.08
                ):
                    f = asof - int(random() * 190)
                    emit_once(p, "pregnant_nonworking", f, f + 196)
            m = mother[p]
            if m >= 0 and b > adult_cut:
                # Categories of the parents, derived from this child's birth and disability.
                fa = father[p]
                dc = death[p]
                pf, pt = b - 196, b - 1
                if pt >= hist and not working(m, pf) and not working(m, pt):
                    emit_once(m, "pregnant_nonworking", pf, pt)
                e3 = add_years(b, 3) - 1
                if e3 >= hist:
                    if working(m, b):
                        u = random()
                        leave_to = add_years(b, 1) - 1 if u < 0.7 else add_months(b, 18) - 1 if u < 0.9 else e3
                        emit_once(m, "parental_leave", b, leave_to, dc)
                        if fa >= 0 and not working(fa, b) and random() < 0.3:
                            emit_once(fa, "parent_child_under_3", b, e3, dc)
                    else:
                        emit_once(m, "parent_child_under_3", b, e3, dc)
                df = dis_from[p]
                if df and df < e18:
                    dt = e18 - 1 if not dis_to[p] or dis_to[p] > e18 - 1 else dis_to[p]
                    carer = m if not working(m, df) else fa if fa >= 0 and not working(fa, df) else -1
                    if carer >= 0:
                        emit_once(carer, "carer_disabled_child", df, dt, dc)
            elif m >= 0 and g1[p] and status[m] in carers:
                emit_once(m, "carer_group1_from_childhood", max(e18, dis_from[p]), dis_to[p], death[p])
            if not p % CHUNK:
                country.rep.advance(min(CHUNK, n - p))
    return rows


def write_employment(country: Country, out: Path, iso: _Iso) -> int:
    n = country.n
    country.rep.phase("employment.csv", n)
    iins, p_id = country.iins, country.p_id
    rows = 0
    spells = (country.b, country.a, country.c)  # chronological: previous job, current/last, side contract
    with (out / "employment.csv").open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(COLUMNS["employment.csv"])
        row = w.writerow
        for p in range(n):
            for kind, start, end, payer, income in spells:
                k = kind[p]
                if k:
                    income_text = f"{income[p]}.00"
                    row((iins[p], p_id[payer[p]], EMPLOYMENT_KIND[k], income_text, iso[start[p]], iso[end[p]]))
                    rows += 1
            if not p % CHUNK:
                country.rep.advance(min(CHUNK, n - p))
    return rows


def write_statuses(country: Country, out: Path) -> int:
    n = country.n
    country.rep.phase("economic_status.csv", n)
    iins, status = country.iins, country.status
    with (out / "economic_status.csv").open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(COLUMNS["economic_status.csv"])
        row = w.writerow
        for p in range(n):
            row((iins[p], STATUSES[status[p]]))
            if not p % CHUNK:
                country.rep.advance(min(CHUNK, n - p))
    return n


def write_payers(country: Country, out: Path) -> int:
    rng = country.rng
    random = rng.random
    total = len(country.p_kind)
    country.rep.phase("payers.csv", total)
    surname_m, surname_f, female, _ = _name_parts(country)
    codes = data.REGION_CODES
    numbers = [0] * len(data.REGIONS)
    w1, w2 = names.NAME_WORDS_1, names.NAME_WORDS_2
    agent_words = ("Консалтинг", "Аутсорсинг", "Кадры", "Бухгалтерия", "Проект")
    used: dict[str, int] = {}
    with (out / "payers.csv").open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(COLUMNS["payers.csv"])
        for k in range(total):
            kind = country.p_kind[k]
            r = country.p_region[k]
            if kind == PAYER_STATE:
                name = STATE_NAME
            elif kind == PAYER_LOCAL:
                name = f"Местный бюджет: {data.REGIONS[r].name_ru}"
            elif kind == PAYER_IE:
                p = country.p_person[k]
                s = country.sex[p]
                initials = (female[country.first[p]] if s else country.male_first[country.first[p]][0])[0] + "."
                if country.patr[p] >= 0:
                    initials += country.male_first[country.patr[p] >> 1][1][0] + "."
                surname = surname_f[country.sur[p]] if s else surname_m[country.sur[p]]
                name = f"ИП {surname} {initials}"
            elif kind == PAYER_AGENT:
                name = f"ТОО «{w1[int(random() * len(w1))]} {agent_words[int(random() * len(agent_words))]}»"
            else:
                form = names.EMPLOYER_FORMS[country.p_form[k]][0]
                if form in ("ГУ", "КГП на ПХВ"):
                    numbers[r] += 1
                    templates = names.STATE_INSTITUTIONS
                    name = f"{form} «{templates[int(random() * len(templates))].format(n=numbers[r])}»"
                else:
                    name = f"{form} «{w1[int(random() * len(w1))]} {w2[int(random() * len(w2))]}»"
            taken = used.get(name, 0) if kind in (PAYER_EMPLOYER, PAYER_AGENT) else 0
            used[name] = taken + 1
            if taken:  # names are unique: a second «Дала Транс» becomes «Дала Транс 2»
                name = f"{name[:-1]} {taken + 1}»" if name.endswith("»") else f"{name} {taken + 1}"
            w.writerow((country.p_id[k], PAYER_KIND[kind], name, codes[r] if r >= 0 else ""))
            if not k % CHUNK:
                country.rep.advance(min(CHUNK, total - k))
    return total


def write_files(country: Country, out: Path) -> dict[str, int]:
    """Write the six files of ``country`` into ``out``, in the order that draws its random numbers;
    returns the rows per file."""
    iso = _Iso()
    rows: dict[str, int] = {}
    rows["persons.csv"] = write_persons(country, out, iso)
    rows["categories.csv"] = write_categories(country, out, iso)
    rows["families.csv"] = write_families(country, out)
    rows["payers.csv"] = write_payers(country, out)
    rows["employment.csv"] = write_employment(country, out, iso)
    rows["economic_status.csv"] = write_statuses(country, out)
    return rows
