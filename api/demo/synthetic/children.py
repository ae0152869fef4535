"""Children: birth records as the ward writes them, household entries as the police
register them, and the truth of every discrepancy planted between the two."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from api.demo.synthetic.base import Base
from api.demo.synthetic.conventions import placeholder
from api.demo.synthetic.names import child_name, homophone

# Corruption kind → the interface field it shows as, in the interface's order.
_MISMATCH_FIELDS = {
    "cert": "certificate_no",
    "sex": "child_sex",
    "date": "birth_date",
    "mother": "mother_id_number",
    "name": "child_name",
}


@dataclass(frozen=True, slots=True)
class Delivery:
    """What the children of one delivery share."""

    day: date
    region: str  # the family's household region
    birth_region: str
    facility: str
    mother: tuple[str, str]  # (ID number, name)
    father: tuple[str, str] | None
    plurality: int
    style: int  # how the ward writes placeholder names for this delivery
    written_mother: str  # the mother's name as the ward writes it
    delay: int | None  # days from birth to registration; None: not registered


@dataclass(slots=True)
class Child:
    """One child: the true facts and the corruptions planned for its household entry."""

    order: int
    sex: str
    name: str
    born: datetime
    corrupt: list[str] = field(default_factory=list)
    named: bool = False  # whether the birth record carries the child's name


class Children(Base):
    """Adds children: birth rows, household entries, persons and the truth."""

    def registration_delay(self, age: int) -> int | None:
        """Return the days from birth to registration (None: not registered by as_of).

        One delay per delivery: parents register twins together, so that which twin of
        a pair is unregistered is never a question without an answer.
        """
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
        return delay

    def corruptions(self, singleton: bool) -> list[str]:
        """Return the corruptions of one child's household entry (mostly none)."""
        rng = self.rng
        kinds = ["cert", "mother", "name", "sex"] + (["date"] if singleton else [])
        corrupt: list[str] = []
        r = rng.random()
        if self.hard and r < 0.06:
            corrupt = rng.sample(kinds, rng.choice((2, 3)))
        elif r < (0.04 if self.hard else 0.03):
            weights = {"cert": 10, "mother": 6, "name": 6, "sex": 4, "date": 5}
            corrupt = rng.choices(kinds, [weights[k] for k in kinds])
        return corrupt

    def child(
        self, dl: Delivery, order: int, minute: int, surname: str, taken: set[str], seq: int
    ) -> int:
        """Add one child with a birth record; return the sequence number of its ID."""
        rng = self.rng
        age = (self.as_of - dl.day).days
        sex = "male" if rng.random() < 0.515 else "female"
        delay, corrupt = dl.delay, self.corruptions(dl.plurality == 1)
        entry_date = dl.day
        if "date" in corrupt:  # born around midnight, the register took the other day
            if rng.random() < 0.5:
                minute, entry_date = 23 * 60 + 30 + rng.randrange(30), dl.day + timedelta(days=1)
            else:
                minute, entry_date = rng.randrange(30), dl.day - timedelta(days=1)
            delay = None if delay is None else max(delay, 1)
        if delay is not None and dl.day + timedelta(days=delay) > self.as_of:
            delay = None  # would be registered after as_of: not yet
        local = datetime.combine(dl.day, time()) + timedelta(
            minutes=minute, seconds=rng.randrange(60)
        )
        born = (local - timedelta(hours=8)).replace(tzinfo=UTC)
        kid = Child(order, sex, child_name(rng, surname, taken), born, corrupt)
        self.n_children += 1
        subject, cite = self.birth_rows(dl, kid)
        if delay is None:
            if age > 30:
                self.data.truth.add(("BIRTH_NOT_REGISTERED", frozenset({subject})))
            return seq
        return self.entry(dl, kid, entry_date, delay, subject, cite, seq)

    def unrecorded_child(self, dl: Delivery, surname: str, taken: set[str], seq: int) -> int:
        """Add a child registered by the police without any birth record here."""
        rng = self.rng
        age = (self.as_of - dl.day).days
        sex = "male" if rng.random() < 0.515 else "female"
        born = datetime.combine(dl.day, time(4), UTC)
        kid = Child(1, sex, child_name(rng, surname, taken), born)
        cite = self.cert() if rng.random() < 0.5 else None  # a certificate from elsewhere
        return self.entry(dl, kid, dl.day, rng.randint(0, min(age, 60)), None, cite, seq)

    def entry(
        self,
        dl: Delivery,
        kid: Child,
        entry_date: date,
        delay: int,
        subject: str | None,
        cite: str | None,
        seq: int,
    ) -> int:
        """Add the household entry (and the child's person record) as the police wrote it."""
        rng, corrupt = self.rng, kid.corrupt
        e_sex = ("female" if kid.sex == "male" else "male") if "sex" in corrupt else kid.sex
        e_name = kid.name
        if "name" in corrupt:
            e_name = homophone(rng, kid.name) or kid.name
            if e_name == kid.name:
                corrupt.remove("name")
        e_cert = cite
        if "cert" in corrupt and cite is not None:
            e_cert = self.typo(cite, range(1, 10))
        elif self.hard and rng.random() < self.p_cert_null:
            e_cert = None
        e_mother = dl.mother[0]
        if "mother" in corrupt:
            e_mother = self.typo(dl.mother[0], range(0, 17), recompute=rng.random() < 0.2)
        child_id, seq = self.id_number(dl.region, entry_date, e_sex, seq if seq < 900 else 0)
        eid = self.uid()
        written = self.police.name(e_name)
        entry = {
            "id": eid,
            "entry_type": "birth",
            "person_id_number": child_id,
            "person_name": written,
            "person_sex": e_sex,
            "person_birth_date": entry_date,
            "household_region": dl.region,
            "household_no": f"{dl.region}{rng.randrange(10**6):06d}",
            "registered_on": dl.day + timedelta(days=delay),
            "birth_certificate_no": self.police.identifier(e_cert),
            "mother_id_number": self.police.identifier(e_mother),
            "father_id_number": dl.father[0] if dl.father else None,
        }
        self.add("household_entry", entry)
        if rng.random() < 0.003:  # noise: an earlier, voided attempt with a wrong name
            self.add("household_entry", self._voided_attempt(entry))
        self.person(child_id, written, e_sex, entry_date, dl.region, None)
        if subject is None:
            self.data.truth.add(("REGISTRATION_WITHOUT_BIRTH_RECORD", frozenset({eid})))
        elif fields := tuple(f for c, f in _MISMATCH_FIELDS.items() if c in corrupt):
            key = ("ATTRIBUTE_MISMATCH", frozenset({subject, eid}))
            self.data.truth.add(key)
            self.data.truth_fields[key] = fields
        return seq

    def _voided_attempt(self, entry: dict[str, Any]) -> dict[str, Any]:
        registered_on: date = entry["registered_on"]
        return entry | {
            "id": self.uid(),
            "person_name": entry["person_name"] + "某",
            "registered_on": registered_on - timedelta(days=1),
            "voided_at": datetime.combine(registered_on, time(9), UTC),
        }

    def birth_rows(self, dl: Delivery, kid: Child) -> tuple[str, str]:
        """Add the birth row(s) of one child; return (the birth findings name, cited cert)."""
        rng = self.rng
        kid.named = rng.random() < self.p_named
        if not kid.named and "name" in kid.corrupt:
            kid.corrupt.remove("name")  # nothing to disagree with
        mother = dl.written_mother
        row: dict[str, Any] = {
            "id": self.uid(),
            "certificate_no": self.cert(),
            "child_name": self.ward.name(kid.name) if kid.named else self.stand_in(dl, kid, mother),
            "child_sex": kid.sex,
            "birth_datetime": kid.born,
            "birth_region": dl.birth_region,
            "mother_id_number": dl.mother[0],
            "mother_name": mother,
            "father_id_number": dl.father[0] if dl.father else None,
            "father_name": dl.father[1] if dl.father else None,
            "plurality": dl.plurality,
            "birth_order": kid.order,
            "status": "registered",
            "facility_code": dl.facility,
            "created_at": kid.born + timedelta(hours=rng.randint(1, 48)),
        }
        r = rng.random()
        if r < 0.01:
            return self._reissue(row, dl, kid)
        self.add("birth", row)
        if r < 0.01 + self.p_dup_birth:
            self._duplicate(row, dl, kid)
        elif rng.random() < 0.002:  # noise: a void row entered by mistake
            self.add(
                "birth", row | {"id": self.uid(), "certificate_no": self.cert(), "status": "void"}
            )
        return row["id"], row["certificate_no"]

    def stand_in(self, dl: Delivery, kid: Child, mother: str) -> str | None:
        """Return what the ward writes for a child not named yet: a placeholder or nothing.

        `mother` is the mother's name as written on the same record.
        """
        if not self.ward.wants_placeholder():
            return None
        male = kid.sex == "male"
        return placeholder(self.rng, mother, male, kid.order, dl.plurality, dl.style)

    def _reissue(self, row: dict[str, Any], dl: Delivery, kid: Child) -> tuple[str, str]:
        """Add a certificate and its reissue (换发): the new one is the current one."""
        rng = self.rng
        old = row | {
            # Often first issued before the child was named.
            "child_name": (
                self.stand_in(dl, kid, row["mother_name"])
                if rng.random() < 0.6
                else row["child_name"]
            ),
            "status": "void" if rng.random() < 0.5 else "registered",
        }
        self.add("birth", old)
        new = row | {
            "id": self.uid(),
            "certificate_no": self.cert(),
            "replaces_certificate_no": old["certificate_no"],
            "created_at": kid.born + timedelta(days=rng.randint(5, 200)),
        }
        self.add("birth", new)
        cite = old["certificate_no"] if rng.random() < 0.5 else new["certificate_no"]
        return new["id"], cite

    def _duplicate(self, row: dict[str, Any], dl: Delivery, kid: Child) -> None:
        """Enter the same child a second time, as another clerk writes it."""
        rng = self.rng
        local = kid.born + timedelta(hours=8)
        shift = rng.randint(0, 10) * (1 if local.hour < 12 else -1)
        mother = self.ward.name(dl.mother[1])
        dup = row | {
            "id": self.uid(),
            "certificate_no": self.cert(),
            "birth_datetime": kid.born + timedelta(minutes=shift),
            "facility_code": f"H{dl.birth_region}{rng.randrange(100):02d}",
            "created_at": row["created_at"] + timedelta(days=rng.randint(1, 30)),
            "mother_name": mother,
            "child_name": self.ward.name(kid.name) if kid.named else None,
        }
        if not kid.named or (self.hard and rng.random() < 0.3):
            dup["child_name"] = self.stand_in(dl, kid, mother)
        if self.hard and rng.random() < 0.2:
            dup["mother_id_number"] = self.typo(dl.mother[0], range(0, 17))
        self.add("birth", dup)
        self.data.truth.add(("DUPLICATE_BIRTH_RECORD", frozenset({row["id"], dup["id"]})))
