"""Marriage registrations (婚姻登记), written by civil affairs; each updates both parties."""

from fastapi import APIRouter

from api.deps import MarriagesRead, MarriagesWrite
from api.models.marriage import MarriageOut
from api.records.registries.marriages import MARRIAGES
from api.routers import record_docs
from api.routers.records import add_record_routes

router = APIRouter(prefix="/marriages", tags=["marriages"])
add_record_routes(
    router,
    MARRIAGES,
    out=MarriageOut,
    read=MarriagesRead,
    write=MarriagesWrite,
    docs=record_docs.MARRIAGES,
)
