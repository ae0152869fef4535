"""Births (出生医学证明), written by maternal health."""

from fastapi import APIRouter

from api.deps import BirthsRead, BirthsWrite
from api.models.birth import BirthOut
from api.records.registries.births import BIRTHS
from api.routers import record_docs
from api.routers.records import add_record_routes

router = APIRouter(prefix="/births", tags=["births"])
add_record_routes(
    router, BIRTHS, out=BirthOut, read=BirthsRead, write=BirthsWrite, docs=record_docs.BIRTHS
)
