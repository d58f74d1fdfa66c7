"""The public notice as a PDF: Chinese text really embedded, nothing but the public fields, small, reproducible.

Text is read back with poppler's ``pdftotext``. Without a CJK font (Debian: fonts-noto-cjk) or
without pdftotext the rendering tests are skipped — unless ``JINGZHUN_REQUIRE_BROWSER=1`` (CI
installs both and sets it), where that is a failure.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

from jingzhun.adapters.pdf import fonts
from jingzhun.adapters.pdf.fonts import CjkFont, find_cjk_font
from jingzhun.adapters.pdf.notice import Notice, NoticeRow, render_notice
from jingzhun.domain.errors import DomainError

FULL_ID = re.compile(r"(?<!\d)\d{17}[\dXx](?!\d)")
MOBILE = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")
POSTED = dt.date(2026, 11, 5)
LAST = dt.date(2026, 11, 9)


def _missing(why: str) -> None:
    if os.environ.get("JINGZHUN_REQUIRE_BROWSER") == "1":
        pytest.fail(f"{why} (CI installs fonts-noto-cjk and poppler-utils)")
    pytest.skip(why)


@pytest.fixture(scope="module")
def font() -> CjkFont:
    try:
        found = find_cjk_font()
    except DomainError as e:
        _missing(e.message)
    if shutil.which("pdftotext") is None:
        _missing("pdftotext (poppler-utils) is not installed")
    return found


def text_of(pdf: bytes, tmp_path: Path) -> str:
    """The text in reading order, each table cell whole."""
    path = tmp_path / "notice.pdf"
    path.write_bytes(pdf)
    return subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout


def compact(text: str) -> str:
    """Without line breaks and spaces: a sentence wrapped across lines reads as one."""
    return re.sub(r"\s+", "", text)


def row(name: str, **kw: object) -> NoticeRow:
    fields: dict[str, object] = {
        "head_name": name, "village": "南安村", "category": "突发严重困难户",
        "decision": "拟纳入防止返贫致贫对象", "first_day": POSTED, "last_day": LAST,
    }  # fmt: skip
    return NoticeRow(**{**fields, **kw})  # type: ignore[arg-type]


def notice(rows: tuple[object, ...], **kw: object) -> Notice:
    fields: dict[str, object] = {
        "kind": "identification", "title": "防止返贫致贫对象识别公示",
        "basis": "经农户申请、干部排查或部门筛查预警，并经入户核实、信息比对和村级民主评议",
        "decision": "拟纳入防止返贫致贫对象", "village_code": "532328101201", "village_name": "南安村",
        "township_name": "田青镇", "issuer": "田青镇人民政府", "period": "5个自然日",
        "dated": dt.date(2026, 11, 6), "rows": rows,
    }  # fmt: skip
    return Notice(**{**fields, **kw})  # type: ignore[arg-type]


@dataclass(frozen=True)
class RowWithPrivateData:
    """A test fake: a row as a careless caller might pass it, carrying a household's private data too."""

    head_name: str
    village: str = "南安村"
    category: str = "边缘易致贫户"
    decision: str = "拟纳入防止返贫致贫对象"
    first_day: dt.date = POSTED
    last_day: dt.date = LAST
    person_id: str = "532328195803143971"
    phone: str = "13987654321"
    health: str = "大病"
    disability: str = "残疾"
    income_yuan: str = "4321.00"


def test_the_notice_prints_its_title_place_names_and_period_in_chinese(font, tmp_path):
    text = text_of(render_notice(notice((row("宋辉"), row("韦富明"))), font), tmp_path)
    assert "防止返贫致贫对象识别公示" in text and "田青镇南安村" in text
    for heading in ("序号", "户主姓名", "所在村", "监测类别", "拟办理事项", "公示期"):
        assert heading in text
    assert "宋辉" in text and "韦富明" in text and "突发严重困难户" in text
    assert "下列2户拟纳入防止返贫致贫对象，现予公示" in compact(text)
    assert "公示期：2026年11月5日至11月9日" in text  # the period, in the text and in every row
    assert text.count("2026年11月5日至11月9日") == 3
    assert "请向田青镇人民政府" in compact(text) and "2026年11月6日" in text
    assert "第 1 页，共 1 页" in text


def test_the_font_is_embedded_and_subset(font):
    pdf = render_notice(notice((row("宋辉"),)), font)
    assert re.search(rb"/FontFile[23]?\b", pdf), "the CJK font must be embedded, not only named"
    assert re.search(rb"/FontName /[A-Z]{6}\+", pdf), "an embedded subset carries a six-letter tag"


def test_no_full_id_number_or_mobile_is_printed_even_when_the_input_carries_them(font, tmp_path):
    rows = (
        RowWithPrivateData("宋辉"),
        row("韦富明532328194712126813"),  # an ID number typed into the name cell of a spreadsheet
        row("曾芳 13812345678"),
    )
    pdf = render_notice(notice(rows, objection_phone="13700001111"), font)
    text = text_of(pdf, tmp_path)
    assert "宋辉" in text and "韦富明" in text and "曾芳" in text
    for found in (FULL_ID.search(compact(text)), MOBILE.search(compact(text))):
        assert found is None, found
    for private in ("532328195803143971", "13987654321", "大病", "残疾", "4321"):
        assert private not in compact(text)
    assert "138****5678" in compact(text)  # masked as everywhere else, so the reader sees something was there
    assert "5323**********6813" in compact(text) and "137****1111" in compact(text)


def test_twenty_households_make_a_small_file_and_long_lists_are_numbered_by_page(font, tmp_path):
    twenty = render_notice(notice(tuple(row(f"村民{i:02d}") for i in range(20))), font)
    assert len(twenty) < 1_000_000
    assert len(twenty) < 200_000  # a subset of one face; the whole collection would be ~20 MB
    long = text_of(render_notice(notice(tuple(row(f"村民{i:02d}") for i in range(70))), font), tmp_path)
    pages = re.findall(r"第 (\d+) 页，共 (\d+) 页", long)
    total = len(pages)
    assert total >= 2 and pages == [(str(n), str(total)) for n in range(1, total + 1)]
    assert long.count("户主姓名") == total  # the headings repeat on every page
    assert all(f"村民{i:02d}" in long for i in range(70))


def test_households_posted_on_different_days_each_show_their_own_period(font, tmp_path):
    later = row("韦富明", first_day=dt.date(2026, 11, 6), last_day=dt.date(2026, 11, 10))
    text = text_of(render_notice(notice((row("宋辉"), later)), font), tmp_path)
    assert "2026年11月5日至11月9日" in text and "2026年11月6日至11月10日" in text
    assert "各户见上表" in text


def test_a_notice_without_households_says_so(font, tmp_path):
    text = text_of(render_notice(notice(()), font), tmp_path)
    assert "本期无公示对象" in text and "户主姓名" not in text


def test_the_same_notice_renders_to_the_same_bytes(font):
    n = notice((row("宋辉"), row("韦富明")))
    assert render_notice(n, font) == render_notice(n, font)


def test_a_configured_font_that_does_not_exist_is_font_missing(tmp_path):
    with pytest.raises(DomainError) as e:
        find_cjk_font({fonts.ENV: str(tmp_path / "nope.ttc")})
    assert e.value.code == "FONT_MISSING" and fonts.ENV in e.value.message


def test_a_configured_file_that_is_not_a_cjk_font_is_font_missing(tmp_path):
    fake = tmp_path / "fake.ttf"
    fake.write_bytes(b"not a font at all")
    with pytest.raises(DomainError) as e:
        find_cjk_font({fonts.ENV: str(fake)})
    assert e.value.code == "FONT_MISSING"


def test_without_any_cjk_font_rendering_is_refused_with_font_missing(monkeypatch):
    monkeypatch.delenv(fonts.ENV, raising=False)
    monkeypatch.setattr(fonts, "KNOWN_PATHS", ())
    monkeypatch.setattr(fonts, "_fontconfig", lambda: iter(()))
    fonts._find.cache_clear()
    try:
        with pytest.raises(DomainError) as e:
            render_notice(notice((row("宋辉"),)))
        assert e.value.code == "FONT_MISSING" and "fonts-noto-cjk" in e.value.message
    finally:
        fonts._find.cache_clear()


def test_a_configured_collection_uses_its_simplified_chinese_face(font):
    if font.path.suffix.lower() != ".ttc":
        pytest.skip("the font found is not a collection")
    chosen = find_cjk_font({fonts.ENV: str(font.path)})
    assert chosen == font
    assert find_cjk_font({fonts.ENV: f"{font.path}#{font.index}"}) == font
