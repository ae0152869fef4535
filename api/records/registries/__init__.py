"""The shared registries: each module describes one `RecordKind` and its domain rules."""

from typing import Any

from api.records.core import RecordKind
from api.records.registries.births import BIRTHS
from api.records.registries.household_entries import HOUSEHOLD_ENTRIES
from api.records.registries.marriages import MARRIAGES
from api.records.registries.persons import PERSONS
from api.records.registries.ultrasound_exams import ULTRASOUND_EXAMS

KINDS: dict[str, RecordKind[Any]] = {
    kind.resource: kind
    for kind in (BIRTHS, ULTRASOUND_EXAMS, HOUSEHOLD_ENTRIES, MARRIAGES, PERSONS)
}
