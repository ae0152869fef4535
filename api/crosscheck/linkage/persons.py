"""Person-side checks: duplicate person records and marital status against marriages."""

from __future__ import annotations

from api.crosscheck.linkage.findings import DiscrepancyType, Finding
from api.crosscheck.linkage.run import Run, iso_date
from api.validation.id_number import has_valid_check_character

# Statuses that agree with the latest marriage record (GB/T 2261.2). Widowed (30) after
# a marriage is fine: the spouse died, no new record is made at the marriage registry.
_AFTER_MARRIAGE = ("20", "21", "22", "23", "30")
_AFTER_DIVORCE = ("40",)


def _sql_list(values: tuple[str, ...]) -> str:
    """Return a SQL list of string literals (our own constants, never user input)."""
    return ", ".join(f"'{v}'" for v in values)


def duplicate_persons(run: Run) -> list[Finding]:
    """Return DUPLICATE_PERSON findings over table `p` (built by `prepare_persons`).

    Two records are one person when their ID numbers are equal after normalisation, or
    when name, birth date and sex agree and the IDs are one substitution or adjacent
    transposition apart. Two valid IDs are never that close (MOD 11-2 catches every
    single-digit error and every adjacent swap), so such a pair is a typo, not two people.
    """
    rows = run.con.execute(
        """
        WITH by_id AS (
            SELECT * FROM p WHERE nid IN (SELECT nid FROM p GROUP BY nid HAVING count(*) > 1)
        ), by_name AS (
            SELECT * FROM p WHERE (name, birth_date, sex) IN (
                SELECT (name, birth_date, sex) FROM p GROUP BY ALL HAVING count(*) > 1)
        )
        SELECT p1.id, p2.id, p1.region, p2.region, 'same_id_number' AS rule
        FROM by_id p1 JOIN by_id p2 ON p1.nid = p2.nid AND p1.id < p2.id
        UNION ALL
        SELECT p1.id, p2.id, p1.region, p2.region, 'id_number_one_edit'
        FROM by_name p1 JOIN by_name p2
          ON p1.name = p2.name AND p1.birth_date = p2.birth_date AND p1.sex = p2.sex
         AND p1.id < p2.id
        WHERE p1.nid <> p2.nid AND length(p1.nid) = length(p2.nid)
          AND damerau_levenshtein(p1.nid, p2.nid) = 1
        """
    ).fetchall()
    ids_a = run.uuids("p", [r[0] for r in rows])
    ids_b = run.uuids("p", [r[1] for r in rows])
    raws = run.column_values("persons_in", "id_number", [i for r in rows for i in r[:2]])
    out = []
    for a, b, (ia, ib, reg_a, reg_b, rule) in zip(ids_a, ids_b, rows, strict=True):
        # The region that must act is the suspect record's: the one whose ID is not a
        # valid, canonical ID number. When both look fine, the lower code (stable).
        suspect_a, suspect_b = _suspect(raws[ia]), _suspect(raws[ib])
        if suspect_a != suspect_b:
            region = reg_a if suspect_a else reg_b
        else:
            region = min((r for r in (reg_a, reg_b) if r), default="")
        first, second = sorted((a, b))
        out.append(
            Finding(
                DiscrepancyType.DUPLICATE_PERSON,
                region or "",
                (("persons", first), ("persons", second)),
                ("id_number",),
                {"rule": rule, "regions": sorted(r for r in (reg_a, reg_b) if r)},
            )
        )
    return out


def _suspect(raw: str) -> bool:
    """Return True if an ID number is not written canonically or fails its check char."""
    return raw != raw.strip().upper() or not has_valid_check_character(raw)


def marital_mismatches(run: Run) -> list[Finding]:
    """Return MARITAL_STATUS_MISMATCH findings: status vs the latest marriage record.

    The latest record a person is party to decides (same-day ties: divorce, then
    marriage, then restored). A null or '90' (not stated) status is not a disagreement.
    """
    as_of_day = run.as_of_day
    rows = run.con.execute(
        f"""
        WITH m AS (
            SELECT _i AS id, record_type, registered_on, party_a_id_number AS a,
                   party_b_id_number AS b,
                   coalesce(registered_on, 0) * 4 + CASE record_type WHEN 'restored' THEN 3
                       WHEN 'marriage' THEN 2 ELSE 1 END AS k
            FROM marriages_in
            WHERE voided_at IS NULL AND coalesce(registered_on <= {as_of_day}, true)
              AND record_type IN ('marriage', 'divorce', 'restored')
        ), parties AS (
            SELECT norm_id(a) AS pid, id, k FROM m UNION ALL SELECT norm_id(b), id, k FROM m
        ), latest AS (
            SELECT pid, arg_max(id, k) AS mid FROM parties GROUP BY pid
        )
        SELECT p.id, l.mid, p.region, p.ms, m.record_type, m.registered_on
        FROM latest l JOIN p ON p.nid = l.pid JOIN m ON m.id = l.mid
        WHERE p.ms IS NOT NULL AND p.ms <> '90'
          AND CASE WHEN m.record_type = 'divorce' THEN p.ms NOT IN ({_sql_list(_AFTER_DIVORCE)})
                   ELSE p.ms NOT IN ({_sql_list(_AFTER_MARRIAGE)}) END
        """
    ).fetchall()
    persons = run.uuids("p", [r[0] for r in rows])
    marriages = run.uuids("m", [r[1] for r in rows])
    out = []
    for pid, mid, (_, _, region, status, record_type, registered_on) in zip(
        persons, marriages, rows, strict=True
    ):
        expected = _AFTER_DIVORCE if record_type == "divorce" else _AFTER_MARRIAGE[:4]
        out.append(
            Finding(
                DiscrepancyType.MARITAL_STATUS_MISMATCH,
                region or "",
                (("persons", pid), ("marriages", mid)),
                ("marital_status",),
                {
                    "marital_status": status,
                    "expected": list(expected),
                    "latest_record_type": record_type,
                    "latest_registered_on": iso_date(registered_on),
                },
            )
        )
    return out


def prepare_persons(run: Run) -> None:
    """Create table `p`: live (not voided, not cancelled) persons with normalised keys.

    Names are in their comparable form (張偉 = 张伟 = 张 伟), as they block duplicates.
    """
    run.fold("SELECT name FROM persons_in")
    name, join = run.folded("name", "fn")
    run.con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE p AS
        SELECT _i AS id, norm_id(id_number) AS nid, {name} AS name, sex, birth_date,
               household_region AS region, marital_status AS ms
        FROM persons_in {join}
        WHERE voided_at IS NULL AND coalesce(status, 'active') <> 'cancelled'
          AND id_number IS NOT NULL
        """
    )
