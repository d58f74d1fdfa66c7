"""The public notice (公示) of a village as a printable A4 PDF, with an embedded CJK font.

Policy notes §4 (永城 2024 [S]): after the village's democratic review the households are
publicised for at least five days, and objections go to the township. What the sheet shows
follows "谁救助谁公示" and ``shared/design/security.md``: the head of household's name, the
village, the category and the decision — never an ID number, phone, bank account, health,
disability or income. ``Notice`` has no field for any of those; and every string is passed
through ``mask_identifiers`` before it is drawn, so an ID number or mobile that slipped into a
name cell of a county spreadsheet is printed masked, not in full.

Rendering is reproducible: the same notice and font give the same bytes (the creation date is
the notice's date, and fpdf2 derives the file id from the content).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from fpdf import FPDF
from fpdf.enums import WrapMode
from fpdf.fonts import FontFace

from jingzhun.adapters.pdf.fonts import CjkFont, find_cjk_font
from jingzhun.domain.deadlines import CHINA_TZ
from jingzhun.domain.ids import mask_identifiers

FAMILY = "cjk"
HEADINGS = ("序号", "户主姓名", "所在村", "监测类别", "拟办理事项", "公示期")
WIDTHS = (10, 24, 30, 28, 46, 48)  # mm on the 186 mm between 12 mm margins; the period fits one line
MARGIN = 12.0


@dataclass(frozen=True, slots=True)
class NoticeRow:
    """One household on the notice."""

    head_name: str
    village: str
    category: str  # the confirmed monitoring category, as its Chinese label
    decision: str  # what is publicised, e.g. 拟纳入防止返贫致贫对象
    first_day: dt.date  # posted (day 1 of the notice)
    last_day: dt.date


@dataclass(frozen=True, slots=True)
class Notice:
    """A village's notice of one kind (identification, risk elimination) on one day."""

    kind: str
    title: str  # 防止返贫致贫对象识别公示
    basis: str  # the steps taken before the notice, as one clause
    decision: str
    village_code: str
    village_name: str
    township_name: str  # "" when the store has no division names
    issuer: str  # 某某镇人民政府: where objections go, and who signs
    period: str  # the minimum period in words, e.g. "5 个自然日"
    dated: dt.date
    rows: tuple[NoticeRow, ...]
    objection_phone: str = ""  # the township's public line; blank leaves a space to write it in

    @property
    def place(self) -> str:
        return f"{self.township_name}{self.village_name}"

    @property
    def common_period(self) -> tuple[dt.date, dt.date] | None:
        """The notice period when every household shares one (the usual case)."""
        periods = {(r.first_day, r.last_day) for r in self.rows}
        return periods.pop() if len(periods) == 1 else None


def cn_date(day: dt.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def cn_period(first: dt.date, last: dt.date) -> str:
    end = f"{last.month}月{last.day}日" if last.year == first.year else cn_date(last)
    return f"{cn_date(first)}至{end}"


def _t(text: object) -> str:
    return mask_identifiers(str(text))


class _Sheet(FPDF):
    def footer(self) -> None:
        self.set_y(-12)
        self.set_font(FAMILY, size=9)
        self.cell(0, 6, f"第 {self.page_no()} 页，共 {{nb}} 页", align="C")


def render_notice(notice: Notice, font: CjkFont | None = None) -> bytes:
    """The notice as an A4 portrait PDF; FONT_MISSING when no CJK font can be embedded."""
    font = font or find_cjk_font()
    pdf = _Sheet(orientation="portrait", unit="mm", format="A4")
    pdf.set_margins(MARGIN, 15, MARGIN)
    pdf.set_auto_page_break(True, margin=18)
    pdf.add_font(FAMILY, "", str(font.path), collection_font_number=font.index)
    pdf.set_title(_t(f"{notice.title} {notice.place}"))
    pdf.set_author(_t(notice.issuer))
    pdf.set_creator("jingzhun")
    pdf.set_lang("zh-CN")
    pdf.set_creation_date(dt.datetime.combine(notice.dated, dt.time(), CHINA_TZ))
    pdf.add_page()
    _heading(pdf, notice)
    _table(pdf, notice)
    _closing(pdf, notice)
    return bytes(pdf.output())


def _heading(pdf: FPDF, notice: Notice) -> None:
    pdf.set_font(FAMILY, size=18)
    pdf.cell(0, 11, _t(notice.title), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FAMILY, size=12)
    pdf.cell(0, 8, _t(notice.place), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)
    pdf.set_font(FAMILY, size=11)
    if notice.rows:
        text = f"{notice.basis}，下列{len(notice.rows)}户{notice.decision}，现予公示。"
    else:
        text = "本期无公示对象。"
    _paragraph(pdf, text)
    pdf.ln(2)


def _paragraph(pdf: FPDF, text: str) -> None:
    """A paragraph indented two characters, broken between any two characters (Chinese has no spaces)."""
    pdf.multi_cell(0, 7, _t(f"　　{text}"), align="L", wrapmode=WrapMode.CHAR, new_x="LMARGIN", new_y="NEXT")


def _table(pdf: FPDF, notice: Notice) -> None:
    if not notice.rows:
        return
    pdf.set_font(FAMILY, size=10)
    style = FontFace(emphasis="", fill_color=(230, 230, 230))
    options: dict[str, Any] = {"col_widths": WIDTHS, "text_align": "CENTER", "line_height": 7}
    with pdf.table(headings_style=style, repeat_headings=1, wrapmode=WrapMode.CHAR, **options) as table:
        table.row(HEADINGS)
        for n, r in enumerate(notice.rows, start=1):
            cells = (n, r.head_name, r.village, r.category, r.decision, cn_period(r.first_day, r.last_day))
            table.row([_t(c) for c in cells])
    pdf.ln(4)


def _closing(pdf: FPDF, notice: Notice) -> None:
    pdf.set_font(FAMILY, size=11)
    common = notice.common_period
    if common is not None:
        period = f"公示期：{cn_period(*common)}（不少于{notice.period}）。"
    elif notice.rows:
        period = f"公示期：各户见上表，每户不少于{notice.period}。"
    else:
        period = ""
    phone = notice.objection_phone.strip() or "＿＿＿＿＿＿"
    lines = [
        period,
        f"公示期间，如对上述公示对象有异议，请向{notice.issuer}书面或当面反映（联系电话：{phone}），"
        "也可通过防止返贫监测和乡村振兴咨询服务电话反映。反映情况应实事求是，我们将及时核实并答复。",
    ]
    for line in filter(None, lines):
        _paragraph(pdf, line)
    pdf.ln(10)
    for line in (notice.issuer, cn_date(notice.dated)):
        pdf.cell(0, 7, _t(line), align="R", new_x="LMARGIN", new_y="NEXT")
