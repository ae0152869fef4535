"""Hand-built engine input rows for the linkage specifications: a birth and the household
entry that agrees with it in every field, to be varied one field at a time."""

from __future__ import annotations

import hashlib
import itertools
from datetime import UTC, date, datetime, timedelta
from typing import Any

from api.crosscheck.linkage import DiscrepancyType, Finding, link
from api.validation.id_number import id_number_check_char

AS_OF = date(2026, 3, 1)
_seq = itertools.count(1)


def id_number(region: str, born: date, seq: int) -> str:
    first17 = f"{region}{born:%Y%m%d}{seq:03d}"
    return first17 + id_number_check_char(first17)


MOTHER = id_number("420202", date(1995, 5, 5), 2)
OTHER_MOTHER = id_number("420203", date(1992, 1, 9), 4)


def local(y: int, m: int, d: int, hh: int = 10, mm: int = 0) -> datetime:
    """Return the UTC instant of a Beijing wall-clock time."""
    return datetime(y, m, d, hh, mm, tzinfo=UTC) - timedelta(hours=8)


def _cert(n: int) -> str:
    """Return a certificate number far (in edits) from the other test numbers."""
    return "Q" + f"{int(hashlib.sha256(str(n).encode()).hexdigest(), 16) % 10**9:09d}"


def birth(**kw: Any) -> dict[str, Any]:
    n = next(_seq)
    row = {
        "id": f"birth-{n}",
        "certificate_no": _cert(n),
        "replaces_certificate_no": None,
        "child_name": "王梓涵",
        "child_sex": "male",
        "birth_datetime": local(2026, 1, 10),
        "birth_region": "420202",
        "mother_id_number": MOTHER,
        "mother_name": "李娜",
        "plurality": 1,
        "birth_order": 1,
        "status": "registered",
        "created_at": datetime(2026, 1, 10, 12, tzinfo=UTC) + timedelta(minutes=n),
    }
    row.update(kw)
    return row


def entry_for(b: dict[str, Any], seq: int = 11, **kw: Any) -> dict[str, Any]:
    """Return the household birth entry that agrees with birth `b` in every field."""
    day = (b["birth_datetime"] + timedelta(hours=8)).date()
    row = {
        "id": f"entry-of-{b['id']}",
        "entry_type": "birth",
        "person_id_number": id_number("420202", day, seq + (b["child_sex"] == "female")),
        "person_name": b["child_name"] or "王梓涵",
        "person_sex": b["child_sex"],
        "person_birth_date": day,
        "household_region": "420203",
        "registered_on": day + timedelta(days=5),
        "birth_certificate_no": b["certificate_no"],
        "mother_id_number": b["mother_id_number"],
        "voided_at": None,
    }
    row.update(kw)
    return row


def run(
    births: list[dict[str, Any]],
    entries: list[dict[str, Any]],
    persons: list[dict[str, Any]] | None = None,
    marriages: list[dict[str, Any]] | None = None,
    **kw: Any,
) -> list[Finding]:
    return link(births, entries, persons or [], marriages or [], as_of=AS_OF, **kw)


def keys(findings: list[Finding]) -> set[tuple[str, frozenset[str]]]:
    return {f.key() for f in findings}


def only(findings: list[Finding], type_: DiscrepancyType) -> Finding:
    got = [f for f in findings if f.type == type_]
    assert len(got) == 1, findings
    return got[0]


def person(**kw: Any) -> dict[str, Any]:
    n = next(_seq)
    row = {
        "id": f"person-{n}",
        "id_number": id_number("420202", date(1990, 1, 1), 100 + 2 * n),
        "name": "张伟",
        "sex": "female",
        "birth_date": date(1990, 1, 1),
        "household_region": "420202",
        "marital_status": "20",
        "status": "active",
    }
    row.update(kw)
    return row


def marriage(kind: str, on: date, a: str, b: str) -> dict[str, Any]:
    return {
        "id": f"m-{next(_seq)}",
        "record_type": kind,
        "registered_on": on,
        "registry_region": "420202",
        "party_a_id_number": a,
        "party_b_id_number": b,
        "voided_at": None,
    }
