"""The synthetic population's tables: columns, the data class and seeded UUIDs."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import pyarrow as pa

from api.crosscheck.linkage.inputs import SCHEMAS

BIRTH_COLUMNS = (
    "id",
    "certificate_no",
    "replaces_certificate_no",
    "child_name",
    "child_sex",
    "birth_datetime",
    "birth_region",
    "mother_id_number",
    "mother_name",
    "father_id_number",
    "father_name",
    "plurality",
    "birth_order",
    "status",
    "facility_code",
    "created_at",
)
ENTRY_COLUMNS = (
    "id",
    "entry_type",
    "person_id_number",
    "person_name",
    "person_sex",
    "person_birth_date",
    "household_region",
    "household_no",
    "registered_on",
    "birth_certificate_no",
    "mother_id_number",
    "father_id_number",
    "voided_at",
)
PERSON_COLUMNS = (
    "id",
    "id_number",
    "name",
    "sex",
    "birth_date",
    "household_region",
    "household_no",
    "marital_status",
    "status",
    "voided_at",
)
MARRIAGE_COLUMNS = (
    "id",
    "record_type",
    "certificate_no",
    "registered_on",
    "registry_region",
    "party_a_id_number",
    "party_a_name",
    "party_b_id_number",
    "party_b_name",
    "voided_at",
)
TABLES = {
    "birth": BIRTH_COLUMNS,
    "household_entry": ENTRY_COLUMNS,
    "person": PERSON_COLUMNS,
    "marriage": MARRIAGE_COLUMNS,
}

Truth = set[tuple[str, frozenset[str]]]


def uuid4_from(bits: int) -> str:
    """Return str(uuid.UUID(int=bits, version=4)), without the UUID object (hot path)."""
    bits = (bits & ~(0xF000 << 64) | (0x4000 << 64)) & ~(0xC000 << 48) | (0x8000 << 48)
    h = f"{bits:032x}"
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


@dataclass
class SyntheticData:
    """Generated tables (columnar: table → column → values) and the planted truth."""

    as_of: date
    tables: dict[str, dict[str, list[Any]]]
    truth: Truth = field(default_factory=set)
    # ATTRIBUTE_MISMATCH truth keys → the fields that were corrupted.
    truth_fields: dict[tuple[str, frozenset[str]], tuple[str, ...]] = field(default_factory=dict)

    def count(self, table: str) -> int:
        """Return the number of rows of a table."""
        return len(self.tables[table]["id"])

    def iter_rows(self, table: str) -> Iterator[dict[str, Any]]:
        """Yield the rows of one table as dicts keyed by column name."""
        cols = self.tables[table]
        names = list(cols)
        for values in zip(*(cols[n] for n in names), strict=True):
            yield dict(zip(names, values, strict=True))

    def rows(self) -> dict[str, list[dict[str, Any]]]:
        """Return {table: [row dict, ...]} for birth, household_entry, person, marriage."""
        return {t: list(self.iter_rows(t)) for t in TABLES}

    def arrow(self) -> dict[str, pa.Table]:
        """Return {table: pyarrow.Table} (columnar, no per-row dicts: fast for big runs)."""
        out: dict[str, pa.Table] = {}
        for t, cols in self.tables.items():
            schema = SCHEMAS[t]
            arrays = {
                n: pa.array(v, schema.field(n).type if n in schema.names else None)
                for n, v in cols.items()
            }
            out[t] = pa.table(arrays)
        return out
