"""Hospital and register conventions are no discrepancy: placeholder child names,
traditional characters, full-width forms, middle-dot variants, spaces inside names."""

from __future__ import annotations

from datetime import timedelta

import pytest

from api.crosscheck.linkage import DiscrepancyType
from api.validation.id_number import id_number_check_char
from tests.linkage.rows import MOTHER, birth, entry_for, keys, local, only, person, run


def _full_width(value: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) for c in value)


def _recomputed_typo(idn: str) -> str:
    """The mother's ID one digit off, with a check character that fits the typo."""
    first17 = idn[:14] + ("9" if idn[14] != "9" else "7") + idn[15:17]
    return first17 + id_number_check_char(first17)


# -- placeholder child names ---------------------------------------------------------------
@pytest.mark.parametrize(
    "written", ["李娜之子", "男婴", "婴儿", "新生儿", "宝宝", "未取名", "无名"]
)
def test_placeholder_child_name_is_not_a_mismatch(written: str) -> None:
    b = birth(child_name=written, mother_name="李娜")
    assert run([b], [entry_for(b, person_name="王梓涵")]) == []


def test_placeholder_does_not_hide_the_other_fields() -> None:
    b = birth(child_name="李娜之女", child_sex="female", mother_name="李娜")
    f = only(
        run([b], [entry_for(b, person_name="王梓涵", person_sex="male")]),
        DiscrepancyType.ATTRIBUTE_MISMATCH,
    )
    assert f.fields == ("child_sex",)
    assert f.details["comparison"]["child_name"]["level"] == "missing"


def test_placeholder_never_blocks_a_link() -> None:
    # No certificate number on the entry and the mother's ID mistyped with a fitting check
    # character: weak evidence, which a name that disagreed would sink. A placeholder is
    # no name, so the pair still links, and only the ID is reported.
    b = birth(child_name="李娜之子", mother_name="李娜")
    e = entry_for(
        b,
        person_name="王梓涵",
        birth_certificate_no=None,
        mother_id_number=_recomputed_typo(MOTHER),
    )
    f = only(run([b], [e]), DiscrepancyType.ATTRIBUTE_MISMATCH)
    assert f.fields == ("mother_id_number",)
    # The same pair with a real, different name on the birth record is two children.
    other = birth(child_name="王浩宇", mother_name="李娜")
    e2 = entry_for(
        other,
        person_name="王梓涵",
        birth_certificate_no=None,
        mother_id_number=_recomputed_typo(MOTHER),
    )
    assert {f.type for f in run([other], [e2])} == {
        DiscrepancyType.BIRTH_NOT_REGISTERED,
        DiscrepancyType.REGISTRATION_WITHOUT_BIRTH_RECORD,
    }


def test_twins_with_numbered_placeholders_link_one_to_one() -> None:
    twins = [
        birth(
            child_name=f"李娜之女({n})",
            child_sex="female",
            mother_name="李娜",
            plurality=2,
            birth_order=i + 1,
            birth_datetime=local(2026, 1, 10, 10, 5 * i),
        )
        for i, n in enumerate("一二")
    ]
    entries = [
        entry_for(t, seq=11 + 2 * i, person_name=name, birth_certificate_no=None)
        for i, (t, name) in enumerate(zip(twins, ("王梓涵", "王梓萱"), strict=True))
    ]
    assert run(twins, entries[::-1]) == []


def test_unnamed_triplets_link_right_when_a_sibling_entry_has_typos() -> None:
    # Three boys not named yet. The first one's entry has both identifiers mistyped, the
    # second one's has no certificate number: only the first entry's near certificate
    # tells the first two apart, and the twin rank alone would pair them the wrong way.
    kids = [
        birth(
            child_name=f"李娜之男({n})",
            mother_name="李娜",
            plurality=3,
            birth_order=i + 1,
            birth_datetime=local(2026, 1, 10, 10, 5 * i),
        )
        for i, n in enumerate("一二三")
    ]
    cert = kids[0]["certificate_no"]
    first = entry_for(
        kids[0],
        seq=11,
        person_name="王浩宇",
        birth_certificate_no=cert[0] + cert[2] + cert[1] + cert[3:],
        mother_id_number=MOTHER[:15] + ("9" if MOTHER[15] != "9" else "7") + MOTHER[16:],
    )
    second = entry_for(kids[1], seq=13, person_name="王浩然", birth_certificate_no=None)
    third = entry_for(kids[2], seq=15, person_name="王浩天")
    f = only(run(kids, [first, second, third]), DiscrepancyType.ATTRIBUTE_MISMATCH)
    assert f.subject_ids == {kids[0]["id"], first["id"]}
    assert f.fields == ("certificate_no", "mother_id_number")


def test_mother_name_and_twin_number_placeholder_is_no_name() -> None:
    b = birth(child_name="李娜大宝", mother_name="李娜", plurality=2, birth_order=1)
    sister = birth(
        child_name="李娜二宝",
        mother_name="李娜",
        plurality=2,
        birth_order=2,
        birth_datetime=b["birth_datetime"] + timedelta(minutes=6),
    )
    es = [entry_for(b, person_name="王浩宇"), entry_for(sister, seq=13, person_name="王浩然")]
    assert run([b, sister], es) == []


# -- the same name written another way --------------------------------------------------
@pytest.mark.parametrize(
    ("on_birth", "on_entry"),
    [
        ("王梓涵", "王梓涵"),
        ("张丽娜", "張麗娜"),  # traditional
        ("钟浩宇", "鍾浩宇"),
        ("覃宁浩", "覃甯浩"),
        ("\uf9e1浩宇", "李浩宇"),  # compatibility ideograph
        ("王 梓涵", "王梓涵"),  # spaces
        ("王梓涵", "王　梓涵"),
        ("艾力·买买提", "艾力・买买提"),  # middle-dot variants
        ("艾力•买买提", "艾力．买买提"),
        ("艾力ㆍ买买提", "艾力 买买提"),
        ("艾力·买买提", "艾力买买提"),
    ],
)
def test_one_name_written_two_ways_is_no_mismatch(on_birth: str, on_entry: str) -> None:
    b = birth(child_name=on_birth)
    assert run([b], [entry_for(b, person_name=on_entry)]) == []


def test_homophone_in_traditional_characters_is_still_a_mismatch() -> None:
    b = birth(child_name="王梓涵")
    f = only(run([b], [entry_for(b, person_name="王子涵")]), DiscrepancyType.ATTRIBUTE_MISMATCH)
    g = only(run([b], [entry_for(b, person_name="王子晗")]), DiscrepancyType.ATTRIBUTE_MISMATCH)
    assert f.fields == g.fields == ("child_name",)
    trad = birth(child_name="張梓涵")
    h = only(
        run([trad], [entry_for(trad, person_name="张子涵")]), DiscrepancyType.ATTRIBUTE_MISMATCH
    )
    assert h.details["comparison"]["child_name"]["level"] == "same_pinyin"


def test_full_width_certificate_and_id_numbers_are_the_same_numbers() -> None:
    b = birth(certificate_no="Q420212345")
    e = entry_for(
        b, birth_certificate_no=_full_width("Q420212345"), mother_id_number=_full_width(MOTHER)
    )
    assert run([b], [e]) == []
    typo = entry_for(b, birth_certificate_no=_full_width("Q420213245"))
    f = only(run([b], [typo]), DiscrepancyType.ATTRIBUTE_MISMATCH)
    assert f.fields == ("certificate_no",)


def test_duplicate_birth_record_written_another_way_is_found() -> None:
    # Entered twice: the second time in traditional characters, with the mother's ID
    # mistyped and the child not named yet. The mother's name still brings them together.
    original = birth(child_name="王梓涵", mother_name="张丽娜")
    typo = MOTHER[:16] + ("0" if MOTHER[16] != "0" else "1") + MOTHER[17]
    dup = birth(
        child_name="張麗娜之子",
        mother_name="張麗娜",
        mother_id_number=typo,
        birth_datetime=original["birth_datetime"] + timedelta(minutes=4),
    )
    found = run([original, dup], [entry_for(original)])
    assert keys(found) == {("DUPLICATE_BIRTH_RECORD", frozenset({original["id"], dup["id"]}))}


def test_duplicate_person_written_another_way_is_found() -> None:
    a = person(name="张丽娜")
    idn = a["id_number"]
    b = person(name="張 麗娜", id_number=idn[:10] + idn[11] + idn[10] + idn[12:])
    assert keys(run([], [], [a, b])) == {("DUPLICATE_PERSON", frozenset({a["id"], b["id"]}))}
