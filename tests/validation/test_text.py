"""Control characters and lone surrogates in client text."""

import pytest

from api.validation.text import (
    check_no_control_characters,
    control_character_paths,
    has_control_characters,
    printable_json,
    printable_name,
)


@pytest.mark.parametrize("char", ["\x00", "\x01", "\x1b", "\x7f", "\x85", "\ud800", "\udfff"])
def test_control_characters_and_lone_surrogates_are_found(char: str) -> None:
    assert has_control_characters(f"a{char}b")
    assert has_control_characters(f"a{char}b", allow_line_breaks=True)


def test_line_breaks_and_tabs_are_allowed_in_free_text_only() -> None:
    assert has_control_characters("a\nb")
    assert not has_control_characters("a\nb\tc\r\n", allow_line_breaks=True)
    assert check_no_control_characters("宫内单活胎，\n胎心规律。") == "宫内单活胎，\n胎心规律。"


@pytest.mark.parametrize(
    "text", ["王芳", "买买提·艾力", "𠮷野", "\U00031350", "Zoë O'Neil", "", " "]
)
def test_ordinary_text_passes(text: str) -> None:
    assert not has_control_characters(text)


def test_free_text_with_a_nul_is_refused() -> None:
    with pytest.raises(ValueError, match="control characters"):
        check_no_control_characters("ab\x00")


def test_every_string_and_key_holding_one_is_named_by_its_path() -> None:
    body = {
        "facility_code": "42\x00",
        "mother": {"name": "王\x00芳", "id_number": "ok"},
        "list": ["fine", "bad\x1f"],
        "k\x00": "value",
        "note": "line\nbreak",
    }
    assert control_character_paths(body) == [
        "facility_code",
        "mother.name",
        "list.1",
        "k\\x00",
    ]


def test_names_echoed_in_an_answer_are_escaped() -> None:
    assert printable_name("status\x00") == "status\\x00"
    assert printable_name("x\ud800") == "x\\ud800"
    assert printable_name("出生") == "出生"


def test_a_printable_json_text_without_escapes_needs_no_walk() -> None:
    assert printable_json('{"name": "阿卜杜·热合曼", "n": 1}'.encode())
    assert printable_json('{"name": "張麗之女（二）"}')


@pytest.mark.parametrize(
    "text",
    [
        b'{"a": "x\\u0000"}',
        b'{"a": "x\\n"}',
        b'{"a": "\\ud800"}',
        b'{"a": "\xff"}',
        '{"a": "\x7f"}',
    ],
)
def test_escapes_bad_bytes_and_raw_controls_take_the_full_check(text: str | bytes) -> None:
    assert not printable_json(text)
