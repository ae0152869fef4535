"""A record's versions, and which of them the caller's jurisdiction may see.

A version is seen only if the record's region then lay inside the caller's jurisdiction:
a county that a person moved into sees the person's history, and the access log, from
the move on; what happened before belongs to the county the person came from.
"""

from datetime import datetime

from sqlmodel import Session, col, select

from api.access.principal import Access
from api.models import RecordVersion


def versions_of(session: Session, resource: str, record_id: str) -> list[RecordVersion]:
    """Every version of a record, oldest first."""
    return list(
        session.exec(
            select(RecordVersion)
            .where(RecordVersion.resource == resource, RecordVersion.record_id == record_id)
            .order_by(col(RecordVersion.version))
        ).all()
    )


def version_visible(version: RecordVersion, region_column: str, access: Access) -> bool:
    """Tell whether the record lay inside the caller's jurisdiction in this version."""
    return access.principal.can_see(str(version.data.get(region_column) or ""))


def visible_since(
    session: Session, resource: str, record_id: str, *, region_column: str, access: Access
) -> datetime | None:
    """Since when a record has stayed inside the caller's jurisdiction (None: always)."""
    since = None
    for version in reversed(versions_of(session, resource, record_id)):
        if not version_visible(version, region_column, access):
            return since
        since = version.changed_at
    return None
