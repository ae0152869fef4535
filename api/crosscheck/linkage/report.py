"""Birth-side findings from the links: unregistered births, entries without a birth
record, attribute mismatches of linked pairs, duplicate birth records."""

from __future__ import annotations

import pyarrow as pa

from api.crosscheck.linkage import scoring
from api.crosscheck.linkage.findings import DiscrepancyType, Finding
from api.crosscheck.linkage.run import Run, iso_date
from api.validation.time_limits import REGISTRATION_DAYS


def birth_findings(run: Run, dup_pairs: list[tuple[int, int]]) -> list[Finding]:
    """Return the birth/entry findings from `links` and what stayed unlinked."""
    return [
        *_unregistered(run),
        *_without_birth_record(run),
        *_mismatches(run),
        *_duplicates(run, dup_pairs),
    ]


def _unregistered(run: Run) -> list[Finding]:
    rows = run.con.execute(
        f"""
        SELECT id, region, day FROM u
        WHERE id = cid AND cid NOT IN (SELECT cid FROM links)
          AND {run.as_of_day} - day > {REGISTRATION_DAYS}
        """
    ).fetchall()
    ids = run.uuids("b", [r[0] for r in rows])
    return [
        Finding(
            DiscrepancyType.BIRTH_NOT_REGISTERED,
            region or "",
            (("births", bid),),
            (),
            {"birth_date": iso_date(day), "days_since_birth": run.as_of_day - day},
        )
        for bid, (_, region, day) in zip(ids, rows, strict=True)
    ]


def _without_birth_record(run: Run) -> list[Finding]:
    rows = run.con.execute(
        "SELECT id, region, day, registered_on FROM e WHERE id NOT IN (SELECT eid FROM links)"
    ).fetchall()
    ids = run.uuids("e", [r[0] for r in rows])
    return [
        Finding(
            DiscrepancyType.REGISTRATION_WITHOUT_BIRTH_RECORD,
            region or "",
            (("household-entries", eid),),
            (),
            {"birth_date": iso_date(day), "registered_on": iso_date(reg)},
        )
        for eid, (_, region, day, reg) in zip(ids, rows, strict=True)
    ]


def _mismatches(run: Run) -> list[Finding]:
    level_cols = list(scoring.SCORED_COLUMNS.values())
    rows = run.con.execute(
        f"""
        SELECT l.uid, l.eid, l.score, u.region, e.region, {", ".join(level_cols)}
        FROM links l JOIN u ON u.id = l.uid JOIN e ON e.id = l.eid
        WHERE l_cert IN (0, 2) OR l_mid IN (0, 2, 4) OR l_date IN (0, 2) OR l_sex = 0
           OR l_name IN (0, 2)
        """
    ).fetchall()
    bids = run.uuids("b", [r[0] for r in rows])
    eids = run.uuids("e", [r[1] for r in rows])
    out = []
    for bid, eid, (_, _, score, b_region, e_region, *codes) in zip(bids, eids, rows, strict=True):
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
    return out


def _duplicates(run: Run, dup_pairs: list[tuple[int, int]]) -> list[Finding]:
    if not dup_pairs:
        return []
    flat = [i for pair in dup_pairs for i in pair]
    uuid_of = dict(zip(flat, run.uuids("b", flat), strict=True))
    run.register("_dup_ids", {"id": pa.array(flat, pa.int32())})
    regions = dict(
        run.con.execute("SELECT id, region FROM b WHERE id IN (SELECT id FROM _dup_ids)").fetchall()
    )
    # The later record is the one to void: its birth region acts.
    return [
        Finding(
            DiscrepancyType.DUPLICATE_BIRTH_RECORD,
            regions.get(second) or regions.get(first) or "",
            (("births", uuid_of[first]), ("births", uuid_of[second])),
            (),
            {"original": uuid_of[first], "duplicate": uuid_of[second]},
        )
        for first, second in dup_pairs
    ]
