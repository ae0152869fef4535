"""The generator's state and primitives: random source, unique codes, rows, persons."""

from __future__ import annotations

import random
from collections.abc import Iterable
from datetime import UTC, date, datetime, time
from typing import Any

from api.demo.synthetic.conventions import Writer
from api.demo.synthetic.tables import TABLES, SyntheticData, uuid4_from
from api.validation.id_number import id_number_check_char

DISTRICTS: dict[str, tuple[str, ...]] = {
    "4202": ("420202", "420203", "420204", "420205", "420222", "420281"),
    "4201": ("420102", "420103", "420104", "420105", "420106", "420107"),
}
_CERT_LETTERS = "ABCDEFGHJKLMNPQRSTUVWXYZ"


class Base:
    """The generator's state: random source, uniqueness sets and the growing tables."""

    def __init__(
        self, seed: int, prefix: str, hard: bool, as_of: date, conventions: Iterable[str]
    ) -> None:
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
        self.p_named = 0.65 if hard else 0.8
        self.p_minority = 0.05 if hard else 0.02
        self.p_cert_null = 0.05 if hard else 0.0
        self.p_dup_birth = 0.006 if hard else 0.003
        self.p_dup_person = 0.008 if hard else 0.004
        # How each department writes names and numbers (conventions.py).
        self.ward = Writer(self.rng, conventions, 0.05 if hard else 0.02)
        self.police = Writer(self.rng, conventions, 0.05 if hard else 0.02)

    # -- primitives -----------------------------------------------------------------
    def uid(self) -> str:
        """Return a new UUID drawn from the seed."""
        return uuid4_from(self.rng.getrandbits(128))

    def add(self, table: str, row: dict[str, Any]) -> None:
        """Append a row (missing columns are null)."""
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
        """Return a new unique birth certificate number (出生医学证明编号)."""
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

    def person(
        self, id_number: str, name: str, sex: str, born: date, region: str, marital: str | None
    ) -> None:
        """Add a person record (户籍人口)."""
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
        """Add a marriage, divorce or restoration record; return its id."""
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
