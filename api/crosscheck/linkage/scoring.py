"""Fellegi-Sunter scoring of a (birth, household entry) pair.

Every field is compared to an agreement level; each level carries a weight
log2(m/u), where m is the chance of that level on a true match and u on a random
non-match. m and u are set a priori from what registries carry (the generator and the
issue's error rates), not trained: training on the run's own data would make the same
pair score differently from one night to the next, and the worklist must be stable.
A pair's score is the sum of its weights; `details` of a finding print every term.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

# Level codes shared by every field (stored as TINYINT in DuckDB). WEAK is a near level
# that is weaker evidence: a mother's ID one edit away whose check characters are both
# valid, which is as likely a different woman (same district and birthday) as a typo
# whose system recomputed the check character.
DIFFERENT, MISSING, NEAR, EXACT, WEAK = 0, 1, 2, 3, 4


@dataclass(frozen=True, slots=True)
class Level:
    """One agreement level of one field: its name and m/u probabilities."""

    name: str
    m: float
    u: float

    @property
    def weight(self) -> float:
        """Return the log-likelihood weight log2(m/u) (0 for an uninformative level)."""
        return math.log2(self.m / self.u)


_NONE = Level("missing", 1.0, 1.0)

# field -> level code -> Level. "missing" means absent on one side: no evidence either way.
FIELDS: dict[str, dict[int, Level]] = {
    "certificate_no": {
        EXACT: Level("exact", 0.95, 1e-6),
        NEAR: Level("one_edit", 0.03, 1e-5),
        MISSING: _NONE,
        DIFFERENT: Level("different", 0.02, 0.999999),
    },
    "mother_id_number": {
        EXACT: Level("exact", 0.96, 1e-5),
        NEAR: Level("one_edit", 0.03, 1e-5),
        WEAK: Level("one_edit_valid_ids", 0.006, 1.5e-3),
        MISSING: _NONE,
        DIFFERENT: Level("different", 0.01, 0.99999),
    },
    "birth_date": {
        EXACT: Level("exact", 0.95, 1e-3),
        NEAR: Level("one_day", 0.04, 2e-3),
        MISSING: _NONE,
        DIFFERENT: Level("different", 0.01, 0.997),
    },
    "child_sex": {
        EXACT: Level("agree", 0.97, 0.5),
        MISSING: Level("unknown", 1.0, 1.0),
        DIFFERENT: Level("disagree", 0.03, 0.5),
    },
    # Scored, never reported (not one of the interface's mismatch fields): the father's
    # ID on both records is strong evidence when the mother's ID was mistyped.
    "father_id_number": {
        EXACT: Level("exact", 0.9, 1e-5),
        NEAR: Level("one_edit", 0.02, 1e-5),
        WEAK: Level("one_edit_valid_ids", 0.005, 1.5e-3),
        MISSING: _NONE,
        DIFFERENT: Level("different", 0.05, 0.99999),
    },
    "child_name": {
        EXACT: Level("exact", 0.85, 1e-4),
        NEAR: Level("same_pinyin", 0.05, 2e-4),
        MISSING: _NONE,
        # Rare on a true match: the name on the certificate is the registered name.
        DIFFERENT: Level("different", 0.02, 0.9998),
    },
}

# Accept a pair at this score (the weakest true match we plant, a missing certificate
# number + mistyped mother ID + date a day off + wrong sex, still scores ~11; twins and
# siblings are kept apart by the one-to-one step and the date/identifier rule below).
THRESHOLD = 8.0

# Level code column of each reported field in the scored-pairs table.
LEVEL_COLUMNS: dict[str, str] = {
    "certificate_no": "l_cert",
    "child_sex": "l_sex",
    "birth_date": "l_date",
    "mother_id_number": "l_mid",
    "child_name": "l_name",
}
# Every scored field: the reported ones and the father's ID.
SCORED_COLUMNS: dict[str, str] = LEVEL_COLUMNS | {"father_id_number": "l_fid"}


def weight_sql(field: str, column: str) -> str:
    """Return a SQL CASE expression mapping a level code column to its weight."""
    levels = FIELDS[field]
    whens = " ".join(f"WHEN {code} THEN {lvl.weight:.6f}" for code, lvl in levels.items())
    return f"CAST(CASE {column} {whens} ELSE 0 END AS DOUBLE)"


def score_sql() -> str:
    """Return the SQL expression of a pair's total score from its level columns."""
    return " + ".join(weight_sql(f, c) for f, c in SCORED_COLUMNS.items())


# Acceptance beyond the threshold: a link needs an identifier within one edit (the
# certificate or the mother's ID), and a birth date within a day unless the certificate
# itself agrees. This keeps siblings (same mother, other year) apart whatever the names.
ACCEPT_SQL = (
    f"score >= {THRESHOLD} "
    f"AND (l_cert IN ({NEAR}, {EXACT}) OR l_mid IN ({NEAR}, {EXACT}, {WEAK})) "
    f"AND (l_cert IN ({NEAR}, {EXACT}) OR l_date IN ({NEAR}, {EXACT}))"
)


def mismatched_fields(levels: dict[str, int]) -> tuple[str, ...]:
    """Return the fields of a linked pair that disagree, in interface order.

    A missing value is never a disagreement (a birth record without the child's name, an
    entry without the certificate number). A near level is: a one-digit-off certificate
    or ID, a date a day off, a homophone name are all errors the register should fix.
    """
    out = []
    for fld, col in LEVEL_COLUMNS.items():
        code = levels[col]
        if code in (DIFFERENT, NEAR, WEAK):
            out.append(fld)
    return tuple(out)


def explain(levels: dict[str, int], score: float) -> dict[str, object]:
    """Return the per-pair explanation stored in a finding's `details`."""
    comparison = {}
    agreed, disagreed = [], []
    for fld, col in SCORED_COLUMNS.items():
        lvl = FIELDS[fld].get(levels[col], _NONE)
        comparison[fld] = {"level": lvl.name, "weight": round(lvl.weight, 2)}
        if levels[col] == EXACT:
            agreed.append(fld)
        elif levels[col] != MISSING:
            disagreed.append(fld)
    return {
        "score": round(score, 2),
        "threshold": THRESHOLD,
        "comparison": comparison,
        "agreed": agreed,
        "disagreed": disagreed,
    }
