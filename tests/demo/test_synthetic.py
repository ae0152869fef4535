"""The synthetic population: valid codes, deterministic, and a truth that covers every type."""

from __future__ import annotations

import uuid
from collections import Counter
from datetime import date, timedelta

import pytest

from api.crosscheck.linkage.names import normalize_name
from api.crosscheck.linkage.pinyin import CharReadings
from api.demo.synthetic import HOMOPHONES, TABLES, generate, uuid4_from
from api.demo.synthetic.names import ADULT_GIVEN, CHILD_GIVEN, COMPOUND, MINORITY_GIVEN, SURNAMES
from api.validation.id_number import has_valid_check_character, id_number_check_char

AS_OF = date(2026, 3, 1)
REGIONS = {"420202", "420203", "420204", "420205", "420222", "420281"}


@pytest.fixture(scope="module")
def data():  # type: ignore[no-untyped-def]
    return generate(1500, seed=11, as_of=AS_OF)


@pytest.fixture(scope="module")
def hard():  # type: ignore[no-untyped-def]
    return generate(1500, seed=11, hard=True, as_of=AS_OF)


def test_check_char_follows_iso_7064_mod_11_2() -> None:
    assert id_number_check_char("11010519491231002") == "X"  # the standard's own example
    assert id_number_check_char("44052418800101001") == "4"


def test_ids_are_uuid4_strings_from_the_seed() -> None:
    for bits in (0, 2**128 - 1, 123456789 << 64):
        assert uuid4_from(bits) == str(uuid.UUID(int=bits, version=4))


def test_same_seed_same_data_other_seed_other_data(data) -> None:  # type: ignore[no-untyped-def]
    again = generate(1500, seed=11, as_of=AS_OF)
    assert again.tables == data.tables and again.truth == data.truth
    other = generate(1500, seed=12, as_of=AS_OF)
    assert other.tables["birth"]["id"] != data.tables["birth"]["id"]


def test_n_births_counts_children_with_a_birth_record(data) -> None:  # type: ignore[no-untyped-def]
    births = data.tables["birth"]
    # A child is one live chain head: reissued and duplicate rows come on top.
    heads = sum(1 for r in births["replaces_certificate_no"] if r is None)
    dups = sum(1 for t, _ in data.truth if t == "DUPLICATE_BIRTH_RECORD")
    voids = sum(
        1
        for s, r in zip(births["status"], births["replaces_certificate_no"], strict=True)
        if s == "void" and r is None
    )
    assert heads - dups - voids <= 1500 <= heads


def test_every_id_number_is_a_valid_gb11643_number_except_planted_typos(
    data,  # type: ignore[no-untyped-def]
) -> None:
    typo_persons = {i for t, ids in data.truth if t == "DUPLICATE_PERSON" for i in ids}
    for row in data.iter_rows("person"):
        idn = row["id_number"]
        if not has_valid_check_character(idn):
            assert row["id"] in typo_persons
            continue
        assert idn[6:14] == f"{row['birth_date']:%Y%m%d}"
        assert (int(idn[16]) % 2 == 1) == (row["sex"] == "male")
    for row in data.iter_rows("birth"):
        idn = row["mother_id_number"]
        assert id_number_check_char(idn[:17]) == idn[17]


def test_codes_and_formats_follow_the_interface(data) -> None:  # type: ignore[no-untyped-def]
    for row in data.iter_rows("birth"):
        cert = row["certificate_no"]
        assert len(cert) == 10 and cert[0].isupper() and cert[1:].isdigit()
        assert row["birth_region"] in REGIONS
        assert row["birth_datetime"].tzinfo is not None
        assert 1 <= row["birth_order"] <= row["plurality"] <= 3
    for row in data.iter_rows("household_entry"):
        assert row["household_region"] in REGIONS
        assert row["registered_on"] <= AS_OF
    statuses = {r["marital_status"] for r in data.iter_rows("person")}
    assert statuses <= {None, "10", "20", "21", "22", "23", "30", "40", "90"}


def test_rows_are_keyed_by_column_name(data) -> None:  # type: ignore[no-untyped-def]
    rows = data.rows()
    assert set(rows) == set(TABLES)
    for table, cols in TABLES.items():
        assert set(rows[table][0]) == set(cols)
        assert len(rows[table]) == data.count(table)


def test_truth_covers_every_discrepancy_type(data, hard) -> None:  # type: ignore[no-untyped-def]
    for d in (data, hard):
        counts = Counter(t for t, _ in d.truth)
        assert set(counts) == {
            "BIRTH_NOT_REGISTERED",
            "REGISTRATION_WITHOUT_BIRTH_RECORD",
            "ATTRIBUTE_MISMATCH",
            "DUPLICATE_BIRTH_RECORD",
            "DUPLICATE_PERSON",
            "MARITAL_STATUS_MISMATCH",
        }
    assert sum(1 for t, _ in hard.truth if t == "ATTRIBUTE_MISMATCH") > sum(
        1 for t, _ in data.truth if t == "ATTRIBUTE_MISMATCH"
    )


def test_traps_are_planted_too(data, hard) -> None:  # type: ignore[no-untyped-def]
    births = list(data.iter_rows("birth"))
    assert any(b["replaces_certificate_no"] for b in births)  # reissues
    assert any(b["plurality"] == 2 for b in births)  # twins
    assert any(b["child_name"] is None for b in births)  # unnamed on the certificate
    recent = [
        b
        for b in births
        if AS_OF - (b["birth_datetime"] + timedelta(hours=8)).date() <= timedelta(days=28)
    ]
    assert recent  # young births, some not registered yet: never reported
    hard_entries = list(hard.iter_rows("household_entry"))
    assert any(e["birth_certificate_no"] is None for e in hard_entries)
    assert any("·" in (e["person_name"] or "") for e in hard_entries)
    assert any(b["plurality"] == 3 for b in hard.iter_rows("birth"))
    several = [f for f in hard.truth_fields.values() if len(f) >= 2]
    assert several


def test_homophones_share_a_reading_and_stay_different_characters() -> None:
    table = CharReadings()
    assert "子" in HOMOPHONES["梓"] and "晗" in HOMOPHONES["涵"]
    for char, others in HOMOPHONES.items():
        assert all(table.char(o) == table.char(char) for o in others)
        # A planted homophone must not be a variant of the same character (于/於).
        assert all(normalize_name(o) != normalize_name(char) for o in others)


def test_name_characters_are_written_in_their_simplified_form() -> None:
    pools = SURNAMES + ADULT_GIVEN + CHILD_GIVEN + "".join(COMPOUND + MINORITY_GIVEN)
    assert all(normalize_name(c) == c for c in pools)


def test_unknown_region_prefix_is_refused() -> None:
    with pytest.raises(ValueError):
        generate(10, seed=1, region_prefix="3301", as_of=AS_OF)
    small = generate(50, seed=1, region_prefix="420202", as_of=AS_OF)
    assert set(small.tables["birth"]["birth_region"]) == {"420202"}
