"""Each way real registers write records is planted on its own, with its truth unchanged:
the engine finds exactly the planted discrepancies whichever convention is present."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import date
from typing import Any

import pytest

from api.crosscheck.linkage import DiscrepancyType, link
from api.crosscheck.linkage import births as birth_units
from api.crosscheck.linkage.placeholders import is_placeholder
from api.demo.synthetic import CONVENTIONS, SyntheticData, generate
from api.demo.synthetic.conventions import DOT_VARIANTS, placeholder

AS_OF = date(2026, 3, 1)
Row = dict[str, Any]


def _names(data: SyntheticData) -> list[str]:
    out = [r["person_name"] for r in data.iter_rows("household_entry")]
    out += [r["name"] for r in data.iter_rows("person")]
    for r in data.iter_rows("birth"):
        out += [n for n in (r["child_name"], r["mother_name"]) if n]
    return out


def _placeholders(data: SyntheticData) -> list[Row]:
    return [r for r in data.iter_rows("birth") if is_placeholder(r["child_name"], r["mother_name"])]


def _traditional(data: SyntheticData) -> list[str]:
    return [n for n in _names(data) if any(c in "張劉陳楊黃趙吳鄭歐陽麗華軍國" for c in n)]


def _full_width(data: SyntheticData) -> list[str]:
    entries = data.iter_rows("household_entry")
    numbers = [v for r in entries for v in (r["birth_certificate_no"], r["mother_id_number"])]
    wide = [v for v in numbers if v and not v.isascii()]
    compat = [n for n in _names(data) if any(0xF900 <= ord(c) < 0xFB00 or c == "\u3000" for c in n)]
    return wide + compat


def _dots(data: SyntheticData) -> list[str]:
    variants = set(DOT_VARIANTS) - {"", " "}
    return [n for n in _names(data) if any(c in variants for c in n)]


def _spaces(data: SyntheticData) -> list[str]:
    return [n for n in _names(data) if " " in n or "\u3000" in n]


PRESENT: dict[str, Callable[[SyntheticData], list[Any]]] = {
    "placeholder": _placeholders,
    "traditional": _traditional,
    "full_width": _full_width,
    "dots": _dots,
    "spaces": _spaces,
}


def _findings(data: SyntheticData) -> set[tuple[str, frozenset[str]]]:
    t = data.arrow()
    found = link(t["birth"], t["household_entry"], t["person"], t["marriage"], as_of=AS_OF)
    return {f.key() for f in found}


def test_every_convention_has_a_detector_here() -> None:
    assert set(PRESENT) == set(CONVENTIONS)


@pytest.mark.parametrize("hard", [False, True], ids=["standard", "hard"])
@pytest.mark.parametrize("kind", CONVENTIONS)
def test_each_convention_alone_is_planted_and_reports_nothing_false(kind: str, hard: bool) -> None:
    data = generate(3000, seed=7, hard=hard, as_of=AS_OF, conventions=(kind,))
    assert len(PRESENT[kind](data)) >= 10
    for other in set(CONVENTIONS) - {kind}:
        if other not in ("spaces", "full_width"):  # they overlap with each other's signs
            assert not PRESENT[other](data), other
    assert _findings(data) == data.truth


def test_without_conventions_nothing_of_them_is_planted() -> None:
    data = generate(1500, seed=7, hard=True, as_of=AS_OF, conventions=())
    assert not any(PRESENT[kind](data) for kind in CONVENTIONS)
    assert _findings(data) == data.truth


def test_twins_get_numbered_placeholders() -> None:
    data = generate(3000, seed=7, hard=True, as_of=AS_OF, conventions=("placeholder",))
    twins = [r for r in _placeholders(data) if r["plurality"] > 1]
    assert len({r["child_name"] for r in twins}) >= 10


def test_placeholder_styles_cover_the_ward_conventions() -> None:
    rng = random.Random(1)
    written = {placeholder(rng, "张丽", male, 1, 1, style) for style in range(9) for male in (1, 0)}
    assert {"张丽之子", "张丽之女", "张丽之男", "张丽之女儿", "男婴", "女婴", "婴儿"} <= written
    assert {"新生儿", "宝宝", "未取名", "无名"} <= written
    assert placeholder(rng, "张丽", True, 2, 2, 9) == "张丽二宝"


def test_the_placeholder_convention_would_be_false_mismatches_without_the_rule(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The planted placeholders matter: an engine that took them for names reports them.
    data = generate(1500, seed=7, hard=True, as_of=AS_OF, conventions=("placeholder",))
    monkeypatch.setattr(birth_units, "placeholder_sql", lambda *_: "false")
    wrong = _findings(data) - data.truth
    assert wrong
    assert {t for t, _ in wrong} >= {DiscrepancyType.ATTRIBUTE_MISMATCH.value}
