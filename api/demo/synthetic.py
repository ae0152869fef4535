"""A synthetic population with a known truth, for the demo, the tests and the benchmark.

`generate()` builds mothers, fathers, marriages, births (出生医学证明) and household
entries (户籍登记) for the districts of a region, then plants every kind of discrepancy the
cross-check must find, and the traps it must not fall into, recording the truth:

found (in `truth`): births unregistered after 30 days; registrations without a birth
record; attribute mismatches on the household entry (certificate typo or transposition,
mother-ID typo, homophone child name, birth date a day off around midnight, wrong sex);
duplicate birth records; duplicate persons (ID typo, or the same ID written differently);
marital statuses contradicting the latest marriage record.
not found: births younger than 30 days without an entry, late registrations, missing
child names on the birth, twins and triplets, reissued certificates (换发), voided rows,
widowed after marriage, entries without a certificate number.
`hard=True` piles several errors on one entry, has more multiple births, entries without
certificate numbers and minority names with a middle dot (阿依古丽·买买提).

Everything derives from `seed` (ids too), so a seed is a fixture. `n_births` counts
children with a birth record; reissues and duplicates add rows on top.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from api.crosscheck.linkage.pinyin import CharReadings
from api.validation.id_number import id_number_check_char

DISTRICTS: dict[str, tuple[str, ...]] = {
    "4202": ("420202", "420203", "420204", "420205", "420222", "420281"),
    "4201": ("420102", "420103", "420104", "420105", "420106", "420107"),
}

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程"
    "苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛"
    "郝龚邵万钱严覃武戴莫孔向汤单解仇"
)
COMPOUND = ("欧阳", "司马", "诸葛", "上官", "尉迟")
ADULT_GIVEN = "芳娜敏静丽强磊军洋勇艳杰娟涛明超秀英霞平刚桂兰红华建国文辉鹏玲燕飞斌峰宁波萍"
# Child given-name characters; many come in homophone groups (梓/子/紫, 涵/晗, 轩/萱 ...).
CHILD_GIVEN = (
    "梓子紫涵晗含寒轩萱宣怡宜仪浩皓昊宇雨语羽欣馨心新诗思博泽佳嘉家铭明鸣睿瑞锐俊骏辰晨宸雅亚"
    "文雯杰洁婷庭亭悦玥越琪奇淇琦一依伊逸可晓小若诺安楠南彤桐然冉熙希曦雪静晶梦天甜鹏志智伟"
    "涛磊航杭瑶遥宁凝凌玲琳霖林"
)
MINORITY_GIVEN = (
    "阿依古丽",
    "古丽娜尔",
    "买买提",
    "艾力",
    "阿不都拉",
    "热依拉",
    "努尔",
    "帕提古丽",
    "吐尔逊",
    "艾合买提",
    "依明",
    "迪力拜尔",
    "麦合木提",
    "古再丽",
)
_CERT_LETTERS = "ABCDEFGHJKLMNPQRSTUVWXYZ"

_READINGS = CharReadings()
_BY_READING: dict[str, list[str]] = {}
for _c in dict.fromkeys(CHILD_GIVEN):
    _BY_READING.setdefault(_READINGS.char(_c), []).append(_c)
HOMOPHONES: dict[str, tuple[str, ...]] = {
    c: tuple(o for o in group if o != c)
    for group in _BY_READING.values()
    if len(group) > 1
    for c in group
}

BIRTH_COLUMNS = (
    "id",
    "certificate_no",
    "replaces_certificate_no",
    "child_name",
    "child_sex",
    "birth_datetime",
    "birth_region",
    "mother_id_number",
    "mother_name",
    "father_id_number",
    "father_name",
    "plurality",
    "birth_order",
    "status",
    "facility_code",
    "created_at",
)
ENTRY_COLUMNS = (
    "id",
    "entry_type",
    "person_id_number",
    "person_name",
    "person_sex",
    "person_birth_date",
    "household_region",
    "household_no",
    "registered_on",
    "birth_certificate_no",
    "mother_id_number",
    "father_id_number",
    "voided_at",
)
PERSON_COLUMNS = (
    "id",
    "id_number",
    "name",
    "sex",
    "birth_date",
    "household_region",
    "household_no",
    "marital_status",
    "status",
    "voided_at",
)
MARRIAGE_COLUMNS = (
    "id",
    "record_type",
    "certificate_no",
    "registered_on",
    "registry_region",
    "party_a_id_number",
    "party_a_name",
    "party_b_id_number",
    "party_b_name",
    "voided_at",
)
TABLES = {
    "birth": BIRTH_COLUMNS,
    "household_entry": ENTRY_COLUMNS,
    "person": PERSON_COLUMNS,
    "marriage": MARRIAGE_COLUMNS,
}

Truth = set[tuple[str, frozenset[str]]]


def uuid4_from(bits: int) -> str:
    """Return str(uuid.UUID(int=bits, version=4)), without the UUID object (hot path)."""
    bits = (bits & ~(0xF000 << 64) | (0x4000 << 64)) & ~(0xC000 << 48) | (0x8000 << 48)
    h = f"{bits:032x}"
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


@dataclass
class SyntheticData:
    """Generated tables (columnar: table → column → values) and the planted truth."""

    as_of: date
    tables: dict[str, dict[str, list[Any]]]
    truth: Truth = field(default_factory=set)
    # ATTRIBUTE_MISMATCH truth keys → the fields that were corrupted.
    truth_fields: dict[tuple[str, frozenset[str]], tuple[str, ...]] = field(default_factory=dict)

    def count(self, table: str) -> int:
        """Return the number of rows of a table."""
        return len(self.tables[table]["id"])

    def iter_rows(self, table: str) -> Iterator[dict[str, Any]]:
        """Yield the rows of one table as dicts keyed by column name."""
        cols = self.tables[table]
        names = list(cols)
        for values in zip(*(cols[n] for n in names), strict=True):
            yield dict(zip(names, values, strict=True))

    def rows(self) -> dict[str, list[dict[str, Any]]]:
        """Return {table: [row dict, ...]} for birth, household_entry, person, marriage."""
        return {t: list(self.iter_rows(t)) for t in TABLES}

    def arrow(self) -> dict[str, Any]:
        """Return {table: pyarrow.Table} (columnar, no per-row dicts: fast for big runs)."""
        import pyarrow as pa

        from api.crosscheck.linkage.inputs import SCHEMAS

        out = {}
        for t, cols in self.tables.items():
            schema = SCHEMAS[t]
            arrays = {
                n: pa.array(v, schema.field(n).type if n in schema.names else None)
                for n, v in cols.items()
            }
            out[t] = pa.table(arrays)
        return out


class _Gen:
    """The generator's state: random source, uniqueness sets and the growing tables."""

    def __init__(self, seed: int, prefix: str, hard: bool, as_of: date) -> None:
        self.rng = random.Random(seed)
        self.hard = hard
        self.as_of = as_of
        self.regions = [r for rs in DISTRICTS.values() for r in rs if r.startswith(prefix)]
        if not self.regions:
            raise ValueError(f"no synthetic districts under region prefix {prefix!r}")
        self.ids: set[str] = set()
        self.certs: set[str] = set()
        self.marriage_nos: set[str] = set()
        self.data = SyntheticData(as_of, {t: {c: [] for c in cols} for t, cols in TABLES.items()})
        self.n_children = 0
        self._columns = {t: list(cols.items()) for t, cols in self.data.tables.items()}
        # rates (per child / delivery / person)
        self.p_twins, self.p_triplets = (0.08, 0.02) if hard else (0.02, 0.003)
        self.p_named = 0.8 if hard else 0.9
        self.p_minority = 0.05 if hard else 0.0
        self.p_cert_null = 0.05 if hard else 0.0
        self.p_dup_birth = 0.006 if hard else 0.003
        self.p_dup_person = 0.008 if hard else 0.004

    # -- primitives -----------------------------------------------------------------
    def uid(self) -> str:
        return uuid4_from(self.rng.getrandbits(128))

    def add(self, table: str, row: dict[str, Any]) -> None:
        get = row.get
        for column, values in self._columns[table]:
            values.append(get(column))

    def id_number(self, region: str, born: date, sex: str, after: int = 0) -> tuple[str, int]:
        """Return a new unique valid ID (and its sequence), sequence above `after`."""
        rng = self.rng
        lo, hi = (after + 1, min(after + 60, 998)) if after else (1, 998)
        for attempt in range(10_000):
            if attempt == 50:  # the numbers right after the twin's are taken
                lo, hi = 1, 998
            seq = rng.randint(lo, hi)
            if (seq % 2 == 1) != (sex == "male"):
                seq = seq + 1 if seq < 999 else seq - 1
            first17 = f"{region}{born:%Y%m%d}{seq:03d}"
            value = first17 + id_number_check_char(first17)
            if value not in self.ids:
                self.ids.add(value)
                return value, seq
        raise RuntimeError(f"no free ID sequence number for {region} {born}")

    def cert(self) -> str:
        while True:
            value = self.rng.choice(_CERT_LETTERS) + f"{self.rng.randrange(10**9):09d}"
            if value not in self.certs:
                self.certs.add(value)
                return value

    def typo(self, value: str, positions: range, *, recompute: bool = False) -> str:
        """Return `value` with one digit mistyped or two adjacent digits swapped."""
        rng = self.rng
        chars = list(value)
        while True:
            i = rng.choice(positions)
            if rng.random() < 0.5 and i + 1 in positions and chars[i] != chars[i + 1]:
                chars[i], chars[i + 1] = chars[i + 1], chars[i]
            elif chars[i].isdigit():
                chars[i] = rng.choice([d for d in "0123456789" if d != chars[i]])
            else:
                continue
            out = "".join(chars)
            if recompute and len(out) == 18:
                out = out[:17] + id_number_check_char(out[:17])
            if out != value:
                return out
            chars = list(value)

    def adult_name(self, minority: bool = False) -> str:
        rng = self.rng
        if minority:
            return f"{rng.choice(MINORITY_GIVEN)}·{rng.choice(MINORITY_GIVEN)}"
        surname = rng.choice(COMPOUND) if rng.random() < 0.01 else rng.choice(SURNAMES)
        return surname + "".join(rng.choice(ADULT_GIVEN) for _ in range(rng.choice((1, 2, 2))))

    def child_name(self, surname: str, taken: set[str]) -> str:
        rng = self.rng
        while True:
            if surname.endswith("·"):
                name = f"{rng.choice(MINORITY_GIVEN)}·{surname[:-1]}"
            else:
                k = 1 if rng.random() < 0.3 else 2
                name = surname + "".join(rng.choice(CHILD_GIVEN) for _ in range(k))
            if name not in taken:  # siblings and twins get different names
                taken.add(name)
                return name

    def homophone(self, name: str) -> str | None:
        """Return `name` with one given-name character replaced by a homophone."""
        spots = [i for i, c in enumerate(name) if i > 0 and c in HOMOPHONES]
        if not spots or "·" in name:
            return None
        i = self.rng.choice(spots)
        return name[:i] + self.rng.choice(HOMOPHONES[name[i]]) + name[i + 1 :]

    def person(
        self, id_number: str, name: str, sex: str, born: date, region: str, marital: str | None
    ) -> None:
        self.add(
            "person",
            {
                "id": self.uid(),
                "id_number": id_number,
                "name": name,
                "sex": sex,
                "birth_date": born,
                "household_region": region,
                "household_no": f"{region}{self.rng.randrange(10**6):06d}",
                "marital_status": marital,
                "status": "active",
            },
        )

    def marriage(
        self,
        kind: str,
        on: date,
        region: str,
        a: tuple[str, str],
        b: tuple[str, str],
        voided: bool = False,
    ) -> str:
        while True:
            no = f"J{region}-{on.year}-{self.rng.randrange(10**6):06d}"
            if no not in self.marriage_nos:
                self.marriage_nos.add(no)
                break
        mid = self.uid()
        self.add(
            "marriage",
            {
                "id": mid,
                "record_type": kind,
                "certificate_no": no,
                "registered_on": on,
                "registry_region": region,
                "party_a_id_number": a[0],
                "party_a_name": a[1],
                "party_b_id_number": b[0],
                "party_b_name": b[1],
                "voided_at": datetime.combine(on, time(12), UTC) if voided else None,
            },
        )
        return mid

    # -- families -------------------------------------------------------------------
    def family(self, budget: int) -> None:
        """Add one mother (and usually a husband), their marriage and 1-3 deliveries."""
        rng, as_of = self.rng, self.as_of
        region = rng.choice(self.regions)
        minority = rng.random() < self.p_minority
        r = rng.random()
        k = 1 if r < 0.75 else 2 if r < 0.97 else 3
        dates = [as_of - timedelta(days=rng.randrange(0, 1460))]
        for _ in range(k - 1):
            nxt = dates[-1] + timedelta(days=rng.randint(400, 700))
            if nxt <= as_of:
                dates.append(nxt)
        m_born = dates[0] - timedelta(days=rng.randint(20 * 365, 38 * 365))
        mother = (self.id_number(region, m_born, "female")[0], self.adult_name(minority))
        father: tuple[str, str] | None = None
        if rng.random() < 0.9:
            f_born = m_born - timedelta(days=rng.randint(-700, 2500))
            father = (self.id_number(region, f_born, "male")[0], self.adult_name(minority))
        statuses = self.marriages(region, mother, father, dates)
        self.person(mother[0], mother[1], "female", m_born, region, statuses[0])
        if father is not None:
            self.person(father[0], father[1], "male", f_born, region, statuses[1])
        head = (father or mother)[1]
        if "·" in head:
            surname = head.split("·")[0] + "·"
        else:
            surname = head[:2] if head[:2] in COMPOUND else head[0]
        taken: set[str] = set()
        if rng.random() < 0.01:  # noise: a move-in entry, never a birth
            self.add(
                "household_entry",
                {
                    "id": self.uid(),
                    "entry_type": "move_in",
                    "person_id_number": mother[0],
                    "person_name": mother[1],
                    "person_sex": "female",
                    "person_birth_date": m_born,
                    "household_region": region,
                    "household_no": f"{region}000001",
                    "registered_on": dates[0] - timedelta(days=30),
                },
            )
        for d in dates:
            if budget - self.n_children <= 0:
                break
            self.delivery(d, region, mother, father, surname, taken, budget)

    def marriages(
        self,
        region: str,
        mother: tuple[str, str],
        father: tuple[str, str] | None,
        dates: list[date],
    ) -> tuple[str | None, str | None]:
        """Record the couple's marriage (and maybe divorce, restoration); return statuses."""
        rng = self.rng
        if father is None:
            return "10", None
        on = dates[0] - timedelta(days=rng.randint(200, 1500))
        self.marriage("marriage", on, region, father, mother)
        latest = "marriage"
        status = rng.choice(("20", "21"))
        if rng.random() < 0.002:  # noise: a voided divorce is ignored
            self.marriage("divorce", on + timedelta(days=100), region, father, mother, True)
        if rng.random() < 0.06:
            div = dates[-1] + timedelta(days=rng.randint(100, 700))
            if div <= self.as_of:
                self.marriage("divorce", div, region, father, mother)
                latest, status = "divorce", "40"
                res = div + timedelta(days=rng.randint(100, 500))
                if rng.random() < 0.25 and res <= self.as_of:
                    self.marriage("restored", res, region, father, mother)
                    latest, status = "restored", "23"
        out: list[str | None] = []
        for _ in range(2):
            s: str | None = status
            r = rng.random()
            if r < 0.005:  # planted: contradicts the latest record
                s = rng.choice(("20", "21")) if latest == "divorce" else rng.choice(("10", "40"))
            elif r < 0.008 and latest != "divorce":
                s = "30"  # widowed after marriage: fine
            elif r < 0.011:
                s = rng.choice((None, "90"))  # not stated: not a disagreement
            out.append(s)
        return out[0], out[1]

    def delivery(
        self,
        d: date,
        region: str,
        mother: tuple[str, str],
        father: tuple[str, str] | None,
        surname: str,
        taken: set[str],
        budget: int,
    ) -> None:
        """Add the children of one delivery: birth rows, entries, persons, truth."""
        rng = self.rng
        r = rng.random()
        plurality = 3 if r < self.p_triplets else 2 if r < self.p_triplets + self.p_twins else 1
        no_record = rng.random() < 0.005
        if not no_record:
            plurality = min(plurality, budget - self.n_children)
        birth_region = region if rng.random() < 0.8 else rng.choice(self.regions)
        facility = f"H{birth_region}{rng.randrange(100):02d}"
        base = rng.randrange(0, 23 * 60 - 60)  # multiple births stay on one day
        seq = 0
        for order in range(1, plurality + 1):
            base += rng.randint(3, 15) if order > 1 else 0
            seq = self.child(
                d,
                base,
                order,
                plurality,
                region,
                birth_region,
                facility,
                mother,
                father,
                surname,
                taken,
                no_record,
                seq,
            )

    def plan(self, age: int, singleton: bool) -> tuple[int | None, list[str]]:
        """Return (registration delay in days or None, corruptions of the entry)."""
        rng = self.rng
        if age <= 28:
            delay = rng.randint(0, age) if rng.random() < 0.4 else None
        elif age < 35:
            delay = rng.randint(1, min(25, age))
        else:
            r = rng.random()
            if r < 0.015:
                delay = None
            elif r < 0.035:  # late registration; still pending if beyond as_of
                late = rng.randint(35, 300)
                delay = late if late <= age else None
            else:
                delay = rng.randint(1, 25)
        kinds = ["cert", "mother", "name", "sex"] + (["date"] if singleton else [])
        corrupt: list[str] = []
        r = rng.random()
        if self.hard and r < 0.06:
            corrupt = rng.sample(kinds, rng.choice((2, 3)))
        elif r < (0.04 if self.hard else 0.03):
            weights = {"cert": 10, "mother": 6, "name": 6, "sex": 4, "date": 5}
            corrupt = rng.choices(kinds, [weights[k] for k in kinds])
        return delay, corrupt

    def child(
        self,
        d: date,
        minute: int,
        order: int,
        plurality: int,
        region: str,
        birth_region: str,
        facility: str,
        mother: tuple[str, str],
        father: tuple[str, str] | None,
        surname: str,
        taken: set[str],
        no_record: bool,
        seq: int,
    ) -> int:
        """Add one child; return the sequence number of its ID (for the twin's)."""
        rng, truth = self.rng, self.data.truth
        age = (self.as_of - d).days
        sex = "male" if rng.random() < 0.515 else "female"
        name = self.child_name(surname, taken)
        delay, corrupt = self.plan(age, plurality == 1)
        if no_record and delay is None:
            delay = rng.randint(0, min(age, 60))
        entry_date = d
        if "date" in corrupt:  # born around midnight, the register took the other day
            if rng.random() < 0.5:
                minute, entry_date = 23 * 60 + 30 + rng.randrange(30), d + timedelta(days=1)
            else:
                minute, entry_date = rng.randrange(30), d - timedelta(days=1)
            delay = None if delay is None else max(delay, 1)
        if delay is not None and d + timedelta(days=delay) > self.as_of:
            delay = None  # would be registered after as_of: not yet
        local = datetime.combine(d, time()) + timedelta(minutes=minute, seconds=rng.randrange(60))
        born_utc = (local - timedelta(hours=8)).replace(tzinfo=UTC)
        subject: str | None = None
        cite: str | None = None
        if not no_record:
            self.n_children += 1
            subject, cite = self.birth_rows(
                d,
                born_utc,
                name,
                sex,
                order,
                plurality,
                birth_region,
                facility,
                mother,
                father,
                corrupt,
                delay is not None,
            )
            if delay is None and age > 30:
                truth.add(("BIRTH_NOT_REGISTERED", frozenset({subject})))
        elif rng.random() < 0.5:
            cite = self.cert()  # a certificate from elsewhere, unknown here
        if delay is None:
            return seq
        # -- the household entry, as the police recorded it ---------------------------
        e_sex = ("female" if sex == "male" else "male") if "sex" in corrupt else sex
        e_name = name
        if "name" in corrupt:
            e_name = self.homophone(name) or name
            if e_name == name:
                corrupt.remove("name")
        e_cert = cite
        if "cert" in corrupt and cite is not None:
            e_cert = self.typo(cite, range(1, 10))
        elif self.hard and rng.random() < self.p_cert_null:
            e_cert = None
        e_mother = mother[0]
        if "mother" in corrupt:
            e_mother = self.typo(mother[0], range(0, 17), recompute=rng.random() < 0.2)
        child_id, seq = self.id_number(region, entry_date, e_sex, seq if seq < 900 else 0)
        eid = self.uid()
        registered_on = d + timedelta(days=delay)
        entry = {
            "id": eid,
            "entry_type": "birth",
            "person_id_number": child_id,
            "person_name": e_name,
            "person_sex": e_sex,
            "person_birth_date": entry_date,
            "household_region": region,
            "household_no": f"{region}{rng.randrange(10**6):06d}",
            "registered_on": registered_on,
            "birth_certificate_no": e_cert,
            "mother_id_number": e_mother,
            "father_id_number": father[0] if father else None,
        }
        self.add("household_entry", entry)
        if rng.random() < 0.003:  # noise: an earlier, voided attempt with a wrong name
            self.add(
                "household_entry",
                entry
                | {
                    "id": self.uid(),
                    "person_name": e_name + "某",
                    "registered_on": registered_on - timedelta(days=1),
                    "voided_at": datetime.combine(registered_on, time(9), UTC),
                },
            )
        self.person(child_id, e_name, e_sex, entry_date, region, None)
        if subject is None:
            truth.add(("REGISTRATION_WITHOUT_BIRTH_RECORD", frozenset({eid})))
            return seq
        fields = self.mismatch_fields(corrupt)
        if fields:
            key = ("ATTRIBUTE_MISMATCH", frozenset({subject, eid}))
            truth.add(key)
            self.data.truth_fields[key] = fields
        return seq

    def mismatch_fields(self, corrupt: list[str]) -> tuple[str, ...]:
        """Return the interface field names of the corruptions that show as mismatches."""
        named = {
            "cert": "certificate_no",
            "sex": "child_sex",
            "date": "birth_date",
            "mother": "mother_id_number",
            "name": "child_name",
        }
        got = {named[c] for c in corrupt}
        order = ("certificate_no", "child_sex", "birth_date", "mother_id_number", "child_name")
        return tuple(f for f in order if f in got)

    def birth_rows(
        self,
        d: date,
        born: datetime,
        name: str,
        sex: str,
        order: int,
        plurality: int,
        region: str,
        facility: str,
        mother: tuple[str, str],
        father: tuple[str, str] | None,
        corrupt: list[str],
        registered: bool,
    ) -> tuple[str, str]:
        """Add the birth row(s) of one child; return (the birth findings name, cited cert)."""
        rng = self.rng
        named = rng.random() < self.p_named
        if not named and "name" in corrupt:
            corrupt.remove("name")  # nothing to disagree with
        row: dict[str, Any] = {
            "id": self.uid(),
            "certificate_no": self.cert(),
            "child_name": name if named else None,
            "child_sex": sex,
            "birth_datetime": born,
            "birth_region": region,
            "mother_id_number": mother[0],
            "mother_name": mother[1],
            "father_id_number": father[0] if father else None,
            "father_name": father[1] if father else None,
            "plurality": plurality,
            "birth_order": order,
            "status": "registered",
            "facility_code": facility,
            "created_at": born + timedelta(hours=rng.randint(1, 48)),
        }
        r = rng.random()
        if r < 0.01:  # reissue (换发): the new certificate is the current one
            old = row | {
                "child_name": None if rng.random() < 0.6 else row["child_name"],
                "status": "void" if rng.random() < 0.5 else "registered",
            }
            self.add("birth", old)
            new = row | {
                "id": self.uid(),
                "certificate_no": self.cert(),
                "replaces_certificate_no": old["certificate_no"],
                "created_at": born + timedelta(days=rng.randint(5, 200)),
            }
            self.add("birth", new)
            cite = old["certificate_no"] if rng.random() < 0.5 else new["certificate_no"]
            return new["id"], cite
        self.add("birth", row)
        if r < 0.01 + self.p_dup_birth:  # the same child entered a second time
            local_min = (born + timedelta(hours=8)).hour * 60 + (born + timedelta(hours=8)).minute
            shift = rng.randint(0, 10) * (1 if local_min < 720 else -1)
            dup = row | {
                "id": self.uid(),
                "certificate_no": self.cert(),
                "birth_datetime": born + timedelta(minutes=shift),
                "facility_code": f"H{region}{rng.randrange(100):02d}",
                "created_at": row["created_at"] + timedelta(days=rng.randint(1, 30)),
            }
            if self.hard and rng.random() < 0.3:
                dup["child_name"] = None
            if self.hard and rng.random() < 0.2:
                dup["mother_id_number"] = self.typo(mother[0], range(0, 17))
            self.add("birth", dup)
            self.data.truth.add(("DUPLICATE_BIRTH_RECORD", frozenset({row["id"], dup["id"]})))
        elif rng.random() < 0.002:  # noise: a void row entered by mistake
            self.add(
                "birth", row | {"id": self.uid(), "certificate_no": self.cert(), "status": "void"}
            )
        return row["id"], row["certificate_no"]

    # -- persons --------------------------------------------------------------------
    def duplicate_persons(self) -> None:
        """Clone some persons under a mistyped or differently written ID number."""
        rng = self.rng
        cols = self.data.tables["person"]
        for i in range(len(cols["id"])):
            if rng.random() >= self.p_dup_person:
                continue
            idn = cols["id_number"][i]
            if rng.random() < 0.75:
                variant = self.typo(idn, range(0, 17))
            elif idn.endswith("X"):
                variant = idn[:-1] + "x"
            else:  # a full-width digit from an old import
                j = rng.randrange(17)
                variant = idn[:j] + chr(ord(idn[j]) + 0xFEE0) + idn[j + 1 :]
            if variant in self.ids:
                continue
            self.ids.add(variant)
            row = {c: cols[c][i] for c in PERSON_COLUMNS}
            clone = row | {"id": self.uid(), "id_number": variant}
            if rng.random() < 0.3:
                clone["household_region"] = rng.choice(self.regions)
            self.add("person", clone)
            self.data.truth.add(("DUPLICATE_PERSON", frozenset({row["id"], clone["id"]})))

    def marital_truth(self) -> None:
        """Add MARITAL_STATUS_MISMATCH truth: status vs the latest marriage record."""
        import unicodedata

        def norm(v: str) -> str:
            return unicodedata.normalize("NFKC", v).strip().upper()

        rank = {"divorce": 1, "marriage": 2, "restored": 3}
        latest: dict[str, tuple[date, int, str, str]] = {}
        for m in self.data.iter_rows("marriage"):
            if m["voided_at"] is not None or m["registered_on"] > self.as_of:
                continue
            key = (m["registered_on"], rank[m["record_type"]], m["id"], m["record_type"])
            for party in (m["party_a_id_number"], m["party_b_id_number"]):
                pid = norm(party)
                if pid not in latest or key > latest[pid]:
                    latest[pid] = key
        for p in self.data.iter_rows("person"):
            got = latest.get(norm(p["id_number"]))
            status = p["marital_status"]
            if got is None or status in (None, "90"):
                continue
            ok = ("40",) if got[3] == "divorce" else ("20", "21", "22", "23", "30")
            if status not in ok:
                self.data.truth.add(("MARITAL_STATUS_MISMATCH", frozenset({p["id"], got[2]})))


def generate(
    n_births: int, *, seed: int, region_prefix: str = "4202", hard: bool = False, as_of: date
) -> SyntheticData:
    """Generate a population with `n_births` children having a birth record, and its truth."""
    gen = _Gen(seed, region_prefix, hard, as_of)
    while gen.n_children < n_births:
        gen.family(n_births)
    gen.duplicate_persons()
    gen.marital_truth()
    return gen.data
