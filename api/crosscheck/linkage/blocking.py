"""Candidate pairs (blocking): only pairs sharing a key are ever scored.

Pass 1 joins on exact keys, which find nearly every true pair:
  - the entry's certificate number = the birth's (or one it replaced, 换发),
  - the mother's ID number, with birth dates within a day of each other.
Pass 2 runs only on what pass 1 left unlinked, on deletion neighbourhoods: every string
and each of its one-character deletions. Two strings one substitution or one adjacent
transposition apart always share a deletion, so a certificate number or the first 17
characters of a mother's ID (the check character is recomputed by some clerks' systems,
so it is left out) with one typo still meet. Both passes are hash joins in DuckDB, so the
work grows with the number of records, not its square.
"""

from __future__ import annotations

import duckdb

# Tables used here (built by engine.py):
#   u(id, cid, cert, aliases, mid, day, ...)   live births, one row per reissue chain
#   e(id, cert, mid, day, ...)                 live household birth entries


def exact_candidates(con: duckdb.DuckDBPyConnection) -> None:
    """Create `cand(uid, eid)` from the exact blocks of pass 1.

    Most pairs are found by both keys; instead of a DISTINCT over all of them (a hash of
    two million pairs) the certificate block leaves out what the mother block has.
    """
    con.execute(
        """
        CREATE OR REPLACE TEMP TABLE cand AS
        SELECT u.id AS uid, e.id AS eid FROM e JOIN u
            ON e.mid = u.mid AND e.day BETWEEN u.day - 1 AND u.day + 1
        UNION ALL
        SELECT uid, eid FROM (
            SELECT u.id AS uid, e.id AS eid, e.mid = u.mid
                   AND e.day BETWEEN u.day - 1 AND u.day + 1 AS dup_of_mother_block
            FROM e JOIN u ON e.cert = u.cert
            UNION ALL  -- aliases never include the current number: disjoint
            SELECT a.uid, e.id, e.mid = u.mid AND e.day BETWEEN u.day - 1 AND u.day + 1
            FROM e JOIN alias a ON e.cert = a.cert JOIN u ON u.id = a.uid)
        WHERE NOT coalesce(dup_of_mother_block, false)
        """
    )


def _deletions(source: str, key: str, ident: str) -> str:
    """Return SQL listing (ident, k) for `key` and each of its one-character deletions."""
    return f"""
        SELECT {ident} AS ident, CASE WHEN i = 0 THEN k
               ELSE substr(k, 1, i - 1) || substr(k, i + 1) END AS k
        FROM (SELECT {ident}, {key} AS k, unnest(range(0, length({key}) + 1)) AS i
              FROM {source} WHERE {key} IS NOT NULL)
    """


def fuzzy_candidates(con: duckdb.DuckDBPyConnection) -> None:
    """Create `cand(uid, eid)` between unlinked entries `re` and unlinked births `ru`."""
    cert_u = _deletions(
        "(SELECT id, cert FROM ru UNION ALL SELECT a.uid, a.cert FROM alias a "
        "JOIN ru ON ru.id = a.uid)",
        "cert",
        "id",
    )
    cert_e = _deletions("re", "cert", "id")
    mid_u = _deletions("ru", "left(mid, 17)", "id")
    mid_e = _deletions("re", "left(mid, 17)", "id")
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE cand AS
        SELECT DISTINCT x.ident AS uid, y.ident AS eid
        FROM ({cert_u}) x JOIN ({cert_e}) y ON x.k = y.k
        UNION
        SELECT DISTINCT x.ident, y.ident
        FROM ({mid_u}) x JOIN ({mid_e}) y ON x.k = y.k
        """
    )
