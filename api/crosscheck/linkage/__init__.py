"""Record linkage for the cross-check (信息比对): births ↔ household entries, persons, marriages.

    from api.crosscheck.linkage import crosscheck, link, load
    findings = crosscheck(connection, as_of=date(2026, 3, 1), region_prefix="420200")
    # or, in two steps: link(*load(connection, "420200"), as_of=..., region_prefix="4202")

`link()` is the pure engine (inputs: Arrow tables or row dicts, see inputs.py);
`load()` reads the four tables from a SQLAlchemy connection (SQLite or PostgreSQL);
each `Finding` has a stable `fingerprint` for the worklist. See engine.py for the method.
"""

from api.crosscheck.linkage.engine import link
from api.crosscheck.linkage.findings import DiscrepancyType, Finding, fingerprint_of
from api.crosscheck.linkage.loader import LinkageInputs, crosscheck, load

__all__ = [
    "DiscrepancyType",
    "Finding",
    "LinkageInputs",
    "crosscheck",
    "fingerprint_of",
    "link",
    "load",
]
