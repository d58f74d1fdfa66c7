"""Excel (.xlsx/.xlsm) reading: the first sheet with a recognisable header, merged cells filled.

County spreadsheets merge 户编号 vertically over all member rows of a household and merge a title
across the top, so every cell of a merged range is given the range's top-left value. Within the
header row itself a horizontally merged header counts once (it is one column title, not two).

openpyxl (non-read-only, the only mode that reports merged ranges) is the reference reader, but
it is slow: about 14 s for a 100 000-row, 4 MB sheet, minutes and gigabytes at 50 MB. Files over
``OPENPYXL_MAX_BYTES`` are read by python-calamine (≈10× faster), which reports merged ranges
too; the tests run every Excel case through both back ends and require identical frames.

Values become text the way a user sees them: 3.0 → "3", 3.5 → "3.5", dates → "YYYY-MM-DD", and
an ID number Excel stored as a number → the integer's digits (Excel has already lost the digits
past the 15th; the importer rejects it, we do not guess).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Generator, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path

import polars as pl

from jingzhun.adapters.files.headers import (
    FILE_UNREADABLE,
    ROW,
    HeaderMatch,
    cell_column,
    find_header,
    missing_required,
    no_header_error,
    raise_for_duplicates,
    shape_frame,
)
from jingzhun.adapters.files.raw import FileReadError, RawTable
from jingzhun.domain.exchange import Table

OPENPYXL_MAX_BYTES = 5 * 1024 * 1024
_OLE_MAGIC = b"\xd0\xcf\x11\xe0"  # legacy .xls, or an encrypted (password-protected) .xlsx


@dataclass(slots=True)
class Grid:
    """One sheet as rows of Python values; ``rows[i]`` is sheet row ``i + 1``, merges filled."""

    name: str
    rows: list[list[object]]
    continuations: set[tuple[int, int]] = field(default_factory=set)  # horizontal merge tails

    def fill(self, top: int, left: int, bottom: int, right: int) -> None:
        """Copy the top-left value over a merged range (0-based, inclusive), clipped to the data."""
        if top >= len(self.rows):
            return
        row = self.rows[top]
        value = row[left] if left < len(row) else None
        for r in range(top, min(bottom, len(self.rows) - 1) + 1):
            cells = self.rows[r]
            if len(cells) <= right:
                cells.extend([None] * (right + 1 - len(cells)))
            for c in range(left, right + 1):
                cells[c] = value
                if r == top and c != left:
                    self.continuations.add((r, c))

    def header_candidates(self) -> Iterator[list[str | None]]:
        """Rows as text for header search; horizontal merge tails blanked so they count once."""
        for r, row in enumerate(self.rows):
            yield [None if (r, c) in self.continuations else cell_text(v) for c, v in enumerate(row)]


def _float_text(value: float) -> str:
    if not math.isfinite(value):
        return str(value)
    text = format(Decimal(repr(value)), "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def cell_text(value: object) -> str | None:
    """A cell value as the text a user sees; None stays None (empty cell)."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return _float_text(value)
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time() else value.isoformat(sep=" ")
    if isinstance(value, date | time):
        return value.isoformat()
    if isinstance(value, timedelta):
        return str(value)
    return str(value)


def _openpyxl_grids(path: Path) -> Generator[Grid, None, None]:
    from openpyxl import load_workbook

    with warnings.catch_warnings():  # unsupported extensions etc. are harmless for reading values
        warnings.simplefilter("ignore")
        workbook = load_workbook(path, read_only=False, data_only=True)
    try:
        for sheet in workbook.worksheets:
            rows = sheet.iter_rows(min_row=1, min_col=1, values_only=True)
            grid = Grid(sheet.title, [list(row) for row in rows])
            for merged in sheet.merged_cells.ranges:
                grid.fill(merged.min_row - 1, merged.min_col - 1, merged.max_row - 1, merged.max_col - 1)
            yield grid
    finally:
        workbook.close()


def _calamine_grids(path: Path) -> Generator[Grid, None, None]:
    from python_calamine import CalamineWorkbook, SheetTypeEnum

    workbook = CalamineWorkbook.from_path(str(path))
    try:
        for meta in workbook.sheets_metadata:
            if meta.typ != SheetTypeEnum.WorkSheet:
                continue  # chart sheets hold no cells (openpyxl's ``worksheets`` skips them too)
            name = meta.name
            sheet = workbook.get_sheet_by_name(name)
            values = sheet.to_python(skip_empty_area=False)
            rows: list[list[object]] = [[None if v == "" else v for v in row] for row in values]
            grid = Grid(name, rows)
            for (top, left), (bottom, right) in sheet.merged_cell_ranges or []:
                grid.fill(top, left, bottom, right)
            yield grid
    finally:
        workbook.close()


def _raw_frame(grid: Grid, match: HeaderMatch) -> pl.DataFrame:
    width = match.width
    start = match.row_index + 1
    columns: list[list[str | None]] = [[] for _ in range(width)]
    for row in grid.rows[start:]:
        for i, column in enumerate(columns):
            column.append(cell_text(row[i]) if i < len(row) else None)
    data: dict[str, pl.Series] = {
        ROW: pl.Series(ROW, range(start + 1, len(grid.rows) + 1), dtype=pl.Int64),
    }
    data.update({cell_column(i): pl.Series(values, dtype=pl.String) for i, values in enumerate(columns)})
    return pl.DataFrame(data)


def _first_matching(grids: Iterator[Grid], table: Table) -> tuple[Grid, HeaderMatch] | None:
    for grid in grids:
        match = find_header(grid.header_candidates(), table)
        if match is not None:
            return grid, match
    return None


def _unreadable(path: Path, exc: Exception | None = None) -> FileReadError:
    with path.open("rb") as handle:
        magic = handle.read(4)
    if magic == _OLE_MAGIC:
        message = "文件是旧版 .xls 格式或设置了打开密码，请在 Excel 中取消密码并另存为 .xlsx"
    else:
        message = "文件不是有效的 Excel（.xlsx）文件，可能已损坏或只是改了扩展名"
    detail = f"（{type(exc).__name__}: {exc}）" if exc is not None else ""
    return FileReadError(path, FILE_UNREADABLE, message + detail)


def read_xlsx(path: Path, table: Table) -> RawTable:
    """Read the first sheet whose first 20 rows contain a header for ``table``."""
    big = path.stat().st_size > OPENPYXL_MAX_BYTES
    grids = _calamine_grids(path) if big else _openpyxl_grids(path)
    try:
        found = _first_matching(grids, table)
    except MemoryError:
        raise
    except Exception as exc:  # third-party parsers raise many types on damaged or foreign files
        raise _unreadable(path, exc) from exc
    finally:
        grids.close()
    if found is None:
        raise no_header_error(path, table, where="所有工作表的")
    grid, match = found
    raise_for_duplicates(path, match, match.row_index + 1, table)
    return RawTable(
        table=table.name,
        path=path,
        frame=shape_frame(_raw_frame(grid, match), match, table),
        sheet=grid.name,
        header_row=match.row_index + 1,
        unknown_columns=match.unknown,
        missing_required=missing_required(match, table),
    )
