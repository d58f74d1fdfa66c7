"""CSV reading: encodings, header search, row numbers, ragged rows — on both parsing paths."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from jingzhun.adapters.files import csv_reader
from jingzhun.adapters.files.csv_reader import EncodingError, detect_encoding
from jingzhun.adapters.files.raw import FileReadError
from jingzhun.adapters.files.readers import read_table
from jingzhun.domain.exchange import HOUSEHOLDS, INCOME, MEMBERS

from .file_builders import csv_text, write_random_bytes, write_text

HOUSEHOLD_ROWS = [
    ["户编号", "行政区划代码", "是否脱贫户", "家庭住址"],
    ["00123", "330102001001", "是", "张家村一组"],
    ["00124", "330102001001", "否", "李家村二组"],
]


@pytest.fixture(params=["fast", "robust"])
def parser(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Run a test on the polars path (when it applies) and again with the csv-module path forced."""
    if request.param == "robust":
        monkeypatch.setattr(csv_reader, "_read_fast", lambda body, layout: None)
    return str(request.param)


def rows(frame: pl.DataFrame, *columns: str) -> list[tuple[object, ...]]:
    return frame.select(columns).rows()


@pytest.mark.parametrize(
    ("encoding", "bom", "reported"),
    [("utf-8", False, "utf-8"), ("utf-8", True, "utf-8-sig"), ("gbk", False, "gb18030")],
)
def test_chinese_headers_map_to_canonical_names_in_each_encoding(tmp_path, parser, encoding, bom, reported):
    path = write_text(tmp_path / "households.csv", csv_text(HOUSEHOLD_ROWS), encoding, bom)
    raw = read_table(path, HOUSEHOLDS)
    assert raw.encoding == reported
    assert raw.table == "households" and raw.header_row == 1 and raw.sheet is None
    assert raw.frame.columns == ["_row", "household_id", "division_code", "alleviated", "address", "_error"]
    assert rows(raw.frame, "_row", "household_id", "alleviated", "address") == [
        (2, "00123", "是", "张家村一组"),
        (3, "00124", "否", "李家村二组"),
    ]
    assert raw.frame["_error"].null_count() == 2
    assert raw.unknown_columns == [] and raw.missing_required == []


def test_frame_types_are_row_int64_and_text_everywhere_else(tmp_path):
    raw = read_table(write_text(tmp_path / "h.csv", csv_text(HOUSEHOLD_ROWS)), HOUSEHOLDS)
    assert raw.frame.schema["_row"] == pl.Int64
    assert all(dtype == pl.String for name, dtype in raw.frame.schema.items() if name != "_row")


def test_gbk_chinese_is_not_mistaken_for_utf8():
    data = "户编号,姓名\n1,张三丰\n".encode("gbk")
    assert detect_encoding(data) == "gb18030"
    assert detect_encoding("户编号,姓名\n".encode()) == "utf-8"
    assert detect_encoding(b"\xef\xbb\xbf" + "户编号".encode()) == "utf-8-sig"


@pytest.mark.parametrize(
    "data",
    [b"\xff\xfeh\x00i\x00", b"ab\x00cd", b"\x80\x80\xff\xff", b"\xef\xbb\xbf\xff\xfe"],
    ids=["utf16", "nul", "invalid", "bom-then-invalid"],
)
def test_undecodable_bytes_are_refused(data):
    with pytest.raises(EncodingError):
        detect_encoding(data)


def test_undecodable_file_is_a_file_encoding_error(tmp_path):
    path = write_random_bytes(tmp_path / "households.csv")
    with pytest.raises(FileReadError) as info:
        read_table(path, HOUSEHOLDS)
    assert info.value.code == "FILE_ENCODING" and info.value.path == path


def test_leading_zeros_and_long_codes_stay_text(tmp_path, parser):
    text = csv_text(
        [
            ["户编号", "统计截止月份", "工资性收入"],
            ["00123", "2024-06", "0012.50"],
            ["007", "2024-06", "1e3"],
        ]
    )
    raw = read_table(write_text(tmp_path / "income.csv", text), INCOME)
    assert rows(raw.frame, "household_id", "period_end", "wage") == [
        ("00123", "2024-06", "0012.50"),
        ("007", "2024-06", "1e3"),
    ]


def test_ragged_rows_are_kept_and_marked(tmp_path, parser):
    text = csv_text(
        [
            ["户编号", "行政区划代码", "是否脱贫户"],
            ["001", "330102001001", "是"],
            ["002", "330102001001"],
            ["003", "330102001001", "否", "多余", "两格"],
            ["004", "330102001001", "否", ""],
        ]
    )
    raw = read_table(write_text(tmp_path / "households.csv", text), HOUSEHOLDS)
    assert rows(raw.frame, "_row", "household_id", "alleviated", "_extra", "_error") == [
        (2, "001", "是", None, None),
        (3, "002", None, None, "FIELD_COUNT"),
        (4, "003", "否", "多余,两格", "FIELD_COUNT"),
        (5, "004", "否", None, None),  # an empty surplus cell is not worth rejecting a row
    ]
    assert raw.frame.columns[-2:] == ["_extra", "_error"]


def test_ragged_rows_among_quoted_fields(tmp_path, parser):
    text = (
        "户编号,行政区划代码,是否脱贫户,家庭住址\n"
        '"001","330102001001","是","A,B"\n'
        '"002","330102001001","否","C,D","多余"\n'
        '"003","330102001001"\n'
        '"004","330102001001","否",""\n'
    )
    raw = read_table(write_text(tmp_path / "households.csv", text), HOUSEHOLDS)
    assert rows(raw.frame, "_row", "household_id", "address", "_extra", "_error") == [
        (2, "001", "A,B", None, None),
        (3, "002", "C,D", "多余", "FIELD_COUNT"),
        (4, "003", None, None, "FIELD_COUNT"),
        (5, "004", None, None, None),
    ]


def test_quotes_inside_a_field_are_literal_as_in_the_csv_module(tmp_path, parser):
    text = '户编号,行政区划代码,是否脱贫户,家庭住址\n001,330102001001,是,王"老"屋\n002,3301,否,"张家"村\n'
    raw = read_table(write_text(tmp_path / "households.csv", text), HOUSEHOLDS)
    assert rows(raw.frame, "_row", "address", "_error") == [(2, '王"老"屋', None), (3, "张家村", None)]


def test_blank_lines_are_skipped_but_counted(tmp_path, parser):
    text = "户编号,行政区划代码,是否脱贫户\n\n001,330102001001,是\n,,\n \u3000 , ,\n\n002,330102001001,否\n\n"
    raw = read_table(write_text(tmp_path / "households.csv", text), HOUSEHOLDS)
    assert rows(raw.frame, "_row", "household_id") == [(3, "001"), (7, "002")]


def test_crlf_line_ends_and_missing_final_newline(tmp_path, parser):
    text = "户编号,行政区划代码,是否脱贫户\r\n001,330102001001,是\r\n002,330102001001,否"
    raw = read_table(write_text(tmp_path / "households.csv", text), HOUSEHOLDS)
    assert rows(raw.frame, "_row", "household_id", "alleviated") == [(2, "001", "是"), (3, "002", "否")]


def test_classic_mac_cr_line_ends(tmp_path, parser):
    text = "户编号,行政区划代码,是否脱贫户\r001,330102001001,是\r002,330102001001,否\r"
    raw = read_table(write_text(tmp_path / "households.csv", text), HOUSEHOLDS)
    assert rows(raw.frame, "_row", "household_id") == [(2, "001"), (3, "002")]


def test_quoted_fields_with_commas_quotes_and_newlines(tmp_path, parser):
    text = (
        "户编号,行政区划代码,是否脱贫户,家庭住址\n"
        '001,330102001001,是,"张家村, 一组"\n'
        '002,330102001001,否,"李家村\n二组 ""老屋"""\n'
        "003,330102001001,否,王家村\n"
    )
    raw = read_table(write_text(tmp_path / "households.csv", text), HOUSEHOLDS)
    assert rows(raw.frame, "_row", "household_id", "address") == [
        (2, "001", "张家村, 一组"),
        (3, "002", '李家村\n二组 "老屋"'),  # the record starts on line 3 …
        (5, "003", "王家村"),  # … and spans line 4, so the next one is line 5
    ]


def test_quoted_fields_on_single_lines_match_between_paths(tmp_path):
    text = '户编号,行政区划代码,是否脱贫户,家庭住址\n"001","330102001001","是","A,B"\n"002",330102001001,否,""\n'
    path = write_text(tmp_path / "households.csv", text)
    fast = read_table(path, HOUSEHOLDS).frame
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(csv_reader, "_read_fast", lambda body, layout: None)
        robust = read_table(path, HOUSEHOLDS).frame
    assert fast.equals(robust)
    assert rows(fast, "_row", "address") == [(2, "A,B"), (3, None)]


def test_title_and_note_rows_above_the_header(tmp_path, parser):
    text = csv_text(
        [
            ["某某村农户信息表", "", ""],
            ["填报单位：某某村委会（盖章）"],
            ["户编号", "行政区划代码", "是否脱贫户"],
            ["001", "330102001001", "是"],
        ]
    )
    raw = read_table(write_text(tmp_path / "households.csv", text), HOUSEHOLDS)
    assert raw.header_row == 3
    assert rows(raw.frame, "_row", "household_id") == [(4, "001")]


def test_tab_separated_text_file(tmp_path, parser):
    text = csv_text([["户编号", "行政区划代码", "是否脱贫户"], ["001", "330102001001", "是"]], delimiter="\t")
    raw = read_table(write_text(tmp_path / "households.txt", text), HOUSEHOLDS)
    assert rows(raw.frame, "_row", "household_id", "division_code") == [(2, "001", "330102001001")]


def test_cells_are_stripped_of_all_kinds_of_space_and_empty_is_null(tmp_path, parser):
    text = "户编号,行政区划代码,是否脱贫户,联系电话\n\u3000001\xa0, 330102001001 ,\u200b是,\u3000\n"
    raw = read_table(write_text(tmp_path / "households.csv", text), HOUSEHOLDS)
    assert rows(raw.frame, "household_id", "division_code", "alleviated", "phone") == [
        ("001", "330102001001", "是", None),
    ]


def test_unknown_columns_are_listed_and_dropped_missing_required_listed(tmp_path, parser):
    text = csv_text([["户编号", "备注", "姓名", "脱贫属性"], ["001", "无", "张三", "一般户"]])
    raw = read_table(write_text(tmp_path / "members.csv", text), MEMBERS)
    assert raw.unknown_columns == ["备注", "脱贫属性"]
    assert raw.missing_required == ["person_id", "relation"]
    assert raw.frame.columns == ["_row", "household_id", "name", "_error"]


def test_a_row_with_content_only_in_an_unknown_column_is_kept(tmp_path, parser):
    text = csv_text([["户编号", "姓名", "备注"], ["", "", "填表人：张三"]])
    raw = read_table(write_text(tmp_path / "members.csv", text), MEMBERS)
    assert rows(raw.frame, "_row", "household_id", "name") == [(2, None, None)]


def test_duplicate_columns_are_refused_naming_both_headers(tmp_path):
    text = csv_text([["户编号", "姓名", "户号"], ["001", "张三", "001"]])
    with pytest.raises(FileReadError) as info:
        read_table(write_text(tmp_path / "members.csv", text), MEMBERS)
    assert info.value.code == "FILE_DUPLICATE_COLUMN"
    assert "户编号" in info.value.message and "户号" in info.value.message


@pytest.mark.parametrize(
    "text",
    ["", "\n\n", "只是一段说明文字\n没有表头\n", "户编号\n001\n"],
    ids=["empty", "blank", "prose", "one-header-only"],
)
def test_no_recognisable_header(tmp_path, text):
    with pytest.raises(FileReadError) as info:
        read_table(write_text(tmp_path / "households.csv", text), HOUSEHOLDS)
    assert info.value.code == "FILE_NO_HEADER"
    assert "户编号" in info.value.message


def test_header_beyond_the_first_twenty_rows_is_not_searched(tmp_path):
    text = "说明\n" * 20 + csv_text(HOUSEHOLD_ROWS)
    with pytest.raises(FileReadError) as info:
        read_table(write_text(tmp_path / "households.csv", text), HOUSEHOLDS)
    assert info.value.code == "FILE_NO_HEADER"


def test_header_only_file_gives_an_empty_frame_with_the_columns(tmp_path, parser):
    raw = read_table(write_text(tmp_path / "households.csv", csv_text(HOUSEHOLD_ROWS[:1])), HOUSEHOLDS)
    assert raw.rows == 0
    assert raw.frame.columns == ["_row", "household_id", "division_code", "alleviated", "address", "_error"]
    assert raw.frame.schema["_row"] == pl.Int64


def test_trailing_empty_header_cells_do_not_make_rows_ragged(tmp_path, parser):
    text = "户编号,行政区划代码,是否脱贫户,,\n001,330102001001,是\n002,330102001001,否,,\n"
    raw = read_table(write_text(tmp_path / "households.csv", text), HOUSEHOLDS)
    assert rows(raw.frame, "_row", "household_id", "_error") == [(2, "001", None), (3, "002", None)]


def test_header_annotations_and_full_width_forms_are_recognised(tmp_path):
    header = ["＊户编号", "统计截止月份*", "工资性收入（元）", "Business_Net (元)", "ＰＲＯＰＥＲＴＹ"]
    text = csv_text([header, ["1", "2024-06", "1", "2", "3"]])
    raw = read_table(write_text(tmp_path / "income.csv", text), INCOME)
    expected = ["household_id", "period_end", "wage", "business_net", "property"]
    assert raw.frame.columns == ["_row", *expected, "_error"]


def test_many_regular_rows_keep_line_numbers(tmp_path, parser):
    body = [[f"{i:05d}", "330102001001", "是"] for i in range(500)]
    text = "标题\n" + csv_text([["户编号", "行政区划代码", "是否脱贫户"], *body])
    raw = read_table(write_text(tmp_path / "households.csv", text), HOUSEHOLDS)
    assert raw.rows == 500
    assert raw.frame["_row"].to_list() == list(range(3, 503))
    assert raw.frame["household_id"][499] == "00499"


def test_unterminated_quote_keeps_the_row_where_it_starts(tmp_path):
    text = '户编号,行政区划代码,是否脱贫户,家庭住址\n001,330102001001,是,"张家村\n002,3301,否,李家村\n'
    raw = read_table(write_text(tmp_path / "households.csv", text), HOUSEHOLDS)
    assert rows(raw.frame, "_row", "household_id", "_error") == [(2, "001", None)]
    assert raw.frame["address"][0].startswith("张家村\n002")


def test_stray_carriage_return_is_a_file_error_with_its_line(tmp_path):
    text = "户编号,行政区划代码,是否脱贫户\n001,330102001001,是\n002,33010\r2001001,否\n"
    with pytest.raises(FileReadError) as info:
        read_table(write_text(tmp_path / "households.csv", text), HOUSEHOLDS)
    assert info.value.code == "FILE_UNREADABLE" and "第 3 行" in info.value.message


def test_path_is_recorded(tmp_path: Path):
    path = write_text(tmp_path / "households.csv", csv_text(HOUSEHOLD_ROWS))
    assert read_table(path, HOUSEHOLDS).path == path
