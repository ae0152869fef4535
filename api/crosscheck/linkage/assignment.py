"""One-to-one assignment of births to household entries.

Greedy by score is what we want (the best-scoring pair is always the right one to keep),
but a sequential greedy loop over a million pairs is slow in Python. With a strict total
order on pairs, greedy matching equals repeatedly taking every *mutually best* pair (the
pair that is the best for its birth and for its entry) and removing what they touch:
each round is two window functions in DuckDB, and a handful of rounds settles everything.

Ties are broken so that twins and triplets pair up by birth order: `rdiff` is the distance
between the birth's rank among its mother's births of that day (by birth order, then time)
and the entry's rank among that mother's entries for the day (by the child's ID number,
whose sequence part the police assign in registration order).
"""

from __future__ import annotations

import duckdb

_ORDER = "score DESC, rdiff, ch, eh, cid, eid"


def assign(con: duckdb.DuckDBPyConnection, pairs: str, links: str) -> int:
    """Move a one-to-one subset of `pairs` (cid, uid, eid, score, rdiff, ...) into `links`.

    `links` must exist with the columns of `pairs`; returns the number of links added.
    """
    # A pair that is the only candidate of its birth and of its entry (most of them) is
    # mutually best without sorting anything: settle those with two hash aggregates.
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE _single AS
        SELECT * FROM {pairs}
        WHERE cid IN (SELECT cid FROM {pairs} GROUP BY cid HAVING count(*) = 1)
          AND eid IN (SELECT eid FROM {pairs} GROUP BY eid HAVING count(*) = 1);
        INSERT INTO {links} SELECT * FROM _single;
        CREATE OR REPLACE TEMP TABLE _pool AS
        SELECT * FROM {pairs} p WHERE p.cid NOT IN (SELECT cid FROM _single);
        """
    )
    row = con.execute("SELECT count(*) FROM _single").fetchone()
    added = int(row[0]) if row else 0
    while True:
        con.execute(
            f"""
            CREATE OR REPLACE TEMP TABLE _win AS
            SELECT * EXCLUDE (rc, re) FROM (
                SELECT *,
                       row_number() OVER (PARTITION BY cid ORDER BY {_ORDER}) AS rc,
                       row_number() OVER (PARTITION BY eid ORDER BY {_ORDER}) AS re
                FROM _pool)
            WHERE rc = 1 AND re = 1
            """
        )
        row = con.execute("SELECT count(*) FROM _win").fetchone()
        won = int(row[0]) if row else 0
        if won == 0:
            break
        added += won
        con.execute(f"INSERT INTO {links} SELECT * FROM _win")
        con.execute(
            """
            CREATE OR REPLACE TEMP TABLE _pool AS
            SELECT * FROM _pool p
            WHERE p.cid NOT IN (SELECT cid FROM _win) AND p.eid NOT IN (SELECT eid FROM _win)
            """
        )
    con.execute("DROP TABLE IF EXISTS _pool; DROP TABLE IF EXISTS _win; DROP TABLE _single")
    return added
