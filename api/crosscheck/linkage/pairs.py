"""Linking births to household entries: entries prepared, pairs scored, links made.

Blocking → scoring → one-to-one assignment, twice: exact keys, then deletion
neighbourhoods for what is left (see blocking.py, scoring.py, assignment.py). Names are
compared as stored first; only pairs whose names differ go through Python, where
`names.normalize_name` folds the ways of writing one name and the pinyin key tells
homophones (table `pk`).
"""

from __future__ import annotations

import duckdb

from api.crosscheck.linkage import assignment, blocking, scoring
from api.crosscheck.linkage.placeholders import placeholder_sql
from api.crosscheck.linkage.run import Run


def prepare_entries(run: Run) -> None:
    """Create `e`: live household birth entries, with the twin rank `rk`."""
    run.con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE e0 AS
        SELECT _i AS id, hash(id) AS h, norm_cert(birth_certificate_no) AS cert,
               norm_id(mother_id_number) AS mid, norm_id(father_id_number) AS fid,
               CASE WHEN {placeholder_sql("person_name")} THEN NULL
                    ELSE person_name END AS nname,
               person_sex AS sex, person_birth_date AS day, household_region AS region,
               registered_on, person_id_number AS pid
        FROM entries_in
        WHERE entry_type = 'birth' AND voided_at IS NULL
          AND coalesce(registered_on <= {run.as_of_day}, true)
        """
    )
    # Only mothers with several children on one day need a rank (twins, triplets).
    run.con.execute(
        """
        CREATE OR REPLACE TEMP TABLE e AS
        WITH multi AS (SELECT mid, day FROM e0 WHERE mid IS NOT NULL
                       GROUP BY ALL HAVING count(*) > 1),
        r AS (SELECT e0.id, row_number() OVER (PARTITION BY e0.mid, e0.day
                                               ORDER BY e0.pid, e0.h) AS rk
              FROM e0 JOIN multi USING (mid, day))
        SELECT e0.* EXCLUDE (pid), coalesce(r.rk, 1) AS rk FROM e0 LEFT JOIN r USING (id);
        DROP TABLE e0;
        """
    )


_LEVELS = """
    CAST(CASE WHEN ecert IS NULL THEN 1
         WHEN ecert = ucert OR list_contains(aliases, ecert) THEN 3
         WHEN one_edit(ecert, ucert) OR coalesce(list_bool_or(
              list_transform(aliases, lambda a: one_edit(a, ecert))), false)
         THEN 2 ELSE 0 END AS TINYINT) AS l_cert,
    CAST(CASE WHEN esex IS NULL OR esex = 'unknown' OR usex = 'unknown'
         THEN 1 WHEN esex = usex THEN 3 ELSE 0 END AS TINYINT) AS l_sex,
    CAST(CASE WHEN eday IS NULL THEN 1 WHEN eday = uday THEN 3
         WHEN abs(eday - uday) = 1 THEN 2 ELSE 0 END AS TINYINT) AS l_date,
    CAST(CASE WHEN emid IS NULL THEN 1 WHEN emid = umid THEN 3
         WHEN NOT id_close(emid, umid) THEN 0
         WHEN id_valid(emid) AND id_valid(umid) AND NOT (umid_known AND NOT emid_known)
         THEN 4 ELSE 2 END AS TINYINT) AS l_mid,
    CAST(CASE WHEN efid IS NULL OR ufid IS NULL THEN 1 WHEN efid = ufid THEN 3
         WHEN NOT id_close(efid, ufid) THEN 0
         WHEN id_valid(efid) AND id_valid(ufid) AND NOT (ufid_known AND NOT efid_known)
         THEN 4 ELSE 2 END AS TINYINT) AS l_fid,
    CAST(CASE WHEN un IS NULL OR en IS NULL THEN 1 WHEN same_name THEN 3
         WHEN pu.key = pe.key THEN 2 ELSE 0 END AS TINYINT) AS l_name
"""


def _name_agreement(run: Run) -> str:
    """Return the SQL of `cj` with `same_name`: one name, however it is written."""
    # Names as stored first; the fold (names.py) only for pairs whose names differ, and
    # pinyin keys only for names that differ even then.
    run.fold("SELECT un FROM cj WHERE un <> en UNION SELECT en FROM cj WHERE un <> en")
    fu, join_u = run.folded("cj.un", "fu")
    fe, join_e = run.folded("cj.en", "fe")
    with_names = f"""
        SELECT cj.*, coalesce(un = en OR {fu} = {fe}, false) AS same_name
        FROM cj {join_u} {join_e}
    """
    differ = f"SELECT un, en FROM ({with_names}) WHERE NOT same_name AND un <> en"
    run.ensure_pinyin(f"SELECT un FROM ({differ}) UNION SELECT en FROM ({differ})")
    return with_names


def _known_people(con: duckdb.DuckDBPyConnection, pairs: str) -> str:
    """Return the SQL of `pairs` with `*_known`: whether a parent's near ID is a person's.

    Two valid ID numbers one edit apart may be two women (the weak level). But when the
    birth's mother is on the person register and the number the entry cites is nobody's,
    the entry's number is a typo whose check character was recomputed, not a neighbour.
    Only the few IDs of such near pairs are looked up.
    """
    con.execute(
        """
        CREATE OR REPLACE TEMP TABLE _known_ids AS
        SELECT DISTINCT x AS nid FROM (
            SELECT unnest([emid, umid]) AS x FROM cj WHERE emid <> umid AND id_close(emid, umid)
            UNION ALL
            SELECT unnest([efid, ufid]) FROM cj WHERE efid <> ufid AND id_close(efid, ufid))
        WHERE x IN (SELECT id_number FROM persons_in WHERE voided_at IS NULL)
        """
    )
    known = ", ".join(
        f"coalesce({c} IN (SELECT nid FROM _known_ids), false) AS {c}_known"
        for c in ("emid", "umid", "efid", "ufid")
    )
    return f"SELECT *, {known} FROM ({pairs})"


def score_candidates(run: Run, births: str, entries: str, *, accept: bool = True) -> None:
    """Score `cand` pairs into `cp`: accepted pairs, best member per (cluster, entry).

    `accept=False` keeps every pair (to compare pairs another linker chose).
    """
    con = run.con
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE cj AS
        SELECT u.cid, u.ch, u.dm, c.uid, c.eid, e.h AS eh, abs(u.rk - e.rk) AS rdiff,
               u.cert AS ucert, u.aliases, e.cert AS ecert, u.mid AS umid, e.mid AS emid,
               u.fid AS ufid, e.fid AS efid,
               u.day AS uday, e.day AS eday, u.sex AS usex, e.sex AS esex,
               u.nname AS un, e.nname AS en
        FROM cand c JOIN {births} u ON u.id = c.uid JOIN {entries} e ON e.id = c.eid
        """
    )
    pairs = _known_people(con, _name_agreement(run))
    scored = f"""
        SELECT *, {scoring.score_sql()} AS score FROM (
            SELECT cid, ch, uid, eid, eh, rdiff, dm, {_LEVELS}
            FROM ({pairs}) p LEFT JOIN pk pu ON pu.nname = p.un
            LEFT JOIN pk pe ON pe.nname = p.en)
    """
    # Members of a duplicate cluster compete for the entry: keep the best one (the
    # original on a tie). Everything else is one unit per cluster already.
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE cs AS
        SELECT * EXCLUDE (dm) FROM ({scored})
        WHERE {scoring.ACCEPT_SQL if accept else "true"};
        CREATE OR REPLACE TEMP TABLE cp AS
        SELECT * FROM cs WHERE cid NOT IN (SELECT cid FROM _dmember)
        UNION ALL
        SELECT * EXCLUDE (rn) FROM (
            SELECT *, row_number() OVER (PARTITION BY cid, eid
                                         ORDER BY score DESC, uid = cid DESC, uid) AS rn
            FROM cs WHERE cid IN (SELECT cid FROM _dmember))
        WHERE rn = 1;
        DROP TABLE cs; DROP TABLE cj;
        """
    )


def _defer_ties(con: duckdb.DuckDBPyConnection) -> None:
    """Leave to the second pass every entry or birth whose best pairs tie on score.

    Twins or triplets without names yet (placeholders) and an entry without the
    certificate number score the same against each sibling; only the twin rank tells
    them apart, and the rank is off when a sibling's entry carries a mistyped mother ID
    (it is not in the mother's group). The second pass sees that entry too, through its
    near identifiers, so the siblings are settled together on score.
    """
    con.execute(
        """
        CREATE OR REPLACE TEMP TABLE cp AS
        WITH top AS (
            SELECT *, max(score) OVER (PARTITION BY eid) AS best_e,
                      max(score) OVER (PARTITION BY cid) AS best_u FROM cp),
        tied_e AS (SELECT eid FROM top WHERE score = best_e
                   GROUP BY eid HAVING count(DISTINCT cid) > 1),
        tied_u AS (SELECT cid FROM top WHERE score = best_u
                   GROUP BY cid HAVING count(DISTINCT eid) > 1)
        SELECT * FROM cp
        WHERE eid NOT IN (SELECT eid FROM tied_e) AND cid NOT IN (SELECT cid FROM tied_u)
        """
    )


def link_pairs(run: Run) -> None:
    """Run both blocking passes and fill `links` one-to-one."""
    con = run.con
    blocking.exact_candidates(con)
    score_candidates(run, "u", "e")
    _defer_ties(con)
    con.execute("CREATE OR REPLACE TEMP TABLE links AS SELECT * FROM cp LIMIT 0")
    assignment.assign(con, "cp", "links")
    con.execute(
        """
        CREATE OR REPLACE TEMP TABLE ru AS
        SELECT * FROM u WHERE cid NOT IN (SELECT cid FROM links);
        CREATE OR REPLACE TEMP TABLE re AS
        SELECT * FROM e WHERE id NOT IN (SELECT eid FROM links);
        """
    )
    blocking.fuzzy_candidates(con)
    score_candidates(run, "ru", "re")
    assignment.assign(con, "cp", "links")
    con.execute("DROP TABLE cand; DROP TABLE cp; DROP TABLE ru; DROP TABLE re")
