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


def test_a_page_costs_its_size_in_fifties_whatever_the_limit_says() -> None:
    from starlette.requests import Request

    from api.web.limits import _cost

    def cost(query: str) -> int:
        return _cost(Request({"type": "http", "query_string": query.encode()}), "list")

    assert [cost(""), cost("limit=1"), cost("limit=50"), cost("limit=51")] == [1, 1, 1, 2]
    assert cost("limit=500") == 10
    assert cost("limit=99999") == 10
    for odd in ("limit=²", "limit=５", "limit=-1", "limit=1e3", "limit=%00"):
        assert cost(odd) == 1
    assert _cost(Request({"type": "http", "query_string": b""}), "lookup") == 1
