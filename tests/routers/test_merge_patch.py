"""Merge-patch bodies derived from create bodies: every field optional, per-field rules kept."""

import pytest
from pydantic import ValidationError

from api.models.birth import BirthIn
from api.models.household_entry import HouseholdEntryIn
from api.models.ultrasound_exam import FETAL_SEX_PROHIBITED, UltrasoundExamIn
from api.routers.merge_patch import merge_patch_model

BirthPatch = merge_patch_model(BirthIn)


def test_a_patch_is_named_after_its_resource_and_built_once() -> None:
    assert BirthPatch.__name__ == "BirthPatch"
    assert merge_patch_model(BirthIn) is BirthPatch


def test_every_field_is_optional_and_nullable() -> None:
    assert BirthPatch.model_validate({}).model_dump(exclude_unset=True) == {}
    patch = BirthPatch.model_validate({"child_name": None, "father": None})
    assert patch.model_dump(exclude_unset=True) == {"child_name": None, "father": None}


def test_per_field_rules_still_apply() -> None:
    for wrong in ({"birth_weight_g": 299}, {"certificate_no": "420212345"}, {"unknown": 1}):
        with pytest.raises(ValidationError):
            BirthPatch.model_validate(wrong)


def test_nested_objects_are_partial_and_normalised_like_a_create() -> None:
    patch = BirthPatch.model_validate({"mother": {"id_number": "11010519491231002x"}})
    assert patch.model_dump(mode="json", exclude_unset=True) == {
        "mother": {"id_number": "11010519491231002X"}
    }
    entry = merge_patch_model(HouseholdEntryIn).model_validate({"person": {"name": "李雨桐"}})
    assert entry.model_dump(exclude_unset=True) == {"person": {"name": "李雨桐"}}


def test_rules_across_fields_are_left_to_the_merged_record() -> None:
    # birth_order > plurality is refused on the whole record, not on a patch that sets one.
    assert BirthPatch.model_validate({"birth_order": 3}).model_dump(exclude_unset=True) == {
        "birth_order": 3
    }


def test_input_screening_applies_to_a_patch_as_to_a_create() -> None:
    with pytest.raises(ValidationError) as refused:
        merge_patch_model(UltrasoundExamIn).model_validate({"fetal_sex": "male"})
    (error,) = refused.value.errors()
    assert error["type"] == "fetal_sex_prohibited"
    assert error["msg"] == FETAL_SEX_PROHIBITED
