"""The cross-check engine: link births to household entries and report discrepancies.

`link()` is pure: four inputs in (see `inputs.py` for the format), findings out, no
database and no clock. The heavy lifting runs in an in-process DuckDB over Arrow tables;
Python only touches the small sets (reissue chains, duplicate clusters, names that differ).
Rows are joined on their position in the input (int32, see run.py); ties are broken on a
hash of the UUID so that the result does not depend on the order rows came in.

Order of work, and why:
 1. Reissue chains (换发) collapse into one unit whose current row is the newest live
    certificate; every number in the chain is an alias of it.
 2. Duplicate birth records (same child entered twice) are clustered, so that the child
    counts as registered when the entry cites either record. Both steps come before
    deciding what is unregistered, as they change what "unregistered" means.
 3. Blocking → scoring → one-to-one assignment, twice: exact keys, then deletion
    neighbourhoods for what is left (pairs.py, with blocking.py, scoring.py, assignment.py).
    Pairs that tie on score in the first pass (unnamed twins, an entry without the
    certificate number) wait for the second, where near identifiers can tell them apart.
 4. Findings from what linked (attribute mismatches) and what did not (report.py).
 5. Person-side checks: duplicate persons, marital status (persons.py).

Birth dates: the child's birth date is the birth instant in Asia/Shanghai. China has kept
UTC+08:00 without daylight saving since 1991, so it is (utc_microseconds + 8 h) // 1 day.

Decisions (interface §4 leaves them open):
 - BIRTH_NOT_REGISTERED when as_of − birth date > 30 days (30 days old is still in time).
   Births after as_of and entries registered after as_of are ignored.
 - A missing value never disagrees: no child name on the birth, no certificate number on
   the entry, an 'unknown' sex. A near value does: a one-digit-off certificate or ID, a
   birth date a day off (the register should be corrected), a homophone name (linked by
   pinyin, reported as `child_name` because the characters of a legal name differ).
   Ways of writing one name are equal (names.py): traditional and simplified characters,
   full-width forms, middle-dot variants (艾力·买买提 / 艾力・买买提), inner spaces.
 - A placeholder child name (张丽之子, 男婴, 宝宝 ...; placeholders.py) is no name: it
   is never a mismatch and never counts against a link.
 - An entry citing a replaced certificate number (换发) agrees on `certificate_no`;
   findings always name the current certificate of a chain.
 - ATTRIBUTE_MISMATCH acts in the entry's household region (the register is corrected
   against the medical certificate); both regions are in `details`.
 - The father's ID is scored (it rescues entries whose mother ID was mistyped) but never
   reported, as it is not one of the interface's mismatch fields.
 - Two valid parent IDs one edit apart are weak evidence (they may be two women born on
   one day), unless the birth's parent is on the person register and the entry's number
   is nobody's: then it is a typo whose check character was recomputed.
"""

from __future__ import annotations

import time
from datetime import date

from api.crosscheck.linkage import births as birth_units
from api.crosscheck.linkage import pairs, report
from api.crosscheck.linkage import persons as person_checks
from api.crosscheck.linkage.findings import Finding
from api.crosscheck.linkage.inputs import Rows
from api.crosscheck.linkage.run import open_run


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
        pairs.prepare_entries(run)
        lap("births")
        pairs.link_pairs(run)
        findings = report.birth_findings(run, dup_pairs)
        lap("linkage")
        person_checks.prepare_persons(run)
        findings.extend(person_checks.duplicate_persons(run))
        findings.extend(person_checks.marital_mismatches(run))
        lap("persons")
    finally:
        run.con.close()
    if region_prefix:
        findings = [f for f in findings if f.region.startswith(region_prefix)]
    return findings
