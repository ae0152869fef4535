"""Person names: every GB 18030-2022 Chinese character, minority-name dots, Latin names."""

import pytest

from api.validation import MIDDLE_DOT, is_cjk_ideograph, normalize_person_name


@pytest.mark.parametrize("name", ["张三", "欧阳娜娜", "王", "李〇"])
def test_ordinary_chinese_names_are_accepted_unchanged(name: str) -> None:
    assert normalize_person_name(name) == name


def test_extension_b_name_is_accepted() -> None:
    name = "吉\U00020bb7"  # 𠮷 U+20BB7, a surrogate pair in UTF-16
    assert normalize_person_name(name) == name


def test_extension_a_name_is_accepted() -> None:
    assert normalize_person_name("刘䶮") == "刘䶮"  # 䶮 U+4DAE


@pytest.mark.parametrize(
    "char",
    [
        "\U0002a700",  # Extension C
        "\U0002b740",  # Extension D
        "\U0002b820",  # Extension E
        "\U0002ceb0",  # Extension F
        "\U00030000",  # Extension G
        "\U0003134a",  # Extension G, last
        "\U00031350",  # Extension H (Unicode 15, unknown to Python 3.11's unicodedata)
        "\U000323af",  # Extension H, last
        "\U0002ebf0",  # Extension I
    ],
)
def test_extension_c_to_i_characters_are_accepted(char: str) -> None:
    assert normalize_person_name("张" + char) == "张" + char


@pytest.mark.parametrize("char", ["\uf900", "\ufa2d", "\U0002f800"])
def test_compatibility_ideographs_are_kept_as_written(char: str) -> None:
    # No NFC: it would silently turn a compatibility ideograph into a different character.
    assert normalize_person_name("李" + char) == "李" + char


def test_minority_name_with_middle_dot_is_accepted() -> None:
    assert normalize_person_name("买买提·艾力") == "买买提·艾力"


def test_transliterated_foreign_name_with_several_dots_is_accepted() -> None:
    assert normalize_person_name("约翰·菲茨杰拉德·肯尼迪") == "约翰·菲茨杰拉德·肯尼迪"


@pytest.mark.parametrize(
    "dot", ["\u30fb", "\uff65", "\u2022", "\u2027", "\u2219", "\u22c5", "\u0387", "\u2e31"]
)
def test_look_alike_dots_are_normalised_to_the_middle_dot(dot: str) -> None:
    assert normalize_person_name(f"买买提{dot}艾力") == f"买买提{MIDDLE_DOT}艾力"


@pytest.mark.parametrize("stop", [".", "\uff0e"])
def test_full_stop_between_chinese_characters_is_read_as_the_middle_dot(stop: str) -> None:
    assert normalize_person_name(f"买买提{stop}艾力") == "买买提·艾力"


def test_full_stop_outside_chinese_characters_is_not_a_dot() -> None:
    with pytest.raises(ValueError, match="not allowed"):
        normalize_person_name("J. Smith")


@pytest.mark.parametrize("name", ["·艾力", "买买提·", "·", "・艾力", "买买提•"])
def test_name_must_not_start_or_end_with_the_dot(name: str) -> None:
    with pytest.raises(ValueError, match="start or end with the middle dot"):
        normalize_person_name(name)


@pytest.mark.parametrize("name", ["买买提··艾力", "买买提・·艾力"])
def test_two_dots_in_a_row_are_rejected(name: str) -> None:
    with pytest.raises(ValueError, match="two middle dots"):
        normalize_person_name(name)


@pytest.mark.parametrize(
    "name", ["John Smith", "SMITH JOHN", "O'Neil", "Jean-Pierre", "José", "Jose\u0301", "Łukasz"]
)
def test_latin_foreign_names_are_accepted(name: str) -> None:
    assert normalize_person_name(name) == name


@pytest.mark.parametrize("name", ["-Jean", "Jean-", "Jean--Pierre", "张-三", "'O"])
def test_hyphen_and_apostrophe_only_join_latin_letters(name: str) -> None:
    with pytest.raises(ValueError, match="not allowed"):
        normalize_person_name(name)


def test_two_spaces_in_a_row_are_rejected() -> None:
    with pytest.raises(ValueError, match="two spaces"):
        normalize_person_name("John  Smith")


@pytest.mark.parametrize(
    "char",
    [
        "\x00",
        "\t",
        "\n",
        "\r",
        "\x7f",
        "\x85",  # Cc
        "\u200b",
        "\u200d",
        "\u200e",
        "\u202e",
        "\ufeff",
        "\u00ad",  # Cf incl. ZWJ, bidi, BOM
        "\u2028",
        "\u2029",  # Zl, Zp
        "\ud842",  # Cs: a lone surrogate
        "\ue000",  # Co: private use
        "\u0378",  # Cn: unassigned
    ],
)
def test_control_and_invisible_characters_are_rejected(char: str) -> None:
    with pytest.raises(ValueError, match=f"control or invisible character \\(U\\+{ord(char):04X}"):
        normalize_person_name(f"张{char}三")


@pytest.mark.parametrize("name", [" 张三", "张三 ", "\u3000张三", "张三\u00a0", "\u2003John"])
def test_leading_or_trailing_whitespace_is_rejected(name: str) -> None:
    with pytest.raises(ValueError, match="leading or trailing whitespace"):
        normalize_person_name(name)


def test_empty_name_is_rejected() -> None:
    with pytest.raises(ValueError, match="empty"):
        normalize_person_name("")


def test_64_characters_are_accepted_and_65_rejected() -> None:
    assert normalize_person_name("张" * 64) == "张" * 64
    with pytest.raises(ValueError, match="at most 64 characters, got 65"):
        normalize_person_name("张" * 65)


def test_length_counts_code_points_not_utf16_units() -> None:
    name = "\U00020bb7" * 64  # 128 UTF-16 code units
    assert normalize_person_name(name) == name


@pytest.mark.parametrize(
    ("name", "char"),
    [
        ("Иван", "И"),  # Cyrillic
        ("张三1", "1"),
        ("张三😀", "😀"),
        ("张@三", "@"),
        ("\u2f00三", "\u2f00"),  # Kangxi radical ⼀, a look-alike of 一
        ("张\u3000三", "\u3000"),  # ideographic space inside
        ("ＡＢ", "Ａ"),  # fullwidth Latin
        ("张\ufe00三", "\ufe00"),  # variation selector
    ],
)
def test_characters_outside_the_name_repertoire_are_rejected(name: str, char: str) -> None:
    with pytest.raises(ValueError, match=f"U\\+{ord(char):04X}"):
        normalize_person_name(name)


@pytest.mark.parametrize("value", [None, 123, b"\xe5\xbc\xa0"])
def test_non_string_is_a_type_error(value: object) -> None:
    with pytest.raises(TypeError):
        normalize_person_name(value)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("char", "expected"),
    [
        ("张", True),
        ("䶮", True),
        ("\U00020bb7", True),
        ("\U000323af", True),
        ("\uf900", True),
        ("A", False),
        ("·", False),
        ("\u2f00", False),
        ("\u3000", False),
    ],
)
def test_is_cjk_ideograph(char: str, expected: bool) -> None:
    assert is_cjk_ideograph(char) is expected
