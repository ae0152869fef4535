"""One comparable form for every way registers write a name (names.py)."""

from __future__ import annotations

import re
import unicodedata

import duckdb
import pytest

from api.crosscheck.linkage.names import (
    VARIANTS_FILE,
    fold_pattern,
    is_transliterated,
    normalize_name,
)
from api.crosscheck.linkage.variants import build_table, render


@pytest.mark.parametrize(
    ("written", "same_as"),
    [
        ("張麗", "张丽"),  # traditional
        ("歐陽娜娜", "欧阳娜娜"),
        ("鍾梓涵", "钟梓涵"),  # and the 2013 simplified form 锺
        ("锺梓涵", "钟梓涵"),
        ("覃甯浩", "覃宁浩"),  # what OpenCC's phrase rules write for 宁浩
        ("\uf9e1娜", "李娜"),  # CJK compatibility ideograph 李
        ("王　梓涵", "王梓涵"),  # ideographic space
        ("王 梓 涵", "王梓涵"),
        ("王\u200b梓涵", "王梓涵"),  # zero-width space
        ("艾力・买买提", "艾力·买买提"),
        ("艾力•买买提", "艾力·买买提"),
        ("艾力‧买买提", "艾力·买买提"),
        ("艾力．买买提", "艾力·买买提"),
        ("艾力.买买提", "艾力·买买提"),
        ("艾力ㆍ买买提", "艾力·买买提"),  # Korean input method
        ("艾力 买买提", "艾力·买买提"),
        ("艾力买买提", "艾力·买买提"),  # the dot left out
    ],
)
def test_ways_of_writing_one_name_fold_to_one_form(written: str, same_as: str) -> None:
    assert normalize_name(written) == normalize_name(same_as)


@pytest.mark.parametrize(
    ("a", "b"),
    [("王梓涵", "王子涵"), ("仇萱", "雠萱"), ("于娜", "余娜"), ("张丽", "章丽")],
)
def test_different_characters_stay_different(a: str, b: str) -> None:
    assert normalize_name(a) != normalize_name(b)


def test_simplified_names_are_their_own_form() -> None:
    for name in ("王梓涵", "欧阳娜娜", "𠮷䶮", "买买提艾力"):
        assert normalize_name(name) == name
    assert normalize_name(None) is None
    assert normalize_name(" \u3000 ") is None


def test_a_dot_marks_a_transliterated_name() -> None:
    assert is_transliterated("阿依古丽·买买提")
    assert is_transliterated("阿依古丽ㆍ买买提")
    assert not is_transliterated("王梓涵")
    assert not is_transliterated("王 梓涵")


def _sample_characters() -> list[str]:
    """Every BMP character that is not a surrogate, and some from the astral planes."""
    bmp = [chr(cp) for cp in range(0x20, 0x10000) if not 0xD800 <= cp < 0xE000]
    return bmp + [chr(cp) for cp in range(0x20000, 0x2A6E0, 37)] + ["\U0002f800", "\U0002fa1d"]


def test_the_fold_pattern_flags_every_name_the_fold_changes() -> None:
    # The engine compares unflagged names as stored: a name the fold would change must
    # never slip through unflagged, or two ways of writing it would differ.
    flagged = re.compile(fold_pattern())
    for ch in _sample_characters():
        name = "王" + ch + "涵"
        if normalize_name(name) != name:
            assert flagged.search(name), hex(ord(ch))


def test_the_fold_pattern_leaves_ordinary_names_alone() -> None:
    flagged = re.compile(fold_pattern())
    assert not flagged.search("王梓涵")
    assert not flagged.search("𠮷䶮")
    assert flagged.search("張麗") and flagged.search("王 梓涵") and flagged.search("艾力·买买提")


def test_duckdb_reads_the_fold_pattern_as_python_does() -> None:
    names = ["王梓涵", "張麗", "王　梓涵", "艾力・买买提", "\uf9e1娜", "𠮷䶮", "李娜"]
    pattern = fold_pattern().replace("'", "''")
    got = duckdb.sql(
        f"SELECT n, regexp_matches(n, '{pattern}') FROM unnest(?::VARCHAR[]) t(n)",
        params=[names],
    ).fetchall()
    assert dict(got) == {n: bool(re.search(fold_pattern(), n)) for n in names}


def test_shipped_variant_table_is_what_opencc_gives() -> None:
    # Regenerate with `python -m api.crosscheck.linkage.variants` after an OpenCC upgrade.
    assert VARIANTS_FILE.read_text(encoding="utf-8") == render(build_table())


def test_the_variant_table_maps_to_characters_that_stay() -> None:
    table = build_table()
    assert all(target not in table for target in table.values())
    assert all(unicodedata.category(c) == "Lo" for c in table)
