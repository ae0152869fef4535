"""Families: parents, their marriage records and deliveries of one to three children."""

from __future__ import annotations

from datetime import date, timedelta

from api.demo.synthetic.children import Children, Delivery
from api.demo.synthetic.conventions import PLACEHOLDER_STYLES
from api.demo.synthetic.names import adult_name, family_surname


class Families(Children):
    """Adds families: the unit `generate` repeats until enough children have a record."""

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
        mother = (self.id_number(region, m_born, "female")[0], adult_name(rng, minority))
        father: tuple[str, str] | None = None
        if rng.random() < 0.9:
            f_born = m_born - timedelta(days=rng.randint(-700, 2500))
            father = (self.id_number(region, f_born, "male")[0], adult_name(rng, minority))
        statuses = self.marriages(region, mother, father, dates)
        self.person(mother[0], self.police.name(mother[1]), "female", m_born, region, statuses[0])
        if father is not None:
            self.person(father[0], self.police.name(father[1]), "male", f_born, region, statuses[1])
        surname = family_surname((father or mother)[1])
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
        unrecorded = rng.random() < 0.005  # born elsewhere: registered here without a record
        birth_region = region if rng.random() < 0.8 else rng.choice(self.regions)
        dl = Delivery(
            day=d,
            region=region,
            birth_region=birth_region,
            facility=f"H{birth_region}{rng.randrange(100):02d}",
            mother=mother,
            father=father,
            plurality=1 if unrecorded else min(plurality, budget - self.n_children),
            style=rng.randrange(PLACEHOLDER_STYLES),
            written_mother=self.ward.name(mother[1]),
            delay=self.registration_delay((self.as_of - d).days),
        )
        if unrecorded:
            self.unrecorded_child(dl, surname, taken, 0)
            return
        minute = rng.randrange(0, 23 * 60 - 60)  # multiple births stay on one day
        seq = 0
        for order in range(1, dl.plurality + 1):
            minute += rng.randint(3, 15) if order > 1 else 0
            seq = self.child(dl, order, minute, surname, taken, seq)
