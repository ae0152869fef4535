"""The cross-check engine: link births to household entries and report discrepancies.

`link()` is pure: four inputs in (see `inputs.py` for the format), findings out, no
database and no clock. The heavy lifting runs in an in-process DuckDB over Arrow tables;
Python only touches the small sets (reissue chains, duplicate clusters, names that differ).
Rows are joined on their position in the input (int32), not on their 36-character UUID,
which makes every join and window cheaper; ties are broken on a hash of the UUID so that
the result does not depend on the order the database returned rows in.

Order of work, and why:
 1. Reissue chains (换发) collapse into one unit whose current row is the newest live
    certificate; every number in the chain is an alias of it.
 2. Duplicate birth records (same child entered twice) are clustered, so that the child
    counts as registered when the entry cites either record. Both steps come before
    deciding what is unregistered, as they change what "unregistered" means.
 3. Blocking → scoring → one-to-one assignment, twice: exact keys, then deletion
    neighbourhoods for what is left (see blocking.py, scoring.py, assignment.py).
 4. Findings from what linked (attribute mismatches) and what did not.

Birth dates: the child's birth date is the birth instant in Asia/Shanghai. China has kept
UTC+08:00 without daylight saving since 1991, so it is (utc_microseconds + 8 h) // 1 day.

Decisions (interface §4 leaves them open):
 - BIRTH_NOT_REGISTERED when as_of − birth date > 30 days (30 days old is still in time).
   Births after as_of and entries registered after as_of are ignored.
 - A missing value never disagrees: no child name on the birth, no certificate number on
   the entry, an 'unknown' sex. A near value does: a one-digit-off certificate or ID, a
   birth date a day off (the register should be corrected), a homophone name (linked by
   pinyin, reported as `child_name` because the characters of a legal name differ).
   Middle-dot variants (艾力·买买提 / 艾力・买买提), spaces and full-width forms are equal.
 - An entry citing a replaced certificate number (换发) agrees on `certificate_no`;
   findings always name the current certificate of a chain.
 - ATTRIBUTE_MISMATCH acts in the entry's household region (the register is corrected
   against the medical certificate); both regions are in `details`.
 - The father's ID is scored (it rescues entries whose mother ID was mistyped) but never
   reported, as it is not one of the interface's mismatch fields.
"""

from __future__ import annotations

import time
from datetime import date, timedelta
from typing import Any

import duckdb
import pyarrow as pa

from api.crosscheck.linkage import assignment, blocking, scoring
from api.crosscheck.linkage import births as birth_units
from api.crosscheck.linkage import persons as person_checks
from api.crosscheck.linkage.findings import DiscrepancyType, Finding
from api.crosscheck.linkage.inputs import Rows, to_engine_table
from api.crosscheck.linkage.pinyin import normalize_name, pinyin_key
from api.validation.id_number import check_character_sql
from api.validation.time_limits import REGISTRATION_DAYS

_EPOCH = date(1970, 1, 1)

# Normalisation in SQL stays cheap on the common case: translate() (full-width digits)
# only runs on strings with non-ASCII bytes. Names are compared raw here; names that
# differ go through Python (`normalize_name`: NFKC, spaces, middle dots) via table `pk`.
# GB 11643 check character (ISO 7064 MOD 11-2), for telling a typo from another person.
_ID_VALID = f"""
CREATE OR REPLACE TEMP MACRO id_valid(x) AS (length(x) = 18
    AND regexp_full_match(x, '[0-9]{{17}}[0-9X]')
    AND x[18] = {check_character_sql("x")});
"""

_MACROS = r"""
CREATE OR REPLACE TEMP MACRO norm_id(x) AS nullif(upper(trim(
    CASE WHEN strlen(x) = length(x) THEN x
         ELSE translate(x, '０１２３４５６７８９ｘＸ　', '0123456789XX ') END)), '');
CREATE OR REPLACE TEMP MACRO norm_cert(x) AS nullif(upper(trim(x)), '');
CREATE OR REPLACE TEMP MACRO one_edit(a, b) AS
    (a <> b AND length(a) = length(b) AND damerau_levenshtein(a, b) = 1);
CREATE OR REPLACE TEMP MACRO id_close(a, b) AS
    (a <> b AND length(a) = length(b) AND damerau_levenshtein(left(a, 17), left(b, 17)) <= 1);
"""


def _day(value: date) -> int:
    return (value - _EPOCH).days


def _date(day: int | None) -> str | None:
    return None if day is None else (_EPOCH + timedelta(days=day)).isoformat()


class Run:
    """One engine run over one DuckDB connection (tables are temp tables of `con`)."""

    def __init__(
        self, con: duckdb.DuckDBPyConnection, as_of: date, ids: dict[str, pa.ChunkedArray]
    ) -> None:
        self.con = con
        self.as_of_day = _day(as_of)
        self._ids = ids

    def uuids(self, kind: str, positions: list[int]) -> list[str]:
        """Return the `id` values of rows of input `kind` at the given positions."""
        if not positions:
            return []
        return self._ids[kind].take(pa.array(positions, pa.int32())).to_pylist()

    def column_values(self, table: str, column: str, positions: list[int]) -> dict[int, Any]:
        """Return {position: value} of one input column at the given row positions."""
        if not positions:
            return {}
        self.register("_pos", {"i": pa.array(sorted(set(positions)), pa.int32())})
        rows = self.con.execute(
            f"SELECT _i, {column} FROM {table} WHERE _i IN (SELECT i FROM _pos)"
        ).fetchall()
        return dict(rows)

    def register(self, name: str, columns: dict[str, pa.Array]) -> None:
        """Register a small Python-built table under `name`."""
        self.con.register(name, pa.table(columns))

    # -- names ----------------------------------------------------------------------
    def ensure_pinyin(self, names_sql: str) -> None:
        """Add keys to `pk(nname, pnorm, key)` for the names `names_sql` yields that it lacks."""
        names = [
            r[0]
            for r in self.con.execute(
                f"SELECT DISTINCT n FROM ({names_sql}) t(n) "
                "WHERE n IS NOT NULL AND n NOT IN (SELECT nname FROM pk)"
            ).fetchall()
        ]
        if not names:
            return
        self.register(
            "_pk_new",
            {
                "nname": pa.array(names, pa.string()),
                "pnorm": pa.array([normalize_name(n) for n in names], pa.string()),
                "key": pa.array([pinyin_key(n) for n in names], pa.string()),
            },
        )
        self.con.execute("INSERT INTO pk SELECT * FROM _pk_new")
        self.con.unregister("_pk_new")

    def prepare_entries(self) -> None:
        """Create `e`: live household birth entries, with the twin rank `rk`."""
        self.con.execute(
            f"""
            CREATE OR REPLACE TEMP TABLE e0 AS
            SELECT _i AS id, hash(id) AS h, norm_cert(birth_certificate_no) AS cert,
                   norm_id(mother_id_number) AS mid, norm_id(father_id_number) AS fid,
                   person_name AS nname,
                   person_sex AS sex, person_birth_date AS day, household_region AS region,
                   registered_on, person_id_number AS pid
            FROM entries_in
            WHERE entry_type = 'birth' AND voided_at IS NULL
              AND coalesce(registered_on <= {self.as_of_day}, true)
            """
        )
        # Only mothers with several children on one day need a rank (twins, triplets).
        self.con.execute(
            """
            CREATE OR REPLACE TEMP TABLE e AS
            WITH multi AS (SELECT mid, day FROM e0 WHERE mid IS NOT NULL
                           GROUP BY ALL HAVING count(*) > 1),
            r AS (SELECT e0.id, row_number() OVER (PARTITION BY e0.mid, e0.day
                                                   ORDER BY e0.pid, e0.h) AS rk
                  FROM e0 JOIN multi USING (mid, day))
            SELECT e0.* EXCLUDE (pid), coalesce(r.rk, 1) AS rk FROM e0 LEFT JOIN r USING (id)
            """
        )

    # -- linking --------------------------------------------------------------------
    def score_candidates(self, births: str, entries: str, *, accept: bool = True) -> None:
        """Score `cand` pairs into `cp`: accepted pairs, best member per (cluster, entry).

        `accept=False` keeps every pair (to compare pairs another linker chose).
        """
        self.con.execute(
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
        self.ensure_pinyin(
            "SELECT un FROM cj WHERE un <> en UNION SELECT en FROM cj WHERE un <> en"
        )
        scored = f"""
            SELECT *, {scoring.score_sql()} AS score FROM (
                SELECT cid, ch, uid, eid, eh, rdiff, dm,
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
                       WHEN id_valid(emid) AND id_valid(umid) THEN 4 ELSE 2 END
                       AS TINYINT) AS l_mid,
                  CAST(CASE WHEN efid IS NULL OR ufid IS NULL THEN 1 WHEN efid = ufid THEN 3
                       WHEN NOT id_close(efid, ufid) THEN 0
                       WHEN id_valid(efid) AND id_valid(ufid) THEN 4 ELSE 2 END
                       AS TINYINT) AS l_fid,
                  CAST(CASE WHEN un IS NULL OR en IS NULL THEN 1
                       WHEN un = en OR pu.pnorm = pe.pnorm THEN 3
                       WHEN pu.key = pe.key THEN 2 ELSE 0 END AS TINYINT) AS l_name
                FROM cj LEFT JOIN pk pu ON pu.nname = cj.un
                LEFT JOIN pk pe ON pe.nname = cj.en)
        """
        # Members of a duplicate cluster compete for the entry: keep the best one (the
        # original on a tie). Everything else is one unit per cluster already.
        self.con.execute(
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
            DROP TABLE cs;
            """
        )

    def link_pairs(self) -> None:
        """Run both blocking passes and fill `links` one-to-one."""
        blocking.exact_candidates(self.con)
        self.score_candidates("u", "e")
        self.con.execute("CREATE OR REPLACE TEMP TABLE links AS SELECT * FROM cp LIMIT 0")
        assignment.assign(self.con, "cp", "links")
        self.con.execute(
            """
            CREATE OR REPLACE TEMP TABLE ru AS
            SELECT * FROM u WHERE cid NOT IN (SELECT cid FROM links);
            CREATE OR REPLACE TEMP TABLE re AS
            SELECT * FROM e WHERE id NOT IN (SELECT eid FROM links);
            """
        )
        blocking.fuzzy_candidates(self.con)
        self.score_candidates("ru", "re")
        assignment.assign(self.con, "cp", "links")

    # -- findings -------------------------------------------------------------------
    def birth_findings(self, dup_pairs: list[tuple[int, int]]) -> list[Finding]:
        """Return the birth/entry findings from `links` and what stayed unlinked."""
        out: list[Finding] = []
        rows = self.con.execute(
            f"""
            SELECT id, region, day FROM u
            WHERE id = cid AND cid NOT IN (SELECT cid FROM links)
              AND {self.as_of_day} - day > {REGISTRATION_DAYS}
            """
        ).fetchall()
        for bid, (_, region, day) in zip(self.uuids("b", [r[0] for r in rows]), rows, strict=True):
            out.append(
                Finding(
                    DiscrepancyType.BIRTH_NOT_REGISTERED,
                    region or "",
                    (("births", bid),),
                    (),
                    {"birth_date": _date(day), "days_since_birth": self.as_of_day - day},
                )
            )
        rows = self.con.execute(
            "SELECT id, region, day, registered_on FROM e WHERE id NOT IN (SELECT eid FROM links)"
        ).fetchall()
        for eid, (_, region, day, reg) in zip(
            self.uuids("e", [r[0] for r in rows]), rows, strict=True
        ):
            out.append(
                Finding(
                    DiscrepancyType.REGISTRATION_WITHOUT_BIRTH_RECORD,
                    region or "",
                    (("household-entries", eid),),
                    (),
                    {"birth_date": _date(day), "registered_on": _date(reg)},
                )
            )
        level_cols = list(scoring.SCORED_COLUMNS.values())
        rows = self.con.execute(
            f"""
            SELECT l.uid, l.eid, l.score, u.region, e.region, {", ".join(level_cols)}
            FROM links l JOIN u ON u.id = l.uid JOIN e ON e.id = l.eid
            WHERE l_cert IN (0, 2) OR l_mid IN (0, 2, 4) OR l_date IN (0, 2) OR l_sex = 0
               OR l_name IN (0, 2)
            """
        ).fetchall()
        bids = self.uuids("b", [r[0] for r in rows])
        eids = self.uuids("e", [r[1] for r in rows])
        for bid, eid, (_, _, score, b_region, e_region, *codes) in zip(
            bids, eids, rows, strict=True
        ):
            levels = dict(zip(level_cols, codes, strict=True))
            details = scoring.explain(levels, score)
            details["birth_region"], details["household_region"] = b_region, e_region
            # The household register is corrected against the medical birth certificate,
            # so the police station of the household region acts.
            out.append(
                Finding(
                    DiscrepancyType.ATTRIBUTE_MISMATCH,
                    e_region or b_region or "",
                    (("births", bid), ("household-entries", eid)),
                    scoring.mismatched_fields(levels),
                    details,
                )
            )
        if dup_pairs:
            flat = [i for pair in dup_pairs for i in pair]
            uuid_of = dict(zip(flat, self.uuids("b", flat), strict=True))
            self.register("_dup_ids", {"id": pa.array(flat, pa.int32())})
            regions = dict(
                self.con.execute(
                    "SELECT id, region FROM b WHERE id IN (SELECT id FROM _dup_ids)"
                ).fetchall()
            )
            for first, second in dup_pairs:
                # The later record is the one to void: its birth region acts.
                out.append(
                    Finding(
                        DiscrepancyType.DUPLICATE_BIRTH_RECORD,
                        regions.get(second) or regions.get(first) or "",
                        (("births", uuid_of[first]), ("births", uuid_of[second])),
                        (),
                        {"original": uuid_of[first], "duplicate": uuid_of[second]},
                    )
                )
        return out


_POSITIONS: list[pa.Array] = []


def _positions(n: int) -> pa.Array:
    """Return int32 0..n-1 (cached: building it from a Python range is not free)."""
    if not _POSITIONS or len(_POSITIONS[0]) < n:
        _POSITIONS[:] = [pa.array(range(max(n, 1024)), pa.int32())]
    return _POSITIONS[0].slice(0, n)


def open_run(
    births: Rows,
    entries: Rows,
    persons: Rows,
    marriages: Rows,
    *,
    as_of: date,
    threads: int | None = None,
) -> Run:
    """Return a Run over a fresh DuckDB holding the four inputs (the caller closes `run.con`)."""
    config: dict[str, Any] = {"threads": threads} if threads else {}
    con = duckdb.connect(":memory:", config=config)
    ids: dict[str, pa.ChunkedArray] = {}
    for kind, name, table, rows in (
        ("b", "births_in", "birth", births),
        ("e", "entries_in", "household_entry", entries),
        ("p", "persons_in", "person", persons),
        ("m", "marriages_in", "marriage", marriages),
    ):
        tbl = to_engine_table(table, rows)
        tbl = tbl.append_column("_i", _positions(tbl.num_rows))
        ids[kind] = tbl.column("id")
        con.register(name, tbl)
    con.execute(_MACROS + _ID_VALID)
    con.execute("CREATE TEMP TABLE pk (nname VARCHAR, pnorm VARCHAR, key VARCHAR)")
    return Run(con, as_of, ids)


def link(
    births: Rows,
    entries: Rows,
    persons: Rows,
    marriages: Rows,
    *,
    as_of: date,
    region_prefix: str | None = None,
    threads: int | None = None,
    timings: dict[str, float] | None = None,
) -> list[Finding]:
    """Cross-check the four sources as of `as_of` and return every discrepancy found.

    Inputs are Arrow tables or iterables of row dicts (see `api.crosscheck.linkage.inputs`).
    With `region_prefix`, only findings whose acting region starts with it are returned
    (records outside the region may be passed in as counterparts for linking).
    `timings`, if given, receives the seconds spent per phase.
    """
    clock = {"start": time.perf_counter()}

    def lap(name: str) -> None:
        now = time.perf_counter()
        if timings is not None:
            timings[name] = round(now - clock["start"], 3)
        clock["start"] = now

    run = open_run(births, entries, persons, marriages, as_of=as_of, threads=threads)
    lap("inputs")
    try:
        birth_units.prepare_births(run)
        dup_pairs = birth_units.duplicates(run)
        run.prepare_entries()
        lap("births")
        run.link_pairs()
        findings = run.birth_findings(dup_pairs)
        lap("linkage")
        person_checks.prepare_persons(run.con)
        findings.extend(person_checks.duplicate_persons(run))
        findings.extend(person_checks.marital_mismatches(run))
        lap("persons")
    finally:
        run.con.close()
    if region_prefix:
        findings = [f for f in findings if f.region.startswith(region_prefix)]
    return findings
