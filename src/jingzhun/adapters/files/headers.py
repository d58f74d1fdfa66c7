"""Header recognition and output shaping shared by every reader.

County files rarely start with their header: a merged title row ("XX村农户信息表") and notes come
first, and headers carry annotations ("工资性收入（元）", "*姓名"), full-width characters and stray
spaces. Every reader hands its first rows to :func:`find_header` and its cells, still raw text, to
:func:`shape_frame`, so a CSV, an Excel sheet and a Parquet file are mapped and cleaned by exactly
the same rules and the importer sees one frame layout whatever the source.

Only the annotations "(元)" and "*" are stripped from headers. A general "drop anything in
brackets" rule would map "工资性收入（万元）" onto ``wage`` and silently multiply amounts by 10 000.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import polars as pl

from jingzhun.adapters.files.raw import FileReadError
from jingzhun.domain.exchange import Table

# Error codes carried by FileReadError (whole-file problems; row problems are the importer's).
FILE_UNREADABLE = "FILE_UNREADABLE"
FILE_ENCODING = "FILE_ENCODING"
FILE_NO_HEADER = "FILE_NO_HEADER"
FILE_TYPE = "FILE_TYPE"
FILE_DUPLICATE_COLUMN = "FILE_DUPLICATE_COLUMN"
FIELD_COUNT = "FIELD_COUNT"  # row-level marker in the ``_error`` column

HEADER_SCAN_ROWS = 20

# Unicode White_Space plus the zero-width characters that Excel and Windows editors leave behind.
WHITESPACE = (
    " \t\n\r\x0b\x0c\x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009"
    "\u200a\u200b\u2028\u2029\u202f\u205f\u3000\ufeff"
)
_INVISIBLE = re.compile(f"[{re.escape(WHITESPACE)}]+")
_YUAN = "(元)"  # NFKC turns "（元）" into this

ROW = "_row"
EXTRA = "_extra"
ERROR = "_error"


def cell_column(index: int) -> str:
    """Name of the raw frame column holding the cells at 0-based position ``index``."""
    return f"_c{index}"


def normalise_header(text: str) -> str:
    """Comparison key of a header: NFKC, no whitespace, case-folded, without "(元)" and "*"."""
    key = _INVISIBLE.sub("", unicodedata.normalize("NFKC", text)).casefold()
    while True:
        trimmed = key.strip("*")
        if trimmed.endswith(_YUAN):
            trimmed = trimmed[: -len(_YUAN)]
        if trimmed == key:
            return key
        key = trimmed


@cache
def alias_index(table: Table) -> dict[str, str]:
    """Normalised header → canonical column name, for the canonical names and every alias."""
    index: dict[str, str] = {}
    for column in table.columns:
        for name in (column.name, *column.aliases):
            index.setdefault(normalise_header(name), column.name)
    return index


@dataclass(frozen=True, slots=True)
class Duplicate:
    canonical: str
    first: str
    first_index: int  # 0-based cell position
    second: str
    second_index: int


@dataclass(slots=True)
class HeaderMatch:
    """How one row's cells map onto a table's canonical columns."""

    row_index: int  # 0-based position of the header among the rows scanned
    cells: list[str | None]
    positions: dict[str, int] = field(default_factory=dict)  # canonical name → cell position
    unknown: list[str] = field(default_factory=list)
    duplicates: list[Duplicate] = field(default_factory=list)

    @property
    def recognised(self) -> int:
        return len(self.positions) + len(self.duplicates)

    @property
    def width(self) -> int:
        """Cells up to the last non-empty header cell: trailing empty header cells do not count."""
        filled = [i for i, cell in enumerate(self.cells) if cell and cell.strip(WHITESPACE)]
        return filled[-1] + 1 if filled else 0


def match_header(cells: Sequence[str | None], table: Table, row_index: int = 0) -> HeaderMatch:
    """Map one candidate header row; never raises (duplicates are recorded for the caller)."""
    index = alias_index(table)
    match = HeaderMatch(row_index, list(cells))
    for position, cell in enumerate(cells):
        text = (cell or "").strip(WHITESPACE)
        if not text:
            continue
        canonical = index.get(normalise_header(text))
        if canonical is None:
            if text not in match.unknown:
                match.unknown.append(text)
        elif canonical in match.positions:
            first = match.positions[canonical]
            first_text = (cells[first] or "").strip(WHITESPACE)
            match.duplicates.append(Duplicate(canonical, first_text, first, text, position))
        else:
            match.positions[canonical] = position
    return match


def qualifies(match: HeaderMatch, table: Table) -> bool:
    """A header needs two recognised cells, or one when the table requires a single column."""
    return match.recognised >= (1 if len(table.required) <= 1 else 2)


def find_header(rows: Iterable[Sequence[str | None]], table: Table) -> HeaderMatch | None:
    """The first of the first 20 rows with the most recognised headers, if any row qualifies."""
    best: HeaderMatch | None = None
    for row_index, cells in enumerate(rows):
        if row_index >= HEADER_SCAN_ROWS:
            break
        match = match_header(cells, table, row_index)
        if qualifies(match, table) and (best is None or match.recognised > best.recognised):
            best = match
    return best


def missing_required(match: HeaderMatch, table: Table) -> list[str]:
    return [name for name in table.required if name not in match.positions]


def no_header_error(path: Path, table: Table, where: str = "") -> FileReadError:
    required = [table.column(name) for name in table.required]
    examples = "、".join(column.aliases[0] if column.aliases else column.name for column in required)
    message = (
        f"{where}前 {HEADER_SCAN_ROWS} 行中找不到“{table.label}”的表头："
        f"表头行至少要有 2 个可识别的列名（例如 {examples}，或对应的英文列名）"
    )
    return FileReadError(path, FILE_NO_HEADER, message)


def raise_for_duplicates(path: Path, match: HeaderMatch, header_row: int, table: Table) -> None:
    """Two headers naming the same column make every value ambiguous: refuse the whole file."""
    if not match.duplicates:
        return
    dup = match.duplicates[0]
    column = table.column(dup.canonical)
    label = f"{dup.canonical}（{column.aliases[0]}）" if column.aliases else dup.canonical
    message = (
        f"第 {header_row} 行表头中“{dup.first}”（第 {dup.first_index + 1} 列）和“{dup.second}”"
        f"（第 {dup.second_index + 1} 列）都对应同一列 {label}，请删除或改名其中一列"
    )
    raise FileReadError(path, FILE_DUPLICATE_COLUMN, message)


def shape_frame(raw: pl.DataFrame, match: HeaderMatch, table: Table) -> pl.DataFrame:
    """Turn a reader's raw frame into the RawTable layout.

    ``raw`` holds ``_row`` and ``_c0`` … ``_c{n-1}`` (every header position, as text), optionally
    ``_extra`` and ``_error``. Cells are stripped and emptied to null; rows whose every cell is
    empty are dropped; the result is ``_row`` (Int64), the recognised canonical columns in table
    order, ``_extra`` (only when some row has surplus cells) and ``_error`` (always, Utf8).
    """
    cells = [name for name in raw.columns if name.startswith("_c")]
    kept = [*cells, EXTRA] if EXTRA in raw.columns else cells
    frame = raw.with_columns(pl.col(name).str.strip_chars(WHITESPACE) for name in kept)
    frame = frame.with_columns(pl.when(pl.col(name) != "").then(pl.col(name)).alias(name) for name in kept)
    if kept:
        frame = frame.filter(~pl.all_horizontal(pl.col(name).is_null() for name in kept))
    selected = [pl.col(ROW).cast(pl.Int64)]
    selected += [
        pl.col(cell_column(match.positions[c.name])).alias(c.name) for c in table.columns if c.name in match.positions
    ]
    if EXTRA in frame.columns and frame[EXTRA].null_count() < frame.height:
        selected.append(pl.col(EXTRA))
    if ERROR in frame.columns:
        selected.append(pl.col(ERROR).cast(pl.String))
    else:
        selected.append(pl.lit(None, dtype=pl.String).alias(ERROR))
    return frame.select(selected)
