"""XLSX reading: title rows, merged cells, Excel value types, sheet choice and damaged files."""

from __future__ import annotations

from datetime import date, datetime, time

import pytest

from jingzhun.adapters.files import xlsx_reader
from jingzhun.adapters.files.raw import FileReadError
from jingzhun.adapters.files.readers import read_table
from jingzhun.adapters.files.xlsx_reader import cell_text
from jingzhun.domain.exchange import CONDITIONS, MEMBERS

from .file_builders import write_foreign_zip, write_ole_header, write_random_bytes, write_xlsx

MEMBER_HEADER = ["户编号", "姓名", "公民身份号码", "与户主关系"]


def county_members(path):
    """A typical village sheet: merged title, a note, 户编号 merged over each household's members."""
    rows = [
        ["某某村家庭成员信息表", None, None, None],
        ["填报日期：2024年6月", None, None, None],
        MEMBER_HEADER,
        ["H001", "张大", "330102196001011234", "户主"],
        [None, "李二", "330102196202021234", "配偶"],
        [None, "张三", "330102199003031234", "子女"],
        ["H002", "王五", "330102197004041234", "户主"],
    ]
    return write_xlsx(path, {"成员": rows}, {"成员": ["A1:D1", "A4:A6"]})


@pytest.fixture(params=["openpyxl", "calamine"])
def engine(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Both Excel back ends must give the same frame (calamine is used for very large files)."""
    if request.param == "calamine":
        monkeypatch.setattr(xlsx_reader, "OPENPYXL_MAX_BYTES", 0)
    return str(request.param)


def test_merged_household_id_reaches_every_member_row(tmp_path, engine):
    raw = read_table(county_members(tmp_path / "members.xlsx"), MEMBERS)
    assert raw.sheet == "成员" and raw.header_row == 3 and raw.encoding is None
    assert raw.frame.select("_row", "household_id", "name").rows() == [
        (4, "H001", "张大"),
        (5, "H001", "李二"),
        (6, "H001", "张三"),
        (7, "H002", "王五"),
    ]
    assert raw.missing_required == [] and raw.frame["_error"].null_count() == raw.rows


def test_excel_values_become_the_text_a_user_sees(tmp_path, engine):
    rows = [
        ["户编号", "住房安全", "饮水安全", "评估日期"],
        [3.0, True, 1, date(2024, 3, 1)],
        [3.5, False, 0, datetime(2024, 3, 2, 0, 0)],
        [3.30102199001011e17, "是", "否", datetime(2024, 3, 3, 8, 30)],  # an ID typed as a number
    ]
    raw = read_table(write_xlsx(tmp_path / "conditions.xlsx", {"Sheet1": rows}), CONDITIONS)
    assert raw.frame.select("household_id", "housing_safe", "water_safe", "assessed_on").rows() == [
        ("3", "true", "1", "2024-03-01"),
        ("3.5", "false", "0", "2024-03-02"),
        ("330102199001011000", "是", "否", "2024-03-03 08:30:00"),
    ]


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (None, None),
        (3.0, "3"),
        (-0.0, "0"),
        (3.5, "3.5"),
        (0.1 + 0.2, "0.30000000000000004"),
        (3.30102199001011e17, "330102199001011000"),  # Excel kept 15 digits: what it displays
        (12, "12"),
        (True, "true"),
        (date(2024, 1, 31), "2024-01-31"),
        (datetime(2024, 1, 31), "2024-01-31"),
        (time(8, 5), "08:05:00"),
        ("00123", "00123"),
    ],
)
def test_cell_text(value, text):
    assert cell_text(value) == text


def test_numeric_id_cell_is_kept_as_integer_text_not_fixed(tmp_path):
    rows = [MEMBER_HEADER, ["H001", "张大", 3.30102196001011e17, "户主"]]
    raw = read_table(write_xlsx(tmp_path / "members.xlsx", {"S": rows}), MEMBERS)
    assert raw.frame["person_id"].to_list() == ["330102196001011000"]


def test_xlsm_is_read_like_xlsx(tmp_path):
    path = write_xlsx(tmp_path / "members.xlsm", {"S": [MEMBER_HEADER, ["H001", "张大", "1", "户主"]]})
    assert read_table(path, MEMBERS).frame["household_id"].to_list() == ["H001"]


def test_first_sheet_with_a_header_is_chosen(tmp_path, engine):
    sheets = {
        "填表说明": [["本表由村委会填写"], ["户编号为 12 位"]],
        "成员": [MEMBER_HEADER, ["H001", "张大", "330102196001011234", "户主"]],
        "成员（旧）": [MEMBER_HEADER, ["OLD", "旧", "x", "户主"]],
    }
    raw = read_table(write_xlsx(tmp_path / "members.xlsx", sheets), MEMBERS)
    assert raw.sheet == "成员" and raw.header_row == 1
    assert raw.frame["household_id"].to_list() == ["H001"]


def test_chart_sheets_are_passed_over(tmp_path, engine):
    sheets = {"成员": [MEMBER_HEADER, ["H001", "张大", "1", "户主"]]}
    raw = read_table(write_xlsx(tmp_path / "members.xlsx", sheets, chart_sheet_first=True), MEMBERS)
    assert raw.sheet == "成员" and raw.rows == 1


def test_blank_sheet_rows_are_skipped_and_numbers_are_sheet_rows(tmp_path, engine):
    rows = [
        MEMBER_HEADER,
        ["H001", "张大", "1", "户主"],
        [None, None, None, None],
        [" ", "\u3000", None, None],
        ["H002", "王五", "2", "户主"],
    ]
    raw = read_table(write_xlsx(tmp_path / "members.xlsx", {"S": rows}), MEMBERS)
    assert raw.frame.select("_row", "household_id").rows() == [(2, "H001"), (5, "H002")]


def test_horizontally_merged_header_counts_once(tmp_path, engine):
    rows = [
        ["户编号", "姓名", None, "公民身份号码", "与户主关系"],
        ["H001", "张大", "（曾用名）", "1", "户主"],
    ]
    path = write_xlsx(tmp_path / "members.xlsx", {"S": rows}, {"S": ["B1:C1"]})
    raw = read_table(path, MEMBERS)
    assert raw.frame.select("household_id", "name", "person_id").rows() == [("H001", "张大", "1")]


def test_two_level_header_with_vertical_merge(tmp_path, engine):
    rows = [
        ["户编号", "成员信息", None, None],
        [None, "姓名", "公民身份号码", "与户主关系"],
        ["H001", "张大", "1", "户主"],
    ]
    path = write_xlsx(tmp_path / "members.xlsx", {"S": rows}, {"S": ["A1:A2", "B1:D1"]})
    raw = read_table(path, MEMBERS)
    assert raw.header_row == 2 and raw.missing_required == []
    assert raw.frame.select("_row", "household_id", "name").rows() == [(3, "H001", "张大")]


def test_unknown_and_missing_columns_in_a_sheet(tmp_path):
    rows = [["户编号", "姓名", "备注"], ["H001", "张大", "无"]]
    raw = read_table(write_xlsx(tmp_path / "members.xlsx", {"S": rows}), MEMBERS)
    assert raw.unknown_columns == ["备注"]
    assert raw.missing_required == ["person_id", "relation"]


def test_duplicate_columns_in_a_sheet_are_refused(tmp_path):
    rows = [["户编号", "姓名", "身份证号", "证件号码"], ["H001", "张大", "1", "1"]]
    with pytest.raises(FileReadError) as info:
        read_table(write_xlsx(tmp_path / "members.xlsx", {"S": rows}), MEMBERS)
    assert info.value.code == "FILE_DUPLICATE_COLUMN"
    assert "身份证号" in info.value.message and "证件号码" in info.value.message


def test_no_sheet_has_a_header(tmp_path):
    path = write_xlsx(tmp_path / "members.xlsx", {"A": [["说明"]], "B": [["x", "y"]]})
    with pytest.raises(FileReadError) as info:
        read_table(path, MEMBERS)
    assert info.value.code == "FILE_NO_HEADER"


@pytest.mark.parametrize("build", [write_random_bytes, write_foreign_zip, write_ole_header])
def test_damaged_or_foreign_workbooks_are_unreadable(tmp_path, engine, build):
    path = build(tmp_path / "members.xlsx")
    with pytest.raises(FileReadError) as info:
        read_table(path, MEMBERS)
    assert info.value.code == "FILE_UNREADABLE"


def test_legacy_or_encrypted_workbook_gets_a_helpful_message(tmp_path):
    with pytest.raises(FileReadError) as info:
        read_table(write_ole_header(tmp_path / "members.xlsx"), MEMBERS)
    assert ".xls" in info.value.message and "密码" in info.value.message
