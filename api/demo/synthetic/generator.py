"""The generator: families until enough children have a birth record, then duplicate
persons and the marital-status truth over everything generated."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from datetime import date

from api.demo.synthetic.conventions import CONVENTIONS
from api.demo.synthetic.families import Families
from api.demo.synthetic.tables import PERSON_COLUMNS, SyntheticData


class Generator(Families):
    """The whole generator: families, then the person-level plants."""

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
            # Another clerk, another way of writing the name (张伟 / 張偉 / 张 伟).
            clone = row | {"id": self.uid(), "id_number": variant}
            clone["name"] = self.police.name(clone["name"])
            if rng.random() < 0.3:
                clone["household_region"] = rng.choice(self.regions)
            self.add("person", clone)
            self.data.truth.add(("DUPLICATE_PERSON", frozenset({row["id"], clone["id"]})))

    def marital_truth(self) -> None:
        """Add MARITAL_STATUS_MISMATCH truth: status vs the latest marriage record."""

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
    n_births: int,
    *,
    seed: int,
    region_prefix: str = "4202",
    hard: bool = False,
    as_of: date,
    conventions: Iterable[str] = CONVENTIONS,
) -> SyntheticData:
    """Generate a population with `n_births` children having a birth record, and its truth.

    `conventions` chooses which ways of writing records real registers use are planted
    (see `conventions.CONVENTIONS`; all by default, none with `()`).
    """
    gen = Generator(seed, region_prefix, hard, as_of, conventions)
    while gen.n_children < n_births:
        gen.family(n_births)
    gen.duplicate_persons()
    gen.marital_truth()
    return gen.data
