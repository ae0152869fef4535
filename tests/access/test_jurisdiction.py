"""The one jurisdiction rule: significant digits of a prefix, in Python and in SQL."""

import pytest
from sqlalchemy import column, select, table
from sqlalchemy.dialects import postgresql, sqlite

from api.access.jurisdiction import (
    covers,
    in_jurisdiction,
    jurisdiction_filter,
    narrowed,
    significant_digits,
)


@pytest.mark.parametrize(
    ("prefix", "digits"),
    [("420200", "4202"), ("420000", "42"), ("000000", ""), ("420202", "420202")],
)
def test_a_prefix_keeps_only_its_significant_digits(prefix: str, digits: str) -> None:
    assert significant_digits(prefix) == digits


def test_a_prefix_that_is_not_a_region_code_is_refused() -> None:
    with pytest.raises(ValueError):
        significant_digits("42'; DROP TABLE birth; --")


@pytest.mark.parametrize(
    ("region", "prefix", "inside"),
    [
        ("420202", "420200", True),
        ("420281", "420000", True),
        ("420302", "420200", False),
        ("420203", "420202", False),
        ("110101", "420000", False),
        ("110101", "000000", True),
        (None, "000000", False),
    ],
)
def test_a_region_is_inside_a_jurisdiction_when_it_starts_with_its_digits(
    region: str | None, prefix: str, inside: bool
) -> None:
    assert in_jurisdiction(prefix, region) is inside


@pytest.mark.parametrize(
    ("jurisdiction", "requested", "expected"),
    [
        ("420200", None, "4202"),
        ("420200", "420202", "420202"),
        ("420202", "420000", "420202"),
        ("420200", "420100", None),
        ("000000", "420000", "42"),
    ],
)
def test_a_list_is_cut_to_the_narrower_of_jurisdiction_and_requested_region(
    jurisdiction: str, requested: str | None, expected: str | None
) -> None:
    assert narrowed(jurisdiction, requested) == expected


def test_a_jurisdiction_covers_the_regions_below_it_only() -> None:
    assert covers("420000", "420202")
    assert covers("000000", "110000")
    assert not covers("420202", "420200")


def _sql(prefix: str, requested: str | None = None) -> str:
    rows = table("birth", column("birth_region"))
    query = select(rows).where(
        jurisdiction_filter(rows.c.birth_region, prefix, requested=requested)
    )
    return str(query.compile(dialect=sqlite.dialect(), compile_kwargs={"literal_binds": True}))


def test_the_sql_filter_uses_the_same_digits_as_the_python_check() -> None:
    assert "LIKE '4202' || '%'" in _sql("420200")
    assert "WHERE 1 = 1" in _sql("000000") or "WHERE true" in _sql("000000").lower()
    assert "0 = 1" in _sql("420200", requested="420100") or "false" in _sql("420200", "420100")


def test_the_sql_filter_compiles_on_postgresql_too() -> None:
    rows = table("birth", column("birth_region"))
    sql = select(rows).where(jurisdiction_filter(rows.c.birth_region, "420200"))
    assert "LIKE" in str(sql.compile(dialect=postgresql.dialect()))
