"""Parquet reading, suffix dispatch and the choice of table files in a registry directory."""

from __future__ import annotations

from datetime import date, datetime

import polars as pl
import pytest

from jingzhun.adapters.files.raw import FileReadError
from jingzhun.adapters.files.readers import find_table_files, read_table
from jingzhun.domain.exchange import CONDITIONS, HOUSEHOLDS, INCOME, MEMBERS

from .file_builders import csv_text, write_random_bytes, write_text, write_xlsx


def test_parquet_round_trip_casts_every_type_to_text(tmp_path):
    source = pl.DataFrame(
        {
            "household_id": ["00123", "00124", None],
            "housing_safe": [True, False, None],
            "water_safe": [1, 0, None],
            "assessed_on": [date(2024, 3, 1), date(2024, 3, 2), None],
            "note": ["a", "b", "c"],
        }
    )
    path = tmp_path / "conditions.parquet"
    source.write_parquet(path)
    raw = read_table(path, CONDITIONS)
    assert raw.encoding is None and raw.sheet is None and raw.header_row == 1
    assert raw.unknown_columns == ["note"] and raw.missing_required == []
    expected = ["household_id", "housing_safe", "water_safe", "assessed_on"]
    assert raw.frame.columns == ["_row", *expected, "_error"]
    assert raw.frame.rows() == [
        (2, "00123", "true", "1", "2024-03-01", None),
        (3, "00124", "false", "0", "2024-03-02", None),
        (4, None, None, None, None, None),  # kept: its unknown column is not empty
    ]


def test_parquet_floats_and_datetimes_read_like_excel(tmp_path):
    source = pl.DataFrame(
        {
            "户编号": ["1", "2"],
            "统计截止月份": ["2024-06", "2024-06"],
            "wage": [3.0, 3.5],
            "business_net": [datetime(2024, 1, 1), datetime(2024, 1, 1, 8, 30)],
        }
    )
    path = tmp_path / "income.parquet"
    source.write_parquet(path)
    raw = read_table(path, INCOME)
    assert raw.frame.select("_row", "household_id", "wage", "business_net").rows() == [
        (2, "1", "3", "2024-01-01"),
        (3, "2", "3.5", "2024-01-01 08:30:00"),
    ]


def test_parquet_blank_rows_are_dropped(tmp_path):
    path = tmp_path / "households.parquet"
    pl.DataFrame({"household_id": ["1", None, "3"], "alleviated": ["是", None, "否"]}).write_parquet(path)
    raw = read_table(path, HOUSEHOLDS)
    assert raw.frame.select("_row", "household_id").rows() == [(2, "1"), (4, "3")]
    assert raw.missing_required == ["division_code"]


def test_parquet_without_known_columns_or_with_duplicates(tmp_path):
    path = tmp_path / "households.parquet"
    pl.DataFrame({"x": [1], "y": [2]}).write_parquet(path)
    with pytest.raises(FileReadError) as info:
        read_table(path, HOUSEHOLDS)
    assert info.value.code == "FILE_NO_HEADER"
    pl.DataFrame({"household_id": ["1"], "户编号": ["1"]}).write_parquet(path)
    with pytest.raises(FileReadError) as info:
        read_table(path, HOUSEHOLDS)
    assert info.value.code == "FILE_DUPLICATE_COLUMN"


def test_damaged_parquet_is_unreadable(tmp_path):
    with pytest.raises(FileReadError) as info:
        read_table(write_random_bytes(tmp_path / "households.parquet"), HOUSEHOLDS)
    assert info.value.code == "FILE_UNREADABLE"


@pytest.mark.parametrize("name", ["households.xls", "households.json", "households"])
def test_unsupported_suffix_is_a_file_type_error(tmp_path, name):
    path = write_text(tmp_path / name, "x")
    with pytest.raises(FileReadError) as info:
        read_table(path, HOUSEHOLDS)
    assert info.value.code == "FILE_TYPE"


def test_xls_suffix_suggests_saving_as_xlsx(tmp_path):
    with pytest.raises(FileReadError) as info:
        read_table(write_text(tmp_path / "households.xls", "x"), HOUSEHOLDS)
    assert ".xlsx" in info.value.message


def test_missing_file_is_unreadable(tmp_path):
    with pytest.raises(FileReadError) as info:
        read_table(tmp_path / "households.csv", HOUSEHOLDS)
    assert info.value.code == "FILE_UNREADABLE"


def test_suffix_dispatch_is_case_insensitive(tmp_path):
    path = write_text(tmp_path / "HOUSEHOLDS.CSV", csv_text([["户编号", "是否脱贫户"], ["1", "是"]]))
    assert read_table(path, HOUSEHOLDS).rows == 1


def test_find_table_files_by_name_label_and_split_parts(tmp_path):
    wanted_households = ["households.csv", "农户信息.xlsx", "households.parquet"]
    wanted_members = ["members.csv", "members_2.csv", "members_10.csv", "members-part1.csv", "家庭成员_续.xlsx"]
    ignored = [
        "notes.txt",
        "householdsX.csv",
        "households.docx",
        "~$households.xlsx",
        ".members.csv",
        "member.csv",
        "income.csv",
    ]
    for name in wanted_households + wanted_members + ignored:
        write_text(tmp_path / name, "x")
    (tmp_path / "members_dir.csv").mkdir()
    households = [p.name for p in find_table_files(tmp_path, HOUSEHOLDS)]
    members = [p.name for p in find_table_files(tmp_path, MEMBERS)]
    assert sorted(households) == sorted(wanted_households)
    assert sorted(members) == sorted(wanted_members)
    assert members.index("members_2.csv") < members.index("members_10.csv")  # natural order
    assert find_table_files(tmp_path, MEMBERS) == find_table_files(tmp_path, MEMBERS)


def test_find_table_files_in_a_missing_directory(tmp_path):
    with pytest.raises(FileReadError):
        find_table_files(tmp_path / "nope", HOUSEHOLDS)


def test_found_files_read_as_one_table(tmp_path):
    header = ["户编号", "行政区划代码", "是否脱贫户"]
    write_text(tmp_path / "households.csv", csv_text([header, ["1", "330102001001", "是"]]))
    write_xlsx(tmp_path / "农户信息.xlsx", {"S": [header, ["2", "330102001001", "否"]]})
    frames = [read_table(p, HOUSEHOLDS).frame for p in find_table_files(tmp_path, HOUSEHOLDS)]
    assert sorted(pl.concat(frames)["household_id"].to_list()) == ["1", "2"]
