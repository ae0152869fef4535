"""The request examples in the OpenAPI document are valid: integrators copy them."""

import pytest
from pydantic import BaseModel

from api.models.birth import BirthIn
from api.models.household_entry import HouseholdEntryIn
from api.models.marriage import MarriageIn
from api.models.person import PersonIn
from api.models.ultrasound_exam import UltrasoundExamIn
from api.records.core import merge_patch
from api.routers import record_docs
from api.routers.merge_patch import merge_patch_model
from api.routers.record_docs import RecordDocs

REGISTRIES = [
    (record_docs.BIRTHS, BirthIn),
    (record_docs.PERSONS, PersonIn),
    (record_docs.HOUSEHOLD_ENTRIES, HouseholdEntryIn),
    (record_docs.MARRIAGES, MarriageIn),
    (record_docs.ULTRASOUND_EXAMS, UltrasoundExamIn),
]


@pytest.mark.parametrize(("docs", "body"), REGISTRIES, ids=lambda d: getattr(d, "en", ""))
def test_the_create_example_is_a_valid_body(docs: RecordDocs, body: type[BaseModel]) -> None:
    body.model_validate(docs.create_example)


@pytest.mark.parametrize(("docs", "body"), REGISTRIES, ids=lambda d: getattr(d, "en", ""))
def test_the_patch_example_corrects_the_create_example(
    docs: RecordDocs, body: type[BaseModel]
) -> None:
    patch = merge_patch_model(body).model_validate(docs.patch_example)
    changes = patch.model_dump(mode="json", exclude_unset=True)
    assert changes
    body.model_validate(merge_patch(docs.create_example, changes))


def test_summaries_name_the_record_in_both_languages() -> None:
    assert record_docs.summary(record_docs.BIRTHS, "correct") == (
        "更正出生医学证明（合并补丁） · Correct a birth record (merge patch)"
    )
    assert set(record_docs.OPERATIONS) == {"create", "list", "read", "correct", "void", "history"}
