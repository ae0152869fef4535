"""Sex, ethnicity, marital status, certificate numbers and the §4 value ranges."""

from collections.abc import Callable

import pytest

from api.validation import (
    ETHNICITIES,
    MaritalStatus,
    Sex,
    check_birth_order,
    check_birth_weight_g,
    check_exam_gestational_weeks,
    check_gestational_weeks,
    check_plurality,
    ethnicity_name,
    normalize_certificate_no,
    normalize_ethnicity,
)

# -- sex (GB/T 2261.1) ---------------------------------------------------------------------


def test_sex_values_are_the_api_spelling() -> None:
    assert [sex.value for sex in Sex] == ["male", "female", "unknown"]
    assert Sex("female") is Sex.FEMALE


@pytest.mark.parametrize(("sex", "code"), [(Sex.MALE, "1"), (Sex.FEMALE, "2"), (Sex.UNKNOWN, "0")])
def test_sex_maps_to_gb_t_2261_1_codes(sex: Sex, code: str) -> None:
    assert sex.gb_code == code
    assert Sex.from_gb_code(code) is sex


def test_gb_code_9_not_stated_reads_as_unknown() -> None:
    assert Sex.from_gb_code("9") is Sex.UNKNOWN


@pytest.mark.parametrize("code", ["3", "", "M", "01"])
def test_other_gb_sex_codes_are_rejected(code: str) -> None:
    with pytest.raises(ValueError, match="sex code"):
        Sex.from_gb_code(code)


def test_unknown_sex_spelling_is_rejected() -> None:
    with pytest.raises(ValueError):
        Sex("M")


# -- ethnicity (GB 3304) -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "name"),
    [
        ("01", "汉族"),
        ("02", "蒙古族"),
        ("05", "维吾尔族"),
        ("56", "基诺族"),
        ("97", "其他"),
        ("98", "外国血统中国籍人士"),
    ],
)
def test_gb_3304_codes_are_accepted_and_named(code: str, name: str) -> None:
    assert normalize_ethnicity(code) == code
    assert ethnicity_name(code) == name


def test_table_has_56_ethnic_groups_plus_other_and_foreign_origin() -> None:
    assert list(ETHNICITIES) == [f"{i:02d}" for i in range(1, 57)] + ["97", "98"]
    assert len(set(ETHNICITIES.values())) == 58


@pytest.mark.parametrize("code", ["00", "57", "96", "99", "1", "001", " 01", "01 ", "汉族", "０１"])
def test_codes_outside_gb_3304_are_rejected(code: str) -> None:
    with pytest.raises(ValueError, match="GB 3304"):
        normalize_ethnicity(code)
    assert ethnicity_name(code) is None


def test_ethnicity_must_be_a_string() -> None:
    with pytest.raises(TypeError):
        normalize_ethnicity(1)  # type: ignore[arg-type]


# -- marital status (GB/T 2261.2) ----------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "married", "label"),
    [
        ("10", False, "未婚"),
        ("20", True, "已婚"),
        ("21", True, "初婚"),
        ("22", True, "再婚"),
        ("23", True, "复婚"),
        ("30", False, "丧偶"),
        ("40", False, "离婚"),
        ("90", False, "未说明的婚姻状况"),
    ],
)
def test_every_marital_status_code_and_whether_it_means_married(
    code: str, married: bool, label: str
) -> None:
    status = MaritalStatus(code)
    assert status.is_married is married
    assert status.label_zh == label


def test_marital_status_has_exactly_the_eight_standard_codes() -> None:
    assert [s.value for s in MaritalStatus] == ["10", "20", "21", "22", "23", "30", "40", "90"]


@pytest.mark.parametrize("code", ["11", "24", "00", "married", "2"])
def test_other_marital_codes_are_rejected(code: str) -> None:
    with pytest.raises(ValueError):
        MaritalStatus(code)


# -- birth certificate numbers -------------------------------------------------------------


def test_certificate_number_is_one_letter_and_nine_digits() -> None:
    assert normalize_certificate_no("Q420212345") == "Q420212345"


def test_lowercase_certificate_letter_is_normalised_to_uppercase() -> None:
    assert normalize_certificate_no("q420212345") == "Q420212345"


@pytest.mark.parametrize(
    "value",
    [
        "",
        "Q42021234",
        "Q4202123456",
        "1420212345",
        "QQ20212345",
        "Q42021234X",
        " Q420212345",
        "Q420212345 ",
        "Ｑ420212345",
        "Ω420212345",
        "Q４20212345",
    ],
)
def test_malformed_certificate_numbers_are_rejected(value: str) -> None:
    with pytest.raises(ValueError, match="one letter followed by 9 digits"):
        normalize_certificate_no(value)


def test_certificate_number_must_be_a_string() -> None:
    with pytest.raises(TypeError):
        normalize_certificate_no(420212345)  # type: ignore[arg-type]


# -- §4 value ranges -----------------------------------------------------------------------

RANGES: list[tuple[Callable[[int], int], int, int]] = [
    (check_birth_weight_g, 300, 7000),
    (check_gestational_weeks, 20, 45),
    (check_exam_gestational_weeks, 4, 45),
    (check_plurality, 1, 8),
]


@pytest.mark.parametrize(("check", "low", "high"), RANGES)
def test_range_bounds_are_inclusive(check: Callable[[int], int], low: int, high: int) -> None:
    assert check(low) == low
    assert check(high) == high
    for outside in (low - 1, high + 1):
        with pytest.raises(ValueError, match=f"between {low} and {high}"):
            check(outside)


@pytest.mark.parametrize(("check", "low", "high"), RANGES)
def test_ranges_refuse_non_integers(check: Callable[[int], int], low: int, high: int) -> None:
    for value in (True, float(low), str(low)):
        with pytest.raises(TypeError):
            check(value)  # type: ignore[arg-type]


def test_birth_order_runs_from_1_to_plurality() -> None:
    assert check_birth_order(1, 1) == 1
    assert check_birth_order(3, 3) == 3
    with pytest.raises(ValueError, match="birth_order"):
        check_birth_order(2, 1)
    with pytest.raises(ValueError, match="birth_order"):
        check_birth_order(0, 2)
    with pytest.raises(ValueError, match="plurality"):
        check_birth_order(1, 9)
