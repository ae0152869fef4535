"""Build the character variant table names.py reads (data/variants.tsv) from OpenCC.

    python -m api.crosscheck.linkage.variants      # rewrite data/variants.tsv

Characters that any of OpenCC's character tables relate (traditional ↔ simplified, Taiwan
and Hong Kong forms, both directions) form one class, written as the character the
to-simplified tables most often yield (寧, 甯 → 宁; 鍾, 锺 → 钟). Building it asks OpenCC
about some 200,000 characters (about two seconds), so the result is shipped as a file
instead of being built in every process.
"""

from __future__ import annotations

import opencc

from api.crosscheck.linkage.names import VARIANTS_FILE

# Blocks the variant table covers: basic, extension A; t2s also reads extension B.
_BLOCKS = ((0x3400, 0x4DC0), (0x4E00, 0xA000))
_EXT_B = ((0x20000, 0x2A6E0),)
# OpenCC's character tables, both ways and regional: every pair they relate is one
# character written two ways (宁/寧, 着/著, 钟/鍾/锺 ...).
_CONFIGS = ("t2s", "s2t", "s2tw", "s2hk", "tw2s", "hk2s")
# Variants OpenCC's phrase rules choose in context, which no character table relates
# (s2t turns 宁浩 into 甯浩, and t2s leaves 甯). Found by converting every pair of GB 2312
# level-1 characters; pairs where a phrase picks a different character (象/像) are left out.
# Only those no table relates are used (see `build_table`).
PHRASE_VARIANTS: tuple[tuple[str, str], ...] = (
    ("复", "覆"),
    ("借", "藉"),
    ("背", "揹"),
    ("夫", "伕"),
    ("链", "鍊"),
    ("熏", "薰"),
    ("了", "瞭"),
    ("宁", "甯"),
    ("苏", "甦"),
    ("浚", "濬"),
    ("穗", "繐"),
    ("澄", "澂"),
    ("仇", "讎"),
    ("戚", "鏚"),
    ("拿", "拏"),
)


def _variant_pairs() -> list[tuple[str, str, bool]]:
    """Return (character, variant, whether the variant is the simplified form)."""
    pairs: list[tuple[str, str, bool]] = []
    for config in _CONFIGS:
        to_simplified = config.endswith("2s")
        convert = opencc.OpenCC(config).convert
        blocks = _BLOCKS + _EXT_B if config == "t2s" else _BLOCKS
        for lo, hi in blocks:
            for cp in range(lo, hi):
                ch = chr(cp)
                out = convert(ch)
                if out != ch and len(out) == 1:
                    pairs.append((ch, out, to_simplified))
    return pairs


def build_table() -> dict[str, str]:
    """Return {character: the simplified form of its class} for every variant."""
    parent: dict[str, str] = {}

    def root(x: str) -> str:
        while parent[x] != x:
            parent[x] = x = parent[parent[x]]
        return x

    simplified: dict[str, int] = {}
    for a, b, to_simplified in _variant_pairs():
        parent.setdefault(a, a)
        parent.setdefault(b, b)
        parent[root(a)] = root(b)
        if to_simplified:
            simplified[b] = simplified.get(b, 0) + 1
    classes: dict[str, list[str]] = {}
    for ch in parent:
        classes.setdefault(root(ch), []).append(ch)
    table: dict[str, str] = {}
    for members in classes.values():
        target = min(members, key=lambda c: (-simplified.get(c, 0), c))
        table.update({c: target for c in members if c != target})
    # A phrase variant no table knows is written as its simplified partner; one that
    # belongs to a class already keeps it (讎 is 雠, whatever 仇讎 becomes).
    for simple, variant in PHRASE_VARIANTS:
        if variant not in table and variant != table.get(simple, simple):
            table[variant] = table.get(simple, simple)
    return table


def render(table: dict[str, str]) -> str:
    """Return the file text: one line per simplified form, its variants after a tab."""
    by_target: dict[str, list[str]] = {}
    for variant, target in table.items():
        by_target.setdefault(target, []).append(variant)
    lines = (f"{t}\t{''.join(sorted(v))}" for t, v in sorted(by_target.items()))
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    VARIANTS_FILE.parent.mkdir(exist_ok=True)
    VARIANTS_FILE.write_text(render(build_table()), encoding="utf-8")
