"""Birth units: reissue chains (换发) collapsed, duplicate birth records clustered.

A unit (table `u`) is one live birth row standing for its whole reissue chain: the newest
live certificate, with every other number of the chain as an alias (table `alias`).
A cluster (`u.cid`) groups units that are duplicate records of one child; its
representative is the record entered first. Both are settled before linking, because
they decide what "this child has no household entry" means.
"""

from __future__ import annotations

from typing import Any

import pyarrow as pa

from api.crosscheck.linkage.placeholders import placeholder_sql
from api.crosscheck.linkage.run import Run


class _UnionFind:
    """Plain union-find over hashable keys (the sets here are small)."""

    def __init__(self) -> None:
        self.parent: dict[Any, Any] = {}

    def find(self, x: Any) -> Any:
        parent = self.parent
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    def union(self, a: Any, b: Any) -> None:
        self.parent[self.find(a)] = self.find(b)

    def groups(self) -> list[list[Any]]:
        out: dict[Any, list[Any]] = {}
        for x in list(self.parent):
            out.setdefault(self.find(x), []).append(x)
        return list(out.values())


def prepare_births(run: Run) -> None:
    """Create `b` (all births, normalised), `alias` and `u0` (live units).

    A placeholder child name (张丽之子, 男婴 ...) becomes no name at all; the mother's
    name is kept in its comparable form, as it blocks duplicate records.
    """
    run.fold("SELECT mother_name FROM births_in")
    mname, join = run.folded("mother_name", "fm")
    placeholder = placeholder_sql("child_name", "mother_name")
    run.con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE b AS
        SELECT _i AS id, hash(id) AS h, norm_cert(certificate_no) AS cert,
               norm_cert(replaces_certificate_no) AS repl,
               CASE WHEN {placeholder} THEN NULL ELSE child_name END AS nname,
               child_sex AS sex, birth_datetime AS ts,
               CAST((birth_datetime + 28800000000) // 86400000000 AS INTEGER) AS day,
               birth_region AS region, norm_id(mother_id_number) AS mid,
               norm_id(father_id_number) AS fid,
               {mname} AS mname, coalesce(birth_order, 1) AS birth_order,
               coalesce(status, 'registered') = 'registered' AND voided_at IS NULL AS live,
               coalesce(created_at, birth_datetime) AS created
        FROM births_in {join}
        """
    )
    nonrep, aliases = _chains(run)
    run.register("_nonrep", {"id": pa.array(nonrep, pa.int32())})
    run.register(
        "_alias",
        {
            "uid": pa.array([a for a, _ in aliases], pa.int32()),
            "cert": pa.array([c for _, c in aliases], pa.string()),
        },
    )
    run.con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE alias AS SELECT DISTINCT * FROM _alias;
        CREATE OR REPLACE TEMP TABLE u0 AS
        SELECT b.*, a.aliases FROM b
        LEFT JOIN (SELECT uid, list(cert) AS aliases FROM alias GROUP BY uid) a ON a.uid = b.id
        WHERE b.live AND b.day <= {run.as_of_day} AND b.id NOT IN (SELECT id FROM _nonrep)
        """
    )


def _chains(run: Run) -> tuple[list[int], list[tuple[int, str]]]:
    """Return (rows that are not the current one of their chain, (current row, alias))."""
    rows = run.con.execute(
        """
        SELECT id, cert, repl, live, created, h FROM b
        WHERE repl IS NOT NULL OR cert IN (SELECT repl FROM b WHERE repl IS NOT NULL)
        """
    ).fetchall()
    by_cert = {r[1]: r for r in rows if r[1] is not None}
    uf = _UnionFind()
    for r in rows:
        uf.find(r[0])
        if r[2] in by_cert:
            uf.union(r[0], by_cert[r[2]][0])
    by_id = {r[0]: r for r in rows}

    def depth(r: tuple[Any, ...]) -> int:
        # Steps back to the first certificate: the newest reissue is the deepest.
        d, seen = 0, {r[0]}
        while r[2] in by_cert and by_cert[r[2]][0] not in seen:
            r = by_cert[r[2]]
            seen.add(r[0])
            d += 1
        return d

    nonrep: list[int] = []
    aliases: list[tuple[int, str]] = []
    for group in uf.groups():
        members = [by_id[i] for i in group]
        live = [r for r in members if r[3]]
        rep = max(live, key=lambda r: (depth(r), r[4], r[5])) if live else None
        certs = {r[1] for r in members if r[1]} | {r[2] for r in members if r[2]}
        nonrep.extend(r[0] for r in members if rep is None or r[0] != rep[0])
        if rep is not None:
            aliases.extend((rep[0], c) for c in sorted(certs) if c != rep[1])
    return nonrep, aliases


def duplicates(run: Run) -> list[tuple[int, int]]:
    """Cluster duplicate records; create `u` (with `cid`, `ch`, `rk`); return the pairs.

    Same child: same mother (exact or one typo), born within a day, same sex, the same
    place in a multiple birth (twins differ there) and compatible names (one missing, or
    the same characters or pinyin). Candidate pairs come from blocks on the mother's ID
    and on the mother's name with the birth date, so a mistyped ID is still caught.
    """
    pairs = _same_child(run)
    uf = _UnionFind()
    order: dict[int, tuple[Any, ...]] = {}
    for a, b, *rest in pairs:
        order[a], order[b] = tuple(rest[:3]), tuple(rest[3:])
        uf.union(a, b)
    # The first record entered is the original: it represents the cluster.
    members = [(m, min(g, key=order.__getitem__)) for g in uf.groups() for m in g]
    run.register(
        "_dmember",
        {
            "uid": pa.array([m for m, _ in members], pa.int32()),
            "cid": pa.array([c for _, c in members], pa.int32()),
        },
    )
    _units(run)
    run.con.execute("DROP TABLE dcand; DROP TABLE dnames; DROP TABLE u0")
    ordered = sorted((order[a], a, order[b], b) for a, b, *_ in pairs)
    return [(a, b) if oa <= ob else (b, a) for oa, a, ob, b in ordered]


def _same_child(run: Run) -> list[tuple[Any, ...]]:
    """Return (a, b, then created, cert, hash of each) for pairs of records of one child."""
    con = run.con
    cand = """
        SELECT x.id AS a, y.id AS b FROM u0 x JOIN u0 y
          ON x.mid = y.mid AND x.id < y.id AND y.day BETWEEN x.day - 1 AND x.day + 1
        UNION
        SELECT least(x.id, y.id), greatest(x.id, y.id) FROM u0 x JOIN u0 y
          ON x.mname = y.mname AND y.day = x.day + 1
        UNION
        SELECT x.id, y.id FROM u0 x JOIN u0 y
          ON x.mname = y.mname AND y.day = x.day AND x.id < y.id
    """
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE dcand AS
        SELECT c.a, c.b, x.nname AS na, y.nname AS nb FROM ({cand}) c
        JOIN u0 x ON x.id = c.a JOIN u0 y ON y.id = c.b
        WHERE x.birth_order = y.birth_order
          AND (x.sex = y.sex OR x.sex = 'unknown' OR y.sex = 'unknown')
          AND (x.mid = y.mid OR id_close(x.mid, y.mid))
        """
    )
    # Names agree when one is missing, when they are one name written two ways, or when
    # they read the same (a homophone typed by one of the clerks).
    run.fold("SELECT na FROM dcand WHERE na <> nb UNION SELECT nb FROM dcand WHERE na <> nb")
    fa, join_a = run.folded("d.na", "fa")
    fb, join_b = run.folded("d.nb", "fb")
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE dnames AS
        SELECT d.a, d.b, d.na, d.nb, d.na IS NULL OR d.nb IS NULL OR {fa} = {fb} AS same
        FROM dcand d {join_a} {join_b}
        """
    )
    run.ensure_pinyin(
        "SELECT na FROM dnames WHERE NOT same UNION SELECT nb FROM dnames WHERE NOT same"
    )
    return con.execute(
        """
        SELECT d.a, d.b, x.created, x.cert, x.h, y.created, y.cert, y.h FROM dnames d
        JOIN u0 x ON x.id = d.a JOIN u0 y ON y.id = d.b
        LEFT JOIN pk pa ON pa.nname = d.na LEFT JOIN pk pb ON pb.nname = d.nb
        WHERE d.same OR pa.key = pb.key
        """
    ).fetchall()


def _units(run: Run) -> None:
    """Create `u`: live units with their cluster (`cid`, `ch`) and twin rank (`rk`)."""
    # Only mothers with several births on one day need a rank.
    run.con.execute(
        """
        CREATE OR REPLACE TEMP TABLE u AS
        WITH c AS (
            SELECT u0.*, coalesce(d.cid, u0.id) AS cid, d.cid IS NOT NULL AS dm FROM u0
            LEFT JOIN _dmember d ON d.uid = u0.id),
        multi AS (SELECT mid, day FROM c WHERE id = cid AND mid IS NOT NULL
                  GROUP BY ALL HAVING count(*) > 1),
        r AS (
            SELECT c.id, row_number() OVER (PARTITION BY c.mid, c.day
                   ORDER BY c.birth_order, c.ts, c.cert, c.h) AS rk
            FROM c JOIN multi USING (mid, day) WHERE c.id = c.cid),
        reps AS (SELECT c.id, c.h, coalesce(r.rk, 1) AS rk FROM c LEFT JOIN r USING (id)
                 WHERE c.id = c.cid)
        SELECT c.*, reps.h AS ch, reps.rk FROM c JOIN reps ON reps.id = c.cid
        """
    )
