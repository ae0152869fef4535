"""The pinyin key: homophones meet, surnames read as surnames, names normalised."""

from api.crosscheck.linkage.pinyin import CharReadings, pinyin_key, pinyin_keys


def test_homophone_given_names_share_a_key() -> None:
    assert pinyin_key("王梓涵") == pinyin_key("王子涵") == "wang zi han"
    assert pinyin_key("李轩") == pinyin_key("李萱")
    assert pinyin_key("张怡") == pinyin_key("张宜")


def test_different_names_have_different_keys() -> None:
    assert pinyin_key("王梓涵") != pinyin_key("王梓萱")


def test_surnames_with_special_readings_use_the_surname_reading() -> None:
    assert pinyin_key("曾梓涵") == "zeng zi han"
    assert pinyin_key("单雨") == "shan yu"
    assert pinyin_key("解晓东") == "xie xiao dong"
    assert pinyin_key("仇萱") == "qiu xuan"


def test_only_the_leading_character_is_read_as_a_surname() -> None:
    # 曾 inside a given name keeps pypinyin's ordinary reading.
    assert pinyin_key("王曾") == "wang ceng"


def test_compound_surnames_use_pypinyin_phrase_readings() -> None:
    assert pinyin_key("万俟雨") == "mo qi yu"
    assert pinyin_key("尉迟恭") == "yu chi gong"


def test_minority_names_have_no_surname_and_ignore_the_dot_variant() -> None:
    assert pinyin_key("阿依古丽·买买提") == pinyin_key("阿依古丽・买买提")
    assert pinyin_key("阿依古丽.买买提") == "a yi gu li mai mai ti"


def test_names_are_read_in_their_comparable_form() -> None:
    assert pinyin_key("張梓涵") == pinyin_key("张 梓涵") == "zhang zi han"
    assert pinyin_key("阿依古丽ㆍ买买提") == pinyin_key("阿依古丽·买买提")


def test_rare_characters_outside_the_dictionary_are_kept_as_themselves() -> None:
    assert pinyin_key("𠮷䶮") is not None
    assert "𠮷" in (pinyin_key("王𠮷") or "")


def test_per_character_table_matches_pypinyin_for_given_names() -> None:
    from pypinyin import lazy_pinyin

    table = CharReadings()
    for given in ("梓涵", "浩宇", "欣怡", "一诺"):
        assert table.key(given, surname=False) == " ".join(lazy_pinyin(given))


def test_bulk_keys_compute_each_distinct_name_once() -> None:
    keys = pinyin_keys(["王梓涵", "王子涵", "王梓涵", None])
    assert set(keys) == {"王梓涵", "王子涵"}
    assert keys["王梓涵"] == keys["王子涵"]
