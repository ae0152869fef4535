"""Household register entries (户籍登记), written by public security; each updates its person."""

from fastapi import APIRouter

from api.deps import HouseholdsRead, HouseholdsWrite
from api.models.household_entry import HouseholdEntryOut
from api.records.registries.household_entries import HOUSEHOLD_ENTRIES
from api.routers import record_docs
from api.routers.records import add_record_routes

router = APIRouter(prefix="/household-entries", tags=["household entries"])
add_record_routes(
    router,
    HOUSEHOLD_ENTRIES,
    out=HouseholdEntryOut,
    read=HouseholdsRead,
    write=HouseholdsWrite,
    docs=record_docs.HOUSEHOLD_ENTRIES,
)
