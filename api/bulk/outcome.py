"""What an import reports: counts that are always complete, and a capped list of bad lines."""

from dataclasses import dataclass, field
from typing import Any

from api.errors import FieldError

MAX_REPORTED_LINES = 1000
MAX_ERRORS_PER_LINE = 50


@dataclass(frozen=True)
class LineError:
    """Why one line of the file was not stored."""

    line: int
    errors: list[FieldError]

    def as_dict(self) -> dict[str, Any]:
        """The JSON shape `{"line", "errors": [{"field", "message"}]}`."""
        return {"line": self.line, "errors": [dict(e) for e in self.errors[:MAX_ERRORS_PER_LINE]]}


@dataclass
class BatchOutcome:
    """What became of one batch of lines."""

    received: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: list[LineError] = field(default_factory=list)


@dataclass
class ImportSummary:
    """The running totals of an import, as the endpoint and the CLI answer them."""

    received: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    errors: list[LineError] = field(default_factory=list)
    batches: int = 0

    def add(self, outcome: BatchOutcome) -> None:
        """Count a finished batch; keep the first `MAX_REPORTED_LINES` bad lines."""
        self.received += outcome.received
        self.created += outcome.created
        self.updated += outcome.updated
        self.unchanged += outcome.unchanged
        self.rejected += len(outcome.rejected)
        room = MAX_REPORTED_LINES - len(self.errors)
        if room > 0:
            self.errors.extend(sorted(outcome.rejected, key=lambda e: e.line)[:room])
        self.batches += 1

    @property
    def errors_truncated(self) -> bool:
        """True when more lines were rejected than the error list shows."""
        return self.rejected > len(self.errors)

    def as_dict(self) -> dict[str, Any]:
        """The answer of `POST /v1/{resource}:import`."""
        return {
            "received": self.received,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "rejected": self.rejected,
            "errors": [e.as_dict() for e in self.errors],
            "errors_truncated": self.errors_truncated,
            "max_reported_errors": MAX_REPORTED_LINES,
        }
