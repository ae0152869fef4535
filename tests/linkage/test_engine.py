"""Specification of the cross-check engine (interface §4, Cross-check)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from api.crosscheck.linkage import DiscrepancyType, Finding, fingerprint_of, link
from api.demo.synthetic import generate
from api.validation.id_number import id_number_check_char
from tests.linkage.rows import (
    AS_OF,
    MOTHER,
    OTHER_MOTHER,
    birth,
    entry_for,
    id_number,
    keys,
    local,
    marriage,
    only,
    person,
    run,
)


# -- registration within 30 days -------------------------------------------------------
def test_linked_birth_and_entry_that_agree_report_nothing() -> None:
    b = birth()
    assert run([b], [entry_for(b)]) == []


def test_birth_without_household_entry_after_30_days_is_reported() -> None:
    b = birth(birth_datetime=local(2026, 1, 10), birth_region="420204")
    f = only(run([b], []), DiscrepancyType.BIRTH_NOT_REGISTERED)
    assert f.subjects == (("births", b["id"]),)
    assert f.region == "420204"
    assert f.details["days_since_birth"] == 50


def test_birth_without_entry_before_30_days_is_not_reported() -> None:
    assert run([birth(birth_datetime=local(2026, 2, 10))], []) == []


def test_thirty_days_is_the_last_day_allowed() -> None:
    on_time = birth(birth_datetime=local(2026, 1, 30))  # 30 days before as_of
    late = birth(birth_datetime=local(2026, 1, 29), mother_id_number=OTHER_MOTHER)
    assert keys(run([on_time, late], [])) == {("BIRTH_NOT_REGISTERED", frozenset({late["id"]}))}


def test_birth_day_is_taken_in_beijing_time() -> None:
    # 2026-01-30 00:30 in Beijing is 2026-01-29 in UTC (31 days before as_of), but the
    # child was born on the 30th: 30 days old, not overdue yet.
    b = birth(birth_datetime=local(2026, 1, 30, 0, 30))
    assert run([b], []) == []


def test_registration_without_birth_record_is_reported() -> None:
    e = entry_for(birth(), birth_certificate_no=None, mother_id_number=OTHER_MOTHER)
    f = only(run([], [e]), DiscrepancyType.REGISTRATION_WITHOUT_BIRTH_RECORD)
    assert f.subjects == (("household-entries", e["id"]),)
    assert f.region == "420203"


def test_voided_and_non_birth_entries_are_ignored() -> None:
    b = birth()
    voided = entry_for(b, id="voided", voided_at=datetime(2026, 1, 20, tzinfo=UTC))
    move_in = entry_for(b, id="move-in", entry_type="move_in")
    assert keys(run([b], [voided, move_in])) == {("BIRTH_NOT_REGISTERED", frozenset({b["id"]}))}


def test_void_births_are_ignored() -> None:
    assert run([birth(status="void")], []) == []


# -- tolerance: typos, homophones, dates --------------------------------------------------
def test_swapped_digits_in_certificate_no_still_link() -> None:
    b = birth(certificate_no="Q420212345")
    f = run([b], [entry_for(b, birth_certificate_no="Q420213245")])
    assert [(x.type, x.fields) for x in f] == [
        (DiscrepancyType.ATTRIBUTE_MISMATCH, ("certificate_no",))
    ]
    assert f[0].subjects == (("births", b["id"]), ("household-entries", f"entry-of-{b['id']}"))


def test_mistyped_digit_in_certificate_no_still_links() -> None:
    b = birth(certificate_no="Q420212345")
    f = only(
        run([b], [entry_for(b, birth_certificate_no="Q420212845")]),
        DiscrepancyType.ATTRIBUTE_MISMATCH,
    )
    assert f.fields == ("certificate_no",)
    assert f.details["comparison"]["certificate_no"]["level"] == "one_edit"


def test_mistyped_mother_id_and_certificate_together_still_link() -> None:
    b = birth(certificate_no="Q420212345")
    typo = MOTHER[:8] + ("1" if MOTHER[8] != "1" else "2") + MOTHER[9:]
    f = only(
        run([b], [entry_for(b, birth_certificate_no="Q420213245", mother_id_number=typo)]),
        DiscrepancyType.ATTRIBUTE_MISMATCH,
    )
    assert f.fields == ("certificate_no", "mother_id_number")


def test_mother_id_with_recomputed_check_char_still_links() -> None:
    b = birth()
    first17 = MOTHER[:14] + ("9" if MOTHER[14] != "9" else "7") + MOTHER[15:17]
    typo = first17 + id_number_check_char(first17)
    f = only(run([b], [entry_for(b, mother_id_number=typo)]), DiscrepancyType.ATTRIBUTE_MISMATCH)
    assert f.fields == ("mother_id_number",)


def test_homophone_child_name_links() -> None:
    b = birth(child_name="王梓涵")
    f = only(run([b], [entry_for(b, person_name="王子涵")]), DiscrepancyType.ATTRIBUTE_MISMATCH)
    # Linked by pinyin, and still reported: the characters of a legal name differ.
    assert f.fields == ("child_name",)
    assert f.details["comparison"]["child_name"]["level"] == "same_pinyin"


def test_homophone_name_without_certificate_number_links_by_pinyin() -> None:
    b = birth(child_name="曾梓萱")
    f = only(
        run([b], [entry_for(b, person_name="曾子轩", birth_certificate_no=None)]),
        DiscrepancyType.ATTRIBUTE_MISMATCH,
    )
    assert f.fields == ("child_name",)


def test_missing_child_name_on_birth_is_not_a_mismatch() -> None:
    b = birth(child_name=None)
    assert run([b], [entry_for(b, person_name="王梓涵")]) == []


def test_missing_certificate_number_on_entry_is_not_a_mismatch() -> None:
    b = birth()
    assert run([b], [entry_for(b, birth_certificate_no=None)]) == []


def test_minority_name_dot_variants_are_the_same_name() -> None:
    b = birth(child_name="艾力·买买提")
    assert run([b], [entry_for(b, person_name="艾力・买买提")]) == []


def test_birth_date_one_day_off_near_midnight_links_and_is_reported() -> None:
    b = birth(birth_datetime=local(2026, 1, 10, 23, 50))
    f = only(
        run([b], [entry_for(b, person_birth_date=date(2026, 1, 11))]),
        DiscrepancyType.ATTRIBUTE_MISMATCH,
    )
    assert f.fields == ("birth_date",)


def test_birth_just_after_midnight_beijing_time_is_that_day() -> None:
    b = birth(birth_datetime=local(2026, 1, 11, 0, 10))  # 2026-01-10 16:10 UTC
    assert run([b], [entry_for(b, person_birth_date=date(2026, 1, 11))]) == []


def test_sex_mismatch_is_reported() -> None:
    b = birth(child_sex="female")
    f = only(run([b], [entry_for(b, person_sex="male")]), DiscrepancyType.ATTRIBUTE_MISMATCH)
    assert f.fields == ("child_sex",)


def test_several_fields_wrong_together_are_all_listed() -> None:
    b = birth(
        certificate_no="Q420212345",
        child_name="王梓涵",
        child_sex="male",
        birth_datetime=local(2026, 1, 10, 0, 5),
    )
    e = entry_for(
        b,
        birth_certificate_no="Q420212354",
        person_name="王子涵",
        person_sex="female",
        person_birth_date=date(2026, 1, 9),
    )
    f = only(run([b], [e]), DiscrepancyType.ATTRIBUTE_MISMATCH)
    assert f.fields == ("certificate_no", "child_sex", "birth_date", "child_name")
    assert f.details["score"] >= f.details["threshold"]
    assert set(f.details["disagreed"]) == set(f.fields)


def test_naive_datetimes_are_utc_as_sqlite_stores_them() -> None:
    b = birth(birth_datetime=datetime(2026, 1, 10, 16, 10))  # = 2026-01-11 00:10 Beijing
    assert run([b], [entry_for(b, person_birth_date=date(2026, 1, 11))]) == []


# -- siblings, twins, duplicates, reissues ------------------------------------------------
def test_sibling_born_later_is_not_taken_for_the_registered_one() -> None:
    older = birth(birth_datetime=local(2024, 3, 1), child_name="王浩宇")
    younger = birth(birth_datetime=local(2025, 6, 1), child_name=None, child_sex="female")
    e = entry_for(older, birth_certificate_no=None)
    assert keys(run([older, younger], [e])) == {
        ("BIRTH_NOT_REGISTERED", frozenset({younger["id"]}))
    }


def _twins(sexes: tuple[str, ...], named: bool) -> list[dict[str, Any]]:
    names = ("王梓涵", "王梓萱", "王梓轩")
    return [
        birth(
            child_sex=sex,
            child_name=names[i] if named else None,
            plurality=len(sexes),
            birth_order=i + 1,
            birth_datetime=local(2026, 1, 10, 10, 5 * i),
        )
        for i, sex in enumerate(sexes)
    ]


def test_twins_are_linked_one_to_one_by_order_and_sex() -> None:
    a, b = _twins(("male", "female"), named=False)
    # Entries without certificate numbers, in the other order: sex decides.
    eb = entry_for(b, seq=11, person_name="王梓萱", birth_certificate_no=None)
    ea = entry_for(a, seq=13, person_name="王梓涵", birth_certificate_no=None)
    assert run([a, b], [eb, ea]) == []
    # Same sex: the police number twins in birth order, and so does the engine.
    c, d = _twins(("female", "female"), named=False)
    ec = entry_for(c, seq=11, person_name="王梓涵", birth_certificate_no=None)
    ed = entry_for(d, seq=13, person_name="王梓萱", birth_certificate_no=None)
    assert run([d, c], [ed, ec]) == []


def test_unregistered_twin_is_the_one_reported() -> None:
    a, b = _twins(("male", "female"), named=False)
    eb = entry_for(b, person_name="王梓萱", birth_certificate_no=None)
    assert keys(run([a, b], [eb])) == {("BIRTH_NOT_REGISTERED", frozenset({a["id"]}))}


def test_triplets_are_never_reported_as_duplicates() -> None:
    triplets = _twins(("male", "male", "male"), named=True)
    entries = [entry_for(t, seq=11 + 2 * i) for i, t in enumerate(triplets)]
    assert run(triplets, entries) == []
    # Unregistered and unnamed, still three children.
    unnamed = _twins(("female", "female", "female"), named=False)
    found = run(unnamed, [])
    assert {f.type for f in found} == {DiscrepancyType.BIRTH_NOT_REGISTERED}
    assert len(found) == 3


def test_duplicate_birth_record_is_reported_and_the_child_counts_as_registered() -> None:
    original = birth()
    dup = birth(child_name=None, birth_datetime=original["birth_datetime"] + timedelta(minutes=3))
    found = run([original, dup], [entry_for(original)])
    f = only(found, DiscrepancyType.DUPLICATE_BIRTH_RECORD)
    assert f.subject_ids == {original["id"], dup["id"]}
    assert f.details == {"original": original["id"], "duplicate": dup["id"]}
    assert len(found) == 1
    # Citing the duplicate's number links just as well.
    assert keys(run([original, dup], [entry_for(dup, person_name="王梓涵")])) == {f.key()}


def test_duplicate_birth_with_mistyped_mother_id_is_found() -> None:
    original = birth()
    dup = birth(mother_id_number=MOTHER[:16] + ("0" if MOTHER[16] != "0" else "1") + MOTHER[17])
    f = only(run([original, dup], [entry_for(original)]), DiscrepancyType.DUPLICATE_BIRTH_RECORD)
    assert f.subject_ids == {original["id"], dup["id"]}


def test_reissued_certificate_is_one_birth() -> None:
    old = birth(child_name=None, status="registered")
    new = birth(replaces_certificate_no=old["certificate_no"])
    # An entry citing the replaced number links to the current one, with no mismatch.
    assert run([old, new], [entry_for(new, birth_certificate_no=old["certificate_no"])]) == []
    assert run([old, new], [entry_for(new)]) == []
    # Unregistered: reported once, on the current certificate.
    assert keys(run([old, new], [])) == {("BIRTH_NOT_REGISTERED", frozenset({new["id"]}))}


def test_reissue_chain_of_three_with_a_void_middle_is_one_birth() -> None:
    first = birth()
    second = birth(replaces_certificate_no=first["certificate_no"], status="void")
    third = birth(replaces_certificate_no=second["certificate_no"], child_name="王子涵")
    e = entry_for(first, person_name="王梓涵")
    f = only(run([first, second, third], [e]), DiscrepancyType.ATTRIBUTE_MISMATCH)
    # Compared with the current record, whose name was corrected.
    assert f.subject_ids == {third["id"], e["id"]}
    assert f.fields == ("child_name",)


# -- persons and marriages -------------------------------------------------------------
def test_duplicate_person_by_id_typo_or_normalisation() -> None:
    with_x = next(
        i for s in range(100, 999) if (i := id_number("420202", date(1990, 1, 1), s)).endswith("X")
    )
    a = person(id_number=with_x)
    b = person(id_number=with_x.lower(), household_region="420205")
    c = person(name="李娜", id_number=id_number("420202", date(1990, 1, 1), 124))
    d = person(
        name="李娜",
        id_number=c["id_number"][:12]
        + c["id_number"][13]
        + c["id_number"][12]
        + c["id_number"][14:],
    )
    found = run([], [], [a, b, c, d])
    assert keys(found) == {
        ("DUPLICATE_PERSON", frozenset({a["id"], b["id"]})),
        ("DUPLICATE_PERSON", frozenset({c["id"], d["id"]})),
    }
    # The region of the record written wrongly acts.
    assert {f.region for f in found if a["id"] in f.subject_ids} == {"420205"}


def test_same_name_and_birthday_with_valid_different_ids_are_two_people() -> None:
    a = person(id_number=id_number("420202", date(1990, 1, 1), 122))
    b = person(id_number=id_number("420202", date(1990, 1, 1), 142))
    assert run([], [], [a, b]) == []


def test_marital_status_is_checked_against_the_latest_record() -> None:
    husband = person(name="王强", sex="male", marital_status="20")
    wife = person(marital_status="20")
    widow = person(name="赵敏", marital_status="30")
    m1 = marriage("marriage", date(2015, 5, 1), husband["id_number"], wife["id_number"])
    m2 = marriage("divorce", date(2020, 5, 1), husband["id_number"], wife["id_number"])
    m3 = marriage("marriage", date(2012, 5, 1), "420202198001010011", widow["id_number"])
    found = run([], [], [husband, wife, widow], [m1, m2, m3])
    assert keys(found) == {
        ("MARITAL_STATUS_MISMATCH", frozenset({husband["id"], m2["id"]})),
        ("MARITAL_STATUS_MISMATCH", frozenset({wife["id"], m2["id"]})),
    }
    assert found[0].details["expected"] == ["40"]


def test_restored_marriage_and_unstated_status_are_fine() -> None:
    a = person(name="王强", sex="male", marital_status="23")
    b = person(marital_status=None)
    records = [
        marriage("marriage", date(2015, 5, 1), a["id_number"], b["id_number"]),
        marriage("divorce", date(2018, 5, 1), a["id_number"], b["id_number"]),
        marriage("restored", date(2019, 5, 1), a["id_number"], b["id_number"]),
    ]
    assert run([], [], [a, b], records) == []


# -- finding identity and regions ------------------------------------------------------
def test_fingerprint_is_stable_and_ignores_subject_order_and_details() -> None:
    a = Finding(
        DiscrepancyType.ATTRIBUTE_MISMATCH,
        "420202",
        (("births", "b1"), ("household-entries", "e1")),
        ("child_name",),
        {"score": 1},
    )
    b = Finding(
        DiscrepancyType.ATTRIBUTE_MISMATCH,
        "420203",
        (("household-entries", "e1"), ("births", "b1")),
        ("child_sex",),
        {"score": 2},
    )
    assert a.fingerprint == b.fingerprint == fingerprint_of("ATTRIBUTE_MISMATCH", ["e1", "b1"])
    assert len(a.fingerprint) == 64
    other = Finding(
        DiscrepancyType.DUPLICATE_BIRTH_RECORD, "420202", (("births", "b1"), ("births", "e1"))
    )
    assert other.fingerprint != a.fingerprint


def test_region_prefix_keeps_only_the_regions_findings() -> None:
    here = birth(birth_region="420202")
    there = birth(birth_region="420281", mother_id_number=OTHER_MOTHER)
    found = run([here, there], [], region_prefix="4202")
    assert len(found) == 2
    found = run([here, there], [], region_prefix="420202")
    assert keys(found) == {("BIRTH_NOT_REGISTERED", frozenset({here["id"]}))}


def test_entries_registered_after_as_of_do_not_count() -> None:
    b = birth()
    e = entry_for(b, registered_on=AS_OF + timedelta(days=3))
    assert keys(run([b], [e])) == {("BIRTH_NOT_REGISTERED", frozenset({b["id"]}))}


# -- the generator's planted truth ---------------------------------------------------------
@pytest.mark.parametrize("hard", [False, True], ids=["normal", "hard"])
def test_engine_finds_every_planted_case_and_nothing_else(hard: bool) -> None:
    data = generate(2000, seed=20260301, hard=hard, as_of=AS_OF)
    tables = data.arrow()
    found = link(
        tables["birth"],
        tables["household_entry"],
        tables["person"],
        tables["marriage"],
        as_of=AS_OF,
    )
    assert keys(found) == data.truth
    assert len(found) == len(data.truth)  # nothing reported twice
    for f in found:
        if f.type == DiscrepancyType.ATTRIBUTE_MISMATCH:
            assert f.fields == data.truth_fields[f.key()]
    assert {t for t, _ in data.truth} == {t.value for t in DiscrepancyType}


def test_dict_rows_and_arrow_tables_give_the_same_findings() -> None:
    data = generate(300, seed=5, as_of=AS_OF)
    rows = data.rows()
    tables = data.arrow()
    from_rows = link(
        rows["birth"], rows["household_entry"], rows["person"], rows["marriage"], as_of=AS_OF
    )
    from_arrow = link(
        tables["birth"],
        tables["household_entry"],
        tables["person"],
        tables["marriage"],
        as_of=AS_OF,
    )
    assert sorted(f.fingerprint for f in from_rows) == sorted(f.fingerprint for f in from_arrow)


def test_result_does_not_depend_on_row_order() -> None:
    data = generate(500, seed=9, hard=True, as_of=AS_OF)
    rows = data.rows()
    first = link(
        rows["birth"], rows["household_entry"], rows["person"], rows["marriage"], as_of=AS_OF
    )
    second = link(
        rows["birth"][::-1],
        rows["household_entry"][::-1],
        rows["person"][::-1],
        rows["marriage"][::-1],
        as_of=AS_OF,
    )
    assert sorted(f.fingerprint for f in first) == sorted(f.fingerprint for f in second)


def test_another_womans_valid_id_one_digit_away_is_not_a_typo() -> None:
    # Two women of one district born on one day can have IDs one digit apart, both with
    # correct check characters. Without the certificate number and with another child's
    # name, such an entry is a different child, not a typo.
    b = birth(child_name="王浩宇", child_sex="female")
    first17 = MOTHER[:15] + ("9" if MOTHER[15] != "9" else "7") + MOTHER[16]
    neighbour = first17 + id_number_check_char(first17)
    e = entry_for(
        b,
        birth_certificate_no=None,
        mother_id_number=neighbour,
        person_name="郑庭",
        person_birth_date=date(2026, 1, 11),
        person_sex="male",
    )
    assert {f.type for f in run([b], [e])} == {
        DiscrepancyType.BIRTH_NOT_REGISTERED,
        DiscrepancyType.REGISTRATION_WITHOUT_BIRTH_RECORD,
    }
    # The same neighbour ID with the child's own name is a typo with a recomputed check.
    f = only(
        run([b], [entry_for(b, birth_certificate_no=None, mother_id_number=neighbour)]),
        DiscrepancyType.ATTRIBUTE_MISMATCH,
    )
    assert f.fields == ("mother_id_number",)
    assert f.details["comparison"]["mother_id_number"]["level"] == "one_edit_valid_ids"


def test_a_valid_neighbour_id_that_is_nobodys_is_a_typo_of_a_registered_mother() -> None:
    # The mother is on the person register and the number the entry cites is nobody's:
    # a typo whose check character was recomputed, not another woman.
    b = birth(child_name=None)
    first17 = MOTHER[:15] + ("9" if MOTHER[15] != "9" else "7") + MOTHER[16]
    neighbour = first17 + id_number_check_char(first17)
    e = entry_for(b, birth_certificate_no=None, mother_id_number=neighbour)
    mother = person(id_number=MOTHER, name="李娜", birth_date=date(1995, 5, 5))
    f = only(run([b], [e], [mother]), DiscrepancyType.ATTRIBUTE_MISMATCH)
    assert f.details["comparison"]["mother_id_number"]["level"] == "one_edit"
    # When the neighbour is a registered woman too, the number may well be hers.
    other = person(id_number=neighbour, name="赵敏", birth_date=date(1995, 5, 5))
    g = only(run([b], [e], [mother, other]), DiscrepancyType.ATTRIBUTE_MISMATCH)
    assert g.details["comparison"]["mother_id_number"]["level"] == "one_edit_valid_ids"
