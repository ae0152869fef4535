"""Helpers every registry uses to cut a record down to what a caller may see."""

from typing import Any

from api.access.principal import Access
from api.validation import mask_id_number


def shown_id_number(value: str | None, access: Access) -> str | None:
    """The ID number in full for department systems and purposeful staff, else masked."""
    if value is None or access.unmasked:
        return value
    return mask_id_number(value)


def shown_birth_date(value: Any, access: Access) -> Any:
    """The birth date, withheld wherever the ID number is masked: the mask hides exactly it."""
    return value if access.unmasked else None


def person_ref(id_number: str | None, name: str | None, access: Access) -> dict[str, Any] | None:
    """A nested `{id_number, name}` as shown to the caller, or None when absent."""
    if id_number is None:
        return None
    return {"id_number": shown_id_number(id_number, access), "name": name}


def without(data: dict[str, Any], *names: str) -> dict[str, Any]:
    """A copy of `data` without the named fields."""
    return {k: v for k, v in data.items() if k not in names}
