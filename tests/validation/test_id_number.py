"""GB 11643 resident ID numbers: shape, check character, province, birth date, sex."""

from datetime import date, datetime, timedelta

import pytest

from api.validation import (
    IdNumberDisagreement,
    Sex,
    check_id_number_agrees,
    id_number_birth_date,
    id_number_check_char,
    id_number_sex,
    mask_id_number,
    normalize_id_number,
    today_in_china,
)
from api.validation import id_number as id_number_module

KNOWN_VALID_X = "11010519491231002X"  # the sample ID printed in GB 11643-1999


def make_id(region: str = "420202", born: str = "19900101", seq: str = "123") -> str:
    """Build a valid ID number with the right check character."""
    first17 = region + born + seq
    return first17 + id_number_check_char(first17)


def with_x_check_char(region: str = "420202", born: str = "19900101") -> str:
    """Return a valid ID whose check character is X."""
    for n in range(1000):
        candidate = make_id(region, born, f"{n:03d}")
        if candidate.endswith("X"):
            return candidate
    raise AssertionError("no sequence number gives X")


# -- check character ---------------------------------------------------------------------


def test_known_valid_id_with_x_check_character_is_accepted() -> None:
    assert normalize_id_number(KNOWN_VALID_X) == KNOWN_VALID_X


def test_check_character_follows_iso_7064_mod_11_2() -> None:
    assert id_number_check_char("11010519491231002") == "X"
    assert id_number_check_char("44052418800101001") == "4"


def test_lowercase_x_check_character_is_normalised() -> None:
    assert normalize_id_number(KNOWN_VALID_X.lower()) == KNOWN_VALID_X


@pytest.mark.parametrize("seq", ["001", "002", "123", "998", "999"])
def test_ids_with_computed_check_characters_are_accepted(seq: str) -> None:
    id_number = make_id(seq=seq)
    assert normalize_id_number(id_number) == id_number


def test_computed_x_check_character_is_accepted() -> None:
    id_number = with_x_check_char()
    assert normalize_id_number(id_number) == id_number


def test_every_wrong_check_character_is_rejected() -> None:
    valid = make_id()
    for char in "0123456789X":
        if char != valid[-1]:
            with pytest.raises(ValueError, match="check character"):
                normalize_id_number(valid[:17] + char)


def test_swapped_digits_are_caught_by_the_check_character() -> None:
    valid = make_id(seq="123")
    swapped = valid[:14] + "213" + valid[17]
    with pytest.raises(ValueError, match="check character"):
        normalize_id_number(swapped)


@pytest.mark.parametrize(
    "bad", ["1101051949123100", "110105194912310", "x" * 17, "1101051949123100a", "１" * 17]
)
def test_check_char_function_needs_exactly_17_digits(bad: str) -> None:
    with pytest.raises(ValueError):
        id_number_check_char(bad)


# -- shape ---------------------------------------------------------------------------------


@pytest.mark.parametrize("length", [0, 15, 17, 19])
def test_ids_that_are_not_18_characters_are_rejected(length: int) -> None:
    with pytest.raises(ValueError, match="18 characters"):
        normalize_id_number(("1101051949123100" * 2)[:length])


@pytest.mark.parametrize("padded", [" " + KNOWN_VALID_X, KNOWN_VALID_X + " ", KNOWN_VALID_X + "\n"])
def test_leading_or_trailing_whitespace_is_an_error_not_stripped(padded: str) -> None:
    with pytest.raises(ValueError, match="whitespace"):
        normalize_id_number(padded)


@pytest.mark.parametrize(
    "bad",
    [
        "X1010519491231002X",  # X only allowed last
        "1101051949123100XX",
        "11010519491231002Y",
        "11010519491231002-",
        "１１010519491231002X",  # fullwidth digits are not ASCII digits
        "110105194912310٠2X",  # Arabic-Indic zero
    ],
)
def test_characters_other_than_digits_and_final_x_are_rejected(bad: str) -> None:
    with pytest.raises(ValueError, match="17 digits followed by a digit or X"):
        normalize_id_number(bad)


@pytest.mark.parametrize("bad", [110105194912310020, None, b"11010519491231002X"])
def test_non_string_is_a_type_error(bad: object) -> None:
    with pytest.raises(TypeError):
        normalize_id_number(bad)  # type: ignore[arg-type]


def test_error_messages_do_not_echo_the_id_number() -> None:
    wrong_check = KNOWN_VALID_X[:17] + "0"
    with pytest.raises(ValueError) as excinfo:
        normalize_id_number(wrong_check)
    assert "1101051949" not in str(excinfo.value)


# -- region --------------------------------------------------------------------------------


@pytest.mark.parametrize("province", ["00", "19", "20", "99"])
def test_unknown_province_code_is_rejected(province: str) -> None:
    with pytest.raises(ValueError, match="province"):
        normalize_id_number(make_id(region=province + "0101"))


def test_abolished_county_code_is_accepted_when_the_province_is_known() -> None:
    # 422101 was Huanggang prefecture's county code before the 1995 reorganisation.
    id_number = make_id(region="422101")
    assert normalize_id_number(id_number) == id_number


@pytest.mark.parametrize("region", ["810000", "820000", "830000"])
def test_hong_kong_macao_and_taiwan_residence_permits_are_accepted(region: str) -> None:
    id_number = make_id(region=region)
    assert normalize_id_number(id_number) == id_number


# -- birth date ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("born", "valid"),
    [("20000229", True), ("20240229", True), ("20230229", False), ("19000229", False)],
)
def test_29_february_is_valid_only_in_leap_years(born: str, valid: bool) -> None:
    id_number = make_id(born=born)
    if valid:
        assert id_number_birth_date(id_number).isoformat()[5:] == "02-29"
    else:
        with pytest.raises(ValueError, match="invalid birth date"):
            normalize_id_number(id_number)


@pytest.mark.parametrize("born", ["19901301", "19900001", "19900132", "19900431", "19900100"])
def test_impossible_calendar_dates_are_rejected(born: str) -> None:
    with pytest.raises(ValueError, match="invalid birth date"):
        normalize_id_number(make_id(born=born))


def test_birth_date_in_the_future_is_rejected() -> None:
    tomorrow = today_in_china() + timedelta(days=1)
    with pytest.raises(ValueError, match="future"):
        normalize_id_number(make_id(born=tomorrow.strftime("%Y%m%d")))


def test_birth_today_is_accepted() -> None:
    today = today_in_china()
    assert id_number_birth_date(make_id(born=today.strftime("%Y%m%d"))) == today


def test_the_future_is_judged_by_the_date_in_china(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(id_number_module, "today_in_china", lambda: date(2026, 3, 1))
    assert id_number_birth_date(make_id(born="20260301")) == date(2026, 3, 1)
    with pytest.raises(ValueError, match="future"):
        normalize_id_number(make_id(born="20260302"))


def test_birth_before_1880_is_rejected() -> None:
    with pytest.raises(ValueError, match="1880"):
        normalize_id_number(make_id(born="18791231"))
    assert id_number_birth_date(make_id(born="18800101")) == date(1880, 1, 1)


def test_birth_date_is_read_from_digits_7_to_14() -> None:
    assert id_number_birth_date(KNOWN_VALID_X) == date(1949, 12, 31)


# -- sex -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("seq", "sex"), [("001", Sex.MALE), ("123", Sex.MALE), ("000", Sex.FEMALE), ("998", Sex.FEMALE)]
)
def test_odd_sequence_number_means_male_and_even_female(seq: str, sex: Sex) -> None:
    assert id_number_sex(make_id(seq=seq)) is sex


def test_sex_of_the_known_valid_id_is_female() -> None:
    assert id_number_sex(KNOWN_VALID_X) is Sex.FEMALE


def test_sex_of_an_invalid_id_is_not_guessed() -> None:
    with pytest.raises(ValueError):
        id_number_sex(KNOWN_VALID_X[:17] + "1")


# -- agreement with birth_date and sex -----------------------------------------------------


def test_matching_birth_date_and_sex_agree() -> None:
    id_number = make_id(born="19900101", seq="123")
    check_id_number_agrees(id_number, birth_date=date(1990, 1, 1), sex=Sex.MALE)
    check_id_number_agrees(id_number, sex="male")
    check_id_number_agrees(id_number)


def test_disagreeing_birth_date_is_named() -> None:
    with pytest.raises(IdNumberDisagreement, match=r"^birth_date does not agree") as excinfo:
        check_id_number_agrees(make_id(born="19900101"), birth_date=date(1990, 1, 2))
    assert excinfo.value.fields == ("birth_date",)


def test_disagreeing_sex_is_named() -> None:
    with pytest.raises(IdNumberDisagreement, match=r"^sex does not agree") as excinfo:
        check_id_number_agrees(make_id(seq="123"), sex=Sex.FEMALE)
    assert excinfo.value.fields == ("sex",)


def test_both_disagreements_are_named_together() -> None:
    with pytest.raises(IdNumberDisagreement, match="birth_date and sex do not agree") as excinfo:
        check_id_number_agrees(make_id(seq="124"), birth_date=date(2001, 1, 1), sex="male")
    assert excinfo.value.fields == ("birth_date", "sex")


def test_disagreement_is_a_value_error() -> None:
    with pytest.raises(ValueError):
        check_id_number_agrees(make_id(seq="124"), sex=Sex.MALE)


def test_unknown_sex_does_not_contradict_the_id() -> None:
    check_id_number_agrees(make_id(seq="123"), sex=Sex.UNKNOWN)


def test_agreement_check_refuses_a_datetime_for_birth_date() -> None:
    with pytest.raises(TypeError):
        check_id_number_agrees(make_id(), birth_date=datetime(1990, 1, 1, 8, 0))


def test_agreement_check_validates_the_id_first() -> None:
    with pytest.raises(ValueError, match="check character"):
        check_id_number_agrees(KNOWN_VALID_X[:17] + "1", birth_date=date(1949, 12, 31))


# -- masking -------------------------------------------------------------------------------


def test_mask_keeps_first_6_and_last_4_characters() -> None:
    assert mask_id_number("420202199001011234") == "420202********1234"
    assert mask_id_number(KNOWN_VALID_X) == "110105********002X"


@pytest.mark.parametrize("bad", ["", "4202021990010112", "4202021990010112345"])
def test_mask_refuses_values_that_are_not_18_characters(bad: str) -> None:
    with pytest.raises(ValueError):
        mask_id_number(bad)
