"""Real-name B-ultrasound exam registrations (B超检查实名登记).

There is deliberately no column for fetal sex: non-medical fetal sex identification is
prohibited by law (禁止非医学需要的胎儿性别鉴定), so the service can never hold it, and a body
that tries to record it is refused by name rather than dropped as an unknown field.
"""

import re
import unicodedata
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, model_validator
from pydantic import Field as PydanticField
from pydantic_core import PydanticCustomError
from sqlalchemy import UniqueConstraint
from sqlmodel import Field

from api.errors import field_rule
from api.models.base import Instant, PersonRef, PersonRefOut, RecordColumns, RecordOut, StrictBody
from api.models.types import UTCDateTime
from api.validation import (
    EventInstant,
    ExamGestationalWeeks,
    PersonName,
    Plurality,
    RegionCode,
    Sex,
    id_number_sex,
)
from api.validation.fetal_sex import mentions_fetal_sex

FETAL_SEX_PROHIBITED = (
    "Non-medical fetal sex identification is prohibited (禁止非医学需要的胎儿性别鉴定): "
    "an ultrasound exam record cannot carry the sex of a fetus"
)
# Words that name the fetus and words that name sex, in the spellings systems use; a key
# holding one of each (fetal_sex, sexOfFetus, baby_gender, 胎儿性别), or a sex key inside an
# object about the fetus ({"fetuses": [{"sex": ...}]}), tries to record fetal sex.
_FETUS_WORDS = ("fetal", "fetus", "foetal", "foetus", "baby", "unborn", "embryo", "胎")
_SEX_WORDS = ("sex", "gender", "性别")
_CODE = r"[0-9A-Za-z][0-9A-Za-z_-]{0,31}"


def _squashed(key: str) -> str:
    return re.sub(r"[\W_]+", "", unicodedata.normalize("NFKC", key)).casefold()


def fetal_sex_keys(value: Any, path: str = "", about_fetus: bool = False) -> list[str]:
    """The dotted paths of every key in `value` (at any depth) that would record fetal sex."""
    found: list[str] = []
    if isinstance(value, dict):
        for key, item in value.items():
            squashed = _squashed(str(key))
            names_fetus = about_fetus or any(w in squashed for w in _FETUS_WORDS)
            where = f"{path}.{key}" if path else str(key)
            if names_fetus and any(w in squashed for w in _SEX_WORDS):
                found.append(where)
            found += fetal_sex_keys(item, where, names_fetus)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found += fetal_sex_keys(item, f"{path}.{index}" if path else str(index), about_fetus)
    return found


class Indication(StrEnum):
    """Why the exam was done."""

    PRENATAL = "prenatal"
    IUD_CHECK = "iud_check"
    GYNECOLOGICAL = "gynecological"
    OTHER = "other"


class UltrasoundExam(RecordColumns, table=True):
    """One ultrasound exam of an identified examinee."""

    __tablename__ = "ultrasound_exam"
    __table_args__ = (
        UniqueConstraint("facility_code", "exam_no", name="uq_ultrasound_exam_facility_exam_no"),
    )

    exam_no: str = Field(max_length=32)
    facility_code: str = Field(max_length=32)
    exam_region: str = Field(max_length=12, index=True)
    exam_datetime: datetime = Field(sa_type=UTCDateTime)
    examinee_id_number: str = Field(max_length=18, index=True)
    examinee_name: str = Field(max_length=64)
    operator_name: str = Field(max_length=64)
    operator_license_no: str = Field(max_length=32)
    indication: str = Field(max_length=16)
    gestational_weeks: int | None = None
    fetal_count: int | None = None
    findings_summary: str | None = Field(default=None, max_length=2000)


class Operator(StrictBody):
    """The physician or technician who performed the exam."""

    name: PersonName
    license_no: str = PydanticField(
        min_length=1, max_length=32, pattern=f"^{_CODE}$", description="执业证书编码"
    )


class UltrasoundExamIn(StrictBody):
    """An ultrasound exam as maternal health registers it."""

    exam_no: str = PydanticField(pattern=f"^{_CODE}$", description="Unique per facility.")
    facility_code: str = PydanticField(pattern=f"^{_CODE}$")
    exam_region: RegionCode
    exam_datetime: EventInstant
    examinee: PersonRef
    operator: Operator
    indication: Indication
    gestational_weeks: ExamGestationalWeeks | None = PydanticField(
        default=None, description="Required for prenatal exams."
    )
    fetal_count: Plurality | None = PydanticField(
        default=None, description="Only with gestational_weeks: it counts the fetuses seen."
    )
    findings_summary: str | None = PydanticField(default=None, min_length=1, max_length=2000)

    @model_validator(mode="before")
    @classmethod
    def _no_fetal_sex(cls, data: Any) -> Any:
        keys = fetal_sex_keys(data)
        # The same refusal when the summary says it in words (胎儿性别：男, 男胎 ...).
        summary = data.get("findings_summary") if isinstance(data, dict) else None
        if isinstance(summary, str) and mentions_fetal_sex(summary):
            keys.append("findings_summary")
        if keys:
            raise PydanticCustomError(
                "fetal_sex_prohibited", FETAL_SEX_PROHIBITED, {"fields": keys}
            )
        return data

    @model_validator(mode="after")
    def _consistent(self) -> "UltrasoundExamIn":
        if self.exam_datetime > datetime.now(UTC) + timedelta(minutes=5):
            raise field_rule("exam_datetime", "exam_datetime must not be in the future")
        if self.indication == Indication.PRENATAL:
            if self.gestational_weeks is None:
                raise field_rule(
                    "gestational_weeks", "gestational_weeks is required for a prenatal exam"
                )
            if id_number_sex(self.examinee.id_number) != Sex.FEMALE:
                raise field_rule(
                    "examinee.id_number", "the examinee of a prenatal exam must be a woman"
                )
        if self.fetal_count is not None and self.gestational_weeks is None:
            raise field_rule(
                "fetal_count", "fetal_count needs gestational_weeks: it describes a pregnancy"
            )
        return self


class OperatorOut(BaseModel):
    """The operator as shown."""

    name: str
    license_no: str


class UltrasoundExamOut(RecordOut):
    """An ultrasound exam as maternal health and auditors see it."""

    exam_no: str
    facility_code: str
    exam_region: str
    exam_datetime: Instant
    examinee: PersonRefOut
    operator: OperatorOut
    indication: str
    gestational_weeks: int | None
    fetal_count: int | None
    findings_summary: str | None
