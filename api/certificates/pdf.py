"""The printable certificate: one A4 page in Chinese with a QR code of its verification URL.

Drawn with ReportLab on embedded fonts chosen per character (see `fonts`), so that every
name prints and its text can be extracted; the QR code is drawn as vector squares.
"""

import io
from dataclasses import dataclass
from datetime import date

import qrcode
from reportlab.lib.colors import Color, black
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from api.certificates.fonts import FontSet

INK = black
ACCENT = Color(0.62, 0.11, 0.11)
RULE = Color(0.55, 0.55, 0.55)
TITLE = "生育服务登记证明"


@dataclass(frozen=True)
class CertificateFacts:
    """What the certificate states, already in the words it prints."""

    certificate_no: str
    holder_name: str
    holder_id_number: str
    spouse_name: str | None
    spouse_id_number: str | None
    household_region_name: str
    residence_region_name: str
    child_order: int
    expected_due_date: date | None
    issued_on: date
    issuing_authority: str
    verification_url: str
    verification_code: str | None


def chinese_date(day: date) -> str:
    """2026年12月2日."""
    return f"{day.year}年{day.month}月{day.day}日"


class _Page:
    def __init__(self, canvas: Canvas, fonts: FontSet) -> None:
        self.canvas, self.fonts = canvas, fonts

    def text(self, x: float, y: float, text: str, size: float, *, align: str = "left") -> None:
        width = self.fonts.width(text, size)
        x = {"left": x, "center": x - width / 2, "right": x - width}[align]
        for name, run in self.fonts.runs(text):
            self.canvas.setFont(name, size)
            self.canvas.drawString(x, y, run)
            x += self.canvas.stringWidth(run, name, size)

    def qr(self, x: float, y: float, size: float, data: str) -> None:
        code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=0)
        code.add_data(data)
        code.make(fit=True)
        matrix = code.get_matrix()
        cell = size / len(matrix)
        self.canvas.setFillColor(INK)
        for r, line in enumerate(matrix):
            for c, dark in enumerate(line):
                if dark:
                    self.canvas.rect(x + c * cell, y + size - (r + 1) * cell, cell, cell, 0, 1)


def _rows(facts: CertificateFacts) -> list[tuple[str, str]]:
    rows = [
        ("证明编号", facts.certificate_no),
        ("登记人姓名", facts.holder_name),
        ("登记人公民身份号码", facts.holder_id_number),
        ("配偶姓名", facts.spouse_name or "—"),
        ("配偶公民身份号码", facts.spouse_id_number or "—"),
        ("户籍地", facts.household_region_name),
        ("现居住地", facts.residence_region_name),
        ("本次登记子女孩次", f"第{facts.child_order}孩"),
        ("预产期", chinese_date(facts.expected_due_date) if facts.expected_due_date else "—"),
        ("登记日期", chinese_date(facts.issued_on)),
    ]
    return rows


def render_certificate(facts: CertificateFacts, fonts: FontSet) -> bytes:
    """The certificate as a one-page A4 PDF."""
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=A4, pageCompression=1, initialFontName=fonts.fonts[0].name)
    canvas.setTitle(f"{TITLE} {facts.certificate_no}")
    canvas.setAuthor(facts.issuing_authority)
    canvas.setSubject(TITLE)
    page = _Page(canvas, fonts)
    width, height = A4
    left, right = 25 * mm, width - 25 * mm

    canvas.setStrokeColor(ACCENT)
    canvas.setLineWidth(2)
    canvas.rect(15 * mm, 15 * mm, width - 30 * mm, height - 30 * mm)
    canvas.setLineWidth(0.6)
    canvas.rect(17 * mm, 17 * mm, width - 34 * mm, height - 34 * mm)

    canvas.setFillColor(ACCENT)
    page.text(width / 2, height - 48 * mm, TITLE, 28, align="center")
    canvas.setFillColor(INK)
    page.text(width / 2, height - 58 * mm, f"编号：{facts.certificate_no}", 11, align="center")

    y = height - 78 * mm
    canvas.setStrokeColor(RULE)
    canvas.setLineWidth(0.4)
    for label, value in _rows(facts):
        page.text(left + 4 * mm, y, label, 12)
        page.text(left + 52 * mm, y, value, 13)
        canvas.line(left, y - 3.5 * mm, right, y - 3.5 * mm)
        y -= 11 * mm

    y -= 4 * mm
    statement = (
        "经核验，上述夫妻已办理生育服务登记。本证明依据申请人承诺及部门共享信息出具，",
        "可凭证明编号和核验码在线核验真伪。",
    )
    for line in statement:
        page.text(left + 4 * mm, y, line, 11)
        y -= 7 * mm

    y -= 8 * mm
    page.text(right - 4 * mm, y, facts.issuing_authority, 13, align="right")
    page.text(right - 4 * mm, y - 8 * mm, chinese_date(facts.issued_on), 12, align="right")

    qr_size = 36 * mm
    qr_y = 34 * mm
    page.qr(left + 4 * mm, qr_y, qr_size, facts.verification_url)
    code = facts.verification_code or "（仅在发证时告知，本副本未印）"
    page.text(left + qr_size + 10 * mm, qr_y + 26 * mm, f"核验码：{code}", 12)
    page.text(
        left + qr_size + 10 * mm,
        qr_y + 18 * mm,
        "扫描二维码，或访问下方网址输入证明编号和核验码，",
        9,
    )
    page.text(left + qr_size + 10 * mm, qr_y + 13 * mm, "即可核验本证明真伪及是否仍然有效。", 9)
    page.text(left + 4 * mm, qr_y - 6 * mm, f"核验网址：{facts.verification_url}", 7)
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()
