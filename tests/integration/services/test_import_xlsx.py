"""A county spreadsheet as cadres make them: title row, merged 户编号 cells, Chinese headers."""

from __future__ import annotations

from pathlib import Path

import polars as pl
from openpyxl import Workbook

from jingzhun.services.importer import run_import

from .helpers import read_csv, synthetic_registry

HEADERS = {
    "person_id": "公民身份号码",
    "household_id": "户编号",
    "name": "姓名",
    "relation": "与户主关系",
    "health": "健康状况",
    "labor_capacity": "劳动技能",
    "schooling": "在校情况",
    "work_months": "务工月数",
}
RELATION_ZH = {
    "head": "户主",
    "spouse": "配偶",
    "child": "子女",
    "parent": "父母",
    "grandchild": "孙子女",
    "sibling": "兄弟姐妹",
    "other": "其他",
}


def write_merged_members(members: pl.DataFrame, path: Path) -> None:
    wb = Workbook()
    ws = wb.active
    ws.append(["元谋县家庭成员信息表"])
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(HEADERS))
    ws.append(list(HEADERS.values()))
    row = 3
    for (household_id,), group in members.group_by("household_id", maintain_order=True):
        first = row
        for rec in group.iter_rows(named=True):
            ws.append(
                [
                    rec["person_id"],
                    household_id if row == first else None,
                    rec["name"],
                    RELATION_ZH[rec["relation"]],
                    rec["health"],
                    rec["labor_capacity"],
                    rec["schooling"],
                    int(rec["work_months"]),
                ]
            )
            row += 1
        if row - 1 > first:
            ws.merge_cells(start_row=first, start_column=2, end_row=row - 1, end_column=2)
    wb.save(path)


def test_a_merged_cell_xlsx_imports_every_member_into_its_household(engine, tmp_path):
    src = synthetic_registry(tmp_path / "reg", households=25)
    reg = src / "registry"
    members = read_csv(reg / "members.csv")
    (reg / "members.csv").unlink()
    write_merged_members(members, reg / "家庭成员.xlsx")
    report = run_import(src, engine)
    info = next(f for f in report.files if f.table == "members")
    assert info.header_row == 2 and info.sheet is not None
    assert report.tables["members"].rejected == 0, report.rejects
    assert report.tables["members"].inserted == members.height
