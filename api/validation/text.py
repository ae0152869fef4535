"""Control characters in client text: refused everywhere a client can put a string.

A NUL byte cannot be stored in PostgreSQL text, a lone surrogate cannot be encoded as
UTF-8, and other control characters have no business in a register; all of them are
refused where they come in (body fields, query and path parameters, form fields), with
the field named, instead of failing deep inside a query.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator
from typing import Any, Final

__all__ = [
    "CONTROL_CHARACTER_MESSAGE",
    "PRINTABLE_JSON",
    "check_no_control_characters",
    "control_character_paths",
    "has_control_characters",
    "printable_json",
    "printable_name",
]

CONTROL_CHARACTER_MESSAGE: Final = "must not contain control characters (such as NUL)"
# Line breaks and tabs are ordinary in free text (a findings summary, a note); never in
# query or path parameters.
TEXT_WHITESPACE: Final = frozenset("\t\n\r")
_REFUSED_CATEGORIES: Final = frozenset({"Cc", "Cs"})  # C0, DEL, C1; lone surrogates


def has_control_characters(value: str, *, allow_line_breaks: bool = False) -> bool:
    """Tell whether `value` holds a control character or a lone surrogate."""
    # Printable strings hold no control character (nor surrogate): the common, fast case.
    if value.isprintable():
        return False
    allowed = TEXT_WHITESPACE if allow_line_breaks else frozenset()
    return any(
        unicodedata.category(char) in _REFUSED_CATEGORIES and char not in allowed for char in value
    )


# The validation context of a body whose JSON text `printable_json` passed.
PRINTABLE_JSON: Final = {"printable_json": True}


def printable_json(text: str | bytes) -> bool:
    """Tell whether every string a JSON text can decode to is printable, in one pass.

    Each string of such a text is a slice of it unless an escape (a backslash) makes it
    something else, so a printable text without backslashes holds no control character.
    """
    if isinstance(text, bytes):
        try:
            text = text.decode()
        except UnicodeDecodeError:
            return False
    return "\\" not in text and text.isprintable()


def check_no_control_characters(value: str) -> str:
    """Validate free text (tabs and line breaks allowed) and return it unchanged."""
    if has_control_characters(value, allow_line_breaks=True):
        raise ValueError(CONTROL_CHARACTER_MESSAGE)
    return value


def printable_name(name: str) -> str:
    """A field or parameter name safe to echo in an answer (controls written as escapes)."""
    if not has_control_characters(name):
        return name
    return "".join(
        char.encode("unicode_escape").decode("ascii")
        if unicodedata.category(char) in _REFUSED_CATEGORIES
        else char
        for char in name
    )


def _walk(value: Any, path: tuple[str, ...]) -> Iterator[tuple[str, ...]]:
    if isinstance(value, str):
        if has_control_characters(value, allow_line_breaks=True):
            yield path
    elif isinstance(value, dict):
        for key, item in value.items():
            where = (*path, str(key))
            if isinstance(key, str) and has_control_characters(key):
                yield where
            else:
                yield from _walk(item, where)
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            yield from _walk(item, (*path, str(index)))


def _printable(value: Any) -> bool:
    # The common case in one quick pass: every key and string printable holds no control.
    if isinstance(value, str):
        return value.isprintable()
    if isinstance(value, dict):
        for key, item in value.items():
            if not (isinstance(key, str) and key.isprintable() and _printable(item)):
                return False
    elif isinstance(value, list | tuple):
        for item in value:
            if not _printable(item):
                return False
    return True


def control_character_paths(value: Any) -> list[str]:
    """The dotted paths of the strings (and keys) in a JSON value that hold control characters."""
    if _printable(value):
        return []
    return [printable_name(".".join(path)) for path in _walk(value, ())]
