"""Build the awkward files county offices really send, in ``tmp_path`` (no binary fixtures in git)."""

from __future__ import annotations

import random
import zipfile
from collections.abc import Sequence
from pathlib import Path

from openpyxl import Workbook
from openpyxl.chart import BarChart, Reference

Cell = object


def write_text(path: Path, text: str, encoding: str = "utf-8", bom: bool = False) -> Path:
    """Write ``text`` exactly (no newline translation) in ``encoding``, optionally with a UTF-8 BOM."""
    data = text.encode(encoding)
    path.write_bytes(b"\xef\xbb\xbf" + data if bom else data)
    return path


def csv_text(rows: Sequence[Sequence[str]], newline: str = "\n", delimiter: str = ",") -> str:
    """Plain CSV without quoting (tests that need quotes write the text by hand)."""
    return "".join(delimiter.join(row) + newline for row in rows)


def write_xlsx(
    path: Path,
    sheets: dict[str, Sequence[Sequence[Cell]]],
    merges: dict[str, Sequence[str]] | None = None,
    chart_sheet_first: bool = False,
) -> Path:
    """One workbook; ``sheets`` maps sheet title → rows (starting at A1), ``merges`` → ranges."""
    workbook = Workbook()
    workbook.remove(workbook.active)
    for title, rows in sheets.items():
        sheet = workbook.create_sheet(title)
        for row in rows:
            sheet.append(list(row))
        for merged in (merges or {}).get(title, ()):
            sheet.merge_cells(merged)
    if chart_sheet_first:  # openpyxl cannot read back an empty chart sheet: give it a chart
        chart = BarChart()
        chart.add_data(Reference(workbook.worksheets[0], min_col=1, min_row=1, max_row=2))
        workbook.create_chartsheet("图表", 0).add_chart(chart)
    workbook.save(path)
    return path


def write_random_bytes(path: Path, size: int = 4096, seed: int = 1) -> Path:
    path.write_bytes(random.Random(seed).randbytes(size))
    return path


def write_foreign_zip(path: Path) -> Path:
    """A valid zip that is not an Excel workbook (what a renamed .zip or .docx looks like)."""
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("readme.txt", "not a workbook")
    return path


def write_ole_header(path: Path) -> Path:
    """Starts like a legacy .xls / encrypted .xlsx (OLE compound file), then garbage."""
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(512))
    return path
