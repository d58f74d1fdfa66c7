"""Entry points for reading registry and feed files: pick the files, pick the reader, get a RawTable.

Every reader returns the same layout (see :class:`RawTable` and ``headers.shape_frame``): ``_row``
(Int64, the row a user would point at), the recognised canonical columns as stripped text with
empty cells as null, ``_extra`` only for CSV rows with surplus cells, and ``_error`` (null, or
"FIELD_COUNT" for a CSV row with the wrong number of fields). Readers never judge values — that
is the importer's job — and never drop a non-blank row, so every row can be accounted for.

Row numbers: CSV — the physical line where the record starts (header line included, blank lines
counted), as an editor shows it; XLSX — the sheet row; Parquet has no rows to point at, so
``_row`` is the 1-based data row index + 1, as if the file had a header row like a CSV export.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from datetime import time
from pathlib import Path

import polars as pl

from jingzhun.adapters.files.csv_reader import detect_encoding, read_csv
from jingzhun.adapters.files.headers import (
    FIELD_COUNT,
    FILE_DUPLICATE_COLUMN,
    FILE_ENCODING,
    FILE_NO_HEADER,
    FILE_TYPE,
    FILE_UNREADABLE,
    ROW,
    cell_column,
    match_header,
    missing_required,
    no_header_error,
    qualifies,
    raise_for_duplicates,
    shape_frame,
)
from jingzhun.adapters.files.raw import FileReadError, RawTable
from jingzhun.adapters.files.xlsx_reader import read_xlsx
from jingzhun.domain.exchange import Table

__all__ = [
    "FIELD_COUNT",
    "FILE_DUPLICATE_COLUMN",
    "FILE_ENCODING",
    "FILE_NO_HEADER",
    "FILE_TYPE",
    "FILE_UNREADABLE",
    "SUFFIXES",
    "detect_encoding",
    "find_table_files",
    "read_parquet",
    "read_table",
]

_SPLIT_SEPARATORS = ("_", "-", ".", " ")
_DIGITS = re.compile(r"(\d+)")


def _text(name: str, dtype: pl.DataType) -> pl.Expr | None:
    """Expression turning a typed Parquet column into the text a CSV would hold; None if nested."""
    col = pl.col(name)
    if dtype == pl.String:
        return col
    if dtype == pl.Boolean:
        return pl.when(col).then(pl.lit("true")).when(~col).then(pl.lit("false"))
    if dtype.is_integer() or dtype in (pl.Null, pl.Categorical) or isinstance(dtype, pl.Decimal | pl.Enum):
        return col.cast(pl.String)
    if dtype.is_float():
        exact = col.is_finite() & (col == col.round()) & (col.abs() < 2.0**53)
        return pl.when(exact).then(col.cast(pl.Int64).cast(pl.String)).otherwise(col.cast(pl.String))
    if dtype == pl.Date:
        return col.dt.to_string("%Y-%m-%d")
    if isinstance(dtype, pl.Datetime):
        midnight = col.dt.time() == pl.lit(time())
        day, moment = col.dt.to_string("%Y-%m-%d"), col.dt.to_string("%Y-%m-%d %H:%M:%S")
        return pl.when(midnight).then(day).otherwise(moment)
    if dtype == pl.Time:
        return col.dt.to_string("%H:%M:%S")
    return None


def read_parquet(path: Path, table: Table) -> RawTable:
    """Read a Parquet file; column names are matched like CSV headers, values cast to text."""
    try:
        source = pl.read_parquet(path)
    except Exception as exc:  # polars raises several error types for damaged files
        raise FileReadError(path, FILE_UNREADABLE, f"不是有效的 Parquet 文件（{exc}）") from exc
    match = match_header(source.columns, table)
    if not qualifies(match, table):
        raise no_header_error(path, table)
    raise_for_duplicates(path, match, 1, table)
    wanted = set(match.positions.values())
    cells: list[pl.Expr] = []
    for i, (name, dtype) in enumerate(source.schema.items()):
        expr = _text(name, dtype)
        if expr is None and i in wanted:
            message = f"列“{name}”的类型 {dtype} 不能作为文本读取"
            raise FileReadError(path, FILE_UNREADABLE, message)
        if expr is None:  # an unrecognised nested column only matters for "is the row blank?"
            expr = pl.when(pl.col(name).is_not_null()).then(pl.lit("?"))
        cells.append(expr.cast(pl.String).alias(cell_column(i)))
    raw = source.select(cells).with_row_index(ROW, offset=2).with_columns(pl.col(ROW).cast(pl.Int64))
    return RawTable(
        table=table.name,
        path=path,
        frame=shape_frame(raw, match, table),
        unknown_columns=match.unknown,
        missing_required=missing_required(match, table),
    )


Reader = Callable[[Path, Table], RawTable]
SUFFIXES: dict[str, Reader] = {
    ".csv": read_csv,
    ".txt": read_csv,
    ".xlsx": read_xlsx,
    ".xlsm": read_xlsx,
    ".parquet": read_parquet,
}


def read_table(path: Path, table: Table) -> RawTable:
    """Read one registry or feed file; raises FileReadError for whole-file problems."""
    suffix = path.suffix.lower()
    reader = SUFFIXES.get(suffix)
    if reader is None:
        hint = "；.xls 请在 Excel 中另存为 .xlsx" if suffix == ".xls" else ""
        message = f"不支持的文件类型“{path.suffix}”：请使用 CSV、XLSX 或 Parquet{hint}"
        raise FileReadError(path, FILE_TYPE, message)
    if not path.is_file():
        raise FileReadError(path, FILE_UNREADABLE, "文件不存在或不是普通文件")
    try:
        return reader(path, table)
    except OSError as exc:
        raise FileReadError(path, FILE_UNREADABLE, f"无法读取文件：{exc.strerror or exc}") from exc


def _stem_matches(stem: str, table: Table) -> bool:
    key = unicodedata.normalize("NFKC", stem).strip().casefold()
    for base in (table.name.casefold(), unicodedata.normalize("NFKC", table.label).casefold()):
        if key == base or any(key.startswith(base + sep) for sep in _SPLIT_SEPARATORS):
            return True
    return False


def _natural_key(name: str) -> tuple[tuple[int, int | str], ...]:
    """members_2 before members_10: digit runs compare as numbers."""
    return tuple((0, int(part)) if part.isdigit() else (1, part) for part in _DIGITS.split(name) if part)


def find_table_files(directory: Path, table: Table) -> list[Path]:
    """Files in ``directory`` holding ``table``: ``households.csv``, ``农户信息.xlsx``, ``members_2.csv``.

    A stem is the table name or its Chinese label, optionally followed by a separator
    (``_ - . space``) and anything, so a big table may be split over several files. Hidden files
    and Excel lock files (``~$…``) are skipped. Order: natural sort by file name.
    """
    if not directory.is_dir():
        raise FileReadError(directory, FILE_UNREADABLE, "目录不存在")
    found = [
        path
        for path in directory.iterdir()
        if path.is_file()
        and not path.name.startswith((".", "~$"))
        and path.suffix.lower() in SUFFIXES
        and _stem_matches(path.stem, table)
    ]
    return sorted(found, key=lambda p: (_natural_key(p.name.casefold()), p.name))
