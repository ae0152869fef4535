"""GB/T 2260 region codes, statistical codes and jurisdiction prefixes."""

import subprocess
import sys
from pathlib import Path

import pytest

from api.validation import (
    NATIONAL_PREFIX,
    normalize_region_code,
    normalize_region_prefix,
    province_codes,
    region_full_name,
    region_level,
    region_name,
    region_prefix_digits,
    region_table,
)

REPO_ROOT = Path(__file__).resolve().parents[2]

# -- the shipped table ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "name"),
    [
        ("420000", "湖北省"),
        ("420200", "黄石市"),
        ("420202", "黄石港区"),
        ("420203", "西塞山区"),
        ("420204", "下陆区"),
        ("420205", "铁山区"),
        ("420222", "阳新县"),
        ("420281", "大冶市"),
        ("110101", "东城区"),
    ],
)
def test_table_contains_hubei_and_huangshi_divisions(code: str, name: str) -> None:
    assert region_table()[code] == name


def test_table_covers_every_province_prefecture_and_county() -> None:
    table = region_table()
    assert len(table) >= 3200
    assert len([code for code in table if code.endswith("0000")]) == 34
    assert all(len(code) == 6 and code.isdigit() and name for code, name in table.items())


def test_table_is_read_only() -> None:
    with pytest.raises(TypeError):
        region_table()["999999"] = "x"  # type: ignore[index]


def test_table_is_not_loaded_at_import_time() -> None:
    script = (
        "import api.validation\n"
        "from api.validation.region import region_table\n"
        "print(region_table.cache_info().currsize)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=REPO_ROOT, capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "0"


def test_province_codes_are_the_first_two_digits_of_province_entries() -> None:
    assert {"11", "42", "65", "71", "81", "82"} <= province_codes()
    assert "00" not in province_codes()
    assert "99" not in province_codes()


# -- region codes --------------------------------------------------------------------------


@pytest.mark.parametrize("code", ["420202", "420281", "420200", "420000", "110101", "469001"])
def test_six_digit_codes_in_the_table_are_accepted(code: str) -> None:
    assert normalize_region_code(code) == code


@pytest.mark.parametrize("code", ["420202001", "420202001001", "420202000000", "420000000000"])
def test_9_and_12_digit_statistical_codes_of_a_known_division_are_accepted(code: str) -> None:
    assert normalize_region_code(code) == code


def test_statistical_code_of_a_city_without_counties_is_accepted() -> None:
    # Dongguan's towns hang directly off the prefecture-level code 441900.
    assert normalize_region_code("441900003") == "441900003"


@pytest.mark.parametrize("code", ["420299", "429999", "000000", "999999", "420201"])
def test_unknown_county_codes_are_rejected(code: str) -> None:
    with pytest.raises(ValueError, match=f"unknown region code {code}"):
        normalize_region_code(code)


@pytest.mark.parametrize("code", ["420299001", "429999001001"])
def test_statistical_codes_of_an_unknown_county_are_rejected(code: str) -> None:
    with pytest.raises(ValueError, match="unknown region code"):
        normalize_region_code(code)


def test_12_digit_code_with_a_village_but_no_township_is_rejected() -> None:
    with pytest.raises(ValueError, match="no township"):
        normalize_region_code("420202000001")


@pytest.mark.parametrize(
    "code", ["", "42020", "4202021", "42020200", "4202020010", "42020200100", "4202020010010"]
)
def test_codes_of_other_lengths_are_rejected(code: str) -> None:
    with pytest.raises(ValueError, match="6 digits, or a 9 or 12 digit"):
        normalize_region_code(code)


@pytest.mark.parametrize("code", ["42020a", "４２０２０２", "420-02", "+42020"])
def test_non_digit_codes_are_rejected(code: str) -> None:
    with pytest.raises(ValueError):
        normalize_region_code(code)


@pytest.mark.parametrize("code", [" 420202", "420202 ", "420202\n"])
def test_region_code_with_surrounding_whitespace_is_rejected(code: str) -> None:
    with pytest.raises(ValueError, match="whitespace"):
        normalize_region_code(code)


@pytest.mark.parametrize("code", [420202, None])
def test_non_string_region_code_is_a_type_error(code: object) -> None:
    with pytest.raises(TypeError):
        normalize_region_code(code)  # type: ignore[arg-type]


def test_superseded_codes_stay_valid_for_historical_records() -> None:
    assert region_name("540422") == "米林县"
    assert region_name("540481") == "米林市"


# -- jurisdiction prefixes -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("prefix", "digits"),
    [
        ("000000", ""),
        ("420000", "42"),
        ("420200", "4202"),
        ("420202", "420202"),
        ("110000", "11"),
        ("469001", "469001"),
    ],
)
def test_prefix_significant_digits(prefix: str, digits: str) -> None:
    assert region_prefix_digits(prefix) == digits


def test_national_prefix_is_valid_though_not_in_the_table() -> None:
    assert normalize_region_prefix(NATIONAL_PREFIX) == "000000"


@pytest.mark.parametrize("prefix", ["420299", "990000", "420201"])
def test_unknown_prefix_is_rejected(prefix: str) -> None:
    with pytest.raises(ValueError, match="unknown region prefix"):
        normalize_region_prefix(prefix)


@pytest.mark.parametrize("prefix", ["42", "4202", "420202001", " 420000", ""])
def test_prefix_must_be_exactly_6_digits(prefix: str) -> None:
    with pytest.raises(ValueError):
        normalize_region_prefix(prefix)


# -- names ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "name"),
    [
        ("420202", "黄石港区"),
        ("420202001", "黄石港区"),
        ("420202001001", "黄石港区"),
        ("420200", "黄石市"),
        ("420299", None),
        ("4202", None),
        ("abcdef", None),
    ],
)
def test_region_name_looks_up_the_division_of_the_first_6_digits(
    code: str, name: str | None
) -> None:
    assert region_name(code) == name


@pytest.mark.parametrize(
    ("code", "full_name"),
    [
        ("420202", "湖北省黄石市黄石港区"),
        ("420200", "湖北省黄石市"),
        ("420000", "湖北省"),
        ("110101", "北京市东城区"),
        ("469001", "海南省五指山市"),
        ("420299", None),
    ],
)
def test_region_full_name_joins_province_prefecture_and_county(
    code: str, full_name: str | None
) -> None:
    assert region_full_name(code) == full_name


def test_region_level() -> None:
    assert region_level("420000") == "province"
    assert region_level("420200") == "prefecture"
    assert region_level("420202") == "county"
    with pytest.raises(ValueError):
        region_level("420299")
