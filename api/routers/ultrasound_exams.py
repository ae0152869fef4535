"""Ultrasound exams (B超检查实名登记), written by maternal health, read by it and auditors."""

from fastapi import APIRouter

from api.deps import UltrasoundsRead, UltrasoundsWrite
from api.models.ultrasound_exam import UltrasoundExamOut
from api.records.registries.ultrasound_exams import ULTRASOUND_EXAMS
from api.routers import record_docs
from api.routers.records import add_record_routes

router = APIRouter(
    prefix="/ultrasound-exams",
    tags=["ultrasound exams"],
)
add_record_routes(
    router,
    ULTRASOUND_EXAMS,
    out=UltrasoundExamOut,
    read=UltrasoundsRead,
    write=UltrasoundsWrite,
    docs=record_docs.ULTRASOUND_EXAMS,
)
