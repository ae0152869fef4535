"""Ultrasound exams (B超检查实名登记): the record kind, readable by maternal health and auditors."""

from typing import Any

from api.access.principal import Access
from api.models import UltrasoundExam
from api.models.ultrasound_exam import UltrasoundExamIn
from api.records.core import RecordKind, Row
from api.records.registries.presenting import person_ref, without


def to_row(body: UltrasoundExamIn) -> Row:
    """Flatten a submitted exam into column values."""
    data = body.model_dump(exclude={"examinee", "operator"})
    data["examinee_id_number"] = body.examinee.id_number
    data["examinee_name"] = body.examinee.name
    data["operator_name"] = body.operator.name
    data["operator_license_no"] = body.operator.license_no
    return data


def from_row(row: Row) -> Row:
    """The submitted shape of a stored exam, for applying a correction."""
    body = {k: row[k] for k in UltrasoundExamIn.model_fields if k in row}
    body["examinee"] = {"id_number": row["examinee_id_number"], "name": row["examinee_name"]}
    body["operator"] = {"name": row["operator_name"], "license_no": row["operator_license_no"]}
    return body


def present(row: Row, access: Access) -> dict[str, Any]:
    """An exam as the caller may see it (only ultrasound departments get this far)."""
    data = without(
        row, "examinee_id_number", "examinee_name", "operator_name", "operator_license_no"
    )
    data["examinee"] = person_ref(row["examinee_id_number"], row["examinee_name"], access)
    data["operator"] = {"name": row["operator_name"], "license_no": row["operator_license_no"]}
    return data


ULTRASOUND_EXAMS: RecordKind[UltrasoundExam] = RecordKind(
    resource="ultrasound-exams",
    model=UltrasoundExam,
    body=UltrasoundExamIn,
    to_row=to_row,
    from_row=from_row,
    present=present,
    region_column="exam_region",
    region_field="exam_region",
    natural_key=("facility_code", "exam_no"),
    created_event="ultrasound_exam.recorded",
    updated_event="ultrasound_exam.corrected",
    voided_event="ultrasound_exam.voided",
    person_columns=("examinee_id_number",),
    date_column="exam_datetime",
)
