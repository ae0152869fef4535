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
widowed after marriage, entries without a certificate number, and the ways real
registers write things (conventions.py): placeholder child names (张丽之子, 男婴（２）),
traditional characters, full-width forms, middle-dot variants, spaces inside names.
`hard=True` piles several errors on one entry, has more multiple births, unnamed
children, entries without certificate numbers and minority names (阿依古丽·买买提), and
writes records in those conventions more often.

Everything derives from `seed` (ids too), so a seed is a fixture. `n_births` counts
children with a birth record; reissues and duplicates add rows on top.

Modules: tables.py (columns, `SyntheticData`), names.py (name pools, homophones),
conventions.py (how registers write), base.py → children.py → families.py →
generator.py (the generator, one layer each).
"""

from api.demo.synthetic.base import DISTRICTS
from api.demo.synthetic.conventions import CONVENTIONS
from api.demo.synthetic.generator import generate
from api.demo.synthetic.names import HOMOPHONES
from api.demo.synthetic.tables import TABLES, SyntheticData, Truth, uuid4_from

__all__ = [
    "CONVENTIONS",
    "DISTRICTS",
    "HOMOPHONES",
    "TABLES",
    "SyntheticData",
    "Truth",
    "generate",
    "uuid4_from",
]
