"""Fonts for certificates: embedded TrueType fonts, chosen per character.

Names may hold any GB 18030-2022 character, Extension B and later included (𠮷, 䶮) and the
middle dot of minority names (阿卜杜·热合曼). No one font covers them all, so text is cut
into runs, each drawn with the first font of the list that has a glyph for it. ReportLab
embeds TrueType outlines only (not the CFF outlines of Noto CJK), so the defaults are
Hanazono Mincho A (BMP, Extension A) and B (Extensions B to F), Debian's fonts-hanazono.

ReportLab writes supplementary-plane characters into the ToUnicode map as five hex digits,
which text extraction misreads; `_to_unicode_cmap` writes them as UTF-16 surrogate pairs,
so that `pdftotext` (and copy and paste, and screen readers) read 𠮷 back.
"""

import logging
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from reportlab.pdfbase import pdfmetrics, ttfonts

logger = logging.getLogger(__name__)

DEFAULT_FONT_FILES = (
    "/usr/share/fonts/truetype/hanazono/HanaMinA.ttf",
    "/usr/share/fonts/truetype/hanazono/HanaMinB.ttf",
)


class CertificateFontsMissing(RuntimeError):
    """No usable font for certificates: say which files were tried and what to install."""


_original_cmap = ttfonts.makeToUnicodeCMap


def _to_unicode_cmap(fontname: str, subset: list[int]) -> str:
    text: str = _original_cmap(fontname, [0] * len(subset))
    lines, index = [], 0
    for line in text.split("\n"):
        if line.startswith("<") and line.endswith("> <0000>"):
            utf16 = chr(subset[index]).encode("utf-16-be").hex().upper()
            line = f"<{index:02X}> <{utf16}>"
            index += 1
        lines.append(line)
    return "\n".join(lines)


ttfonts.makeToUnicodeCMap = _to_unicode_cmap


@dataclass(frozen=True)
class Font:
    """One registered font and the code points it has glyphs for."""

    name: str
    path: Path
    code_points: frozenset[int]


@dataclass(frozen=True)
class FontSet:
    """Fonts in order of preference; text is drawn in runs of one font each."""

    fonts: tuple[Font, ...]

    def font_for(self, char: str) -> Font:
        """The first font with a glyph for `char` (the first font if none has one)."""
        code = ord(char)
        return next((f for f in self.fonts if code in f.code_points), self.fonts[0])

    def runs(self, text: str) -> Iterator[tuple[str, str]]:
        """`(font name, text)` runs covering `text`, in order."""
        current, start = None, 0
        for i, char in enumerate(text):
            # Spaces and marks go with the run they are in, not a font of their own.
            name = current if char.isspace() and current else self.font_for(char).name
            if name != current:
                if current is not None:
                    yield current, text[start:i]
                current, start = name, i
        if current is not None:
            yield current, text[start:]

    def missing(self, text: str) -> set[str]:
        """Characters of `text` that no font of the set can draw."""
        return {
            c
            for c in text
            if not c.isspace() and not any(ord(c) in f.code_points for f in self.fonts)
        }

    def width(self, text: str, size: float) -> float:
        """The width of `text` drawn at `size` points."""
        return sum(pdfmetrics.stringWidth(t, name, size) for name, t in self.runs(text))


_lock = threading.Lock()
_loaded: dict[tuple[str, ...], FontSet] = {}


def _register(path: Path, index: int) -> Font:
    name = f"VitalxCert{index}-{path.stem}"
    try:
        font = ttfonts.TTFont(name, str(path))
    except ttfonts.TTFError as exc:
        raise CertificateFontsMissing(
            f"{path} cannot be embedded ({exc}); certificate fonts must have TrueType outlines"
        ) from exc
    pdfmetrics.registerFont(font)
    return Font(name, path, frozenset(font.face.charToGlyph))


def font_files(configured: str) -> list[Path]:
    """The configured font files (comma- or colon-separated), or the defaults."""
    items = configured.replace(",", ":").split(":") if configured.strip() else DEFAULT_FONT_FILES
    return [Path(item.strip()) for item in items if item.strip()]


def load_fonts(configured: str = "") -> FontSet:
    """The certificate fonts, loaded once per process; missing files are skipped."""
    files = font_files(configured)
    key = tuple(str(p) for p in files)
    with _lock:
        if key in _loaded:
            return _loaded[key]
        present = [p for p in files if p.is_file()]
        for absent in sorted(set(files) - set(present)):
            logger.warning(
                "certificate font %s is missing; characters it covers may not print", absent
            )
        if not present:
            raise CertificateFontsMissing(
                "No certificate font found (tried "
                + ", ".join(key)
                + "). Install Debian's fonts-hanazono or set VITALX_CERTIFICATE_FONTS "
                "to TrueType font files, most preferred first."
            )
        fonts = FontSet(tuple(_register(p, i) for i, p in enumerate(present)))
        _loaded[key] = fonts
        return fonts
