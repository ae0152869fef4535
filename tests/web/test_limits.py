"""Which requests count against the look-up and list allowances."""

from fastapi import APIRouter, Query

from api.web.limits import harvesting_kind

router = APIRouter()


@router.get("/things")
def things(cursor: str | None = Query(default=None), limit: int = 50) -> None:
    """A list."""


@router.get("/things/{thing_id}")
def thing(thing_id: str) -> None:
    """One record."""


@router.post("/things/lookup")
def find() -> None:
    """A look-up."""


@router.get("/stats")
def stats(region: str | None = None) -> None:
    """A summary that takes no cursor."""


def route(path: str, method: str) -> object:
    return next(r for r in router.routes if r.path == path and method in r.methods)  # type: ignore[attr-defined]


def test_a_get_taking_a_cursor_is_a_list_page() -> None:
    assert harvesting_kind("GET", route("/things", "GET")) == "list"


def test_a_post_to_lookup_is_a_look_up() -> None:
    assert harvesting_kind("POST", route("/things/lookup", "POST")) == "lookup"


def test_reads_by_id_and_summaries_are_not_counted() -> None:
    assert harvesting_kind("GET", route("/things/{thing_id}", "GET")) is None
    assert harvesting_kind("GET", route("/stats", "GET")) is None
    assert harvesting_kind("GET", None) is None
