"""What a cross-check run reports: discrepancy types (interface §4) and the Finding record."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Literal

Resource = Literal["births", "household-entries", "persons", "marriages"]

# Fields an ATTRIBUTE_MISMATCH can name, in the order they are listed.
MISMATCH_FIELDS: tuple[str, ...] = (
    "certificate_no",
    "child_sex",
    "birth_date",
    "mother_id_number",
    "child_name",
)


class DiscrepancyType(StrEnum):
    """Discrepancy types of interface §4 (Cross-check)."""

    BIRTH_NOT_REGISTERED = "BIRTH_NOT_REGISTERED"
    REGISTRATION_WITHOUT_BIRTH_RECORD = "REGISTRATION_WITHOUT_BIRTH_RECORD"
    ATTRIBUTE_MISMATCH = "ATTRIBUTE_MISMATCH"
    DUPLICATE_BIRTH_RECORD = "DUPLICATE_BIRTH_RECORD"
    DUPLICATE_PERSON = "DUPLICATE_PERSON"
    MARITAL_STATUS_MISMATCH = "MARITAL_STATUS_MISMATCH"


def fingerprint_of(type_: str, subject_ids: tuple[str, ...] | list[str]) -> str:
    """Return the stable key of a discrepancy: sha256 of its type and sorted subject ids.

    The same discrepancy seen by a later run gets the same key, whatever order the run
    produced its subjects in; `fields` and `details` are deliberately left out so that a
    mismatch whose detail changes (say a second field goes wrong) stays one worklist item.
    """
    payload = "\x1f".join([str(type_), *sorted(subject_ids)])
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


@dataclass(frozen=True, slots=True)
class Finding:
    """One discrepancy found by the engine, ready to become a worklist item."""

    type: DiscrepancyType
    # The region that must act on it (interface §3 jurisdiction): birth_region for
    # birth-side findings, household_region for entry-side and person findings.
    region: str
    subjects: tuple[tuple[Resource, str], ...]
    fields: tuple[str, ...] = ()
    details: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)

    @property
    def subject_ids(self) -> frozenset[str]:
        """Return the ids of every record involved."""
        return frozenset(sid for _, sid in self.subjects)

    @property
    def fingerprint(self) -> str:
        """Return the stable key (see `fingerprint_of`)."""
        return fingerprint_of(self.type.value, [sid for _, sid in self.subjects])

    def key(self) -> tuple[str, frozenset[str]]:
        """Return (type, subject ids): the shape of `SyntheticData.truth` entries."""
        return (self.type.value, self.subject_ids)

    def as_dict(self) -> dict[str, Any]:
        """Return the finding in the interface's discrepancy shape (without run metadata)."""
        return {
            "type": self.type.value,
            "region": self.region,
            "subjects": [{"resource": r, "id": i} for r, i in self.subjects],
            "fields": list(self.fields),
            "details": self.details,
            "fingerprint": self.fingerprint,
        }
