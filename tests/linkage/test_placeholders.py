"""Placeholder child names are no name (placeholders.py), the same rule in Python and SQL."""

from __future__ import annotations

import duckdb
import pytest

from api.crosscheck.linkage.placeholders import is_placeholder, placeholder_sql

PLACEHOLDERS = [
    # the mother's name and a word for son / daughter
    ("张丽之子", "张丽"),
    ("张丽之女", "张丽"),
    ("张丽之男", "张丽"),
    ("张丽之女儿", "张丽"),
    ("张丽的儿子", "张丽"),
    ("阿依古丽·买买提之女", "阿依古丽·买买提"),
    # words alone
    ("男婴", None),
    ("女婴", None),
    ("婴儿", None),
    ("新生儿", None),
    ("宝宝", None),
    ("未取名", None),
    ("无名", None),
    ("男", None),
    # twins and triplets, numbered as wards number them
    ("张丽之子1", "张丽"),
    ("张丽之女(二)", "张丽"),
    ("张丽之女（二）", "张丽"),
    ("张丽之子一", "张丽"),
    ("张丽之子-2", "张丽"),
    ("男婴２", None),
    ("张丽之子 A", "张丽"),
    ("张丽之子第一胎", "张丽"),
    ("张丽大宝", "张丽"),
    ("张丽二宝", "张丽"),
    # as registers write them: traditional, spaces, full-width
    ("張麗之子", "張麗"),
    ("嬰兒", None),
    ("新生兒", None),
    ("張麗大寶", "張麗"),
    ("张丽 之子", "张丽"),
    ("张丽之女 ( 二 )", "张丽"),
    # the mother's name may be missing or differ: the word is what counts
    ("张丽之子", None),
    ("李娜之女", "张丽"),
]

NAMES = [
    ("王梓涵", "张丽"),
    ("王子", "张丽"),
    ("子涵", None),
    ("王小宝", "张丽"),  # 小宝 counts only alone or after the mother's own name
    ("李男", "张丽"),
    ("王新", None),
    ("艾力·买买提", "阿依古丽·买买提"),
    ("", None),
]


@pytest.mark.parametrize(("name", "mother"), PLACEHOLDERS)
def test_placeholder_names_are_no_name(name: str, mother: str | None) -> None:
    assert is_placeholder(name, mother)


@pytest.mark.parametrize(("name", "mother"), NAMES)
def test_real_names_are_names(name: str, mother: str | None) -> None:
    assert not is_placeholder(name, mother)


def test_no_name_is_not_a_placeholder() -> None:
    assert not is_placeholder(None)


def test_duckdb_applies_the_same_rule() -> None:
    cases = PLACEHOLDERS + NAMES + [("小宝", None), ("王小宝", None)]
    got = duckdb.sql(
        f"SELECT n, m, {placeholder_sql('n', 'm')} FROM "
        "(SELECT unnest(?::VARCHAR[]) AS n, unnest(?::VARCHAR[]) AS m)",
        params=[[n for n, _ in cases], [m for _, m in cases]],
    ).fetchall()
    assert [(n, m, is_placeholder(n, m)) for n, m in cases] == got


def test_without_a_mother_column_only_the_words_count() -> None:
    got = duckdb.sql(
        f"SELECT n, {placeholder_sql('n')} FROM unnest(?::VARCHAR[]) t(n)",
        params=[["张丽之子1", "张丽大宝", "大宝", "王梓涵", None]],
    ).fetchall()
    assert got == [
        ("张丽之子1", True),
        ("张丽大宝", False),
        ("大宝", True),
        ("王梓涵", False),
        (None, False),
    ]
