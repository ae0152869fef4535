"""Certificate fonts: per-character fallback, embedding, extractable supplementary characters."""

import shutil
import subprocess
from pathlib import Path

import pytest

from api.certificates.fonts import (
    DEFAULT_FONT_FILES,
    CertificateFontsMissing,
    font_files,
    load_fonts,
)
from api.certificates.pdf import CertificateFacts, render_certificate

pytestmark = pytest.mark.skipif(
    not Path(DEFAULT_FONT_FILES[0]).is_file(), reason="needs fonts-hanazono"
)
EXT_B_ONLY_IN_B = "\U00020001"  # 𠀁: in HanaMinB, not in HanaMinA


def test_text_is_cut_into_runs_of_the_first_font_that_has_each_character() -> None:
    fonts = load_fonts()
    first, second = (f.name for f in fonts.fonts[:2])

    runs = list(fonts.runs(f"王{EXT_B_ONLY_IN_B}芳 ABC"))

    assert runs == [(first, "王"), (second, EXT_B_ONLY_IN_B), (first, "芳 ABC")]
    assert fonts.missing("阿卜杜·热合曼 𠮷野 䶮" + EXT_B_ONLY_IN_B) == set()
    assert fonts.width("王芳", 12) > fonts.width("王", 12) > 0


def test_configured_files_come_first_and_missing_ones_are_skipped(tmp_path: Path) -> None:
    assert font_files("") == [Path(p) for p in DEFAULT_FONT_FILES]
    assert font_files(f"{tmp_path}/a.ttf, /b.ttf") == [tmp_path / "a.ttf", Path("/b.ttf")]
    fonts = load_fonts(f"{tmp_path}/absent.ttf:{DEFAULT_FONT_FILES[0]}")
    assert [f.path for f in fonts.fonts] == [Path(DEFAULT_FONT_FILES[0])]


def test_no_font_at_all_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(CertificateFontsMissing, match="fonts-hanazono"):
        load_fonts(str(tmp_path / "absent.ttf"))


def test_a_font_with_postscript_outlines_is_refused_clearly(tmp_path: Path) -> None:
    noto = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")
    if not noto.is_file():
        pytest.skip("Noto CJK is not installed")
    with pytest.raises(CertificateFontsMissing, match="TrueType outlines"):
        load_fonts(str(noto))


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="needs poppler-utils")
def test_supplementary_plane_characters_are_extractable(tmp_path: Path) -> None:
    from datetime import date

    facts = CertificateFacts(
        certificate_no="420202-2026-000001",
        holder_name=f"𠮷{EXT_B_ONLY_IN_B}野",
        holder_id_number="420202********0021",
        spouse_name="阿卜杜·热合曼",
        spouse_id_number=None,
        household_region_name="湖北省黄石市黄石港区",
        residence_region_name="湖北省黄石市黄石港区",
        child_order=2,
        expected_due_date=None,
        issued_on=date(2026, 12, 2),
        issuing_authority="黄石市黄石港区卫生健康局",
        verification_url="https://vitalx.example/portal/verify.html?certificate_no=x",
        verification_code=None,
    )
    path = tmp_path / "c.pdf"
    path.write_bytes(render_certificate(facts, load_fonts()))

    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, check=True).stdout
    assert f"𠮷{EXT_B_ONLY_IN_B}野" in text.decode()
    assert "阿卜杜·热合曼" in text.decode()
    fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, check=True).stdout.decode()
    assert "HanaMinB" in fonts  # the fallback font was embedded for 𠀁
