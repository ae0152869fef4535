"""Real-name B-ultrasound exam registrations (B超检查实名登记).

There is deliberately no column for fetal sex: non-medical fetal sex identification is
prohibited by law, so the service can never hold it.
"""

from datetime import datetime

from sqlalchemy import UniqueConstraint
from sqlmodel import Field

from api.db import UTCDateTime
from api.models.base import RecordColumns


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
