"""Cursors: only what the service issued is read back; a forged one is a 422, never a 500."""

import pytest

from api.errors import InvalidInput
from api.pagination import decode_cursor, decode_instant_cursor, encode_cursor


def test_a_cursor_round_trips() -> None:
    cursor = encode_cursor(["2026-03-01T08:30:00+08:00", "4f9a2c1e-0000-4000-8000-000000000000"])
    instant, last_id = decode_instant_cursor(cursor)
    assert (instant.isoformat(), last_id) == (
        "2026-03-01T08:30:00+08:00",
        "4f9a2c1e-0000-4000-8000-000000000000",
    )


@pytest.mark.parametrize(
    "values",
    [
        ["0001-01-01T00:00:00+01:00", "x"],
        ["9999-12-31T23:59:59-01:00", "x"],
        ["2026-03-01T08:30:00", "x"],
        ["2026-03-01T08:30:00+08:00", "a\x00b"],
        ["2026-03-01T08:30:00+08:00", "x" * 200],
        [10**30, "x"],
        [{"a": 1}, "x"],
        [True, "x"],
        [1.5, "x"],
        ["2026-03-01T08:30:00+08:00"],
    ],
)
def test_a_forged_instant_cursor_is_refused_naming_the_cursor(values: list[object]) -> None:
    with pytest.raises(InvalidInput) as refused:
        decode_instant_cursor(encode_cursor(values))
    assert refused.value.errors == [{"field": "cursor", "message": "invalid cursor"}]


@pytest.mark.parametrize("cursor", ["", "%%%", "bm9wZQ", "W10", "eyJhIjoxfQ"])
def test_a_cursor_that_is_not_a_list_of_the_arity_is_refused(cursor: str) -> None:
    with pytest.raises(InvalidInput):
        decode_cursor(cursor, arity=2)


def test_sequence_numbers_are_bounded() -> None:
    assert decode_cursor(encode_cursor([2**63 - 1]), arity=1) == [2**63 - 1]
    with pytest.raises(InvalidInput):
        decode_cursor(encode_cursor([2**63]), arity=1)
